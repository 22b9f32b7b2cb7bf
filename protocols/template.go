package protocols

import (
	"math/bits"
	"unsafe"
)

// A repeat key costs its dissector a call and a walk over the message's
// fields, yet most repeats are of their direction's last message. For
// those the Tracker keeps the message's bytes the key was drawn from, as a
// template: a message of the same length that agrees with it in those
// bytes has the same key, and is counted without asking the dissector.

// maskedBytes is how far into a message a RepeatMask reaches.
const maskedBytes = 256

// RepeatMask marks bytes among a message's first 256, one bit each.
type RepeatMask [maskedBytes / 64]uint64

// Set marks the n bytes from off (as far as the mask reaches).
func (m *RepeatMask) Set(off, n int) {
	for i := max(off, 0); i < off+n && i < maskedBytes; i++ {
		m[i/64] |= 1 << (i % 64)
	}
}

// next returns the first marked byte from i on, maskedBytes if none.
func (m *RepeatMask) next(i int) int {
	for ; i < maskedBytes; i = (i/64 + 1) * 64 {
		if w := m[i/64] >> (i % 64); w != 0 {
			return i + bits.TrailingZeros64(w)
		}
	}
	return maskedBytes
}

// Has reports whether byte i is marked.
func (m *RepeatMask) Has(i int) bool {
	return i >= 0 && i < maskedBytes && m[i/64]&(1<<(i%64)) != 0
}

// RepeatMasker is implemented by Repeaters that can name the bytes a
// message's key was drawn from.
//
// RepeatMask is called for a payload Repeat keyed (n > 0). It marks in m,
// which arrives zeroed, every byte of payload that Repeat's result (the
// key and its length) and Frame's result depend on, given the payload's
// length, and reports whether it could: false when some of those lie
// beyond the mask's reach.
//
// The contract: any payload of the same length, sent the same way, that
// agrees with payload in the marked bytes gets the same result from
// Repeat and from Frame. protocolstest.FuzzDissector checks it byte by
// byte. Marking more bytes than needed is safe; it only makes fewer
// repeats skip the call to Repeat.
type RepeatMasker interface {
	RepeatMask(payload []byte, fromClient bool, m *RepeatMask) bool
}

// templateWords is how many 8-byte words of a message a template compares.
const templateWords = 7

// repeatTemplate is the part of a message its key was drawn from: the
// payload length and up to seven 8-byte words, each at an offset of its
// own, with the marked bytes' values (v) and a mask of them (m). Words not
// in use have a zero mask. It fills two cache lines.
type repeatTemplate struct {
	plen uint16 // payload length; 0: no template
	off  [templateWords]uint8
	_    [7]byte
	v    [templateWords]uint64
	m    [templateWords]uint64
}

// set makes t the template of payload for the bytes m marks, and reports
// whether the marked bytes fit in its words; t is cleared if not.
func (t *repeatTemplate) set(payload []byte, m *RepeatMask) bool {
	*t = repeatTemplate{}
	n := len(payload)
	if n < 8 || n > 0xffff {
		return false
	}
	w := 0
	for i := m.next(0); i < min(n, maskedBytes); i = m.next(i + 1) {
		if w == templateWords {
			*t = repeatTemplate{}
			return false
		}
		// A word starting at the first marked byte not yet covered, moved
		// back to end with the payload if need be.
		off := min(i, n-8)
		var mb [8]byte
		for j := range 8 {
			if m.Has(off + j) {
				mb[j] = 0xff
			}
		}
		t.off[w] = uint8(off)
		t.m[w] = *(*uint64)(unsafe.Pointer(&mb))
		t.v[w] = load64(payload, off) & t.m[w]
		w++
		i = off + 7
	}
	t.plen = uint16(n)
	return true
}

