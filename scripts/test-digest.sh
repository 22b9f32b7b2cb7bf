#!/usr/bin/env bash
# test-digest.sh LOG: what a failed `go test` run says about where it stood,
# short enough to read at the end of a long log. A test that times out
# prints every goroutine; only the project's own frames are kept, with the
# frame each goroutine waits in.
set -euo pipefail
log=${1:?usage: test-digest.sh LOG}
echo "=== test digest: failures ==="
grep -E '^(--- FAIL|FAIL|panic:)' "$log" | sort | uniq -c | head -40 || true
echo "=== test digest: tests running at a timeout ==="
awk '/^panic: test timed out/ {on=1} on && /^goroutine / {on=0} on {print}' "$log" | head -40
echo "=== test digest: goroutines in the project's code ==="
awk -v RS= '
/^goroutine / && /mimamori\// {
	n = split($0, l, "\n")
	print l[1]
	if (n >= 3) { print "  " l[2]; print "  " l[3] }
	for (i = 4; i < n; i += 2) {
		if (l[i] ~ /^mimamori\//) { print "  " l[i]; print "  " l[i+1] }
	}
	print ""
	if (++shown >= 60) exit
}' "$log"
