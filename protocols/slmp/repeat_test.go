package slmp_test

import (
	"fmt"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/slmp"
)

// More fixtures, one of each kind Repeat handles.
const (
	// 3E: Device Read of D100-131 as the plant polls it (timer 4 s), its
	// response, and the same with other process values.
	pollD100   = "5000 00 ff ff03 00 0c00 1000 0104 0000 640000 a8 2000"
	pollResp   = "d000 00 ff ff03 00 4200 0000" + words32a
	pollResp2  = "d000 00 ff ff03 00 4200 0000" + words32b
	words32a   = "0100020003000400050006000700080009000a000b000c000d000e000f0010001100120013001400150016001700180019001a001b001c001d001e001f002000"
	words32b   = "ff00fe00fd00fc00fb00fa00f900f800f700f600f500f400f300f200f100f000ef00ee00ed00ec00eb00ea00e900e800e700e600e500e400e300e200e100e000"
	writeD100  = "5000 00 ff ff03 00 1c00 1000 0114 0000 640000 a8 0800 ff7f fe7f fd7f fc7f fb7f fa7f f97f f87f"
	writeD100b = "5000 00 ff ff03 00 1c00 1000 0114 0000 640000 a8 0800 0000 0100 0200 0300 0400 0500 0600 0700"
	readIQR    = "5000 00 ff ff03 00 0e00 1000 0104 0200 64000000 a800 0a00"
	readRandom = "5000 00 ff ff03 00 1000 1000 0304 0000 02 00 640000 a8 c80000 a8"
	readBlock  = "5000 00 ff ff03 00 1400 1000 0604 0000 01 01 000000 a8 0400 100000 90 0200"
	writeBlock = "5000 00 ff ff03 00 1600 1000 0614 0000 01 00 000000 a8 0400 1100 2200 3300 4400"
	readExt    = "5000 00 ff ff03 00 1100 1000 0104 8000 640000 a8 0000 0000 f9 0a00"
	// 4E: the serial number (here 0x1234) matches the response.
	read4E     = "5400 3412 0000 00 ff ff03 00 0c00 1000 0104 0000 640000 a8 0a00"
	resp4E     = "d400 3412 0000 00 ff ff03 00 1600 0000 0100020003000400050006000700080009000a00"
	errResp4E  = "d400 3412 0000 00 ff ff03 00 0b00 51c0 00ffff030001040000"
	tsnRequest = "68000000000000ffff030000000018000000930e00000000000000000001000040020000ffff0f00"
	tsnResp    = "e8009400000000ffff030000000010000000940e000000000000000001010000"
	tsnTypeRsp = "e8000100000000ffff03000000001a000000010100005230344350552020202020202020202001480000"
	// ASCII 3E Device Read of D100-109 and its response; ASCII 4E.
	asciiRead    = "35303030 3030 4646 30334646 3030 30303138 30303130 30343031 30303030 442a 303030313030 30303041"
	asciiResp    = "44303030 3030 4646 30334646 3030 30303043 30303030 3030303130303032"
	asciiRespErr = "44303030 3030 4646 30334646 3030 30303034 43303539"
	asciiRead4E  = "35343030 30303031 30303030 3030 4646 30334646 3030 30303138 30303130 30343031 30303030 442a 303030313030 30303041"
	asciiWrite4E = "35343030 30303031 30303030 3030 4646 30334646 3030 30303230 30303130 31343031 30303032 442a2a2a 3030303030313030 30303031 30303546"
	asciiResp4E  = "44343030 30303031 30303030 3030 4646 30334646 3030 30303034 43303539"
	asciiIQR3E   = "35303030 3030 4646 30334646 3030 30303143 30303130 30343031 30303032 442a2a2a 3030303030313030 30303041"
)

