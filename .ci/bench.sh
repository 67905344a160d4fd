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
sandbox_pid=""
floor_pid=""
cleanup() {
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null
  [ -n "$floor_pid" ] && kill "$floor_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The build README documents (CGO_ENABLED=0: statically linked, Go's own
# DNS resolver), and the default one, which links libc for cgo's resolver.
CGO_ENABLED=0 go build -o "$work/smtprepl-static" ./cmd/smtprepl
go build -o "$work/smtprepl" ./cmd/smtprepl
go build -o "$work/floor" .ci/floor.go
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

r=$(median_ms "$work/smtprepl-static" --timeout 30s -f "$work/big.script" "$addr")
n=$(median_ms sh -c "nc -N 127.0.0.1 $port < '$work/big.raw'")
s=$(median_ms /usr/sbin/smtp-source -l $((20 * 1024 * 1024)) -m 1 -f bob@example.test -t alice@example.test "$addr")
echo "one 20 MiB message:   smtprepl ${r} ms, nc -N ${n} ms, smtp-source ${s} ms"
echo "  ratio to nc -N:        $(ratio "$r" "$n")  (goal <= 1.5)"
echo "  ratio to smtp-source:  $(ratio "$r" "$s")  (goal: well under 1)"

r=$(median_ms "$work/smtprepl-static" --pipeline --timeout 30s -f "$work/many.script" "$addr")
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
  "$work/smtprepl-static" -f "$work/one.script" "$addr" --- \
  swaks --server "$addr" --helo bench.example --from bob@example.test --to alice@example.test --- \
  /bin/true)
echo "one message (wait4 rusage of the child, ms of user+sys CPU / wall):"
echo "  smtprepl send ${xc} / ${xw} as README builds it (CGO_ENABLED=0), ${sc} / ${sw} with cgo,"
echo "  smtprepl -f script ${fc} / ${fw}, swaks ${wc} / ${ww}, /bin/true ${tc} / ${tw}"
echo "  ratio send to swaks:          CPU $(ratio "$xc" "$wc"), wall $(ratio "$xw" "$ww")  (goal <= 0.1)"
echo "  the same, built with cgo:     CPU $(ratio "$sc" "$wc"), wall $(ratio "$sw" "$ww")"

/usr/bin/time -f '%M' -o "$work/rss" "$work/smtprepl-static" --timeout 60s -f "$work/huge.script" "$addr" >/dev/null
echo "peak RSS sending a 100 MiB message: $(( $(cat "$work/rss") / 1024 )) MiB  (goal <= 30)"

# A classroom's load: 900 messages of 1000 bytes over 20 concurrent
# smtp-source sessions (one message per connection, as smtp-source -c
# sends them), against smtp-sink, which stores nothing, against
# "smtprepl sandbox", which stores every message (default limits: past
# 1000 messages the oldest are dropped) and writes its live log to a file,
# and against .ci/floor.go, the least a Go SMTP server can do: what the Go
# runtime alone costs. Runs alternate so that all see the same machine;
# each is timed by /usr/bin/time, the OS's accounting of the child.
sport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$work/smtprepl-static" sandbox --listen "127.0.0.1:$sport" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
fport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$work/floor" "127.0.0.1:$fport" &
floor_pid=$!
for _ in $(seq 50); do nc -z 127.0.0.1 "$sport" 2>/dev/null && nc -z 127.0.0.1 "$fport" 2>/dev/null && break; sleep 0.1; done
classroom() { /usr/sbin/smtp-source -c -s 20 -m 900 -l 1000 -f bob@example.test -t alice@example.test "127.0.0.1:$1"; }
: >"$work/class.times"
# CPU ticks (user + system) the OS has charged a server so far.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sink_t0=$(ticks "$sink_pid"); sandbox_t0=$(ticks "$sandbox_pid"); floor_t0=$(ticks "$floor_pid")
for _ in $(seq "$runs"); do
  for who in sink:"$port" sandbox:"$sport" floor:"$fport"; do
    /usr/bin/time -a -o "$work/class.times" -f "${who%%:*} %e" bash -c "$(declare -f classroom); classroom ${who#*:}" >/dev/null 2>&1 || true
  done
done
median_s() { awk -v w="$1" '$1 == w {print $2}' "$work/class.times" | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]}'; }
cs=$(median_s sink); cb=$(median_s sandbox); cf=$(median_s floor)
echo "classroom, 900 messages over 20 sessions: sandbox ${cb} s, smtp-sink ${cs} s, Go floor ${cf} s"
echo "  ratio:                 $(ratio "$cb" "$cs")  (goal <= 1.0; the Go floor's: $(ratio "$cf" "$cs"))"
hz=$(getconf CLK_TCK)
per_msg() { python3 -c "print(f'{$1 * 1e6 / $hz / ($runs * 900):.0f}')"; }
echo "  server CPU per message: sandbox $(per_msg $(( $(ticks "$sandbox_pid") - sandbox_t0 ))) µs, smtp-sink $(per_msg $(( $(ticks "$sink_pid") - sink_t0 ))) µs, Go floor $(per_msg $(( $(ticks "$floor_pid") - floor_t0 ))) µs"
echo
echo "the sandbox's heap while the mailbox drops its oldest (go test, same run):"
go test -count=1 -run='^TestHeapBoundedWhileDropping$' -v ./proto/sandbox/ | grep -o '[0-9]* messages of .*'
echo "classroom load in-process (go test -bench, same run):"
go test -run='^$' -bench='BenchmarkSandboxClassroom' -benchtime=3000x -count=3 ./cmd/smtprepl/ | grep -E '^Benchmark'
go test -run='^$' -bench='BenchmarkMailboxFull' -count=3 ./proto/sandbox/ | grep -E '^Benchmark'
echo
echo "reading a 10-line EHLO reply (go test -bench, same run):"
go test -run='^$' -bench='BenchmarkReadEHLO' -benchmem -count=5 ./proto/ | grep -E '^Benchmark' | sort
