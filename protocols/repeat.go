package protocols

import (
	"math"
	"unsafe"

	"mimamori/edge/decode"
)

// Counting repeated messages. Industrial polling repeats the same message
// (same function, direction, details and MAC addresses) on a
// conversation cycle after cycle. Counting each one in its aggregate
// costs the aggregate's cache lines, a search of its details and the
// writes of its counters, for a result that changes only in the counters.
// So a conversation remembers its last messages in a compact exact form
// (repeat), with their own counters: a message that repeats one of them
// adds one to its count and moves its time on, and touches nothing else.
// The counts are folded into the aggregate when the entry is replaced,
// when the conversation's slot goes to another flow, when the aggregate
// is counted in a way the repeats could not have ignored, and before the
// minute is rendered, so the minute's output is exactly what counting
// every message in its aggregate gives.
//
// Why leaving a repeat out of its aggregate changes nothing but the
// counters, which fold in by addition (count, requests, responses,
// errors) and by maximum (last):
//   - details: the first message's details were merged into the
//     aggregate, and merging only adds values and widens ranges, so the
//     same details merged again change nothing, whatever was merged in
//     between;
//   - first: a repeat is counted only when its time is not before the
//     entry's last, and so not before the first message, already counted;
//   - MAC addresses: a repeat carries the first message's addresses in the
//     same role, which were applied to the aggregate; applying them again
//     changes nothing as long as every update of the aggregate since
//     commutes with them. Updates by a side in the other role, or by the
//     same side with the same addresses, do; any other update (and a
//     message without a positive time, whose effect on first depends on
//     order) first folds the entries it does not commute with and ends
//     them (settle).
//
// An aggregate records which conversations (at most two: a routed
// conversation's two flows) hold entries for it, so that settle finds
// them.

// repeatSlots is how many messages a conversation counts itself: two
// requests and their responses, as a master polling two areas in turn
// sends (with two, such a rotation replaced every entry before its
// repeat came).
const repeatSlots = 4

// repeats is a conversation's entries, kept apart from the conversation
// (Tracker.reps, conv.rep) so that the conversation's own state keeps its
// two cache lines and flows that never emit an event cost nothing. The
// keys and times, which every message reads, share the first 64 bytes;
// 256 in all.
type repeats struct {
	key  [repeatSlots]uint64 // repeatKey of each entry's message; 0 for an unused entry
	last [repeatSlots]int64  // the time of each entry's latest message
	e    [repeatSlots]repeat
}

// repeat is the rest of one message a conversation counts itself: the
// aggregate's index, its details as a shape list (Tracker.shapes) and
// one packed number per detail, its MAC addresses, and the messages
// counted since the aggregate last saw them.
type repeat struct {
	idx      int32  // the aggregate's index in the minute's table
	n        uint32 // messages not yet in the aggregate
	shapes   uint16 // index + 1 into Tracker.shapes
	src, dst [6]byte
	vals     [MaxEventAttrs]uint32 // the details' numbers, packValue
}

// repeatFlags describe a repeat's message beyond its code: its kind (the
// low two bits), whether it reported an error, whether the event's src is
// the flow's initiator, and the frame's Ethernet addresses.
type repeatFlags uint8

const (
	repeatKindMask repeatFlags = 3
	repeatErr      repeatFlags = 1 << (iota + 1)
	repeatSrcIsInit
	repeatEth    // the frame had an Ethernet header
	repeatHasDst // and its destination address was kept
)

// repeatKey is what a repeat has in common with the first message beyond
// its details, MAC addresses and time, as one number: the code, the
// protocol, the flags and a bit that no unused entry has.
func repeatKey(code uint32, proto uint8, kind Kind, isErr, srcIsInit bool, p *decode.Packet) uint64 {
	f := repeatFlags(kind) & repeatKindMask
	if isErr {
		f |= repeatErr
	}
	if srcIsInit {
		f |= repeatSrcIsInit
	}
	if p.HasEthernet {
		f |= repeatEth
	}
	if p.HasDstMAC {
		f |= repeatHasDst
	}
	return uint64(code) | uint64(proto)<<32 | uint64(f)<<40 | 1<<48
}

func keyFlags(key uint64) repeatFlags { return repeatFlags(key >> 40) }

func (f repeatFlags) kind() Kind { return Kind(f & repeatKindMask) }

// repeated counts m as a repeat of one of rs's entries, if it is one, and
// reports whether it was.
func (t *Tracker) repeated(rs *repeats, e *Event, key uint64, p *decode.Packet) bool {
	for j, k := range rs.key {
		if k != key {
			continue
		}
		x := &rs.e[j]
		if p.TimestampNs < rs.last[j] || x.src != p.SrcMAC || x.dst != p.DstMAC || !t.sameDetails(x, e) {
			return false
		}
		x.n++
		rs.last[j] = p.TimestampNs
		return true
	}
	return false
}

