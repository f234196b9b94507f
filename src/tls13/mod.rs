//! TLS 1.3 with a PAKE instead of certificates (draft-ietf-tls-pake, SPAKE2+ per RFC 9383):
//! the successor of TLS-SRP. **Experimental codepoints** (see [`PAKE_EXTENSION`]).
//!
//! ```text
//! ClientHello (supported_versions: 1.3, pake: client_identity, server_identity,
//!              [SPAKE2PLUS_V1: shareP])            -->
//!                      <--  ServerHello (supported_versions, pake: SPAKE2PLUS_V1: shareV || confirmV)
//!                           {EncryptedExtensions} {Finished}
//! {Finished}                                       -->
//! ```
//!
//! No key_share, no certificate, no PSK: the SPAKE2+ shared secret takes the place of the
//! (EC)DHE secret in the key schedule, and each side's Finished proves it holds it. The
//! client checks the server's confirmV before anything else (a wrong password fails there,
//! on the client); the client's confirmP is never sent: its Finished does that job.
//!
//! One implementation exists besides ours, BoringSSL's (`SSL_CREDENTIAL_new_spake2plusv1_*`),
//! which we interoperate with (`tests/interop_pake.rs`). Its choices, which we follow: the
//! SPAKE2+ context is empty, the identities are the ones in the extension, the client
//! offers no key_share or supported_groups, and no tickets are issued (no resumption with a
//! PAKE). The server side lives in `server/hs.rs`'s ClientHello state (the ClientHello
//! decides between TLS-SRP and TLS 1.3 PAKE, on one port), the client side in
//! `tls13/client.rs`.

pub(crate) mod client;
pub(crate) mod key_schedule;
pub(crate) mod record;
pub(crate) mod server;
pub(crate) mod traffic;

use crate::error::{Error, InvalidMessage, PeerMisbehaved};
use crate::msgs::codec::Reader;
use crate::msgs::enums::CipherSuite;
use key_schedule::HashAlg;

/// The `pake` extension's codepoint as BoringSSL (commit a0689af29) sends it:
/// `TLSEXT_TYPE_pake` = 0x8a3b, from draft-bmw-tls-pake13 (adopted as draft-ietf-tls-pake).
/// **Experimental**: not IANA-assigned; it will change when the draft is published.
pub const PAKE_EXTENSION: u16 = 0x8a3b;

/// The NamedPAKE codepoint of SPAKE2PLUS_V1 (draft-ietf-tls-pake's registry, in its
/// experimental range): 0x7d96, as BoringSSL's `SSL_PAKE_SPAKE2PLUSV1`. **Experimental.**
pub const SPAKE2PLUS_V1: u16 = 0x7d96;

/// RFC 8446 4.1.3: the ServerHello.random of a HelloRetryRequest (SHA-256 of
/// "HelloRetryRequest").
pub(crate) const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// RFC 8446 4.2.2: the cookie extension.
pub(crate) const COOKIE_EXTENSION: u16 = 44;
/// RFC 8446 4.2.8.
pub(crate) const KEY_SHARE_EXTENSION: u16 = 51;
/// RFC 8446 4.2.11.
pub(crate) const PRE_SHARED_KEY_EXTENSION: u16 = 41;

/// The TLS 1.3 cipher suites (RFC 8446 B.4) we protect records with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tls13CipherSuite {
    /// TLS_AES_128_GCM_SHA256 (0x1301).
    Aes128GcmSha256,
    /// TLS_AES_256_GCM_SHA384 (0x1302).
    Aes256GcmSha384,
    /// TLS_CHACHA20_POLY1305_SHA256 (0x1303).
    Chacha20Poly1305Sha256,
}

impl Tls13CipherSuite {
    /// All three, in our default order of preference (AES-128-GCM first: the fastest with
    /// AES-NI, as BoringSSL orders them).
    pub const ALL: [Self; 3] = [
        Self::Aes128GcmSha256,
        Self::Aes256GcmSha384,
        Self::Chacha20Poly1305Sha256,
    ];

