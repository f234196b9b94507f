//! # srp6a
//!
//! SRP-6a (RFC 2945, RFC 5054) with named profiles for the implementations people use —
//! RFC 5054 (SHA-1, SHA-256, SHA-512), mozilla's node-srp, Go's posterity/srp, Apple
//! HomeKit, Apple GrandSlam, AWS Cognito, npm `secure-remote-password`, and the Rust `srp`
//! crate 0.6 — on constant-time arithmetic, without TLS. The `tls-srp` crate runs its TLS
//! handshake on the same arithmetic and formulas ([`raw`] with [`Profile::rfc5054`]).
//!
//! ```
//! use srp6a::{ClientHandshake, Profile, Registration, ServerChallenge};
//!
//! let profile = Profile::rfc5054_sha256();
//! // Registration (client side; the record is sent to the server once, over a secure channel).
//! let record = Registration::new(&profile, "alice", b"password123")?;
//!
//! // Login. Client -> server: username, A.
//! let client = ClientHandshake::new(&profile)?;
//! let mut server = ServerChallenge::new(&profile, &record)?;
//! server.receive_a(client.public_a())?;
//! // Server -> client: salt, B. (A stateless server saves `server.save()` here.)
//! let proof = client.respond("alice", b"password123", server.salt(), server.public_b())?;
//! // Client -> server: M1. Server -> client: M2.
//! let session = server.verify(proof.m1())?;
//! let key = proof.verify_server(session.m2().expect("this profile has M2"))?;
//! assert_eq!(key.as_bytes(), session.key().as_bytes());
//! # Ok::<(), srp6a::Error>(())
//! ```
//!
//! ## Security notes
//! - Secrets (a, b, x, v, S, K) are wiped on drop and never printed by `Debug`; they only
//!   meet constant-time arithmetic (fixed windows, masked table scans, no secret-dependent
//!   branches), and proofs are compared in constant time.
//! - Every public value is checked: A and B must be below N and not 0 mod N (A also not 1
//!   or N-1), not longer than N; u must not be 0. A wrong password is only ever
//!   [`Error::AuthenticationFailed`].
//! - Unknown users: answer with [`Registration::simulated`] so that a login for a name that
//!   does not exist looks like one with a wrong password.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod cognito;
mod derive;
mod error;
pub mod groups;
mod hash;
#[doc(hidden)]
pub mod internal;
mod modexp;
pub mod profile;
pub mod raw;
mod record;
mod secret;
pub mod server;

pub use client::{ClientHandshake, ClientProof, SessionKey};
pub use error::Error;
pub use groups::SrpGroup;
pub use hash::HashAlg;
pub use profile::Profile;
pub use record::Registration;
pub use secret::{from_hex, to_hex, Secret};
pub use server::{SavedServerState, ServerChallenge, ServerSession};

/// Builds `group`'s Montgomery context and fixed-base table now rather than on first use
/// (about 1200 multiplications, once per group and process), for servers that want to pay it
/// at start-up.
pub fn precompute(group: &SrpGroup) {
    modexp::precompute(group)
}