// repeatFixtures are well-formed messages of every kind Repeat handles,
// for the Repeater contract; they seed FuzzSLMP too.
var repeatFixtures = []string{
	readD100, readResp, writeM0, writeResp, remoteStop, errorResp, typeName, typeResp,
	pollD100, pollResp, pollResp2, writeD100, readIQR, readRandom, readBlock, writeBlock, readExt,
	"5000 00 ff ff03 00 2200 1000 0214 0200 02 01 64000000 a800 0100 c8000000 a800 0200 00100000 b400 01020304",
	"5000 00 ff ff03 00 0c00 1000 0104 0000 640000 12 0a00", // unknown device code
	"5000 00 ff ff03 00 0c00 1000 0104 0000 640000 a8 0000", // no points
	"5000 00 ff ff03 00 0a00 1000 0104 0000 640000 a8",      // no number of points
	read4E, resp4E, errResp4E,
	"5400 3412 0000 00 ff ff03 00 0600 1000 0110 0000",
	tsnRequest, tsnResp, tsnTypeRsp,
	asciiRead, asciiResp, asciiRespErr, asciiRead4E, asciiWrite4E, asciiResp4E, asciiIQR3E,
	// ASCII Read Type Name; a read of X1A0 (a device numbered in hex).
	"35303030 3030 4646 30334646 3030 30303063 30303130 30313031 30303030",
	"35303030 3030 4646 30334646 3030 30303138 30303130 30343031 30303030 582a 303030314130 30303130",
}

// malformedFixtures break the protocol: too short for their length, a
// request too short for a command, 4E reserved bytes, ASCII cut in its
// header, not hex digits.
var malformedFixtures = []string{
	"5000 00 ff ff03 00 0c00 1000 0104",
	"5000 00 ff ff03 00 0200 1000",
	"5400 3412 0100 00 ff ff03 00 0200 0000",
	"3530 3030 3030 4646",
	"35303030 3030 4647 30334646 3030 30303034 30303030",
	"44303030 3030 4646 30334646 3030 30303034 30303047",
	"5700 0000",
}

// TestRepeatContract checks the Repeater contract, byte by byte, on every
// fixture (see protocolstest.CheckRepeat).
func TestRepeatContract(t *testing.T) {
	for _, f := range repeatFixtures {
		m := protocols.Message{Payload: hex(f), Transport: protocols.TCP}
		if err := slmp.New().Dissect(&m); err != nil {
			t.Errorf("Dissect(%s) = %v", f, err)
		}
		protocolstest.CheckRepeat(t, slmp.New(), hex(f))
	}
	for _, f := range malformedFixtures {
		protocolstest.CheckRepeat(t, slmp.New(), hex(f))
	}
}

// outcome renders everything Dissect does with a message.
func outcome(payload []byte, state uint64) string {
	m := protocols.Message{Payload: payload, Transport: protocols.TCP, State: state}
	if err := slmp.New().Dissect(&m); err != nil {
		return "error " + err.Error()
	}
	_, identified := m.Identity()
	return fmt.Sprintf("%s variant=%d identified=%v state=%#x", event(&m), m.Variant, identified, m.State)
}

// TestRepeatContractAfterRequests checks the contract on each message
// with the States the requests before it leave, which CheckRepeat does
// not try: a 3E or 4E response reports the command it answers from the
// State, and a response to Read Type Name identifies its sender.
func TestRepeatContractAfterRequests(t *testing.T) {
	tests := [][]string{
		{pollD100, pollResp},
		{typeName, typeResp},
		{typeName, writeResp},
		{remoteStop, errorResp},
		{readD100, writeM0, readResp, writeResp},
		{read4E, resp4E},
		{read4E, errResp4E},
		{"5400 3412 0000 00 ff ff03 00 0600 1000 0101 0000", "d400 3412 0000 00 ff ff03 00 1400 0000 52303443505520202020202020202020 0148"},
		{tsnRequest, tsnRequest, tsnResp},
		{asciiRead, asciiResp},
		{asciiRead4E, asciiResp4E},
		{"35303030 3030 4646 30334646 3030 30303063 30303130 30313031 30303030",
			"44303030 3030 4646 30334646 3030 30303138 30303030 5230344350552020202020202020202034383031"},
	}
	d := slmp.New().(protocols.Repeater)
	var key, other protocols.RepeatKey
	for _, msgs := range tests {
		var state uint64
		for _, f := range msgs {
			b := hex(f)
			want := outcome(b, state)
			if n := d.Repeat(b, true, &key); n > 0 {
				changed := make([]byte, len(b))
				for i := range b {
					for _, v := range []byte{^b[i], b[i] + 1} {
						copy(changed, b)
						changed[i] = v
						if d.Repeat(changed, true, &other) != n || other != key {
							continue
						}
						if got := outcome(changed, state); got != want {
							t.Errorf("%s after State %#x: byte %d changed to %#02x keeps the key but Dissect reports\n%s\ninstead of\n%s", f, state, i, v, got, want)
						}
					}
				}
			}
			m := protocols.Message{Payload: b, Transport: protocols.TCP, State: state}
			if err := slmp.New().Dissect(&m); err == nil {
				state = m.State
			}
		}
	}
}

