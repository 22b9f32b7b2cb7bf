package sqlite

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"mimamori/cloud/store"
	"mimamori/cloud/store/storetest"
	"mimamori/edge/wire/wirepb"
)

// TestFlowsByAddress checks searches by address through the minutes each
// address was seen in, with and without time bounds, on either side.
func TestFlowsByAddress(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	epoch := storetest.Epoch()
	flow := func(src, dst string, packets uint64) *wirepb.Flow {
		return &wirepb.Flow{IpProto: 6, SrcIp: netip.MustParseAddr(src).AsSlice(), SrcPort: 50000,
			DstIp: netip.MustParseAddr(dst).AsSlice(), DstPort: 502, SrcPackets: packets, State: wirepb.FlowState_FLOW_STATE_NEW}
	}
	for i, flows := range [][]*wirepb.Flow{
		{flow("10.0.0.1", "10.0.0.2", 1), flow("10.0.0.3", "10.0.0.4", 2)},
		{flow("10.0.0.3", "10.0.0.1", 3)},
		{flow("10.0.0.3", "10.0.0.4", 4)},
		{flow("10.0.0.2", "10.0.0.1", 5), flow("10.0.0.1", "10.0.0.5", 6)},
	} {
		b := &wirepb.Batch{Tenant: "acme", Sensor: "s1", Seq: uint64(i + 1), Minute: epoch.Add(time.Duration(i) * time.Minute).Unix(), Flows: flows}
		if _, err := s.IngestBatch(ctx, "acme", b, 100); err != nil {
			t.Fatal(err)
		}
	}
	packets := func(q store.FlowQuery) []uint64 {
		t.Helper()
		fs, err := s.Flows(ctx, "acme", q)
		if err != nil {
			t.Fatal(err)
		}
		var out []uint64
		for _, f := range fs {
			out = append(out, f.SrcPackets)
		}
		return out
	}
	ip := netip.MustParseAddr("10.0.0.1")
	cases := []struct {
		name string
		q    store.FlowQuery
		want []uint64 // newest first
	}{
		{"all minutes", store.FlowQuery{IP: ip}, []uint64{6, 5, 3, 1}},
		{"from minute 1", store.FlowQuery{IP: ip, Range: store.TimeRange{From: epoch.Add(time.Minute)}}, []uint64{6, 5, 3}},
		{"minutes 1-2", store.FlowQuery{IP: ip, Range: store.TimeRange{From: epoch.Add(time.Minute), To: epoch.Add(3 * time.Minute)}}, []uint64{3}},
		{"server only", store.FlowQuery{IP: netip.MustParseAddr("10.0.0.4")}, []uint64{4, 2}},
		{"unknown", store.FlowQuery{IP: netip.MustParseAddr("10.9.9.9")}, nil},
		{"limit", store.FlowQuery{IP: ip, Limit: 2, Offset: 1}, []uint64{5, 3}},
	}
	for _, tc := range cases {
		if got := packets(tc.q); !equalU64(got, tc.want) {
			t.Errorf("%s: packets %v, want %v", tc.name, got, tc.want)
		}
	}
	// Retention removes the address minutes with their flows.
	if _, err := s.Prune(ctx, epoch.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM flow_addresses WHERE minute < ?`, epoch.Add(2*time.Minute).Unix()).Scan(&n); err != nil || n != 0 {
		t.Errorf("address minutes left before the cutoff: %d, %v", n, err)
	}
	if got := packets(store.FlowQuery{IP: ip}); !equalU64(got, []uint64{6, 5}) {
		t.Errorf("after prune: packets %v", got)
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMigrationFlowAddresses checks that flows stored before migration
// 0004 can be found by address after it.
func TestMigrationFlowAddresses(t *testing.T) {
	ctx := context.Background()
	db, path := oldSchemaDB(t, 2)
	minute := storetest.Epoch().Unix()
	for _, q := range []string{
		`INSERT INTO tenants (id, name, created_us) VALUES (1, 'acme', 0)`,
		`INSERT INTO sensors (id, tenant_id, name, created_us) VALUES (1, 1, 's1', 0)`,
		`INSERT INTO flows (tenant_id, sensor_id, minute, proto, src_ip, src_port, dst_ip, dst_port, vlan,
			src_packets, src_bytes, dst_packets, dst_bytes, src_tcp_flags, dst_tcp_flags, first_us, last_us, is_new, ended)
			VALUES (1, 1, ?, 6, X'0a000001', 50000, X'0a000002', 502, 0, 7, 700, 0, 0, 0, 0, 0, 0, 1, 0)`,
	} {
		if _, err := db.ExecContext(ctx, q, minute); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, addr := range []string{"10.0.0.1", "10.0.0.2"} {
		fs, err := s.Flows(ctx, "acme", store.FlowQuery{IP: netip.MustParseAddr(addr)})
		if err != nil || len(fs) != 1 || fs[0].SrcPackets != 7 {
			t.Errorf("flows of %s after migration: %+v, %v", addr, fs, err)
		}
	}
}
