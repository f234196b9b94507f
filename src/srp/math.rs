//! SRP-6a as profiled by RFC 5054, for the TLS handshake: a thin layer over the `srp6a`
//! workspace crate, which holds the groups, the constant-time arithmetic and the formulas
//! (one implementation for TLS and for standalone SRP-6a: [`srp6a::Profile::rfc5054`]).
//!
//! H = SHA-1. Integers are big-endian byte strings; outputs have no leading zero bytes
//! unless stated; `PAD(x)` left-pads to the length of N. Secret values (a, b, x, a + u*x,
//! S) live in [`Zeroizing`] buffers, never appear in `Debug` output, and only meet the
//! constant-time arithmetic. Public values (A, B, u, N) are checked with ordinary,
//! variable-time comparisons.
//!
//! Salts are used exactly as given. Note for verifier files: OpenSSL's libssl loads the salt
//! as a big number, so a salt whose first byte is 0x00 is used (in x and on the wire)
//! without that byte; a verifier made here from such a salt, as given, does not match what
//! OpenSSL computes. [`generate_salt`] avoids the case, and readers of OpenSSL files should
//! strip leading zero bytes from salts.

use std::sync::OnceLock;

use srp6a::{raw, Profile};
use zeroize::Zeroizing;

use crate::error::{Error, PeerMisbehaved};

pub use srp6a::groups;
pub use srp6a::SrpGroup;

/// The premaster secret: S with leading zero bytes stripped (RFC 5054 2.6).
pub type Premaster = Zeroizing<Vec<u8>>;

/// Bytes of the random secrets a and b (256 bits, RFC 5054 2.5.3 / 2.5.4 ask for at least
/// 256).
const SECRET_LEN: usize = 32;

/// The RFC 5054 (SHA-1) profile with `group`. Only the group varies; the formulas are
/// those of [`Profile::rfc5054`].
fn profile(group: &SrpGroup) -> Profile {
    Profile::rfc5054().with_group(group.as_static())
}

/// `k = H(N | PAD(g))`, computed once per group.
fn k_cached(group: &SrpGroup) -> &'static [u8] {
    static K: OnceLock<Vec<(u32, Vec<u8>)>> = OnceLock::new();
    let all = K.get_or_init(|| {
        SrpGroup::all()
            .iter()
            .map(|g| (g.bits(), raw::k(&profile(g))))
            .collect()
    });
    all.iter()
        .find(|(bits, _)| *bits == group.bits())
        .map_or(&[][..], |(_, k)| k.as_slice())
}

fn to_array(v: &[u8]) -> [u8; 20] {
    let mut out = [0u8; 20];
    let n = v.len().min(20);
    out[20 - n..].copy_from_slice(&v[v.len() - n..]);
    out
}

/// Maps the arithmetic's errors to the TLS ones (and so to their alerts).
fn tls_error(e: srp6a::Error) -> Error {
    match e {
        srp6a::Error::PublicValueTooLong => Error::PeerMisbehaved(PeerMisbehaved::SrpValueTooLong),
        srp6a::Error::IllegalClientPublic => Error::PeerMisbehaved(PeerMisbehaved::IllegalSrpA),
        srp6a::Error::IllegalServerPublic => Error::PeerMisbehaved(PeerMisbehaved::IllegalSrpB),
        srp6a::Error::UIsZero => Error::PeerMisbehaved(PeerMisbehaved::SrpUIsZero),
        srp6a::Error::Random => Error::FailedToGetRandomBytes,
        _ => Error::ApiMisuse("SRP arithmetic refused its input"),
    }
}

/// `k = H(N | PAD(g))`
pub fn compute_k(group: &SrpGroup) -> [u8; 20] {
    to_array(k_cached(group))
}

/// `u = H(PAD(A) | PAD(B))`. `a` and `b` may arrive without padding (or, for a hostile
/// peer, longer than N: callers check lengths first; this function must not panic).
pub fn compute_u(group: &SrpGroup, a: &[u8], b: &[u8]) -> [u8; 20] {
    to_array(&raw::u(&profile(group), a, b))
}

/// `x = H(s | H(I | ":" | P))`
pub fn compute_x(salt: &[u8], username: &[u8], password: &[u8]) -> Zeroizing<[u8; 20]> {
    let x = raw::x(&Profile::rfc5054(), salt, username, password);
    Zeroizing::new(to_array(&x))
}

