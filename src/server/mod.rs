//! The server side: configuration, user stores and the sans-IO server connection.

pub(crate) mod hs;
mod shapes;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::conn::{ConnectionCommon, Renegotiation, Role, SideData};
use crate::error::Error;
use crate::hs::Pause;
use crate::keylog::{KeyLog, NoKeyLog};
use crate::limits::{Attempt, Decision, HandshakeSlots, RateLimiter, Slot, Verdict};
use crate::msgs::enums::HandshakeType;
pub use crate::session::{ServerSessionMemoryCache, StoresServerSessions};
use crate::srp::SrpGroup;
use crate::suites::{SupportedCipherSuite, ALL_CIPHER_SUITES};
pub use crate::ticketer::{TicketKeyMaterial, Ticketer};
pub use shapes::RecordShapes;

/// What the server knows about one user: the group, the salt and the verifier
/// `v = g^x % N`. Never the password.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The user's SRP group.
    pub group: &'static SrpGroup,
    /// The salt (1 to 255 bytes).
    pub salt: Vec<u8>,
    /// The verifier, big-endian.
    pub verifier: Vec<u8>,
}

impl core::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UserRecord")
            .field("group", &self.group)
            .field("salt_len", &self.salt.len())
            .finish_non_exhaustive()
    }
}

impl UserRecord {
    /// Reads the record's bytes as a lookup's clone of it does, and keeps nothing. A store
    /// that answers from memory calls it on one of its stored records when the user is
    /// unknown: a known user's lookup copies its record out of the store's memory (most
    /// likely not in the CPU's caches), and without this an unknown user's handshake would
    /// not, which `benches/dudect.rs` measured as a difference of about 100-300 ns in the
    /// server's first flight (|t| up to 17 at 30 000 samples per class; below 4 with it).
    /// The allocations a clone makes are matched by the handshake itself (it clones the
    /// simulated record for unknown users). [`InMemoryUserStore`] and `vfile::FileUserStore`
    /// do this.
    pub fn read_as_a_lookup_would(&self) {
        const MAX_SALT: usize = 255;
        const MAX_VERIFIER: usize = 8192 / 8;
        let mut buf = [0u8; MAX_SALT + MAX_VERIFIER];
        let salt = self
            .salt
            .get(..self.salt.len().min(MAX_SALT))
            .unwrap_or_default();
        let verifier = self
            .verifier
            .get(..self.verifier.len().min(MAX_VERIFIER))
            .unwrap_or_default();
        if let Some(dst) = buf.get_mut(..salt.len()) {
            dst.copy_from_slice(salt);
        }
        if let Some(dst) = buf.get_mut(MAX_SALT..MAX_SALT + verifier.len()) {
            dst.copy_from_slice(verifier);
        }
        core::hint::black_box(&buf);
    }

    /// Makes a record with a fresh random 20-byte salt.
    pub fn new(username: &str, password: &[u8], group: &'static SrpGroup) -> Result<Self, Error> {
        let salt = crate::srp::generate_salt(20)?;
        let verifier = crate::srp::compute_verifier(group, &salt, username.as_bytes(), password);
        Ok(Self {
            group,
            salt,
            verifier,
        })
    }
}

/// A user lookup that finishes later (a database query, say): `Ok(None)` for no such user,
/// `Err` when the store cannot answer (the login then fails closed with `internal_error`).
pub type LookupFuture = core::pin::Pin<
    Box<dyn core::future::Future<Output = Result<Option<UserRecord>, String>> + Send + 'static>,
>;

/// A deferred lookup held by a connection or an adapter: in a mutex only so that its
/// holder stays `Sync` (it is only ever reached through `&mut`, never locked).
pub(crate) struct HeldLookup(std::sync::Mutex<LookupFuture>);

impl HeldLookup {
    pub(crate) fn new(fut: LookupFuture) -> Self {
        Self(std::sync::Mutex::new(fut))
    }

    // Used by the tokio adapter only.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn get(&mut self) -> &mut LookupFuture {
        self.0.get_mut().unwrap_or_else(|p| p.into_inner())
    }
}

