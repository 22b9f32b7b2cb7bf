package perf

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"mimamori/edge/capture"
	"mimamori/edge/decode"
	"mimamori/edge/pipeline"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
)

// benchDir is where scripts/bench.sh leaves the captures.
func benchDir() string { return os.Getenv("MIMAMORI_BENCH_DIR") }

// benchFrames returns the frames of s: the whole capture file from
// $MIMAMORI_BENCH_DIR when it is there, otherwise max frames generated in
// memory.
func benchFrames(tb testing.TB, s Spec, max int) *Frames {
	tb.Helper()
	if dir := benchDir(); dir != "" {
		path := filepath.Join(dir, s.Name+".pcap")
		if _, err := os.Stat(path); err == nil {
			f, err := Load(path, 0)
			if err != nil {
				tb.Fatal(err)
			}
			return f
		}
	}
	g, _, err := s.Generator(0, false)
	if err != nil {
		tb.Fatal(err)
	}
	return Generate(g, max)
}

// benchFile returns the capture file of s, writing frames to a temporary
// one when $MIMAMORI_BENCH_DIR has none.
func benchFile(tb testing.TB, s Spec, frames *Frames) string {
	tb.Helper()
	if dir := benchDir(); dir != "" {
		if path := filepath.Join(dir, s.Name+".pcap"); fileExists(path) {
			return path
		}
	}
	path := filepath.Join(tb.TempDir(), s.Name+".pcap")
	writePcap(tb, path, frames, frames.Len())
	return path
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func writePcap(tb testing.TB, path string, frames *Frames, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < n && i < frames.Len(); i++ {
		data, ts := frames.At(i)
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, ts), CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			tb.Fatal(err)
		}
	}
}

// replayer feeds frames to a pipeline built the way the sensor builds it,
// in order, pass after pass, each pass shifted forward by whole minutes so
// that time only moves on and minutes keep sealing, and its TCP sequence
// numbers by what each direction of each connection carried in a pass, so
// that every stream runs on without a gap, as a plant's would: TCP
// reassembly takes every pass's segments for new data rather than
// retransmissions (which it would skip undissected), and does not lose
// step once a pass in every stream (which would dissect messages a
// plant's steady polls never need dissected). Each sealed minute is
// encoded for the wire, as the sensor's batcher does.
type replayer struct {
	frames  *Frames
	seqs    []tcpSeq // per frame
	p       *pipeline.Pipeline
	codec   *wire.Codec
	shift   int64
	next    int
	ci      gopacket.CaptureInfo
	batches int
	wire    int
}

func newReplayer(tb testing.TB, frames *Frames) *replayer {
	return newReplayerWith(tb, frames, nil)
}

// newReplayerWith is newReplayer with the given dissectors (nil: all).
func newReplayerWith(tb testing.TB, frames *Frames, reg *protocols.Registry) *replayer {
	tb.Helper()
	codec, err := wire.NewCodec()
	if err != nil {
		tb.Fatal(err)
	}
	r := &replayer{frames: frames, codec: codec, seqs: tcpSeqs(frames)}
	r.shift = (int64(frames.Span())/int64(time.Minute) + 1) * int64(time.Minute)
	r.p = pipeline.New(pipeline.Options{Source: "bench", Protocols: reg, OnMinute: func(b *wirepb.Batch) {
		b.Tenant, b.Sensor, b.Seq = "bench", "s1", uint64(r.batches+1)
		payload, err := r.codec.Encode(b)
		if err != nil {
			panic(err)
		}
		r.batches++
		r.wire += len(payload)
	}})
	return r
}

// run feeds the next n frames and returns their bytes.
func (r *replayer) run(n int) int {
	bytes := 0
	for k := 0; k < n; k++ {
		data, ts := r.frame(r.next%r.frames.Len(), int64(r.next/r.frames.Len()))
		r.ci.Timestamp = time.Unix(0, ts)
		r.ci.CaptureLength, r.ci.Length = len(data), len(data)
		r.p.Packet(data, r.ci, layers.LinkTypeEthernet)
		bytes += len(data)
		r.next++
	}
	return bytes
}