// matches reports whether payload agrees with the template: the same
// length and the same marked bytes. Words are compared in memory order,
// all seven, so the loop has no branch; unused words have a zero mask
// and offset.
func (t *repeatTemplate) matches(payload []byte) bool {
	if int(t.plen) != len(payload) {
		return false
	}
	// The offsets are at most plen-8, so every load is inside payload.
	// Spelled out: the compiler does not unroll loops.
	p := unsafe.Pointer(unsafe.SliceData(payload))
	d := (*(*uint64)(unsafe.Add(p, t.off[0])) ^ t.v[0]) & t.m[0]
	d |= (*(*uint64)(unsafe.Add(p, t.off[1])) ^ t.v[1]) & t.m[1]
	d |= (*(*uint64)(unsafe.Add(p, t.off[2])) ^ t.v[2]) & t.m[2]
	d |= (*(*uint64)(unsafe.Add(p, t.off[3])) ^ t.v[3]) & t.m[3]
	d |= (*(*uint64)(unsafe.Add(p, t.off[4])) ^ t.v[4]) & t.m[4]
	d |= (*(*uint64)(unsafe.Add(p, t.off[5])) ^ t.v[5]) & t.m[5]
	d |= (*(*uint64)(unsafe.Add(p, t.off[6])) ^ t.v[6]) & t.m[6]
	return d == 0
}

// load64 reads the 8 bytes of b at off in memory order, as matches does.
func load64(b []byte, off int) uint64 {
	return *(*uint64)(unsafe.Pointer(&b[off : off+8][0]))
}

// convTemplates are a conversation's templates, one per direction (0:
// sent by the flow's initiator), each of its direction's last message
// (conv.rep).
type convTemplates [2]repeatTemplate

// maxTemplates bounds the Tracker's templates: conv.tmpl numbers them in
// 16 bits. A conversation that finds none left asks its dissector for
// every key, as without templates.
const maxTemplates = 1<<16 - 1

// templates holds the conversations' templates, allocated to a
// conversation when it first has one to keep and freed when its slot
// goes to another flow.
type templates struct {
	all  []convTemplates
	free []uint16 // numbers (index + 1) of released templates
}

// get returns c's templates, allocating them if it has none; nil when
// every one is in use.
func (ts *templates) get(c *conv) *convTemplates {
	if c.tmpl == 0 {
		switch {
		case len(ts.free) > 0:
			c.tmpl = ts.free[len(ts.free)-1]
			ts.free = ts.free[:len(ts.free)-1]
		case len(ts.all) < maxTemplates:
			ts.all = append(ts.all, convTemplates{})
			c.tmpl = uint16(len(ts.all))
		default:
			return nil
		}
		ts.all[c.tmpl-1] = convTemplates{}
	}
	return &ts.all[c.tmpl-1]
}

// release frees c's templates.
func (ts *templates) release(c *conv) {
	if c.tmpl != 0 {
		ts.free = append(ts.free, c.tmpl)
		c.tmpl = 0
	}
}

// keepTemplate makes the template of direction di of the current
// conversation that of payload, whose key (asked of a Repeater) its
// direction's last entry now holds; or clears it when the dissector
// cannot name the key's bytes.
func (t *Tracker) keepTemplate(mk RepeatMasker, di int, payload []byte, tr Transport) {
	c := t.cur.c
	if c.id == 0 {
		return
	}
	var m RepeatMask
	if mk == nil || !mk.RepeatMask(payload, t.cur.fc, &m) {
		if c.tmpl != 0 {
			t.tmpls.all[c.tmpl-1][di].plen = 0
		}
		return
	}
	ct := t.tmpls.get(c)
	if ct == nil {
		return
	}
	tp := &ct[di]
	if !tp.set(payload, &m) {
		return
	}
	// Over TCP the fast path takes a segment that matches for a whole
	// PDU without framing it: it must be one for Frame.
	if tr == TCP {
		if n, err := t.cur.d.Frame(payload); err != nil || n != len(payload) {
			tp.plen = 0
		}
	}
}
