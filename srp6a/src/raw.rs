//! The formulas, one small function each, for any [`Profile`]. Values are big-endian byte
//! strings; results have no leading zero bytes (`MIN`) unless stated.
//!
//! This is the layer both APIs share: the typestate [`crate::client`] and [`crate::server`]
//! and the TLS handshake of the `tls-srp` crate (which calls it with [`Profile::rfc5054`]).
//! Secret inputs (a, b, x, v, S) only meet the constant-time arithmetic and come back in
//! [`Zeroizing`] buffers; the checks on public values (A, B, u) are ordinary comparisons.

use zeroize::{Zeroize, Zeroizing};

use crate::error::Error;
use crate::groups::SrpGroup;
use crate::modexp::{limbs_from_be, with_mont};
use crate::profile::{Enc, Profile, SaltEnc};

/// `bytes` without its leading zero bytes.
pub fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or(&[])
}

/// `value` (an integer, any leading zeros) encoded as `enc` for a group of `n_len` bytes.
/// A value longer than N (hostile input, rejected by callers) is never truncated.
pub fn encode(value: &[u8], enc: Enc, n_len: usize) -> Vec<u8> {
    let v = strip_leading_zeros(value);
    let pad = match enc {
        Enc::Minimal => 0,
        Enc::PadN => n_len.saturating_sub(v.len()),
        Enc::TwosComplement => usize::from(v.first().is_none_or(|&b| b >= 0x80)),
    };
    let mut out = vec![0u8; pad];
    out.extend_from_slice(v);
    out
}

/// `PAD(value)`: left-padded to the byte length of N.
pub fn pad(group: &SrpGroup, value: &[u8]) -> Vec<u8> {
    encode(value, Enc::PadN, group.byte_len())
}

/// `k = H(enc(N) | enc(g))`.
pub fn k(p: &Profile) -> Vec<u8> {
    let n_len = p.group.byte_len();
    let n = encode(p.group.n(), p.k.0, n_len);
    let g = encode(p.group.g(), p.k.1, n_len);
    p.hash.digest(&[&n, &g])
}

/// `u = H(enc(A) | enc(B))`. `a` and `b` may have any leading zeros (or, for a hostile peer,
/// be longer than N: callers check lengths first; this function does not panic).
pub fn u(p: &Profile, a: &[u8], b: &[u8]) -> Vec<u8> {
    let n_len = p.group.byte_len();
    p.hash
        .digest(&[&encode(a, p.u, n_len), &encode(b, p.u, n_len)])
}

/// `x = Hx(salt | Hx(I | ":" | P))` (I left out when the profile says so).
pub fn x(p: &Profile, salt: &[u8], username: &[u8], password: &[u8]) -> Zeroizing<Vec<u8>> {
    let user: &[u8] = if p.x.username { username } else { b"" };
    let inner = p.x.hash.digest_secret(&[user, b":", password]);
    let salt_bytes = match p.x.salt {
        SaltEnc::AsGiven => salt.to_vec(),
        SaltEnc::TwosComplement => encode(salt, Enc::TwosComplement, 0),
    };
    p.x.hash.digest_secret(&[&salt_bytes, &inner])
}

/// `v = g^x mod N`.
pub fn verifier_from_x(group: &SrpGroup, x: &[u8]) -> Zeroizing<Vec<u8>> {
    crate::modexp::pow_g(group, x)
}

/// `A = g^a mod N` (a secret, constant time).
pub fn client_public(group: &SrpGroup, a: &[u8]) -> Vec<u8> {
    crate::modexp::pow_g(group, a).to_vec()
}

/// `B = (k*v + g^b) mod N`. `b` is secret, `v` is kept private.
pub fn server_public(group: &SrpGroup, k: &[u8], verifier: &[u8], b: &[u8]) -> Vec<u8> {
    with_mont!(group, |m| {
        let k_m = m.mont_from_bytes(k);
        let mut v_m = m.mont_from_bytes(verifier);
        let mut kv = m.mul(&k_m, &v_m);
        let mut gb = m.pow_g(b);
        let sum = m.add_mod(&kv, &gb);
        v_m.zeroize();
        kv.zeroize();
        gb.zeroize();
        m.finish(sum).to_vec()
    })
}

