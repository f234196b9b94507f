//! The client side: configuration and the sans-IO client connection.

pub(crate) mod hs;

use std::sync::Arc;

use zeroize::Zeroizing;

use crate::conn::{ConnectionCommon, Renegotiation, Role, SideData};
use crate::error::Error;
use crate::keylog::{KeyLog, NoKeyLog};
use crate::msgs::enums::HandshakeType;
use crate::session::{ClientSessionKey, ClientSessionMemoryCache, ClientSessionStore};
use crate::suites::{SupportedCipherSuite, ALL_CIPHER_SUITES};

/// Client settings, shared by many connections. Holds the SRP credentials.
#[derive(Clone)]
pub struct ClientConfig {
    username: String,
    password: Zeroizing<Vec<u8>>,
    /// Suites to offer, in order of preference.
    pub cipher_suites: Vec<SupportedCipherSuite>,
    /// Smallest SRP group accepted from the server, in bits (default 2048; 1024 at least).
    pub min_group_bits: u32,
    /// Offer extended_master_secret (RFC 7627). Default true.
    pub enable_extended_master_secret: bool,
    /// Offer encrypt_then_mac (RFC 7366). Default true.
    pub enable_encrypt_then_mac: bool,
    /// ALPN protocols to offer, in order of preference (default none).
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Send server_name when a DNS name is given. Default true.
    pub enable_sni: bool,
    /// Session resumption: where sessions are kept and whether tickets are offered.
    /// Default: in memory, 256 sessions, tickets and session IDs both offered.
    pub resumption: Resumption,
    /// Where each connection's master secret is logged for a debugger (see
    /// [`crate::keylog`]). Default: nowhere ([`NoKeyLog`]).
    pub key_log: Arc<dyn KeyLog>,
    /// How to check the server's certificate in the SRP-RSA suites (see [`crate::cert`]).
    /// Default `None`: they are not offered (plain SRP: no certificate anywhere). With one,
    /// and a server name given to [`ClientConnection::new`], they are offered first.
    #[cfg(feature = "rustls")]
    pub server_auth: Option<Arc<crate::cert::ServerAuth>>,
    /// TLS 1.3 PAKE instead of TLS-SRP (see [`Self::pake`]). The username is the client
    /// identity; the password is not kept.
    pub pake: Option<Arc<crate::pake::PakeClientParams>>,
}

/// How a client resumes sessions (RFC 5246 7.3 session IDs, RFC 5077 tickets). Sessions
/// are stored per (server name, username); a resumed handshake does no SRP arithmetic.
#[derive(Clone)]
pub struct Resumption {
    pub(crate) store: Option<Arc<dyn ClientSessionStore>>,
    pub(crate) tickets: bool,
}

impl core::fmt::Debug for Resumption {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Resumption")
            .field("enabled", &self.store.is_some())
            .field("tickets", &self.tickets)
            .finish()
    }
}

impl Default for Resumption {
    fn default() -> Self {
        Self::in_memory_sessions(256)
    }
}

impl Resumption {
    /// Keeps up to `capacity` sessions in memory; offers tickets and session IDs.
    pub fn in_memory_sessions(capacity: usize) -> Self {
        Self::store(ClientSessionMemoryCache::new(capacity))
    }
    /// Keeps sessions in `store`; offers tickets and session IDs.
    pub fn store(store: Arc<dyn ClientSessionStore>) -> Self {
        Self {
            store: Some(store),
            tickets: true,
        }
    }
    /// Never resumes: every handshake is a full SRP handshake.
    pub fn disabled() -> Self {
        Self {
            store: None,
            tickets: false,
        }
    }
    /// Whether to offer RFC 5077 session tickets (default true). Without tickets only
    /// session IDs are used.
    pub fn tickets(mut self, enabled: bool) -> Self {
        self.tickets = enabled;
        self
    }
}