// TestRepeatKeys checks that polls differing only in what Dissect does not
// report get one key, and that messages it tells apart do not.
func TestRepeatKeys(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"3E read, other timer and routing", pollD100, "5000 01 02 0000 05 0c00 2000 0104 0000 640000 a8 2000", true},
		{"3E read response, other values", pollResp, pollResp2, true},
		{"3E write, other values", writeD100, writeD100b, true},
		{"3E write of bits, other values", writeM0, "5000 00 ff ff03 00 1c00 1000 0114 0100 000000 90 2000 01100110011001100110011001100110", true},
		{"3E error response, other data", errorResp, "d000 00 ff ff03 00 0b00 59c0 01020304050607080a", true},
		{"iQ-R read, other timer", readIQR, "5000 00 ff ff03 00 0e00 0100 0104 0200 64000000 a800 0a00", true},
		{"extended read, other device", readExt, "5000 00 ff ff03 00 1100 1000 0104 8000 650000 a9 0000 0000 f9 0a00", true},
		{"4E read, same serial, other timer", read4E, "5400 3412 0000 00 ff ff03 00 0c00 2000 0104 0000 640000 a8 0a00", true},
		{"4E response, same serial, other values", resp4E, "d400 3412 0000 00 ff ff03 00 1600 0000 ffffffffffffffffffffffffffffffffffffffff", true},
		{"TSN response, other serial", tsnResp, "e8009500000000ffff030000000010000000940e000000000000000001010000", true},
		{"ASCII read, other timer", asciiRead, "35303030 3030 4646 30334646 3030 30303138 30303230 30343031 30303030 442a 303030313030 30303041", true},
		{"ASCII response, other values", asciiResp, "44303030 3030 4646 30334646 3030 30303043 30303030 3131313132323232", true},
		{"ASCII response, lower-case digits", asciiResp, "44303030 3030 6666 30336666 3030 30303063 30303030 3131313132323232", true},

		{"3E read: other device", pollD100, "5000 00 ff ff03 00 0c00 1000 0104 0000 640000 90 2000", false},
		{"3E read: other address", pollD100, "5000 00 ff ff03 00 0c00 1000 0104 0000 650000 a8 2000", false},
		{"3E read: other points", pollD100, "5000 00 ff ff03 00 0c00 1000 0104 0000 640000 a8 2100", false},
		{"3E read: other sub-command", pollD100, "5000 00 ff ff03 00 0c00 1000 0104 0100 640000 a8 2000", false},
		{"3E read and write", pollD100, "5000 00 ff ff03 00 0c00 1000 0114 0000 640000 a8 2000", false},
		{"3E read and Remote RUN", remoteStop, "5000 00 ff ff03 00 0800 1000 0110 0000 0100", false},
		{"3E read and 4E read", readD100, read4E, false},
		{"3E read and ASCII read", readD100, asciiRead, false},
		{"3E request and response", "5000 00 ff ff03 00 0600 1000 0000 0000", "d000 00 ff ff03 00 0600 1000 0000 0000", false},
		{"3E response: other length", pollResp, readResp, false},
		{"3E response: end code", writeResp, "d000 00 ff ff03 00 0200 59c0", false},
		{"3E response: other end code", errorResp, "d000 00 ff ff03 00 0b00 51c0 00ffff030002100000", false},
		{"3E write: other range", writeD100, "5000 00 ff ff03 00 1c00 1000 0114 0000 6e0000 a8 0800 ff7f fe7f fd7f fc7f fb7f fa7f f97f f87f", false},
		{"iQ-R read: other device", readIQR, "5000 00 ff ff03 00 0e00 1000 0104 0200 64000000 a900 0a00", false},
		{"random read: other device", readRandom, "5000 00 ff ff03 00 1000 1000 0304 0000 02 00 640000 a8 c90000 a8", false},
		{"block read: other block", readBlock, "5000 00 ff ff03 00 1400 1000 0604 0000 01 01 000000 a8 0400 200000 90 0200", false},
		{"4E read: other serial", read4E, "5400 3512 0000 00 ff ff03 00 0c00 1000 0104 0000 640000 a8 0a00", false},
		{"4E response: other serial", resp4E, "d400 3512 0000 00 ff ff03 00 1600 0000 0100020003000400050006000700080009000a00", false},
		{"TSN request: other serial", tsnRequest, "68000100000000ffff030000000018000000930e00000000000000000001000040020000ffff0f00", false},
		{"TSN response: other command", tsnResp, "e8009400000000ffff030000000010000000930e000000000000000001010000", false},
		{"ASCII read: other device", asciiRead, "35303030 3030 4646 30334646 3030 30303138 30303130 30343031 30303030 4d2a 303030313030 30303041", false},
		{"ASCII read: other points", asciiRead, "35303030 3030 4646 30334646 3030 30303138 30303130 30343031 30303030 442a 303030313030 30303042", false},
		{"ASCII response: end code", "44303030 3030 4646 30334646 3030 30303034 30303030", asciiRespErr, false},
		{"ASCII 4E response: other serial", asciiResp4E, "44343030 30303032 30303030 3030 4646 30334646 3030 30303034 43303539", false},
	}
	d := slmp.New().(protocols.Repeater)
	for _, tt := range tests {
		var ka, kb protocols.RepeatKey
		na := d.Repeat(hex(tt.a), true, &ka)
		nb := d.Repeat(hex(tt.b), true, &kb)
		same := na > 0 && na == nb && ka == kb
		if tt.same {
			if !same {
				t.Errorf("%s: keys %x (%d) and %x (%d), want one key", tt.name, ka[:na], na, kb[:nb], nb)
			}
			// They are the same message to Dissect, with or without a
			// pending request.
			for _, state := range []uint64{0, 0x8000_0401, 0x9234_0401} {
				if oa, ob := outcome(hex(tt.a), state), outcome(hex(tt.b), state); oa != ob {
					t.Errorf("%s: one key, but with State %#x Dissect reports\n%s\nand\n%s", tt.name, state, oa, ob)
				}
			}
			continue
		}
		if same {
			t.Errorf("%s: both have key %x", tt.name, ka[:na])
		}
	}
}

