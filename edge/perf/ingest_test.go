package perf

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"mimamori/cloud/store/sqlite"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
)

// Nine sensors is the most a tenant can contract (P3).
const daySensors = 9

// shifted returns a copy of template moved by d and relabelled as sensor's
// batch seq: what that sensor would have sent for that minute.
func shifted(template *wirepb.Batch, sensor string, seq uint64, d time.Duration) *wirepb.Batch {
	b := proto.Clone(template).(*wirepb.Batch)
	ns := int64(d)
	b.Sensor, b.Seq = sensor, seq
	b.Minute += ns / int64(time.Second)
	b.SealedUnixMs += ns / int64(time.Millisecond)
	for _, f := range b.Flows {
		f.FirstUnixNs += ns
		f.LastUnixNs += ns
	}
	for _, x := range b.Devices {
		x.FirstUnixNs += ns
		x.LastUnixNs += ns
	}
	for _, x := range b.Names {
		x.FirstUnixNs += ns
		x.LastUnixNs += ns
	}
	for _, x := range b.OtEvents {
		x.FirstUnixNs += ns
		x.LastUnixNs += ns
	}
	for _, x := range b.Identities {
		x.SeenUnixNs += ns
	}
	return b
}

// ingestResult is what one ingest run measured.
type ingestResult struct {
	batches, rows int
	elapsed       time.Duration
	cpu           time.Duration // process CPU time during the timed calls
	fileBytes     int64
}

// measureIngest writes minutes minutes of sensors sensors into a fresh
// store, minute by minute as the cloud receives them, cycling through the
// template minutes. Only IngestBatch is timed.
func measureIngest(tb testing.TB, templates []*wirepb.Batch, sensors, minutes int) ingestResult {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "mimamori.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	codec, err := wire.NewCodec()
	if err != nil {
		tb.Fatal(err)
	}
	payload := make([]int, len(templates))
	for i, t := range templates {
		p, err := codec.Encode(t)
		if err != nil {
			tb.Fatal(err)
		}
		payload[i] = len(p)
	}
	var res ingestResult
	for m := 0; m < minutes; m++ {
		k := m % len(templates)
		// Each lap of the templates moves on by their span, so minutes
		// never repeat.
		d := time.Duration(m-k) * time.Minute
		for s := 0; s < sensors; s++ {
			b := shifted(templates[k], fmt.Sprintf("s%d", s+1), uint64(m+1), d)
			start, cpu := time.Now(), processCPU()
			if _, err := st.IngestBatch(ctx, "acme", b, payload[k]); err != nil {
				tb.Fatal(err)
			}
			res.elapsed += time.Since(start)
			res.cpu += processCPU() - cpu
			res.batches++
			res.rows += rows(b)
		}
	}
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	if fi, err := os.Stat(path); err == nil {
		res.fileBytes = fi.Size()
	}
	return res
}

// ingestMinutes is how much of the day BenchmarkIngest writes: two report
// windows, 20 minutes, by default (the day is projected from it), the
// whole day with MIMAMORI_BENCH_INGEST_MINUTES=1440.
func ingestMinutes() int {
	if n, err := strconv.Atoi(os.Getenv("MIMAMORI_BENCH_INGEST_MINUTES")); err == nil && n > 0 {
		return n
	}
	return 20
}

// BenchmarkIngest measures the cloud's default store on one core: nine
// sensors' minute batches from the specification's load, in arrival
// order, and projects the time one day of them takes.
func BenchmarkIngest(b *testing.B) {
	// One whole report window, so that the laps keep the windows aligned.
	// MIMAMORI_BENCH_INGEST_PLAIN=1 ingests every minute's records instead
	// (a sensor with --report-every=1m), for comparison.
	templates, plain := sentMinutes(b, SpecLoad, 1)
	if os.Getenv("MIMAMORI_BENCH_INGEST_PLAIN") == "1" {
		templates = plain
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	n := ingestMinutes()
	b.ResetTimer()
	var r ingestResult
	for i := 0; i < b.N; i++ {
		r = measureIngest(b, templates, daySensors, n)
	}
	b.StopTimer()
	perSec := float64(r.rows) / r.elapsed.Seconds()
	dayRows := float64(r.rows) * 1440 / float64(n)
	daySecs := dayRows / perSec
	b.ReportMetric(perSec, "rows/s")
	b.ReportMetric(float64(r.batches)/r.elapsed.Seconds(), "batches/s")
	b.ReportMetric(dayRows, "rows/day")
	b.ReportMetric(daySecs, "s/day")
	b.ReportMetric(86400/daySecs, "x-realtime")
	// The same store at the row cap C5 allows (3 M rows per sensor and day).
	b.ReportMetric(86400/(rowsPerDayCap*daySensors/perSec), "x-realtime-at-C5-cap")
	b.ReportMetric(float64(r.fileBytes)/float64(r.rows), "B/row-on-disk")
	// The same on CPU time, which waiting for a busy machine's cores does
	// not inflate (it includes the garbage collector and SQLite's I/O
	// system calls, both of which the ingest causes).
	if r.cpu > 0 {
		cpuPerSec := float64(r.rows) / r.cpu.Seconds()
		b.ReportMetric(cpuPerSec, "rows/cpu-s")
		b.ReportMetric(86400/(dayRows/cpuPerSec), "x-realtime-cpu")
	}
}
