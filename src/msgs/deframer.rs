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
/// # Memory
///
/// An idle connection should not pin a record-sized buffer, and a busy one should not
/// allocate per record. So:
///
/// - the storage is allocated (zeroed) on demand: [`SMALL_BUF`] bytes at first, grown
///   once to `MAX_WIRE_SIZE` when a record's header announces more than that, or when
///   the buffered bytes fill it;
/// - when every record has been popped and nothing else is buffered, the storage is
///   released; a read that fails (`WouldBlock`) or hits EOF with nothing buffered
///   releases it too. While it holds a partial record it is kept, so a bulk transfer,
///   whose reads seldom end exactly on a record boundary, keeps one buffer;
/// - a large buffer left holding only a few bytes of a partial record after a read that
///   did not fill it (the transport ran dry) is cut back to [`SMALL_BUF`].
///
/// A peer sending one byte at a time costs a copy of that byte, not a new buffer (partial
/// data keeps the buffer); a peer sending small complete records, each in its own read,
/// costs one small allocation per read.
#[derive(Debug, Default)]
pub struct MessageDeframer {
    /// Storage; `buf[..used]` holds the received bytes not yet popped. Its length is 0,
    /// `SMALL_BUF` or `MAX_WIRE_SIZE`.
    buf: Vec<u8>,
    /// How many bytes of `buf` are in use.
    used: usize,
    /// The last read filled all the room it had: more data is probably waiting, so a
    /// large buffer holding a partial record is not cut back.
    busy: bool,
}

/// Size of the storage when it is (re)allocated for a read: holds the records of a
/// handshake flight and small application data without growing.
pub const SMALL_BUF: usize = 4096;

impl MessageDeframer {
    /// A new, empty deframer. Allocates nothing until the first read.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes room for at least `min_room` more bytes (within `MAX_WIRE_SIZE`), and for
    /// the whole record being received once its header has arrived.
    fn grow(&mut self, min_room: usize) {
        let len = self.buf.len();
        let pending = self.buf.get(..self.used).unwrap_or_default();
        // A malformed header is reported by `pop`; here it only means no record end.
        let record_end = check_header(pending)
            .ok()
            .flatten()
            .map_or(0, |l| HEADER_SIZE.saturating_add(l));
        let mut want = if len == 0 { SMALL_BUF } else { len };
        if self.used.saturating_add(min_room) > want || record_end > want {
            want = MAX_WIRE_SIZE;
        }
        if want > len {
            self.buf.resize(want, 0);
        }
    }

    /// Frees the storage if nothing is buffered.
    fn release_if_empty(&mut self) {
        if self.used == 0 && self.buf.capacity() > 0 {
            self.buf = Vec::new();
        }
    }

    /// Whether storage is allocated (for tests and memory accounting).
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Reads from `rd` into the buffer: at most enough to complete a maximal record
    /// (never grows past `MAX_WIRE_SIZE` bytes of buffered data). Returns the number of
    /// bytes read (0 means EOF). Returns an error of kind `Other` if the buffer is full.
    pub fn read(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        let used = self.used;
        if used >= MAX_WIRE_SIZE {
            return Err(io::Error::other("message buffer full"));
        }
        self.grow(1);
        let space = self.buf.get_mut(used..).unwrap_or_default();
        let room = space.len();
        // A reader that claims more than it was given is not trusted past the space it had.
        let got = match rd.read(space) {
            Ok(n) => n.min(room),
            Err(e) => {
                // Typically `WouldBlock`: nothing is waiting, do not keep a buffer for it.
                self.busy = false;
                self.release_if_empty();
                return Err(e);
            }
        };
        self.used = used.saturating_add(got);
        self.busy = got > 0 && got == room;
        self.release_if_empty();
        Ok(got)
    }

    /// Appends bytes directly (for callers that already hold them). Errors with kind
    /// `Other`, without buffering anything, if they would not fit within `MAX_WIRE_SIZE`.
    pub fn extend(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut rd = bytes;
        if bytes.len() > MAX_WIRE_SIZE.saturating_sub(self.used) {
            return Err(io::Error::other("message buffer full"));
        }
        if bytes.is_empty() {
            return Ok(0);
        }
        self.grow(bytes.len());
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
        self.release_if_empty();
        if !self.busy && self.used > 0 && self.used <= SMALL_BUF / 2 && self.buf.len() > SMALL_BUF {
            // The transport ran dry after a large record: keep no more than the rest needs.
            self.buf.truncate(SMALL_BUF);
            self.buf.shrink_to_fit();
        }
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
        // The first read gets the small buffer, the next one the rest of a maximal one.
        assert_eq!(d.read(&mut Liar).unwrap(), SMALL_BUF);
        assert_eq!(d.read(&mut Liar).unwrap(), MAX_WIRE_SIZE - SMALL_BUF);
        assert_eq!(d.buffered(), MAX_WIRE_SIZE);
        assert!(d.read(&mut Liar).is_err());
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

    /// A reader that hands out its bytes, then fails with `WouldBlock` (a drained socket).
    struct Socket<'a>(&'a [u8]);

