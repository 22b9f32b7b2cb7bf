#!/usr/bin/env bash
# Performance harness behind docs/PERFORMANCE.md (make bench).
#
# Generates the two benchmark captures with `mimamori simulate`, then runs
# the edge/perf benchmarks: sensor throughput per core next to tshark and
# tcpdump on the same files, live AF_PACKET capture over a veth pair in a
# private network namespace, sensor memory, upload size and cloud ingest.
# Raw `go test -bench` output and a summary land in $OUT (var/bench).
#
# Environment: OUT (default var/bench), GO (default go), CPU (the core the
# per-core figures are pinned to, default the last one), OT_PACKETS and
# MIXED_PACKETS (capture sizes), COUNT (repetitions of the in-memory
# throughput benchmark, default 3).
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
OUT=${OUT:-var/bench}
CPU=${CPU:-$(($(nproc) - 1))}
OT_PACKETS=${OT_PACKETS:-1000000}
MIXED_PACKETS=${MIXED_PACKETS:-600000}
COUNT=${COUNT:-3}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

say() { printf '\n== %s\n' "$*"; }

# Reference tools come from Debian.
missing=()
command -v tshark >/dev/null || missing+=(tshark)
command -v tcpdump >/dev/null || missing+=(tcpdump)
if ((${#missing[@]})); then
	if [ "$(id -u)" -ne 0 ]; then
		echo "bench: ${missing[*]} missing and not root; install them: apt-get install -y tshark tcpdump" >&2
		exit 1
	fi
	say "installing ${missing[*]}"
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
PIN=()
command -v taskset >/dev/null && PIN=(taskset -c "$CPU")

say "machine"
{
	date -u +"date: %Y-%m-%dT%H:%M:%SZ"
	echo "kernel: $(uname -r)"
	lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|L2|L3|CPU max MHz)' || true
	free -g | sed -n 2p | awk '{print "memory: " $2 " GiB"}'
	"$GO" version
	tshark --version | head -1
	tcpdump --version 2>&1 | head -2 | tr '\n' ' '
	echo
	uptime
} | tee "$OUT/machine.txt"

say "building"
make -s build
BIN=bin/mimamori

say "captures (mimamori simulate)"
# The same plants as perf.OTHeavy and perf.Mixed: 1000 devices, 2000
# connections per minute, full activity, seed 1, steady state after a
# two-minute warm-up.
"$BIN" simulate --out "$OUT/ot.pcap" --devices 1000 --conns-per-min 2000 --mean-frame 150 \
	--flat --seed 1 --warmup 2m --minutes 60 --packets "$OT_PACKETS" 2>&1 | tee "$OUT/simulate-ot.txt"
"$BIN" simulate --out "$OUT/mixed.pcap" --devices 1000 --conns-per-min 2000 --mean-frame 500 \
	--flat --seed 1 --warmup 2m --minutes 60 --packets "$MIXED_PACKETS" 2>&1 | tee "$OUT/simulate-mixed.txt"

export MIMAMORI_BENCH_DIR=$OUT
# The benchmarks are built with the profile the binary is built with
# (go build picks it up by itself; go test only for package main).
PGO=(-pgo="$PWD/cmd/mimamori/default.pgo")
bench() { # name, GOMAXPROCS (or ""), benchtime, count, pattern, [go test flags...]
	local name=$1 procs=$2 time=$3 count=$4 pattern=$5
	shift 5
	say "$name"
	local env=()
	[ -n "$procs" ] && env=(GOMAXPROCS="$procs")
	env "${env[@]}" "${PIN[@]}" "$GO" test -run '^$' -bench "$pattern" -benchmem -benchtime "$time" -count "$count" \
		-timeout 30m "${PGO[@]}" "$@" ./edge/perf | tee "$OUT/$name.txt"
}
# Per-core figures: one CPU, GOMAXPROCS=1, tools pinned to the same core.
bench throughput 1 3000000x "$COUNT" '^BenchmarkPipeline$'
bench dissectors 1 3000000x "$COUNT" '^BenchmarkDissectorOverhead$'
bench file 1 2x 1 '^BenchmarkPipelineFile$'
bench reference 1 1x 1 '^BenchmarkReference$'
bench ingest 1 1x 1 '^BenchmarkIngest$'
# Whole-machine figures: the sensor as deployed, sender and capture on
# separate cores.
PIN=()
bench live "" 1x 1 '^BenchmarkLiveCapture$' -v # -v keeps the whole rate ladder
# The reader's own ceiling: a burst queued in the receive ring, then read.
bench drain 1 3x 1 '^BenchmarkRingDrain$'
bench memory "" 1x 1 '^BenchmarkSensorRSS$'
bench upload "" 1x 1 '^BenchmarkUpload$'

say "hot-path micro-benchmarks"
# Every package's own benchmarks but the harness above, briefly.
"$GO" test -run '^$' -bench . -benchmem -benchtime 200ms "${PGO[@]}" \
	$("$GO" list ./edge/... ./protocols/... | grep -v /edge/perf) | tee "$OUT/micro.txt"

say "summary"
# metric FILE BENCH-REGEX UNIT: the median of that unit over matching lines.
metric() {
	grep -E "^$2" "$1" | awk -v unit="$3" '{for (i = 2; i < NF; i++) if ($(i+1) == unit) print $i}' |
		sort -g | awk '{v[NR] = $1} END {if (NR) print v[int((NR+1)/2)]; else print "n/a"}'
}
{
	echo "Sensor throughput per core (GOMAXPROCS=1), ns/packet and Mpps:"
	for c in ot mixed; do
		ours=$(metric "$OUT/throughput.txt" "BenchmarkPipeline/capture=$c" ns/packet)
		file=$(metric "$OUT/file.txt" "BenchmarkPipelineFile/capture=$c" ns/packet)
		tshark=$(metric "$OUT/reference.txt" "BenchmarkReference/tool=tshark/capture=$c" ns/packet)
		tcpdump=$(metric "$OUT/reference.txt" "BenchmarkReference/tool=tcpdump/capture=$c" ns/packet)
		awk -v c="$c" -v o="$ours" -v f="$file" -v t="$tshark" -v d="$tcpdump" 'BEGIN {
			printf "  %-6s pipeline %7.1f ns (%5.2f Mpps)  from file %7.1f ns  tshark %8.1f ns  tcpdump %6.1f ns\n", c, o, 1e3/o, f, t, d
			printf "  %-6s tshark/pipeline %6.1fx  tshark/file %6.1fx  tcpdump/pipeline %5.2fx  goal 2.0 Mpps: %s\n", c, t/o, t/f, d/o, (1e3/o >= 2 ? "met" : "missed")
		}'
	done
	all=$(metric "$OUT/dissectors.txt" "BenchmarkDissectorOverhead/dissectors=all" ns/packet)
	none=$(metric "$OUT/dissectors.txt" "BenchmarkDissectorOverhead/dissectors=none" ns/packet)
	awk -v a="$all" -v n="$none" 'BEGIN { printf "Dissector overhead, OT-heavy pipeline: %.1f ns with every dissector, %.1f ns with none (%+.1f%%, goal within 10%%)\n", a, n, 100*(a-n)/n }'
	for p in pipeline source; do
		echo "Live capture over a veth pair, path=$p: $(metric "$OUT/live.txt" "BenchmarkLiveCapture/path=$p" zero-loss-pps) packets/s with zero loss ($(metric "$OUT/live.txt" "BenchmarkLiveCapture/path=$p" zero-loss-Mbit/s-wire) Mbit/s on the wire); lost frames from $(metric "$OUT/live.txt" "BenchmarkLiveCapture/path=$p" first-loss-target-pps) packets/s; the sender reached $(metric "$OUT/live.txt" "BenchmarkLiveCapture/path=$p" sender-max-pps)"
	done
	for p in pipeline source; do
		echo "Receive ring read back, path=$p: $(metric "$OUT/drain.txt" "BenchmarkRingDrain/path=$p" pps) packets/s, $(metric "$OUT/drain.txt" "BenchmarkRingDrain/path=$p" ns/packet) ns/packet ($(metric "$OUT/drain.txt" "BenchmarkRingDrain/path=$p" Mbit/s-wire) Mbit/s on the wire)"
	done
	for d in 1000 1500; do
		echo "Sensor peak RSS, $d devices: $(metric "$OUT/memory.txt" "BenchmarkSensorRSS/devices=$d" MB-peak-RSS) MB (goal 256)"
	done
	echo "Upload: $(metric "$OUT/upload.txt" BenchmarkUpload B/min) B/min = $(metric "$OUT/upload.txt" BenchmarkUpload GB/month) GB/month (budget 10, goal 1); Zeek TSV+zstd $(metric "$OUT/upload.txt" BenchmarkUpload zeek-GB/month) GB/month"
	echo "Ingest: $(metric "$OUT/ingest.txt" BenchmarkIngest rows/s) rows/s; a day of 9 sensors in $(metric "$OUT/ingest.txt" BenchmarkIngest s/day) s = $(metric "$OUT/ingest.txt" BenchmarkIngest x-realtime)x real time (goal 100x)"
	echo "Load while measuring (other processes share these cores): $(uptime | sed 's/.*load average/load average/')"
} | tee "$OUT/summary.txt"
