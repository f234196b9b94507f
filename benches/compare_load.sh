#!/usr/bin/env bash
# A whole TLS-SRP server under load, ours against the two other living TLS-SRP servers, in
# the same run on the same machine, all driven by one load generator (`tls-srp bench load`
# and `bench idle`):
#   - tls-srp serve --http
#   - Apache httpd (Debian apache2, event MPM) with mod_ssl and SSLSRPVerifierFile
#     (OpenSSL 3.0's libssl), with its own configuration in a temporary directory
#   - gnutls-serv --http --srppasswd (GnuTLS 3.7)
# Same suite for all: plain SRP (no certificate in the handshake), AES-256-CBC, HMAC-SHA1
# (TLS_SRP_SHA_WITH_AES_256_CBC_SHA), a 2048-bit group, TLS 1.2, EtM and EMS as negotiated.
#
# 1. Full handshakes: CLIENTS concurrent clients, each in a loop: connect, full handshake,
#    one HTTP/1.0 GET, close. Full handshakes/s and p50/p99 latency (connect to the last
#    byte of the response), failures.
# 2. Memory per idle established connection: the server's memory (summed over all of its
#    processes) before and after IDLE connections have completed their handshakes and sit
#    idle; both RSS and PSS (proportional: shared pages counted once across Apache's
#    processes) are printed, per connection.
#
# With 2 or more cores the server runs on CPU 0 and the load generator on CPU 1
# (taskset), so that the handshake rate is the server's (one core) and not a share of CPU
# fought over with the client; the generator's own CPU use is printed so that a run where
# it was the bottleneck shows. Every server is started by this script on 127.0.0.1 (gnutls-
# serv binds every interface: there is no option for one; it is only connected to on
# 127.0.0.1) and stopped by PID.
#
# The load runs go round the servers ROUNDS times (A B C A B C) and the best run of each
# server is kept: other processes on a shared machine only ever slow a run down.
# gnutls-serv waits on select(), which aborts the process once a descriptor passes
# FD_SETSIZE (1024): it is measured with 1000 idle connections (noted in the table).
#
# Usage: benches/compare_load.sh [--clients N] [--seconds S] [--idle N] [--rounds R] [--only NAMES]
#   defaults: --clients 1000 --seconds 20 --idle 10000 --rounds 2 --only tls-srp,apache,gnutls
# Needs root for apt-get the first time (apache2, gnutls-bin, openssl), as CI has.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

clients=1000 seconds=20 idle=10000 rounds=2 only=tls-srp,apache,gnutls warmup=3
while [ $# -gt 0 ]; do
    case "$1" in
        --clients) clients=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --idle) idle=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        *) echo "usage: $0 [--clients N] [--seconds S] [--idle N] [--rounds R] [--only tls-srp,apache,gnutls]" >&2; exit 2 ;;
    esac
done

# ---- what the peers need --------------------------------------------------------------
pkgs="apache2 gnutls-bin openssl time"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "compare_load.sh: missing packages:$missing (run as root, or apt-get install$missing)" >&2
        exit 1
    fi
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing; } >/dev/null
fi
cargo build --release --locked -p tls-srp-cli >&2
bin="$root/target/release/tls-srp"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((idle + 100)) ]; then
    echo "compare_load.sh: the open-files limit ($(ulimit -n)) is below --idle $idle" >&2
    exit 1
fi

server_cpu="" client_cpu=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    server_cpu="taskset -c 0" client_cpu="taskset -c 1"
fi

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    # Apache's parent stops its children on SIGTERM; wait for all of them.
    sleep 1
    rm -rf "$work"
}
trap cleanup EXIT

