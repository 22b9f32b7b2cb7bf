package sensor

import (
	"testing"

	"mimamori/edge/wire/wirepb"
)

func TestIdentityRefresh(t *testing.T) {
	const hour = 1795000000 / 3600 * 3600
	plc := func(firmware string, seen int64) *wirepb.Identity {
		return &wirepb.Identity{Protocol: "cclink-ief-basic", Ip: []byte{192, 168, 3, 10}, Vendor: "Mitsubishi Electric",
			Model: "FX5U", Firmware: firmware, SeenUnixNs: seen * 1e9}
	}
	other := func(seen int64) *wirepb.Identity {
		return &wirepb.Identity{Protocol: "enip", Ip: []byte{192, 168, 3, 11}, Vendor: "Rockwell", SeenUnixNs: seen * 1e9}
	}
	r := NewIdentityRefresh()
	steps := []struct {
		name   string
		minute int64
		in     []*wirepb.Identity
		want   []string // firmware or vendor of what is sent
	}{
		{"first report", hour, []*wirepb.Identity{plc("1.0", hour+5), other(hour + 7)}, []string{"1.0", "Rockwell"}},
		{"same minute after", hour + 60, []*wirepb.Identity{plc("1.0", hour+65), other(hour + 67)}, nil},
		{"late in the hour", hour + 3540, []*wirepb.Identity{plc("1.0", hour+3545)}, nil},
		{"new hour", hour + 3600, []*wirepb.Identity{plc("1.0", hour+3605), other(hour + 3607)}, []string{"1.0", "Rockwell"}},
		{"changed", hour + 3660, []*wirepb.Identity{plc("1.1", hour+3665)}, []string{"1.1"}},
		{"changed back", hour + 3720, []*wirepb.Identity{plc("1.0", hour+3725)}, []string{"1.0"}},
		{"same again", hour + 3780, []*wirepb.Identity{plc("1.0", hour+3785), other(hour + 3787)}, nil},
		{"other VLAN is another identity", hour + 3840, []*wirepb.Identity{{Protocol: "enip", Ip: []byte{192, 168, 3, 11}, Vlan: 20, Vendor: "Rockwell", SeenUnixNs: (hour + 3841) * 1e9}}, []string{"Rockwell"}},
	}
	for _, s := range steps {
		out := r.Filter(s.minute, s.in)
		var got []string
		for _, x := range out {
			if x.Firmware != "" {
				got = append(got, x.Firmware)
			} else {
				got = append(got, x.Vendor)
			}
			if x.SeenUnixNs == 0 {
				t.Errorf("%s: the sent identity lost its time", s.name)
			}
		}
		if len(got) != len(s.want) {
			t.Fatalf("%s: sent %v, want %v", s.name, got, s.want)
		}
		for i := range got {
			if got[i] != s.want[i] {
				t.Fatalf("%s: sent %v, want %v", s.name, got, s.want)
			}
		}
	}
	if len(r.last) != 3 {
		t.Errorf("%d identities remembered, want 3", len(r.last))
	}
	r.Filter(hour+3*3600, nil)
	if len(r.last) != 0 {
		t.Errorf("%d identities still remembered two hours later", len(r.last))
	}
}
