//! A connector for hyper's pooled client (feature `hyper`), in the shape of hyper-rustls:
//! `hyper_util::client::legacy::Client::builder(..).build(SrpConnector::new(connector))`
//! pools TLS-SRP connections like any others.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use http_body_util::{BodyExt, Empty};
//! use hyper_util::{client::legacy::Client, rt::TokioExecutor};
//!
//! let tls = tls_srp::tokio::TlsConnector::from(Arc::new(tls_srp::ClientConfig::new("alice", "password123")));
//! let client: Client<_, Empty<bytes::Bytes>> =
//!     Client::builder(TokioExecutor::new()).build(tls_srp::hyper::SrpConnector::new(tls));
//! let response = client.get("https://device.local:4433/".parse()?).await?;
//! let body = response.into_body().collect().await?.to_bytes();
//! # Ok(()) }
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::tokio::client::TlsStream;
use crate::tokio::TlsConnector;

/// Connects to the URI's host and port (443 if none) over TCP, then logs in with
/// TLS-SRP, the host being the server name (SNI, session key, certificate name for
/// SRP-RSA). Cheap to clone; clones share the connector's session store, so pooled and new
/// connections resume sessions.
#[derive(Debug, Clone)]
pub struct SrpConnector {
    tls: TlsConnector,
}

impl SrpConnector {
    /// Logs in with `tls`'s config.
    pub fn new(tls: TlsConnector) -> Self {
        Self { tls }
    }
}

impl tower_service::Service<Uri> for SrpConnector {
    type Response = SrpHttpStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<SrpHttpStream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let tls = self.tls.clone();
        Box::pin(async move {
            if uri.scheme_str().is_some_and(|s| s != "https") {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{uri}: TLS-SRP serves https:// URLs"),
                ));
            }
            let host = uri.host().ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, format!("{uri}: no host"))
            })?;
            let host = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned();
            let port = uri.port_u16().unwrap_or(443);
            let tcp = TcpStream::connect((host.as_str(), port)).await?;
            // Requests are small and interactive: do not let Nagle hold them back.
            let _ = tcp.set_nodelay(true);
            let stream = tls.connect(Some(&host), tcp).await?;
            Ok(SrpHttpStream {
                inner: TokioIo::new(stream),
            })
        })
    }
}

/// A TLS-SRP client stream as hyper takes it (`hyper::rt::Read + Write`, and
/// `hyper_util`'s `Connection`).
#[derive(Debug)]
pub struct SrpHttpStream {
    inner: TokioIo<TlsStream<TcpStream>>,
}

impl SrpHttpStream {
    /// The TLS stream (its connection tells the suite, the group, the session kind).
    pub fn get_ref(&self) -> &TlsStream<TcpStream> {
        self.inner.inner()
    }
}

impl Connection for SrpHttpStream {
    fn connected(&self) -> Connected {
        let connected = Connected::new();
        match self.get_ref().get_ref().1.alpn_protocol() {
            Some(b"h2") => connected.negotiated_h2(),
            _ => connected,
        }
    }
}

impl Read for SrpHttpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl Write for SrpHttpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
