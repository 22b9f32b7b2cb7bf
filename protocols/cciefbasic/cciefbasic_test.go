package cciefbasic_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/cciefbasic"
	"mimamori/protocols/protocolstest"
)

var hex = protocolstest.Hex

// Frames of the NTT capture: the master 172.16.134.128 (group 1, one
// station, parameter number 11, running) and the slave .129's answer.
var (
	cyclicReq = `500000ffff03008600 0000 700e 0000 0100 0000 2400 0000000000000000000000000000
		0100 0000 2baf8d6881010000 808610ac 01 00 d806 f401 0300 0b00 0100 0000 0000 818610ac` +
		strings.Repeat("00", 64+8)
	cyclicResp = `d00000ffff03007a00 0000 0100 0000 2800 0000000000000000000000000000
		0000 0000 00000000 0000 0000 0100 0000 00000000 818610ac 01 00 d806` +
		strings.Repeat("00", 64+8)
)

// withWord returns the frame with the little-endian word at off set to v.
func withWord(frame string, off int, v uint16) []byte {
	b := hex(frame)
	binary.LittleEndian.PutUint16(b[off:], v)
	return b
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
	slaveInfo := hex(cyclicResp)
	binary.LittleEndian.PutUint16(slaveInfo[31:], 0x0001)     // vendor code
	binary.LittleEndian.PutUint32(slaveInfo[35:], 0x12345678) // model code
	binary.LittleEndian.PutUint16(slaveInfo[39:], 0x0003)     // equipment version
	binary.LittleEndian.PutUint16(slaveInfo[45:], 0x0102)     // slave error
	tests := []struct {
		name  string
		frame []byte
		want  string
		err   error
	}{
		{"cyclic request", hex(cyclicReq),
			`0x0e70 "Cyclic Data" kind=1 err=false protocol_version=1 group=1 stations=1 parameter_no=11 master_state=run timeout_ms=500`, nil},
		{"master stopped by user", withWord(cyclicReq, 35, 2),
			`0x0e70 "Cyclic Data" kind=1 err=false protocol_version=1 group=1 stations=1 parameter_no=11 master_state=stopped by user timeout_ms=500`, nil},
		{"master state unknown", withWord(cyclicReq, 35, 7),
			`0x0e70 "Cyclic Data" kind=1 err=false protocol_version=1 group=1 stations=1 parameter_no=11 master_state=0x0007 timeout_ms=500`, nil},
		{"cyclic response", hex(cyclicResp),
			`0x0e70 "Cyclic Data" kind=2 err=false protocol_version=1 group=1 stations=1 slave_state=run`, nil},
		{"master duplication", withWord(cyclicResp, 13, 0xcfe0),
			`0x0e70 "Cyclic Data" kind=2 err=true protocol_version=1 end_code=0xcfe0 group=1 stations=1 slave_state=run`, nil},
		{"slave information", slaveInfo,
			`0x0e70 "Cyclic Data" kind=2 err=false protocol_version=1 group=1 stations=1 slave_state=run slave_error=0x0102`, nil},
		{"other command kept as a number", hex("500000ffff0300 0800 0000 4242 0100 0000"),
			`0x4242 "" kind=1 err=false sub_command=0x0001`, nil},
		{"cyclic request of another layout", withWord(cyclicReq, 19, 40), `0x0e70 "Cyclic Data" kind=1 err=false`, nil},
		{"plain SLMP error response", hex("d00000ffff0300 0b00 59c0 00ffff0300700e0000"),
			`0x0000 "" kind=2 err=true end_code=0xc059`, nil},
		{"length wrong", hex(cyclicReq + "00"), "none", protocols.ErrMalformed},
		{"not 3E", hex("540000ffff0300 0200 0000"), "none", protocols.ErrMalformed},
		{"request too short for its command", hex("500000ffff0300 0200 0000"), "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: tt.frame, Transport: protocols.UDP}
			if err := cciefbasic.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	m := protocols.Message{Payload: hex(cyclicResp), Transport: protocols.UDP}
	if err := cciefbasic.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Identity(); ok {
		t.Error("identity from a slave that reports no vendor or model")
	}
	b := hex(cyclicResp)
	binary.LittleEndian.PutUint16(b[31:], 0x0001)
	binary.LittleEndian.PutUint32(b[35:], 0x12345678)
	binary.LittleEndian.PutUint16(b[39:], 0x0003)
	m = protocols.Message{Payload: b, Transport: protocols.UDP}
	if err := cciefbasic.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	id, ok := m.Identity()
	if !ok {
		t.Fatal("no identity")
	}
	var got []string
	for _, a := range id.Attrs() {
		got = append(got, a.Key+"="+a.Value.String())
	}
	if s := strings.Join(got, " "); s != "vendor_code=0x0001 model_code=0x12345678 equipment_version=0x0003" {
		t.Errorf("identity %s", s)
	}
}

func TestProbe(t *testing.T) {
	udp := protocols.Conn{Transport: protocols.UDP, SrcPort: 40000, DstPort: 40001}
	twoStations := `500000ffff0300d200 0000 700e 0000 0200 0000 2400 0000000000000000000000000000
		0100 0000 2baf8d6881010000 808610ac 01 00 d806 f401 0300 0b00 0200 0300 0000 818610ac 828610ac` +
		strings.Repeat("00", 2*(64+8))
	tests := []struct {
		name    string
		payload []byte
		want    bool
	}{
		{"cyclic request", hex(cyclicReq), true},
		{"cyclic request, two stations", hex(twoStations), true},
		{"cyclic response", hex(cyclicResp), true},
		{"version 2", withWord(cyclicReq, 15, 2), true},
		{"version 3", withWord(cyclicReq, 15, 3), false},
		{"station count not borne out", withWord(cyclicReq, 61, 2), false},
		{"no stations", withWord(cyclicReq, 61, 0), false},
		{"other command", withWord(cyclicReq, 11, 0x0401), false},
		{"sub-command", withWord(cyclicReq, 13, 1), false},
		{"cyclic offset", withWord(cyclicReq, 19, 40), false},
		{"response offset", withWord(cyclicResp, 15, 36), false},
		{"response with end word", withWord(cyclicResp, 9, 0xc059), false},
		{"response not whole stations", hex(cyclicResp + "00"), false},
		{"other module", withWord(cyclicReq, 4, 0x03e0), false},
		{"SLMP device read", hex("500000ffff0300 0c00 1000 0104 0000 640000 a8 0a00"), false},
		{"SLMP response", hex("d00000ffff0300 1600 0000 0100020003000400050006000700080009000a00"), false},
		{"truncated", hex("500000ffff03"), false},
	}
	for _, tt := range tests {
		if got := cciefbasic.New().Probe(tt.payload, udp); got != tt.want {
			t.Errorf("%s: Probe = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(cciefbasic.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestExchange runs a link scan through the Tracker: the master's
// broadcast request and the slave's unicast response, on port 61450 and
// on another port the heuristic finds.
func TestExchange(t *testing.T) {
	for _, port := range []string{"61450", "40000"} {
		t.Run(port, func(t *testing.T) {
			h := protocolstest.New(registry(t), protocols.Options{})
			h.UDP("172.16.134.128:"+port, "172.16.134.255:"+port, hex(cyclicReq))
			h.UDP("172.16.134.129:"+port, "172.16.134.128:"+port, hex(cyclicResp))
			events, _, st := h.Flush()
			want := []string{
				`cclink-ief-basic 0x0e70 "Cyclic Data" ac108680:` + port + `>ac108681:` + port + ` n=1 q=0 r=1 e=0 group=1 protocol_version=1 slave_state=run stations=1`,
				`cclink-ief-basic 0x0e70 "Cyclic Data" ac108680:` + port + `>ac1086ff:` + port + ` n=1 q=1 r=0 e=0 group=1 master_state=run parameter_no=11 protocol_version=1 stations=1 timeout_ms=500`,
			}
			got := protocolstest.Summaries(events)
			if st.Malformed != 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("events (%d malformed)\n got %q\nwant %q", st.Malformed, got, want)
			}
		})
	}
}
