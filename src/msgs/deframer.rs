//! Splits the incoming byte stream into records.
//!
//! The header (RFC 5246 6.2.1) is checked field by field as soon as each field has
//! arrived, so a peer that sends garbage, or announces a record larger than
//! 2^14 + 2048 bytes, is refused before we wait for (or buffer) its body.

use std::io;

use super::codec::{Codec, Reader};
use super::enums::{ContentType, ProtocolVersion};
use super::message::{OpaqueMessage, HEADER_SIZE, MAX_CIPHERTEXT_LEN, MAX_WIRE_SIZE};
use crate::error::{Error, InvalidMessage};

/// Buffers bytes from the transport and yields whole records. The buffer never holds more
/// than one maximal record plus what one `read_tls` call may add (bounded).
///
/// The storage (`MAX_WIRE_SIZE` bytes) is allocated and zeroed once, on the first read,
/// so that a peer sending one byte at a time costs a copy of that byte, not a new buffer.
#[derive(Debug, Default)]
pub struct MessageDeframer {
    /// Storage; `buf[..used]` holds the received bytes not yet popped.
    buf: Vec<u8>,
    /// How many bytes of `buf` are in use.
    used: usize,
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
        let used = self.used;
        if used >= MAX_WIRE_SIZE {
            return Err(io::Error::other("message buffer full"));
        }
        if self.buf.len() < MAX_WIRE_SIZE {
            self.buf.resize(MAX_WIRE_SIZE, 0);
        }
        let space = self.buf.get_mut(used..MAX_WIRE_SIZE).unwrap_or_default();
        let room = space.len();
        // A reader that claims more than it was given is not trusted past the space it had.
        let got = rd.read(space)?.min(room);
        self.used = used.saturating_add(got);
        Ok(got)
    }

    /// Appends bytes directly (for callers that already hold them). Errors with kind
    /// `Other`, without buffering anything, if they would not fit within `MAX_WIRE_SIZE`.
    pub fn extend(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut rd = bytes;
        if bytes.len() > MAX_WIRE_SIZE.saturating_sub(self.used) {
            return Err(io::Error::other("message buffer full"));
        }
        self.read(&mut rd)
    }

    /// Takes the next whole record from the buffer. Validates the header before looking at
    /// the body: content type must be 20..=24 (`InvalidContentType`), version major 3
    /// (`UnknownProtocolVersion`), length at most `MAX_CIPHERTEXT_LEN` (`RecordTooLarge`).
    /// `Ok(None)` when more bytes are needed.
    pub fn pop(&mut self) -> Result<Option<OpaqueMessage>, Error> {
        let pending = self.buf.get(..self.used).unwrap_or_default();
        let Some(len) = check_header(pending)? else {
            return Ok(None);
        };
        let Some(end) = HEADER_SIZE
            .checked_add(len)
            .filter(|end| *end <= pending.len())
        else {
            return Ok(None);
        };
        let mut r = Reader::init(pending);
        let typ = ContentType::read(&mut r)?;
        let version = ProtocolVersion::read(&mut r)?;
        let payload = pending.get(HEADER_SIZE..end).unwrap_or_default().to_vec();
        // Move what follows the record to the front.
        self.buf.copy_within(end..self.used, 0);
        self.used = self.used.saturating_sub(end);
        Ok(Some(OpaqueMessage {
            typ,
            version,
            payload,
        }))
    }

    /// Whether buffered bytes are waiting (a partial record).
    pub fn has_pending(&self) -> bool {
        self.used > 0
    }

    /// How many bytes are buffered.
    pub fn buffered(&self) -> usize {
        self.used
    }
}

