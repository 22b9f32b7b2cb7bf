package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"mimamori/cloud/store"
	"mimamori/cloud/store/storetest"
	"mimamori/edge/wire/wirepb"
)

// A file of schema 2 keeps its daily OT activity when it is opened by a
// build with ot_events (0003).
func TestMigrationMovesOTActivity(t *testing.T) {
	ctx := t.Context()
	db, path := oldSchemaDB(t, 2)
	day := storetest.Epoch().Truncate(24 * time.Hour)
	first := storetest.Epoch().Add(5 * time.Second)
	times := []any{day.Unix(), first.UnixMicro(), first.Add(time.Minute).UnixMicro()}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO tenants (id, name, created_us) VALUES (1, 'acme', 1)`, nil},
		{`INSERT INTO ot_activity VALUES (1, ?, 'modbus', 3, 'Read Holding Registers', x'0a00000a', x'0a000014',
			x'000c29aa0010', x'001d9cbb0020', 240, 120, 120, 0, ?, ?)`, times},
		{`INSERT INTO ot_activity VALUES (1, ?, 'ptp', 11, 'Announce', x'', x'', x'000c29aa0030', x'011b19000000',
			60, 0, 0, 0, ?, ?)`, times},
	} {
		if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	clock := storetest.NewClock(storetest.Epoch().Add(time.Hour))
	s, err := Open(ctx, path, WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, err := s.OTEvents(ctx, "acme", store.OTQuery{Sort: store.OTSortProtocol})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Protocol != "modbus" || es[0].Count != 240 || es[0].DstIP.String() != "10.0.0.20" ||
		es[0].DstMAC != "00:1d:9c:bb:00:20" || !es[0].FirstSeen.Equal(first) || es[0].Sensor != "" ||
		es[1].Protocol != "ptp" || !es[1].Layer2() || es[1].SrcMAC != "00:0c:29:aa:00:30" {
		t.Errorf("moved events = %+v", es)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'ot_activity'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("ot_activity still there: %d, %v", n, err)
	}
	// New batches merge into the moved rows' days under their sensor.
	b := storetest.SyntheticBatch("s1", 1, storetest.Epoch(), 5, 3, 0)
	storetest.AddSyntheticOT(b, 14, 0)
	if _, err := s.IngestBatch(ctx, "acme", b, 100); err != nil {
		t.Fatal(err)
	}
	if es, err := s.OTEvents(ctx, "acme", store.OTQuery{}); err != nil || len(es) != 2+14 {
		t.Errorf("events after ingest = %d, %v", len(es), err)
	}
}

// A year of the same polling stays one row per day and key, however many
// client ports it used.
func TestOTRowsPerDay(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	for i := range 30 {
		b := storetest.SyntheticBatch("s1", uint64(i+1), storetest.Epoch().Add(time.Duration(i)*time.Minute), 5, 10, 0)
		storetest.AddSyntheticOT(b, 70, 0)
		if _, err := s.IngestBatch(ctx, "acme", b, 100); err != nil {
			t.Fatal(err)
		}
	}
	var rows int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM ot_events`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 70 {
		t.Errorf("30 minutes of 70 events are %d rows, want 70", rows)
	}
}

// A file of schema 4 keeps its OT events when 0005 re-keys them by sensor,
// and a batch of the same day, sensor and key merges into the moved row.
func TestMigrationOTEventsBySensor(t *testing.T) {
	ctx := t.Context()
	db, path := oldSchemaDB(t, 4)
	m := storetest.Epoch()
	day := m.Truncate(24 * time.Hour)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO tenants (id, name, created_us) VALUES (1, 'acme', 1)`, nil},
		{`INSERT INTO sensors (id, tenant_id, name, created_us) VALUES (1, 1, 's1', 1), (2, 1, 's2', 1)`, nil},
		{`INSERT INTO ot_events VALUES (1, ?, 'modbus', 3, x'0a00000a', x'0a000014', 502, x'020000000001', x'020000000002',
			0, 1, 'Read Holding Registers', 40000, 40000, 240, 120, 120, 0, ?, ?, 'unit_id=1')`,
			[]any{day.Unix(), m.UnixMicro(), m.UnixMicro()}},
		{`INSERT INTO ot_events VALUES (1, ?, 'modbus', 3, x'0a00000a', x'0a000014', 502, x'020000000001', x'020000000002',
			0, 2, 'Read Holding Registers', 40001, 40001, 60, 30, 30, 1, ?, ?, '')`,
			[]any{day.Unix(), m.UnixMicro(), m.UnixMicro()}},
	} {
		if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	clock := storetest.NewClock(m.Add(time.Hour))
	s, err := Open(ctx, path, WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var schema string
	if err := s.r.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE name = 'ot_events'`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(schema, "PRIMARY KEY (tenant_id, day, sensor_id, protocol,") {
		t.Errorf("ot_events not keyed by sensor after the day:\n%s", schema)
	}
	later := m.Add(2 * time.Minute)
	b := &wirepb.Batch{Sensor: "s1", Seq: 1, Minute: later.Unix(), OtEvents: []*wirepb.OTEvent{{
		Protocol: "modbus", Code: 3, Function: "Read Holding Registers",
		SrcIp: []byte{10, 0, 0, 10}, DstIp: []byte{10, 0, 0, 20}, SrcPort: 40002, DstPort: 502,
		SrcMac: []byte{2, 0, 0, 0, 0, 1}, DstMac: []byte{2, 0, 0, 0, 0, 2},
		Count: 10, Requests: 5, Responses: 5,
		FirstUnixNs: later.UnixNano(), LastUnixNs: later.UnixNano(),
		Extras: []*wirepb.Attr{{Key: "unit_id", Value: "2"}},
	}}}
	if _, err := s.IngestBatch(ctx, "acme", b, 100); err != nil {
		t.Fatal(err)
	}
	es, err := s.OTEvents(ctx, "acme", store.OTQuery{Sort: store.OTSortProtocol})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 {
		t.Fatalf("events = %+v, want one per sensor", es)
	}
	for _, e := range es {
		switch e.Sensor {
		case "s1":
			if e.Count != 250 || e.Requests != 125 || e.SrcPortMin != 40000 || e.SrcPortMax != 40002 ||
				!e.FirstSeen.Equal(m) || !e.LastSeen.Equal(later) || e.Details != "unit_id=1,2" {
				t.Errorf("s1's moved row after a batch = %+v", e)
			}
		case "s2":
			if e.Count != 60 || e.Errors != 1 || e.SrcPortMin != 40001 || e.DstMAC != "02:00:00:00:00:02" {
				t.Errorf("s2's moved row = %+v", e)
			}
		default:
			t.Errorf("event of sensor %q", e.Sensor)
		}
	}
}
