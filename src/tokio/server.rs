//! The server side: [`TlsAcceptor`] (users from the config's store), [`LazyAcceptor`]
//! (users looked up by the application, asynchronously), and [`TlsStream`].
//!
//! Both apply every defence of the [`ServerConfig`] (they live in the server connection
//! itself): a handshake slot is waited for (at most the handshake timeout) and held until
//! the handshake ends, the client's address goes to the rate limiter with the username,
//! the limiter's delays are waited out with a timer, and the ClientHello and handshake
//! deadlines end a handshake that takes too long (error kind `TimedOut`, no alert). The
//! timers need the tokio time driver (`enable_time`/`enable_all`, as `#[tokio::main]` has).

use std::future::Future;
use std::io;
use std::mem;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite};

use super::common::{tls_error, Session, Stream, Until};
use super::handshake::{HandshakeFailure, MidHandshake, NewServerConnection};
use crate::error::Error;
use crate::server::{ServerConfig, ServerConnection, UserRecord};

/// Accepts TLS-SRP connections over async transports, looking users up in the config's
/// `user_store`. Cheap to clone.
///
/// ```no_run
/// # async fn run(acceptor: tls_srp::tokio::TlsAcceptor) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:4433").await?;
/// loop {
///     let (tcp, peer) = listener.accept().await?;
///     let acceptor = acceptor.clone();
///     tokio::spawn(async move {
///         if let Ok(tls) = acceptor.accept(tcp, Some(peer.ip())).await {
///             // serve `tls`
/// #           drop(tls);
///         }
///     });
/// }
/// # }
/// ```
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
    /// Starts a handshake with the client at `peer` (`None` if the transport has no IP
    /// address: then only the username counts for the rate limiter, and only the total cap
    /// on handshakes applies) on `io`.
    ///
    /// The future waits for a handshake slot, then resolves once the handshake has
    /// completed. It fails with an error of kind `TimedOut` once a deadline of the config
    /// has passed (the ClientHello's, then the whole handshake's), or if no slot became
    /// free within the handshake timeout.
    pub fn accept<IO>(&self, io: IO, peer: Option<IpAddr>) -> Accept<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        self.accept_prefixed(io, peer, Vec::new())
    }

    /// [`Self::accept`] of a connection whose first bytes (`prefix`) were already read.
    pub(crate) fn accept_prefixed<IO>(
        &self,
        io: IO,
        peer: Option<IpAddr>,
        prefix: Vec<u8>,
    ) -> Accept<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        Accept(AcceptState::WaitSlot {
            io,
            new: NewServerConnection::new(self.config.clone(), peer),
            prefix,
        })
    }

    /// The config connections are accepted with.
    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }
}

// The handshake variant holds the whole connection, inline: it is the one that matters, and
// the future is made once per connection.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum AcceptState<IO> {
    /// Waiting for a handshake slot; `prefix`: bytes of the client already read.
    WaitSlot {
        io: IO,
        new: NewServerConnection,
        prefix: Vec<u8>,
    },
    Handshake(MidHandshake<IO, ServerConnection>),
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AcceptState<IO> {
    fn poll_stream(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<TlsStream<IO>, HandshakeFailure<IO>>> {
        loop {
            match self {
                Self::WaitSlot { new, .. } => {
                    let made = std::task::ready!(new.poll_connection(cx));
                    let Self::WaitSlot { io, prefix, .. } =
                        mem::replace(self, Self::Handshake(MidHandshake::End))
                    else {
                        unreachable!("matched above")
                    };
                    *self = Self::Handshake(match made {
                        Ok(conn) => feed(Stream::new(io, conn), &prefix),
                        Err(error) => MidHandshake::Error { io, error },
                    });
                }
                Self::Handshake(hs) => {
                    return hs
                        .poll_until(cx, Until::Done)
                        .map(|r| r.map(|inner| TlsStream { inner }))
                }
            }
        }
    }
}

/// A new connection with the bytes already read from its client, processed.
fn feed<IO>(
    mut stream: Stream<IO, ServerConnection>,
    prefix: &[u8],
) -> MidHandshake<IO, ServerConnection>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let mut rest = prefix;
    while !rest.is_empty() {
        let res = match stream.conn.read_tls(&mut rest) {
            Ok(_) => stream
                .conn
                .process_new_packets()
                .map(|_| ())
                .map_err(tls_error),
            Err(e) => Err(e),
        };
        if let Err(error) = res {
            let error = stream.conn.handshake_error(error);
            return match stream.conn.wants_write() {
                true => MidHandshake::SendAlert { stream, error },
                false => MidHandshake::Error {
                    io: stream.io,
                    error,
                },
            };
        }
    }
    MidHandshake::Handshaking(stream)
}

