//! `tls-srp serve` and `tls-srp connect`.

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tracing::{info, warn};

use tls_srp::tokio::{TlsAcceptor, TlsConnector};
use tls_srp::{
    ClientConfig, HandshakeKind, HandshakeSlots, RateLimitConfig, RateLimiter, ServerConfig,
    Ticketer, UnknownUserPolicy, UserRecord, UserStore,
};

use crate::vfile::VFile;
use crate::{ConnectArgs, Fail, ServeArgs};

/// Users loaded from a verifier file; replaced as a whole on reload.
struct FileStore {
    users: RwLock<Arc<HashMap<String, UserRecord>>>,
}

impl UserStore for FileStore {
    fn lookup(&self, username: &str) -> Option<UserRecord> {
        self.users.read().ok()?.get(username).cloned()
    }
}

fn load_users(vfile: &Path, conf: Option<&Path>) -> Result<HashMap<String, UserRecord>, Fail> {
    let vf = VFile::load(vfile, None, conf)?;
    if !vf.existed {
        return Err(Fail::new(format!(
            "{} does not exist; create it with `tls-srp passwd add --file {} USER`",
            vfile.display(),
            vfile.display()
        )));
    }
    vf.user_records()
}

/// What identifies a version of a file: modification time, size and inode.
fn stamp(p: &Path) -> Option<(SystemTime, u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(p).ok()?;
    Some((m.modified().ok()?, m.len(), m.ino()))
}

fn init_logging() {
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

#[derive(Clone)]
enum Mode {
    Echo,
    Http,
    Forward(String),
}

pub fn serve(a: ServeArgs) -> Result<(), Fail> {
    init_logging();
    let mode = match (&a.forward, a.http, a.echo) {
        (Some(f), _, _) => Mode::Forward(f.clone()),
        (None, true, _) => Mode::Http,
        (None, false, true) => Mode::Echo,
        _ => {
            return Err(Fail::new(
                "say what to serve: --echo, --http or --forward HOST:PORT".into(),
            ))
        }
    };
    let users = load_users(&a.vfile, a.conf.as_deref())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::new(format!("cannot start the runtime: {e}")))?;
    rt.block_on(serve_async(a, mode, users))
}

