//! Shared helpers for interop tests against external programs (OpenSSL, curl, ...).
//!
//! - [`peers`] builds the C peers once per test binary (`interop/setup.sh`) and fails the
//!   test with the script's output if that does not work: interop tests never pass silently.
//! - [`Proc`] owns a child process started by the test: its stdout is read line by line on
//!   a thread, every wait has a deadline, and `Drop` kills it by PID and reaps it.
//! - [`Tls`] drives one of our connections over a `TcpStream` with the sans-IO API
//!   (`read_tls`/`process_new_packets`/`write_tls`), with socket timeouts on every read and
//!   write, and returns our exact [`tls_srp::Error`] when the handshake fails.
//! - [`Server`] runs our server on 127.0.0.1 in a thread for a fixed number of connections.
//!
//! Everything listens on and connects to 127.0.0.1 only.

#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::ops::DerefMut;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tls_srp::{CipherSuite, ConnectionCommon, Error, ServerConfig, ServerConnection, SideData};

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
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
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

/// OpenSSL's name of a suite.
pub fn openssl_name(suite: CipherSuite) -> &'static str {
    match suite {
        CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA => "SRP-AES-128-CBC-SHA",
        CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA => "SRP-AES-256-CBC-SHA",
        other => panic!("no OpenSSL name for {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// External processes

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

/// Starts `openssl s_server -srpvfile` with the shim, on 127.0.0.1 with a kernel-chosen
/// port, answering HTTP with its `-www` status page. Its stdin is a pipe that stays open
/// for the life of the [`Proc`] (s_server stops at EOF on stdin). Returns it and the port.
pub fn start_openssl_s_server(vfile: &Path, extra: &[&str]) -> (Proc, u16) {
    let p = peers();
    let mut cmd = Command::new("openssl");
    cmd.env("LD_PRELOAD", p.shim())
        .args(["s_server", "-nocert", "-srpvfile"])
        .arg(vfile)
        .args([
            "-accept",
            "127.0.0.1:0",
            "-cipher",
            "SRP",
            "-tls1_2",
            "-www",
        ])
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

// ---------------------------------------------------------------------------------------
// Driving our connections over TCP

/// Why one of our connections failed.
#[derive(Debug)]
pub enum Fail {
    /// Our library reported this error (and sent `error.alert()`, if any).
    Tls(Error),
    /// The transport failed or ended early.
    Io(io::Error),
}

impl Fail {
    /// The TLS error, or panics with the I/O error.
    pub fn tls(self) -> Error {
        match self {
            Fail::Tls(e) => e,
            Fail::Io(e) => panic!("expected a TLS error, got an I/O error: {e}"),
        }
    }
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Self {
        Fail::Io(e)
    }
}

/// One of our connections (client or server) and its socket.
pub struct Tls<C> {
    /// Our connection.
    pub conn: C,
    /// The socket (with read/write timeouts set).
    pub sock: TcpStream,
}

impl<S: SideData, C: DerefMut<Target = ConnectionCommon<S>>> Tls<C> {
    /// Wraps `conn` and `sock`, setting [`IO_TIMEOUT`] on the socket.
    pub fn new(conn: C, sock: TcpStream) -> Self {
        sock.set_read_timeout(Some(IO_TIMEOUT))
            .expect("set_read_timeout");
        sock.set_write_timeout(Some(IO_TIMEOUT))
            .expect("set_write_timeout");
        let _ = sock.set_nodelay(true);
        Tls { conn, sock }
    }

    /// Writes everything queued (including an alert queued by a failure).
    pub fn flush(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            self.conn.write_tls(&mut self.sock)?;
        }
        self.sock.flush()
    }

    /// Reads once from the socket and processes it. Ok(false) at EOF.
    fn read_some(&mut self) -> Result<bool, Fail> {
        let n = self.conn.read_tls(&mut self.sock)?;
        match self.conn.process_new_packets() {
            Ok(_) => Ok(n > 0),
            Err(e) => {
                // Send the alert the failure queued; the peer may already be gone.
                let _ = self.flush();
                Err(Fail::Tls(e))
            }
        }
    }

    /// Completes the handshake.
    pub fn handshake(&mut self) -> Result<(), Fail> {
        loop {
            self.flush()?;
            if !self.conn.is_handshaking() {
                return Ok(());
            }
            if !self.read_some()? {
                return Err(Fail::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "EOF during handshake",
                )));
            }
        }
    }

    /// Sends `data` (after the handshake).
    pub fn send(&mut self, data: &[u8]) -> Result<(), Fail> {
        self.conn.writer().write_all(data)?;
        self.flush()?;
        Ok(())
    }

    /// Reads plaintext until a `\n` (returned without it) or fails.
    pub fn read_line(&mut self) -> Result<String, Fail> {
        let mut line = Vec::new();
        loop {
            let mut b = [0u8; 1];
            match self.conn.reader().read(&mut b) {
                Ok(1) if b[0] == b'\n' => return Ok(String::from_utf8_lossy(&line).into_owned()),
                Ok(1) => {
                    line.push(b[0]);
                    if line.len() > 65536 {
                        return Err(Fail::Io(io::Error::other("line too long")));
                    }
                }
                Ok(_) => {
                    return Err(Fail::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "close_notify before a full line",
                    )))
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !self.read_some()? {
                        return Err(Fail::Io(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "EOF before a full line",
                        )));
                    }
                }
                Err(e) => return Err(Fail::Io(e)),
            }
        }
    }

    /// Reads plaintext until `pred(buffer)` holds, close_notify or EOF (up to 1 MiB).
    pub fn read_until(&mut self, pred: impl Fn(&[u8]) -> bool) -> Result<Vec<u8>, Fail> {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        while !pred(&out) && out.len() < (1 << 20) {
            match self.conn.reader().read(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !self.read_some()? {
                        break;
                    }
                }
                // EOF without close_notify: return what we have, the caller checks it.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(Fail::Io(e)),
            }
        }
        Ok(out)
    }

    /// Sends close_notify, then waits (bounded) for the peer's close_notify or EOF, so that
    /// closing the socket does not reset a connection the peer is still reading.
    pub fn close(&mut self) -> Result<(), Fail> {
        self.conn.send_close_notify();
        self.flush()?;
        let _ = self.read_until(|_| false);
        Ok(())
    }
}