    /// The wire value.
    pub fn suite(self) -> CipherSuite {
        match self {
            Self::Aes128GcmSha256 => CipherSuite::TLS13_AES_128_GCM_SHA256,
            Self::Aes256GcmSha384 => CipherSuite::TLS13_AES_256_GCM_SHA384,
            Self::Chacha20Poly1305Sha256 => CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        }
    }

    /// The suite with wire value `cs`, if it is one of ours.
    pub fn from_suite(cs: CipherSuite) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.suite() == cs)
    }

    /// The IANA (and OpenSSL) name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes128GcmSha256 => "TLS_AES_128_GCM_SHA256",
            Self::Aes256GcmSha384 => "TLS_AES_256_GCM_SHA384",
            Self::Chacha20Poly1305Sha256 => "TLS_CHACHA20_POLY1305_SHA256",
        }
    }

    pub(crate) fn hash(self) -> HashAlg {
        match self {
            Self::Aes256GcmSha384 => HashAlg::Sha384,
            _ => HashAlg::Sha256,
        }
    }

    pub(crate) fn key_len(self) -> usize {
        match self {
            Self::Aes128GcmSha256 => 16,
            _ => 32,
        }
    }
}

/// The client's pake extension (draft-ietf-tls-pake 3):
/// `opaque client_identity<0..2^16-1>; opaque server_identity<0..2^16-1>;
/// PAKEShare client_shares<0..2^16-1>;` with `PAKEShare { NamedPAKE named_pake;
/// opaque pake_message<1..2^16-1>; }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PakeClientHello {
    pub(crate) client_identity: Vec<u8>,
    pub(crate) server_identity: Vec<u8>,
    pub(crate) shares: Vec<(u16, Vec<u8>)>,
}

fn put_u16_vec(out: &mut Vec<u8>, body: &[u8]) {
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
}

fn read_u16_vec<'a>(r: &mut Reader<'a>, what: &'static str) -> Result<&'a [u8], InvalidMessage> {
    let len = r.take(2).ok_or(InvalidMessage::MissingData(what))?;
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    r.take(len).ok_or(InvalidMessage::MissingData(what))
}

fn read_u16(r: &mut Reader<'_>, what: &'static str) -> Result<u16, InvalidMessage> {
    let b = r.take(2).ok_or(InvalidMessage::MissingData(what))?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

impl PakeClientHello {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_u16_vec(&mut out, &self.client_identity);
        put_u16_vec(&mut out, &self.server_identity);
        let mut shares = Vec::new();
        for (id, msg) in &self.shares {
            shares.extend_from_slice(&id.to_be_bytes());
            put_u16_vec(&mut shares, msg);
        }
        put_u16_vec(&mut out, &shares);
        out
    }

    /// Decodes the extension: every length checked, no trailing bytes, NamedPAKEs strictly
    /// increasing (so none twice), no empty pake_message.
    pub(crate) fn decode(data: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::init(data);
        let client_identity = read_u16_vec(&mut r, "PAKEClientHello.client_identity")?.to_vec();
        let server_identity = read_u16_vec(&mut r, "PAKEClientHello.server_identity")?.to_vec();
        let shares_bytes = read_u16_vec(&mut r, "PAKEClientHello.client_shares")?;
        r.expect_empty("PAKEClientHello")?;
        let mut sr = Reader::init(shares_bytes);
        let mut shares: Vec<(u16, Vec<u8>)> = Vec::new();
        while sr.any_left() {
            let id = read_u16(&mut sr, "PAKEShare.named_pake")?;
            let msg = read_u16_vec(&mut sr, "PAKEShare.pake_message")?;
            if msg.is_empty() {
                return Err(InvalidMessage::InvalidLength("PAKEShare.pake_message").into());
            }
            if shares.last().is_some_and(|(last, _)| *last >= id) {
                return Err(PeerMisbehaved::PakeSharesNotInOrder.into());
            }
            shares.push((id, msg.to_vec()));
        }
        Ok(Self {
            client_identity,
            server_identity,
            shares,
        })
    }
}

