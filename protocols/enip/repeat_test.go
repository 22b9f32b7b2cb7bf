package enip_test

import (
	"fmt"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/enip"
	"mimamori/protocols/protocolstest"
)

// with returns a copy of b with the bytes at off set to v.
func with(b []byte, off int, v ...byte) []byte {
	c := append([]byte(nil), b...)
	copy(c[off:], v)
	return c
}

// Offsets in the messages rr and unit build.
const (
	offSession  = 4
	offContext  = 12
	offRRTimout = 28 // SendRRData timeout
	offConnID   = 36 // SendUnitData connected address item
	offSeqCount = 44 // SendUnitData connected sequence count
	offRRCIP    = 40
	offUnitCIP  = 46
)

const ioData = "0200 0280 0800 03064b00 db953f00 b100 0600 a587e80f0300"

func repeatKey(t *testing.T, b []byte) (protocols.RepeatKey, int) {
	t.Helper()
	return protocolstest.RepeatKey(t, enip.New(), b, true)
}

// TestRepeatKeys checks that two polls differing only in what Dissect
// does not report (session, sender context, sequence counts, tag names,
// values) share a key, and that messages reported differently do not.
func TestRepeatKeys(t *testing.T) {
	tests := []struct {
		name string
		a, b []byte
		same bool
	}{
		{"Read Tag, next sender context and sequence count",
			unit(readTag), with(unit(readTag), offContext, 9, 9, 9, 9, 9, 9, 9, 9, 0x42, 0x42), true},
		{"Read Tag on another connection and session",
			unit(readTag), with(unit(readTag), offSession, 1, 2, 3, 4), true},
		{"Read Tag of another tag name",
			unit(readTag), unit("4c 05 91 07 4d6f746f725f3200 0100"), true},
		{"Read Tag of a shorter tag name, more elements",
			rr(readTag), rr("4c 04 91 05 4d6f746f7200 0200"), true},
		{"Read Tag reply, next value",
			unit(readTagResp), with(unit(readTagResp), offUnitCIP+6, 0x2b, 0x01), true},
		{"Read Tag reply of another type",
			rr(readTagResp), rr("cc 00 00 00 ca00 00002041"), true},
		{"Get_Attribute_Single, next timeout and context",
			with(rr("0e 03 2001 2401 3007"), offRRTimout, 9), with(rr("0e 03 2001 2401 3007"), offContext, 1), true},
		{"I/O, next sequence number and values",
			hex(ioData), hex("0200 0280 0800 03064b00 dc953f00 b100 0600 a687 ffffffff"), true},
		{"I/O on a connected address item",
			hex("0200 a100 0400 03064b00 b100 0400 0100 aaaa"), hex("0200 a100 0400 03064b00 b100 0400 0200 bbbb"), true},
		{"set attribute error reply, next context",
			rr(writeAttrDenied), with(rr(writeAttrDenied), offContext, 7), true},

		{"Read Tag and Write Tag", unit(readTag), unit("4d 05 91 07 4d6f746f725f3100 c400 0100 2a000000"), false},
		{"another attribute", rr("0e 03 2001 2401 3007"), rr("0e 03 2001 2401 3006"), false},
		{"another instance", rr("0e 03 2001 2401 3007"), rr("0e 03 2001 2402 3007"), false},
		{"another class", rr("0e 03 2001 2401 3007"), rr("0e 03 2002 2401 3007"), false},
		{"attribute left out", rr("0e 03 2001 2401 3007"), rr("0e 02 2001 2401"), false},
		{"routed by Unconnected Send", rr(getIdentity), rr(ucmmGetIdentity), false},
		{"reply status", unit(readTagResp), unit("cc 00 05 00"), false},
		{"extended status", rr("d2 00 01 01 0402"), rr("d2 00 01 01 0502"), false},
		{"extended status missing", rr("d2 00 01 01 0402"), rr("d2 00 01 00"), false},
		{"another reply service", unit(readTagResp), unit("cd 00 00 00"), false},
		{"another I/O connection", hex(ioData), with(hex(ioData), 6, 0x04), false},
		{"request and reply", unit(readTag), unit("cc 00 00 00"), false},
		{"Multiple Service Packet replies, other services inside",
			unit("8a 00 00 00 0300 0800 0c00 1600 90000000 cc000000c4002a000000 cd000000"), unit("8a 00 00 00 0100 0400 cc000000"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, na := repeatKey(t, tt.a)
			kb, nb := repeatKey(t, tt.b)
			if na == 0 {
				t.Fatalf("no key for %x", tt.a)
			}
			if same := na == nb && ka == kb; same != tt.same {
				t.Errorf("keys %x and %x: equal %v, want %v", ka[:na], kb[:nb], same, tt.same)
			}
			protocolstest.CheckRepeat(t, enip.New(), tt.a)
			protocolstest.CheckRepeat(t, enip.New(), tt.b)
		})
	}
}

