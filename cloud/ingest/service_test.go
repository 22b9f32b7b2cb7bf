package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mimamori/cloud/ingest"
	"mimamori/cloud/store"
	"mimamori/cloud/store/sqlite"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
)

func startService(t *testing.T) (*ingest.Service, store.Store, string) {
	t.Helper()
	return startServiceWith(t, nil)
}

// startServiceWith starts a service on a fresh store, with its
// configuration adjusted by adjust (if not nil).
func startServiceWith(t *testing.T, adjust func(*ingest.Config)) (*ingest.Service, store.Store, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	q := filepath.Join(dir, "quarantine")
	cfg := ingest.Config{
		Store:         st,
		Tenants:       []ingest.Tenant{{ID: "acme", Name: "ACME", Sensors: []ingest.Sensor{{ID: "s1"}, {ID: "s2"}, {ID: "s3"}}}},
		QuarantineDir: q,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if adjust != nil {
		adjust(&cfg)
	}
	svc, err := ingest.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	return svc, st, q
}

func batch(tenant, sensor string, seq uint64) *wirepb.Batch {
	minute := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	return &wirepb.Batch{
		Tenant: tenant, Sensor: sensor, Seq: seq, Minute: minute.Unix(),
		Flows: []*wirepb.Flow{{
			IpProto: 6, SrcIp: []byte{192, 168, 10, 20}, SrcPort: 50000, DstIp: []byte{192, 168, 10, 10}, DstPort: 502,
			SrcMac: []byte{0, 0x80, 0xf4, 1, 2, 3}, DstMac: []byte{0, 0x80, 0xf4, 1, 2, 4},
			SrcPackets: 10, SrcBytes: 660, DstPackets: 10, DstBytes: 700,
			FirstUnixNs: minute.UnixNano(), LastUnixNs: minute.Add(59 * time.Second).UnixNano(), State: wirepb.FlowState_FLOW_STATE_NEW,
		}},
		Devices: []*wirepb.Device{{
			Mac: []byte{0, 0x80, 0xf4, 1, 2, 3}, Ips: [][]byte{{192, 168, 10, 20}}, Evidence: uint32(wirepb.Evidence_EVIDENCE_ARP),
			FirstUnixNs: minute.UnixNano(), LastUnixNs: minute.Add(time.Second).UnixNano(), SentPackets: 10, SentBytes: 660,
		}},
	}
}

func encode(t *testing.T, b *wirepb.Batch) []byte {
	t.Helper()
	c, err := wire.NewCodec()
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIngestExactlyOnce(t *testing.T) {
	svc, st, _ := startService(t)
	ctx := context.Background()
	payload := encode(t, batch("acme", "s1", 7))
	for i := 0; i < 3; i++ {
		if err := svc.Ingest(ctx, wire.BatchTopic("acme", "s1"), payload); err != nil {
			t.Fatalf("ingest #%d: %v", i, err)
		}
	}
	stats := svc.Stats()
	if stats.Ingested != 1 || stats.Duplicates != 2 {
		t.Fatalf("stats = %+v, want 1 ingested and 2 duplicates", stats)
	}
	states := svc.SensorStates()
	if len(states) != 1 || states[0].Sensor != "s1" || states[0].Batches != 1 || states[0].Duplicates != 2 ||
		states[0].LastSeq != 7 || states[0].MonthBytes != uint64(len(payload)) {
		t.Errorf("sensor actor state = %+v", states)
	}
	flows, err := st.Flows(ctx, "acme", store.FlowQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 1 || flows[0].SrcPackets != 10 {
		t.Fatalf("flows = %+v, want the one flow once", flows)
	}
	devs, err := st.Devices(ctx, "acme", store.DeviceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].SentPackets != 10 {
		t.Fatalf("devices = %+v, want one device counted once", devs)
	}
	sensors, err := st.Sensors(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sensors {
		if s.ID == "s1" && (s.LastSeq != 7 || s.Batches != 1 || s.MonthBytes != uint64(len(payload))) {
			t.Errorf("sensor s1 = %+v, want seq 7, 1 batch, %d bytes", s, len(payload))
		}
	}
}

// TestSensorStateFollowsLastSealed: a sensor's newest minute is that of
// the batch it sealed last (the highest number), as the store keeps it,
// not of whichever arrived last.
func TestSensorStateFollowsLastSealed(t *testing.T) {
	svc, st, _ := startService(t)
	ctx := context.Background()
	newest := batch("acme", "s1", 7)
	late := batch("acme", "s1", 6)
	late.Minute = newest.Minute + 60 // sealed before a clock was set back
	for _, b := range []*wirepb.Batch{newest, late} {
		if err := svc.Ingest(ctx, wire.BatchTopic("acme", "s1"), encode(t, b)); err != nil {
			t.Fatal(err)
		}
	}
	want := time.Unix(newest.Minute, 0).UTC()
	states := svc.SensorStates()
	if len(states) != 1 || states[0].LastSeq != 7 || !states[0].LastMinute.Equal(want) || states[0].Batches != 2 {
		t.Errorf("sensor actor state = %+v, want seq 7, minute %v, 2 batches", states, want)
	}
	sensors, err := st.Sensors(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sensors {
		if s.ID == "s1" && (s.LastSeq != 7 || !s.LastMinute.Equal(want)) {
			t.Errorf("stored sensor = %+v, want seq 7, minute %v", s, want)
		}
	}
}

func TestIngestRejectsAndQuarantines(t *testing.T) {
	svc, st, q := startService(t)
	ctx := context.Background()
	cases := []struct {
		name    string
		topic   string
		payload []byte
	}{
		{"garbage", wire.BatchTopic("acme", "s1"), []byte("not zstd at all")},
		{"identity mismatch", wire.BatchTopic("acme", "s2"), encode(t, batch("acme", "s1", 1))},
		{"unknown sensor", wire.BatchTopic("acme", "s9"), encode(t, batch("acme", "s9", 1))},
		{"unknown tenant", wire.BatchTopic("evil", "s1"), encode(t, batch("evil", "s1", 1))},
		{"bad topic", "mimamori/v1/acme/s1/other", encode(t, batch("acme", "s1", 1))},
		{"no sequence", wire.BatchTopic("acme", "s1"), encode(t, batch("acme", "s1", 0))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := svc.Ingest(ctx, tc.topic, tc.payload)
			if !errors.Is(err, ingest.ErrRejected) {
				t.Fatalf("err = %v, want ErrRejected", err)
			}
		})
	}
	ents, _ := os.ReadDir(q)
	if len(ents) != 2*len(cases) {
		t.Errorf("quarantine holds %d files, want a payload and a reason for each of %d rejections", len(ents), len(cases))
	}
	if flows, _ := st.Flows(ctx, "acme", store.FlowQuery{}); len(flows) != 0 {
		t.Errorf("rejected batches stored %d flows", len(flows))
	}
	if got := svc.Stats().Rejected; got != uint64(len(cases)) {
		t.Errorf("rejected = %d, want %d", got, len(cases))
	}
}

// TestQuarantineIsBounded: a sensor whose every batch is rejected keeps
// only the newest QuarantineMax payloads on disk, and its rejections are
// logged once per period, apart from another topic's.
func TestQuarantineIsBounded(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	svc, _, q := startServiceWith(t, func(c *ingest.Config) {
		c.QuarantineMax = 3
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	for i := range 10 {
		if err := svc.Ingest(ctx, wire.BatchTopic("acme", "s1"), fmt.Appendf(nil, "garbage %d", i)); !errors.Is(err, ingest.ErrRejected) {
			t.Fatalf("ingest %d: %v", i, err)
		}
	}
	if err := svc.Ingest(ctx, wire.BatchTopic("acme", "s2"), []byte("garbage")); !errors.Is(err, ingest.ErrRejected) {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(q)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".bin") {
			b, _ := os.ReadFile(filepath.Join(q, e.Name()))
			kept = append(kept, string(b))
		}
	}
	if want := []string{"garbage 8", "garbage 9", "garbage"}; !slices.Equal(kept, want) || len(ents) != 6 {
		t.Errorf("quarantine keeps %q in %d files, want %q with their reasons", kept, len(ents), want)
	}
	if n := strings.Count(logs.String(), `msg="ingest: batch rejected"`); n != 2 {
		t.Errorf("%d rejection lines logged, want one per topic:\n%s", n, logs.String())
	}
	if got := svc.Stats().Rejected; got != 11 {
		t.Errorf("rejected = %d, want 11", got)
	}
}

func TestTreeShowsTenantsAndSensors(t *testing.T) {
	svc, _, _ := startService(t)
	want := map[string]bool{"cloud": false, "cloud/ingest": false, "cloud/tenants": false, "cloud/tenants/acme": false, "cloud/tenants/acme/s1": false, "cloud/tenants/acme/s2": false, "cloud/tenants/acme/s3": false}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		for _, n := range svc.Tree() {
			if _, ok := want[n.ID]; ok {
				want[n.ID] = n.Alive
			}
		}
		all := true
		for _, v := range want {
			all = all && v
		}
		if all {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("tree missing actors: %v (tree %+v)", want, svc.Tree())
}
