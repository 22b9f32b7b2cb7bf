package protocols

import (
	"encoding/binary"
	"math/bits"
	"unsafe"

	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
)

// A repeat key costs its dissector a call and a walk over the message's
// fields, yet most repeats are of one of their direction's last few
// messages. For those the Tracker keeps the message's bytes the key was
// drawn from, as a template: a message of the same length that agrees
// with it in those bytes has the same key, and is held in the template
// without asking the dissector (see held).

// maskedBytes is how far into a message a RepeatMask reaches.
const maskedBytes = 256

// RepeatMask marks bytes among a message's first 256, one bit each. A
// mark beyond them makes the mask one no template can keep: its bytes
// all count as marked.
type RepeatMask struct {
	bits   [maskedBytes / 64]uint64
	beyond bool // a byte past maskedBytes was marked
}

// Set marks the n bytes from off.
func (m *RepeatMask) Set(off, n int) {
	if n > 0 && off+n > maskedBytes {
		m.beyond = true
	}
	for lo, hi := max(off, 0), min(off+n, maskedBytes); lo < hi; {
		w := lo / 64
		end := min(hi, (w+1)*64)
		bits := ^uint64(0)
		if end-lo < 64 {
			bits = 1<<(end-lo) - 1
		}
		m.bits[w] |= bits << (lo % 64)
		lo = end
	}
}

// bytesFrom returns the marks of the 8 bytes from off, a byte 0xff for
// each marked one, as load64 reads those bytes.
func (m *RepeatMask) bytesFrom(off int) uint64 {
	w, sh := off/64, off%64
	b := m.bits[w] >> sh
	if sh > 56 && w+1 < len(m.bits) {
		b |= m.bits[w+1] << (64 - sh)
	}
	return byteMarks[uint8(b)]
}

// byteMarks spreads each bit of a byte to a byte of 0xff, in the order
// load64 reads bytes: byteMarks[b] has byte j set when bit j of b is.
var byteMarks = func() (t [256]uint64) {
	for b := range t {
		var mb [8]byte
		for j := range mb {
			if b&(1<<j) != 0 {
				mb[j] = 0xff
			}
		}
		t[b] = *(*uint64)(unsafe.Pointer(&mb))
	}
	return t
}()

// next returns the first marked byte from i on, maskedBytes if none.
func (m *RepeatMask) next(i int) int {
	for ; i < maskedBytes; i = (i/64 + 1) * 64 {
		if w := m.bits[i/64] >> (i % 64); w != 0 {
			return i + bits.TrailingZeros64(w)
		}
	}
	return maskedBytes
}

// Has reports whether byte i is marked.
func (m *RepeatMask) Has(i int) bool {
	if i >= maskedBytes {
		return m.beyond
	}
	return i >= 0 && m.bits[i/64]&(1<<(i%64)) != 0
}

// RepeatMasker is implemented by Repeaters that can name the bytes a
// message's key was drawn from.
//
// RepeatMask is called for a payload Repeat keyed (n > 0). It marks in m,
// which arrives zeroed, every byte of payload that Repeat's result (the
// key and its length) and Frame's result depend on, given the payload's
// length, and reports whether it could. Marks beyond the mask's reach
// (the first 256 bytes) keep the message from having a template.
//
// The contract: any payload of the same length, sent the same way, that
// agrees with payload in the marked bytes gets the same result from
// Repeat and from Frame. protocolstest.FuzzDissector checks it byte by
// byte. Marking more bytes than needed is safe; it only makes fewer
// repeats skip the call to Repeat.
type RepeatMasker interface {
	RepeatMask(payload []byte, fromClient bool, m *RepeatMask) bool
}

