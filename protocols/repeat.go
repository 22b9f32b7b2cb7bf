package protocols

import (
	"encoding/binary"

	"mimamori/edge/decode"
)

// Most industrial traffic is the same few requests polled over and over,
// each answered the same way but for its process values. A Repeater lets
// the Tracker recognise such a message from a few of its bytes and count
// it as a repeat of an earlier message of its conversation, without decoding
// it and merging its details again: the bulk of what dissection costs.

// RepeatKey holds the bytes of a message that decide what Dissect reports
// for it. See Repeater.
type RepeatKey [24]byte

// Repeater is implemented by dissectors whose messages can be recognised
// as repeats without being decoded.
//
// Repeat writes into key the bytes of payload that Dissect's outcome
// depends on and returns how many it wrote (at most len(key)), or 0 when
// it cannot vouch for the message (Dissect then runs as usual). key
// arrives zeroed, and the Tracker compares it whole. The
// outcome is everything Dissect does with a message: whether it returns an
// error, the event (code, function, kind, error flag and details), the
// variant, whether it identifies the sender, and the State it leaves. The
// bytes left out are those that never change it, such as transaction ids,
// sequence numbers and process values; lengths that decide whether a
// message is well formed or how much of it is read belong in the key.
//
// The contract: for two payloads of one conversation, sent the same way
// (transport and fromClient) and dissected with the same Message.State,
// equal keys (same length, same bytes) mean the same outcome — what an
// identity says included when Info.KeysIdentities is set; otherwise the
// Tracker dissects every message that reports one. The key may
// be any encoding of those bytes that keeps them apart: equal keys must
// never come from messages Dissect would tell apart.
// protocolstest.FuzzDissector checks it byte by byte. Repeat must be
// cheap, keep no state and not keep payload.
type Repeater interface {
	Repeat(payload []byte, fromClient bool, key *RepeatKey) int
}

// StateRepeater is implemented instead of Repeater by dissectors whose
// messages change the conversation's State in a way the dissector can
// work out from a few bytes, such as a request's reference remembered for
// its answer: with Repeater, a State that changes with every message
// would make every message a miss.
//
// RepeatState keys payload as Repeat does, for a message dissected with
// State st, and returns besides the key's length (0: no key) the bits of
// st the outcome depends on (mask) and the State Dissect leaves (next).
// The key may hold what the message's bytes and st together decide, such
// as the request an answer's reference names in st.
//
// The contract: for two payloads of one conversation, sent the same way,
// with States s1 and s2, equal keys mean equal masks, and when also
// s1&mask == s2&mask, the same outcome apart from the State; and next is
// always the State Dissect leaves when it accepts the message.
// protocolstest.FuzzDissector checks it byte by byte and over varied
// States. RepeatState must be cheap, keep no state and not keep payload.
type StateRepeater interface {
	RepeatState(payload []byte, fromClient bool, st uint64, key *RepeatKey) (n int, mask, next uint64)
}

// repeatEntry is what the Tracker remembers of a message one
// conversation carried in one direction, to count a later one as its
// repeat: the conversation (flow ID and direction), the key, the State it
// was dissected with (of a StateRepeater's message, the bits its outcome
// depends on) and the State it left, and where and how its event was
// counted. It fills a cache line.
type repeatEntry struct {
	key    RepeatKey
	before uint64
	after  uint64
	flow   uint64 // the flow.Ref ID of the conversation
	// gen is the minute's generation (aggregator.gen, which the identity
	// table shares); 0: empty.
	gen uint32
	idx int32
	// ident is the identity the message reported, -1 for none.
	ident int32
	n     uint8
	kind  Kind
	flags repeatFlags
}

// repeatFlags are a repeatEntry's booleans.
type repeatFlags uint8

const (
	repeatFromInit    repeatFlags = 1 << iota // sent by the flow's initiator
	repeatErr                                 // the event's error flag
	repeatSrcIsSender                         // the sender is the event's src
	// repeatStepped: a template of a StateMasker's message, whose repeats
	// leave the State its NextState says (see heldRepeat).
	repeatStepped
)

