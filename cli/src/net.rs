//! `tls-srp serve` and `tls-srp connect`.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tracing::{error, info, warn};

use tls_srp::tokio::{OnePortAcceptor, OnePortStream, TlsAcceptor, TlsConnector};
use tls_srp::vfile::pake::{is_pake_file, MAX_IDENTITY_LEN};
use tls_srp::vfile::{CombinedUserStore, FileUserStore, PakeFileStore, VFileError};
use tls_srp::{
    cert, AcceptError, AlertDescription, ClientConfig, Decision, Error, HandshakeKind,
    HandshakeSlots, KeyLogFile, PakeServerParams, RateLimitConfig, RateLimiter, ServerConfig,
    Ticketer, UnknownUserPolicy,
};

use crate::session::{Kind, Session};

use crate::{ConnectArgs, Fail, ServeArgs};

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
    Forward {
        backend: String,
        /// The PROXY v2 username TLV type, when the backend gets a PROXY header.
        proxy: Option<u8>,
    },
}

/// `user="..."`: the username as a quoted, escaped string (quotes, backslashes, control and
/// other non-printable characters escaped, so that a name cannot forge a log line or a
/// field), or `user=-` when the client sent none (or not UTF-8).
fn user_field(user: Option<&str>) -> String {
    match user {
        Some(u) => format!("user={u:?}"),
        None => "user=-".to_owned(),
    }
}

/// `addr=IP port=PORT`.
fn addr_field(peer: SocketAddr) -> String {
    format!("addr={} port={}", peer.ip(), peer.port())
}

/// The rate limiter's delay, logged when one was applied (a lockout is logged by the
/// failed-login line, reason=locked-out).
fn log_delay(decision: Option<Decision>, user: Option<&str>, peer: SocketAddr) {
    if let Some(Decision::Delay(d)) = decision {
        warn!(
            "rate limited: {} {} delay_ms={}",
            user_field(user),
            addr_field(peer),
            d.as_millis()
        );
    }
}

/// One line per failed login (the format documented in cli/README.md, for fail2ban):
/// `login failed: user="NAME" addr=IP port=PORT reason=REASON`, followed by `kind="pake"`
/// for a TLS 1.3 PAKE attempt (as on the success line). A certificate client that
/// fails its handshake tried no password: `certificate handshake failed: addr=IP port=PORT
/// reason=REASON`, which a password-guessing filter does not match.
fn log_failure(e: &std::io::Error, peer: SocketAddr) {
    let Some(a) = e.get_ref().and_then(|x| x.downcast_ref::<AcceptError>()) else {
        warn!(
            "login failed: user=- {} reason=error detail={:?}",
            addr_field(peer),
            e.to_string()
        );
        return;
    };
    if a.is_certificate_client() {
        warn!(
            "certificate handshake failed: {} reason={} detail={:?}",
            addr_field(peer),
            a.reason(),
            a.io_error().to_string()
        );
        return;
    }
    log_delay(a.rate_limit_decision(), a.username(), peer);
    warn!(
        "login failed: {} {} reason={}{} detail={:?}",
        user_field(a.username()),
        addr_field(peer),
        a.reason(),
        if a.is_pake() { " kind=\"pake\"" } else { "" },
        a.io_error().to_string()
    );
}

/// Where `--listen` points: `IP:PORT`, `[IPV6]:PORT`, `HOST:PORT` or `:PORT`.
async fn listen_addrs(spec: &str) -> Result<Vec<SocketAddr>, Fail> {
    let usage = || {
        Fail::new(format!(
            "--listen {spec:?}: give IP:PORT, [IPV6]:PORT, HOST:PORT or :PORT (e.g. 127.0.0.1:4433, [::]:4433, localhost:4433, :4433)"
        ))
    };
    if let Ok(a) = spec.parse::<SocketAddr>() {
        return Ok(vec![a]);
    }
    let (host, port) = spec.rsplit_once(':').ok_or_else(usage)?;
    let port: u16 = port.parse().map_err(|_| usage())?;
    if host.is_empty() {
        // Every interface: the IPv6 wildcard takes IPv4 too (Linux's default), or IPv4
        // alone where there is no IPv6.
        return Ok(vec![
            SocketAddr::from(([0u16; 8], port)),
            SocketAddr::from(([0u8; 4], port)),
        ]);
    }
    if host.starts_with('[') || host.contains(':') {
        return Err(usage());
    }
    let found = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::net::lookup_host((host, port)),
    )
    .await
    .map_err(|_| Fail::network(format!("--listen: looking up {host:?} timed out")))?
    .map_err(|e| Fail::network(format!("--listen: cannot resolve {host:?}: {e}")))?;
    let mut addrs: Vec<SocketAddr> = Vec::new();
    for a in found {
        if !addrs.contains(&a) {
            addrs.push(a);
        }
    }
    if addrs.is_empty() {
        return Err(Fail::network(format!("--listen: {host:?} has no address")));
    }
    Ok(addrs)
}

