package protocolstest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
)

// outcome is everything Dissect does with a message, as a Repeater's
// contract names it.
type outcome struct {
	err        bool
	emitted    bool
	code       uint32
	function   string
	kind       protocols.Kind
	isErr      bool
	attrs      []protocols.Attr
	variant    uint8
	identified bool
	identity   string // what it says, fields and details
	state      uint64
}

func (o outcome) equal(p outcome) bool {
	return o.err == p.err && o.emitted == p.emitted && o.code == p.code && o.function == p.function &&
		o.kind == p.kind && o.isErr == p.isErr && o.variant == p.variant && o.identified == p.identified &&
		o.state == p.state && slices.Equal(o.attrs, p.attrs) && o.identity == p.identity
}

func (o outcome) String() string {
	return fmt.Sprintf("err=%v emitted=%v code=%d %q kind=%d error=%v attrs=%v variant=%d identified=%v %s state=%#x",
		o.err, o.emitted, o.code, o.function, o.kind, o.isErr, o.attrs, o.variant, o.identified, o.identity, o.state)
}

func dissectOutcome(d protocols.Dissector, payload []byte, tr protocols.Transport, fromClient bool, state uint64) outcome {
	m := protocols.Message{Payload: payload, Transport: tr, FromClient: fromClient, State: state}
	if err := d.Dissect(&m); err != nil {
		return outcome{err: true}
	}
	o := outcome{variant: m.Variant, state: m.State}
	if e, ok := m.Event(); ok {
		o.emitted, o.code, o.function, o.kind, o.isErr = true, e.Code, e.Function, e.Kind, e.Error
		o.attrs = slices.Clone(e.Attrs())
	}
	if id, ok := m.Identity(); ok {
		o.identified = true
		o.identity = fmt.Sprintf("vendor=%q product=%q model=%q serial=%q firmware=%q name=%q %v",
			id.Vendor, id.Product, id.Model, id.Serial, id.Firmware, id.Name, id.Attrs())
	}
	return o
}

// maxRepeatChecks bounds the byte positions CheckRepeat changes in one
// message, so that fuzzing long inputs stays quick: beyond it, positions
// are spread over the message.
const maxRepeatChecks = 512

// CheckRepeat fails t unless d keeps the Repeater contract on payload
// (RepeatViolation).
func CheckRepeat(t testing.TB, d protocols.Dissector, payload []byte) {
	t.Helper()
	if err := RepeatViolation(d, payload); err != nil {
		t.Fatal(err)
	}
}

// RepeatViolation checks a Repeater's contract on payload: every copy of
// it with one byte changed (to its complement, and to the next value)
// whose repeat key equals payload's must get the same outcome from
// Dissect (what an identity says only with Info.KeysIdentities), on each
// transport and direction, with State zero and with the
// State a first Dissect left. It returns the first copy that does not, nil
// when all do or d is not a Repeater.
func RepeatViolation(d protocols.Dissector, payload []byte) error {
	rp, ok := d.(protocols.Repeater)
	if !ok || len(payload) == 0 {
		return nil
	}
	keysIDs := d.Info().KeysIdentities
	var key, other protocols.RepeatKey
	changed := make([]byte, len(payload))
	step := max(1, len(payload)/maxRepeatChecks)
	for _, tr := range []protocols.Transport{protocols.TCP, protocols.UDP} {
		for _, fromClient := range []bool{true, false} {
			key = protocols.RepeatKey{}
			n := rp.Repeat(payload, fromClient, &key)
			if n < 0 || n > len(key) {
				return fmt.Errorf("Repeat = %d", n)
			}
			if n == 0 {
				continue
			}
			first := dissectOutcome(d, payload, tr, fromClient, 0)
			for _, state := range []uint64{0, first.state} {
				want := first
				if state != 0 {
					want = dissectOutcome(d, payload, tr, fromClient, state)
				}
				for i := 0; i < len(payload); i += step {
					for _, v := range []byte{^payload[i], payload[i] + 1} {
						copy(changed, payload)
						changed[i] = v
						// Cleared as the Tracker clears it: bytes of an
						// earlier key must not hide a change.
						other = protocols.RepeatKey{}
						if m := rp.Repeat(changed, fromClient, &other); m != n || other != key {
							continue
						}
						got := dissectOutcome(d, changed, tr, fromClient, state)
						if !keysIDs {
							got.identity = want.identity // not decided by the key: never repeated
						}
						if !got.equal(want) {
							return fmt.Errorf("%s, from client %v, state %#x: byte %d changed from %#02x to %#02x keeps the repeat key %x but Dissect reports\n%v\ninstead of\n%v\nmessage %x",
								tr, fromClient, state, i, payload[i], v, key[:n], got, want, payload)
						}
					}
				}
			}
		}
	}
	return nil
}

// CompareRepeats runs the same traffic (run, given a fresh Harness)
// through a Tracker that counts repeats and one that dissects every
// message (protocols.Options.DissectRepeats), fails t unless both flush
// the same events, identities and counters, and returns how many
// messages the first counted as repeats.
func CompareRepeats(t testing.TB, reg *protocols.Registry, run func(h *Harness)) uint64 {
	t.Helper()
	var events [2][]*wirepb.OTEvent
	var ids [2][]*wirepb.Identity
	var stats [2]protocols.Stats
	for i, opts := range []protocols.Options{{}, {DissectRepeats: true}} {
		h := New(reg, opts)
		run(h)
		events[i], ids[i], stats[i] = h.Flush()
	}
	if !slices.EqualFunc(events[0], events[1], func(x, y *wirepb.OTEvent) bool { return proto.Equal(x, y) }) {
		t.Errorf("counting repeats\n%s\ndissecting every message\n%s",
			strings.Join(Summaries(events[0]), "\n"), strings.Join(Summaries(events[1]), "\n"))
	}
	if !slices.EqualFunc(ids[0], ids[1], func(x, y *wirepb.Identity) bool { return proto.Equal(x, y) }) {
		t.Errorf("identities counting repeats\n%v\ndissecting every message\n%v", ids[0], ids[1])
	}
	repeats := stats[0].Repeats
	stats[0].Repeats = 0
	if stats[0] != stats[1] {
		t.Errorf("stats counting repeats %+v, dissecting every message %+v", stats[0], stats[1])
	}
	return repeats
}

// RepeatKey returns d's repeat key of payload and its length, asked as
// the Tracker asks (the key zeroed first); it fails tb when d is no
// Repeater or the length is out of range.
func RepeatKey(tb testing.TB, d protocols.Dissector, payload []byte, fromClient bool) (protocols.RepeatKey, int) {
	tb.Helper()
	rp, ok := d.(protocols.Repeater)
	if !ok {
		tb.Fatalf("%s is not a Repeater", d.Info().ID)
	}
	var key protocols.RepeatKey
	n := rp.Repeat(payload, fromClient, &key)
	if n < 0 || n > len(key) {
		tb.Fatalf("Repeat(%x) = %d", payload, n)
	}
	return key, n
}