/// The server handshake, from [`TlsAcceptor::accept`] or [`StartHandshake::into_stream`].
/// Resolves to a [`TlsStream`].
///
/// A failure is an `io::Error` carrying a [`crate::AcceptError`]: who tried (the requested
/// username, the address), the rate limiter's decision, and why
/// ([`crate::AcceptError::reason`]). A TLS failure is of kind `InvalidData` and
/// [`Error::from_io`] gives its [`crate::Error`] (a wrong password is
/// [`Error::DecryptError`], a locked-out user [`Error::LockedOut`]); the alert describing it
/// has been sent to the client first.
#[derive(Debug)]
pub struct Accept<IO>(AcceptState<IO>);

impl<IO> Accept<IO> {
    /// The same handshake, but giving the transport back on failure.
    pub fn into_fallible(self) -> FallibleAccept<IO> {
        FallibleAccept(self.0)
    }

    /// The transport, unless the future has completed.
    pub fn get_ref(&self) -> Option<&IO> {
        match &self.0 {
            AcceptState::WaitSlot { io, .. } => Some(io),
            AcceptState::Handshake(hs) => hs.io_ref(),
        }
    }

    /// The transport, mutably, unless the future has completed.
    pub fn get_mut(&mut self) -> Option<&mut IO> {
        match &mut self.0 {
            AcceptState::WaitSlot { io, .. } => Some(io),
            AcceptState::Handshake(hs) => hs.io_mut(),
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Accept<IO> {
    type Output = io::Result<TlsStream<IO>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.poll_stream(cx).map_err(|(e, _)| e)
    }
}

/// Like [`Accept`], but a failure comes with the transport
/// (`None` only if polled again after completion).
#[derive(Debug)]
pub struct FallibleAccept<IO>(AcceptState<IO>);

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for FallibleAccept<IO> {
    type Output = Result<TlsStream<IO>, HandshakeFailure<IO>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.poll_stream(cx)
    }
}

/// Reads a client's hello and stops there, so that the application can look the user up
/// asynchronously before the handshake goes on. Resolves to a [`StartHandshake`]. Every
/// defence of the config applies as with [`TlsAcceptor`] (slots, deadlines from the start,
/// the rate limiter after the lookup).
///
/// ```no_run
/// # async fn lookup(_: &str) -> Option<tls_srp::UserRecord> { None }
/// # async fn serve(config: std::sync::Arc<tls_srp::ServerConfig>, tcp: tokio::net::TcpStream) -> std::io::Result<()> {
/// // `config` from `ServerConfig::with_async_lookup()`.
/// let peer = tcp.peer_addr()?.ip();
/// let start = tls_srp::tokio::LazyAcceptor::new(config, tcp, Some(peer)).await?;
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

#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum LazyState<IO> {
    /// Waiting for a handshake slot.
    WaitSlot { io: IO, new: NewServerConnection },
    /// Reading the ClientHello (or failed, sending the alert that says why).
    Reading(MidHandshake<IO, ServerConnection>),
    /// Failed; `error` is `None` once it has been reported.
    Failed { io: IO, error: Option<io::Error> },
    /// Resolved, or the transport was taken.
    Done,
}

