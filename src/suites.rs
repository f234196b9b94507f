//! The cipher suites this crate negotiates, described by data.

use crate::msgs::enums::CipherSuite;

/// The bulk cipher of a suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkAlgorithm {
    /// AES-128 in CBC mode.
    Aes128Cbc,
    /// AES-256 in CBC mode.
    Aes256Cbc,
}

/// A cipher suite we implement: SRP key exchange (signed with the server's certificate in
/// the SRP-RSA suites), HMAC-SHA1, AES-CBC, and in TLS 1.2 the SHA-256 PRF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SupportedCipherSuite {
    /// The code point.
    pub suite: CipherSuite,
    /// The bulk cipher.
    pub bulk: BulkAlgorithm,
    /// Encryption key length in bytes (16 or 32).
    pub enc_key_len: usize,
    /// MAC key length in bytes (HMAC-SHA1: 20).
    pub mac_key_len: usize,
    /// MAC output length in bytes (HMAC-SHA1: 20).
    pub mac_len: usize,
    /// Whether the server signs its ServerKeyExchange with its certificate (SRP-RSA).
    pub signed: bool,
}

impl SupportedCipherSuite {
    /// RFC 5246 6.3: bytes of key block: two MAC keys and two encryption keys (TLS 1.2
    /// CBC suites use an explicit per-record IV, so no IVs are derived).
    pub const fn key_block_len(&self) -> usize {
        2 * self.mac_key_len + 2 * self.enc_key_len
    }
}

/// TLS_SRP_SHA_WITH_AES_128_CBC_SHA (0xC01D).
pub static TLS_SRP_SHA_WITH_AES_128_CBC_SHA: SupportedCipherSuite = SupportedCipherSuite {
    suite: CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
    bulk: BulkAlgorithm::Aes128Cbc,
    enc_key_len: 16,
    mac_key_len: 20,
    mac_len: 20,
    signed: false,
};

/// TLS_SRP_SHA_WITH_AES_256_CBC_SHA (0xC020).
pub static TLS_SRP_SHA_WITH_AES_256_CBC_SHA: SupportedCipherSuite = SupportedCipherSuite {
    suite: CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
    bulk: BulkAlgorithm::Aes256Cbc,
    enc_key_len: 32,
    mac_key_len: 20,
    mac_len: 20,
    signed: false,
};

/// TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA (0xC01E): the server also signs with its
/// certificate (feature `rustls`).
pub static TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA: SupportedCipherSuite = SupportedCipherSuite {
    suite: CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA,
    signed: true,
    ..TLS_SRP_SHA_WITH_AES_128_CBC_SHA
};

/// TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA (0xC021): the server also signs with its
/// certificate (feature `rustls`).
pub static TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA: SupportedCipherSuite = SupportedCipherSuite {
    suite: CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA,
    signed: true,
    ..TLS_SRP_SHA_WITH_AES_256_CBC_SHA
};

/// All suites, in our default order of preference: the signed ones first (used only when
/// the server has a certificate, and offered only by a client that checks one), then plain
/// SRP; AES-256 before AES-128.
pub static ALL_CIPHER_SUITES: &[SupportedCipherSuite] = &[
    TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA,
    TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA,
    TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
    TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
];

/// Finds a suite we implement by code point.
pub fn lookup(suite: CipherSuite) -> Option<&'static SupportedCipherSuite> {
    ALL_CIPHER_SUITES.iter().find(|s| s.suite == suite)
}
