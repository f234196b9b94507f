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

mod curve;
mod field;
pub mod migrate;
pub mod spake2plus;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

pub use spake2plus::{
    register, PreparedProver, PreparedRecord, ProverKeys, Spake2PlusError, VerifierRecord,
};

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
/// and w1 (never the password itself), and optionally an error limit
/// ([`Self::with_error_limit`]).
///
/// Clones share the error limit's budget, and so do the clones of a
/// [`crate::ClientConfig`] holding these parameters: it belongs to the credential, not to
/// a connection.
#[derive(Clone)]
pub struct PakeClientParams {
    /// The server identity to name in the PAKE extension (the one the record was made for).
    pub server_identity: Vec<u8>,
    /// The SPAKE2+ context (empty, as BoringSSL's default).
    pub context: Vec<u8>,
    /// The TLS 1.3 suites to offer, in order.
    pub cipher_suites: Vec<crate::tls13::Tls13CipherSuite>,
    pub(crate) keys: ProverKeys,
    /// `w0*M` and `w0*N`, computed once for every handshake with these keys (`None` if the
    /// keys are invalid: the handshake then fails as it would have).
    pub(crate) prepared: Option<PreparedProver>,
    /// Failed handshakes still allowed (`None`: no limit). Shared by clones.
    attempts: Option<Arc<AtomicU32>>,
}

impl core::fmt::Debug for PakeClientParams {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PakeClientParams")
            .field(
                "server_identity",
                &String::from_utf8_lossy(&self.server_identity),
            )
            .field("cipher_suites", &self.cipher_suites)
            .field("remaining_errors", &self.remaining_errors())
            .finish_non_exhaustive()
    }
}

impl PakeClientParams {
    /// From w0 and w1 already derived (by [`register`]). No error limit.
    pub fn new(server_identity: impl Into<Vec<u8>>, keys: ProverKeys) -> Self {
        Self {
            server_identity: server_identity.into(),
            context: Vec::new(),
            cipher_suites: crate::tls13::Tls13CipherSuite::ALL.to_vec(),
            prepared: PreparedProver::new(keys.clone()).ok(),
            keys,
            attempts: None,
        }
    }

    /// Allows at most `limit` failed handshakes with this credential, as the `error_limit`
    /// of BoringSSL's `SSL_CREDENTIAL_new_spake2plusv1_client`; a fresh budget, shared by
    /// the clones made from here on (and the clones of a `ClientConfig` holding them).
    ///
    /// What counts, as in BoringSSL: a handshake spends one when the server's SPAKE2+
    /// answer (shareV and confirmV in its ServerHello) fails to verify, that is whenever a
    /// server that does not hold this record (another server, an impostor, or a
    /// record for another password) gets one online guess at the password. Successful
    /// handshakes do not count, nor do handshakes abandoned or failed before the ServerHello
    /// (the client has revealed nothing to test a guess against), nor failures after the
    /// confirmation verified. Once `limit` handshakes have failed that way, every new
    /// handshake fails with [`crate::Error::PakeErrorLimitReached`]: at once in
    /// [`crate::ClientConnection::new`] (nothing is sent; BoringSSL still sends its
    /// ClientHello and stops at the ServerHello), or, for a handshake already under way, on
    /// its ServerHello, before the confirmation is checked (alert `internal_error`, as
    /// BoringSSL). The budget is spent before the check and given back when it passes, so
    /// concurrent handshakes never get more than `limit` failures between them (BoringSSL
    /// checks first and spends after a failure, which lets concurrent handshakes overshoot);
    /// the price is that with one failure left, a handshake whose check overlaps another's
    /// (microseconds) is refused even if the other then passes.
    ///
    /// BoringSSL has no default (the argument is required) and recommends 1; ours is no
    /// limit ([`Self::new`]), which lets an impostor server make as many guesses as the
    /// application connects. `limit` 0 refuses every handshake.
    pub fn with_error_limit(mut self, limit: u32) -> Self {
        self.set_error_limit(Some(limit));
        self
    }

    /// Sets the error limit ([`Self::with_error_limit`]) to a fresh budget of `limit`, or
    /// removes it (`None`). Clones made before keep the budget they had.
    pub fn set_error_limit(&mut self, limit: Option<u32>) {
        self.attempts = limit.map(|l| Arc::new(AtomicU32::new(l)));
    }

    /// How many more handshakes may fail ([`Self::with_error_limit`]); `None` without a
    /// limit.
    pub fn remaining_errors(&self) -> Option<u32> {
        self.attempts.as_ref().map(|a| a.load(Ordering::Acquire))
    }

    /// Whether a handshake may still start (the budget is not used up).
    pub(crate) fn has_attempts(&self) -> bool {
        self.remaining_errors() != Some(0)
    }

    /// Spends one failure before the server's confirmation is checked; false if none is
    /// left. Give it back with [`Self::restore_attempt`] when the check passes.
    pub(crate) fn claim_attempt(&self) -> bool {
        let Some(a) = &self.attempts else {
            return true;
        };
        a.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Gives back what [`Self::claim_attempt`] took (the confirmation verified).
    pub(crate) fn restore_attempt(&self) {
        if let Some(a) = &self.attempts {
            a.fetch_add(1, Ordering::AcqRel);
        }
    }
}
