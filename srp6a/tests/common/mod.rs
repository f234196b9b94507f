//! Shared test helpers: foreign peers as processes, hex, deterministic secrets.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Once;

use serde_json::{json, Value};

pub fn unhex(s: &str) -> Vec<u8> {
    srp6a::from_hex(s).unwrap_or_else(|| panic!("bad hex in test data: {s}"))
}

pub fn hex(b: &[u8]) -> String {
    srp6a::to_hex(b)
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Installs the foreign implementations once per test process (interop/srp6a/setup.sh is
/// idempotent and serialised by flock).
pub fn setup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let status = Command::new("bash")
            .arg(root().join("interop/srp6a/setup.sh"))
            .status()
            .expect("run interop/srp6a/setup.sh");
        assert!(status.success(), "interop/srp6a/setup.sh failed");
    });
}

pub fn node() -> Command {
    setup();
    let mut c = Command::new("node");
    c.arg("--no-deprecation");
    c
}

pub fn python() -> Command {
    setup();
    Command::new(root().join("target/interop-srp6a/venv/bin/python"))
}

/// A foreign implementation running as a child process, spoken to in JSON lines; killed
/// (by its PID, through `Child::kill`) when dropped.
pub struct Peer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    name: String,
}

impl Peer {
    pub fn start(mut cmd: Command, name: &str) -> Peer {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("start {name}: {e}"));
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Peer {
            child,
            stdin,
            stdout,
            name: name.to_owned(),
        }
    }

    pub fn node(lib: &str, extra: &[&str]) -> Peer {
        let mut c = node();
        c.arg(root().join("interop/srp6a/peer.js"))
            .arg(lib)
            .args(extra);
        Peer::start(c, lib)
    }

    pub fn python(lib: &str, extra: &[&str]) -> Peer {
        let mut c = python();
        c.arg(root().join("interop/srp6a/peer.py"))
            .arg(lib)
            .args(extra);
        Peer::start(c, lib)
    }

    /// Sends one request; returns the answer (which may be `{"error": ...}`).
    pub fn call(&mut self, req: Value) -> Value {
        writeln!(self.stdin, "{req}").expect("write to peer");
        self.stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read from peer");
        assert!(!line.is_empty(), "{} exited", self.name);
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{}: bad answer {line:?}: {e}", self.name))
    }

    /// As [`Peer::call`], insisting on success.
    pub fn ok(&mut self, req: Value) -> Value {
        let a = self.call(req.clone());
        assert!(a.get("error").is_none(), "{} refused {req}: {a}", self.name);
        a
    }

    /// A hex field of an answer, as bytes.
    pub fn field(answer: &Value, name: &str) -> Vec<u8> {
        unhex(
            answer[name]
                .as_str()
                .unwrap_or_else(|| panic!("no {name} in {answer}")),
        )
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A deterministic 32-byte secret for case `i` (fixed inputs make failures reproducible).
pub fn secret(tag: &str, i: u32) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(format!("{tag} {i}").as_bytes()).to_vec()
}

pub fn j(v: Value) -> Value {
    v
}

pub fn empty() -> Value {
    json!({})
}
