#!/usr/bin/env bash
# Smoke-test the servers that start.sh DIR started, with swaks (and /usr/bin/python3's smtplib
# for VRFY, SIZE= and exact-bytes checks that swaks can't do). Prints one line per check and
# "N passed, N failed"; exits non-zero if any check failed.
#   usage: check.sh DIR
set -uo pipefail
DIR=${1:?usage: check.sh DIR}
[ -r "$DIR/peers.env" ] || { echo "check.sh: $DIR/peers.env missing: run start.sh $DIR" >&2; exit 2; }
set -a; . "$DIR/peers.env"; set +a
PY=/usr/bin/python3
PASS=0 FAIL=0
U=$SMTPREPL_PEERS_USER P=$SMTPREPL_PEERS_PASS

ok() { PASS=$((PASS + 1)); echo "ok    $1: $2"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL  $1: $2"; }

# sw NAME REGEX swaks-args...: pass if a server reply line (<-, <~, <**, <~*) matches REGEX
# (the first such line; the last one with LAST=1).
sw() {
    local name=$1 re=$2 out line; shift 2
    out=$(swaks --from bob@example.test --helo probe.example.test --timeout 10 "$@" 2>&1)
    line=$(grep -E '^<' <<<"$out" | sed -E 's/^<[-~*]+ +//' | grep -E "$re" | if [ -n "${LAST:-}" ]; then tail -1; else head -1; fi)
    if [ -n "$line" ]; then ok "$name" "$line"; else bad "$name" "no reply matching /$re/; last lines:"; grep -E '^(<|\*\*\*)' <<<"$out" | tail -4 | sed 's/^/      /'; fi
}

# py NAME REGEX PYTHON-EXPR-PRODUCING-A-STRING (s: a connected smtplib.SMTP after EHLO)
py() {
    local name=$1 re=$2 code=$3 addr=$4 tls=${5:-} res
    res=$("$PY" - "$addr" "$tls" <<EOF 2>&1
import smtplib, ssl, sys
host, port = sys.argv[1].rsplit(":", 1)
cls = smtplib.SMTP_SSL if sys.argv[2] == "tlsc" else smtplib.SMTP
kw = {"context": ssl.create_default_context(cafile="$SMTPREPL_PEERS_CA")} if sys.argv[2] == "tlsc" else {}
s = cls(host, int(port), timeout=10, **kw)
s.ehlo("probe.example.test")
def fmt(r): return "%d %s" % (r[0], r[1].decode(errors="replace").replace("\n", " / "))
$code
try: s.quit()
except Exception: pass
EOF
)
    if grep -qE "$re" <<<"$res"; then ok "$name" "$(head -1 <<<"$res")"; else bad "$name" "got: $(tr '\n' ' ' <<<"$res")"; fi
}

newest() { find "$1" -type f -newer "$DIR/.check-stamp" 2>/dev/null | head -1; }
wait_file() { # DIR: wait up to 10 s for a file newer than the stamp
    local i f
    for i in $(seq 1 100); do f=$(newest "$1"); [ -n "$f" ] && { echo "$f"; return 0; }; sleep 0.1; done
    return 1
}

# Exact-bytes delivery: body with a leading-dot line (dot-stuffed on the wire), CRLF line ends.
exact() { # NAME ADDR MAILDIR_NEW
    local name=$1 addr=$2 new=$3 f
    touch "$DIR/.check-stamp"; sleep 0.01
    "$PY" - "$addr" <<'EOF' >/dev/null 2>&1
import smtplib, sys
host, port = sys.argv[1].rsplit(":", 1)
s = smtplib.SMTP(host, int(port), timeout=10)
s.sendmail("bob@example.test", ["alice@example.test"], b"Subject: exact\r\n\r\n.leading dot\r\nline 2\r\n")
s.quit()
EOF
    if f=$(wait_file "$new"); then
        if [ "$(od -An -c "$f" | tr -s ' ')" = "$(printf 'Subject: exact\r\n\r\n.leading dot\r\nline 2\r\n' | od -An -c | tr -s ' ')" ]; then
            ok "$name" "stored exactly as sent (dot unstuffed, CRLF kept): $f"
        elif grep -q '^\.leading dot' "$f"; then
            ok "$name" "delivered, dot unstuffed (server added headers): $f"
        else bad "$name" "unexpected content in $f"; fi
    else bad "$name" "no file appeared in $new"; fi
}

deliver() { # NAME ADDR MAILDIR_NEW [swaks args]
    local name=$1 addr=$2 new=$3 f; shift 3
    touch "$DIR/.check-stamp"; sleep 0.01
    LAST=1 sw "$name: send" '^250 ' --server "$addr" --to alice@example.test --header "Subject: check $name" "$@"
    if f=$(wait_file "$new"); then ok "$name: delivered" "$f ($(wc -c <"$f") bytes)"; else bad "$name: delivered" "nothing new in $new"; fi
}

VRFY='r = s.verify("alice@example.test"); print(fmt(r))'
SIZE='r = s.docmd("MAIL FROM:<bob@example.test> SIZE=99999999"); print(fmt(r))'

# ---------------- Postfix ----------------
A=$SMTPREPL_POSTFIX
deliver postfix "$A" "$SMTPREPL_POSTFIX_MAILDIR/example.test/alice/new"
sw postfix-starttls-verified '^235 ' --server "$A" --to alice@example.test --tls --tls-verify --tls-ca-path "$SMTPREPL_PEERS_CA" --auth PLAIN --auth-user "$U" --auth-password "$P" --quit-after AUTH
sw postfix-auth-plain '^235 2\.7\.0' --server "$A" --auth PLAIN --auth-user "$U" --auth-password "$P" --quit-after AUTH
sw postfix-auth-login-tls '^235 2\.7\.0' --server "$A" --tls --auth LOGIN --auth-user "$U" --auth-password "$P" --quit-after AUTH
sw postfix-auth-full-login '^235 2\.7\.0' --server "$A" --auth PLAIN --auth-user "$U@example.test" --auth-password "$P" --quit-after AUTH
sw postfix-auth-wrong '^535 5\.7\.8' --server "$A" --auth PLAIN --auth-user "$U" --auth-password wrong --quit-after AUTH
sw postfix-rcpt-unknown '^550 5\.1\.1 ' --server "$A" --to nobody@example.test --quit-after RCPT
sw postfix-relay-denied '^554 5\.7\.1 .*Relay access denied' --server "$A" --to x@elsewhere.test --quit-after RCPT
# relay_transport = error: makes Postfix refuse even an authenticated relay at RCPT (after the relay check)
sw postfix-relay-auth '^550 5\.1\.1 .*outbound mail disabled' --server "$A" --to x@elsewhere.test --auth PLAIN --auth-user "$U" --auth-password "$P" --quit-after RCPT
py postfix-vrfy '^25[02] ' "$VRFY" "$A"
py postfix-size '^552 5\.3\.4' "$SIZE" "$A"
deliver postfix-smtps "$SMTPREPL_POSTFIX_SMTPS" "$SMTPREPL_POSTFIX_MAILDIR/example.test/alice/new" --tlsc
sw postfix-smtps-auth '^235 ' --server "$SMTPREPL_POSTFIX_SMTPS" --tlsc --auth LOGIN --auth-user "$U" --auth-password "$P" --quit-after AUTH
py postfix-submission-no-auth-before-tls 'noauth' 'print("auth" if s.has_extn("auth") else "noauth", "starttls" if s.has_extn("starttls") else "")' "$SMTPREPL_POSTFIX_SUBMISSION"
sw postfix-submission-mail-before-tls '^530 5\.7\.0' --server "$SMTPREPL_POSTFIX_SUBMISSION" --quit-after MAIL
sw postfix-submission-auth-after-tls '^235 ' --server "$SMTPREPL_POSTFIX_SUBMISSION" --tls --auth PLAIN --auth-user "$U" --auth-password "$P" --quit-after AUTH
py postfix-scram-offered 'SCRAM-SHA-256' 'print(s.esmtp_features.get("auth", "").upper())' "$SMTPREPL_POSTFIX_SCRAM"
sw postfix-scram-listener-cram-md5 '^235 ' --server "$SMTPREPL_POSTFIX_SCRAM" --auth CRAM-MD5 --auth-user "$U" --auth-password "$P" --quit-after AUTH

# ---------------- aiosmtpd ----------------
A=$SMTPREPL_AIOSMTPD
deliver aiosmtpd "$A" "$SMTPREPL_AIOSMTPD_MAILDIR/example.test/alice/new"
exact aiosmtpd-exact-bytes "$A" "$SMTPREPL_AIOSMTPD_MAILDIR/example.test/alice/new"
sw aiosmtpd-starttls '^250 ' --server "$A" --to alice@example.test --tls --tls-verify --tls-ca-path "$SMTPREPL_PEERS_CA" --quit-after RCPT
sw aiosmtpd-auth-plain '^235 2\.7\.0' --server "$A" --auth PLAIN --auth-user "$U" --auth-password "$P" --quit-after AUTH
sw aiosmtpd-auth-login '^235 2\.7\.0' --server "$A" --auth LOGIN --auth-user "$U" --auth-password "$P" --quit-after AUTH
sw aiosmtpd-auth-wrong '^535 5\.7\.8' --server "$A" --auth PLAIN --auth-user "$U" --auth-password wrong --quit-after AUTH
sw aiosmtpd-rcpt-unknown '^550 5\.1\.1 <nobody@example.test>: Recipient address rejected: User unknown' --server "$A" --to nobody@example.test --quit-after RCPT
sw aiosmtpd-relay-denied '^554 5\.7\.1 <x@elsewhere.test>: Relay access denied' --server "$A" --to x@elsewhere.test --quit-after RCPT
sw aiosmtpd-relay-auth '^250 OK' --server "$A" --to x@elsewhere.test --auth PLAIN --auth-user "$U" --auth-password "$P" --quit-after RCPT
py aiosmtpd-vrfy '^252 ' "$VRFY" "$A"
py aiosmtpd-size '^552 ' "$SIZE" "$A"

# ---------------- smtp-sink ----------------
sw smtp-sink '^250 2\.0\.0 Ok' --server "$SMTPREPL_SINK" --to anyone@anywhere.test

# ---------------- Exim (optional) ----------------
if [ -n "${SMTPREPL_EXIM:-}" ]; then
    A=$SMTPREPL_EXIM
    deliver exim "$A" "$SMTPREPL_EXIM_MAILDIR/example.test/alice/new"
    sw exim-starttls-auth '^235 ' --server "$A" --tls --tls-verify --tls-ca-path "$SMTPREPL_PEERS_CA" --auth PLAIN --auth-user "$U" --auth-password "$P" --quit-after AUTH
    sw exim-auth-login '^235 ' --server "$A" --auth LOGIN --auth-user "$U" --auth-password "$P" --quit-after AUTH
    sw exim-auth-wrong '^535 ' --server "$A" --auth PLAIN --auth-user "$U" --auth-password wrong --quit-after AUTH
    sw exim-rcpt-unknown '^550 ' --server "$A" --to nobody@example.test --quit-after RCPT
    sw exim-relay-denied '^550 relay not permitted' --server "$A" --to x@elsewhere.test --quit-after RCPT
    py exim-vrfy '^250 ' "$VRFY" "$A"
    py exim-size '^552 ' "$SIZE" "$A"
else
    echo "skip  exim: not running (no SMTPREPL_EXIM in peers.env)"
fi

rm -f "$DIR/.check-stamp"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