impl core::fmt::Debug for HeldLookup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HeldLookup")
    }
}

/// What [`UserStore::lookup_deferred`] answers.
pub enum Lookup {
    /// The answer now: the record, or `None` for no such user.
    Ready(Option<UserRecord>),
    /// The answer later. The handshake pauses for it ([`ServerConnection::take_user_lookup`]):
    /// the tokio adapter awaits it; the blocking one blocks on it; a custom event loop
    /// polls it and answers with [`ServerConnection::supply_user`] or
    /// [`ServerConnection::fail_user_lookup`].
    Later(LookupFuture),
}

impl core::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Ready(r) => f.debug_tuple("Ready").field(&r.is_some()).finish(),
            Self::Later(_) => f.write_str("Later"),
        }
    }
}

/// A user database.
pub trait UserStore: Send + Sync {
    /// The record for `username`, or `None` if there is no such user. A store that answers
    /// from memory should read one of its records on a miss
    /// ([`UserRecord::read_as_a_lookup_would`]), so that unknown users cost what known
    /// ones do.
    fn lookup(&self, username: &str) -> Option<UserRecord>;

    /// The record for `username`, now or later: a store in a database answers from its
    /// cache when it can and queries otherwise. The default answers [`Self::lookup`] now.
    fn lookup_deferred(&self, username: &str) -> Lookup {
        Lookup::Ready(self.lookup(username))
    }

    /// How many records the store has of each shape (group, salt length), kept up to date
    /// as records change. Unknown users are then simulated with a shape drawn from these
    /// counts (deterministically per username), so that they look like the real users
    /// whatever groups and salt lengths the store holds. The default, `None`, makes
    /// simulated users use [`ServerConfig::simulated_group`] and
    /// [`ServerConfig::simulated_salt_len`]. Called once per full handshake: return a
    /// shared snapshot, not a fresh count.
    fn record_shapes(&self) -> Option<Arc<RecordShapes>> {
        None
    }

    /// TLS 1.3 PAKE: the SPAKE2+ record of `username` registered for `server_identity`, or
    /// `None` (the default: a store without PAKE records). Answered now: PAKE lookups are
    /// not deferred.
    fn lookup_pake(
        &self,
        _username: &str,
        _server_identity: &[u8],
    ) -> Option<crate::pake::VerifierRecord> {
        None
    }

    /// TLS 1.3 PAKE: [`Self::lookup_pake`]'s record, prepared for the exchange
    /// ([`crate::pake::PreparedRecord`]: `w0·M` and `w0·N` computed, two fixed-base
    /// multiplications that each handshake then saves). The default prepares
    /// [`Self::lookup_pake`]'s answer on every call (an invalid record counts as none).
    ///
    /// A store that keeps every record prepared (as [`InMemoryUserStore`] and
    /// `vfile::PakeFileStore` do) answers from them, says so with
    /// [`Self::pake_records_prepared`], and reads one record either way, the one it found or
    /// on a miss one it holds ([`crate::pake::PreparedRecord::read_as_an_exchange_would`]).
    fn lookup_pake_prepared(
        &self,
        username: &str,
        server_identity: &[u8],
    ) -> Option<Arc<crate::pake::PreparedRecord>> {
        let record = self.lookup_pake(username, server_identity)?;
        crate::pake::PreparedRecord::new(record).ok().map(Arc::new)
    }

    /// Whether [`Self::lookup_pake_prepared`] answers with records prepared ahead. The
    /// server then uses a decoy record prepared ahead for unknown users too, and prepares
    /// it on every attempt otherwise, so that unknown users cost what known ones do in
    /// either case. `false` by default: override it together with
    /// [`Self::lookup_pake_prepared`], never alone.
    fn pake_records_prepared(&self) -> bool {
        false
    }
}

