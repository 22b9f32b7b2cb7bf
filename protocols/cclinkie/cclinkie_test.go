package cclinkie_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/cclinkie"
	"mimamori/protocols/protocolstest"
)

var hex = protocolstest.Hex

// field builds a frame with the field-style header: type, data type,
// node id, connection info, node type, source node number, protocol
// version type, then zeros to pad the frame to size bytes (HEC and body).
func field(typ, dataType byte, nodeID uint16, conn, nodeType byte, src uint16, version byte, size int) []byte {
	b := hex(fmt.Sprintf("%02x %02x %04x %02x %02x %04x %02x 00", typ, dataType, nodeID, conn, nodeType, src, version))
	return append(b, make([]byte, size-len(b))...)
}

// with sets bytes of a frame from off on.
func with(b []byte, off int, v ...byte) []byte {
	copy(b[off:], v)
	return b
}

// Frames of NTT's IE TSN capture.
const (
	detection    = "c1000000002028e98e18715828e98e18715801000000c0a803fdffffff0000000000000000000000000000000000000000000000000000000000"
	detectionAck = `c2000101200128e98e7595a7000028e98e18715801010201080003000000000000000000000010000000000000000000000028e98e1871580000
		c0a80301ffffff0000000000000000000000000000000000000000000000000000000000000000000000000000030000d2f8fe436ad20b00fdfdfa
		00000100005fff0814000000030007302000000040000000000006f80000000030000000000000026000040008000000040008000000080000660
		0000000000000bd0108000000000828e98e187158010000000000`
	cyclicM     = "c44e03fd000000000000030181200000000000000000000000300000000000000000"
	tsnTestData = "1101000000030000020000000000000c29a8c1f0010000000000000000000000000000000000000000000000000000000000"
	tsnFieldAck = "1201000000030000030000000000000c29a8c1f0010200017fff000000000000000000"
	controlAck  = "1201000000000002000000000000000c29a8c1f0010200017fff000000000000000000"
)