/// Binds every address of `--listen`. With port 0, the addresses after the first get the
/// port the first one got. An address of a family this host lacks (no IPv6, say) is
/// skipped with a warning while another one binds; anything else is an error.
async fn bind_all(spec: &str) -> Result<Vec<TcpListener>, Fail> {
    let addrs = listen_addrs(spec).await?;
    let wildcard = spec.starts_with(':');
    let mut listeners: Vec<TcpListener> = Vec::new();
    let mut skipped = Vec::new();
    for mut addr in addrs {
        if let Some(first) = listeners.first() {
            if addr.port() == 0 {
                addr.set_port(first.local_addr().map(|a| a.port()).unwrap_or(0));
            }
            // `:PORT`: the IPv6 wildcard already took IPv4.
            if wildcard {
                break;
            }
        }
        match TcpListener::bind(addr).await {
            Ok(l) => listeners.push(l),
            Err(e) if no_such_address(&e) => skipped.push(format!("{addr} ({e})")),
            Err(e) => {
                return Err(Fail::new(format!(
                    "cannot listen on {addr}: {e}; pick another address or port with --listen"
                )))
            }
        }
    }
    if listeners.is_empty() {
        return Err(Fail::new(format!(
            "cannot listen on {spec}: {}; pick another address with --listen",
            skipped.join(", ")
        )));
    }
    for s in skipped {
        warn!("not listening on {s}: this host has no such address");
    }
    Ok(listeners)
}

/// Whether a bind failed because this host has no such address (or address family).
fn no_such_address(e: &std::io::Error) -> bool {
    use rustix::io::Errno;
    let code = e.raw_os_error();
    code == Some(Errno::ADDRNOTAVAIL.raw_os_error())
        || code == Some(Errno::AFNOSUPPORT.raw_os_error())
}

/// What every connection needs.
struct Ctx {
    acceptor: Acceptor,
    mode: Mode,
    idle: Option<Duration>,
    /// `--allow-pake-registration`: the PAKE parameters records are made for, and where
    /// they go.
    registration: Option<(tls_srp::PakeServerParams, Arc<PakeFileStore>)>,
}

/// SRP clients only, or (with `--cert` and without `--srp-only`) certificate clients on the
/// same port.
enum Acceptor {
    Srp(TlsAcceptor),
    OnePort(OnePortAcceptor),
}

impl Acceptor {
    async fn accept(
        &self,
        tcp: TcpStream,
        peer: IpAddr,
    ) -> std::io::Result<OnePortStream<TcpStream>> {
        match self {
            Acceptor::Srp(a) => a.accept(tcp, Some(peer)).await.map(OnePortStream::Srp),
            Acceptor::OnePort(a) => a.accept(tcp, Some(peer)).await,
        }
    }
}

/// `--keylog FILE`, opened now so that a bad path is an error at start, not silence.
fn open_keylog(path: Option<&std::path::Path>) -> Result<Option<Arc<KeyLogFile>>, Fail> {
    path.map(|p| {
        KeyLogFile::create(p).map(Arc::new).map_err(|e| {
            Fail::new(format!(
                "--keylog {}: {e}; check the directory and its permissions",
                p.display()
            ))
        })
    })
    .transpose()
}

pub fn serve(a: ServeArgs) -> Result<(), Fail> {
    init_logging();
    let mode = match (&a.forward, a.http, a.echo) {
        (Some(f), _, _) => Mode::Forward {
            backend: f.clone(),
            proxy: a.proxy_protocol.then_some(a.proxy_username_tlv),
        },
        (None, true, _) => Mode::Http,
        (None, false, true) => Mode::Echo,
        _ => {
            return Err(Fail::new(
                "say what to serve: --echo, --http or --forward HOST:PORT".into(),
            ))
        }
    };
    let pake = pake_records(&a)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::new(format!("cannot start the runtime: {e}")))?;
    let srp = match (&a.store, &a.vfile) {
        (Some(url), _) => rt.block_on(async {
            let pg = crate::store::connect(url).await?;
            pg.start()
                .await
                .map_err(|e| Fail::network(format!("the store failed: {e}")))?;
            Ok::<_, Fail>(SrpUsers::Postgres(pg))
        })?,
        // --vfile is the SPAKE2+ records file: no SRP users.
        (None, Some(_)) if pake.as_ref().is_some_and(|p| p.in_vfile) => SrpUsers::None,
        (None, Some(vfile)) => {
            let (store, report) = FileUserStore::open(vfile, a.conf.as_deref())?;
            for s in &report.skipped {
                warn!("{s}");
            }
            SrpUsers::File(Arc::new(store), vfile.clone())
        }
        (None, None) => return Err(Fail::new("give --vfile FILE or --store URL".into())),
    };
    let users = Users {
        srp,
        pake: pake.map(|p| p.store),
    };
    rt.block_on(serve_async(a, mode, users))
}

/// The SPAKE2+ records file `serve` was given (`--vfile` with a records file, or
/// `--pake-file`), loaded and checked against `--server-id`.
struct PakeRecords {
    store: Arc<PakeFileStore>,
    /// It is `--vfile` (so there are no SRP users).
    in_vfile: bool,
}

