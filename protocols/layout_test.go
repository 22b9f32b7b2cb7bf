package protocols

import (
	"testing"
	"unsafe"
)

// TestConvLayout pins the layout conv's comment describes: the fields
// every packet reads within the first 64 bytes, 128 bytes in all.
func TestConvLayout(t *testing.T) {
	var c conv
	if end := unsafe.Offsetof(c.twoWay) + unsafe.Sizeof(c.twoWay); end > 64 {
		t.Errorf("per-packet fields end at %d, beyond the first 64 bytes", end)
	}
	if off := unsafe.Offsetof(c.dir); off < 64 {
		t.Errorf("dir at %d, in the first 64 bytes", off)
	}
	if size := unsafe.Sizeof(c); size != 128 {
		t.Errorf("size %d, want 128", size)
	}
}
