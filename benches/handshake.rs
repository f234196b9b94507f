//! Full in-memory TLS-SRP handshakes, with the client's and the server's CPU measured
//! separately (single thread: the time spent inside each side's calls).
//!
//! `cargo bench --bench handshake`; `benches/compare_openssl.sh` runs OpenSSL's libssl on the
//! same work in the same session and prints the ratios.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use tls_srp::{
    ClientConfig, ClientConnection, ConnectionCommon, HandshakeKind, InMemoryUserStore, Resumption,
    ServerConfig, ServerConnection, SideData, SrpGroup, Ticketer,
};

struct Setup {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
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

fn setup(bits: u32, mode: Mode) -> Setup {
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user("bench", b"bench password", SrpGroup::by_bits(bits).unwrap())
        .unwrap();
    let mut c = ClientConfig::new("bench", "bench password");
    c.min_group_bits = 1024;
    let mut server = ServerConfig::new(store).unwrap();
    match mode {
        Mode::Full => c.resumption = Resumption::disabled(),
        Mode::ResumedById => c.resumption = Resumption::in_memory_sessions(4).tickets(false),
        Mode::ResumedByTicket => {
            server.ticketer = Some(Ticketer::new().unwrap());
            server.session_storage = None;
        }
    }
    let s = Setup {
        client: Arc::new(c),
        server: Arc::new(server),
    };
    // Builds the fixed-base tables and (when resuming) the session, outside measurements.
    one_handshake(&s);
    if mode != Mode::Full {
        let mut client = ClientConnection::new(s.client.clone(), Some("bench.local")).unwrap();
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
    let t = Instant::now();
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).unwrap();
    }
    to.process_new_packets().unwrap();
    *to_time += t.elapsed();
}

/// One handshake; returns (client time, server time).
fn one_handshake(s: &Setup) -> (Duration, Duration) {
    let (mut ct, mut st) = (Duration::ZERO, Duration::ZERO);
    let t = Instant::now();
    let mut client = ClientConnection::new(s.client.clone(), Some("bench.local")).unwrap();
    ct += t.elapsed();
    let t = Instant::now();
    let mut server = ServerConnection::new(s.server.clone(), None).unwrap();
    st += t.elapsed();
    let (c2, s2) = run(&mut client, &mut server);
    black_box((&client, &server));
    (ct + c2, st + s2)
}

fn bench_handshake(c: &mut Criterion) {
    let mut g = c.benchmark_group("handshake");
    g.sample_size(30);
    for bits in [2048u32, 3072] {
        let s = setup(bits, Mode::Full);
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
        let s = setup(2048, mode);
        g.bench_with_input(BenchmarkId::new("server_cpu", name), &s, |b, s| {
            b.iter_custom(|iters| (0..iters).map(|_| one_handshake(s).1).sum())
        });
        g.bench_with_input(BenchmarkId::new("client_cpu", name), &s, |b, s| {
            b.iter_custom(|iters| (0..iters).map(|_| one_handshake(s).0).sum())
        });
    }
    g.finish();
}

criterion_group!(benches, bench_handshake, bench_resumed);
criterion_main!(benches);
