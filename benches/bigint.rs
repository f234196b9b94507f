//! Our SRP arithmetic (`srp6a`'s own Montgomery code) against crypto-bigint 0.7, the
//! well-kept constant-time crate it would otherwise be built on, on the same operations:
//! one Montgomery multiplication and squaring (chains of 64), a 256-bit constant-time
//! exponentiation in every form crypto-bigint offers (`FixedMontyForm` with a runtime
//! modulus, `ConstMontyForm` with the modulus fixed at compile time, `BoxedMontyForm` on the
//! heap, and the "almost Montgomery" `pow_amm`), v^u with a public 160-bit u, and the
//! whole server (B and S) and client (A and S) computations of an SRP-6a handshake, with
//! the crypto-bigint side given the same fixed-base table for g that ours has.
//!
//! `cargo bench --bench bigint`; `benches/compare_bigint.sh` prints the ratios.
//! Names: `<bits>/<impl>_<operation>`, impl `ours` or `cb_fixed`, `cb_const`, `cb_boxed`,
//! `cb_amm`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use crypto_bigint::modular::{
    BoxedMontyForm, BoxedMontyParams, ConstMontyForm, ConstMontyParams, FixedMontyForm,
    FixedMontyParams,
};
use crypto_bigint::{BoxedUint, Odd, Uint, U2048, U3072};
use srp6a::internal as ours;
use tls_srp::internal::srp::{self, SrpGroup};

crypto_bigint::const_monty_params!(N2048, U2048, "AC6BDB41324A9A9BF166DE5E1389582FAF72B6651987EE07FC3192943DB56050A37329CBB4A099ED8193E0757767A13DD52312AB4B03310DCD7F48A9DA04FD50E8083969EDB767B0CF6095179A163AB3661A05FBD5FAAAE82918A9962F0B93B855F97993EC975EEAA80D740ADBF4FF747359D041D5C33EA71D281E446B14773BCA97B43A23FB801676BD207A436C6481F1D2B9078717461A5B9D32E688F87748544523B524B0D57D5EA77A2775D2ECFA032CFBDBF52FB3786160279004E57AE6AF874E7303CE53299CCC041C7BC308D82A5698F3A8D0C38271AE35F8E9DBFBB694B5C803D89F7AE435DE236D525F54759B65E372FCD68EF20FA7111F9E4AFF73");
crypto_bigint::const_monty_params!(N3072, U3072, "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF");

const CHAIN: usize = 64;

fn random(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    getrandom::fill(&mut v).expect("os random");
    v
}

/// Big-endian bytes of any length (at most L limbs) as a Uint.
fn uint<const L: usize>(bytes: &[u8]) -> Uint<L> {
    let mut padded = vec![0u8; L * 8];
    padded[L * 8 - bytes.len()..].copy_from_slice(bytes);
    Uint::from_be_slice(&padded)
}

/// Constant-time fetch of `table[index]` (every entry read and masked), as ours does.
fn lookup<const L: usize>(table: &[Uint<L>], index: u8) -> Uint<L> {
    let mut out = [0u64; L];
    for (k, entry) in table.iter().enumerate() {
        let mask = 0u64.wrapping_sub(u64::from(
            subtle::ConstantTimeEq::ct_eq(&(k as u8), &index).unwrap_u8(),
        ));
        for (o, &e) in out.iter_mut().zip(entry.as_words()) {
            *o |= e & mask;
        }
    }
    Uint::from_words(out)
}

/// The fixed-base table of g (4-bit windows, 64 rows: exponents up to 256 bits), in
/// crypto-bigint's `ConstMontyForm`, and `g^exp` from it: what moving our fixed-base
/// tables onto crypto-bigint would be.
struct CbFixedBase<P: ConstMontyParams<L>, const L: usize> {
    table: Vec<Uint<L>>,
    _p: std::marker::PhantomData<P>,
}

impl<P: ConstMontyParams<L>, const L: usize> CbFixedBase<P, L> {
    fn new(g: &[u8]) -> Self {
        let mut base = ConstMontyForm::<P, L>::new(&uint::<L>(g));
        let one = ConstMontyForm::<P, L>::ONE;
        let mut table = Vec::with_capacity(64 * 16);
        for _ in 0..64 {
            let mut row = [one; 16];
            for d in 1..16 {
                row[d] = row[d - 1].mul(&base);
            }
            table.extend(row.iter().map(|e| *e.as_montgomery()));
            base = row[15].mul(&base);
        }
        Self {
            table,
            _p: std::marker::PhantomData,
        }
    }

