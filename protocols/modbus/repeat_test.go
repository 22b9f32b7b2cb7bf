package modbus_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/modbus"
	"mimamori/protocols/protocolstest"
)

// repeatKey returns Repeat's key for adu, nil when there is none.
func repeatKey(t *testing.T, adu string, fromClient bool) []byte {
	t.Helper()
	key, n := protocolstest.RepeatKey(t, modbus.New(), hex(adu), fromClient)
	if n == 0 {
		return nil
	}
	return key[:n]
}

// TestRepeatKeys checks that polls differing only in their transaction ids
// and process values share a key, and that messages Dissect reports
// differently do not.
func TestRepeatKeys(t *testing.T) {
	tests := []struct {
		name       string
		a, b       string
		fromClient bool
		same       bool
	}{
		// What edge/synth's pollers send: the transaction id counts up,
		// the values change.
		{"read holding registers request, next transaction",
			"0001 0000 0006 01 03 0000 000a", "0002 0000 0006 01 03 0000 000a", true, true},
		{"read holding registers response, new values",
			"0001 0000 0017 01 03 14 0001 0002 0003 0004 0005 0006 0007 0008 0009 000a",
			"0002 0000 0017 01 03 14 1001 2002 3003 4004 5005 6006 7007 8008 9009 a00a", false, true},
		{"read discrete inputs response, new values",
			"0003 0000 0005 01 02 02 a5 01", "0006 0000 0005 01 02 02 5a 80", false, true},
		{"write multiple registers request, new values",
			"0004 0000 000b 01 10 0010 0002 04 000a 0102", "0005 0000 000b 01 10 0010 0002 04 7fff 0000", true, true},
		{"write multiple registers response",
			"0004 0000 0006 01 10 0010 0002", "0005 0000 0006 01 10 0010 0002", false, true},
		{"write single coil, other value", "0002 0000 0006 11 05 00ac ff00", "0003 0000 0006 11 05 00ac 0000", true, true},
		{"write single register response, other value", "0002 0000 0006 11 06 00ac 1234", "0003 0000 0006 11 06 00ac 4321", false, true},
		{"mask write register, other masks", "0002 0000 0008 01 16 0004 00f2 0025", "0003 0000 0008 01 16 0004 ffff 0000", true, true},
		{"read/write multiple registers, other values",
			"0004 0000 0011 01 17 0003 0006 000e 0003 06 00ff 00ff 00ff",
			"0005 0000 0011 01 17 0003 0006 000e 0003 06 1234 5678 9abc", true, true},
		{"diagnostics echo, other data", "0005 0000 0006 0a 08 0000 a537", "0006 0000 0006 0a 08 0000 1234", false, true},
		{"exception, next transaction", "0006 0000 0003 01 81 02", "0007 0000 0003 01 81 02", false, true},
		{"UMAS request, other session", "0009 0000 0004 00 5a 00 04", "000a 0000 0004 00 5a 01 04", true, true},
		{"UMAS response, other data", "0009 0000 0006 00 5a 00 fe 01 02", "000a 0000 0006 00 5a 00 fe 07 08", false, true},
		{"device identification request, next transaction", "0008 0000 0005 01 2b 0e 01 00", "0009 0000 0005 01 2b 0e 01 00", true, true},

		// What Dissect reports, or whether it accepts the message.
		{"other function", "0001 0000 0006 01 03 0000 000a", "0001 0000 0006 01 04 0000 000a", true, false},
		{"other unit", "0001 0000 0006 01 03 0000 000a", "0001 0000 0006 02 03 0000 000a", true, false},
		{"other start", "0001 0000 0006 01 03 0000 000a", "0001 0000 0006 01 03 0001 000a", true, false},
		{"other quantity", "0001 0000 0006 01 03 0000 000a", "0001 0000 0006 01 03 0000 000b", true, false},
		{"quantity 0 reports no range", "0001 0000 0006 01 03 0000 000a", "0001 0000 0006 01 03 0000 0000", true, false},
		{"other written address", "0002 0000 0006 11 05 00ac ff00", "0002 0000 0006 11 05 00ad ff00", true, false},
		{"other write range", "0004 0000 000b 01 10 0010 0002 04 000a 0102", "0004 0000 000b 01 10 0011 0002 04 000a 0102", true, false},
		{"other read part", "0004 0000 0011 01 17 0003 0006 000e 0003 06 00ff 00ff 00ff",
			"0004 0000 0011 01 17 0003 0007 000e 0003 06 00ff 00ff 00ff", true, false},
		{"other write part", "0004 0000 0011 01 17 0003 0006 000e 0003 06 00ff 00ff 00ff",
			"0004 0000 0011 01 17 0003 0006 000e 0002 06 00ff 00ff 00ff", true, false},
		{"other exception code", "0006 0000 0003 01 81 02", "0006 0000 0003 01 81 03", false, false},
		{"exception of another function", "0006 0000 0003 01 81 02", "0006 0000 0003 01 83 02", false, false},
		{"exception and response", "0006 0000 0003 01 83 02", "0006 0000 0003 01 03 02", false, false},
		{"other diagnostics sub-function", "0005 0000 0006 0a 08 0004 0000", "0005 0000 0006 0a 08 0001 0000", true, false},
		{"other MEI type", "0008 0000 0005 01 2b 0e 01 00", "0008 0000 0005 01 2b 0d 01 00", true, false},
		{"other UMAS function", "0009 0000 0004 00 5a 00 04", "0009 0000 0004 00 5a 00 41", true, false},
		{"UMAS error", "0009 0000 0004 00 5a 00 fe", "0009 0000 0004 00 5a 00 fd", false, false},
		{"read response of another length", "0001 0000 0007 01 03 04 002a 0007", "0001 0000 0009 01 03 06 002a 0007 0000", false, false},
		{"protocol id not 0", "0001 0000 0006 01 03 0000 000a", "0001 0001 0006 01 03 0000 000a", true, false},
		{"length beyond the ADU", "0001 0000 0006 01 03 0000 000a", "0001 0000 0007 01 03 0000 000a", true, false},
		// A datagram is not cut to its MBAP length.
		{"ADU shorter than its length", "0001 0000 0006 01 03 0000 000a", "0001 0000 0006 01 03 0000 00", true, false},
		{"ADU longer than its length", "0001 0000 0006 01 03 0000 000a", "0001 0000 0006 01 03 0000 000a 00", true, false},
		{"device identification response", "0017 0000 0011 01 2b 0e 01 01 00 00 01 00 07 56656e646f7241",
			"0018 0000 0011 01 2b 0e 01 01 00 00 01 00 07 56656e646f7241", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := repeatKey(t, tt.a, tt.fromClient), repeatKey(t, tt.b, tt.fromClient)
			if tt.same && (a == nil || string(a) != string(b)) {
				t.Errorf("keys %x and %x, want the same", a, b)
			}
			if !tt.same && a != nil && string(a) == string(b) {
				t.Errorf("keys %x and %x, want them to differ", a, b)
			}
		})
	}
}