/// Checks whatever part of a record header `buf` starts with. Returns the announced body
/// length once the whole header is there, `None` before.
fn check_header(buf: &[u8]) -> Result<Option<usize>, InvalidMessage> {
    // RFC 5246 6.2.1: `ContentType type;` (20..=23, and heartbeat(24) from RFC 6520)
    if let Some(&typ) = buf.first() {
        if !(20..=24).contains(&typ) {
            return Err(InvalidMessage::InvalidContentType);
        }
    }
    // RFC 5246 6.2.1: `ProtocolVersion version;` — any 3.x; the exact version is checked
    // by the state machine.
    if let Some(&major) = buf.get(1) {
        if major != 3 {
            return Err(InvalidMessage::UnknownProtocolVersion);
        }
    }
    // RFC 5246 6.2.3: `uint16 length;` — must not exceed 2^14 + 2048.
    let (Some(&hi), Some(&lo)) = (buf.get(3), buf.get(4)) else {
        return Ok(None);
    };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    if len > MAX_CIPHERTEXT_LEN {
        return Err(InvalidMessage::RecordTooLarge);
    }
    Ok(Some(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte per call.
    struct Trickle<'a>(&'a [u8]);

    impl io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), out.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn record(typ: u8, version: [u8; 2], body: &[u8]) -> Vec<u8> {
        let mut v = vec![typ, version[0], version[1]];
        v.extend_from_slice(&(body.len() as u16).to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn byte_at_a_time() {
        let mut wire = record(22, [3, 1], &[1, 2, 3]);
        wire.extend(record(21, [3, 3], &[2, 40]));
        wire.extend(record(23, [3, 3], &[]));
        let mut rd = Trickle(&wire);
        let mut d = MessageDeframer::new();
        let mut got = Vec::new();
        loop {
            match d.pop().unwrap() {
                Some(m) => got.push(m),
                None => {
                    if d.read(&mut rd).unwrap() == 0 {
                        break;
                    }
                }
            }
        }
        assert!(!d.has_pending());
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].typ, ContentType::Handshake);
        assert_eq!(got[0].version, ProtocolVersion::TLSv1_0);
        assert_eq!(got[0].payload, [1, 2, 3]);
        assert_eq!(got[1].typ, ContentType::Alert);
        assert_eq!(got[1].payload, [2, 40]);
        assert_eq!(got[2].typ, ContentType::ApplicationData);
        assert!(got[2].payload.is_empty());
    }

    #[test]
    fn bad_content_type_detected_from_first_byte() {
        for typ in [0u8, 19, 25, 0x80, 0xff] {
            let mut d = MessageDeframer::new();
            d.extend(&[typ]).unwrap();
            assert_eq!(
                d.pop(),
                Err(Error::InvalidMessage(InvalidMessage::InvalidContentType))
            );
        }
        for typ in 20..=24u8 {
            let mut d = MessageDeframer::new();
            d.extend(&[typ]).unwrap();
            assert_eq!(d.pop(), Ok(None));
        }
    }

    #[test]
    fn bad_version_detected_from_second_byte() {
        // An HTTP request sent to a TLS port: "GET /" fails on the content type.
        let mut d = MessageDeframer::new();
        d.extend(b"GET / HTTP/1.1\r\n").unwrap();
        assert_eq!(
            d.pop(),
            Err(Error::InvalidMessage(InvalidMessage::InvalidContentType))
        );
        for major in [0u8, 2, 4, 0x16] {
            let mut d = MessageDeframer::new();
            d.extend(&[22, major]).unwrap();
            assert_eq!(
                d.pop(),
                Err(Error::InvalidMessage(
                    InvalidMessage::UnknownProtocolVersion
                ))
            );
        }
        // Any minor version is accepted by the record layer (ClientHellos use 3.1).
        for minor in [0u8, 1, 3, 4, 0xff] {
            let mut d = MessageDeframer::new();
            d.extend(&record(22, [3, minor], &[0])).unwrap();
            assert!(d.pop().unwrap().is_some());
        }
    }

    #[test]
    fn oversize_record_refused_before_body() {
        let mut d = MessageDeframer::new();
        let len = (MAX_CIPHERTEXT_LEN + 1) as u16;
        let [hi, lo] = len.to_be_bytes();
        d.extend(&[23, 3, 3, hi, lo]).unwrap();
        assert_eq!(
            d.pop(),
            Err(Error::InvalidMessage(InvalidMessage::RecordTooLarge))
        );
        let mut d = MessageDeframer::new();
        d.extend(&[23, 3, 3, 0xff, 0xff]).unwrap();
        assert_eq!(
            d.pop(),
            Err(Error::InvalidMessage(InvalidMessage::RecordTooLarge))
        );
    }

    #[test]
    fn maximal_record_accepted() {
        let body = vec![0x5a; MAX_CIPHERTEXT_LEN];
        let wire = record(23, [3, 3], &body);
        assert_eq!(wire.len(), MAX_WIRE_SIZE);
        let mut d = MessageDeframer::new();
        let mut rd: &[u8] = &wire;
        while d.pop().unwrap().is_none() {
            assert!(d.read(&mut rd).unwrap() > 0);
        }
        assert!(!d.has_pending());
    }

    #[test]
    fn buffer_never_exceeds_one_maximal_record() {
        // An endless stream of valid small records that nobody pops.
        let one = record(23, [3, 3], &[0; 100]);
        let stream: Vec<u8> = one
            .iter()
            .copied()
            .cycle()
            .take(4 * MAX_WIRE_SIZE)
            .collect();
        let mut rd: &[u8] = &stream;
        let mut d = MessageDeframer::new();
        loop {
            match d.read(&mut rd) {
                Ok(n) => assert!(n > 0),
                Err(e) => {
                    assert_eq!(e.kind(), io::ErrorKind::Other);
                    break;
                }
            }
            assert!(d.buffered() <= MAX_WIRE_SIZE);
        }
        assert_eq!(d.buffered(), MAX_WIRE_SIZE);
        // Popping makes room again.
        assert!(d.pop().unwrap().is_some());
        assert_eq!(d.read(&mut rd).unwrap(), one.len());
        assert!(d.extend(&[0; 1]).is_err());
    }

    #[test]
    fn lying_reader_cannot_overflow() {
        struct Liar;
        impl io::Read for Liar {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Ok(usize::MAX)
            }
        }
        let mut d = MessageDeframer::new();
        assert_eq!(d.read(&mut Liar).unwrap(), MAX_WIRE_SIZE);
        assert_eq!(d.buffered(), MAX_WIRE_SIZE);
    }

    #[test]
    fn read_error_leaves_buffer_unchanged() {
        struct Fail;
        impl io::Read for Fail {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
        let mut d = MessageDeframer::new();
        d.extend(&[22, 3]).unwrap();
        assert_eq!(
            d.read(&mut Fail).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        assert_eq!(d.buffered(), 2);
    }
}
