//! TLS 1.3 record protection (RFC 8446 5.2-5.4): AES-128-GCM, AES-256-GCM and
//! ChaCha20-Poly1305 from RustCrypto's `aes-gcm` and `chacha20poly1305`, in place.
//!
//! The per-record nonce is the IV XOR the 64-bit sequence number (left-padded); the
//! additional data is the record header as sent (`application_data`, 0x0303, length). The
//! inner plaintext is the content followed by its real content type; we add no padding and
//! strip the peer's zeros. The sequence numbers are the record layer's (`record_layer.rs`),
//! which never lets them wrap; a key change starts them at 0 again.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;
use zeroize::Zeroizing;

use super::key_schedule::HashAlg;
use super::Tls13CipherSuite;
use crate::crypto::cbc::{MessageDecrypter, MessageEncrypter};
use crate::error::Error;
use crate::msgs::enums::{ContentType, ProtocolVersion};
use crate::msgs::message::{OpaqueMessage, PlainMessage, MAX_FRAGMENT_LEN};

/// RFC 8446 5.2: `TLSCiphertext.length` MUST NOT exceed 2^14 + 256.
pub(crate) const MAX_TLS13_CIPHERTEXT: usize = MAX_FRAGMENT_LEN + 256;
const TAG_LEN: usize = 16;

enum Cipher {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
}

/// One direction's AEAD and IV (the key schedules wipe themselves on drop; so does the IV).
pub(crate) struct Tls13Cipher {
    cipher: Cipher,
    iv: Zeroizing<[u8; 12]>,
}

impl Tls13Cipher {
    /// The key and IV for `suite` from a traffic secret (RFC 8446 7.3).
    pub(crate) fn from_secret(suite: Tls13CipherSuite, secret: &[u8]) -> Self {
        let alg: HashAlg = suite.hash();
        let key = alg.expand_label(secret, b"key", &[], suite.key_len());
        let iv_bytes = alg.expand_label(secret, b"iv", &[], 12);
        let mut iv = Zeroizing::new([0u8; 12]);
        iv.copy_from_slice(&iv_bytes);
        // The key lengths come from the suite: new_from_slice cannot fail.
        let cipher = match suite {
            Tls13CipherSuite::Aes128GcmSha256 => Cipher::Aes128(Box::new(
                Aes128Gcm::new_from_slice(&key).expect("16-byte key"),
            )),
            Tls13CipherSuite::Aes256GcmSha384 => Cipher::Aes256(Box::new(
                Aes256Gcm::new_from_slice(&key).expect("32-byte key"),
            )),
            Tls13CipherSuite::Chacha20Poly1305Sha256 => Cipher::ChaCha(Box::new(
                ChaCha20Poly1305::new_from_slice(&key).expect("32-byte key"),
            )),
        };
        Self { cipher, iv }
    }

    fn nonce(&self, seq: u64) -> [u8; 12] {
        let mut nonce = *self.iv;
        for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
            *n ^= s;
        }
        nonce
    }

    fn seal(&self, seq: u64, aad: &[u8], buf: &mut Vec<u8>) -> Result<(), Error> {
        let nonce = self.nonce(seq);
        let r = match &self.cipher {
            Cipher::Aes128(c) => c.encrypt_in_place(&nonce.into(), aad, buf),
            Cipher::Aes256(c) => c.encrypt_in_place(&nonce.into(), aad, buf),
            Cipher::ChaCha(c) => c.encrypt_in_place(&nonce.into(), aad, buf),
        };
        r.map_err(|_| Error::General("AEAD seal failed".into()))
    }

    fn open(&self, seq: u64, aad: &[u8], buf: &mut Vec<u8>) -> Result<(), Error> {
        let nonce = self.nonce(seq);
        let r = match &self.cipher {
            Cipher::Aes128(c) => c.decrypt_in_place(&nonce.into(), aad, buf),
            Cipher::Aes256(c) => c.decrypt_in_place(&nonce.into(), aad, buf),
            Cipher::ChaCha(c) => c.decrypt_in_place(&nonce.into(), aad, buf),
        };
        r.map_err(|_| Error::DecryptError)
    }
}

fn header(len: usize) -> [u8; 5] {
    let [hi, lo] = (len as u16).to_be_bytes();
    [u8::from(ContentType::ApplicationData), 0x03, 0x03, hi, lo]
}

impl MessageEncrypter for Tls13Cipher {
    fn encrypt(&mut self, msg: &PlainMessage, seq: u64) -> Result<OpaqueMessage, Error> {
        let mut buf = Vec::with_capacity(msg.payload.len() + 1 + TAG_LEN);
        buf.extend_from_slice(&msg.payload);
        buf.push(u8::from(msg.typ));
        let aad = header(buf.len() + TAG_LEN);
        self.seal(seq, &aad, &mut buf)?;
        Ok(OpaqueMessage {
            typ: ContentType::ApplicationData,
            version: ProtocolVersion::TLSv1_2,
            payload: buf,
        })
    }

    fn encrypted_len(&self, len: usize) -> usize {
        len + 1 + TAG_LEN
    }
}