/// `bytes mod N` (used to derive simulated verifiers; constant time in the value).
pub fn reduce_mod_n(group: &SrpGroup, bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    crate::modexp::reduce(group, bytes)
}

/// Checks the client's A: not longer than N, `0 < A < N`, and not 1 or N-1 (values that
/// would make S predictable; GnuTLS refuses them too). Returns `MIN(A)`.
pub fn check_client_public<'a>(group: &SrpGroup, a: &'a [u8]) -> Result<&'a [u8], Error> {
    let a = strip_leading_zeros(a);
    if a.len() > group.byte_len() {
        return Err(Error::PublicValueTooLong);
    }
    with_mont!(group, |m| {
        let a_int = limbs_from_be(a).ok_or(Error::PublicValueTooLong)?;
        let is_zero = a_int.iter().all(|&l| l == 0);
        let is_one = a_int.first() == Some(&1) && a_int.iter().skip(1).all(|&l| l == 0);
        if !m.is_reduced(&a_int) || is_zero || is_one || m.is_n_minus_1(&a_int) {
            return Err(Error::IllegalClientPublic);
        }
        Ok(a)
    })
}

/// Checks the server's B: not longer than N and `0 < B < N` (RFC 5054 2.5.4 asks for
/// `B % N != 0`; a B of N or more is refused as well). Returns `MIN(B)`.
pub fn check_server_public<'a>(group: &SrpGroup, b: &'a [u8]) -> Result<&'a [u8], Error> {
    let b = strip_leading_zeros(b);
    if b.len() > group.byte_len() {
        return Err(Error::PublicValueTooLong);
    }
    with_mont!(group, |m| {
        let b_int = limbs_from_be(b).ok_or(Error::PublicValueTooLong)?;
        if !m.is_reduced(&b_int) || b_int.iter().all(|&l| l == 0) {
            return Err(Error::IllegalServerPublic);
        }
        Ok(b)
    })
}

/// Refuses u == 0 (then S would not depend on the password verifier at all).
pub fn check_u(u: &[u8]) -> Result<(), Error> {
    if u.iter().all(|&x| x == 0) {
        return Err(Error::UIsZero);
    }
    Ok(())
}

/// Server: `S = (A * v^u)^b mod N`. Checks A and u first.
pub fn server_premaster(
    group: &SrpGroup,
    u: &[u8],
    verifier: &[u8],
    b: &[u8],
    a_pub: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let a_pub = check_client_public(group, a_pub)?;
    check_u(u)?;
    with_mont!(group, |m| {
        let a_int = limbs_from_be(a_pub).ok_or(Error::PublicValueTooLong)?;
        let mut v_m = m.mont_from_bytes(verifier);
        // u is public: variable-time exponentiation; v stays in Montgomery form.
        let mut vu = m.pow_vartime(&v_m, u);
        let a_m = m.to_mont(&a_int);
        let mut base = m.mul(&a_m, &vu);
        let s = m.pow_ct(&base, b);
        v_m.zeroize();
        vu.zeroize();
        base.zeroize();
        Ok(m.finish(s))
    })
}

/// Client: `S = (B - k*g^x)^(a + u*x) mod N`. Checks B and u first.
pub fn client_premaster(
    group: &SrpGroup,
    k: &[u8],
    u: &[u8],
    x: &[u8],
    a: &[u8],
    b_pub: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let b_pub = check_server_public(group, b_pub)?;
    check_u(u)?;
    with_mont!(group, |m| {
        let b_int = limbs_from_be(b_pub).ok_or(Error::PublicValueTooLong)?;
        let exp = client_exponent(a, u, x);
        let k_m = m.mont_from_bytes(k);
        let mut gx = m.pow_g(x);
        let mut kgx = m.mul(&k_m, &gx);
        let b_m = m.to_mont(&b_int);
        let mut base = m.sub_mod(&b_m, &kgx);
        let s = m.pow_ct(&base, &exp);
        gx.zeroize();
        kgx.zeroize();
        base.zeroize();
        Ok(m.finish(s))
    })
}

/// Little-endian 64-bit limbs of a big-endian byte string (time depends on its length only).
fn limbs_le(bytes: &[u8], limbs: usize) -> Zeroizing<Vec<u64>> {
    let mut out = Zeroizing::new(vec![0u64; limbs]);
    for (i, &byte) in bytes.iter().rev().enumerate() {
        if let Some(l) = out.get_mut(i / 8) {
            *l |= u64::from(byte) << (8 * (i % 8));
        }
    }
    out
}

