#!/bin/bash
# Self-check of the OpenSSL interop peers, without the Rust crate: proves the
# SSL_CTX_set_srp_cb_arg shim (openssl s_client/s_server fail without it, work with it),
# and runs curl, s_client, the C client and the C server against each other.
#
#   interop/check_peers.sh        # prints one line per check, exit 0 if all passed
set -u

ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd)
"$ROOT/interop/setup.sh" || exit 1
BIN="$ROOT/target/interop"
SHIM="$BIN/srp_cb_arg_fix.so"
TMP=$(mktemp -d)
PIDS=()
FAILED=0
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

check() { # check NAME COMMAND...: passes if COMMAND succeeds
    local name=$1
    shift
    if "$@" >"$TMP/last.log" 2>&1; then
        echo "ok    $name"
    else
        echo "FAIL  $name"
        sed 's/^/      /' "$TMP/last.log" | tail -n 15
        FAILED=1
    fi
}

wait_for() { # wait_for FILE PATTERN: up to 5 s
    for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    echo "timed out waiting for '$2' in $1" >&2
    return 1
}

# s_server with an SRP verifier file; sets SPORT. $1: LD_PRELOAD value ("" = none).
start_s_server() {
    local out="$TMP/s_server.$RANDOM"
    mkfifo "$out.in"
    # The FIFO opened read-write keeps s_server's stdin open without a writer.
    LD_PRELOAD=$1 openssl s_server -nocert -srpvfile "$TMP/v.txt" -accept 127.0.0.1:0 \
        -cipher SRP -tls1_2 -www <>"$out.in" >"$out" 2>&1 &
    PIDS+=($!)
    wait_for "$out" '^ACCEPT' || return 1
    SPORT=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$out")
}

# Our C server; sets CPORT. Arguments are passed on.
start_c_server() {
    local out="$TMP/c_server.$RANDOM"
    "$BIN/ossl_srp_server" "$@" >"$out" 2>&1 &
    PIDS+=($!)
    wait_for "$out" '^PORT' || return 1
    CPORT=$(awk '/^PORT/{print $2}' "$out")
    CLOG=$out
}

s_client() { # s_client PRELOAD USER PASSWORD PORT: GET / through s_client
    printf 'GET / HTTP/1.0\r\n\r\n' | LD_PRELOAD=$1 timeout 10 openssl s_client -quiet \
        -srpuser "$2" -srppass "pass:$3" -cipher SRP -tls1_2 -connect "127.0.0.1:$4" -ign_eof
}

# Verifier file made the documented way: password from -passout (for -add, -passin is unused).
touch "$TMP/v.txt"
openssl srp -srpvfile "$TMP/v.txt" -add -gn 2048 -passout pass:alice-pw alice >/dev/null 2>&1 ||
    { echo "FAIL  openssl srp -add"; exit 1; }

# 1. The shim.
start_s_server "" && PLAIN=$SPORT
start_s_server "$SHIM" && FIXED=$SPORT
export -f s_client
check "s_server -srpvfile without the shim rejects a known user (unknown_psk_identity)" \
    bash -c "! s_client $SHIM alice alice-pw $PLAIN >$TMP/o 2>&1 && grep -q 'alert unknown psk identity' $TMP/o"
check "s_client -srpuser without the shim fails (crash or lost password)" \
    bash -c "! s_client '' alice alice-pw $FIXED"
check "s_client + shim -> s_server + shim: handshake and HTTP 200" \
    bash -c "s_client $SHIM alice alice-pw $FIXED | grep -q '^HTTP/1.0 200 ok'"
check "s_client + shim, wrong password: bad_record_mac from s_server" \
    bash -c "! s_client $SHIM alice wrong-pw $FIXED >$TMP/o 2>&1 && grep -q 'alert bad record mac' $TMP/o"
check "curl --tlsauthtype SRP -> s_server + shim" \
    bash -c "curl -sS --max-time 10 --tlsauthtype SRP --tlsuser alice --tlspassword alice-pw -k https://127.0.0.1:$FIXED/ | grep -q 'Ciphers supported'"

# 2. The C peers against each other, over a matrix of suites and extensions.
USERS="$TMP/users.txt"
for i in $(seq 6); do
    printf 'u%s-%s\t%s\n' "$i" "$(openssl rand -hex 4)" "$(openssl rand -base64 12)"
done >"$USERS"
for cipher in SRP-AES-128-CBC-SHA SRP-AES-256-CBC-SHA; do
    for flags in "" "--no-ems" "--no-etm" "--no-ems --no-etm"; do
        start_c_server --users "$USERS" --cipher "$cipher" $flags --max-conns 6
        want_ems=1; want_etm=1
        [[ $flags == *no-ems* ]] && want_ems=0
        [[ $flags == *no-etm* ]] && want_etm=0
        check "C client -> C server $cipher ${flags:-(EMS+EtM)}" bash -c \
            "$BIN/ossl_srp_client --connect 127.0.0.1:$CPORT --users $USERS > $TMP/c.out &&
             [ \$(grep -c '^CONN ok .*cipher=$cipher ems=$want_ems etm=$want_etm\$' $TMP/c.out) = 6 ]"
    done
done
start_c_server --users "$USERS" --max-conns 2
U1=$(head -n1 "$USERS" | cut -f1)
check "C client wrong password: client receives bad_record_mac, server sends it" bash -c \
    "$BIN/ossl_srp_client --connect 127.0.0.1:$CPORT --user $U1 --password nope --expect-fail |
       grep -q 'CONN fail user=$U1 stage=handshake alert_sent=none alert_received=bad_record_mac' &&
     sleep 0.2 && grep -q 'CONN fail user=$U1 stage=handshake alert_sent=bad_record_mac' $CLOG"
check "C client unknown user: unknown_psk_identity" bash -c \
    "$BIN/ossl_srp_client --connect 127.0.0.1:$CPORT --user nobody --password nope --expect-fail |
       grep -q 'alert_received=unknown_psk_identity'"
start_c_server --vfile "$TMP/v.txt" --max-conns 1
check "C client -> C server --vfile (openssl srp file)" \
    "$BIN/ossl_srp_client" --connect "127.0.0.1:$CPORT" --user alice --password alice-pw
start_c_server --users "$USERS" --max-conns 1
U2=$(sed -n 2p "$USERS" | cut -f1); P2=$(sed -n 2p "$USERS" | cut -f2)
check "s_client + shim -> C server" bash -c \
    "printf 'hello $U2\n' | LD_PRELOAD=$SHIM timeout 10 openssl s_client -quiet -srpuser '$U2' \
       -srppass 'pass:$P2' -tls1_2 -cipher SRP -connect 127.0.0.1:$CPORT -ign_eof 2>/dev/null |
       grep -q '^OK $U2 SRP-AES-256-CBC-SHA ems=1 etm=1 hello $U2\$'"

exit $FAILED
