package synth

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/capture"
)

// Pacing controls how fast a Source hands out packets. The zero value
// delivers them as fast as they are read.
type Pacing struct {
	// Speed 0 delivers packets as fast as they are read. Speed > 0 holds
	// each packet until the wall-clock time that corresponds to its
	// timestamp, Start + (ts - Start) / Speed: at 1 the timestamps are the
	// wall clock, packets from before now come at once (the stream catches
	// up) and later ones in real time.
	Speed float64
	// Anchor, when set, is the wall-clock time the stream's start is due
	// at instead of Start: Anchor + (ts - Start) / Speed. A stream may then
	// begin at a time of its own (after minutes a previous run already
	// played ahead of the clock, say) and still catch up and keep pace as
	// one that began at Anchor.
	Anchor time.Time
}

// AsFastAsPossible does not wait between packets.
func AsFastAsPossible() Pacing { return Pacing{} }

// RealTime paces the stream at speed times real time.
func RealTime(speed float64) Pacing { return Pacing{Speed: speed} }

// pollInterval bounds how long one ReadPacket waits for a paced packet,
// like a live capture's poll interval: the caller gets capture.ErrTimeout
// and a chance to seal minutes or stop.
const pollInterval = 250 * time.Millisecond

// Source adapts a Generator to capture.Source, so the demo, benchmarks and
// end-to-end tests feed synthetic traffic through the same path as a NIC or
// a pcap file. A paced source behaves like a live one (ErrTimeout while
// waiting); an unpaced one like a file (io.EOF at the end of Duration).
type Source struct {
	gen  *Generator
	pace Pacing

	// A frame read from the generator but not yet due; the generator keeps
	// its bytes valid until the next call to Next.
	pending   []byte
	pendingTS int64

	now   func() time.Time
	timer *time.Timer

	closeOnce sync.Once
	closed    chan struct{}
}

var _ capture.Source = (*Source)(nil)

// NewSource wraps gen. With pacing and no Config.Start, the stream starts
// now (its first frame after Config.Skip is due now), so packet timestamps
// track the wall clock. gen must not have produced frames yet for that to
// apply.
func NewSource(gen *Generator, pace Pacing) *Source {
	if pace.Speed > 0 && gen.cfg.Start.IsZero() {
		gen.setStart(time.Now().Add(-gen.cfg.Skip).Truncate(time.Microsecond))
	}
	return &Source{gen: gen, pace: pace, now: time.Now, closed: make(chan struct{})}
}

// Name identifies the source in logs and status pages.
func (s *Source) Name() string { return fmt.Sprintf("synth:seed=%d", s.gen.cfg.Seed) }

// ReadPacket returns the next frame. The data is owned by the source and
// valid only until the next call. It returns io.EOF when the generator's
// Duration has elapsed, capture.ErrTimeout when a paced packet is not due
// within the poll interval, and capture.ErrClosed after Close.
func (s *Source) ReadPacket() (data []byte, ci gopacket.CaptureInfo, link layers.LinkType, err error) {
	link = layers.LinkTypeEthernet
	select {
	case <-s.closed:
		return nil, ci, link, capture.ErrClosed
	default:
	}
	if s.pending == nil {
		frame, ts, ok := s.gen.Next()
		if !ok {
			return nil, ci, link, io.EOF
		}
		s.pending, s.pendingTS = frame, ts
	}
	if s.pace.Speed > 0 {
		if err := s.wait(s.pendingTS); err != nil {
			return nil, ci, link, err
		}
	}
	data, s.pending = s.pending, nil
	ci = gopacket.CaptureInfo{Timestamp: time.Unix(0, s.pendingTS), CaptureLength: len(data), Length: len(data)}
	return data, ci, link, nil
}

// wait sleeps until the wall time of stream time ts, or for one poll
// interval if that is sooner (then it returns capture.ErrTimeout).
func (s *Source) wait(ts int64) error {
	start := s.gen.startNs + int64(s.gen.cfg.Skip)
	base := time.Unix(0, start)
	if !s.pace.Anchor.IsZero() {
		base = s.pace.Anchor
	}
	due := base.Add(time.Duration(float64(ts-start) / s.pace.Speed))
	d := due.Sub(s.now())
	if d <= 0 {
		return nil
	}
	timeout := d > pollInterval
	if timeout {
		d = pollInterval
	}
	if s.timer == nil {
		s.timer = time.NewTimer(d)
	} else {
		s.timer.Reset(d)
	}
	select {
	case <-s.timer.C:
	case <-s.closed:
		s.timer.Stop()
		return capture.ErrClosed
	}
	if timeout {
		return capture.ErrTimeout
	}
	return nil
}

// Drops is always 0: nothing is lost between a generator and its reader.
func (s *Source) Drops() uint64 { return 0 }

// Close ends the stream. Unlike capture.Source requires, it may also be
// called from another goroutine: a ReadPacket waiting for a paced packet
// then returns capture.ErrClosed.
func (s *Source) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}
