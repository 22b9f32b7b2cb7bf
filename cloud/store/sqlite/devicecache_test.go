package sqlite

import (
	"context"
	"slices"
	"testing"
	"time"

	"mimamori/cloud/store"
	"mimamori/edge/wire/wirepb"
)

// TestDeviceCapWithKnownDevices follows the device cap through the
// remembered set of stored devices: loaded on first need, extended by
// committed batches only, reloaded when devices change behind the
// store's back and after a restart. Each step's outcome is what looking
// every device up in the database gives.
func TestDeviceCapWithKnownDevices(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	if err := s.EnsureTenant(ctx, store.Tenant{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDeviceCap(ctx, "acme", 3); err != nil {
		t.Fatal(err)
	}
	epoch := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	seq := uint64(0)
	ingest := func(s *Store, macs ...byte) store.IngestResult {
		t.Helper()
		seq++
		m := epoch.Add(time.Duration(seq) * time.Minute)
		b := &wirepb.Batch{Sensor: "s1", Seq: seq, Minute: m.Unix()}
		for _, i := range macs {
			b.Devices = append(b.Devices, &wirepb.Device{Mac: []byte{2, 0, 0, 0, 0, i},
				FirstUnixNs: m.UnixNano(), LastUnixNs: m.UnixNano(), SentPackets: 1})
		}
		res, err := s.IngestBatch(ctx, "acme", b, 100)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	stored := func(s *Store) []string {
		t.Helper()
		ds, err := s.Devices(ctx, "acme", store.DeviceQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var macs []string
		for _, d := range ds {
			macs = append(macs, d.MAC)
		}
		slices.Sort(macs)
		return macs
	}
	mac := func(i byte) string { return macString([]byte{2, 0, 0, 0, 0, i}) }
	check := func(step string, s *Store, res store.IngestResult, merged, refused int, want ...byte) {
		t.Helper()
		if res.Devices != merged || res.DevicesRefused != refused {
			t.Errorf("%s: %d merged, %d refused, want %d and %d", step, res.Devices, res.DevicesRefused, merged, refused)
		}
		var w []string
		for _, i := range want {
			w = append(w, mac(i))
		}
		if got := stored(s); !slices.Equal(got, w) {
			t.Errorf("%s: devices %v, want %v", step, got, w)
		}
	}

	check("under the cap", s, ingest(s, 1, 2), 2, 0, 1, 2)
	// 2 stored + 4 in the batch could cross the cap: the set is loaded.
	check("crossing the cap", s, ingest(s, 1, 2, 3, 4), 3, 1, 1, 2, 3)
	// The set now knows device 3 from the committed batch.
	check("at the cap", s, ingest(s, 1, 2, 3, 5), 3, 1, 1, 2, 3)

	// A batch that fails after its devices were written adds nothing to
	// the set: its device 6 was never stored. Had it been remembered, the
	// device another process then adds (9) would make the set's size match
	// the count again, and 6 would pass the cap as a known device.
	if err := s.SetDeviceCap(ctx, "acme", 4); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `CREATE TRIGGER fail_minute BEFORE INSERT ON sensor_minutes
		BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`); err != nil {
		t.Fatal(err)
	}
	seq++
	if _, err := s.IngestBatch(ctx, "acme", &wirepb.Batch{Sensor: "s1", Seq: seq, Minute: epoch.Unix(),
		Devices: []*wirepb.Device{{Mac: []byte{2, 0, 0, 0, 0, 6}}, {Mac: []byte{2, 0, 0, 0, 0, 1}}}}, 100); err == nil {
		t.Fatal("batch ingested despite the failing trigger")
	}
	if _, err := s.w.ExecContext(ctx, `DROP TRIGGER fail_minute`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO devices (tenant_id, mac, first_seen_us, last_seen_us)
		SELECT id, ?, 1, 1 FROM tenants WHERE name = 'acme'`, mac(9)); err != nil {
		t.Fatal(err)
	}
	check("after a failed batch", s, ingest(s, 1, 6), 1, 1, 1, 2, 3, 9)

	// Another process deletes devices 3 and 9: the count no longer
	// matches the set, which is read again, so 5 fits and 6 does not.
	if err := s.SetDeviceCap(ctx, "acme", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM devices WHERE mac IN (?, ?)`, mac(3), mac(9)); err != nil {
		t.Fatal(err)
	}
	check("after a deletion", s, ingest(s, 1, 5, 6), 2, 1, 1, 2, 5)

	// A restarted store knows nothing and loads the set.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	check("after a restart", s2, ingest(s2, 2, 5, 7, 1), 3, 1, 1, 2, 5)
	if err := s2.SetDeviceCap(ctx, "acme", 4); err != nil {
		t.Fatal(err)
	}
	check("cap raised", s2, ingest(s2, 7, 8), 1, 1, 1, 2, 5, 7)
}
