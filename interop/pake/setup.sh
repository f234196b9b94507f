#!/bin/sh
# Builds BoringSSL's TLS 1.3 PAKE peer (draft-ietf-tls-pake, SPAKE2PLUS_V1) from the team's
# copy in ../shared/pake/ (a trimmed BoringSSL source tree at commit a0689af29 and
# pake_peer.c), for tests/interop_pake.rs and benches/pake/. Idempotent, quiet on success,
# safe to run concurrently (flock). BoringSSL is a test peer only, never a dependency.
#
# Output:
#   target/bssl/                    BoringSSL source, build/libssl.a, build/libcrypto.a
#   target/interop/pake_peer        server/client/selftest (../shared/pake/pake_peer.c)
#   target/interop/bssl_pake_bench  in-memory PAKE handshake CPU timing (benches/pake/)
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
# The team's shared/ beside the checkout (or TLS_SRP_SHARED; /work/shared when the checkout
# is elsewhere, as a clean CI clone may be).
SHARED="${TLS_SRP_SHARED:-$ROOT/../shared}/pake"
[ -f "$SHARED/pake_peer.c" ] || [ -n "${TLS_SRP_SHARED:-}" ] || SHARED=/work/shared/pake
OUT="$ROOT/target/interop"
BSSL="$ROOT/target/bssl"
mkdir -p "$OUT"
exec 9>"$OUT/.pake-setup.lock"
flock 9

if [ ! -f "$SHARED/boringssl-src.tar.xz" ] || [ ! -f "$SHARED/pake_peer.c" ]; then
    echo "interop/pake/setup.sh: $SHARED/boringssl-src.tar.xz and pake_peer.c are needed (the team's shared/pake/)" >&2
    exit 1
fi

missing=""
for p in cmake ninja-build g++; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "interop/pake/setup.sh: missing packages:$missing (run as root, or: apt-get install$missing)" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

if [ ! -f "$BSSL/build/libssl.a" ] || [ ! -f "$BSSL/build/libcrypto.a" ]; then
    rm -rf "$BSSL"
    tar xJf "$SHARED/boringssl-src.tar.xz" -C "$ROOT/target/"
    cmake -S "$BSSL" -B "$BSSL/build" -GNinja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >"$OUT/bssl-build.log" 2>&1
    ninja -C "$BSSL/build" ssl crypto >>"$OUT/bssl-build.log" 2>&1 || {
        echo "interop/pake/setup.sh: BoringSSL build failed, see $OUT/bssl-build.log" >&2
        exit 1
    }
fi

build() { # output, sources...
    out=$1; shift
    newer=0
    [ -f "$out" ] || newer=1
    for s in "$@"; do [ "$s" -nt "$out" ] 2>/dev/null && newer=1; done
    if [ "$newer" = 1 ]; then
        cc -O2 "$@" -I"$BSSL/include" "$BSSL/build/libssl.a" "$BSSL/build/libcrypto.a" -lpthread -lstdc++ -o "$out"
    fi
}
build "$OUT/pake_peer" "$SHARED/pake_peer.c"
# The tests need only the peer (PAKE_SETUP_PEER_ONLY=1): a bench that does not build must
# not stop them.
if [ -z "${PAKE_SETUP_PEER_ONLY:-}" ] && [ -f "$ROOT/benches/pake/bssl_pake_bench.c" ]; then
    build "$OUT/bssl_pake_bench" "$ROOT/benches/pake/bssl_pake_bench.c"
fi
"$OUT/pake_peer" selftest 'setup check' >/dev/null