// sameDetails reports whether e's details are those x was made from.
func (t *Tracker) sameDetails(x *repeat, e *Event) bool {
	sl := &t.shapes.lists[x.shapes-1]
	if e.n != sl.n {
		return false
	}
	as := e.attrs[:e.n]
	ss := sl.s[:len(as)]
	vs := x.vals[:len(as)]
	for i := range as {
		a, s, w := &as[i], &ss[i], vs[i]
		if a.Value.Kind != s.kind || a.Value.Width != s.width ||
			unsafe.StringData(a.Key) != unsafe.StringData(s.key) || len(a.Key) != len(s.key) ||
			unsafe.StringData(a.Value.Tag) != unsafe.StringData(s.tag) || len(a.Value.Tag) != len(s.tag) {
			return false
		}
		v := &a.Value
		if s.kind == ValueRange {
			if v.Lo != uint64(w&0xffff) || v.Hi != v.Lo+uint64(w>>16&0xff) || v.Area != uint64(w>>24) {
				return false
			}
		} else if v.Lo != uint64(w) || v.Hi|v.Area != 0 {
			return false
		}
	}
	return true
}

// remember makes m, just counted in aggregate idx, an entry of
// conversation c when its details have a compact form and the aggregate
// can record one more conversation.
func (t *Tracker) remember(c *conv, idx int32, e *Event, key uint64, p *decode.Packet) {
	if p.TimestampNs <= 0 {
		return // such times decide first by order, which a repeat does not keep
	}
	var vals [MaxEventAttrs]uint32
	for i := range int(e.n) {
		w, ok := packValue(&e.attrs[i].Value)
		if !ok {
			return
		}
		vals[i] = w
	}
	if c.rep == 0 {
		c.rep = t.newRepeats()
	}
	rs := &t.reps[c.rep-1]
	// The victim: an entry of the same event (a message whose details
	// changed), else an unused one, else the one idle longest.
	v := 0
	for j, k := range rs.key {
		if k == key {
			v = j
			break
		}
		if rs.key[v] != 0 && (k == 0 || rs.last[j] < rs.last[v]) {
			v = j
		}
	}
	x := &rs.e[v]
	sid := t.shapes.find(e, x.shapes)
	if sid == 0 {
		return
	}
	a := &t.agg.aggs[idx]
	if !a.own(c.rep) {
		return
	}
	if rs.key[v] != 0 {
		t.fold(rs, v)
	}
	rs.key[v], rs.last[v] = key, p.TimestampNs
	*x = repeat{idx: idx, shapes: sid, src: p.SrcMAC, dst: p.DstMAC, vals: vals}
}

// own records that the entries o (conv.rep) hold one for a, and reports
// false when two others already do.
func (a *aggregate) own(o int32) bool {
	if a.owners[0] == o || a.owners[1] == o {
		return true
	}
	for k := range a.owners {
		if a.owners[k] == 0 {
			a.owners[k] = o
			return true
		}
	}
	return false
}

// fold adds the messages of rs's entry j to its aggregate and ends the
// entry.
func (t *Tracker) fold(rs *repeats, j int) {
	if x := &rs.e[j]; x.n > 0 {
		a := &t.agg.aggs[x.idx]
		n := uint64(x.n)
		a.count += n
		f := keyFlags(rs.key[j])
		switch f.kind() {
		case KindRequest:
			a.requests += n
		case KindResponse:
			a.responses += n
		}
		if f&repeatErr != 0 {
			a.errors += n
		}
		a.last = max(a.last, rs.last[j])
	}
	rs.key[j], rs.last[j], rs.e[j] = 0, 0, repeat{}
}

// settle prepares aggregate idx for a message counted in it directly,
// sent at ts with the frame of p in the role srcIsSender: entries whose
// repeats that message's update of the MAC addresses or of first does not
// commute with are folded and ended (see the top of this file), and
// conversations left without entries for it are forgotten.
func (t *Tracker) settle(a *aggregate, idx int32, srcIsSender bool, p *decode.Packet) {
	for k, o := range a.owners {
		if o == 0 {
			continue
		}
		rs := &t.reps[o-1]
		live := false
		for j, k := range rs.key {
			if k == 0 || rs.e[j].idx != idx {
				continue
			}
			if commutes(k, &rs.e[j], srcIsSender, p) {
				live = true
				continue
			}
			t.fold(rs, j)
		}
		if !live {
			a.owners[k] = 0
		}
	}
}

// commutes reports whether counting p's message (src the sender when
// srcIsSender) directly leaves the repeats of entry x (with key) with
// nothing to change.
func commutes(key uint64, x *repeat, srcIsSender bool, p *decode.Packet) bool {
	f := keyFlags(key)
	switch {
	case p.TimestampNs <= 0:
		return false
	case !p.HasEthernet || f&repeatEth == 0:
		return true // one of the two leaves the addresses alone
	case srcIsSender != (f.kind() != KindResponse):
		return true // the other role: each sets its own side first
	}
	return x.src == p.SrcMAC && x.dst == p.DstMAC && (f&repeatHasDst != 0) == p.HasDstMAC
}

