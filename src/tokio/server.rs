//! The server side: [`TlsAcceptor`] (users from the config's store), [`LazyAcceptor`]
//! (users looked up by the application, asynchronously), and [`TlsStream`].

use std::future::Future;
use std::io;
use std::mem;
#[cfg(unix)]
use std::os::unix::io::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::common::{tls_error, Session, Stream};
use super::handshake::{HandshakeFailure, MidHandshake};
use crate::error::Error;
use crate::server::{ServerConfig, ServerConnection, UserRecord};

/// Accepts TLS-SRP connections over async transports, looking users up in the config's
/// `user_store`. Cheap to clone.
///
/// For a config without a store (users looked up by the application, for example in a
/// database), use [`LazyAcceptor`] instead.
#[derive(Debug, Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

impl From<Arc<ServerConfig>> for TlsAcceptor {
    fn from(config: Arc<ServerConfig>) -> Self {
        Self { config }
    }
}

impl TlsAcceptor {
    /// Starts a handshake with the client on `io`.
    ///
    /// The future resolves once the handshake has completed. A client can keep it waiting
    /// for as long as it likes: bound it with `tokio::time::timeout`.
    pub fn accept<IO>(&self, io: IO) -> Accept<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        Accept(match ServerConnection::new(self.config.clone()) {
            Ok(conn) => MidHandshake::Handshaking(Stream::new(io, conn)),
            Err(err) => MidHandshake::Error {
                io,
                error: io::Error::other(err),
            },
        })
    }

    /// The config connections are accepted with.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }
}

/// The server handshake, from [`TlsAcceptor::accept`] or [`StartHandshake::into_stream`].
/// Resolves to a [`TlsStream`].
///
/// A TLS failure is an `io::Error` of kind `InvalidData` whose inner error is a
/// [`crate::Error`] (a wrong password is [`Error::DecryptError`]); the alert describing it
/// has been sent to the client first.
#[derive(Debug)]
pub struct Accept<IO>(MidHandshake<IO, ServerConnection>);

impl<IO> Accept<IO> {
    /// The same handshake, but giving the transport back on failure.
    pub fn into_fallible(self) -> FallibleAccept<IO> {
        FallibleAccept(self.0)
    }

    /// The transport, unless the future has completed.
    pub fn get_ref(&self) -> Option<&IO> {
        self.0.io_ref()
    }

    /// The transport, mutably, unless the future has completed.
    pub fn get_mut(&mut self) -> Option<&mut IO> {
        self.0.io_mut()
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Accept<IO> {
    type Output = io::Result<TlsStream<IO>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.map(|inner| TlsStream { inner }).map_err(|(e, _)| e))
    }
}

/// Like [`Accept`], but a failure comes with the transport
/// (`None` only if polled again after completion).
#[derive(Debug)]
pub struct FallibleAccept<IO>(MidHandshake<IO, ServerConnection>);

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for FallibleAccept<IO> {
    type Output = Result<TlsStream<IO>, HandshakeFailure<IO>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.map(|inner| TlsStream { inner }))
    }
}

/// Reads a client's hello and stops there, so that the application can look the user up
/// asynchronously before the handshake goes on. Resolves to a [`StartHandshake`].
///
/// ```no_run
/// # async fn lookup(_: &str) -> Option<tls_srp::UserRecord> { None }
/// # async fn serve(config: std::sync::Arc<tls_srp::ServerConfig>, tcp: tokio::net::TcpStream) -> std::io::Result<()> {
/// // `config` from `ServerConfig::with_async_lookup()`.
/// let start = tls_srp::tokio::LazyAcceptor::new(config, tcp).await?;
/// let user = lookup(start.username()).await; // a database query, say
/// let tls = start.into_stream(user).await?;
/// # Ok(()) }
/// ```
///
/// On failure the transport stays inside; [`Self::take_io`] gives it back.
#[derive(Debug)]
pub struct LazyAcceptor<IO> {
    state: LazyState<IO>,
}

#[derive(Debug)]
enum LazyState<IO> {
    /// Waiting for the ClientHello.
    Reading(Stream<IO, ServerConnection>),
    /// Failed; sending the alert that says why.
    SendAlert {
        stream: Stream<IO, ServerConnection>,
        error: io::Error,
    },
    /// Failed; `error` is `None` once it has been reported.
    Failed { io: IO, error: Option<io::Error> },
    /// Resolved, or the transport was taken.
    Done,
}

impl<IO> LazyAcceptor<IO>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    /// Starts reading a ClientHello from `io`. `config` must have no `user_store`
    /// (see [`ServerConfig::with_async_lookup`]); otherwise the future fails with
    /// [`Error::ApiMisuse`] inside an `InvalidInput` error.
    ///
    /// A client can keep this future waiting: bound it, and the [`Accept`] that follows,
    /// with `tokio::time::timeout` (or one shared deadline with `timeout_at`).
    pub fn new(config: Arc<ServerConfig>, io: IO) -> Self {
        let state = if config.user_store.is_some() {
            LazyState::Failed {
                io,
                error: Some(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    Error::ApiMisuse("LazyAcceptor needs a config without a user store (ServerConfig::with_async_lookup)"),
                )),
            }
        } else {
            match ServerConnection::new(config) {
                Ok(conn) => LazyState::Reading(Stream::new(io, conn)),
                Err(err) => LazyState::Failed {
                    io,
                    error: Some(io::Error::other(err)),
                },
            }
        };
        Self { state }
    }

    /// Takes the transport back, for example after a failure or a timeout, to answer in
    /// plaintext. `None` once the future has resolved successfully or the transport has
    /// already been taken.
    pub fn take_io(&mut self) -> Option<IO> {
        match mem::replace(&mut self.state, LazyState::Done) {
            LazyState::Reading(s) | LazyState::SendAlert { stream: s, .. } => Some(s.io),
            LazyState::Failed { io, .. } => Some(io),
            LazyState::Done => None,
        }
    }
}

