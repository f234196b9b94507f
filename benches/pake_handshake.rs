//! Full in-memory TLS 1.3 PAKE handshakes (draft-ietf-tls-pake, SPAKE2+ over P-256), with
//! the client's and the server's CPU measured separately: our side of
//! `benches/compare_pake.sh`, which runs BoringSSL's libssl on the same work
//! (`benches/pake/bssl_pake_bench.c`) in the same session and prints the ratios.
//!
//! ```text
//! cargo bench --bench pake_handshake -- [-n N] [--users U[,U...]]     (default: -n 300 --users 1,1000)
//! ```
//!
//! Run without `--bench` (as `cargo test --all-targets` does) it makes a few handshakes only.
//! `--untimed` reads no clock (for valgrind; the figures are then zero).
//!
//! One JSON line per user count, in the C harness's shape (medians and deciles, µs per
//! handshake):
//!
//! ```text
//! {"impl":"tls-srp","suite":"TLS_AES_128_GCM_SHA256","users":1,"client_cpu_us":..,"server_cpu_us":..,
//!  "client_p10_us":..,"client_p90_us":..,"server_p10_us":..,"server_p90_us":..,"handshakes":N}
//! ```
//!
//! Not criterion: the C harness reports the median of single handshakes, and so does this,
//! so that the two figures are the same statistic.
//!
//! What is timed, as in the C harness: the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`; on
//! a shared machine wall-clock time would also count the moments the thread waited for a
//! core) inside each side's calls: `ClientConnection::new` (which computes the client's
//! share) and `ServerConnection::new`, each side's `read_tls` and `process_new_packets` on
//! what it receives, and its `write_tls` of what it sends. Not timed: the registration.
//!
//! Users: U distinct client identities (`user00000`, ...), each with its own w0, w1 and
//! record in the server's store, all made before the measurements; handshake i is user
//! i mod U's, so that whatever the server keeps per user (store lookups, rate-limiter
//! entries) shows. w0 and w1 are SHA-256 of a label with the top byte cleared (below the
//! group order), exactly as the C harness derives them, instead of [`tls_srp::pake::register`]'s
//! scrypt (about 100 ms a user, and no part of a handshake).
//!
//! Stores: the server keeps its records in an `InMemoryUserStore`, which prepares each record
//! when it is added (`w0*M` and `w0*N`, as `vfile::PakeFileStore` does at load). One more
//! line, `"impl":"tls-srp-bare-store"`, is the same run over a store that implements only
//! `UserStore::lookup_pake` (records not prepared: the server prepares the one it uses on
//! every handshake), with as many users as the first run.
//!
//! Suite: TLS_AES_128_GCM_SHA256 on both sides (the client offers only it; BoringSSL is made
//! to pick it too), checked after every handshake.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use std::collections::HashMap;

use tls_srp::pake::{PakeClientParams, ProverKeys, VerifierRecord};
use tls_srp::{
    ClientConfig, ClientConnection, ConnectionCommon, InMemoryUserStore, PakeServerParams,
    ProtocolVersion, ServerConfig, ServerConnection, SideData, Tls13CipherSuite, UserRecord,
    UserStore,
};

/// A store that implements only `lookup_pake`: its records are not prepared ahead.
#[derive(Default)]
struct BareStore(HashMap<String, VerifierRecord>);

impl UserStore for BareStore {
    fn lookup(&self, _username: &str) -> Option<UserRecord> {
        None
    }

    fn lookup_pake(&self, username: &str, server_identity: &[u8]) -> Option<VerifierRecord> {
        (server_identity == SERVER_ID)
            .then(|| self.0.get(username).cloned())
            .flatten()
    }
}

/// The server identity, as in the C harness.
const SERVER_ID: &[u8] = b"bench.server";

/// `--untimed`: no clock reads, for profiling under valgrind (rustix's vDSO lookup for
/// `clock_gettime` crashes there: `valgrind --tool=callgrind target/release/deps/pake_handshake-*
/// -n 20 --users 1 --untimed`).
static UNTIMED: AtomicBool = AtomicBool::new(false);

/// The calling thread's CPU time so far.
fn cpu_now() -> Duration {
    if UNTIMED.load(Ordering::Relaxed) {
        return Duration::ZERO;
    }
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// `SHA-256(label || "/" || name)` with the top byte cleared: below P-256's group order
/// (which starts with 0xff), as `bench_scalar` in the C harness.
fn bench_scalar(label: &str, name: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label.as_bytes());
    h.update(b"/");
    h.update(name.as_bytes());
    let mut out: [u8; 32] = h.finalize().into();
    out[0] = 0;
    out
}

struct Setup {
    /// One client config per user; handshake i uses `clients[i % len]`.
    clients: Vec<Arc<ClientConfig>>,
    server: Arc<ServerConfig>,
}

