package iec104_test

import (
	"errors"
	"fmt"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/iec104"
	"mimamori/protocols/protocolstest"
)

var hex = protocolstest.Hex

// APDUs: start, length, four control octets, then the ASDU: type, VSQ,
// COT (cause, originator), common address (LE), objects (3-byte IOA and
// element).
const (
	startDTAct = "68 04 07 000000"
	startDTCon = "68 04 0b 000000"
	testFRAct  = "68 04 43 000000"
	testFRCon  = "68 04 83 000000"
	stopDTAct  = "68 04 13 000000"
	sFrame     = "68 04 01 00 0200"
	// General interrogation (C_IC_NA_1, QOI 20) to common address 3.
	interrogation = "68 0e 0000 0000 64 01 06 00 0300 000000 14"
	interroCon    = "68 0e 0000 0200 64 01 07 00 0300 000000 14"
	// Three single points (M_SP_NA_1) as a sequence from IOA 100, in reply
	// to the interrogation.
	points = "68 10 0200 0200 01 83 14 00 0300 640000 01 00 01"
	// Single command (C_SC_NA_1), execute ON, IOA 4500, and its
	// confirmation, positive and negative.
	singleCommand = "68 0e 0200 0200 2d 01 06 00 0300 941100 01"
	commandCon    = "68 0e 0400 0400 2d 01 07 00 0300 941100 01"
	commandNeg    = "68 0e 0400 0400 2d 01 47 00 0300 941100 01"
	// Clock synchronisation with a CP56Time2a.
	clockSync = "68 14 0400 0400 67 01 06 00 0300 000000 0000 1e 0c 0d 08 09"
)