/// What our server saw on one connection.
#[derive(Debug, Clone)]
pub struct ServerSaw {
    /// `ServerConnection::username()`.
    pub user: String,
    /// The suite.
    pub suite: CipherSuite,
    /// Extended master secret in use.
    pub ems: bool,
    /// Encrypt-then-MAC in use.
    pub etm: bool,
    /// What the handler read (the request line, or the HTTP request head).
    pub request: String,
    /// The handshake resumed an earlier session.
    pub resumed: bool,
}

/// What a connection handler does after the handshake: gets the connection, returns the
/// request it read.
pub type Handler = fn(&mut Tls<ServerConnection>, &ServerSaw) -> Result<String, Fail>;

/// Our server on 127.0.0.1, serving a fixed number of connections in a thread.
pub struct Server {
    /// The address it listens on.
    pub addr: SocketAddr,
    handle: Option<JoinHandle<Vec<Result<ServerSaw, Fail>>>>,
}

impl Server {
    /// Serves `n` connections one after another with `handler`, each with a fresh
    /// `ServerConnection` from `config`. Stops early (with an error entry) if no client
    /// comes within [`PROC_TIMEOUT`].
    pub fn start(config: Arc<ServerConfig>, n: usize, handler: Handler) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local_addr");
        listener.set_nonblocking(true).expect("set_nonblocking");
        let handle = thread::spawn(move || {
            let mut results = Vec::with_capacity(n);
            for _ in 0..n {
                let deadline = Instant::now() + PROC_TIMEOUT;
                let sock = loop {
                    match listener.accept() {
                        Ok((s, _)) => break Ok(s),
                        Err(e)
                            if e.kind() == io::ErrorKind::WouldBlock
                                && Instant::now() < deadline =>
                        {
                            thread::sleep(Duration::from_millis(2))
                        }
                        Err(e) => break Err(e),
                    }
                };
                let sock = match sock {
                    Ok(s) => s,
                    Err(e) => {
                        results.push(Err(Fail::Io(e)));
                        break;
                    }
                };
                sock.set_nonblocking(false).expect("set_nonblocking(false)");
                results.push(serve_one(&config, sock, handler));
            }
            results
        });
        Server {
            addr,
            handle: Some(handle),
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Waits for the server thread (bounded by its accept deadline and socket timeouts).
    pub fn join(mut self) -> Vec<Result<ServerSaw, Fail>> {
        self.handle
            .take()
            .expect("joined twice")
            .join()
            .expect("server thread panicked")
    }
}

fn serve_one(
    config: &Arc<ServerConfig>,
    sock: TcpStream,
    handler: Handler,
) -> Result<ServerSaw, Fail> {
    let conn = ServerConnection::new(config.clone(), None).map_err(Fail::Tls)?;
    let mut tls = Tls::new(conn, sock);
    tls.handshake()?;
    let mut saw = ServerSaw {
        user: tls.conn.username().unwrap_or_default().to_owned(),
        suite: tls
            .conn
            .negotiated_cipher_suite()
            .expect("suite after handshake"),
        ems: tls.conn.extended_master_secret(),
        etm: tls.conn.encrypt_then_mac(),
        request: String::new(),
        resumed: tls.conn.handshake_kind() == Some(tls_srp::HandshakeKind::Resumed),
    };
    saw.request = handler(&mut tls, &saw)?;
    Ok(saw)
}

/// The line protocol of the C peers: read a line, answer
/// `OK <user> <cipher> ems=<0|1> etm=<0|1> <line>`, close.
pub fn line_handler(tls: &mut Tls<ServerConnection>, saw: &ServerSaw) -> Result<String, Fail> {
    let line = tls.read_line()?;
    let line = line.strip_suffix('\r').unwrap_or(&line).to_owned();
    let reply = format!(
        "OK {} {} ems={} etm={} {}\n",
        saw.user,
        openssl_name(saw.suite),
        u8::from(saw.ems),
        u8::from(saw.etm),
        line
    );
    tls.send(reply.as_bytes())?;
    tls.close()?;
    Ok(line)
}

/// A minimal HTTP/1.x responder: reads the request head, answers 200 with
/// `srp-ok user=<u> cipher=<c> ems=<e> etm=<t>\n` as the body, closes.
pub fn http_handler(tls: &mut Tls<ServerConnection>, saw: &ServerSaw) -> Result<String, Fail> {
    let head = tls.read_until(|b| b.windows(4).any(|w| w == b"\r\n\r\n"))?;
    let body = http_body(saw);
    let resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.send(resp.as_bytes())?;
    tls.close()?;
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// The body [`http_handler`] sends.
pub fn http_body(saw: &ServerSaw) -> String {
    format!(
        "srp-ok user={} cipher={} ems={} etm={}\n",
        saw.user,
        openssl_name(saw.suite),
        u8::from(saw.ems),
        u8::from(saw.etm)
    )
}

// ---------------------------------------------------------------------------------------
// Peers other than OpenSSL (GnuTLS, tlslite-ng)

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

/// Short name of a suite for tables.
pub fn suite_short(suite: CipherSuite) -> &'static str {
    match suite {
        CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA => "AES-128",
        CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA => "AES-256",
        other => panic!("not an SRP AES suite: {other:?}"),
    }
}

/// One line of an interop matrix.
#[derive(Clone, Debug)]
pub struct MatrixRow {
    /// Who we talked to (`GnuTLS 3.7.9`, `tlslite-ng 0.8.2`).
    pub peer: String,
    /// `our client → X` or `X → our server`.
    pub role: String,
    /// `AES-128`, `AES-256`, or `-`.
    pub suite: String,
    /// Group bits, or `-`.
    pub group: String,
    /// EMS/EtM switches and other conditions.
    pub options: String,
    /// Handshakes attempted.
    pub handshakes: usize,
    /// What happened: `ok` when every handshake did what the cell expects, else the failures.
    pub result: String,
}

fn matrix_rows() -> &'static Mutex<Vec<MatrixRow>> {
    static ROWS: OnceLock<Mutex<Vec<MatrixRow>>> = OnceLock::new();
    ROWS.get_or_init(|| Mutex::new(Vec::new()))
}

