//! Blocking adapters: a TLS-SRP connection and a transport (usually a `TcpStream`) that
//! together implement [`std::io::Read`] and [`std::io::Write`].
//!
//! [`Stream`] borrows both halves, [`StreamOwned`] owns them. The handshake runs on first
//! use (the first `read`, `write` or `flush`); plaintext written is encrypted and sent at once.
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::sync::Arc;
//! use tls_srp::{ClientConfig, ClientConnection, stream::StreamOwned};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Arc::new(ClientConfig::new("alice", "password123"));
//! let conn = ClientConnection::new(config, Some("localhost"))?;
//! let sock = std::net::TcpStream::connect("127.0.0.1:4433")?;
//! let mut tls = StreamOwned::new(conn, sock);
//! tls.write_all(b"hello")?;
//! let mut buf = [0u8; 5];
//! tls.read_exact(&mut buf)?;
//! # Ok(())
//! # }
//! ```
//!
//! Errors: a TLS failure is an `io::Error` of kind `InvalidData` whose inner error is a
//! [`crate::Error`] (`err.get_ref().and_then(|e| e.downcast_ref::<tls_srp::Error>())`); the
//! alert describing it has been sent to the peer (best effort) before the error is returned.
//! A peer that closes the transport without close_notify gives `UnexpectedEof`; a clean
//! close_notify makes `read` return `Ok(0)`.
//!
//! A server over TCP accepts with [`Acceptor`]: it waits for a handshake slot, gives the
//! connection the client's address (for the rate limiter), and runs the handshake within the
//! config's deadlines (socket timeouts set to the time left, however slowly the client
//! trickles its bytes), waiting out the rate limiter's delays:
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use std::time::Duration;
//! # fn serve(config: Arc<tls_srp::ServerConfig>) -> std::io::Result<()> {
//! let acceptor = tls_srp::stream::Acceptor::new(config);
//! let listener = std::net::TcpListener::bind("127.0.0.1:4433")?;
//! for sock in listener.incoming() {
//!     let acceptor = acceptor.clone();
//!     std::thread::spawn(move || -> std::io::Result<()> {
//!         let mut tls = acceptor.accept(sock?)?; // `TimedOut` if too slow
//!         tls.sock.set_read_timeout(Some(Duration::from_secs(300)))?; // idle limit afterwards
//!         // read and write `tls`
//!         Ok(())
//!     });
//! }
//! # Ok(()) }
//! ```
//!
//! A client bounds its handshake with [`StreamOwned::complete_handshake_within`]. Over
//! other transports a peer can keep a blocking handshake waiting for ever: the deadlines
//! are only checked when bytes arrive.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::ops::DerefMut;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::conn::{sleep_until, ConnectionCommon, SideData, SizedIo};
use crate::error::{AcceptError, Error};
use crate::server::{ServerConfig, ServerConnection};

/// A borrowed connection `conn` and transport `sock`, together a blocking TLS stream.
///
/// Every method may block on `sock`. With a non-blocking `sock`, its `WouldBlock` errors are
/// passed on and the call can be retried later.
#[derive(Debug)]
pub struct Stream<'a, C: 'a + ?Sized, T: 'a + Read + Write + ?Sized> {
    /// The TLS connection (a [`crate::ClientConnection`] or [`crate::ServerConnection`]).
    pub conn: &'a mut C,
    /// The transport, such as a socket.
    pub sock: &'a mut T,
}