/// Checks the PAKE options and loads the records file, if any: records need
/// `--server-id` (an error), `--server-id` without records gets a warning.
fn pake_records(a: &ServeArgs) -> Result<Option<PakeRecords>, Fail> {
    if let Some(sid) = &a.server_id {
        if sid.is_empty() || sid.len() > MAX_IDENTITY_LEN {
            return Err(Fail::new(format!(
                "--server-id must be 1 to {MAX_IDENTITY_LEN} bytes"
            )));
        }
    }
    let vfile_is_pake = match &a.vfile {
        Some(v) => is_pake_file(v)?,
        None => false,
    };
    let path = match (&a.vfile, &a.pake_file) {
        (Some(v), Some(p)) if vfile_is_pake => {
            return Err(Fail::new(format!(
                "--vfile {} is already a SPAKE2+ records file; give an SRP verifier file to --vfile, or drop --pake-file {}",
                v.display(),
                p.display()
            )))
        }
        (Some(v), None) if vfile_is_pake => {
            if a.conf.is_some() {
                return Err(Fail::new(format!(
                    "--conf is for GnuTLS verifier files, and {} is a SPAKE2+ records file; drop --conf",
                    v.display()
                )));
            }
            v
        }
        (_, Some(p)) => p,
        (_, None) => {
            if let Some(sid) = &a.server_id {
                warn!(
                    "--server-id {sid:?} without SPAKE2+ records: every TLS 1.3 PAKE login will fail like a wrong password; give --pake-file FILE (made by `tls-srp passwd add --pake --server-id {sid:?} --file FILE USER`)"
                );
            }
            return Ok(None);
        }
    };
    let Some(sid) = &a.server_id else {
        return Err(Fail::new(format!(
            "{} holds SPAKE2+ (TLS 1.3 PAKE) records: give --server-id NAME, the server identity they were registered for (`passwd add --pake --server-id NAME`)",
            path.display()
        )));
    };
    if a.allow_pake_registration && !path.exists() {
        // Registration fills it: start it with its header (mode 0600).
        let _lock = tls_srp::vfile::FileLock::acquire(path)?;
        let mut file = tls_srp::vfile::PakeFile::load(path)?;
        file.save()?;
        info!(
            "{}: created (empty) for TLS 1.3 PAKE records that clients register",
            path.display()
        );
    }
    let (store, report) = PakeFileStore::open(path)?;
    let mine = report.records_for(sid.as_bytes());
    if mine < report.records {
        warn!(
            "{}: {} of {} SPAKE2+ records are for other server identities than {sid:?} and are not served",
            path.display(),
            report.records - mine,
            report.records
        );
    }
    Ok(Some(PakeRecords {
        store: Arc::new(store),
        in_vfile: vfile_is_pake,
    }))
}

/// Where `serve` finds its users: TLS-SRP users, and TLS 1.3 PAKE records.
struct Users {
    srp: SrpUsers,
    /// A SPAKE2+ records file (reloaded when it changes).
    pake: Option<Arc<PakeFileStore>>,
}

/// Where `serve` finds its TLS-SRP users.
enum SrpUsers {
    /// A verifier file (reloaded when it changes), and its path.
    File(Arc<FileUserStore>, std::path::PathBuf),
    /// PostgreSQL, shared with other servers: users, ticket keys, failed-login counts and
    /// the simulation secret.
    Postgres(tls_srp_postgres::PgStore),
    /// None: `--vfile` is a SPAKE2+ records file.
    None,
}

impl Users {
    fn store(&self) -> Arc<dyn tls_srp::UserStore> {
        let srp: Option<Arc<dyn tls_srp::UserStore>> = match &self.srp {
            SrpUsers::File(f, _) => Some(f.clone()),
            SrpUsers::Postgres(p) => Some(Arc::new(p.clone())),
            SrpUsers::None => None,
        };
        match (srp, &self.pake) {
            (Some(srp), Some(pake)) => Arc::new(CombinedUserStore::new(srp, pake.clone())),
            (Some(srp), None) => srp,
            (None, Some(pake)) => pake.clone(),
            (None, None) => Arc::new(tls_srp::InMemoryUserStore::new()),
        }
    }

    /// `N users from WHERE`, for the log.
    fn describe(&self) -> String {
        let srp = match &self.srp {
            SrpUsers::File(f, path) => Some(format!("{} users from {}", f.len(), path.display())),
            SrpUsers::Postgres(p) => {
                let n = tls_srp::UserStore::record_shapes(p).map_or(0, |s| s.len());
                Some(format!("{n} users from {} (shared)", p.shown()))
            }
            SrpUsers::None => None,
        };
        let pake = self
            .pake
            .as_ref()
            .map(|p| format!("{} SPAKE2+ records from {}", p.len(), p.path().display()));
        [srp, pake]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

fn pg_failed(e: tls_srp_postgres::PgError) -> Fail {
    Fail::network(format!("the store failed: {e}"))
}

/// A file `serve` watches: a verifier file or a SPAKE2+ records file.
trait Watched: Send + Sync + 'static {
    fn path(&self) -> &std::path::Path;
    /// Reloads (`forced`) or reloads if the file changed (`None`: nothing done): what it
    /// now serves, for the log, and warnings.
    fn check(&self, forced: bool) -> Option<Result<(String, Vec<String>), VFileError>>;
    /// Who is refused while the file does not read.
    fn refused(&self) -> &'static str;
}

impl Watched for FileUserStore {
    fn path(&self) -> &std::path::Path {
        FileUserStore::path(self)
    }

    fn check(&self, forced: bool) -> Option<Result<(String, Vec<String>), VFileError>> {
        let r = match forced {
            true => Some(self.reload()),
            false => self.reload_if_changed(),
        };
        r.map(|r| r.map(|report| (format!("{} users", report.users), report.skipped)))
    }

    fn refused(&self) -> &'static str {
        "every login"
    }
}

