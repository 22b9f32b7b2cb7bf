package protocols

import (
	"encoding/binary"
	"unsafe"

	"mimamori/edge/decode"
)

// aggKey identifies one OT event of a minute: protocol, function code,
// both endpoints and the VLAN. For IP protocols src and dst hold 16-byte
// addresses (IPv4 mapped) and the ports; for layer-2 protocols they hold
// MAC addresses in their first six bytes and the ports are zero. The
// struct is comparable and fixed-size so the map hashes it without
// allocating.
type aggKey struct {
	src, dst     [16]byte
	sport, dport uint16
	vlan         uint16
	code         uint32
	proto        uint8 // protocol number (Registry.protocol)
	l2           bool
	v6           bool
}

// maxAggAttrs bounds the distinct details kept per event and minute.
// Beyond it further values are not kept and the event says so.
const maxAggAttrs = 16

// inlineAggAttrs is how many of them an aggregate holds itself; the rest
// go to the aggregator's overflow slab. Nearly every event has no more
// distinct details than one message can carry. A minute's table is
// thousands of events, one touched per message in turn, so its size is
// what decides whether counting a message misses the CPU's cache: with
// sixteen details inline an aggregate was 1.2 KB (1.8 MB for the 1,500
// events a minute of the OT-heavy benchmark capture), now 576 bytes.
const inlineAggAttrs = MaxEventAttrs

// aggregate is one OT event being counted. The fields every message
// updates fill the first 64 bytes, and the struct is padded to whole
// cache lines, so that in the slice of aggregates (allocated aligned once
// it is large) counting a repeat touches one line; the key and function
// name, read only when the event is created and rendered, come last.
type aggregate struct {
	count, requests, responses uint64
	errors                     uint32
	// holder is the slot + 1 of the conversation holding repeats of
	// this event in a template (template.go), 0 for none.
	holder      int32
	first, last int64

	srcMAC    [6]byte
	dstMAC    [6]byte
	srcMACOwn bool // srcMAC came from src's own frames
	dstMACOwn bool
	hasSrcMAC bool
	hasDstMAC bool
	truncated bool // a detail was not kept for lack of room
	nattrs    uint8
	// single: every message counted had exactly the details kept, so a
	// repeat of one of them next minute may start the event from a copy
	// of them (aggregator.carried).
	single bool
	more   int32 // overflow details: index + 1 into aggregator.more, 0 for none

	attrs [inlineAggAttrs]Attr

	key      aggKey
	function string
	_        [56]byte
}

// overflowAttrs holds an aggregate's details beyond the inline ones.
type overflowAttrs [maxAggAttrs - inlineAggAttrs]Attr

// aggregator counts a minute's OT events in a bounded table.
type aggregator struct {
	index map[aggKey]int32
	aggs  []aggregate
	// prev is the last minute's table, kept until the next reset so that
	// templates of its messages can carry their events into this one;
	// prevGen is its generation.
	prev    []aggregate
	prevGen uint32
	more    []overflowAttrs // the minute's overflow details, reused
	max     int
	// gen numbers the minute; cached slots of an older generation are
	// stale. It starts at 1 so that a zero cache entry never matches. The
	// identity table is reset with the aggregator, so it numbers the
	// identities' minute too.
	gen     uint32
	dropped uint64 // messages of keys that found the table full
	// recent caches the slots of layer-2 events, which have no
	// conversation to remember them: cyclic frames repeat a few keys,
	// and a hit here costs a fraction of the map's hashing.
	recent [recentSlots]recentSlot
}

// recentSlots is the size of aggregator.recent.
const (
	recentBits  = 8
	recentSlots = 1 << recentBits
)

// recentSlot is one entry of aggregator.recent.
type recentSlot struct {
	key aggKey
	gen uint32
	idx int32
}

func newAggregator(max int) aggregator {
	return aggregator{index: make(map[aggKey]int32, min(max, 1024)), max: max, gen: 1}
}

