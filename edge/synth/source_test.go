package synth

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"mimamori/edge/capture"
)

func TestSourceAsFastAsPossible(t *testing.T) {
	cfg := Config{Seed: 4, Duration: 30 * time.Second}
	want := len(collect(t, cfg))
	src := NewSource(New(cfg), AsFastAsPossible())
	n := 0
	var last time.Time
	for {
		data, ci, link, err := src.ReadPacket()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if link != layers.LinkTypeEthernet || ci.CaptureLength != len(data) || ci.Length != len(data) {
			t.Fatalf("capture info %+v for %d bytes, link %v", ci, len(data), link)
		}
		if ci.Timestamp.Before(last) {
			t.Fatal("timestamps went backwards")
		}
		last = ci.Timestamp
		n++
	}
	if n != want || src.Drops() != 0 || src.Name() == "" {
		t.Fatalf("read %d of %d packets, drops %d, name %q", n, want, src.Drops(), src.Name())
	}
	if _, _, _, err := src.ReadPacket(); err != io.EOF {
		t.Fatalf("after the end: %v", err)
	}
}

// TestSourcePaced runs 4 s of stream time at 100x: it must take about 40 ms
// of wall time, and with no Start the timestamps begin at the wall clock.
func TestSourcePaced(t *testing.T) {
	before := time.Now()
	src := NewSource(New(Config{Seed: 4, Duration: 4 * time.Second}), RealTime(100))
	var first, last time.Time
	for {
		_, ci, _, err := src.ReadPacket()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if first.IsZero() {
			first = ci.Timestamp
		}
		last = ci.Timestamp
	}
	took := time.Since(before)
	if first.Before(before.Add(-time.Millisecond)) || first.After(before.Add(time.Second)) {
		t.Fatalf("first timestamp %v not anchored at the wall clock (%v)", first, before)
	}
	want := last.Sub(first) / 100
	if took < want-5*time.Millisecond || took > want+time.Second {
		t.Fatalf("4 s of stream at 100x took %v, want about %v", took, want)
	}
}

func TestSourceCloseInterruptsWait(t *testing.T) {
	src := NewSource(New(Config{Seed: 4}), RealTime(1))
	// capture.Source does not require this, but a demo may close from
	// another goroutine.
	go func() {
		time.Sleep(100 * time.Millisecond)
		src.Close()
	}()
	start := time.Now()
	var err error
	for err == nil || errors.Is(err, capture.ErrTimeout) {
		_, _, _, err = src.ReadPacket()
	}
	if !errors.Is(err, capture.ErrClosed) {
		t.Fatalf("ReadPacket after Close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v to take effect", d)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSourceCatchUp: at speed 1 the timestamps are the wall clock, so a
// stream that started in the past is delivered at once up to now, then in
// real time; a packet that is not due within the poll interval yields
// capture.ErrTimeout, as a quiet live interface does.
func TestSourceCatchUp(t *testing.T) {
	begin := time.Now()
	src := NewSource(New(Config{Seed: 4, Start: begin.Add(-10 * time.Second), Duration: 10*time.Second + 600*time.Millisecond}), RealTime(1))
	timeouts, n := 0, 0
	var caughtUp time.Duration
	for {
		_, ci, _, err := src.ReadPacket()
		if errors.Is(err, capture.ErrTimeout) {
			timeouts++
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if ci.Timestamp.Before(begin) {
			caughtUp = time.Since(begin)
		} else if late := time.Since(ci.Timestamp); late < 0 || late > 500*time.Millisecond {
			t.Fatalf("packet stamped %v delivered %v after it", ci.Timestamp, late)
		}
	}
	if caughtUp > time.Second {
		t.Fatalf("catching up on 10 s took %v", caughtUp)
	}
	if d := time.Since(begin); d < 550*time.Millisecond || d > 2*time.Second {
		t.Fatalf("the last 600 ms of stream took %v", d)
	}
	if n == 0 {
		t.Fatal("no packets")
	}

	quiet := NewSource(New(Config{Seed: 4, Start: time.Now().Add(time.Second)}), RealTime(1))
	if _, _, _, err := quiet.ReadPacket(); !errors.Is(err, capture.ErrTimeout) {
		t.Fatalf("a packet due in 1 s: %v, want ErrTimeout", err)
	}
	quiet.Close()
	if _, _, _, err := quiet.ReadPacket(); !errors.Is(err, capture.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// TestSourceAnchor: a stream that begins an hour ahead of the clock but is
// anchored 10 s in the past catches up those 10 s at once and keeps pace
// from there, instead of waiting an hour for its first packet.
func TestSourceAnchor(t *testing.T) {
	begin := time.Now()
	ahead := begin.Add(time.Hour)
	src := NewSource(New(Config{Seed: 4, Start: ahead, Duration: 10*time.Second + 600*time.Millisecond}),
		Pacing{Speed: 1, Anchor: begin.Add(-10 * time.Second)})
	n, timeouts := 0, 0
	for {
		_, ci, _, err := src.ReadPacket()
		if errors.Is(err, capture.ErrTimeout) {
			timeouts++
			if time.Since(begin) > 5*time.Second {
				t.Fatalf("still waiting after %v, %d packets in", time.Since(begin), n)
			}
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ci.Timestamp.Before(ahead) {
			t.Fatalf("packet stamped %v, before the stream's start %v", ci.Timestamp, ahead)
		}
		n++
	}
	if d := time.Since(begin); d < 550*time.Millisecond || d > 3*time.Second {
		t.Fatalf("10.6 s of stream anchored 10 s back took %v", d)
	}
	if n == 0 {
		t.Fatal("no packets")
	}
}