# The server runs from its own copy of the binary: the load generator is the same program,
# and shared pages would otherwise blur the server's proportional memory (PSS).
cp "$bin" "$work/tls-srp-server"
user=bench pass="load bench password"
echo "$pass" | "$bin" passwd add --file "$work/users.srpv" --group 2048 --password-stdin "$user" >/dev/null
echo "$pass" | "$bin" passwd add --file "$work/tpasswd" --format gnutls --group 2048 --password-stdin "$user" >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -subj /CN=localhost -days 2 >/dev/null 2>&1
mkdir -p "$work/htdocs"
printf '<!doctype html>\n<title>bench</title>\n<p>Hello.</p>\n' > "$work/htdocs/index.html"
chmod -R a+rX "$work"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() { # PORT PID
    for _ in $(seq 1 100); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; then
            return 0
        fi
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# Memory of a process and all its descendants, in kB: "RSS PSS".
tree_mem() {
    python3 - "$1" <<'PY'
import os, sys
root = int(sys.argv[1])
children = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(d))
        except OSError:
            pass
todo, rss, pss = [root], 0, 0
while todo:
    p = todo.pop()
    todo.extend(children.get(p, []))
    try:
        with open(f"/proc/{p}/smaps_rollup") as f:
            for line in f:
                k, v = line.split(":", 1)
                if k == "Rss":
                    rss += int(v.split()[0])
                elif k == "Pss":
                    pss += int(v.split()[0])
    except OSError:
        pass
print(rss, pss)
PY
}

# CPU seconds (user + system) of a process and all its descendants that are still alive.
tree_cpu() {
    python3 - "$1" <<'PY'
import os, sys
root = int(sys.argv[1])
hz = os.sysconf("SC_CLK_TCK")
stat, children = {}, {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            stat[int(d)] = int(fields[11]) + int(fields[12])
            children.setdefault(int(fields[1]), []).append(int(d))
        except OSError:
            pass
todo, ticks = [root], 0
while todo:
    p = todo.pop()
    todo.extend(children.get(p, []))
    ticks += stat.get(p, 0)
print(ticks / hz)
PY
}

apache_conf() { # PORT WORKERS(threads in all) -> writes $work/httpd.conf
    local port=$1 workers=$2 per=64
    local servers=$(( (workers + per - 1) / per ))
    cat > "$work/httpd.conf" <<EOF
ServerRoot /usr/lib/apache2
ServerName localhost
Listen 127.0.0.1:$port
PidFile $work/httpd.pid
ErrorLog $work/apache-error.log
LogLevel warn
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule socache_shmcb_module modules/mod_socache_shmcb.so
LoadModule ssl_module modules/mod_ssl.so
$( [ "$(id -u)" = 0 ] && printf 'User www-data\nGroup www-data\n' )
DocumentRoot $work/htdocs
<Directory $work/htdocs>
    Require all granted
</Directory>
KeepAlive Off
Timeout 300
# Threads enough for every client (event MPM: a worker thread per connection until its
# first request is read), all started at once so that no ramp-up is measured.
ServerLimit $servers
StartServers $servers
ThreadsPerChild $per
ThreadLimit $per
MaxRequestWorkers $(( servers * per ))
MinSpareThreads $per
MaxSpareThreads $(( servers * per ))
MaxConnectionsPerChild 0
ListenBacklog 4096
SSLEngine on
SSLProtocol -all +TLSv1.2
SSLCipherSuite SRP-AES-256-CBC-SHA
SSLHonorCipherOrder on
SSLSRPVerifierFile $work/users.srpv
SSLCertificateFile $work/cert.pem
SSLCertificateKeyFile $work/key.pem
SSLSessionCache shmcb:$work/ssl_scache(512000)
EOF
}

# start NAME PORT WORKERS -> sets $spid (the server's PID)
start() {
    local name=$1 port=$2 workers=$3
    case "$name" in
        tls-srp)
            $server_cpu "$work/tls-srp-server" serve --listen "127.0.0.1:$port" --vfile "$work/users.srpv" --http \
                --max-connections $((workers + 64)) --max-handshakes "$workers" \
                --max-handshakes-per-address "$workers" --no-rate-limit \
                > "$work/$name.log" 2>&1 &
            spid=$!
            ;;
        apache)
            apache_conf "$port" "$workers"
            $server_cpu apache2 -f "$work/httpd.conf" -DFOREGROUND > "$work/$name.log" 2>&1 &
            spid=$!
            ;;
        gnutls)
            $server_cpu gnutls-serv --http --srppasswd "$work/tpasswd" --srppasswdconf "$work/tpasswd.conf" \
                --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+SRP:-CIPHER-ALL:+AES-256-CBC:-MAC-ALL:+SHA1' \
                -p "$port" > "$work/$name.log" 2>&1 &
            spid=$!
            ;;
    esac
    pids+=("$spid")
    if ! wait_port "$port" "$spid"; then
        echo "compare_load.sh: $name did not start; its log:" >&2
        cat "$work/$name.log" "$work/apache-error.log" 2>/dev/null | tail -20 >&2
        exit 1
    fi
}