// StateMasker is RepeatMasker for a StateRepeater, whose messages change
// the State in a way their bytes tell, such as a request's reference
// remembered for its answer: a template then holds repeats sent with any
// State that agrees with its message's in the bits RepeatState's mask
// names, and asks NextState for the State each leaves.
//
// RepeatMaskState is called for a payload RepeatState keyed (n > 0). It
// marks in m, which arrives zeroed, every byte of payload that
// RepeatState's key, key length and mask and Frame's result depend on,
// given the payload's length and a State that agrees in that mask, and
// reports whether it could: false for a message whose key draws on bits
// of the State outside the mask (an answer named by the request its
// reference names).
//
// NextState returns the State a message leaves that agrees with such a
// payload in the marked bytes, sent with such a State st: RepeatState's
// next for it. It is called for every repeat a template holds, so it
// must be cheaper than RepeatState: it may rely on the marked bytes
// being those of a message RepeatState keyed.
//
// The contract: any payload of the same length, sent the same way, that
// agrees with payload in the marked bytes gets, with any State that
// agrees in the mask, the same key, key length and mask from RepeatState
// and the same result from Frame, and NextState returns RepeatState's
// next. protocolstest.FuzzDissector checks it byte by byte and over
// varied States.
type StateMasker interface {
	RepeatMaskState(payload []byte, fromClient bool, m *RepeatMask) bool
	NextState(payload []byte, fromClient bool, st uint64) uint64
}

// templateWords is how many 8-byte words of a message a template compares.
const templateWords = 7

// repeatTemplate is the part of a message its key was drawn from: the
// payload length and up to seven 8-byte words, each at an offset of its
// own, with the marked bytes' values and a mask of them side by side
// (vm). Words not in use have a zero mask. It fills two cache lines, and
// the first holds the first three words, so that comparing a template of
// up to three words (Modbus, SLMP, FINS) reads one line of them.
type repeatTemplate struct {
	plen uint16 // payload length; 0: no template
	off  [templateWords]uint8
	nw   uint8 // words in use
	_    [6]byte
	vm   [templateWords][2]uint64
}

// set makes t the template of payload for the bytes m marks, and reports
// whether the marked bytes fit in its words; t is cleared if not.
func (t *repeatTemplate) set(payload []byte, m *RepeatMask) bool {
	*t = repeatTemplate{}
	n := len(payload)
	if n < 8 || n > 0xffff || m.beyond {
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
		t.off[w] = uint8(off)
		t.vm[w][1] = m.bytesFrom(off)
		t.vm[w][0] = load64(payload, off) & t.vm[w][1]
		w++
		i = off + 7
	}
	t.plen = uint16(n)
	t.nw = uint8(w)
	return true
}

// matches reports whether payload agrees with the template: the same
// length and the same marked bytes.
func (t *repeatTemplate) matches(payload []byte) bool {
	if int(t.plen) != len(payload) {
		return false
	}
	return t.wordsMatch(payload)
}

// wordsMatch is matches for a payload of the template's length.
func (t *repeatTemplate) wordsMatch(payload []byte) bool {
	return t.differ(unsafe.Pointer(unsafe.SliceData(payload))) == 0
}

// differ returns the marked bits in which the payload at p, of the
// template's length, differs from the template. The words are compared
// from the last in use down, falling through, their differences gathered
// in one value tested once: half the instructions of a loop over them.
// dirTemplate.agrees spells the same out.
func (t *repeatTemplate) differ(p unsafe.Pointer) uint64 {
	var d uint64
	switch t.nw {
	case 7:
		d = (word(p, t.off[6]) ^ t.vm[6][0]) & t.vm[6][1]
		fallthrough
	case 6:
		d |= (word(p, t.off[5]) ^ t.vm[5][0]) & t.vm[5][1]
		fallthrough
	case 5:
		d |= (word(p, t.off[4]) ^ t.vm[4][0]) & t.vm[4][1]
		fallthrough
	case 4:
		d |= (word(p, t.off[3]) ^ t.vm[3][0]) & t.vm[3][1]
		fallthrough
	case 3:
		d |= (word(p, t.off[2]) ^ t.vm[2][0]) & t.vm[2][1]
		fallthrough
	case 2:
		d |= (word(p, t.off[1]) ^ t.vm[1][0]) & t.vm[1][1]
		fallthrough
	case 1:
		d |= (word(p, t.off[0]) ^ t.vm[0][0]) & t.vm[0][1]
	}
	return d
}

// word reads the 8 bytes at off from p, which the template's length
// check has shown to be there.
func word(p unsafe.Pointer, off uint8) uint64 {
	return *(*uint64)(unsafe.Add(p, off))
}