/// `key`'s prepared PAKE record in `map`, shared. Either way one record is read as an
/// exchange would read it ([`crate::pake::PreparedRecord::read_as_an_exchange_would`]): the
/// one found, or on a miss one stored record, so that the two paths do the same work and
/// touch as much of the table's memory.
pub(crate) fn lookup_prepared_in<K, Q>(
    map: &HashMap<K, Arc<crate::pake::PreparedRecord>>,
    key: &Q,
) -> Option<Arc<crate::pake::PreparedRecord>>
where
    K: core::borrow::Borrow<Q> + core::hash::Hash + Eq,
    Q: core::hash::Hash + Eq + ?Sized,
{
    let found = map.get(key).cloned();
    let read = found.clone().or_else(|| map.values().next().cloned());
    if let Some(record) = core::hint::black_box(read) {
        record.read_as_an_exchange_would();
    }
    found
}

/// `username`'s record in `map`, cloned; on a miss, one stored record is read as a hit's
/// clone reads it ([`UserRecord::read_as_a_lookup_would`]).
pub(crate) fn lookup_in(map: &HashMap<String, UserRecord>, username: &str) -> Option<UserRecord> {
    let found = map.get(username).cloned();
    if found.is_none() {
        if let Some(stored) = map.values().next() {
            stored.read_as_a_lookup_would();
        }
    }
    found
}

/// A user store in memory. It describes its records ([`UserStore::record_shapes`]).
#[derive(Default)]
pub struct InMemoryUserStore {
    users: RwLock<Users>,
}

#[derive(Default)]
struct Users {
    map: HashMap<String, UserRecord>,
    /// TLS 1.3 PAKE records by (username, server identity).
    /// Kept prepared ([`crate::pake::PreparedRecord`]), so lookups cost the same for every
    /// user and for the decoy.
    pake: HashMap<(String, Vec<u8>), Arc<crate::pake::PreparedRecord>>,
    /// The shapes of `map`'s records: counted as they change, shared as a snapshot.
    shapes: RecordShapes,
    snapshot: Arc<RecordShapes>,
}

impl core::fmt::Debug for InMemoryUserStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = self.len();
        f.debug_struct("InMemoryUserStore")
            .field("users", &n)
            .finish()
    }
}

impl InMemoryUserStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds or replaces `username` with a verifier for `password` in `group`.
    pub fn add_user(
        &self,
        username: &str,
        password: &[u8],
        group: &'static SrpGroup,
    ) -> Result<(), Error> {
        let rec = UserRecord::new(username, password, group)?;
        self.insert(username, rec);
        Ok(())
    }
    /// Adds or replaces a prepared record.
    pub fn insert(&self, username: &str, record: UserRecord) {
        if let Ok(mut u) = self.users.write() {
            let u = &mut *u;
            u.shapes.add(record.group, record.salt.len());
            if let Some(old) = u.map.insert(username.to_owned(), record) {
                u.shapes.remove(old.group, old.salt.len());
            }
            u.snapshot = Arc::new(u.shapes.clone());
        }
    }
    /// Removes a user; returns whether it existed.
    pub fn remove(&self, username: &str) -> bool {
        let Ok(mut u) = self.users.write() else {
            return false;
        };
        let u = &mut *u;
        match u.map.remove(username) {
            Some(old) => {
                u.shapes.remove(old.group, old.salt.len());
                u.snapshot = Arc::new(u.shapes.clone());
                true
            }
            None => false,
        }
    }
    /// Adds or replaces a TLS 1.3 PAKE (SPAKE2+) record of `username` for
    /// `server_identity`, prepared ([`crate::pake::PreparedRecord`], about 30 µs). A record
    /// that is not valid (only possible by setting its public fields by hand) is not added.
    pub fn insert_pake(
        &self,
        username: &str,
        server_identity: &[u8],
        record: crate::pake::VerifierRecord,
    ) {
        let Ok(prepared) = crate::pake::PreparedRecord::new(record) else {
            return;
        };
        if let Ok(mut u) = self.users.write() {
            u.pake.insert(
                (username.to_owned(), server_identity.to_vec()),
                Arc::new(prepared),
            );
        }
    }
    /// Adds the TLS 1.3 PAKE record of `username` for `server_identity` unless it has one
    /// and `replace` is false (then `None`). `Some(true)` when a record was replaced.
    pub fn insert_pake_if(
        &self,
        username: &str,
        server_identity: &[u8],
        record: crate::pake::VerifierRecord,
        replace: bool,
    ) -> Option<bool> {
        let prepared = Arc::new(crate::pake::PreparedRecord::new(record).ok()?);
        let mut u = self.users.write().ok()?;
        let key = (username.to_owned(), server_identity.to_vec());
        let exists = u.pake.contains_key(&key);
        if exists && !replace {
            return None;
        }
        u.pake.insert(key, prepared);
        Some(exists)
    }
    /// Registers `password` for TLS 1.3 PAKE (scrypt: about 100 ms) and adds the record.
    pub fn add_pake_user(&self, username: &str, password: &[u8], server_identity: &[u8]) {
        let (_, record) = crate::pake::register(password, username.as_bytes(), server_identity);
        self.insert_pake(username, server_identity, record);
    }
    /// Number of users.
    pub fn len(&self) -> usize {
        self.users.read().map(|u| u.map.len()).unwrap_or(0)
    }
    /// Whether there are no users.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl UserStore for InMemoryUserStore {
    fn lookup(&self, username: &str) -> Option<UserRecord> {
        lookup_in(&self.users.read().ok()?.map, username)
    }

    fn record_shapes(&self) -> Option<Arc<RecordShapes>> {
        Some(self.users.read().ok()?.snapshot.clone())
    }

    fn lookup_pake(
        &self,
        username: &str,
        server_identity: &[u8],
    ) -> Option<crate::pake::VerifierRecord> {
        self.lookup_pake_prepared(username, server_identity)
            .map(|p| p.record().clone())
    }

    fn lookup_pake_prepared(
        &self,
        username: &str,
        server_identity: &[u8],
    ) -> Option<Arc<crate::pake::PreparedRecord>> {
        let u = self.users.read().ok()?;
        lookup_prepared_in(&u.pake, &(username.to_owned(), server_identity.to_vec()))
    }

    fn pake_records_prepared(&self) -> bool {
        true
    }
}

