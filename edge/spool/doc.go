// Package spool is the sensor's durable outbox (E3): every sealed batch is
// written here before it is published, and removed only once the broker has
// acknowledged it, so nothing is lost while the LTE link or the cloud is down.
// It also owns the batch sequence counter, which must never go backwards,
// even across restarts and an emptied spool.
package spool