// Conversations poll several requests in turn (an HMI reads one block of
// registers, then another, then writes one), so the last message of each
// direction, kept in the conversation, is not enough to remember: the
// ones before it go to a table shared by all conversations, found by a
// hash of the flow, the direction, the key and the State the outcome
// depends on (a request's answer may be keyed alike whichever request it
// answers). A message is looked for there only when it is not its
// direction's last, so a steady poll costs no hashing. The table is
// two-way set-associative, the newer entry first, so that two messages
// meeting in one set both stay; a third evicts the older, which costs a
// dissection and never a wrong count, since an entry is taken only for
// the very flow, direction, key, State and minute it holds.

// repeatSet is one set of the table: two entries, a cache line each.
type repeatSet [2]repeatEntry

// Bounds of the repeat table, in sets: it grows with the conversations
// to four times their number (eight entries each, besides the two each
// conversation holds), up to 4 MiB.
const (
	minRepeatSetBits = 6
	maxRepeatSetBits = 15
)

// repeatTable is the Tracker's memory of messages to count repeats of.
type repeatTable struct {
	sets  []repeatSet
	shift uint8 // 64 minus log2(len(sets))
}

// fit grows the table for convs conversations. Growing drops what it
// held: those messages are dissected once more.
func (rt *repeatTable) fit(convs int) {
	bits := minRepeatSetBits
	for bits < maxRepeatSetBits && 1<<bits < 4*convs {
		bits++
	}
	if 1<<bits <= len(rt.sets) {
		return
	}
	rt.sets = make([]repeatSet, 1<<bits)
	rt.shift = uint8(64 - bits)
}

// set returns the set a message of the flow and direction with this key
// belongs in, dissected with State before (masked). The key is zero past
// its n bytes, so its words are hashed whole.
func (rt *repeatTable) set(flow uint64, dir repeatFlags, key *RepeatKey, n int, before uint64) *repeatSet {
	h := (flow<<8 | uint64(n)<<1 | uint64(dir&repeatFromInit) ^ before) * 0xff51afd7ed558ccd
	h = (h ^ binary.LittleEndian.Uint64(key[0:])) * 0x9e3779b97f4a7c15
	h = (h ^ binary.LittleEndian.Uint64(key[8:])) * 0xc2b2ae3d27d4eb4f
	h = (h ^ binary.LittleEndian.Uint64(key[16:])) * 0x165667b19e3779f9
	return &rt.sets[h>>rt.shift]
}

// holds reports whether e remembers the message of the flow and
// direction with this key and masked State in minute gen.
func (e *repeatEntry) holds(flow uint64, dir repeatFlags, key *RepeatKey, n int, before uint64, gen uint32) bool {
	return e.flow == flow && e.before == before && e.gen == gen && e.flags&repeatFromInit == dir &&
		int(e.n) == n && sameKey(&e.key, key)
}

// find returns the entry of s that holds the message, nil if none does.
func (s *repeatSet) find(flow uint64, dir repeatFlags, key *RepeatKey, n int, before uint64, gen uint32) *repeatEntry {
	if s[0].holds(flow, dir, key, n, before, gen) {
		return &s[0]
	}
	if s[1].holds(flow, dir, key, n, before, gen) {
		return &s[1]
	}
	return nil
}

// remembered returns the entry holding the message of the flow and
// direction with this key and masked State in the current minute: last,
// the direction's last message, else one of the table's; nil if none
// does.
func (t *Tracker) remembered(last *repeatEntry, flow uint64, dir repeatFlags, key *RepeatKey, n int, masked uint64) *repeatEntry {
	if last.holds(flow, dir, key, n, masked, t.agg.gen) {
		return last
	}
	return t.reps.set(flow, dir, key, n, masked).find(flow, dir, key, n, masked, t.agg.gen)
}

