package perf

import (
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/proto"

	"mimamori/edge/pipeline"
	"mimamori/edge/sensor"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
)

// minutes runs warm+n minutes of s (after the spec's Warmup) through the
// sensor's pipeline and returns the last n full minutes, each completed as
// the sensor's batcher completes it (identity, sequence, health, and
// identities only when they change or once an hour). The
// first warm minutes fill the pipeline's tables, as on a running sensor.
func minutes(tb testing.TB, s Spec, warm, n int) []*wirepb.Batch {
	tb.Helper()
	g, _, err := s.Generator(time.Duration(warm+n)*time.Minute, false)
	if err != nil {
		tb.Fatal(err)
	}
	var out []*wirepb.Batch
	seq := uint64(0)
	ids := sensor.NewIdentityRefresh()
	p := pipeline.New(pipeline.Options{Source: "eth1", OnMinute: func(b *wirepb.Batch) {
		seq++
		b.Identities = ids.Filter(b.Minute, b.Identities)
		if seq <= uint64(warm) {
			return
		}
		b.SchemaVersion, b.Tenant, b.Sensor, b.Seq = wire.CurrentSchema, "acme", "s1", seq
		b.SealedUnixMs = (b.Minute+62)*1000 + 417
		b.SoftwareVersion = "1.0.0"
		b.Health = &wirepb.Health{CpuPercent: 23.7, MemUsedBytes: 412 << 20, MemTotalBytes: 4 << 30,
			DiskUsedBytes: 3 << 30, DiskTotalBytes: 32 << 30, TemperatureC: 51, UptimeSeconds: 864000, Load1: 0.61}
		out = append(out, b)
	}})
	var ci gopacket.CaptureInfo
	for data, ts, ok := g.Next(); ok; data, ts, ok = g.Next() {
		ci.Timestamp = time.Unix(0, ts)
		ci.CaptureLength, ci.Length = len(data), len(data)
		p.Packet(data, ci, layers.LinkTypeEthernet)
	}
	// The last minute is sealed only by Close; it is complete because the
	// stream ends exactly at a minute boundary.
	p.Close()
	if len(out) > n {
		out = out[:n]
	}
	if len(out) == 0 {
		tb.Fatal("no full minutes")
	}
	return out
}

// sentMinutes returns windows whole report windows (sensor.DefaultReportEvery)
// of s as the sensor sends them, devices, names and OT events that repeat
// held back until their window's last minute (sensor.Deferral), next to
// the same minutes with every record (plain). The windows follow two
// windows of warm-up, as on a sensor that has been running for a while.
func sentMinutes(tb testing.TB, s Spec, windows int) (sent, plain []*wirepb.Batch) {
	tb.Helper()
	per := int(sensor.DefaultReportEvery / time.Minute)
	all := minutes(tb, s, 0, (windows+2)*per+per-1)
	plain = make([]*wirepb.Batch, len(all))
	for i, b := range all {
		plain[i] = proto.Clone(b).(*wirepb.Batch)
	}
	// The stream's end releases what is held; it is not a window's
	// batch, so it is cut off with the partial window before it.
	held := deferred(all, sensor.DefaultReportEvery)
	window := int64(per * 60)
	start := -1
	for i, b := range plain {
		if b.Minute%window == 0 && i >= per {
			start = i
			break
		}
	}
	if start < 0 || start+windows*per > len(plain) {
		tb.Fatalf("no %d whole windows after warm-up in %d minutes", windows, len(plain))
	}
	// No window here misses its last minute, so the two lists stay in step.
	if len(held) != len(plain)+1 && len(held) != len(plain) {
		tb.Fatalf("%d batches sent for %d minutes", len(held), len(plain))
	}
	return held[start : start+windows*per], plain[start : start+windows*per]
}

// rows counts a batch's log rows as C5 counts them.
func rows(b *wirepb.Batch) int {
	return len(b.Flows) + len(b.Devices) + len(b.Names) + len(b.OtEvents) + len(b.Identities)
}

// uploadSizes is one minute's upload in both encodings, and what each
// part of the batch would take on its own (compressed alone).
type uploadSizes struct {
	wire, zeek, zeekRaw, protoRaw, rows    int
	flows, devices, ot, newFlows, flowRows int
	everyMinute                            int           // the same minutes with every record (no Deferral)
	encode                                 time.Duration // the sensor's encoding, columns and zstd
	decode                                 time.Duration // the cloud's decoding
}

