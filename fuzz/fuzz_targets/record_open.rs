#![no_main]
//! Fuzz target `record_open`: the checks are in `fuzz/harness.rs` (shared with `tests/fuzz_corpus.rs`).

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::record_open(data));
