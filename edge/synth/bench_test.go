package synth

import (
	"fmt"
	"io"
	"testing"
	"time"
)

// BenchmarkGenerate measures frame generation of the default plant, past
// its boot phase, into the generator's own buffer.
func BenchmarkGenerate(b *testing.B) {
	for _, cells := range []int{3, 30} {
		b.Run(fmt.Sprintf("cells=%d", cells), func(b *testing.B) {
			g := New(Config{Seed: 1, Cells: cells})
			for i := 0; i < 50000; i++ { // past boot and connection setup
				g.Next()
			}
			b.ReportAllocs()
			b.ResetTimer()
			var bytes int
			for i := 0; i < b.N; i++ {
				f, _, _ := g.Next()
				bytes += len(f)
			}
			b.StopTimer()
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/sec, "pkts/s")
			b.ReportMetric(float64(bytes)/float64(b.N), "B/frame")
			b.SetBytes(int64(bytes / max(b.N, 1)))
		})
	}
}

// BenchmarkWritePcap is a minute of the default plant written as pcap.
func BenchmarkWritePcap(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := WritePcap(io.Discard, New(Config{Seed: 1, Duration: time.Minute}), 0); err != nil {
			b.Fatal(err)
		}
	}
}
