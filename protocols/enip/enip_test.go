package enip_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/enip"
	"mimamori/protocols/protocolstest"
)

var hex = protocolstest.Hex

// encap builds an encapsulation message: command, length, session
// handle, status, sender context, options, then the body.
func encap(cmd uint16, session, status uint32, body []byte) []byte {
	b := make([]byte, 24, 24+len(body))
	binary.LittleEndian.PutUint16(b, cmd)
	binary.LittleEndian.PutUint16(b[2:], uint16(len(body)))
	binary.LittleEndian.PutUint32(b[4:], session)
	binary.LittleEndian.PutUint32(b[8:], status)
	copy(b[12:20], "context!")
	return append(b, body...)
}

// rr builds a SendRRData carrying a CIP message in an unconnected data
// item, after a null address item.
func rr(cip string) []byte {
	c := hex(cip)
	body := hex(fmt.Sprintf("00000000 0500 0200 0000 0000 b200 %04x", swap(len(c))))
	return encap(0x6f, 0x12345678, 0, append(body, c...))
}

// unit builds a SendUnitData carrying a CIP message on a connection.
func unit(cip string) []byte {
	c := hex(cip)
	body := hex(fmt.Sprintf("00000000 0000 0200 a100 0400 01198300 b100 %04x 0b00", swap(len(c)+2)))
	return encap(0x70, 0x12345678, 0, append(body, c...))
}

// swap gives a 16-bit length in little-endian order, for the hex dumps.
func swap(n int) int { return n>>8 | (n&0xff)<<8 }

// CIP messages: service, path size in words, path, data; replies:
// service|0x80, reserved, general status, additional status size, data.
const (
	getIdentity     = "01 02 2001 2401"
	identityAttrs   = "0100 0e00 3600 1014 6000 3f825100 14 313735362d4c36312f42204c4f47495835353631"
	getIdentityResp = "81 00 00 00 " + identityAttrs
	readTag         = "4c 05 91 07 4d6f746f725f3100 0100" // Read Tag "Motor_1", 1 element
	readTagResp     = "cc 00 00 00 c400 2a000000"
	writeAttr       = "10 03 20f5 2401 3005 c0a80a78" // Set_Attribute_Single TCP/IP object attribute 5
	writeAttrDenied = "90 00 0f 00"
	stopPLC         = "07 02 208e 2401"
	ucmmGetIdentity = "52 02 2006 2401 0a f0 0600 " + getIdentity + " 0100 0100"
	ucmmTimeout     = "d2 00 01 01 0402"
	forwardOpen     = "54 02 2006 2401 0a0e 00000000 01198300 0100 0100 12345678 00000000 01 000000 00127a00 f443 00127a00 f443 a3 03 0100 2002 2401"
	forwardOpenResp = "d4 00 00 00 01198300 02198300 0100 0100 12345678 00127a00 00127a00 0000"
	msp             = "0a 02 2002 2401 0300 0800 1400 2200 1003 20f5 2401 3005 c0a80a78 4c05 91074d6f746f725f3100 0100 4d05 91074d6f746f725f3100 c400 0100 2a000000"
)

const (
	listIdentityReq  = "6300 0000 00000000 00000000 0000000000000000 00000000"
	listIdentityResp = `6300 3300 00000000 00000000 0000000000000000 00000000
		0100 0c00 2d00 0100 0002af12c0a80a780000000000000000
		0100 0c00 3a00 0403 6000 8e4d5200 0b 313735362d454e42542f41 03`
	registerSession = "6500 0400 00000000 00000000 0000000000000000 00000000 0100 0000"
)

