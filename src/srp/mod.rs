//! SRP-6a as profiled by RFC 5054.
//!
//! One small function per formula. H = SHA-1. Integers are big-endian byte strings;
//! outputs have no leading zero bytes unless stated; `PAD(x)` left-pads to the length of N.
//!
//! Secret values (a, b, x, a + u*x, S) live in [`Zeroizing`] buffers, never appear in
//! `Debug` output, and only meet the constant-time arithmetic of [`modexp`]. Public values
//! (A, B, u, N) are checked with ordinary, variable-time comparisons.
//!
//! Salts are used exactly as given. Note for verifier files: OpenSSL's libssl loads the salt
//! as a big number, so a salt whose first byte is 0x00 is used (in x and on the wire)
//! without that byte; a verifier made here from such a salt, as given, does not match what
//! OpenSSL computes. [`generate_salt`] avoids the case, and readers of OpenSSL files should
//! strip leading zero bytes from salts.

pub mod groups;
pub mod modexp;

pub use groups::SrpGroup;

use sha1::{Digest, Sha1};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, PeerMisbehaved};
use modexp::{limbs_from_be, limbs_to_be_stripped, with_mont};

/// The premaster secret: S with leading zero bytes stripped (RFC 5054 2.6).
pub type Premaster = Zeroizing<Vec<u8>>;

/// Bytes of the random secrets a and b (256 bits, RFC 5054 2.5.3 / 2.5.4 ask for at least
/// 256).
const SECRET_LEN: usize = 32;

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or(&[])
}

/// Feeds `PAD(value)` to `hash`: zeros up to the length of N, then the value without its
/// leading zeros. A value longer than N (hostile input, rejected by callers) is fed as is.
fn hash_padded(hash: &mut Sha1, group: &SrpGroup, value: &[u8]) {
    let value = strip_leading_zeros(value);
    let zeros = group.byte_len().saturating_sub(value.len());
    for _ in 0..zeros {
        hash.update([0u8]);
    }
    hash.update(value);
}

/// `k = H(N | PAD(g))`
pub fn compute_k(group: &SrpGroup) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(group.n());
    hash_padded(&mut h, group, group.g());
    h.finalize().into()
}

/// `u = H(PAD(A) | PAD(B))`. `a` and `b` may arrive without padding (or, for a hostile
/// peer, longer than N: callers check lengths first; this function must not panic).
pub fn compute_u(group: &SrpGroup, a: &[u8], b: &[u8]) -> [u8; 20] {
    let mut h = Sha1::new();
    hash_padded(&mut h, group, a);
    hash_padded(&mut h, group, b);
    h.finalize().into()
}

/// `x = H(s | H(I | ":" | P))`
pub fn compute_x(salt: &[u8], username: &[u8], password: &[u8]) -> Zeroizing<[u8; 20]> {
    let mut inner = Sha1::new();
    inner.update(username);
    inner.update(b":");
    inner.update(password);
    let mut ih = Zeroizing::new([0u8; 20]);
    ih.copy_from_slice(&inner.finalize());
    let mut outer = Sha1::new();
    outer.update(salt);
    outer.update(&ih[..]);
    let mut x = Zeroizing::new([0u8; 20]);
    x.copy_from_slice(&outer.finalize());
    x
}

/// `v = g^x % N`, without leading zeros.
pub fn compute_verifier(
    group: &SrpGroup,
    salt: &[u8],
    username: &[u8],
    password: &[u8],
) -> Vec<u8> {
    let x = compute_x(salt, username, password);
    let v = modexp::pow_g(group, &x[..]);
    v.to_vec()
}

/// A random salt of `len` bytes (1..=255) whose first byte is not zero (OpenSSL loads salts
/// as integers and would drop a leading zero byte).
pub fn generate_salt(len: usize) -> Result<Vec<u8>, Error> {
    if !(1..=255).contains(&len) {
        return Err(Error::ApiMisuse("SRP salt length must be 1..=255 bytes"));
    }
    let mut salt = vec![0u8; len];
    crate::rand::fill_random(&mut salt)?;
    // Redraw the first byte until it is non-zero (uniform over 1..=255).
    let mut tries = 0;
    while salt.first() == Some(&0) {
        tries += 1;
        if tries > 64 {
            return Err(Error::FailedToGetRandomBytes);
        }
        crate::rand::fill_random(&mut salt[..1])?;
    }
    Ok(salt)
}

