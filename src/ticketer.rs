//! RFC 5077 session tickets: the server's session state, sealed with AES-256-GCM under a
//! key that rotates.
//!
//! Ticket layout (RFC 5077 4 recommends the same shape):
//! `key_name(16) || nonce(12) || AES-256-GCM(state) with the tag`, the key name as
//! additional data. A ticket is accepted under the current key or the one before it, so a
//! ticket lives between one and two rotation periods. Keys are random, never leave the
//! process, and are wiped when rotated out or dropped.
//!
//! Several servers behind a load balancer can share keys ([`Ticketer::with_shared_keys`],
//! [`Ticketer::set_keys`]: kept in a database, say) so that a ticket issued by one resumes on
//! any other. Such keys are rotated by whoever manages them, and every ticket then gets a
//! random 96-bit nonce (no counter: servers sealing under one key must never repeat a
//! nonce, and they cannot share a counter).

use std::sync::Mutex;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::session::now_secs;

const KEY_NAME_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

struct TicketKey {
    name: [u8; KEY_NAME_LEN],
    /// Expanded AES key schedule; `aes-gcm` built with `zeroize` wipes it on drop.
    aead: Aes256Gcm,
    /// Counter part of the nonce; with a random prefix per key it never repeats.
    nonce_prefix: [u8; 4],
    sealed: u64,
    /// Shared with other servers: every nonce is random.
    shared: bool,
}

impl TicketKey {
    fn generate() -> Result<Self, Error> {
        let raw = Zeroizing::new(crate::rand::random_array::<32>()?);
        let aead = Aes256Gcm::new_from_slice(&raw[..])
            .map_err(|_| Error::General("ticket key of the wrong length".into()))?;
        Ok(Self {
            name: crate::rand::random_array()?,
            aead,
            nonce_prefix: crate::rand::random_array()?,
            sealed: 0,
            shared: false,
        })
    }

    fn from_material(m: &TicketKeyMaterial) -> Result<Self, Error> {
        let aead = Aes256Gcm::new_from_slice(&m.key[..])
            .map_err(|_| Error::General("ticket key of the wrong length".into()))?;
        Ok(Self {
            name: m.name,
            aead,
            nonce_prefix: [0; 4],
            sealed: 0,
            shared: true,
        })
    }
}

/// A ticket key that servers share: its public name (sent in every ticket) and its
/// AES-256-GCM key. Make one with [`Self::generate`]; the key is wiped on drop and never
/// printed.
#[derive(Clone)]
pub struct TicketKeyMaterial {
    /// The key's name.
    pub name: [u8; KEY_NAME_LEN],
    /// The key.
    pub key: Zeroizing<[u8; 32]>,
}

impl TicketKeyMaterial {
    /// A fresh random key and name.
    pub fn generate() -> Result<Self, Error> {
        Ok(Self {
            name: crate::rand::random_array()?,
            key: Zeroizing::new(crate::rand::random_array()?),
        })
    }
}

impl core::fmt::Debug for TicketKeyMaterial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TicketKeyMaterial")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

struct Keys {
    current: TicketKey,
    previous: Option<TicketKey>,
    /// When `current` stops sealing (seconds since the epoch).
    rotate_at: u64,
}

/// Seals and opens session tickets; share one `Arc<Ticketer>` between server configs that
/// should accept each other's tickets.
pub struct Ticketer {
    period_secs: u64,
    keys: Mutex<Keys>,
}

impl core::fmt::Debug for Ticketer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ticketer")
            .field("period_secs", &self.period_secs)
            .finish_non_exhaustive()
    }
}

impl Ticketer {
    /// A ticketer whose key rotates every 6 hours (tickets are accepted for 6 to 12 hours,
    /// and never beyond the server's session lifetime).
    pub fn new() -> Result<std::sync::Arc<Self>, Error> {
        Self::with_rotation_period(6 * 3600)
    }

    /// A ticketer whose key rotates every `period_secs` seconds (at least 1).
    pub fn with_rotation_period(period_secs: u64) -> Result<std::sync::Arc<Self>, Error> {
        let period_secs = period_secs.max(1);
        Ok(std::sync::Arc::new(Self {
            period_secs,
            keys: Mutex::new(Keys {
                current: TicketKey::generate()?,
                previous: None,
                rotate_at: now_secs().saturating_add(period_secs),
            }),
        }))
    }