// load64 reads the 8 bytes of b at off in memory order, as matches does.
func load64(b []byte, off int) uint64 {
	return *(*uint64)(unsafe.Pointer(&b[off : off+8][0]))
}

// heldRepeat is what a template needs besides the words to count a
// repeat of its message: the event and identity the message was counted
// in and how, the State it was dissected with and the State it left, its
// MAC addresses, and the repeats held since they were last folded into
// the event. It fills a cache line.
//
// A template of a StateMasker's message (flags repeatStepped) holds
// repeats sent with a State that agrees with before in the bits of
// RepeatState's mask, which it keeps in after (before is masked); the
// State a repeat leaves is NextState's.
type heldRepeat struct {
	plen  uint16 // payload length; 0: no template
	kind  Kind
	flags repeatFlags
	// pend counts the repeats held, not yet counted in the event.
	pend uint32
	// last is the time of the latest repeat held, or of the message
	// itself: repeats must not go back in time, so the event's first
	// time never changes when they are folded in.
	last   int64
	before uint64 // the whole State the message was dissected with
	after  uint64 // the State it left; stepped, the mask of before
	// macs are the message's frame addresses and their flags, as
	// packetMACs reads them.
	macs [2]uint64
	gen  uint32 // the minute (aggregator.gen)
	idx  int32  // the event
	// ident is the identity the message reported, -1 for none.
	ident int32
	// nattrs is how many details the message reported, kept beside the
	// templates (templates.attrs) for carrying its event into the next
	// minute; -1 when they are not known or too many to keep.
	nattrs int8
	_      [3]byte
}

// dirTemplate is one direction's template: the counting part first, then
// the words compared.
type dirTemplate struct {
	held  heldRepeat
	words repeatTemplate
}

// templatesPerDir is how many templates each direction keeps: a client
// polling three blocks in turn has all held, and so has an EtherNet/IP
// panel reading tags of three types in turn, whose replies differ in
// length.
const templatesPerDir = 3

// Tracker.Packet spells out the comparison with a direction's three
// templates: the build fails here if templatesPerDir changes without it.
const _ = uint(templatesPerDir-3) + uint(3-templatesPerDir)

// convTemplates are a conversation's templates, templatesPerDir per
// direction (the first sent by the flow's initiator).
type convTemplates [2 * templatesPerDir]dirTemplate

// packetMACs reads a packet's Ethernet flag, source and destination
// addresses and destination flag, 14 bytes in a row, as two overlapping
// words (TestPacketMACsLayout pins the layout).
func packetMACs(p *decode.Packet) [2]uint64 {
	b := (*[14]byte)(unsafe.Pointer(&p.HasEthernet))
	return [2]uint64{binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[6:])}
}

// unpackMACs is the inverse of packetMACs.
func unpackMACs(w [2]uint64) (hasEth bool, src, dst [6]byte, hasDst bool) {
	var b [14]byte
	binary.LittleEndian.PutUint64(b[6:], w[1])
	binary.LittleEndian.PutUint64(b[0:], w[0])
	copy(src[:], b[1:7])
	copy(dst[:], b[7:13])
	return b[0] != 0, src, dst, b[13] != 0
}

// maxTemplates bounds the conversations holding templates at once: 1152
// bytes each and 768 of their messages' details, 30 MiB at most
// (conv.tmpl numbers them in 16 bits). A
// conversation that finds none left asks its dissector for every key, as
// without templates; a plant's polling conversations are a few thousand.
const maxTemplates = 1 << 14

// templates holds the conversations' templates, allocated to a
// conversation when it first has one to keep and freed when its slot
// goes to another flow.
type templates struct {
	all []convTemplates
	// attrs are the details of each template's message, beside all:
	// kept apart, as they hold strings, which the garbage collector
	// would otherwise look for in every template.
	attrs []convAttrs
	free  []uint16 // numbers (index + 1) of released templates
}

// carriedAttrs is how many details of a template's message are kept for
// carrying its event into the next minute (Tracker.carry): what the
// polls of the common protocols report, a unit or end code and a range.
const carriedAttrs = 2

