//! Async adapters for tokio (default feature `tokio`), in the shape of tokio-rustls.
//!
//! - [`TlsConnector`]`::connect(server_name, io)` → [`client::TlsStream`];
//! - [`TlsAcceptor`]`::accept(io, peer)` → [`server::TlsStream`], users from the config's
//!   store;
//! - [`LazyAcceptor`]`::new(config, io, peer)` → [`StartHandshake`] once the ClientHello is in:
//!   look the user up asynchronously by [`StartHandshake::username`], then
//!   [`StartHandshake::into_stream`] finishes the handshake.
//!
//! Both streams implement `AsyncRead + AsyncWrite`. The sans-IO core runs unchanged: the
//! transport's `Poll::Pending` is shown to it as `ErrorKind::WouldBlock`.
//!
//! Errors are `std::io::Error`s. A TLS failure has kind `InvalidData` and carries a
//! [`crate::Error`], sent to the peer as an alert before the error is returned:
//!
//! ```
//! fn tls_error(e: &std::io::Error) -> Option<&tls_srp::Error> {
//!     e.get_ref()?.downcast_ref::<tls_srp::Error>()
//! }
//! ```
//!
//! Handshakes time out (error kind `TimedOut`): on the server by the config's
//! `client_hello_timeout` and `handshake_timeout` (see [`crate::ServerConfig`]), on the
//! client after [`DEFAULT_CONNECT_TIMEOUT`] unless set otherwise with
//! [`TlsConnector::handshake_timeout`]. The server's defences (handshake slots, the rate
//! limiter and its delays) are applied by the server connection itself, so both acceptors
//! apply them; pass the client's address so that the limiter can count by it. The timers
//! need the tokio time driver (`enable_time` or `enable_all`). Every future here is `Unpin`
//! when `IO` is, and dropping one drops its transport.
//!
//! Sessions resume on their own: one [`TlsConnector`] (one `Arc<ClientConfig>`) shares its
//! session store between connections. A resumed handshake ends with the *client's* flight,
//! so for request/response traffic set `TCP_NODELAY` on the socket
//! (`TcpStream::set_nodelay(true)`): otherwise the first request can wait for the server's
//! delayed ACK (about 40 ms on Linux).
//!
//! ```no_run
//! use std::sync::Arc;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! use tls_srp::{ClientConfig, tokio::TlsConnector};
//!
//! # async fn run() -> std::io::Result<()> {
//! let connector = TlsConnector::from(Arc::new(ClientConfig::new("alice", "password123")));
//! let tcp = tokio::net::TcpStream::connect("127.0.0.1:4433").await?;
//! let mut tls = connector.connect(Some("localhost"), tcp).await?;
//! tls.write_all(b"hello").await?;
//! let mut buf = [0u8; 5];
//! tls.read_exact(&mut buf).await?;
//! tls.shutdown().await?; // close_notify
//! # Ok(()) }
//! ```

pub mod client;
mod common;
mod handshake;
#[cfg(feature = "tokio-rustls")]
pub mod oneport;
pub mod server;

pub use client::{Connect, FallibleConnect, TlsConnector, DEFAULT_CONNECT_TIMEOUT};
pub use handshake::HandshakeFailure;
#[cfg(feature = "tokio-rustls")]
pub use oneport::{OnePortAcceptor, OnePortStream};
pub use server::{Accept, FallibleAccept, LazyAcceptor, StartHandshake, TlsAcceptor};