    /// A ticketer on keys managed elsewhere and shared with other servers: `current` seals,
    /// `current` and `previous` open. It never rotates by itself (nor by
    /// [`Self::rotate`]): call [`Self::set_keys`] when the shared keys change.
    pub fn with_shared_keys(
        current: &TicketKeyMaterial,
        previous: Option<&TicketKeyMaterial>,
    ) -> Result<std::sync::Arc<Self>, Error> {
        Ok(std::sync::Arc::new(Self {
            period_secs: u64::MAX,
            keys: Mutex::new(Keys {
                current: TicketKey::from_material(current)?,
                previous: previous.map(TicketKey::from_material).transpose()?,
                rotate_at: u64::MAX,
            }),
        }))
    }

    /// Replaces the keys of a ticketer made by [`Self::with_shared_keys`] (the others keep
    /// rotating their own keys: an error).
    pub fn set_keys(
        &self,
        current: &TicketKeyMaterial,
        previous: Option<&TicketKeyMaterial>,
    ) -> Result<(), Error> {
        let fresh = Keys {
            current: TicketKey::from_material(current)?,
            previous: previous.map(TicketKey::from_material).transpose()?,
            rotate_at: u64::MAX,
        };
        let mut keys = self
            .keys
            .lock()
            .map_err(|_| Error::General("ticket keys poisoned".into()))?;
        if !keys.current.shared {
            return Err(Error::ApiMisuse(
                "set_keys on a ticketer that rotates its own keys",
            ));
        }
        *keys = fresh;
        Ok(())
    }

    /// The name of the key that seals now (public: it heads every ticket).
    pub fn current_key_name(&self) -> Option<[u8; KEY_NAME_LEN]> {
        self.locked().map(|k| k.current.name)
    }

    /// How long a ticket's key stays in use for sealing, in seconds.
    pub fn rotation_period(&self) -> u64 {
        self.period_secs
    }

    /// Replaces the sealing key now; tickets under the old key still open until the next
    /// rotation, older ones no longer do.
    pub fn rotate(&self) -> Result<(), Error> {
        let mut keys = self
            .keys
            .lock()
            .map_err(|_| Error::General("ticket keys poisoned".into()))?;
        Self::rotate_locked(&mut keys, self.period_secs)
    }

    fn rotate_locked(keys: &mut Keys, period: u64) -> Result<(), Error> {
        if keys.current.shared {
            // Whoever manages shared keys rotates them.
            return Ok(());
        }
        let fresh = TicketKey::generate()?;
        keys.previous = Some(core::mem::replace(&mut keys.current, fresh));
        keys.rotate_at = now_secs().saturating_add(period);
        Ok(())
    }