/// `bytes % N`, without leading zeros (used to derive simulated verifiers).
pub fn reduce_mod_n(group: &SrpGroup, bytes: &[u8]) -> Vec<u8> {
    with_mont!(group, |m| {
        let mut r = m.mont_from_bytes(bytes);
        let mut plain = m.out_of_mont(&r);
        let out = limbs_to_be_stripped(&plain);
        r.zeroize();
        plain.zeroize();
        out
    })
}

/// The server's ephemeral key: secret b (zeroized on drop, never printed) and public B.
pub struct ServerKeyPair {
    b: Zeroizing<Vec<u8>>,
    /// `B = (k*v + g^b) % N`, without leading zeros.
    pub public: Vec<u8>,
}

impl core::fmt::Debug for ServerKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// Picks a random 256-bit b and computes B for verifier `v`.
pub fn server_key_pair(group: &SrpGroup, verifier: &[u8]) -> Result<ServerKeyPair, Error> {
    let mut b = Zeroizing::new([0u8; SECRET_LEN]);
    crate::rand::fill_random(&mut b[..])?;
    Ok(server_key_pair_from_secret(group, verifier, &b[..]))
}

/// As [`server_key_pair`] with a given b (tests and RFC vectors).
pub fn server_key_pair_from_secret(group: &SrpGroup, verifier: &[u8], b: &[u8]) -> ServerKeyPair {
    let public = compute_b_public(group, verifier, b);
    ServerKeyPair {
        b: Zeroizing::new(b.to_vec()),
        public,
    }
}

/// `B = (k*v + g^b) % N`, without leading zeros. `b` is secret, `v` is kept private.
pub fn compute_b_public(group: &SrpGroup, verifier: &[u8], b: &[u8]) -> Vec<u8> {
    let k = compute_k(group);
    with_mont!(group, |m| {
        let k_m = m.mont_from_bytes(&k);
        let mut v_m = m.mont_from_bytes(verifier);
        let mut kv = m.mul(&k_m, &v_m);
        let mut gb = m.pow_g(b);
        let big_b = m.out_of_mont(&m.add_mod(&kv, &gb));
        v_m.zeroize();
        kv.zeroize();
        gb.zeroize();
        limbs_to_be_stripped(&big_b)
    })
}

fn misbehaved(why: PeerMisbehaved) -> Error {
    Error::PeerMisbehaved(why)
}

/// Refuses u == 0 (then S would not depend on the password verifier at all).
fn check_u(u: &[u8; 20]) -> Result<(), Error> {
    if u.iter().all(|&x| x == 0) {
        return Err(misbehaved(PeerMisbehaved::SrpUIsZero));
    }
    Ok(())
}

/// Server: checks A, then `S = (A * v^u) ^ b % N`; returns S without leading zeros.
/// Errors: A longer than N → `PeerMisbehaved::SrpValueTooLong`; A >= N, or A % N in
/// {0, 1, N-1} → `PeerMisbehaved::IllegalSrpA`; u == 0 → `PeerMisbehaved::SrpUIsZero`.
pub fn server_premaster(
    group: &SrpGroup,
    key_pair: &ServerKeyPair,
    verifier: &[u8],
    a: &[u8],
) -> Result<Premaster, Error> {
    let a = strip_leading_zeros(a);
    if a.len() > group.byte_len() {
        return Err(misbehaved(PeerMisbehaved::SrpValueTooLong));
    }
    let u = compute_u(group, a, &key_pair.public);
    with_mont!(group, |m| {
        // Public checks on A (variable time is fine).
        let a_int = limbs_from_be(a).ok_or(misbehaved(PeerMisbehaved::SrpValueTooLong))?;
        if !m.is_reduced(&a_int) {
            return Err(misbehaved(PeerMisbehaved::IllegalSrpA));
        }
        let is_zero = a_int.iter().all(|&l| l == 0);
        let is_one = a_int.first() == Some(&1) && a_int.iter().skip(1).all(|&l| l == 0);
        if is_zero || is_one || m.is_n_minus_1(&a_int) {
            return Err(misbehaved(PeerMisbehaved::IllegalSrpA));
        }
        check_u(&u)?;
        let mut v_m = m.mont_from_bytes(verifier);
        let mut vu = m.pow_vartime(&v_m, &u);
        let a_m = m.to_mont(&a_int);
        let mut base = m.mul(&a_m, &vu);
        let mut s_m = m.pow_ct(&base, &key_pair.b);
        let mut s = m.out_of_mont(&s_m);
        let premaster = Zeroizing::new(limbs_to_be_stripped(&s));
        v_m.zeroize();
        vu.zeroize();
        base.zeroize();
        s_m.zeroize();
        s.zeroize();
        Ok(premaster)
    })
}

