//! The hash functions the profiles use, behind one small enum (a profile is data, so the
//! hash is a value rather than a type parameter).

use hmac::{KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

/// A hash function of a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-1 (RFC 5054's TLS profile; 20-byte output).
    Sha1,
    /// SHA-256 (32-byte output).
    Sha256,
    /// SHA-512 (64-byte output).
    Sha512,
}

impl HashAlg {
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
            HashAlg::Sha512 => 64,
        }
    }

    /// A running hash.
    pub(crate) fn start(self) -> Hasher {
        match self {
            HashAlg::Sha1 => Hasher::Sha1(Sha1::new()),
            HashAlg::Sha256 => Hasher::Sha256(Sha256::new()),
            HashAlg::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    /// `H(parts[0] | parts[1] | ...)`.
    pub(crate) fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        let mut h = self.start();
        for p in parts {
            h.update(p);
        }
        h.finish()
    }

    /// As [`HashAlg::digest`], for inputs or outputs that are secret (wiped on drop).
    pub(crate) fn digest_secret(self, parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.digest(parts))
    }
}

/// HMAC-SHA-256 (Cognito's password claim and its HKDF).
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    // HMAC takes keys of any length; new_from_slice cannot fail for it.
    let mut mac = match <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Zeroizing::new(Vec::new()),
    };
    for p in parts {
        mac.update(p);
    }
    Zeroizing::new(mac.finalize().into_bytes().to_vec())
}

/// One running hash of any of the [`HashAlg`]s.
pub(crate) enum Hasher {
    Sha1(Sha1),
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}