// TestRepeatNone lists messages Repeat leaves to Dissect: those that
// identify their sender, whose details come from their data, that are not
// CIP, or that Dissect refuses or reads only in part.
func TestRepeatNone(t *testing.T) {
	tests := []struct {
		name string
		msg  []byte
	}{
		{"ListIdentity request", hex(listIdentityReq)},
		{"ListIdentity reply", hex(listIdentityResp)},
		{"RegisterSession", hex(registerSession)},
		{"encapsulation status", encap(0x6f, 0x99, 0x64, nil)},
		{"SendRRData with status and CIP", with(rr(readTag), 8, 1)},
		{"SendRRData without CIP", encap(0x6f, 1, 0, hex("00000000 0000 0100 0000 0000"))},
		{"Identity reply", rr(getIdentityResp)},
		{"Forward_Open reply", rr(forwardOpenResp)},
		{"Large_Forward_Open reply", rr("db 00 00 00 01198300 02198300")},
		{"Multiple Service Packet", unit(msp)},
		{"path beyond the message", rr("0e 09 2001 2401")},
		{"additional status beyond the reply", rr("d2 00 01 02 0402")},
		{"CIP of one byte", rr("0e")},
		{"items do not fill the message", encap(0x6f, 1, 0, append(rr(readTag)[24:], 0))},
		{"I/O cut short", hex("0200 0280 0800 03064b00")},
		{"I/O with one item", hex("0100 0280 0800 03064b00 db953f00")},
		{"I/O with an unknown address item", hex("0200 0380 0800 03064b00 db953f00 b100 0000")},
		{"I/O with bytes after the items", hex(ioData + "00")},
		{"encapsulation length one short", hex(registerSession)[:27]},
		{"empty", nil},
	}
	for _, tt := range tests {
		if key, n := repeatKey(t, tt.msg); n != 0 {
			t.Errorf("%s: key %x, want none", tt.name, key[:n])
		}
	}
}

// TestRepeatContract checks the Repeater contract byte by byte on every
// kind of message the unit tests use, whole and cut short.
func TestRepeatContract(t *testing.T) {
	msgs := [][]byte{
		hex(listIdentityReq), hex(listIdentityResp), hex(registerSession), encap(0x6f, 0x99, 0x64, nil),
		encap(0x01, 0, 0, nil), encap(0x6f, 1, 0, hex("00000000 0000 0100 0000 0000")),
		hex(ioData), hex("0200 a100 0400 03064b00 b100 0400 0100 aaaa"),
		hex("0300 0280 0800 03064b00 db953f00 b100 0200 a587 0080 1000 00000000000000000000000000000000"),
	}
	for _, c := range []string{getIdentity, getIdentityResp, readTag, readTagResp, writeAttr, writeAttrDenied,
		stopPLC, ucmmGetIdentity, ucmmTimeout, forwardOpen, forwardOpenResp, msp,
		"52 05 91074d6f746f725f3100 0100 00000000",
		"52 02 2006 2401 0a f0 1400 4d05 91074d6f746f725f3100 c400 0100 2a000000 0100 0100",
		"0e 06 2100 0003 2600 01000000 3003", "4b 02 2074 2401", "0e 09 2001 2401",
		"0e 03 2001 2401 3007", "0e 05 2001 2401 3007 9102 4142", "d2 00 01 01 0402", "cc 00 05 00",
		"87 00 10 01 0000", "cc 00 00 00"} {
		msgs = append(msgs, rr(c), unit(c))
	}
	for _, m := range msgs {
		for _, b := range [][]byte{m, m[:len(m)-1], m[:len(m)/2]} {
			protocolstest.CheckRepeat(t, enip.New(), b)
		}
	}
}