    fn locked(&self) -> Option<std::sync::MutexGuard<'_, Keys>> {
        let mut keys = self.keys.lock().ok()?;
        let now = now_secs();
        if now >= keys.rotate_at {
            // More than a whole period late: the previous key is too old as well.
            let stale = now >= keys.rotate_at.saturating_add(self.period_secs);
            Self::rotate_locked(&mut keys, self.period_secs).ok()?;
            if stale {
                keys.previous = None;
            }
        }
        Some(keys)
    }

    /// Seals `plain` into a ticket; `None` if sealing is impossible (the handshake then
    /// goes on without a ticket).
    pub(crate) fn seal(&self, plain: &[u8]) -> Option<Vec<u8>> {
        let mut keys = self.locked()?;
        if keys.current.sealed >= u64::from(u32::MAX) {
            // Far below the GCM random-nonce bound, but rotate well before any concern.
            Self::rotate_locked(&mut keys, self.period_secs).ok()?;
        }
        let key = &mut keys.current;
        key.sealed += 1;
        let mut nonce = [0u8; NONCE_LEN];
        if key.shared {
            nonce = crate::rand::random_array().ok()?;
        } else {
            nonce[..4].copy_from_slice(&key.nonce_prefix);
            nonce[4..].copy_from_slice(&key.sealed.to_be_bytes());
        }
        let sealed = key
            .aead
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: &key.name,
                },
            )
            .ok()?;
        let mut out = Vec::with_capacity(KEY_NAME_LEN + NONCE_LEN + sealed.len());
        out.extend_from_slice(&key.name);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Some(out)
    }

    /// Opens a ticket sealed by this ticketer under the current or previous key.
    pub(crate) fn open(&self, ticket: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if ticket.len() < KEY_NAME_LEN + NONCE_LEN + TAG_LEN || ticket.len() > 0xffff {
            return None;
        }
        let (name, rest) = ticket.split_at(KEY_NAME_LEN);
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        let keys = self.locked()?;
        // Key names are public; comparing them in variable time reveals nothing.
        let key = [Some(&keys.current), keys.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.name == name)?;
        key.aead
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: name,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_tamper() {
        let t = Ticketer::new().unwrap();
        let ticket = t.seal(b"session state").unwrap();
        assert_eq!(ticket.len(), KEY_NAME_LEN + NONCE_LEN + 13 + TAG_LEN);
        assert_eq!(&t.open(&ticket).unwrap()[..], b"session state");
        for i in 0..ticket.len() {
            let mut bad = ticket.clone();
            bad[i] ^= 0x01;
            assert!(t.open(&bad).is_none(), "flipped byte {i} accepted");
        }
        for cut in 0..ticket.len() {
            assert!(t.open(&ticket[..cut]).is_none());
        }
        let other = Ticketer::new().unwrap();
        assert!(other.open(&ticket).is_none(), "another ticketer's ticket");
    }

    #[test]
    fn nonces_never_repeat() {
        let t = Ticketer::new().unwrap();
        let a = t.seal(b"x").unwrap();
        let b = t.seal(b"x").unwrap();
        assert_ne!(
            a[KEY_NAME_LEN..KEY_NAME_LEN + NONCE_LEN],
            b[KEY_NAME_LEN..KEY_NAME_LEN + NONCE_LEN]
        );
        assert_ne!(a, b);
    }

    /// Two servers on the same shared keys open each other's tickets; after a change of
    /// keys, a ticket under the new previous key still opens, older ones do not.
    #[test]
    fn shared_keys_open_across_servers() {
        let k1 = TicketKeyMaterial::generate().unwrap();
        let (a, b) = (
            Ticketer::with_shared_keys(&k1, None).unwrap(),
            Ticketer::with_shared_keys(&k1, None).unwrap(),
        );
        let t = a.seal(b"state").unwrap();
        assert_eq!(&b.open(&t).unwrap()[..], b"state");
        assert_ne!(
            a.seal(b"x").unwrap()[KEY_NAME_LEN..KEY_NAME_LEN + NONCE_LEN],
            a.seal(b"x").unwrap()[KEY_NAME_LEN..KEY_NAME_LEN + NONCE_LEN]
        );
        let k2 = TicketKeyMaterial::generate().unwrap();
        b.set_keys(&k2, Some(&k1)).unwrap();
        assert_eq!(&b.open(&t).unwrap()[..], b"state", "previous key");
        let t2 = b.seal(b"two").unwrap();
        assert_eq!(&t2[..KEY_NAME_LEN], &k2.name);
        assert!(a.open(&t2).is_none(), "a does not have k2 yet");
        b.set_keys(&TicketKeyMaterial::generate().unwrap(), Some(&k2))
            .unwrap();
        assert!(b.open(&t).is_none(), "two changes ago");
        b.rotate().unwrap();
        assert_eq!(
            &b.open(&t2).unwrap()[..],
            b"two",
            "rotate leaves shared keys alone"
        );
        assert!(Ticketer::new().unwrap().set_keys(&k1, None).is_err());
        assert!(
            !format!("{k1:?}").contains("key:"),
            "the key is never printed"
        );
    }

    #[test]
    fn rotation_keeps_one_previous_key() {
        let t = Ticketer::new().unwrap();
        let old = t.seal(b"one").unwrap();
        t.rotate().unwrap();
        assert_eq!(&t.open(&old).unwrap()[..], b"one", "previous key opens");
        let newer = t.seal(b"two").unwrap();
        assert_ne!(old[..KEY_NAME_LEN], newer[..KEY_NAME_LEN]);
        t.rotate().unwrap();
        assert!(t.open(&old).is_none(), "two rotations ago: refused");
        assert_eq!(&t.open(&newer).unwrap()[..], b"two");
    }
}
