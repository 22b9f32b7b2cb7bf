package inventory

import (
	"path/filepath"
	"testing"
	"time"

	"mimamori/cloud/store"
	"mimamori/cloud/store/sqlite"
	"mimamori/cloud/store/storetest"
	"mimamori/edge/intel"
)

func TestInventoryCachesUntilDataChanges(t *testing.T) {
	ctx := t.Context()
	clock := storetest.NewClock(storetest.Epoch())
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"), sqlite.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := intel.New(intel.Options{P0fPath: "testdata/none.fp", OUIOverridePath: "testdata/none.txt"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(st, Options{Engine: e, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := svc.Inventory(ctx, "t1")
	if err != nil || len(inv.Devices) != 0 {
		t.Fatalf("empty tenant: %v, %d devices", err, len(inv.Devices))
	}
	b := storetest.SyntheticBatch("s1", 1, storetest.Epoch(), 40, 8, 1)
	if _, err := st.IngestBatch(ctx, "t1", b, 100); err != nil {
		t.Fatal(err)
	}
	inv, _ = svc.Inventory(ctx, "t1")
	if len(inv.Devices) != 8 {
		t.Fatalf("after ingest: %d devices, want 8", len(inv.Devices))
	}
	again, _ := svc.Inventory(ctx, "t1")
	if again != inv {
		t.Error("unchanged data rebuilt the inventory")
	}
	if err := st.SetServiceName(ctx, "t1", store.ServiceName{Proto: 6, Port: 502, Name: "line-io"}); err != nil {
		t.Fatal(err)
	}
	renamed, _ := svc.Inventory(ctx, "t1")
	if renamed == inv || renamed.Services.Name(6, 502) != "line-io" {
		t.Errorf("custom service name not applied: %s", renamed.Services.Name(6, 502))
	}
	clock.Add(DefaultMaxAge + time.Second)
	if aged, _ := svc.Inventory(ctx, "t1"); aged == renamed {
		t.Error("an inventory older than MaxAge was reused")
	}
	cs, err := svc.Conversations(ctx, "t1", 24*time.Hour)
	if err != nil || len(cs) == 0 {
		t.Errorf("conversations: %d (%v)", len(cs), err)
	}
}