fn matrix_table(rows: &[MatrixRow]) -> String {
    let mut s = String::from(
        "| peer | role | suite | group | options | handshakes | result |\n| --- | --- | --- | ---: | --- | ---: | --- |\n",
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.peer, r.role, r.suite, r.group, r.options, r.handshakes, r.result
        ));
    }
    s
}

/// Prints `rows` as a Markdown table (visible with `--nocapture`), adds them to this test
/// binary's matrix and rewrites `target/interop/matrix-<file_tag>.md` with every row
/// recorded so far (tests of one binary run in parallel; the last one writes them all).
pub fn record_matrix(file_tag: &str, title: &str, rows: &[MatrixRow]) {
    println!("\n{title}\n\n{}", matrix_table(rows));
    let all = {
        let mut m = matrix_rows().lock().unwrap_or_else(|e| e.into_inner());
        m.extend_from_slice(rows);
        let mut all = m.clone();
        all.sort_by(|a, b| {
            (&a.role, &a.suite, a.group.len(), &a.group, &a.options).cmp(&(
                &b.role,
                &b.suite,
                b.group.len(),
                &b.group,
                &b.options,
            ))
        });
        all
    };
    let path = peers().dir.join(format!("matrix-{file_tag}.md"));
    let total: usize = all.iter().map(|r| r.handshakes).sum();
    let text = format!(
        "<!-- written by the interop tests (tests/interop_{file_tag}.rs); {total} handshakes -->\n\n{}",
        matrix_table(&all)
    );
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("cannot write {}: {e}", path.display());
    }
}

