package opcua_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/opcua"
	"mimamori/protocols/protocolstest"
)

var hex = protocolstest.Hex

// Whole messages from the python-opcua capture.
const (
	hello = `48454c46 4a000000 00000000 00000100 00000100 00000000 00000000
		2a000000 6f70632e7463703a2f2f6c6f63616c686f73743a343834302f667265656f706375612f7365727665722f`
	ack     = "41434b46 1c000000 00000000 00000100 00000100 00000000 00000000"
	opnNone = `4f504e46 84000000 00000000 2f000000 687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c696379234e6f6e65
		ffffffff ffffffff 01000000 01000000 0100be01 0000 647cf1a8e973d501 01000000 00000000 ffffffff e8030000 000000
		00000000 00000000 01000000 00000000 80ee3600`
	opnNoneResp = `4f504e46 87000000 09000000 2f000000 687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c696379234e6f6e65
		ffffffff ffffffff 01000000 01000000 0100c101 7e94f1a8e973d501 01000000 00000000 00 00000000 000000
		00000000 09000000 0e000000 1a94f1a8e973d501 80ee3600 00000000`
)

// Service bodies: encoding NodeId, then header and parameters.
const (
	requestHeader  = "0000 0000000000000000 07000000 00000000 ffffffff 10270000 000000"
	responseHeader = "0000000000000000 07000000 %s 00 ffffffff 000000"
	readReq        = "0100 7702 " + requestHeader + " 0000000000000000 02000000 00000000"
	closeReq       = "0100 c401 " + requestHeader
	writeReq       = "0100 a102 " + requestHeader + " 01000000 0102e803 0d000000 ffffffff 00"
	callReq        = "0100 c802 " + requestHeader + " 01000000 01005500 01014df4 00000000"
	activateReq    = "0100 d301 " + requestHeader + " ffffffff ffffffff ffffffff 00000000 01004401 01 04000000 ffffffff"
	createSession  = "0100 cd01 " + requestHeader + " 0a000000 75726e3a636c69656e74 ffffffff 02 09000000 4d7920436c69656e74 01000000"
)

func readResp(status string) string {
	return "0100 7a02 " + fmt.Sprintf(responseHeader, status) + " 00000000 00000000"
}

func serviceFault(status string) string {
	return "0100 8d01 " + fmt.Sprintf(responseHeader, status)
}

// chunk builds a secure conversation chunk of message type typ ("MSGF")
// on channel 1, token 1, with sequence number and request id seq.
func chunk(typ string, seq uint32, body string) []byte {
	b := []byte(typ)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, seq)
	b = binary.LittleEndian.AppendUint32(b, seq)
	b = append(b, hex(body)...)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)))
	return b
}

// encrypted is a chunk body as an encrypting channel sends it.
const encrypted = "8f3ac1d2e5b7099a4c21f0e3d4b5a6978877665544332211"