/// The client's ephemeral key: secret a (zeroized, never printed) and public A.
pub struct ClientKeyPair {
    a: Zeroizing<Vec<u8>>,
    /// `A = g^a % N`, without leading zeros.
    pub public: Vec<u8>,
}

impl core::fmt::Debug for ClientKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// Picks a random 256-bit a and computes A.
pub fn client_key_pair(group: &SrpGroup) -> Result<ClientKeyPair, Error> {
    let mut a = Zeroizing::new([0u8; SECRET_LEN]);
    crate::rand::fill_random(&mut a[..])?;
    Ok(client_key_pair_from_secret(group, &a[..]))
}

/// As [`client_key_pair`] with a given a (tests and RFC vectors).
pub fn client_key_pair_from_secret(group: &SrpGroup, a: &[u8]) -> ClientKeyPair {
    let public = modexp::pow_g(group, a).to_vec();
    ClientKeyPair {
        a: Zeroizing::new(a.to_vec()),
        public,
    }
}

/// `a + u*x` as a big-endian byte string whose length depends only on the length of `a`
/// (never on the values), computed in constant time.
fn client_exponent(a: &[u8], u: &[u8; 20], x: &[u8; 20]) -> Zeroizing<Vec<u8>> {
    // u and x are 160 bits: 3 limbs each; their product fits 6 limbs.
    let limbs = a.len().div_ceil(8).max(6) + 1;
    let mut acc = Zeroizing::new(vec![0u64; limbs]);
    // acc = a (little-endian limbs).
    for (i, &byte) in a.iter().rev().enumerate() {
        if let Some(l) = acc.get_mut(i / 8) {
            *l |= u64::from(byte) << (8 * (i % 8));
        }
    }
    let u_l = limbs_from_be::<3>(u).unwrap_or([0; 3]);
    let mut x_l = Zeroizing::new(limbs_from_be::<3>(x).unwrap_or([0; 3]));
    // acc += u * x, schoolbook with full carry propagation (fixed trip counts).
    for (i, &ui) in u_l.iter().enumerate() {
        let mut carry = 0u64;
        for (j, l) in acc.iter_mut().enumerate().skip(i) {
            let xj = x_l.get(j - i).copied().unwrap_or(0);
            let r = u128::from(*l) + u128::from(ui) * u128::from(xj) + u128::from(carry);
            *l = r as u64;
            carry = (r >> 64) as u64;
        }
    }
    x_l.zeroize();
    let mut full = Zeroizing::new(Vec::with_capacity(limbs * 8));
    for l in acc.iter().rev() {
        full.extend_from_slice(&l.to_be_bytes());
    }
    // a < 2^(8 len(a)) and u*x < 2^320, so the sum fits in max(len(a), 40) + 1 bytes: keep
    // only those (a public length), so that no exponentiation time is spent on zero limbs.
    let keep = a.len().max(40) + 1;
    let skip = full.len().saturating_sub(keep);
    Zeroizing::new(full.get(skip..).map(<[u8]>::to_vec).unwrap_or_default())
}

