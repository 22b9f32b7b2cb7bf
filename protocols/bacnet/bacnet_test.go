package bacnet_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/bacnet"
	"mimamori/protocols/protocolstest"
)

var hex = protocolstest.Hex

// NPDUs with their APDUs (version, control, then the APDU); bip wraps
// them in an Original-Unicast-NPDU.
const (
	rpReq        = "0104 0005 01 0c 0c00000001 1955"                           // readProperty analog-input,1 present-value
	rpAck        = "0100 30 01 0c 0c00000001 1955 3e 4441200000 3f"            // its ComplexACK, 10.0
	wpReq        = "0104 0005 02 0f 0c00400005 1955 3e 4442c80000 3f 4908"     // writeProperty analog-output,5 priority 8
	wpAck        = "0100 20 02 0f"                                             // SimpleACK
	reinitReq    = "0104 0005 03 14 0901 1d0500 61626364"                      // warmstart, password "abcd"
	reinitErr    = "0100 50 03 14 9104 911a"                                   // security: password-failure
	dccReq       = "0104 0005 04 11 093c 1901"                                 // disable for 60 minutes
	rejectReq    = "0104 0005 05 50"                                           // an unknown service
	reject       = "0100 60 05 09"                                             // unrecognized-service
	iAm          = "0120 ffff 00 ff 10 00 c402000065 2205c4 9103 2105"         // device,101 vendor 5
	whoIs        = "0100 10 08 090a 1914"                                      // devices 10-20
	rpVendorName = "0100 30 07 0c 0c02000065 1979 3e 7506 0041434d4521 3f"     // vendor-name "ACME!"
	rpModelUCS2  = "0100 30 08 0c 0c02000065 1946 3e 7507 04004d0058003100 3f" // model-name "MX1" in UCS-2
	segAck0      = "0100 3c 09 00 04 0c 0c02000065 194c 3e c400000001"         // first segment of an object-list
	segAck1      = "0100 3c 09 01 04 0c c400400002 c400800003 3f"              // its second segment
	segmentACK   = "0100 40 09 01 04"
)

// bip wraps an NPDU in a BVLC Original-Unicast-NPDU header.
func bip(npdu string) []byte { return bvll(0x0a, hex(npdu)) }

// bvll builds a BVLC message of function f around data.
func bvll(f byte, data []byte) []byte {
	n := 4 + len(data)
	return append([]byte{0x81, f, byte(n >> 8), byte(n)}, data...)
}

