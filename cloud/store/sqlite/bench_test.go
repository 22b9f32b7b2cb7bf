package sqlite

import (
	"context"
	"testing"
	"time"

	"mimamori/cloud/store/storetest"
	"mimamori/edge/wire/wirepb"
)

// BenchmarkIngest measures IngestBatch on minute batches of 2,000 flows and
// 50 devices (the same 50 every minute, as on a real cell) into one growing
// file. It reports rows/s, counting flows and device observations, and the
// file's size per flow row, indexes included (C5: 3 M rows/day/sensor; C6:
// 119 GB/sensor/year). Use -benchtime=Nx for a larger table.
func BenchmarkIngest(b *testing.B) {
	const flows, devices = 2000, 50
	s, _ := openTest(b)
	ctx := context.Background()
	batches := make([]*wirepb.Batch, b.N)
	for i := range batches {
		batches[i] = storetest.SyntheticBatch("s1", uint64(i+1), storetest.Epoch().Add(time.Duration(i)*time.Minute), flows, devices, 0)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.IngestBatch(ctx, "acme", batches[i], 60_000); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*(flows+devices))/b.Elapsed().Seconds(), "rows/s")

	if _, err := s.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	var pages, pageSize int64
	if err := s.r.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		b.Fatal(err)
	}
	if err := s.r.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(pages*pageSize)/float64(b.N*flows), "B/flow")
}

// BenchmarkIngestOT is BenchmarkIngest with 200 OT events per minute
// (industrial polling between the same devices, client ports changing
// every minute) on top of the flows and devices. rows/s counts the OT
// events too.
func BenchmarkIngestOT(b *testing.B) {
	const flows, devices, events = 2000, 50, 200
	s, _ := openTest(b)
	ctx := context.Background()
	batches := make([]*wirepb.Batch, b.N)
	for i := range batches {
		batches[i] = storetest.SyntheticBatch("s1", uint64(i+1), storetest.Epoch().Add(time.Duration(i)*time.Minute), flows, devices, 0)
		storetest.AddSyntheticOT(batches[i], events, 0)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.IngestBatch(ctx, "acme", batches[i], 60_000); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*(flows+devices+events))/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkIngestOTOnly isolates the OT events' share: minutes of 200 OT
// events and the 50 devices, without flows. rows/s counts the events.
func BenchmarkIngestOTOnly(b *testing.B) {
	const devices, events = 50, 200
	s, _ := openTest(b)
	ctx := context.Background()
	batches := make([]*wirepb.Batch, b.N)
	for i := range batches {
		batches[i] = storetest.SyntheticBatch("s1", uint64(i+1), storetest.Epoch().Add(time.Duration(i)*time.Minute), 0, devices, 0)
		storetest.AddSyntheticOT(batches[i], events, 0)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.IngestBatch(ctx, "acme", batches[i], 60_000); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*events)/b.Elapsed().Seconds(), "events/s")
}
