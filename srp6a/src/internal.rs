//! **Unstable, not part of the API**: the constant-time arithmetic, exposed only so that
//! this crate's benchmarks, the `tls-srp` benches and the fuzz targets can reach it. It may
//! change or disappear in any release; do not use it.

use zeroize::Zeroizing;

use crate::groups::SrpGroup;

/// `base^exp mod N`, constant time in `exp` (every bit processed); no leading zeros.
pub fn pow_mod_ct(group: &SrpGroup, base: &[u8], exp: &[u8]) -> Zeroizing<Vec<u8>> {
    crate::modexp::pow_mod_ct(group, base, exp)
}

/// `base^exp mod N`, variable time: public exponents only.
pub fn pow_mod_vartime(group: &SrpGroup, base: &[u8], exp: &[u8]) -> Vec<u8> {
    crate::modexp::pow_mod_vartime(group, base, exp)
}

/// `g^exp mod N` with the fixed-base table (constant time in `exp`).
pub fn pow_g(group: &SrpGroup, exp: &[u8]) -> Zeroizing<Vec<u8>> {
    crate::modexp::pow_g(group, exp)
}

/// Builds the group's Montgomery context and fixed-base table now.
pub fn precompute(group: &SrpGroup) {
    crate::modexp::precompute(group)
}

/// `n` Montgomery multiplications of `base` (reduced mod N, in Montgomery form) by itself,
/// chained (`acc = acc * base`), out of Montgomery form at the end: a per-operation bench.
pub fn mont_mul_chain(group: &SrpGroup, base: &[u8], n: usize) -> Zeroizing<Vec<u8>> {
    crate::modexp::with_mont!(group, |m| {
        let b = m.mont_from_bytes(base);
        let mut acc = b;
        for _ in 0..n {
            acc = m.mul(&acc, &b);
        }
        m.finish(acc)
    })
}

/// `n` chained Montgomery squarings of `base`, out of Montgomery form at the end.
pub fn mont_sqr_chain(group: &SrpGroup, base: &[u8], n: usize) -> Zeroizing<Vec<u8>> {
    crate::modexp::with_mont!(group, |m| {
        let mut acc = m.mont_from_bytes(base);
        for _ in 0..n {
            acc = m.sqr(&acc);
        }
        m.finish(acc)
    })
}

/// `a * b mod N` through the Montgomery multiplication (`a`, `b` of any length, reduced
/// first); no leading zeros.
pub fn mul_mod(group: &SrpGroup, a: &[u8], b: &[u8]) -> Zeroizing<Vec<u8>> {
    crate::modexp::with_mont!(group, |m| {
        let x = m.mont_from_bytes(a);
        let y = m.mont_from_bytes(b);
        m.finish(m.mul(&x, &y))
    })
}

/// `a^2 mod N` through the dedicated Montgomery squaring; no leading zeros.
pub fn sqr_mod(group: &SrpGroup, a: &[u8]) -> Zeroizing<Vec<u8>> {
    crate::modexp::with_mont!(group, |m| {
        let x = m.mont_from_bytes(a);
        m.finish(m.sqr(&x))
    })
}

/// As [`pow_mod_ct`], but the result padded to the length of N (no stripping, whose time
/// depends on the leading zero bytes of the result): for timing tests of the arithmetic
/// alone.
pub fn pow_mod_ct_padded(group: &SrpGroup, base: &[u8], exp: &[u8]) -> Zeroizing<Vec<u8>> {
    crate::modexp::with_mont!(group, |m| {
        let b = Zeroizing::new(m.mont_from_bytes(base));
        padded(&m.out_of_mont(&m.pow_ct(&b, exp)))
    })
}

/// As [`pow_g`], padded to the length of N (see [`pow_mod_ct_padded`]).
pub fn pow_g_padded(group: &SrpGroup, exp: &[u8]) -> Zeroizing<Vec<u8>> {
    crate::modexp::with_mont!(group, |m| padded(&m.out_of_mont(&m.pow_g(exp))))
}

fn padded(limbs: &[u64]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(limbs.len() * 8));
    for limb in limbs.iter().rev() {
        out.extend_from_slice(&limb.to_be_bytes());
    }
    out
}