fn setup(users: usize, bare: bool) -> Setup {
    let store = Arc::new(InMemoryUserStore::new());
    let mut bare_store = BareStore::default();
    let mut clients = Vec::with_capacity(users);
    for i in 0..users {
        let name = format!("user{i:05}");
        let keys = ProverKeys::from_bytes(
            &bench_scalar("tls-srp pake bench w0", &name),
            &bench_scalar("tls-srp pake bench w1", &name),
        )
        .expect("nonzero scalars below the order");
        let record = keys.record();
        store.insert_pake(&name, SERVER_ID, record.clone());
        bare_store.0.insert(name.clone(), record);
        let mut params = PakeClientParams::new(SERVER_ID, keys);
        params.cipher_suites = vec![Tls13CipherSuite::Aes128GcmSha256];
        clients.push(Arc::new(ClientConfig::pake_with_params(&name, params)));
    }
    let mut server = match bare {
        true => ServerConfig::new(Arc::new(bare_store)),
        false => ServerConfig::new(store),
    }
    .expect("server config");
    server.pake = Some(PakeServerParams::new(SERVER_ID));
    Setup {
        clients,
        server: Arc::new(server),
    }
}

/// Moves the sender's queued bytes to the receiver and lets it process them: the sender's
/// `write_tls` is timed on its clock, the receiver's `read_tls` and `process_new_packets` on
/// its own.
fn pump<D0: SideData, D1: SideData>(
    from: &mut ConnectionCommon<D0>,
    from_time: &mut Duration,
    to: &mut ConnectionCommon<D1>,
    to_time: &mut Duration,
) {
    let mut buf = Vec::new();
    let t = cpu_now();
    while from.wants_write() {
        from.write_tls(&mut buf).unwrap();
    }
    *from_time += cpu_now() - t;
    if buf.is_empty() {
        return;
    }
    let t = cpu_now();
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).unwrap();
    }
    to.process_new_packets().unwrap();
    *to_time += cpu_now() - t;
}

/// One handshake of `config`'s user; returns (client time, server time).
fn one_handshake(s: &Setup, config: &Arc<ClientConfig>) -> (Duration, Duration) {
    let (mut ct, mut st) = (Duration::ZERO, Duration::ZERO);
    let t = cpu_now();
    let mut client = ClientConnection::new(config.clone(), Some("bench.local")).unwrap();
    ct += cpu_now() - t;
    let t = cpu_now();
    let mut server = ServerConnection::new(s.server.clone(), None).unwrap();
    st += cpu_now() - t;
    let mut rounds = 0;
    while client.is_handshaking() || server.is_handshaking() {
        rounds += 1;
        assert!(rounds <= 10, "handshake does not progress");
        pump(&mut client, &mut ct, &mut server, &mut st);
        pump(&mut server, &mut st, &mut client, &mut ct);
    }
    assert!(client.is_pake() && server.is_pake());
    assert_eq!(client.protocol_version(), Some(ProtocolVersion::TLSv1_3));
    assert_eq!(
        server.negotiated_cipher_suite(),
        Some(Tls13CipherSuite::Aes128GcmSha256.suite())
    );
    black_box((&client, &server));
    (ct, st)
}

fn percentile(sorted: &[f64], p: usize) -> f64 {
    sorted[p * (sorted.len() - 1) / 100]
}

fn run(n: usize, users: usize, bare: bool) {
    let s = setup(users, bare);
    let name = if bare {
        "tls-srp-bare-store"
    } else {
        "tls-srp"
    };
    // Warm-up, then one round over every user (what the server keeps per user is there).
    for i in 0..users.max(3) {
        one_handshake(&s, &s.clients[i % users]);
    }
    let (mut cv, mut sv) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let (c, sd) = one_handshake(&s, &s.clients[i % users]);
        cv.push(c.as_secs_f64() * 1e6);
        sv.push(sd.as_secs_f64() * 1e6);
    }
    cv.sort_by(f64::total_cmp);
    sv.sort_by(f64::total_cmp);
    println!(
        "{{\"impl\":\"{name}\",\"suite\":\"TLS_AES_128_GCM_SHA256\",\"users\":{users},\
         \"client_cpu_us\":{:.1},\"server_cpu_us\":{:.1},\"client_p10_us\":{:.1},\
         \"client_p90_us\":{:.1},\"server_p10_us\":{:.1},\"server_p90_us\":{:.1},\
         \"handshakes\":{n}}}",
        percentile(&cv, 50),
        percentile(&sv, 50),
        percentile(&cv, 10),
        percentile(&cv, 90),
        percentile(&sv, 10),
        percentile(&sv, 90),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // as a smoke test (a few handshakes), as criterion benches do.
    let bench = std::env::args().any(|a| a == "--bench");
    let (mut n, mut users) = match bench {
        true => (300usize, vec![1usize, 1000]),
        false => (2, vec![1, 3]),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-n" => n = args.next().and_then(|v| v.parse().ok()).expect("-n N"),
            "--users" => {
                users = args
                    .next()
                    .map(|v| {
                        v.split(',')
                            .map(|u| u.parse().expect("--users U[,U...]"))
                            .collect()
                    })
                    .expect("--users U[,U...]")
            }
            "--untimed" => UNTIMED.store(true, Ordering::Relaxed),
            // What `cargo bench` passes to every bench binary.
            "--bench" => {}
            other => {
                eprintln!(
                    "usage: pake_handshake [-n N] [--users U[,U...]] [--untimed] (unknown: {other})"
                );
                std::process::exit(2);
            }
        }
    }
    let first = users.first().copied().unwrap_or(1).max(1);
    for u in users {
        run(n.max(1), u.max(1), false);
    }
    run(n.max(1), first, true);
}