// keep moves e, a conversation's last message, into the table if it is
// of minute gen. It goes first in its set; the entry there moves to the
// second place, unless it is stale, evicting the older one.
func (rt *repeatTable) keep(e *repeatEntry, gen uint32) {
	if e.gen != gen || len(rt.sets) == 0 {
		return
	}
	s := rt.set(e.flow, e.flags&repeatFromInit, &e.key, int(e.n), e.before)
	if s[0].gen == gen {
		s[1] = s[0]
	}
	s[0] = *e
}

// maxMisses and skipAfterMisses: after maxMisses messages in a row of one
// conversation and direction that were not repeats, the next
// skipAfterMisses are dissected without asking for their keys, which for
// a conversation that never repeats (requests that each name another
// address, say) would only cost. conv.quiet counts them.
const (
	maxMisses       = 8
	skipAfterMisses = 64
)

// askKind says how a message's key was asked for.
type askKind uint8

const (
	notAsked   askKind = iota // no key: the dissector keys no messages, or the direction rests
	askedPlain                // a Repeater's key: the whole State must match, the entry's after follows
	askedState                // a StateRepeater's key, mask and next State
)

// repeatKey asks the current conversation's dissector for the key of
// payload, sent with State st, and returns its length, 0 when there is
// none; for a StateRepeater the bits of the State the outcome depends on
// (mask) and the State the message leaves if it repeats (next); and how
// it was asked. q is the direction's conv.quiet.
func (t *Tracker) repeatKey(q *uint8, payload []byte, key *RepeatKey, st uint64) (n int, mask, next uint64, how askKind) {
	if t.repeaters == nil || t.cur.c.id == 0 {
		// A packet without a flow (id 0) has no conversation to repeat.
		return 0, 0, 0, notAsked
	}
	rp := &t.repeaters[t.cur.c.disp-1]
	if rp.plain == nil && rp.state == nil {
		return 0, 0, 0, notAsked
	}
	if *q > maxMisses {
		if *q--; *q == maxMisses {
			*q = 0
		}
		return 0, 0, 0, notAsked
	}
	*key = RepeatKey{} // compared whole: no bytes of an earlier key after the new one
	if rp.plain == nil {
		n, mask, next = rp.state.RepeatState(payload, t.cur.fc, st, key)
		return n, mask, next, askedState
	}
	return rp.plain.Repeat(payload, t.cur.fc, key), ^uint64(0), 0, askedPlain
}

// counted counts p's message as a repeat if it is one in the steady
// state: its direction is not counting misses, and it is a datagram or a
// TCP segment in step that is exactly one PDU, whose key finds an entry.
// fromInit says whether the flow's initiator sent it. It reports whether
// it counted the message; one it does not count takes the dissect path,
// which asks for its key again: a miss is keyed twice, but misses in a
// row soon rest (maxMisses) and leave this path. It is the
// per-packet path: it takes its values as arguments rather than from
// Tracker.cur, whose pointers cost a write barrier check each to set, and
// keeps few values alive across its calls.
func (t *Tracker) counted(c *conv, p *decode.Packet, fromInit bool, tr Transport) bool {
	di, dir := 1, repeatFlags(0)
	if fromInit {
		di, dir = 0, repeatFromInit
	}
	if c.quiet[di] != 0 || c.id == 0 || t.repeaters == nil {
		return false
	}
	var s *stream
	if tr == TCP {
		if s = &c.dir[di]; !s.inStep(p) {
			return false
		}
	}
	st := &c.state
	if c.twin != 0 {
		st = &t.primary(c).state
	}
	if s != nil {
		if n, err := t.reg.ds[c.disp-1].Frame(p.Payload); err != nil || n != len(p.Payload) {
			return false
		}
	}
	rp := &t.repeaters[c.disp-1]
	key := &t.key
	*key = RepeatKey{}
	n, mask, next := 0, ^uint64(0), uint64(0)
	plain := rp.plain != nil
	switch fc := c.senderIsClient(fromInit); {
	case plain:
		n = rp.plain.Repeat(p.Payload, fc, key)
	case rp.state != nil:
		n, mask, next = rp.state.RepeatState(p.Payload, fc, *st, key)
	}
	if n == 0 {
		return false
	}
	// remembered, spelled out: the call would add a tenth to this path.
	masked, gen := *st&mask, t.agg.gen
	e := &c.rep[di]
	if !e.holds(c.id, dir, key, n, masked, gen) {
		if e = t.reps.set(c.id, dir, key, n, masked).find(c.id, dir, key, n, masked, gen); e == nil {
			return false
		}
	}
	if plain {
		next = e.after
	}
	if !t.repeatedOn(e, c, p, fromInit, st, next, s) {
		return false
	}
	t.offerTemplate(c, p, di, c.senderIsClient(fromInit), tr, mask, p.Payload, e)
	return true
}