// ---------------------------------------------------------------------------------------
// A recording TCP relay (for resumption tests: what crossed the wire in cleartext)

/// Handshake message type numbers (RFC 5246 / RFC 5077) a resumption test looks for.
pub mod hs_type {
    /// ClientHello.
    pub const CLIENT_HELLO: u8 = 1;
    /// ServerHello.
    pub const SERVER_HELLO: u8 = 2;
    /// NewSessionTicket (RFC 5077).
    pub const NEW_SESSION_TICKET: u8 = 4;
    /// ServerKeyExchange (carries the SRP N, g, s, B).
    pub const SERVER_KEY_EXCHANGE: u8 = 12;
    /// ServerHelloDone.
    pub const SERVER_HELLO_DONE: u8 = 14;
    /// ClientKeyExchange (carries A).
    pub const CLIENT_KEY_EXCHANGE: u8 = 16;
}

/// What one relayed connection showed in cleartext.
#[derive(Clone, Debug, Default)]
pub struct WireLog {
    /// Handshake message types the client sent before its first ChangeCipherSpec.
    pub client_hs: Vec<u8>,
    /// Handshake message types the server sent before its first ChangeCipherSpec.
    pub server_hs: Vec<u8>,
    /// The session_id of the ClientHello.
    pub client_hello_session_id: Vec<u8>,
    /// The session_id of the ServerHello.
    pub server_hello_session_id: Vec<u8>,
    /// Extensions of the ClientHello: (type, length of its data).
    pub client_hello_extensions: Vec<(u16, usize)>,
    /// Extensions of the ServerHello: (type, length of its data).
    pub server_hello_extensions: Vec<(u16, usize)>,
    /// Bytes relayed client → server and server → client.
    pub bytes: (usize, usize),
}

impl WireLog {
    /// True when the server sent no ServerKeyExchange (an abbreviated handshake).
    pub fn abbreviated(&self) -> bool {
        !self.server_hs.is_empty() && !self.server_hs.contains(&hs_type::SERVER_KEY_EXCHANGE)
    }
    /// True when the server sent a NewSessionTicket before its ChangeCipherSpec.
    pub fn ticket_issued(&self) -> bool {
        self.server_hs.contains(&hs_type::NEW_SESSION_TICKET)
    }
    /// True when the ClientHello carried a non-empty session_ticket extension (35).
    pub fn client_offered_ticket(&self) -> bool {
        self.client_hello_extensions
            .iter()
            .any(|&(t, l)| t == 35 && l > 0)
    }
}

/// Reads big-endian `n`-byte integers and slices from a byte string, never panicking.
struct Rd<'a>(&'a [u8]);

impl<'a> Rd<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn uint(&mut self, n: usize) -> Option<usize> {
        Some(
            self.take(n)?
                .iter()
                .fold(0usize, |a, &b| (a << 8) | usize::from(b)),
        )
    }
}

