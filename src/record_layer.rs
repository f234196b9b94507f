//! Sequence numbers and the switch from plaintext to protected records. (STUB: implemented
//! by the record-layer work.)

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
    pub fn start_encrypting(&mut self) -> Result<(), Error> {
        todo!()
    }
    /// After we receive ChangeCipherSpec: open from now on, sequence number back to 0.
    /// Errors with `Error::General` if nothing was prepared.
    pub fn start_decrypting(&mut self) -> Result<(), Error> {
        todo!()
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
        let _ = (msg, self.write_seq);
        todo!()
    }
    /// Opens (or passes through) one record and advances the read sequence number.
    pub fn decrypt_incoming(&mut self, msg: OpaqueMessage) -> Result<PlainMessage, Error> {
        let _ = (msg, self.read_seq);
        todo!()
    }
}
