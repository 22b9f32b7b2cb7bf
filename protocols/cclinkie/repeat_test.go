package cclinkie_test

import (
	"fmt"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/cclinkie"
	"mimamori/protocols/protocolstest"
)

// cycle returns a copy of frame as a later link scan sends it: from
// offset from on, the body (cyclic data, a myStatus sequence number and
// counters) changed, and the header check with it.
func cycle(frame []byte, from, n int) []byte {
	b := append([]byte(nil), frame...)
	for i := 10; i < 14 && i < len(b); i++ { // header check
		b[i] = byte(i*3 + n)
	}
	for i := from; i < len(b); i++ {
		b[i] = byte(i*7 + n)
	}
	return b
}

// myStatus is a node's myStatus frame as a plant sends it once a second:
// the sequence number, run state and error, then reserved bytes.
func myStatus(node uint16, nodeType byte, seq uint16) []byte {
	b := field(0x20, 0x00, node, 0x01, nodeType, node, 0x01, 14+16)
	return with(b, 14, byte(seq>>8), byte(seq), 0x01, 0x00)
}

func repeatKey(b []byte) (protocols.RepeatKey, int) {
	var k protocols.RepeatKey
	n := cclinkie.New().(protocols.Repeater).Repeat(b, true, &k)
	return k, n
}

// repeatFixtures are frames of every kind the dissector sees, keyed or
// not: those of TestDissect, the link scan of the benchmark, and their
// variations.
func repeatFixtures() [][]byte {
	var fs [][]byte
	for _, f := range linkScan() {
		fs = append(fs, f.Payload, cycle(f.Payload, 14, 1))
	}
	for _, s := range []string{detection, detectionAck, detectionAck[:100], cyclicM, tsnTestData, tsnFieldAck, controlAck,
		"c2000101", "c200", "c1000000", "c30001000000000000000000", "80 00 000001 00 0004 0000 00000000 0000",
		"7700", "150100030000000301", "0600000001", "c4"} {
		fs = append(fs, hex(s))
	}
	fs = append(fs,
		field(0x15, 0x01, 3, 0, 0, 3, 0x01, 62), field(0x10, 0x01, 0, 0, '0', 1, 0x01, 62),
		field(0x11, 0x01, 0, 0, '4', 2, 0x01, 62), field(0x11, 0x01, 0, 0, '4', 2, 0x02, 62),
		field(0x12, 0x01, 0, 0, 0, 2, 0x03, 62), field(0x20, 0x02, 5, 1, '9', 5, 0x01, 62),
		myStatus(0, '0', 7), myStatus(2, '4', 8), field(0x1c, 0x01, 0, 0, 0, 0x10, 0x01, 62),
		field(0x15, 0x01, 3, 0, 0, 3, 0x07, 62), field(0x77, 0, 0, 0, 0, 0, 0x00, 46),
		field(0x10, 0x01, 0, 0, 0x02, 7, 0x00, 62), field(0x23, 0x01, 1, 0x13, 0, 1, 0x01, 40),
		field(0x26, 0x01, 1, 0x13, 0, 1, 0x01, 40), field(0x29, 0x01, 1, 0, 0, 1, 0x01, 80),
	)
	for _, tt := range []struct {
		typ, dataType byte
		off           int
		v             []byte
	}{
		{0x25, 0x04, 36, []byte{0x09}}, {0x25, 0x04, 36, []byte{0x12}}, {0x25, 0x04, 36, []byte{0x20}},
		{0x22, 0x05, 52, []byte{0x30}}, {0x22, 0x05, 52, []byte{0xb0}},
		{0x22, 0x07, 30, []byte{0x03, 0x80}}, {0x22, 0x08, 30, []byte{0x03, 0x00}}, {0x22, 0x07, 30, []byte{0x0a, 0x01}},
	} {
		for _, ver := range []byte{0x00, 0x01, 0x02} {
			f := with(field(tt.typ, tt.dataType, 1, 0x13, 0, 1, ver, 62), tt.off, tt.v...)
			// Cut just after the command, and just before it.
			fs = append(fs, f, f[:tt.off+len(tt.v)], f[:tt.off+len(tt.v)-1])
		}
	}
	return fs
}

