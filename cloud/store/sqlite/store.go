package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"mimamori/cloud/store"
)

var _ store.Store = (*Store)(nil)

// busyTimeout is how long a connection waits for a lock held by another
// process (a backup tool, the sqlite3 shell) before failing. Inside one
// process the write pool already serialises writers.
const busyTimeout = 10 * time.Second

// Store is a store.Store on one SQLite file. It is safe for concurrent use.
type Store struct {
	path      string
	w         *sql.DB // one connection: every write goes through it
	r         *sql.DB // query_only connections for reads
	now       func() time.Time
	deviceCap int
	// broadMinutes is how many (minute, address) pairs of a prefix make
	// a flow search walk the flows (see Flows); tests lower it.
	broadMinutes int
	stmts        ingestStmts
	inv          inventoryStmts
	known        knownDevices
}

// Option configures Open.
type Option func(*options)

type options struct {
	now       func() time.Time
	deviceCap int
	readConns int
}

// WithClock makes the store read the current time from now instead of the
// system clock. It decides the month a batch's bytes count towards, batch
// receive times and session expiry.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithDeviceCap sets the device cap (C2) for tenants that have none of their
// own; n <= 0 keeps store.DefaultDeviceCap.
func WithDeviceCap(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.deviceCap = n
		}
	}
}

// WithReadConns sets how many read connections may be open at once.
func WithReadConns(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.readConns = n
		}
	}
}

// Open opens or creates the database at path, creating its directory, and
// brings its schema up to date.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{
		now:       time.Now,
		deviceCap: store.DefaultDeviceCap,
		readConns: max(4, runtime.GOMAXPROCS(0)),
	}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" || strings.ContainsRune(path, '?') {
		// The driver takes connection parameters after a '?'.
		return nil, fmt.Errorf("sqlite: open: invalid path %q", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}

	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	// A single, never-recycled connection: writers queue in database/sql
	// instead of spinning on SQLITE_BUSY, and statements prepared on it
	// stay valid.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	s := &Store{path: path, w: w, now: o.now, deviceCap: o.deviceCap, broadMinutes: defaultBroadMinutes}
	// Migrations run before the read pool exists: its query_only
	// connections must not be the first to touch a new file.
	if err := migrate(ctx, w, s.nowUS()); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	r.SetMaxOpenConns(o.readConns)
	r.SetMaxIdleConns(o.readConns)
	s.r = r
	if err := r.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := s.inv.prepare(ctx, w); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := s.stmts.prepare(ctx, w); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// dsn builds the driver's connection string. Every connection gets the same
// pragmas, as SQLite applies most of them per connection.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	// In WAL mode NORMAL survives application crashes and skips an fsync
	// per commit; a power loss can lose the last commits, and since their
	// batch keys are lost with them, a resent batch is accepted again.
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// The page cache is per connection; SQLite's default of 2 MB makes
	// the ingest read index pages back from the file once a day's flow
	// indexes outgrow it.
	if readOnly {
		q.Add("_pragma", "cache_size(-16384)") // 16 MiB
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "cache_size(-131072)") // 128 MiB
		// A statement that writes many rows keeps a statement journal
		// (to undo just itself on a constraint error); in memory it costs
		// no system calls.
		q.Add("_pragma", "temp_store(MEMORY)")
		// A checkpoint copies the newest version of every page in the
		// WAL into the database file. A minute's batch rewrites most
		// pages of the day's rollups and devices, about 1,000 pages in
		// all, so at SQLite's default (a checkpoint once the WAL holds
		// 1,000 pages) every commit checkpointed, copying the same pages
		// again each time with two fsyncs. Every 10,000 pages (a WAL of
		// up to 40 MiB) copies them once per ten batches or so.
		q.Add("_pragma", "wal_autocheckpoint(10000)")
		// Take the write lock at BEGIN, so that a transaction never fails
		// half-way when it upgrades from reading to writing.
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

