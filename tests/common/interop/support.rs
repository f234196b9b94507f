//! Shared by every peer: the interop tree built once per test binary ([`peers`]),
//! temporary directories, random credentials, child processes with deadlines ([`Proc`],
//! [`run`]) and loopback sockets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Socket read/write timeout for every connection a test makes.
pub const IO_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a test waits for an external program to start, answer or exit.
pub const PROC_TIMEOUT: Duration = Duration::from_secs(60);

/// Paths of the built peers (`target/interop/`).
pub struct Peers {
    /// `target/interop/`.
    pub dir: PathBuf,
}

impl Peers {
    /// A file in `target/interop/`.
    pub fn bin(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
    /// The `LD_PRELOAD` shim that fixes `openssl s_client -srpuser` / `s_server -srpvfile`.
    pub fn shim(&self) -> PathBuf {
        self.bin("srp_cb_arg_fix.so")
    }
}

/// Builds the peers with `interop/setup.sh` (once per test binary) or panics with its output.
pub fn peers() -> &'static Peers {
    static PEERS: OnceLock<Result<Peers, String>> = OnceLock::new();
    let res = PEERS.get_or_init(|| {
        // The repository root: this crate's, or the workspace's for a member crate (cli/).
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest
            .ancestors()
            .find(|d| d.join("interop/setup.sh").exists())
            .unwrap_or(manifest);
        let script = root.join("interop/setup.sh");
        let out = Command::new("sh")
            .arg(&script)
            .current_dir(root)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} failed ({}):\n{}{}",
                script.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let dir = root.join("target/interop");
        for f in ["srp_cb_arg_fix.so", "ossl_srp_server", "ossl_srp_client"] {
            if !dir.join(f).is_file() {
                return Err(format!(
                    "setup.sh succeeded but {} is missing",
                    dir.join(f).display()
                ));
            }
        }
        Ok(Peers { dir })
    });
    match res {
        Ok(p) => p,
        Err(e) => panic!("interop peers unavailable, failing (not skipping) this test:\n{e}"),
    }
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// Creates `$TMPDIR/tls-srp-<tag>-<random>`.
    pub fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!("tls-srp-{tag}-{}", random_hex(8)));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
    /// A path inside the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `n` random bytes from the OS.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).expect("getrandom");
    b
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> String {
    hex::encode(random_bytes(n))
}

/// A random username: a letter, then up to 19 ASCII letters, digits and `.-_@`, in one
/// case of four a non-ASCII UTF-8 character, then `-` and 12 random hex digits (so names
/// are unique within a test). 14 to 36 bytes.
pub fn random_username() -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_@";
    let r = random_bytes(32);
    let len = usize::from(r[0]) % 20;
    // Starts with a letter: a leading '-' would read as an option to `openssl srp`.
    let mut s = String::from(char::from(CHARS[usize::from(r[1]) % 52]));
    s.extend(
        r[2..2 + len]
            .iter()
            .map(|b| char::from(CHARS[usize::from(*b) % CHARS.len()])),
    );
    if r[31] % 4 == 0 {
        s.push_str(["é", "ü", "ñ", "ø", "名"][usize::from(r[30]) % 5]);
    }
    s.push('-');
    s.push_str(&random_hex(6));
    s
}

/// A random password of 8 to 40 printable ASCII characters other than space (some
/// command-line tools cut passwords at spaces; OpenSSL needs at least 4 characters).
pub fn random_password() -> String {
    let r = random_bytes(41);
    let len = 8 + usize::from(r[0]) % 33;
    r[1..=len]
        .iter()
        .map(|b| char::from(0x21 + b % 94))
        .collect()
}

