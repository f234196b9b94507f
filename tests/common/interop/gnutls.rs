//! GnuTLS: `srptool` password files, `gnutls-serv` and `gnutls-cli`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::support::{free_port, require_program, run, Proc, TempDir, PROC_TIMEOUT};

/// Writes `tpasswd.conf` (`srptool --create-conf`) and `tpasswd` with `users` in the
/// 2048-bit group (index 3), made by `srptool` under `setsid -w` (it reads the password
/// with getpass(3), which uses stdin without a controlling terminal). Returns the paths.
pub fn gnutls_srp_files(dir: &TempDir, users: &[(String, String)]) -> (PathBuf, PathBuf) {
    let conf = dir.path("tpasswd.conf");
    let passwd = dir.path("tpasswd");
    let mut cmd = Command::new("srptool");
    cmd.arg("--create-conf").arg(&conf);
    let (st, out, err) = run("srptool --create-conf", cmd, b"", PROC_TIMEOUT);
    assert!(st.success(), "srptool --create-conf: {st} {out} {err}");
    for (user, password) in users {
        let mut cmd = Command::new("setsid");
        cmd.args(["-w", "srptool", "--passwd"])
            .arg(&passwd)
            .arg("--passwd-conf")
            .arg(&conf)
            .args(["-u", user, "-i", "3"]);
        let (st, out, err) = run(
            "srptool",
            cmd,
            format!("{password}\n").as_bytes(),
            PROC_TIMEOUT,
        );
        assert!(st.success(), "srptool -u {user}: {st} {out} {err}");
    }
    (passwd, conf)
}

/// Starts `gnutls-serv --echo` (SRP only, plus `extra`) on a free port (it cannot report
/// a kernel-chosen one; retried on another port if it fails to bind). It binds every
/// interface (no option for one); tests connect on 127.0.0.1 only. Stdout is
/// line-buffered (`stdbuf -oL`) so per-connection reports arrive as they happen.
pub fn start_gnutls_serv(passwd: &Path, conf: &Path, extra: &[&str]) -> (Proc, u16) {
    start_gnutls_serv_priority(passwd, conf, "NORMAL:-KX-ALL:+SRP", extra)
}

/// [`start_gnutls_serv`] with another priority string (e.g. with `+SRP-RSA` and
/// `--x509certfile`/`--x509keyfile` in `extra`).
pub fn start_gnutls_serv_priority(
    passwd: &Path,
    conf: &Path,
    priority: &str,
    extra: &[&str],
) -> (Proc, u16) {
    require_program("gnutls-serv", "--version");
    for _attempt in 0..5 {
        let port = free_port();
        let mut cmd = Command::new("stdbuf");
        cmd.args(["-oL", "gnutls-serv", "--echo", "--priority", priority])
            .args(extra)
            .arg("--srppasswd")
            .arg(passwd)
            .arg("--srppasswdconf")
            .arg(conf)
            .arg("-p")
            .arg(port.to_string());
        let p = Proc::spawn("gnutls-serv", cmd, Stdio::null());
        let ready = format!("IPv4 0.0.0.0 port {port}...done");
        let deadline = Instant::now() + PROC_TIMEOUT;
        while Instant::now() < deadline {
            let err = p.stderr();
            if err.contains(&ready) {
                return (p, port);
            }
            if err.contains("ailed") || err.contains("rror") {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
    panic!("gnutls-serv did not start on a free port");
}

/// Runs `gnutls-cli --resume` (SRP only, `extra` appended) against 127.0.0.1:`port`,
/// sending `stdin` after the second handshake. Returns (exit status, stdout + stderr);
/// a resumed second connection prints `*** This is a resumed session`.
pub fn gnutls_cli_resume(
    port: u16,
    user: &str,
    password: &str,
    extra: &[&str],
    stdin: &[u8],
) -> (ExitStatus, String) {
    require_program("gnutls-cli", "--version");
    let mut cmd = Command::new("gnutls-cli");
    cmd.args(["--srpusername", user, "--srppasswd", password])
        .args(["--priority", "NORMAL:-KX-ALL:+SRP", "--resume"])
        .args(extra)
        .arg("-p")
        .arg(port.to_string())
        .arg("127.0.0.1");
    let (st, out, err) = run("gnutls-cli --resume", cmd, stdin, PROC_TIMEOUT);
    (st, format!("{out}\n{err}"))
}
