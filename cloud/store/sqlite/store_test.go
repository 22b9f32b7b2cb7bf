package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"mimamori/cloud/store"
	"mimamori/cloud/store/storetest"
	"mimamori/edge/wire/wirepb"
)

func openTest(t testing.TB, opts ...Option) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "dir", "mimamori.db")
	s, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		s, _ := openTest(t, WithClock(now))
		return s
	})
}

// TestConformanceBroadSearches runs the suite again with every prefix
// search taken for a broad one, so that both ways of finding a prefix's
// flows give the same answers.
func TestConformanceBroadSearches(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		s, _ := openTest(t, WithClock(now))
		s.broadMinutes = 1
		return s
	})
}

func TestOpenTwice(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "new", "mimamori.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.IngestBatch(ctx, "acme", storetest.SyntheticBatch("s1", 1, storetest.Epoch(), 10, 3, 0), 100); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	defer s.Close()
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	if v != len(all) || v < 1 {
		t.Errorf("schema version = %d, want %d", v, len(all))
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(all) {
		t.Errorf("%d migrations recorded, want %d (each once)", n, len(all))
	}
	// The data survived, and the pragmas are in force.
	if fs, err := s.Flows(ctx, "acme", store.FlowQuery{}); err != nil || len(fs) != 10 {
		t.Errorf("flows after reopen: %d, %v", len(fs), err)
	}
	var mode string
	if err := s.r.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	var fk int
	if err := s.w.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v", fk, err)
	}
}

func TestMigrationsInOrder(t *testing.T) {
	ctx := t.Context()
	fsys := fstest.MapFS{
		"migrations/0002_b.sql": {Data: []byte(`ALTER TABLE t ADD COLUMN b TEXT; INSERT INTO t (a, b) VALUES (2, 'x');`)},
		"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE t (a INTEGER);`)},
	}
	ms, err := loadMigrations(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].version != 1 || ms[1].version != 2 {
		t.Fatalf("migrations = %+v", ms)
	}
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for range 2 {
		if err := applyMigrations(ctx, db, ms, 1); err != nil {
			t.Fatal(err)
		}
	}
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("migration 2 ran %d times, %v", rows, err)
	}
	// A failing migration leaves no trace of itself.
	bad := append(ms, migration{version: 3, name: "0003_bad.sql", sql: `CREATE TABLE u (x); INSERT INTO nope VALUES (1);`})
	if err := applyMigrations(ctx, db, bad, 1); err == nil {
		t.Fatal("failing migration: no error")
	}
	if v, _ := schemaVersion(ctx, db); v != 2 {
		t.Errorf("version after a failed migration = %d, want 2", v)
	}
	if err := db.QueryRow(`SELECT count(*) FROM u`).Scan(&rows); err == nil {
		t.Error("table of the failed migration exists")
	}
	// An older build refuses a newer file.
	if err := applyMigrations(ctx, db, ms[:1], 1); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("old build on a newer file: %v", err)
	}
}

func TestMigrationNames(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"gap":        {"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
		"duplicate":  {"migrations/0001_a.sql": {}, "migrations/0001_b.sql": {}},
		"unnumbered": {"migrations/init.sql": {}},
	} {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDefaultDeviceCapOption(t *testing.T) {
	s, _ := openTest(t, WithDeviceCap(5))
	b := storetest.SyntheticBatch("s1", 1, storetest.Epoch(), 10, 8, 0)
	res, err := s.IngestBatch(t.Context(), "acme", b, 100)
	if err != nil {
		t.Fatal(err)
	}
	if res.Devices != 5 || res.DevicesRefused != 3 || res.Flows != 10 {
		t.Errorf("result = %+v, want 5 devices, 3 refused, 10 flows", res)
	}
	var refused int
	if err := s.r.QueryRow(`SELECT devices_refused FROM batches`).Scan(&refused); err != nil || refused != 3 {
		t.Errorf("batch row records %d refused, %v", refused, err)
	}
	// A tenant's own cap overrides the option.
	if err := s.SetDeviceCap(t.Context(), "acme", 100); err != nil {
		t.Fatal(err)
	}
	res, err = s.IngestBatch(t.Context(), "acme", storetest.SyntheticBatch("s1", 2, storetest.Epoch().Add(time.Minute), 10, 8, 0), 100)
	if err != nil || res.Devices != 8 || res.DevicesRefused != 0 {
		t.Errorf("with a tenant cap of 100: %+v, %v", res, err)
	}
}

func TestDuplicateWritesNothing(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	b := storetest.SyntheticBatch("s1", 1, storetest.Epoch(), 50, 10, 0)
	if _, err := s.IngestBatch(ctx, "acme", b, 100); err != nil {
		t.Fatal(err)
	}
	counts := func() map[string]int {
		out := make(map[string]int)
		for _, table := range []string{"batches", "flows", "devices", "device_ips", "device_sensors", "names", "sensor_minutes"} {
			var n int
			if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			out[table] = n
		}
		return out
	}
	before := counts()
	if _, err := s.IngestBatch(ctx, "acme", b, 100); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("replay: %v", err)
	}
	after := counts()
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s: %d rows after replay, want %d", table, after[table], n)
		}
	}
}

