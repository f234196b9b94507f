#!/bin/sh
# Installs the foreign SRP-6a implementations that tests/srp6a_*.rs and the srp6a crate's
# interop tests run as real processes. Idempotent, quiet on success, serialised by flock.
# Everything goes under target/interop-srp6a/ (nothing is installed globally):
#
#   node/            npm packages, pinned: secure-remote-password, fast-srp-hap,
#                    amazon-cognito-identity-js
#   srp-0.2.0/       `npm pack srp@0.2.0` unpacked: mozilla/node-srp's source and the test
#                    vectors it ships (it needs the native `bignum` module, which does not
#                    build on node 20, so it is read, not run)
#   venv/            Python venv with PyPI srp and srptools, pinned
#
# Needs node + npm and python3 with venv (Debian: nodejs npm python3-venv; the rust machine
# image has node 20 and CPython 3.11 already).
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
OUT="$ROOT/target/interop-srp6a"
mkdir -p "$OUT"
exec 9>"$OUT/.setup.lock"
flock 9

# Versions tested (bump deliberately).
NPM_PKGS="secure-remote-password@0.3.1 fast-srp-hap@2.0.4 amazon-cognito-identity-js@6.3.21"
NODE_SRP=srp@0.2.0
PIP_PKGS="srp==1.0.22 srptools==2.0.0"

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >/dev/null 2>&1 ||
            { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >/dev/null; }
    fi
    command -v "$1" >/dev/null 2>&1 || { echo "interop/srp6a/setup.sh: $1 missing (apt-get install $2)" >&2; exit 1; }
}
need node nodejs
need npm npm
need python3 python3

stamp="$NPM_PKGS|$NODE_SRP|$PIP_PKGS"
if [ -f "$OUT/.done" ] && [ "$(cat "$OUT/.done")" = "$stamp" ]; then
    exit 0
fi

log="$OUT/setup.log"
: >"$log"
fail() { cat "$log" >&2; echo "interop/srp6a/setup.sh: $1 failed" >&2; exit 1; }

mkdir -p "$OUT/node"
[ -f "$OUT/node/package.json" ] || echo '{"name":"srp6a-interop","private":true}' >"$OUT/node/package.json"
# shellcheck disable=SC2086
(cd "$OUT/node" && npm install --no-audit --no-fund --save-exact $NPM_PKGS) >>"$log" 2>&1 || fail "npm install"

rm -rf "$OUT/srp-0.2.0" "$OUT/pack"
mkdir -p "$OUT/pack"
(cd "$OUT/pack" && npm pack "$NODE_SRP" && tar xzf srp-0.2.0.tgz && mv package "$OUT/srp-0.2.0") >>"$log" 2>&1 || fail "npm pack $NODE_SRP"
rm -rf "$OUT/pack"

if [ ! -x "$OUT/venv/bin/python" ]; then
    python3 -m venv "$OUT/venv" >>"$log" 2>&1 || {
        need_venv=1
        [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv >>"$log" 2>&1
        python3 -m venv "$OUT/venv" >>"$log" 2>&1 || fail "python3 -m venv"
    }
fi
# shellcheck disable=SC2086
"$OUT/venv/bin/pip" install --disable-pip-version-check -q $PIP_PKGS >>"$log" 2>&1 || fail "pip install"

echo "$stamp" >"$OUT/.done"
