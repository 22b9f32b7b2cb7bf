package synth

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestRates counts requests per conversation in the third minute of a run
// (after boot and connection setup) and compares them with the cycles the
// default factory declares. It also reports the traffic mix.
func TestRates(t *testing.T) {
	g := New(Config{Seed: 11, Duration: 3 * time.Minute})
	hosts := map[[4]byte]string{}
	for _, h := range g.Hosts() {
		hosts[h.IP.As4()] = h.Name
	}
	from, to := g.Start().Add(2*time.Minute).UnixNano(), g.Start().Add(3*time.Minute).UnixNano()
	counts := map[string]int{}
	var frames, bytes int
	for {
		f, ts, ok := g.Next()
		if !ok {
			break
		}
		if ts < from || ts >= to {
			continue
		}
		frames++
		bytes += len(f)
		p := parse(t, f, ts)
		if !p.ip || len(p.payload) == 0 {
			continue
		}
		c, s := hosts[p.sip], hosts[p.dip]
		pl := p.payload
		switch {
		case p.proto == protoUDP && p.dport == ccPort && pl[0] == 0x50:
			counts[c+" cciefb"]++
		case p.proto == protoTCP && (p.dport == 5001 || p.dport == 5002) && pl[0] == 0x50:
			counts[c+">"+s+" slmp"]++
		case p.proto == protoUDP && p.dport == 9600 && pl[0] == 0x80:
			counts[c+">"+s+" fins"]++
		case p.proto == protoTCP && p.dport == 102 && len(pl) > 8 && pl[7] == 0x32 && pl[8] == s7Job:
			counts[c+">"+s+" s7"]++
		case p.proto == protoTCP && p.dport == 502:
			counts[c+">"+s+" modbus"]++
		case p.proto == protoTCP && p.dport == enipPort && binary.LittleEndian.Uint16(pl) == enipSendRRData:
			counts[c+">"+s+" enip"]++
		}
	}
	window := time.Minute
	expect := func(key string, cycle time.Duration, jitter time.Duration) {
		t.Helper()
		want := float64(window) / float64(cycle+jitter)
		got := float64(counts[key])
		if math.Abs(got-want) > 0.03*want+1 {
			t.Errorf("%s: %v per minute, want %.0f ±3%%", key, got, want)
		}
	}
	for c := 1; c <= 3; c++ {
		cell := func(s string) string { return fmt.Sprintf("cell%d-%s", c, s) }
		poll := func(client, server, proto string, cycle time.Duration) {
			expect(client+">"+server+" "+proto, cycle, cycle/100) // jitter averages 1% of the cycle
		}
		expect(cell("melsec")+" cciefb", CCIEFCycle, 100*time.Microsecond)
		poll(cell("hmi1"), cell("melsec"), "slmp", 100*time.Millisecond)
		poll(cell("hmi1"), cell("omron"), "fins", 200*time.Millisecond)
		poll(cell("hmi2"), cell("s7"), "s7", 200*time.Millisecond)
		poll(cell("hmi2"), cell("logix"), "enip", 250*time.Millisecond)
		poll(cell("hmi2"), cell("mbio1"), "modbus", 500*time.Millisecond)
		poll(cell("hmi2"), cell("mbio2"), "modbus", 500*time.Millisecond)
		for _, plc := range []string{"melsec", "omron", "s7", "logix", "mbio1", "mbio2"} {
			proto := map[string]string{"melsec": "slmp", "omron": "fins", "s7": "s7", "logix": "enip"}[plc]
			if proto == "" {
				proto = "modbus"
			}
			poll("scada01", cell(plc), proto, time.Second)
		}
	}
	mean := float64(bytes) / float64(frames)
	t.Logf("default 3-cell plant, minute 3: %d frames/min, %.1f Mbit/s, mean frame %.1f B",
		frames, float64(bytes)*8/60/1e6, mean)
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.Contains(k, "cell1-") {
			t.Logf("  %-34s %5d requests/min", k, counts[k])
		}
	}
	if mean < 100 || mean > 200 {
		t.Errorf("mean frame %.1f B, want an OT-heavy 100..200 B", mean)
	}
}