// repeatedOn is counted's repeated: it counts p's message as a repeat of
// e, sets the State (*st) to next and, over TCP, moves the stream s (nil
// for a datagram) past the message, and reports whether it did.
func (t *Tracker) repeatedOn(e *repeatEntry, c *conv, p *decode.Packet, fromInit bool, st *uint64, next uint64, s *stream) bool {
	if e.ident >= 0 && !t.identRepeated(e.ident, p, repeatToken(c.id, fromInit)) {
		return false
	}
	*st = next
	t.stats.Repeats++
	if e.idx >= 0 {
		a := &t.agg.aggs[e.idx]
		t.touchAgg(a)
		a.count1(e.kind, e.flags&repeatErr != 0, p.TimestampNs)
		a.macs(p, e.flags&repeatSrcIsSender != 0)
	}
	if s != nil {
		s.next += uint32(len(p.Payload))
	}
	return true
}

// missed notes in q (conv.quiet) that a message was no repeat.
func missed(q *uint8) {
	if *q++; *q >= maxMisses {
		*q = maxMisses + skipAfterMisses
	}
}

// sameKey is x == y, spelled out: the compiler calls memequal for it.
func sameKey(x, y *RepeatKey) bool {
	return binary.LittleEndian.Uint64(x[0:]) == binary.LittleEndian.Uint64(y[0:]) &&
		binary.LittleEndian.Uint64(x[8:]) == binary.LittleEndian.Uint64(y[8:]) &&
		binary.LittleEndian.Uint64(x[16:]) == binary.LittleEndian.Uint64(y[16:])
}

// repeatToken names a conversation (its flow ID) and direction as an
// identity's writer; never 0.
func repeatToken(flow uint64, fromInit bool) uint64 {
	tok := flow<<1 | 1
	if fromInit {
		tok ^= 2 // IDs are distinct, so tokens of two directions differ too
	}
	return tok
}

// repeated counts p's message as a repeat of r's, the entry with its
// flow, direction, key and masked State, sets the State (*st) to next and
// reports whether it did. r's details are already merged into its event:
// merging the same again changes nothing. tok names the message's
// conversation and direction (repeatToken).
func (t *Tracker) repeated(r *repeatEntry, p *decode.Packet, tok uint64, st *uint64, next uint64) bool {
	if r.ident >= 0 && !t.identRepeated(r.ident, p, tok) {
		return false
	}
	*st = next
	t.stats.Repeats++
	if r.idx >= 0 {
		a := &t.agg.aggs[r.idx]
		t.touchAgg(a)
		a.count1(r.kind, r.flags&repeatErr != 0, p.TimestampNs)
		a.macs(p, r.flags&repeatSrcIsSender != 0)
	}
	return true
}

// identRepeated touches identity i for p's repeat of the message that
// reported it, and reports whether it could: only while the writer named
// by tok (the conversation and direction) was the last to write it, since
// recording the same report again would then change nothing but the MAC
// and time. Identities are reset with the events (Flush), so an entry's
// gen is its identity's generation too.
func (t *Tracker) identRepeated(i int32, p *decode.Packet, tok uint64) bool {
	if t.ids.ids[i].writer != tok {
		return false
	}
	t.touchIdent(i)
	t.ids.touch(i, p.SrcMAC, p.HasEthernet, p.TimestampNs)
	return true
}

