//! PostgreSQL for tls-srp servers behind a load balancer: several servers share one
//! database for
//!
//! - **users** ([`PgStore`] is a [`tls_srp::UserStore`]): answered from a bounded cache when
//!   it can, otherwise by a query that the handshake awaits
//!   ([`tls_srp::Lookup::Later`]). Every change is announced with `NOTIFY` by a trigger, and
//!   each server drops that user from its cache at once, so a new password or a deleted user
//!   reaches every server within a moment.
//! - **ticket keys** ([`PgStore::shared_ticketer`]): a ticket issued by any server resumes on
//!   any other; one server makes the next key when the newest is older than the rotation
//!   period, every server accepts the newest two.
//! - **failed-login counts** ([`PgStore::share_limiter`]): counted atomically in the
//!   database and announced, so a guesser who spreads guesses over the servers gets one
//!   lockout budget.
//! - **the simulation secret** ([`PgStore::simulation_secret`]): unknown users get the same
//!   salt from every server.
//!
//! The schema is `migrations/0001_init.sql`, applied by [`PgStore::connect`].
//!
//! ## When the database goes away
//!
//! A server keeps answering from its cache for as long as its `LISTEN` connection is up
//! (changes would be announced), and for [`PgOptions::stale_after`] after it drops (30 s):
//! a lookup the cache cannot answer then fails the login closed with `internal_error`, for
//! known and unknown users alike (during an outage, which names were recently looked up
//! could be told apart by that: a name that is cached answers, one that is not fails).
//! Every failure is logged (the connection string's password never is), the listener
//! reconnects every second, and on reconnecting the whole cache is dropped (announcements
//! may have been missed). Failed-login events that cannot be written are counted locally
//! only and the loss is logged.
//!
//! Connections to PostgreSQL are not encrypted (`NoTls`): keep the database on the same
//! host or a private network. Whoever can read the database can read ticket keys (and so
//! forge sessions when `--tickets` is on) and verifiers: restrict access to it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::{AsyncMessage, NoTls};
use tracing::{error, info, warn};
use zeroize::Zeroizing;

use tls_srp::limits::{LimiterEvent, LimiterSink};
use tls_srp::{
    Lookup, RateLimiter, RecordShapes, SrpGroup, TicketKeyMaterial, Ticketer, UserRecord, UserStore,
};

/// The schema, applied by [`PgStore::connect`].
pub const MIGRATION: &str = include_str!("../migrations/0001_init.sql");

/// A key for `pg_advisory_xact_lock`, so that two servers never migrate or make a ticket
/// key at the same moment.
const LOCK_MIGRATE: i64 = 0x7473_7270_0001;
const LOCK_TICKET_KEY: i64 = 0x7473_7270_0002;

/// How a [`PgStore`] behaves.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Most users kept in the cache (default 100 000).
    pub cache_capacity: usize,
    /// Longest a query (or a wait for a pooled connection) may take (default 2 s); a
    /// login whose lookup takes longer fails closed.
    pub query_timeout: Duration,
    /// How long cached answers are still used after the `LISTEN` connection drops
    /// (default 30 s).
    pub stale_after: Duration,
    /// Most pooled connections (default 16).
    pub pool_size: usize,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            cache_capacity: 100_000,
            query_timeout: Duration::from_secs(2),
            stale_after: Duration::from_secs(30),
            pool_size: 16,
        }
    }
}

/// A failure of the store, in words (never with the connection string's password).
#[derive(Debug, Clone)]
pub struct PgError(pub String);

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PgError {}