// TestRepeatKeys checks that frames which differ only in what is left out
// of the key (cyclic data, myStatus counters, the header check, transient
// payloads) share a key, and that anything Dissect reports differently
// changes it or rules the frame out.
func TestRepeatKeys(t *testing.T) {
	rww := field(0x82, 0, 0, 1, '0', 0, 0x01, 14+32)
	rwr := field(0x84, 0, 1, 1, '4', 1, 0x01, 14+32)
	t2 := with(field(0x25, 0x04, 1, 0x13, 0, 1, 0x01, 62), 36, 0x09)
	t1 := with(field(0x22, 0x07, 1, 0x13, 0, 1, 0x01, 62), 30, 0x03, 0x80)
	same := []struct {
		name string
		a, b []byte
	}{
		{"cyclic RWw", rww, cycle(rww, 14, 1)},
		{"cyclic RWr, far apart", cycle(rwr, 14, 2), cycle(rwr, 14, 90)},
		{"cyclic RY", field(0x83, 0, 0, 1, '0', 0, 0x01, 14+8), cycle(field(0x83, 0, 0, 1, '0', 0, 0x01, 14+8), 14, 1)},
		{"cyclic data of another length", rww, field(0x82, 0, 0, 1, '0', 0, 0x01, 14+64)},
		{"cyclic data type byte", rww, field(0x82, 0x07, 0, 1, '0', 0, 0x01, 14+32)},
		{"myStatus", myStatus(2, '4', 7), myStatus(2, '4', 8)},
		{"token", field(0x15, 0x01, 3, 0, 0, 3, 0x01, 62), cycle(field(0x15, 0x01, 3, 0, 0, 3, 0x01, 62), 14, 5)},
		{"persuasion priority", field(0x10, 0x01, 0, 0, '0', 1, 0x01, 62), field(0x10, 0x01, 7, 0, '0', 1, 0x01, 62)},
		{"TSN test data node type", field(0x11, 0x01, 0, 0, 1, 2, 0x02, 62), field(0x11, 0x01, 0, 0, 2, 2, 0x02, 62)},
		{"transient2 payload", t2, cycle(t2, 37, 3)},
		{"transient1 payload", t1, cycle(t1, 32, 3)},
		{"control cyclic", hex("80 00 000001 00 0004 0000 00000000 0000"), hex("80 00 000102 00 0004 0000 01020304 0506 0708")},
		{"TSN cyclic", hex(cyclicM), cycle(hex(cyclicM), 2, 1)},
		{"TSN detection", hex(detection), cycle(hex(detection), 5, 1)},
		{"TSN detection ack without identity", hex("c2000101"), hex("c2ff0101ffff")},
	}
	for _, tt := range same {
		ka, na := repeatKey(tt.a)
		kb, nb := repeatKey(tt.b)
		if na == 0 || na != nb || ka != kb {
			t.Errorf("%s: keys %x (%d) and %x (%d), want equal", tt.name, ka[:na], na, kb[:nb], nb)
		}
	}
	apart := []struct {
		name string
		a, b []byte
	}{
		{"frame type", rww, field(0x83, 0, 0, 1, '0', 0, 0x01, 14+32)},
		{"IE Control", rww, field(0x82, 0, 0, 1, '0', 0, 0x00, 14+32)},
		{"IE TSN", rww, field(0x82, 0, 0, 1, '0', 0, 0x02, 14+32)},
		{"IE TSN and Field", field(0x82, 0, 0, 1, '0', 0, 0x02, 14+32), field(0x82, 0, 0, 1, '0', 0, 0x03, 14+32)},
		{"node id", rwr, field(0x84, 0, 2, 1, '4', 1, 0x01, 14+32)},
		{"source node", rwr, field(0x84, 0, 1, 1, '4', 2, 0x01, 14+32)},
		{"node type", myStatus(2, '4', 7), myStatus(2, '3', 7)},
		{"connection info", t2, with(field(0x25, 0x04, 1, 0x14, 0, 1, 0x01, 62), 36, 0x09)},
		{"transient2 command", t2, with(field(0x25, 0x04, 1, 0x13, 0, 1, 0x01, 62), 36, 0x12)},
		{"transient2 cut before its command", t2, t2[:36]},
		{"transient2 command 0, cut before it", with(field(0x25, 0x04, 1, 0x13, 0, 1, 0x01, 37), 36, 0x00), t2[:36]},
		{"transient1 SLMP command 0, cut before it", field(0x22, 0x05, 1, 0x13, 0, 1, 0x01, 53), field(0x22, 0x05, 1, 0x13, 0, 1, 0x01, 52)},
		{"transient1 command 0, cut before it", field(0x22, 0x07, 1, 0x13, 0, 1, 0x01, 32), field(0x22, 0x07, 1, 0x13, 0, 1, 0x01, 31)},
		{"transient1 data type", t1, with(field(0x22, 0x08, 1, 0x13, 0, 1, 0x01, 62), 30, 0x03, 0x80)},
		{"transient1 command", t1, with(field(0x22, 0x07, 1, 0x13, 0, 1, 0x01, 62), 30, 0x04, 0x80)},
		{"transient1 request", t1, with(field(0x22, 0x07, 1, 0x13, 0, 1, 0x01, 62), 30, 0x03, 0x00)},
		{"transient1 cut before its sub-command", t1, t1[:31]},
		{"SLMP command", with(field(0x22, 0x05, 1, 0x13, 0, 1, 0x01, 62), 52, 0x30), with(field(0x22, 0x05, 1, 0x13, 0, 1, 0x01, 62), 52, 0xb0)},
		{"control source node", hex("80 00 000001 00 0004 0000 00000000 0000"), hex("80 00 000001 00 0005 0000 00000000 0000")},
		{"control frame type", hex("80 00 000001 00 0004 0000 00000000 0000"), hex("81 00 000001 00 0004 0000 00000000 0000")},
		{"TSN master, slave", hex(cyclicM), with(hex(cyclicM), 0, 0xc5)},
		{"TSN detection version", hex(detection), with(hex(detection), 4, 1)},
		{"TSN detection cut before its version", hex(detection), hex(detection)[:4]},
		{"TSN ack node type", hex("c2000101"), hex("c2000001")},
		{"TSN ack version", hex("c2000101"), hex("c2000100")},
		{"TSN ack cut before its version", hex("c2000101"), hex("c20001")},
	}
	for _, tt := range apart {
		ka, na := repeatKey(tt.a)
		kb, nb := repeatKey(tt.b)
		if na == 0 {
			t.Errorf("%s: no key for the first frame", tt.name)
		}
		if nb != 0 && na == nb && ka == kb {
			t.Errorf("%s: both keyed %x", tt.name, ka[:na])
		}
	}
	none := []struct {
		name string
		b    []byte
	}{
		{"TSN detection ack describing its sender", hex(detectionAck)},
		{"unknown frame type", field(0x77, 0, 0, 0, 0, 0, 0x00, 46)},
		{"unknown short frame type", hex("7700")},
		{"header cut short", hex("150100030000000301")},
		{"control header cut short", hex("0600000001")},
		{"TSN frame of one byte", hex("c4")},
		{"empty", nil},
	}
	for _, tt := range none {
		if k, n := repeatKey(tt.b); n != 0 {
			t.Errorf("%s: keyed %x, want 0", tt.name, k[:n])
		}
	}
}