async fn serve_async(
    a: ServeArgs,
    mode: Mode,
    users: HashMap<String, UserRecord>,
) -> Result<(), Fail> {
    if let Mode::Forward(backend) = &mode {
        // Fail early, with a clear message, if the backend is not there.
        match tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(backend.as_str()))
            .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                return Err(Fail::new(format!(
                    "backend {backend} refuses connections ({e}); start it first or fix --forward"
                )))
            }
            Err(_) => {
                return Err(Fail::new(format!(
                    "backend {backend} does not answer; start it first or fix --forward"
                )))
            }
        }
    }
    let n_users = users.len();
    let store = Arc::new(FileStore {
        users: RwLock::new(Arc::new(users)),
    });
    let mut config =
        ServerConfig::new(store.clone()).map_err(|e| Fail::new(format!("server config: {e}")))?;
    if a.reject_unknown {
        config.unknown_users = UnknownUserPolicy::Reject;
    }
    let secret_path = a.secret_file.clone().unwrap_or_else(|| {
        let mut p = a.vfile.clone().into_os_string();
        p.push(".secret");
        p.into()
    });
    let secret = load_or_create_secret(&secret_path)?;
    config.set_simulation_secret(*secret);
    config.session_lifetime = Duration::from_secs(a.session_lifetime);
    if a.no_resumption {
        config.session_storage = None;
    } else if a.tickets {
        config.ticketer =
            Some(Ticketer::new().map_err(|e| Fail::new(format!("session tickets: {e}")))?);
    }
    let hs_timeout = Duration::from_secs(a.handshake_timeout.max(1));
    config.handshake_timeout = Some(hs_timeout);
    config.client_hello_timeout = Some(Duration::from_secs(a.hello_timeout.max(1)).min(hs_timeout));
    config.handshake_slots = Some(HandshakeSlots::new(
        a.max_handshakes.max(1),
        a.max_handshakes_per_address.max(1),
    ));
    config.rate_limiter = None;
    if !a.no_rate_limit {
        let limits = RateLimitConfig {
            user_free_failures: a.user_free_failures,
            user_lockout_failures: a.user_lockout,
            ip_free_failures: a.ip_free_failures,
            ip_lockout_failures: a.ip_lockout,
            base_delay: Duration::from_millis(250).min(hs_timeout / 4),
            max_delay: Duration::from_millis(a.max_delay_ms).min(hs_timeout / 2),
            forgive_every: Duration::from_secs(a.forgive_secs.max(1)),
            ..RateLimitConfig::default()
        };
        config.rate_limiter = Some(Arc::new(RateLimiter::new(limits)));
    }
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let idle = (a.idle_timeout > 0).then(|| Duration::from_secs(a.idle_timeout));
    let listener = TcpListener::bind(a.listen).await.map_err(|e| {
        Fail::new(format!(
            "cannot listen on {}: {e}; pick another address or port with --listen",
            a.listen
        ))
    })?;
    let local = listener
        .local_addr()
        .map_err(|e| Fail::new(format!("local address: {e}")))?;
    info!(
        "listening on {local} with {n_users} users from {}",
        a.vfile.display()
    );
    // On stdout too, for scripts that listen on port 0.
    println!("listening on {local}");
    let _ = std::io::Write::flush(&mut std::io::stdout());

    // Reload on change (polled every second) or SIGHUP; a failed reload keeps the old users.
    {
        let (store, vfile, conf) = (store.clone(), a.vfile.clone(), a.conf.clone());
        let conf_path = conf
            .clone()
            .unwrap_or_else(|| crate::vfile::default_conf(&vfile));
        tokio::spawn(async move {
            let mut hup =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
            let mut last = (stamp(&vfile), stamp(&conf_path));
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                let forced = tokio::select! {
                    _ = tick.tick() => false,
                    Some(()) = async { match hup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => true,
                };
                let now = (stamp(&vfile), stamp(&conf_path));
                if !forced && now == last {
                    continue;
                }
                last = now;
                match load_users(&vfile, conf.as_deref()) {
                    Ok(u) => {
                        let n = u.len();
                        if let Ok(mut w) = store.users.write() {
                            *w = Arc::new(u);
                        }
                        info!("reloaded {}: {n} users", vfile.display());
                    }
                    Err(f) => warn!("reload failed, keeping the old users: {}", f.msg),
                }
            }
        });
    }

    let limit = Arc::new(Semaphore::new(a.max_connections.max(1)));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Fail::new(format!("cannot handle SIGTERM: {e}")))?;
    loop {
        let permit = tokio::select! {
            p = limit.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        };
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => { warn!("accept failed: {e}"); continue; }
            },
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        };
        let (acceptor, mode) = (acceptor.clone(), mode.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let start = Instant::now();
            let tls = match acceptor.accept(tcp, Some(peer.ip())).await {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    info!(%peer, outcome = "handshake timeout", "connection");
                    return;
                }
                Err(e) => {
                    info!(%peer, outcome = "handshake failed", error = %e, "connection");
                    return;
                }
            };
            let conn = tls.get_ref().1;
            let user = conn.username().unwrap_or("").to_owned();
            let suite = conn
                .negotiated_cipher_suite()
                .map(|s| format!("{s:?}"))
                .unwrap_or_default();
            let resumed = conn.handshake_kind() == Some(HandshakeKind::Resumed);
            let res = handle(IdleLimit::new(tls, idle), &user, mode).await;
            let ms = start.elapsed().as_millis();
            match res {
                Ok((up, down)) => {
                    info!(%peer, user, suite, resumed, outcome = "ok", bytes_in = up, bytes_out = down, ms, "connection")
                }
                Err(e) => {
                    info!(%peer, user, suite, resumed, outcome = "error", error = %e, ms, "connection")
                }
            }
        });
    }
    drop(listener); // no new connections while the open ones finish
    info!(
        "shutting down: waiting up to {}s for open connections",
        a.shutdown_grace
    );
    let all = u32::try_from(a.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(
        Duration::from_secs(a.shutdown_grace),
        limit.acquire_many(all),
    )
    .await;
    info!("stopped");
    Ok(())
}

type ServerTls = IdleLimit<tls_srp::tokio::server::TlsStream<TcpStream>>;