/// What the server does when the client names a user it does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UnknownUserPolicy {
    /// RFC 5054 2.5.1.3: go on with a simulated user (stable salt, fake verifier), so the
    /// handshake fails only at the client's Finished, with `bad_record_mac`, exactly as a
    /// wrong password does. The default.
    #[default]
    Simulate,
    /// Abort at once with `unknown_psk_identity` (reveals which users exist).
    Reject,
}

/// Server settings, shared by many connections.
#[derive(Clone)]
pub struct ServerConfig {
    /// Suites we accept, in our order of preference.
    pub cipher_suites: Vec<SupportedCipherSuite>,
    /// Where users are looked up. `None`: every handshake stops for an application lookup
    /// (see [`ServerConnection::pending_user_lookup`]).
    pub user_store: Option<Arc<dyn UserStore>>,
    /// What to do with unknown users.
    pub unknown_users: UnknownUserPolicy,
    /// The group of simulated users when the store does not describe its records
    /// ([`UserStore::record_shapes`]: the built-in stores do, and then simulated users
    /// follow the real records' groups and salt lengths) or has none, and with
    /// [`Self::with_async_lookup`]. Default 2048.
    pub simulated_group: &'static SrpGroup,
    /// The salt length of simulated users in the same cases. Default 20.
    pub simulated_salt_len: usize,
    pub(crate) simulation_secret: Zeroizing<[u8; 32]>,
    /// TLS 1.3 PAKE: the decoy record for unknown and locked-out users, derived from the
    /// simulation secret on first use and kept prepared (see `tls13::server::decoy_record`).
    pub(crate) pake_decoy: Arc<std::sync::OnceLock<Arc<crate::pake::PreparedRecord>>>,
    /// Accept extended_master_secret (RFC 7627). Default true.
    pub enable_extended_master_secret: bool,
    /// Refuse clients that do not offer extended_master_secret. Default false.
    pub require_extended_master_secret: bool,
    /// Accept encrypt_then_mac (RFC 7366). Default true.
    pub enable_encrypt_then_mac: bool,
    /// ALPN protocols we speak, in order of preference. Empty: ALPN ignored.
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Session-ID cache for abbreviated handshakes (RFC 5246 7.3). Default: in memory,
    /// 256 sessions. `None`: no session IDs are issued.
    pub session_storage: Option<Arc<dyn StoresServerSessions>>,
    /// RFC 5077 session tickets. Default `None` (no tickets). Tickets are sealed with
    /// AES-256-GCM under a rotating key (see [`Ticketer`]).
    pub ticketer: Option<Arc<Ticketer>>,
    /// How long after its full handshake a session may be resumed (default 2 hours).
    /// Resumed handshakes never extend it.
    pub session_lifetime: Duration,
    /// Rate limiting of failed logins per username and client address (RFC 5054 3.3; see
    /// [`crate::limits`]). Default: a [`RateLimiter`] with [`crate::RateLimitConfig`]'s
    /// defaults, shared by every connection of this config (and of its clones). `None`:
    /// off.
    pub rate_limiter: Option<Arc<RateLimiter>>,
    /// Caps on handshakes in progress, in all and per client address (see
    /// [`HandshakeSlots`]). Default: 64 in all, 8 per address. `None`: no caps.
    pub handshake_slots: Option<Arc<HandshakeSlots>>,
    /// How long a client has, from the start of the connection, to get its ClientHello in
    /// (default 5 s; `None`: no limit of its own). Shorter than the handshake timeout, so
    /// that silent connections give their slot back early.
    pub client_hello_timeout: Option<Duration>,
    /// How long the whole handshake may take from the start of the connection, the rate
    /// limiter's delay included (default 10 s; `None`: no limit).
    pub handshake_timeout: Option<Duration>,
    /// Where each connection's master secret is logged for a debugger (see
    /// [`crate::keylog`]). Default: nowhere ([`NoKeyLog`]).
    pub key_log: Arc<dyn KeyLog>,
    /// The certificate (chain and signing key) for the SRP-RSA suites (see
    /// [`crate::cert`]). Default `None`: plain SRP only. With one, the SRP-RSA suites come
    /// first in the default `cipher_suites` order.
    #[cfg(feature = "rustls")]
    pub certificate: Option<Arc<crate::cert::CertifiedKey>>,
    /// TLS 1.3 PAKE (draft-ietf-tls-pake, SPAKE2+; experimental codepoints): with
    /// parameters, a client that offers TLS 1.3 and a SPAKE2+ share gets a TLS 1.3 PAKE
    /// handshake against [`UserStore::lookup_pake`]'s records, on the same port as TLS-SRP
    /// clients (the ClientHello decides). Default `None`: TLS-SRP only.
    pub pake: Option<crate::pake::PakeServerParams>,
}

