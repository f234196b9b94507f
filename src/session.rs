//! Session resumption (RFC 5246 7.3 session IDs, RFC 5077 tickets): what a session keeps,
//! how it is encoded, and the bounded in-memory stores for both roles.
//!
//! A resumed SRP session skips the SRP arithmetic entirely: both sides derive new keys
//! from the stored master secret and fresh randoms. The server only resumes a session
//! when the user still exists with the same verifier (so deleting a user or changing a
//! password ends their sessions) and the client asks for the same username.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use zeroize::Zeroizing;

use crate::msgs::codec::{Codec, Reader};
use crate::msgs::enums::CipherSuite;

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Binds a client session to the credentials that made it: a PRF of the username and
/// password under a random per-process key (so a stored session never carries a plain
/// hash of the password).
pub(crate) fn client_binding(username: &str, password: &[u8]) -> [u8; 32] {
    static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    // If the system RNG failed, a fixed key still binds the password.
    let key = KEY.get_or_init(|| crate::rand::random_array().unwrap_or([0x5c; 32]));
    let mut seed = Zeroizing::new(Vec::with_capacity(username.len() + 1 + password.len()));
    seed.extend_from_slice(username.as_bytes());
    seed.push(0);
    seed.extend_from_slice(password);
    let mut out = [0u8; 32];
    crate::crypto::prf::prf(&mut out, key, b"tls-srp client session binding", &seed);
    out
}

/// Encoding version of [`SessionValue`]; bump when the layout changes. Version 1 cut the
/// server name to 255 bytes (a session made under a longer SNI name resumed under its
/// prefix); version 2 keeps the whole name. Version 1 sessions are not read.
const SESSION_ENCODING: u8 = 2;

/// What both sides remember of an established session. Zeroized on drop (it holds the
/// master secret); never printed.
#[derive(Clone)]
pub(crate) struct SessionValue {
    pub(crate) suite: CipherSuite,
    pub(crate) master_secret: Zeroizing<[u8; 48]>,
    pub(crate) extended_master_secret: bool,
    pub(crate) srp_group_bits: u32,
    /// Seconds since the epoch when the full handshake completed.
    pub(crate) created: u64,
    pub(crate) username: String,
    /// Server: SHA-256 of the verifier the session was made with (a later lookup of the
    /// user must give the same verifier). Client: a keyed hash of the username and password
    /// the session was made with (see `client_binding`), so that a config with another
    /// password sharing the store cannot resume it.
    pub(crate) verifier_hash: [u8; 32],
    /// Server: the SNI host name of the full handshake (empty if none); a session resumes
    /// only under the same name (RFC 6066 3). Client: empty (its store is keyed by name).
    pub(crate) server_name: String,
}

