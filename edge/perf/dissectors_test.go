package perf

import (
	"runtime"
	"testing"

	"mimamori/protocols"
)

// BenchmarkDissectorOverhead is BenchmarkPipeline on the OT-heavy capture
// with every dissector and with none: the difference is what the
// dissectors cost the whole sensor pipeline per packet.
func BenchmarkDissectorOverhead(b *testing.B) {
	none, err := protocols.NewRegistry()
	if err != nil {
		b.Fatal(err)
	}
	frames := benchFrames(b, OTHeavy, 400_000)
	for _, tc := range []struct {
		name string
		reg  *protocols.Registry
	}{{"all", nil}, {"none", none}} {
		b.Run("dissectors="+tc.name, func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			r := newReplayerWith(b, frames, tc.reg)
			r.run(frames.Len())
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			bytes := r.run(b.N)
			b.StopTimer()
			reportRate(b, b.N, bytes, b.Elapsed())
		})
	}
}
