package protocols

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
// it cannot vouch for the message (Dissect then runs as usual). The
// outcome is everything Dissect does with a message: whether it returns an
// error, the event (code, function, kind, error flag and details), the
// variant, whether it identifies the sender, and the State it leaves. The
// bytes left out are those that never change it, such as transaction ids,
// sequence numbers and process values; lengths that decide whether a
// message is well formed or how much of it is read belong in the key.
//
// The contract: for two payloads of one conversation, sent the same way
// (transport and fromClient) and dissected with the same Message.State,
// equal keys (same length, same bytes) mean the same outcome. The key may
// be any encoding of those bytes that keeps them apart: equal keys must
// never come from messages Dissect would tell apart.
// protocolstest.FuzzDissector checks it byte by byte. Repeat must be
// cheap, keep no state and not keep payload.
type Repeater interface {
	Repeat(payload []byte, fromClient bool, key *RepeatKey) int
}

// repeatEntry is what the Tracker remembers of the last message a
// conversation carried in one direction, to count the next one as its
// repeat: its key, the State it was dissected with and the State it left,
// and where and how its event was counted. It fills a cache line of its
// own (see conv).
type repeatEntry struct {
	key         RepeatKey
	before      uint64
	after       uint64
	gen         uint32 // the aggregator's generation; 0: empty
	idx         int32
	n           uint8
	kind        Kind
	err         bool
	srcIsSender bool
	_           [12]byte
}

// repeatKey asks the current conversation's dissector for the key of
// payload: its length, 0 when there is none.
func (t *Tracker) repeatKey(payload []byte, key *RepeatKey) int {
	rp := t.reg.repeaters[t.cur.c.disp-1]
	if rp == nil || t.opts.DissectRepeats {
		return 0
	}
	return rp.Repeat(payload, t.cur.fc, key)
}

// repeated counts the current message as a repeat of r's when its key
// and the conversation's State are those r was dissected with, and
// reports whether it did. r's details are already merged into its event:
// merging the same again changes nothing.
func (t *Tracker) repeated(r *repeatEntry, key *RepeatKey, n int, st *uint64) bool {
	if r.gen != t.agg.gen || int(r.n) != n || r.key != *key || r.before != *st {
		return false
	}
	*st = r.after
	t.stats.Repeats++
	a := &t.agg.aggs[r.idx]
	a.count1(r.kind, r.err, t.cur.p.TimestampNs)
	a.macs(t.cur.p, r.srcIsSender)
	return true
}
