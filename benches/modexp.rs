//! SRP modular arithmetic at 2048 and 3072 bits: the fixed-base table against the generic
//! constant-time exponentiation, the server's v^u and (A*v^u)^b, and the whole server and
//! client computations. `benches/openssl/run_modexp_compare.sh` runs the same operations
//! with OpenSSL and prints the ratios.
//!
//! Names: `<bits>/<operation>`, matching the lines of `benches/openssl/modexp_bench.c`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use srp6a::internal as modexp;
use tls_srp::internal::srp::{self, SrpGroup};

fn random(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    getrandom::fill(&mut v).expect("os random");
    v
}

fn bench_group(c: &mut Criterion, bits: u32) {
    let group = SrpGroup::by_bits(bits).expect("group");
    modexp::precompute(group); // the fixed-base table is built once per process
    let salt = srp::generate_salt(16).expect("salt");
    let (user, pass) = (b"user".as_slice(), b"password".as_slice());
    let v = srp::compute_verifier(group, &salt, user, pass);
    let (a, b) = (random(32), random(32));
    let client = srp::client_key_pair_from_secret(group, &a);
    let server = srp::server_key_pair_from_secret(group, &v, &b);
    let u = srp::compute_u(group, &client.public, &server.public);
    let vu = modexp::pow_mod_vartime(group, &v, &u);
    // A * v^u mod N, computed with our own arithmetic: (A*v^u)^1.
    let avu = {
        let prod = mul_bytes(&client.public, &vu);
        srp::reduce_mod_n(group, &prod)
    };

    let mut g = c.benchmark_group(format!("{bits}"));
    g.sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    g.bench_function("gb_fixed_base", |bn| {
        bn.iter(|| modexp::pow_g(group, black_box(&b)))
    });
    g.bench_function("gb_generic", |bn| {
        bn.iter(|| modexp::pow_mod_ct(group, group.g(), black_box(&b)))
    });
    g.bench_function("vu_vartime", |bn| {
        bn.iter(|| modexp::pow_mod_vartime(group, black_box(&v), &u))
    });
    g.bench_function("avub_consttime", |bn| {
        bn.iter(|| modexp::pow_mod_ct(group, black_box(&avu), &b))
    });
    g.bench_function("server_b", |bn| {
        bn.iter(|| srp::server_key_pair_from_secret(group, black_box(&v), &b))
    });
    g.bench_function("server_premaster", |bn| {
        bn.iter(|| srp::server_premaster(group, &server, &v, black_box(&client.public)).expect("S"))
    });
    g.bench_function("client_a", |bn| {
        bn.iter(|| srp::client_key_pair_from_secret(group, black_box(&a)))
    });
    g.bench_function("client_premaster", |bn| {
        bn.iter(|| {
            srp::client_premaster(group, &client, black_box(&server.public), &salt, user, pass)
                .expect("S")
        })
    });
    g.finish();
}

/// Schoolbook product of two big-endian integers (bench setup only).
fn mul_bytes(x: &[u8], y: &[u8]) -> Vec<u8> {
    let mut out = vec![0u32; x.len() + y.len()];
    for (i, &xi) in x.iter().rev().enumerate() {
        let mut carry = 0u32;
        for (j, &yj) in y.iter().rev().enumerate() {
            let t = out[i + j] + u32::from(xi) * u32::from(yj) + carry;
            out[i + j] = t & 0xff;
            carry = t >> 8;
        }
        out[i + y.len()] += carry;
    }
    out.iter().rev().map(|&d| d as u8).collect()
}

fn benches(c: &mut Criterion) {
    for bits in [2048, 3072] {
        bench_group(c, bits);
    }
}

criterion_group!(modexp_benches, benches);
criterion_main!(modexp_benches);
