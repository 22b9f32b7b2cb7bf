package perf

import (
	"runtime"
	"testing"

	"mimamori/protocols"
)

// BenchmarkDissectorOverhead is BenchmarkPipeline on the OT-heavy capture
// with every dissector and with none: the difference is what the
// dissectors cost the whole sensor pipeline per packet. cpu-ns/packet is
// the same on the process's CPU time.
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
			cpu := processCPU()
			bytes := r.run(b.N)
			cpu = processCPU() - cpu
			b.StopTimer()
			reportRate(b, b.N, bytes, b.Elapsed())
			// CPU time leaves out the time spent waiting for the core,
			// which on a shared machine varies more than the work.
			if cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/packet")
			}
		})
	}
}