stop() { # PID
    kill "$1" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$1" 2>/dev/null || true
}

# The generator's CPU use over its run, in % of one core: "utime+stime / elapsed".
gen() { # ARGS... (stdout: the generator's output; $work/gen.cpu: its CPU %)
    local t0 t1 cpu
    t0=$(date +%s.%N)
    echo "$pass" | $client_cpu /usr/bin/env time -f '%U %S' -o "$work/gen.time" "$bin" bench "$@"
    t1=$(date +%s.%N)
    cpu=$(awk -v t0="$t0" -v t1="$t1" '{printf "%.0f", 100 * ($1 + $2) / (t1 - t0)}' "$work/gen.time")
    echo "$cpu" > "$work/gen.cpu"
}

results="$work/results"
: > "$results"
IFS=, read -r -a servers <<< "$only"
cpu_line=$(benches/cpu.sh)
# Every server answers any path but Apache, which serves this file.
path=/index.html
for round in $(seq 1 "$rounds"); do
    for name in "${servers[@]}"; do
        echo "== round $round, $name: $clients clients, ${seconds}s of full handshakes" >&2
        port=$(free_port)
        start "$name" "$port" "$clients"
        # Warm-up: first-use costs (tables, lazy initialisation, Apache's children).
        gen load --connect "127.0.0.1:$port" --user "$user" --password-stdin --clients 20 \
            --seconds 1 --warmup 0 --path "$path" --json >/dev/null
        c0=$(tree_cpu "$spid") t0=$(date +%s.%N)
        out=$(gen load --connect "127.0.0.1:$port" --user "$user" --password-stdin \
            --clients "$clients" --seconds "$seconds" --warmup "$warmup" --path "$path" --json)
        c1=$(tree_cpu "$spid") t1=$(date +%s.%N)
        scpu=$(python3 -c "print(round(100 * ($c1 - $c0) / ($t1 - $t0)))")
        echo "$out (server CPU $scpu%)" >&2
        echo "load $name $(cat "$work/gen.cpu") $scpu $out" >> "$results"
        stop "$spid"
    done
done

for name in "${servers[@]}"; do
    n=$idle
    if [ "$name" = gnutls ] && [ "$n" -gt 1000 ]; then
        n=1000 # select() and FD_SETSIZE: see the top of this file
    fi
    echo "== $name: memory of $n idle connections" >&2
    port=$(free_port)
    start "$name" "$port" $((n + 64))
    gen load --connect "127.0.0.1:$port" --user "$user" --password-stdin --clients 20 \
        --seconds 1 --warmup 0 --path "$path" --json >/dev/null
    sleep 1
    before=$(tree_mem "$spid")
    fifo="$work/hold"
    rm -f "$fifo"
    mkfifo "$fifo"
    # The generator holds its connections until the FIFO's writer closes. Few handshakes
    # at a time: gnutls-serv stalls some of its connections when 200 arrive at once.
    $client_cpu "$bin" bench idle --connect "127.0.0.1:$port" --user "$user" --password-stdin \
        --connections "$n" --parallel 10 --seconds 900 --json < "$fifo" > "$work/idle.out" 2>&1 &
    gpid=$!
    pids+=("$gpid")
    exec 8> "$fifo"
    echo "$pass" >&8
    for _ in $(seq 1 9000); do
        grep -q established "$work/idle.out" 2>/dev/null && break
        kill -0 "$gpid" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q established "$work/idle.out"; then
        echo "compare_load.sh: $name: the idle connections were not established:" >&2
        cat "$work/idle.out" >&2
        echo "idle $name failed" >> "$results"
    else
        sleep 2
        after=$(tree_mem "$spid")
        echo "idle $name $before $after $(cat "$work/idle.out")" >> "$results"
        echo "before $before after $after" >&2
    fi
    exec 8>&-
    wait "$gpid" 2>/dev/null || true
    stop "$spid"
