//! Splits the incoming byte stream into records. (STUB: implemented by the codec work.)

use std::io;

use super::message::OpaqueMessage;
use crate::error::Error;

/// Buffers bytes from the transport and yields whole records. The buffer never holds more
/// than one maximal record plus what one `read_tls` call may add (bounded).
#[derive(Debug, Default)]
pub struct MessageDeframer {
    buf: Vec<u8>,
}

impl MessageDeframer {
    /// A new, empty deframer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads from `rd` into the buffer: at most enough to complete a maximal record
    /// (never grows past `MAX_WIRE_SIZE` bytes of buffered data). Returns the number of
    /// bytes read (0 means EOF). Returns an error of kind `Other` if the buffer is full.
    pub fn read(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        let _ = rd;
        todo!()
    }

    /// Takes the next whole record from the buffer. Validates the header before looking at
    /// the body: content type must be 20..=24 (`InvalidContentType`), version major 3
    /// (`UnknownProtocolVersion`), length at most `MAX_CIPHERTEXT_LEN` (`RecordTooLarge`).
    /// `Ok(None)` when more bytes are needed.
    pub fn pop(&mut self) -> Result<Option<OpaqueMessage>, Error> {
        let _ = &self.buf;
        todo!()
    }

    /// Whether buffered bytes are waiting (a partial record).
    pub fn has_pending(&self) -> bool {
        !self.buf.is_empty()
    }
}
