//! tlslite-ng: the venv made by `interop/setup.sh` and the scripts in `interop/tlslite/`.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::support::{interop_script, peers, Proc, TempDir, PROC_TIMEOUT};

/// The Python of the tlslite-ng venv (`target/interop/venv`, made by `setup.sh`), or panics.
pub fn venv_python() -> PathBuf {
    let py = peers().dir.join("venv/bin/python");
    assert!(
        py.is_file(),
        "{} is missing (interop/setup.sh should have created it); failing, not skipping",
        py.display()
    );
    py
}

/// Starts `interop/tlslite/srp_server.py` (users: `user<TAB>password<TAB>bits` lines
/// written to `dir`) with `extra` arguments; returns it and its port.
pub fn start_tlslite_server(
    dir: &TempDir,
    users: &[(String, String)],
    bits: u32,
    extra: &[&str],
) -> (Proc, u16) {
    let file = dir.path("tlslite-users.txt");
    let mut s = String::new();
    for (u, p) in users {
        s.push_str(&format!("{u}\t{p}\t{bits}\n"));
    }
    std::fs::write(&file, s).expect("write users");
    let mut cmd = Command::new(venv_python());
    cmd.arg(interop_script("tlslite/srp_server.py"))
        .arg("--users")
        .arg(&file)
        .args(extra);
    let mut p = Proc::spawn("tlslite srp_server.py", cmd, Stdio::null());
    let line = p.wait_for_prefix("PORT ", PROC_TIMEOUT);
    let port = line["PORT ".len()..]
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("bad {line:?}"));
    (p, port)
}

/// Runs `interop/tlslite/srp_client.py` against 127.0.0.1:`port` as `user` with `extra`
/// arguments (e.g. `--resume 2`, `--export ...`) and returns its stdout lines (asserting
/// exit 0; connection failures are reported in `CONN fail` lines, not by the exit status).
pub fn tlslite_client(port: u16, user: &str, password: &str, extra: &[&str]) -> Vec<String> {
    let mut cmd = Command::new(venv_python());
    cmd.arg(interop_script("tlslite/srp_client.py"))
        .arg("--connect")
        .arg(format!("127.0.0.1:{port}"))
        // `--password=`: argparse would take a password starting with '-' for an option.
        .args(["--user", user])
        .arg(format!("--password={password}"))
        .args(extra);
    let mut p = Proc::spawn("tlslite srp_client.py", cmd, Stdio::null());
    p.expect_success(PROC_TIMEOUT * 2)
}
