//! SPAKE2+ (RFC 9383) over P-256 for TLS 1.3 PAKE (draft-ietf-tls-pake, **experimental
//! codepoints**: see [`crate::tls13::PAKE_EXTENSION`] and [`crate::tls13::SPAKE2PLUS_V1`]).
//!
//! - A client derives [`ProverKeys`] (w0, w1) from its password, its identity (the
//!   username) and the server's identity with [`register`] (scrypt, N = 32768, r = 8,
//!   p = 1, as BoringSSL's `SSL_spake2plusv1_register`: about 100 ms and 32 MiB, once per
//!   config, not per connection).
//! - A server stores a [`VerifierRecord`] (w0 and L = w1·G): it cannot log in as the user
//!   with it (that needs w1), but like an SRP verifier it allows an offline guessing attack
//!   if stolen, so keep it as secret as a verifier file.
//! - Records are bound to both identities: a record made for server identity "a" does
//!   not work for a server that calls itself "b".

pub mod spake2plus;

pub use spake2plus::{register, ProverKeys, Spake2PlusError, VerifierRecord};

/// What a server needs to run TLS 1.3 PAKE: its identity and the SPAKE2+ context. Set it
/// with [`crate::ServerConfig::pake`].
#[derive(Clone, Debug)]
pub struct PakeServerParams {
    /// The server identity every client names in its PAKE extension (and that records
    /// were registered with).
    pub server_identity: Vec<u8>,
    /// The SPAKE2+ context (empty, as BoringSSL's default; both sides must agree).
    pub context: Vec<u8>,
    /// The TLS 1.3 suites, in our order of preference.
    pub cipher_suites: Vec<crate::tls13::Tls13CipherSuite>,
    /// Answer a first ClientHello with a HelloRetryRequest that carries a cookie (a proof
    /// that the client receives at its address, before any elliptic-curve work; RFC 8446
    /// 4.2.2). Off by default: it costs a round trip.
    pub require_cookie: bool,
}

impl PakeServerParams {
    /// A server called `server_identity`, empty context, all suites, no cookie.
    pub fn new(server_identity: impl Into<Vec<u8>>) -> Self {
        Self {
            server_identity: server_identity.into(),
            context: Vec::new(),
            cipher_suites: crate::tls13::Tls13CipherSuite::ALL.to_vec(),
            require_cookie: false,
        }
    }
}

/// What a client needs to run TLS 1.3 PAKE: the server's identity, the context, and w0
/// and w1 (never the password itself).
#[derive(Clone)]
pub struct PakeClientParams {
    /// The server identity to name in the PAKE extension (the one the record was made for).
    pub server_identity: Vec<u8>,
    /// The SPAKE2+ context (empty, as BoringSSL's default).
    pub context: Vec<u8>,
    /// The TLS 1.3 suites to offer, in order.
    pub cipher_suites: Vec<crate::tls13::Tls13CipherSuite>,
    pub(crate) keys: ProverKeys,
}

impl core::fmt::Debug for PakeClientParams {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PakeClientParams")
            .field(
                "server_identity",
                &String::from_utf8_lossy(&self.server_identity),
            )
            .field("cipher_suites", &self.cipher_suites)
            .finish_non_exhaustive()
    }
}

impl PakeClientParams {
    /// From w0 and w1 already derived (by [`register`]).
    pub fn new(server_identity: impl Into<Vec<u8>>, keys: ProverKeys) -> Self {
        Self {
            server_identity: server_identity.into(),
            context: Vec::new(),
            cipher_suites: crate::tls13::Tls13CipherSuite::ALL.to_vec(),
            keys,
        }
    }
}
