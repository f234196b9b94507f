//! curl (built against OpenSSL, which gives it SRP).

use std::process::{Command, ExitStatus};

use super::support::{run, PROC_TIMEOUT};

/// Runs curl (SRP, `-v`) fetching `paths` from https://127.0.0.1:`port` in one invocation
/// (curl reuses the TLS session of the first connection for later ones). Returns (exit
/// status, stdout, stderr); stderr has `SSL re-using session ID` per resumption attempt.
pub fn curl_urls(
    port: u16,
    user: &str,
    password: &str,
    paths: &[&str],
) -> (ExitStatus, String, String) {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-v", "--max-time", "60", "--tlsauthtype", "SRP"])
        .args(["--tlsuser", user, "--tlspassword", password, "-k"]);
    for p in paths {
        cmd.arg(format!("https://127.0.0.1:{port}/{p}"));
    }
    run("curl", cmd, b"", PROC_TIMEOUT)
}