// Layer-2 frames have no conversation to remember their last message in,
// so their repeats are kept in a small table of their own, found by the
// frame's addresses, VLAN, EtherType and key together: a station that
// sends several kinds of cyclic frame to the same destination keeps an
// entry for each.

// frameRepeatBits sizes frameRepeats: 1024 entries of 64 bytes.
const frameRepeatBits = 10

// frameRepeats is the table of layer-2 repeats.
type frameRepeats [1 << frameRepeatBits]frameRepeat

// frameRepeat is one layer-2 message remembered: its sender and receiver,
// VLAN, dissector and key, and where and how its event was counted (idx
// -1: a frame that reports nothing).
// Layer-2 dissectors see no State.
type frameRepeat struct {
	key         RepeatKey
	src, dst    [6]byte
	vlan        uint16
	gen         uint32 // the aggregator's generation; 0: empty
	idx         int32
	owner       uint8 // dissector index + 1
	n           uint8
	kind        Kind
	err         bool
	srcIsSender bool
	_           [11]byte
}

// frameKey asks the dissector owner for the key of a frame's payload.
func (t *Tracker) frameKey(owner uint8, payload []byte, key *RepeatKey) int {
	if t.repeaters == nil {
		return 0
	}
	rp := t.repeaters[owner-1].plain
	if rp == nil {
		return 0
	}
	*key = RepeatKey{}
	return rp.Repeat(payload, true, key)
}

// entry returns the table entry a frame with this key belongs in. The key
// is zero past its n bytes (frameKey clears it), so its three words are
// hashed whole.
func (f *frameRepeats) entry(p *decode.Packet, owner uint8, key *RepeatKey, n int) *frameRepeat {
	h := (uint64(n) | uint64(owner)<<8 | uint64(p.VLAN)<<16 ^ binary.LittleEndian.Uint64(key[0:])) * 0x9e3779b97f4a7c15
	h = (h ^ binary.LittleEndian.Uint64(key[8:])) * 0xc2b2ae3d27d4eb4f
	h = (h ^ binary.LittleEndian.Uint64(key[16:])) * 0x9e3779b97f4a7c15
	src := uint64(binary.LittleEndian.Uint32(p.SrcMAC[:])) | uint64(binary.LittleEndian.Uint16(p.SrcMAC[4:]))<<32
	dst := uint64(binary.LittleEndian.Uint32(p.DstMAC[:])) | uint64(binary.LittleEndian.Uint16(p.DstMAC[4:]))<<32
	h = (h ^ src ^ dst<<16 ^ dst>>48) * 0x165667b19e3779f9
	return &f[h>>(64-frameRepeatBits)]
}

// frameRepeated counts the frame as a repeat of r's when r remembers the
// same frame in the current minute, and reports whether it did. The
// caller has put the frame's key, n bytes long, in t.key.
func (t *Tracker) frameRepeated(r *frameRepeat, p *decode.Packet, owner uint8, n int) bool {
	if r.gen != t.agg.gen || int(r.n) != n || !sameKey(&r.key, &t.key) || r.src != p.SrcMAC || r.dst != p.DstMAC || r.vlan != p.VLAN ||
		r.owner != owner {
		return false
	}
	t.stats.Repeats++
	if r.idx < 0 {
		return true // a frame that reports nothing
	}
	a := &t.agg.aggs[r.idx]
	t.touchAgg(a)
	a.count1(r.kind, r.err, p.TimestampNs)
	a.macs(p, r.srcIsSender)
	return true
}

// remember fills r with a frame just dissected and counted.
func (r *frameRepeat) remember(p *decode.Packet, owner uint8, key *RepeatKey, n int, gen uint32, idx int32, kind Kind, isErr, srcIsSender bool) {
	*r = frameRepeat{key: *key, src: p.SrcMAC, dst: p.DstMAC, vlan: p.VLAN, gen: gen, idx: idx, owner: owner,
		n: uint8(n), kind: kind, err: isErr, srcIsSender: srcIsSender}
}
