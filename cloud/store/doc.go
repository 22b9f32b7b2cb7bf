// Package store defines the cloud's durable state behind a small interface:
// ingested batches (exactly once per sensor and sequence), devices merged
// from observations, flows per minute, names, sensors, users and sessions.
// Implementations live in subpackages (sqlite is the default), and each
// passes the conformance suite in storetest.
package store
