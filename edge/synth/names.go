package synth

import (
	"math/rand/v2"
	"strings"
	"time"
)

// Name-service chatter of desktop operating systems. Windows registers its
// NetBIOS names by broadcast after boot and, like every browser-era client,
// keeps looking for a proxy auto-config host ("wpad") through DNS, LLMNR
// and NetBIOS. Windows 10 and Linux desktops announce themselves by mDNS
// and browse for services. All of it is what passive inventory learns
// host names and OS hints from.

const (
	namesOpRegister = iota // arg: name index << 2 | repeat
	namesOpAnnounce
	namesOpRound // a wpad lookup round
	namesOpDNSQuery
	namesOpDNSReply
	namesOpLLMNR // arg: repeat
	namesOpNBQuery
	namesOpBrowse
)

type names struct {
	h      *host
	rng    *rand.Rand
	nbID   uint16 // NetBIOS transaction ids increase by one per query
	dnsID  uint16
	dnsSrc uint16
	llmnr  uint16 // LLMNR source port
	nb     []nbEntry
}

type nbEntry struct {
	name   string
	suffix byte
	group  bool
}

func (g *Generator) startNames(h *host) {
	p := &names{h: h, rng: g.rng("names/" + h.Name)}
	p.nbID = uint16(p.rng.Uint32())
	t0 := h.ready() + uniform(p.rng, 500*time.Millisecond, 1500*time.Millisecond)
	if h.prof.windows {
		p.nb = []nbEntry{
			{h.Name, 0x00, false},         // workstation service
			{g.fac.Workgroup, 0x00, true}, // domain / workgroup membership
			{h.Name, 0x20, false},         // file server service
		}
		for i := range p.nb {
			for rep := 0; rep < 3; rep++ {
				at := t0 + int64(i)*int64(5*time.Millisecond) + int64(rep)*int64(750*time.Millisecond)
				g.at(at, p, namesOpRegister, uint16(i<<2|rep))
			}
		}
		round := t0 + uniform(p.rng, 5*time.Second, 10*time.Second)
		g.at(round, p, namesOpRound, 0)
		if p.usesDNS(g) {
			g.needARP(h, g.dns, round)
			g.needARP(g.dns, h, round)
		}
	}
	if h.prof.mdns && desktop(h.Role) {
		g.at(t0+int64(300*time.Millisecond), p, namesOpAnnounce, 0)
		g.at(t0+uniform(p.rng, 20*time.Second, 60*time.Second), p, namesOpBrowse, 0)
	}
}

// usesDNS: hosts on the shop floor are configured without a DNS server.
func (p *names) usesDNS(g *Generator) bool { return p.h.Cell == 0 && p.h != g.dns }

func (p *names) fire(g *Generator, ev event) bool {
	h, r := p.h, p.rng
	switch ev.op {
	case namesOpRegister:
		e := p.nb[ev.arg>>2]
		g.beginUDPTo(h, macBroadcast, h.sub.bcast, h.prof.ttl, 137, 137)
		p.nbID++
		b := dnsHeader(g.fr.b, p.nbID, 0x2910, 1, 0, 0, 1) // registration, recursion desired, broadcast
		b = appendNBName(b, e.name, e.suffix)
		b = be16(b, nbTypeNB)
		b = be16(b, 1)
		b = append(b, 0xc0, 12)
		b = be16(b, nbTypeNB)
		b = be16(b, 1)
		b = be32(b, 300000) // TTL
		b = be16(b, 6)
		nbFlags := uint16(0x0000) // B-node, unique
		if e.group {
			nbFlags = 0x8000
		}
		b = be16(b, nbFlags)
		g.fr.b = append(b, h.ip[:]...)
	case namesOpAnnounce:
		g.beginUDPTo(h, macMDNS, g.ipMDNS, 255, 5353, 5353)
		b := dnsHeader(g.fr.b, 0, 0x8400, 0, 1, 0, 0)
		b = appendName(b, mdnsName(h.Name))
		b = be16(b, dnsTypeA)
		b = be16(b, 0x8001) // IN, cache flush
		b = be32(b, 120)
		b = be16(b, 4)
		g.fr.b = append(b, h.ip[:]...)
	case namesOpRound:
		d := int64(2 * time.Millisecond)
		if p.usesDNS(g) {
			g.after(0, p, namesOpDNSQuery, 0)
		}
		p.llmnr = h.ephemeralPort()
		g.after(d, p, namesOpLLMNR, 0)
		g.after(d+int64(100*time.Millisecond), p, namesOpLLMNR, 1)
		for rep := 0; rep < 3; rep++ {
			g.after(d+int64(rep)*int64(750*time.Millisecond), p, namesOpNBQuery, 0)
		}
		g.after(uniform(r, 10*time.Minute, 20*time.Minute), p, namesOpRound, 0)
		return false
	case namesOpDNSQuery:
		p.dnsID, p.dnsSrc = uint16(r.Uint32()), h.ephemeralPort()
		g.beginUDP(h, g.dns, p.dnsSrc, 53)
		g.fr.b = dnsQuery(g.fr.b, p.dnsID, "wpad."+g.fac.Domain, dnsTypeA)
		g.after(uniform(r, 200*time.Microsecond, time.Millisecond), p, namesOpDNSReply, 0)
	case namesOpDNSReply:
		g.beginUDP(g.dns, h, 53, p.dnsSrc)
		g.fr.b = dnsAnswer(g.fr.b, p.dnsID, "wpad."+g.fac.Domain, g.fac.Domain, false, ipZero)
	case namesOpLLMNR:
		g.beginUDPTo(h, macLLMNR, g.ipLLMNR, 1, p.llmnr, 5355)
		b := dnsHeader(g.fr.b, uint16(r.Uint32()), 0, 1, 0, 0, 0)
		b = appendName(b, "wpad")
		b = be16(b, dnsTypeA)
		g.fr.b = be16(b, 1)
	case namesOpNBQuery:
		g.beginUDPTo(h, macBroadcast, h.sub.bcast, h.prof.ttl, 137, 137)
		p.nbID++
		b := dnsHeader(g.fr.b, p.nbID, 0x0110, 1, 0, 0, 0) // query, recursion desired, broadcast
		b = appendNBName(b, "WPAD", 0x00)
		b = be16(b, nbTypeNB)
		g.fr.b = be16(b, 1)
	case namesOpBrowse:
		// Chrome on Windows looks for cast devices; Linux desktops for printers.
		svc := "_googlecast._tcp.local"
		if !h.prof.windows {
			svc = "_ipp._tcp.local"
		}
		g.beginUDPTo(h, macMDNS, g.ipMDNS, 255, 5353, 5353)
		b := dnsHeader(g.fr.b, 0, 0, 1, 0, 0, 0)
		b = appendName(b, svc)
		b = be16(b, dnsTypePTR)
		g.fr.b = be16(b, 1)
		g.after(uniform(r, 2*time.Minute, 5*time.Minute), p, namesOpBrowse, 0)
	}
	if h.run != nil {
		h.run.note(g.now, len(g.fr.b))
	}
	return true
}

func mdnsName(host string) string {
	return strings.ToLower(host) + ".local"
}
