//! The server side: [`TlsAcceptor`] (users from the config's store), [`LazyAcceptor`]
//! (users looked up by the application, asynchronously), and [`TlsStream`].

use std::future::Future;
use std::io;
use std::mem;
use std::net::IpAddr;
#[cfg(unix)]
use std::os::unix::io::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::sync::Semaphore;

use super::common::{tls_error, Session, Stream};
use super::handshake::{timed_out, Bounded, HandshakeFailure, MidHandshake};
use crate::error::Error;
use crate::limits::{decoy_record, RateLimiter};
use crate::server::{ServerConfig, ServerConnection, UserRecord};

/// How long a server handshake may take by default: [`TlsAcceptor::handshake_timeout`].
pub const DEFAULT_ACCEPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts TLS-SRP connections over async transports, looking users up in the config's
/// `user_store`. Cheap to clone (clones share the rate limiter and handshake slots).
///
/// Limits, all applied by [`Self::accept_from`]:
/// - a handshake timeout, [`DEFAULT_ACCEPT_TIMEOUT`] unless set with
///   [`Self::handshake_timeout`] (also applied by [`Self::accept`]). It needs the tokio time
///   driver (`enable_time`/`enable_all`, as `#[tokio::main]` has);
/// - at most [`Self::max_handshakes`] handshakes at once: further connections wait for a
///   slot (at most the handshake timeout), then are dropped without a word;
/// - a [`RateLimiter`] ([`Self::rate_limiter`]): failed passwords per username and client
///   address slow down, then lock out, further attempts (see [`crate::limits`]).
///
/// For a config without a store (users looked up by the application, for example in a
/// database), use [`LazyAcceptor`] instead.
#[derive(Debug, Clone)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
    timeout: Option<Duration>,
    slots: Option<Arc<Semaphore>>,
    limiter: Option<Arc<RateLimiter>>,
    /// `config` without its store, for rate-limited handshakes (which stop for the lookup).
    lazy: Option<Arc<ServerConfig>>,
}

impl From<Arc<ServerConfig>> for TlsAcceptor {
    fn from(config: Arc<ServerConfig>) -> Self {
        Self {
            config,
            timeout: Some(DEFAULT_ACCEPT_TIMEOUT),
            slots: None,
            limiter: None,
            lazy: None,
        }
    }
}

/// Whether `e` is a failed password (the client's Finished did not verify).
fn is_failed_password(e: &io::Error) -> bool {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>())
        .is_some_and(|inner| *inner == Error::DecryptError)
}

