#!/usr/bin/env bash
# Stop the SMTP servers that start.sh DIR started. Idempotent; always exits 0.
#   usage: stop.sh DIR
# (internal, used by start.sh: stop.sh --kill-pidfile FILE | --wait-pidfile FILE)
set -uo pipefail

log() { echo "stop.sh: $*"; }

# Does PID still run the program this pidfile is about? (guards against a recycled PID)
pid_is() { # PID PIDFILE
    local pid=$1 name want cmd
    name=$(basename "$2" .pid)
    case "$name" in
        postfix-master) want=master ;;
        aiosmtpd) want=aiosmtpd_server ;;
        smtp-sink) want=smtp-sink ;;
        exim) want=exim ;;
        dovecot) want=dovecot ;;
        *) want="" ;;
    esac
    [ -r "/proc/$pid/cmdline" ] || return 1
    grep -q ' Z ' <(awk '{print " "$3" "}' "/proc/$pid/stat" 2>/dev/null) && return 1   # zombie: gone
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
    [ -z "$want" ] || [[ "$cmd" == *"$want"* ]]
}

# wait_gone PIDFILE SECONDS: wait for the process to exit; 0 if gone.
wait_gone() {
    local f=$1 secs=$2 pid i
    [ -s "$f" ] || return 0
    pid=$(tr -dc 0-9 <"$f")
    [ -n "$pid" ] || return 0
    for ((i = 0; i < secs * 20; i++)); do
        pid_is "$pid" "$f" || return 0
        sleep 0.05
    done
    return 1
}

# kill_pidfile PIDFILE: TERM, wait up to 5 s, then KILL; remove the pidfile.
kill_pidfile() {
    local f=$1 pid
    [ -s "$f" ] || { rm -f "$f"; return 0; }
    pid=$(tr -dc 0-9 <"$f")
    if [ -n "$pid" ] && pid_is "$pid" "$f"; then
        kill -TERM "$pid" 2>/dev/null
        if ! wait_gone "$f" 5; then
            log "$(basename "$f" .pid) ($pid) ignored TERM, sending KILL"
            kill -KILL "$pid" 2>/dev/null
            wait_gone "$f" 5
        fi
        log "stopped $(basename "$f" .pid) ($pid)"
    fi
    rm -f "$f"
}

case "${1:-}" in
    --kill-pidfile) kill_pidfile "$2"; exit 0 ;;
    --wait-pidfile) wait_gone "$2" 10 || kill_pidfile "$2"; rm -f "$2"; exit 0 ;;
    "") echo "usage: stop.sh DIR" >&2; exit 0 ;;
esac

DIR=$1
[ -d "$DIR" ] || { log "$DIR does not exist; nothing to stop"; exit 0; }
DIR=$(cd "$DIR" && pwd)

# Postfix: orderly stop, then make sure the master (and so its children) is gone.
if [ -f "$DIR/postfix/main.cf" ]; then
    if [ -s "$DIR/pids/postfix-master.pid" ] && pid_is "$(tr -dc 0-9 <"$DIR/pids/postfix-master.pid")" "$DIR/pids/postfix-master.pid"; then
        postfix -c "$DIR/postfix" stop >/dev/null 2>&1
        if wait_gone "$DIR/pids/postfix-master.pid" 10; then
            log "stopped postfix ($(cat "$DIR/pids/postfix-master.pid"))"
            rm -f "$DIR/pids/postfix-master.pid"
        fi
    fi
    kill_pidfile "$DIR/pids/postfix-master.pid"
fi

for f in "$DIR"/pids/*.pid; do
    [ -e "$f" ] && kill_pidfile "$f"
done
rm -f "$DIR/peers.env"
exit 0
