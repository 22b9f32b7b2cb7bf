package perf

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
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
func measureLive(tb testing.TB, frames *Frames, rates []float64, stepFor time.Duration, refine int) []liveStep {
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
		tb.Logf("target %7.0f/s sent %7.0f/s: %d sent, %d captured, %d socket drops, %d backlog drops",
			st.target, st.achieved, st.sent, st.captured, st.sockDrops, st.backlogDrops)
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

// liveRates is the ladder BenchmarkLiveCapture climbs, in frames per second.
var liveRates = []float64{25e3, 50e3, 100e3, 150e3, 200e3, 250e3, 300e3, 400e3, 500e3, 650e3, 800e3, 1e6}

// BenchmarkLiveCapture is the highest rate at which the sensor captures
// the OT-heavy traffic, sent over a veth pair inside a private network
// namespace (all addresses in 127.0.0.0/8), without losing a frame as the
// kernel counts it. It needs root; otherwise it is skipped.
func BenchmarkLiveCapture(b *testing.B) {
	g, _, err := OTHeavy.Generator(0, true)
	if err != nil {
		b.Fatal(err)
	}
	frames := Generate(g, 600_000)
	b.ResetTimer()
	var steps []liveStep
	for i := 0; i < b.N; i++ {
		steps = measureLive(b, frames, liveRates, 2*time.Second, 3)
	}
	b.StopTimer()
	var best liveStep
	for _, s := range steps {
		if s.lossless() && s.achieved > best.achieved {
			best = s
		}
	}
	b.ReportMetric(best.achieved, "zero-loss-pps")
	b.ReportMetric(float64(best.bytes+24*best.sent)*8/(float64(best.sent)/best.achieved)/1e6, "zero-loss-Mbit/s-wire")
	// The lowest rate that lost frames, and how many.
	var worst liveStep
	for _, s := range steps {
		if !s.lossless() && (worst.sent == 0 || s.achieved < worst.achieved) {
			worst = s
		}
	}
	if worst.sent > 0 {
		b.ReportMetric(worst.achieved, "first-loss-pps")
		b.ReportMetric(100*float64(worst.sent-worst.captured)/float64(worst.sent), "loss-%")
	}
}
