#![no_main]
//! Fuzz target `pake_migrate`: the messages of the TLS-SRP to TLS 1.3 PAKE registration
//! exchange (`tls_srp::pake::migrate`). The checks are in `fuzz/harness.rs` (`pake_migrate`).

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pake_migrate(data));
