//! Our side of an interop test: one of our connections driven over a `TcpStream`
//! ([`Tls`]), our server in a thread ([`Server`]), and the request handlers it runs.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::ops::DerefMut;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tls_srp::{CipherSuite, ConnectionCommon, Error, ServerConfig, ServerConnection, SideData};

use super::openssl::openssl_name;
use super::support::{IO_TIMEOUT, PROC_TIMEOUT};

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