// TestRepeatContract checks the Repeater contract byte by byte on every
// fixture: on TCP and UDP as the shared check does, and on Ethernet, the
// transport the Tracker hands these frames over.
func TestRepeatContract(t *testing.T) {
	for _, b := range repeatFixtures() {
		protocolstest.CheckRepeat(t, cclinkie.New(), b)
		checkRepeatEthernet(t, b)
	}
}

// outcome is everything Dissect does with a frame on Ethernet, as text:
// error, event with its details, variant, identity and State.
func outcome(b []byte) string {
	m := protocols.Message{Payload: b, Transport: protocols.Ethernet, FromClient: true}
	if err := cclinkie.New().Dissect(&m); err != nil {
		return "error " + err.Error()
	}
	s := fmt.Sprintf("state=%#x ", m.State) + event(&m)
	if e, ok := m.Event(); ok {
		s += fmt.Sprintf(" error=%v", e.Error)
	}
	if id, ok := m.Identity(); ok {
		s += " identity"
		for _, a := range id.Attrs() {
			s += " " + a.Key + "=" + a.Value.String()
		}
	}
	return s
}

// checkRepeatEthernet fails t unless every copy of b with one byte
// changed (to its complement and to the next value) that keeps b's
// repeat key gets the same outcome from Dissect on Ethernet, as the
// Tracker calls it for layer-2 frames: from the client, State 0.
func checkRepeatEthernet(t testing.TB, b []byte) {
	t.Helper()
	k, n := repeatKey(b)
	if n == 0 {
		return
	}
	want := outcome(b)
	changed := make([]byte, len(b))
	step := max(1, len(b)/512)
	for i := 0; i < len(b); i += step {
		for _, v := range []byte{^b[i], b[i] + 1} {
			copy(changed, b)
			changed[i] = v
			if k2, n2 := repeatKey(changed); n2 != n || k2 != k {
				continue
			}
			if got := outcome(changed); got != want {
				t.Fatalf("byte %d changed from %#02x to %#02x keeps the repeat key %x but Dissect reports\n%s\ninstead of\n%s\nframe %x",
					i, b[i], v, k[:n], got, want, b)
			}
		}
	}
}
