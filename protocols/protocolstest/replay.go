package protocolstest

import (
	"encoding/binary"
	"slices"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/synth"
)

// ReplaySpan is how much generated traffic a Replay holds.
const ReplaySpan = 5 * time.Minute

// Replay is five minutes of the generated default factory, replayed
// endlessly by the dissector and pipeline benchmarks.
type Replay struct {
	frames []replayFrame
}

// replayFrame is one generated frame with, for TCP segments, where its
// sequence number sits.
type replayFrame struct {
	data   []byte
	ts     int64
	seqOff int // -1 when not a TCP segment
	seq    uint32
}

// NewReplay generates the frames (seed 1, one default factory).
func NewReplay() *Replay {
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	gen := synth.New(synth.Config{Seed: 1, Start: start, Duration: ReplaySpan})
	dec := decode.New()
	var p decode.Packet
	r := &Replay{}
	for {
		data, ts, ok := gen.Next()
		if !ok {
			break
		}
		fr := replayFrame{data: slices.Clip(slices.Clone(data)), ts: ts, seqOff: -1}
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, ts), CaptureLength: len(data), Length: len(data)}
		if dec.Decode(fr.data, ci, layers.LinkTypeEthernet, &p) == nil && p.IPProto == layers.IPProtocolTCP && !p.Fragment {
			fr.seqOff, fr.seq = SeqOffset(fr.data, &p), p.TCPSeq
		}
		r.frames = append(r.frames, fr)
	}
	return r
}

// Len is the number of frames in one pass.
func (r *Replay) Len() int { return len(r.frames) }

// Frame returns frame i of the endless replay and its timestamp: each
// pass over the frames is shifted forward in time by ReplaySpan, and TCP
// sequence numbers by a quarter of their space, so that every pass is new
// traffic to the flow table and to TCP reassembly (which would otherwise
// take it for retransmissions) at the cost of one resync per connection
// and pass. The frame is valid until the next call for the same index.
func (r *Replay) Frame(i int) (data []byte, tsNs int64) {
	fr := &r.frames[i%len(r.frames)]
	pass := i / len(r.frames)
	if fr.seqOff >= 0 {
		binary.BigEndian.PutUint32(fr.data[fr.seqOff:], fr.seq+uint32(pass)<<30)
	}
	return fr.data, fr.ts + int64(pass)*int64(ReplaySpan)
}

// SeqOffset finds the TCP sequence number field of a decoded segment, or
// -1: the payload ends the frame's capacity, and the header before it has
// the segment's ports, sequence number and a matching data offset.
func SeqOffset(data []byte, p *decode.Packet) int {
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
