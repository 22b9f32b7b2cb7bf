package decode

import (
	"errors"
	"reflect"
	"testing"
	"unsafe"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/capture/capturetest"
)

// corpusSeeds is how many frames of each shared capture seed the fuzzer.
const corpusSeeds = 8

// FuzzDecode checks that no input panics and that every result keeps the
// Packet's promises. It is seeded from the unit table and, when present,
// from the first frames of every shared capture.
func FuzzDecode(f *testing.F) {
	for _, tt := range decodeTests {
		f.Add(uint8(tt.link), tt.frame)
	}
	for _, tt := range tcpOptTests {
		f.Add(uint8(tt.link), tt.frame)
	}
	for _, fr := range capturetest.Frames(f, capturetest.FilesIfPresent(), corpusSeeds) {
		f.Add(uint8(fr.Link), fr.Data)
	}
	d := New()
	f.Fuzz(func(t *testing.T, link uint8, data []byte) {
		var p, again Packet
		ci := gopacket.CaptureInfo{Timestamp: testTime, CaptureLength: len(data), Length: len(data)}
		err := d.Decode(data, ci, layers.LinkType(link), &p)
		checkInvariants(t, data, &p, err)
		// Decoding is a pure function of its input.
		err2 := d.Decode(data, ci, layers.LinkType(link), &again)
		if err != err2 || !reflect.DeepEqual(p, again) {
			t.Fatalf("second decode differs: %v / %v", err, err2)
		}
	})
}

func checkInvariants(t *testing.T, data []byte, p *Packet, err error) {
	t.Helper()
	switch {
	case err == nil:
		if p.Truncated {
			t.Fatal("Truncated without an error")
		}
	case errors.Is(err, ErrTruncated):
		if !p.Truncated {
			t.Fatal("ErrTruncated without Truncated")
		}
	case errors.Is(err, ErrMalformed), errors.Is(err, ErrLinkType):
	default:
		t.Fatalf("unexpected error %v", err)
	}
	if p.WireLen < len(data) {
		t.Fatalf("WireLen %d below the captured %d", p.WireLen, len(data))
	}
	if len(p.Payload) > 0 {
		start := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
		ps := uintptr(unsafe.Pointer(unsafe.SliceData(p.Payload)))
		if ps < start || ps+uintptr(len(p.Payload)) > start+uintptr(len(data)) {
			t.Fatal("Payload does not alias the frame")
		}
	}
	switch p.IPVersion {
	case 0:
		if p.SrcIP.IsValid() || p.IPProto != 0 {
			t.Fatal("IP fields set without an IP version")
		}
	case 4:
		if !p.SrcIP.Is4() || !p.DstIP.Is4() {
			t.Fatal("IPv4 packet with non-IPv4 addresses")
		}
	case 6:
		if !p.SrcIP.Is6() || !p.DstIP.Is6() {
			t.Fatal("IPv6 packet with non-IPv6 addresses")
		}
	default:
		t.Fatalf("IP version %d", p.IPVersion)
	}
	if (p.SrcPort != 0 || p.DstPort != 0) && (p.Fragment || (p.IPProto != layers.IPProtocolTCP && p.IPProto != layers.IPProtocolUDP)) {
		t.Fatalf("ports on a %v packet (fragment %v)", p.IPProto, p.Fragment)
	}
	if p.ICMPQuery && p.IPProto != layers.IPProtocolICMPv4 && p.IPProto != layers.IPProtocolICMPv6 {
		t.Fatal("ICMP query flag on a non-ICMP packet")
	}
	if p.VLAN > 0x0fff || (p.VLAN != 0 && p.VLANDepth == 0) {
		t.Fatalf("VLAN %d depth %d", p.VLAN, p.VLANDepth)
	}
	if p.IsARP && (p.IPVersion != 0 || !p.ARPSenderIP.Is4()) {
		t.Fatal("inconsistent ARP fields")
	}
	if !p.HasEthernet && (p.HasDstMAC || p.SrcMAC != [6]byte{}) {
		t.Fatal("MAC fields without an Ethernet header")
	}
	if o := p.TCPOpts; o.N > MaxTCPOptions || (o.N > 0 || p.TCPQuirks != 0) && p.IPProto != layers.IPProtocolTCP {
		t.Fatalf("TCP options (%d) or quirks (%#x) on a %v packet", o.N, p.TCPQuirks, p.IPProto)
	}
}

// TestCorpusInvariants decodes every frame of the shared captures and holds
// each result to the fuzz invariants. Every link type in the corpus must be
// supported; a few frames are malformed on purpose (fuzzing captures) and
// may fail, but nearly all must decode cleanly.
func TestCorpusInvariants(t *testing.T) {
	frames := capturetest.Frames(t, capturetest.Files(t), 0)
	d := New()
	var p Packet
	counts := map[string]int{}
	for i, fr := range frames {
		err := d.Decode(fr.Data, fr.CI, fr.Link, &p)
		checkInvariants(t, fr.Data, &p, err)
		switch {
		case err == nil:
			counts["ok"]++
		case errors.Is(err, ErrTruncated):
			counts["truncated"]++
		case errors.Is(err, ErrMalformed):
			counts["malformed"]++
		default:
			t.Errorf("frame %d (link %v): %v", i, fr.Link, err)
		}
		if p.IPVersion != 0 {
			counts["ip"]++
		}
	}
	t.Logf("%d frames: %v", len(frames), counts)
	if counts["ok"] < len(frames)*999/1000 {
		t.Errorf("only %d of %d frames decoded cleanly", counts["ok"], len(frames))
	}
}
