package synth

import (
	"encoding/binary"
	"math"
	"testing"
	"time"
)

// TestPlantTargets builds plants with each combination of knobs and
// measures a steady minute of their traffic against the targets.
func TestPlantTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and measures several plants")
	}
	tests := []struct {
		name string
		p    Plant
	}{
		{"natural", Plant{Devices: 300, ConnsPerMin: 800}},
		{"ot-heavy", Plant{Devices: 300, ConnsPerMin: 600, MeanFrame: 150}},
		{"mixed", Plant{Devices: 300, ConnsPerMin: 600, MeanFrame: 500}},
		{"share+rate", Plant{Devices: 200, ConnsPerMin: 500, OTShare: 0.5, BitsPerSec: 10e6}},
		{"rate", Plant{Devices: 200, ConnsPerMin: 500, BitsPerSec: 40e6}},
		{"share", Plant{Devices: 200, ConnsPerMin: 500, OTShare: 0.7}},
		{"rate+mean", Plant{Devices: 200, ConnsPerMin: 500, BitsPerSec: 20e6, MeanFrame: 400}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.Flat, tt.p.Seed = true, 2
			f, rep, err := tt.p.Build()
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Notes) > 0 {
				t.Fatalf("notes: %v", rep.Notes)
			}
			st := Measure(f, 9, 2*time.Minute, time.Minute)
			t.Logf("%.0f frames/s, %.1f Mbit/s, mean %.0f B, OT %.1f%%, %.0f conns/min",
				st.FramesPerSec(), st.BitsPerSec()/1e6, st.MeanFrame(), 100*st.OTShare(), st.ConnsPerMin())
			near := func(what string, got, want, tol float64) {
				t.Helper()
				if want > 0 && math.Abs(got-want) > tol*want {
					t.Errorf("%s %.3g, want %.3g ±%.0f%%", what, got, want, 100*tol)
				}
			}
			near("connections/min", st.ConnsPerMin(), float64(tt.p.ConnsPerMin), 0.06)
			near("mean frame", st.MeanFrame(), tt.p.MeanFrame, 0.06)
			near("bits/s", st.BitsPerSec(), tt.p.BitsPerSec, 0.08)
			near("OT share", st.OTShare(), tt.p.OTShare, 0.05)
			// What Build planned is what the generator does.
			near("planned frames/s", st.FramesPerSec(), rep.FramesPerSec, 0.08)
		})
	}
}