// convAttrs are the details of a conversation's templates' messages.
type convAttrs [2 * templatesPerDir][carriedAttrs]Attr

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
			ts.attrs = append(ts.attrs, convAttrs{})
			c.tmpl = uint16(len(ts.all))
		default:
			return nil
		}
		ts.all[c.tmpl-1] = convTemplates{}
		ts.attrs[c.tmpl-1] = convAttrs{}
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

// templateIdle is how long a template must have gone unused before a
// message found by its key may take its place: a rare message (a write
// between polls) then gives way to the polls again, while three or more
// messages in turn do not keep replacing each other.
const templateIdle = int64(1e9)

// templateSlot returns which of c's templates a message of direction di
// sent at now should replace: the direction's empty or stale one, else
// the one whose message came last longest ago; with force unset, -1 when
// that one was used within templateIdle.
func (t *Tracker) templateSlot(c *conv, di int, now int64, force bool) int {
	i := di * templatesPerDir
	if c.tmpl == 0 {
		return i
	}
	ct := &t.tmpls.all[c.tmpl-1]
	oldest := i
	for j := i; j < i+templatesPerDir; j++ {
		h := &ct[j].held
		if h.gen != t.agg.gen {
			return j
		}
		if h.last < ct[oldest].held.last {
			oldest = j
		}
	}
	if !force && now-ct[oldest].held.last < templateIdle {
		return -1
	}
	return oldest
}

// keepTemplate makes c's template number slot (templateSlot) that of the
// message payload of p, sent by the conversation's client or not (fc),
// counted as entry e says, when its dissector d, as a repeater rp, names
// the key's bytes; mask is the mask of the State RepeatState returned with
// the key (all bits for a Repeater). attrs are the details the message
// reported, nil when not known (a message not dissected). What the
// template it replaces held is folded in first.
func (t *Tracker) keepTemplate(c *conv, p *decode.Packet, slot int, fc bool, tr Transport, d Dissector, rp *repeaterOf, mask uint64, payload []byte, e *repeatEntry, attrs []Attr) {
	// A conversation sharing its twin's State and a packet without a flow
	// or without a positive time keep no template.
	if c.id == 0 || c.twin != 0 || p.TimestampNs <= 0 || rp.mask == nil && rp.stateMask == nil {
		return
	}
	ct := t.tmpls.get(c)
	if ct == nil {
		return
	}
	t.fold(c)
	x := &ct[slot]
	// A message that gets no template (counted in no event, or its key's
	// bytes beyond the template's words) still takes the place, with no
	// length to match, as a template of the minute: its repeats found by
	// their keys do not try again and again (templateSlot).
	*x = dirTemplate{held: heldRepeat{gen: t.agg.gen, last: p.TimestampNs}}
	if e.idx < 0 {
		return
	}
	// The mask lives in the Tracker: passed to an interface method, one
	// on the stack would escape to the heap.
	m := &t.mask
	*m = RepeatMask{}
	var marked bool
	flags, after := e.flags, e.after
	if rp.mask != nil {
		marked = rp.mask.RepeatMask(payload, fc, m)
	} else {
		marked = rp.stateMask.RepeatMaskState(payload, fc, m)
		flags, after = flags|repeatStepped, mask
	}
	if !marked || !x.words.set(payload, m) {
		return
	}
	// Over TCP the held path takes a segment that matches for a whole
	// PDU without framing it: it must be one for Frame.
	if tr == TCP {
		if n, err := d.Frame(payload); err != nil || n != len(payload) {
			x.words = repeatTemplate{}
			return
		}
	}
	x.held = heldRepeat{plen: uint16(len(payload)), kind: e.kind, flags: flags, last: p.TimestampNs,
		before: e.before, after: after, macs: packetMACs(p), gen: e.gen, idx: e.idx, ident: e.ident, nattrs: -1}
	if attrs != nil && len(attrs) <= carriedAttrs {
		x.held.nattrs = int8(copy(t.tmpls.attrs[c.tmpl-1][slot][:], attrs))
	}
}

