package melsoft_test

import (
	"errors"
	"fmt"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/melsoft"
	"mimamori/protocols/protocolstest"
)

var hex = protocolstest.Hex

// MELSOFT frames from the Nozomi Networks captures: Ethernet header (21
// bytes: magic 57 01 or d7 00, ..., size at 0x13), command header (24
// bytes in a request, 26 in a response, status at 0x19), command data
// (code, reference, size, data), Ethernet footer.
const (
	check        = "5a0000ff"
	checkResp    = "da0000ff91480c000000000013000000f8d1980030710000c4da9800"
	openInit     = "570100000011110700017de0030000fe03000032001c0a1614e003000000000004000000000000000000000000012101000400000100020e000281048205baa0a9ee003e36a12b"
	openInitResp = "d700000000111107000000a803017de00300004e009c021814000000000104e0030000000000000000000000000000012101001c0052303853464350552020202020202020914800080000020002900002100002810482072356c2fa000000fa78e00d"
	login        = "570101000011110700017dff030000fe0300005a001c0a16140000000000000004000000000000000000000000013101002c006e006f007a006f006d00610000000000000000000000000000000000000000000000000000000000000100020e00028104820560b819c300dc94b742"
	loginFail    = "d700710000111107000000a803017dff03000046009c02181409430000020400000000000000000000000000000000013101001000014821012811471704200003000000021400038002810482070200e69f310900000046e69d4f"
	stop         = "570108000011110700017de0030000fe03000032001c0a1614e003000000000004000000000000000000000000100209000400010000020e000281048205beba6128008f730738"
	stopResp     = "d7001f0000111107000000a803017de00300003a009c021814000000000104e00300000000000000000000000000001002090004000000000214000380028104820702002662edaa0000008ef0db10"
	addUser      = "570108000011110700017de0030000fe03000092001c0a1614e003000000000004000000000000000000000000113309005000010001006e006f007a006f006d00690000000000000000000000000000000000000000000000000000000000f78e25d9e8067d34ac44477442c662d861e61b7885d31de468d5510e9859e86e0001000222000342128104820500008d074979445255b117e02899c56e0118cd34920000863bb701"
	refused      = "d700020000111107000000a803017de003000046009c021814024000000104e0030000000000000000000000000000016202001000014823110312271405200266000000021400038002810482070200194ad776000000d262e46a"
)

// with returns the frame with byte i set to v.
func with(frame string, i int, v byte) string {
	b := hex(frame)
	b[i] = v
	return fmt.Sprintf("%x", b)
}