// frame returns frame i of the capture rewritten in place for pass pass,
// and its time then.
func (r *replayer) frame(i int, pass int64) ([]byte, int64) {
	data, ts := r.frames.At(i)
	if s := r.seqs[i]; s.off >= 0 {
		binary.BigEndian.PutUint32(data[s.off:], s.seq+uint32(pass)*s.step)
	}
	return data, ts + pass*r.shift
}

// tcpSeq is where a frame's TCP sequence number sits, its value in the
// capture and how far it moves on each pass: the sequence space its
// direction of the connection took up over the capture. off is -1 for
// frames that are not TCP segments.
type tcpSeq struct {
	off  int32
	seq  uint32
	step uint32
}

// tcpSeqs finds every frame's TCP sequence number and its step.
func tcpSeqs(frames *Frames) []tcpSeq {
	type end struct{ src, dst netip.AddrPort }
	dec := decode.New()
	var p decode.Packet
	seqs := make([]tcpSeq, frames.Len())
	ends := make([]end, frames.Len())
	first := map[end]uint32{}
	span := map[end]uint32{}
	for i := range seqs {
		data, ts := frames.At(i)
		seqs[i].off = -1
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, ts), CaptureLength: len(data), Length: len(data)}
		if dec.Decode(data, ci, layers.LinkTypeEthernet, &p) != nil || p.IPProto != layers.IPProtocolTCP || p.Fragment {
			continue
		}
		seqs[i] = tcpSeq{off: int32(protocolstest.SeqOffset(data, &p)), seq: p.TCPSeq}
		k := end{netip.AddrPortFrom(p.SrcIP, p.SrcPort), netip.AddrPortFrom(p.DstIP, p.DstPort)}
		ends[i] = k
		f, ok := first[k]
		if !ok {
			f, first[k] = p.TCPSeq, p.TCPSeq
		}
		// SYN and FIN take up a number each.
		taken := p.TCPSeq + uint32(len(p.Payload)) - f
		if p.TCPFlags&decode.FlagSYN != 0 {
			taken++
		}
		if p.TCPFlags&decode.FlagFIN != 0 {
			taken++
		}
		span[k] = max(span[k], taken)
	}
	for i := range seqs {
		if seqs[i].off >= 0 {
			seqs[i].step = span[ends[i]]
		}
	}
	return seqs
}

// reportRate adds the per-packet figures every throughput benchmark shows.
func reportRate(b *testing.B, packets, bytes int, elapsed time.Duration) {
	ns := float64(elapsed.Nanoseconds()) / float64(packets)
	b.ReportMetric(ns, "ns/packet")
	b.ReportMetric(1e3/ns, "Mpps")
	// On the wire every frame also has preamble, start delimiter, FCS and
	// the inter-frame gap: 24 bytes.
	b.ReportMetric(float64(bytes+24*packets)*8/float64(elapsed.Nanoseconds()), "Gbit/s-wire")
	b.ReportMetric(float64(bytes)/float64(packets), "B/frame")
}

// BenchmarkPipeline is the sensor's per-source throughput on one core:
// each op is one packet through decode, flows, dissectors, observations,
// minute sealing and wire encoding.
func BenchmarkPipeline(b *testing.B) {
	for _, s := range []Spec{OTHeavy, Mixed} {
		b.Run("capture="+s.Name, func(b *testing.B) {
			frames := benchFrames(b, s, 400_000)
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			r := newReplayer(b, frames)
			r.run(frames.Len()) // warm the tables, as a running sensor's are
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			bytes := r.run(b.N)
			b.StopTimer()
			reportRate(b, b.N, bytes, b.Elapsed())
		})
	}
}

