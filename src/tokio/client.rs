//! The client side: [`TlsConnector`], its [`Connect`] future and [`TlsStream`].

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ::tokio::io::{AsyncRead, AsyncWrite};

use super::common::Stream;
use super::handshake::{HandshakeFailure, MidHandshake};
use crate::client::{ClientConfig, ClientConnection};

/// How long a client handshake may take by default: [`TlsConnector::handshake_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Makes TLS-SRP client connections over async transports. Cheap to clone.
///
/// Handshakes time out after [`DEFAULT_CONNECT_TIMEOUT`] unless set otherwise with
/// [`Self::handshake_timeout`]; the timeout needs the tokio time driver
/// (`enable_time`/`enable_all`, as `#[tokio::main]` has).
#[derive(Debug, Clone)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
    timeout: Option<Duration>,
}

impl From<Arc<ClientConfig>> for TlsConnector {
    fn from(config: Arc<ClientConfig>) -> Self {
        Self {
            config,
            timeout: Some(DEFAULT_CONNECT_TIMEOUT),
        }
    }
}

impl TlsConnector {
    /// Starts a handshake over `io`, logging in with the config's credentials.
    /// `server_name` is sent as SNI if it is a DNS name (see [`ClientConnection::new`]).
    ///
    /// The future resolves once the handshake has completed, or fails with an error of
    /// kind `TimedOut` once the handshake timeout (counted from this call) has passed.
    pub fn connect<IO>(&self, server_name: Option<&str>, io: IO) -> Connect<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let hs = match ClientConnection::new(self.config.clone(), server_name) {
            Ok(mut conn) => {
                conn.set_handshake_deadline(
                    self.timeout.and_then(|t| Instant::now().checked_add(t)),
                );
                MidHandshake::Handshaking(Stream::new(io, conn))
            }
            Err(err) => MidHandshake::Error {
                io,
                error: io::Error::other(err),
            },
        };
        Connect(hs)
    }

    /// Sets how long a handshake may take (`None`: for ever; the default is
    /// [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The config connections are made with.
    pub fn config(&self) -> &Arc<ClientConfig> {
        &self.config
    }
}

/// The client handshake, from [`TlsConnector::connect`]. Resolves to a [`TlsStream`].
///
/// A TLS failure is an `io::Error` of kind `InvalidData` whose inner error is a
/// [`crate::Error`]; the alert describing it has been sent to the server first.
#[derive(Debug)]
pub struct Connect<IO>(MidHandshake<IO, ClientConnection>);

impl<IO> Connect<IO> {
    /// The same handshake, but giving the transport back on failure.
    pub fn into_fallible(self) -> FallibleConnect<IO> {
        FallibleConnect(self.0)
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

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Connect<IO> {
    type Output = io::Result<TlsStream<IO>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.map(|inner| TlsStream { inner }).map_err(|(e, _)| e))
    }
}

/// Like [`Connect`], but a failure comes with the transport
/// (`None` only if polled again after completion).
#[derive(Debug)]
pub struct FallibleConnect<IO>(MidHandshake<IO, ClientConnection>);

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for FallibleConnect<IO> {
    type Output = Result<TlsStream<IO>, HandshakeFailure<IO>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.map(|inner| TlsStream { inner }))
    }
}

super::common::tls_stream!(
    /// A client TLS-SRP stream over `IO`, after the handshake.
    ClientConnection
);