impl From<tokio_postgres::Error> for PgError {
    fn from(e: tokio_postgres::Error) -> Self {
        // The driver's message, and the server's own when there is one.
        match e.as_db_error() {
            Some(db) => PgError(format!("{e}: {}", db.message())),
            None => PgError(e.to_string()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for PgError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        PgError(format!("no database connection: {e}"))
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // key=value form: hide any password=... value.
        return url
            .split_whitespace()
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ");
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = tail
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.trim_start_matches('?').eq_ignore_ascii_case("password") => {
                format!("{k}=***")
            }
            _ => kv.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{scheme}://{authority}{tail}")
}

/// One user, as `passwd list` shows it (never the verifier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The username.
    pub username: String,
    /// The group's size in bits.
    pub group_bits: u32,
    /// The salt's length in bytes.
    pub salt_len: usize,
    /// Whether the user is revoked.
    pub revoked: bool,
}

struct Cached {
    record: Option<UserRecord>,
}

struct Inner {
    pool: Pool,
    config: tokio_postgres::Config,
    shown: String,
    opts: PgOptions,
    cache: Mutex<HashMap<String, Cached>>,
    /// Bumped by every invalidation: an answer fetched across one is not cached.
    generation: AtomicU64,
    listening: AtomicBool,
    /// When the listener last lost its connection.
    lost_at: Mutex<Option<Instant>>,
    shapes: RwLock<Arc<RecordShapes>>,
    /// This server's tag in announcements, so that it skips its own.
    instance: String,
    limiter: OnceLock<Arc<RateLimiter>>,
    ticketer: OnceLock<(Arc<Ticketer>, Duration)>,
    shapes_dirty: tokio::sync::Notify,
}

/// The shared store. Cheap to clone; make it inside a tokio runtime, which its tasks (the
/// `LISTEN` connection, the ticket keys, the failed-login writer) run on.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("database", &self.inner.shown)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/db`), applies the schema and
    /// checks that the database answers. For a server, then call [`Self::start`].
    pub async fn connect(url: &str, opts: PgOptions) -> Result<Self, PgError> {
        let shown = redact(url);
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| PgError(format!("{shown}: not a PostgreSQL connection string: {e}")))?;
        config.connect_timeout(opts.query_timeout);
        config.application_name("tls-srp");
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(opts.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(opts.query_timeout))
            .create_timeout(Some(opts.query_timeout))
            .recycle_timeout(Some(opts.query_timeout))
            .build()
            .map_err(|e| PgError(format!("{shown}: {e}")))?;
        let mut instance = [0u8; 6];
        let _ = tls_srp_random(&mut instance);
        let store = PgStore {
            inner: Arc::new(Inner {
                pool,
                config,
                shown: shown.clone(),
                opts,
                cache: Mutex::new(HashMap::new()),
                generation: AtomicU64::new(0),
                listening: AtomicBool::new(false),
                lost_at: Mutex::new(None),
                shapes: RwLock::new(Arc::new(RecordShapes::new())),
                instance: instance.iter().map(|b| format!("{b:02x}")).collect(),
                limiter: OnceLock::new(),
                ticketer: OnceLock::new(),
                shapes_dirty: tokio::sync::Notify::new(),
            }),
        };
        store
            .migrate()
            .await
            .map_err(|e| PgError(format!("{shown}: {e}")))?;
        Ok(store)
    }

    /// The connection string with its password hidden.
    pub fn shown(&self) -> &str {
        &self.inner.shown
    }