impl core::fmt::Debug for SessionValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionValue")
            .field("suite", &self.suite)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Whether something stamped at `then` is younger than `lifetime_secs` at `now` (and not
/// from the future, allowing a minute of clock step).
pub(crate) fn is_fresh_since(then: u64, now: u64, lifetime_secs: u64) -> bool {
    now >= then.saturating_sub(60) && now.saturating_sub(then) < lifetime_secs
}

impl SessionValue {
    /// Whether the session is younger than `lifetime_secs` (and not from the future).
    pub(crate) fn is_fresh(&self, now: u64, lifetime_secs: u64) -> bool {
        is_fresh_since(self.created, now, lifetime_secs)
    }

    /// `version(1) suite(2) ems(1) group_bits(4) created(8) master_secret(48)
    /// verifier_hash(32) username<1..255> server_name<0..2^16-1>` (the SNI host name is
    /// whole: RFC 6066 allows up to 2^16-1 bytes).
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(97 + self.username.len()));
        out.push(SESSION_ENCODING);
        self.suite.encode(&mut out);
        out.push(u8::from(self.extended_master_secret));
        out.extend_from_slice(&self.srp_group_bits.to_be_bytes());
        out.extend_from_slice(&self.created.to_be_bytes());
        out.extend_from_slice(&self.master_secret[..]);
        out.extend_from_slice(&self.verifier_hash);
        let name = self.username.as_bytes();
        out.push(name.len().min(255) as u8);
        out.extend_from_slice(&name[..name.len().min(255)]);
        // The SNI extension's HostName is opaque<1..2^16-1>, so the name always fits.
        let sni = self.server_name.as_bytes();
        let sni = &sni[..sni.len().min(usize::from(u16::MAX))];
        out.extend_from_slice(&(sni.len() as u16).to_be_bytes());
        out.extend_from_slice(sni);
        out
    }

    /// The inverse of [`Self::encode`]; `None` for anything malformed.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::init(bytes);
        if r.take(1)? != [SESSION_ENCODING] {
            return None;
        }
        let suite = CipherSuite::read(&mut r).ok()?;
        let ems = match r.take(1)? {
            [0] => false,
            [1] => true,
            _ => return None,
        };
        let srp_group_bits = u32::from_be_bytes(r.take(4)?.try_into().ok()?);
        let created = u64::from_be_bytes(r.take(8)?.try_into().ok()?);
        let mut master_secret = Zeroizing::new([0u8; 48]);
        master_secret.copy_from_slice(r.take(48)?);
        let verifier_hash: [u8; 32] = r.take(32)?.try_into().ok()?;
        let name_len = usize::from(*r.take(1)?.first()?);
        let username = String::from_utf8(r.take(name_len)?.to_vec()).ok()?;
        let sni_len = usize::from(u16::from_be_bytes(r.take(2)?.try_into().ok()?));
        let server_name = String::from_utf8(r.take(sni_len)?.to_vec()).ok()?;
        if r.any_left() || username.is_empty() {
            return None;
        }
        Some(Self {
            suite,
            master_secret,
            extended_master_secret: ems,
            srp_group_bits,
            created,
            username,
            verifier_hash,
            server_name,
        })
    }
}

/// A bounded map with first-in-first-out eviction. Values are zeroized when dropped.
struct BoundedMap<K> {
    capacity: usize,
    map: HashMap<K, Zeroizing<Vec<u8>>>,
    order: VecDeque<K>,
}

impl<K: Clone + Eq + core::hash::Hash> BoundedMap<K> {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            map: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn insert(&mut self, key: K, value: Zeroizing<Vec<u8>>) {
        if self.capacity == 0 {
            return;
        }
        if self.map.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        while self.map.len() > self.capacity {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
        // Keys removed out of order leave stale entries in `order`; compact when it grows.
        if self.order.len() > 2 * self.capacity.max(8) {
            let map = &self.map;
            self.order.retain(|k| map.contains_key(k));
        }
    }

    fn get(&self, key: &K) -> Option<Zeroizing<Vec<u8>>> {
        self.map.get(key).cloned()
    }

    fn remove(&mut self, key: &K) -> Option<Zeroizing<Vec<u8>>> {
        self.map.remove(key)
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

/// Where a server keeps sessions by session ID (RFC 5246 7.3). Values hold the master
/// secret: an implementation must keep them in memory it trusts and bound its size.
pub trait StoresServerSessions: Send + Sync {
    /// Stores `value` under `id`; returns whether it was kept.
    fn put(&self, id: Vec<u8>, value: Zeroizing<Vec<u8>>) -> bool;
    /// The value stored under `id`.
    fn get(&self, id: &[u8]) -> Option<Zeroizing<Vec<u8>>>;
    /// Removes and returns the value stored under `id`.
    fn take(&self, id: &[u8]) -> Option<Zeroizing<Vec<u8>>>;
}

/// An in-memory session-ID cache holding at most `capacity` sessions (the oldest go first).
pub struct ServerSessionMemoryCache {
    inner: Mutex<BoundedMap<Vec<u8>>>,
}

impl core::fmt::Debug for ServerSessionMemoryCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerSessionMemoryCache")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl ServerSessionMemoryCache {
    /// A cache for at most `capacity` sessions.
    pub fn new(capacity: usize) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self {
            inner: Mutex::new(BoundedMap::new(capacity)),
        })
    }
    /// How many sessions are stored.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|m| m.len()).unwrap_or(0)
    }
    /// Whether no session is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl StoresServerSessions for ServerSessionMemoryCache {
    fn put(&self, id: Vec<u8>, value: Zeroizing<Vec<u8>>) -> bool {
        match self.inner.lock() {
            Ok(mut m) => {
                m.insert(id, value);
                true
            }
            Err(_) => false,
        }
    }
    fn get(&self, id: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        self.inner.lock().ok()?.get(&id.to_vec())
    }
    fn take(&self, id: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        self.inner.lock().ok()?.remove(&id.to_vec())
    }
}