impl<'a, C, T, S> Stream<'a, C, T>
where
    C: 'a + DerefMut<Target = ConnectionCommon<S>> + ?Sized,
    T: 'a + Read + Write + ?Sized,
    S: SideData,
{
    /// Wraps `conn` and `sock`. Does no IO.
    pub fn new(conn: &'a mut C, sock: &'a mut T) -> Self {
        Self { conn, sock }
    }

    /// Writes every queued TLS byte to `sock`, then flushes it.
    fn write_pending(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut SizedIo(&mut *self.sock))? == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
        }
        self.sock.flush()
    }

    /// Reads once from `sock` and processes what arrived. Returns the bytes read (0 at EOF).
    /// On a TLS error, sends the queued alert (best effort) and returns it as an
    /// `io::Error`.
    fn read_more(&mut self) -> io::Result<usize> {
        let n = self.conn.read_tls(&mut SizedIo(&mut *self.sock))?;
        self.process()?;
        Ok(n)
    }

    fn process(&mut self) -> io::Result<()> {
        if let Err(err) = self.conn.process_new_packets() {
            // Last gasp: tell the peer why, but report the TLS error, not a write error.
            let _ = self.write_pending();
            return Err(err.into());
        }
        Ok(())
    }

    /// One step of the handshake: sends what is queued, then waits out a pause (sleeping,
    /// but not past `deadline`) or reads once.
    fn handshake_step(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        self.write_pending()?;
        if !self.conn.is_handshaking() {
            return Ok(());
        }
        if let Some(t) = self.conn.paused_until() {
            sleep_until(deadline.map_or(t, |d| t.min(d)));
            return self.process();
        }
        if !self.conn.wants_read() {
            // Nothing to send and nothing awaited: only a server waiting for
            // `supply_user` gets here.
            return Err(io::Error::other(
                "TLS handshake stalled: a server connection is waiting for supply_user",
            ));
        }
        if self.read_more()? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "peer closed the connection during the TLS handshake",
            ));
        }
        Ok(())
    }

    /// Finishes the handshake if it is still running, then sends anything still queued.
    fn complete_prior_io(&mut self) -> io::Result<()> {
        while self.conn.is_handshaking() {
            self.handshake_step(None)?;
        }
        if self.conn.wants_write() {
            self.write_pending()?;
        }
        Ok(())
    }
}

impl<'a, C, T, S> Read for Stream<'a, C, T>
where
    C: 'a + DerefMut<Target = ConnectionCommon<S>> + ?Sized,
    T: 'a + Read + Write + ?Sized,
    S: SideData,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.complete_prior_io()?;
        loop {
            match self.conn.reader().read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => return other,
            }
            if self.read_more()? == 0 {
                // The transport has ended: the reader now knows whether close_notify came.
                return match self.conn.reader().read(buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "peer closed the connection without sending close_notify",
                    )),
                    other => other,
                };
            }
        }
    }
}

impl<'a, C, T, S> Write for Stream<'a, C, T>
where
    C: 'a + DerefMut<Target = ConnectionCommon<S>> + ?Sized,
    T: 'a + Read + Write + ?Sized,
    S: SideData,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.complete_prior_io()?;
        let n = self.conn.writer().write(buf)?;
        // `buf[..n]` is consumed whatever happens now; a transport error shows up on the
        // next call (as in rustls).
        let _ = self.write_pending();
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.complete_prior_io()?;
        self.conn.writer().flush()?;
        self.write_pending()
    }
}

/// A connection `conn` and transport `sock`, owned, together a blocking TLS stream.
/// Behaves exactly like [`Stream`].
#[derive(Debug)]
pub struct StreamOwned<C: Sized, T: Read + Write + Sized> {
    /// The TLS connection (a [`crate::ClientConnection`] or [`crate::ServerConnection`]).
    pub conn: C,
    /// The transport, such as a socket.
    pub sock: T,
}

impl<C, T, S> StreamOwned<C, T>
where
    C: DerefMut<Target = ConnectionCommon<S>>,
    T: Read + Write,
    S: SideData,
{
    /// Takes ownership of `conn` and `sock`. Does no IO.
    pub fn new(conn: C, sock: T) -> Self {
        Self { conn, sock }
    }

    /// The transport.
    pub fn get_ref(&self) -> &T {
        &self.sock
    }

    /// The transport, mutably. Reading or writing it directly corrupts the TLS stream.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.sock
    }

    /// Gives back the connection and the transport.
    pub fn into_parts(self) -> (C, T) {
        (self.conn, self.sock)
    }

    fn as_stream(&mut self) -> Stream<'_, C, T> {
        Stream {
            conn: &mut self.conn,
            sock: &mut self.sock,
        }
    }
}