impl Watched for PakeFileStore {
    fn path(&self) -> &std::path::Path {
        PakeFileStore::path(self)
    }

    fn check(&self, forced: bool) -> Option<Result<(String, Vec<String>), VFileError>> {
        let r = match forced {
            true => Some(self.reload()),
            false => self.reload_if_changed(),
        };
        r.map(|r| r.map(|report| (format!("{} SPAKE2+ records", report.records), Vec::new())))
    }

    fn refused(&self) -> &'static str {
        "every TLS 1.3 PAKE login"
    }
}

/// Reloads a verifier or records file when it changes (polled every second; a `chmod` or
/// `chown` counts) or on SIGHUP. A failed reload fails closed: nobody logs in until the
/// file reads again, and each failed attempt says so.
fn spawn_reloader<W: Watched>(store: Arc<W>) {
    tokio::spawn(async move {
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut last_error: Option<String> = None;
        loop {
            let forced = tokio::select! {
                _ = tick.tick() => false,
                Some(()) = async { match hup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => true,
            };
            // On the blocking pool: a records file is prepared as it loads (about 30 µs a
            // new or changed record), which must not hold up a runtime worker.
            let watched = Arc::clone(&store);
            let checked = match tokio::task::spawn_blocking(move || watched.check(forced)).await {
                Ok(checked) => checked,
                Err(e) => {
                    error!("reloading {} failed: {e}", store.path().display());
                    continue;
                }
            };
            match checked {
                None => {}
                Some(Ok((what, warnings))) => {
                    for s in &warnings {
                        warn!("{s}");
                    }
                    info!("reloaded {}: {what}", store.path().display());
                    last_error = None;
                }
                Some(Err(e)) => {
                    let msg = e.to_string();
                    // Retried every second: said again when the reason changes or on SIGHUP.
                    if forced || last_error.as_deref() != Some(&msg) {
                        error!(
                            "reload failed, refusing {} until the file reads again: {msg}",
                            store.refused()
                        );
                    }
                    last_error = Some(msg);
                }
            }
        }
    });
}

async fn serve_async(a: ServeArgs, mode: Mode, users: Users) -> Result<(), Fail> {
    if let Mode::Forward { backend, .. } = &mode {
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
    let mut config =
        ServerConfig::new(users.store()).map_err(|e| Fail::new(format!("server config: {e}")))?;
    if a.reject_unknown {
        config.unknown_users = UnknownUserPolicy::Reject;
    }
    config.alpn_protocols = a.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    if let Some(sid) = &a.server_id {
        config.pake = Some(PakeServerParams::new(sid.as_bytes()));
    }
    let registration = match (&config.pake, &users.pake) {
        (Some(params), Some(store)) if a.allow_pake_registration => {
            if matches!(users.srp, SrpUsers::None) {
                return Err(Fail::new(
                    "--allow-pake-registration needs TLS-SRP users to log in with (--vfile with an SRP verifier file, or --store) and the SPAKE2+ records in --pake-file".into(),
                ));
            }
            config
                .alpn_protocols
                .push(tls_srp::pake::migrate::ALPN.to_vec());
            Some((params.clone(), store.clone()))
        }
        _ => None,
    };
    let secret = match (&users.srp, &a.vfile) {
        (SrpUsers::Postgres(pg), _) => pg.simulation_secret().await.map_err(pg_failed)?,
        (_, Some(vfile)) => {
            let secret_path = a.secret_file.clone().unwrap_or_else(|| {
                let mut p = vfile.clone().into_os_string();
                p.push(".secret");
                p.into()
            });
            load_or_create_secret(&secret_path)?
        }
        (_, None) => return Err(Fail::new("give --vfile FILE or --store URL".into())),
    };
    config.set_simulation_secret(*secret);
    config.session_lifetime = Duration::from_secs(a.session_lifetime);
    if a.no_resumption {
        config.session_storage = None;
    } else if a.tickets {
        config.ticketer = Some(match &users.srp {
            SrpUsers::File(..) | SrpUsers::None => {
                Ticketer::new().map_err(|e| Fail::new(format!("session tickets: {e}")))?
            }
            SrpUsers::Postgres(pg) => pg
                .shared_ticketer(Duration::from_secs(6 * 3600))
                .await
                .map_err(pg_failed)?,
        });
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
        let limiter = Arc::new(RateLimiter::new(limits));
        if let SrpUsers::Postgres(pg) = &users.srp {
            pg.share_limiter(limiter.clone()).await.map_err(pg_failed)?;
        }
        config.rate_limiter = Some(limiter);
    }
    let keylog = open_keylog(a.keylog.as_deref())?;
    if let (Some(k), Some(path)) = (&keylog, &a.keylog) {
        warn!(
            "--keylog: writing every session's master secret to {}; whoever reads it can decrypt them",
            path.display()
        );
        config.key_log = k.clone();
    }
    let acceptor = match (&a.cert, &a.key) {
        (Some(chain), Some(key)) => {
            let key = cert::certified_key_from_pem_files(chain, key).map_err(|e| {
                Fail::new(format!(
                    "--cert/--key: {e}; give a PEM chain (leaf first) and its private key"
                ))
            })?;
            config.certificate = Some(key.clone());
            let config = Arc::new(config);
            if a.srp_only {
                Acceptor::Srp(TlsAcceptor::from(config))
            } else {
                let mut certs = cert::rustls_server_config(key)
                    .map_err(|e| Fail::new(format!("--cert/--key: {e}")))?;
                certs.alpn_protocols = config.alpn_protocols.clone();
                if let Some(k) = &keylog {
                    certs.key_log = k.clone();
                }
                Acceptor::OnePort(OnePortAcceptor::new(config, Arc::new(certs)))
            }
        }
        _ => Acceptor::Srp(TlsAcceptor::from(Arc::new(config))),
    };
    let mut what = match &acceptor {
        Acceptor::OnePort(_) => ", and certificate clients (TLS 1.3 and 1.2) on the same port",
        Acceptor::Srp(_) if a.cert.is_some() => ", SRP-RSA with the certificate",
        Acceptor::Srp(_) => "",
    }
    .to_owned();
    if let Some(sid) = &a.server_id {
        what.push_str(&format!(
            ", TLS 1.3 PAKE (SPAKE2+, experimental) as server identity {sid:?}"
        ));
    }
    let ctx = Arc::new(Ctx {
        acceptor,
        mode,
        idle: (a.idle_timeout > 0).then(|| Duration::from_secs(a.idle_timeout)),
        registration,
    });
    let listeners = bind_all(&a.listen).await?;
    for l in &listeners {
        let local = l
            .local_addr()
            .map_err(|e| Fail::new(format!("local address: {e}")))?;
        info!("listening on {local} with {}{what}", users.describe());
        // On stdout too, for scripts that listen on port 0.
        println!("listening on {local}");
    }
    let _ = std::io::Write::flush(&mut std::io::stdout());
    if let SrpUsers::File(store, _) = users.srp {
        spawn_reloader(store);
    }
    if let Some(store) = users.pake {
        spawn_reloader(store);
    }

    let limit = Arc::new(Semaphore::new(a.max_connections.max(1)));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Fail::new(format!("cannot handle SIGTERM: {e}")))?;
    let loops: Vec<_> = listeners
        .into_iter()
        .map(|l| tokio::spawn(accept_loop(l, limit.clone(), ctx.clone())))
        .collect();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    for l in &loops {
        l.abort(); // drops the listeners: no new connections while the open ones finish
    }
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

async fn accept_loop(listener: TcpListener, limit: Arc<Semaphore>, ctx: Arc<Ctx>) {
    loop {
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        let (tcp, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                warn!("accept failed: {e}");
                continue;
            }
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            serve_one(tcp, peer, &ctx).await;
        });
    }
}

