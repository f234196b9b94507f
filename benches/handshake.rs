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
    ClientConfig, ClientConnection, ConnectionCommon, InMemoryUserStore, ServerConfig,
    ServerConnection, SrpGroup,
};

struct Setup {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
}

fn setup(bits: u32) -> Setup {
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user("bench", b"bench password", SrpGroup::by_bits(bits).unwrap())
        .unwrap();
    let mut c = ClientConfig::new("bench", "bench password");
    c.min_group_bits = 1024;
    Setup {
        client: Arc::new(c),
        server: Arc::new(ServerConfig::new(store).unwrap()),
    }
}

/// Moves bytes from one side to the other, timing only the receiver's processing.
fn pump(from: &mut ConnectionCommon, to: &mut ConnectionCommon, to_time: &mut Duration) {
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
    let mut client = ClientConnection::new(s.client.clone(), None).unwrap();
    ct += t.elapsed();
    let t = Instant::now();
    let mut server = ServerConnection::new(s.server.clone()).unwrap();
    st += t.elapsed();
    while client.is_handshaking() || server.is_handshaking() {
        pump(&mut client, &mut server, &mut st);
        pump(&mut server, &mut client, &mut ct);
    }
    black_box((&client, &server));
    (ct, st)
}

fn bench_handshake(c: &mut Criterion) {
    let mut g = c.benchmark_group("handshake");
    g.sample_size(30);
    for bits in [2048u32, 3072] {
        let s = setup(bits);
        one_handshake(&s); // builds the fixed-base tables outside the measurement
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

criterion_group!(benches, bench_handshake);
criterion_main!(benches);
