// Package pipeline turns one capture source's frames into per-minute
// batches (E1, E2): each frame is decoded once, then handed to the flow
// table and to the device observer, and frames with payload to the OT
// dissectors (package protocols); every minute of packet time is sealed
// into a wirepb.Batch with the minute's flows, devices, names, OT events,
// identities and capture statistics.
//
// Minutes follow the packets' own timestamps, so a pcap file replays into
// the minutes it was captured in. A packet from a later minute seals the
// current one first; a packet slightly older than the current minute (a
// reordered capture, several NIC queues) is counted in the current minute
// rather than reopening a sealed one. On a live link that goes quiet,
// Advance seals the minute once the wall clock has passed it, so a sensor
// still reports every minute.
//
// The batch leaves tenant, sensor, sequence number and health empty: the
// sensor that merges its sources' batches fills them.
//
// A Pipeline is not safe for concurrent use; Run drives one from a single
// goroutine.
package pipeline