// offerTemplate gives the message payload of p, sent by the
// conversation's client or not (fc), a repeat of e found by its key (the
// State's mask with it), the place of one of its direction's templates
// gone unused, if there is one: a repeat none of the templates told.
func (t *Tracker) offerTemplate(c *conv, p *decode.Packet, di int, fc bool, tr Transport, mask uint64, payload []byte, e *repeatEntry) {
	rp := &t.repeaters[c.disp-1]
	if rp.mask == nil && rp.stateMask == nil {
		return
	}
	if slot := t.templateSlot(c, di, p.TimestampNs, false); slot >= 0 {
		t.keepTemplate(c, p, slot, fc, tr, t.reg.ds[c.disp-1], rp, mask, payload, e, nil)
	}
}

// Repeats recognised by a template are held in it rather than counted in
// their event one by one: the held path then touches the conversation and
// its template only. Holding must not change the outcome, so what is held
// is folded into the event (and the identity it reports) before anything
// else touches that event or identity, before the minute is rendered, and
// before the template or its conversation's slot is reused. Held repeats
// carry their template's MAC addresses and come in time order after it,
// so folding them in at once is what counting them one by one would have
// done. An event or identity names the conversation holding repeats for
// it (holder: slot + 1).

// carry counts p's message, which none of its direction's templates
// held, as a repeat of one made in the minute before, if it is one, and
// reports whether it was. The template's event is started in this minute
// from a copy of the last minute's (aggregator.carried), which is what
// dissecting the message would make of it, and the template holds its
// repeats from then on: otherwise every template would cost a dissection
// each minute.
func (t *Tracker) carry(c *conv, ct *convTemplates, di int, p *decode.Packet, fromInit bool) bool {
	for k := range templatesPerDir {
		x := &ct[di*templatesPerDir+k]
		h := &x.held
		if h.ident >= 0 || h.gen == 0 || !x.agrees(p, c.state, h.gen) || h.gen != t.agg.prevGen {
			continue
		}
		var s *stream
		if p.IPProto == layers.IPProtocolTCP {
			if s = &c.dir[di]; !s.inStep(p) {
				return false
			}
		}
		var own []Attr // nil: not known
		if h.nattrs >= 0 {
			own = t.tmpls.attrs[c.tmpl-1][di*templatesPerDir+k][:h.nattrs]
		}
		idx, attrs := t.agg.carried(h.gen, h.idx, own)
		if idx < 0 {
			return false
		}
		next := h.after
		if h.flags&repeatStepped != 0 {
			next = t.repeaters[c.disp-1].stateMask.NextState(p.Payload, c.senderIsClient(fromInit), c.state)
		}
		t.count(&t.agg.aggs[idx], p, h.kind, h.flags&repeatSrcIsSender != 0, h.flags&repeatErr != 0, attrs)
		h.gen, h.idx, h.last = t.agg.gen, idx, p.TimestampNs
		t.stats.Repeats++
		t.stats.Templated++
		c.state = next
		c.quiet[di] = 0
		if s != nil {
			s.next += uint32(len(p.Payload))
		}
		return true
	}
	return false
}

// agrees reports whether p, sent with State st in minute gen, repeats x's
// message. It compares the words as repeatTemplate.differ does, spelled
// out again (TestRepeatTemplate checks the two are the same): a call to
// differ would make agrees save its arguments across it, about 13
// instructions a packet on the held path (Tracker.Packet).
func (x *dirTemplate) agrees(p *decode.Packet, st uint64, gen uint32) bool {
	h := &x.held
	if int(h.plen) != len(p.Payload) || h.before != st && (h.flags&repeatStepped == 0 || st&h.after != h.before) ||
		h.macs != packetMACs(p) || h.gen != gen || p.TimestampNs < h.last {
		return false
	}
	w := &x.words
	q := unsafe.Pointer(unsafe.SliceData(p.Payload))
	var d uint64
	switch w.nw {
	case 7:
		d = (word(q, w.off[6]) ^ w.vm[6][0]) & w.vm[6][1]
		fallthrough
	case 6:
		d |= (word(q, w.off[5]) ^ w.vm[5][0]) & w.vm[5][1]
		fallthrough
	case 5:
		d |= (word(q, w.off[4]) ^ w.vm[4][0]) & w.vm[4][1]
		fallthrough
	case 4:
		d |= (word(q, w.off[3]) ^ w.vm[3][0]) & w.vm[3][1]
		fallthrough
	case 3:
		d |= (word(q, w.off[2]) ^ w.vm[2][0]) & w.vm[2][1]
		fallthrough
	case 2:
		d |= (word(q, w.off[1]) ^ w.vm[1][0]) & w.vm[1][1]
		fallthrough
	case 1:
		d |= (word(q, w.off[0]) ^ w.vm[0][0]) & w.vm[0][1]
	}
	return d == 0
}

