//! The server side: configuration, user stores and the sans-IO server connection.

pub(crate) mod hs;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use zeroize::Zeroizing;

use crate::conn::{ConnectionCommon, HandshakeState};
use crate::error::Error;
pub use crate::session::{ServerSessionMemoryCache, StoresServerSessions};
use crate::srp::SrpGroup;
use crate::suites::{SupportedCipherSuite, ALL_CIPHER_SUITES};
pub use crate::ticketer::Ticketer;

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

/// A synchronous user database.
pub trait UserStore: Send + Sync {
    /// The record for `username`, or `None` if there is no such user.
    fn lookup(&self, username: &str) -> Option<UserRecord>;
}

/// A user store in memory.
#[derive(Default)]
pub struct InMemoryUserStore {
    users: RwLock<HashMap<String, UserRecord>>,
}

impl core::fmt::Debug for InMemoryUserStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = self.users.read().map(|u| u.len()).unwrap_or(0);
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
            u.insert(username.to_owned(), record);
        }
    }
    /// Removes a user; returns whether it existed.
    pub fn remove(&self, username: &str) -> bool {
        self.users
            .write()
            .map(|mut u| u.remove(username).is_some())
            .unwrap_or(false)
    }
    /// Number of users.
    pub fn len(&self) -> usize {
        self.users.read().map(|u| u.len()).unwrap_or(0)
    }
    /// Whether there are no users.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl UserStore for InMemoryUserStore {
    fn lookup(&self, username: &str) -> Option<UserRecord> {
        self.users.read().ok()?.get(username).cloned()
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
    /// The group of simulated users (use the group most real users have). Default 2048.
    pub simulated_group: &'static SrpGroup,
    /// The salt length of simulated users (use the one real users have). Default 20.
    pub simulated_salt_len: usize,
    simulation_secret: Zeroizing<[u8; 32]>,
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
}

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
            .finish_non_exhaustive()
    }
}

/// A server connection (sans-IO). Dereferences to [`ConnectionCommon`].
#[derive(Debug)]
pub struct ServerConnection {
    inner: ConnectionCommon,
}

impl ServerConnection {
    /// A connection waiting for a ClientHello.
    pub fn new(config: Arc<ServerConfig>) -> Result<Self, Error> {
        if config.cipher_suites.is_empty() {
            return Err(Error::ApiMisuse("no cipher suites configured"));
        }
        let state = hs::ServerState::ExpectClientHello(config);
        Ok(Self {
            inner: ConnectionCommon::new(HandshakeState::Server(state), None),
        })
    }

    fn server_state(&self) -> Option<&hs::ServerState> {
        match &self.inner.state {
            Some(HandshakeState::Server(s)) => Some(s),
            _ => None,
        }
    }

    /// The username the client authenticated as (once the handshake has completed).
    pub fn username(&self) -> Option<&str> {
        match self.inner.cx.authenticated {
            true => self.inner.cx.username.as_deref(),
            false => None,
        }
    }

    /// The username the client asked for in its ClientHello, authenticated or not (for
    /// logging a failed attempt). Not UTF-8 usernames are not reported.
    pub fn requested_username(&self) -> Option<&str> {
        self.inner.cx.username.as_deref()
    }

    /// The SNI host name the client sent, if any (lower-cased).
    pub fn server_name(&self) -> Option<&str> {
        self.inner.cx.sni.as_deref()
    }

    /// `Some(username)` while the handshake waits for the application to look the user up
    /// (only when the config has no `user_store`). Answer with [`Self::supply_user`].
    pub fn pending_user_lookup(&self) -> Option<&str> {
        self.server_state().and_then(|s| s.pending_username())
    }

    /// Continues a handshake stopped for a user lookup: `Some(record)` for a known user,
    /// `None` for no such user (handled per [`ServerConfig::unknown_users`]). Then call
    /// `process_new_packets` and `write_tls` as usual.
    pub fn supply_user(&mut self, record: Option<UserRecord>) -> Result<(), Error> {
        if self.pending_user_lookup().is_none() {
            return Err(Error::ApiMisuse(
                "supply_user called when no user lookup is pending",
            ));
        }
        let Some(HandshakeState::Server(state)) = self.inner.state.take() else {
            return Err(Error::ApiMisuse(
                "supply_user called when no user lookup is pending",
            ));
        };
        match state.supply_user(&mut self.inner.cx, record) {
            Ok(next) => {
                self.inner.state = Some(HandshakeState::Server(next));
                Ok(())
            }
            Err(e) => Err(self.inner.fail(e)),
        }
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
            enable_extended_master_secret: true,
            require_extended_master_secret: false,
            enable_encrypt_then_mac: true,
            alpn_protocols: Vec::new(),
            session_storage: Some(ServerSessionMemoryCache::new(256)),
            ticketer: None,
            session_lifetime: Duration::from_secs(2 * 3600),
        })
    }
    /// Sets the secret from which simulated users' salts and verifiers are derived.
    pub fn set_simulation_secret(&mut self, secret: [u8; 32]) {
        self.simulation_secret = Zeroizing::new(secret);
    }
}

impl core::ops::Deref for ServerConnection {
    type Target = ConnectionCommon;
    fn deref(&self) -> &ConnectionCommon {
        &self.inner
    }
}

impl core::ops::DerefMut for ServerConnection {
    fn deref_mut(&mut self) -> &mut ConnectionCommon {
        &mut self.inner
    }
}