/// The server's pake extension: `PAKEShare server_share;`.
pub(crate) fn encode_server_share(named_pake: u16, message: &[u8]) -> Vec<u8> {
    let mut out = named_pake.to_be_bytes().to_vec();
    put_u16_vec(&mut out, message);
    out
}

pub(crate) fn decode_server_share(data: &[u8]) -> Result<(u16, Vec<u8>), Error> {
    let mut r = Reader::init(data);
    let id = read_u16(&mut r, "PAKEServerHello.named_pake")?;
    let msg = read_u16_vec(&mut r, "PAKEServerHello.pake_message")?.to_vec();
    r.expect_empty("PAKEServerHello")?;
    Ok((id, msg))
}

/// Extensions as `(type, body)` pairs: the shape TLS 1.3's messages are read in here.
pub(crate) fn read_extensions(
    data: &[u8],
    what: &'static str,
) -> Result<Vec<(u16, Vec<u8>)>, Error> {
    let mut r = Reader::init(data);
    let block = read_u16_vec(&mut r, what)?;
    r.expect_empty(what)?;
    let mut er = Reader::init(block);
    let mut out: Vec<(u16, Vec<u8>)> = Vec::new();
    while er.any_left() {
        let typ = read_u16(&mut er, what)?;
        let body = read_u16_vec(&mut er, what)?;
        if out.iter().any(|(t, _)| *t == typ) {
            return Err(PeerMisbehaved::DuplicateExtension.into());
        }
        out.push((typ, body.to_vec()));
    }
    Ok(out)
}

pub(crate) fn encode_extensions(exts: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut block = Vec::new();
    for (typ, body) in exts {
        block.extend_from_slice(&typ.to_be_bytes());
        put_u16_vec(&mut block, body);
    }
    let mut out = Vec::new();
    put_u16_vec(&mut out, &block);
    out
}

/// Switches the record layer's reading side to `secret`'s keys (sequence number 0).
pub(crate) fn install_read(
    rl: &mut crate::record_layer::RecordLayer,
    suite: Tls13CipherSuite,
    secret: &[u8],
) -> Result<(), Error> {
    rl.prepare_decrypter(Box::new(record::Tls13Cipher::from_secret(suite, secret)));
    rl.start_decrypting()
}

/// Switches the record layer's writing side to `secret`'s keys (sequence number 0).
pub(crate) fn install_write(
    rl: &mut crate::record_layer::RecordLayer,
    suite: Tls13CipherSuite,
    secret: &[u8],
) -> Result<(), Error> {
    rl.prepare_encrypter(Box::new(record::Tls13Cipher::from_secret(suite, secret)));
    rl.start_encrypting()
}

/// A handshake message's bytes: type, 24-bit length, body.
pub(crate) fn handshake_bytes(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + body.len());
    out.push(typ);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

/// The running transcript of a TLS 1.3 handshake: the messages themselves (a PAKE
/// handshake is a few hundred bytes), hashed when the suite's hash is known.
#[derive(Clone, Default)]
pub(crate) struct Transcript13 {
    bytes: Vec<u8>,
}

impl Transcript13 {
    pub(crate) fn add(&mut self, msg: &[u8]) {
        self.bytes.extend_from_slice(msg);
    }

    pub(crate) fn hash(&self, alg: HashAlg) -> Vec<u8> {
        alg.hash(&self.bytes)
    }

    /// RFC 8446 4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
    /// `message_hash(254), 00 00 Hash.length, Hash(ClientHello1)`.
    pub(crate) fn replace_with_message_hash(&mut self, alg: HashAlg) {
        let h = alg.hash(&self.bytes);
        self.bytes = handshake_bytes(254, &h);
    }
}

#[cfg(test)]
mod tests;