// foldRepeats folds every entry into its aggregate, before the minute is
// rendered.
func (t *Tracker) foldRepeats() {
	for i := range t.reps {
		rs := &t.reps[i]
		for j, k := range rs.key {
			if k != 0 {
				t.fold(rs, j)
			}
		}
	}
}

// forget folds and ends the entries of conversation c, whose slot is
// about to hold another flow, and gives them back.
func (t *Tracker) forget(c *conv) {
	if c.rep == 0 {
		return
	}
	rs := &t.reps[c.rep-1]
	for j, k := range rs.key {
		if k != 0 {
			t.fold(rs, j)
		}
	}
	t.freeReps = append(t.freeReps, c.rep-1)
	c.rep = 0
}

// newRepeats returns index + 1 of unused entries for a conversation.
func (t *Tracker) newRepeats() int32 {
	if n := len(t.freeReps); n > 0 {
		i := t.freeReps[n-1]
		t.freeReps = t.freeReps[:n-1]
		return i + 1
	}
	t.reps = append(t.reps, repeats{})
	return int32(len(t.reps))
}

// packValue is v as one number, exact given the detail's kind: ranges of
// 16-bit addresses spanning at most 255 more in areas numbered below 256,
// and other values below 2^32. Others have no packed form.
func packValue(v *Value) (uint32, bool) {
	if v.Kind == ValueRange {
		if v.Lo > math.MaxUint16 || v.Hi < v.Lo || v.Hi-v.Lo > math.MaxUint8 || v.Area > math.MaxUint8 {
			return 0, false
		}
		return uint32(v.Lo) | uint32(v.Hi-v.Lo)<<16 | uint32(v.Area)<<24, true
	}
	if v.Hi != 0 || v.Area != 0 || v.Lo > math.MaxUint32 {
		return 0, false
	}
	return uint32(v.Lo), true
}

// shape is what of a detail its packed number leaves out: key, tag (as
// the constants they are), kind and width.
type shape struct {
	key, tag string
	kind     ValueKind
	width    uint8
}

// fits reports whether a has shape s, its strings the same constants.
func (s *shape) fits(a *Attr) bool {
	return a.Value.Kind == s.kind && a.Value.Width == s.width &&
		unsafe.StringData(a.Key) == unsafe.StringData(s.key) && len(a.Key) == len(s.key) &&
		unsafe.StringData(a.Value.Tag) == unsafe.StringData(s.tag) && len(a.Value.Tag) == len(s.tag)
}

// shapeList is the shapes of one message's details, in order.
type shapeList struct {
	n uint8
	s [MaxEventAttrs]shape
}

// fitsAll reports whether e's details have the shapes of l.
func (l *shapeList) fitsAll(e *Event) bool {
	if e.n != l.n {
		return false
	}
	for i := range int(e.n) {
		if !l.s[i].fits(&e.attrs[i]) {
			return false
		}
	}
	return true
}

// shapeKey is a shape list as a map key: the strings by address and
// length, so that two lists are one exactly when fits says so.
type shapeKey struct {
	n uint8
	s [MaxEventAttrs]struct {
		key, tag       uintptr
		keyLen, tagLen int
		kind           ValueKind
		width          uint8
	}
}

// shapeTable numbers the shape lists met, for the Tracker's lifetime:
// there are as many as the dissectors have ways of reporting details,
// not one per message.
type shapeTable struct {
	lists []shapeList
	index map[shapeKey]uint16
}

// maxShapeLists bounds the table; messages of further lists are counted
// in their aggregates.
const maxShapeLists = math.MaxUint16

// find returns the number + 1 of the shape list of e's details, adding
// it, or 0 when the table is full. hint is a list to try first (0 for
// none): the one of the message e replaces, which a message whose numbers
// changed shares.
func (st *shapeTable) find(e *Event, hint uint16) uint16 {
	if hint != 0 && st.lists[hint-1].fitsAll(e) {
		return hint
	}
	var k shapeKey
	k.n = e.n
	for i := range int(e.n) {
		a := &e.attrs[i]
		s := &k.s[i]
		s.key, s.keyLen = uintptr(unsafe.Pointer(unsafe.StringData(a.Key))), len(a.Key)
		s.tag, s.tagLen = uintptr(unsafe.Pointer(unsafe.StringData(a.Value.Tag))), len(a.Value.Tag)
		s.kind, s.width = a.Value.Kind, a.Value.Width
	}
	if id, ok := st.index[k]; ok {
		return id
	}
	if len(st.lists) >= maxShapeLists {
		return 0
	}
	l := shapeList{n: e.n}
	for i := range int(e.n) {
		a := &e.attrs[i]
		l.s[i] = shape{key: a.Key, tag: a.Value.Tag, kind: a.Value.Kind, width: a.Value.Width}
	}
	st.lists = append(st.lists, l)
	id := uint16(len(st.lists))
	if st.index == nil {
		st.index = map[shapeKey]uint16{}
	}
	st.index[k] = id
	return id
}
