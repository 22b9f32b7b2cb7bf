package protocols

import (
	"testing"
	"unsafe"

	"mimamori/edge/decode"
)

// TestConvLayout pins the layout conv's comment describes: the fields
// every packet reads within the first 64 bytes, then the event cache and
// identities, then the two repeat entries a cache line each: 256 bytes.
func TestConvLayout(t *testing.T) {
	var c conv
	for name, end := range map[string]uintptr{
		"quiet": unsafe.Offsetof(c.quiet) + unsafe.Sizeof(c.quiet),
		"dir":   unsafe.Offsetof(c.dir) + unsafe.Sizeof(c.dir),
	} {
		if end > 64 {
			t.Errorf("%s ends at %d, beyond the first 64 bytes", name, end)
		}
	}
	if off := unsafe.Offsetof(c.cache); off < 64 {
		t.Errorf("cache at %d, in the first 64 bytes", off)
	}
	if off := unsafe.Offsetof(c.rep); off != 128 {
		t.Errorf("rep at %d, want 128", off)
	}
	if size := unsafe.Sizeof(c); size != 256 {
		t.Errorf("size %d, want 256", size)
	}
}

// TestRepeatEntryLayout pins a repeat entry at one cache line.
func TestRepeatEntryLayout(t *testing.T) {
	if size := unsafe.Sizeof(repeatEntry{}); size != 64 {
		t.Errorf("size %d, want 64", size)
	}
}

// TestFrameRepeatLayout pins a layer-2 repeat entry at one cache line.
func TestFrameRepeatLayout(t *testing.T) {
	if size := unsafe.Sizeof(frameRepeat{}); size != 64 {
		t.Errorf("size %d, want 64", size)
	}
}

// TestAggregateLayout pins what counting a repeat touches of an
// aggregate to its first cache line, and its size to whole lines.
func TestAggregateLayout(t *testing.T) {
	var a aggregate
	if end := unsafe.Offsetof(a.hasDstMAC) + unsafe.Sizeof(a.hasDstMAC); end > 64 {
		t.Errorf("counters end at %d, beyond the first 64 bytes", end)
	}
	if size := unsafe.Sizeof(a); size%64 != 0 {
		t.Errorf("size %d, not whole cache lines", size)
	}
}

// TestPacketMACsLayout pins the 14 bytes packetMACs reads: the Ethernet
// flag, the source and destination addresses and the destination flag,
// in a row.
func TestPacketMACsLayout(t *testing.T) {
	var p decode.Packet
	base := unsafe.Offsetof(p.HasEthernet)
	for name, off := range map[string]uintptr{
		"SrcMAC": unsafe.Offsetof(p.SrcMAC), "DstMAC": unsafe.Offsetof(p.DstMAC), "HasDstMAC": unsafe.Offsetof(p.HasDstMAC),
	} {
		want := map[string]uintptr{"SrcMAC": 1, "DstMAC": 7, "HasDstMAC": 13}[name]
		if off-base != want {
			t.Errorf("%s at HasEthernet+%d, want +%d", name, off-base, want)
		}
	}
	p.HasEthernet, p.HasDstMAC = true, true
	p.SrcMAC = [6]byte{1, 2, 3, 4, 5, 6}
	p.DstMAC = [6]byte{7, 8, 9, 10, 11, 12}
	hasEth, src, dst, hasDst := unpackMACs(packetMACs(&p))
	if !hasEth || src != p.SrcMAC || dst != p.DstMAC || !hasDst {
		t.Errorf("unpackMACs(packetMACs) = %v %v %v %v", hasEth, src, dst, hasDst)
	}
}

// TestTemplateLayout pins a template's counting part at one cache line, its
// first three words in the next, and a conversation's templates and their
// messages' details at the 1152 and 768 bytes maxTemplates counts on.
func TestTemplateLayout(t *testing.T) {
	if size := unsafe.Sizeof(heldRepeat{}); size != 64 {
		t.Errorf("heldRepeat: %d bytes, want 64", size)
	}
	if size := unsafe.Sizeof(convTemplates{}); size != 1152 {
		t.Errorf("convTemplates: %d bytes, want 1152", size)
	}
	if size := unsafe.Sizeof(convAttrs{}); size != 768 {
		t.Errorf("convAttrs: %d bytes, want 768", size)
	}
	// A template's words: the first three with the header in one line.
	var x dirTemplate
	if end := unsafe.Offsetof(x.words) + unsafe.Offsetof(x.words.vm) + unsafe.Sizeof(x.words.vm[0])*3; end != 128 {
		t.Errorf("a template's first three words end at byte %d, want 128 (the end of its second line)", end)
	}
}
