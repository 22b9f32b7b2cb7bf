package synth

import (
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"time"
)

// CC-Link IE Field (ot_protocols.md §2.3): layer-2 frames on EtherType
// 0x890F with the "field-style" 14-byte header (frame type, data type,
// node id, connection info, node type, source node number, protocol
// version 0x01, a 4-byte header check). Every link scan the master sends
// its link registers (cyclicDataRWw, 0x82) and relays (cyclicDataRY, 0x83)
// and each station answers with its own (RWr 0x84, RX 0x85); every node
// broadcasts myStatus (0x20) once a second. Real link scans run near 1 ms
// on a dedicated network; a plant mirror that sees one at all usually sees
// it slowed or sampled, so FieldNetwork.Cycle is left to the plant.

const (
	etherCCIE = 0x890f

	fieldMyStatus = 0x20
	fieldRWw      = 0x82
	fieldRY       = 0x83
	fieldRWr      = 0x84
	fieldRX       = 0x85

	fieldVersion    = 0x01 // protocol version type: CC-Link IE Field
	fieldNodeMaster = '0'
	fieldNodeRemote = '4' // remote device station (servo, inverter)
	fieldStatusPer  = time.Second

	fieldWordsPer = 16 // RWw/RWr words per station
	fieldBitsPer  = 8  // RY/RX bytes per station
)

const (
	fieldOpRWw = iota
	fieldOpRY
	fieldOpRWr // arg: station index
	fieldOpRX
	fieldOpStatus // arg: node index, 0 = master
)

type fieldNet struct {
	nodes []*host // master first
	cycle int64
	rng   *rand.Rand
	seq   uint16
}

func (g *Generator) startField(n *FieldNetwork) {
	p := &fieldNet{cycle: int64(n.Cycle), rng: g.rng("field/" + n.Master)}
	p.nodes = append(p.nodes, g.host(n.Master))
	for _, name := range n.Stations {
		p.nodes = append(p.nodes, g.host(name))
	}
	ready := int64(0)
	for _, h := range p.nodes {
		ready = max(ready, h.bootNs)
	}
	first := ready + int64(2*time.Second) + uniform(p.rng, 0, n.Cycle)
	g.at(first, p, fieldOpRWw, 0)
	for i := range p.nodes {
		g.at(first+uniform(p.rng, 0, fieldStatusPer), p, fieldOpStatus, uint16(i))
	}
}

// header starts a frame from node i (0 = master) of the given type.
func (p *fieldNet) header(g *Generator, i int, typ byte, nodeType byte) {
	h := p.nodes[i]
	g.fr.ether(macBroadcast, h.mac, h.vlan, etherCCIE)
	b := append(g.fr.b, typ, 0x00)
	b = be16(b, uint16(i))
	b = append(b, 0x01, nodeType) // sync flag / connection info, node type
	b = be16(b, uint16(i))
	b = append(b, fieldVersion, 0)
	hec := crc32.ChecksumIEEE(b[len(b)-10:])
	g.fr.b = binary.BigEndian.AppendUint32(b, hec)
}

func (p *fieldNet) fire(g *Generator, ev event) bool {
	n := len(p.nodes) - 1 // stations
	switch ev.op {
	case fieldOpRWw:
		p.seq++
		p.header(g, 0, fieldRWw, fieldNodeMaster)
		for k := 0; k < fieldWordsPer*n; k++ {
			g.fr.b = le16(g.fr.b, procWord(k, g.now, 61))
		}
		g.after(uniform(p.rng, 5*time.Microsecond, 15*time.Microsecond), p, fieldOpRY, 0)
		t := int64(20 * time.Microsecond)
		for i := 1; i <= n; i++ {
			t += uniform(p.rng, 40*time.Microsecond, 120*time.Microsecond)
			g.after(t, p, fieldOpRWr, uint16(i))
		}
		g.after(p.cycle+uniform(p.rng, 0, 20*time.Microsecond), p, fieldOpRWw, 0)
	case fieldOpRY:
		p.header(g, 0, fieldRY, fieldNodeMaster)
		for k := 0; k < fieldBitsPer*n; k++ {
			g.fr.b = append(g.fr.b, byte(procWord(k*3, g.now, 67)))
		}
	case fieldOpRWr:
		i := int(ev.arg)
		p.header(g, i, fieldRWr, fieldNodeRemote)
		for k := 0; k < fieldWordsPer; k++ {
			g.fr.b = le16(g.fr.b, procWord(k, g.now, 71+uint32(i)))
		}
		g.after(uniform(p.rng, 5*time.Microsecond, 15*time.Microsecond), p, fieldOpRX, ev.arg)
	case fieldOpRX:
		i := int(ev.arg)
		p.header(g, i, fieldRX, fieldNodeRemote)
		for k := 0; k < fieldBitsPer; k++ {
			g.fr.b = append(g.fr.b, byte(procWord(k*5, g.now, 73+uint32(i))))
		}
	case fieldOpStatus:
		i := int(ev.arg)
		nt := byte(fieldNodeRemote)
		if i == 0 {
			nt = fieldNodeMaster
		}
		p.header(g, i, fieldMyStatus, nt)
		g.fr.b = be16(g.fr.b, p.seq)
		g.fr.b = append(g.fr.b, 0x01, 0x00) // running, no error
		g.fr.b = zeros(g.fr.b, 12)
		g.after(int64(fieldStatusPer)+uniform(p.rng, 0, time.Millisecond), p, fieldOpStatus, ev.arg)
	}
	return true
}