// TestRepeatContract checks the Repeater contract on messages of every
// kind the dissector handles, well formed or not.
func TestRepeatContract(t *testing.T) {
	msgs := []string{
		"0001 0000 0006 01 03 0064 000a",
		"0001 0000 0007 01 03 04 002a 0007",
		"0001 0000 0017 01 03 14 0001 0002 0003 0004 0005 0006 0007 0008 0009 000a",
		"0001 0000 0006 01 01 0000 0000",
		"0003 0000 0005 01 02 02 a5 01",
		"0001 0000 0006 01 04 0010 0004",
		"0002 0000 0006 11 05 00ac ff00",
		"0002 0000 0006 11 06 00ac 1234",
		"0003 0000 000b 01 10 0010 0002 04 000a 0102",
		"0003 0000 0006 01 10 0010 0002",
		"0003 0000 0008 01 0f 0013 000a 02 cd01",
		"0002 0000 0008 01 16 0004 00f2 0025",
		"0004 0000 0011 01 17 0003 0006 000e 0003 06 00ff 00ff 00ff",
		"0004 0000 0006 01 18 04de",
		"0005 0000 0006 0a 08 0004 0000",
		"0005 0000 0003 0a 08 00",
		"0006 0000 0003 01 81 02",
		"0006 0000 0003 01 c7 01",
		"0006 0000 0002 01 83",
		"0006 0000 0005 00 da 01 02 03",
		"0007 0000 0002 01 41",
		"0007 0000 0002 01 11",
		"0007 0000 0009 01 14 06 06 0004 0001 0002",
		"0008 0000 0005 01 2b 0e 01 00",
		"0008 0000 0002 01 2b",
		"0008 0000 0006 01 2b 0d 00 01 02",
		"0017 0000 0011 01 2b 0e 01 01 00 00 01 00 07 56656e646f7241",
		"0009 0000 0004 00 5a 00 41",
		"0009 0000 0003 00 5a 00",
		"0009 0000 0005 00 5a 00 fd 01",
		"0009 0000 0006 00 5a 00 fe 01 02",
		"0001 0001 0006 01 03 0000 000a",
		"0001 0000 0009 01 03 0000 000a",
		"0001 0000 0001 01",
		"0001 0000 0002 01",
		"0001 0000 00",
	}
	for _, adu := range msgs {
		protocolstest.CheckRepeat(t, modbus.New(), hex(adu))
	}
}