impl MessageDecrypter for Tls13Cipher {
    fn decrypt(&mut self, msg: OpaqueMessage, seq: u64) -> Result<PlainMessage, Error> {
        // RFC 8446 5.2: protected records are application_data on the outside.
        if msg.typ != ContentType::ApplicationData {
            return Err(Error::InappropriateMessage {
                expect_types: vec![ContentType::ApplicationData],
                got_type: msg.typ,
            });
        }
        if msg.payload.len() > MAX_TLS13_CIPHERTEXT {
            return Err(Error::RecordOverflow);
        }
        if msg.payload.len() < 1 + TAG_LEN {
            return Err(Error::DecryptError);
        }
        let aad = header(msg.payload.len());
        let mut buf = msg.payload;
        self.open(seq, &aad, &mut buf)?;
        // RFC 8446 5.4: the content type is the last non-zero byte; all zeros is
        // unexpected_message.
        let Some(end) = buf.iter().rposition(|&b| b != 0) else {
            return Err(Error::InappropriateMessage {
                expect_types: vec![ContentType::Handshake, ContentType::ApplicationData],
                got_type: ContentType::Unknown(0),
            });
        };
        let typ = ContentType::from(buf[end]);
        buf.truncate(end);
        if buf.len() > MAX_FRAGMENT_LEN {
            return Err(Error::RecordOverflow);
        }
        Ok(PlainMessage {
            typ,
            version: ProtocolVersion::TLSv1_2,
            payload: buf,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(suite: Tls13CipherSuite) -> (Tls13Cipher, Tls13Cipher) {
        let secret = vec![9u8; suite.hash().len()];
        (
            Tls13Cipher::from_secret(suite, &secret),
            Tls13Cipher::from_secret(suite, &secret),
        )
    }

    fn plain(typ: ContentType, payload: &[u8]) -> PlainMessage {
        PlainMessage {
            typ,
            version: ProtocolVersion::TLSv1_2,
            payload: payload.to_vec(),
        }
    }

    #[test]
    fn seal_open_round_trip_hides_the_type() {
        for suite in Tls13CipherSuite::ALL {
            let (mut enc, mut dec) = pair(suite);
            let sealed = enc
                .encrypt(&plain(ContentType::Handshake, b"hello"), 5)
                .unwrap();
            assert_eq!(sealed.typ, ContentType::ApplicationData);
            assert_eq!(sealed.payload.len(), enc.encrypted_len(5));
            let opened = dec.decrypt(sealed.clone(), 5).unwrap();
            assert_eq!(
                (opened.typ, &opened.payload[..]),
                (ContentType::Handshake, &b"hello"[..])
            );
            // Another sequence number, or one flipped bit: bad_record_mac.
            assert_eq!(
                dec.decrypt(sealed.clone(), 6).unwrap_err(),
                Error::DecryptError
            );
            let mut bad = sealed;
            bad.payload[0] ^= 1;
            assert_eq!(dec.decrypt(bad, 5).unwrap_err(), Error::DecryptError);
        }
    }

    #[test]
    fn padding_is_stripped_and_all_zeros_refused() {
        let suite = Tls13CipherSuite::Aes128GcmSha256;
        let (enc, mut dec) = pair(suite);
        let mut buf = b"data".to_vec();
        buf.push(u8::from(ContentType::ApplicationData));
        buf.extend_from_slice(&[0; 10]);
        enc.seal(0, &header(buf.len() + TAG_LEN), &mut buf).unwrap();
        let opened = dec
            .decrypt(
                OpaqueMessage {
                    typ: ContentType::ApplicationData,
                    version: ProtocolVersion::TLSv1_2,
                    payload: buf,
                },
                0,
            )
            .unwrap();
        assert_eq!(&opened.payload[..], b"data");
        let mut zeros = vec![0u8; 8];
        enc.seal(1, &header(zeros.len() + TAG_LEN), &mut zeros)
            .unwrap();
        let err = dec
            .decrypt(
                OpaqueMessage {
                    typ: ContentType::ApplicationData,
                    version: ProtocolVersion::TLSv1_2,
                    payload: zeros,
                },
                1,
            )
            .unwrap_err();
        assert!(matches!(err, Error::InappropriateMessage { .. }), "{err:?}");
    }

    #[test]
    fn oversized_and_short_and_cleartext_records_are_refused() {
        let (_, mut dec) = pair(Tls13CipherSuite::Chacha20Poly1305Sha256);
        let big = OpaqueMessage {
            typ: ContentType::ApplicationData,
            version: ProtocolVersion::TLSv1_2,
            payload: vec![0; MAX_TLS13_CIPHERTEXT + 1],
        };
        assert_eq!(dec.decrypt(big, 0).unwrap_err(), Error::RecordOverflow);
        let short = OpaqueMessage {
            typ: ContentType::ApplicationData,
            version: ProtocolVersion::TLSv1_2,
            payload: vec![0; 16],
        };
        assert_eq!(dec.decrypt(short, 0).unwrap_err(), Error::DecryptError);
        let hs = OpaqueMessage {
            typ: ContentType::Handshake,
            version: ProtocolVersion::TLSv1_2,
            payload: vec![0; 40],
        };
        assert!(matches!(
            dec.decrypt(hs, 0).unwrap_err(),
            Error::InappropriateMessage { .. }
        ));
    }
}
