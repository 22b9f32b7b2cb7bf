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
//
// For a Repeater that is also a RepeatMasker, it checks besides that
// every copy with one byte outside the mask changed gets the same key
// from Repeat and the same result from Frame (maskViolation).
//
// For a StateRepeater it checks the same with the State zero, the State a
// first Dissect left and copies of those with bits outside the returned
// mask changed: RepeatState's next must be the State Dissect leaves, and
// copies with the same key must have the same mask and, with the State
// equal in the mask, the same outcome apart from the State. For one that
// is also a StateMasker it checks the template mask besides
// (stateMaskViolation).
func RepeatViolation(d protocols.Dissector, payload []byte) error {
	if sr, ok := d.(protocols.StateRepeater); ok && len(payload) > 0 {
		return stateRepeatViolation(d, sr, payload)
	}
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
			if tr == protocols.TCP {
				if err := maskViolation(d, rp, payload, fromClient, n, key); err != nil {
					return err
				}
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

// maskViolation checks a RepeatMasker's contract on payload, which rp
// keys as key (n bytes long) sent that way: every copy of it with one
// byte the mask leaves out changed (to its complement, and to the next
// value) must get the same key from Repeat and the same result from
// Frame. It returns nil when d is no RepeatMasker or declines.
func maskViolation(d protocols.Dissector, rp protocols.Repeater, payload []byte, fromClient bool, n int, key protocols.RepeatKey) error {
	mk, ok := d.(protocols.RepeatMasker)
	if !ok {
		return nil
	}
	var m protocols.RepeatMask
	if !mk.RepeatMask(payload, fromClient, &m) {
		return nil
	}
	fn, ferr := d.Frame(payload)
	return unmarkedChanges(payload, &m, func(changed []byte, i int) error {
		var other protocols.RepeatKey
		if got := rp.Repeat(changed, fromClient, &other); got != n || other != key {
			return fmt.Errorf("from client %v: byte %d, not in the repeat mask, changed from %#02x to %#02x changes the repeat key from %x to %x\nmessage %x",
				fromClient, i, payload[i], changed[i], key[:n], other[:got], payload)
		}
		if gn, gerr := d.Frame(changed); gn != fn || (gerr == nil) != (ferr == nil) {
			return fmt.Errorf("from client %v: byte %d, not in the repeat mask, changed from %#02x to %#02x changes Frame from %d, %v to %d, %v\nmessage %x",
				fromClient, i, payload[i], changed[i], fn, ferr, gn, gerr, payload)
		}
		return nil
	})
}

// unmarkedChanges calls check with every copy of payload that has one
// byte m leaves out changed, to its complement and to the next value, and
// the byte's position; it returns check's first error.
func unmarkedChanges(payload []byte, m *protocols.RepeatMask, check func(changed []byte, i int) error) error {
	changed := make([]byte, len(payload))
	step := max(1, len(payload)/maxRepeatChecks)
	for i := 0; i < len(payload); i += step {
		if m.Has(i) {
			continue
		}
		for _, v := range []byte{^payload[i], payload[i] + 1} {
			copy(changed, payload)
			changed[i] = v
			if err := check(changed, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// stateMaskViolation checks a StateMasker's contract on payload, which sr
// keys as key (n bytes long) with State st, mask and next State: with st
// changed outside mask, and in every copy of payload with one byte the
// template mask leaves out changed (to its complement, and to the next
// value), RepeatState must return the same key and mask, Frame the same
// result, and NextState RepeatState's next. It returns nil when d is no
// StateMasker or declines.
func stateMaskViolation(d protocols.Dissector, sr protocols.StateRepeater, payload []byte, fromClient bool, st uint64, n int, key protocols.RepeatKey, mask, next uint64) error {
	sm, ok := d.(protocols.StateMasker)
	if !ok {
		return nil
	}
	var m protocols.RepeatMask
	if !sm.RepeatMaskState(payload, fromClient, &m) {
		return nil
	}
	fn, ferr := d.Frame(payload)
	check := func(msg []byte, s uint64, what string) error {
		var other protocols.RepeatKey
		got, mask2, next2 := sr.RepeatState(msg, fromClient, s, &other)
		if got != n || other != key || mask2 != mask {
			return fmt.Errorf("from client %v, %s: RepeatState keys %x with State mask %#x instead of %x with %#x, though the template mask marks the message\nmessage %x",
				fromClient, what, other[:got], mask2, key[:n], mask, payload)
		}
		if ns := sm.NextState(msg, fromClient, s); ns != next2 {
			return fmt.Errorf("from client %v, %s: NextState = %#x, RepeatState's next %#x\nmessage %x", fromClient, what, ns, next2, payload)
		}
		if gn, gerr := d.Frame(msg); gn != fn || (gerr == nil) != (ferr == nil) {
			return fmt.Errorf("from client %v, %s: Frame = %d, %v instead of %d, %v\nmessage %x", fromClient, what, gn, gerr, fn, ferr, payload)
		}
		return nil
	}
	if err := check(payload, st, fmt.Sprintf("state %#x", st)); err != nil {
		return err
	}
	for _, flip := range stateFlips {
		if s := st ^ flip&^mask; s != st {
			if err := check(payload, s, fmt.Sprintf("state %#x instead of %#x (mask %#x)", s, st, mask)); err != nil {
				return err
			}
		}
	}
	return unmarkedChanges(payload, &m, func(changed []byte, i int) error {
		return check(changed, st, fmt.Sprintf("state %#x: byte %d, not in the template mask, changed from %#02x to %#02x", st, i, payload[i], changed[i]))
	})
}

// stateFlips are the changes stateRepeatViolation makes to a State's bits
// outside a StateRepeater's mask.
var stateFlips = [...]uint64{^uint64(0), 0x5555555555555555, 0xaaaaaaaaaaaaaaaa, 0x00000000ffffffff, 0x0000ffff0000ffff, 0x00ff00ff00ff00ff}

// stateRepeatViolation is RepeatViolation for a StateRepeater.
func stateRepeatViolation(d protocols.Dissector, sr protocols.StateRepeater, payload []byte) error {
	keysIDs := d.Info().KeysIdentities
	changed := make([]byte, len(payload))
	step := max(1, len(payload)/maxRepeatChecks)
	for _, tr := range []protocols.Transport{protocols.TCP, protocols.UDP} {
		for _, fromClient := range []bool{true, false} {
			first := dissectOutcome(d, payload, tr, fromClient, 0)
			for _, state := range []uint64{0, first.state} {
				var key protocols.RepeatKey
				n, mask, next := sr.RepeatState(payload, fromClient, state, &key)
				if n < 0 || n > len(key) {
					return fmt.Errorf("RepeatState = %d", n)
				}
				if n == 0 {
					continue
				}
				if tr == protocols.TCP {
					if err := stateMaskViolation(d, sr, payload, fromClient, state, n, key, mask, next); err != nil {
						return err
					}
				}
				want := dissectOutcome(d, payload, tr, fromClient, state)
				if !want.err && next != want.state {
					return fmt.Errorf("%s, from client %v, state %#x: RepeatState says the State becomes %#x, Dissect leaves %#x\nmessage %x",
						tr, fromClient, state, next, want.state, payload)
				}
				// check compares msg, with State s, to payload with state.
				check := func(msg []byte, s uint64, what string) error {
					var other protocols.RepeatKey
					m, mask2, next2 := sr.RepeatState(msg, fromClient, s, &other)
					if m != n || other != key {
						return nil
					}
					if mask2 != mask {
						return fmt.Errorf("%s, from client %v, %s: the same repeat key %x with State mask %#x instead of %#x\nmessage %x",
							tr, fromClient, what, key[:n], mask2, mask, payload)
					}
					got := dissectOutcome(d, msg, tr, fromClient, s)
					if !got.err && next2 != got.state {
						return fmt.Errorf("%s, from client %v, %s: RepeatState says the State becomes %#x, Dissect leaves %#x\nmessage %x",
							tr, fromClient, what, next2, got.state, msg)
					}
					if !keysIDs {
						got.identity = want.identity
					}
					w := want
					got.state, w.state = 0, 0
					if !got.equal(w) {
						return fmt.Errorf("%s, from client %v, %s keeps the repeat key %x but Dissect reports\n%v\ninstead of\n%v\nmessage %x",
							tr, fromClient, what, key[:n], got, w, payload)
					}
					return nil
				}
				for _, flip := range stateFlips {
					if s := state ^ flip&^mask; s != state {
						if err := check(payload, s, fmt.Sprintf("state %#x instead of %#x (mask %#x)", s, state, mask)); err != nil {
							return err
						}
					}
				}
				for i := 0; i < len(payload); i += step {
					for _, v := range []byte{^payload[i], payload[i] + 1} {
						copy(changed, payload)
						changed[i] = v
						if err := check(changed, state, fmt.Sprintf("state %#x: byte %d changed from %#02x to %#02x", state, i, payload[i], v)); err != nil {
							return err
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
	stats[0].Repeats, stats[0].Templated = 0, 0
	if stats[0] != stats[1] {
		t.Errorf("stats counting repeats %+v, dissecting every message %+v", stats[0], stats[1])
	}
	return repeats
}

// RepeatKey returns d's repeat key of payload and its length, asked as
// the Tracker asks (the key zeroed first); it fails tb when d is no
// Repeater or the length is out of range.
//
// A StateRepeater is asked with State zero.
func RepeatKey(tb testing.TB, d protocols.Dissector, payload []byte, fromClient bool) (protocols.RepeatKey, int) {
	tb.Helper()
	var key protocols.RepeatKey
	var n int
	switch rp := d.(type) {
	case protocols.Repeater:
		n = rp.Repeat(payload, fromClient, &key)
	case protocols.StateRepeater:
		n, _, _ = rp.RepeatState(payload, fromClient, 0, &key)
	default:
		tb.Fatalf("%s is not a Repeater", d.Info().ID)
	}
	if n < 0 || n > len(key) {
		tb.Fatalf("Repeat(%x) = %d", payload, n)
	}
	return key, n
}
