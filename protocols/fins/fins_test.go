package fins_test

import (
	"errors"
	"fmt"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/fins"
	"mimamori/protocols/protocolstest"
)

var hex = protocolstest.Hex

// FINS frames: ICF RSV GCT DNA DA1 DA2 SNA SA1 SA2 SID, command, data.
const (
	readDM100  = "80 00 02 00 0a 00 00 14 00 01 0101 82 0064 00 0014"
	readResp   = "c0 00 02 00 14 00 00 0a 00 01 0101 0000 0001 0002 0003"
	writeCIO   = "80 00 02 00 0a 00 00 14 00 02 0102 b0 000a 00 0002 1234 5678"
	writeResp  = "c0 00 02 00 14 00 00 0a 00 02 0102 0000"
	stop       = "80 00 02 00 0a 00 00 14 00 03 0402 ffff"
	stopRefuse = "c0 00 02 00 14 00 00 0a 00 03 0402 2102"
	ctlData    = "80 00 02 00 0a 00 00 14 00 04 0501 00"
	ctlResp    = `c0 00 02 00 14 00 00 0a 00 04 0501 0000
		4350314c2d454c323044522d4400000020202020 30312e3030000000000030312e30360000000000`
)

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
		{"memory area read", readDM100, protocols.UDP,
			`0x0101 "Memory Area Read" kind=1 err=false read_range=0x82:100-119`, nil},
		{"memory area read response", readResp, protocols.UDP,
			`0x0101 "Memory Area Read" kind=2 err=false`, nil},
		{"memory area write", writeCIO, protocols.UDP,
			`0x0102 "Memory Area Write" kind=1 err=false write_range=0xb0:10-11`, nil},
		{"bit area write", "80 00 02 00 0a 00 00 14 00 02 0102 30 0064 0e 0004 01 01 01 01", protocols.UDP,
			`0x0102 "Memory Area Write" kind=1 err=false write_range=0x30:100-101`, nil},
		{"multiple memory area read", "80 00 02 00 0a 00 00 14 00 05 0104 82 0064 00 82 0010 00 b0 0001 00", protocols.UDP,
			`0x0104 "Multiple Memory Area Read" kind=1 err=false read_range=0x82:16-100 read_range=0xb0:1`, nil},
		{"memory area transfer", "80 00 02 00 0a 00 00 14 00 06 0105 82 0000 00 82 1000 00 0010", protocols.UDP,
			`0x0105 "Memory Area Transfer" kind=1 err=false read_range=0x82:0-15 write_range=0x82:4096-4111`, nil},
		{"STOP", stop, protocols.UDP, `0x0402 "STOP" kind=1 err=false`, nil},
		{"STOP refused", stopRefuse, protocols.UDP, `0x0402 "STOP" kind=2 err=true end_code=0x2102`, nil},
		{"end code flags alone are no error", "c0 00 02 00 14 00 00 0a 00 03 0401 00c0", protocols.UDP,
			`0x0401 "RUN" kind=2 err=false`, nil},
		{"relay error", "c0 00 02 00 14 00 00 0a 00 03 0401 8101", protocols.UDP,
			`0x0401 "RUN" kind=2 err=true end_code=0x0101`, nil},
		{"unknown command kept as a number", "80 00 02 00 0a 00 00 14 00 07 4242", protocols.UDP,
			`0x4242 "" kind=1 err=false`, nil},
		{"response cut before its end code", "c0 00 02 00 14 00 00 0a 00 03 0401", protocols.UDP,
			`0x0401 "RUN" kind=2 err=false`, nil},
		{"FINS/TCP frame", "46494e53 0000001a 00000002 00000000 " + readDM100, protocols.TCP,
			`0x0101 "Memory Area Read" kind=1 err=false read_range=0x82:100-119`, nil},
		{"FINS/TCP node address (client)", "46494e53 0000000c 00000000 00000000 00000000", protocols.TCP,
			`0x10000 "FINS/TCP Node Address Data Send (Client)" kind=1 err=false client_node=0`, nil},
		{"FINS/TCP node address (server)", "46494e53 00000010 00000001 00000000 000000fb 000000c8", protocols.TCP,
			`0x10001 "FINS/TCP Node Address Data Send (Server)" kind=2 err=false client_node=251 server_node=200`, nil},
		{"FINS/TCP error notification", "46494e53 00000008 00000003 00000021", protocols.TCP,
			`0x10003 "FINS/TCP Frame Send Error Notification" kind=2 err=true tcp_error=0x21`, nil},
		{"too short", "80 00 02 00 0a 00 00 14 00", protocols.UDP, "none", protocols.ErrMalformed},
		{"FINS/TCP length wrong", "46494e53 00000030 00000002 00000000 " + readDM100, protocols.TCP, "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: hex(tt.frame), Transport: tt.tr}
			if err := fins.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestControllerData(t *testing.T) {
	tests := []struct {
		name     string
		request  string // "" when not seen
		response string
		model    string // "" for no identity
		version  string
	}{
		{"model and version", ctlData, ctlResp, "CP1L-EL20DR-D", "01.00"},
		{"request not seen", "", ctlResp, "CP1L-EL20DR-D", "01.00"},
		{"area data only", "80 00 02 00 0a 00 00 14 00 04 0501 01",
			"c0 00 02 00 14 00 00 0a 00 04 0501 0000 0000 0001 0002 0003 0004 0005 0006 0007 0008 0009 000a", "", ""},
		{"area data, request not seen", "",
			"c0 00 02 00 14 00 00 0a 00 04 0501 0000 0000 0001 0002 0003 0004 0005 0006 0007 0008 0009 000a", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var state uint64
			if tt.request != "" {
				m := protocols.Message{Payload: hex(tt.request), Transport: protocols.UDP}
				if err := fins.New().Dissect(&m); err != nil {
					t.Fatal(err)
				}
				state = m.State
			}
			m := protocols.Message{Payload: hex(tt.response), Transport: protocols.UDP, State: state}
			if err := fins.New().Dissect(&m); err != nil {
				t.Fatal(err)
			}
			id, ok := m.Identity()
			switch {
			case tt.model == "" && ok:
				t.Errorf("identity %q from area data", id.Model)
			case tt.model != "" && !ok:
				t.Error("no identity")
			case ok && (string(protocolsTrim(id.Model)) != tt.model || string(protocolsTrim(id.Firmware)) != tt.version):
				t.Errorf("model %q version %q", id.Model, id.Firmware)
			}
		})
	}
}