/// Where a client keeps the sessions it may resume, keyed by server name and username.
pub trait ClientSessionStore: Send + Sync {
    /// Stores a session for `key` (replacing the previous one).
    fn put(&self, key: &ClientSessionKey, value: Zeroizing<Vec<u8>>);
    /// The session stored for `key`.
    fn get(&self, key: &ClientSessionKey) -> Option<Zeroizing<Vec<u8>>>;
    /// Forgets the session for `key`.
    fn remove(&self, key: &ClientSessionKey);
}

/// The key under which a client stores a session: the server name given to
/// [`crate::ClientConnection::new`] (empty if none) and the SRP username.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientSessionKey {
    /// Server name (DNS name or address text) as given by the application.
    pub server_name: String,
    /// SRP username.
    pub username: String,
}

/// An in-memory client session store for at most `capacity` servers/users.
pub struct ClientSessionMemoryCache {
    inner: Mutex<BoundedMap<ClientSessionKey>>,
}

impl core::fmt::Debug for ClientSessionMemoryCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientSessionMemoryCache")
            .finish_non_exhaustive()
    }
}

impl ClientSessionMemoryCache {
    /// A store for at most `capacity` sessions.
    pub fn new(capacity: usize) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self {
            inner: Mutex::new(BoundedMap::new(capacity)),
        })
    }
}

impl ClientSessionStore for ClientSessionMemoryCache {
    fn put(&self, key: &ClientSessionKey, value: Zeroizing<Vec<u8>>) {
        if let Ok(mut m) = self.inner.lock() {
            m.insert(key.clone(), value);
        }
    }
    fn get(&self, key: &ClientSessionKey) -> Option<Zeroizing<Vec<u8>>> {
        self.inner.lock().ok()?.get(key)
    }
    fn remove(&self, key: &ClientSessionKey) {
        if let Ok(mut m) = self.inner.lock() {
            m.remove(key);
        }
    }
}

/// What a client stores: the session plus how to offer it again.
pub(crate) struct ClientSession {
    pub(crate) value: SessionValue,
    /// The server's session ID (may be empty when only a ticket was issued).
    pub(crate) session_id: Vec<u8>,
    /// The RFC 5077 ticket, if the server issued one.
    pub(crate) ticket: Vec<u8>,
    /// Server's ticket lifetime hint (seconds; 0 = unspecified), counted from `received`.
    pub(crate) lifetime_hint: u32,
    /// When the ticket (or, without one, the session) was received (seconds since the epoch).
    pub(crate) received: u64,
}

