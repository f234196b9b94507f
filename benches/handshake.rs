//! Full in-memory TLS-SRP handshakes, with the client's and the server's CPU measured
//! separately (single thread: the time spent inside each side's calls).
//!
//! `handshake/*` log in as one user over and over; `handshake_users/*` as 10 000 distinct
//! users in turn (each with its own salt and verifier in the server's store), so that
//! anything the server keeps per user (store lookups, rate-limiter entries, caches) shows
//! for what it costs when users do not repeat.
//!
//! `cargo bench --bench handshake`; `benches/compare_openssl.sh` runs OpenSSL's libssl on the
//! same work in the same session and prints the ratios.
//!
//! Times are the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), as in the C harnesses they
//! are compared with: on a shared machine, wall-clock time would also count the moments
//! the thread waited for a core.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use tls_srp::{
    ClientConfig, ClientConnection, ConnectionCommon, HandshakeKind, InMemoryUserStore, Resumption,
    ServerConfig, ServerConnection, SideData, SrpGroup, Ticketer,
};

struct Setup {
    /// One client config per user; handshake i uses `clients[i % len]`.
    clients: Vec<Arc<ClientConfig>>,
    next: std::cell::Cell<usize>,
    server: Arc<ServerConfig>,
}

impl Setup {
    fn client(&self) -> Arc<ClientConfig> {
        let i = self.next.get();
        self.next.set((i + 1) % self.clients.len());
        self.clients[i].clone()
    }
}

/// Distinct users of `handshake_users/*`.
const MANY_USERS: usize = 10_000;

/// The calling thread's CPU time so far.
fn cpu_now() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// How the handshakes of a benchmark are made.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Full,
    /// Abbreviated, from a session ID in the server's cache.
    ResumedById,
    /// Abbreviated, from an RFC 5077 ticket (the server opens it and seals a new one).
    ResumedByTicket,
}

fn setup(bits: u32, mode: Mode, users: usize) -> Setup {
    let store = Arc::new(InMemoryUserStore::new());
    let group = SrpGroup::by_bits(bits).unwrap();
    let mut clients = Vec::with_capacity(users);
    let mut server = ServerConfig::new(store.clone()).unwrap();
    for i in 0..users {
        let name = if users == 1 {
            "bench".to_string()
        } else {
            format!("user{i:05}")
        };
        store.add_user(&name, b"bench password", group).unwrap();
        let mut c = ClientConfig::new(&name, "bench password");
        c.min_group_bits = 1024;
        match mode {
            Mode::Full => c.resumption = Resumption::disabled(),
            Mode::ResumedById => c.resumption = Resumption::in_memory_sessions(4).tickets(false),
            Mode::ResumedByTicket => {}
        }
        clients.push(Arc::new(c));
    }
    if mode == Mode::ResumedByTicket {
        server.ticketer = Some(Ticketer::new().unwrap());
        server.session_storage = None;
    }
    let s = Setup {
        clients,
        next: std::cell::Cell::new(0),
        server: Arc::new(server),
    };
    // Builds the fixed-base tables and (when resuming) the session, outside measurements.
    one_handshake(&s);
    if mode != Mode::Full {
        let mut client = ClientConnection::new(s.client(), Some("bench.local")).unwrap();
        let mut server = ServerConnection::new(s.server.clone(), None).unwrap();
        run(&mut client, &mut server);
        assert_eq!(client.handshake_kind(), Some(HandshakeKind::Resumed));
    }
    s
}

fn run(client: &mut ClientConnection, server: &mut ServerConnection) -> (Duration, Duration) {
    let (mut ct, mut st) = (Duration::ZERO, Duration::ZERO);
    while client.is_handshaking() || server.is_handshaking() {
        pump(client, server, &mut st);
        pump(server, client, &mut ct);
    }
    (ct, st)
}

/// Moves bytes from one side to the other, timing only the receiver's processing.
fn pump<D0: SideData, D1: SideData>(
    from: &mut ConnectionCommon<D0>,
    to: &mut ConnectionCommon<D1>,
    to_time: &mut Duration,
) {
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf).unwrap();
    }
    let t = cpu_now();
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).unwrap();
    }
    to.process_new_packets().unwrap();
    *to_time += cpu_now() - t;
}

/// One handshake; returns (client time, server time).
fn one_handshake(s: &Setup) -> (Duration, Duration) {
    let (mut ct, mut st) = (Duration::ZERO, Duration::ZERO);
    let config = s.client();
    let t = cpu_now();
    let mut client = ClientConnection::new(config, Some("bench.local")).unwrap();
    ct += cpu_now() - t;
    let t = cpu_now();
    let mut server = ServerConnection::new(s.server.clone(), None).unwrap();
    st += cpu_now() - t;
    let (c2, s2) = run(&mut client, &mut server);
    black_box((&client, &server));
    (ct + c2, st + s2)
}

fn bench_handshake(c: &mut Criterion) {
    let mut g = c.benchmark_group("handshake");
    g.sample_size(30);
    for bits in [2048u32, 3072] {
        let s = setup(bits, Mode::Full, 1);
        g.bench_with_input(BenchmarkId::new("server_cpu", bits), &s, |b, s| {
            b.iter_custom(|iters| (0..iters).map(|_| one_handshake(s).1).sum())
        });
        g.bench_with_input(BenchmarkId::new("client_cpu", bits), &s, |b, s| {
            b.iter_custom(|iters| (0..iters).map(|_| one_handshake(s).0).sum())
        });
        g.bench_with_input(BenchmarkId::new("both", bits), &s, |b, s| {
            b.iter(|| one_handshake(s))
        });
    }
    g.finish();
}

/// Abbreviated handshakes: no SRP arithmetic on either side (OpenSSL recomputes B on
/// every SRP resumption; compare_openssl.sh prints its figure next to ours).
fn bench_resumed(c: &mut Criterion) {
    let mut g = c.benchmark_group("resumed");
    g.sample_size(50);
    for (name, mode) in [
        ("session_id", Mode::ResumedById),
        ("ticket", Mode::ResumedByTicket),
    ] {
        let s = setup(2048, mode, 1);
        g.bench_with_input(BenchmarkId::new("server_cpu", name), &s, |b, s| {
            b.iter_custom(|iters| (0..iters).map(|_| one_handshake(s).1).sum())
        });
        g.bench_with_input(BenchmarkId::new("client_cpu", name), &s, |b, s| {
            b.iter_custom(|iters| (0..iters).map(|_| one_handshake(s).0).sum())
        });
    }
    g.finish();
}

/// Full handshakes of 10 000 distinct users in turn (see the module docs).
fn bench_many_users(c: &mut Criterion) {
    let mut g = c.benchmark_group("handshake_users");
    g.sample_size(30);
    for bits in [2048u32, 3072] {
        let s = setup(bits, Mode::Full, MANY_USERS);
        // One round over every user first, so that what the server keeps per user is there.
        for _ in 0..MANY_USERS {
            one_handshake(&s);
        }
        g.bench_with_input(BenchmarkId::new("server_cpu", bits), &s, |b, s| {
            b.iter_custom(|iters| (0..iters).map(|_| one_handshake(s).1).sum())
        });
        g.bench_with_input(BenchmarkId::new("client_cpu", bits), &s, |b, s| {
            b.iter_custom(|iters| (0..iters).map(|_| one_handshake(s).0).sum())
        });
    }
    g.finish();
}

criterion_group!(benches, bench_handshake, bench_resumed, bench_many_users);
criterion_main!(benches);
