//! TLS 1.2 PRF (RFC 5246 5, P_SHA256), master secret (RFC 5246 8.1, RFC 7627 4),
//! key block (RFC 5246 6.3), Finished verify_data (RFC 5246 7.4.9), and the handshake
//! transcript hash. (STUB)

use zeroize::Zeroizing;

/// `PRF(secret, label, seed) = P_SHA256(secret, label + seed)`, filling `out`.
pub fn prf(out: &mut [u8], secret: &[u8], label: &[u8], seed: &[u8]) {
    let _ = (out, secret, label, seed);
    todo!()
}

/// `master_secret = PRF(pre_master_secret, "master secret", ClientHello.random + ServerHello.random)[0..47]`
pub fn master_secret(pms: &[u8], client_random: &[u8; 32], server_random: &[u8; 32]) -> Zeroizing<[u8; 48]> {
    let _ = (pms, client_random, server_random);
    todo!()
}

/// RFC 7627: `master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]`
pub fn extended_master_secret(pms: &[u8], session_hash: &[u8; 32]) -> Zeroizing<[u8; 48]> {
    let _ = (pms, session_hash);
    todo!()
}

/// `key_block = PRF(master_secret, "key expansion", server_random + client_random)`
pub fn key_block(master_secret: &[u8; 48], client_random: &[u8; 32], server_random: &[u8; 32], len: usize) -> Zeroizing<Vec<u8>> {
    let _ = (master_secret, client_random, server_random, len);
    todo!()
}

/// `verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]`;
/// `label` is `b"client finished"` or `b"server finished"`.
pub fn verify_data(master_secret: &[u8; 48], label: &[u8], handshake_hash: &[u8; 32]) -> [u8; 12] {
    let _ = (master_secret, label, handshake_hash);
    todo!()
}

/// The running SHA-256 over handshake messages (header included), as sent and received.
#[derive(Clone, Default)]
pub struct Transcript {
    _private: (),
}

impl core::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Transcript")
    }
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        todo!()
    }
    /// Adds the exact bytes of one handshake message.
    pub fn add(&mut self, bytes: &[u8]) {
        let _ = bytes;
        todo!()
    }
    /// The hash of everything added so far (the transcript goes on).
    pub fn current_hash(&self) -> [u8; 32] {
        todo!()
    }
}
