//! Reassembles handshake messages from handshake records: one message may span several
//! records, and one record may hold several messages (RFC 5246 6.2.1).

use super::codec::Codec;
use super::handshake::HandshakeMessagePayload;
use super::message::MAX_HANDSHAKE_SIZE;
use crate::error::{Error, InvalidMessage};

/// RFC 5246 7.4: `HandshakeType msg_type; uint24 length;`
const HANDSHAKE_HEADER_SIZE: usize = 4;

/// Handshake reassembly buffer. Holds at most one partial message of at most
/// `4 + MAX_HANDSHAKE_SIZE` bytes (checked from the header as soon as it has arrived).
#[derive(Debug, Default)]
pub struct HandshakeJoiner {
    buf: Vec<u8>,
    /// TLS 1.3: messages whose TLS 1.2 body format differs (NewSessionTicket) are kept as
    /// `Unknown` for the TLS 1.3 states to read.
    pub(crate) tls13: bool,
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
        if fragment.is_empty() {
            return Err(InvalidMessage::EmptyFragment.into());
        }
        self.buf.extend_from_slice(fragment);
        // Walk the buffered messages: every header that has arrived must announce an
        // acceptable size, whether or not its body is complete.
        let mut at = 0usize;
        while let Some(len) = body_len(self.buf.get(at..).unwrap_or_default()) {
            if len > MAX_HANDSHAKE_SIZE {
                return Err(InvalidMessage::HandshakeMessageTooLarge.into());
            }
            at = at.saturating_add(HANDSHAKE_HEADER_SIZE).saturating_add(len);
        }
        Ok(())
    }

    /// The next whole message, decoded, together with its exact bytes as received
    /// (header included) for the transcript. `Ok(None)` if no whole message is buffered.
    pub fn pop(&mut self) -> Result<Option<(HandshakeMessagePayload, Vec<u8>)>, Error> {
        let Some(len) = body_len(&self.buf) else {
            return Ok(None);
        };
        if len > MAX_HANDSHAKE_SIZE {
            return Err(InvalidMessage::HandshakeMessageTooLarge.into());
        }
        let end = HANDSHAKE_HEADER_SIZE.saturating_add(len);
        if self.buf.len() < end {
            return Ok(None);
        }
        let bytes: Vec<u8> = self.buf.drain(..end).collect();
        if self.buf.is_empty() {
            // Handshake messages come in a few flights: keep no storage in between (an
            // established connection would otherwise hold its largest flight's size).
            self.buf = Vec::new();
        }
        let msg = match (self.tls13, bytes[0]) {
            (true, 4) => HandshakeMessagePayload {
                typ: super::enums::HandshakeType::NewSessionTicket,
                payload: super::handshake::HandshakePayload::Unknown {
                    typ: super::enums::HandshakeType::NewSessionTicket,
                    payload: bytes[HANDSHAKE_HEADER_SIZE..].to_vec(),
                },
            },
            _ => HandshakeMessagePayload::read_bytes(&bytes)?,
        };
        Ok(Some((msg, bytes)))
    }

    /// Whether nothing is buffered (must be true at a ChangeCipherSpec).
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// The body length announced by the header at the start of `buf`, once all four header
/// bytes are there.
fn body_len(buf: &[u8]) -> Option<usize> {
    match buf {
        [_typ, a, b, c, ..] => Some(usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::HandshakeType;
    use crate::msgs::handshake::{CertificatePayload, HandshakePayload};

    fn msg(typ: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![typ];
        v.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn message_split_over_many_records() {
        let body: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        let wire = msg(12, &body);
        let mut j = HandshakeJoiner::new();
        // One byte, then uneven pieces, including one that splits the header.
        let cuts = [1usize, 2, 3, 100, 1000, 2999, wire.len()];
        let mut from = 0;
        for &to in &cuts {
            j.push(&wire[from..to]).unwrap();
            from = to;
            if to < wire.len() {
                assert_eq!(j.pop().unwrap(), None);
                assert!(!j.is_empty());
            }
        }
        let (m, bytes) = j.pop().unwrap().unwrap();
        assert_eq!(m.typ, HandshakeType::ServerKeyExchange);
        assert_eq!(m.payload, HandshakePayload::ServerKeyExchange(body));
        assert_eq!(bytes, wire);
        assert!(j.is_empty());
        assert_eq!(j.pop().unwrap(), None);
    }

    #[test]
    fn byte_per_record() {
        let wire = msg(20, &[0x5a; 12]);
        let mut j = HandshakeJoiner::new();
        for (i, b) in wire.iter().enumerate() {
            assert_eq!(j.pop().unwrap(), None, "at {i}");
            j.push(&[*b]).unwrap();
        }
        let (m, bytes) = j.pop().unwrap().unwrap();
        assert_eq!(m.payload, HandshakePayload::Finished(vec![0x5a; 12]));
        assert_eq!(bytes, wire);
    }

    #[test]
    fn several_messages_in_one_record() {
        let a = msg(14, &[]);
        let b = msg(20, &[1; 12]);
        let c = msg(11, &[0, 0, 0]);
        let d = msg(16, &[0, 1, 9]);
        let mut rec = [a.clone(), b.clone(), c.clone()].concat();
        rec.extend_from_slice(&d[..2]);
        let mut j = HandshakeJoiner::new();
        j.push(&rec).unwrap();
        let got: Vec<_> = std::iter::from_fn(|| j.pop().unwrap()).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0],
            (
                HandshakeMessagePayload::new(HandshakePayload::ServerHelloDone),
                a
            )
        );
        assert_eq!(got[1].1, b);
        assert_eq!(
            got[2].0.payload,
            HandshakePayload::Certificate(CertificatePayload { certs: Vec::new() })
        );
        assert_eq!(got[2].1, c);
        assert!(!j.is_empty(), "the start of the fourth is kept");
        j.push(&d[2..]).unwrap();
        let (m, bytes) = j.pop().unwrap().unwrap();
        assert_eq!(
            m.payload,
            HandshakePayload::ClientKeyExchange(vec![0, 1, 9])
        );
        assert_eq!(bytes, d);
        assert!(j.is_empty());
    }

    #[test]
    fn oversize_announcement_refused_at_once() {
        let too_big = (MAX_HANDSHAKE_SIZE as u32 + 1).to_be_bytes();
        let mut j = HandshakeJoiner::new();
        assert_eq!(
            j.push(&[1, too_big[1], too_big[2], too_big[3]]),
            Err(Error::InvalidMessage(
                InvalidMessage::HandshakeMessageTooLarge
            ))
        );
        // Header split across records: refused when its last byte arrives.
        let mut j = HandshakeJoiner::new();
        j.push(&[1, 0xff]).unwrap();
        j.push(&[0xff]).unwrap();
        assert_eq!(
            j.push(&[0xff]),
            Err(Error::InvalidMessage(
                InvalidMessage::HandshakeMessageTooLarge
            ))
        );
        // Behind a whole message in the same record.
        let mut j = HandshakeJoiner::new();
        let mut rec = msg(14, &[]);
        rec.extend_from_slice(&[2, 0xff, 0xff, 0xff]);
        assert_eq!(
            j.push(&rec),
            Err(Error::InvalidMessage(
                InvalidMessage::HandshakeMessageTooLarge
            ))
        );
        // Exactly the cap is accepted.
        let mut j = HandshakeJoiner::new();
        let max = (MAX_HANDSHAKE_SIZE as u32).to_be_bytes();
        j.push(&[12, max[1], max[2], max[3]]).unwrap();
        for chunk in vec![0u8; MAX_HANDSHAKE_SIZE].chunks(16384) {
            j.push(chunk).unwrap();
        }
        let (m, bytes) = j.pop().unwrap().unwrap();
        assert_eq!(bytes.len(), 4 + MAX_HANDSHAKE_SIZE);
        assert_eq!(m.typ, HandshakeType::ServerKeyExchange);
    }

    #[test]
    fn empty_fragment_refused() {
        let mut j = HandshakeJoiner::new();
        assert_eq!(
            j.push(&[]),
            Err(Error::InvalidMessage(InvalidMessage::EmptyFragment))
        );
    }

    #[test]
    fn malformed_body_is_an_error() {
        let mut j = HandshakeJoiner::new();
        j.push(&msg(14, &[0])).unwrap();
        assert_eq!(
            j.pop(),
            Err(Error::InvalidMessage(InvalidMessage::TrailingData(
                "ServerHelloDone"
            )))
        );
    }
}