func event(m *protocols.Message) string {
	e, ok := m.Event()
	if !ok {
		return "none"
	}
	s := fmt.Sprintf("v%d 0x%04x %q kind=%d err=%v", m.Variant, e.Code, e.Function, e.Kind, e.Error)
	for _, a := range e.Attrs() {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return s
}

func TestDissect(t *testing.T) {
	tests := []struct {
		name  string
		msg   []byte
		tr    protocols.Transport
		state string // a request dissected first, for a reply's state
		want  string
		err   error
	}{
		{"ListIdentity request", hex(listIdentityReq), protocols.UDP, "",
			`v0 0x0063 "ListIdentity" kind=1 err=false`, nil},
		{"ListIdentity reply", hex(listIdentityResp), protocols.UDP, "",
			`v0 0x0063 "ListIdentity" kind=2 err=false`, nil},
		{"RegisterSession", hex(registerSession), protocols.TCP, "",
			`v0 0x0065 "RegisterSession" kind=0 err=false`, nil},
		{"invalid session", encap(0x6f, 0x99, 0x64, nil), protocols.TCP, "",
			`v0 0x006f "SendRRData" kind=0 err=true status=0x0064`, nil},
		{"unknown command kept as a number", encap(0x01, 0, 0, nil), protocols.TCP, "",
			`v0 0x0001 "" kind=0 err=false`, nil},
		{"SendRRData without CIP", encap(0x6f, 1, 0, hex("00000000 0000 0100 0000 0000")), protocols.TCP, "",
			`v0 0x006f "SendRRData" kind=0 err=false`, nil},
		{"Get_Attributes_All", rr(getIdentity), protocols.TCP, "",
			`v1 0x0001 "Get_Attributes_All" kind=1 err=false class=0x01 instance=0x01`, nil},
		{"Get_Attributes_All reply", rr(getIdentityResp), protocols.TCP, getIdentity,
			`v1 0x0001 "Get_Attributes_All" kind=2 err=false class=0x01 instance=0x01`, nil},
		{"reply without its request", rr(getIdentityResp), protocols.TCP, "",
			`v1 0x0001 "Get_Attributes_All" kind=2 err=false`, nil},
		{"Read Tag by name", unit(readTag), protocols.TCP, "",
			`v1 0x6b4c "Read_Tag" kind=1 err=false class=0x6b`, nil},
		{"Read Tag reply", unit(readTagResp), protocols.TCP, readTag,
			`v1 0x6b4c "Read_Tag" kind=2 err=false class=0x6b`, nil},
		{"object-specific reply without its request", unit(readTagResp), protocols.TCP, "",
			`v1 0x004c "" kind=2 err=false`, nil},
		{"Read Tag Fragmented is 0x52 on a tag, not Unconnected Send", unit("52 05 91074d6f746f725f3100 0100 00000000"), protocols.TCP, "",
			`v1 0x6b52 "Read_Tag_Fragmented" kind=1 err=false class=0x6b`, nil},
		{"Write Tag through Unconnected Send", rr("52 02 2006 2401 0a f0 1400 4d05 91074d6f746f725f3100 c400 0100 2a000000 0100 0100"), protocols.TCP, "",
			`v1 0x6b4d "Write_Tag" kind=1 err=false class=0x6b`, nil},
		{"Set_Attribute_Single", rr(writeAttr), protocols.TCP, "",
			`v1 0x0010 "Set_Attribute_Single" kind=1 err=false class=0xf5 instance=0x01 attribute=0x05`, nil},
		{"Set_Attribute_Single refused", rr(writeAttrDenied), protocols.TCP, writeAttr,
			`v1 0x0010 "Set_Attribute_Single" kind=2 err=true class=0xf5 instance=0x01 attribute=0x05 general_status=0x0f`, nil},
		{"Stop", unit(stopPLC), protocols.TCP, "",
			`v1 0x0007 "Stop" kind=1 err=false class=0x8e instance=0x01`, nil},
		{"Unconnected Send unwrapped", rr(ucmmGetIdentity), protocols.TCP, "",
			`v1 0x0001 "Get_Attributes_All" kind=1 err=false class=0x01 instance=0x01`, nil},
		{"Unconnected Send not delivered", rr(ucmmTimeout), protocols.TCP, ucmmGetIdentity,
			`v1 0x0652 "Unconnected_Send" kind=2 err=true class=0x06 instance=0x01 general_status=0x01 extended_status=0x0204`, nil},
		{"Forward_Open", rr(forwardOpen), protocols.TCP, "",
			`v1 0x0654 "Forward_Open" kind=1 err=false class=0x06 instance=0x01`, nil},
		{"Forward_Open reply", rr(forwardOpenResp), protocols.TCP, forwardOpen,
			`v1 0x0654 "Forward_Open" kind=2 err=false class=0x06 instance=0x01 connection_id=0x00831901 connection_id=0x00831902`, nil},
		{"Multiple Service Packet", unit(msp), protocols.TCP, "",
			`v1 0x000a "Multiple_Service_Packet" kind=1 err=false service=0x10 service=0x6b4c service=0x6b4d`, nil},
		{"16-bit class, 32-bit instance", rr("0e 06 2100 0003 2600 01000000 3003"), protocols.TCP, "",
			`v1 0x000e "Get_Attribute_Single" kind=1 err=false class=0x300 instance=0x01 attribute=0x03`, nil},
		{"unknown service kept as a number", rr("4b 02 2074 2401"), protocols.TCP, "",
			`v1 0x744b "" kind=1 err=false class=0x74 instance=0x01`, nil},
		{"I/O data", hex("0200 0280 0800 03064b00 db953f00 b100 0600 a587e80f0300"), protocols.UDP, "",
			`v1 0x1000000 "I/O Data" kind=3 err=false connection_id=0x004b0603`, nil},
		{"length wrong", hex(registerSession + "00"), protocols.TCP, "", "none", protocols.ErrMalformed},
		{"CIP path beyond the message", rr("0e 09 2001 2401"), protocols.TCP, "",
			`v0 0x006f "SendRRData" kind=0 err=false`, nil},
		{"I/O data cut short", hex("0200 0280 0800 03064b00"), protocols.UDP, "", "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var state uint64
			if tt.state != "" {
				m := protocols.Message{Payload: rr(tt.state), Transport: tt.tr, FromClient: true}
				if err := enip.New().Dissect(&m); err != nil {
					t.Fatal(err)
				}
				state = m.State
			}
			m := protocols.Message{Payload: tt.msg, Transport: tt.tr, State: state}
			if err := enip.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// protocolsTrim cuts a field at its first NUL, as the Tracker does.
func protocolsTrim(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func identity(m *protocols.Message) string {
	id, ok := m.Identity()
	if !ok {
		return "none"
	}
	s := fmt.Sprintf("v%d vendor=%q product=%q serial=%q firmware=%q", m.Variant,
		protocolsTrim(id.Vendor), protocolsTrim(id.Product), protocolsTrim(id.Serial), protocolsTrim(id.Firmware))
	for _, a := range id.Attrs() {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return s
}

func TestIdentity(t *testing.T) {
	const plc = `vendor="Rockwell Automation/Allen-Bradley" product="1756-L61/B LOGIX5561" serial="0x0051823f" firmware="16.20" vendor_id=1 device_type=Programmable Logic Controller product_code=54`
	tests := []struct {
		name    string
		request []byte // nil when not seen
		reply   []byte
		want    string
	}{
		{"ListIdentity", nil, hex(listIdentityResp),
			`v0 vendor="Rockwell Automation/Allen-Bradley" product="1756-ENBT/A" serial="0x00524d8e" firmware="4.3" vendor_id=1 device_type=Communications Adapter product_code=58`},
		{"Get_Attributes_All of the Identity object", rr(getIdentity), rr(getIdentityResp), "v1 " + plc},
		{"through Unconnected Send: a module behind the device", rr(ucmmGetIdentity), rr(getIdentityResp), "none"},
		{"request not seen", nil, rr(getIdentityResp), "none"},
		{"another object", rr("01 02 20f5 2401"), rr(getIdentityResp), "none"},
		{"unknown vendor and device type", nil, hex(`6300 3300 00000000 00000000 0000000000000000 00000000
			0100 0c00 2d00 0100 0002af12c0a80a780000000000000000
			3930 ff00 0100 0100 0000 01000000 0b 414141414141414141414103`),
			`v0 vendor="12345" product="AAAAAAAAAAA" serial="0x00000001" firmware="1.0" vendor_id=12345 device_type=0xff product_code=1`},
		{"ListIdentity cut short", nil, hex(`6300 1a00 00000000 00000000 0000000000000000 00000000
			0100 0c00 1400 0100 0002af12c0a80a780000000000000000 0100`), "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var state uint64
			if tt.request != nil {
				m := protocols.Message{Payload: tt.request, Transport: protocols.TCP, FromClient: true}
				if err := enip.New().Dissect(&m); err != nil {
					t.Fatal(err)
				}
				state = m.State
			}
			m := protocols.Message{Payload: tt.reply, Transport: protocols.UDP, State: state}
			if err := enip.New().Dissect(&m); err != nil {
				t.Fatal(err)
			}
			if got := identity(&m); got != tt.want {
				t.Errorf("identity\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestProbe(t *testing.T) {
	tcp := protocols.Conn{Transport: protocols.TCP, SrcPort: 40000, DstPort: 44819}
	udp := protocols.Conn{Transport: protocols.UDP, SrcPort: 40000, DstPort: 44819}
	tests := []struct {
		name    string
		payload []byte
		c       protocols.Conn
		want    bool
	}{
		{"RegisterSession", hex(registerSession), tcp, true},
		{"SendRRData", rr(getIdentity), tcp, true},
		{"SendUnitData", unit(readTag), tcp, true},
		{"ListIdentity request", hex(listIdentityReq), tcp, true},
		{"over UDP", hex(registerSession), udp, false},
		{"RegisterSession version 2", encap(0x65, 0, 0, hex("0200 0000")), tcp, false},
		{"SendRRData without a session", encap(0x6f, 0, 0, rr(getIdentity)[24:]), tcp, false},
		{"items do not fill the message", encap(0x6f, 1, 0, append(rr(getIdentity)[24:], 0)), tcp, false},
		{"NOP", encap(0x00, 0, 0, nil), tcp, false},
		{"options set", append(hex(registerSession)[:20:20], hex("01000000 0100 0000")...), tcp, false},
		{"cut short", hex(registerSession)[:27], tcp, false},
		{"unknown command", encap(0x42, 1, 0, nil), tcp, false},
		{"zeros", make([]byte, 64), tcp, false},
		{"Modbus", hex("0001 0000 0006 01 03 0000 000a"), tcp, false},
	}
	for _, tt := range tests {
		if got := enip.New().Probe(tt.payload, tt.c); got != tt.want {
			t.Errorf("%s: Probe = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFrame(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		n    int
		err  error
	}{
		{"whole", hex(registerSession), 28, nil},
		{"header only", hex(registerSession)[:24], 28, nil},
		{"header cut", hex(registerSession)[:10], 0, nil},
		{"one byte", []byte{0x65}, 0, nil},
		{"command beyond 8 bits", hex("6501"), 0, protocols.ErrNotPDU},
		{"options set", append(hex(registerSession)[:20:20], 1, 0, 0, 0), 0, protocols.ErrNotPDU},
	}
	for _, tt := range tests {
		n, err := enip.New().Frame(tt.b)
		if n != tt.n || !errors.Is(err, tt.err) {
			t.Errorf("%s: Frame = %d, %v; want %d, %v", tt.name, n, err, tt.n, tt.err)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(enip.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSegmentation replays an explicit messaging session — register,
// identity read through Unconnected Send, Forward_Open, tag reads on the
// connection — split across segments every which way, on port 44818 and
// on another port the heuristic finds.
func TestSegmentation(t *testing.T) {
	exchange := []protocolstest.PDU{
		{FromClient: true, Data: hex(registerSession)},
		{FromClient: false, Data: encap(0x65, 0x12345678, 0, hex("0100 0000"))},
		{FromClient: true, Data: rr(ucmmGetIdentity)},
		{FromClient: false, Data: rr(getIdentityResp)},
		{FromClient: true, Data: rr(forwardOpen)},
		{FromClient: false, Data: rr(forwardOpenResp)},
		{FromClient: true, Data: unit(readTag)},
		{FromClient: true, Data: unit(msp)},
		{FromClient: false, Data: unit(readTagResp)},
		{FromClient: false, Data: unit("8a 00 00 00 0300 0800 0c00 1600 90000000 cc000000c4002a000000 cd000000")},
		{FromClient: true, Data: unit(stopPLC)},
		{FromClient: false, Data: unit("87 00 10 01 0000")},
	}
	want := []string{
		`cip 0x0001 "Get_Attributes_All" 0a000001:40000>0a000002:44818 n=2 q=1 r=1 e=0 class=0x01 instance=0x01`,
		`cip 0x0007 "Stop" 0a000001:40000>0a000002:44818 n=2 q=1 r=1 e=1 class=0x8e extended_status=0x0000 general_status=0x10 instance=0x01`,
		`cip 0x000a "Multiple_Service_Packet" 0a000001:40000>0a000002:44818 n=2 q=1 r=1 e=0 service=0x10,0x6b4c,0x6b4d`,
		`cip 0x004c "unknown" 0a000001:40000>0a000002:44818 n=1 q=0 r=1 e=0`,
		`cip 0x0654 "Forward_Open" 0a000001:40000>0a000002:44818 n=2 q=1 r=1 e=0 class=0x06 connection_id=0x00831901,0x00831902 instance=0x01`,
		`cip 0x6b4c "Read_Tag" 0a000001:40000>0a000002:44818 n=1 q=1 r=0 e=0 class=0x6b`,
		`enip 0x0065 "RegisterSession" 0a000001:40000>0a000002:44818 n=2 q=1 r=1 e=0`,
	}
	protocolstest.CheckSegmentation(t, registry(t), "10.0.0.1:40000", "10.0.0.2:44818", false, exchange, want)
	protocolstest.CheckSegmentation(t, registry(t), "10.0.0.1:40000", "10.0.0.2:5000", true, exchange, nil)
}
