package protocols

import (
	"encoding/binary"

	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/flow"
)

// Routed conversations. The flow table keys flows by VLAN, so when a
// client and a server sit in different VLANs and a router joins them, the
// sensor sees the requests in one flow (the client's VLAN) and the
// responses in another (the server's). Protocols whose responses do not
// repeat the request's command (SLMP) could not name them, and every event
// would be split in two. The Tracker therefore links such a pair: when a
// conversation is classified, it looks up the same endpoints in another
// VLAN; if that flow has carried payload one way only and this packet goes
// the other way, the two are one routed conversation. The later one (the
// twin) then shares the earlier one's dissector, dissector state and VLAN,
// so its events count in the same aggregates.
//
// Two cells with the same addressing in different VLANs (a common plant
// layout) are not linked: by the time the second conversation starts, the
// first has carried payload both ways.
//
// The index is consulted once per conversation, when it is classified,
// and entries of flows that have gone are dropped at each flush.

// tupleKey identifies a conversation's endpoints regardless of VLAN and
// direction: a before b.
type tupleKey struct {
	a, b         [16]byte
	aPort, bPort uint16
	tcp          bool
}

// twinEntry is a classified conversation that a twin may link to.
type twinEntry struct {
	slot    int32
	id      uint64
	vlan    uint16
	senderA bool // its first payload came from endpoint a
}

// makeTupleKey returns p's endpoints in order and whether p's sender is a.
func makeTupleKey(p *decode.Packet) (tupleKey, bool) {
	src, dst := p.SrcIP.As16(), p.DstIP.As16()
	k := tupleKey{tcp: p.IPProto == layers.IPProtocolTCP}
	if endpointBefore(src, p.SrcPort, dst, p.DstPort) {
		k.a, k.b, k.aPort, k.bPort = src, dst, p.SrcPort, p.DstPort
		return k, true
	}
	k.a, k.b, k.aPort, k.bPort = dst, src, p.DstPort, p.SrcPort
	return k, false
}

func endpointBefore(x [16]byte, xp uint16, y [16]byte, yp uint16) bool {
	x0, y0 := binary.BigEndian.Uint64(x[:8]), binary.BigEndian.Uint64(y[:8])
	if x0 != y0 {
		return x0 < y0
	}
	x1, y1 := binary.BigEndian.Uint64(x[8:]), binary.BigEndian.Uint64(y[8:])
	if x1 != y1 {
		return x1 < y1
	}
	return xp <= yp
}

// alive reports whether the entry's conversation still holds its slot.
func (t *Tracker) alive(e twinEntry) bool {
	return int(e.slot) < len(t.convs) && t.convs[e.slot].id == e.id
}

// linkTwin links c, about to be classified by p, to its routed twin if
// there is one, adopting the twin's classification.
func (t *Tracker) linkTwin(c *conv, p *decode.Packet, ref flow.Ref) bool {
	k, senderA := makeTupleKey(p)
	e, ok := t.twins[k]
	if !ok || e.slot == ref.Slot || e.vlan == p.VLAN || e.senderA == senderA || !t.alive(e) {
		return false
	}
	prim := &t.convs[e.slot]
	if prim.status != convClassified || prim.flags&convTwoWay != 0 || prim.twin != 0 {
		return false
	}
	c.twin, c.twinID = e.slot+1, e.id
	c.disp, c.port, c.vlan = prim.disp, prim.port, prim.vlan
	c.status = convClassified
	return true
}

// indexTwin makes a newly classified conversation findable by its twin.
func (t *Tracker) indexTwin(p *decode.Packet, ref flow.Ref) {
	if ref.Slot < 0 {
		return
	}
	k, senderA := makeTupleKey(p)
	t.twins[k] = twinEntry{slot: ref.Slot, id: ref.ID, vlan: p.VLAN, senderA: senderA}
}

// primary returns the conversation whose dissector state c uses: its twin
// while that lives, else c itself.
func (t *Tracker) primary(c *conv) *conv {
	if c.twin == 0 {
		return c
	}
	if e := (twinEntry{slot: c.twin - 1, id: c.twinID}); t.alive(e) {
		return &t.convs[e.slot]
	}
	c.twin = 0 // the twin has gone: carry on alone
	return c
}

// pruneTwins drops index entries of conversations that have gone.
func (t *Tracker) pruneTwins() {
	for k, e := range t.twins {
		if !t.alive(e) {
			delete(t.twins, k)
		}
	}
}
