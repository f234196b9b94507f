#!/usr/bin/env bash
# Full and resumed SRP handshakes in memory: tls-srp against OpenSSL 3.0's libssl
# (interop/openssl/bench/ossl_handshake_bench.c) and GnuTLS's libgnutls
# (interop/gnutls/bench/gnutls_handshake_bench.c), in the same session on the same machine:
# client and server CPU per handshake (medians) and the ratios ours / peer (below 1: we
# use less CPU). Each C harness runs before and after ours and the better of its two runs
# is used, as is the median of ours (machines are shared and noisy: read the ratios, not
# the µs, and look at the load average printed with the CPU).
#
# Two user counts: one user logging in over and over, and 10 000 distinct users in turn
# (each with its own salt and verifier), so that anything kept per user shows.
#
# Usage: benches/compare_openssl.sh [--quick]   (needs interop/setup.sh's peers: it runs it)
#   --quick: fewer C handshakes and only the one-user rows (a smoke run, not for the README)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
quick=0
[ "${1:-}" = "--quick" ] && quick=1
bash interop/setup.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ossl=target/interop/ossl_handshake_bench
gnutls=target/interop/gnutls_handshake_bench
n=300 gn=100 users=10000 filter='(handshake|handshake_users|resumed)/(server|client)_cpu'
if [ "$quick" = 1 ]; then
    n=50 gn=20 users=1 filter='(handshake|resumed)/(server|client)_cpu'
fi

peers() { # $1: run number
    "$ossl" --groups 2048,3072 -n "$n" --resume > "$out/ossl$1.json"
    "$gnutls" --groups 2048,3072 -n "$gn" --resume > "$out/gnutls$1.json"
    if [ "$users" -gt 1 ]; then
        "$ossl" --groups 2048,3072 -n "$n" --users "$users" >> "$out/ossl$1.json"
        "$gnutls" --groups 2048,3072 -n "$gn" --users "$users" >> "$out/gnutls$1.json"
    fi
}
cpu_before=$(benches/cpu.sh)
peers 1
cargo bench --bench handshake -- "$filter" 2>&1 | grep -E 'time:' || true
peers 2

echo
echo "$cpu_before"
echo "(after: $(benches/cpu.sh | sed 's/.*load average/load average/'))"
echo "OpenSSL: $(openssl version | cut -d' ' -f1-2); GnuTLS: $(gnutls-cli --version 2>/dev/null | sed -n 's/^gnutls-cli //p' | head -1); $(rustc --version | cut -d' ' -f1-2)"
python3 - "$root/target/criterion" "$users" "$out" <<'PY'
import json, os, sys
crit, users, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
peers = {}  # (impl, mode, group, users) -> best record
for f in sorted(os.listdir(out)):
    for line in open(os.path.join(out, f)):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        key = (r["impl"], r.get("mode", "full"), r["group"], r.get("users", 1))
        prev = peers.get(key)
        if prev is None or r["server_cpu_us"] + r["client_cpu_us"] < prev["server_cpu_us"] + prev["client_cpu_us"]:
            peers[key] = r
def ours(group, kind, bits):
    p = os.path.join(crit, group, kind, str(bits), "new", "estimates.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)["median"]["point_estimate"] / 1000.0
def fmt(x):
    return "-" if x is None else f"{x:.0f}"
def ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}"
print()
print("Full handshakes, CPU per handshake (µs, medians):")
print()
print("| group | side | users | tls-srp | OpenSSL | GnuTLS | ours/OpenSSL | ours/GnuTLS |")
print("|---:|---|---:|---:|---:|---:|---:|---:|")
for bits in (2048, 3072):
    for side in ("server", "client"):
        for u, grp in ((1, "handshake"), (users, "handshake_users")):
            if u == 1 and grp == "handshake_users":
                continue
            t = ours(grp, f"{side}_cpu", bits)
            o = peers.get(("openssl", "full", bits, u), {}).get(f"{side}_cpu_us")
            g = peers.get(("gnutls", "full", bits, u), {}).get(f"{side}_cpu_us")
            print(f"| {bits} | {side} | {u} | {fmt(t)} | {fmt(o)} | {fmt(g)} | {ratio(t, o)} | {ratio(t, g)} |")
print()
print("Resumed (abbreviated) handshakes of a 2048-bit session. OpenSSL recomputes B on every")
print("SRP resumption; tls-srp and GnuTLS do no SRP arithmetic. Peers resume from a ticket.")
print()
print("| side | tls-srp, session ID | tls-srp, ticket | OpenSSL | GnuTLS | ours (ticket)/OpenSSL | ours (ticket)/GnuTLS |")
print("|---|---:|---:|---:|---:|---:|---:|")
for side in ("server", "client"):
    i = ours("resumed", f"{side}_cpu", "session_id")
    t = ours("resumed", f"{side}_cpu", "ticket")
    o = peers.get(("openssl", "resumed", 2048, 1), {}).get(f"{side}_cpu_us")
    g = peers.get(("gnutls", "resumed", 2048, 1), {}).get(f"{side}_cpu_us")
    print(f"| {side} | {fmt(i)} | {fmt(t)} | {fmt(o)} | {fmt(g)} | {ratio(t, o)} | {ratio(t, g)} |")
PY