// measureUpload measures the batches the sensor sends (sent) and, as the
// reference sensor ships them, every minute's records (plain) as
// Zeek-style logs.
func measureUpload(tb testing.TB, sent, plain []*wirepb.Batch) (mean uploadSizes) {
	tb.Helper()
	codec, err := wire.NewCodec()
	if err != nil {
		tb.Fatal(err)
	}
	// Zeek logs go to the cloud as a zstd-compressed archive at zstd's
	// default level, as the reference sensor ships them.
	zenc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		tb.Fatal(err)
	}
	if len(sent) != len(plain) {
		tb.Fatalf("%d batches sent for %d minutes", len(sent), len(plain))
	}
	for i, b := range sent {
		start := time.Now()
		payload, err := codec.Encode(b)
		if err != nil {
			tb.Fatal(err)
		}
		mean.encode += time.Since(start)
		start = time.Now()
		if _, err := codec.Decode(payload); err != nil {
			tb.Fatal(err)
		}
		mean.decode += time.Since(start)
		raw, _ := proto.Marshal(b)
		logs := ZeekLogs(plain[i])
		if p, err := codec.Encode(plain[i]); err == nil {
			mean.everyMinute += len(p)
		}
		mean.wire += len(payload)
		mean.protoRaw += len(raw)
		mean.zeekRaw += len(logs)
		mean.zeek += len(zenc.EncodeAll(logs, nil))
		mean.rows += rows(b)
		part := func(p *wirepb.Batch) int {
			enc, err := codec.Encode(p)
			if err != nil {
				tb.Fatal(err)
			}
			return len(enc)
		}
		mean.flows += part(&wirepb.Batch{Flows: b.Flows})
		mean.devices += part(&wirepb.Batch{Devices: b.Devices, Names: b.Names})
		mean.ot += part(&wirepb.Batch{OtEvents: b.OtEvents, Identities: b.Identities})
		mean.flowRows += len(b.Flows)
		for _, f := range b.Flows {
			if f.State == wirepb.FlowState_FLOW_STATE_NEW {
				mean.newFlows++
			}
		}
	}
	n := len(sent)
	return uploadSizes{mean.wire / n, mean.zeek / n, mean.zeekRaw / n, mean.protoRaw / n, mean.rows / n,
		mean.flows / n, mean.devices / n, mean.ot / n, mean.newFlows / n, mean.flowRows / n,
		mean.everyMinute / n, mean.encode / time.Duration(n), mean.decode / time.Duration(n)}
}

// Budgets of C4 and the goal for the upload.
const (
	minutesPerMonth = 30 * 24 * 60
	budgetGB        = 10
	goalGB          = 1
	rowsPerDayCap   = 3_000_000 // C5
)

// BenchmarkUpload measures what the sensor uploads per minute at the
// specification's load and projects it to a 30-day month, next to the same
// minutes written as Zeek-style logs and compressed with zstd.
func BenchmarkUpload(b *testing.B) {
	sent, plain := sentMinutes(b, SpecLoad, 1)
	b.ResetTimer()
	var s uploadSizes
	for i := 0; i < b.N; i++ {
		s = measureUpload(b, sent, plain)
	}
	b.StopTimer()
	gb := func(perMin int) float64 { return float64(perMin) * minutesPerMonth / 1e9 }
	b.ReportMetric(float64(s.wire), "B/min")
	b.ReportMetric(gb(s.wire), "GB/month")
	b.ReportMetric(100*gb(s.wire)/budgetGB, "%budget")
	b.ReportMetric(float64(s.everyMinute), "every-minute-B/min")
	b.ReportMetric(float64(s.zeek), "zeek-B/min")
	b.ReportMetric(gb(s.zeek), "zeek-GB/month")
	b.ReportMetric(float64(s.zeek)/float64(s.wire), "zeek/ours")
	b.ReportMetric(float64(s.protoRaw), "raw-B/min")
	b.ReportMetric(float64(s.rows), "rows/min")
	b.ReportMetric(float64(s.rows*1440), "rows/day")
	b.ReportMetric(float64(s.wire)/float64(s.rows), "B/row")
	b.ReportMetric(float64(s.flowRows), "flows/min")
	b.ReportMetric(float64(s.newFlows), "new-flows/min")
	b.ReportMetric(float64(s.flows), "flows-B/min")
	b.ReportMetric(float64(s.devices), "devices-B/min")
	b.ReportMetric(float64(s.ot), "ot-B/min")
	b.ReportMetric(float64(s.encode.Microseconds())/1000, "encode-ms/min")
	b.ReportMetric(float64(s.decode.Microseconds())/1000, "decode-ms/min")
}