    async fn migrate(&self) -> Result<(), PgError> {
        let mut client = self.inner.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_MIGRATE])
            .await?;
        tx.batch_execute(MIGRATION).await?;
        tx.commit().await?;
        Ok(())
    }

    /// For a server: loads the shapes of the records (so that unknown users look like the
    /// real ones) and starts listening for changes. Returns once the first load is done.
    pub async fn start(&self) -> Result<(), PgError> {
        self.inner.reload_shapes().await?;
        let inner = self.inner.clone();
        tokio::spawn(async move { inner.listen_forever().await });
        let inner = self.inner.clone();
        tokio::spawn(async move {
            loop {
                inner.shapes_dirty.notified().await;
                tokio::time::sleep(Duration::from_millis(200)).await;
                if let Err(e) = inner.reload_shapes().await {
                    warn!("PostgreSQL: cannot reload the record shapes: {e}");
                }
            }
        });
        // Wait (a little) for the listener, so that the cache is trusted from the start.
        let until = Instant::now() + self.inner.opts.query_timeout;
        while !self.inner.listening.load(Ordering::SeqCst) && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// The server secret from which unknown users' salts are derived, the same for every
    /// server (made on first use).
    pub async fn simulation_secret(&self) -> Result<Zeroizing<[u8; 32]>, PgError> {
        let mut fresh = Zeroizing::new([0u8; 32]);
        tls_srp_random(&mut fresh[..])?;
        let client = self.inner.client().await?;
        client
            .execute(
                "INSERT INTO tls_srp_secrets (name, value) VALUES ('simulation', $1) \
                 ON CONFLICT (name) DO NOTHING",
                &[&&fresh[..]],
            )
            .await?;
        let row = client
            .query_one(
                "SELECT value FROM tls_srp_secrets WHERE name = 'simulation'",
                &[],
            )
            .await?;
        let value: Vec<u8> = row.get(0);
        let value = Zeroizing::new(value);
        let mut out = Zeroizing::new([0u8; 32]);
        if value.len() != 32 {
            return Err(PgError(
                "tls_srp_secrets 'simulation' is not 32 bytes; delete that row to make a new one"
                    .into(),
            ));
        }
        out.copy_from_slice(&value);
        Ok(out)
    }

    /// Adds `username` with `record`, or replaces it (and re-activates a revoked user) with
    /// `replace`; without `replace`, an existing user is an error and is left as it is (one
    /// statement: two servers adding the same name cannot both succeed).
    pub async fn put_user(
        &self,
        username: &str,
        record: &UserRecord,
        replace: bool,
    ) -> Result<(), PgError> {
        let client = self.inner.client().await?;
        let bits = i32::try_from(record.group.bits()).unwrap_or(0);
        let written = client
            .execute(
                match replace {
                    true => {
                        "INSERT INTO tls_srp_users (username, group_bits, salt, verifier, revoked) \
                         VALUES ($1, $2, $3, $4, false) \
                         ON CONFLICT (username) DO UPDATE SET group_bits = $2, salt = $3, \
                         verifier = $4, revoked = false, updated_at = now()"
                    }
                    false => {
                        "INSERT INTO tls_srp_users (username, group_bits, salt, verifier, revoked) \
                         VALUES ($1, $2, $3, $4, false) ON CONFLICT (username) DO NOTHING"
                    }
                },
                &[&username, &bits, &record.salt, &record.verifier],
            )
            .await?;
        if written == 0 {
            return Err(PgError(format!(
                "user {username:?} exists; pass --replace to set a new password"
            )));
        }
        Ok(())
    }

    /// Adds many users in one transaction (an import): all or nothing. `revoked` users are
    /// kept revoked. Existing users are left alone unless `replace`. Returns how many rows
    /// were written.
    pub async fn import(
        &self,
        users: &[(String, UserRecord, bool)],
        replace: bool,
    ) -> Result<u64, PgError> {
        let mut client = self.inner.client().await?;
        let tx = client.transaction().await?;
        let sql = match replace {
            true => {
                "INSERT INTO tls_srp_users (username, group_bits, salt, verifier, revoked) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO UPDATE SET \
                 group_bits = $2, salt = $3, verifier = $4, revoked = $5, updated_at = now()"
            }
            false => {
                "INSERT INTO tls_srp_users (username, group_bits, salt, verifier, revoked) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING"
            }
        };
        let stmt = tx.prepare(sql).await?;
        let mut written = 0;
        for (name, rec, revoked) in users {
            let bits = i32::try_from(rec.group.bits()).unwrap_or(0);
            written += tx
                .execute(&stmt, &[name, &bits, &rec.salt, &rec.verifier, revoked])
                .await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    /// Deletes `username`; returns whether it existed.
    pub async fn delete_user(&self, username: &str) -> Result<bool, PgError> {
        let client = self.inner.client().await?;
        let n = client
            .execute(
                "DELETE FROM tls_srp_users WHERE username = $1",
                &[&username],
            )
            .await?;
        Ok(n > 0)
    }

    /// Every user, by name.
    pub async fn list_users(&self) -> Result<Vec<UserInfo>, PgError> {
        let client = self.inner.client().await?;
        let rows = client
            .query(
                "SELECT username, group_bits, octet_length(salt), revoked FROM tls_srp_users \
                 ORDER BY username",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| UserInfo {
                username: r.get(0),
                group_bits: u32::try_from(r.get::<_, i32>(1)).unwrap_or(0),
                salt_len: usize::try_from(r.get::<_, i32>(2)).unwrap_or(0),
                revoked: r.get(3),
            })
            .collect())
    }

    /// The record of `username` and whether it is revoked, straight from the database.
    pub async fn get_user(&self, username: &str) -> Result<Option<(UserRecord, bool)>, PgError> {
        self.inner.fetch(username).await
    }

    /// A ticketer on keys kept in the database: the newest key seals, the newest two open;
    /// when the newest is older than `rotation`, one server makes the next. Use it as the
    /// `ServerConfig::ticketer` of every server.
    pub async fn shared_ticketer(&self, rotation: Duration) -> Result<Arc<Ticketer>, PgError> {
        let rotation = rotation.max(Duration::from_secs(1));
        self.inner.ensure_ticket_key(rotation).await?;
        let (current, previous) = self.inner.ticket_keys().await?;
        let t = Ticketer::with_shared_keys(&current, previous.as_ref())
            .map_err(|e| PgError(format!("ticket keys: {e}")))?;
        if self.inner.ticketer.set((t.clone(), rotation)).is_err() {
            return Err(PgError("shared_ticketer called twice".into()));
        }
        let inner = self.inner.clone();
        tokio::spawn(async move {
            // Check well within the period, and at least every 30 s.
            let every = (rotation / 8).clamp(Duration::from_millis(250), Duration::from_secs(30));
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = inner.refresh_ticket_keys(true).await {
                    warn!(
                        "PostgreSQL: cannot refresh the ticket keys (the current ones stay): {e}"
                    );
                }
            }
        });
        Ok(t)
    }

    /// Shares `limiter`'s counts with the other servers: loads the recent failures from the
    /// database, publishes this server's outcomes, and applies the others' as they come.
    pub async fn share_limiter(&self, limiter: Arc<RateLimiter>) -> Result<(), PgError> {
        let client = self.inner.client().await?;
        let forgive = limiter.config().forgive_every.as_secs_f64().max(1.0);
        let rows = client
            .query(
                "SELECT kind, key, failures, extract(epoch FROM now() - updated_at)::float8 \
                 FROM tls_srp_failures WHERE updated_at > now() - interval '1 day'",
                &[],
            )
            .await?;
        for r in rows {
            let (kind, key): (String, String) = (r.get(0), r.get(1));
            let age: f64 = r.get(3);
            let left = (f64::from(r.get::<_, i32>(2)) - (age / forgive).floor()).max(0.0);
            let event = match kind.as_str() {
                "user" => LimiterEvent::Failure {
                    username: Some(key),
                    ip: None,
                },
                _ => LimiterEvent::Failure {
                    username: None,
                    ip: key.parse().ok(),
                },
            };
            for _ in 0..(left as u32).min(10_000) {
                limiter.apply_remote(&event);
            }
        }
        let (tx, rx) = tokio::sync::mpsc::channel(10_000);
        let sink = Arc::new(PgSink {
            tx,
            dropped: AtomicU64::new(0),
        });
        if !limiter.set_sink(sink.clone()) {
            return Err(PgError("the rate limiter already has a sink".into()));
        }
        if self.inner.limiter.set(limiter).is_err() {
            return Err(PgError("share_limiter called twice".into()));
        }
        let inner = self.inner.clone();
        tokio::spawn(async move { inner.write_limiter_events(rx, sink).await });
        Ok(())
    }

    /// Whether the `LISTEN` connection is up (cached answers are trusted).
    pub fn is_listening(&self) -> bool {
        self.inner.listening.load(Ordering::SeqCst)
    }
}

