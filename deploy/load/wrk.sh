#!/bin/sh
# Load test of `mailpreview api` with wrk (Debian package wrk): the sample
# library and templates, counted decisions on the embedded store, client
# and server on this machine. Prints wrk's latency distribution and the
# CPU time (user + system) per request of the server (from /proc) and of
# wrk (from GNU time).
#
# An optional extra beside the load benchmark that needs nothing but Go
# (go test ./cmd/mailpreview -run '^$' -bench APILoad -benchtime 1x, with
# vegeta): wrk is C and spends a fraction of vegeta's CPU per request, so
# on a small shared machine more of the cores go to the server under test.
#
#   deploy/load/wrk.sh decisions            # or: messages
#   DURATION=30s CONNECTIONS=64 THREADS=1 STORE=bolt:/dev/shm/state.db deploy/load/wrk.sh decisions
#   ACCEPT=message/rfc822 deploy/load/wrk.sh messages
#   DRYRUN=1 deploy/load/wrk.sh decisions  # dry runs: counters read, nothing written
#
# Run from the repository root. STORE defaults to a bbolt file in a new
# temporary directory; a redis://… URL works too.
set -eu
command -v wrk >/dev/null || {
  echo "wrk.sh: wrk is not installed (Debian: apt-get install wrk); go test ./cmd/mailpreview -run '^\$' -bench APILoad needs nothing" >&2
  exit 2
}
pid=
what=${1:-decisions}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-1}
dir=$(mktemp -d)
store=${STORE:-bolt:$dir/state.db}
trap '[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$dir"' EXIT

go build -o "$dir/mailpreview" ./cmd/mailpreview
echo load-key > "$dir/keys"
"$dir/mailpreview" api --addr 127.0.0.1:0 --library templates/library --templates templates \
  --store "$store" --keys "$dir/keys" > "$dir/out" 2> "$dir/log" &
pid=$!
for _ in $(seq 100); do grep -q 'api on' "$dir/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*api on \(http:[^ ]*\)\/ .*/\1/p' "$dir/out")
[ -n "$url" ] || { cat "$dir/log"; exit 1; }

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# Warm up (connections, caches), then measure.
export ROUTE="$what"
wrk -t "$threads" -c "$connections" -d 2s -s deploy/load/api.lua "$url" > /dev/null
before=$(ticks)
/usr/bin/time -f '%U %S' -o "$dir/time" \
  wrk -t "$threads" -c "$connections" -d "$duration" --latency -s deploy/load/api.lua "$url" | tee "$dir/wrk"
after=$(ticks)
requests=$(awk '/requests in/ {print $1}' "$dir/wrk")
hz=$(getconf CLK_TCK)
awk -v t=$((after - before)) -v n="$requests" -v hz="$hz" \
  'BEGIN { printf "server CPU: %.2f s for %d requests, %.0f µs per request\n", t/hz, n, t/hz*1e6/n }'
awk -v n="$requests" '{ printf "wrk CPU: %.2f s, %.0f µs per request\n", $1 + $2, ($1 + $2) * 1e6 / n }' "$dir/time"

