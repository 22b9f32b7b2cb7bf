package slmp_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/slmp"
)

var hex = protocolstest.Hex

// Fixtures: 3E binary frames addressed to the own station (network 0,
// station FF, module 03FF, multidrop 0).
const (
	readD100   = "5000 00 ff ff03 00 0c00 1000 0104 0000 640000 a8 0a00"
	readResp   = "d000 00 ff ff03 00 1600 0000 0100020003000400050006000700080009000a00"
	writeM0    = "5000 00 ff ff03 00 1c00 1000 0114 0100 000000 90 2000 11111111111111111111111111111111"
	writeResp  = "d000 00 ff ff03 00 0200 0000"
	remoteStop = "5000 00 ff ff03 00 0800 1000 0210 0000 0100"
	errorResp  = "d000 00 ff ff03 00 0b00 59c0 00ffff030002100000"
	typeName   = "5000 00 ff ff03 00 0600 1000 0101 0000"
	typeResp   = "d000 00 ff ff03 00 1400 0000 52303443505520202020202020202020 0148"
)

// event renders what Dissect reported.
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

// TestDissect runs each case's messages through one conversation, so
// responses find the request they answer.
func TestDissect(t *testing.T) {
	type msg struct {
		frame string
		want  string
	}
	tests := []struct {
		name string
		msgs []msg
	}{
		{"3E device read", []msg{
			{readD100, `0x0401 "Device Read" kind=1 err=false sub_command=0x0000 read_range=D:100-109`},
			{readResp, `0x0401 "Device Read" kind=2 err=false`},
		}},
		{"3E device write of bits", []msg{
			{writeM0, `0x1401 "Device Write" kind=1 err=false sub_command=0x0001 write_range=M:0-31`},
			{writeResp, `0x1401 "Device Write" kind=2 err=false`},
		}},
		{"remote STOP refused", []msg{
			{remoteStop, `0x1002 "Remote STOP" kind=1 err=false sub_command=0x0000`},
			{errorResp, `0x1002 "Remote STOP" kind=2 err=true end_code=0xc059`},
		}},
		{"response without its request", []msg{
			{readResp, `0x0000 "" kind=2 err=false`},
		}},
		{"two requests outstanding", []msg{
			{readD100, `0x0401 "Device Read" kind=1 err=false sub_command=0x0000 read_range=D:100-109`},
			{remoteStop, `0x1002 "Remote STOP" kind=1 err=false sub_command=0x0000`},
			{readResp, `0x0401 "Device Read" kind=2 err=false`},
			{writeResp, `0x1002 "Remote STOP" kind=2 err=false`},
			{writeResp, `0x0000 "" kind=2 err=false`},
		}},
		{"4E matched by serial", []msg{
			{"5400 3412 0000 00 ff ff03 00 0600 1000 0110 0000", `0x1001 "Remote RUN" kind=1 err=false frame=4e sub_command=0x0000`},
			{"5400 3512 0000 00 ff ff03 00 0600 1000 0610 0000", `0x1006 "Remote RESET" kind=1 err=false frame=4e sub_command=0x0000`},
			{"d400 3512 0000 00 ff ff03 00 0200 0000", `0x1006 "Remote RESET" kind=2 err=false frame=4e`},
			{"d400 3412 0000 00 ff ff03 00 0200 0000", `0x1001 "Remote RUN" kind=2 err=false frame=4e`},
			{"d400 9999 0000 00 ff ff03 00 0200 0000", `0x0000 "" kind=2 err=false frame=4e`},
		}},
		{"iQ-R device write random", []msg{
			// Sub-command 0002: 2 word points and 1 double-word point, each
			// a 4-byte number and 2-byte code, then the value.
			{"5000 00 ff ff03 00 2200 1000 0214 0200 02 01 64000000 a800 0100 c8000000 a800 0200 00100000 b400 01020304",
				`0x1402 "Device Write Random" kind=1 err=false sub_command=0x0002 write_range=D:100-200 write_range=W:4096-4097`},
		}},
		{"device read block", []msg{
			// One word block (D0, 4 words) and one bit block (M16, 2 words).
			{"5000 00 ff ff03 00 1400 1000 0604 0000 01 01 000000 a8 0400 100000 90 0200",
				`0x0406 "Device Read Block" kind=1 err=false sub_command=0x0000 read_range=D:0-3 read_range=M:16-47`},
		}},
		{"unknown device code", []msg{
			{"5000 00 ff ff03 00 0c00 1000 0104 0000 640000 12 0a00",
				`0x0401 "Device Read" kind=1 err=false sub_command=0x0000 read_range=0x12:100-109`},
		}},
		{"ASCII 3E device read", []msg{
			{"35303030 3030 4646 30334646 3030 30303138 30303130 30343031 30303030 442a 303030313030 30303041",
				`0x0401 "Device Read" kind=1 err=false frame=3e_ascii sub_command=0x0000 read_range=D:100-109`},
			{"44303030 3030 4646 30334646 3030 30303034 30303030", `0x0401 "Device Read" kind=2 err=false frame=3e_ascii`},
		}},
		{"ASCII 4E, iQ-R device write", []msg{
			{"35343030 30303031 30303030 3030 4646 30334646 3030 30303230 30303130 31343031 30303032 442a2a2a 3030303030313030 30303031 30303546",
				`0x1401 "Device Write" kind=1 err=false frame=4e_ascii sub_command=0x0002 write_range=D:100`},
			{"44343030 30303031 30303030 3030 4646 30334646 3030 30303034 43303539", `0x1401 "Device Write" kind=2 err=true frame=4e_ascii end_code=0xc059`},
		}},
		{"CC-Link IE TSN", []msg{
			{"68000000000000ffff030000000018000000930e00000000000000000001000040020000ffff0f00",
				`0x0e93 "Cyclic Config" kind=1 err=false frame=tsn sub_command=0x0000`},
			{"e8009400000000ffff030000000010000000940e000000000000000001010000", `0x0e94 "Notification" kind=2 err=false frame=tsn`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var state uint64
			for i, m := range tt.msgs {
				msg := protocols.Message{Payload: hex(m.frame), Transport: protocols.TCP, State: state}
				if err := slmp.New().Dissect(&msg); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				state = msg.State
				if got := event(&msg); got != m.want {
					t.Errorf("message %d\n got %s\nwant %s", i, got, m.want)
				}
			}
		})
	}
}

func TestReadTypeName(t *testing.T) {
	var state uint64
	for _, f := range []string{typeName, typeResp} {
		m := protocols.Message{Payload: hex(f), Transport: protocols.UDP, State: state}
		if err := slmp.New().Dissect(&m); err != nil {
			t.Fatal(err)
		}
		state = m.State
		if f == typeName {
			continue
		}
		id, ok := m.Identity()
		if !ok || string(id.Model) != "R04CPU          " || len(id.Attrs()) != 1 || id.Attrs()[0].Value.String() != "0x4801" {
			t.Errorf("identity %q %v (%v)", id.Model, id.Attrs(), ok)
		}
	}
}

func TestMalformed(t *testing.T) {
	for _, f := range []string{
		"5000 00 ff ff03 00 0c00 1000 0104",      // shorter than its length
		"5000 00 ff ff03 00 0200 1000",           // a request too short for a command
		"5400 3412 0100 00 ff ff03 00 0200 0000", // 4E reserved bytes not zero
		"3530 3030 3030 4646",                    // ASCII cut in its header
		"5700 0000",                              // MELSOFT
	} {
		m := protocols.Message{Payload: hex(f), Transport: protocols.UDP}
		if err := slmp.New().Dissect(&m); !errors.Is(err, protocols.ErrMalformed) {
			t.Errorf("Dissect(%s) = %v, want ErrMalformed", f, err)
		}
	}
}

func TestProbe(t *testing.T) {
	udp := protocols.Conn{Transport: protocols.UDP, SrcPort: 40000, DstPort: 5000}
	tcp := protocols.Conn{Transport: protocols.TCP, SrcPort: 40000, DstPort: 5001}
	tests := []struct {
		name    string
		payload string
		c       protocols.Conn
		want    bool
	}{
		{"3E request", readD100, udp, true},
		{"3E response", readResp, udp, true},
		{"datagram longer than its frame", readD100 + "00", udp, false},
		{"two frames in a segment", readD100 + typeName, tcp, true},
		{"a frame and the start of the next", readD100 + "5000 00 ff", tcp, true},
		{"a frame and something else", readD100 + "47 45 54 20 2f 20 48 54", tcp, false},
		{"unknown command", "5000 00 ff ff03 00 0600 1000 3412 0000", udp, false},
		{"implausible module", "5000 00 ff 3412 00 0600 1000 0101 0000", udp, false},
		{"CC-Link IE Field Basic's port", readD100, protocols.Conn{Transport: protocols.UDP, SrcPort: 61450, DstPort: 61450}, false},
		{"ASCII 3E", "35303030 3030 4646 30334646 3030 30303063 30303130 30313031 30303030", udp, true},
		{"TSN", "68000000000000ffff030000000018000000930e00000000000000000001000040020000ffff0f00", udp, true},
		{"MELSOFT", "5700 1c00 0000 1111 0700 0000 ffff 0300 0000 fe03 0000 1c00", tcp, false},
		{"truncated header", "5000 00 ff", udp, false},
	}
	for _, tt := range tests {
		if got := slmp.New().Probe(hex(tt.payload), tt.c); got != tt.want {
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
		{readD100, 21, nil},
		{"5000 00 ff ff03 00", 0, nil},
		{"d400 3412 0000 00 ff ff03 00 0200", 15, nil},
		{"68000000000000ffff030000000018", 0, nil},
		{"68000000000000ffff03000000001800", 40, nil},
		{"35303030 3030 4646 30334646 3030 30303063", 30, nil},
		{"5700", 0, protocols.ErrNotPDU},
		{"4142 4344", 0, protocols.ErrNotPDU},
	}
	for _, tt := range tests {
		n, err := slmp.New().Frame(hex(tt.stream))
		if n != tt.n || !errors.Is(err, tt.err) {
			t.Errorf("Frame(%s) = %d, %v; want %d, %v", tt.stream, n, err, tt.n, tt.err)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(slmp.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSegmentation replays an engineering session over TCP on port 5001,
// found by the heuristic, split across segments every which way.
func TestSegmentation(t *testing.T) {
	exchange := []protocolstest.PDU{
		{FromClient: true, Data: hex(readD100)},
		{FromClient: false, Data: hex(readResp)},
		{FromClient: true, Data: hex(typeName)},
		{FromClient: false, Data: hex(typeResp)},
		{FromClient: true, Data: hex(writeM0)},
		{FromClient: false, Data: hex(writeResp)},
		{FromClient: true, Data: hex(remoteStop)},
		{FromClient: false, Data: hex(errorResp)},
	}
	protocolstest.CheckSegmentation(t, registry(t), "10.0.0.1:40000", "10.0.0.2:5001", true, exchange, []string{
		`slmp 0x0101 "Read Type Name" 0a000001:40000>0a000002:5001 n=2 q=1 r=1 e=0 sub_command=0x0000`,
		`slmp 0x0401 "Device Read" 0a000001:40000>0a000002:5001 n=2 q=1 r=1 e=0 read_range=D:100-109 sub_command=0x0000`,
		`slmp 0x1002 "Remote STOP" 0a000001:40000>0a000002:5001 n=2 q=1 r=1 e=1 end_code=0xc059 sub_command=0x0000`,
		`slmp 0x1401 "Device Write" 0a000001:40000>0a000002:5001 n=2 q=1 r=1 e=0 sub_command=0x0001 write_range=M:0-31`,
	})
}

// TestTSNVariant checks that CC-Link IE TSN's frames are reported as
// cclink-ie-tsn-slmp, on its ports and wherever else they are found, and
// that other frames stay slmp.
func TestTSNVariant(t *testing.T) {
	const (
		tsnReq  = "68000000000000ffff030000000018000000930e00000000000000000001000040020000ffff0f00"
		tsnResp = "e8009400000000ffff030000000010000000940e000000000000000001010000"
	)
	for _, tt := range []struct {
		frame   string
		variant uint8
	}{
		{tsnReq, 1}, {tsnResp, 1}, {readD100, 0}, {readResp, 0},
	} {
		m := protocols.Message{Payload: hex(tt.frame), Transport: protocols.UDP}
		if err := slmp.New().Dissect(&m); err != nil {
			t.Fatal(err)
		}
		if m.Variant != tt.variant {
			t.Errorf("%s: variant %d, want %d", tt.frame, m.Variant, tt.variant)
		}
	}
	h := protocolstest.New(registry(t), protocols.Options{})
	h.UDP("10.0.0.1:45239", "10.0.0.2:45239", hex(tsnReq))
	h.UDP("10.0.0.2:45239", "10.0.0.1:45239", hex(tsnResp))
	h.UDP("10.0.0.1:40000", "10.0.0.3:5000", hex(tsnReq))
	h.UDP("10.0.0.1:40001", "10.0.0.3:5000", hex(readD100))
	events, _, _ := h.Flush()
	got := protocolstest.Summaries(events)
	want := []string{
		`cclink-ie-tsn-slmp 0x0e93 "Cyclic Config" 0a000001:40000>0a000003:5000 n=1 q=1 r=0 e=0 frame=tsn sub_command=0x0000`,
		`cclink-ie-tsn-slmp 0x0e93 "Cyclic Config" 0a000001:45239>0a000002:45239 n=1 q=1 r=0 e=0 frame=tsn sub_command=0x0000`,
		`cclink-ie-tsn-slmp 0x0e94 "Notification" 0a000001:45239>0a000002:45239 n=1 q=0 r=1 e=0 frame=tsn`,
		`slmp 0x0401 "Device Read" 0a000001:40001>0a000003:5000 n=1 q=1 r=0 e=0 read_range=D:100-109 sub_command=0x0000`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
}
