#![no_main]
//! Fuzz target `tls13_pake`: TLS 1.3 PAKE (SPAKE2+) server and client, raw and structured
//! (edited pake extensions of real hellos). The checks are in `fuzz/harness.rs`
//! (`tls13_pake`).

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::tls13_pake(data));