async fn serve_one(tcp: TcpStream, peer: SocketAddr, ctx: &Ctx) {
    let start = Instant::now();
    // An IPv4 client of a dual-stack listener (`--listen :PORT`) arrives as ::ffff:a.b.c.d:
    // log it, and tell the backend, as the IPv4 address it is.
    let canonical = |a: SocketAddr| SocketAddr::new(a.ip().to_canonical(), a.port());
    let peer = canonical(peer);
    let local = tcp.local_addr().ok().map(canonical);
    let mut tls = match ctx.acceptor.accept(tcp, peer.ip()).await {
        Ok(t) => t,
        Err(e) => return log_failure(&e, peer),
    };
    if let (OnePortStream::Srp(s), Some((params, store))) = (&mut tls, &ctx.registration) {
        if s.get_ref().1.alpn_protocol() == Some(tls_srp::pake::migrate::ALPN) {
            let c = s.get_ref().1;
            log_delay(c.rate_limit_decision(), c.username(), peer);
            return serve_registration(s, peer, params, store, ctx.idle, start).await;
        }
    }
    let session = Session::of(&tls);
    if let OnePortStream::Srp(s) = &tls {
        log_delay(s.get_ref().1.rate_limit_decision(), session.username, peer);
    }
    let (user, kind, version, suite, resumed) = (
        session.username.unwrap_or_default().to_owned(),
        session.kind(),
        session.version,
        session.cipher,
        session.resumed,
    );
    let proxy_header = match (&ctx.mode, local) {
        (
            Mode::Forward {
                proxy: Some(tlv), ..
            },
            Some(local),
        ) => Some(crate::proxy_v2::header(peer, local, &session, *tlv)),
        _ => None,
    };
    let page = matches!(ctx.mode, Mode::Http).then(|| http_page(&session));
    let res = handle(
        IdleLimit::new(tls, ctx.idle),
        page,
        ctx.mode.clone(),
        proxy_header,
    )
    .await;
    let ms = start.elapsed().as_millis();
    match res {
        Ok((up, down)) => {
            info!(%peer, user, kind, version, suite, resumed, outcome = "ok", bytes_in = up, bytes_out = down, ms, "connection")
        }
        Err(e) => {
            info!(%peer, user, kind, version, suite, resumed, outcome = "error", error = %e, ms, "connection")
        }
    }
}

