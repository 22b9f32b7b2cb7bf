package perf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"mimamori/edge/capture"
	"mimamori/edge/synth"
)

// Frames holds captured Ethernet frames back to back in one buffer, with
// their timestamps, the way a capture ring holds them: one allocation for
// a million frames, read in order.
type Frames struct {
	buf []byte
	end []int
	ts  []int64
}

// Len is the number of frames.
func (f *Frames) Len() int { return len(f.end) }

// Bytes is the total size of the frames.
func (f *Frames) Bytes() int { return len(f.buf) }

// At returns frame i and its timestamp (Unix ns).
func (f *Frames) At(i int) ([]byte, int64) {
	start := 0
	if i > 0 {
		start = f.end[i-1]
	}
	return f.buf[start:f.end[i]], f.ts[i]
}

// Span is the time from the first frame to the last.
func (f *Frames) Span() time.Duration {
	if len(f.ts) == 0 {
		return 0
	}
	return time.Duration(f.ts[len(f.ts)-1] - f.ts[0])
}

func (f *Frames) add(data []byte, ts int64) {
	f.buf = append(f.buf, data...)
	f.end = append(f.end, len(f.buf))
	f.ts = append(f.ts, ts)
}

// Load reads up to max frames (all when max <= 0) of an Ethernet pcap or
// pcapng file.
func Load(path string, max int) (*Frames, error) {
	src, err := capture.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	f := &Frames{}
	// The frames take about the file's size: growing the buffer by
	// appending would copy hundreds of megabytes over and over.
	if fi, err := os.Stat(path); err == nil && max <= 0 {
		f.buf = make([]byte, 0, fi.Size())
	}
	for max <= 0 || f.Len() < max {
		data, ci, _, err := src.ReadPacket()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("perf: %s: %w", path, err)
		}
		f.add(data, ci.Timestamp.UnixNano())
	}
	if f.Len() == 0 {
		return nil, fmt.Errorf("perf: %s: no frames", path)
	}
	return f, nil
}

// Generate runs the generator until it ends or max frames (max > 0).
func Generate(g *synth.Generator, max int) *Frames {
	f := &Frames{}
	for max <= 0 || f.Len() < max {
		data, ts, ok := g.Next()
		if !ok {
			break
		}
		f.add(data, ts)
	}
	return f
}
