//! Records: `TLSPlaintext` / `TLSCiphertext` (RFC 5246 6.2). (STUB: implemented by the codec work.)

use super::enums::{ContentType, ProtocolVersion};

/// RFC 5246 6.2.1: `opaque fragment[TLSPlaintext.length];` with length at most 2^14.
pub const MAX_FRAGMENT_LEN: usize = 16384;
/// RFC 5246 6.2.3: the ciphertext may be at most 2^14 + 2048 bytes.
pub const MAX_CIPHERTEXT_LEN: usize = MAX_FRAGMENT_LEN + 2048;
/// Record header: type (1), version (2), length (2).
pub const HEADER_SIZE: usize = 5;
/// The largest whole record on the wire.
pub const MAX_WIRE_SIZE: usize = HEADER_SIZE + MAX_CIPHERTEXT_LEN;
/// The largest handshake message body we accept (well above any SRP message: an 8192-bit
/// ServerKeyExchange is about 2 KiB).
pub const MAX_HANDSHAKE_SIZE: usize = 0x1_0000;

/// A record as it is on the wire (possibly encrypted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpaqueMessage {
    /// Content type from the header.
    pub typ: ContentType,
    /// Version from the header.
    pub version: ProtocolVersion,
    /// The fragment (ciphertext once keys are in use).
    pub payload: Vec<u8>,
}

impl OpaqueMessage {
    /// Header followed by payload. The payload must be at most `MAX_CIPHERTEXT_LEN` bytes.
    pub fn encode(&self) -> Vec<u8> {
        todo!()
    }
    /// Appends header and payload to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let _ = out;
        todo!()
    }
}

/// A record after decryption (or before encryption): the plaintext fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainMessage {
    /// Content type.
    pub typ: ContentType,
    /// Record version.
    pub version: ProtocolVersion,
    /// Plaintext, at most `MAX_FRAGMENT_LEN` bytes.
    pub payload: Vec<u8>,
}

impl PlainMessage {
    /// Reinterprets as an opaque message (used while no keys are in use).
    pub fn into_unencrypted_opaque(self) -> OpaqueMessage {
        OpaqueMessage { typ: self.typ, version: self.version, payload: self.payload }
    }
}

impl OpaqueMessage {
    /// Reinterprets as plaintext (used while no keys are in use).
    pub fn into_plain_message(self) -> PlainMessage {
        PlainMessage { typ: self.typ, version: self.version, payload: self.payload }
    }
}