// TestSensorMinuteKeepsStatistics: a second batch for a minute adds its
// counters, and replaces the minute's active flows and status only when it
// carries capture statistics (a sensor's held-back records, sent as it
// stops, come without).
func TestSensorMinuteKeepsStatistics(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	m := storetest.Epoch().Unix()
	var packets, active int64
	var status, prev []byte
	for i, step := range []struct {
		captures        []*wirepb.CaptureStats
		packets, active int64
		newStatus       bool
	}{
		{[]*wirepb.CaptureStats{{Source: "eth1", Packets: 100, FlowsActive: 7}}, 100, 7, true},
		{nil, 100, 7, false},
		{[]*wirepb.CaptureStats{{Source: "eth1", Packets: 20, FlowsActive: 3}}, 120, 3, true},
	} {
		prev = status
		b := &wirepb.Batch{Sensor: "s1", Seq: uint64(i + 1), Minute: m, Captures: step.captures}
		if _, err := s.IngestBatch(ctx, "acme", b, 100); err != nil {
			t.Fatal(err)
		}
		if err := s.r.QueryRowContext(ctx, `SELECT packets, flows_active, status FROM sensor_minutes`).Scan(&packets, &active, &status); err != nil {
			t.Fatal(err)
		}
		if packets != step.packets || active != step.active || bytes.Equal(status, prev) == step.newStatus {
			t.Errorf("after a batch with %d capture stats: packets %d, active flows %d, status replaced %v; want %d, %d, %v",
				len(step.captures), packets, active, !bytes.Equal(status, prev), step.packets, step.active, step.newStatus)
		}
	}
}

func TestFlowAddressesStoredCompact(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	b := &wirepb.Batch{Sensor: "s1", Seq: 1, Minute: storetest.Epoch().Unix(), Flows: []*wirepb.Flow{
		// An IPv4-mapped IPv6 address is the same host as its IPv4 form.
		{IpProto: 6, SrcIp: storetest.IP("::ffff:10.0.0.1"), DstIp: storetest.IP("2001:db8::1"), DstPort: 443},
		{IpProto: 6, SrcIp: []byte{1, 2, 3}, DstIp: nil},
	}}
	if _, err := s.IngestBatch(ctx, "acme", b, 100); err != nil {
		t.Fatal(err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT length(src_ip), length(dst_ip) FROM flows ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got [][2]sql.NullInt64
	for rows.Next() {
		var a, b sql.NullInt64
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		got = append(got, [2]sql.NullInt64{a, b})
	}
	if len(got) != 2 || got[0][0].Int64 != 4 || got[0][1].Int64 != 16 || got[1][0].Valid || got[1][1].Valid {
		t.Errorf("stored address lengths = %v, want [4 16] and NULLs", got)
	}
	fs, err := s.Flows(ctx, "acme", store.FlowQuery{IP: netip.MustParseAddr("10.0.0.1")})
	if err != nil || len(fs) != 1 || fs[0].SrcIP.String() != "10.0.0.1" {
		t.Errorf("flows by IPv4 = %+v, %v", fs, err)
	}
}

func TestPrune(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	for i := range 5 {
		b := storetest.SyntheticBatch("s1", uint64(i+1), storetest.Epoch().Add(time.Duration(i)*time.Minute), 100, 5, 0)
		if _, err := s.IngestBatch(ctx, "acme", b, 100); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Prune(ctx, storetest.Epoch().Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3*100+3 {
		t.Errorf("pruned %d rows, want 303 (300 flows, 3 sensor minutes)", n)
	}
	fs, err := s.Flows(ctx, "acme", store.FlowQuery{Limit: store.MaxLimit})
	if err != nil || len(fs) != 200 {
		t.Errorf("flows after prune: %d, %v", len(fs), err)
	}
	// Pruned minutes are still known: their replay is a duplicate.
	b := storetest.SyntheticBatch("s1", 1, storetest.Epoch(), 100, 5, 0)
	if _, err := s.IngestBatch(ctx, "acme", b, 100); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("replay of a pruned batch: %v", err)
	}
	if ds, err := s.Devices(ctx, "acme", store.DeviceQuery{}); err != nil || len(ds) != 5 {
		t.Errorf("devices after prune: %d, %v", len(ds), err)
	}
}

func TestBackup(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if _, err := s.IngestBatch(ctx, "acme", storetest.SyntheticBatch("s1", 1, storetest.Epoch(), 100, 5, 0), 100); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, dst); err == nil {
		t.Error("backup over an existing file: no error")
	}
	b, err := Open(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if fs, err := b.Flows(ctx, "acme", store.FlowQuery{}); err != nil || len(fs) != 100 {
		t.Errorf("flows in the backup: %d, %v", len(fs), err)
	}
}

func TestOpenBadPath(t *testing.T) {
	if _, err := Open(t.Context(), "db?mode=ro"); err == nil {
		t.Error("path with '?': no error")
	}
}
