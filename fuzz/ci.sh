#!/usr/bin/env bash
# Bounded fuzzing for CI: fuzz/ci.sh SECONDS_PER_TARGET [TARGET...]
#
# Installs cargo-fuzz if it is missing, builds every target (release, debug assertions and
# overflow checks on), runs each for SECONDS_PER_TARGET seconds starting from the committed
# corpus (new inputs go to a scratch directory, the committed corpus is not modified), and
# prints the executions per target from libFuzzer's final statistics. Exits non-zero if any
# target finds a crash, a hang (10 s per input) or an out-of-memory; the reproducer is left
# in fuzz/artifacts/<target>/.
#
# The stable toolchain is used with RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Z flags).
#
# FUZZ_SANITIZER (default "none") is passed to `cargo fuzz -s`. The library and the harness
# are safe Rust (`forbid(unsafe_code)`), so AddressSanitizer only watches the dependencies'
# unsafe code, and it costs most of the throughput (the client target runs about 20 times
# faster without it); set FUZZ_SANITIZER=address for a slower, more thorough run.
set -euo pipefail
san=${FUZZ_SANITIZER:-none}

secs=${1:?usage: fuzz/ci.sh SECONDS_PER_TARGET [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(codec_roundtrip deframer record_open server client srp6a_server modexp_diff tls13_pake pake_migrate)
fi

cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

echo "== building"
cargo fuzz build -a -s "$san"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

status=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "$scratch/$t"
    extra=()
    if [ "$t" = deframer ]; then
        extra=(-max_len=20000) # room for maximal records and the buffer-full paths
    fi
    echo "== $t: ${secs}s"
    log="$scratch/$t.log"
    rc=0
    cargo fuzz run -a -s "$san" "$t" "$scratch/$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        "${extra[@]}" >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ -z "$execs" ]; then
        execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
    fi
    if [ "$rc" -ne 0 ]; then
        status=1
        echo "!! $t FAILED (exit $rc); last lines of its log:"
        tail -n 40 "$log"
        summary+=("$t: FAILED after ${execs:-?} executions")
    else
        summary+=("$t: ${execs:-?} executions in ${secs}s, no crash")
    fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$status"
