#!/usr/bin/env bash
# Install the real SMTP servers used by smtprepl's interop tests (Debian 12, root).
# Idempotent: a second run only checks and returns.
#   Postfix (+ smtp-sink), aiosmtpd, Cyrus SASL tools, swaks, Dovecot (LMTP, POP3): regular apt packages
#   (Dovecot never runs as the system service: start.sh runs a private instance).
#   Exim 4: extracted with dpkg -x into $SMTPREPL_EXIM_ROOT (default /opt/smtprepl-exim),
#           never installed as a package (exim4-daemon-light conflicts with postfix).
set -euo pipefail

EXIM_ROOT=${SMTPREPL_EXIM_ROOT:-/opt/smtprepl-exim}
EXIM_CACHE=${SMTPREPL_EXIM_CACHE:-/var/cache/smtprepl-exim-debs}
# libidn12 is exim's only library missing from a postfix system; it is installed as a regular
# package (no conflict) because the setuid exim binary re-execs itself for delivery and the loader
# ignores LD_LIBRARY_PATH for setuid programs.
PKGS=(postfix swaks python3-aiosmtpd sasl2-bin libsasl2-modules openssl socat netcat-openbsd tmux libidn12
      dovecot-core dovecot-lmtpd dovecot-pop3d curl)
EXIM_PKGS=(exim4-daemon-light exim4-base exim4-config)

die() { echo "install.sh: ERROR: $*" >&2; exit 1; }
log() { echo "install.sh: $*"; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get, dpkg, postfix need it)"
command -v apt-get >/dev/null || die "apt-get not found: this script targets Debian 12"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

UPDATED=0
apt_update_once() {
    [ "$UPDATED" = 1 ] && return 0
    log "apt-get update"
    apt-get update -qq || die "apt-get update failed (are Debian's apt repositories reachable?)"
    UPDATED=1
}

missing=()
for p in "${PKGS[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    apt_update_once
    # Keep postfix's postinst from writing a system config; policy-rc.d keeps daemons from starting.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    log "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        || die "apt-get install failed for: ${missing[*]}"
    for p in "${missing[@]}"; do installed "$p" || die "package $p is still not installed"; done
else
    log "apt packages already installed: ${PKGS[*]}"
fi

for f in /usr/sbin/postfix /usr/sbin/smtp-sink /usr/sbin/saslpasswd2 /usr/bin/swaks /usr/bin/openssl /usr/bin/python3; do
    [ -x "$f" ] || die "$f missing after install"
done
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || die "/usr/bin/python3 cannot import aiosmtpd"

# Exim: extract, never install. The binary is built with EXIM_USER=Debian-exim and refuses to
# start without that account (exim4-base's postinst would create it; we never run that postinst).
if ! getent passwd Debian-exim >/dev/null; then
    getent group Debian-exim >/dev/null || groupadd --system Debian-exim
    useradd --system --gid Debian-exim --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin Debian-exim || die "could not create user Debian-exim"
    log "created system user Debian-exim"
fi
exim_ok() {
    [ -x "$EXIM_ROOT/usr/sbin/exim4" ] || return 1
    local v; v=$("$EXIM_ROOT/usr/sbin/exim4" -bV 2>&1 || true)
    [[ "$v" == *"Exim version"* ]]
}
if exim_ok; then
    log "exim already extracted in $EXIM_ROOT"
else
    mkdir -p "$EXIM_CACHE" "$EXIM_ROOT"
    need=0
    for p in "${EXIM_PKGS[@]}"; do ls "$EXIM_CACHE/${p}_"*.deb >/dev/null 2>&1 || need=1; done
    if [ "$need" = 1 ]; then
        apt_update_once
        log "downloading ${EXIM_PKGS[*]} into $EXIM_CACHE"
        # apt-get download writes into the current directory; as root it warns about an unsandboxed download.
        (cd "$EXIM_CACHE" && apt-get download -qq "${EXIM_PKGS[@]}" 2>&1 | grep -v 'unsandboxed' || true)
        for p in "${EXIM_PKGS[@]}"; do
            ls "$EXIM_CACHE/${p}_"*.deb >/dev/null 2>&1 || die "apt-get download did not fetch $p"
        done
    fi
    for p in "${EXIM_PKGS[@]}"; do
        for d in "$EXIM_CACHE/${p}_"*.deb; do dpkg -x "$d" "$EXIM_ROOT" || die "dpkg -x $d failed"; done
    done
    exim_ok || die "extracted exim in $EXIM_ROOT does not run (exim4 -bV printed no version)"
    log "exim extracted in $EXIM_ROOT"
fi
log "done"