    impl io::Read for Socket<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = out.len().min(self.0.len());
            let (head, rest) = self.0.split_at(n);
            out[..n].copy_from_slice(head);
            self.0 = rest;
            Ok(n)
        }
    }

    fn drain(d: &mut MessageDeframer) -> Vec<OpaqueMessage> {
        let mut out = Vec::new();
        while let Some(m) = d.pop().unwrap() {
            out.push(m);
        }
        out
    }

    #[test]
    fn storage_released_when_idle() {
        let mut d = MessageDeframer::new();
        assert_eq!(d.capacity(), 0);
        // A small record read whole: popped, then nothing is kept.
        let small = record(23, [3, 3], &[7; 100]);
        assert_eq!(d.read(&mut Socket(&small)).unwrap(), small.len());
        assert!(d.capacity() >= SMALL_BUF);
        assert_eq!(drain(&mut d).len(), 1);
        assert_eq!(d.capacity(), 0);
        // A read that would block, with nothing buffered, keeps nothing either.
        let e = d.read(&mut Socket(&[])).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        assert_eq!(d.capacity(), 0);
        // A maximal record grows the storage; once consumed, it is released.
        let big = record(23, [3, 3], &vec![9; MAX_CIPHERTEXT_LEN]);
        let mut sock = Socket(&big);
        while d.buffered() < big.len() {
            assert!(d.read(&mut sock).unwrap() > 0);
        }
        assert!(d.capacity() >= MAX_WIRE_SIZE);
        let got = drain(&mut d);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].payload.len(), MAX_CIPHERTEXT_LEN);
        assert_eq!(d.capacity(), 0);
        // EOF with nothing buffered.
        assert_eq!(d.read(&mut &[][..]).unwrap(), 0);
        assert_eq!(d.capacity(), 0);
    }

    #[test]
    fn partial_record_keeps_storage_but_a_large_buffer_shrinks() {
        // A maximal record followed by 3 bytes of the next header, then the socket is dry.
        let mut wire = record(23, [3, 3], &vec![1; 16 * 1024 + 48]);
        let next = record(21, [3, 3], &[2, 40]);
        wire.extend_from_slice(&next[..3]);
        let mut d = MessageDeframer::new();
        let mut sock = Socket(&wire);
        while d.buffered() < wire.len() {
            assert!(d.read(&mut sock).unwrap() > 0);
        }
        assert!(d.read(&mut sock).is_err());
        assert_eq!(drain(&mut d).len(), 1);
        assert_eq!(d.buffered(), 3);
        assert!(d.capacity() >= 3 && d.capacity() <= SMALL_BUF);
        // The rest arrives: the record comes out intact.
        d.extend(&next[3..]).unwrap();
        let got = drain(&mut d);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].payload, [2, 40]);
        assert_eq!(d.capacity(), 0);
    }

    #[test]
    fn bulk_reads_keep_storage() {
        // A stream of records that does not fit one read: every read ends inside a
        // record, so the storage is never emptied and never reallocated until the end.
        for body in [1000usize, 16 * 1024 + 48] {
            let one = record(23, [3, 3], &vec![3; body]);
            let count = 40;
            let stream: Vec<u8> = one
                .iter()
                .copied()
                .cycle()
                .take(one.len() * count)
                .collect();
            let mut sock = Socket(&stream);
            let mut d = MessageDeframer::new();
            let mut n = 0;
            let mut storage = None;
            let mut reallocations = 0;
            while n < count {
                if d.read(&mut sock).is_err() {
                    break;
                }
                n += drain(&mut d).len();
                if d.buffered() > 0 {
                    let p = d.buf.as_ptr();
                    if storage.is_some_and(|q| q != p) {
                        reallocations += 1;
                    }
                    storage = Some(p);
                }
            }
            assert_eq!(n, count);
            // At most the one growth from the small buffer to a maximal one.
            assert!(
                reallocations <= 1,
                "body {body}: {reallocations} reallocations"
            );
            assert_eq!(d.capacity(), 0);
        }
    }
}