// slot returns the aggregate for k, creating it, or -1 when the table is
// full (the message is then counted as dropped).
func (g *aggregator) slot(k *aggKey, function string) int32 {
	if i, ok := g.index[*k]; ok {
		return i
	}
	if len(g.aggs) >= g.max {
		g.dropped++
		return -1
	}
	if len(g.aggs) < cap(g.aggs) {
		g.aggs = g.aggs[:len(g.aggs)+1]
	} else {
		g.aggs = append(g.aggs, aggregate{})
	}
	i := int32(len(g.aggs) - 1)
	a := &g.aggs[i]
	*a = aggregate{key: *k, function: function}
	g.index[*k] = i
	return i
}

// slotRecent is slot through the cache of recent keys.
func (g *aggregator) slotRecent(k *aggKey, function string) int32 {
	r := &g.recent[k.recentHash()]
	if r.gen == g.gen && r.key == *k {
		return r.idx
	}
	i := g.slot(k, function)
	if i >= 0 {
		r.key, r.gen, r.idx = *k, g.gen, i
	}
	return i
}

// recentHash picks k's entry in aggregator.recent.
func (k *aggKey) recentHash() int {
	h := binary.LittleEndian.Uint64(k.src[:8])*0x9e3779b97f4a7c15 ^
		binary.LittleEndian.Uint64(k.dst[:8])*0xc2b2ae3d27d4eb4f ^
		(uint64(k.code)<<16|uint64(k.vlan)<<8|uint64(k.proto))*0x165667b19e3779f9
	return int(h >> (64 - recentBits))
}

// reset empties the table for the next minute, keeping its memory.
func (g *aggregator) reset() {
	clear(g.index)
	g.aggs, g.prev = g.prev[:0], g.aggs
	g.prevGen = g.gen
	clear(g.more) // drop the strings
	g.more = g.more[:0]
	g.dropped = 0
	g.gen++
	if g.gen == 0 {
		g.gen = 1
	}
}

// carried returns the slot in this minute of event idx of the last
// minute (generation gen), made from its key, and the details a message
// counted in it reported: attrs when known (not nil), else the event's
// own when they are exactly those of each of its messages. It returns -1
// when gen is not the last minute's, the details are not known, or the
// table is full; the event is not counted.
func (g *aggregator) carried(gen uint32, idx int32, attrs []Attr) (int32, []Attr) {
	if gen != g.prevGen || idx < 0 || int(idx) >= len(g.prev) {
		return -1, nil
	}
	old := &g.prev[idx]
	if attrs == nil {
		if !old.single || old.truncated || int(old.nattrs) > len(old.attrs) {
			return -1, nil
		}
		attrs = old.attrs[:old.nattrs]
	}
	if _, ok := g.index[old.key]; !ok && len(g.aggs) >= g.max {
		return -1, nil
	}
	return g.slot(&old.key, old.function), attrs
}

// count adds one message to a.
func (a *aggregate) count1(kind Kind, isErr bool, ts int64) {
	a.count++
	switch kind {
	case KindRequest:
		a.requests++
	case KindResponse:
		a.responses++
	}
	if isErr {
		a.errors++
	}
	if a.first == 0 || ts < a.first {
		a.first = ts
	}
	if ts > a.last {
		a.last = ts
	}
}

// add counts n more messages of one kind, the latest at last, each like
// one counted before them with an earlier time, so the first time stays.
func (a *aggregate) add(n uint64, kind Kind, isErr bool, last int64) {
	a.count += n
	switch kind {
	case KindRequest:
		a.requests += n
	case KindResponse:
		a.responses += n
	}
	if isErr {
		a.errors += uint32(n)
	}
	a.last = max(a.last, last)
}

// attr returns detail j (< a.nattrs, or == a.nattrs to append) of a.
func (g *aggregator) attr(a *aggregate, j int) *Attr {
	if j < len(a.attrs) {
		return &a.attrs[j]
	}
	return &g.more[a.more-1][j-len(a.attrs)]
}

// attrs returns a's details in order, in buf when some overflowed.
func (g *aggregator) attrs(a *aggregate, buf *[maxAggAttrs]Attr) []Attr {
	n := int(a.nattrs)
	if n <= len(a.attrs) {
		return a.attrs[:n]
	}
	copy(buf[:], a.attrs[:])
	copy(buf[len(a.attrs):], g.more[a.more-1][:n-len(a.attrs)])
	return buf[:n]
}

