//! SRP verifiers, as a server keeps them (never passwords): [`compute_verifier`] with a salt
//! from [`generate_salt`], in one of the RFC 5054 groups ([`SrpGroup`]).
//! [`crate::UserRecord::new`] does both for you.
//!
//! The arithmetic (groups, constant-time exponentiation, the RFC 5054 formulas) is the
//! `srp6a` workspace crate's, for TLS and for standalone SRP-6a alike; `math` is the thin
//! RFC 5054 layer the handshake uses.

pub(crate) mod math;

pub(crate) use math::{
    client_key_pair, client_premaster, reduce_mod_n, server_key_pair, server_premaster,
    ServerKeyPair,
};
pub use math::{compute_verifier, generate_salt};
pub use srp6a::SrpGroup;