impl TlsAcceptor {
    /// Starts a handshake with the client on `io`.
    ///
    /// The future resolves once the handshake has completed, or fails with an error of
    /// kind `TimedOut` once the handshake timeout (counted from this call) has passed.
    /// The rate limiter and the handshake slots are not used: see [`Self::accept_from`].
    pub fn accept<IO>(&self, io: IO) -> Accept<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let hs = match ServerConnection::new(self.config.clone()) {
            Ok(conn) => MidHandshake::Handshaking(Stream::new(io, conn)),
            Err(err) => MidHandshake::Error {
                io,
                error: io::Error::other(err),
            },
        };
        Accept(Bounded::new(hs, self.timeout))
    }

    /// Sets how long a handshake may take, from the call to `accept` (or from getting a
    /// handshake slot in `accept_from`) to the end of the handshake, rate-limit delay
    /// included (`None`: for ever). The default is [`DEFAULT_ACCEPT_TIMEOUT`].
    pub fn handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Allows at most `n` (at least 1) handshakes at once in [`Self::accept_from`]; more
    /// wait for a slot, at most the handshake timeout (then fail with `TimedOut`, the
    /// transport dropped without a word), and then have the whole handshake timeout for
    /// their handshake. Default: no limit.
    pub fn max_handshakes(mut self, n: usize) -> Self {
        self.slots = Some(Arc::new(Semaphore::new(n.clamp(1, Semaphore::MAX_PERMITS))));
        self
    }

    /// Rate-limits failed logins in [`Self::accept_from`] with `limiter` (share one limiter
    /// between all the acceptors of a service). Default: none.
    pub fn rate_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.lazy = self.config.user_store.as_ref().map(|_| {
            let mut lazy = (*self.config).clone();
            lazy.user_store = None;
            Arc::new(lazy)
        });
        self.limiter = Some(limiter);
        self
    }

    /// The rate limiter, if any.
    pub fn limiter(&self) -> Option<&Arc<RateLimiter>> {
        self.limiter.as_ref()
    }

    /// Accepts a client connected from `peer` (`None` if the transport has no IP address)
    /// with every limit of this acceptor: a handshake slot, the rate limiter (whose delay
    /// comes before the server's first flight, and whose lockout makes the handshake fail
    /// at the client's Finished with `bad_record_mac`, like a wrong password), and the
    /// handshake timeout over all of it. The outcome is fed back to the rate limiter.
    ///
    /// ```no_run
    /// # async fn run(acceptor: tls_srp::tokio::TlsAcceptor) -> std::io::Result<()> {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:4433").await?;
    /// loop {
    ///     let (tcp, peer) = listener.accept().await?;
    ///     let acceptor = acceptor.clone();
    ///     tokio::spawn(async move {
    ///         if let Ok(tls) = acceptor.accept_from(tcp, Some(peer.ip())).await {
    ///             // serve `tls`
    /// #           drop(tls);
    ///         }
    ///     });
    /// }
    /// # }
    /// ```
    pub async fn accept_from<IO>(&self, io: IO, peer: Option<IpAddr>) -> io::Result<TlsStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        // Waiting for a slot is bounded by the handshake timeout too, separately: a client
        // that got a slot late still has the whole timeout for its handshake.
        let _slot = match &self.slots {
            Some(slots) => {
                let acquire = slots.clone().acquire_owned();
                let slot = match self.timeout {
                    Some(t) => ::tokio::time::timeout(t, acquire)
                        .await
                        .map_err(|_| timed_out())?,
                    None => acquire.await,
                };
                Some(slot.map_err(|_| io::Error::other("handshake slots closed"))?)
            }
            None => None,
        };
        let work = async {
            match (&self.limiter, &self.lazy) {
                (Some(limiter), Some(lazy)) => self.accept_limited(io, peer, limiter, lazy).await,
                _ => {
                    let hs = match ServerConnection::new(self.config.clone()) {
                        Ok(conn) => MidHandshake::Handshaking(Stream::new(io, conn)),
                        Err(err) => return Err(io::Error::other(err)),
                    };
                    Accept(Bounded::new(hs, None)).await
                }
            }
        };
        match self.timeout {
            Some(t) => ::tokio::time::timeout(t, work)
                .await
                .unwrap_or_else(|_| Err(timed_out())),
            None => work.await,
        }
    }

    async fn accept_limited<IO>(
        &self,
        io: IO,
        peer: Option<IpAddr>,
        limiter: &RateLimiter,
        lazy: &Arc<ServerConfig>,
    ) -> io::Result<TlsStream<IO>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let conn = ServerConnection::new(lazy.clone()).map_err(io::Error::other)?;
        let start = match (LazyAcceptor {
            state: LazyState::Reading(Stream::new(io, conn)),
        })
        .await
        {
            Ok(start) => start,
            Err(e) => {
                // A username that is not UTF-8 is never looked up: its (simulated) handshake
                // runs to its end here and counts against the address only.
                if is_failed_password(&e) {
                    limiter.record_failure(None, peer);
                }
                return Err(e);
            }
        };
        let username = start.username().to_owned();
        let decision = limiter.check(Some(&username), peer);
        if !decision.delay().is_zero() {
            ::tokio::time::sleep(decision.delay()).await;
        }
        let real = self
            .config
            .user_store
            .as_ref()
            .and_then(|store| store.lookup(&username));
        let record = match (decision.must_fail(), real) {
            (true, Some(real)) => Some(decoy_record(&username, &real).map_err(io::Error::other)?),
            (true, None) => None,
            (false, real) => real,
        };
        match start.into_stream(record).await {
            Ok(tls) => {
                limiter.record_success(&username);
                Ok(tls)
            }
            Err(e) => {
                if is_failed_password(&e) {
                    limiter.record_failure(Some(&username), peer);
                }
                Err(e)
            }
        }
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
pub struct Accept<IO>(Bounded<IO, ServerConnection>);

impl<IO> Accept<IO> {
    /// The same handshake, but giving the transport back on failure.
    pub fn into_fallible(self) -> FallibleAccept<IO> {
        FallibleAccept(self.0)
    }

    /// The transport, unless the future has completed.
    pub fn get_ref(&self) -> Option<&IO> {
        self.0.hs.io_ref()
    }

    /// The transport, mutably, unless the future has completed.
    pub fn get_mut(&mut self) -> Option<&mut IO> {
        self.0.hs.io_mut()
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
pub struct FallibleAccept<IO>(Bounded<IO, ServerConnection>);

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
        let hs = match stream.conn.supply_user(user) {
            Ok(()) => MidHandshake::Handshaking(stream),
            Err(err) if stream.conn.wants_write() => MidHandshake::SendAlert {
                stream,
                error: tls_error(err),
            },
            Err(err) => MidHandshake::Error {
                io: stream.io,
                error: tls_error(err),
            },
        };
        Accept(Bounded::new(hs, None))
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
