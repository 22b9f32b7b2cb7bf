package pipeline

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/capture/capturetest"
	"mimamori/edge/wire/wirepb"
)

// FuzzPipeline feeds arbitrary frames, with arbitrary gaps between them,
// through a pipeline with the real observer. Nothing may panic, every
// frame must be counted once, minutes must only move forward and no flow
// may hold more packets than were seen.
func FuzzPipeline(f *testing.F) {
	frames := capturetest.Frames(f, capturetest.FilesIfPresent(), 6)
	for i := 0; i+3 <= len(frames); i += 3 {
		f.Add(uint8(frames[i].Link), uint8(7), joinFrames(frames[i].Data, frames[i+1].Data, frames[i+2].Data))
	}
	f.Add(uint8(layers.LinkTypeEthernet), uint8(30), joinFrames(udpFrame(f, "10.0.0.1", "10.0.0.2", 40000, 502, "x")))
	f.Fuzz(func(t *testing.T, link, step uint8, data []byte) {
		var batches []*wirepb.Batch
		p := New(Options{Source: "fuzz", OnMinute: func(b *wirepb.Batch) { batches = append(batches, b) }})
		ts := base
		fed := 0
		for _, fr := range splitFrames(data) {
			ts = ts.Add(time.Duration(step) * time.Second)
			p.Packet(fr, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(fr), Length: len(fr)}, layers.LinkType(link))
			fed++
		}
		p.Close()
		var packets, flowPackets uint64
		for i, b := range batches {
			if i > 0 && b.Minute <= batches[i-1].Minute {
				t.Fatalf("minute %d after %d", b.Minute, batches[i-1].Minute)
			}
			packets += b.Captures[0].Packets
			for _, fl := range b.Flows {
				flowPackets += fl.SrcPackets + fl.DstPackets
				if n := len(fl.SrcIp); (n != 4 && n != 16) || len(fl.DstIp) != n {
					t.Fatalf("flow with %d- and %d-byte addresses", n, len(fl.DstIp))
				}
			}
		}
		if packets != uint64(fed) || flowPackets > packets {
			t.Fatalf("fed %d frames, stats count %d, flows hold %d", fed, packets, flowPackets)
		}
	})
}

// splitFrames cuts fuzz input into frames, each a length byte and that
// many bytes.
func splitFrames(data []byte) [][]byte {
	var frames [][]byte
	for len(data) > 0 {
		n := min(int(data[0]), len(data)-1)
		frames = append(frames, data[1:1+n])
		data = data[1+n:]
	}
	return frames
}

func joinFrames(frames ...[]byte) []byte {
	var b bytes.Buffer
	for _, f := range frames {
		f = f[:min(len(f), 255)]
		b.WriteByte(byte(len(f)))
		b.Write(f)
	}
	return b.Bytes()
}
