//! Key schedule and record protection.
//!
//! - [`prf`]: the TLS 1.2 PRF (P_SHA256) and everything derived with it: master secret,
//!   extended master secret, key block, Finished `verify_data`, exporters; and the
//!   handshake [`prf::Transcript`].
//! - [`cbc`]: CBC record protection with HMAC-SHA1, MAC-then-encrypt and encrypt-then-MAC,
//!   with a constant-time (Lucky13-resistant) check of MAC-then-encrypt records.

pub mod cbc;
mod hmac_sha1;
pub mod prf;