done

echo
echo "$cpu_line"
echo "Servers: tls-srp $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?); $(apache2 -v | sed -n 's/^Server version: //p') with $(openssl version | cut -d' ' -f1-2); gnutls-serv $(gnutls-cli --version 2>/dev/null | sed -n 's/^gnutls-cli //p' | head -1)"
if [ -n "$server_cpu" ]; then where="server on CPU 0, load generator on CPU 1"; else where="server and load generator sharing every core"; fi
echo "Suite TLS_SRP_SHA_WITH_AES_256_CBC_SHA, 2048-bit group; $where."
python3 - "$results" "$clients" "$seconds" "$idle" <<'PY'
import json, sys
path, clients, seconds, idle = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
load, mem = {}, {}
for line in open(path):
    parts = line.split(None, 4)
    if parts[0] == "load":
        r = (int(parts[2]), json.loads(parts[4]), int(parts[3]))
        prev = load.get(parts[1])
        if prev is None or r[1]["handshakes_per_sec"] > prev[1]["handshakes_per_sec"]:
            load[parts[1]] = r
    elif parts[0] == "idle" and parts[2] != "failed":
        f = line.split(None, 6)
        mem[f[1]] = (int(f[2]), int(f[3]), int(f[4]), int(f[5]), json.loads(f[6]))
names = [n for n in ("tls-srp", "apache", "gnutls") if n in load or n in mem]
label = {"tls-srp": "tls-srp serve", "apache": "Apache httpd + mod_ssl", "gnutls": "gnutls-serv"}
print()
print(f"Full handshakes, {clients} concurrent clients, {seconds} s, best of the rounds (each: connect, handshake, GET, close):")
print()
print("| server | full handshakes/s | p50 (ms) | p99 (ms) | failures | server CPU | generator CPU |")
print("|---|---:|---:|---:|---:|---:|---:|")
best_peer = max((load[n][1]["handshakes_per_sec"] for n in names if n != "tls-srp" and n in load), default=None)
for n in names:
    if n not in load:
        continue
    cpu, r, scpu = load[n]
    print(f"| {label[n]} | {r['handshakes_per_sec']:.0f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['failures']} | {scpu}% | {cpu}% |")
if "tls-srp" in load and best_peer:
    print(f"\nours / best peer: {load['tls-srp'][1]['handshakes_per_sec'] / best_peer:.2f}x")
print("\nCPU columns: % of one core over the run (warm-up included); a generator near 100% means")
print("the client, not the server, set the rate.")
print()
print(f"Memory per idle established connection (all processes of the server):")
print()
print("| server | idle connections | RSS before (MB) | RSS after (MB) | KB per connection (RSS) | KB per connection (PSS) |")
print("|---|---:|---:|---:|---:|---:|")
per = {}
for n in names:
    if n not in mem:
        print(f"| {label[n]} | - | - | - | failed | failed |")
        continue
    rss0, pss0, rss1, pss1, info = mem[n]
    k = info.get("established", idle)
    per[n] = (pss1 - pss0) / k
    print(f"| {label[n]} | {k} | {rss0 / 1024:.0f} | {rss1 / 1024:.0f} | {(rss1 - rss0) / k:.1f} | {(pss1 - pss0) / k:.1f} |")
peers = [per[n] for n in per if n != "tls-srp"]
if "tls-srp" in per and peers:
    print(f"\nours / best peer (PSS): {per['tls-srp'] / min(peers):.2f}x")
PY
