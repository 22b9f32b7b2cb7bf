package flow

import (
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/edge/decode"
)

// BenchmarkDecodeFlow is the sensor's hot path without dissectors: decode
// each frame of the shared captures (held in memory, round robin) and
// account it in the flow table. Each pass over the frames ends with a flush
// outside the timer, as a minute would, which expires the flows so the next
// pass creates them again: the figure covers flow creation as well as
// lookups, in steady state (warmed by one pass).
func BenchmarkDecodeFlow(b *testing.B) {
	frames := capturetest.Frames(b, capturetest.Files(b), 0)
	d := decode.New()
	tab := New(Options{})
	var p decode.Packet
	var latest int64
	for i := range frames {
		fr := &frames[i]
		_ = d.Decode(fr.Data, fr.CI, fr.Link, &p)
		tab.Packet(&p)
		latest = max(latest, p.TimestampNs)
	}
	// A minute far enough past the corpus for every flow to be idle.
	minute := latest - latest%minuteNs + 10*minuteNs
	tab.Flush(minute)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % len(frames)
		if j == 0 && i > 0 {
			b.StopTimer()
			tab.Flush(minute)
			b.StartTimer()
		}
		fr := &frames[j]
		_ = d.Decode(fr.Data, fr.CI, fr.Link, &p)
		tab.Packet(&p)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}

// BenchmarkFlowChurn measures flows that open and close: every flow is new,
// and each round ends with a flush that frees the slots.
func BenchmarkFlowChurn(b *testing.B) {
	tab := New(Options{})
	const n = 4096
	syn := make([]*decode.Packet, n)
	rst := make([]*decode.Packet, n)
	for i := range syn {
		syn[i] = tcp(1, addr(i, 40000+i), "10.1.0.1:502", S, 74)
		rst[i] = tcp(1, "10.1.0.1:502", addr(i, 40000+i), R|A, 60)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % n
		tab.Packet(syn[j])
		tab.Packet(rst[j])
		if j == n-1 {
			tab.Flush(base)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/packet")
}
