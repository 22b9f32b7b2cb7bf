package modbus_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/modbus"
	"mimamori/protocols/protocolstest"
)

var hex = protocolstest.Hex

// event renders what Dissect reported: "code name kind error details".
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

func TestDissect(t *testing.T) {
	tests := []struct {
		name       string
		adu        string
		fromClient bool
		state      uint64
		want       string
		err        error
	}{
		{"read holding registers request", "0001 0000 0006 01 03 0064 000a", true, 0,
			`3 "Read Holding Registers" kind=0 err=false unit_id=1 read_range=100-109`, nil},
		{"read holding registers response", "0001 0000 0007 01 03 04 002a 0007", false, 0,
			`3 "Read Holding Registers" kind=0 err=false unit_id=1`, nil},
		{"write single coil", "0002 0000 0006 11 05 00ac ff00", true, 0,
			`5 "Write Single Coil" kind=0 err=false unit_id=17 write_range=172`, nil},
		{"write multiple registers", "0003 0000 000b 01 10 0010 0002 04 000a 0102", true, 0,
			`16 "Write Multiple Registers" kind=0 err=false unit_id=1 write_range=16-17`, nil},
		{"read/write multiple registers", "0004 0000 0011 01 17 0003 0006 000e 0003 06 00ff 00ff 00ff", true, 0,
			`23 "Read/Write Multiple Registers" kind=0 err=false unit_id=1 read_range=3-8 write_range=14-16`, nil},
		{"diagnostics: force listen only", "0005 0000 0006 0a 08 0004 0000", true, 0,
			`8 "Diagnostics" kind=0 err=false unit_id=10 sub_function=0x0004`, nil},
		{"exception", "0006 0000 0003 01 81 02", false, 0,
			`1 "Read Coils" kind=2 err=true unit_id=1 exception=0x02`, nil},
		{"exception of an unknown function", "0006 0000 0003 01 c7 01", false, 0,
			`71 "" kind=2 err=true unit_id=1 exception=0x01`, nil},
		{"unknown function kept as a number", "0007 0000 0002 01 41", true, 0,
			`65 "" kind=0 err=false unit_id=1`, nil},
		{"read device identification request", "0008 0000 0005 01 2b 0e 01 00", true, 0,
			`43 "Encapsulated Interface Transport" kind=0 err=false unit_id=1 mei_type=0x0e`, nil},
		{"UMAS request remembers its function", "0009 0000 0004 00 5a 00 41", true, 0,
			`90 "Schneider UMAS" kind=0 err=false unit_id=0 umas_function=0x41`, nil},
		{"UMAS error response", "0009 0000 0005 00 5a 00 fd 01", false, 0x100 | 0x41,
			`90 "Schneider UMAS" kind=0 err=true unit_id=0 umas_function=0x41`, nil},
		{"UMAS response without its request", "0009 0000 0004 00 5a 00 fe", false, 0,
			`90 "Schneider UMAS" kind=0 err=false unit_id=0`, nil},
		{"protocol id not 0", "0001 0001 0006 01 03 0000 000a", true, 0, "none", protocols.ErrMalformed},
		{"length beyond the ADU", "0001 0000 0009 01 03 0000 000a", true, 0, "none", protocols.ErrMalformed},
		{"too short", "0001 0000 0001 01", true, 0, "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: hex(tt.adu), Transport: protocols.TCP, FromClient: tt.fromClient, State: tt.state}
			err := modbus.New().Dissect(&m)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestDeviceIdentification(t *testing.T) {
	// The response of icsnpp's modbus_example capture: vendor, product
	// code and revision (basic objects).
	adu := hex(`0017 0000 003d 01 2b 0e 01 83 00 00 03
		00 10 5a65656b204d6f646275732054657374
		01 18 50726f746f636f6c2050617273696e672069732066756e21
		02 07 312e322e332e36`)
	m := protocols.Message{Payload: adu, Transport: protocols.TCP}
	if err := modbus.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	id, ok := m.Identity()
	if !ok {
		t.Fatal("no identity")
	}
	got := []string{string(id.Vendor), string(id.Model), string(id.Firmware), string(id.Product)}
	want := []string{"Zeek Modbus Test", "Protocol Parsing is fun!", "1.2.3.6", ""}
	if !slices.Equal(got, want) {
		t.Errorf("identity %q, want %q", got, want)
	}
	// Regular objects name the product and model; a truncated object list
	// keeps what came before the cut.
	adu = hex(`0017 0000 001d 01 2b 0e 02 83 00 00 04
		00 03 414243  04 03 504c43  05 02 5831  06 09 6c696e6531`)
	m = protocols.Message{Payload: adu, Transport: protocols.TCP}
	if err := modbus.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	id, _ = m.Identity()
	got = []string{string(id.Vendor), string(id.Product), string(id.Model), string(id.Name)}
	want = []string{"ABC", "PLC", "X1", ""}
	if !slices.Equal(got, want) {
		t.Errorf("identity %q, want %q", got, want)
	}
}

func TestProbe(t *testing.T) {
	tcp := protocols.Conn{Transport: protocols.TCP, SrcPort: 40000, DstPort: 5020}
	tests := []struct {
		name    string
		payload string
		want    bool
	}{
		{"read request", "0001 0000 0006 01 03 0000 000a", true},
		{"read response", "0001 0000 0007 01 03 04 002a 0007", true},
		{"two requests", "0001 0000 0006 01 03 0000 000a 0002 0000 0006 01 04 0000 0001", true},
		{"request and a partial one", "0001 0000 0006 01 03 0000 000a 0002 00", true},
		{"exception", "0001 0000 0003 01 83 02", true},
		{"read request of the wrong length", "0001 0000 0007 01 03 0000 000a 00", false},
		{"user-defined function", "0001 0000 0002 01 41", false},
		{"protocol id not 0", "0001 0001 0006 01 03 0000 000a", false},
		{"length past the segment", "0001 0000 0008 01 03 0000 000a", false},
		{"second frame invalid", "0001 0000 0006 01 03 0000 000a ffff 0001 0006", false},
		{"too short", "0001 0000", false},
		{"http", "474554202f20485454502f312e300d0a0d0a", false},
	}
	for _, tt := range tests {
		if got := modbus.New().Probe(hex(tt.payload), tcp); got != tt.want {
			t.Errorf("%s: Probe = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFrame(t *testing.T) {
	tests := []struct {
		stream string
		n      int
		err    error
	}{
		{"0001 0000 0006 01 03 0000 000a", 12, nil},
		{"0001 0000 0006 01", 12, nil},
		{"0001 0000", 0, nil},
		{"0001 0000 00ff", 261, nil},
		{"0001 0000 0001", 0, protocols.ErrNotPDU},
		{"0001 0002 0006", 0, protocols.ErrNotPDU},
		{"0001 0000 ffff", 0, protocols.ErrNotPDU},
	}
	for _, tt := range tests {
		n, err := modbus.New().Frame(hex(tt.stream))
		if n != tt.n || !errors.Is(err, tt.err) {
			t.Errorf("Frame(%s) = %d, %v; want %d, %v", tt.stream, n, err, tt.n, tt.err)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(modbus.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSegmentation replays a poll (read, write, device identification,
// exception) split across segments every which way, on port 502 and on a
// port only the heuristic finds.
func TestSegmentation(t *testing.T) {
	exchange := []protocolstest.PDU{
		{FromClient: true, Data: hex("0001 0000 0006 01 03 0064 000a")},
		{FromClient: false, Data: hex("0001 0000 0017 01 03 14 0001 0002 0003 0004 0005 0006 0007 0008 0009 000a")},
		{FromClient: true, Data: hex("0002 0000 000b 01 10 0010 0002 04 000a 0102")},
		{FromClient: false, Data: hex("0002 0000 0006 01 10 0010 0002")},
		{FromClient: true, Data: hex("0003 0000 0005 01 2b 0e 01 00")},
		{FromClient: false, Data: hex("0003 0000 0011 01 2b 0e 01 01 00 00 01 00 07 56656e646f7241")},
		{FromClient: true, Data: hex("0004 0000 0006 01 01 0000 0008")},
		{FromClient: false, Data: hex("0004 0000 0003 01 81 02")},
	}
	reg := registry(t)
	for _, port := range []string{"502", "5020"} {
		t.Run(port, func(t *testing.T) {
			server := "10.0.0.2:" + port
			dst := "0a000002:" + port
			// Off port 502 the conversation is found by its first PDU,
			// which must therefore arrive whole.
			firstWhole := port != "502"
			protocolstest.CheckSegmentation(t, reg, "10.0.0.1:40000", server, firstWhole, exchange, []string{
				`modbus 0x0001 "Read Coils" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=1 exception=0x02 read_range=0-7 unit_id=1`,
				`modbus 0x0003 "Read Holding Registers" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=0 read_range=100-109 unit_id=1`,
				`modbus 0x0010 "Write Multiple Registers" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=0 unit_id=1 write_range=16-17`,
				`modbus 0x002b "Encapsulated Interface Transport" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=0 mei_type=0x0e unit_id=1`,
			})
		})
	}
}
