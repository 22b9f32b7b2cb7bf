package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// knownDevices remembers, per tenant, the MACs of the devices stored, so
// that a batch which could cross the device cap (C2) need not look up
// each of its devices. At the specification's load — 1,000 devices under
// the default cap of 1,500 — every batch can cross it, and the lookups
// were a fifth of the cost of merging devices.
//
// The store never deletes devices, so the set only grows; it is trusted
// only while its size equals the tenant's device count, which ingest
// reads anyway. Anything else (a store just opened, devices written or
// deleted by another process) makes ingest load the tenant's MACs from
// the database again inside its transaction. A batch's new devices join
// the set only once its transaction has committed.
type knownDevices struct {
	mu       sync.Mutex
	byTenant map[int64]map[string]struct{}
}

// lookup returns the tenant's stored MACs as of tx: the remembered set if
// it holds count MACs, or else the set read from the database.
func (k *knownDevices) lookup(ctx context.Context, tx *sql.Tx, tid int64, count int) (map[string]struct{}, error) {
	k.mu.Lock()
	set := k.byTenant[tid]
	k.mu.Unlock()
	if set != nil && len(set) == count {
		return set, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT mac FROM devices WHERE tenant_id = ?`, tid)
	if err != nil {
		return nil, fmt.Errorf("known devices: %w", err)
	}
	defer rows.Close()
	set = make(map[string]struct{}, count)
	for rows.Next() {
		var mac string
		if err := rows.Scan(&mac); err != nil {
			return nil, fmt.Errorf("known devices: %w", err)
		}
		set[mac] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("known devices: %w", err)
	}
	// Read inside the write transaction, before this batch wrote any
	// device: the committed state, whatever becomes of the batch.
	k.mu.Lock()
	if k.byTenant == nil {
		k.byTenant = make(map[int64]map[string]struct{})
	}
	k.byTenant[tid] = set
	k.mu.Unlock()
	return set, nil
}

// add records devices a committed batch stored. A set lookup returned
// may still be read by a batch in progress, so sets are never changed in
// place: the tenant gets a new one.
func (k *knownDevices) add(tid int64, macs []string) {
	if len(macs) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	old := k.byTenant[tid]
	if old == nil {
		return // nothing remembered yet; the next lookup loads the tenant
	}
	set := make(map[string]struct{}, len(old)+len(macs))
	for mac := range old {
		set[mac] = struct{}{}
	}
	for _, mac := range macs {
		set[mac] = struct{}{}
	}
	k.byTenant[tid] = set
}
