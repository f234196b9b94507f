//! Shared helpers for the CLI tests: the library's interop helpers (processes with
//! deadlines killed on drop, our client over TCP) plus the `tls-srp` binary.
#![allow(dead_code)]

#[path = "../../../tests/common/interop.rs"]
pub mod interop;
#[path = "../../../tests/common/postgres.rs"]
pub mod postgres;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

#[allow(unused_imports)] // not every test binary uses every helper
pub use interop::{random_password, random_username, run, Proc, TempDir, Tls, PROC_TIMEOUT};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `tls-srp` binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tls-srp"))
}

/// Runs `tls-srp ARGS` with `stdin`, bounded in time. (status code, stdout, stderr)
pub fn tls_srp(args: &[&str], stdin: &str) -> (i32, String, String) {
    run_bounded(bin(), args, stdin.as_bytes())
}

/// Runs `cmd ARGS` under coreutils `timeout 60` (killed if it hangs), feeding `stdin`.
pub fn run_bounded(cmd: Command, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    let mut c = Command::new("timeout");
    c.args(["-s", "KILL", "60"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .args(args);
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn timeout");
    let mut si = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let w = std::thread::spawn(move || {
        let _ = si.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = w.join();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `interop/setup.sh` (once): builds the OpenSSL apps shim. Panics (never skips) on failure.
pub fn shim() -> PathBuf {
    static DONE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let r = DONE.get_or_init(|| {
        let out = Command::new("sh")
            .arg(root().join("interop/setup.sh"))
            .current_dir(root())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(root().join("target/interop/srp_cb_arg_fix.so"))
    });
    match r {
        Ok(p) => p.clone(),
        Err(e) => panic!("interop/setup.sh failed; not skipping:\n{e}"),
    }
}

/// Our client (the library) logs in on 127.0.0.1:`port`, sends `req`, reads until `done`
/// or the end.
pub fn client_exchange(
    port: u16,
    user: &str,
    pw: &str,
    req: &[u8],
    done: impl Fn(&[u8]) -> bool,
) -> Result<Vec<u8>, interop::Fail> {
    let sock = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(interop::Fail::Io)?;
    let conn = tls_srp::ClientConnection::new(Arc::new(tls_srp::ClientConfig::new(user, pw)), None)
        .map_err(interop::Fail::Tls)?;
    let mut tls = Tls::new(conn, sock);
    tls.handshake()?;
    tls.send(req)?;
    let out = tls.read_until(done)?;
    let _ = tls.close();
    Ok(out)
}

/// `tls-srp serve` on 127.0.0.1 port 0; returns the process and its port.
pub fn serve(args: &[&str]) -> (Proc, u16) {
    serve_with(bin(), args)
}

/// [`serve`] through `cmd` (the binary, or a wrapper that runs it as another user).
pub fn serve_with(mut cmd: Command, args: &[&str]) -> (Proc, u16) {
    cmd.args(["serve", "--listen", "127.0.0.1:0"]).args(args);
    let mut p = Proc::spawn("tls-srp serve", cmd, Stdio::null());
    let line = p.wait_for_prefix("listening on ", PROC_TIMEOUT);
    let port = line
        .rsplit(':')
        .next()
        .and_then(|s| s.trim().parse().ok())
        .expect("port");
    (p, port)
}

/// Polls `f` every 200 ms until it returns true or `limit` passes.
pub fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + limit;
    while std::time::Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// The ServerKeyExchange `serve` on 127.0.0.1:`port` sends for `user` (one ClientHello; the
/// handshake is then abandoned, which the rate limiter does not count).
pub fn skx_for(port: u16, user: &str) -> tls_srp::internal::msgs::handshake::SrpServerKeyExchange {
    use std::io::Read;
    use tls_srp::internal::msgs::codec::{Codec, Reader};
    use tls_srp::internal::msgs::handshake::{
        HandshakeMessagePayload, HandshakePayload, SrpServerKeyExchange,
    };
    let mut cfg = tls_srp::ClientConfig::new(user, "irrelevant");
    cfg.resumption = tls_srp::Resumption::disabled();
    let mut conn = tls_srp::ClientConnection::new(Arc::new(cfg), None).unwrap();
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    while conn.wants_write() {
        conn.write_tls(&mut sock).unwrap();
    }
    let mut wire = Vec::new();
    let mut hs = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0, "server closed before its ServerKeyExchange");
        wire.extend_from_slice(&buf[..n]);
        // Reassemble the handshake records received so far.
        hs.clear();
        let mut rest = &wire[..];
        while rest.len() >= 5 {
            let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
            if rest.len() < 5 + len {
                break;
            }
            if rest[0] == 22 {
                hs.extend_from_slice(&rest[5..5 + len]);
            }
            rest = &rest[5 + len..];
        }
        let mut r = Reader::init(&hs);
        while let Ok(m) = HandshakeMessagePayload::read(&mut r) {
            if let HandshakePayload::ServerKeyExchange(body) = m.payload {
                return SrpServerKeyExchange::read_bytes(&body).unwrap();
            }
        }
    }
}

/// Runs `cmd` (a program and its arguments) as uid/gid 65534 (nobody) through `setpriv`,
/// for tests that need a non-root account (root ignores permission bits).
pub fn as_nobody(program: &str) -> Command {
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", program]);
    c
}