// merge adds the details of one message to a: a range widens the range
// of the same key and tag, any other value is added unless already
// present. Messages of one kind report their details in the same order,
// so the search starts where the previous detail was found: in the steady
// state each detail is matched at the first comparison.
func (g *aggregator) merge(a *aggregate, attrs []Attr) {
	// The steady state first: each detail already kept, identical, at
	// its own position, as when a conversation repeats its message. The
	// loop below finds the same at its first comparison for every detail
	// and then changes nothing; checked in a straight line it costs a
	// fraction.
	if len(attrs) <= int(a.nattrs) && len(attrs) <= len(a.attrs) {
		kept := a.attrs[:len(attrs)]
		i := 0
		for i < len(attrs) && identical(&kept[i], &attrs[i]) {
			i++
		}
		if i == len(attrs) {
			return
		}
	}
	j0 := 0
next:
	for i := range attrs {
		at := &attrs[i]
		n := int(a.nattrs)
		for k := 0; k < n; k++ {
			j := j0 + k
			if j >= n {
				j -= n
			}
			x := g.attr(a, j)
			if !sameConst(x.Key, at.Key) {
				continue
			}
			if x.Value.Kind == ValueRange && at.Value.Kind == ValueRange && sameArea(&x.Value, &at.Value) {
				x.Value.Lo = min(x.Value.Lo, at.Value.Lo)
				x.Value.Hi = max(x.Value.Hi, at.Value.Hi)
				j0 = j + 1
				continue next
			}
			if sameValue(&x.Value, &at.Value) {
				j0 = j + 1
				continue next
			}
		}
		if n == maxAggAttrs {
			a.truncated = true
			continue
		}
		if n == len(a.attrs) && a.more == 0 {
			g.more = append(g.more, overflowAttrs{})
			a.more = int32(len(g.more))
		}
		*g.attr(a, n) = *at
		a.nattrs++
	}
}

// macs records the frame's addresses for the event's two sides.
func (a *aggregate) macs(p *decode.Packet, srcIsSender bool) {
	a.setMACs(p.HasEthernet, p.SrcMAC, p.DstMAC, p.HasDstMAC, srcIsSender)
}

// setMACs records a frame's addresses for the event's two sides. A side's
// own source address wins over the destination address of frames sent to
// it, which may be a router's.
func (a *aggregate) setMACs(hasEth bool, src, dst [6]byte, hasDst, srcIsSender bool) {
	if !hasEth {
		return
	}
	if srcIsSender {
		a.srcMAC, a.srcMACOwn, a.hasSrcMAC = src, true, true
		if hasDst && !a.dstMACOwn {
			a.dstMAC, a.hasDstMAC = dst, true
		}
		return
	}
	a.dstMAC, a.dstMACOwn, a.hasDstMAC = src, true, true
	if hasDst && !a.srcMACOwn {
		a.srcMAC, a.hasSrcMAC = dst, true
	}
}

// identical reports whether two details are the same, comparing their
// constant strings by address only: details that are the same but for
// that are left to the general comparison.
func identical(x, y *Attr) bool {
	return x.Value.Lo == y.Value.Lo && x.Value.Hi == y.Value.Hi && x.Value.Area == y.Value.Area &&
		x.Value.Kind == y.Value.Kind && x.Value.Width == y.Value.Width &&
		unsafe.StringData(x.Key) == unsafe.StringData(y.Key) && len(x.Key) == len(y.Key) &&
		unsafe.StringData(x.Value.Tag) == unsafe.StringData(y.Value.Tag) && len(x.Value.Tag) == len(y.Value.Tag)
}

// sameArea reports whether two ranges lie in the same device or area.
func sameArea(x, y *Value) bool {
	return x.Area == y.Area && x.Width == y.Width && sameConst(x.Tag, y.Tag)
}

// sameValue is x == y, numbers first.
func sameValue(x, y *Value) bool {
	return x.Lo == y.Lo && x.Hi == y.Hi && x.Kind == y.Kind && x.Area == y.Area && x.Width == y.Width && sameConst(x.Tag, y.Tag)
}

// sameConst compares detail keys and tags. They are constants, so equal
// ones nearly always share their bytes, and comparing the pointers first
// spares the byte comparison (a call) that dominated merging.
func sameConst(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}
