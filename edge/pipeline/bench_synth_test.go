package pipeline

import (
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
)

// BenchmarkPipelineSynthetic runs five minutes of the generated default
// factory (almost all OT traffic) through the whole per-source path, in
// time order, each pass shifted forward so minutes keep sealing as they do
// on a live link, and each pass's TCP sequence numbers shifted so that
// reassembly sees new data rather than retransmissions: once with every
// OT dissector and once with none, the cost of the dissectors being the
// difference. Compare both with flow.BenchmarkDecodeFlowSynthetic, the
// same traffic through decode and the flow table only.
func BenchmarkPipelineSynthetic(b *testing.B) {
	frames := protocolstest.NewReplay()
	none, err := protocols.NewRegistry()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("dissectors=all", func(b *testing.B) { benchmarkSynthetic(b, frames, nil) })
	b.Run("dissectors=none", func(b *testing.B) { benchmarkSynthetic(b, frames, none) })
}

func benchmarkSynthetic(b *testing.B, frames *protocolstest.Replay, reg *protocols.Registry) {
	p := New(Options{Source: "bench", Protocols: reg, OnMinute: func(*wirepb.Batch) {}})
	var ci gopacket.CaptureInfo
	run := func(i int) {
		data, ts := frames.Frame(i)
		ci.Timestamp = time.Unix(0, ts)
		ci.CaptureLength, ci.Length = len(data), len(data)
		p.Packet(data, ci, layers.LinkTypeEthernet)
	}
	for i := range frames.Len() { // warm the tables
		run(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run(frames.Len() + i)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
}