/// `a + u*x` as a big-endian byte string of `max(len(a), len(u) + len(x)) + 1` bytes: its
/// length depends only on the lengths of the inputs (public), never on their values, and
/// the loops have fixed trip counts (constant time).
pub fn client_exponent(a: &[u8], u: &[u8], x: &[u8]) -> Zeroizing<Vec<u8>> {
    let keep = a.len().max(u.len() + x.len()) + 1;
    let limbs = keep.div_ceil(8) + 1;
    let mut acc = limbs_le(a, limbs);
    let u_l = limbs_le(u, u.len().div_ceil(8));
    let x_l = limbs_le(x, x.len().div_ceil(8));
    // acc += u * x, schoolbook with full carry propagation.
    for (i, &ui) in u_l.iter().enumerate() {
        let mut carry = 0u64;
        for (j, l) in acc.iter_mut().enumerate().skip(i) {
            let xj = x_l.get(j - i).copied().unwrap_or(0);
            let r = u128::from(*l) + u128::from(ui) * u128::from(xj) + u128::from(carry);
            *l = r as u64;
            carry = (r >> 64) as u64;
        }
    }
    let mut full = Zeroizing::new(Vec::with_capacity(limbs * 8));
    for l in acc.iter().rev() {
        full.extend_from_slice(&l.to_be_bytes());
    }
    let skip = full.len().saturating_sub(keep);
    Zeroizing::new(full.get(skip..).map(<[u8]>::to_vec).unwrap_or_default())
}

/// A random byte string of `len` bytes from the operating system.
pub(crate) fn random(len: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut out = Zeroizing::new(vec![0u8; len]);
    getrandom::fill(&mut out).map_err(|_| Error::Random)?;
    Ok(out)
}

/// A random salt of `len` bytes (1..=255) whose first byte is not zero (OpenSSL, and every
/// implementation that reads the salt as an integer, would drop a leading zero byte).
pub fn generate_salt(len: usize) -> Result<Vec<u8>, Error> {
    if !(1..=255).contains(&len) {
        return Err(Error::InvalidInput("salt length must be 1..=255 bytes"));
    }
    let mut salt = random(len)?.to_vec();
    // Redraw the first byte until it is non-zero (uniform over 1..=255).
    for _ in 0..64 {
        if salt.first() != Some(&0) {
            return Ok(salt);
        }
        getrandom::fill(&mut salt[..1]).map_err(|_| Error::Random)?;
    }
    Err(Error::Random)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_exponent_small_values() {
        // a = 5, u = 3, x = 7 -> 26; length max(1, 20 + 20) + 1.
        let mut u = [0u8; 20];
        u[19] = 3;
        let mut x = [0u8; 20];
        x[19] = 7;
        let e = client_exponent(&[5], &u, &x);
        assert_eq!(e.len(), 41);
        assert_eq!(e[40], 26);
        assert!(e[..40].iter().all(|&b| b == 0));
        // Carries across limbs: a = 2^64 - 1, u*x = 1.
        let e = client_exponent(&[0xff; 8], &[1], &[1]);
        assert_eq!(&e[..], &[1, 0, 0, 0, 0, 0, 0, 0, 0][..]);
    }

    #[test]
    fn encodings() {
        assert_eq!(encode(&[0, 0, 5], Enc::Minimal, 4), vec![5]);
        assert_eq!(encode(&[5], Enc::PadN, 4), vec![0, 0, 0, 5]);
        assert_eq!(encode(&[0x80], Enc::TwosComplement, 4), vec![0, 0x80]);
        assert_eq!(encode(&[0, 0x7f], Enc::TwosComplement, 4), vec![0x7f]);
        assert_eq!(encode(&[], Enc::TwosComplement, 4), vec![0]);
        // Longer than N: never truncated, never a panic.
        assert_eq!(encode(&[1; 6], Enc::PadN, 4), vec![1; 6]);
    }

    #[test]
    fn u_of_zero_is_refused() {
        assert_eq!(check_u(&[0; 20]), Err(Error::UIsZero));
        assert_eq!(check_u(&[0, 1]), Ok(()));
        assert_eq!(check_u(&[0x80, 0]), Ok(()));
    }
}
