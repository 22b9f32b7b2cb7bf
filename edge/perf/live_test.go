//go:build linux

package perf

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"golang.org/x/sys/unix"

	"mimamori/edge/capture"
	"mimamori/edge/pipeline"
	"mimamori/edge/synth"
	"mimamori/edge/synth/netns"
	"mimamori/edge/wire/wirepb"
)

// liveStep is one rate of the ladder.
type liveStep struct {
	target, achieved float64 // frames per second
	sent, captured   uint64
	sockDrops        uint64 // the capture socket's PACKET_STATISTICS drops
	backlogDrops     uint64 // /proc/net/softnet_stat drops (before any socket)
	bytes            uint64
}

func (s liveStep) lossless() bool {
	return s.captured == s.sent && s.sockDrops == 0 && s.backlogDrops == 0
}

// countingSource counts what the pipeline reads.
type countingSource struct {
	capture.Source
	n atomic.Uint64
}

func (c *countingSource) ReadPacket() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	data, ci, link, err := c.Source.ReadPacket()
	if err == nil {
		c.n.Add(1)
	}
	return data, ci, link, err
}

// pinThread binds the calling OS thread to one CPU (best effort).
func pinThread(cpu int) {
	var set unix.CPUSet
	set.Set(cpu)
	_ = unix.SchedSetaffinity(0, &set)
}

// unpinThread lets the calling OS thread run anywhere again.
func unpinThread() {
	var set unix.CPUSet
	for i := 0; i < runtime.NumCPU(); i++ {
		set.Set(i)
	}
	_ = unix.SchedSetaffinity(0, &set)
}

// softnetDrops sums the per-CPU "dropped" column of /proc/net/softnet_stat:
// frames the kernel dropped because a CPU's input backlog was full.
func softnetDrops() uint64 {
	f, err := os.Open("/proc/net/softnet_stat")
	if err != nil {
		return 0
	}
	defer f.Close()
	var total uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 1 {
			v, _ := strconv.ParseUint(fields[1], 16, 64)
			total += v
		}
	}
	return total
}