impl<IO> LazyAcceptor<IO>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    /// Starts reading a ClientHello from `io`, a client at `peer` (`None` if the transport
    /// has no IP address). `config` must have no `user_store` (see
    /// [`ServerConfig::with_async_lookup`]); otherwise the future fails with
    /// [`Error::ApiMisuse`] inside an `InvalidInput` error.
    ///
    /// The config's ClientHello deadline bounds this future; the handshake deadline bounds
    /// it and the [`Accept`] that follows (the lookup in between included).
    pub fn new(config: Arc<ServerConfig>, io: IO, peer: Option<IpAddr>) -> Self {
        let state = match config.user_store.is_some() {
            true => LazyState::Failed {
                io,
                error: Some(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    Error::ApiMisuse("LazyAcceptor needs a config without a user store (ServerConfig::with_async_lookup)"),
                )),
            },
            false => LazyState::WaitSlot {
                io,
                new: NewServerConnection::new(config, peer),
            },
        };
        Self { state }
    }

    /// Takes the transport back, for example after a failure or a timeout, to answer in
    /// plaintext. `None` once the future has resolved successfully or the transport has
    /// already been taken.
    pub fn take_io(&mut self) -> Option<IO> {
        match mem::replace(&mut self.state, LazyState::Done) {
            LazyState::WaitSlot { io, .. } | LazyState::Failed { io, .. } => Some(io),
            LazyState::Reading(mut hs) => match mem::replace(&mut hs, MidHandshake::End) {
                MidHandshake::Handshaking(s) | MidHandshake::SendAlert { stream: s, .. } => {
                    Some(s.io)
                }
                MidHandshake::Error { io, .. } => Some(io),
                MidHandshake::End => None,
            },
            LazyState::Done => None,
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
                LazyState::WaitSlot { io, mut new } => match new.poll_connection(cx) {
                    Poll::Pending => {
                        this.state = LazyState::WaitSlot { io, new };
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok(conn)) => {
                        this.state =
                            LazyState::Reading(MidHandshake::Handshaking(Stream::new(io, conn)));
                    }
                    Poll::Ready(Err(error)) => {
                        this.state = LazyState::Failed {
                            io,
                            error: Some(error),
                        }
                    }
                },
                LazyState::Reading(mut hs) => match hs.poll_until(cx, Until::DoneOrUserLookup) {
                    Poll::Pending => {
                        this.state = LazyState::Reading(hs);
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok(stream)) if stream.conn.pending_user_lookup().is_some() => {
                        return Poll::Ready(Ok(StartHandshake { stream }));
                    }
                    Poll::Ready(Ok(stream)) => {
                        this.state = LazyState::Failed {
                            io: stream.io,
                            error: Some(io::Error::other(
                                "TLS handshake ended without a user lookup",
                            )),
                        };
                    }
                    Poll::Ready(Err((error, io))) => match io {
                        Some(io) => {
                            this.state = LazyState::Failed {
                                io,
                                error: Some(error),
                            }
                        }
                        None => return Poll::Ready(Err(error)),
                    },
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
/// continue with [`Self::into_stream`]. It holds its handshake slot until then (or until it
/// is dropped), and the handshake deadline keeps running during the lookup.
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
    /// Records the client sent meanwhile are processed at once.
    pub fn into_stream(self, user: Option<UserRecord>) -> Accept<IO> {
        let mut stream = self.stream;
        let hs = match stream.conn.supply_user(user) {
            Ok(()) => MidHandshake::Handshaking(stream),
            Err(err) if stream.conn.wants_write() => MidHandshake::SendAlert {
                error: stream.conn.handshake_error(tls_error(err)),
                stream,
            },
            Err(err) => MidHandshake::Error {
                error: stream.conn.handshake_error(tls_error(err)),
                io: stream.io,
            },
        };
        Accept(AcceptState::Handshake(hs))
    }
}

super::common::tls_stream!(
    /// A server TLS-SRP stream over `IO`, after the handshake. Its connection knows the
    /// authenticated [`ServerConnection::username`].
    ServerConnection
);
