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

// TestIdentifyResets checks that a report keeps nothing of the message's
// previous one: Identify resets only part of the Identity, for speed.
func TestIdentifyResets(t *testing.T) {
	var m protocols.Message
	first := m.Identify()
	first.Vendor, first.Product, first.Model = []byte("v"), []byte("p"), []byte("m")
	first.Serial, first.Firmware, first.Name = []byte("s"), []byte("f"), []byte("n")
	for i := range protocols.MaxIdentityAttrs {
		first.Add("k", protocols.Uint(uint64(i)))
	}
	_ = first.Text(30)
	id := m.Identify()
	for name, f := range map[string][]byte{
		"vendor": id.Vendor, "product": id.Product, "model": id.Model,
		"serial": id.Serial, "firmware": id.Firmware, "name": id.Name,
	} {
		if f != nil {
			t.Errorf("%s kept %q", name, f)
		}
	}
	if n := len(id.Attrs()); n != 0 {
		t.Errorf("%d details kept", n)
	}
	if b := id.Text(48); cap(b) != 48 {
		t.Errorf("text buffer not reset: cap %d", cap(b))
	}
	id.Add("model_code", protocols.Hex(0x12, 8))
	if a := id.Attrs(); len(a) != 1 || a[0].Key != "model_code" || a[0].Value != protocols.Hex(0x12, 8) {
		t.Errorf("details %+v", a)
	}
}

// TestEventAdd checks that details are kept whole and in order, and that
// those beyond MaxEventAttrs are ignored.
func TestEventAdd(t *testing.T) {
	var m protocols.Message
	want := []protocols.Attr{
		{Key: "a", Value: protocols.Uint(7)},
		{Key: "b", Value: protocols.Hex(0xbeef, 4)},
		{Key: "c", Value: protocols.Range("D", 10, 3)},
		{Key: "d", Value: protocols.RangeIn(0x82, 2, 100, 119)},
		{Key: "e", Value: protocols.Text("run")},
		{Key: "f", Value: protocols.Uint(1 << 63)},
	}
	e := m.Emit(3, "Read", protocols.KindRequest)
	for _, a := range want {
		e.Add(a.Key, a.Value)
	}
	e.Add("beyond", protocols.Uint(1))
	got := e.Attrs()
	if len(got) != len(want) {
		t.Fatalf("%d details, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("detail %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if e = m.Emit(4, "Write", protocols.KindRequest); len(e.Attrs()) != 0 {
		t.Errorf("Emit kept %d details", len(e.Attrs()))
	}
}
