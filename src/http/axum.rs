//! A listener for `axum::serve` (feature `axum`): TLS-SRP users and, with a rustls config,
//! certificate clients on one port. Handshakes run concurrently in their own tasks (every
//! defence of the SRP config applies); `axum::serve` gets the finished streams. A handler
//! learns who the client is through `ConnectInfo<ClientInfo>`:
//!
//! ```no_run
//! # async fn run(srp: std::sync::Arc<tls_srp::ServerConfig>) -> std::io::Result<()> {
//! use axum::{extract::ConnectInfo, routing::get, Router};
//! use tls_srp::axum::{ClientInfo, SrpListener};
//!
//! async fn hello(ConnectInfo(client): ConnectInfo<ClientInfo>) -> String {
//!     format!("hello, {:?}", client.peer)
//! }
//! let app = Router::new().route("/", get(hello));
//! let listener = SrpListener::bind("127.0.0.1:4433", srp, None).await?;
//! axum::serve(listener, app.into_make_service_with_connect_info::<ClientInfo>()).await
//! # }
//! ```

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::mpsc;

use crate::oneport::Peer;
use crate::server::ServerConfig;
use crate::tokio::{OnePortAcceptor, OnePortStream, TlsAcceptor};

/// Who is on the other end of a connection: its address, and the SRP user or certificate
/// client it turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address.
    pub addr: SocketAddr,
    /// What it authenticated as.
    pub peer: Peer,
}

impl Connected<IncomingStream<'_, SrpListener>> for ClientInfo {
    fn connect_info(stream: IncomingStream<'_, SrpListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// What a failed handshake is reported to (the client's address and the error).
pub type ErrorHook = Arc<dyn Fn(SocketAddr, &io::Error) + Send + Sync>;

/// Accepts TCP connections, runs their handshakes, and hands the finished streams to
/// `axum::serve`.
pub struct SrpListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(OnePortStream<TcpStream>, ClientInfo)>,
}

impl core::fmt::Debug for SrpListener {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SrpListener")
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}

/// How many finished handshakes wait for `axum::serve` at most (then handshakes wait).
const READY: usize = 64;

impl SrpListener {
    /// Listens on `addr`: SRP clients get `srp`; with `certificates`, everyone else gets
    /// rustls (one port), without, only SRP clients are served.
    pub async fn bind(
        addr: impl ToSocketAddrs,
        srp: Arc<ServerConfig>,
        certificates: Option<Arc<rustls::ServerConfig>>,
    ) -> io::Result<Self> {
        Self::from_tcp(TcpListener::bind(addr).await?, srp, certificates, None)
    }

    /// [`Self::bind`] on a listener of one's own, with a hook for failed handshakes.
    pub fn from_tcp(
        listener: TcpListener,
        srp: Arc<ServerConfig>,
        certificates: Option<Arc<rustls::ServerConfig>>,
        on_error: Option<ErrorHook>,
    ) -> io::Result<Self> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(READY);
        let one_port = certificates.map(|c| OnePortAcceptor::new(srp.clone(), c));
        let srp_only = TlsAcceptor::from(srp);
        tokio::spawn(async move {
            loop {
                let (tcp, addr) = match listener.accept().await {
                    Ok(x) => x,
                    // Out of file descriptors and the like: wait a little, go on.
                    Err(_) => {
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if tx.is_closed() {
                    return;
                }
                let (tx, one_port, srp_only, on_error) = (
                    tx.clone(),
                    one_port.clone(),
                    srp_only.clone(),
                    on_error.clone(),
                );
                tokio::spawn(async move {
                    let _ = tcp.set_nodelay(true);
                    let res = match one_port {
                        Some(a) => a.accept(tcp, Some(addr.ip())).await,
                        None => srp_only
                            .accept(tcp, Some(addr.ip()))
                            .await
                            .map(OnePortStream::Srp),
                    };
                    match res {
                        Ok(stream) => {
                            let peer = stream.peer();
                            let _ = tx.send((stream, ClientInfo { addr, peer })).await;
                        }
                        Err(e) => {
                            if let Some(hook) = on_error {
                                hook(addr, &e);
                            }
                        }
                    }
                });
            }
        });
        Ok(Self { local, ready })
    }
}

impl axum::serve::Listener for SrpListener {
    type Io = OnePortStream<TcpStream>;
    type Addr = ClientInfo;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(x) => x,
            // The accepting task only ends with the listener: wait for ever.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(ClientInfo {
            addr: self.local,
            peer: Peer::Srp {
                username: String::new(),
            },
        })
    }
}