impl UserStore for PgStore {
    /// The cached answer, if any (a synchronous caller cannot wait for the database).
    fn lookup(&self, username: &str) -> Option<UserRecord> {
        self.inner.cached(username).flatten()
    }

    fn lookup_deferred(&self, username: &str) -> Lookup {
        if let Some(answer) = self.inner.cached(username) {
            return Lookup::Ready(answer);
        }
        let inner = self.inner.clone();
        let name = username.to_owned();
        Lookup::Later(Box::pin(async move {
            let generation = inner.generation.load(Ordering::SeqCst);
            let fetched = tokio::time::timeout(inner.opts.query_timeout, inner.fetch(&name))
                .await
                .map_err(|_| "the user query timed out".to_owned())
                .and_then(|r| r.map_err(|e| e.to_string()));
            let record = match fetched {
                Ok(found) => found.and_then(|(rec, revoked)| (!revoked).then_some(rec)),
                Err(e) => {
                    warn!("PostgreSQL: user lookup failed, login refused (internal_error): {e}");
                    return Err(e);
                }
            };
            inner.put_cache(name, record.clone(), generation);
            Ok(record)
        }))
    }

    fn record_shapes(&self) -> Option<Arc<RecordShapes>> {
        self.inner.shapes.read().ok().map(|s| s.clone())
    }
}

impl Inner {
    async fn client(&self) -> Result<deadpool_postgres::Object, PgError> {
        Ok(self.pool.get().await?)
    }

