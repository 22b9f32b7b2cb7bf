package flow

import (
	"fmt"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/capture/capturetest"
	"mimamori/edge/decode"
)

func addr(i, port int) string {
	return fmt.Sprintf("10.0.%d.%d:%d", i/250%250, i%250, port)
}

// splitFrames cuts fuzz input into frames: each is a length byte followed
// by that many bytes.
func splitFrames(data []byte) [][]byte {
	var frames [][]byte
	for len(data) > 0 {
		n := int(data[0])
		data = data[1:]
		n = min(n, len(data))
		frames = append(frames, data[:n])
		data = data[n:]
	}
	return frames
}

// joinFrames is the inverse of splitFrames for seeds.
func joinFrames(frames ...[]byte) []byte {
	var out []byte
	for _, f := range frames {
		f = f[:min(len(f), 255)]
		out = append(out, byte(len(f)))
		out = append(out, f...)
	}
	return out
}

// FuzzFlow runs arbitrary frames through the decoder into a small table,
// flushing every few packets, and checks that every IP packet is reported
// exactly once and that the bound holds.
func FuzzFlow(f *testing.F) {
	frames := capturetest.Frames(f, capturetest.FilesIfPresent(), 16)
	for i := 0; i+4 <= len(frames); i += 4 {
		if frames[i].Link == layers.LinkTypeEthernet {
			f.Add(uint8(3), joinFrames(frames[i].Data, frames[i+1].Data, frames[i+2].Data, frames[i+3].Data))
		}
	}
	f.Add(uint8(1), joinFrames([]byte{0x45}))
	f.Fuzz(func(t *testing.T, step uint8, data []byte) {
		const maxFlows = 4
		tab := New(Options{MaxFlows: maxFlows})
		d := decode.New()
		var p decode.Packet
		var ipPackets, reported uint64
		ts := base
		flush := func() {
			flows, st := tab.Flush(ts - ts%minuteNs)
			for _, fl := range flows {
				reported += fl.SrcPackets + fl.DstPackets
				if fl.SrcPackets+fl.DstPackets == 0 {
					t.Fatal("record without packets")
				}
			}
			if st.Active != uint64(tab.Len()) || tab.Len() > maxFlows {
				t.Fatalf("stats %+v with %d flows", st, tab.Len())
			}
		}
		for i, fr := range splitFrames(data) {
			ts += int64(step) * int64(1e9)
			ci := gopacket.CaptureInfo{Timestamp: timeOf(ts), CaptureLength: len(fr), Length: len(fr)}
			_ = d.Decode(fr, ci, layers.LinkTypeEthernet, &p)
			tab.Packet(&p)
			if p.IPVersion != 0 {
				ipPackets++
			}
			if i%7 == 6 {
				flush()
			}
		}
		flush()
		if reported != ipPackets {
			t.Fatalf("records hold %d packets, %d IP packets were seen", reported, ipPackets)
		}
	})
}