// measureLive sends frames (loopback addresses) from one end of a veth
// pair in a private namespace at each rate of the ladder, stepFor seconds
// each, while the sensor's AF_PACKET source and pipeline capture them on
// the other end. It stops after the first rate that loses frames.
func measureLive(tb testing.TB, frames *Frames, rates []float64, stepFor time.Duration, refine int, withPipeline bool) []liveStep {
	tb.Helper()
	if err := netns.Available(); err != nil {
		tb.Skipf("live capture benchmark skipped: %v", err)
	}
	ns, err := netns.New(fmt.Sprintf("mimamori-perf-%d", os.Getpid()), "mpa", "mpb")
	if err != nil {
		tb.Fatal(err)
	}
	defer ns.Close()
	var tx *synth.Transmitter
	var rx capture.Source
	if err := ns.Do(func() error {
		var err error
		if tx, err = synth.OpenTransmitter(ns.A); err != nil {
			return err
		}
		rx, err = capture.OpenLive(ns.B, capture.LiveOptions{})
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	defer tx.Close()
	src := &countingSource{Source: rx}
	defer src.Close()

	// The capture side runs as the sensor's capture actor runs it.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		// The capture loop gets a core of its own, the sender the other.
		runtime.LockOSThread()
		pinThread(runtime.NumCPU() - 1)
		if !withPipeline {
			done <- drain(ctx, src)
			return
		}
		p := pipeline.New(pipeline.Options{Source: ns.B, OnMinute: func(*wirepb.Batch) {}})
		done <- pipeline.Run(ctx, src, p)
	}()
	defer func() {
		cancel()
		<-done
	}()

	next := 0
	step := func(rate float64) liveStep {
		n := max(int(rate*stepFor.Seconds()), 5000)
		st := liveStep{target: rate}
		before, dropsBefore, backlogBefore := src.n.Load(), rx.Drops(), softnetDrops()
		runtime.LockOSThread()
		pinThread(0)
		t0 := time.Now()
		for k := 0; k < n; k++ {
			if k%16 == 0 {
				due := t0.Add(time.Duration(float64(k) / rate * float64(time.Second)))
				if ahead := time.Until(due); ahead > 200*time.Microsecond {
					time.Sleep(ahead)
				}
			}
			data, _ := frames.At(next % frames.Len())
			next++
			if err := tx.Send(data); err != nil {
				unpinThread()
				runtime.UnlockOSThread()
				tb.Fatal(err)
			}
			st.bytes += uint64(len(data))
		}
		st.achieved = float64(n) / time.Since(t0).Seconds()
		unpinThread()
		runtime.UnlockOSThread()
		// Wait for the capture side to drain the socket.
		last, quiet := src.n.Load(), time.Now()
		for time.Since(quiet) < 400*time.Millisecond {
			time.Sleep(50 * time.Millisecond)
			if cur := src.n.Load(); cur != last {
				last, quiet = cur, time.Now()
			}
		}
		st.sent = uint64(n)
		st.captured = src.n.Load() - before
		st.sockDrops = rx.Drops() - dropsBefore
		st.backlogDrops = softnetDrops() - backlogBefore
		return st
	}
	// Climb the ladder to the first rate that loses frames, then narrow
	// the gap between the last clean rate and that one.
	var steps []liveStep
	good := 0.0
	for _, rate := range rates {
		st := step(rate)
		if !st.lossless() {
			// Other work on the machine can cost a step its frames once;
			// a rate counts as lossy when a second try loses too.
			steps = append(steps, st)
			st = step(rate)
		}
		steps = append(steps, st)
		if !st.lossless() {
			bad := rate
			for i := 0; i < refine && good > 0; i++ {
				mid := (good + bad) / 2
				st := step(mid)
				if !st.lossless() {
					steps = append(steps, st)
					st = step(mid)
				}
				steps = append(steps, st)
				if st.lossless() {
					good = mid
				} else {
					bad = mid
				}
			}
			break
		}
		good = rate
	}
	return steps
}

// drain reads src and does nothing else: the capture source's own ceiling.
func drain(ctx context.Context, src capture.Source) error {
	for ctx.Err() == nil {
		if _, _, _, err := src.ReadPacket(); err != nil && !errors.Is(err, capture.ErrTimeout) {
			return err
		}
	}
	return nil
}

// liveRates is the ladder BenchmarkLiveCapture climbs, in frames per second.
var liveRates = []float64{25e3, 50e3, 100e3, 150e3, 200e3, 250e3, 300e3, 400e3, 500e3, 650e3, 800e3, 1e6}

// BenchmarkLiveCapture is the highest rate at which the sensor captures
// the OT-heavy traffic, sent over a veth pair inside a private network
// namespace (all addresses in 127.0.0.0/8), without losing a frame as the
// kernel counts it: through the whole pipeline as the sensor runs it, and
// through the capture source alone (its own ceiling). It needs root;
// otherwise it is skipped.
func BenchmarkLiveCapture(b *testing.B) {
	g, _, err := OTHeavy.Generator(0, true)
	if err != nil {
		b.Fatal(err)
	}
	frames := Generate(g, 600_000)
	for _, path := range []string{"pipeline", "source"} {
		b.Run("path="+path, func(b *testing.B) {
			var steps []liveStep
			for i := 0; i < b.N; i++ {
				steps = measureLive(b, frames, liveRates, 2*time.Second, 3, path == "pipeline")
			}
			b.StopTimer()
			reportLive(b, steps)
		})
	}
}

// liveSummary condenses a ladder: a target rate counts as lossless when
// one of its tries lost nothing; the zero-loss rate is the highest rate
// actually sent without loss (it can fall short of its target when the
// sending core is the limit) among the targets below the first one that
// lost frames in every try.
type liveSummary struct {
	zeroLoss  liveStep // at the zero-loss rate
	firstLoss liveStep // the lowest rate that lost frames in every try; sent == 0 if none
	senderMax float64  // the highest rate the sender reached
}

func summarise(steps []liveStep) liveSummary {
	byTarget := map[float64][]liveStep{}
	var targets []float64
	var sum liveSummary
	for _, st := range steps {
		if byTarget[st.target] == nil {
			targets = append(targets, st.target)
		}
		byTarget[st.target] = append(byTarget[st.target], st)
		sum.senderMax = max(sum.senderMax, st.achieved)
	}
	slices.Sort(targets)
	for _, t := range targets {
		var ok *liveStep
		for i, st := range byTarget[t] {
			if st.lossless() && (ok == nil || st.achieved > ok.achieved) {
				ok = &byTarget[t][i]
			}
		}
		if ok == nil {
			sum.firstLoss = byTarget[t][0]
			break
		}
		if ok.achieved > sum.zeroLoss.achieved {
			sum.zeroLoss = *ok
		}
	}
	return sum
}

func reportLive(b *testing.B, steps []liveStep) {
	sum := summarise(steps)
	z := sum.zeroLoss
	b.ReportMetric(z.achieved, "zero-loss-pps")
	if z.sent > 0 {
		b.ReportMetric(float64(z.bytes+24*z.sent)*8/(float64(z.sent)/z.achieved)/1e6, "zero-loss-Mbit/s-wire")
	}
	b.ReportMetric(sum.senderMax, "sender-max-pps")
	if f := sum.firstLoss; f.sent > 0 {
		b.ReportMetric(f.target, "first-loss-target-pps")
		b.ReportMetric(100*float64(f.sent-f.captured)/float64(f.sent), "loss-%")
	}
	var ladder strings.Builder
	for _, st := range steps {
		fmt.Fprintf(&ladder, "\n  target %7.0f/s sent %7.0f/s: %d sent, %d captured, %d socket drops, %d backlog drops",
			st.target, st.achieved, st.sent, st.captured, st.sockDrops, st.backlogDrops)
	}
	b.Log("ladder:" + ladder.String())
}

func TestSummariseLadder(t *testing.T) {
	step := func(target, achieved float64, lost uint64) liveStep {
		return liveStep{target: target, achieved: achieved, sent: 1000, captured: 1000 - lost}
	}
	tests := []struct {
		name      string
		steps     []liveStep
		zero      float64
		firstLoss float64
	}{
		{"clean", []liveStep{step(100, 100, 0), step(200, 199, 0)}, 199, 0},
		{"loss", []liveStep{step(100, 100, 0), step(200, 199, 5), step(200, 198, 3), step(150, 149, 0)}, 149, 200},
		{"retry passes", []liveStep{step(100, 100, 0), step(200, 199, 5), step(200, 197, 0), step(300, 280, 9), step(300, 281, 9)}, 197, 300},
		{"sender limited", []liveStep{step(100, 100, 0), step(400, 290, 0), step(800, 295, 0)}, 295, 0},
		{"short of target", []liveStep{step(100, 100, 0), step(125, 124, 0), step(150, 140, 7), step(150, 139, 7), step(131, 103, 0)}, 124, 150},
	}
	for _, tt := range tests {
		s := summarise(tt.steps)
		if s.zeroLoss.achieved != tt.zero || s.firstLoss.target != tt.firstLoss {
			t.Errorf("%s: zero loss at %v, first loss at %v; want %v, %v", tt.name, s.zeroLoss.achieved, s.firstLoss.target, tt.zero, tt.firstLoss)
		}
	}
}

// TestLiveSmoke runs BenchmarkLiveCapture's body once at a gentle rate.
func TestLiveSmoke(t *testing.T) {
	g, _, err := smallSpec.Generator(time.Minute, true)
	if err != nil {
		t.Fatal(err)
	}
	steps := measureLive(t, Generate(g, 20_000), []float64{5000}, time.Second, 0, true)
	if len(steps) == 0 || steps[0].captured == 0 {
		t.Fatalf("%+v", steps)
	}
}

// drainResult is what measureDrain found.
type drainResult struct {
	frames  int
	elapsed time.Duration
	drops   uint64
	bytes   int
}

// measureDrain is the capture side's ceiling without the sender's: over
// the veth pair of a private namespace, it fills the capture's receive
// ring with frames while nothing reads it, then times how long the
// sensor's source (and, withPipeline, the whole per-source pipeline)
// takes to read them all. On a veth the sender's core also does the
// kernel's receive work, so a ladder of send rates is bounded by the
// sender long before the reader; this measures the reader alone.
func measureDrain(tb testing.TB, frames *Frames, n int, withPipeline bool) drainResult {
	tb.Helper()
	if err := netns.Available(); err != nil {
		tb.Skipf("ring drain benchmark skipped: %v", err)
	}
	ns, err := netns.New(fmt.Sprintf("mimamori-drain-%d", os.Getpid()), "mda", "mdb")
	if err != nil {
		tb.Fatal(err)
	}
	defer ns.Close()
	var tx *synth.Transmitter
	var rx capture.Source
	if err := ns.Do(func() error {
		var err error
		if tx, err = synth.OpenTransmitter(ns.A); err != nil {
			return err
		}
		rx, err = capture.OpenLive(ns.B, capture.LiveOptions{BufferBytes: 64 << 20})
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	defer tx.Close()
	defer rx.Close()
	res := drainResult{frames: n}
	for k := 0; k < n; k++ {
		data, _ := frames.At(k % frames.Len())
		if err := tx.Send(data); err != nil {
			tb.Fatal(err)
		}
		res.bytes += len(data)
	}
	// Let the last, partly filled block time out into the reader's hands.
	time.Sleep(300 * time.Millisecond)

	var p *pipeline.Pipeline
	if withPipeline {
		p = pipeline.New(pipeline.Options{Source: ns.B, OnMinute: func(*wirepb.Batch) {}})
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	got := 0
	t0 := time.Now()
	for got < n {
		data, ci, link, err := rx.ReadPacket()
		if errors.Is(err, capture.ErrTimeout) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if p != nil {
			p.Packet(data, ci, link)
		}
		got++
	}
	res.elapsed = time.Since(t0)
	res.drops = rx.Drops()
	if got != n || res.drops != 0 {
		tb.Fatalf("read %d of %d frames, %d dropped: the ring was too small for the burst", got, n, res.drops)
	}
	return res
}

// BenchmarkRingDrain reports the frames per second the live source reads
// from its receive ring, alone and through the whole pipeline (OT-heavy
// traffic, 100,000 frames per burst).
func BenchmarkRingDrain(b *testing.B) {
	g, _, err := OTHeavy.Generator(0, true)
	if err != nil {
		b.Fatal(err)
	}
	frames := Generate(g, 100_000)
	for _, path := range []string{"pipeline", "source"} {
		b.Run("path="+path, func(b *testing.B) {
			var total drainResult
			for i := 0; i < b.N; i++ {
				r := measureDrain(b, frames, frames.Len(), path == "pipeline")
				total.frames += r.frames
				total.elapsed += r.elapsed
				total.bytes += r.bytes
			}
			b.ReportMetric(float64(total.frames)/total.elapsed.Seconds(), "pps")
			b.ReportMetric(float64(total.elapsed.Nanoseconds())/float64(total.frames), "ns/packet")
			b.ReportMetric(float64(total.bytes+24*total.frames)*8/total.elapsed.Seconds()/1e6, "Mbit/s-wire")
		})
	}
}

// TestRingDrainSmoke runs BenchmarkRingDrain's body once on a small burst.
func TestRingDrainSmoke(t *testing.T) {
	g, _, err := smallSpec.Generator(time.Minute, true)
	if err != nil {
		t.Fatal(err)
	}
	frames := Generate(g, 5_000)
	if r := measureDrain(t, frames, frames.Len(), true); r.frames != frames.Len() {
		t.Fatalf("%+v", r)
	}
}
