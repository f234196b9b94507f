#![no_main]
//! Fuzz target `codec_roundtrip`: the checks are in `fuzz/harness.rs` (shared with `tests/fuzz_corpus.rs`).

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::codec_roundtrip(data));