/// Default [`ServerConfig::client_hello_timeout`].
pub const DEFAULT_CLIENT_HELLO_TIMEOUT: Duration = Duration::from_secs(5);
/// Default [`ServerConfig::handshake_timeout`].
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Default caps of [`ServerConfig::handshake_slots`]: handshakes in progress in all, and
/// from one client address.
pub const DEFAULT_MAX_HANDSHAKES: (usize, usize) = (64, 8);

impl core::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("cipher_suites", &self.cipher_suites)
            .field("has_user_store", &self.user_store.is_some())
            .field("unknown_users", &self.unknown_users)
            .field("simulated_group", &self.simulated_group)
            .field("simulated_salt_len", &self.simulated_salt_len)
            .field(
                "enable_extended_master_secret",
                &self.enable_extended_master_secret,
            )
            .field(
                "require_extended_master_secret",
                &self.require_extended_master_secret,
            )
            .field("enable_encrypt_then_mac", &self.enable_encrypt_then_mac)
            .field("alpn_protocols", &self.alpn_protocols)
            .field("session_storage", &self.session_storage.is_some())
            .field("ticketer", &self.ticketer)
            .field("session_lifetime", &self.session_lifetime)
            .field(
                "rate_limiter",
                &self.rate_limiter.as_ref().map(|l| l.config()),
            )
            .field(
                "handshake_slots",
                &self.handshake_slots.as_ref().map(|s| s.limits()),
            )
            .field("client_hello_timeout", &self.client_hello_timeout)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("key_log", &self.key_log)
            .field("certificate", &self.has_certificate())
            .finish_non_exhaustive()
    }
}