// TestRepeatNoKey lists messages Repeat does not vouch for: malformed
// ones, a TSN response to Read Type Name (an identity), a random access
// whose devices do not fit in the key, an ASCII 4E iQ-R batch.
func TestRepeatNoKey(t *testing.T) {
	for _, f := range []string{
		"5000 00 ff ff03 00 0c00 1000 0104",
		"5000 00 ff ff03 00 0200 1000",
		"d000 00 ff ff03 00 0100 00",
		"5400 3412 0100 00 ff ff03 00 0200 0000",
		"e800 0000 0000 00ff ff03 00 000000 0400 00000101",
		"35303030 3030 4647 30334646 3030 30303034 30303030",
		"44303030 3030 4646 30334646 3030 30303034 30303047",
		"5700 0000",
		"5000 00 ff",
		tsnTypeRsp,
		asciiWrite4E,
		"5000 00 ff ff03 00 2200 1000 0214 0200 02 01 64000000 a800 0100 c8000000 a800 0200 00100000 b400 01020304",
	} {
		var key protocols.RepeatKey
		if n := slmp.New().(protocols.Repeater).Repeat(hex(f), true, &key); n != 0 {
			t.Errorf("Repeat(%s) = %d (%x), want 0", f, n, key[:n])
		}
	}
}

// TestRepeatClearsKey checks that Repeat leaves no bytes of an earlier
// key behind the ones it writes: the Tracker compares whole keys.
func TestRepeatClearsKey(t *testing.T) {
	d := slmp.New().(protocols.Repeater)
	for _, f := range append(slices.Clone(repeatFixtures), malformedFixtures...) {
		var key protocols.RepeatKey
		for i := range key {
			key[i] = 0xa5
		}
		n := d.Repeat(hex(f), true, &key)
		for i := n; n > 0 && i < len(key); i++ {
			if key[i] != 0 {
				t.Errorf("Repeat(%s) = %d left key %x", f, n, key)
				break
			}
		}
	}
}

