package protocols

import (
	"testing"
	"unsafe"
)

// TestConvLayout pins the layout conv's comment describes: the fields
// every packet reads within the first 64 bytes, then reassembly and
// identities, then the two repeat entries a cache line each: 256 bytes.
func TestConvLayout(t *testing.T) {
	var c conv
	if end := unsafe.Offsetof(c.twoWay) + unsafe.Sizeof(c.twoWay); end > 64 {
		t.Errorf("per-packet fields end at %d, beyond the first 64 bytes", end)
	}
	if off := unsafe.Offsetof(c.dir); off < 64 {
		t.Errorf("dir at %d, in the first 64 bytes", off)
	}
	if off := unsafe.Offsetof(c.rep); off != 128 {
		t.Errorf("rep at %d, want 128", off)
	}
	if size := unsafe.Sizeof(c.rep[0]); size != 64 {
		t.Errorf("repeat entry of %d bytes, want 64", size)
	}
	if size := unsafe.Sizeof(c); size != 256 {
		t.Errorf("size %d, want 256", size)
	}
}

// TestFrameRepeatLayout pins a layer-2 repeat entry at one cache line.
func TestFrameRepeatLayout(t *testing.T) {
	if size := unsafe.Sizeof(frameRepeat{}); size != 64 {
		t.Errorf("size %d, want 64", size)
	}
}