/// A server connection (sans-IO). Dereferences to [`ConnectionCommon`].
#[derive(Debug)]
pub struct ServerConnection {
    inner: ConnectionCommon<ServerConnectionData>,
}

impl ServerConnection {
    /// A connection from a client at `peer` (`None` when the transport has no IP address),
    /// waiting for its ClientHello. It takes a handshake slot from the config's
    /// [`ServerConfig::handshake_slots`] (failing with [`Error::ServerBusy`] if none is
    /// free: the adapters wait for one instead) and gets its deadlines from the config.
    /// The address is what the rate limiter counts failures by, beside the username.
    pub fn new(config: Arc<ServerConfig>, peer: Option<IpAddr>) -> Result<Self, Error> {
        if config.cipher_suites.is_empty() {
            return Err(Error::ApiMisuse("no cipher suites configured"));
        }
        let slot = match &config.handshake_slots {
            Some(slots) => Some(slots.try_acquire(peer).ok_or(Error::ServerBusy)?),
            None => None,
        };
        let started = Instant::now();
        let deadline = match (config.client_hello_timeout, config.handshake_timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
        .map(|t| started + t);
        let data = ServerConnectionData {
            peer,
            started,
            limiter: config.rate_limiter.clone(),
            slot,
            ..ServerConnectionData::default_at(started)
        };
        let inner = ConnectionCommon::new(data, deadline, |_| {
            Ok(Box::new(hs::ExpectClientHello { config }))
        })?;
        Ok(Self { inner })
    }

    /// The username the client authenticated as (once the handshake has completed).
    pub fn username(&self) -> Option<&str> {
        match self.inner.data.authenticated {
            true => self.inner.data.requested_username.as_deref(),
            false => None,
        }
    }

    /// The username the client asked for in its ClientHello, authenticated or not (for
    /// logging a failed attempt). Not UTF-8 usernames are not reported.
    pub fn requested_username(&self) -> Option<&str> {
        self.inner.data.requested_username.as_deref()
    }

    /// The SNI host name the client sent, if any (lower-cased).
    pub fn server_name(&self) -> Option<&str> {
        self.inner.data.sni.as_deref()
    }

    /// The client's address, as given to [`Self::new`].
    pub fn peer_addr(&self) -> Option<IpAddr> {
        self.inner.data.peer
    }

    /// What the rate limiter decided for this connection's attempt (once a full handshake
    /// has started; `None` for a resumed one or without a limiter).
    pub fn rate_limit_decision(&self) -> Option<Decision> {
        self.inner.data.rate_limit
    }

    /// The failure `source` of this connection's handshake (an error from
    /// `process_new_packets` as an `io::Error`, a transport error or a timeout), with who
    /// tried: the requested username, the client's address, the rate limiter's decision,
    /// whether it was a TLS 1.3 PAKE attempt ([`crate::AcceptError::is_pake`]), and why
    /// ([`crate::AcceptError::reason`]). Both adapters' accept calls fail with this error
    /// inside the `io::Error` they return; an event loop of your own can do the same.
    pub fn accept_error(&self, source: std::io::Error) -> crate::AcceptError {
        let d = &self.inner.data;
        crate::AcceptError::new(
            source,
            d.requested_username.clone(),
            d.peer,
            d.rate_limit,
            d.failed_guess,
        )
        .with_pake(self.inner.io.tls13)
    }

    /// `Some(username)` while the handshake waits for a user lookup: the application's
    /// (the config has no `user_store`) or the store's deferred one
    /// ([`Self::take_user_lookup`]). Answer with [`Self::supply_user`].
    pub fn pending_user_lookup(&self) -> Option<&str> {
        match self.inner.pause() {
            Some(Pause::Application) => self.inner.data.requested_username.as_deref(),
            _ => None,
        }
    }

    /// Continues a handshake stopped for a user lookup: `Some(record)` for a known user,
    /// `None` for no such user (handled per [`ServerConfig::unknown_users`]). Records
    /// already read are processed at once; then call `write_tls` (and, as usual,
    /// `process_new_packets` after further reads). Errors are sticky, as from
    /// `process_new_packets`.
    pub fn supply_user(&mut self, record: Option<UserRecord>) -> Result<(), Error> {
        if self.pending_user_lookup().is_none() {
            return Err(Error::ApiMisuse(
                "supply_user called when no user lookup is pending",
            ));
        }
        self.inner.data.supplied_user = Some(record);
        self.inner.data.lookup = None;
        self.inner.resume()
    }

    /// The store's deferred lookup ([`Lookup::Later`]) while the handshake waits for it,
    /// once: poll it to its end, then answer with [`Self::supply_user`] (`Ok`) or
    /// [`Self::fail_user_lookup`] (`Err`). The tokio and blocking adapters do this.
    pub fn take_user_lookup(&mut self) -> Option<LookupFuture> {
        self.inner.take_deferred_lookup()
    }

    /// Ends a handshake whose user lookup could not be answered (the store's database is
    /// unreachable, say): fails closed with `internal_error`, for known and unknown users
    /// alike. `why` goes to the error ([`Error::UserStoreUnavailable`]), not to the client.
    /// Then call `write_tls` to send the alert.
    pub fn fail_user_lookup(&mut self, why: String) -> Error {
        self.inner.fail(Error::UserStoreUnavailable(why))
    }
}

/// What only a server connection keeps: who the client is and what the defences know of
/// this attempt. Read it through [`ServerConnection`]'s methods.
pub struct ServerConnectionData {
    pub(crate) peer: Option<IpAddr>,
    /// When the connection was made: its deadlines count from here.
    pub(crate) started: Instant,
    /// The username once authenticated (or, before that, as requested).
    pub(crate) requested_username: Option<String>,
    pub(crate) authenticated: bool,
    /// SNI host name received.
    pub(crate) sni: Option<String>,
    /// The application's answer to a user lookup, until the handshake takes it.
    pub(crate) supplied_user: Option<Option<UserRecord>>,
    /// The store's deferred lookup, until an adapter takes it to await it (in a mutex
    /// only so that the connection stays `Sync`; it is never locked while shared).
    pub(crate) lookup: Option<HeldLookup>,
    /// The rate limiter's attempt, in flight from the first flight to the client's
    /// Finished.
    pub(crate) attempt: Option<Attempt>,
    pub(crate) rate_limit: Option<Decision>,
    /// The handshake failed at the client's Finished: credentials were tested and refused.
    failed_guess: bool,
    limiter: Option<Arc<RateLimiter>>,
    /// The handshake slot, given back when the handshake ends.
    slot: Option<Slot>,
}

impl ServerConnectionData {
    fn default_at(started: Instant) -> Self {
        Self {
            peer: None,
            started,
            requested_username: None,
            authenticated: false,
            sni: None,
            supplied_user: None,
            lookup: None,
            attempt: None,
            rate_limit: None,
            failed_guess: false,
            limiter: None,
            slot: None,
        }
    }
}

impl core::fmt::Debug for ServerConnectionData {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerConnectionData")
            .field("peer", &self.peer)
            .field("requested_username", &self.requested_username)
            .field("authenticated", &self.authenticated)
            .field("sni", &self.sni)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

impl SideData for ServerConnectionData {}

impl Role for ServerConnectionData {
    /// RFC 5746 4.5: a ClientHello after the handshake asks for renegotiation, which we
    /// refuse with a no_renegotiation warning. During the handshake it is unexpected.
    fn renegotiation(typ: HandshakeType, handshaking: bool) -> Renegotiation {
        match (typ, handshaking) {
            (HandshakeType::ClientHello, false) => Renegotiation::Refuse,
            _ => Renegotiation::NotARequest,
        }
    }

