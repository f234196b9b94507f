//! A recording TCP relay, for resumption tests: what crossed the wire in cleartext.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::support::{IO_TIMEOUT, PROC_TIMEOUT};

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