// poll returns the i-th exchange of a poller in the manner of edge/synth,
// each with its own transaction id and new values: runs of five Read
// Holding Registers, Read Discrete Inputs, Write Multiple Registers,
// exceptions and UMAS reads in turn.
func poll(i int) []protocolstest.PDU {
	tid := fmt.Sprintf("%04x 0000", i+1)
	v := fmt.Sprintf("%04x", i*37)
	switch i / 5 % 5 {
	case 1:
		return []protocolstest.PDU{
			{FromClient: true, Data: hex(tid + "000b 01 10 0010 0002 04" + v + v)},
			{FromClient: false, Data: hex(tid + "0006 01 10 0010 0002")},
		}
	case 2:
		return []protocolstest.PDU{
			{FromClient: true, Data: hex(tid + "0006 01 03 0100 000a")},
			{FromClient: false, Data: hex(tid + "0003 01 83 02")},
		}
	case 3:
		return []protocolstest.PDU{
			{FromClient: true, Data: hex(tid + "0004 00 5a 00 04")},
			{FromClient: false, Data: hex(tid + "0006 00 5a 00 fe" + v)},
		}
	case 4:
		return []protocolstest.PDU{
			{FromClient: true, Data: hex(tid + "0006 01 02 0000 0010")},
			{FromClient: false, Data: hex(tid + "0005 01 02 02" + v)},
		}
	}
	return []protocolstest.PDU{
		{FromClient: true, Data: hex(tid + "0006 01 03 0000 000a")},
		{FromClient: false, Data: hex(tid + "0017 01 03 14" + strings.Repeat(v, 10))},
	}
}

// TestRepeatPoll runs a poll with runs of repeats, and a device
// identification now and then, through a Tracker that counts repeats and
// one that dissects every message, over TCP and UDP, and checks that
// repeats were counted and both report the same.
func TestRepeatPoll(t *testing.T) {
	ident := []protocolstest.PDU{
		{FromClient: true, Data: hex("00ff 0000 0005 01 2b 0e 01 00")},
		{FromClient: false, Data: hex("00ff 0000 0011 01 2b 0e 01 01 00 00 01 00 07 56656e646f7241")},
	}
	for _, udp := range []bool{false, true} {
		repeats := protocolstest.CompareRepeats(t, registry(t), func(h *protocolstest.Harness) {
			send := func(p protocolstest.PDU) {
				src, dst := "10.0.0.1:40000", "10.0.0.2:502"
				if !p.FromClient {
					src, dst = dst, src
				}
				h.UDP(src, dst, p.Data)
			}
			if !udp {
				c := h.TCP("10.0.0.1:40000", "10.0.0.2:502")
				send = func(p protocolstest.PDU) { c.Send(p.FromClient, p.Data) }
			}
			for n := range 100 {
				for _, p := range poll(n) {
					send(p)
				}
				if n%40 == 20 {
					for _, p := range ident {
						send(p)
					}
				}
			}
		})
		// Of 200 messages, four in five repeat the one before, but for the
		// device identifications.
		if repeats < 150 {
			t.Errorf("udp %v: %d repeats", udp, repeats)
		}
	}
}

// TestRepeatClearsKey checks that Repeat leaves nothing of an earlier key
// past the key it returns: the Tracker reuses one key for every message
// and compares whole keys. (A message without a key leaves the key
// unused.)
func TestRepeatClearsKey(t *testing.T) {
	for _, tt := range []struct {
		adu        string
		fromClient bool
	}{
		{"0001 0000 0006 01 03 0000 000a", true},
		{"0001 0000 0017 01 03 14 0001 0002 0003 0004 0005 0006 0007 0008 0009 000a", false},
		{"0017 0000 0011 01 2b 0e 01 01 00 00 01 00 07 56656e646f7241", false},
		{"0001 0001 0006 01 03 0000 000a", true},
	} {
		var key protocols.RepeatKey
		for i := range key {
			key[i] = 0xff
		}
		n := modbus.New().(protocols.Repeater).Repeat(hex(tt.adu), tt.fromClient, &key)
		if n > 0 && slices.ContainsFunc(key[n:], func(c byte) bool { return c != 0 }) {
			t.Errorf("%s: key %x past its %d bytes", tt.adu, key, n)
		}
	}
}
