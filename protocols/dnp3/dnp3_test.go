package dnp3_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/dnp3"
	"mimamori/protocols/protocolstest"
)

var hex = protocolstest.Hex

// crc16 is CRC-16/DNP, written out bit by bit here so that the tests do
// not share the dissector's table.
func crc16(b []byte) uint16 {
	var c uint16
	for _, x := range b {
		c ^= uint16(x)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0xa6bc
			} else {
				c >>= 1
			}
		}
	}
	return ^c
}

// link builds a link frame: control, destination and source addresses and
// the user data (hex), with the length and every CRC filled in.
func link(ctrl byte, dst, src uint16, data string) []byte {
	ud := hex(data)
	f := []byte{0x05, 0x64, byte(5 + len(ud)), ctrl, byte(dst), byte(dst >> 8), byte(src), byte(src >> 8)}
	f = binary.LittleEndian.AppendUint16(f, crc16(f))
	for len(ud) > 0 {
		n := min(len(ud), 16)
		f = append(f, ud[:n]...)
		f = binary.LittleEndian.AppendUint16(f, crc16(ud[:n]))
		ud = ud[n:]
	}
	return f
}

// Application fragments in a single transport segment (FIR|FIN, 0xC0 +
// sequence), master 3 to outstation 4 and back.
var (
	// Read class 1, 2, 3 events and class 0 (g60v2-4 and g60v1, all points).
	readClasses = link(0xc4, 4, 3, "c1 c1 01 3c0206 3c0306 3c0406 3c0106")
	// Response: IIN 0x0000, binary inputs g1v2 points 0-2 (start-stop,
	// 1 byte), then counters g20v1 point 0-1.
	readResp = link(0x44, 3, 4, "c2 c1 81 0000 010200 0002 81 01 81 140100 0001 01 10000000 01 20000000")
	// Direct Operate of a control relay output block, g12v1, 2-byte index
	// prefix and count (qualifier 0x28), point 7, latch on.
	directOperate = link(0xc4, 4, 3, "c3 c3 05 0c0128 0100 0700 03 01 64000000 64000000 00")
	operateResp   = link(0x44, 3, 4, "c4 c3 81 0000 0c0128 0100 0700 03 01 64000000 64000000 00")
	// Cold Restart and a response that says the function is not supported.
	coldRestart = link(0xc4, 10, 1, "c5 c5 0d")
	restartFail = link(0x44, 1, 10, "c6 c5 81 0001")
	// Unsolicited response after a restart (IIN1 device restart).
	unsolicited = link(0x44, 3, 4, "c7 f0 82 8000")
	// Link layer: Request Link Status (primary, 9) and Link Status (11).
	linkStatusReq = link(0xc9, 4, 3, "")
	linkStatus    = link(0x0b, 3, 4, "")
)

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
	corrupt := link(0xc4, 4, 3, "c1 c1 01 3c0206")
	corrupt[12] ^= 0xff
	tests := []struct {
		name  string
		frame []byte
		want  string
		err   error
	}{
		{"read", readClasses,
			`1 "Read" kind=1 err=false link_src=3 link_dst=4 objects=g60v2 objects=g60v3 objects=g60v4`, nil},
		{"response", readResp,
			`129 "Response" kind=2 err=false link_src=4 link_dst=3 objects=g1v2:0-2 objects=g20v1:0-1`, nil},
		{"direct operate", directOperate,
			`5 "Direct Operate" kind=1 err=false link_src=3 link_dst=4 control=latch_on objects=g12v1:7`, nil},
		{"select, pulse on and trip", link(0xc4, 4, 3, "c3 c3 03 0c0117 01 02 81 01 64000000 64000000 00"),
			`3 "Select" kind=1 err=false link_src=3 link_dst=4 control=pulse_on/trip objects=g12v1:2`, nil},
		{"operate without select", link(0x44, 3, 4, "c4 c3 81 0000 0c0128 0100 0700 03 01 64000000 64000000 02"),
			`129 "Response" kind=2 err=true link_src=4 link_dst=3 control_status=2 objects=g12v1:7`, nil},
		{"operate response", operateResp,
			`129 "Response" kind=2 err=false link_src=4 link_dst=3 objects=g12v1:7`, nil},
		{"cold restart", coldRestart, `13 "Cold Restart" kind=1 err=false link_src=1 link_dst=10`, nil},
		{"function not supported", restartFail,
			`129 "Response" kind=2 err=true link_src=10 link_dst=1 iin=0x0001`, nil},
		{"unsolicited after restart", unsolicited,
			`130 "Unsolicited Response" kind=3 err=false link_src=4 link_dst=3 iin=0x8000`, nil},
		{"object unknown and parameter error", link(0x44, 3, 4, "c1 c1 81 0006"),
			`129 "Response" kind=2 err=true link_src=4 link_dst=3 iin=0x0006`, nil},
		{"unknown function kept as a number", link(0xc4, 4, 3, "c1 c1 42"),
			`66 "" kind=0 err=false link_src=3 link_dst=4`, nil},
		{"request link status", linkStatusReq, `329 "Request Link Status" kind=1 err=false link_src=3 link_dst=4`, nil},
		{"link status", linkStatus, `267 "Link Status" kind=2 err=false link_src=4 link_dst=3`, nil},
		{"reset link states", link(0xc0, 4, 3, ""), `320 "Reset Link States" kind=1 err=false link_src=3 link_dst=4`, nil},
		{"link NACK", link(0x01, 3, 4, ""), `257 "Link NACK" kind=2 err=true link_src=4 link_dst=3`, nil},
		{"continuation segment", link(0x44, 3, 4, "01 000102030405"),
			`512 "Transport Segment" kind=0 err=false link_src=4 link_dst=3`, nil},
		{"file transfer read (size prefixed data)", link(0xc4, 4, 3, "c1 c1 01 46055b 01 0800 01020304 05060708 3c0106"),
			`1 "Read" kind=1 err=false link_src=3 link_dst=4 objects=g70v5 objects=g60v1`, nil},
		{"index-prefixed objects cut short", link(0x44, 3, 4, "c1 c1 81 0000 010217 03 05 81 06"),
			`129 "Response" kind=2 err=false link_src=4 link_dst=3 objects=g1v2:5`, nil},
		{"user data CRC wrong", corrupt, "none", protocols.ErrMalformed},
		{"header CRC wrong", hex("0564 05 c9 0400 0300 0000"), "none", protocols.ErrMalformed},
		{"response without IIN", link(0x44, 3, 4, "c1 c1 81"), "none", protocols.ErrMalformed},
		{"application header cut short", link(0x44, 3, 4, "c1 c1"), "none", protocols.ErrMalformed},
		{"too short", hex("0564 05 c9"), "none", protocols.ErrMalformed},
		{"trailing bytes", append(link(0xc9, 4, 3, ""), 0), "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: tt.frame, Transport: protocols.TCP}
			if err := dnp3.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestMultiSegment follows a response whose fragment spans three transport
// segments dissected one by one (over UDP, or past maxFragmentFrames over
// TCP): the first counts as the Response, the others as segments of it,
// and count as responses too.
func TestMultiSegment(t *testing.T) {
	segments := [][]byte{
		link(0x44, 3, 4, "40 c1 81 0000 010000 00ff "+fmt.Sprintf("%0460x", 0)),
		link(0x44, 3, 4, "01 "+fmt.Sprintf("%0200x", 0)),
		link(0x44, 3, 4, "82 0000"),
	}
	want := []string{
		`129 "Response" kind=2 err=false link_src=4 link_dst=3 objects=g1v0:0-255`,
		`512 "Transport Segment" kind=2 err=false link_src=4 link_dst=3 fragment_function=129`,
		`512 "Transport Segment" kind=2 err=false link_src=4 link_dst=3 fragment_function=129`,
	}
	var state uint64
	for i, seg := range segments {
		m := protocols.Message{Payload: seg, Transport: protocols.TCP, State: state}
		if err := dnp3.New().Dissect(&m); err != nil {
			t.Fatal(err)
		}
		state = m.State
		if got := event(&m); got != want[i] {
			t.Errorf("segment %d\n got %s\nwant %s", i, got, want[i])
		}
	}
}

// TestDeviceAttributes reads the outstation's identity from a response to
// a read of device attributes (group 0): manufacturer, product, serial
// and software version, the product name crossing a CRC block.
func TestDeviceAttributes(t *testing.T) {
	attr := func(v int, s string) string {
		return fmt.Sprintf("00%02x 00 00 00 01 %02x %x", v, len(s), s)
	}
	resp := link(0x44, 3, 4, "c1 c1 81 0000 "+attr(252, "ACME")+attr(250, "RTU-5000 Outstation")+
		attr(248, "SN123")+attr(242, "2.1.0"))
	m := protocols.Message{Payload: resp, Transport: protocols.TCP}
	if err := dnp3.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	id, ok := m.Identity()
	if !ok {
		t.Fatal("no identity")
	}
	got := fmt.Sprintf("%s|%s|%s|%s", id.Vendor, id.Model, id.Serial, id.Firmware)
	if want := "ACME|RTU-5000 Outstation|SN123|2.1.0"; got != want {
		t.Errorf("identity %s, want %s", got, want)
	}
	if got := event(&m); got != `129 "Response" kind=2 err=false link_src=4 link_dst=3 objects=g0v252:0 objects=g0v250:0 objects=g0v248:0` {
		t.Errorf("event %s", got)
	}
}

func TestProbe(t *testing.T) {
	tcp := protocols.Conn{Transport: protocols.TCP, SrcPort: 40000, DstPort: 20001}
	udp := protocols.Conn{Transport: protocols.UDP, SrcPort: 40000, DstPort: 20001}
	badCRC := link(0xc9, 4, 3, "")
	badCRC[9] ^= 1
	tests := []struct {
		name    string
		payload []byte
		c       protocols.Conn
		want    bool
	}{
		{"request", readClasses, tcp, true},
		{"response over UDP", readResp, udp, true},
		{"link status request", linkStatusReq, tcp, true},
		{"two frames", append(append([]byte{}, linkStatusReq...), readClasses...), tcp, true},
		{"header CRC wrong", badCRC, tcp, false},
		{"cut short", readResp[:len(readResp)-1], tcp, false},
		{"header only", readResp[:10], tcp, false},
		{"length below 5", hex("0564 04 c9 0400 0300 0000"), tcp, false},
		{"Modbus", hex("0001 0000 0006 01 03 0000 000a"), tcp, false},
		{"IEC 104 STARTDT", hex("68 04 07 00 00 00"), tcp, false},
	}
	for _, tt := range tests {
		if got := dnp3.New().Probe(tt.payload, tt.c); got != tt.want {
			t.Errorf("%s: Probe = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFrame(t *testing.T) {
	d := dnp3.New()
	tests := []struct {
		name   string
		stream []byte
		n      int
		err    error
	}{
		{"link only", linkStatusReq, 10, nil},
		{"16 bytes of user data", link(0xc4, 4, 3, fmt.Sprintf("%032x", 0)), 28, nil},
		{"17 bytes of user data", link(0xc4, 4, 3, fmt.Sprintf("%034x", 0)), 31, nil},
		{"longest", hex("0564 ff"), 292, nil},
		{"one byte", hex("05"), 0, nil},
		{"not DNP3", hex("68 04 07 00"), 0, protocols.ErrNotPDU},
		{"length below 5", hex("0564 04"), 0, protocols.ErrNotPDU},
		{"header CRC wrong", hex("0564 05 c9 0400 0300 0000"), 0, protocols.ErrNotPDU},
	}
	for _, tt := range tests {
		n, err := d.Frame(tt.stream)
		if n != tt.n || !errors.Is(err, tt.err) {
			t.Errorf("%s: Frame = %d, %v; want %d, %v", tt.name, n, err, tt.n, tt.err)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(dnp3.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSegmentation replays a DNP3 session — link status, a class read,
// a direct operate and an unsolicited response with its confirm — split
// across TCP segments every which way, on port 20000 and on another port
// the heuristic finds.
func TestSegmentation(t *testing.T) {
	exchange := []protocolstest.PDU{
		{FromClient: true, Data: linkStatusReq},
		{FromClient: false, Data: linkStatus},
		{FromClient: true, Data: readClasses},
		{FromClient: false, Data: readResp},
		{FromClient: true, Data: directOperate},
		{FromClient: false, Data: operateResp},
		{FromClient: false, Data: unsolicited},
		{FromClient: true, Data: link(0xc4, 4, 3, "c8 d0 00")},
	}
	for _, port := range []string{"20000", "20100"} {
		t.Run(port, func(t *testing.T) {
			dst := "0a000002:" + port
			protocolstest.CheckSegmentation(t, registry(t), "10.0.0.1:40000", "10.0.0.2:"+port, port != "20000", exchange, []string{
				`dnp3 0x0000 "Confirm" 0a000001:40000>` + dst + ` n=1 q=1 r=0 e=0 link_dst=4 link_src=3`,
				`dnp3 0x0001 "Read" 0a000001:40000>` + dst + ` n=1 q=1 r=0 e=0 link_dst=4 link_src=3 objects=g60v2,g60v3,g60v4`,
				`dnp3 0x0005 "Direct Operate" 0a000001:40000>` + dst + ` n=1 q=1 r=0 e=0 control=latch_on link_dst=4 link_src=3 objects=g12v1:7`,
				`dnp3 0x0081 "Response" 0a000001:40000>` + dst + ` n=2 q=0 r=2 e=0 link_dst=3 link_src=4 objects=g12v1:7,g1v2:0-2,g20v1:0-1`,
				`dnp3 0x010b "Link Status" 0a000001:40000>` + dst + ` n=1 q=0 r=1 e=0 link_dst=3 link_src=4`,
				`dnp3 0x0149 "Request Link Status" 0a000001:40000>` + dst + ` n=1 q=1 r=0 e=0 link_dst=4 link_src=3`,
				`dnp3 0x0082 "Unsolicited Response" ` + dst + `>0a000001:40000 n=1 q=0 r=0 e=0 iin=0x8000 link_dst=3 link_src=4`,
			})
		})
	}
}

// fragmentFrames is a response fragment over three link frames (transport
// FIR, then sequence 1, then FIN with sequence 2): binary inputs 0-255
// with flags (g1v2, 256 bytes, crossing into the second frame), then in
// the last frame two counters and the device's name (a group-0
// attribute), which only reading the whole fragment finds.
func fragmentFrames() [][]byte {
	name := fmt.Sprintf("%x", "Outstation 7")
	return [][]byte{
		link(0x44, 3, 4, "40 c1 81 0000 010200 00ff "+strings.Repeat("01", 240)),
		link(0x44, 3, 4, "01 "+strings.Repeat("01", 16)),
		link(0x44, 3, 4, "82 140100 0001 01 10000000 01 20000000 00f7 00 00 00 01 0c "+name),
	}
}

func concat(frames ...[]byte) []byte {
	var out []byte
	for _, f := range frames {
		out = append(out, f...)
	}
	return out
}

// TestFrameJoinsFragment checks which link frames Frame takes into one
// PDU: those continuing a fragment from the same station in sequence, up
// to its FIN, and nothing else.
func TestFrameJoinsFragment(t *testing.T) {
	fr := fragmentFrames()
	whole := concat(fr...)
	d := dnp3.New()
	tests := []struct {
		name   string
		stream []byte
		want   int
	}{
		{"whole fragment", whole, len(whole)},
		{"whole fragment and the next poll", concat(whole, readClasses), len(whole)},
		{"first frame only so far", fr[0], len(fr[0]) + 11},
		{"next header incomplete", concat(fr[0], fr[1][:6]), len(fr[0]) + 11},
		{"next frame incomplete", concat(fr[0], fr[1][:20]), len(fr[0]) + len(fr[1])},
		{"two of three", concat(fr[0], fr[1]), len(fr[0]) + len(fr[1]) + 11},
		{"single-segment fragment", concat(readResp, fr[0]), len(readResp)},
		{"a new fragment starts", concat(fr[0], readResp), len(fr[0])},
		{"another station", concat(fr[0], link(0x44, 3, 5, "01 00")), len(fr[0])},
		{"out of sequence", concat(fr[0], link(0x44, 3, 4, "02 00")), len(fr[0])},
		{"a link frame between", concat(fr[0], link(0x0b, 3, 4, ""), fr[1]), len(fr[0])},
		{"request from the master", concat(readClasses, readClasses), len(readClasses)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := d.Frame(tt.stream)
			if err != nil || n != tt.want {
				t.Errorf("Frame = %d, %v; want %d", n, err, tt.want)
			}
		})
	}
	// A fragment longer than 16 frames is cut after 16.
	long := [][]byte{link(0x44, 3, 4, "40 c1 81 0000")}
	for i := 1; i < 20; i++ {
		long = append(long, link(0x44, 3, 4, fmt.Sprintf("%02x 00", i)))
	}
	if n, err := d.Frame(concat(long...)); err != nil || n != len(concat(long[:16]...)) {
		t.Errorf("long fragment: Frame = %d, %v; want %d", n, err, len(concat(long[:16]...)))
	}
}

// TestJoinedFragment dissects a fragment of three frames as one PDU: one
// Response with the objects of every frame, and the identity its last
// frame carries.
func TestJoinedFragment(t *testing.T) {
	m := protocols.Message{Payload: concat(fragmentFrames()...), Transport: protocols.TCP}
	if err := dnp3.New().Dissect(&m); err != nil {
		t.Fatal(err)
	}
	want := `129 "Response" kind=2 err=false link_src=4 link_dst=3 objects=g1v2:0-255 objects=g20v1:0-1 objects=g0v247:0`
	if got := event(&m); got != want {
		t.Errorf("event\n got %s\nwant %s", got, want)
	}
	id, ok := m.Identity()
	if !ok || string(id.Name) != "Outstation 7" {
		t.Errorf("identity %+v, %v; want the name from the last frame", id, ok)
	}
	// A corrupted CRC in a later frame makes the whole PDU malformed.
	bad := concat(fragmentFrames()...)
	bad[len(bad)-3] ^= 0xff
	m = protocols.Message{Payload: bad, Transport: protocols.TCP}
	if err := dnp3.New().Dissect(&m); !errors.Is(err, protocols.ErrMalformed) {
		t.Errorf("corrupt later frame: %v, want ErrMalformed", err)
	}
}

// TestFragmentLeftUnfinished sends a fragment's first frame, left
// unfinished, and a whole response after it, the stream cut every way:
// Frame first asks for the next frame's header and then settles on the
// first frame alone, so bytes already buffered past it must go to the
// next PDU, not be lost or read out of range.
func TestFragmentLeftUnfinished(t *testing.T) {
	first := fragmentFrames()[0]
	stream := concat(first, readResp)
	play := func(segs [][]byte) ([]string, protocols.Stats) {
		h := protocolstest.New(registry(t), protocols.Options{})
		c := h.TCP("10.0.0.1:40000", "10.0.0.2:20000")
		for _, s := range segs {
			c.Send(false, s)
		}
		events, _, st := h.Flush()
		return protocolstest.Summaries(events), st
	}
	// Both are responses: one event of two messages, with the objects
	// of the unfinished fragment's first frame and of the response.
	want := []string{`dnp3 0x0081 "Response" 0a000001:40000>0a000002:20000 n=2 q=0 r=2 e=0 link_dst=3 link_src=4 objects=g1v2:0-255,g20v1:0-1`}
	if got, _ := play([][]byte{first, readResp}); !slices.Equal(got, want) {
		t.Fatalf("a frame per segment: events\n got %q\nwant %q", got, want)
	}
	for name, segs := range map[string][][]byte{
		"coalesced":              {stream},
		"a byte per segment":     protocolstest.Bytes(stream),
		"inside the next header": protocolstest.Split(stream, len(first)-2, len(first)+4),
	} {
		got, st := play(segs)
		if !slices.Equal(got, want) {
			t.Errorf("%s: events\n got %q\nwant %q", name, got, want)
		}
		if st.Buffers != 0 || st.Malformed != 0 {
			t.Errorf("%s: stats %+v", name, st)
		}
	}
}