// BenchmarkPipelineFile is the same work read from the capture file
// through the sensor's file source and pipeline.Run: the figure to put
// next to tools that read the file themselves.
func BenchmarkPipelineFile(b *testing.B) {
	for _, s := range []Spec{OTHeavy, Mixed} {
		b.Run("capture="+s.Name, func(b *testing.B) {
			var frames *Frames
			path := ""
			if dir := benchDir(); dir != "" && fileExists(filepath.Join(dir, s.Name+".pcap")) {
				path = filepath.Join(dir, s.Name+".pcap")
			} else {
				frames = benchFrames(b, s, 200_000)
				path = benchFile(b, s, frames)
			}
			// The sensor makes its codec once, at start.
			codec, err := wire.NewCodec()
			if err != nil {
				b.Fatal(err)
			}
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			b.ResetTimer()
			packets, bytes := 0, 0
			for i := 0; i < b.N; i++ {
				n, m := runFile(b, path, codec)
				packets, bytes = packets+n, bytes+m
			}
			b.StopTimer()
			reportRate(b, packets, bytes, b.Elapsed())
		})
	}
}

// runFile replays a capture file through a fresh pipeline, encoding each
// sealed minute with codec.
func runFile(tb testing.TB, path string, codec *wire.Codec) (packets, bytes int) {
	tb.Helper()
	src, err := capture.OpenFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	p := pipeline.New(pipeline.Options{Source: "file", OnMinute: func(b *wirepb.Batch) {
		b.Tenant, b.Sensor, b.Seq = "bench", "s1", 1
		if _, err := codec.Encode(b); err != nil {
			panic(err)
		}
		for _, c := range b.Captures {
			packets += int(c.Packets)
			bytes += int(c.Bytes)
		}
	}})
	if err := pipeline.Run(context.Background(), src, p); err != nil {
		tb.Fatal(err)
	}
	p.Close()
	return packets, bytes
}

// referenceTools are what a user would run instead, on the same file.
var referenceTools = []struct {
	name string
	args func(file string) []string
}{
	{"tshark", func(f string) []string { return []string{"tshark", "-n", "-q", "-z", "conv,ip", "-r", f} }},
	{"tcpdump", func(f string) []string { return []string{"tcpdump", "-n", "-r", f, "-w", "/dev/null"} }},
}

// BenchmarkReference runs tshark (`-q -z conv,ip`) and tcpdump
// (`-r FILE -w /dev/null`) on the same captures and reports their CPU time
// per packet (user + system of the child), net of start-up: the cost of
// the same tool on the first 1000 frames is subtracted.
func BenchmarkReference(b *testing.B) {
	for _, tool := range referenceTools {
		for _, s := range []Spec{OTHeavy, Mixed} {
			b.Run(fmt.Sprintf("tool=%s/capture=%s", tool.name, s.Name), func(b *testing.B) {
				if _, err := exec.LookPath(tool.name); err != nil {
					b.Skipf("%s not installed (scripts/bench.sh installs it)", tool.name)
				}
				frames := benchFrames(b, s, 200_000)
				path := benchFile(b, s, frames)
				head := filepath.Join(b.TempDir(), "head.pcap")
				writePcap(b, head, frames, 1000)
				startup := toolCPU(b, tool.args(head))
				b.ResetTimer()
				var cpu time.Duration
				for i := 0; i < b.N; i++ {
					cpu += toolCPU(b, tool.args(path)) - startup
				}
				b.StopTimer()
				packets := b.N * (frames.Len() - 1000)
				ns := float64(cpu.Nanoseconds()) / float64(packets)
				b.ReportMetric(ns, "ns/packet")
				b.ReportMetric(1e3/ns, "Mpps")
				b.ReportMetric(float64(frames.Bytes()+24*frames.Len())*8/(ns*float64(frames.Len())), "Gbit/s-wire")
			})
		}
	}
}

// toolCPU runs a command and returns the CPU time it used.
func toolCPU(tb testing.TB, args []string) time.Duration {
	tb.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%v: %v\n%s", args, err, out)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		tb.Fatal("no resource usage for the child")
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
