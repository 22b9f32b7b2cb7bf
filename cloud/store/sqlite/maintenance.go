package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"
)

// pruneChunk bounds how many rows one pruning transaction deletes, so that
// ingest waits for the write connection for milliseconds, not minutes.
const pruneChunk = 20000

// Prune deletes flow rows and sensor-minute statistics whose minute is
// before cutoff, and the daily conversation and OT-activity rollups of the
// days before cutoff's day, for every tenant (retention, C6), and returns
// how many rows it deleted. It works in small transactions and can be interrupted through
// ctx; a later call continues where it stopped. Devices, names and the
// batch keys are kept: they are merged state, small, and the batch keys
// still reject a replay of a pruned minute. Fingerprints and identities
// are merged device state and are kept with their devices.
func (s *Store) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	minute := cutoff.Unix()
	var tids []int64
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM tenants ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlite: prune: %w", err)
		}
		tids = append(tids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlite: prune: %w", err)
	}

	var total int64
	for _, tid := range tids {
		for {
			// Walks the (tenant_id, minute) index, oldest first.
			res, err := s.w.ExecContext(ctx, `DELETE FROM flows WHERE id IN (
				SELECT id FROM flows WHERE tenant_id = ? AND minute < ? ORDER BY minute LIMIT ?)`,
				tid, minute, pruneChunk)
			if err != nil {
				return total, fmt.Errorf("sqlite: prune flows: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return total, fmt.Errorf("sqlite: prune flows: %w", err)
			}
			total += n
			if n < pruneChunk {
				break
			}
		}
		for {
			res, err := s.w.ExecContext(ctx, `DELETE FROM flow_addresses WHERE (tenant_id, ip, minute) IN (
				SELECT tenant_id, ip, minute FROM flow_addresses WHERE tenant_id = ? AND minute < ? LIMIT ?)`,
				tid, minute, pruneChunk)
			if err != nil {
				return total, fmt.Errorf("sqlite: prune flow addresses: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return total, fmt.Errorf("sqlite: prune flow addresses: %w", err)
			}
			if n < pruneChunk {
				break
			}
		}
		// One row per sensor and minute: small enough for one statement.
		res, err := s.w.ExecContext(ctx,
			`DELETE FROM sensor_minutes WHERE tenant_id = ? AND minute < ?`, tid, minute)
		if err != nil {
			return total, fmt.Errorf("sqlite: prune sensor minutes: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("sqlite: prune sensor minutes: %w", err)
		}
		total += n
		// Daily rollups go when their whole day is past the cutoff.
		for _, table := range []string{"conversations", "ot_events"} {
			res, err := s.w.ExecContext(ctx,
				`DELETE FROM `+table+` WHERE tenant_id = ? AND day < ?`, tid, dayOf(minute))
			if err != nil {
				return total, fmt.Errorf("sqlite: prune %s: %w", table, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return total, fmt.Errorf("sqlite: prune %s: %w", table, err)
			}
			total += n
		}
	}
	return total, nil
}

// Backup writes a consistent, compacted copy of the database to path (the
// daily backup, C6) while the store keeps serving. path must not exist.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("sqlite: backup: %s already exists", path)
	}
	// VACUUM INTO only reads the database, inside one snapshot, so it need
	// not wait for the write connection and does not hold up ingest. The
	// read pool cannot run it (query_only forbids writing even to another
	// file), so it gets a connection of its own.
	db, err := sql.Open("sqlite", dsn(s.path, false))
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	return nil
}
