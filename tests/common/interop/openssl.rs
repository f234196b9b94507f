//! OpenSSL: our C peers (`ossl_srp_server`), `openssl s_server` and `s_client` with
//! the shim, and `openssl srp` for verifier files.

use std::path::Path;
use std::process::{Command, Stdio};

use tls_srp::CipherSuite;

use super::support::{peers, run, Proc, PROC_TIMEOUT};

/// OpenSSL's name of a suite.
pub fn openssl_name(suite: CipherSuite) -> &'static str {
    match suite {
        CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA => "SRP-AES-128-CBC-SHA",
        CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA => "SRP-AES-256-CBC-SHA",
        CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA => "SRP-RSA-AES-128-CBC-SHA",
        CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA => "SRP-RSA-AES-256-CBC-SHA",
        other => panic!("no OpenSSL name for {other:?}"),
    }
}

/// Starts `openssl s_server -srpvfile` with the shim, on 127.0.0.1 with a kernel-chosen
/// port, answering HTTP with its `-www` status page. Its stdin is a pipe that stays open
/// for the life of the [`Proc`] (s_server stops at EOF on stdin). Returns it and the port.
pub fn start_openssl_s_server(vfile: &Path, extra: &[&str]) -> (Proc, u16) {
    start_openssl_s_server_with(vfile, &["-nocert", "-cipher", "SRP"], extra)
}

/// [`start_openssl_s_server`] with a certificate chain and key (`-cert`/`-key`), which
/// turns on the SRP-RSA suites of `cipher` (an OpenSSL cipher string).
pub fn start_openssl_s_server_cert(
    vfile: &Path,
    chain: &Path,
    key: &Path,
    cipher: &str,
    extra: &[&str],
) -> (Proc, u16) {
    let (chain, key) = (
        chain.to_str().expect("utf-8 path"),
        key.to_str().expect("utf-8 path"),
    );
    start_openssl_s_server_with(
        vfile,
        &["-cert", chain, "-key", key, "-cipher", cipher],
        extra,
    )
}

fn start_openssl_s_server_with(vfile: &Path, auth: &[&str], extra: &[&str]) -> (Proc, u16) {
    let p = peers();
    let mut cmd = Command::new("openssl");
    cmd.env("LD_PRELOAD", p.shim())
        .arg("s_server")
        .args(auth)
        .arg("-srpvfile")
        .arg(vfile)
        .args(["-accept", "127.0.0.1:0", "-tls1_2", "-www"])
        .args(extra);
    // Piped stdin that we never close: the same as a FIFO opened read-write.
    let mut proc_ = Proc::spawn("openssl s_server", cmd, Stdio::piped());
    let line = proc_.wait_for_prefix("ACCEPT", PROC_TIMEOUT);
    let port = line
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("cannot parse the port from s_server's {line:?}"));
    (proc_, port)
}

/// Starts `ossl_srp_server` with `args` and reads its `PORT` line.
pub fn start_c_server(args: &[&str]) -> (Proc, u16) {
    let mut cmd = Command::new(peers().bin("ossl_srp_server"));
    cmd.args(args);
    let mut proc_ = Proc::spawn("ossl_srp_server", cmd, Stdio::null());
    let line = proc_.wait_for_prefix("PORT ", PROC_TIMEOUT);
    let port = line["PORT ".len()..]
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("bad {line:?}"));
    (proc_, port)
}

/// Writes `user<TAB>password` lines.
pub fn write_users_file(path: &Path, users: &[(String, String)]) {
    let mut s = String::new();
    for (u, p) in users {
        assert!(!u.contains(['\t', '\n']) && !p.contains(['\t', '\n']));
        s.push_str(&format!("{u}\t{p}\n"));
    }
    std::fs::write(path, s).expect("write users file");
}

/// Adds a user to an OpenSSL srpvfile with `openssl srp` (2048-bit group; the password
/// goes through `-passout env:`, which is how `-add` reads it).
pub fn openssl_srp_add(vfile: &Path, user: &str, password: &str) {
    openssl_srp_add_gn(vfile, user, password, 2048)
}

/// [`openssl_srp_add`] in the RFC 5054 group of `bits` bits (`-gn BITS`).
pub fn openssl_srp_add_gn(vfile: &Path, user: &str, password: &str, bits: u32) {
    let gn = bits.to_string();
    if !vfile.exists() {
        std::fs::write(vfile, "").expect("create vfile");
    }
    let mut cmd = Command::new("openssl");
    cmd.args(["srp", "-srpvfile"])
        .arg(vfile)
        .args(["-add", "-gn", &gn, "-passout", "env:TLS_SRP_TEST_PW", user])
        .env("TLS_SRP_TEST_PW", password);
    let (st, out, err) = run("openssl srp -add", cmd, b"", PROC_TIMEOUT);
    assert!(
        st.success(),
        "openssl srp -add {user} failed ({st}): {out}\n{err}"
    );
}

/// Runs `openssl s_client -reconnect` (with the shim, TLS 1.2, SRP suites, plus `extra`)
/// against 127.0.0.1:`port`: one full handshake, then five reconnections offering the
/// session. Returns s_client's six status lines (`New, ...` / `Reused, ...`) in order,
/// then its whole stdout.
pub fn s_client_reconnect(
    port: u16,
    user: &str,
    password: &str,
    extra: &[&str],
) -> (Vec<String>, String) {
    let mut cmd = Command::new("openssl");
    cmd.env("LD_PRELOAD", peers().shim())
        .args(["s_client", "-srpuser", user, "-srppass"])
        .arg(format!("pass:{password}"))
        .args(["-cipher", "SRP", "-tls1_2", "-reconnect", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .args(extra);
    let (st, out, err) = run("openssl s_client -reconnect", cmd, b"", PROC_TIMEOUT);
    assert!(st.success(), "s_client -reconnect: {st}\n{out}\n{err}");
    let status = out
        .lines()
        .filter(|l| l.starts_with("New, ") || l.starts_with("Reused, "))
        .map(str::to_owned)
        .collect();
    (status, out)
}