func event(m *protocols.Message) string {
	e, ok := m.Event()
	if !ok {
		return "none"
	}
	s := fmt.Sprintf("%d %q kind=%d err=%v", e.Code, e.Function, e.Kind, e.Error)
	for _, a := range e.Attrs() {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return s
}

// policyNone is the State after an OpenSecureChannel with policy None.
func policyNone(t *testing.T) uint64 {
	m := protocols.Message{Payload: hex(opnNone), Transport: protocols.TCP, FromClient: true}
	if err := opcua.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	return m.State
}

func TestDissect(t *testing.T) {
	none := policyNone(t)
	tests := []struct {
		name    string
		payload []byte
		state   uint64
		want    string
		err     error
	}{
		{"Hello", hex(hello), 0, `4736332 "Hello" kind=1 err=false`, nil},
		{"Acknowledge", hex(ack), 0, `4277067 "Acknowledge" kind=2 err=false`, nil},
		{"Error", hex("45525246 10000000 00000780 ffffffff"), 0, `4543058 "Error" kind=2 err=true status=0x80070000`, nil},
		{"OpenSecureChannel, policy None", hex(opnNone), 0,
			`446 "OpenSecureChannel" kind=1 err=false request_type=issue security_mode=None security_policy=None`, nil},
		{"its response", hex(opnNoneResp), 0, `446 "OpenSecureChannel" kind=2 err=false security_policy=None`, nil},
		{"OpenSecureChannel, encrypted", openSecured("Basic256Sha256"), 0,
			`5197902 "OPN (encrypted)" kind=0 err=false security_policy=Basic256Sha256`, nil},
		{"OpenSecureChannel, unknown policy", openSecured("Foo"), 0,
			`5197902 "OPN (encrypted)" kind=0 err=false security_policy=other`, nil},
		{"Read", chunk("MSGF", 2, readReq), none, `631 "Read" kind=1 err=false`, nil},
		{"Read response", chunk("MSGF", 2, readResp("00000000")), none, `631 "Read" kind=2 err=false`, nil},
		{"Read response, bad service result", chunk("MSGF", 2, readResp("00003480")), none,
			`631 "Read" kind=2 err=true status=0x80340000`, nil},
		{"Read response, uncertain result", chunk("MSGF", 2, readResp("00004040")), none, `631 "Read" kind=2 err=false`, nil},
		{"ServiceFault", chunk("MSGF", 9, serviceFault("00000b80")), none,
			`397 "ServiceFault" kind=2 err=true status=0x800b0000`, nil},
		{"Write", chunk("MSGF", 3, writeReq), none, `673 "Write" kind=1 err=false nodes=1 node=0x02:1000`, nil},
		{"Call", chunk("MSGF", 4, callReq), none,
			`712 "Call" kind=1 err=false calls=1 object=0x00:85 method=0x01:62541`, nil},
		{"ActivateSession by user name", chunk("MSGF", 5, activateReq), none,
			`467 "ActivateSession" kind=1 err=false user_token=username`, nil},
		{"unknown service on a None channel", chunk("MSGF", 6, "0100 3930 "+requestHeader), none, `12345 "" kind=0 err=false`, nil},
		{"Read, channel not seen", chunk("MSGF", 2, readReq), 0, `631 "Read" kind=1 err=false`, nil},
		{"encrypted MSG", chunk("MSGF", 7, encrypted), 0, `5067591 "MSG (encrypted)" kind=0 err=false`, nil},
		{"encrypted CLO", chunk("CLOF", 8, encrypted), 0, `4410447 "CLO (encrypted)" kind=0 err=false`, nil},
		{"CloseSecureChannel", chunk("CLOF", 8, closeReq), none, `452 "CloseSecureChannel" kind=1 err=false`, nil},
		{"abort", chunk("MSGA", 8, "00007f80 ffffffff"), none, `1297303361 "MSG (abort)" kind=0 err=true status=0x807f0000`, nil},
		{"unreadable body on a None channel", chunk("MSGF", 7, encrypted), none, "none", protocols.ErrMalformed},
		{"size disagrees", append(hex(ack), 0), 0, "none", protocols.ErrMalformed},
		{"Hello in chunks", append([]byte("HELC"), hex(hello)[4:]...), 0, "none", protocols.ErrMalformed},
		{"not OPC UA", hex("47455420 2f20485454502f312e310d0a"), 0, "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: tt.payload, Transport: protocols.TCP, FromClient: true, State: tt.state}
			if err := opcua.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// openSecured builds an OpenSecureChannel request of a secured policy:
// the policy URI in the clear, then encrypted bytes.
func openSecured(policy string) []byte {
	uri := "http://opcfoundation.org/UA/SecurityPolicy#" + policy
	b := []byte("OPNF\x00\x00\x00\x00\x05\x00\x00\x00")
	b = binary.LittleEndian.AppendUint32(b, uint32(len(uri)))
	b = append(b, uri...)
	b = append(b, hex("04000000 30820101 ffffffff")...)
	b = append(b, hex(encrypted)...)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)))
	return b
}

// TestServiceFaultNamesRequest: a ServiceFault names the service of the
// request with its request id, remembered in Message.State.
func TestServiceFaultNamesRequest(t *testing.T) {
	state := policyNone(t)
	for i, req := range []string{readReq, writeReq, callReq} {
		m := protocols.Message{Payload: chunk("MSGF", uint32(10+i), req), Transport: protocols.TCP, FromClient: true, State: state}
		if err := opcua.New().Dissect(&m); err != nil {
			t.Fatal(err)
		}
		state = m.State
	}
	for _, tt := range []struct {
		id   uint32
		want string
	}{
		{11, `397 "ServiceFault" kind=2 err=true status=0x800b0000 service=673`},
		{12, `397 "ServiceFault" kind=2 err=true status=0x800b0000 service=712`},
		{10, `397 "ServiceFault" kind=2 err=true status=0x800b0000`}, // forgotten: only two are kept
	} {
		m := protocols.Message{Payload: chunk("MSGF", tt.id, serviceFault("00000b80")), Transport: protocols.TCP, State: state}
		if err := opcua.New().Dissect(&m); err != nil {
			t.Fatal(err)
		}
		if got := event(&m); got != tt.want {
			t.Errorf("request %d: got %s\nwant %s", tt.id, got, tt.want)
		}
	}
}

// TestChunks: a message split into chunks is reported once, from its
// first chunk; each side's chunks are followed apart.
func TestChunks(t *testing.T) {
	state := policyNone(t)
	var got []string
	for _, c := range []struct {
		fromClient bool
		payload    []byte
	}{
		{true, chunk("MSGC", 20, writeReq)},
		{false, chunk("MSGF", 19, readResp("00000000"))},
		{true, chunk("MSGC", 20, "0102030405060708")},
		{true, chunk("MSGF", 20, "0102030405060708")},
		{true, chunk("MSGF", 21, readReq)},
		{true, chunk("MSGC", 22, readReq)},
		{true, chunk("MSGA", 22, "00007f80 ffffffff")},
		{true, chunk("MSGF", 23, readReq)},
	} {
		m := protocols.Message{Payload: c.payload, Transport: protocols.TCP, FromClient: c.fromClient, State: state}
		if err := opcua.New().Dissect(&m); err != nil {
			t.Fatal(err)
		}
		state = m.State
		got = append(got, event(&m))
	}
	want := []string{
		`673 "Write" kind=1 err=false nodes=1 node=0x02:1000`,
		`631 "Read" kind=2 err=false`,
		"none",
		"none",
		`631 "Read" kind=1 err=false`,
		`631 "Read" kind=1 err=false`,
		`1297303361 "MSG (abort)" kind=0 err=true status=0x807f0000`,
		`631 "Read" kind=1 err=false`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

func TestIdentity(t *testing.T) {
	state := policyNone(t)
	m := protocols.Message{Payload: chunk("MSGF", 30, createSession), Transport: protocols.TCP, FromClient: true, State: state}
	if err := opcua.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	id, ok := m.Identity()
	if !ok || string(id.Product) != "urn:client" || string(id.Name) != "My Client" {
		t.Fatalf("identity %v: product %q name %q", ok, id.Product, id.Name)
	}
	if a := id.Attrs(); len(a) != 1 || a[0].Key != "application_type" || a[0].Value.String() != "client" {
		t.Errorf("attrs %v", a)
	}
}

func TestProbe(t *testing.T) {
	tcp := protocols.Conn{Transport: protocols.TCP, SrcPort: 50000, DstPort: 12001}
	udp := protocols.Conn{Transport: protocols.UDP, SrcPort: 50000, DstPort: 12001}
	tests := []struct {
		name    string
		payload []byte
		c       protocols.Conn
		want    bool
	}{
		{"Hello", hex(hello), tcp, true},
		{"Acknowledge", hex(ack), tcp, true},
		{"OpenSecureChannel", hex(opnNone), tcp, true},
		{"MSG", chunk("MSGF", 2, readReq), tcp, true},
		{"MSG start of a long chunk", chunk("MSGF", 2, readReq)[:24], tcp, true},
		{"over UDP", hex(hello), udp, false},
		{"Hello cut short", hex(hello)[:40], tcp, false},
		{"Hello of version 1", append(append(hex(hello)[:8:8], 1, 0, 0, 0), hex(hello)[12:]...), tcp, false},
		{"Hello with URL beyond its size", append(hex(hello)[:helloURL:helloURL], 0xff, 0, 0, 0), tcp, false},
		{"Acknowledge of the wrong size", append(hex("41434b46 1d000000 00000000 00000100 00000100 00000000 00000000"), 0), tcp, false},
		{"chunk type X", append([]byte("MSGX"), chunk("MSGF", 2, readReq)[4:]...), tcp, false},
		{"size too small", hex("4d534746 08000000 00000000"), tcp, false},
		{"HTTP", []byte("GET / HTTP/1.1\r\n\r\n"), tcp, false},
		{"MSG header only", chunk("MSGF", 2, readReq)[:12], tcp, false},
	}
	for _, tt := range tests {
		if got := opcua.New().Probe(tt.payload, tt.c); got != tt.want {
			t.Errorf("%s: Probe = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// helloURL is the offset of a Hello's endpoint URL.
const helloURL = 28

func TestFrame(t *testing.T) {
	d := opcua.New()
	for _, tt := range []struct {
		name string
		b    []byte
		n    int
		err  error
	}{
		{"whole", hex(ack), 28, nil},
		{"more to come", hex(hello)[:20], 74, nil},
		{"header incomplete", []byte("MSG"), 0, nil},
		{"not a header", []byte("XYZ"), 0, protocols.ErrNotPDU},
		{"size beyond bounds", hex("4d534746 ffffffff"), 0, protocols.ErrNotPDU},
	} {
		n, err := d.Frame(tt.b)
		if n != tt.n || !errors.Is(err, tt.err) {
			t.Errorf("%s: Frame = %d, %v; want %d, %v", tt.name, n, err, tt.n, tt.err)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(opcua.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSegmentation replays a session — Hello, OpenSecureChannel, Read,
// Write, CloseSecureChannel — split across segments every which way, on
// port 4840 and on another port the heuristic finds.
func TestSegmentation(t *testing.T) {
	exchange := []protocolstest.PDU{
		{FromClient: true, Data: hex(hello)},
		{FromClient: false, Data: hex(ack)},
		{FromClient: true, Data: hex(opnNone)},
		{FromClient: false, Data: hex(opnNoneResp)},
		{FromClient: true, Data: chunk("MSGF", 2, readReq)},
		{FromClient: false, Data: chunk("MSGF", 2, readResp("00000000"))},
		{FromClient: true, Data: chunk("MSGF", 3, writeReq)},
		{FromClient: false, Data: chunk("MSGF", 3, serviceFault("00000b80"))},
		{FromClient: true, Data: chunk("CLOF", 4, closeReq)},
	}
	for _, port := range []string{"4840", "12001"} {
		t.Run(port, func(t *testing.T) {
			hp := "0a000001:50000>0a000002:" + port
			protocolstest.CheckSegmentation(t, registry(t), "10.0.0.1:50000", "10.0.0.2:"+port, port != "4840", exchange, []string{
				`opcua 0x018d "ServiceFault" ` + hp + ` n=1 q=0 r=1 e=1 service=673 status=0x800b0000`,
				`opcua 0x01be "OpenSecureChannel" ` + hp + ` n=2 q=1 r=1 e=0 request_type=issue security_mode=None security_policy=None`,
				`opcua 0x01c4 "CloseSecureChannel" ` + hp + ` n=1 q=1 r=0 e=0`,
				`opcua 0x0277 "Read" ` + hp + ` n=2 q=1 r=1 e=0`,
				`opcua 0x02a1 "Write" ` + hp + ` n=1 q=1 r=0 e=0 node=0x02:1000 nodes=1`,
				`opcua 0x41434b "Acknowledge" ` + hp + ` n=1 q=0 r=1 e=0`,
				`opcua 0x48454c "Hello" ` + hp + ` n=1 q=1 r=0 e=0`,
			})
		})
	}
}