/// The handshake messages (type, body) sent in cleartext before the first
/// ChangeCipherSpec, from one direction's raw bytes.
fn cleartext_handshakes(raw: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut hs = Vec::new();
    let mut r = Rd(raw);
    while let (Some(ct), Some(_ver), Some(len)) = (r.uint(1), r.take(2), r.uint(2)) {
        let Some(frag) = r.take(len) else { break };
        match ct {
            20 => break, // ChangeCipherSpec: what follows is encrypted
            22 => hs.extend_from_slice(frag),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut r = Rd(&hs);
    while let (Some(t), Some(len)) = (r.uint(1), r.uint(3)) {
        let Some(body) = r.take(len) else { break };
        out.push((t as u8, body.to_vec()));
    }
    out
}

/// (session_id, extensions) of a ClientHello (`client`) or ServerHello body.
/// Hello extensions: (type, length of its data).
pub type Extensions = Vec<(u16, usize)>;

fn hello_fields(body: &[u8], client: bool) -> Option<(Vec<u8>, Extensions)> {
    let mut r = Rd(body);
    r.take(2 + 32)?;
    let sid_len = r.uint(1)?;
    let sid = r.take(sid_len)?.to_vec();
    if client {
        let n = r.uint(2)?;
        r.take(n)?;
        let n = r.uint(1)?;
        r.take(n)?;
    } else {
        r.take(3)?;
    }
    let mut exts = Vec::new();
    if let Some(total) = r.uint(2) {
        let mut e = Rd(r.take(total)?);
        while let (Some(t), Some(l)) = (e.uint(2), e.uint(2)) {
            e.take(l)?;
            exts.push((t as u16, l));
        }
    }
    Some((sid, exts))
}

impl WireLog {
    /// Parses what a relay recorded in each direction.
    pub fn parse(c2s: &[u8], s2c: &[u8]) -> WireLog {
        let mut log = WireLog {
            bytes: (c2s.len(), s2c.len()),
            ..WireLog::default()
        };
        for (t, body) in cleartext_handshakes(c2s) {
            log.client_hs.push(t);
            if t == hs_type::CLIENT_HELLO && log.client_hs.len() == 1 {
                if let Some((sid, exts)) = hello_fields(&body, true) {
                    log.client_hello_session_id = sid;
                    log.client_hello_extensions = exts;
                }
            }
        }
        for (t, body) in cleartext_handshakes(s2c) {
            log.server_hs.push(t);
            if t == hs_type::SERVER_HELLO && log.server_hs.len() == 1 {
                if let Some((sid, exts)) = hello_fields(&body, false) {
                    log.server_hello_session_id = sid;
                    log.server_hello_extensions = exts;
                }
            }
        }
        log
    }
}

/// A loopback TCP relay: listens on 127.0.0.1 (kernel-chosen port), forwards each of up
/// to `max_conns` connections to 127.0.0.1:`target` in both directions, and records the
/// first 256 KiB of each direction. Every socket has [`IO_TIMEOUT`]; accepting stops
/// after `max_conns` or [`PROC_TIMEOUT`] without a new connection.
pub struct Relay {
    /// The port clients connect to.
    pub port: u16,
    stop: Arc<std::sync::atomic::AtomicBool>,
    handle: Option<JoinHandle<Vec<WireLog>>>,
}

const RELAY_KEEP: usize = 256 * 1024;

fn pump(mut from: TcpStream, mut to: TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let chunk = &buf[..n];
                if seen.len() < RELAY_KEEP {
                    let keep = chunk.len().min(RELAY_KEEP - seen.len());
                    seen.extend_from_slice(&chunk[..keep]);
                }
                if to.write_all(chunk).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
    seen
}

impl Relay {
    /// Starts relaying to 127.0.0.1:`target`.
    pub fn start(target: u16, max_conns: usize) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local_addr").port();
        listener.set_nonblocking(true).expect("set_nonblocking");
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop2 = stop.clone();
        let handle = thread::spawn(move || {
            let mut conns = Vec::new();
            let mut deadline = Instant::now() + PROC_TIMEOUT;
            while conns.len() < max_conns
                && Instant::now() < deadline
                && !stop2.load(std::sync::atomic::Ordering::Relaxed)
            {
                let client = match listener.accept() {
                    Ok((s, _)) => s,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(2));
                        continue;
                    }
                    Err(_) => break,
                };
                deadline = Instant::now() + PROC_TIMEOUT;
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    break;
                };
                let _ = client.set_nonblocking(false);
                for s in [&client, &server] {
                    let _ = s.set_read_timeout(Some(IO_TIMEOUT));
                    let _ = s.set_write_timeout(Some(IO_TIMEOUT));
                    let _ = s.set_nodelay(true);
                }
                let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                    break;
                };
                let up = thread::spawn(move || pump(client, server));
                let down = thread::spawn(move || pump(s2, c2));
                conns.push((up, down));
            }
            conns
                .into_iter()
                .map(|(up, down)| {
                    let c2s = up.join().unwrap_or_default();
                    let s2c = down.join().unwrap_or_default();
                    WireLog::parse(&c2s, &s2c)
                })
                .collect()
        });
        Relay {
            port,
            stop,
            handle: Some(handle),
        }
    }

    /// Stops accepting, waits for the relayed connections to end (bounded by the socket
    /// timeouts) and returns one log per connection, in the order they were accepted.
    /// Call it after the client is done: a connection not yet accepted is not relayed.
    pub fn finish(mut self) -> Vec<WireLog> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.handle
            .take()
            .expect("finished twice")
            .join()
            .expect("relay thread panicked")
    }
}

