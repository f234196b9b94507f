//! TLS 1.2 CBC record protection with HMAC-SHA1: MAC-then-encrypt (RFC 5246 6.2.3.2) and
//! encrypt-then-MAC (RFC 7366). Every failure to open a record is `Error::DecryptError`
//! (`bad_record_mac`). (STUB: implemented by the record-layer work.)

use crate::error::Error;
use crate::msgs::message::{OpaqueMessage, PlainMessage};
use crate::suites::SupportedCipherSuite;

/// Protects outgoing records.
pub trait MessageEncrypter: Send + Sync {
    /// Encrypts one plaintext record (payload at most 2^14 bytes) with sequence number `seq`.
    fn encrypt(&mut self, msg: &PlainMessage, seq: u64) -> Result<OpaqueMessage, Error>;
    /// Ciphertext length for a plaintext of `len` bytes.
    fn encrypted_len(&self, len: usize) -> usize;
}

/// Opens incoming records.
pub trait MessageDecrypter: Send + Sync {
    /// Decrypts and authenticates one record with sequence number `seq`. Any failure
    /// (length, padding, MAC) is `Error::DecryptError`; a plaintext over 2^14 bytes is
    /// `Error::RecordOverflow`.
    fn decrypt(&mut self, msg: OpaqueMessage, seq: u64) -> Result<PlainMessage, Error>;
}

/// The keys for one direction (borrowed; the implementation keeps zeroizing copies).
pub struct DirectionKeys<'a> {
    /// HMAC-SHA1 key (20 bytes).
    pub mac_key: &'a [u8],
    /// AES key (16 or 32 bytes).
    pub enc_key: &'a [u8],
}

/// An encrypter for `suite`; `etm` selects encrypt-then-MAC.
pub fn new_encrypter(suite: &SupportedCipherSuite, keys: DirectionKeys<'_>, etm: bool) -> Box<dyn MessageEncrypter> {
    let _ = (suite, keys, etm);
    todo!()
}

/// A decrypter for `suite`; `etm` selects encrypt-then-MAC.
pub fn new_decrypter(suite: &SupportedCipherSuite, keys: DirectionKeys<'_>, etm: bool) -> Box<dyn MessageDecrypter> {
    let _ = (suite, keys, etm);
    todo!()
}
