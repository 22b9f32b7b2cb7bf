package synth

import (
	"math/rand/v2"
	"time"
)

// ARP: every host announces itself once at boot (gratuitous ARP), and each
// (host, next hop) pair a conversation needs is resolved just before its
// first use and refreshed every few minutes, as neighbour caches expire.

const (
	arpRequest = 1
	arpReply   = 2
)

// arpFrame builds an Ethernet/ARP frame for IPv4.
func (g *Generator) arpFrame(dst mac, vlan uint16, op uint16, smac mac, sip [4]byte, tmac mac, tip [4]byte) {
	g.fr.ether(dst, smac, vlan, etherARP)
	b := append(g.fr.b, 0, 1, 8, 0, 6, 4, 0, byte(op))
	b = append(b, smac[:]...)
	b = append(b, sip[:]...)
	b = append(b, tmac[:]...)
	b = append(b, tip[:]...)
	g.fr.b = b
}

// announce sends a host's gratuitous ARP at boot; the router sends one per
// gateway address.
type announce struct{ h *host }

func (g *Generator) startAnnounce(h *host) {
	p := &announce{h: h}
	if h == g.router {
		for i := range g.subnets {
			g.at(h.bootNs+int64(i)*int64(time.Millisecond), p, 0, uint16(i))
		}
		return
	}
	g.at(h.bootNs, p, 0, 0)
}

func (a *announce) fire(g *Generator, ev event) bool {
	h := a.h
	ip, vlan := h.ip, h.vlan
	if h == g.router {
		s := g.subnets[ev.arg]
		ip, vlan = s.gw, s.vlan
	}
	g.arpFrame(macBroadcast, vlan, arpRequest, h.mac, ip, mac{}, ip)
	if h.run != nil {
		h.run.note(g.now, len(g.fr.b))
	}
	return true
}

type arpKey struct {
	asker  mac
	target [4]byte
}

// arpPair is one neighbour-cache entry: asker resolving target.
type arpPair struct {
	askMAC, ansMAC mac
	askIP, ansIP   [4]byte
	vlan           uint16
	first          int64
	rng            *rand.Rand
}

// needARP registers that from will send to `to` at time at, so from (and,
// across subnets, the router) must resolve the next hop beforehand. It is
// only called while the generator starts, before any event fires.
func (g *Generator) needARP(from, to *host, at int64) {
	if from.sub == to.sub {
		g.arpEntry(from.mac, from.ip, to.mac, to.ip, from.vlan, at)
		return
	}
	if from != g.router {
		g.arpEntry(from.mac, from.ip, g.router.mac, from.sub.gw, from.vlan, at)
	}
	g.arpEntry(g.router.mac, to.sub.gw, to.mac, to.ip, to.sub.vlan, at)
}

func (g *Generator) arpEntry(askMAC mac, askIP [4]byte, ansMAC mac, ansIP [4]byte, vlan uint16, at int64) {
	k := arpKey{askMAC, ansIP}
	if p := g.arps[k]; p != nil {
		p.first = min(p.first, at)
		return
	}
	p := &arpPair{askMAC: askMAC, askIP: askIP, ansMAC: ansMAC, ansIP: ansIP, vlan: vlan, first: at}
	g.arps[k] = p
	g.arpOrder = append(g.arpOrder, p)
}

// scheduleARP starts every registered pair, in registration order.
func (g *Generator) scheduleARP() {
	for _, p := range g.arpOrder {
		p.rng = g.rng("arp/" + g.keyIP(p.askIP) + ">" + g.keyIP(p.ansIP))
		g.at(p.first-uniform(p.rng, time.Millisecond, 3*time.Millisecond), p, 0, 0)
	}
}

func (p *arpPair) fire(g *Generator, ev event) bool {
	if ev.op == 0 {
		g.arpFrame(macBroadcast, p.vlan, arpRequest, p.askMAC, p.askIP, mac{}, p.ansIP)
		g.after(uniform(p.rng, 100*time.Microsecond, 800*time.Microsecond), p, 1, 0)
		g.after(uniform(p.rng, 4*time.Minute, 6*time.Minute), p, 0, 0)
		return true
	}
	g.arpFrame(p.askMAC, p.vlan, arpReply, p.ansMAC, p.ansIP, p.askMAC, p.askIP)
	return true
}
