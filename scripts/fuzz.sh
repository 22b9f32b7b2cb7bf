#!/usr/bin/env bash
# Runs every fuzz target of the module in turn for FUZZTIME each (make fuzz).
#
# Go 1.26's fuzzing coordinator can report a bare "context deadline
# exceeded" when -fuzztime runs out while a worker is mid-call
# (go.dev/issue/75804, fixed in Go 1.27). That is not a finding: a real one
# prints "Failing input written to" and leaves a reproducer in
# testdata/fuzz. Such a run is repeated, at most RETRIES times; anything
# else that fails, fails the script at once.
#
# Environment: GO (default go), FUZZTIME (default 30s), RETRIES (default 2),
# PKGS (default ./...).
set -uo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
RETRIES=${RETRIES:-2}
PKGS=${PKGS:-./...}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# shutdown_race LOG: the run failed only with the coordinator's deadline.
shutdown_race() {
	grep -q 'context deadline exceeded' "$1" &&
		! grep -Eq 'Failing input written to|panic:|fuzz: minimizing|^\s+[a-z_0-9]+_test\.go:[0-9]+:' "$1"
}

pkgs=$($GO list "$PKGS") || exit 1
for pkg in $pkgs; do
	targets=$($GO test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for f in $targets; do
		attempt=0
		while :; do
			echo "fuzz $pkg $f"
			$GO test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 | tee "$log"
			status=${PIPESTATUS[0]}
			[ "$status" -eq 0 ] && break
			if shutdown_race "$log" && [ "$attempt" -lt "$RETRIES" ]; then
				attempt=$((attempt + 1))
				echo "fuzz: $f stopped on the coordinator's own deadline with no finding; again ($attempt/$RETRIES)"
				continue
			fi
			echo "fuzz: $pkg $f failed" >&2
			exit 1
		done
	done
done