/// Reads until the ClientHello has been processed. `Ready(Ok(()))` once the connection waits
/// for a user record.
fn poll_client_hello<IO>(
    stream: &mut Stream<IO, ServerConnection>,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        if stream.conn.awaiting_user() {
            return Poll::Ready(Ok(()));
        }
        // The core sends nothing before it has the user, but never strand queued bytes.
        let write_blocked = stream.poll_drain(cx)?.is_pending();
        if !stream.conn.is_handshaking() || !stream.conn.wants_read() {
            return if write_blocked {
                Poll::Pending
            } else {
                Poll::Ready(Err(io::Error::other(
                    "TLS handshake stalled before the user lookup",
                )))
            };
        }
        match std::task::ready!(stream.read_io(cx))? {
            0 => {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "peer closed the connection before its ClientHello was complete",
                )))
            }
            _ => continue,
        }
    }
}

impl<IO> Future for LazyAcceptor<IO>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    type Output = io::Result<StartHandshake<IO>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match mem::replace(&mut this.state, LazyState::Done) {
                LazyState::Reading(mut stream) => match poll_client_hello(&mut stream, cx) {
                    Poll::Ready(Ok(())) => return Poll::Ready(Ok(StartHandshake { stream })),
                    Poll::Pending => {
                        this.state = LazyState::Reading(stream);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(error)) => {
                        this.state = if stream.conn.wants_write() {
                            LazyState::SendAlert { stream, error }
                        } else {
                            LazyState::Failed {
                                io: stream.io,
                                error: Some(error),
                            }
                        };
                    }
                },
                LazyState::SendAlert { mut stream, error } => match stream.poll_drain(cx) {
                    Poll::Pending => {
                        this.state = LazyState::SendAlert { stream, error };
                        return Poll::Pending;
                    }
                    Poll::Ready(_) => {
                        this.state = LazyState::Failed {
                            io: stream.io,
                            error: Some(error),
                        }
                    }
                },
                LazyState::Failed { io, error } => {
                    this.state = LazyState::Failed { io, error: None };
                    return Poll::Ready(Err(error.unwrap_or_else(|| {
                        io::Error::other("LazyAcceptor polled after completion")
                    })));
                }
                LazyState::Done => {
                    return Poll::Ready(Err(io::Error::other(
                        "LazyAcceptor polled after completion",
                    )));
                }
            }
        }
    }
}

/// A handshake stopped after the ClientHello, from [`LazyAcceptor`]: look the user up, then
/// continue with [`Self::into_stream`].
#[derive(Debug)]
pub struct StartHandshake<IO> {
    stream: Stream<IO, ServerConnection>,
}

impl<IO> StartHandshake<IO>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    /// The SRP username the client sent.
    pub fn username(&self) -> &str {
        self.stream.conn.pending_user_lookup().unwrap_or_default()
    }

    /// The SNI host name the client sent, if any.
    pub fn server_name(&self) -> Option<&str> {
        self.stream.conn.server_name()
    }

    /// The transport and the connection.
    pub fn get_ref(&self) -> (&IO, &ServerConnection) {
        (&self.stream.io, &self.stream.conn)
    }

    /// Gives back the transport, abandoning the handshake without a word to the client.
    pub fn into_io(self) -> IO {
        self.stream.io
    }

    /// Continues the handshake with the user's record, or `None` if there is no such user
    /// (then the config's [`crate::UnknownUserPolicy`] applies: by default the handshake goes
    /// on with a simulated user and fails at the client's Finished, as for a wrong password).
    pub fn into_stream(self, user: Option<UserRecord>) -> Accept<IO> {
        let mut stream = self.stream;
        Accept(match stream.conn.supply_user(user) {
            Ok(()) => MidHandshake::Handshaking(stream),
            Err(err) if stream.conn.wants_write() => MidHandshake::SendAlert {
                stream,
                error: tls_error(err),
            },
            Err(err) => MidHandshake::Error {
                io: stream.io,
                error: tls_error(err),
            },
        })
    }
}

/// A server TLS-SRP stream over `IO`, after the handshake.
///
/// Reads return 0 once the client has sent close_notify, and fail with `UnexpectedEof` if it
/// closed the transport without one. `shutdown` sends close_notify, then shuts `IO` down.
/// Writes are encrypted and sent as they come; call `flush` to be sure they have left.
#[derive(Debug)]
pub struct TlsStream<IO> {
    inner: Stream<IO, ServerConnection>,
}

impl<IO> TlsStream<IO> {
    /// The transport and the connection (which knows the authenticated
    /// [`ServerConnection::username`]).
    pub fn get_ref(&self) -> (&IO, &ServerConnection) {
        (&self.inner.io, &self.inner.conn)
    }

    /// The transport and the connection, mutably.
    pub fn get_mut(&mut self) -> (&mut IO, &mut ServerConnection) {
        (&mut self.inner.io, &mut self.inner.conn)
    }

    /// Gives back the transport and the connection.
    pub fn into_inner(self) -> (IO, ServerConnection) {
        (self.inner.io, self.inner.conn)
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().inner.poll_read(cx, buf)
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.poll_shutdown(cx)
    }
}

#[cfg(unix)]
impl<IO: AsRawFd> AsRawFd for TlsStream<IO> {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.io.as_raw_fd()
    }
}
