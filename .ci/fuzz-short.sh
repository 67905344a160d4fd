#!/usr/bin/env bash
# Runs every fuzz target briefly, from the committed corpus; the long runs
# are .ci/fuzz-long.sh, by hand.
# The budget is a count of executions, not a duration: Go 1.26's fuzz
# coordinator can report "context deadline exceeded" when a -fuzztime
# duration ends while a worker is busy (golang/go#75804, fixed in Go 1.27),
# which would fail CI with no failing input. A count has no such race.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-3000x}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    start=$(date +%s)
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$pkg" >"$log" 2>&1 || { cat "$log"; exit 1; }
    echo "fuzz $pkg $target: ok, -fuzztime=$fuzztime ($(( $(date +%s) - start ))s)"
  done
done
