package fins_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/fins"
	"mimamori/protocols/protocolstest"
)

// repeatKey returns Repeat's key for payload, nil when there is none.
func repeatKey(t *testing.T, payload []byte) []byte {
	t.Helper()
	key, n := protocolstest.RepeatKey(t, fins.New(), payload, true)
	if n == 0 {
		return nil
	}
	return key[:n]
}

// TestRepeatKeys checks that polls differing only in their SIDs, routing
// bytes that Dissect ignores and process values share a key, over UDP and
// FINS/TCP, and that frames Dissect reports differently do not.
func TestRepeatKeys(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		// What edge/synth's pollers send: the SID counts up, the values
		// change.
		{"memory area read, next SID", readDM100, "80 00 02 00 0a 00 00 14 00 02 0101 82 0064 00 0014", true},
		{"memory area read response, new values", readResp, "c0 00 02 00 14 00 00 0a 00 02 0101 0000 1234 5678 9abc", true},
		{"memory area write, new values", writeCIO, "80 00 02 00 0a 00 00 14 00 03 0102 b0 000a 00 0002 4321 8765", true},
		{"memory area write response, next SID", writeResp, "c0 00 02 00 14 00 00 0a 00 09 0102 0000", true},
		{"memory area fill, other value", "80 00 02 00 0a 00 00 14 00 02 0103 82 0000 00 0010 1234",
			"80 00 02 00 0a 00 00 14 00 03 0103 82 0000 00 0010 0000", true},
		{"response without a response wanted", "80 00 02 00 0a 00 00 14 00 01 0101 82 0064 00 0014",
			"81 00 02 00 0a 00 00 14 00 01 0101 82 0064 00 0014", true},
		{"end code flags", "c0 00 02 00 14 00 00 0a 00 03 0401 0000", "c0 00 02 00 14 00 00 0a 00 04 0401 00c0", true},
		{"clock read response, other time", "c0 00 02 00 14 00 00 0a 00 03 0701 0000 26 11 24 09 45 00 02",
			"c0 00 02 00 14 00 00 0a 00 04 0701 0000 26 11 24 09 46 30 02", true},
		{"controller data read, next SID", ctlData, "80 00 02 00 0a 00 00 14 00 05 0501 00", true},
		{"multiple memory area read, next SID", "80 00 02 00 0a 00 00 14 00 05 0104 82 0064 00 82 0010 00 b0 0001 00",
			"80 00 02 00 0a 00 00 14 00 06 0104 82 0064 00 82 0010 00 b0 0001 00", true},
		{"STOP refused, next SID", stopRefuse, "c0 00 02 00 14 00 00 0a 00 04 0402 2102", true},

		// What Dissect reports.
		{"other command", readDM100, "80 00 02 00 0a 00 00 14 00 01 0102 82 0064 00 0014", false},
		{"command and response", "80 00 02 00 14 00 00 0a 00 03 0401 0000", "c0 00 02 00 14 00 00 0a 00 03 0401 0000", false},
		{"other area", readDM100, "80 00 02 00 0a 00 00 14 00 01 0101 b0 0064 00 0014", false},
		{"other address", readDM100, "80 00 02 00 0a 00 00 14 00 01 0101 82 0065 00 0014", false},
		{"other bit", "80 00 02 00 0a 00 00 14 00 02 0102 30 0064 0e 0004 01 01 01 01",
			"80 00 02 00 0a 00 00 14 00 02 0102 30 0064 0c 0004 01 01 01 01", false},
		{"other count", readDM100, "80 00 02 00 0a 00 00 14 00 01 0101 82 0064 00 0015", false},
		{"address cut short", readDM100, "80 00 02 00 0a 00 00 14 00 01 0101 82 0064 00 00", false},
		{"other end code", stopRefuse, "c0 00 02 00 14 00 00 0a 00 03 0402 2101", false},
		{"end code and none", stopRefuse, "c0 00 02 00 14 00 00 0a 00 03 0402 0000", false},
		{"response cut before its end code", "c0 00 02 00 14 00 00 0a 00 03 0401", "c0 00 02 00 14 00 00 0a 00 03 0401 2102", false},
		{"other item of several", "80 00 02 00 0a 00 00 14 00 05 0104 82 0064 00 82 0010 00 b0 0001 00",
			"80 00 02 00 0a 00 00 14 00 05 0104 82 0064 00 82 0011 00 b0 0001 00", false},
		{"one more item", "80 00 02 00 0a 00 00 14 00 05 0104 82 0064 00 82 0010 00",
			"80 00 02 00 0a 00 00 14 00 05 0104 82 0064 00 82 0010 00 b0 0001 00", false},
		{"other transfer destination", "80 00 02 00 0a 00 00 14 00 06 0105 82 0000 00 82 1000 00 0010",
			"80 00 02 00 0a 00 00 14 00 06 0105 82 0000 00 82 2000 00 0010", false},
		{"controller data parameter", ctlData, "80 00 02 00 0a 00 00 14 00 04 0501 01", false},
		{"controller data without parameter", ctlData, "80 00 02 00 0a 00 00 14 00 04 0501", false},
		{"controller data response", ctlResp, ctlResp, false},
		{"too short", "80 00 02 00 0a 00 00 14 00 01 0101", "80 00 02 00 0a 00 00 14 00 01 01", false},
		{"many items", "80 00 02 00 0a 00 00 14 00 05 0104 82 0000 00 82 0001 00 82 0002 00 82 0003 00 82 0004 00 82 0005 00",
			"80 00 02 00 0a 00 00 14 00 05 0104 82 0000 00 82 0001 00 82 0002 00 82 0003 00 82 0004 00 82 0005 00", false},
	}
	for _, tt := range tests {
		for _, tcp := range []bool{false, true} {
			wrap := hex
			if tcp {
				wrap = tcpFrame
			}
			a, b := repeatKey(t, wrap(tt.a)), repeatKey(t, wrap(tt.b))
			if tt.same && (a == nil || string(a) != string(b)) {
				t.Errorf("%s (tcp %v): keys %x and %x, want the same", tt.name, tcp, a, b)
			}
			if !tt.same && a != nil && string(a) == string(b) {
				t.Errorf("%s (tcp %v): keys %x and %x, want them to differ", tt.name, tcp, a, b)
			}
		}
	}
}