    fn take_deferred_lookup(&mut self) -> Option<LookupFuture> {
        let held = self.lookup.take()?;
        Some(held.0.into_inner().unwrap_or_else(|p| p.into_inner()))
    }

    fn answer_deferred_lookup(
        &mut self,
        answer: Result<Option<UserRecord>, String>,
    ) -> Result<(), Error> {
        self.supplied_user = Some(answer.map_err(Error::UserStoreUnavailable)?);
        Ok(())
    }

    /// Settles the rate limiter's attempt: a Finished that did not authenticate or verify
    /// is a failed guess (reported as [`Error::LockedOut`] if the lockout applies); any
    /// other failure tested no password and is forgotten. A rejected unknown user counts
    /// against the address. The handshake slot is given back.
    fn on_fatal_error(&mut self, error: Error) -> Error {
        self.slot = None;
        self.supplied_user = None;
        self.lookup = None;
        // TLS 1.3 PAKE: once the attempt counts if abandoned, any failure is a failed guess
        // (the client could test its password against our confirmation).
        let pake_guess = self
            .attempt
            .as_ref()
            .is_some_and(|a| a.counts_if_abandoned());
        let failed_guess =
            pake_guess || matches!(error, Error::DecryptError | Error::FinishedMismatch);
        // During the handshake the only record that can fail to decrypt is the client's
        // Finished (the first one under the new keys): the credentials were refused.
        self.failed_guess |= failed_guess && !self.authenticated;
        match self.attempt.take() {
            Some(attempt) if failed_guess => match attempt.settle(false) {
                Verdict::LockedOut => Error::LockedOut,
                _ => error,
            },
            Some(_abandoned) => error,
            None => {
                if let (Error::UnknownUser, Some(limiter)) = (&error, &self.limiter) {
                    limiter.record_failure(None, self.peer);
                }
                error
            }
        }
    }

