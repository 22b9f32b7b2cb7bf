package perf

import (
	"net/netip"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/edge/synth"
	"mimamori/edge/wire"
	"mimamori/protocols"
)

// smallSpec is a plant small enough for every benchmark body to run in a
// moment.
var smallSpec = Spec{"small", synth.Plant{Devices: synth.MinPlantDevices + 10, ConnsPerMin: 100, MeanFrame: 200, Flat: true, Seed: Seed}}

// TestBenchSmoke runs the body of every benchmark once on tiny inputs and
// checks that it produces sensible numbers: CI cannot time anything, but
// it can tell when the harness breaks.
func TestBenchSmoke(t *testing.T) {
	g, _, err := smallSpec.Generator(2*time.Minute, false)
	if err != nil {
		t.Fatal(err)
	}
	frames := Generate(g, 0)
	if frames.Len() < 1000 {
		t.Fatalf("only %d frames", frames.Len())
	}

	t.Run("pipeline", func(t *testing.T) {
		r := newReplayer(t, frames)
		bytes := r.run(2 * frames.Len())
		if bytes != 2*frames.Bytes() || r.batches < 3 || r.wire == 0 {
			t.Fatalf("%d bytes for %d, %d batches, %d wire bytes", bytes, 2*frames.Bytes(), r.batches, r.wire)
		}
	})
	t.Run("streams run on", func(t *testing.T) {
		// Each pass's TCP segments carry on where the pass before left
		// each stream: the boundaries between passes add no gap to those
		// the capture has.
		r := newReplayer(t, frames)
		dec := decode.New()
		var p decode.Packet
		type end struct{ src, dst netip.AddrPort }
		next := map[end]uint32{}
		gaps := make([]int, 3)
		segments := 0
		for k := range len(gaps) * frames.Len() {
			data, ts := r.frame(k%frames.Len(), int64(k/frames.Len()))
			ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, ts), CaptureLength: len(data), Length: len(data)}
			if dec.Decode(data, ci, layers.LinkTypeEthernet, &p) != nil || p.IPProto != layers.IPProtocolTCP {
				continue
			}
			segments++
			e := end{netip.AddrPortFrom(p.SrcIP, p.SrcPort), netip.AddrPortFrom(p.DstIP, p.DstPort)}
			if want, ok := next[e]; ok && p.TCPSeq != want {
				gaps[k/frames.Len()]++
			}
			n := p.TCPSeq + uint32(len(p.Payload))
			if p.TCPFlags&(decode.FlagSYN) != 0 {
				n++
			}
			if p.TCPFlags&(decode.FlagFIN) != 0 {
				n++
			}
			next[e] = n
		}
		if segments == 0 || gaps[1] != gaps[0] || gaps[2] != gaps[0] {
			t.Errorf("%d TCP segments; gaps in each pass %v, want those of the first in every pass", segments, gaps)
		}
	})
	t.Run("dissectors=none", func(t *testing.T) {
		none, err := protocols.NewRegistry()
		if err != nil {
			t.Fatal(err)
		}
		r := newReplayerWith(t, frames, none)
		if bytes := r.run(frames.Len()); bytes != frames.Bytes() || r.batches < 1 {
			t.Fatalf("%d bytes for %d, %d batches", bytes, frames.Bytes(), r.batches)
		}
	})
	path := filepath.Join(t.TempDir(), "small.pcap")
	writePcap(t, path, frames, frames.Len())
	t.Run("file", func(t *testing.T) {
		codec, err := wire.NewCodec()
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := runFile(t, path, codec); n != frames.Len() {
			t.Fatalf("pipeline counted %d of %d packets", n, frames.Len())
		}
	})
	t.Run("reference", func(t *testing.T) {
		for _, tool := range referenceTools {
			if _, err := exec.LookPath(tool.name); err != nil {
				t.Logf("%s not installed", tool.name)
				continue
			}
			if cpu := toolCPU(t, tool.args(path)); cpu <= 0 {
				t.Errorf("%s used no CPU", tool.name)
			}
		}
	})
	var batches = minutes(t, smallSpec, 1, 2)
	t.Run("upload", func(t *testing.T) {
		s := measureUpload(t, batches, batches)
		if s.wire <= 0 || s.zeek <= 0 || s.rows <= 0 || s.zeekRaw <= s.zeek || len(batches) != 2 {
			t.Fatalf("%+v from %d batches", s, len(batches))
		}
		if logs := string(ZeekLogs(batches[0])); len(logs) == 0 || logs[:10] != "#separator" {
			t.Fatalf("Zeek logs start %q", logs[:min(len(logs), 40)])
		}
	})
	t.Run("ingest", func(t *testing.T) {
		r := measureIngest(t, batches, 2, 3)
		if r.batches != 6 || r.rows < 6 || r.elapsed <= 0 || r.fileBytes == 0 {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("rss", func(t *testing.T) {
		r := measureRSS(t, smallSpec, time.Minute)
		if r.PeakKB < 1024 || r.Batches == 0 {
			t.Fatalf("%+v", r)
		}
	})
}