func TestPlantComposition(t *testing.T) {
	for _, n := range []int{MinPlantDevices, 100, 1000, 1500} {
		f, rep, err := Plant{Devices: n, Seed: 1}.Build()
		if err != nil {
			t.Fatalf("%d devices: %v", n, err)
		}
		if len(f.Hosts) != n || rep.Devices != n {
			t.Errorf("%d devices asked, %d made (report %d)", n, len(f.Hosts), rep.Devices)
		}
		os := map[string]int{}
		roles := map[Role]int{}
		for _, h := range f.Hosts {
			os[h.OS]++
			roles[h.Role]++
			if h.Vendor == "" || h.Model == "" || h.OS == "" || h.Role == "" || len(h.MAC) != 6 {
				t.Fatalf("incomplete ground truth %+v", h)
			}
		}
		if os["Windows 7"] < 1 || os["Windows XP"] != 1 || os["Windows 10"] == 0 || os["Linux (Ubuntu 22.04)"] == 0 {
			t.Errorf("%d devices: office mix %v", n, os)
		}
		for _, r := range []Role{RolePLC, RoleHMI, RoleSCADA, RoleEngineering, RoleWorkstation, RoleProxy, RoleRemoteIO, RoleIO} {
			if roles[r] == 0 {
				t.Errorf("%d devices: no %s", n, r)
			}
		}
		if n >= 1000 && (rep.FieldNetworks == 0 || roles[RoleFieldNode] != rep.FieldNetworks) {
			t.Errorf("%d devices: %d field networks, %d field masters", n, rep.FieldNetworks, roles[RoleFieldNode])
		}
		if f.Schedule.IsZero() {
			t.Error("no shift schedule")
		}
	}
	for _, bad := range []Plant{
		{Devices: 5},
		{Devices: 100, OTShare: 0.5, BitsPerSec: 1e6, MeanFrame: 300},
		{Devices: 100, OTShare: 1.5},
		{Devices: 100, MeanFrame: 20},
		{Devices: 100, CellShare: 1},
	} {
		if _, _, err := bad.Build(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// TestPlantDeterministic: a plant is a pure function of its description.
func TestPlantDeterministic(t *testing.T) {
	p := Plant{Devices: 120, MeanFrame: 300, Seed: 4}
	a, _, _ := p.Build()
	b, _, _ := p.Build()
	da, na := digest(t, Config{Seed: 4, Factory: a, Duration: 30 * time.Second})
	db, nb := digest(t, Config{Seed: 4, Factory: b, Duration: 30 * time.Second})
	if da != db || na != nb {
		t.Fatal("the same plant gave two streams")
	}
}

// TestSchedule: office traffic follows the shift pattern, machine polling
// does not.
func TestSchedule(t *testing.T) {
	s := ShiftSchedule()
	jst := plantZone()
	for _, tt := range []struct {
		at   time.Time
		want float64
	}{
		{time.Date(2025, 4, 1, 10, 0, 0, 0, jst), 1},     // Tuesday morning
		{time.Date(2025, 4, 1, 12, 30, 0, 0, jst), 0.6},  // lunch
		{time.Date(2025, 4, 1, 3, 0, 0, 0, jst), 0.05},   // night
		{time.Date(2025, 4, 6, 10, 0, 0, 0, jst), 0.02},  // Sunday
		{time.Date(2025, 4, 5, 10, 0, 0, 0, jst), 0.2},   // Saturday morning
		{time.Date(2025, 4, 1, 1, 0, 0, 0, time.UTC), 1}, // 10:00 in Japan
	} {
		if got := s.At(tt.at); got != tt.want {
			t.Errorf("At(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
	var zero Schedule
	if zero.At(time.Now()) != 1 || zero.stretch(0, 5) != 5 {
		t.Error("the zero schedule is not constant full activity")
	}
	var off Schedule
	off.Hours[time.Tuesday][9] = 1
	mon := time.Date(2025, 3, 31, 9, 0, 0, 0, jst).UnixNano()
	if d := off.stretch(mon, int64(time.Second)); d != int64(24*time.Hour+time.Second) {
		t.Errorf("pause from a dead hour: %v, want to the next active hour", time.Duration(d))
	}

	if testing.Short() {
		t.Skip("measures a plant by day and by night")
	}
	f, _, err := Plant{Devices: 150, ConnsPerMin: 600, Seed: 1}.Build()
	if err != nil {
		t.Fatal(err)
	}
	measure := func(start time.Time) TrafficStats {
		g := New(Config{Seed: 1, Factory: f, Start: start, Duration: 12 * time.Minute})
		c := NewTrafficCounter(f)
		from := start.Add(10 * time.Minute).UnixNano()
		for fr, ts, ok := g.Next(); ok; fr, ts, ok = g.Next() {
			if ts >= from {
				c.Add(fr, ts)
			}
		}
		return c.Stats()
	}
	day := measure(time.Date(2025, 4, 1, 9, 30, 0, 0, jst))
	night := measure(time.Date(2025, 4, 1, 1, 30, 0, 0, jst))
	t.Logf("day: %.0f conns/min, %.0f frames/s; night: %.0f conns/min, %.0f frames/s",
		day.ConnsPerMin(), day.FramesPerSec(), night.ConnsPerMin(), night.FramesPerSec())
	if night.ConnsPerMin() > day.ConnsPerMin()/3 {
		t.Error("office connections do not drop at night")
	}
	otDay, otNight := day.FramesPerSec()*day.OTShare(), night.FramesPerSec()*night.OTShare()
	if math.Abs(otDay-otNight) > 0.05*otDay {
		t.Errorf("OT polling changed between day (%.0f/s) and night (%.0f/s)", otDay, otNight)
	}
}

// TestFieldNetwork checks the CC-Link IE Field frames of a plant that has
// one: header layout, frame types, and a cycle's worth of each.
func TestFieldNetwork(t *testing.T) {
	f, rep, err := Plant{Devices: 200, FieldEvery: 2, Seed: 1}.Build()
	if err != nil || rep.FieldNetworks == 0 {
		t.Fatalf("%v, %d networks", err, rep.FieldNetworks)
	}
	types := map[byte]int{}
	for _, p := range collect(t, Config{Seed: 1, Factory: f, Duration: 10 * time.Second}) {
		if p.etype != etherCCIE {
			continue
		}
		h := p.l3
		if len(h) < 14 || h[8] != fieldVersion || binary.BigEndian.Uint16(h[2:]) != binary.BigEndian.Uint16(h[6:]) {
			t.Fatalf("bad field header % x", h[:14])
		}
		if p.dst != macBroadcast {
			t.Fatalf("field frame to %x", p.dst)
		}
		types[h[0]]++
	}
	// The networks start two seconds after their stations boot (~1 s).
	cycles := 6 * time.Second / (50 * time.Millisecond) * time.Duration(rep.FieldNetworks)
	for _, typ := range []byte{fieldRWw, fieldRY} {
		if types[typ] < int(cycles) {
			t.Errorf("type %#x: %d frames, want at least %d", typ, types[typ], cycles)
		}
	}
	if types[fieldRWr] != 2*types[fieldRWw] && types[fieldRWr] != 2*types[fieldRWw]-2 {
		t.Errorf("%d RWr frames for %d cycles of two stations", types[fieldRWr], types[fieldRWw])
	}
	if types[fieldMyStatus] < 3*rep.FieldNetworks*6 {
		t.Errorf("%d status frames", types[fieldMyStatus])
	}
}

// TestProgramTransfers: the engineering workstation's program uploads and
// downloads in a plant carry the functions that start them.
func TestProgramTransfers(t *testing.T) {
	f, _, err := Plant{Devices: MinPlantDevices, Flat: true, Seed: 1}.Build()
	if err != nil {
		t.Fatal(err)
	}
	// Pull every program transfer to the first minutes.
	for i := range f.Talks {
		if f.Talks[i].Program != ProgramNone {
			f.Talks[i].Start = 20 * time.Second
		}
	}
	seen := map[string]bool{}
	for _, p := range collect(t, Config{Seed: 1, Factory: f, Duration: 90 * time.Second}) {
		pl := p.payload
		switch {
		case p.dport == 102 && len(pl) > 17 && pl[7] == 0x32 && pl[8] == s7Job:
			seen["s7 "+map[byte]string{0x1a: "download", 0x1d: "upload"}[pl[17]]] = true
		case p.dport == 9600 && len(pl) > 11 && binary.BigEndian.Uint16(pl[10:]) == 0x0306:
			seen["fins upload"] = true
		case p.dport == 5003 && len(pl) > 12 && binary.LittleEndian.Uint16(pl[11:]) == 0x0206:
			seen["slmp upload"] = true
		}
	}
	for _, want := range []string{"s7 download", "s7 upload", "fins upload", "slmp upload"} {
		if !seen[want] {
			t.Errorf("no %s (saw %v)", want, seen)
		}
	}
}
