package pipeline

import (
	"testing"
	"time"

	"mimamori/edge/capture/capturetest"
	"mimamori/edge/wire/wirepb"
)

// BenchmarkPipeline runs the shared captures' frames (in memory, round
// robin) through the whole per-source path: decode, flow table, device and
// name observer, statistics and minute sealing. Frames are restamped 100 µs
// apart, so a minute (and its flush) passes every 600,000 frames, as on a
// link carrying 10,000 frames per second.
func BenchmarkPipeline(b *testing.B) {
	frames := capturetest.Frames(b, capturetest.Files(b), 0)
	p := New(Options{Source: "bench", OnMinute: func(*wirepb.Batch) {}})
	start := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fr := &frames[i%len(frames)]
		ci := fr.CI
		ci.Timestamp = start.Add(time.Duration(i) * 100 * time.Microsecond)
		p.Packet(fr.Data, ci, fr.Link)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}
