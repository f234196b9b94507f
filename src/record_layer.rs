//! Sequence numbers and the switch from plaintext to protected records.
//!
//! Each direction starts in plaintext. The handshake prepares the cipher for a direction
//! (`prepare_*`) and switches to it at ChangeCipherSpec (`start_*`), which also resets that
//! direction's sequence number to 0 (RFC 5246 6.1). Sequence numbers are 64 bits and must
//! not wrap (RFC 5246 6.1): the last one we use is 2^64 - 2, after which every record in
//! that direction is refused with `Error::General`.

use crate::crypto::cbc::{MessageDecrypter, MessageEncrypter};
use crate::error::Error;
use crate::msgs::message::{OpaqueMessage, PlainMessage};

/// Record protection state for both directions.
#[derive(Default)]
pub struct RecordLayer {
    encrypter: Option<Box<dyn MessageEncrypter>>,
    decrypter: Option<Box<dyn MessageDecrypter>>,
    pending_encrypter: Option<Box<dyn MessageEncrypter>>,
    pending_decrypter: Option<Box<dyn MessageDecrypter>>,
    write_seq: u64,
    read_seq: u64,
}

impl core::fmt::Debug for RecordLayer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecordLayer")
            .field("encrypting", &self.encrypter.is_some())
            .field("decrypting", &self.decrypter.is_some())
            .finish()
    }
}

impl RecordLayer {
    /// Plaintext in both directions.
    pub fn new() -> Self {
        Self::default()
    }
    /// Stores the encrypter that [`Self::start_encrypting`] switches to.
    pub fn prepare_encrypter(&mut self, enc: Box<dyn MessageEncrypter>) {
        self.pending_encrypter = Some(enc);
    }
    /// Stores the decrypter that [`Self::start_decrypting`] switches to.
    pub fn prepare_decrypter(&mut self, dec: Box<dyn MessageDecrypter>) {
        self.pending_decrypter = Some(dec);
    }
    /// After we send ChangeCipherSpec: protect from now on, sequence number back to 0.
    /// Errors with `Error::General` if nothing was prepared.
    pub fn start_encrypting(&mut self) -> Result<(), Error> {
        let enc = self.pending_encrypter.take().ok_or_else(|| {
            Error::General("ChangeCipherSpec sent with no encrypter prepared".into())
        })?;
        self.encrypter = Some(enc);
        self.write_seq = 0;
        Ok(())
    }
    /// After we receive ChangeCipherSpec: open from now on, sequence number back to 0.
    /// Errors with `Error::General` if nothing was prepared.
    pub fn start_decrypting(&mut self) -> Result<(), Error> {
        let dec = self.pending_decrypter.take().ok_or_else(|| {
            Error::General("ChangeCipherSpec received with no decrypter prepared".into())
        })?;
        self.decrypter = Some(dec);
        self.read_seq = 0;
        Ok(())
    }
    /// Whether outgoing records are protected.
    pub fn is_encrypting(&self) -> bool {
        self.encrypter.is_some()
    }
    /// Whether incoming records are protected.
    pub fn is_decrypting(&self) -> bool {
        self.decrypter.is_some()
    }
    /// Protects (or passes through) one record and advances the write sequence number.
    /// Refuses to wrap the sequence number.
    pub fn encrypt_outgoing(&mut self, msg: PlainMessage) -> Result<OpaqueMessage, Error> {
        let Some(enc) = self.encrypter.as_mut() else {
            return Ok(msg.into_unencrypted_opaque());
        };
        let seq = self.write_seq;
        let next = next_seq(seq)?;
        let out = enc.encrypt(&msg, seq)?;
        self.write_seq = next;
        Ok(out)
    }
    /// Opens (or passes through) one record and advances the read sequence number.
    /// Refuses to wrap the sequence number.
    pub fn decrypt_incoming(&mut self, msg: OpaqueMessage) -> Result<PlainMessage, Error> {
        let Some(dec) = self.decrypter.as_mut() else {
            return Ok(msg.into_plain_message());
        };
        let seq = self.read_seq;
        let next = next_seq(seq)?;
        let out = dec.decrypt(msg, seq)?;
        self.read_seq = next;
        Ok(out)
    }
}

