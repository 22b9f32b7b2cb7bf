package protocols_test

import (
	"strconv"
	"testing"

	"mimamori/protocols"
)

// TestIdentityText checks that fields formatted into an Identity's own
// buffer do not overlap and cost no allocation until the buffer is full.
func TestIdentityText(t *testing.T) {
	var m protocols.Message
	allocs := testing.AllocsPerRun(100, func() {
		id := m.Identify()
		id.Serial = strconv.AppendUint(id.Text(10), 0xdeadbeef, 16)
		b := strconv.AppendUint(id.Text(7), 33, 10)
		b = append(b, '.')
		id.Firmware = strconv.AppendUint(b, 11, 10)
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations", allocs)
	}
	id, _ := m.Identity()
	if string(id.Serial) != "deadbeef" || string(id.Firmware) != "33.11" {
		t.Errorf("serial %q firmware %q", id.Serial, id.Firmware)
	}
	if b := id.Text(40); cap(b) != 40 || len(b) != 0 {
		t.Errorf("beyond the buffer: len %d cap %d", len(b), cap(b))
	}
}