/// `v = g^x % N`, without leading zeros.
pub fn compute_verifier(
    group: &SrpGroup,
    salt: &[u8],
    username: &[u8],
    password: &[u8],
) -> Vec<u8> {
    let x = raw::x(&profile(group), salt, username, password);
    raw::verifier_from_x(group, &x).to_vec()
}

/// A random salt of `len` bytes (1..=255) whose first byte is not zero (OpenSSL loads salts
/// as integers and would drop a leading zero byte).
pub fn generate_salt(len: usize) -> Result<Vec<u8>, Error> {
    raw::generate_salt(len).map_err(|e| match e {
        srp6a::Error::InvalidInput(_) => Error::ApiMisuse("SRP salt length must be 1..=255 bytes"),
        other => tls_error(other),
    })
}

/// `bytes % N`, without leading zeros (used to derive simulated verifiers).
pub fn reduce_mod_n(group: &SrpGroup, bytes: &[u8]) -> Vec<u8> {
    raw::reduce_mod_n(group, bytes).to_vec()
}

/// An ephemeral key pair: secret (zeroized on drop, never printed) and public value.
pub struct KeyPair {
    secret: Zeroizing<Vec<u8>>,
    /// The public value (A or B), without leading zeros.
    pub public: Vec<u8>,
}

impl core::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// The server's ephemeral key: secret b and `B = (k*v + g^b) % N`.
pub type ServerKeyPair = KeyPair;
/// The client's ephemeral key: secret a and `A = g^a % N`.
pub type ClientKeyPair = KeyPair;

fn random_secret() -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut s = Zeroizing::new(vec![0u8; SECRET_LEN]);
    crate::rand::fill_random(&mut s)?;
    Ok(s)
}

/// Picks a random 256-bit b and computes B for verifier `v`.
pub fn server_key_pair(group: &SrpGroup, verifier: &[u8]) -> Result<ServerKeyPair, Error> {
    Ok(server_key_pair_from_secret(
        group,
        verifier,
        &random_secret()?,
    ))
}

/// As [`server_key_pair`] with a given b (tests and RFC vectors).
pub fn server_key_pair_from_secret(group: &SrpGroup, verifier: &[u8], b: &[u8]) -> ServerKeyPair {
    KeyPair {
        public: compute_b_public(group, verifier, b),
        secret: Zeroizing::new(b.to_vec()),
    }
}

/// `B = (k*v + g^b) % N`, without leading zeros. `b` is secret, `v` is kept private.
pub fn compute_b_public(group: &SrpGroup, verifier: &[u8], b: &[u8]) -> Vec<u8> {
    raw::server_public(group, k_cached(group), verifier, b)
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
    let a = raw::check_client_public(group, a).map_err(tls_error)?;
    let u = compute_u(group, a, &key_pair.public);
    raw::server_premaster(group, &u, verifier, &key_pair.secret, a).map_err(tls_error)
}

/// Picks a random 256-bit a and computes A.
pub fn client_key_pair(group: &SrpGroup) -> Result<ClientKeyPair, Error> {
    Ok(client_key_pair_from_secret(group, &random_secret()?))
}

/// As [`client_key_pair`] with a given a (tests and RFC vectors).
pub fn client_key_pair_from_secret(group: &SrpGroup, a: &[u8]) -> ClientKeyPair {
    KeyPair {
        public: raw::client_public(group, a),
        secret: Zeroizing::new(a.to_vec()),
    }
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
    let b = raw::check_server_public(group, b).map_err(tls_error)?;
    let u = compute_u(group, &key_pair.public, b);
    let x = compute_x(salt, username, password);
    raw::client_premaster(group, k_cached(group), &u, &x[..], &key_pair.secret, b)
        .map_err(tls_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_tls_alerts() {
        // u = H(PAD(A) | PAD(B)) cannot be steered to zero (a SHA-1 preimage), so the
        // mapping is tested directly; the handshake sends illegal_parameter for it.
        let e = tls_error(srp6a::Error::UIsZero);
        assert_eq!(e, Error::PeerMisbehaved(PeerMisbehaved::SrpUIsZero));
        assert_eq!(e.alert(), Some(crate::AlertDescription::IllegalParameter));
        assert_eq!(
            tls_error(srp6a::Error::IllegalClientPublic),
            Error::PeerMisbehaved(PeerMisbehaved::IllegalSrpA)
        );
    }
}
