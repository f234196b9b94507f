//! Records: `TLSPlaintext` / `TLSCiphertext` (RFC 5246 6.2).
//!
//! ```text
//! struct {
//!     ContentType type;                      // 1 byte
//!     ProtocolVersion version;               // 2 bytes
//!     uint16 length;                         // 2 bytes
//!     opaque fragment[TLSPlaintext.length];
//! } TLSPlaintext;
//! ```

use super::codec::Codec;
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
        let mut out = Vec::with_capacity(HEADER_SIZE.saturating_add(self.payload.len()));
        self.encode_into(&mut out);
        out
    }
    /// Appends header and payload to `out`.
    ///
    /// A payload above `MAX_CIPHERTEXT_LEN` is a bug in the caller (the record layer
    /// fragments at `MAX_FRAGMENT_LEN`): it trips a `debug_assert`. In release builds the
    /// record is still framed consistently (the payload is cut at 2^16 - 1 bytes so that
    /// the length field matches), and the peer rejects it as too large; nothing panics.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        debug_assert!(
            self.payload.len() <= MAX_CIPHERTEXT_LEN,
            "record payload of {} bytes is too large",
            self.payload.len()
        );
        let len = u16::try_from(self.payload.len()).unwrap_or(u16::MAX);
        let body = self.payload.get(..usize::from(len)).unwrap_or_default();
        out.reserve(HEADER_SIZE.saturating_add(body.len()));
        self.typ.encode(out);
        self.version.encode(out);
        len.encode(out);
        out.extend_from_slice(body);
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
        OpaqueMessage {
            typ: self.typ,
            version: self.version,
            payload: self.payload,
        }
    }
}

impl OpaqueMessage {
    /// Reinterprets as plaintext (used while no keys are in use).
    pub fn into_plain_message(self) -> PlainMessage {
        PlainMessage {
            typ: self.typ,
            version: self.version,
            payload: self.payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_header_then_payload() {
        let m = OpaqueMessage {
            typ: ContentType::Alert,
            version: ProtocolVersion::TLSv1_2,
            payload: vec![2, 40],
        };
        assert_eq!(m.encode(), [21, 3, 3, 0, 2, 2, 40]);
        let mut out = vec![0xee];
        m.encode_into(&mut out);
        assert_eq!(out, [0xee, 21, 3, 3, 0, 2, 2, 40]);
    }

    #[test]
    fn encodes_maximal_record() {
        let m = OpaqueMessage {
            typ: ContentType::ApplicationData,
            version: ProtocolVersion::TLSv1_2,
            payload: vec![7; MAX_CIPHERTEXT_LEN],
        };
        let e = m.encode();
        assert_eq!(e.len(), MAX_WIRE_SIZE);
        assert_eq!(&e[..5], &[23, 3, 3, 0x48, 0x00]);
    }

    #[test]
    fn plain_and_opaque_convert() {
        let p = PlainMessage {
            typ: ContentType::Handshake,
            version: ProtocolVersion::TLSv1_0,
            payload: vec![1],
        };
        let o = p.clone().into_unencrypted_opaque();
        assert_eq!(o.into_plain_message(), p);
    }
}