// Close closes both pools.
func (s *Store) Close() error {
	var errs []error
	if err := s.inv.close(); err != nil {
		errs = append(errs, err)
	}
	if err := s.stmts.close(); err != nil {
		errs = append(errs, err)
	}
	if s.r != nil {
		if err := s.r.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.w.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// EnsureTenant implements store.Store.
func (s *Store) EnsureTenant(ctx context.Context, t store.Tenant) error {
	if t.ID == "" {
		return errors.New("sqlite: ensure tenant: empty tenant id")
	}
	_, err := s.w.ExecContext(ctx, `
		INSERT INTO tenants (name, display_name, created_us) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name`,
		t.ID, t.Name, s.nowUS())
	if err != nil {
		return fmt.Errorf("sqlite: ensure tenant %s: %w", t.ID, err)
	}
	return nil
}

// EnsureSensor implements store.Store.
func (s *Store) EnsureSensor(ctx context.Context, tenant, sensor, displayName string) error {
	if tenant == "" || sensor == "" {
		return errors.New("sqlite: ensure sensor: empty tenant or sensor id")
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		tid, _, err := ensureTenantID(ctx, tx, tenant, s.nowUS())
		if err != nil {
			return err
		}
		if _, err := ensureSensorID(ctx, tx, tid, sensor, s.nowUS()); err != nil {
			return err
		}
		if displayName == "" {
			return nil
		}
		_, err = tx.ExecContext(ctx,
			`UPDATE sensors SET display_name = ? WHERE tenant_id = ? AND name = ?`,
			displayName, tid, sensor)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: ensure sensor %s/%s: %w", tenant, sensor, err)
	}
	return nil
}

// SetDeviceCap implements store.Store.
func (s *Store) SetDeviceCap(ctx context.Context, tenant string, n int) error {
	res, err := s.w.ExecContext(ctx,
		`UPDATE tenants SET device_cap = ? WHERE name = ?`, max(n, 0), tenant)
	if err != nil {
		return fmt.Errorf("sqlite: set device cap %s: %w", tenant, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: set device cap %s: %w", tenant, err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: set device cap: tenant %s: %w", tenant, store.ErrNotFound)
	}
	return nil
}

// ensureTenantID returns the tenant's id and device cap, creating the tenant
// (named by its ID) if it is missing.
func ensureTenantID(ctx context.Context, tx *sql.Tx, tenant string, nowUS int64) (id int64, deviceCap int, err error) {
	err = tx.QueryRowContext(ctx,
		`SELECT id, device_cap FROM tenants WHERE name = ?`, tenant).Scan(&id, &deviceCap)
	if err == nil {
		return id, deviceCap, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("tenant %s: %w", tenant, err)
	}
	err = tx.QueryRowContext(ctx,
		`INSERT INTO tenants (name, display_name, created_us) VALUES (?, ?, ?) RETURNING id`,
		tenant, tenant, nowUS).Scan(&id)
	if err != nil {
		return 0, 0, fmt.Errorf("create tenant %s: %w", tenant, err)
	}
	return id, 0, nil
}

// ensureSensorID returns the sensor's id, registering it if it is missing.
func ensureSensorID(ctx context.Context, tx *sql.Tx, tid int64, sensor string, nowUS int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx,
		`SELECT id FROM sensors WHERE tenant_id = ? AND name = ?`, tid, sensor).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sensor %s: %w", sensor, err)
	}
	err = tx.QueryRowContext(ctx,
		`INSERT INTO sensors (tenant_id, name, display_name, created_us) VALUES (?, ?, ?, ?) RETURNING id`,
		tid, sensor, sensor, nowUS).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create sensor %s: %w", sensor, err)
	}
	return id, nil
}

// tenantID looks a tenant up on the read pool; ok is false if it is unknown.
func tenantID(ctx context.Context, q querier, tenant string) (id int64, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT id FROM tenants WHERE name = ?`, tenant).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return id, true, nil
}

// querier is what *sql.DB and *sql.Tx have in common for reads.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// writeTx runs fn in a transaction on the write connection and commits it
// if fn returns nil.
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// readTx runs fn in a read transaction, so that the queries behind one
// answer see one snapshot.
func (s *Store) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

func (s *Store) nowUS() int64 { return s.now().UnixMicro() }