// slotOf returns the slot of c, one of t.convs.
func (t *Tracker) slotOf(c *conv) int32 {
	return int32((uintptr(unsafe.Pointer(c)) - uintptr(unsafe.Pointer(unsafe.SliceData(t.convs)))) / unsafe.Sizeof(conv{}))
}

// claim makes c the holder of h's event and identity before its first
// repeat is held, folding in what another conversation held for them. It
// reports false when the identity was since reported by another
// conversation or direction: the message is then dissected, as a repeat
// counted one by one would be.
func (t *Tracker) claim(c *conv, h *heldRepeat, fromInit bool) bool {
	me := t.slotOf(c) + 1
	if h.ident >= 0 {
		id := &t.ids.ids[h.ident]
		if id.writer != repeatToken(c.id, fromInit) {
			return false
		}
		if id.holder != me {
			if id.holder != 0 {
				t.foldSlot(id.holder)
			}
			id.holder = me
		}
	}
	a := &t.agg.aggs[h.idx]
	if a.first == 0 {
		// A message without a time was counted: the next one sets the
		// first time, as folding in does not.
		return false
	}
	if a.holder != me {
		if a.holder != 0 {
			t.foldSlot(a.holder)
		}
		a.holder = me
	}
	if c.flags&convHeld == 0 {
		c.flags |= convHeld
		t.holders = append(t.holders, me)
	}
	return true
}

// foldSlot folds in what a holder holds: the conversation in slot
// holder-1, or for a negative holder the layer-2 template -holder-1.
func (t *Tracker) foldSlot(holder int32) {
	if holder < 0 {
		t.foldFrame(&t.ftmpls[-holder-1])
		return
	}
	t.fold(&t.convs[holder-1])
}

// fold counts the repeats c's templates hold in their events and
// identities.
func (t *Tracker) fold(c *conv) {
	if c.tmpl == 0 {
		return
	}
	ct := &t.tmpls.all[c.tmpl-1]
	for di := range ct {
		h := &ct[di].held
		n := t.takeHeld(&h.pend)
		if n == 0 {
			continue
		}
		hasEth, src, dst, hasDst := unpackMACs(h.macs)
		a := &t.agg.aggs[h.idx]
		a.holder = 0
		a.add(n, h.kind, h.flags&repeatErr != 0, h.last)
		a.setMACs(hasEth, src, dst, hasDst, h.flags&repeatSrcIsSender != 0)
		if h.ident >= 0 {
			t.ids.ids[h.ident].holder = 0
			t.ids.touch(h.ident, src, hasEth, h.last)
		}
	}
}

// takeHeld empties a template's count of held repeats, counting them in
// the statistics, and returns it.
func (t *Tracker) takeHeld(pend *uint32) uint64 {
	n := uint64(*pend)
	*pend = 0
	t.stats.Repeats += n
	t.stats.Templated += n
	return n
}

// foldAll folds in every held repeat, before the minute is rendered.
func (t *Tracker) foldAll() {
	for _, h := range t.holders {
		t.foldSlot(h)
		if h < 0 {
			t.ftmpls[-h-1].listed = false
		} else {
			t.convs[h-1].flags &^= convHeld
		}
	}
	t.holders = t.holders[:0]
}

// touchAgg is called before a message is counted in event a by any other
// path than the held one: what a conversation holds for it is folded in
// first.
func (t *Tracker) touchAgg(a *aggregate) {
	if a.holder != 0 {
		t.foldSlot(a.holder)
	}
}

// touchIdent is touchAgg for identity i.
func (t *Tracker) touchIdent(i int32) {
	if h := t.ids.ids[i].holder; h != 0 {
		t.foldSlot(h)
	}
}