/// A stream that fails with `TimedOut` once it has made no progress, in either direction,
/// for `limit`: a silent client (or one that stopped reading) is dropped.
struct IdleLimit<S> {
    inner: S,
    limit: Option<Duration>,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> IdleLimit<S> {
    fn new(inner: S, limit: Option<Duration>) -> Self {
        let timer = limit.map(|l| Box::pin(tokio::time::sleep(l)));
        Self {
            inner,
            limit,
            timer,
        }
    }

    /// Progress: the clock starts again.
    fn active(&mut self) {
        if let (Some(timer), Some(limit)) = (self.timer.as_mut(), self.limit) {
            timer.as_mut().reset(tokio::time::Instant::now() + limit);
        }
    }

    /// Called when the inner stream is pending: `TimedOut` once the limit is up.
    fn poll_idle<T>(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<T>> {
        let expired = match self.timer.as_mut() {
            Some(t) => t.as_mut().poll(cx).is_ready(),
            None => false,
        };
        if expired {
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "connection idle for too long",
            )));
        }
        Poll::Pending
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleLimit<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.active();
                Poll::Ready(r)
            }
            Poll::Pending => this.poll_idle(cx),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleLimit<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(r) => {
                this.active();
                Poll::Ready(r)
            }
            Poll::Pending => this.poll_idle(cx),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(r) => Poll::Ready(r),
            Poll::Pending => this.poll_idle(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_shutdown(cx) {
            Poll::Ready(r) => Poll::Ready(r),
            Poll::Pending => this.poll_idle(cx),
        }
    }
}

async fn handle(mut tls: ServerTls, user: &str, mode: Mode) -> std::io::Result<(u64, u64)> {
    match mode {
        Mode::Echo => {
            let mut buf = vec![0u8; 16384];
            let mut total = 0u64;
            loop {
                let n = tls.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                tls.write_all(buf.get(..n).unwrap_or_default()).await?;
                total += n as u64;
            }
            tls.shutdown().await?;
            Ok((total, total))
        }
        Mode::Http => {
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 16384 {
                let n = tls.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                req.extend_from_slice(buf.get(..n).unwrap_or_default());
            }
            let body = format!(
                "<!doctype html>\n<title>tls-srp</title>\n<h1>Hello, {}!</h1>\n<p>You logged in with TLS-SRP.</p>\n",
                html_escape(user)
            );
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            tls.write_all(resp.as_bytes()).await?;
            tls.shutdown().await?;
            Ok((req.len() as u64, resp.len() as u64))
        }
        Mode::Forward(backend) => {
            let mut tcp = tokio::time::timeout(
                Duration::from_secs(10),
                TcpStream::connect(backend.as_str()),
            )
            .await
            .map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::TimedOut, "backend timed out")
            })??;
            // Half-close: EOF on one side shuts down writing on the other (close_notify
            // towards the client, FIN towards the backend); the other direction goes on.
            tokio::io::copy_bidirectional(&mut tls, &mut tcp).await
        }
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn connect(a: ConnectArgs) -> Result<(), Fail> {
    if a.user.is_empty() || a.user.len() > 255 {
        return Err(Fail::new("the username must be 1 to 255 bytes".into()));
    }
    let password = match std::env::var("TLS_SRP_PASSWORD") {
        Ok(p) if !a.password_stdin && !p.is_empty() => zeroize::Zeroizing::new(p),
        _ => crate::passwd::read_password(a.password_stdin, false)?,
    };
    if !(1024..=8192).contains(&a.min_group_bits) {
        return Err(Fail::new(
            "--min-group-bits must be between 1024 and 8192".into(),
        ));
    }
    let mut cfg = ClientConfig::new(a.user.clone(), password.as_bytes());
    cfg.min_group_bits = a.min_group_bits;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::new(format!("cannot start the runtime: {e}")))?;
    let res = rt.block_on(connect_async(a, cfg));
    // A blocking read of stdin may still be pending: do not wait for it.
    rt.shutdown_background();
    res
}

async fn connect_async(a: ConnectArgs, cfg: ClientConfig) -> Result<(), Fail> {
    let limit = Duration::from_secs(a.timeout.max(1));
    let host = a
        .addr
        .rsplit_once(':')
        .map(|(h, _)| h.trim_matches(['[', ']']))
        .unwrap_or("");
    // The library sends SNI only for DNS names, and keys stored sessions by this name (IP
    // literals included): with no name at all it would not resume.
    let sni = (!host.is_empty()).then_some(host);
    // One connector for every connection: they share its session store, so reconnections
    // resume the first session (like `openssl s_client -reconnect`).
    let connector = TlsConnector::from(Arc::new(cfg));
    for _ in 0..a.reconnect {
        let mut tls = handshake_once(&a, &connector, sni, limit).await?;
        let _ = tls.shutdown().await;
    }
    let tls = handshake_once(&a, &connector, sni, limit).await?;
    bridge(&a, tls).await
}

