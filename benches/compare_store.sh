#!/usr/bin/env bash
# One `tls-srp serve --http` on a verifier file against the same server on a PostgreSQL
# store (`--store`, a throwaway cluster in a temporary directory, run as an unprivileged
# user and stopped by its PID), under the same load generator (`tls-srp bench load`): full
# handshakes/s and latency, in the same run, alternating (A B A B ...), best run of each kept.
#
# The load generator logs in as one user, so after the first connection the store answers
# from its cache, as a busy server does for its active users; the cost of a cache miss (one
# query) is printed after the table, measured through `passwd verify --store`.
#
# With 2 or more cores the server runs on CPU 0 and the generator on CPU 1 (taskset), as in
# compare_load.sh; PostgreSQL shares CPU 0 with the server.
#
# Usage: benches/compare_store.sh [--clients N] [--seconds S] [--rounds R]
#   defaults: --clients 200 --seconds 10 --rounds 2
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
clients=200 seconds=10 rounds=2
while [ $# -gt 0 ]; do
    case "$1" in
        --clients) clients=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        *) echo "usage: $0 [--clients N] [--seconds S] [--rounds R]" >&2; exit 2 ;;
    esac
done
bash interop/setup.sh >/dev/null
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
cargo build --release -q -p tls-srp-cli
bin="$root/target/release/tls-srp"
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
server_cpu="" gen_cpu=""
if [ "$(nproc)" -ge 2 ]; then server_cpu="taskset -c 0" gen_cpu="taskset -c 1"; fi

# PostgreSQL, as an unprivileged user when we are root (initdb refuses root).
as_pg=""
if [ "$(id -u)" = 0 ]; then
    id tlssrp-pg >/dev/null 2>&1 || useradd --system --user-group --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin tlssrp-pg
    chown tlssrp-pg: "$work"
    as_pg="setpriv --reuid tlssrp-pg --regid tlssrp-pg --clear-groups"
fi
chmod 0755 "$work"
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$work" && $as_pg "$pgbin/initdb" -D "$work/pg" -U tlssrp --auth=trust >/dev/null)
(cd "$work" && $server_cpu $as_pg "$pgbin/postgres" -D "$work/pg" -p "$pgport" -c listen_addresses=127.0.0.1 \
    -c unix_socket_directories="$work" -c fsync=off >"$work/pg.log" 2>&1) &
pids+=($!)
for _ in $(seq 100); do
    "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$pgport" && break
    sleep 0.1
done
"$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U tlssrp tlssrp
store="postgres://tlssrp@127.0.0.1:$pgport/tlssrp"

pw=bench-password-123
echo "$pw" | "$bin" passwd add --file "$work/users.srpv" --password-stdin --quiet bench 2>/dev/null
TLS_SRP_STORE=$store "$bin" passwd import --file "$work/users.srpv" 2>/dev/null

run() { # $1: label, rest: the serve source arguments
    local label=$1; shift
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    $server_cpu env -u TLS_SRP_STORE "$bin" serve --listen "127.0.0.1:$port" "$@" --http \
        --max-connections $((clients + 64)) --max-handshakes "$clients" \
        --max-handshakes-per-address "$clients" --no-rate-limit >/dev/null 2>"$work/serve-$label.log" &
    local spid=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    echo "$pw" | $gen_cpu "$bin" bench load --connect "127.0.0.1:$port" --user bench --password-stdin \
        --clients "$clients" --seconds "$seconds" --json >"$work/run-$label-$r.json"
    kill "$spid"; wait "$spid" 2>/dev/null || true
}
for r in $(seq "$rounds"); do
    run file --vfile "$work/users.srpv"
    run postgres --store "$store"
done

bash benches/cpu.sh
python3 - "$work" "$rounds" "$clients" "$seconds" <<'EOF'
import json, sys
work, rounds, clients, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
best = {}
for label in ("file", "postgres"):
    runs = [json.load(open(f"{work}/run-{label}-{r}.json")) for r in range(1, rounds + 1)]
    for r in runs:
        print(f"  {label:9} handshakes/s {r['handshakes_per_sec']:8.1f}  p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  failures {r['failures']}")
    best[label] = max(runs, key=lambda r: r["handshakes_per_sec"])
print(f"\n{clients} clients, {seconds} s, best of {rounds} alternating runs, one user (TLS_SRP_SHA_WITH_AES_256_CBC_SHA, 2048-bit group)")
print("| store | full handshakes/s | p50 ms | p99 ms | failures |")
print("|---|---:|---:|---:|---:|")
for label in ("file", "postgres"):
    b = best[label]
    print(f"| {label} | {b['handshakes_per_sec']:.0f} | {b['p50_ms']:.1f} | {b['p99_ms']:.1f} | {b['failures']} |")
ratio = best["postgres"]["handshakes_per_sec"] / best["file"]["handshakes_per_sec"]
print(f"\npostgres / file: {ratio:.3f}")
EOF
# The first lookup of a user (a cache miss: one query) against the cluster, through the CLI
# (process start and connection included: an upper bound).
start=$(date +%s%N)
for _ in $(seq 20); do echo "$pw" | TLS_SRP_STORE=$store "$bin" passwd verify --password-stdin bench >/dev/null; done
end=$(date +%s%N)
echo "passwd verify --store (connect, schema check, one query, one verifier): $(( (end - start) / 20000000 )) ms per process"