/// `--allow-pake-registration`: a TLS-SRP client asked (by ALPN) to register its SPAKE2+
/// record. The library checks the connection and the request; this logs the outcome.
async fn serve_registration(
    s: &mut tls_srp::tokio::server::TlsStream<TcpStream>,
    peer: SocketAddr,
    params: &tls_srp::PakeServerParams,
    store: &Arc<PakeFileStore>,
    idle: Option<Duration>,
    start: Instant,
) {
    use tls_srp::pake::migrate;
    let user = s.get_ref().1.username().unwrap_or_default().to_owned();
    let sid = String::from_utf8_lossy(&params.server_identity).into_owned();
    let limit = idle.unwrap_or(Duration::from_secs(60));
    let res = tokio::time::timeout(
        limit,
        migrate::serve_registration(s, params, store.as_ref(), false),
    )
    .await
    .unwrap_or_else(|_| {
        Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the client was silent",
        ))
    });
    let ms = start.elapsed().as_millis();
    match res {
        Ok(r) => {
            info!(%peer, user, server_id = sid, outcome = "registered", replaced = r.replaced, ms, "pake registration")
        }
        Err(e) => {
            let error = match migrate::migration_error(&e) {
                Some(m) => m.to_string(),
                None => e.to_string(),
            };
            warn!(%peer, user, server_id = sid, outcome = "refused", error, ms, "pake registration")
        }
    }
}

/// The `--http` page: who the client is and how it got in.
fn http_page(s: &Session) -> String {
    match s.username {
        Some(user) if s.kind == Kind::Pake => format!(
            "<!doctype html>\n<title>tls-srp</title>\n<h1>Hello, {}!</h1>\n<p>You logged in with TLS 1.3 and a PAKE (SPAKE2+, {}).</p>\n",
            html_escape(user),
            s.cipher
        ),
        Some(user) => format!(
            "<!doctype html>\n<title>tls-srp</title>\n<h1>Hello, {}!</h1>\n<p>You logged in with TLS-SRP ({}).</p>\n",
            html_escape(user),
            s.cipher
        ),
        None => format!(
            "<!doctype html>\n<title>tls-srp</title>\n<h1>Hello!</h1>\n<p>You connected with {} ({}) and the server's certificate, without a password.</p>\n",
            s.version, s.cipher
        ),
    }
}

type ServerTls = IdleLimit<OnePortStream<TcpStream>>;

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

async fn handle(
    mut tls: ServerTls,
    page: Option<String>,
    mode: Mode,
    proxy_header: Option<Vec<u8>>,
) -> std::io::Result<(u64, u64)> {
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
            // Small: this buffer lives in the connection's task for as long as the client
            // is silent (4 KiB here was 3.5 KB of the 9.5 KB per idle connection measured
            // by benches/compare_load.sh); a longer request takes a few reads.
            let mut buf = [0u8; 512];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 16384 {
                let n = tls.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                req.extend_from_slice(buf.get(..n).unwrap_or_default());
            }
            let body = page.unwrap_or_default();
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            tls.write_all(resp.as_bytes()).await?;
            tls.shutdown().await?;
            Ok((req.len() as u64, resp.len() as u64))
        }
        Mode::Forward { backend, .. } => {
            let mut tcp = tokio::time::timeout(
                Duration::from_secs(10),
                TcpStream::connect(backend.as_str()),
            )
            .await
            .map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::TimedOut, "backend timed out")
            })??;
            if let Some(h) = proxy_header {
                tcp.write_all(&h).await?;
            }
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
    let (host, port) = split_host_port(&a.addr)?;
    if !(1024..=8192).contains(&a.min_group_bits) {
        return Err(Fail::new(
            "--min-group-bits must be between 1024 and 8192".into(),
        ));
    }
    if a.alpn.iter().any(|p| p.is_empty() || p.len() > 255) {
        return Err(Fail::new(
            "an --alpn protocol must be 1 to 255 bytes".into(),
        ));
    }
    let pake_server_id = match (a.pake, &a.server_id) {
        (true, Some(sid)) if sid.is_empty() || sid.len() > MAX_IDENTITY_LEN => {
            return Err(Fail::new(format!(
                "--server-id must be 1 to {MAX_IDENTITY_LEN} bytes"
            )))
        }
        (true, Some(sid)) => Some(sid.clone()),
        (true, None) => {
            return Err(Fail::new(
                "--pake needs --server-id NAME: the server identity the server calls itself (its `serve --server-id`), which the password was registered for".into(),
            ))
        }
        (false, Some(sid)) if a.register_pake && (sid.is_empty() || sid.len() > MAX_IDENTITY_LEN) => {
            return Err(Fail::new(format!(
                "--server-id must be 1 to {MAX_IDENTITY_LEN} bytes"
            )))
        }
        (false, Some(_)) if a.register_pake => None,
        (false, Some(_)) => {
            return Err(Fail::new(
                "--server-id is for TLS 1.3 PAKE: add --pake (or --register-pake), or drop --server-id for TLS-SRP"
                    .into(),
            ))
        }
        (false, None) => None,
    };
    // The files first: a bad path is said before the password is asked for.
    let server_auth = a
        .cafile
        .as_ref()
        .map(|roots| {
            cert::ServerAuth::with_root_file(roots).map_err(|e| {
                Fail::new(format!(
                    "--cafile: {e}; give a PEM file of the CA certificates to trust"
                ))
            })
        })
        .transpose()?;
    let key_log: Arc<dyn tls_srp::KeyLog> = match open_keylog(a.keylog.as_deref())? {
        Some(k) => k,
        None => Arc::new(KeyLogFile::from_env()),
    };
    let password = match std::env::var("TLS_SRP_PASSWORD") {
        Ok(p) if !a.password_stdin && !p.is_empty() => zeroize::Zeroizing::new(p),
        _ => crate::passwd::read_password(a.password_stdin, false)?,
    };
    let mut cfg = match &pake_server_id {
        // scrypt now (about 100 ms); only w0 and w1 are kept.
        Some(sid) => ClientConfig::pake(a.user.clone(), password.as_bytes(), sid.as_bytes()),
        // TLS-SRP offering only the registration ALPN, never resuming.
        None if a.register_pake => {
            ClientConfig::pake_registration(a.user.clone(), password.as_bytes())
        }
        None => ClientConfig::new(a.user.clone(), password.as_bytes()),
    };
    drop(password);
    cfg.min_group_bits = a.min_group_bits;
    if !a.register_pake {
        cfg.alpn_protocols = a.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    }
    if let Some(auth) = server_auth {
        cfg.server_auth = Some(Arc::new(auth));
        if a.require_certificate {
            cfg.cipher_suites.retain(|s| s.signed);
        }
    }
    cfg.key_log = key_log;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::new(format!("cannot start the runtime: {e}")))?;
    let res = rt.block_on(connect_async(&a, &host, port, cfg));
    // A blocking read of stdin may still be pending: do not wait for it.
    rt.shutdown_background();
    res
}

