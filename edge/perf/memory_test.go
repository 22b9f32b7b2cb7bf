package perf

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mimamori/edge/capture"
	"mimamori/edge/sensor"
	"mimamori/edge/synth"
)

// rssReport is what the child sensor process says about itself.
type rssReport struct {
	PeakKB, EndKB int64
	Batches       uint64
	Took          time.Duration
}

const childEnv = "MIMAMORI_PERF_SENSOR_PCAP"

// TestSensorChild is not a test: it is the sensor process that
// BenchmarkSensorRSS starts (this test binary, run again), replaying one
// capture through the real sensor actor tree with an unreachable broker,
// so that batches stay in the spool as they would during an outage.
func TestSensorChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("only runs as BenchmarkSensorRSS's child process")
	}
	start := time.Now()
	// MIMAMORI_BENCH_RSS_REPORT_EVERY=1m measures a sensor that holds
	// nothing back, for comparison.
	every, _ := time.ParseDuration(os.Getenv("MIMAMORI_BENCH_RSS_REPORT_EVERY"))
	s, err := sensor.Start(context.Background(), sensor.Config{
		Tenant: "acme", ID: "s1", DataDir: t.TempDir(), Broker: "tcp://127.0.0.1:1",
		Sources:     []sensor.Source{{Name: "mirror", Open: func() (capture.Source, error) { return capture.OpenFile(path) }}},
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		ReportEvery: every,
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Drained():
	case <-time.After(15 * time.Minute):
		t.Fatal("sensor did not drain")
	}
	// The last minute is sealed after the batcher's grace period.
	deadline := time.Now().Add(30 * time.Second)
	for n, _, _ := s.Sealed(); n == 0 && time.Now().Before(deadline); n, _, _ = s.Sealed() {
		time.Sleep(100 * time.Millisecond)
	}
	n, _, _ := s.Sealed()
	r := rssReport{PeakKB: procStatus(t, "VmHWM"), EndKB: procStatus(t, "VmRSS"), Batches: n, Took: time.Since(start)}
	s.Stop()
	out, _ := json.Marshal(r)
	fmt.Printf("PERF-RSS %s\n", out)
}

// procStatus reads a kB field of /proc/self/status.
func procStatus(tb testing.TB, field string) int64 {
	tb.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			v, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return v
		}
	}
	tb.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// measureRSS writes d of s's traffic to a capture and has a child sensor
// replay it.
func measureRSS(tb testing.TB, s Spec, d time.Duration) rssReport {
	tb.Helper()
	g, _, err := s.Generator(d, false)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), s.Name+".pcap")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := synth.WritePcap(f, g, 0); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSensorChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("child sensor: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "PERF-RSS "); ok {
			var r rssReport
			if err := json.Unmarshal([]byte(rest), &r); err != nil {
				tb.Fatal(err)
			}
			return r
		}
	}
	tb.Fatalf("child sensor reported nothing:\n%s", out)
	return rssReport{}
}

// rssMinutes is how much traffic the sensor replays (default 6 minutes:
// longer than the flow table's 5-minute TCP idle timeout, so the table is
// at its steady size).
func rssMinutes() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("MIMAMORI_BENCH_RSS_MINUTES")); err == nil && n > 0 {
		return time.Duration(n) * time.Minute
	}
	return 6 * time.Minute
}

// BenchmarkSensorRSS is the sensor's peak resident memory (VmHWM) with a
// plant of 1000 and of 1500 devices opening 2000 connections a minute.
func BenchmarkSensorRSS(b *testing.B) {
	for _, n := range []int{1000, 1500} {
		b.Run(fmt.Sprintf("devices=%d", n), func(b *testing.B) {
			var r rssReport
			for i := 0; i < b.N; i++ {
				r = measureRSS(b, SpecLoad.WithDevices(n), rssMinutes())
			}
			b.ReportMetric(float64(r.PeakKB)/1024, "MB-peak-RSS")
			b.ReportMetric(float64(r.EndKB)/1024, "MB-end-RSS")
			b.ReportMetric(float64(r.Batches), "batches")
		})
	}
}