func event(m *protocols.Message) string {
	e, ok := m.Event()
	if !ok {
		return "none"
	}
	s := fmt.Sprintf("0x%04x %q kind=%d err=%v", e.Code, e.Function, e.Kind, e.Error)
	for _, a := range e.Attrs() {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return s
}

func TestDissect(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		tr    protocols.Transport
		want  string
		err   error
	}{
		{"connection check", check, protocols.TCP, `0x10000 "" kind=1 err=false`, nil},
		{"connection check answer", checkResp, protocols.TCP, `0x10000 "" kind=2 err=false`, nil},
		{"open initial", openInit, protocols.TCP, `0x0121 "Open Initial" kind=1 err=false network=1 io_number=0x03e0`, nil},
		{"open initial response", openInitResp, protocols.TCP, `0x0121 "Open Initial" kind=2 err=false`, nil},
		{"username login", login, protocols.TCP, `0x0131 "Username Login" kind=1 err=false network=1 io_number=0x03ff`, nil},
		{"username login refused", loginFail, protocols.TCP, `0x0131 "Username Login" kind=2 err=true status=0x0943`, nil},
		{"remote stop", stop, protocols.TCP, `0x1002 "Remote Control Stop" kind=1 err=false network=1 io_number=0x03e0`, nil},
		{"remote stop response", stopResp, protocols.TCP, `0x1002 "Remote Control Stop" kind=2 err=false`, nil},
		{"user registration", addUser, protocols.TCP,
			`0x1133 "User Information Registration" kind=1 err=false network=1 io_number=0x03e0 users=1 access_level=users authorization=token`, nil},
		{"unknown command kept as a number", refused, protocols.TCP, `0x0162 "" kind=2 err=true status=0x0240`, nil},
		{"over UDP", openInit, protocols.UDP, `0x0121 "Open Initial" kind=1 err=false network=1 io_number=0x03e0`, nil},
		{"wrong command header type", with(openInit, 0x15, 0x1d), protocols.TCP, "none", protocols.ErrMalformed},
		{"size field wrong", with(openInit, 0x13, 0x33), protocols.TCP, "none", protocols.ErrMalformed},
		{"not MELSOFT", "0102030405060708", protocols.TCP, "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: hex(tt.frame), Transport: tt.tr}
			if err := melsoft.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	m := protocols.Message{Payload: hex(openInitResp), Transport: protocols.TCP}
	if err := melsoft.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	id, ok := m.Identity()
	if !ok || string(id.Model) != "R08SFCPU        " {
		t.Fatalf("identity %v %q", ok, id.Model)
	}
	// A refused Open Initial, or data that is not text, gives none.
	bad := hex(openInitResp)
	bad[0x2f+6] = 0x01
	for _, b := range [][]byte{bad, hex(openInit), hex(loginFail)} {
		m := protocols.Message{Payload: b, Transport: protocols.TCP}
		if err := melsoft.New().Dissect(&m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m.Identity(); ok {
			t.Errorf("identity from %x", b[:8])
		}
	}
}

func TestFrame(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		n      int
		err    error
	}{
		{"request", openInit, len(hex(openInit)), nil},
		{"response", openInitResp, len(hex(openInitResp)), nil},
		{"header incomplete", openInit[:30], 0, nil},
		{"check", check, 4, nil},
		{"check answer", checkResp, 28, nil},
		{"check cut", "5a00", 0, nil},
		{"one byte", "57", 0, nil},
		{"other check form", "5a000001", 0, protocols.ErrNotPDU},
		{"constant bytes wrong", with(openInit, 6, 0x12)[:14], 0, protocols.ErrNotPDU},
		{"size too small", with(openInit, 0x13, 0x04)[:42], 0, protocols.ErrNotPDU},
		{"not MELSOFT", "0300001602f080", 0, protocols.ErrNotPDU},
	}
	for _, tt := range tests {
		n, err := melsoft.New().Frame(hex(tt.stream))
		if n != tt.n || !errors.Is(err, tt.err) {
			t.Errorf("%s: Frame = %d, %v; want %d, %v", tt.name, n, err, tt.n, tt.err)
		}
	}
}

func TestProbe(t *testing.T) {
	tcp := protocols.Conn{Transport: protocols.TCP, SrcPort: 40000, DstPort: 6000}
	udp := protocols.Conn{Transport: protocols.UDP, SrcPort: 40000, DstPort: 6000}
	tests := []struct {
		name    string
		payload string
		c       protocols.Conn
		want    bool
	}{
		{"request", openInit, tcp, true},
		{"response", openInitResp, tcp, true},
		{"request over UDP", login, udp, true},
		{"request cut short", openInit[:120], tcp, false},
		{"datagram longer than its frame", openInit + "00", udp, false},
		{"connection check alone", check, tcp, false},
		{"wrong command header size", with(openInit, 0x17, 0x17), tcp, false},
		{"SLMP 3E request", "5000 00 ff ff03 00 0c00 1000 0104 0000 640000 a8 0a00", tcp, false},
	}
	for _, tt := range tests {
		if got := melsoft.New().Probe(hex(tt.payload), tt.c); got != tt.want {
			t.Errorf("%s: Probe = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(melsoft.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSegmentation replays a session — connection check, Open Initial,
// a refused login, remote STOP — split across segments every which way,
// on port 5007; and the same without the connection check (which the
// heuristic does not take for MELSOFT on its own) on another port.
func TestSegmentation(t *testing.T) {
	exchange := []protocolstest.PDU{
		{FromClient: true, Data: hex(check)},
		{FromClient: false, Data: hex(checkResp)},
		{FromClient: true, Data: hex(openInit)},
		{FromClient: false, Data: hex(openInitResp)},
		{FromClient: true, Data: hex(login)},
		{FromClient: false, Data: hex(loginFail)},
		{FromClient: true, Data: hex(stop)},
		{FromClient: false, Data: hex(stopResp)},
	}
	for _, port := range []string{"5007", "6000"} {
		t.Run(port, func(t *testing.T) {
			dst := "0a000002:" + port
			want := []string{
				`melsoft 0x0121 "Open Initial" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=0 io_number=0x03e0 network=1`,
				`melsoft 0x0131 "Username Login" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=1 io_number=0x03ff network=1 status=0x0943`,
				`melsoft 0x1002 "Remote Control Stop" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=0 io_number=0x03e0 network=1`,
			}
			ex := exchange[2:]
			if port == "5007" {
				ex = exchange
				want = append(want, `melsoft 0x10000 "unknown" 0a000001:40000>`+dst+` n=2 q=1 r=1 e=0`)
			}
			protocolstest.CheckSegmentation(t, registry(t), "10.0.0.1:40000", "10.0.0.2:"+port, port != "5007", ex, want)
		})
	}
}