/// A running child process owned by the test. Killed (by PID) and reaped on drop.
pub struct Proc {
    name: String,
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Proc {
    /// Starts `cmd` with stdin `stdin` (use `Stdio::null()` or a piped stdin you then feed
    /// with [`Self::write_stdin`]), stdout read as lines and stderr collected.
    pub fn spawn(name: &str, mut cmd: Command, stdin: Stdio) -> Proc {
        cmd.stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        let stdout = child.stdout.take().expect("stdout piped");
        let mut stderr = child.stderr.take().expect("stderr piped");
        let (tx, rx) = mpsc::channel();
        let err_buf = Arc::new(Mutex::new(Vec::new()));
        let err_buf2 = err_buf.clone();
        let r1 = thread::spawn(move || {
            for line in BufReader::new(stdout).split(b'\n') {
                let Ok(line) = line else { break };
                if tx
                    .send(String::from_utf8_lossy(&line).into_owned())
                    .is_err()
                {
                    break;
                }
            }
        });
        let r2 = thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut e) = err_buf2.lock() {
                    e.extend_from_slice(&buf[..n]);
                }
            }
        });
        Proc {
            name: name.to_owned(),
            child,
            lines: rx,
            seen: Vec::new(),
            stderr: err_buf,
            readers: vec![r1, r2],
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has exited (does not wait).
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Writes to the child's stdin and closes it.
    pub fn write_stdin(&mut self, data: &[u8]) {
        let mut stdin = self.child.stdin.take().expect("stdin was not piped");
        // A child that already exited makes this fail; its exit status tells the story.
        let _ = stdin.write_all(data);
    }

    /// Everything the process wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .map(|e| String::from_utf8_lossy(&e).into_owned())
            .unwrap_or_default()
    }

    /// All stdout lines received so far (by `next_line`/`wait_exit`).
    pub fn stdout_lines(&self) -> &[String] {
        &self.seen
    }

    fn diag(&self) -> String {
        format!(
            "{} (pid {}): stdout so far:\n{}\nstderr:\n{}",
            self.name,
            self.pid(),
            self.seen.join("\n"),
            self.stderr()
        )
    }

    /// The next stdout line, or panics after `timeout` (or if stdout ended).
    pub fn next_line(&mut self, timeout: Duration) -> String {
        match self.lines.recv_timeout(timeout) {
            Ok(l) => {
                self.seen.push(l.clone());
                l
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("timed out waiting for a line from {}", self.diag())
            }
            Err(RecvTimeoutError::Disconnected) => panic!("stdout closed early: {}", self.diag()),
        }
    }

    /// The next stdout line if one arrives within `timeout` (None on timeout or EOF).
    pub fn try_next_line(&mut self, timeout: Duration) -> Option<String> {
        let l = self.lines.recv_timeout(timeout).ok()?;
        self.seen.push(l.clone());
        Some(l)
    }

    /// Skips stdout lines until one starts with `prefix`; returns it.
    pub fn wait_for_prefix(&mut self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let l = self.next_line(left.max(Duration::from_millis(1)));
            if l.starts_with(prefix) {
                return l;
            }
        }
    }

    /// Waits for the process to exit (panics after `timeout`, killing it), then collects
    /// the rest of stdout. Returns the exit status.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                Ok(None) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "{} did not exit within {timeout:?}; killed. {}",
                        self.name,
                        self.diag()
                    );
                }
                Err(e) => panic!("waiting for {}: {e}", self.name),
            }
        };
        // The readers end at EOF; grandchildren could keep the pipe open, so bound it.
        let end = Instant::now() + Duration::from_secs(5);
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => self.seen.push(l),
                Err(_) => break,
            }
        }
        // The stderr reader may still be copying after stdout's EOF: wait for it too
        // (bounded by the same deadline), or a fast exit loses its error message.
        for r in self.readers.drain(..) {
            while !r.is_finished() && Instant::now() < end {
                thread::sleep(Duration::from_millis(2));
            }
            if r.is_finished() {
                let _ = r.join();
            }
        }
        status
    }

    /// Asserts a zero exit status within `timeout`; returns all stdout lines.
    pub fn expect_success(&mut self, timeout: Duration) -> Vec<String> {
        let st = self.wait_exit(timeout);
        assert!(
            st.success(),
            "{} failed with {st}. {}",
            self.name,
            self.diag()
        );
        self.seen.clone()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Runs a short-lived command to completion with a deadline. Returns (status, stdout, stderr).
pub fn run(
    name: &str,
    cmd: Command,
    stdin: &[u8],
    timeout: Duration,
) -> (ExitStatus, String, String) {
    let mut p = Proc::spawn(name, cmd, Stdio::piped());
    p.write_stdin(stdin);
    let st = p.wait_exit(timeout);
    let out = p.stdout_lines().join("\n");
    (st, out, p.stderr())
}

/// A script in `interop/` (e.g. `tlslite/srp_client.py`), or panics if it is missing.
pub fn interop_script(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("interop")
        .join(rel);
    assert!(p.is_file(), "{} is missing", p.display());
    p
}

/// Panics (the test fails, never skips) unless `prog` runs with `arg` (e.g. `--version`).
pub fn require_program(prog: &str, arg: &str) {
    let st = Command::new(prog)
        .arg(arg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match st {
        Ok(s) if s.success() => {}
        other => panic!("peer program {prog} is unavailable ({other:?}); failing, not skipping"),
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (for peers that cannot report the
/// port the kernel chose them; callers retry if the peer then fails to bind).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local_addr").port()
}

/// Waits (bounded) until something accepts TCP connections on 127.0.0.1:`port`.
pub fn wait_listening(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), IO_TIMEOUT).is_ok()
        {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}
