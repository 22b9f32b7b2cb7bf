package perf

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"mimamori/cloud/store/sqlite"
	"mimamori/edge/sensor"
	"mimamori/edge/synth"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
)

// deferred runs batches through a sensor's Deferral as its batcher does:
// what a window held goes out before a later window's batch, and the rest
// when the stream ends.
func deferred(batches []*wirepb.Batch, every time.Duration) []*wirepb.Batch {
	d := sensor.NewDeferral(every)
	var out []*wirepb.Batch
	for _, b := range batches {
		if d.Overdue(b.Minute) {
			out = append(out, d.Release())
		}
		d.Apply(b)
		out = append(out, b)
	}
	if r := d.Release(); r != nil {
		out = append(out, r)
	}
	return out
}

// The cloud's inventory after a stream of batches is the same whether the
// sensor sends every minute's devices, names and OT events or holds back
// their repeats: same devices with the same totals and times, addresses,
// fingerprints, names, OT events per day and OT activity.
func TestDeferralKeepsCloudTotals(t *testing.T) {
	small := Spec{"small", synth.Plant{Devices: 120, ConnsPerMin: 300, Flat: true, Seed: Seed}}
	all := minutes(t, small, 0, 26)
	if len(all) < 21 {
		t.Fatalf("%d minutes, want at least 21", len(all))
	}
	plain := make([]*wirepb.Batch, len(all))
	for i, b := range all {
		plain[i] = proto.Clone(b).(*wirepb.Batch)
	}
	held := deferred(all, 10*time.Minute)

	var sentPlain, sentHeld int
	for _, b := range plain {
		sentPlain += len(b.Devices) + len(b.Names) + len(b.OtEvents)
	}
	for _, b := range held {
		sentHeld += len(b.Devices) + len(b.Names) + len(b.OtEvents)
	}
	t.Logf("%d minutes: %d devices, names and OT events sent every minute, %d held back and released",
		len(plain), sentPlain, sentHeld)
	if sentHeld*3 > sentPlain {
		t.Errorf("deferral sent %d records of %d; want under a third", sentHeld, sentPlain)
	}

	dump := func(batches []*wirepb.Batch) map[string][]string {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "mimamori.db")
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		codec, err := wire.NewCodec()
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range batches {
			b.Tenant, b.Sensor, b.Seq = "acme", "s1", uint64(i+1)
			payload, err := codec.Encode(b)
			if err != nil {
				t.Fatal(err)
			}
			// What the cloud stores is what it decodes, times included.
			got, err := codec.Decode(payload)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.IngestBatch(ctx, "acme", got, len(payload)); err != nil {
				t.Fatalf("batch %d: %v", i, err)
			}
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		// Everything but what records each batch's arrival.
		return dumpTables(t, path, "batches", "sensors", "sensor_minutes", "schema_migrations", "tenants")
	}
	want, got := dump(plain), dump(held)
	filled := 0
	for table, rows := range want {
		if len(rows) > 0 {
			filled++
		}
		g := got[table]
		if len(g) != len(rows) {
			t.Errorf("%s: %d rows with deferral, %d without", table, len(g), len(rows))
		}
		bad := 0
		for i := range min(len(g), len(rows)) {
			if g[i] != rows[i] {
				if bad++; bad <= 3 {
					t.Errorf("%s row %d:\n deferred %s\n    plain %s", table, i, g[i], rows[i])
				}
			}
		}
		if bad > 3 {
			t.Errorf("%s: %d rows differ", table, bad)
		}
	}
	for _, table := range []string{"devices", "device_ips", "device_fingerprints", "names", "ot_events", "flows"} {
		if len(want[table]) == 0 {
			t.Errorf("%s: no rows; the comparison proves nothing", table)
		}
	}
	t.Logf("%d tables compared, %d with rows", len(want), filled)
}

// dumpTables reads every row of every table but those skipped, each row
// as one line, sorted.
func dumpTables(t *testing.T, path string, skip ...string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	list, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	for list.Next() {
		var name string
		if err := list.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(skip, name) {
			tables = append(tables, name)
		}
	}
	list.Close()
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			parts := make([]string, len(cols))
			for i, v := range vals {
				parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
			}
			out[table] = append(out[table], strings.Join(parts, " "))
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		rows.Close()
		slices.Sort(out[table])
	}
	return out
}
