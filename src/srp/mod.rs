//! SRP-6a as profiled by RFC 5054. (STUB: implemented by the SRP math work.)
//!
//! One small function per formula. H = SHA-1. Integers are big-endian byte strings;
//! outputs have no leading zero bytes unless stated; `PAD(x)` left-pads to the length of N.

pub mod groups;

pub use groups::SrpGroup;

use zeroize::Zeroizing;

use crate::error::Error;

/// The premaster secret: S with leading zero bytes stripped (RFC 5054 2.6).
pub type Premaster = Zeroizing<Vec<u8>>;

/// `k = H(N | PAD(g))`
pub fn compute_k(group: &SrpGroup) -> [u8; 20] {
    let _ = group;
    todo!()
}

/// `u = H(PAD(A) | PAD(B))`. `a` and `b` may arrive without padding (or, for a hostile
/// peer, longer than N: callers check lengths first; this function must not panic).
pub fn compute_u(group: &SrpGroup, a: &[u8], b: &[u8]) -> [u8; 20] {
    let _ = (group, a, b);
    todo!()
}

/// `x = H(s | H(I | ":" | P))`
pub fn compute_x(salt: &[u8], username: &[u8], password: &[u8]) -> Zeroizing<[u8; 20]> {
    let _ = (salt, username, password);
    todo!()
}

/// `v = g^x % N`, without leading zeros.
pub fn compute_verifier(group: &SrpGroup, salt: &[u8], username: &[u8], password: &[u8]) -> Vec<u8> {
    let _ = (group, salt, username, password);
    todo!()
}

/// A random salt of `len` bytes (1..=255) whose first byte is not zero (OpenSSL loads salts
/// as integers and would drop a leading zero byte).
pub fn generate_salt(len: usize) -> Result<Vec<u8>, Error> {
    let _ = len;
    todo!()
}

/// `bytes % N`, without leading zeros (used to derive simulated verifiers).
pub fn reduce_mod_n(group: &SrpGroup, bytes: &[u8]) -> Vec<u8> {
    let _ = (group, bytes);
    todo!()
}

/// The server's ephemeral key: secret b (zeroized on drop, never printed) and public B.
pub struct ServerKeyPair {
    b: Zeroizing<Vec<u8>>,
    /// `B = (k*v + g^b) % N`, without leading zeros.
    pub public: Vec<u8>,
}

impl core::fmt::Debug for ServerKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerKeyPair").field("public", &self.public).finish_non_exhaustive()
    }
}

/// Picks a random 256-bit b and computes B for verifier `v`.
pub fn server_key_pair(group: &SrpGroup, verifier: &[u8]) -> Result<ServerKeyPair, Error> {
    let _ = (group, verifier);
    todo!()
}

/// As [`server_key_pair`] with a given b (tests and RFC vectors).
pub fn server_key_pair_from_secret(group: &SrpGroup, verifier: &[u8], b: &[u8]) -> ServerKeyPair {
    let _ = (group, verifier, b);
    let _ = ServerKeyPair { b: Zeroizing::new(Vec::new()), public: Vec::new() }.b;
    todo!()
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
    let _ = (group, key_pair, verifier, a);
    todo!()
}

/// The client's ephemeral key: secret a (zeroized, never printed) and public A.
pub struct ClientKeyPair {
    a: Zeroizing<Vec<u8>>,
    /// `A = g^a % N`, without leading zeros.
    pub public: Vec<u8>,
}

impl core::fmt::Debug for ClientKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientKeyPair").field("public", &self.public).finish_non_exhaustive()
    }
}

/// Picks a random 256-bit a and computes A.
pub fn client_key_pair(group: &SrpGroup) -> Result<ClientKeyPair, Error> {
    let _ = group;
    todo!()
}

/// As [`client_key_pair`] with a given a (tests and RFC vectors).
pub fn client_key_pair_from_secret(group: &SrpGroup, a: &[u8]) -> ClientKeyPair {
    let _ = (group, a);
    let _ = ClientKeyPair { a: Zeroizing::new(Vec::new()), public: Vec::new() }.a;
    todo!()
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
    let _ = (group, key_pair, b, salt, username, password);
    todo!()
}
