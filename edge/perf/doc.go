// Package perf holds the performance harness: the benchmarks behind
// docs/PERFORMANCE.md, each measured on traffic from the plant simulator
// (edge/synth) so every figure can be reproduced from a seed.
//
//   - BenchmarkPipeline: sensor throughput per core (GOMAXPROCS=1) of the
//     full per-source path (decode, flow table, every dissector the
//     pipeline has, device and name observations, minute sealing and the
//     wire encoding of each sealed minute) on an OT-heavy and a mixed
//     capture held in memory; BenchmarkPipelineFile the same read from the
//     pcap file; BenchmarkReference tshark and tcpdump on the same files.
//   - BenchmarkLiveCapture: the highest rate at which the sensor's
//     AF_PACKET source captures generated traffic sent over a veth pair in
//     a private network namespace with no loss.
//   - BenchmarkSensorRSS: peak resident memory of a sensor (the real actor
//     tree, in a child process) replaying a plant of 1000 and 1500 devices.
//   - BenchmarkUpload: bytes per minute and per month the sensor uploads at
//     the specification's load, against the same data as Zeek-style TSV
//     logs compressed with zstd.
//   - BenchmarkIngest: rows per second into the cloud's SQLite store and
//     the time one simulated day of nine sensors takes.
//
// The pipeline is built exactly as edge/sensor builds it
// (pipeline.New with only a source name and the minute callback), so
// whatever dissectors the sensor runs are measured without edits here.
//
// Benchmarks read their captures from $MIMAMORI_BENCH_DIR (ot.pcap and
// mixed.pcap, written by `mimamori simulate`, see scripts/bench.sh) when it
// is set, and otherwise generate smaller ones in memory. TestBenchSmoke
// runs every benchmark body once on tiny inputs, so `go test` checks that
// the harness still works without timing anything.
package perf
