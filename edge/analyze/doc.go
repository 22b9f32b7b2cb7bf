// Package analyze is the engine of `mimamori analyze FILE...`: it runs pcap
// and pcapng files through the sensor's own pipeline and writes what a
// sensor would have uploaded, one JSON object per line. The format is a
// stable contract documented in docs/ANALYZE.md: record types `flow`,
// `device`, `name`, `ot`, `identity` and `stats`, fields only ever added.
//
// Each file gets a pipeline of its own, in the order given: flows, devices
// and minutes never mix across files, and each file's records carry its
// minutes exactly as a sensor replaying that file alone would produce them.
// That is what someone passing several unrelated captures expects, and it
// keeps one file's output independent of the others.
//
// Within a minute the records are sorted (flows by protocol and endpoints,
// devices by MAC, names by address and name, OT events by protocol,
// endpoints and code, identities by protocol and address) and written
// flows first, then devices, names, OT events, identities and the minute's
// statistics, so the output is a deterministic function of the input. WriteBatch renders any batch the
// same way, for the sensor's debugging paths.
package analyze
