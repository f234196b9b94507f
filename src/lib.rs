//! # tls-srp
//!
//! TLS-SRP (RFC 5054) for Rust: password-authenticated TLS 1.2 with no certificates.
//! The client proves it knows a password, the server proves it holds the matching
//! verifier, and an eavesdropper learns nothing that lets it guess the password offline.
//!
//! The core is sans-IO ([`ClientConnection`], [`ServerConnection`], in the shape of
//! rustls); [`stream`] adapts it to blocking IO and the [`tokio`] module (default feature
//! `tokio`) to async IO. The server's defences (rate limiting, handshake slots, deadlines:
//! see [`limits`]) live in the core, so every adapter applies them.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "rustls")]
pub mod cert;
pub mod client;
mod common_state;
mod conn;
mod crypto;
pub mod error;
mod hs;
pub mod keylog;
pub mod limits;
mod msgs;
#[cfg(feature = "rustls")]
pub mod oneport;
pub mod pake;
mod rand;
mod record_layer;
pub mod server;
mod session;
pub mod srp;
pub mod stream;
pub mod suites;
mod ticketer;
mod tls12;
pub mod tls13;
#[cfg(feature = "tokio")]
pub mod tokio;
mod vecbuf;
#[cfg(feature = "vfile")]
pub mod vfile;

#[cfg(feature = "axum")]
#[path = "http/axum.rs"]
pub mod axum;
#[cfg(feature = "hyper")]
#[path = "http/hyper.rs"]
pub mod hyper;

#[cfg(test)]
mod tests;

/// The rustls this crate is built with (feature `rustls`), for its `ServerConfig`,
/// `CertifiedKey` and verifier types.
#[cfg(feature = "rustls")]
pub use rustls;

pub use client::{ClientConfig, ClientConnection, ClientConnectionData, Resumption};
pub use common_state::HandshakeKind;
pub use conn::{ConnectionCommon, IoState, Reader, SideData, Writer};
pub use error::{
    AcceptError, Error, FailureReason, InvalidMessage, PeerIncompatible, PeerMisbehaved,
};
pub use keylog::{KeyLog, KeyLogFile, NoKeyLog};
pub use limits::{Decision, HandshakeSlots, RateLimitConfig, RateLimiter};
pub use msgs::enums::{AlertDescription, CipherSuite, ContentType, HandshakeType, ProtocolVersion};
pub use pake::{PakeClientParams, PakeServerParams};
pub use server::{
    InMemoryUserStore, Lookup, LookupFuture, RecordShapes, ServerConfig, ServerConnection,
    ServerConnectionData, ServerSessionMemoryCache, StoresServerSessions, TicketKeyMaterial,
    Ticketer, UnknownUserPolicy, UserRecord, UserStore,
};
pub use session::{ClientSessionKey, ClientSessionMemoryCache, ClientSessionStore};
pub use srp::SrpGroup;
pub use suites::{SupportedCipherSuite, ALL_CIPHER_SUITES};
pub use tls13::Tls13CipherSuite;

/// Not part of the public API: no stability promise of any kind, any release may change
/// it. The wire codec, record protection and key schedule, reachable for this crate's own
/// benches, tests and fuzz targets only.
#[doc(hidden)]
pub mod internal {
    /// The wire codec.
    pub mod msgs {
        pub use crate::msgs::{alert, codec, deframer, enums, handshake, joiner, message};
    }
    /// Record protection and the TLS 1.2 PRF.
    pub mod crypto {
        pub use crate::crypto::{cbc, prf};
    }
    /// Sequence numbers and the switch to protected records.
    pub mod record_layer {
        pub use crate::record_layer::RecordLayer;
    }
    /// The RFC 5054 SRP layer of the handshake (over the `srp6a` crate).
    pub mod srp {
        pub use crate::srp::math::*;
    }
}
