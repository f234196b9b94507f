#!/usr/bin/env bash
# Full and resumed SRP handshakes in memory, tls-srp against OpenSSL's libssl, in the same session on
# the same machine: client and server CPU per handshake (medians) and the ratios
# ours / OpenSSL. OpenSSL runs before and after ours; the better of its two runs is used,
# as is the median of ours (machines are shared and noisy: read the ratios, not the µs).
#
# Usage: benches/compare_openssl.sh        (needs interop/setup.sh's peers: it runs it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash interop/setup.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ossl=target/interop/ossl_handshake_bench

"$ossl" --groups 2048,3072 -n 300 --resume > "$out/ossl1.json"
cargo bench --bench handshake -- '(handshake|resumed)/(server|client)_cpu' 2>&1 | grep -E 'time:' || true
"$ossl" --groups 2048,3072 -n 300 --resume > "$out/ossl2.json"

python3 - "$root/target/criterion" "$out/ossl1.json" "$out/ossl2.json" <<'PY'
import json, os, sys
crit = sys.argv[1]
ossl = {}
ossl_resumed = {}
for f in sys.argv[2:]:
    for line in open(f):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        table = ossl if r.get("mode", "full") == "full" else ossl_resumed
        g = r["group"]
        prev = table.get(g)
        if prev is None or r["server_cpu_us"] + r["client_cpu_us"] < prev["server_cpu_us"] + prev["client_cpu_us"]:
            table[g] = r
def ours(kind, bits, group="handshake"):
    with open(os.path.join(crit, group, kind, str(bits), "new", "estimates.json")) as f:
        return json.load(f)["median"]["point_estimate"] / 1000.0
print()
print("| group | side | tls-srp (µs) | OpenSSL 3.0 (µs) | ratio |")
print("|---:|---|---:|---:|---:|")
for bits in (2048, 3072):
    for side in ("server", "client"):
        o = ossl[bits][f"{side}_cpu_us"]
        t = ours(f"{side}_cpu", bits)
        print(f"| {bits} | {side} | {t:.0f} | {o:.0f} | {t / o:.2f} |")
print()
print("Resumed (abbreviated) handshakes, 2048-bit sessions. OpenSSL resumes by session ID")
print("or ticket and recomputes B each time; tls-srp does no SRP arithmetic on resumption.")
print()
print("| side | tls-srp session ID (µs) | tls-srp ticket (µs) | OpenSSL 3.0 (µs) | ratio (ID) | ratio (ticket) |")
print("|---|---:|---:|---:|---:|---:|")
for side in ("server", "client"):
    o = ossl_resumed[2048][f"{side}_cpu_us"]
    i = ours(f"{side}_cpu", "session_id", "resumed")
    t = ours(f"{side}_cpu", "ticket", "resumed")
    print(f"| {side} | {i:.0f} | {t:.0f} | {o:.0f} | {i / o:.2f} | {t / o:.2f} |")
PY