    /// The cached answer, if it may be used: while listening, or not long after.
    fn cached(&self, username: &str) -> Option<Option<UserRecord>> {
        let trusted = self.listening.load(Ordering::SeqCst)
            || self
                .lost_at
                .lock()
                .ok()
                .and_then(|l| *l)
                .is_some_and(|t| t.elapsed() < self.opts.stale_after);
        if !trusted {
            return None;
        }
        let cache = self.cache.lock().ok()?;
        cache.get(username).map(|c| c.record.clone())
    }

    fn put_cache(&self, username: String, record: Option<UserRecord>, generation: u64) {
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if cache.len() >= self.opts.cache_capacity.max(1) {
            // Bounded: drop a tenth (arbitrary entries; a dropped user is read again).
            let drop: Vec<String> = cache
                .keys()
                .take(self.opts.cache_capacity / 10 + 1)
                .cloned()
                .collect();
            for k in drop {
                cache.remove(&k);
            }
        }
        cache.insert(username, Cached { record });
    }

    fn invalidate(&self, username: Option<&str>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut cache) = self.cache.lock() {
            match username {
                Some(u) => {
                    cache.remove(u);
                }
                None => cache.clear(),
            }
        }
    }

    async fn fetch(&self, username: &str) -> Result<Option<(UserRecord, bool)>, PgError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT group_bits, salt, verifier, revoked FROM tls_srp_users WHERE username = $1",
                &[&username],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let bits = u32::try_from(row.get::<_, i32>(0)).unwrap_or(0);
        let Some(group) = SrpGroup::by_bits(bits) else {
            warn!("PostgreSQL: user {username:?} has group_bits {bits}, not an RFC 5054 group");
            return Ok(None);
        };
        Ok(Some((
            UserRecord {
                group,
                salt: row.get(1),
                verifier: row.get(2),
            },
            row.get(3),
        )))
    }

    async fn reload_shapes(&self) -> Result<(), PgError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT group_bits, octet_length(salt), count(*) FROM tls_srp_users \
                 WHERE NOT revoked GROUP BY 1, 2",
                &[],
            )
            .await?;
        let mut shapes = RecordShapes::new();
        for r in rows {
            let bits = u32::try_from(r.get::<_, i32>(0)).unwrap_or(0);
            let salt_len = usize::try_from(r.get::<_, i32>(1)).unwrap_or(0);
            let Some(group) = SrpGroup::by_bits(bits) else {
                continue;
            };
            for _ in 0..r.get::<_, i64>(2).clamp(0, 1_000_000) {
                shapes.add(group, salt_len);
            }
        }
        if let Ok(mut s) = self.shapes.write() {
            *s = Arc::new(shapes);
        }
        Ok(())
    }

    /// Keeps a `LISTEN` connection up for as long as the process runs.
    async fn listen_forever(self: Arc<Self>) {
        let mut last_error: Option<String> = None;
        loop {
            match self.listen_once().await {
                Ok(()) => {}
                Err(e) => {
                    let msg = e.to_string();
                    if last_error.as_deref() != Some(&msg) {
                        error!(
                            "PostgreSQL {}: {msg}; cached users are answered for {} s, then \
                             logins fail closed (internal_error) until it is back; retrying \
                             every second",
                            self.shown,
                            self.opts.stale_after.as_secs()
                        );
                    }
                    last_error = Some(msg);
                }
            }
            if self.listening.swap(false, Ordering::SeqCst) {
                if let Ok(mut l) = self.lost_at.lock() {
                    *l = Some(Instant::now());
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn listen_once(self: &Arc<Self>) -> Result<(), PgError> {
        let (client, mut connection) = self.config.connect(NoTls).await?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let driver = tokio::spawn(async move {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(n))) => {
                        if tx.send(Ok(n)).is_err() {
                            return;
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        let _ = tx.send(Err(PgError::from(e)));
                        return;
                    }
                    None => {
                        let _ = tx.send(Err(PgError("the connection closed".into())));
                        return;
                    }
                }
            }
        });
        let res = async {
            client
                .batch_execute(
                    "LISTEN tls_srp_users; LISTEN tls_srp_limiter; LISTEN tls_srp_ticket_keys",
                )
                .await?;
            // Announcements may have been missed while away: forget everything cached.
            self.invalidate(None);
            self.listening.store(true, Ordering::SeqCst);
            let was_lost = self
                .lost_at
                .lock()
                .ok()
                .and_then(|mut l| l.take())
                .is_some();
            if was_lost {
                info!(
                    "PostgreSQL {}: back; listening for changes again",
                    self.shown
                );
            }
            self.shapes_dirty.notify_one();
            if self.ticketer.get().is_some() {
                if let Err(e) = self.refresh_ticket_keys(false).await {
                    warn!("PostgreSQL: cannot refresh the ticket keys: {e}");
                }
            }
            while let Some(n) = rx.recv().await {
                let n = n?;
                match n.channel() {
                    "tls_srp_users" => {
                        self.invalidate(Some(n.payload()));
                        self.shapes_dirty.notify_one();
                    }
                    "tls_srp_limiter" => self.apply_limiter_event(n.payload()),
                    "tls_srp_ticket_keys" => {
                        if let Err(e) = self.refresh_ticket_keys(false).await {
                            warn!("PostgreSQL: cannot refresh the ticket keys: {e}");
                        }
                    }
                    _ => {}
                }
            }
            Err(PgError("the LISTEN connection ended".into()))
        }
        .await;
        driver.abort();
        drop(client);
        res
    }

    /// Makes the first ticket key, or the next one when the newest is older than
    /// `rotation`, under a lock so that only one server does.
    async fn ensure_ticket_key(&self, rotation: Duration) -> Result<bool, PgError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_TICKET_KEY])
            .await?;
        let age: Option<f64> = tx
            .query_one(
                "SELECT extract(epoch FROM now() - max(created_at))::float8 FROM tls_srp_ticket_keys",
                &[],
            )
            .await?
            .get(0);
        let made = match age {
            Some(a) if a < rotation.as_secs_f64() => false,
            _ => {
                let k = TicketKeyMaterial::generate()
                    .map_err(|e| PgError(format!("ticket key: {e}")))?;
                tx.execute(
                    "INSERT INTO tls_srp_ticket_keys (name, key) VALUES ($1, $2)",
                    &[&&k.name[..], &&k.key[..]],
                )
                .await?;
                // Keep the newest three (the two in use, and one for a server that lags).
                tx.execute(
                    "DELETE FROM tls_srp_ticket_keys WHERE id NOT IN \
                     (SELECT id FROM tls_srp_ticket_keys ORDER BY id DESC LIMIT 3)",
                    &[],
                )
                .await?;
                tx.execute("SELECT pg_notify('tls_srp_ticket_keys', '')", &[])
                    .await?;
                true
            }
        };
        tx.commit().await?;
        Ok(made)
    }

    /// The newest key and the one before it.
    async fn ticket_keys(&self) -> Result<(TicketKeyMaterial, Option<TicketKeyMaterial>), PgError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT name, key FROM tls_srp_ticket_keys ORDER BY id DESC LIMIT 2",
                &[],
            )
            .await?;
        let mut keys = rows.iter().map(|r| {
            let name: Vec<u8> = r.get(0);
            let key = Zeroizing::new(r.get::<_, Vec<u8>>(1));
            let mut m = TicketKeyMaterial {
                name: [0; 16],
                key: Zeroizing::new([0; 32]),
            };
            (name.len() == 16 && key.len() == 32).then(|| {
                m.name.copy_from_slice(&name);
                m.key.copy_from_slice(&key);
                m
            })
        });
        let current = keys
            .next()
            .flatten()
            .ok_or_else(|| PgError("no ticket key in tls_srp_ticket_keys".into()))?;
        Ok((current, keys.next().flatten()))
    }

    async fn refresh_ticket_keys(&self, may_rotate: bool) -> Result<(), PgError> {
        let Some((ticketer, rotation)) = self.ticketer.get() else {
            return Ok(());
        };
        if may_rotate {
            self.ensure_ticket_key(*rotation).await?;
        }
        let (current, previous) = self.ticket_keys().await?;
        ticketer
            .set_keys(&current, previous.as_ref())
            .map_err(|e| PgError(format!("ticket keys: {e}")))
    }

    /// `INSTANCE F USERHEX|- IP|-` or `INSTANCE S USERHEX`.
    fn apply_limiter_event(&self, payload: &str) {
        let mut parts = payload.split(' ');
        let (Some(from), Some(what)) = (parts.next(), parts.next()) else {
            return;
        };
        if from == self.instance {
            return;
        }
        let Some(limiter) = self.limiter.get() else {
            return;
        };
        let user = parts.next().and_then(unhex);
        let event = match what {
            "F" => LimiterEvent::Failure {
                username: user,
                ip: parts.next().and_then(|ip| ip.parse().ok()),
            },
            "S" => match user {
                Some(username) => LimiterEvent::Success { username },
                None => return,
            },
            _ => return,
        };
        limiter.apply_remote(&event);
    }

    /// Writes this server's limiter outcomes: counters updated atomically, and announced.
    async fn write_limiter_events(
        self: Arc<Self>,
        mut rx: tokio::sync::mpsc::Receiver<LimiterEvent>,
        sink: Arc<PgSink>,
    ) {
        let mut failing_since: Option<Instant> = None;
        while let Some(event) = rx.recv().await {
            let res = tokio::time::timeout(self.opts.query_timeout, self.write_event(&event))
                .await
                .unwrap_or_else(|_| Err(PgError("timed out".into())));
            match res {
                Ok(()) => {
                    if failing_since.take().is_some() {
                        info!("PostgreSQL: failed-login counts are shared again");
                    }
                }
                Err(e) => {
                    if failing_since.is_none() {
                        failing_since = Some(Instant::now());
                        error!(
                            "PostgreSQL: cannot share a failed-login count ({e}); counting on \
                             this server only until the database is back"
                        );
                    }
                }
            }
            let dropped = sink.dropped.swap(0, Ordering::SeqCst);
            if dropped > 0 {
                warn!("PostgreSQL: {dropped} failed-login events not shared (queue full)");
            }
        }
    }

    async fn write_event(&self, event: &LimiterEvent) -> Result<(), PgError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let payload = match event {
            LimiterEvent::Failure { username, ip } => {
                let upsert = "INSERT INTO tls_srp_failures (kind, key, failures) VALUES ($1, $2, 1) \
                     ON CONFLICT (kind, key) DO UPDATE SET failures = tls_srp_failures.failures + 1, \
                     updated_at = now()";
                if let Some(u) = username {
                    tx.execute(upsert, &[&"user", u]).await?;
                }
                if let Some(ip) = ip {
                    tx.execute(upsert, &[&"ip", &ip.to_string()]).await?;
                }
                format!(
                    "{} F {} {}",
                    self.instance,
                    username.as_deref().map(hex).unwrap_or_else(|| "-".into()),
                    ip.map(|i| i.to_string()).unwrap_or_else(|| "-".into())
                )
            }
            LimiterEvent::Success { username } => {
                tx.execute(
                    "DELETE FROM tls_srp_failures WHERE kind = 'user' AND key = $1",
                    &[username],
                )
                .await?;
                format!("{} S {}", self.instance, hex(username))
            }
        };
        tx.execute("SELECT pg_notify('tls_srp_limiter', $1)", &[&payload])
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Queues the limiter's outcomes for the writer task (never blocks a handshake).
struct PgSink {
    tx: tokio::sync::mpsc::Sender<LimiterEvent>,
    dropped: AtomicU64,
}

