package profinet_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/profinet"
	"mimamori/protocols/protocolstest"
)

// PNIO RPC packets from the captures: a Read Implicit of the I&M0 filter
// data and its response (little-endian header), and a Control request
// (PrmEnd, big-endian header).
const (
	readImplicit     = "04000800100000000000a0de976cd111827100010003015a0100a0de976cd111827100a02442df7ddbabbaec1d005443b2500b01630abafd0000000001000000000000000500ffffffff54000000000040800000400000004080000000000000400000000009003c0100000a0000000000000000000000000000000000000000000000010000f84000008000000000000000000000000000000000000000000000000000"
	readImplicitResp = "04022800100000000000a0de976cd111827100010003015a0100a0de976cd111827100a02442df7ddbabbaec1d005443b2500b01630abafd0100000001000000000000000500ffffffffbc000000000000000000a80000004080000000000000a80000008009003c0100000a0000000000000000000000000000000000000000000000010000f840000000680000000000000000000000000000000000000000000000000030002c0100000100000000000200000000000100020001000000010003ffff010a0001ffff814000010001ffff814000310018010000010000000000010001ffff814000010001ffff814000320018010000010000000000010000000000010001000100000001"
	prmEnd           = `0400200000000000dea000006c9711d1827100010003015adea000016c9711d1827100a02442df7d
		13142f9000001000a994d2106890ca5a0000000000000001000000020004ffffffff0034000000000000
		1000000000200000100000000000000000200110001c010000007c74224e166c4a58bf6b6c25a75870f00001000000010000`
	ping = `04010000100000000000a0de976cd11182710001000100800100a0de976cd111827100a02442df7d
		0800000000001010808e000e8cb06c7e0000000001000000000000000000ffffffff000000000001`
)

// rpc builds a little-endian connectionless RPC packet of the PNIO device
// interface.
func rpc(ptype byte, flags1 byte, opnum, fragnum uint16, body []byte) []byte {
	h := hex(readImplicit)[:80]
	h[1], h[2] = ptype, flags1
	binary.LittleEndian.PutUint16(h[68:], opnum)
	binary.LittleEndian.PutUint16(h[74:], uint16(len(body)))
	binary.LittleEndian.PutUint16(h[76:], fragnum)
	return append(h, body...)
}

// ndr is the NDR array header of a request (ArgsMaximum, ArgsLength,
// maximum count, offset, actual count) or, with status, of a response.
func ndr(status uint32, blocks []byte) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint32(b, status)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(blocks)))
	binary.LittleEndian.PutUint32(b[16:], uint32(len(blocks)))
	return append(b, blocks...)
}

// Blocks: an ARBlockReq with the controller's name, an IODWriteReqHeader
// for index 0x8071 in slot 1 subslot 0x8001, a Release, an
// IODReadResHeader for I&M0 and the I&M0 record.
var (
	arBlockReq = hex(`0101 0036 0100 0001 0102030405060708090a0b0c0d0e0f10 0001 0002030405 06
		dea000006c9711d18271 0001 0101 002a 00000011 0064 8892 0004 706c6331`)
	writeHeader = hex(`0008 003c 0100 0001 0102030405060708090a0b0c0d0e0f10 00000000 0001 8001 0000 8071 00000004
		0000000000000000000000000000000000000000000000`)
	releaseBlock = hex(`0114 001c 0100 0000 0102030405060708090a0b0c0d0e0f10 0001 0000 0004 0000`)
	im0Read      = hex(`8009 003c 0100 0001 0102030405060708090a0b0c0d0e0f10 00000000 0000 0001 0000 aff0 00000036
		0000 0000 0000000000000000000000000000000000000000
		0020 0038 0100 002a 36455337203135312d33424132332d30414230 20 53205643524135313233343536202020 0003 56020100 0000 0000 0000 0101 001e`)
)

