#!/usr/bin/env bash
# Our SRP arithmetic against crypto-bigint 0.7 on the same operations (benches/bigint.rs),
# the measurement behind the choice of keeping our own Montgomery code (issue 13, goal 5:
# keep it only if it is clearly faster, 1.3x or more, than crypto-bigint's best form).
# For each operation: ours, the fastest crypto-bigint form measured (FixedMontyForm,
# ConstMontyForm, BoxedMontyForm or pow_amm) and the ratio crypto-bigint / ours (above 1:
# ours is faster). Criterion medians; the bench runs ROUNDS times (default 2) and each
# side keeps its best round (load from other processes only ever slows a round down).
#
# Usage: benches/compare_bigint.sh [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rounds=${1:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpu=$(benches/cpu.sh)
for r in $(seq 1 "$rounds"); do
    cargo bench --bench bigint 2>&1 | grep -E 'time:' >&2 || true
    python3 - "$root/target/criterion" "$out/round$r.json" <<'PY'
import json, os, sys
crit, dst = sys.argv[1], sys.argv[2]
res = {}
for bits in ("2048", "3072"):
    d = os.path.join(crit, bits)
    for name in os.listdir(d):
        p = os.path.join(d, name, "new", "estimates.json")
        if os.path.exists(p) and (name.startswith("ours_") or name.startswith("cb_")):
            res[f"{bits}/{name}"] = json.load(open(p))["median"]["point_estimate"] / 1000.0
json.dump(res, open(dst, "w"))
PY
done
echo
echo "$cpu"
echo "crypto-bigint $(grep -A1 'name = "crypto-bigint"' Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p'); $(rustc --version | cut -d' ' -f1-2); x86-64 baseline target (no BMI2/ADX), both sides"
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
best = {}
for f in os.listdir(out):
    for k, v in json.load(open(os.path.join(out, f))).items():
        best[k] = min(v, best.get(k, v))
ops = [
    ("mul_x64", "64 Montgomery multiplications"),
    ("sqr_x64", "64 Montgomery squarings"),
    ("pow256", "constant-time x^e, 256-bit e"),
    ("vu", "v^u, 160-bit public u"),
    ("server", "server: B = kv + g^b, S = (A v^u)^b"),
    ("client", "client: A = g^a, S = (B - k g^x)^(a + ux)"),
]
print()
print("| group | operation | ours (µs) | crypto-bigint best (µs) | form | crypto-bigint / ours |")
print("|---:|---|---:|---:|---|---:|")
for bits in ("2048", "3072"):
    for op, label in ops:
        o = best.get(f"{bits}/ours_{op}")
        cands = [(v, k.split("/")[1][3:-len(op) - 1]) for k, v in best.items()
                 if k.startswith(f"{bits}/cb_") and k.endswith("_" + op)]
        if o is None or not cands:
            continue
        c, form = min(cands)
        print(f"| {bits} | {label} | {o:.1f} | {c:.1f} | {form} | {c / o:.2f} |")
PY