// TestRepeatKeyWhole checks that a key does not depend on what the key
// held before: the Tracker reuses one for every conversation and compares
// all its bytes.
func TestRepeatKeyWhole(t *testing.T) {
	for _, b := range [][]byte{unit(readTag), rr(readTagResp), rr(writeAttrDenied), rr(ucmmTimeout), hex(ioData)} {
		want, n := repeatKey(t, b)
		var key protocols.RepeatKey
		for i := range key {
			key[i] = 0xa5
		}
		if m := enip.New().(protocols.Repeater).Repeat(b, true, &key); m != n || key != want {
			t.Errorf("%x: key %x over a used key, %x over zeros", b, key, want)
		}
	}
}

// TestRepeatCIPData checks that Repeat's quick way to the CIP message of
// the usual two-item body finds the message cipData finds, on the
// fixtures with each byte changed in turn.
func TestRepeatCIPData(t *testing.T) {
	var bodies [][]byte
	for _, c := range []string{readTag, readTagResp, getIdentity, ucmmTimeout, "", "0e"} {
		bodies = append(bodies, rr(c)[24:], unit(c)[24:])
	}
	bodies = append(bodies, hex("00000000 0000 0200 b200 0200 0e00 b200 0000"), hex("00000000 0000 0200 b100 0000 a100 0000"),
		hex("00000000 0000 0300 0000 0000 0000 0000 b200 0000"))
	for _, body := range bodies {
		changed := make([]byte, len(body))
		for i := 0; i < len(body); i++ {
			for _, v := range []byte{body[i], ^body[i], body[i] + 1, body[i] - 1} {
				copy(changed, body)
				changed[i] = v
				for _, cmd := range []uint16{0x6f, 0x70} {
					want, wok := enip.CIPData(changed, cmd)
					got, gok := enip.RepeatCIPData(changed, cmd)
					if gok != wok || len(got) != len(want) || len(got) > 0 && &got[0] != &want[0] {
						t.Fatalf("command %#x, body %x: %x, %v; cipData finds %x, %v", cmd, changed, got, gok, want, wok)
					}
				}
			}
		}
	}
}

// TestRepeatsCounted polls as edge/synth's HMIs do — SendRRData Read_Tag
// of tags in turn, sender context counting up, values changing — and
// checks that the Tracker counts all but the first messages as repeats,
// most of them told by templates (one for each length of tag name), and
// reports what it reports with every message dissected.
func TestRepeatsCounted(t *testing.T) {
	tags := []string{
		"4c 05 91 07 4d6f746f725f3100 0100", // Motor_1
		"4c 04 91 05 5370656564 00 0100",    // Speed
		"4c 05 91 07 4d6f746f725f3200 0100", // Motor_2: a template of Motor_1's length
	}
	const polls = 40
	var templated uint64
	run := func(opts protocols.Options) (string, uint64) {
		h := protocolstest.New(registry(t), opts)
		c := h.TCP("10.0.0.1:40000", "10.0.0.2:44818")
		io := hex(ioData)
		for i := 0; i < polls; i++ {
			req := with(rr(tags[i%len(tags)]), offContext, byte(i), byte(i>>8))
			resp := with(rr(fmt.Sprintf("cc 00 00 00 c400 %02x000000", i)), offContext, byte(i), byte(i>>8))
			c.Send(true, req)
			c.Send(false, resp)
			io[12], io[22] = byte(i), byte(i) // sequence number, data
			h.UDP("10.0.0.3:2222", "10.0.0.4:2222", io)
		}
		events, _, st := h.Flush()
		templated = st.Templated
		var out string
		for _, e := range events {
			out += e.String() + "\n"
		}
		return out, st.Repeats
	}
	want, _ := run(protocols.Options{DissectRepeats: true})
	got, repeats := run(protocols.Options{})
	if got != want {
		t.Errorf("counting repeats reports\n%s\ndissecting each\n%s", got, want)
	}
	// Dissected are the first request, reply and I/O datagram, and the
	// second request, whose State before (the first request's) is not the
	// first's (zero).
	if wantRepeats := uint64(3*polls - 4); repeats != wantRepeats {
		t.Errorf("%d repeats, want %d", repeats, wantRepeats)
	}
	// Told by templates are all but the first three requests and the
	// first reply: the first request, made with State zero, keeps a
	// template no later one matches; the second, Speed, is dissected
	// and keeps one; the third, Motor_2, is found by its key and keeps
	// the template of Motor_1 and Motor_2. I/O keeps none.
	if want := uint64(2*polls - 4); templated != want {
		t.Errorf("%d repeats told by a template, want %d", templated, want)
	}
}