impl core::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("cipher_suites", &self.cipher_suites)
            .field("min_group_bits", &self.min_group_bits)
            .field(
                "enable_extended_master_secret",
                &self.enable_extended_master_secret,
            )
            .field("enable_encrypt_then_mac", &self.enable_encrypt_then_mac)
            .field("alpn_protocols", &self.alpn_protocols)
            .field("enable_sni", &self.enable_sni)
            .field("resumption", &self.resumption)
            .field("key_log", &self.key_log)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// A config that logs in as `username` with `password`, with secure defaults.
    pub fn new(username: impl Into<String>, password: impl AsRef<[u8]>) -> Self {
        Self {
            username: username.into(),
            password: Zeroizing::new(password.as_ref().to_vec()),
            cipher_suites: ALL_CIPHER_SUITES.to_vec(),
            min_group_bits: 2048,
            enable_extended_master_secret: true,
            enable_encrypt_then_mac: true,
            alpn_protocols: Vec::new(),
            enable_sni: true,
            resumption: Resumption::default(),
            key_log: Arc::new(NoKeyLog),
            #[cfg(feature = "rustls")]
            server_auth: None,
            pake: None,
        }
    }

    /// A TLS 1.3 PAKE client (draft-ietf-tls-pake, SPAKE2+ over P-256; experimental
    /// codepoints) for `username` at the server that calls itself `server_identity`:
    /// derives w0 and w1 from the password now (scrypt, about 100 ms) and keeps only those.
    /// No error limit: for one (BoringSSL's `error_limit`), give
    /// [`Self::pake_with_params`] parameters made with
    /// [`crate::pake::PakeClientParams::with_error_limit`].
    pub fn pake(
        username: impl Into<String>,
        password: impl AsRef<[u8]>,
        server_identity: impl Into<Vec<u8>>,
    ) -> Self {
        let username = username.into();
        let server_identity = server_identity.into();
        let (keys, _) =
            crate::pake::register(password.as_ref(), username.as_bytes(), &server_identity);
        Self::pake_with_params(
            username,
            crate::pake::PakeClientParams::new(server_identity, keys),
        )
    }

    /// A TLS 1.3 PAKE client with w0 and w1 already derived. The clones of this config
    /// share the parameters' error limit, if they have one.
    pub fn pake_with_params(
        username: impl Into<String>,
        params: crate::pake::PakeClientParams,
    ) -> Self {
        let mut config = Self::new(username, []);
        config.pake = Some(Arc::new(params));
        config
    }
    /// The SRP username.
    pub fn username(&self) -> &str {
        &self.username
    }
    pub(crate) fn password(&self) -> &[u8] {
        &self.password
    }
}

/// A client connection (sans-IO). Dereferences to [`ConnectionCommon`].
#[derive(Debug)]
pub struct ClientConnection {
    inner: ConnectionCommon<ClientConnectionData>,
}

impl ClientConnection {
    /// Starts a handshake; the ClientHello is queued for `write_tls` at once.
    /// `server_name` is sent as SNI if it is a DNS name and SNI is enabled, and keys the
    /// session store (IP literals too): with `None`, no session is offered or stored.
    pub fn new(config: Arc<ClientConfig>, server_name: Option<&str>) -> Result<Self, Error> {
        let inner = ConnectionCommon::new(ClientConnectionData::default(), None, |cx| {
            hs::start(config, server_name, cx)
        })?;
        Ok(Self { inner })
    }
}

/// What only a client connection keeps. Nothing of it is public yet: the client's facts
/// are on [`ConnectionCommon`].
#[derive(Default)]
pub struct ClientConnectionData {
    /// While a stored session is being resumed: that session, forgotten if the handshake
    /// fails (for any reason, a record that does not decrypt included), so that the next
    /// connection makes a full handshake.
    resuming: Option<SessionRef>,
}

/// A session in a client's session store.
pub(crate) struct SessionRef {
    store: Arc<dyn ClientSessionStore>,
    key: ClientSessionKey,
}

impl core::fmt::Debug for ClientConnectionData {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientConnectionData")
            .finish_non_exhaustive()
    }
}

impl SideData for ClientConnectionData {}

impl Role for ClientConnectionData {
    /// RFC 5246 7.4.1.1: a HelloRequest during a handshake is ignored; afterwards we refuse
    /// renegotiation with a no_renegotiation warning (RFC 5746 4.5).
    fn renegotiation(typ: HandshakeType, handshaking: bool) -> Renegotiation {
        match (typ, handshaking) {
            (HandshakeType::HelloRequest, true) => Renegotiation::Ignore,
            (HandshakeType::HelloRequest, false) => Renegotiation::Refuse,
            _ => Renegotiation::NotARequest,
        }
    }

    fn on_fatal_error(&mut self, error: Error) -> Error {
        if let Some(s) = self.resuming.take() {
            s.store.remove(&s.key);
        }
        error
    }

    fn on_handshake_complete(&mut self) {
        self.resuming = None;
    }
}

crate::conn::deref_to_common!(ClientConnection, ClientConnectionData);