// TestRepeatsCounted runs polling conversations, their values and serial
// numbers changing as the plant's do, through a Tracker that counts
// repeats and one that dissects every message: the same minute, and as
// many repeats as the conversations have messages like an earlier one of
// theirs (in the same direction, after the same request).
func TestRepeatsCounted(t *testing.T) {
	type poll struct{ req, resp []string }
	type conv struct {
		udp   bool
		polls []poll // one after the other, rounds/len(polls) times each
	}
	const rounds = 20
	tests := []struct {
		name    string
		convs   []conv
		repeats uint64
	}{
		{"3E over TCP", []conv{{false, []poll{{[]string{pollD100}, []string{pollResp, pollResp2}}}}}, 38},
		{"3E over UDP, reads then writes", []conv{{true, []poll{
			{[]string{pollD100}, []string{pollResp}},
			{[]string{writeD100, writeD100b}, []string{writeResp}},
		}}}, 36},
		{"engineering: reads then type names", []conv{{false, []poll{
			{[]string{pollD100}, []string{pollResp, pollResp2}},
			// An identity, which the keys do not decide: dissected
			// every time.
			{[]string{typeName}, []string{typeResp}},
		}}}, 27},
		{"4E, serial numbers counting up", []conv{{false, []poll{{[]string{read4E}, []string{resp4E}}}}}, 0},
		{"ASCII 3E over UDP", []conv{{true, []poll{{[]string{asciiRead}, []string{asciiResp}}}}}, 38},
		// Two reads in turn: all but the first of each, and of the
		// answer after each, repeat.
		{"a steady poll beside two reads in turn", []conv{
			{false, []poll{{[]string{pollD100}, []string{pollResp, pollResp2}}}},
			{true, []poll{{[]string{readBlock, readRandom}, []string{readResp}}}},
		}, 38 + 2*rounds - 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var minutes [2][]*wirepb.OTEvent
			var idents [2][]*wirepb.Identity
			var stats [2]protocols.Stats
			for side, opts := range []protocols.Options{{}, {DissectRepeats: true}} {
				h := protocolstest.New(registry(t), opts)
				const server = "10.0.0.100:5001"
				conns := make([]*protocolstest.TCPConn, len(tt.convs))
				for k := range conns {
					conns[k] = h.TCP(fmt.Sprintf("10.0.0.%d:40000", k+1), server)
				}
				for i := 0; i < rounds; i++ {
					for k, cv := range tt.convs {
						client := fmt.Sprintf("10.0.0.%d:40000", k+1)
						p := cv.polls[i*len(cv.polls)/rounds]
						req, resp := hex(p.req[i%len(p.req)]), hex(p.resp[i%len(p.resp)])
						if req[0] == 0x54 { // 4E: the next serial number
							req[2], resp[2] = byte(i), byte(i)
						}
						if cv.udp {
							h.UDP(client, server, req)
							h.UDP(server, client, resp)
							continue
						}
						conns[k].Send(true, req)
						conns[k].Send(false, resp)
					}
				}
				minutes[side], idents[side], stats[side] = h.Flush()
			}
			if !slices.EqualFunc(minutes[0], minutes[1], func(x, y *wirepb.OTEvent) bool { return proto.Equal(x, y) }) {
				t.Errorf("events with repeats\n%q\ndissected\n%q", protocolstest.Summaries(minutes[0]), protocolstest.Summaries(minutes[1]))
			}
			if !slices.EqualFunc(idents[0], idents[1], func(x, y *wirepb.Identity) bool { return proto.Equal(x, y) }) {
				t.Errorf("identities with repeats\n%v\ndissected\n%v", idents[0], idents[1])
			}
			if stats[0].Repeats != tt.repeats || stats[1].Repeats != 0 {
				t.Errorf("%d repeats counted, %d with every message dissected; want %d", stats[0].Repeats, stats[1].Repeats, tt.repeats)
			}
		})
	}
}
