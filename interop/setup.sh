#!/bin/sh
# Builds the OpenSSL interop peers into target/interop/ (relative to the repository root),
# installing what they need first. Idempotent and quiet on success; safe to run
# concurrently (flock). Works as root on a fresh Debian bookworm.
#
#   interop/setup.sh            # install if missing, then build what is out of date
#   interop/setup.sh --force    # rebuild everything
#
# Output (target/interop/):
#   srp_cb_arg_fix.so      LD_PRELOAD shim for `openssl s_client -srpuser` / `s_server -srpvfile`
#   ossl_srp_server        libssl SRP server (see interop/openssl/peers/ossl_srp_server.c)
#   ossl_srp_client        libssl SRP client (see interop/openssl/peers/ossl_srp_client.c)
#   ossl_handshake_bench   in-memory handshake benchmark (see interop/openssl/bench/)
#   gnutls_handshake_bench the same with libgnutls (see interop/gnutls/bench/)
#   venv/                  Python venv with tlslite-ng 0.8.2 (see interop/tlslite/) and
#                          proxy-protocol 0.11.3 (see interop/proxy/)
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
OUT="$ROOT/target/interop"
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

# Packages: the peers need libssl-dev, openssl, curl and gcc (plus libc6-dev, only a
# Recommends of gcc); gnutls-bin and python3-venv are for the GnuTLS and tlslite-ng work,
# libgnutls28-dev for the GnuTLS handshake benchmark; apache2 (httpd with mod_ssl) is the
# production OpenSSL SRP server of tests/interop_srp_rsa.rs, run by the test itself (never
# as a system service); tshark decrypts key-logged sessions in tests/keylog.rs; nginx-light
# reads `tls-srp serve --proxy-protocol`'s PROXY v2 header and fail2ban checks the sample
# filter of cli/README.md against serve's failed-login lines (cli/tests/ops.rs); postgresql
# (15 on bookworm) gives the tests throwaway clusters, initdb'd and run by the tests
# themselves (tests/common/postgres.rs) on 127.0.0.1, for several `tls-srp serve` sharing
# one store.
PKGS="libssl-dev openssl curl gcc libc6-dev gnutls-bin libgnutls28-dev python3-venv apache2 tshark nginx-light fail2ban postgresql"

# One run at a time (several test binaries may call us at once; apt-get and the builds
# must not overlap).
mkdir -p "$OUT"
exec 9>"$OUT/.setup.lock"
flock 9

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "interop/setup.sh: missing packages:$missing (run as root, or: apt-get install$missing)" >&2
        exit 1
    fi
    # Services in these packages (apache2, nginx, fail2ban, postgresql) must not start on
    # install (Apache and nginx would listen on port 80 of every interface): the tests start
    # their own on 127.0.0.1. A policy-rc.d that forbids starting services (Debian's
    # convention), for this install only, unless the machine has one (Docker images do).
    policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy=/usr/sbin/policy-rc.d
    fi
    # PostgreSQL: no default cluster either. postgresql-NN's postinst creates a "main"
    # cluster (started at boot) unless createcluster.conf, read with its include_dir
    # createcluster.d (postgresql-common's drop-in directory: no package owns its files and
    # ucf never asks about them), says create_main_cluster = false. It must be there before
    # the install, and is written only where no server is installed yet (an existing
    # setup's clusters are not ours to change). The same for postgresql.service, which
    # postgresql-common enables on systemd machines when first installed: disabled after
    # the install only if postgresql-common came with it.
    pg_new_common=""
    case " $missing " in
    *" postgresql "*)
        if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
            mkdir -p /etc/postgresql-common/createcluster.d
            printf '# Written by tls-srp interop/setup.sh: its tests run their own clusters.\ncreate_main_cluster = false\n' \
                >/etc/postgresql-common/createcluster.d/tls-srp-no-main-cluster.conf
        fi
        dpkg-query -W -f='${Status}' postgresql-common 2>/dev/null | grep -q "install ok installed" ||
            pg_new_common=1
        ;;
    esac
    log=$(mktemp)
    if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing; } >"$log" 2>&1; then
        [ -z "$policy" ] || rm -f "$policy"
        cat "$log" >&2
        rm -f "$log"
        echo "interop/setup.sh: apt-get install$missing failed" >&2
        exit 1
    fi
    [ -z "$policy" ] || rm -f "$policy"
    rm -f "$log"
    if [ -n "$pg_new_common" ] && command -v systemctl >/dev/null 2>&1; then
        systemctl disable --quiet postgresql.service >/dev/null 2>&1 || true
    fi
fi

CFLAGS="-O2 -g -Wall -Wextra -Werror"
# SRP is deprecated in OpenSSL 3 with no replacement API.
SSLFLAGS="-Wno-deprecated-declarations"

# build OUTPUT "DEPENDENCIES" gcc-arguments...
build() {
    target="$OUT/$1"
    deps=$2
    shift 2
    stale=$FORCE
    [ -e "$target" ] || stale=1
    for d in $deps; do
        [ "$ROOT/$d" -nt "$target" ] && stale=1
    done
    [ "$stale" = 1 ] || return 0
    if ! gcc "$@" -o "$target.tmp"; then
        echo "interop/setup.sh: failed to build $1" >&2
        exit 1
    fi
    mv -f "$target.tmp" "$target"
}

cd "$ROOT"
build srp_cb_arg_fix.so "interop/openssl/shim/srp_cb_arg_fix.c" \
    $CFLAGS -shared -fPIC interop/openssl/shim/srp_cb_arg_fix.c -ldl
build ossl_srp_server "interop/openssl/peers/ossl_srp_server.c interop/openssl/peers/peer_common.h" \
    $CFLAGS $SSLFLAGS interop/openssl/peers/ossl_srp_server.c -lssl -lcrypto
build ossl_srp_client "interop/openssl/peers/ossl_srp_client.c interop/openssl/peers/peer_common.h" \
    $CFLAGS $SSLFLAGS interop/openssl/peers/ossl_srp_client.c -lssl -lcrypto
build ossl_handshake_bench "interop/openssl/bench/ossl_handshake_bench.c" \
    $CFLAGS $SSLFLAGS interop/openssl/bench/ossl_handshake_bench.c -lssl -lcrypto
build gnutls_handshake_bench "interop/gnutls/bench/gnutls_handshake_bench.c" \
    $CFLAGS interop/gnutls/bench/gnutls_handshake_bench.c -lgnutls

# tlslite-ng 0.8.2 (pure Python) in a venv for the tlslite interop peers
# (interop/tlslite/), and proxy-protocol 0.11.3, whose PROXY v2 reader decodes every TLV
# (interop/proxy/pp2_backend.py: Debian's nginx 1.22 reads the header but exposes no TLV);
# created or repaired only when the import check fails.
VENV="$OUT/venv"
if ! "$VENV/bin/python" -c 'import tlslite, proxyprotocol.version, sys; sys.exit(tlslite.__version__ != "0.8.2")' >/dev/null 2>&1; then
    log=$(mktemp)
    if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q --disable-pip-version-check "tlslite-ng==0.8.2" "proxy-protocol==0.11.3"; } >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "interop/setup.sh: creating $VENV with tlslite-ng 0.8.2 and proxy-protocol 0.11.3 failed" >&2
        exit 1
    fi
    rm -f "$log"
fi
