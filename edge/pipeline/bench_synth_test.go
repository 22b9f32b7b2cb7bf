package pipeline

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/synth"
	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
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
	frames := generatedFrames(b)
	none, err := protocols.NewRegistry()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("dissectors=all", func(b *testing.B) { benchmarkSynthetic(b, frames, nil) })
	b.Run("dissectors=none", func(b *testing.B) { benchmarkSynthetic(b, frames, none) })
}

// synthFrame is a generated frame and, for TCP segments, where its
// sequence number sits.
type synthFrame struct {
	data   []byte
	ts     int64
	seqOff int // -1 when not a TCP segment
	seq    uint32
}

const synthSpan = 5 * time.Minute

func generatedFrames(b *testing.B) []synthFrame {
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	gen := synth.New(synth.Config{Seed: 1, Start: start, Duration: synthSpan})
	dec := decode.New()
	var p decode.Packet
	var frames []synthFrame
	for {
		data, ts, ok := gen.Next()
		if !ok {
			break
		}
		fr := synthFrame{data: slices.Clip(slices.Clone(data)), ts: ts, seqOff: -1}
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, ts), CaptureLength: len(data), Length: len(data)}
		if dec.Decode(fr.data, ci, layers.LinkTypeEthernet, &p) == nil && p.IPProto == layers.IPProtocolTCP && !p.Fragment {
			fr.seqOff, fr.seq = seqOffset(fr.data, &p), p.TCPSeq
		}
		frames = append(frames, fr)
	}
	if len(frames) == 0 {
		b.Fatal("generator produced no frames")
	}
	return frames
}

// seqOffset finds the TCP sequence number field of a decoded segment, or
// -1: the header just before the payload with the segment's ports,
// sequence number and a matching data offset.
func seqOffset(data []byte, p *decode.Packet) int {
	payloadOff := cap(data) - cap(p.Payload)
	for hl := 20; hl <= 60; hl += 4 {
		off := payloadOff - hl
		if off < 0 {
			break
		}
		h := data[off:]
		if int(h[12]>>4)*4 == hl && binary.BigEndian.Uint16(h) == p.SrcPort &&
			binary.BigEndian.Uint16(h[2:]) == p.DstPort && binary.BigEndian.Uint32(h[4:]) == p.TCPSeq {
			return off + 4
		}
	}
	return -1
}

func benchmarkSynthetic(b *testing.B, frames []synthFrame, reg *protocols.Registry) {
	p := New(Options{Source: "bench", Protocols: reg, OnMinute: func(*wirepb.Batch) {}})
	var ci gopacket.CaptureInfo
	run := func(i int) {
		fr := &frames[i%len(frames)]
		pass := i / len(frames)
		if fr.seqOff >= 0 {
			binary.BigEndian.PutUint32(fr.data[fr.seqOff:], fr.seq+uint32(pass)<<30)
		}
		ci.Timestamp = time.Unix(0, fr.ts+int64(pass)*int64(synthSpan))
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
