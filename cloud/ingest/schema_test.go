package ingest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"mimamori/cloud/store"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
)

// TestIngestBothSchemas sends the same minute as schema 1 (flows as a
// list, from a sensor not yet updated), schema 2 (flow columns) and the
// current schema (columns with millisecond times) from three sensors, and
// checks that the cloud stores the same flows and the same per-minute
// totals for all, times to the millisecond for the current one.
func TestIngestBothSchemas(t *testing.T) {
	svc, st, _ := startService(t)
	ctx := context.Background()
	make1 := func(sensor string) *wirepb.Batch {
		b := batch("acme", sensor, 1)
		base := b.Flows[0]
		for i := range 40 {
			f := &wirepb.Flow{
				IpProto: []uint32{6, 17}[i%2], SrcIp: []byte{192, 168, 10, byte(20 + i%5)}, SrcPort: uint32(40000 + i*7),
				DstIp: []byte{192, 168, 20, byte(10 + i%3)}, DstPort: []uint32{502, 5007, 9600}[i%3],
				SrcMac: base.SrcMac, DstMac: []byte{0, 0x80, 0xf4, 9, 9, byte(i % 3)}, Vlan: 10,
				SrcPackets: uint64(i), SrcBytes: uint64(60 * i), DstPackets: uint64(2 * i), DstBytes: uint64(70 * i),
				FirstUnixNs: base.FirstUnixNs + int64(i)*1_000_123, LastUnixNs: base.LastUnixNs - int64(i)*999,
				State: wirepb.FlowState(1 + i%2), Ended: i%4 == 0, InitiatorCertain: i%3 == 0,
			}
			if i%5 == 0 {
				f.Routed, f.DstVlan = true, 20
			}
			b.Flows = append(b.Flows, f)
		}
		return b
	}
	old := make1("s1")
	old.SchemaVersion = wirepb.SchemaVersion_SCHEMA_VERSION_1
	two := make1("s2")
	two.SchemaVersion = wirepb.SchemaVersion_SCHEMA_VERSION_2
	cur := make1("s3")
	for _, b := range []*wirepb.Batch{old, two, cur} {
		if err := svc.Ingest(ctx, wire.BatchTopic("acme", b.Sensor), encode(t, b)); err != nil {
			t.Fatalf("schema %v: %v", b.SchemaVersion, err)
		}
	}
	if cur.SchemaVersion != wire.CurrentSchema || wire.CurrentSchema == wirepb.SchemaVersion_SCHEMA_VERSION_1 {
		t.Fatalf("the second batch went as schema %v", cur.SchemaVersion)
	}
	routed := 0
	stored := func(sensor string, precision time.Duration) (rows []string, totals [4]uint64) {
		fs, err := st.Flows(ctx, "acme", store.FlowQuery{Sensor: sensor, Limit: store.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			rows = append(rows, fmt.Sprintf("%v %d %s:%d>%s:%d %s/%s vlan=%d %d/%d %d/%d %x/%x %v..%v new=%v ended=%v routed=%v/%d",
				f.Minute, f.Proto, f.SrcIP, f.SrcPort, f.DstIP, f.DstPort, f.SrcMAC, f.DstMAC, f.VLAN,
				f.SrcPackets, f.SrcBytes, f.DstPackets, f.DstBytes, f.SrcTCPFlags, f.DstTCPFlags,
				f.First.Truncate(precision), f.Last.Truncate(precision), f.New, f.Ended, f.Routed, f.DstVLAN))
			if f.Routed && f.DstVLAN == 20 {
				routed++
			}
			totals[0] += f.SrcPackets
			totals[1] += f.SrcBytes
			totals[2] += f.DstPackets
			totals[3] += f.DstBytes
		}
		slices.Sort(rows)
		return rows, totals
	}
	rows1, totals1 := stored("s1", time.Microsecond)
	rows2, totals2 := stored("s2", time.Microsecond)
	rows1ms, _ := stored("s1", time.Millisecond)
	rows3, totals3 := stored("s3", time.Microsecond)
	if len(rows1) != len(old.Flows) {
		t.Fatalf("schema 1: %d flows stored, %d sent", len(rows1), len(old.Flows))
	}
	if routed != 4*8 {
		t.Errorf("%d routed flows stored with their responder's VLAN, want 32", routed)
	}
	if totals1 != totals2 || totals1 != totals3 {
		t.Errorf("minute totals differ: schema 1 %v, schema 2 %v, schema 3 %v", totals1, totals2, totals3)
	}
	if !slices.Equal(rows1, rows2) {
		t.Errorf("stored flows differ:\nschema 1 %q\nschema 2 %q", rows1, rows2)
	}
	if !slices.Equal(rows1ms, rows3) {
		t.Errorf("stored flows differ:\nschema 1 %q\nschema 3 %q", rows1ms, rows3)
	}
}
