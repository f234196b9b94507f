//! Shared helpers for interop tests against external programs (OpenSSL, GnuTLS,
//! tlslite-ng, curl), one file a peer under `interop/`, all re-exported here so that a test
//! includes this one file (`#[path = "common/interop.rs"] mod interop;`) and uses them
//! unqualified.
//!
//! - `support`: what every peer needs. [`peers`] builds the peers once per test binary
//!   (`interop/setup.sh`) and fails the test with the script's output if that does not
//!   work: interop tests never pass silently. [`Proc`] owns a child process started by the
//!   test: its stdout is read line by line on a thread, every wait has a deadline, and
//!   `Drop` kills it by PID and reaps it. Temporary directories, random credentials, ports.
//! - `ours`: [`Tls`] drives one of our connections over a `TcpStream` with the sans-IO API
//!   (`read_tls`/`process_new_packets`/`write_tls`), with socket timeouts on every read and
//!   write, and returns our exact [`tls_srp::Error`] when the handshake fails. [`Server`]
//!   runs our server on 127.0.0.1 in a thread for a fixed number of connections.
//! - `openssl`, `gnutls`, `tlslite`, `curl`: starting and driving each peer (the resuming
//!   clients' command lines are checked in `tests/interop_resumption.rs`).
//! - `apache`: Apache httpd's mod_ssl (`SSLSRPVerifierFile`) run in the foreground.
//! - `peer_lines`: the `EXPORT`/`FINISHED` lines our C peers and tlslite-ng scripts print.
//! - `matrix`: the interop matrices; `relay`: a recording TCP relay for resumption tests.
//!
//! Everything listens on and connects to 127.0.0.1 only.

#![allow(dead_code)]

// Paths relative to this file, so that they resolve the same however it is included.
#[path = "interop/apache.rs"]
mod apache;
#[path = "interop/curl.rs"]
mod curl;
#[path = "interop/gnutls.rs"]
mod gnutls;
#[path = "interop/matrix.rs"]
mod matrix;
#[path = "interop/openssl.rs"]
mod openssl;
#[path = "interop/ours.rs"]
mod ours;
#[path = "interop/peer_lines.rs"]
mod peer_lines;
#[path = "interop/relay.rs"]
mod relay;
#[path = "interop/support.rs"]
mod support;
#[path = "interop/tlslite.rs"]
mod tlslite;

// Each test binary uses some of these; the ones it does not use are no warning.
#[allow(unused_imports)]
pub use {
    apache::*, curl::*, gnutls::*, matrix::*, openssl::*, ours::*, peer_lines::*, relay::*,
    support::*, tlslite::*,
};
