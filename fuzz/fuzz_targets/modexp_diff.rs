#![no_main]
//! Fuzz target `modexp_diff`: our constant-time Montgomery arithmetic (`srp6a`'s `modexp`,
//! reached through `srp6a::internal` and `srp6a::raw`) against num-bigint, an independent
//! implementation, on every SRP group: multiplication, squaring, reduction of any-length
//! inputs, the constant-time and the variable-time exponentiation, the fixed-base table of
//! g (short exponents) and its generic fallback (long ones), and the server's and client's
//! premaster formulas. Any difference is a crash.
//!
//! Input: byte 0 picks the group (small groups most often, to keep runs fast), byte 1 the
//! operation, then the rest is split into operands by 2-byte big-endian lengths (missing
//! operands are empty, that is zero). Exponents are cut to 64 bytes.

use num_bigint::BigUint;
use srp6a::{internal, raw, SrpGroup};

fn group(sel: u8) -> &'static SrpGroup {
    let bits = match sel % 16 {
        0..=5 => 1024,
        6..=8 => 1536,
        9..=11 => 2048,
        12 | 13 => 3072,
        14 => 4096,
        _ => match (sel >> 4) % 4 {
            0 => 6144,
            1 => 8192,
            2 => return &srp6a::groups::COGNITO_3072,
            _ => 4096,
        },
    };
    SrpGroup::by_bits(bits).expect("RFC 5054 group")
}

fn chunks(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some((len, rest)) = data.split_first_chunk::<2>() {
        let len = usize::from(u16::from_be_bytes(*len)).min(rest.len());
        let (c, rest) = rest.split_at(len);
        out.push(c);
        data = rest;
    }
    out
}

fn big(b: &[u8]) -> BigUint {
    BigUint::from_bytes_be(b)
}

/// Big-endian bytes without leading zeros (zero is empty), as our functions return.
fn min_bytes(x: &BigUint) -> Vec<u8> {
    let v = x.to_bytes_be();
    let first = v.iter().position(|&b| b != 0).unwrap_or(v.len());
    v[first..].to_vec()
}

fn check(what: &str, ours: &[u8], expected: &BigUint) {
    let ours = raw::strip_leading_zeros(ours);
    assert_eq!(
        ours,
        &min_bytes(expected)[..],
        "{what} differs from num-bigint"
    );
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&gsel, rest)) = data.split_first() else {
        return;
    };
    let Some((&op, rest)) = rest.split_first() else {
        return;
    };
    let g = group(gsel);
    let n = big(g.n());
    let parts = chunks(rest);
    let part = |i: usize| parts.get(i).copied().unwrap_or(&[]);
    let exp = |i: usize| {
        let e = part(i);
        &e[..e.len().min(64)]
    };
    match op % 8 {
        0 => {
            let (b, e) = (part(0), exp(1));
            check(
                "pow_mod_ct",
                &internal::pow_mod_ct(g, b, e),
                &big(b).modpow(&big(e), &n),
            );
        }
        1 => {
            let (b, e) = (part(0), exp(1));
            check(
                "pow_mod_vartime",
                &internal::pow_mod_vartime(g, b, e),
                &big(b).modpow(&big(e), &n),
            );
        }
        2 => {
            let e = exp(0);
            check(
                "pow_g",
                &internal::pow_g(g, e),
                &big(g.g()).modpow(&big(e), &n),
            );
        }
        3 => {
            let (a, b) = (part(0), part(1));
            check(
                "mul_mod",
                &internal::mul_mod(g, a, b),
                &((big(a) * big(b)) % &n),
            );
        }
        4 => {
            let a = part(0);
            let a_n = big(a) % &n;
            check("sqr_mod", &internal::sqr_mod(g, a), &(&a_n * &a_n % &n));
        }
        5 => {
            let a = part(0);
            check("reduce_mod_n", &raw::reduce_mod_n(g, a), &(big(a) % &n));
        }
        6 => {
            // Server: S = (A * v^u)^b, for an A the checks accept.
            let (u, v, b, a_pub) = (exp(0), part(1), exp(2), part(3));
            if raw::check_client_public(g, a_pub).is_err() || raw::check_u(u).is_err() {
                return;
            }
            let s = raw::server_premaster(g, u, v, b, a_pub).expect("checked A and u");
            let vu = big(v).modpow(&big(u), &n);
            let expected = (big(a_pub) * vu % &n).modpow(&big(b), &n);
            check("server_premaster", &s, &expected);
        }
        _ => {
            // Client: S = (B - k * g^x)^(a + u * x), for a B the checks accept.
            let (k, u, x, a, b_pub) = (part(0), exp(1), exp(2), exp(3), part(4));
            if raw::check_server_public(g, b_pub).is_err() || raw::check_u(u).is_err() {
                return;
            }
            let s = raw::client_premaster(g, k, u, x, a, b_pub).expect("checked B and u");
            let gx = big(g.g()).modpow(&big(x), &n);
            let kgx = (big(k) % &n) * gx % &n;
            let base = (big(b_pub) + &n - kgx) % &n;
            let e = big(a) + big(u) * big(x);
            check("client_premaster", &s, &base.modpow(&e, &n));
        }
    }
});