/// Client: checks B, then `S = (B - k*g^x) ^ (a + u*x) % N`; returns S without leading zeros.
/// Errors: B longer than N → `PeerMisbehaved::SrpValueTooLong`; B >= N or B % N == 0 →
/// `PeerMisbehaved::IllegalSrpB`; u == 0 → `PeerMisbehaved::SrpUIsZero`.
pub fn client_premaster(
    group: &SrpGroup,
    key_pair: &ClientKeyPair,
    b: &[u8],
    salt: &[u8],
    username: &[u8],
    password: &[u8],
) -> Result<Premaster, Error> {
    let b = strip_leading_zeros(b);
    if b.len() > group.byte_len() {
        return Err(misbehaved(PeerMisbehaved::SrpValueTooLong));
    }
    let u = compute_u(group, &key_pair.public, b);
    let k = compute_k(group);
    with_mont!(group, |m| {
        let b_int = limbs_from_be(b).ok_or(misbehaved(PeerMisbehaved::SrpValueTooLong))?;
        if !m.is_reduced(&b_int) || b_int.iter().all(|&l| l == 0) {
            return Err(misbehaved(PeerMisbehaved::IllegalSrpB));
        }
        check_u(&u)?;
        let x = compute_x(salt, username, password);
        let exp = client_exponent(&key_pair.a, &u, &x);
        let k_m = m.mont_from_bytes(&k);
        let mut gx = m.pow_g(&x[..]);
        let mut kgx = m.mul(&k_m, &gx);
        let b_m = m.to_mont(&b_int);
        let mut base = m.sub_mod(&b_m, &kgx);
        let mut s_m = m.pow_ct(&base, &exp);
        let mut s = m.out_of_mont(&s_m);
        let premaster = Zeroizing::new(limbs_to_be_stripped(&s));
        gx.zeroize();
        kgx.zeroize();
        base.zeroize();
        s_m.zeroize();
        s.zeroize();
        Ok(premaster)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u_of_zero_is_refused() {
        // u = H(PAD(A) | PAD(B)) cannot be steered to zero (a SHA-1 preimage), so the check
        // is tested directly.
        assert_eq!(
            check_u(&[0; 20]),
            Err(misbehaved(PeerMisbehaved::SrpUIsZero))
        );
        // ... and the handshake sends illegal_parameter for it.
        assert_eq!(
            misbehaved(PeerMisbehaved::SrpUIsZero).alert(),
            Some(crate::AlertDescription::IllegalParameter)
        );
        let mut u = [0u8; 20];
        u[19] = 1;
        assert_eq!(check_u(&u), Ok(()));
        u = [0; 20];
        u[0] = 0x80;
        assert_eq!(check_u(&u), Ok(()));
    }

    #[test]
    fn client_exponent_is_a_plus_u_times_x() {
        // Small values by hand: a = 5, u = 3, x = 7 -> 26; length max(len(a), 40) + 1.
        let mut u = [0u8; 20];
        u[19] = 3;
        let mut x = [0u8; 20];
        x[19] = 7;
        let e = client_exponent(&[5], &u, &x);
        assert_eq!(e.len(), 41);
        assert_eq!(e[40], 26);
        assert!(e[..40].iter().all(|&b| b == 0));
        // Maximal values: a = 2^256 - 1, u = x = 2^160 - 1.
        let a = [0xffu8; 32];
        let e = client_exponent(&a, &[0xff; 20], &[0xff; 20]);
        // Checked against an independent big-integer implementation.
        let big = |b: &[u8]| num_bigint::BigUint::from_bytes_be(b);
        let want = big(&a) + big(&[0xff; 20]) * big(&[0xff; 20]);
        let mut expected = [0u8; 41];
        let wb = want.to_bytes_be();
        expected[41 - wb.len()..].copy_from_slice(&wb);
        assert_eq!(&e[..], &expected[..]);
    }

    #[test]
    fn strips_leading_zeros() {
        assert_eq!(strip_leading_zeros(&[0, 0, 1, 0]), &[1, 0]);
        assert_eq!(strip_leading_zeros(&[0, 0]), &[] as &[u8]);
        assert_eq!(strip_leading_zeros(&[]), &[] as &[u8]);
    }
}