func event(m *protocols.Message) string {
	e, ok := m.Event()
	if !ok {
		return "none"
	}
	s := fmt.Sprintf("0x%03x %q kind=%d err=%v", e.Code, e.Function, e.Kind, e.Error)
	for _, a := range e.Attrs() {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return s
}

func TestDissect(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    string
		err     error
	}{
		{"readProperty", bip(rpReq),
			`0x00c "readProperty" kind=1 err=false object=analog-input:1 property=present-value`, nil},
		{"readProperty ACK", bip(rpAck),
			`0x00c "readProperty" kind=2 err=false object=analog-input:1 property=present-value`, nil},
		{"writeProperty", bip(wpReq),
			`0x00f "writeProperty" kind=1 err=false object=analog-output:5 property=present-value priority=8`, nil},
		{"writeProperty SimpleACK", bip(wpAck), `0x00f "writeProperty" kind=2 err=false`, nil},
		{"reinitializeDevice", bip(reinitReq), `0x014 "reinitializeDevice" kind=1 err=false reinitialize=warmstart`, nil},
		{"reinitializeDevice refused", bip(reinitErr),
			`0x014 "reinitializeDevice" kind=2 err=true error_class=security error_code=26`, nil},
		{"deviceCommunicationControl", bip(dccReq),
			`0x011 "deviceCommunicationControl" kind=1 err=false duration=60 enable_disable=disable`, nil},
		{"writePropertyMultiple", bip("0104 0005 06 10 0c00400001 1e 1955 2e 4400000000 2f 1f 0c00400002 1e 1955 2e 4400000000 2f 1f"),
			`0x010 "writePropertyMultiple" kind=1 err=false object=analog-output:1 object=analog-output:2`, nil},
		{"createObject by type", bip("0104 0005 07 0a 0e 0902 0f"),
			`0x00a "createObject" kind=1 err=false object_type=analog-value`, nil},
		{"deleteObject", bip("0104 0005 08 0b c400800007"),
			`0x00b "deleteObject" kind=1 err=false object=analog-value:7`, nil},
		{"proprietary object type", bip("0104 0005 08 0b c420000007"),
			`0x00b "deleteObject" kind=1 err=false object=0x80:7`, nil},
		{"createObject error", bip("0100 50 07 0a 0e 9101 9119 0f 1901"),
			`0x00a "createObject" kind=2 err=true error_class=object error_code=25`, nil},
		{"unknown confirmed service", bip(rejectReq), `0x050 "" kind=1 err=false`, nil},
		{"Reject without its request", bip(reject),
			`0x406 "Reject" kind=2 err=true reject_reason=unrecognized-service`, nil},
		{"Abort without its request", bip("0100 71 05 0b"), `0x407 "Abort" kind=2 err=true abort_reason=apdu-too-long`, nil},
		{"Segment-ACK", bip(segmentACK), `0x404 "Segment-ACK" kind=1 err=false`, nil},
		{"segmented ComplexACK, first segment", bip(segAck0),
			`0x00c "readProperty" kind=2 err=false object=device:101 property=object-list`, nil},
		{"segmented ComplexACK, later segment", bip(segAck1), `0x00c "readProperty" kind=2 err=false`, nil},
		{"i-Am", bip(iAm), `0x100 "i-Am" kind=3 err=false object=device:101`, nil},
		{"who-Is with limits", bip(whoIs), `0x108 "who-Is" kind=3 err=false device_range=10-20`, nil},
		{"who-Is", bip("0120 ffff 00 ff 10 08"), `0x108 "who-Is" kind=3 err=false`, nil},
		{"unknown unconfirmed service", bip("0100 10 42"), `0x142 "" kind=3 err=false`, nil},
		{"Who-Is-Router-To-Network", bip("0180 00"), `0x200 "Who-Is-Router-To-Network" kind=3 err=false`, nil},
		{"Reject-Message-To-Network", bip("0180 03 01 0005"),
			`0x203 "Reject-Message-To-Network" kind=3 err=true reject_reason=1 network=5`, nil},
		{"proprietary network message", bip("0180 85 0104 aa"), `0x285 "" kind=3 err=false`, nil},
		{"Register-Foreign-Device", bvll(0x05, hex("003c")), `0x305 "Register-Foreign-Device" kind=1 err=false ttl=60`, nil},
		{"BVLC-Result NAK", bvll(0x00, hex("0030")), `0x300 "BVLC-Result" kind=2 err=true bvlc_result=0x0030`, nil},
		{"BVLC-Result ACK", bvll(0x00, hex("0000")), `0x300 "BVLC-Result" kind=2 err=false`, nil},
		{"Read-BDT", bvll(0x02, nil), `0x302 "Read-Broadcast-Distribution-Table" kind=1 err=false`, nil},
		{"Forwarded-NPDU", bvll(0x04, hex("c0a80005bac0"+iAm)), `0x100 "i-Am" kind=3 err=false object=device:101`, nil},
		{"BVLC length disagrees", append(bip(wpAck)[:2:2], append([]byte{0, 5}, hex(wpAck)...)...),
			`0x00f "writeProperty" kind=2 err=false`, nil},
		{"no NPDU", bvll(0x0a, nil), "none", protocols.ErrMalformed},
		{"NPDU version 2", bip("0200 20 02 0f"), "none", protocols.ErrMalformed},
		{"NPDU reserved bits", bip("0140 20 02 0f"), "none", protocols.ErrMalformed},
		{"APDU cut short", bip("0104 0005"), "none", protocols.ErrMalformed},
		{"not BVLC", hex("8200 0004"), "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: tt.payload, Transport: protocols.UDP, FromClient: true}
			if err := bacnet.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestRejectUnderRequest: a Reject or Abort is an error of the service
// whose invoke id it answers, remembered in Message.State, and only of a
// request sent by the other side.
func TestRejectUnderRequest(t *testing.T) {
	tests := []struct {
		name     string
		requests []string // sent by the client, in order
		answer   string
		fromSrv  bool
		want     string
	}{
		{"reject", []string{rejectReq}, reject, true,
			`0x050 "" kind=2 err=true reject_reason=unrecognized-service`},
		{"reject of an older request", []string{wpReq, rejectReq, rpReq, dccReq}, reject, true,
			`0x050 "" kind=2 err=true reject_reason=unrecognized-service`},
		{"abort by the server", []string{wpReq}, "0100 71 02 09", true,
			`0x00f "writeProperty" kind=2 err=true abort_reason=out-of-resources`},
		{"abort by the client", []string{wpReq}, "0100 70 02 00", false,
			`0x00f "writeProperty" kind=1 err=true abort_reason=other`},
		{"reject from the requester's side", []string{rejectReq}, reject, false,
			`0x406 "Reject" kind=2 err=true reject_reason=unrecognized-service`},
		{"forgotten after three requests", []string{rejectReq, wpReq, rpReq, dccReq}, reject, true,
			`0x406 "Reject" kind=2 err=true reject_reason=unrecognized-service`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var state uint64
			for _, r := range tt.requests {
				m := protocols.Message{Payload: bip(r), Transport: protocols.UDP, FromClient: true, State: state}
				if err := bacnet.New().Dissect(&m); err != nil {
					t.Fatal(err)
				}
				state = m.State
			}
			m := protocols.Message{Payload: bip(tt.answer), Transport: protocols.UDP, FromClient: !tt.fromSrv, State: state}
			if err := bacnet.New().Dissect(&m); err != nil {
				t.Fatal(err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    string // "" for no identity
	}{
		{"i-Am", bip(iAm), "vendor=Johnson Controls attrs=device_instance=101,vendor_id=5"},
		{"i-Am unknown vendor", bip("0100 10 00 c402000065 2205c4 9103 22 0fff"), " attrs=device_instance=101,vendor_id=4095"},
		{"i-Am forwarded by a BBMD", bvll(0x04, hex("c0a80005bac0"+iAm)), ""},
		{"i-Am routed from another network", bip("0108 000d 01 3d 10 00 c402000065 2205c4 9103 2105"), ""},
		{"vendor-name", bip(rpVendorName), "vendor=ACME! attrs=device_instance=101"},
		{"model-name in UCS-2", bip(rpModelUCS2), "model=MX1 attrs=device_instance=101"},
		{"object-name of another object", bip("0100 30 07 0c 0c00000001 194d 3e 7503 004149 3f"), ""},
		{"present-value of the device", bip("0100 30 07 0c 0c02000065 1955 3e 4441200000 3f"), ""},
		{"wildcard device instance", bip("0100 30 07 0c 0c023fffff 192c 3e 7504 00312e30 3f"), "firmware=1.0 attrs="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: tt.payload, Transport: protocols.UDP}
			if err := bacnet.New().Dissect(&m); err != nil {
				t.Fatal(err)
			}
			id, ok := m.Identity()
			got := ""
			if ok {
				var fields []string
				for _, f := range []struct {
					k string
					v []byte
				}{{"vendor", id.Vendor}, {"model", id.Model}, {"firmware", id.Firmware}, {"name", id.Name}} {
					if f.v != nil {
						fields = append(fields, f.k+"="+string(f.v))
					}
				}
				var attrs []string
				for _, a := range id.Attrs() {
					attrs = append(attrs, a.Key+"="+a.Value.String())
				}
				got = strings.Join(fields, " ") + " attrs=" + strings.Join(attrs, ",")
			}
			if got != tt.want {
				t.Errorf("identity %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProbe(t *testing.T) {
	udp := protocols.Conn{Transport: protocols.UDP, SrcPort: 40000, DstPort: 47809}
	tcp := protocols.Conn{Transport: protocols.TCP, SrcPort: 40000, DstPort: 47809}
	tests := []struct {
		name    string
		payload []byte
		c       protocols.Conn
		want    bool
	}{
		{"readProperty", bip(rpReq), udp, true},
		{"i-Am broadcast", bvll(0x0b, hex(iAm)), udp, true},
		{"network message", bip("0180 00"), udp, true},
		{"Forwarded-NPDU", bvll(0x04, hex("c0a80005bac0"+iAm)), udp, true},
		{"Register-Foreign-Device", bvll(0x05, hex("003c")), udp, true},
		{"BVLC-Result", bvll(0x00, hex("0000")), udp, true},
		{"Read-BDT", bvll(0x02, nil), udp, true},
		{"over TCP", bip(rpReq), tcp, false},
		{"length disagrees", append(bip(rpReq), 0), udp, false},
		{"BVLC type 0x82", append([]byte{0x82}, bip(rpReq)[1:]...), udp, false},
		{"unknown function", bvll(0x0d, hex("0000")), udp, false},
		{"Secure-BVLL", bvll(0x0c, hex("0000")), udp, false},
		{"Register-Foreign-Device too long", bvll(0x05, hex("003c00")), udp, false},
		{"Read-BDT-Ack not whole entries", bvll(0x03, hex("c0a80005bac0ffffff")), udp, false},
		{"NPDU version 2", bip("0200 20 02 0f"), udp, false},
		{"NPDU reserved bits", bip("0110 20 02 0f"), udp, false},
		{"APDU type 9", bip("0100 90 02 0f"), udp, false},
		{"no APDU", bip("0100"), udp, false},
		{"destination address beyond the datagram", bip("0120 ffff 09"), udp, false},
	}
	for _, tt := range tests {
		if got := bacnet.New().Probe(tt.payload, tt.c); got != tt.want {
			t.Errorf("%s: Probe = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(bacnet.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestConversation runs a poll through the Tracker, on port 47808 and on
// another port the heuristic finds: requests and answers count under
// one event per service, a Reject under the request it answers.
func TestConversation(t *testing.T) {
	for _, port := range []string{"47808", "47809"} {
		t.Run(port, func(t *testing.T) {
			h := protocolstest.New(registry(t), protocols.Options{})
			client, server := "10.0.0.1:"+port, "10.0.0.2:"+port
			for _, p := range []struct {
				fromClient bool
				npdu       string
			}{{true, rpReq}, {false, rpAck}, {true, wpReq}, {false, wpAck}, {true, rejectReq}, {false, reject}} {
				src, dst := client, server
				if !p.fromClient {
					src, dst = server, client
				}
				h.UDP(src, dst, bip(p.npdu))
			}
			events, _, _ := h.Flush()
			got := protocolstest.Summaries(events)
			hp := "0a000001:" + port + ">0a000002:" + port
			want := []string{
				`bacnet 0x000c "readProperty" ` + hp + ` n=2 q=1 r=1 e=0 object=analog-input:1 property=present-value`,
				`bacnet 0x000f "writeProperty" ` + hp + ` n=2 q=1 r=1 e=0 object=analog-output:5 priority=8 property=present-value`,
				`bacnet 0x0050 "unknown" ` + hp + ` n=2 q=1 r=1 e=1 reject_reason=unrecognized-service`,
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("events\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
			}
		})
	}
}