func event(m *protocols.Message) string {
	e, ok := m.Event()
	if !ok {
		return "none"
	}
	s := fmt.Sprintf("0x%02x %q kind=%d err=%v", e.Code, e.Function, e.Kind, e.Error)
	for _, a := range e.Attrs() {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return s
}

func TestDissect(t *testing.T) {
	tests := []struct {
		name string
		apdu string
		want string
		err  error
	}{
		{"STARTDT act", startDTAct, `0x107 "STARTDT act" kind=1 err=false`, nil},
		{"STARTDT con", startDTCon, `0x10b "STARTDT con" kind=2 err=false`, nil},
		{"STOPDT act", stopDTAct, `0x113 "STOPDT act" kind=1 err=false`, nil},
		{"STOPDT con", "68 04 23 000000", `0x123 "STOPDT con" kind=2 err=false`, nil},
		{"TESTFR act", testFRAct, `0x143 "TESTFR act" kind=1 err=false`, nil},
		{"TESTFR con", testFRCon, `0x183 "TESTFR con" kind=2 err=false`, nil},
		{"U-format with two functions", "68 04 0f 000000", `0x10f "" kind=2 err=false`, nil},
		{"S-format", sFrame, `0x201 "S-format" kind=3 err=false`, nil},
		{"interrogation", interrogation,
			`0x64 "C_IC_NA_1" kind=1 err=false cot=6 common_address=3 ioa=0`, nil},
		{"interrogation confirmed", interroCon,
			`0x64 "C_IC_NA_1" kind=2 err=false cot=7 common_address=3 ioa=0`, nil},
		{"interrogated points", points, `0x01 "M_SP_NA_1" kind=2 err=false cot=20 common_address=3`, nil},
		{"spontaneous", "68 0e 0600 0200 01 01 03 00 0300 650000 01", `0x01 "M_SP_NA_1" kind=3 err=false cot=3 common_address=3`, nil},
		{"single command", singleCommand,
			`0x2d "C_SC_NA_1" kind=1 err=false cot=6 common_address=3 ioa=4500 mode=execute`, nil},
		{"single command confirmed", commandCon,
			`0x2d "C_SC_NA_1" kind=2 err=false cot=7 common_address=3 ioa=4500 mode=execute`, nil},
		{"single command refused", commandNeg,
			`0x2d "C_SC_NA_1" kind=2 err=true cot=7 common_address=3 ioa=4500 mode=execute`, nil},
		{"unknown information object", "68 0e 0400 0400 2d 01 2f 00 0300 941100 01",
			`0x2d "C_SC_NA_1" kind=2 err=true cot=47 common_address=3 ioa=4500 mode=execute`, nil},
		{"set points, one IOA each", "68 1a 0600 0400 32 02 06 00 0300 9c1300 0000803f 00 a01300 00000040 00",
			`0x32 "C_SE_NC_1" kind=1 err=false cot=6 common_address=3 ioa=5020-5024 mode=execute`, nil},
		{"double command, select", "68 0e 0200 0200 2e 01 06 00 0300 b81100 82",
			`0x2e "C_DC_NA_1" kind=1 err=false cot=6 common_address=3 ioa=4536 mode=select`, nil},
		{"clock synchronisation", clockSync,
			`0x67 "C_CS_NA_1" kind=1 err=false cot=6 common_address=3 ioa=0`, nil},
		{"reset process", "68 0e 0600 0400 69 01 06 00 0300 000000 01",
			`0x69 "C_RP_NA_1" kind=1 err=false cot=6 common_address=3 ioa=0`, nil},
		{"unknown type kept as a number", "68 0e 0600 0400 c8 01 06 00 0300 000000 01",
			`0xc8 "" kind=1 err=false cot=6 common_address=3 ioa=0`, nil},
		{"ASDU cut short", "68 06 0000 0000 18 18", "none", protocols.ErrMalformed},
		{"length wrong", "68 0f 0000 0000 64 01 06 00 0300 000000 14", "none", protocols.ErrMalformed},
		{"not a start byte", "69 04 07 000000", "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: hex(tt.apdu), Transport: protocols.TCP}
			if err := iec104.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestProbe(t *testing.T) {
	tcp := protocols.Conn{Transport: protocols.TCP, SrcPort: 40000, DstPort: 2405}
	tests := []struct {
		name    string
		payload string
		want    bool
	}{
		{"STARTDT act", startDTAct, true},
		{"TESTFR con", testFRCon, true},
		{"S-format", sFrame, true},
		{"interrogation", interrogation, true},
		{"two APDUs", interrogation + interroCon, true},
		{"U-format with two functions", "68 04 0f 000000", false},
		{"U-format with a sequence number", "68 04 07 000100", false},
		{"S-format, reserved octet", "68 04 01 01 0200", false},
		{"S-format, too long", "68 05 01 00 0200 00", false},
		{"unknown type", "68 0e 0600 0400 c8 01 06 00 0300 000000 01", false},
		{"no objects", "68 0e 0600 0400 64 00 06 00 0300 000000 14", false},
		{"cause 0", "68 0e 0600 0400 64 01 00 00 0300 000000 14", false},
		{"cut short", "68 0e 0000 0000 64 01 06 00", false},
		{"length below 4", "68 03 07 0000", false},
		{"Modbus", "0001 0000 0006 01 03 0000 000a", false},
	}
	for _, tt := range tests {
		if got := iec104.New().Probe(hex(tt.payload), tcp); got != tt.want {
			t.Errorf("%s: Probe = %v, want %v", tt.name, got, tt.want)
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
		{"U-format", startDTAct, 6, nil},
		{"I-format", interrogation, 16, nil},
		{"header only", "68 0e", 16, nil},
		{"start byte only", "68", 0, nil},
		{"not IEC 104", "05 64 05", 0, protocols.ErrNotPDU},
		{"length below 4", "68 02", 0, protocols.ErrNotPDU},
		{"length above 253", "68 fe", 0, protocols.ErrNotPDU},
	}
	for _, tt := range tests {
		n, err := iec104.New().Frame(hex(tt.stream))
		if n != tt.n || !errors.Is(err, tt.err) {
			t.Errorf("%s: Frame = %d, %v; want %d, %v", tt.name, n, err, tt.n, tt.err)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(iec104.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSegmentation replays an IEC 104 session — STARTDT, general
// interrogation with its replies, a single command, test frames and
// acknowledgements — split across segments every which way, on port 2404
// and on another port the heuristic finds.
func TestSegmentation(t *testing.T) {
	exchange := []protocolstest.PDU{
		{FromClient: true, Data: hex(startDTAct)},
		{FromClient: false, Data: hex(startDTCon)},
		{FromClient: true, Data: hex(interrogation)},
		{FromClient: false, Data: hex(interroCon)},
		{FromClient: false, Data: hex(points)},
		{FromClient: true, Data: hex(sFrame)},
		{FromClient: true, Data: hex(singleCommand)},
		{FromClient: false, Data: hex(commandNeg)},
		{FromClient: false, Data: hex(testFRAct)},
		{FromClient: true, Data: hex(testFRCon)},
	}
	for _, port := range []string{"2404", "2405"} {
		t.Run(port, func(t *testing.T) {
			dst := "0a000002:" + port
			protocolstest.CheckSegmentation(t, registry(t), "10.0.0.1:40000", "10.0.0.2:"+port, port != "2404", exchange, []string{
				`iec104 0x0001 "M_SP_NA_1" 0a000001:40000>` + dst + ` n=1 q=0 r=1 e=0 common_address=3 cot=20`,
				`iec104 0x002d "C_SC_NA_1" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=1 common_address=3 cot=6,7 ioa=4500 mode=execute`,
				`iec104 0x0064 "C_IC_NA_1" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=0 common_address=3 cot=6,7 ioa=0`,
				`iec104 0x0107 "STARTDT act" 0a000001:40000>` + dst + ` n=1 q=1 r=0 e=0`,
				`iec104 0x010b "STARTDT con" 0a000001:40000>` + dst + ` n=1 q=0 r=1 e=0`,
				`iec104 0x0201 "S-format" 0a000001:40000>` + dst + ` n=1 q=0 r=0 e=0`,
				`iec104 0x0143 "TESTFR act" ` + dst + `>0a000001:40000 n=1 q=1 r=0 e=0`,
				`iec104 0x0183 "TESTFR con" ` + dst + `>0a000001:40000 n=1 q=0 r=1 e=0`,
			})
		})
	}
}