/// Connects and handshakes once; prints the one-line session summary on stderr.
async fn handshake_once(
    a: &ConnectArgs,
    connector: &TlsConnector,
    sni: Option<&str>,
    limit: Duration,
) -> Result<tls_srp::tokio::client::TlsStream<TcpStream>, Fail> {
    let start = Instant::now();
    let tcp = tokio::time::timeout(limit, TcpStream::connect(a.addr.as_str()))
        .await
        .map_err(|_| Fail::new(format!("{} does not answer; check the address", a.addr)))?
        .map_err(|e| {
            Fail::new(format!(
                "cannot connect to {}: {e}; is the server running?",
                a.addr
            ))
        })?;
    // Interactive traffic: do not let Nagle hold a short line back.
    let _ = tcp.set_nodelay(true);
    let tls = tokio::time::timeout(limit, connector.connect(sni, tcp))
        .await
        .map_err(|_| Fail::new(format!("the handshake with {} timed out", a.addr)))?
        .map_err(|e| {
            Fail::new(format!(
                "handshake with {} failed: {e} (wrong user or password?)",
                a.addr
            ))
        })?;
    let c = tls.get_ref().1;
    let kind = match c.handshake_kind() {
        Some(HandshakeKind::Resumed) => "resumed session",
        _ => "full handshake",
    };
    eprintln!(
        "connected to {} as {:?}: {} {}, SRP group {} bits, EMS {}, EtM {}, {kind} {:.1} ms",
        a.addr,
        a.user,
        c.protocol_version()
            .map(|v| format!("{v:?}"))
            .unwrap_or_default(),
        c.negotiated_cipher_suite()
            .map(|v| format!("{v:?}"))
            .unwrap_or_default(),
        c.srp_group_bits().unwrap_or(0),
        c.extended_master_secret(),
        c.encrypt_then_mac(),
        start.elapsed().as_secs_f64() * 1000.0
    );
    Ok(tls)
}

/// Bridges stdin/stdout to the TLS stream until the server closes.
async fn bridge(
    a: &ConnectArgs,
    tls: tls_srp::tokio::client::TlsStream<TcpStream>,
) -> Result<(), Fail> {
    let (mut rd, mut wr) = tokio::io::split(tls);
    let up = async move {
        let mut stdin = tokio::io::stdin();
        let r = tokio::io::copy(&mut stdin, &mut wr).await;
        let _ = wr.shutdown().await; // close_notify: the server sees EOF
        r
    };
    let down = async move {
        let mut stdout = tokio::io::stdout();
        let r = tokio::io::copy(&mut rd, &mut stdout).await;
        let _ = stdout.flush().await;
        r
    };
    let up = tokio::spawn(up);
    // The session ends when the server closes; stdin may stay open.
    let res = down.await;
    up.abort();
    res.map(|_| ())
        .map_err(|e| Fail::new(format!("connection to {} failed: {e}", a.addr)))
}

/// The server secret for simulated (unknown) users, kept in `path` as 64 hex digits so that
/// their salts survive restarts (RFC 5054 2.5.1.3: an unknown user must look like a real one,
/// whose salt never changes). Created with mode 0600 if missing, without ever replacing a file
/// another process created meanwhile (temp file + hard link).
fn load_or_create_secret(path: &std::path::Path) -> Result<zeroize::Zeroizing<[u8; 32]>, Fail> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let parse = |text: &str| -> Option<zeroize::Zeroizing<[u8; 32]>> {
        let t = text.trim();
        if t.len() != 64 {
            return None;
        }
        let mut out = zeroize::Zeroizing::new([0u8; 32]);
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(t.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(out)
    };
    let read = || -> Result<zeroize::Zeroizing<[u8; 32]>, Fail> {
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            Fail::new(format!(
                "cannot read the server secret {}: {e}; check its permissions",
                path.display()
            ))
        })?);
        parse(&text).ok_or_else(|| {
            Fail::new(format!(
                "{} is not a server secret (64 hex digits expected); restore it from a backup, \
                 or delete it to make a new one (unknown users' salts will change once)",
                path.display()
            ))
        })
    };
    if path.exists() {
        return read();
    }
    let mut raw = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut raw[..]).map_err(|e| Fail::new(format!("no randomness: {e}")))?;
    let hex: zeroize::Zeroizing<String> =
        zeroize::Zeroizing::new(raw.iter().map(|b| format!("{b:02x}")).collect::<String>() + "\n");
    let tmp = {
        let mut t = path.as_os_str().to_owned();
        t.push(format!(".tmp-{}", std::process::id()));
        std::path::PathBuf::from(t)
    };
    let made = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(hex.as_bytes())?;
        f.sync_all()?;
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    match made {
        Ok(()) => Ok(raw),
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(),
        Err(e) => Err(Fail::new(format!(
            "cannot create the server secret {}: {e}; check the directory's permissions or \
             pass --secret-file",
            path.display()
        ))),
    }
}