// protocolsTrim cuts a fixed-width field at its first NUL, as the Tracker
// does when it keeps the text.
func protocolsTrim(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

func TestProbe(t *testing.T) {
	udp := protocols.Conn{Transport: protocols.UDP, SrcPort: 40000, DstPort: 9601}
	tcp := protocols.Conn{Transport: protocols.TCP, SrcPort: 40000, DstPort: 9601}
	tests := []struct {
		name    string
		payload string
		c       protocols.Conn
		want    bool
	}{
		{"command", readDM100, udp, true},
		{"response", readResp, udp, true},
		{"command without response wanted", "81" + readDM100[2:], udp, true},
		{"gateway bit clear", "00" + readDM100[2:], udp, false},
		{"reserved ICF bits", "90" + readDM100[2:], udp, false},
		{"reserved byte", "80 01" + readDM100[5:], udp, false},
		{"gateway count 3", "80 00 03" + readDM100[8:], udp, false},
		{"unknown command", "80 00 02 00 0a 00 00 14 00 07 4242", udp, false},
		{"response without end code", "c0 00 02 00 14 00 00 0a 00 03 0401", udp, false},
		{"FINS/TCP node address", "46494e53 0000000c 00000000 00000000 00000000", tcp, true},
		{"FINS/TCP frame", "46494e53 0000001a 00000002 00000000 " + readDM100, tcp, true},
		{"FINS/TCP frame not FINS", "46494e53 00000014 00000002 00000000 0102030405060708090a0b0c", tcp, false},
		{"FINS/TCP cut short", "46494e53 0000001c 00000002", tcp, false},
		{"SLMP 3E response", "d000 00 ff ff03 00 0200 0000", udp, false},
	}
	for _, tt := range tests {
		if got := fins.New().Probe(hex(tt.payload), tt.c); got != tt.want {
			t.Errorf("%s: Probe = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(fins.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tcpFrame wraps a FINS frame in its FINS/TCP header.
func tcpFrame(frame string) []byte {
	f := hex(frame)
	h := hex(fmt.Sprintf("46494e53 %08x 00000002 00000000", 8+len(f)))
	return append(h, f...)
}

// TestSegmentation replays a FINS/TCP session — node address exchange,
// then commands — split across segments every which way, on port 9600
// and on another port the heuristic finds.
func TestSegmentation(t *testing.T) {
	exchange := []protocolstest.PDU{
		{FromClient: true, Data: hex("46494e53 0000000c 00000000 00000000 00000000")},
		{FromClient: false, Data: hex("46494e53 00000010 00000001 00000000 0000000a 00000014")},
		{FromClient: true, Data: tcpFrame(readDM100)},
		{FromClient: false, Data: tcpFrame(readResp)},
		{FromClient: true, Data: tcpFrame(ctlData)},
		{FromClient: false, Data: tcpFrame(ctlResp)},
		{FromClient: true, Data: tcpFrame(stop)},
		{FromClient: false, Data: tcpFrame(stopRefuse)},
	}
	for _, port := range []string{"9600", "9700"} {
		t.Run(port, func(t *testing.T) {
			dst := "0a000002:" + port
			protocolstest.CheckSegmentation(t, registry(t), "10.0.0.1:40000", "10.0.0.2:"+port, port != "9600", exchange, []string{
				`fins 0x0101 "Memory Area Read" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=0 read_range=0x82:100-119`,
				`fins 0x0402 "STOP" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=1 end_code=0x2102`,
				`fins 0x0501 "Controller Data Read" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=0`,
				`fins 0x10000 "FINS/TCP Node Address Data Send (Client)" 0a000001:40000>` + dst + ` n=1 q=1 r=0 e=0 client_node=0`,
				`fins 0x10001 "FINS/TCP Node Address Data Send (Server)" 0a000001:40000>` + dst + ` n=1 q=0 r=1 e=0 client_node=10 server_node=20`,
			})
		})
	}
}
