#!/usr/bin/env bash
# Writes cmd/mimamori/default.pgo (make pgo): the CPU profile `go build`
# optimises the mimamori binary with (profile-guided optimisation; see
# docs/PERFORMANCE.md, "Profile-guided build").
#
# The profile is of the two hot paths, each on one core: the sensor's
# pipeline (BenchmarkPipeline over the two benchmark plants, generated
# here with `mimamori simulate` as make bench does, 400,000 frames each)
# and the cloud's ingest (BenchmarkIngest: an hour of nine sensors'
# batches, made by the same pipeline, written to SQLite). Everything is
# built without a profile, so the new one does not depend on the last.
#
# Environment: GO (default go), PACKETS (the benchmark's packets per
# plant, default 10000000).
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
PACKETS=${PACKETS:-10000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$GO" build -pgo=off -o "$tmp/mimamori" ./cmd/mimamori
# The same plants as perf.OTHeavy and perf.Mixed (scripts/bench.sh).
for plant in "ot 150" "mixed 500"; do
	set -- $plant
	"$tmp/mimamori" simulate --out "$tmp/$1.pcap" --devices 1000 --conns-per-min 2000 --mean-frame "$2" \
		--flat --seed 1 --warmup 2m --minutes 60 --packets 400000 >/dev/null
done
"$GO" test -c -pgo=off -o "$tmp/perf.test" ./edge/perf
MIMAMORI_BENCH_DIR=$tmp GOMAXPROCS=1 "$tmp/perf.test" -test.run '^$' -test.bench '^BenchmarkPipeline$' \
	-test.benchtime "${PACKETS}x" -test.cpuprofile "$tmp/pipeline.pprof"
GOMAXPROCS=1 "$tmp/perf.test" -test.run '^$' -test.bench '^BenchmarkIngest$' -test.benchtime 1x \
	-test.cpuprofile "$tmp/ingest.pprof"
"$GO" tool pprof -proto "$tmp/pipeline.pprof" "$tmp/ingest.pprof" >"$tmp/default.pgo"
cp "$tmp/default.pgo" cmd/mimamori/default.pgo
echo "wrote cmd/mimamori/default.pgo"