// ---------------------------------------------------------------------------------------
// GnuTLS server helpers (for the exporter and resumption tests)

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
    require_program("gnutls-serv", "--version");
    for _attempt in 0..5 {
        let port = free_port();
        let mut cmd = Command::new("stdbuf");
        cmd.args([
            "-oL",
            "gnutls-serv",
            "--echo",
            "--priority",
            "NORMAL:-KX-ALL:+SRP",
        ])
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

/// One exported value: (label, length, context (None: no context), output).
pub type ExportLine = (String, usize, Option<Vec<u8>>, Vec<u8>);

/// Parses the peers' `EXPORT label=L len=N ctx=<hex|-> out=<hex>` lines:
/// (label, len, context (None for `-`), output).
pub fn parse_export_lines(lines: &[String]) -> Vec<ExportLine> {
    lines
        .iter()
        .filter_map(|l| {
            let rest = l.strip_prefix("EXPORT ")?;
            let mut label = None;
            let mut len = None;
            let mut ctx = None;
            let mut out = None;
            for kv in rest.split(' ') {
                let (k, v) = kv.split_once('=')?;
                match k {
                    "label" => label = Some(v.to_owned()),
                    "len" => len = v.parse().ok(),
                    "ctx" => ctx = Some(if v == "-" { None } else { hex::decode(v).ok() }),
                    "out" => out = hex::decode(v).ok(),
                    _ => {}
                }
            }
            Some((label?, len?, ctx?, out?))
        })
        .collect()
}

/// Parses a `FINISHED client=<hex> server=<hex> reused=<0|1>` line: (client, server, reused).
pub fn parse_finished_line(line: &str) -> Option<(Vec<u8>, Vec<u8>, bool)> {
    let rest = line.strip_prefix("FINISHED ")?;
    let mut c = None;
    let mut s = None;
    let mut r = None;
    for kv in rest.split(' ') {
        match kv.split_once('=')? {
            ("client", v) => c = hex::decode(v).ok(),
            ("server", v) => s = hex::decode(v).ok(),
            ("reused", v) => r = Some(v == "1"),
            _ => {}
        }
    }
    Some((c?, s?, r?))
}

// ---------------------------------------------------------------------------------------
// Resuming clients (peer command lines verified in tests/interop_resumption.rs)

/// A [`Handler`] for clients that only handshake and close (`s_client -reconnect`,
/// `gnutls-cli --resume` before its data): sends close_notify and drains to EOF.
pub fn close_handler(tls: &mut Tls<ServerConnection>, _saw: &ServerSaw) -> Result<String, Fail> {
    tls.close()?;
    Ok(String::new())
}

/// A [`Handler`] that reads one line (or up to close_notify/EOF), echoes what it read, and
/// closes: for clients that may or may not send data on a connection.
pub fn echo_handler(tls: &mut Tls<ServerConnection>, _saw: &ServerSaw) -> Result<String, Fail> {
    let got = tls.read_until(|b| b.contains(&b'\n'))?;
    if !got.is_empty() {
        tls.send(&got)?;
    }
    tls.close()?;
    Ok(String::from_utf8_lossy(&got).into_owned())
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