func event(m *protocols.Message) string {
	e, ok := m.Event()
	if !ok {
		return "none"
	}
	s := fmt.Sprintf("v%d 0x%02x %q kind=%d", m.Variant, e.Code, e.Function, e.Kind)
	for _, a := range e.Attrs() {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return s
}

func TestDissect(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		want  string
		err   error
	}{
		{"token", field(0x15, 0x01, 3, 0, 0, 3, 0x01, 62), `v0 0x15 "Token" kind=3 node_id=3 src_node=0x0003`, nil},
		{"persuasion from the master", field(0x10, 0x01, 0, 0, '0', 1, 0x01, 62),
			`v0 0x10 "Persuasion" kind=3 src_node=0x0001 node_type=master node`, nil},
		{"test data", field(0x11, 0x01, 0, 0, '4', 2, 0x01, 62),
			`v0 0x11 "Test Data" kind=1 src_node=0x0002 node_type=remote device node`, nil},
		{"myStatus, unknown node type", field(0x20, 0x02, 5, 1, '9', 5, 0x01, 62),
			`v0 0x20 "My Status" kind=3 node_id=5 src_node=0x0005 node_type=0x39`, nil},
		{"cyclic RWw", field(0x82, 0x00, 0, 0, 0, 0, 0x01, 62), `v0 0x82 "Cyclic Data RWw" kind=3 node_id=0 src_node=0x0000`, nil},
		{"timer", field(0x1c, 0x01, 0, 0, 0, 0x10, 0x01, 62), `v0 0x1c "Timer" kind=3 src_node=0x0010`, nil},
		{"transient2 stop", with(field(0x25, 0x04, 1, 0x13, 0, 1, 0x01, 62), 36, 0x09),
			`v0 0x25 "Transient 2" kind=3 node_id=1 src_node=0x0001 connection_info=0x13 command=stop`, nil},
		{"transient2 write memory", with(field(0x25, 0x04, 1, 0x13, 0, 1, 0x01, 62), 36, 0x12),
			`v0 0x25 "Transient 2" kind=3 node_id=1 src_node=0x0001 connection_info=0x13 command=write memory`, nil},
		{"transient2 message transfer", with(field(0x25, 0x04, 1, 0x13, 0, 1, 0x01, 62), 36, 0x20),
			`v0 0x25 "Transient 2" kind=3 node_id=1 src_node=0x0001 connection_info=0x13 command=message transfer`, nil},
		{"IE Control has no message transfer", with(field(0x25, 0x04, 1, 0x13, 0, 1, 0x00, 62), 36, 0x20),
			`v1 0x25 "Transient 2" kind=3 node_id=1 src_node=0x0001 connection_info=0x13 command=0x20`, nil},
		{"transient2 cut before its command", field(0x25, 0x04, 1, 0x13, 0, 1, 0x01, 20),
			`v0 0x25 "Transient 2" kind=3 node_id=1 src_node=0x0001 connection_info=0x13`, nil},
		{"transient1 SLMP request", with(field(0x22, 0x05, 1, 0x13, 0, 1, 0x01, 62), 52, 0x30),
			`v0 0x22 "Transient 1" kind=1 node_id=1 src_node=0x0001 connection_info=0x13 data_type=0x05 command=SLMP transmit request`, nil},
		{"transient1 SLMP response", with(field(0x22, 0x05, 1, 0x13, 0, 1, 0x01, 62), 52, 0xb0),
			`v0 0x22 "Transient 1" kind=2 node_id=1 src_node=0x0001 connection_info=0x13 data_type=0x05 command=SLMP transmit response`, nil},
		{"transient1 field command response", with(field(0x22, 0x07, 1, 0x13, 0, 1, 0x01, 62), 30, 0x03, 0x80),
			`v0 0x22 "Transient 1" kind=2 node_id=1 src_node=0x0001 connection_info=0x13 data_type=0x07 command=get statistical information`, nil},
		{"transient1 motion object write", with(field(0x22, 0x08, 1, 0x13, 0, 1, 0x01, 62), 30, 0x03, 0x00),
			`v0 0x22 "Transient 1" kind=1 node_id=1 src_node=0x0001 connection_info=0x13 data_type=0x08 command=object write`, nil},
		{"IE Control in the field-style header", field(0x10, 0x01, 0, 0, 0x02, 7, 0x00, 62),
			`v1 0x10 "Persuasion" kind=3 src_node=0x0007 node_type=normal node`, nil},
		{"IE Control frame", hex("06 00 000001 00 0004 0000 00000000 0000"), `v1 0x06 "Token (Control)" kind=3 src_node=0x0004`, nil},
		{"IE Control cyclic", hex("80 00 000001 00 0004 0000 00000000 0000"), `v1 0x80 "Cyclic Data W" kind=3 src_node=0x0004`, nil},
		{"IE TSN test data", hex(tsnTestData), `v2 0x11 "Acyclic Test Data" kind=1 src_node=0x0000`, nil},
		{"IE TSN and Field test data ack", hex(tsnFieldAck), `v2 0x12 "Acyclic Test Data Ack" kind=2 src_node=0x0000 protocol_version=3`, nil},
		{"IE Control test data ack", hex(controlAck), `v1 0x12 "Test Data Ack" kind=2 src_node=0x0002 node_type=management node`, nil},
		{"unknown protocol version", field(0x15, 0x01, 3, 0, 0, 3, 0x07, 62), `v0 0x15 "Token" kind=3 node_id=3 src_node=0x0003 protocol_version=7`, nil},
		{"TSN detection", hex(detection), `v2 0xc1 "Acyclic Detection" kind=1 detection_version=0`, nil},
		{"TSN detection ack", hex(detectionAck),
			`v2 0xc2 "Acyclic Detection Ack" kind=2 node_type=slave station detection_version=1 device_type=digital I/O`, nil},
		{"TSN detection ack, short", hex("c2000101"), `v2 0xc2 "Acyclic Detection Ack" kind=2 node_type=slave station detection_version=1`, nil},
		{"TSN cyclic", hex(cyclicM), `v2 0xc4 "Cyclic Data (Master)" kind=3`, nil},
		{"TSN acyclic data", hex("c30001000000000000000000"), `v2 0xc3 "Acyclic Data" kind=3`, nil},
		{"unknown frame type kept", field(0x77, 0, 0, 0, 0, 0, 0x00, 46), `v1 0x77 "" kind=3`, nil},
		{"unknown short frame type kept", hex("7700"), `v0 0x77 "" kind=3`, nil},
		{"empty", nil, "none", protocols.ErrMalformed},
		{"header cut short", hex("150100030000000301"), "none", protocols.ErrMalformed},
		{"control header cut short", hex("0600000001"), "none", protocols.ErrMalformed},
		{"TSN frame of one byte", hex("c4"), "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: tt.frame, Transport: protocols.Ethernet, FromClient: true}
			if err := cclinkie.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	m := protocols.Message{Payload: hex(detectionAck), Transport: protocols.Ethernet, FromClient: true}
	if err := cclinkie.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	id, ok := m.Identity()
	if !ok {
		t.Fatal("no identity from a detection ack")
	}
	var got []string
	for _, a := range id.Attrs() {
		got = append(got, a.Key+"="+a.Value.String())
	}
	if s := strings.Join(got, " "); s != "vendor_code=0x0000 model_code=0x5fff0814 device_version=0x0001 device_type=digital I/O" {
		t.Errorf("identity %s", s)
	}
	for _, f := range []string{detection, cyclicM, "c2000101"} {
		m := protocols.Message{Payload: hex(f), Transport: protocols.Ethernet, FromClient: true}
		if err := cclinkie.New().Dissect(&m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m.Identity(); ok {
			t.Errorf("identity from %.8s…", f)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(cclinkie.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestFrames runs frames of the three networks through the Tracker: each
// is counted under its network's protocol id, between MAC addresses, with
// an ack's receiver as src.
func TestFrames(t *testing.T) {
	master, slave := [6]byte{0x28, 0xe9, 0x8e, 0x18, 0x71, 0x58}, [6]byte{0x28, 0xe9, 0x8e, 0x75, 0x95, 0xa7}
	h := protocolstest.New(registry(t), protocols.Options{})
	h.Packet(protocolstest.Frame(master, slave, cclinkie.EtherType, field(0x82, 0, 0, 0, 0, 0, 0x01, 62)))
	h.Packet(protocolstest.Frame(master, slave, cclinkie.EtherType, hex("80 00 000001 00 0004 0000 00000000 0000")))
	h.Packet(protocolstest.Frame(master, slave, cclinkie.EtherType, hex(detection)))
	h.Packet(protocolstest.Frame(slave, master, cclinkie.EtherType, hex(detectionAck)))
	events, ids, st := h.Flush()
	var got []string
	for _, e := range events {
		got = append(got, fmt.Sprintf("%s 0x%02x %q %x>%x n=%d q=%d r=%d", e.Protocol, e.Code, e.Function, e.SrcMac, e.DstMac, e.Count, e.Requests, e.Responses))
	}
	want := []string{
		`cclink-ie-control 0x80 "Cyclic Data W" 28e98e187158>28e98e7595a7 n=1 q=0 r=0`,
		`cclink-ie-field 0x82 "Cyclic Data RWw" 28e98e187158>28e98e7595a7 n=1 q=0 r=0`,
		`cclink-ie-tsn 0xc1 "Acyclic Detection" 28e98e187158>28e98e7595a7 n=1 q=1 r=0`,
		`cclink-ie-tsn 0xc2 "Acyclic Detection Ack" 28e98e187158>28e98e7595a7 n=1 q=0 r=1`,
	}
	if st.Malformed != 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events (%d malformed)\n got %q\nwant %q", st.Malformed, got, want)
	}
	if len(ids) != 1 || ids[0].Protocol != cclinkie.TSNID || fmt.Sprintf("%x", ids[0].Mac) != "28e98e7595a7" {
		t.Errorf("identities %v", ids)
	}
}
