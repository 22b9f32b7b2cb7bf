package protocols

import (
	"encoding/binary"

	"mimamori/edge/decode"
)

// Most industrial traffic is the same few requests polled over and over,
// each answered the same way but for its process values. A Repeater lets
// the Tracker recognise such a message from a few of its bytes and count
// it as a repeat of the conversation's previous message, without decoding
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

// repeatEntry is what the Tracker remembers of the last message a
// conversation carried in one direction, to count the next one as its
// repeat: its key, the State it was dissected with (of a StateRepeater's
// message, the bits its outcome depends on) and the State it left, and
// where and how its event was counted. It fills a cache line of its
// own (see conv).
type repeatEntry struct {
	key    RepeatKey
	before uint64
	after  uint64
	gen    uint32 // the aggregator's generation; 0: empty
	idx    int32
	// ident is the identity the message reported, -1 for none, in the
	// identity table of generation igen.
	ident       int32
	igen        uint32
	n           uint8
	kind        Kind
	err         bool
	srcIsSender bool
	// misses counts the messages in a row that were not repeats; after
	// maxMisses of them the next skipAfterMisses messages (rest) are
	// dissected without asking for their keys, which for a conversation
	// that never repeats (requests that each name another address, say)
	// would only cost.
	misses, rest uint8
}

// maxMisses and skipAfterMisses: see repeatEntry.misses.
const (
	maxMisses       = 8
	skipAfterMisses = 64
)

// repeatKey asks the current conversation's dissector for the key of
// payload, sent with State st, and returns its length, 0 when there is
// none; the bits of the State the outcome depends on (mask); and the
// State the message leaves if it repeats r's (next). asked is false when
// the dissector is neither a Repeater nor a StateRepeater, or r's
// direction is resting from asking (see repeatEntry.misses).
func (t *Tracker) repeatKey(r *repeatEntry, payload []byte, key *RepeatKey, st uint64) (n int, mask, next uint64, asked bool) {
	rp := &t.reg.repeaters[t.cur.c.disp-1]
	if rp.plain == nil && rp.state == nil || t.opts.DissectRepeats {
		return 0, 0, 0, false
	}
	if r.rest > 0 {
		r.rest--
		return 0, 0, 0, false
	}
	*key = RepeatKey{} // compared whole: no bytes of an earlier key after the new one
	if rp.plain == nil {
		n, mask, next = rp.state.RepeatState(payload, t.cur.fc, st, key)
		return n, mask, next, true
	}
	// A plain Repeater's message repeats only with the whole State its
	// model was dissected with, and leaves the State that one left.
	return rp.plain.Repeat(payload, t.cur.fc, key), ^uint64(0), r.after, true
}

// sameKey is x == y, spelled out: the compiler calls memequal for it.
func sameKey(x, y *RepeatKey) bool {
	return binary.LittleEndian.Uint64(x[0:]) == binary.LittleEndian.Uint64(y[0:]) &&
		binary.LittleEndian.Uint64(x[8:]) == binary.LittleEndian.Uint64(y[8:]) &&
		binary.LittleEndian.Uint64(x[16:]) == binary.LittleEndian.Uint64(y[16:])
}

// repeatToken names the current packet's conversation and direction as
// an identity's writer; never 0.
func (t *Tracker) repeatToken() uint64 {
	tok := t.cur.ref.ID<<1 | 1
	if t.cur.ref.FromInitiator {
		tok ^= 2 // IDs are distinct, so tokens of two directions differ too
	}
	return tok
}

// repeated counts the current message as a repeat of r's when its key
// and the bits of the conversation's State in mask are those r was
// dissected with, sets the State to next, and reports whether it did.
// r's details are already merged into its event: merging the same again
// changes nothing. A message that reported an
// identity repeats only while its conversation and direction were the
// last to write that identity: recording the same report again would
// then change nothing but the MAC and time.
func (t *Tracker) repeated(r *repeatEntry, key *RepeatKey, n int, st *uint64, mask, next uint64) bool {
	if r.gen != t.agg.gen || int(r.n) != n || !sameKey(&r.key, key) || r.before != *st&mask {
		return false
	}
	p := t.cur.p
	if r.ident >= 0 {
		if r.igen != t.ids.gen || t.ids.ids[r.ident].writer != t.repeatToken() {
			return false
		}
		t.ids.touch(r.ident, p.SrcMAC, p.HasEthernet, p.TimestampNs)
	}
	*st = next
	t.stats.Repeats++
	if r.idx >= 0 {
		a := &t.agg.aggs[r.idx]
		a.count1(r.kind, r.err, p.TimestampNs)
		a.macs(p, r.srcIsSender)
	}
	return true
}

// missed notes that the current message was no repeat of r's.
func (r *repeatEntry) missed() {
	if r.misses++; r.misses >= maxMisses {
		r.misses, r.rest = 0, skipAfterMisses
	}
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
// VLAN, dissector and key, and where and how its event was counted.
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
	rp := t.reg.repeaters[owner-1].plain
	if rp == nil || t.opts.DissectRepeats {
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
	a := &t.agg.aggs[r.idx]
	a.count1(r.kind, r.err, p.TimestampNs)
	a.macs(p, r.srcIsSender)
	return true
}

// remember fills r with a frame just dissected and counted.
func (r *frameRepeat) remember(p *decode.Packet, owner uint8, key *RepeatKey, n int, gen uint32, idx int32, kind Kind, isErr, srcIsSender bool) {
	*r = frameRepeat{key: *key, src: p.SrcMAC, dst: p.DstMAC, vlan: p.VLAN, gen: gen, idx: idx, owner: owner,
		n: uint8(n), kind: kind, err: isErr, srcIsSender: srcIsSender}
}