    fn on_handshake_complete(&mut self) {
        self.slot = None;
    }
}

impl ServerConfig {
    /// A config that looks users up in `store`, with secure defaults and a random
    /// simulation secret (set a persistent one with [`Self::set_simulation_secret`] so that
    /// simulated salts stay the same across restarts).
    pub fn new(store: Arc<dyn UserStore>) -> Result<Self, Error> {
        let mut cfg = Self::with_async_lookup()?;
        cfg.user_store = Some(store);
        Ok(cfg)
    }
    /// A config without a store: each handshake stops after the ClientHello so that the
    /// application can look the user up (see [`ServerConnection::pending_user_lookup`]).
    pub fn with_async_lookup() -> Result<Self, Error> {
        Ok(Self {
            cipher_suites: ALL_CIPHER_SUITES.to_vec(),
            user_store: None,
            unknown_users: UnknownUserPolicy::Simulate,
            simulated_group: SrpGroup::by_bits(2048)
                .ok_or(Error::General("no 2048-bit group".into()))?,
            simulated_salt_len: 20,
            simulation_secret: Zeroizing::new(crate::rand::random_array()?),
            pake_decoy: Arc::default(),
            enable_extended_master_secret: true,
            require_extended_master_secret: false,
            enable_encrypt_then_mac: true,
            alpn_protocols: Vec::new(),
            session_storage: Some(ServerSessionMemoryCache::new(256)),
            ticketer: None,
            session_lifetime: Duration::from_secs(2 * 3600),
            rate_limiter: Some(Arc::new(RateLimiter::default())),
            handshake_slots: Some(HandshakeSlots::new(
                DEFAULT_MAX_HANDSHAKES.0,
                DEFAULT_MAX_HANDSHAKES.1,
            )),
            client_hello_timeout: Some(DEFAULT_CLIENT_HELLO_TIMEOUT),
            handshake_timeout: Some(DEFAULT_HANDSHAKE_TIMEOUT),
            key_log: Arc::new(NoKeyLog),
            #[cfg(feature = "rustls")]
            certificate: None,
            pake: None,
        })
    }
    /// Whether a certificate for the SRP-RSA suites is configured.
    pub fn has_certificate(&self) -> bool {
        #[cfg(feature = "rustls")]
        return self.certificate.is_some();
        #[cfg(not(feature = "rustls"))]
        false
    }

    /// Sets the secret from which simulated users' salts and verifiers are derived.
    pub fn set_simulation_secret(&mut self, secret: [u8; 32]) {
        self.simulation_secret = Zeroizing::new(secret);
        self.pake_decoy = Arc::default();
    }
}

crate::conn::deref_to_common!(ServerConnection, ServerConnectionData);
