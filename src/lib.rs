//! # tls-srp
//!
//! TLS-SRP (RFC 5054) for Rust: password-authenticated TLS 1.2 with no certificates.
//! The client proves it knows a password, the server proves it holds the matching
//! verifier, and an eavesdropper learns nothing that lets it guess the password offline.
//!
//! The core is sans-IO ([`ClientConnection`], [`ServerConnection`], in the shape of
//! rustls); `stream::Stream`/`stream::StreamOwned` adapt it to blocking IO and the [`tokio`] module
//! (default feature `tokio`) to async IO.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
mod conn;
pub mod crypto;
pub mod error;
pub mod limits;
pub mod msgs;
mod rand;
pub mod record_layer;
pub mod server;
mod session;
pub mod srp;
pub mod stream;
pub mod suites;
mod ticketer;
mod tls12;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use client::{ClientConfig, ClientConnection, Resumption};
pub use conn::{ConnectionCommon, HandshakeKind, IoState, Reader, Writer};
pub use error::{Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
pub use limits::{Decision, RateLimitConfig, RateLimiter};
pub use msgs::enums::{AlertDescription, CipherSuite, ProtocolVersion};
pub use server::{
    InMemoryUserStore, ServerConfig, ServerConnection, ServerSessionMemoryCache,
    StoresServerSessions, Ticketer, UnknownUserPolicy, UserRecord, UserStore,
};
pub use session::{ClientSessionKey, ClientSessionMemoryCache, ClientSessionStore};
pub use srp::SrpGroup;
pub use suites::{SupportedCipherSuite, ALL_CIPHER_SUITES};
