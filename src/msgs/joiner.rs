//! Reassembles handshake messages from handshake records: one message may span several
//! records, and one record may hold several messages. (STUB: implemented by the codec work.)

use super::handshake::HandshakeMessagePayload;
use crate::error::Error;

/// Handshake reassembly buffer. Holds at most one partial message of at most
/// `4 + MAX_HANDSHAKE_SIZE` bytes (checked from the header as soon as it has arrived).
#[derive(Debug, Default)]
pub struct HandshakeJoiner {
    buf: Vec<u8>,
}

impl HandshakeJoiner {
    /// A new, empty joiner.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the payload of one handshake record. Errors with `HandshakeMessageTooLarge`
    /// as soon as a header announces a body above `MAX_HANDSHAKE_SIZE`, and with
    /// `EmptyFragment` for an empty payload.
    pub fn push(&mut self, fragment: &[u8]) -> Result<(), Error> {
        let _ = fragment;
        todo!()
    }

    /// The next whole message, decoded, together with its exact bytes as received
    /// (header included) for the transcript. `Ok(None)` if no whole message is buffered.
    pub fn pop(&mut self) -> Result<Option<(HandshakeMessagePayload, Vec<u8>)>, Error> {
        let _ = &self.buf;
        todo!()
    }

    /// Whether nothing is buffered (must be true at a ChangeCipherSpec).
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}
