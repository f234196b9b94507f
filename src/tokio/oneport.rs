//! One port for password and certificate clients over tokio (feature `tokio-rustls`): see
//! [`crate::oneport`] for the routing. SRP clients go to a [`TlsAcceptor`] with every
//! defence of its config; the others to a `tokio_rustls::TlsAcceptor`, which is handed the
//! bytes already read through [`Rewind`].

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

use super::server::{TlsAcceptor, TlsStream};
use crate::error::Error;
use crate::oneport::{route, Peer, Route};
use crate::server::ServerConfig;

/// Accepts TLS-SRP clients and certificate clients on one listener. Cheap to clone.
///
/// ```no_run
/// # async fn run(srp: std::sync::Arc<tls_srp::ServerConfig>, certs: std::sync::Arc<rustls::ServerConfig>) -> std::io::Result<()> {
/// use tokio::io::AsyncWriteExt;
/// let acceptor = tls_srp::tokio::OnePortAcceptor::new(srp, certs);
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:4433").await?;
/// loop {
///     let (tcp, addr) = listener.accept().await?;
///     let acceptor = acceptor.clone();
///     tokio::spawn(async move {
///         let Ok(mut tls) = acceptor.accept(tcp, Some(addr.ip())).await else { return };
///         let hello = format!("hello, {:?}\n", tls.peer());
///         let _ = tls.write_all(hello.as_bytes()).await;
///     });
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct OnePortAcceptor {
    srp: TlsAcceptor,
    certificates: tokio_rustls::TlsAcceptor,
}

impl core::fmt::Debug for OnePortAcceptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OnePortAcceptor")
            .field("srp", &self.srp)
            .finish_non_exhaustive()
    }
}

impl OnePortAcceptor {
    /// SRP clients get `srp`, everyone else `certificates`.
    pub fn new(srp: Arc<ServerConfig>, certificates: Arc<rustls::ServerConfig>) -> Self {
        Self {
            srp: TlsAcceptor::from(srp),
            certificates: tokio_rustls::TlsAcceptor::from(certificates),
        }
    }

    /// Reads the ClientHello of the client at `peer` (within the SRP config's ClientHello
    /// deadline), routes it, and runs the handshake of the side it goes to (within the SRP
    /// config's handshake deadline for rustls; the SRP side applies its config). `TimedOut`
    /// when a deadline passes; a TLS failure is `InvalidData` with the tls-srp or rustls
    /// error inside.
    pub async fn accept<IO>(
        &self,
        mut io: IO,
        peer: Option<IpAddr>,
    ) -> io::Result<OnePortStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let config = self.srp.config();
        let started = Instant::now();
        let (route, hello) = within(started, config.client_hello_timeout, async {
            let mut hello = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                if let Some(route) = route(&hello) {
                    return Ok((route, hello));
                }
                match io.read(&mut buf).await? {
                    0 => {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "peer closed the connection before its ClientHello was complete",
                        ))
                    }
                    n => hello.extend_from_slice(&buf[..n]),
                }
            }
        })
        .await?;
        match route {
            Route::Srp => self
                .srp
                .accept_prefixed(io, peer, hello)
                .await
                .map(OnePortStream::Srp),
            Route::Certificate => within(
                started,
                config.handshake_timeout,
                self.certificates.accept(Rewind::new(hello, io)),
            )
            .await
            .map(|s| OnePortStream::Certificate(Box::new(s))),
        }
    }
}

/// `fut`, bounded by `timeout` from `start` (`TimedOut`).
async fn within<T>(
    start: Instant,
    timeout: Option<Duration>,
    fut: impl std::future::Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match timeout.and_then(|t| start.checked_add(t)) {
        Some(at) => ::tokio::time::timeout_at(at.into(), fut)
            .await
            .unwrap_or_else(|_| Err(Error::HandshakeTimedOut.into())),
        None => fut.await,
    }
}

/// A stream of either kind, after its handshake.
// The SRP stream is kept inline (the common case here); the rustls one is boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum OnePortStream<IO> {
    /// A TLS-SRP client.
    Srp(TlsStream<IO>),
    /// A certificate client, served by rustls.
    Certificate(Box<tokio_rustls::server::TlsStream<Rewind<IO>>>),
}

impl<IO> OnePortStream<IO> {
    /// Who the client is.
    pub fn peer(&self) -> Peer {
        match self {
            Self::Srp(s) => Peer::of_srp(s.get_ref().1),
            Self::Certificate(s) => Peer::of_rustls(s.get_ref().1),
        }
    }

    /// The transport.
    pub fn get_ref(&self) -> &IO {
        match self {
            Self::Srp(s) => s.get_ref().0,
            Self::Certificate(s) => &s.get_ref().0.io,
        }
    }
}

macro_rules! either {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            OnePortStream::Srp($s) => {
                let $s = Pin::new($s);
                $e
            }
            OnePortStream::Certificate($s) => {
                let $s = Pin::new(&mut **$s);
                $e
            }
        }
    };
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for OnePortStream<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        either!(self, s => s.poll_read(cx, buf))
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for OnePortStream<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        either!(self, s => s.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        either!(self, s => s.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Srp(s) => s.is_write_vectored(),
            Self::Certificate(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        either!(self, s => s.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        either!(self, s => s.poll_shutdown(cx))
    }
}

/// A transport whose first bytes were already read: reads give them back first.
#[derive(Debug)]
pub struct Rewind<IO> {
    prefix: Vec<u8>,
    at: usize,
    /// The transport.
    pub io: IO,
}

impl<IO> Rewind<IO> {
    /// `io`, whose next reads give `prefix` first.
    pub fn new(prefix: Vec<u8>, io: IO) -> Self {
        Self { prefix, at: 0, io }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Rewind<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(left) = this.prefix.get(this.at..).filter(|l| !l.is_empty()) {
            let n = left.len().min(buf.remaining());
            buf.put_slice(&left[..n]);
            this.at += n;
            if this.at == this.prefix.len() {
                this.prefix = Vec::new();
                this.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Rewind<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
