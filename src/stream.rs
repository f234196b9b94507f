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
//! A peer can keep a blocking handshake waiting for ever. Over TCP, bound it with
//! [`StreamOwned::complete_handshake_within`] (one deadline for the whole handshake,
//! however slowly the peer trickles its bytes), and keep socket read/write timeouts for
//! the rest of the connection:
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use std::time::Duration;
//! # fn serve(config: Arc<tls_srp::ServerConfig>, sock: std::net::TcpStream) -> std::io::Result<()> {
//! let conn = tls_srp::ServerConnection::new(config).map_err(std::io::Error::other)?;
//! let mut tls = tls_srp::stream::StreamOwned::new(conn, sock);
//! tls.complete_handshake_within(Duration::from_secs(10))?; // `TimedOut` if too slow
//! tls.sock.set_read_timeout(Some(Duration::from_secs(300)))?; // idle limit afterwards
//! # Ok(()) }
//! ```

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::ops::DerefMut;
use std::time::{Duration, Instant};

use crate::conn::ConnectionCommon;

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

impl<'a, C, T> Stream<'a, C, T>
where
    C: 'a + DerefMut<Target = ConnectionCommon> + ?Sized,
    T: 'a + Read + Write + ?Sized,
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
    /// On a TLS error, sends the queued alert (best effort) and returns `InvalidData`.
    fn read_more(&mut self) -> io::Result<usize> {
        let n = self.conn.read_tls(&mut SizedIo(&mut *self.sock))?;
        if let Err(err) = self.conn.process_new_packets() {
            // Last gasp: tell the peer why, but report the TLS error, not a write error.
            let _ = self.write_pending();
            return Err(io::Error::new(io::ErrorKind::InvalidData, err));
        }
        Ok(n)
    }

    /// Finishes the handshake if it is still running, then sends anything still queued.
    fn complete_prior_io(&mut self) -> io::Result<()> {
        while self.conn.is_handshaking() {
            self.write_pending()?;
            if !self.conn.is_handshaking() {
                break;
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
        }
        if self.conn.wants_write() {
            self.write_pending()?;
        }
        Ok(())
    }
}

impl<'a, C, T> Read for Stream<'a, C, T>
where
    C: 'a + DerefMut<Target = ConnectionCommon> + ?Sized,
    T: 'a + Read + Write + ?Sized,
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

impl<'a, C, T> Write for Stream<'a, C, T>
where
    C: 'a + DerefMut<Target = ConnectionCommon> + ?Sized,
    T: 'a + Read + Write + ?Sized,
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

/// Lets a possibly unsized transport be passed as `&mut dyn Read` / `&mut dyn Write`.
struct SizedIo<'a, T: ?Sized>(&'a mut T);

impl<T: Read + ?Sized> Read for SizedIo<'_, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<T: Write + ?Sized> Write for SizedIo<'_, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.0.write_vectored(bufs)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
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

impl<C, T> StreamOwned<C, T>
where
    C: DerefMut<Target = ConnectionCommon>,
    T: Read + Write,
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

impl<C> StreamOwned<C, TcpStream>
where
    C: DerefMut<Target = ConnectionCommon>,
{
    /// Runs the handshake to its end within `timeout`, whatever the peer does: the socket's
    /// read and write timeouts are set to the time left before each step and restored
    /// afterwards. Fails with `TimedOut` once the time is up (the connection is then unusable:
    /// drop it). Does nothing if the handshake is already over.
    pub fn complete_handshake_within(&mut self, timeout: Duration) -> io::Result<()> {
        let saved = (self.sock.read_timeout()?, self.sock.write_timeout()?);
        let deadline = Instant::now().checked_add(timeout);
        let res = self.handshake_until(deadline);
        let restored = self
            .sock
            .set_read_timeout(saved.0)
            .and_then(|()| self.sock.set_write_timeout(saved.1));
        res.and(restored)
    }

    fn handshake_until(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        let timed_out = || io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out");
        while self.conn.is_handshaking() || self.conn.wants_write() {
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(timed_out());
                }
                self.sock.set_read_timeout(Some(left))?;
                self.sock.set_write_timeout(Some(left))?;
            }
            let mut s = self.as_stream();
            let step = (|| {
                s.write_pending()?;
                if !s.conn.is_handshaking() {
                    return Ok(());
                }
                if !s.conn.wants_read() {
                    return Err(io::Error::other(
                        "TLS handshake stalled: a server connection is waiting for supply_user",
                    ));
                }
                if s.read_more()? == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "peer closed the connection during the TLS handshake",
                    ));
                }
                Ok(())
            })();
            match step {
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

impl<C, T> Read for StreamOwned<C, T>
where
    C: DerefMut<Target = ConnectionCommon>,
    T: Read + Write,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.as_stream().read(buf)
    }
}

impl<C, T> Write for StreamOwned<C, T>
where
    C: DerefMut<Target = ConnectionCommon>,
    T: Read + Write,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.as_stream().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.as_stream().flush()
    }
}
