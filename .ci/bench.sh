#!/usr/bin/env bash
# Whole-process benchmarks of smtprepl against the tools people would use
# instead, on loopback against Postfix's smtp-sink. Prints medians and the
# ratios the performance goals are stated in. Not part of .ci/run (it takes
# minutes); run it by hand: bash .ci/bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
runs="${1:-7}"
bash .ci/peers/install.sh >/dev/null
command -v /usr/bin/time >/dev/null || apt-get install -y -q time >/dev/null

work=$(mktemp -d /tmp/smtprepl-bench.XXXXXX)
sink_pid=""
cleanup() { [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/smtprepl" ./cmd/smtprepl
# The same, statically linked: no dynamic loader, no libc, no cgo thread at
# start (Go's own DNS resolver); README says what it saves.
CGO_ENABLED=0 go build -o "$work/smtprepl-static" ./cmd/smtprepl
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/sbin/smtp-sink -u postfix -h sink.example.test -m 512 "inet:127.0.0.1:$port" 1000 &
sink_pid=$!
for _ in $(seq 50); do nc -z 127.0.0.1 "$port" 2>/dev/null && break; sleep 0.1; done
addr="127.0.0.1:$port"

python3 .ci/bench_inputs.py "$work"   # writes the scripts and raw streams

# median_ms CMD...: run CMD $runs times, print the median wall time in ms.
# The clock is bash's own $EPOCHREALTIME: timing with $(date) would add a
# process spawn of the timer to every measurement.
median_ms() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$EPOCHREALTIME; "$@" >/dev/null 2>&1 || true; t1=$EPOCHREALTIME
    times+=($(( ${t1/./} - ${t0/./} )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f\n", a[int((NR+1)/2)] / 1000}'
}
ratio() { python3 -c "print(f'{$1/max($2,0.1):.2f}')"; }

echo "smtprepl whole-process benchmarks, median of $runs runs, against smtp-sink on $addr"
echo

r=$(median_ms "$work/smtprepl" --timeout 30s -f "$work/big.script" "$addr")
n=$(median_ms sh -c "nc -N 127.0.0.1 $port < '$work/big.raw'")
s=$(median_ms /usr/sbin/smtp-source -l $((20 * 1024 * 1024)) -m 1 -f bob@example.test -t alice@example.test "$addr")
echo "one 20 MiB message:   smtprepl ${r} ms, nc -N ${n} ms, smtp-source ${s} ms"
echo "  ratio to nc -N:        $(ratio "$r" "$n")  (goal <= 1.5)"
echo "  ratio to smtp-source:  $(ratio "$r" "$s")  (goal: well under 1)"

r=$(median_ms "$work/smtprepl" --pipeline --timeout 30s -f "$work/many.script" "$addr")
s=$(median_ms /usr/sbin/smtp-source -d -m 1000 -f bob@example.test -t alice@example.test "$addr")
echo "1000 small messages:  smtprepl --pipeline ${r} ms, smtp-source -d -m 1000 ${s} ms"
echo "  ratio:                 $(ratio "$r" "$s")  (goal <= 0.5)"

# One message is a few milliseconds of work: a shell timer's own fork and
# exec would be a large part of it. Measure what the kernel accounts to
# the child instead: user+sys CPU from wait4's rusage, and the wall time
# from spawn to reaped (.ci/wait4.py: the commands take turns).
{ read -r sc sw; read -r xc xw; read -r fc fw; read -r wc ww; read -r tc tw; } < <(python3 .ci/wait4.py "$runs" \
  "$work/smtprepl" send --server "$addr" --ehlo bench.example --from bob@example.test --to alice@example.test --- \
  "$work/smtprepl-static" send --server "$addr" --ehlo bench.example --from bob@example.test --to alice@example.test --- \
  "$work/smtprepl" -f "$work/one.script" "$addr" --- \
  swaks --server "$addr" --helo bench.example --from bob@example.test --to alice@example.test --- \
  /bin/true)
echo "one message (wait4 rusage of the child, ms of user+sys CPU / wall):"
echo "  smtprepl send ${sc} / ${sw}, the same built with CGO_ENABLED=0 ${xc} / ${xw},"
echo "  smtprepl -f script ${fc} / ${fw}, swaks ${wc} / ${ww}, /bin/true ${tc} / ${tw}"
echo "  ratio send to swaks:          CPU $(ratio "$sc" "$wc"), wall $(ratio "$sw" "$ww")  (goal <= 0.1)"
echo "  ratio static send to swaks:   CPU $(ratio "$xc" "$wc"), wall $(ratio "$xw" "$ww")"

/usr/bin/time -f '%M' -o "$work/rss" "$work/smtprepl" --timeout 60s -f "$work/huge.script" "$addr" >/dev/null
echo "peak RSS sending a 100 MiB message: $(( $(cat "$work/rss") / 1024 )) MiB  (goal <= 30)"
echo
echo "reading a 10-line EHLO reply (go test -bench, same run):"
go test -run='^$' -bench='BenchmarkReadEHLO' -benchmem -count=5 ./proto/ | grep -E '^Benchmark' | sort