impl<C, S> StreamOwned<C, TcpStream>
where
    C: DerefMut<Target = ConnectionCommon<S>>,
    S: SideData,
{
    /// Runs the handshake to its end within `timeout` (and the connection's own
    /// [`ConnectionCommon::handshake_deadline`], if earlier), whatever the peer does: the
    /// socket's read and write timeouts are set to the time left before each step and
    /// restored afterwards. Fails with `TimedOut` once the time is up (the connection is then
    /// unusable: drop it). Does nothing if the handshake is already over.
    pub fn complete_handshake_within(&mut self, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now().checked_add(timeout);
        self.complete_handshake_until(deadline)
    }

    /// [`Self::complete_handshake_within`] with a deadline (`None`: only the connection's
    /// own deadline, if any).
    pub fn complete_handshake_until(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        let saved = (self.sock.read_timeout()?, self.sock.write_timeout()?);
        let res = self.handshake_until(deadline);
        let restored = self
            .sock
            .set_read_timeout(saved.0)
            .and_then(|()| self.sock.set_write_timeout(saved.1));
        res.and(restored)
    }

    fn handshake_until(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        let timed_out = || io::Error::from(Error::HandshakeTimedOut);
        while self.conn.is_handshaking() || self.conn.wants_write() {
            let deadline = match (deadline, self.conn.handshake_deadline()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(timed_out());
                }
                self.sock.set_read_timeout(Some(left))?;
                self.sock.set_write_timeout(Some(left))?;
            }
            match self.as_stream().handshake_step(deadline) {
                // A socket timeout shows as WouldBlock (Unix) or TimedOut (Windows).
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(timed_out())
                }
                Err(e) => return Err(e),
                Ok(()) => {}
            }
        }
        Ok(())
    }
}

/// Accepts TLS-SRP clients on blocking TCP sockets with every defence of the config: a
/// handshake slot (waited for, at most the handshake timeout), the client's address for the
/// rate limiter, its delays waited out, and the handshake deadlines enforced with socket
/// timeouts. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Acceptor {
    config: Arc<ServerConfig>,
}

impl Acceptor {
    /// Accepts with `config`.
    pub fn new(config: Arc<ServerConfig>) -> Self {
        Self { config }
    }

    /// The config connections are accepted with.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    /// Runs the server handshake on `sock` (the client's address is taken from it) and
    /// gives the stream once the client has logged in. A failure is an `io::Error` carrying
    /// an [`AcceptError`] (who tried, and why: [`AcceptError::reason`]): of kind
    /// `InvalidData` for a TLS failure, whose [`Error`] [`Error::from_io`] gives (the alert
    /// has been sent); `TimedOut` for running out of time (or of slots); the transport's own
    /// kind otherwise.
    pub fn accept(&self, sock: TcpStream) -> io::Result<StreamOwned<ServerConnection, TcpStream>> {
        self.accept_prefixed(sock, &[])
    }

    /// [`Self::accept`] of a connection whose first bytes (`prefix`) were already read.
    pub(crate) fn accept_prefixed(
        &self,
        sock: TcpStream,
        prefix: &[u8],
    ) -> io::Result<StreamOwned<ServerConnection, TcpStream>> {
        let peer = sock.peer_addr().ok().map(|a| a.ip());
        let give_up = self
            .config
            .handshake_timeout
            .and_then(|t| Instant::now().checked_add(t));
        let conn = loop {
            let seen = self.config.handshake_slots.as_ref().map(|s| s.generation());
            match ServerConnection::new(self.config.clone(), peer) {
                Ok(conn) => break conn,
                Err(Error::ServerBusy) => {}
                Err(e) => return Err(e.into()),
            }
            let busy = |e: io::Error| AcceptError::new(e, None, peer, None, false).into_io();
            let (Some(slots), Some(seen)) = (&self.config.handshake_slots, seen) else {
                return Err(busy(Error::ServerBusy.into()));
            };
            let until = give_up.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            if Instant::now() >= until {
                return Err(busy(io::Error::new(
                    io::ErrorKind::TimedOut,
                    Error::ServerBusy,
                )));
            }
            slots.wait_blocking(seen, until);
        };
        let mut tls = StreamOwned::new(conn, sock);
        // The prefix first, then the rest of the handshake from the socket.
        let mut rest = prefix;
        let done = loop {
            if rest.is_empty() {
                break tls.complete_handshake_until(None);
            }
            if let Err(e) = tls
                .conn
                .read_tls(&mut rest)
                .and_then(|_| tls.as_stream().process())
            {
                break Err(e);
            }
        };
        match done {
            Ok(()) => Ok(tls),
            Err(e) => Err(tls.conn.accept_error(e).into_io()),
        }
    }
}

impl<C, T, S> Read for StreamOwned<C, T>
where
    C: DerefMut<Target = ConnectionCommon<S>>,
    T: Read + Write,
    S: SideData,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.as_stream().read(buf)
    }
}

impl<C, T, S> Write for StreamOwned<C, T>
where
    C: DerefMut<Target = ConnectionCommon<S>>,
    T: Read + Write,
    S: SideData,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.as_stream().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.as_stream().flush()
    }
}
