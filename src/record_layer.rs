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

/// One direction: the cipher in use (none: plaintext), the one prepared for the next
/// ChangeCipherSpec, and the sequence number.
struct Direction<C: ?Sized> {
    current: Option<Box<C>>,
    pending: Option<Box<C>>,
    seq: u64,
}

impl<C: ?Sized> Default for Direction<C> {
    fn default() -> Self {
        Self {
            current: None,
            pending: None,
            seq: 0,
        }
    }
}

impl<C: ?Sized> Direction<C> {
    /// ChangeCipherSpec: the prepared cipher from now on, sequence number back to 0.
    fn switch(&mut self, what: &str) -> Result<(), Error> {
        let next = self.pending.take().ok_or_else(|| {
            Error::General(format!("ChangeCipherSpec {what} with no cipher prepared"))
        })?;
        self.current = Some(next);
        self.seq = 0;
        Ok(())
    }

    /// Passes `msg` through `plain` while no cipher is in use; otherwise through `f` with
    /// the cipher and the record's sequence number, which is then advanced (refusing to
    /// wrap).
    fn process<M, T>(
        &mut self,
        msg: M,
        plain: impl FnOnce(M) -> T,
        f: impl FnOnce(&mut C, M, u64) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let Some(cipher) = self.current.as_mut() else {
            return Ok(plain(msg));
        };
        let next = next_seq(self.seq)?;
        let out = f(cipher, msg, self.seq)?;
        self.seq = next;
        Ok(out)
    }
}

/// Record protection state for both directions.
#[derive(Default)]
pub struct RecordLayer {
    write: Direction<dyn MessageEncrypter>,
    read: Direction<dyn MessageDecrypter>,
}

impl core::fmt::Debug for RecordLayer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecordLayer")
            .field("encrypting", &self.is_encrypting())
            .field("decrypting", &self.is_decrypting())
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
        self.write.pending = Some(enc);
    }
    /// Stores the decrypter that [`Self::start_decrypting`] switches to.
    pub fn prepare_decrypter(&mut self, dec: Box<dyn MessageDecrypter>) {
        self.read.pending = Some(dec);
    }
    /// After we send ChangeCipherSpec: protect from now on, sequence number back to 0.
    /// Errors with `Error::General` if nothing was prepared.
    pub fn start_encrypting(&mut self) -> Result<(), Error> {
        self.write.switch("sent")
    }
    /// After we receive ChangeCipherSpec: open from now on, sequence number back to 0.
    /// Errors with `Error::General` if nothing was prepared.
    pub fn start_decrypting(&mut self) -> Result<(), Error> {
        self.read.switch("received")
    }
    /// Whether outgoing records are protected.
    pub fn is_encrypting(&self) -> bool {
        self.write.current.is_some()
    }
    /// Whether incoming records are protected.
    pub fn is_decrypting(&self) -> bool {
        self.read.current.is_some()
    }
    /// Protects (or passes through) one record and advances the write sequence number.
    /// Refuses to wrap the sequence number.
    pub fn encrypt_outgoing(&mut self, msg: PlainMessage) -> Result<OpaqueMessage, Error> {
        self.write
            .process(msg, PlainMessage::into_unencrypted_opaque, |enc, m, seq| {
                enc.encrypt(&m, seq)
            })
    }
    /// Opens (or passes through) one record and advances the read sequence number.
    /// Refuses to wrap the sequence number.
    pub fn decrypt_incoming(&mut self, msg: OpaqueMessage) -> Result<PlainMessage, Error> {
        self.read
            .process(msg, OpaqueMessage::into_plain_message, |dec, m, seq| {
                dec.decrypt(m, seq)
            })
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
            assert_eq!((w.write.seq, r.read.seq), (5, 5));
            // A record skipped (or replayed) is refused: its MAC was made with another seq.
            let _lost = w.encrypt_outgoing(msg(b"lost")).unwrap();
            let rec = w.encrypt_outgoing(msg(b"next")).unwrap();
            assert_eq!(r.decrypt_incoming(rec.clone()), Err(Error::DecryptError));
            assert_eq!(r.read.seq, 5);
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
        assert_eq!((w.write.seq, r.read.seq), (0, 0));
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
        w.write.seq = u64::MAX - 2;
        r.read.seq = u64::MAX - 2;
        let rec = w.encrypt_outgoing(msg(b"last")).unwrap();
        assert_eq!(r.decrypt_incoming(rec).unwrap().payload, b"last");
        assert_eq!(w.write.seq, u64::MAX - 1);
        assert!(matches!(
            w.encrypt_outgoing(msg(b"more")),
            Err(Error::General(_))
        ));
        assert_eq!(w.write.seq, u64::MAX - 1);
        let mut enc = new_encrypter(&SUITE, keys(), false);
        let rec = enc.encrypt(&msg(b"more"), u64::MAX - 1).unwrap();
        assert!(matches!(r.decrypt_incoming(rec), Err(Error::General(_))));
    }
}
