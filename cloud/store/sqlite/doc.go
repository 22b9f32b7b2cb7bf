// Package sqlite is the default store.Store: one SQLite file in WAL mode,
// written through the pure-Go modernc.org/sqlite driver so the cloud builds
// without cgo.
//
// # Connections
//
// SQLite allows one writer at a time. The store therefore keeps two pools on
// the same file: a single-connection write pool, through which every write
// transaction is serialised in Go rather than by retrying on SQLITE_BUSY, and
// a read pool whose connections are query_only. WAL lets the readers run
// beside the writer and see the last committed state. Statements on the
// ingest path are prepared once on the write connection and reused. The
// write connection has a 128 MiB page cache, keeps temporary data
// (statement journals) in memory and checkpoints the WAL every 10,000
// pages (a minute's batch rewrites about 1,000); readers have 16 MiB each.
//
// # Schema
//
// The schema lives in numbered, embedded files (migrations/0001_init.sql,
// ...). Open applies the ones not yet recorded in schema_migrations, each in
// its own transaction, and refuses a file written by a newer schema. The
// first migration documents the column conventions (times in Unix
// microseconds, IP addresses as 4- or 16-byte blobs, integer tenant and
// sensor ids).
//
// # Ingest
//
// IngestBatch writes one batch in one transaction: the (tenant, sensor, seq)
// key first, so that a replay stops before writing anything and returns
// store.ErrDuplicate; then flows, merged devices, device addresses, names,
// the sensor-minute statistics and the sensor's counters. Rows go 64 to a
// statement (bulk.go): a statement's fixed cost in database/sql, the
// driver and SQLite's virtual machine is then shared by 64 rows, and the
// values every row of a batch shares (tenant, sensor, minute or day) are
// numbered parameters bound once per statement. Flows are inserted with OR
// FAIL, which needs no statement journal; a failing row still fails the
// batch's transaction. Each
// flow's addresses are also recorded per minute in flow_addresses, which a
// search by address starts from. Device merging is
// done by the database (upserts), so batches from several sensors of one
// tenant combine correctly whatever their order:
//
//   - first_seen is the minimum and last_seen the maximum observed;
//   - packet and byte counters are summed;
//   - evidence bits are OR'ed;
//   - hostname, DHCP vendor class, DHCP parameters and VLAN keep the newest
//     non-empty value (by the observation's last_seen).
//
// OT events (migration 0003) are summed per UTC day into ot_events, keyed
// by sensor (right after the day since migration 0005, so that a batch's
// upserts stay within its sensor's rows), protocol, code, addresses,
// destination port, MACs and VLAN;
// client ports become a range, and the details of the day are merged by
// the SQL function mimamori_ot_details (store.MergeOTDetails), which the
// package registers with the driver. Queries add the days up.
//
// # Device cap
//
// A tenant may hold at most its device cap (store.DefaultDeviceCap unless
// WithDeviceCap or SetDeviceCap says otherwise, C2). Once it is reached,
// devices not yet known are not imported: IngestResult.DevicesRefused counts
// them and the caller reports it in the system log. Known devices keep being
// merged, and flows and names are always stored. The cap fills up to its
// limit: a batch that brings 10 new devices to a tenant 4 short of the cap
// imports the first 4 in batch order. A batch that could cross the cap
// checks its devices against the tenant's stored MACs, which the store
// remembers between batches (devicecache.go) and reloads whenever their
// number differs from the tenant's device count.
//
// # Time
//
// A batch counts towards its sensor's monthly usage (C4) for the UTC month
// in which it is received, read from the store's clock (WithClock), which
// also decides session expiry.
package sqlite