/// `HOST:PORT`, `IP:PORT` or `[IPV6]:PORT`; without a port, a usage error that says so.
fn split_host_port(addr: &str) -> Result<(String, u16), Fail> {
    if let Ok(sa) = addr.parse::<SocketAddr>() {
        return Ok((sa.ip().to_string(), sa.port()));
    }
    let no_port = || {
        let host = addr.trim_end_matches(':');
        let shown = match host.parse::<std::net::Ipv6Addr>() {
            Ok(_) => format!("[{host}]"),
            Err(_) => host.to_owned(),
        };
        Fail::new(format!(
            "{addr:?} has no port; give HOST:PORT, e.g. {shown}:4433 (TLS-SRP has no standard port)"
        ))
    };
    if addr.parse::<IpAddr>().is_ok() || addr.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
        return Err(no_port());
    }
    let (host, port) = addr.rsplit_once(':').ok_or_else(no_port)?;
    if port.is_empty() {
        return Err(no_port());
    }
    let port = port
        .parse::<u16>()
        .map_err(|_| Fail::new(format!("{addr:?}: {port:?} is not a port number")))?;
    if host.is_empty() || host.contains(':') {
        return Err(Fail::new(format!(
            "{addr:?}: give HOST:PORT, IP:PORT or [IPV6]:PORT"
        )));
    }
    Ok((host.to_owned(), port))
}

async fn connect_async(
    a: &ConnectArgs,
    host: &str,
    port: u16,
    cfg: ClientConfig,
) -> Result<(), Fail> {
    let limit = Duration::from_secs(a.timeout.max(1));
    // The library sends SNI only for DNS names, and keys stored sessions by this name (IP
    // literals included): with no name at all it would not resume.
    let sni = a.servername.as_deref().unwrap_or(host);
    // One connector for every connection: they share its session store, so reconnections
    // resume the first session (like `openssl s_client -reconnect`).
    let cfg = Arc::new(cfg);
    let connector = TlsConnector::from(cfg.clone());
    let target = Target {
        a,
        host,
        port,
        limit,
    };
    if a.register_pake {
        let mut tls = handshake_once(&target, &connector, sni).await?;
        return register_pake(a, &mut tls, &cfg).await;
    }
    for _ in 0..a.reconnect {
        let mut tls = handshake_once(&target, &connector, sni).await?;
        let _ = tls.shutdown().await;
    }
    let tls = handshake_once(&target, &connector, sni).await?;
    bridge(a, tls).await
}

/// `connect --register-pake`, once the TLS-SRP handshake is done: registers the user's
/// SPAKE2+ record over it ([`tls_srp::pake::migrate`]) and says how to log in with it.
async fn register_pake(
    a: &ConnectArgs,
    tls: &mut tls_srp::tokio::client::TlsStream<TcpStream>,
    cfg: &ClientConfig,
) -> Result<(), Fail> {
    use tls_srp::pake::migrate::{self, MigrationError, Status};
    let expected = a.server_id.as_deref().map(str::as_bytes);
    let limit = Duration::from_secs(a.timeout.max(1));
    let done = tokio::time::timeout(limit, migrate::register(tls, cfg, expected))
        .await
        .map_err(|_| Fail::network(format!("the registration with {} timed out", a.addr)))?;
    match done {
        Ok(r) => {
            let sid = String::from_utf8_lossy(&r.server_identity);
            let what = if r.replaced { "replaced the" } else { "registered a" };
            eprintln!(
                "{what} TLS 1.3 PAKE record for {:?} with server identity {sid:?} on {}; log in with: tls-srp connect {} --pake --user {:?} --server-id {sid:?}",
                r.username, a.addr, a.addr, r.username
            );
            Ok(())
        }
        Err(e) => Err(match migrate::migration_error(&e) {
            Some(MigrationError::NotAllowed(_)) => Fail::tls(format!(
                "{} does not accept PAKE registration (its `tls-srp serve` needs --allow-pake-registration, --pake-file and --server-id) [{e}]",
                a.addr
            )),
            Some(MigrationError::Rejected(Status::Refused, m)) => {
                Fail::no(format!("{} refused the PAKE registration: {m}", a.addr))
            }
            Some(MigrationError::WrongServerIdentity) => Fail::tls(format!(
                "{} offers another server identity than --server-id {:?}; check it against the server's `serve --server-id`",
                a.addr,
                a.server_id.as_deref().unwrap_or_default()
            )),
            Some(m) => Fail::tls(format!("PAKE registration with {} failed: {m}", a.addr)),
            None => Fail::network(format!(
                "connection to {} failed during the PAKE registration: {e}",
                a.addr
            )),
        }),
    }
}

