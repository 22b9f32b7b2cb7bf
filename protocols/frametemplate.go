package protocols

import (
	"encoding/binary"

	"mimamori/edge/decode"
)

// Layer-2 cyclic frames (CC-Link IE Field's RX, RY, RWr and RWw, sent by
// every station every scan) are held in templates too. A frame has no
// conversation, so its templates live in a small table found by the
// frame's sender, receiver, VLAN and dissector: each entry keeps the last
// three kinds of frame between them (a station sends two kinds of cyclic
// data and its status in turn), and a frame agreeing with one is held
// there instead of being keyed, looked up and counted. A kind of frame
// that reports nothing (no event, no identity) is held too: its repeats
// only count in the statistics. The rules are those of conversations'
// templates: what is held is folded into the event before anything else
// counts in it and before the minute is rendered, and an entry taken by
// another pair of stations is folded in first.

// frameTemplateBits sizes frameTemplates: 256 entries of 472 bytes.
const frameTemplateBits = 8

// frameKinds is how many kinds of frame an entry of frameTemplates holds.
const frameKinds = 3

// frameTemplates is the Tracker's table of layer-2 templates.
type frameTemplates [1 << frameTemplateBits]frameTemplate

// frameTemplate holds the templates of one sender and receiver.
type frameTemplate struct {
	src, dst [6]byte
	vlan     uint16
	owner    uint8 // dissector index + 1; 0: empty
	listed   bool  // in Tracker.holders this minute
	held     [frameKinds]frameHeld
}

// frameHeld is one kind of frame held: where and how it is counted, the
// repeats held since they were last folded in, and the template's words.
type frameHeld struct {
	pend        uint32
	gen         uint32 // the minute (aggregator.gen)
	last        int64
	idx         int32 // the event; -1 for a frame that reports none
	kind        Kind
	err         bool
	srcIsSender bool
	_           byte
	words       repeatTemplate
}

// of returns the entry a frame between these addresses belongs in.
func (f *frameTemplates) of(p *decode.Packet, owner uint8) (*frameTemplate, int32) {
	src := uint64(binary.LittleEndian.Uint32(p.SrcMAC[:])) | uint64(binary.LittleEndian.Uint16(p.SrcMAC[4:]))<<32
	dst := uint64(binary.LittleEndian.Uint32(p.DstMAC[:])) | uint64(binary.LittleEndian.Uint16(p.DstMAC[4:]))<<32
	h := (src ^ dst<<13 ^ dst>>51 ^ uint64(p.VLAN)<<48 ^ uint64(owner)<<56) * 0x9e3779b97f4a7c15
	i := int32(h >> (64 - frameTemplateBits))
	return &f[i], i
}

// frameHeldRepeat holds p, a layer-2 frame for dissector owner, in its
// template if it repeats one, and reports whether it did.
func (t *Tracker) frameHeldRepeat(p *decode.Packet, owner uint8) bool {
	if !p.HasEthernet || !p.HasDstMAC {
		return false
	}
	ft, i := t.ftmpls.of(p, owner)
	if ft.owner != owner || ft.src != p.SrcMAC || ft.dst != p.DstMAC || ft.vlan != p.VLAN {
		return false
	}
	var h *frameHeld
	for k := range ft.held {
		if ft.held[k].agrees(p, t.agg.gen) {
			h = &ft.held[k]
			break
		}
	}
	if h == nil {
		return false
	}
	if h.pend == 0 {
		me := -i - 1
		if h.idx >= 0 {
			a := &t.agg.aggs[h.idx]
			if a.first == 0 {
				return false // see claim
			}
			if a.holder != me {
				if a.holder != 0 {
					t.foldSlot(a.holder)
				}
				a.holder = me
			}
		}
		if !ft.listed {
			ft.listed = true
			t.holders = append(t.holders, me)
		}
	}
	h.pend++
	h.last = p.TimestampNs
	return true
}

// agrees reports whether p, sent in minute gen, repeats h's frame.
func (h *frameHeld) agrees(p *decode.Packet, gen uint32) bool {
	return h.gen == gen && int(h.words.plen) == len(p.Payload) && p.TimestampNs >= h.last &&
		h.words.wordsMatch(p.Payload)
}

// keepFrameTemplate makes a template of p, a frame for dissector owner
// counted in event idx, if the dissector names its key's bytes: of a frame
// just dissected (force), in place of the entry's oldest template; of one
// found by its key, only in place of one empty, stale or unused for
// templateIdle.
func (t *Tracker) keepFrameTemplate(p *decode.Packet, owner uint8, idx int32, kind Kind, isErr, srcIsSender, force bool) {
	mk := t.repeaters[owner-1].mask
	if mk == nil || !p.HasEthernet || !p.HasDstMAC || p.TimestampNs <= 0 {
		return
	}
	ft, _ := t.ftmpls.of(p, owner)
	same := ft.owner == owner && ft.src == p.SrcMAC && ft.dst == p.DstMAC && ft.vlan == p.VLAN
	// The empty or stale template, else the one held last longest ago.
	h := &ft.held[0]
	for k := range ft.held {
		if b := &ft.held[k]; b.gen != t.agg.gen {
			h = b
			break
		} else if b.last < h.last {
			h = b
		}
	}
	if !force && (!same || h.gen == t.agg.gen && p.TimestampNs-h.last < templateIdle) {
		return
	}
	t.foldFrame(ft)
	if !same {
		ft.owner, ft.src, ft.dst, ft.vlan = owner, p.SrcMAC, p.DstMAC, p.VLAN
		ft.held = [frameKinds]frameHeld{}
		h = &ft.held[0]
	}
	// A frame that gets no template still takes the place, with no length
	// to match, as keepTemplate's messages do.
	*h = frameHeld{gen: t.agg.gen, last: p.TimestampNs, idx: idx, kind: kind, err: isErr, srcIsSender: srcIsSender}
	m := &t.mask
	*m = RepeatMask{}
	if mk.RepeatMask(p.Payload, true, m) {
		h.words.set(p.Payload, m)
	}
}

// foldFrame counts the repeats ft holds in their events.
func (t *Tracker) foldFrame(ft *frameTemplate) {
	for k := range ft.held {
		h := &ft.held[k]
		n := t.takeHeld(&h.pend)
		if n == 0 {
			continue
		}
		if h.idx < 0 {
			continue
		}
		a := &t.agg.aggs[h.idx]
		a.holder = 0
		a.add(n, h.kind, h.err, h.last)
		a.setMACs(true, ft.src, ft.dst, true, h.srcIsSender)
	}
}