// TestRepeatTransports checks what tells the transports apart: a FINS/TCP
// header must carry a FINS frame without error and be as long as the
// frame, a datagram must have its reserved byte zero, and a frame keys
// apart from the same frame sent as a datagram.
func TestRepeatTransports(t *testing.T) {
	frame := tcpFrame(readDM100)
	if a, b := repeatKey(t, frame), repeatKey(t, hex(readDM100)); a == nil || string(a) == string(b) {
		t.Errorf("FINS/TCP key %x, datagram key %x", a, b)
	}
	for _, p := range []string{
		"46494e53 0000000c 00000000 00000000 00000000",                         // node address (client)
		"46494e53 00000010 00000001 00000000 000000fb 000000c8",                // node address (server)
		"46494e53 00000008 00000003 00000021",                                  // frame send error
		"46494e53 0000001a 00000002 00000001 " + readDM100,                     // frame with an error code
		"46494e53 0000001b 00000002 00000000 " + readDM100,                     // longer than the segment
		"46494e53 00000019 00000002 00000000 " + readDM100,                     // shorter
		"46494e53 00000014 00000002 00000000 80 00 02 00 0a 00 00 14 00 01 01", // frame too short
	} {
		if k := repeatKey(t, hex(p)); k != nil {
			t.Errorf("%s: key %x, want none", p, k)
		}
	}
	// A datagram whose reserved byte is not zero might start with the
	// FINS/TCP magic ("FI…"): it has no key.
	if k := repeatKey(t, hex("80 01 02 00 0a 00 00 14 00 01 0101 82 0064 00 0014")); k != nil {
		t.Errorf("reserved byte not zero: key %x, want none", k)
	}
}

// TestRepeatContract checks the Repeater contract on frames of every kind
// the dissector handles, as datagrams and FINS/TCP frames, well formed or
// not.
func TestRepeatContract(t *testing.T) {
	frames := []string{
		readDM100, readResp, writeCIO, writeResp, stop, stopRefuse, ctlData, ctlResp,
		"80 00 02 00 0a 00 00 14 00 02 0102 30 0064 0e 0004 01 01 01 01",
		"80 00 02 00 0a 00 00 14 00 02 0103 82 0000 00 0010 1234",
		"80 00 02 00 0a 00 00 14 00 05 0104 82 0064 00 82 0010 00 b0 0001 00",
		"80 00 02 00 0a 00 00 14 00 05 0104 82 0064 00 82 0010 00 b0 0001 00 82",
		"80 00 02 00 0a 00 00 14 00 05 0104 82 0000 00 82 0001 00 82 0002 00 82 0003 00 82 0004 00",
		"80 00 02 00 0a 00 00 14 00 05 0104 82 0000 00 82 0001 00 82 0002 00 82 0003 00 82 0004 00 82 0005 00",
		"80 00 02 00 0a 00 00 14 00 05 0104",
		"80 00 02 00 0a 00 00 14 00 06 0105 82 0000 00 82 1000 00 0010",
		"80 00 02 00 0a 00 00 14 00 06 0105 82 0000 00 82 1000 00 00",
		"80 00 02 00 0a 00 00 14 00 04 0501 01",
		"80 00 02 00 0a 00 00 14 00 04 0501",
		"c0 00 02 00 14 00 00 0a 00 04 0501 0000 0000 0001 0002 0003 0004 0005 0006 0007 0008 0009 000a",
		"c0 00 02 00 14 00 00 0a 00 04 0501 2102",
		"c0 00 02 00 14 00 00 0a 00 04 0501",
		"c0 00 02 00 14 00 00 0a 00 03 0401 00c0",
		"c0 00 02 00 14 00 00 0a 00 03 0401 8101",
		"c0 00 02 00 14 00 00 0a 00 03 0401",
		"c0 00 02 00 14 00 00 0a 00 03 0701 0000 26 11 24 09 45 00 02",
		"80 00 02 00 0a 00 00 14 00 07 4242",
		"80 00 02 00 0a 00 00 14 00 01 0101 82 0064 00 00",
		"80 00 02 00 0a 00 00 14 00",
		"80 01 02 00 0a 00 00 14 00 01 0101 82 0064 00 0014",
	}
	for _, f := range frames {
		protocolstest.CheckRepeat(t, fins.New(), hex(f))
		protocolstest.CheckRepeat(t, fins.New(), tcpFrame(f))
	}
	for _, p := range []string{
		"46494e53 0000000c 00000000 00000000 00000000",
		"46494e53 00000010 00000001 00000000 000000fb 000000c8",
		"46494e53 00000008 00000003 00000021",
		"46494e53 0000001a 00000002 00000001 " + readDM100,
		"46494e53 0000001b 00000002 00000000 " + readDM100,
		"46494e53 00000008 00000002 00000000",
		"46494e53 000000",
	} {
		protocolstest.CheckRepeat(t, fins.New(), hex(p))
	}
}

