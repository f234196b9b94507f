#!/usr/bin/env bash
# Compares our record protection (benches/record.rs, criterion) with OpenSSL's libcrypto
# (benches/openssl/record_bench.c) on the same machine in the same run: 16 KiB records,
# seal and open, MAC-then-encrypt and encrypt-then-MAC, AES-128 and AES-256.
#
# Usage: benches/openssl/run_record_compare.sh [seconds per OpenSSL case, default 2]
# Needs: a C compiler, OpenSSL 3 headers and libcrypto (Debian: libssl-dev), python3.
#
# OpenSSL is run before and after the criterion run and the two medians are averaged,
# so that load from other processes weighs on both sides alike. MB/s = 10^6 bytes of
# plaintext per second; "ratio" is ours / OpenSSL (above 1: we are faster).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-2}"
out=target/record_compare
mkdir -p "$out"

cc -O2 -Wall -o "$out/record_bench" benches/openssl/record_bench.c -lcrypto
cpu=$(benches/cpu.sh)

echo "== OpenSSL (1/2)" >&2
"$out/record_bench" "$secs" | tee "$out/openssl1.txt" >&2
echo "== ours: cargo bench --bench record -- _16k" >&2
cargo bench --bench record -- _16k >&2
echo "== OpenSSL (2/2)" >&2
"$out/record_bench" "$secs" | tee "$out/openssl2.txt" >&2

echo
echo "$cpu"
echo "(after: $(benches/cpu.sh | sed 's/.*load average/load average/'))"
python3 - "$out" <<'EOF'
import json, sys, os, collections
out = sys.argv[1]
LEN = 16384
theirs = collections.defaultdict(list)
version = ""
for f in ("openssl1.txt", "openssl2.txt"):
    for line in open(os.path.join(out, f)):
        if line.startswith("#"):
            version = line[1:].strip()
            continue
        case, variant, rate = line.split()
        if rate != "unavailable":
            theirs[(case, variant)].append(float(rate))

def ours(case):
    p = os.path.join("target", "criterion", "record", case, "new", "estimates.json")
    with open(p) as fh:
        est = json.load(fh)
    return LEN / est["median"]["point_estimate"] * 1e3  # bytes/ns -> MB/s

cases = [f"{s}_{m}_{op}_16k" for s in ("aes128", "aes256") for m in ("mte", "etm") for op in ("seal", "open")]
print(f"\n16 KiB records, MB/s (median); OpenSSL: {version}")
print(f"{'case':<22}{'ours':>9}{'evp':>9}{'ratio':>7}{'stitched':>10}{'ratio':>7}")
for c in cases:
    o = ours(c)
    row = f"{c:<22}{o:>9.0f}"
    for variant in ("evp", "stitched"):
        r = theirs.get((c, variant))
        if r:
            t = sum(r) / len(r)
            row += f"{t:>9.0f}{o / t:>7.2f}" if variant == "evp" else f"{t:>10.0f}{o / t:>7.2f}"
        else:
            row += f"{'-':>9}{'':>7}" if variant == "evp" else f"{'-':>10}{'':>7}"
    print(row)
print("\nevp: EVP AES-CBC + EVP_MAC HMAC-SHA1 (its MtE open is not constant time);")
print("stitched: EVP_aes_*_cbc_hmac_sha1 with the TLS AAD control, what libssl uses for MtE.")
EOF
