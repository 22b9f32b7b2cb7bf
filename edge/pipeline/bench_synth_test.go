package pipeline

import (
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/synth"
	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
)

// BenchmarkPipelineSynthetic runs five minutes of the generated default
// factory (almost all OT traffic) through the whole per-source path, in
// time order, each pass shifted forward so minutes keep sealing as they do
// on a live link: once with every OT dissector and once with none, the
// cost of the dissectors being the difference. Compare both with
// flow.BenchmarkDecodeFlowSynthetic, the same traffic through decode and
// the flow table only.
func BenchmarkPipelineSynthetic(b *testing.B) {
	none, err := protocols.NewRegistry()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("dissectors=all", func(b *testing.B) { benchmarkSynthetic(b, nil) })
	b.Run("dissectors=none", func(b *testing.B) { benchmarkSynthetic(b, none) })
}

func benchmarkSynthetic(b *testing.B, reg *protocols.Registry) {
	const span = 5 * time.Minute
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	gen := synth.New(synth.Config{Seed: 1, Start: start, Duration: span})
	type frame struct {
		data []byte
		ts   int64
	}
	var frames []frame
	for {
		data, ts, ok := gen.Next()
		if !ok {
			break
		}
		frames = append(frames, frame{append([]byte(nil), data...), ts})
	}
	if len(frames) == 0 {
		b.Fatal("generator produced no frames")
	}
	p := New(Options{Source: "bench", Protocols: reg, OnMinute: func(*wirepb.Batch) {}})
	var ci gopacket.CaptureInfo
	run := func(i int) {
		fr := &frames[i%len(frames)]
		pass := int64(i / len(frames))
		ci.Timestamp = time.Unix(0, fr.ts+pass*int64(span))
		ci.CaptureLength, ci.Length = len(fr.data), len(fr.data)
		p.Packet(fr.data, ci, layers.LinkTypeEthernet)
	}
	for i := range frames { // warm the tables
		run(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run(len(frames) + i)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}
