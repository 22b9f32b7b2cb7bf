package ptp_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/ptp"
)

var hex = protocolstest.Hex

// Messages: the header (transportSpecific|messageType, versionPTP,
// messageLength, domain, reserved, flags, correction, reserved, source
// port identity, sequence id, control, log interval), then the body.
const (
	// A Sync of NTT's CC-Link IE TSN capture (802.1AS, domain 0).
	sync = `1012 0036 00 00 0000 0000000000000000 00000000 28e98efffe187158 0001 7f85 05 00
		00000000000000000000 00000000000000000000`
	pdelayReq  = "1212 0036 00 00 0000 0000000000000000 00000000 28e98efffe187158 0001 0010 05 7f 00000000000000000000 00000000000000000000"
	pdelayResp = "1312 0036 00 00 0200 0000000000000000 00000000 28e98efffe7595a7 0001 0010 05 7f 00000000000000000000 28e98efffe1871580001"
	// An Announce of the default profile, domain 4: priority1 128, clock
	// class 248, grandmaster 00:1b:19:ff:fe:00:00:01.
	announce = `0b02 0040 04 00 0000 0000000000000000 00000000 001b19fffe000001 0001 0005 05 01
		00000000000000000000 0025 00 80 f8 fe ffff 80 001b19fffe000001 0000 a0`
	delayReqV1 = `0001 0001 5f44 4546 4155 4c54 0000 0000 0000 0000 01 00 0011 2233 4455 0001 0042 01 00
		0000 0000 0000 0000 0000 0000 0000 0000 0000 0000`
)

func event(m *protocols.Message) string {
	e, ok := m.Event()
	if !ok {
		return "none"
	}
	s := fmt.Sprintf("0x%02x %q kind=%d", e.Code, e.Function, e.Kind)
	for _, a := range e.Attrs() {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return s
}

func TestDissect(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want string
		err  error
	}{
		{"sync", sync, `0x00 "Sync" kind=3 version=2 domain=0 transport_specific=1`, nil},
		{"pdelay request", pdelayReq, `0x02 "Pdelay_Req" kind=1 version=2 domain=0 transport_specific=1`, nil},
		{"pdelay response", pdelayResp, `0x03 "Pdelay_Resp" kind=2 version=2 domain=0 transport_specific=1`, nil},
		{"announce", announce, `0x0b "Announce" kind=3 version=2 domain=4 transport_specific=0 grandmaster=0x001b19fffe000001`, nil},
		{"announce cut to its header", "1b12 0022 00 00 0000 0000000000000000 00000000 28e98efffe187158 0001 0001 05 00",
			`0x0b "Announce" kind=3 version=2 domain=0 transport_specific=1`, nil},
		{"padded to the Ethernet minimum", sync + "000000000000", `0x00 "Sync" kind=3 version=2 domain=0 transport_specific=1`, nil},
		{"undefined message type kept", "1512 0022 00 00 0000 0000000000000000 00000000 28e98efffe187158 0001 0001 05 00",
			`0x05 "" kind=3 version=2 domain=0 transport_specific=1`, nil},
		{"PTPv1 delay request", delayReqV1, `0x101 "Delay_Req (v1)" kind=1 version=1`, nil},
		{"length beyond the message", "1012 0040" + sync[9:], "none", protocols.ErrMalformed},
		{"length below the header", "1012 0010" + sync[9:], "none", protocols.ErrMalformed},
		{"header cut short", "1012 0036 00 00 0000", "none", protocols.ErrMalformed},
		{"version 3", "1013 0036" + sync[9:], "none", protocols.ErrMalformed},
		{"empty", "", "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: hex(tt.msg), Transport: protocols.Ethernet, FromClient: true}
			if err := ptp.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	m := protocols.Message{Payload: hex(announce), Transport: protocols.Ethernet, FromClient: true}
	if err := ptp.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	id, ok := m.Identity()
	if !ok {
		t.Fatal("no identity from an Announce")
	}
	var got []string
	for _, a := range id.Attrs() {
		got = append(got, a.Key+"="+a.Value.String())
	}
	if s := strings.Join(got, " "); s != "clock_identity=0x001b19fffe000001 grandmaster=0x001b19fffe000001 clock_class=248 priority1=128" {
		t.Errorf("identity %s", s)
	}
	m = protocols.Message{Payload: hex(sync), Transport: protocols.Ethernet, FromClient: true}
	if err := ptp.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Identity(); ok {
		t.Error("identity from a Sync")
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(ptp.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTransports runs PTP through the Tracker on EtherType 0x88F7 and on
// UDP 319 and 320: a peer delay exchange counts with the requester as src.
func TestTransports(t *testing.T) {
	a, b := [6]byte{0x28, 0xe9, 0x8e, 0x18, 0x71, 0x58}, [6]byte{0x28, 0xe9, 0x8e, 0x75, 0x95, 0xa7}
	h := protocolstest.New(registry(t), protocols.Options{})
	h.Packet(protocolstest.Frame(a, b, ptp.EtherType, hex(pdelayReq)))
	h.Packet(protocolstest.Frame(b, a, ptp.EtherType, hex(pdelayResp)))
	h.UDP("10.0.0.1:319", "224.0.1.129:319", hex(sync))
	h.UDP("10.0.0.1:320", "224.0.1.129:320", hex(announce))
	events, ids, st := h.Flush()
	var got []string
	for _, e := range events {
		got = append(got, protocolstest.Summary(e)+fmt.Sprintf(" %x>%x", e.SrcMac, e.DstMac))
	}
	want := []string{
		`ptp 0x0000 "Sync" 0a000001:319>e0000181:319 n=1 q=0 r=0 e=0 domain=0 transport_specific=1 version=2 020000000001>020000000081`,
		`ptp 0x000b "Announce" 0a000001:320>e0000181:320 n=1 q=0 r=0 e=0 domain=4 grandmaster=0x001b19fffe000001 transport_specific=0 version=2 020000000001>020000000081`,
		`ptp 0x0002 "Pdelay_Req" :0>:0 n=1 q=1 r=0 e=0 domain=0 transport_specific=1 version=2 28e98e187158>28e98e7595a7`,
		`ptp 0x0003 "Pdelay_Resp" :0>:0 n=1 q=0 r=1 e=0 domain=0 transport_specific=1 version=2 28e98e187158>28e98e7595a7`,
	}
	if st.Malformed != 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events (%d malformed)\n got %q\nwant %q", st.Malformed, got, want)
	}
	if len(ids) != 1 || ids[0].Protocol != ptp.ID {
		t.Errorf("identities %v", ids)
	}
}