/// The sequence number after `seq`, refusing to reach 2^64 - 1 (so it can never wrap).
fn next_seq(seq: u64) -> Result<u64, Error> {
    match seq.checked_add(1) {
        Some(next) if next < u64::MAX => Ok(next),
        _ => Err(Error::General("record sequence number exhausted".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::cbc::{new_decrypter, new_encrypter, DirectionKeys};
    use crate::msgs::enums::{ContentType, ProtocolVersion};
    use crate::suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA as SUITE;

    const MAC_KEY: [u8; 20] = [0x11; 20];
    const ENC_KEY: [u8; 16] = [0x22; 16];

    fn keys() -> DirectionKeys<'static> {
        DirectionKeys {
            mac_key: &MAC_KEY,
            enc_key: &ENC_KEY,
        }
    }

    fn msg(payload: &[u8]) -> PlainMessage {
        PlainMessage {
            typ: ContentType::ApplicationData,
            version: ProtocolVersion::TLSv1_2,
            payload: payload.to_vec(),
        }
    }

    /// A writer and a reader that share keys, both switched on.
    fn pair(etm: bool) -> (RecordLayer, RecordLayer) {
        let mut w = RecordLayer::new();
        w.prepare_encrypter(new_encrypter(&SUITE, keys(), etm));
        w.start_encrypting().unwrap();
        let mut r = RecordLayer::new();
        r.prepare_decrypter(new_decrypter(&SUITE, keys(), etm));
        r.start_decrypting().unwrap();
        (w, r)
    }

    #[test]
    fn passthrough_before_keys() {
        let mut rl = RecordLayer::new();
        assert!(!rl.is_encrypting() && !rl.is_decrypting());
        let out = rl.encrypt_outgoing(msg(b"hello")).unwrap();
        assert_eq!(out.payload, b"hello");
        assert_eq!(out.typ, ContentType::ApplicationData);
        let back = rl.decrypt_incoming(out).unwrap();
        assert_eq!(back, msg(b"hello"));
        // Preparing does not switch.
        rl.prepare_encrypter(new_encrypter(&SUITE, keys(), false));
        assert_eq!(rl.encrypt_outgoing(msg(b"x")).unwrap().payload, b"x");
        rl.start_encrypting().unwrap();
        assert!(rl.is_encrypting());
        assert_ne!(rl.encrypt_outgoing(msg(b"x")).unwrap().payload, b"x");
    }

    #[test]
    fn start_without_prepare_fails() {
        let mut rl = RecordLayer::new();
        assert!(matches!(rl.start_encrypting(), Err(Error::General(_))));
        assert!(matches!(rl.start_decrypting(), Err(Error::General(_))));
        // The prepared cipher is used once only.
        rl.prepare_decrypter(new_decrypter(&SUITE, keys(), false));
        rl.start_decrypting().unwrap();
        assert!(matches!(rl.start_decrypting(), Err(Error::General(_))));
    }

    #[test]
    fn sequence_numbers_advance_and_match() {
        for etm in [false, true] {
            let (mut w, mut r) = pair(etm);
            for i in 0..5u8 {
                let rec = w.encrypt_outgoing(msg(&[i; 7])).unwrap();
                assert_eq!(r.decrypt_incoming(rec).unwrap().payload, [i; 7]);
            }
            assert_eq!((w.write_seq, r.read_seq), (5, 5));
            // A record skipped (or replayed) is refused: its MAC was made with another seq.
            let _lost = w.encrypt_outgoing(msg(b"lost")).unwrap();
            let rec = w.encrypt_outgoing(msg(b"next")).unwrap();
            assert_eq!(r.decrypt_incoming(rec.clone()), Err(Error::DecryptError));
            assert_eq!(r.read_seq, 5);
        }
    }

    #[test]
    fn start_resets_sequence_numbers() {
        let (mut w, mut r) = pair(false);
        for _ in 0..3 {
            let rec = w.encrypt_outgoing(msg(b"a")).unwrap();
            r.decrypt_incoming(rec).unwrap();
        }
        w.prepare_encrypter(new_encrypter(&SUITE, keys(), false));
        w.start_encrypting().unwrap();
        r.prepare_decrypter(new_decrypter(&SUITE, keys(), false));
        r.start_decrypting().unwrap();
        assert_eq!((w.write_seq, r.read_seq), (0, 0));
        // The first record after the switch is MAC'd with seq 0: a fresh decrypter at seq 0
        // opens it.
        let rec = w.encrypt_outgoing(msg(b"b")).unwrap();
        let mut fresh = new_decrypter(&SUITE, keys(), false);
        assert_eq!(fresh.decrypt(rec.clone(), 0).unwrap().payload, b"b");
        assert_eq!(r.decrypt_incoming(rec).unwrap().payload, b"b");
    }

    #[test]
    fn sequence_number_never_wraps() {
        let (mut w, mut r) = pair(false);
        w.write_seq = u64::MAX - 2;
        r.read_seq = u64::MAX - 2;
        let rec = w.encrypt_outgoing(msg(b"last")).unwrap();
        assert_eq!(r.decrypt_incoming(rec).unwrap().payload, b"last");
        assert_eq!(w.write_seq, u64::MAX - 1);
        assert!(matches!(
            w.encrypt_outgoing(msg(b"more")),
            Err(Error::General(_))
        ));
        assert_eq!(w.write_seq, u64::MAX - 1);
        let mut enc = new_encrypter(&SUITE, keys(), false);
        let rec = enc.encrypt(&msg(b"more"), u64::MAX - 1).unwrap();
        assert!(matches!(r.decrypt_incoming(rec), Err(Error::General(_))));
    }
}
