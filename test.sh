#!/usr/bin/env bash
# Runs every test of tls-srp, including interop against real OpenSSL peers.
# Installs what the tests need (Debian packages) and builds the C peers first.
# Usage: ./test.sh            (as root or with sudo available for apt-get)
set -euo pipefail
cd "$(dirname "$0")"

echo "== installing and building interop peers (interop/setup.sh)"
bash interop/setup.sh
bash interop/srp6a/setup.sh

mkdir -p target
echo "== cargo test (all features, all targets)"
cargo test --all-features --all-targets --locked 2>&1 | tee target/test-output.txt
# Doc tests are not part of --all-targets.
cargo test --all-features --doc --locked

echo "== clippy"
cargo clippy --all-features --all-targets --locked -- -D warnings

echo "== all tests passed"
