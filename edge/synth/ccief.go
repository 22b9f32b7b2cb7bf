package synth

import (
	"math/rand/v2"
	"time"
)

// CC-Link IE Field Basic (ot_protocols.md §2.1): every link scan the master
// broadcasts one cyclic request (SLMP 3E header, command 0x0E70) on UDP
// 61450 to the subnet's directed broadcast, carrying its clock, the slave
// list and each slave's output words (RWw) and bits (RY); each slave answers
// by unicast with its input words (RWr) and bits (RX). Every slave here
// occupies one station: 32 words and 64 bits each way.

const (
	ccPort        = 61450
	ccCyclicCmd   = 0x0e70
	ccVersion     = 1
	ccTimeoutMs   = 500
	ccTimeoutRuns = 3
	ccParamNo     = 11
	ccVendor      = 0x0000 // vendor code reported by the slaves
	ccModel       = 0x00000001
)

type ccief struct {
	master *host
	slaves []*host
	cycle  int64
	rng    *rand.Rand
	seq    uint16
}

func (g *Generator) startCCIEF(c *CCIEFGroup) {
	p := &ccief{master: g.host(c.Master), cycle: int64(c.Cycle), rng: g.rng("cciefb/" + c.Master)}
	ready := p.master.ready()
	for _, name := range c.Slaves {
		s := g.host(name)
		p.slaves = append(p.slaves, s)
		ready = max(ready, s.ready())
	}
	p.seq = uint16(p.rng.Uint32())
	first := ready + int64(time.Second) + uniform(p.rng, 0, c.Cycle)
	for _, s := range p.slaves {
		g.needARP(s, p.master, first)
	}
	g.at(first, p, 0, 0)
}

// ipLE is an IPv4 address as CC-Link stores it: a little-endian uint32.
func ipLE(b []byte, ip [4]byte) []byte { return append(b, ip[3], ip[2], ip[1], ip[0]) }

func (p *ccief) fire(g *Generator, ev event) bool {
	if ev.op == 0 {
		p.request(g)
		t := int64(0)
		for i := range p.slaves {
			t += uniform(p.rng, 300*time.Microsecond, 1200*time.Microsecond)
			g.after(t, p, 1, uint16(i))
		}
		g.after(p.cycle+uniform(p.rng, 0, 200*time.Microsecond), p, 0, 0)
		return true
	}
	p.response(g, int(ev.arg))
	return true
}

func (p *ccief) request(g *Generator) {
	m := p.master
	p.seq++
	g.beginUDPTo(m, macBroadcast, m.sub.bcast, m.prof.ttl, ccPort, ccPort)
	b := g.fr.b
	start := len(b)
	n := len(p.slaves)
	b = append(b, 0x50, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0, 0) // dl patched below
	b = le16(b, 0)                                                // reserved
	b = le16(b, ccCyclicCmd)
	b = le16(b, 0)
	b = le16(b, ccVersion)
	b = le16(b, 0)
	b = le16(b, 36) // offset of the cyclic information
	b = zeros(b, 14)
	b = le16(b, 1) // master running
	b = le16(b, 0)
	b = le64(b, uint64(g.now/int64(time.Millisecond)))
	b = ipLE(b, m.ip)
	b = append(b, 1, 0) // group 1
	b = le16(b, p.seq)
	b = le16(b, ccTimeoutMs)
	b = le16(b, ccTimeoutRuns)
	b = le16(b, ccParamNo)
	b = le16(b, uint16(n))
	b = le16(b, uint16(1<<n-1)) // every slave in cyclic transmission
	b = le16(b, 0)
	for _, s := range p.slaves {
		b = ipLE(b, s.ip)
	}
	for i := 0; i < 32*n; i++ { // RWw
		b = le16(b, procWord(i, g.now, 31))
	}
	for i := 0; i < 8*n; i++ { // RY
		b = append(b, byte(procWord(i*4, g.now, 37)))
	}
	dl := len(b) - start - 9
	b[start+7], b[start+8] = byte(dl), byte(dl>>8)
	g.fr.b = b
}

func (p *ccief) response(g *Generator, i int) {
	s := p.slaves[i]
	g.beginUDP(s, p.master, ccPort, ccPort)
	b := g.fr.b
	start := len(b)
	b = append(b, 0xd0, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0, 0)
	b = le16(b, 0)
	b = le16(b, ccVersion)
	b = le16(b, 0x0000) // end code: normal
	b = le16(b, 40)     // offset of the cyclic information
	b = zeros(b, 14)
	b = le16(b, ccVendor)
	b = le16(b, 0)
	b = le32(b, ccModel+uint32(i))
	b = le16(b, 0x0001) // equipment version
	b = le16(b, 0)
	b = le16(b, 1) // slave running
	b = le16(b, 0) // no error
	b = le32(b, 0)
	b = ipLE(b, s.ip)
	b = append(b, 1, 0)
	b = le16(b, p.seq)
	for k := 0; k < 32; k++ { // RWr
		b = le16(b, procWord(k, g.now, 41+uint32(i)))
	}
	for k := 0; k < 8; k++ { // RX
		b = append(b, byte(procWord(k*4, g.now, 43)))
	}
	dl := len(b) - start - 9
	b[start+7], b[start+8] = byte(dl), byte(dl>>8)
	g.fr.b = b
}