struct Target<'a> {
    a: &'a ConnectArgs,
    host: &'a str,
    port: u16,
    limit: Duration,
}

/// Resolves the host and connects to its addresses in turn.
async fn tcp_connect(t: &Target<'_>) -> Result<TcpStream, Fail> {
    let addr = &t.a.addr;
    let found = tokio::time::timeout(t.limit, tokio::net::lookup_host((t.host, t.port)))
        .await
        .map_err(|_| Fail::network(format!("looking up {:?} timed out", t.host)))?
        .map_err(|e| {
            Fail::network(format!(
                "cannot resolve {:?}: {e}; check the host name",
                t.host
            ))
        })?;
    let mut last = None;
    for sa in found {
        match tokio::time::timeout(t.limit, TcpStream::connect(sa)).await {
            Ok(Ok(tcp)) => return Ok(tcp),
            Ok(Err(e)) => {
                last = Some(format!(
                    "cannot connect to {addr} ({sa}): {e}; is the server running, on that port?"
                ))
            }
            Err(_) => {
                last = Some(format!(
                    "{addr} ({sa}) does not answer; check the address and any firewall"
                ))
            }
        }
    }
    Err(Fail::network(
        last.unwrap_or_else(|| format!("{:?} has no address", t.host)),
    ))
}

/// Connects and handshakes once; prints the one-line session summary on stderr.
async fn handshake_once(
    t: &Target<'_>,
    connector: &TlsConnector,
    sni: &str,
) -> Result<tls_srp::tokio::client::TlsStream<TcpStream>, Fail> {
    let a = t.a;
    let start = Instant::now();
    let tcp = tcp_connect(t).await?;
    // Interactive traffic: do not let Nagle hold a short line back.
    let _ = tcp.set_nodelay(true);
    let tls = tokio::time::timeout(t.limit, connector.connect(Some(sni), tcp))
        .await
        .map_err(|_| Fail::network(format!("the handshake with {} timed out", a.addr)))?
        .map_err(|e| handshake_failure(&a.addr, &e, a.server_id.as_deref().filter(|_| a.pake)))?;
    let c = tls.get_ref().1;
    if c.is_pake() {
        let alpn = c
            .alpn_protocol()
            .map(|p| format!(", ALPN {:?}", String::from_utf8_lossy(p)))
            .unwrap_or_default();
        eprintln!(
            "connected to {} as {:?}: TLSv1.3 {}, PAKE SPAKE2+ (experimental) with server identity {:?}{alpn}, full handshake {:.1} ms",
            a.addr,
            a.user,
            crate::session::tls13_cipher_name(c.negotiated_cipher_suite()),
            a.server_id.as_deref().unwrap_or_default(),
            start.elapsed().as_secs_f64() * 1000.0
        );
        return Ok(tls);
    }
    let kind = match c.handshake_kind() {
        Some(HandshakeKind::Resumed) => "resumed session",
        _ => "full handshake",
    };
    let alpn = c
        .alpn_protocol()
        .map(|p| format!(", ALPN {:?}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    let certificate = match c.negotiated_cipher_suite() {
        Some(
            tls_srp::CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA
            | tls_srp::CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA,
        ) => format!(", certificate verified for {sni:?}"),
        _ => String::new(),
    };
    eprintln!(
        "connected to {} as {:?}: {} {}, SRP group {} bits, EMS {}, EtM {}{alpn}{certificate}, {kind} {:.1} ms",
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

/// A failed client handshake, by exit status: refused credentials (1), network (3), or
/// another TLS failure (4). `pake`: the server identity of a TLS 1.3 PAKE attempt.
fn handshake_failure(addr: &str, e: &std::io::Error, pake: Option<&str>) -> Fail {
    match Error::from_io(e) {
        Some(tls) if tls.is_auth_failure() => Fail::no(format!(
            "login to {addr} refused: wrong username or password (or locked out after too many failures) [{tls}]"
        )),
        Some(Error::HandshakeTimedOut) => {
            Fail::network(format!("the handshake with {addr} timed out"))
        }
        // The server refused the PAKE itself: another server identity, or no PAKE there.
        Some(
            tls @ Error::AlertReceived(
                AlertDescription::HandshakeFailure | AlertDescription::ProtocolVersion,
            ),
        ) if pake.is_some() => Fail::tls(format!(
            "TLS 1.3 PAKE with {addr} failed: {tls}; the server does not call itself {:?} (check --server-id against its `serve --server-id`) or does not serve TLS 1.3 PAKE",
            pake.unwrap_or_default()
        )),
        Some(tls) => Fail::tls(format!("TLS handshake with {addr} failed: {tls}")),
        None => Fail::network(format!(
            "connection to {addr} failed during the handshake: {e}"
        )),
    }
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
        .map_err(|e| Fail::network(format!("connection to {} failed: {e}", a.addr)))
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
