// Package ratelog keeps a recurring event from burying the cloud's log: a
// sensor retrying a wrong password, or sending batches the cloud rejects,
// does so every minute or faster, forever. An event is logged once per key
// per period, with the repeats in between counted.
package ratelog