impl LimiterSink for PgSink {
    fn publish(&self, event: LimiterEvent) {
        if self.tx.try_send(event).is_err() {
            self.dropped.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if s == "-" || s.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Random bytes from the operating system.
fn tls_srp_random(out: &mut [u8]) -> Result<(), PgError> {
    getrandom::fill(out).map_err(|e| PgError(format!("no randomness: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://app:s3cret@db.example:5432/users"),
            "postgres://app:***@db.example:5432/users"
        );
        assert_eq!(
            redact("postgresql://app@127.0.0.1/tlssrp?sslmode=disable&password=s3cret"),
            "postgresql://app@127.0.0.1/tlssrp?sslmode=disable&password=***"
        );
        assert_eq!(
            redact("host=127.0.0.1 user=app password=s3cret dbname=x"),
            "host=127.0.0.1 user=app password=*** dbname=x"
        );
        assert!(!redact("postgres://a:p%40ss@h/d").contains("p%40ss"));
    }

    #[test]
    fn limiter_payloads_round_trip() {
        for name in ["alice", "with space", "ünïcode", "a\u{202e}b"] {
            assert_eq!(unhex(&hex(name)).as_deref(), Some(name));
        }
        assert_eq!(unhex("-"), None);
        assert_eq!(unhex("zz"), None);
    }
}