func TestDissectIOCM(t *testing.T) {
	tests := []struct {
		name string
		pkt  []byte
		want string
		err  error
	}{
		{"read implicit", hex(readImplicit),
			`0x0005 "Read Implicit" kind=1 err=false variant=2 index=0xf840 slot=0 subslot=0x0001`, nil},
		{"read implicit response", hex(readImplicitResp), `0x0005 "Read Implicit" kind=2 err=false variant=2`, nil},
		{"control, big-endian header", hex(prmEnd), `0x0004 "Control" kind=1 err=false variant=2 control_command=prm_end`, nil},
		{"connect", rpc(0, 0x28, 0, 0, ndr(0, arBlockReq)), `0x0000 "Connect" kind=1 err=false variant=2 ar_type=0x0001`, nil},
		{"write", rpc(0, 0x28, 3, 0, ndr(0, writeHeader)),
			`0x0003 "Write" kind=1 err=false variant=2 index=0x8071 slot=1 subslot=0x8001`, nil},
		{"write refused", rpc(2, 0x0a, 3, 0, ndr(0xdf80b100, nil)), `0x0003 "Write" kind=2 err=true variant=2 pnio_status=0xdf80b100`, nil},
		{"release", rpc(0, 0x28, 1, 0, ndr(0, releaseBlock)), `0x0001 "Release" kind=1 err=false variant=2 control_command=release`, nil},
		{"first fragment counts", rpc(0, 0x24, 3, 0, ndr(0, writeHeader)),
			`0x0003 "Write" kind=1 err=false variant=2 index=0x8071 slot=1 subslot=0x8001`, nil},
		{"later fragments do not", rpc(0, 0x26, 3, 1, make([]byte, 100)), "none", nil},
		{"fault", rpc(3, 0x00, 2, 0, hex("0300011c")), `0x0002 "Read" kind=2 err=true variant=2 rpc_status=0x1c010003`, nil},
		{"ping", hex(ping), `0x0101 "RPC Ping" kind=0 err=false variant=2`, nil},
		{"reject", rpc(6, 0, 0, 0, hex("1c010003")), `0x0106 "RPC Reject" kind=0 err=true variant=2`, nil},
		{"unknown operation kept as a number", rpc(0, 0x28, 9, 0, nil), `0x0009 "" kind=1 err=false variant=2`, nil},
		{"body beyond the packet", rpc(0, 0x28, 3, 0, nil)[:79], "none", protocols.ErrMalformed},
		{"not PNIO", append(hex(readImplicit)[:24], make([]byte, 60)...), "none", protocols.ErrMalformed},
	}
	body := rpc(0, 0x28, 3, 0, ndr(0, writeHeader))
	binary.LittleEndian.PutUint16(body[74:], 500)
	tests = append(tests, struct {
		name string
		pkt  []byte
		want string
		err  error
	}{"length beyond the packet", body, "none", protocols.ErrMalformed})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: tt.pkt, Transport: protocols.UDP, FromClient: true}
			if err := profinet.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestIdentityIOCM(t *testing.T) {
	// The controller's Connect names it.
	m := protocols.Message{Payload: rpc(0, 0x28, 0, 0, ndr(0, arBlockReq)), Transport: protocols.UDP}
	if err := profinet.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	id, ok := m.Identity()
	if !ok || string(id.Name) != "plc1" || string(id.Vendor) != "Siemens" || attrs(id) != " vendor_id=0x002a device_id=0x0101" {
		t.Errorf("controller identity %v: name %q vendor %q%s", ok, id.Name, id.Vendor, attrs(id))
	}
	// A Read response with the I&M0 record describes the device.
	m = protocols.Message{Payload: rpc(2, 0x0a, 2, 0, ndr(0, im0Read)), Transport: protocols.UDP}
	if err := profinet.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	id, ok = m.Identity()
	if !ok || string(id.Model) != "6ES7 151-3BA23-0AB0 " || string(id.Serial) != "S VCRA5123456   " ||
		attrs(id) != " vendor_id=0x002a hw_revision=3 sw_revision=0x020100" {
		t.Errorf("device identity %v: model %q serial %q%s", ok, id.Model, id.Serial, attrs(id))
	}
	// Other records do not.
	m = protocols.Message{Payload: hex(readImplicitResp), Transport: protocols.UDP}
	if err := profinet.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Identity(); ok {
		t.Error("identity from I&M0 filter data")
	}
}

func attrs(id *protocols.Identity) string {
	s := ""
	for _, a := range id.Attrs() {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return s
}

func TestProbeIOCM(t *testing.T) {
	udp := protocols.Conn{Transport: protocols.UDP, SrcPort: 49153, DstPort: 49155}
	if !profinet.New().Probe(hex(readImplicit), udp) || !profinet.New().Probe(hex(prmEnd), udp) {
		t.Error("Probe missed a PNIO RPC request")
	}
	epm := hex(readImplicit)
	copy(epm[24:], hex("083afa8e e6a4 1d10 a2d9 00805f8b3a5c")) // not a PNIO interface
	for name, b := range map[string][]byte{"other interface": epm, "short": hex(readImplicit)[:79], "DCP": hex(identifyAll)} {
		if profinet.New().Probe(b, udp) {
			t.Errorf("%s: Probe = true", name)
		}
	}
	if profinet.New().Probe(hex(readImplicit), protocols.Conn{Transport: protocols.TCP}) {
		t.Error("Probe claimed TCP")
	}
}

// TestTrackerIOCM runs a Read Implicit exchange between ephemeral ports:
// the heuristic finds it and the response counts with its request.
func TestTrackerIOCM(t *testing.T) {
	h := protocolstest.New(registry(t), protocols.Options{})
	h.UDP("10.0.0.1:49153", "10.0.0.2:49155", hex(readImplicit))
	h.UDP("10.0.0.2:49155", "10.0.0.1:49153", hex(readImplicitResp))
	events, _, _ := h.Flush()
	got := protocolstest.Summaries(events)
	want := `profinet-io-cm 0x0005 "Read Implicit" 0a000001:49153>0a000002:49155 n=2 q=1 r=1 e=0 index=0xf840 slot=0 subslot=0x0001`
	if len(got) != 1 || got[0] != want {
		t.Errorf("events %q\nwant %q", got, want)
	}
}