    fn pow(&self, exp: &[u8]) -> ConstMontyForm<P, L> {
        let mut acc = ConstMontyForm::<P, L>::ONE;
        for (i, row) in self.table.chunks_exact(16).take(2 * exp.len()).enumerate() {
            let byte = exp[exp.len() - 1 - i / 2];
            let nibble = if i % 2 == 0 { byte & 0x0f } else { byte >> 4 };
            acc = acc.mul(&ConstMontyForm::from_montgomery(lookup(row, nibble)));
        }
        acc
    }
}

/// `a + u*x` (the client's exponent) as a Uint.
fn client_exponent<const E: usize>(a: &[u8], u: &[u8], x: &[u8]) -> Uint<E> {
    uint::<E>(&srp6a::raw::client_exponent(a, u, x))
}

fn bench_group<P: ConstMontyParams<L>, const L: usize>(c: &mut Criterion, bits: u32) {
    let group = SrpGroup::by_bits(bits).expect("group");
    ours::precompute(group);
    let salt = srp::generate_salt(16).expect("salt");
    let (user, pass) = (b"user".as_slice(), b"password".as_slice());
    let v = srp::compute_verifier(group, &salt, user, pass);
    let (a, b) = (random(32), random(32));
    let client = srp::client_key_pair_from_secret(group, &a);
    let server = srp::server_key_pair_from_secret(group, &v, &b);
    let u = srp::compute_u(group, &client.public, &server.public);
    let k = srp::compute_k(group);
    let x = srp::compute_x(&salt, user, pass);
    let n = Odd::new(uint::<L>(group.n())).expect("odd N");
    assert_eq!(P::PARAMS.modulus(), &n, "hex modulus of the ConstMontyForm");
    let fixed = FixedMontyParams::new(n);
    let boxed_n = Odd::new(BoxedUint::from_be_slice(group.n(), bits).expect("N")).expect("odd");
    let boxed = BoxedMontyParams::new(boxed_n);
    let cb_g = CbFixedBase::<P, L>::new(group.g());
    let b_u = uint::<4>(&b);
    let b_full = uint::<L>(&b);
    let u_u = uint::<3>(&u);

    // The same results, or the comparison means nothing.
    let to_bytes = |x: Uint<L>| srp6a::raw::strip_leading_zeros(&x.to_be_bytes()).to_vec();
    let g_c = ConstMontyForm::<P, L>::new(&uint::<L>(group.g()));
    assert_eq!(
        to_bytes(g_c.pow_bounded_exp(&b_u, 256).retrieve()),
        ours::pow_g(group, &b).to_vec()
    );
    assert_eq!(
        to_bytes(cb_g.pow(&b).retrieve()),
        ours::pow_g(group, &b).to_vec()
    );

    let mut g = c.benchmark_group(format!("{bits}"));
    g.sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300));

    // One operation, in chains of CHAIN.
    let base = random(group.byte_len() - 1);
    g.bench_function("ours_mul_x64", |bn| {
        bn.iter(|| ours::mont_mul_chain(group, black_box(&base), CHAIN))
    });
    g.bench_function("ours_sqr_x64", |bn| {
        bn.iter(|| ours::mont_sqr_chain(group, black_box(&base), CHAIN))
    });
    let cbase = ConstMontyForm::<P, L>::new(&uint::<L>(&base));
    g.bench_function("cb_const_mul_x64", |bn| {
        bn.iter(|| {
            let b = black_box(cbase);
            let mut acc = b;
            for _ in 0..CHAIN {
                acc = acc.mul(&b);
            }
            acc.retrieve()
        })
    });
    g.bench_function("cb_const_sqr_x64", |bn| {
        bn.iter(|| {
            let mut acc = black_box(cbase);
            for _ in 0..CHAIN {
                acc = acc.square();
            }
            acc.retrieve()
        })
    });
    let fbase = FixedMontyForm::new(&uint::<L>(&base), &fixed);
    g.bench_function("cb_fixed_mul_x64", |bn| {
        bn.iter(|| {
            let b = black_box(fbase);
            let mut acc = b;
            for _ in 0..CHAIN {
                acc = acc.mul(&b);
            }
            acc.retrieve()
        })
    });
    g.bench_function("cb_fixed_sqr_x64", |bn| {
        bn.iter(|| {
            let mut acc = black_box(fbase);
            for _ in 0..CHAIN {
                acc = acc.square();
            }
            acc.retrieve()
        })
    });

    // A generic 256-bit constant-time exponentiation (base = g, no table).
    g.bench_function("ours_pow256", |bn| {
        bn.iter(|| ours::pow_mod_ct(group, group.g(), black_box(&b)))
    });
    g.bench_function("cb_const_pow256", |bn| {
        bn.iter(|| {
            let base = ConstMontyForm::<P, L>::new(&uint::<L>(group.g()));
            base.pow_bounded_exp(&uint::<4>(black_box(&b)), 256)
                .retrieve()
        })
    });
    g.bench_function("cb_fixed_pow256", |bn| {
        bn.iter(|| {
            let base = FixedMontyForm::new(&uint::<L>(group.g()), &fixed);
            base.pow_bounded_exp(&uint::<4>(black_box(&b)), 256)
                .retrieve()
        })
    });
    g.bench_function("cb_amm_pow256", |bn| {
        bn.iter(|| {
            let base = FixedMontyForm::new(&uint::<L>(group.g()), &fixed);
            base.pow_amm_bounded_exp(&uint::<L>(black_box(&b)), 256)
                .retrieve()
        })
    });
    g.bench_function("cb_boxed_pow256", |bn| {
        bn.iter(|| {
            let gb = BoxedUint::from_be_slice(group.g(), bits).expect("g");
            let base = BoxedMontyForm::new(gb, &boxed);
            let e = BoxedUint::from_be_slice(black_box(&b), 256).expect("b");
            base.pow_bounded_exp(&e, 256).retrieve()
        })
    });
    let _ = (b_u, b_full);

    // v^u, u public (variable time allowed).
    g.bench_function("ours_vu", |bn| {
        bn.iter(|| ours::pow_mod_vartime(group, black_box(&v), &u))
    });
    g.bench_function("cb_const_vu", |bn| {
        bn.iter(|| {
            ConstMontyForm::<P, L>::new(&uint::<L>(black_box(&v)))
                .pow_vartime(&u_u)
                .retrieve()
        })
    });

    // The whole server: B = k*v + g^b, then S = (A * v^u)^b.
    g.bench_function("ours_server", |bn| {
        bn.iter(|| {
            let kp = srp::server_key_pair_from_secret(group, black_box(&v), &b);
            srp::server_premaster(group, &kp, &v, &client.public).expect("S")
        })
    });
    g.bench_function("cb_const_server", |bn| {
        bn.iter(|| {
            let v_m = ConstMontyForm::<P, L>::new(&uint::<L>(black_box(&v)));
            let k_m = ConstMontyForm::<P, L>::new(&uint::<L>(&k));
            let big_b = (k_m.mul(&v_m).add(&cb_g.pow(&b))).retrieve();
            let u = srp::compute_u(group, &client.public, &to_bytes(big_b));
            let a_m = ConstMontyForm::<P, L>::new(&uint::<L>(&client.public));
            let base = a_m.mul(&v_m.pow_vartime(&uint::<3>(&u)));
            base.pow_bounded_exp(&uint::<4>(&b), 256).retrieve()
        })
    });
    // The whole client: A = g^a, then S = (B - k*g^x)^(a + u*x).
    g.bench_function("ours_client", |bn| {
        bn.iter(|| {
            let kp = srp::client_key_pair_from_secret(group, black_box(&a));
            srp::client_premaster(group, &kp, &server.public, &salt, user, pass).expect("S")
        })
    });
    g.bench_function("cb_const_client", |bn| {
        bn.iter(|| {
            let big_a = to_bytes(cb_g.pow(black_box(&a)).retrieve());
            let u = srp::compute_u(group, &big_a, &server.public);
            let x = srp::compute_x(&salt, user, pass);
            let k_m = ConstMontyForm::<P, L>::new(&uint::<L>(&k));
            let b_m = ConstMontyForm::<P, L>::new(&uint::<L>(&server.public));
            let base = b_m.sub(&k_m.mul(&cb_g.pow(&x[..])));
            let e = client_exponent::<6>(&a, &u, &x[..]);
            base.pow_bounded_exp(&e, 8 * 41).retrieve()
        })
    });
    let _ = x;
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_group::<N2048, { U2048::LIMBS }>(c, 2048);
    bench_group::<N3072, { U3072::LIMBS }>(c, 3072);
}

criterion_group!(bigint_benches, benches);
criterion_main!(bigint_benches);
