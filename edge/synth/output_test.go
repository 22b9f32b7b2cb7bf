package synth

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mimamori/edge/capture"
)

func TestCheckLoopback(t *testing.T) {
	frame := func(s string) []byte {
		b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const eth = "ffffffffffff 001122334455"
	tests := []struct {
		name  string
		frame []byte
		ok    bool
	}{
		{"ipv4 loopback", frame(eth + "0800 4500001c0000000040110000 7f010203 7f0a0b0c"), true},
		{"ipv4 out", frame(eth + "0800 4500001c0000000040110000 c0a80101 7f0a0b0c"), false},
		{"ipv4 to", frame(eth + "0800 4500001c0000000040110000 7f010203 08080808"), false},
		{"vlan ipv4 out", frame(eth + "8100 000a 0800 4500001c0000000040110000 0a000001 7f000001"), false},
		{"vlan ipv4 in", frame(eth + "8100 000a 0800 4500001c0000000040110000 7f000001 7f000002"), true},
		{"qinq", frame(eth + "88a8 0064 8100 000a 0800 4500001c0000000040110000 7f000001 0a000002"), false},
		{"arp in", frame(eth + "0806 0001 0800 0604 0001 001122334455 7f000001 000000000000 7f000002"), true},
		{"arp out", frame(eth + "0806 0001 0800 0604 0001 001122334455 7f000001 000000000000 c0a80002"), false},
		{"ipv6", frame(eth + "86dd 6000000000000000"), false},
		{"lldp", frame(eth + "88cc 0207040011223344"), true},
		{"truncated ipv4", frame(eth + "0800 4500"), false},
		{"runt", []byte{1, 2, 3}, false},
	}
	for _, tt := range tests {
		err := CheckLoopback(tt.frame)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrNotLoopback)) {
			t.Errorf("%s: %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// TestLoopbackStream: in loopback mode every frame of a plant with every
// attack passes CheckLoopback, and the stream has the same shape as the
// normal one.
func TestLoopbackStream(t *testing.T) {
	attacks, _ := ParseAttacks("all")
	for i := range attacks {
		attacks[i].At = time.Duration(5+5*i) * time.Second
	}
	cfg := Config{Seed: 8, Cells: 2, Duration: 2 * time.Minute, Attacks: attacks}
	normal := New(cfg)
	cfg.Loopback = true
	lo := New(cfg)
	n := 0
	for {
		a, _, okA := normal.Next()
		b, _, okB := lo.Next()
		if okA != okB {
			t.Fatalf("streams end at different frames (%d)", n)
		}
		if !okA {
			break
		}
		if len(a) != len(b) {
			t.Fatalf("frame %d: %d bytes, %d in loopback mode", n, len(a), len(b))
		}
		if err := CheckLoopback(b); err != nil {
			t.Fatalf("frame %d: %v", n, err)
		}
		n++
	}
	for _, l := range lo.Labels() {
		if !strings.HasPrefix(l.Attacker.IP, "127.") {
			t.Errorf("label %s: attacker at %s", l.ID, l.Attacker.IP)
		}
	}
	// Subnets differing only in their first octet would collide.
	f := DefaultFactory(1)
	f.Subnets = append(f.Subnets, Subnet{Name: "clash", Prefix: mustPrefix("10.16.10.0/24"), Gateway: mustIP("10.16.10.1")})
	if _, err := LoopbackFactory(f); err == nil {
		t.Error("172.16.10.0/24 and 10.16.10.0/24 both became 127.16.10.0/24")
	}
}

// TestPcapng writes both formats and reads them back with the sensor's
// own file source: same frames, same timestamps.
func TestPcapng(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Seed: 6, Cells: 1, Duration: 20 * time.Second}
	var want [][]byte
	var stamps []int64
	g := New(cfg)
	for f, ts, ok := g.Next(); ok; f, ts, ok = g.Next() {
		want = append(want, append([]byte(nil), f...))
		stamps = append(stamps, ts)
	}
	for _, format := range []Format{FormatPcap, FormatPcapng} {
		path := filepath.Join(dir, "plant."+format.String())
		file, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		n, err := WriteCapture(file, New(cfg), format, 0, func([]byte, int64) error { seen++; return nil })
		if err != nil || n != len(want) || seen != n {
			t.Fatalf("%s: wrote %d of %d, observed %d: %v", format, n, len(want), seen, err)
		}
		file.Close()
		src, err := capture.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			data, ci, _, err := src.ReadPacket()
			if err == io.EOF {
				if i != len(want) {
					t.Fatalf("%s: read %d of %d frames", format, i, len(want))
				}
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			res := int64(time.Microsecond)
			if format == FormatPcapng {
				res = 1
			}
			if !bytes.Equal(data, want[i]) || ci.Timestamp.UnixNano() != stamps[i]/res*res {
				t.Fatalf("%s: frame %d differs", format, i)
			}
		}
		src.Close()
	}
	stop := errors.New("stop")
	if n, err := WriteCapture(io.Discard, New(cfg), FormatPcap, 0, func([]byte, int64) error { return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("an observer error did not stop the writing: %d, %v", n, err)
	}
}

func TestTrafficCounter(t *testing.T) {
	f := DefaultFactory(1)
	c := NewTrafficCounter(f)
	g := New(Config{Seed: 1, Factory: f, Duration: 3 * time.Minute})
	var frames, bytes, syns int64
	for fr, ts, ok := g.Next(); ok; fr, ts, ok = g.Next() {
		c.Add(fr, ts)
		frames++
		bytes += int64(len(fr))
		p := parse(t, fr, ts)
		if p.proto == protoTCP && p.flags&(tcpSYN|tcpACK) == tcpSYN {
			syns++
		}
	}
	s := c.Stats()
	if s.Frames != frames || s.Bytes != bytes || s.NewConns < syns || s.Span() < 170*time.Second {
		t.Fatalf("stats %+v for %d frames, %d bytes, %d SYNs", s, frames, bytes, syns)
	}
	// The default plant is almost all OT polling.
	if s.OTShare() < 0.8 || s.MeanFrame() < 100 || s.BitsPerSec() <= 0 {
		t.Errorf("OT share %.2f, mean %.0f", s.OTShare(), s.MeanFrame())
	}
}

// TestSkip: a stream with Skip is exactly the tail of the same stream
// without it, and attacks are counted only in what is returned.
func TestSkip(t *testing.T) {
	cfg := Config{Seed: 4, Cells: 1, Duration: 2 * time.Minute,
		Attacks: []Attack{{Kind: AttackPortScan, At: 30 * time.Second}, {Kind: AttackPLCStop, At: 90 * time.Second}}}
	full := collect(t, cfg)
	cfg.Skip = time.Minute
	g := New(cfg)
	var tail []pkt
	for f, ts, ok := g.Next(); ok; f, ts, ok = g.Next() {
		tail = append(tail, parse(t, append([]byte(nil), f...), ts))
	}
	from := g.Start().Add(time.Minute).UnixNano()
	i := 0
	for i < len(full) && full[i].ts < from {
		i++
	}
	if len(tail) == 0 || len(full)-i != len(tail) {
		t.Fatalf("%d frames after the skip, the full stream has %d there", len(tail), len(full)-i)
	}
	for k := range tail {
		if tail[k].ts != full[i+k].ts || string(tail[k].raw) != string(full[i+k].raw) {
			t.Fatalf("frame %d after the skip differs", k)
		}
	}
	labels := g.Labels()
	if labels[0].Emitted || !labels[1].Emitted {
		t.Errorf("the scan before the skip counts %d packets, the stop after it %d", labels[0].Packets, labels[1].Packets)
	}
	// Without times, attacks are spread over what is returned.
	g = New(Config{Seed: 4, Cells: 1, Duration: 4 * time.Minute, Skip: 2 * time.Minute, Attacks: []Attack{{Kind: AttackPLCStop}}})
	for _, _, ok := g.Next(); ok; _, _, ok = g.Next() {
	}
	if l := g.Labels()[0]; !l.Emitted || l.Start.Before(g.Start().Add(2*time.Minute)) {
		t.Errorf("attack at %v, before the skip ended", l.Start)
	}
}

// TestTrafficCounterUDP: UDP flows count as new only once the counter can
// tell them from flows running before it started.
func TestTrafficCounterUDP(t *testing.T) {
	udp := func(sport uint16) []byte {
		b, _ := hex.DecodeString("ffffffffffff001122334455080045000020000000004011000" + "0c0a80101c0a80102" + "0000" + "0035" + "000c0000" + "00000000")
		b[34], b[35] = byte(sport>>8), byte(sport)
		return b
	}
	c := NewTrafficCounter(DefaultFactory(1))
	t0 := time.Date(2025, 4, 1, 8, 0, 0, 0, time.UTC).UnixNano()
	c.Add(udp(1000), t0)                        // could be an old flow: not counted
	c.Add(udp(1001), t0+int64(3*time.Minute))   // new, counted
	c.Add(udp(1001), t0+int64(3*time.Minute+1)) // same flow
	c.Add(udp(1000), t0+int64(4*time.Minute))   // idle more than two minutes: new again
	c.Add(udp(1002), t0+int64(6*time.Minute))   // new
	s := c.Stats()
	if s.NewConns != 3 {
		t.Fatalf("%d new flows, want 3", s.NewConns)
	}
	if got := s.ConnsPerMin(); got != 0.75 { // 3 flows in the 4 minutes from 2 to 6
		t.Fatalf("%.2f conns/min", got)
	}
}