impl ClientSession {
    /// `value<2> session_id<1> ticket<2> lifetime_hint(4) received(8)`.
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let value = self.value.encode();
        let mut out = Zeroizing::new(Vec::with_capacity(
            value.len() + self.session_id.len() + self.ticket.len() + 9,
        ));
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        out.extend_from_slice(&value);
        out.push(self.session_id.len().min(32) as u8);
        out.extend_from_slice(&self.session_id[..self.session_id.len().min(32)]);
        let t = &self.ticket[..self.ticket.len().min(0xffff)];
        out.extend_from_slice(&(t.len() as u16).to_be_bytes());
        out.extend_from_slice(t);
        out.extend_from_slice(&self.lifetime_hint.to_be_bytes());
        out.extend_from_slice(&self.received.to_be_bytes());
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader::init(bytes);
        let vlen = usize::from(u16::from_be_bytes(r.take(2)?.try_into().ok()?));
        let value = SessionValue::decode(r.take(vlen)?)?;
        let id_len = usize::from(*r.take(1)?.first()?);
        if id_len > 32 {
            return None;
        }
        let session_id = r.take(id_len)?.to_vec();
        let tlen = usize::from(u16::from_be_bytes(r.take(2)?.try_into().ok()?));
        let ticket = r.take(tlen)?.to_vec();
        let lifetime_hint = u32::from_be_bytes(r.take(4)?.try_into().ok()?);
        let received = u64::from_be_bytes(r.take(8)?.try_into().ok()?);
        if r.any_left() {
            return None;
        }
        Some(Self {
            value,
            session_id,
            ticket,
            lifetime_hint,
            received,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SessionValue {
        SessionValue {
            suite: CipherSuite::from(0xC020),
            master_secret: Zeroizing::new([7; 48]),
            extended_master_secret: true,
            srp_group_bits: 3072,
            created: 1_700_000_000,
            username: "alice".into(),
            verifier_hash: [9; 32],
            server_name: "device.local".into(),
        }
    }

    #[test]
    fn session_value_round_trips_and_rejects_damage() {
        let enc = sample().encode();
        let back = SessionValue::decode(&enc).expect("decodes");
        assert_eq!(back.encode(), enc);
        assert_eq!(back.username, "alice");
        assert_eq!(back.srp_group_bits, 3072);
        for cut in 0..enc.len() {
            assert!(SessionValue::decode(&enc[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = enc.to_vec();
        longer.push(0);
        assert!(SessionValue::decode(&longer).is_none());
        let mut bad_version = enc.to_vec();
        bad_version[0] = 1;
        assert!(SessionValue::decode(&bad_version).is_none());
    }

    /// A session made under an SNI name longer than 255 bytes keeps the whole name (it
    /// used to be cut to 255 bytes, so it resumed under its prefix); the server compares
    /// whole names.
    #[test]
    fn long_server_names_are_kept_whole() {
        for len in [255usize, 256, 300, 4000, 65535] {
            let mut s = sample();
            s.server_name = "a".repeat(len);
            let back = SessionValue::decode(&s.encode()).expect("decodes");
            assert_eq!(back.server_name.len(), len);
            assert_eq!(back.server_name, s.server_name);
            let mut prefix = s.clone();
            prefix.server_name.truncate(255);
            if len > 255 {
                assert_ne!(back.server_name, prefix.server_name);
            }
        }
    }

    #[test]
    fn client_session_round_trips() {
        let s = ClientSession {
            value: sample(),
            session_id: vec![1; 32],
            ticket: vec![2; 100],
            lifetime_hint: 7200,
            received: 1_700_000_100,
        };
        let enc = s.encode();
        let back = ClientSession::decode(&enc).expect("decodes");
        assert_eq!(back.session_id, s.session_id);
        assert_eq!(back.ticket, s.ticket);
        assert_eq!(back.lifetime_hint, 7200);
        assert_eq!(back.received, 1_700_000_100);
        for cut in 0..enc.len() {
            assert!(ClientSession::decode(&enc[..cut]).is_none());
        }
    }

    #[test]
    fn freshness_window() {
        let s = sample();
        assert!(s.is_fresh(s.created, 10));
        assert!(s.is_fresh(s.created + 9, 10));
        assert!(!s.is_fresh(s.created + 10, 10));
        assert!(!s.is_fresh(s.created - 3600, 10), "from the future");
    }

    #[test]
    fn memory_cache_is_bounded_and_evicts_oldest() {
        let c = ServerSessionMemoryCache::new(3);
        for i in 0u8..10 {
            assert!(c.put(vec![i], Zeroizing::new(vec![i])));
            assert!(c.len() <= 3);
        }
        assert!(c.get(&[6]).is_none());
        for i in 7u8..10 {
            assert_eq!(c.get(&[i]).as_deref().map(|v| v.to_vec()), Some(vec![i]));
        }
        assert!(c.take(&[9]).is_some());
        assert!(c.get(&[9]).is_none());
        let zero = ServerSessionMemoryCache::new(0);
        zero.put(vec![1], Zeroizing::new(vec![1]));
        assert!(zero.is_empty());
    }

    #[test]
    fn memory_cache_stays_bounded_under_churn() {
        let c = ServerSessionMemoryCache::new(4);
        for i in 0u32..10_000 {
            c.put(i.to_be_bytes().to_vec(), Zeroizing::new(vec![0]));
            if i % 3 == 0 {
                c.take(&i.to_be_bytes());
            }
        }
        let inner = c.inner.lock().unwrap();
        assert!(inner.map.len() <= 4);
        assert!(inner.order.len() <= 2 * 8 + 1);
    }
}
