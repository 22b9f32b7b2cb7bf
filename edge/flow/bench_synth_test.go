package flow

import (
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/synth"
)

// BenchmarkDecodeFlowSynthetic is the foundation's reference figure: decode
// plus flow table over five minutes of the generated default factory (OT
// heavy, ~120-byte mean frame), replayed in time order with each pass
// shifted forward so time keeps moving, and with the per-minute flush timed
// as the sensor does it.
func BenchmarkDecodeFlowSynthetic(b *testing.B) {
	const span = 5 * time.Minute
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	gen := synth.New(synth.Config{Seed: 1, Start: start, Duration: span})
	type frame struct {
		data []byte
		ts   int64
	}
	var frames []frame
	var bytes int
	for {
		data, ts, ok := gen.Next()
		if !ok {
			break
		}
		frames = append(frames, frame{append([]byte(nil), data...), ts})
		bytes += len(data)
	}
	if len(frames) == 0 {
		b.Fatal("generator produced no frames")
	}
	d := decode.New()
	tab := New(Options{})
	var p decode.Packet
	var ci gopacket.CaptureInfo
	curMinute := int64(-1)
	run := func(i int) {
		fr := &frames[i%len(frames)]
		pass := int64(i / len(frames))
		ts := fr.ts + pass*int64(span)
		if m := ts - ts%minuteNs; m != curMinute {
			if curMinute >= 0 {
				tab.Flush(curMinute)
			}
			curMinute = m
		}
		ci.Timestamp = time.Unix(0, ts)
		ci.CaptureLength, ci.Length = len(fr.data), len(fr.data)
		_ = d.Decode(fr.data, ci, layers.LinkTypeEthernet, &p)
		tab.Packet(&p)
	}
	for i := range frames { // warm the table and its free lists
		run(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run(len(frames) + i)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
	b.ReportMetric(float64(bytes)/float64(len(frames)), "B/frame")
}
