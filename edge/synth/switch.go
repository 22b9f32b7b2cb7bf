package synth

import (
	"math/rand/v2"
	"time"
)

// Managed switches send LLDP every 30 s and RSTP BPDUs every 2 s (hello
// time). Both are link-local and untagged. The router (core switch) is the
// spanning-tree root; the cell switches hang off it at 1 Gbit/s.

const (
	lldpEvery = 30 * time.Second
	stpHello  = 2 * time.Second
	rootPrio  = 4096
	leafPrio  = 32768
	rstpCost  = 20000 // 802.1D-2004 path cost of a 1 Gbit/s link
)

type switchProc struct {
	h   *host
	rng *rand.Rand
}

func (g *Generator) startSwitch(h *host) {
	p := &switchProc{h: h, rng: g.rng("switch/" + h.Name)}
	g.at(h.bootNs+uniform(p.rng, 0, 500*time.Millisecond), p, 0, 0)
	g.at(h.bootNs+uniform(p.rng, 0, stpHello), p, 1, 0)
}

func (p *switchProc) fire(g *Generator, ev event) bool {
	if ev.op == 0 {
		g.lldp(p.h)
		g.after(int64(lldpEvery)+uniform(p.rng, 0, 5*time.Millisecond), p, 0, 0)
	} else {
		g.bpdu(p.h)
		g.after(int64(stpHello)+uniform(p.rng, 0, time.Millisecond), p, 1, 0)
	}
	return true
}

func lldpTLV(b []byte, typ byte, n int) []byte {
	return append(b, typ<<1|byte(n>>8), byte(n))
}

func (g *Generator) lldp(h *host) {
	g.fr.ether(macLLDP, h.mac, 0, etherLLDP)
	b := g.fr.b
	b = lldpTLV(b, 1, 7) // chassis ID: MAC address
	b = append(b, 4)
	b = append(b, h.mac[:]...)
	port, desc := "port1.0.1", "uplink to core"
	if h == g.router {
		port, desc = "GigabitEthernet1/0/1", "to cell switches"
	}
	b = lldpTLV(b, 2, 1+len(port)) // port ID: interface name
	b = append(b, 5)
	b = append(b, port...)
	b = lldpTLV(b, 3, 2) // TTL
	b = be16(b, uint16(4*lldpEvery/time.Second))
	b = lldpTLV(b, 4, len(desc))
	b = append(b, desc...)
	b = lldpTLV(b, 5, len(h.Name))
	b = append(b, h.Name...)
	sys := h.Vendor + " " + h.Model + ", " + h.OS
	b = lldpTLV(b, 6, len(sys))
	b = append(b, sys...)
	caps := uint16(0x0004) // bridge
	if h == g.router {
		caps |= 0x0010 // router
	}
	b = lldpTLV(b, 7, 4)
	b = be16(b, caps)
	b = be16(b, caps)
	b = lldpTLV(b, 8, 12) // management address: IPv4, ifIndex 1, no OID
	b = append(b, 5, 1)
	b = append(b, h.ip[:]...)
	b = append(b, 2)
	b = be32(b, 1)
	b = append(b, 0)
	b = lldpTLV(b, 0, 0)
	g.fr.b = b
}

// bpdu sends an RSTP configuration BPDU from a designated, forwarding port.
func (g *Generator) bpdu(h *host) {
	g.fr.ether(macSTP, h.mac, 0, 39) // 802.3 length: LLC (3) + BPDU (36)
	b := append(g.fr.b, 0x42, 0x42, 0x03)
	b = append(b, 0, 0, 2, 2) // protocol 0, version 2 (RSTP), type 2 (RST BPDU)
	b = append(b, 0x3c)       // flags: forwarding, learning, designated port
	b = be16(b, rootPrio)
	b = append(b, g.router.mac[:]...)
	prio, cost, age := uint16(rootPrio), uint32(0), uint16(0)
	if h != g.router {
		prio, cost, age = leafPrio, rstpCost, 1
	}
	b = be32(b, cost)
	b = be16(b, prio)
	b = append(b, h.mac[:]...)
	b = be16(b, 0x8001)  // port ID
	b = be16(b, age*256) // message age, 1/256 s units
	b = be16(b, 20*256)  // max age
	b = be16(b, uint16(stpHello/time.Second)*256)
	b = be16(b, 15*256) // forward delay
	b = append(b, 0)    // version 1 length
	g.fr.b = b
}