// poll returns the i-th exchange of a poller in the manner of edge/synth,
// each with its own SID and new values: runs of five Memory Area Reads,
// Memory Area Writes, Clock Reads, refused STOPs and Controller Data Reads
// of the area data in turn.
func poll(i int) [2]string {
	sid := fmt.Sprintf("%02x", i)
	v := fmt.Sprintf("%04x", i*37)
	req, resp := "80 00 02 00 0a 00 00 14 00"+sid, "c0 00 02 00 14 00 00 0a 00"+sid
	switch i / 5 % 5 {
	case 1:
		return [2]string{req + "0102 82 0010 00 0002" + v + v, resp + "0102 0000"}
	case 2:
		return [2]string{req + "0701", resp + "0701 0000 26 11 24 09" + v + "02"}
	case 3:
		return [2]string{req + "0402 ffff", resp + "0402 2102"}
	case 4:
		return [2]string{req + "0501 01", resp + "0501 0000" + strings.Repeat(v, 6)}
	}
	return [2]string{req + "0101 82 0064 00 0014", resp + "0101 0000" + strings.Repeat(v, 20)}
}

// TestRepeatPoll runs a poll with runs of repeats, and a Controller Data
// Read of model and version now and then, through a Tracker that counts
// repeats and one that dissects every message, over UDP and FINS/TCP, and
// checks that repeats were counted and both report the same.
func TestRepeatPoll(t *testing.T) {
	for _, udp := range []bool{true, false} {
		repeats := protocolstest.CompareRepeats(t, registry(t), func(h *protocolstest.Harness) {
			client, server := "10.0.0.1:9600", "10.0.0.2:9600"
			send := func(fromClient bool, frame string) {
				if fromClient {
					h.UDP(client, server, hex(frame))
				} else {
					h.UDP(server, client, hex(frame))
				}
			}
			if !udp {
				c := h.TCP("10.0.0.1:40000", server)
				c.Send(true, hex("46494e53 0000000c 00000000 00000000 0000000a"))
				c.Send(false, hex("46494e53 00000010 00000001 00000000 0000000a 00000014"))
				send = func(fromClient bool, frame string) { c.Send(fromClient, tcpFrame(frame)) }
			}
			for n := range 100 {
				p := poll(n)
				send(true, p[0])
				send(false, p[1])
				if n%40 == 20 {
					send(true, ctlData)
					send(false, ctlResp)
				}
			}
		})
		// Of 200 messages, four in five repeat the one before, but for
		// Controller Data Read responses, which are always dissected.
		if repeats < 130 {
			t.Errorf("udp %v: %d repeats", udp, repeats)
		}
	}
}

// TestRepeatClearsKey checks that Repeat leaves nothing of an earlier key
// past the key it returns: the Tracker reuses one key for every message
// and compares whole keys. (A message without a key leaves the key
// unused.)
func TestRepeatClearsKey(t *testing.T) {
	for _, p := range [][]byte{hex(readDM100), hex(readResp), tcpFrame(writeCIO), hex(ctlResp),
		hex("46494e53 0000000c 00000000 00000000 00000000")} {
		var key protocols.RepeatKey
		for i := range key {
			key[i] = 0xff
		}
		n := fins.New().(protocols.Repeater).Repeat(p, true, &key)
		if n > 0 && slices.ContainsFunc(key[n:], func(c byte) bool { return c != 0 }) {
			t.Errorf("%x: key %x past its %d bytes", p, key, n)
		}
	}
}
