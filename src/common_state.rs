//! What both roles share while a connection runs, in two parts: [`RecordIo`], the record
//! layer and the byte queues on either side of it, and [`Negotiated`], the facts the
//! handshake agreed. Role-only facts (the server's username, say) live with the role.

use crate::crypto::prf::Transcript;
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::alert::AlertMessagePayload;
use crate::msgs::codec::Codec;
use crate::msgs::enums::{AlertDescription, AlertLevel, ContentType, ProtocolVersion};
use crate::msgs::handshake::{HandshakeMessagePayload, HandshakePayload};
use crate::msgs::message::{PlainMessage, MAX_FRAGMENT_LEN};
use crate::record_layer::RecordLayer;
use crate::suites::SupportedCipherSuite;
use crate::tls12::ConnectionSecrets;
use crate::vecbuf::ChunkVecBuffer;

/// How much plaintext we buffer (received but unread, or written before it can be sent)
/// before refusing more: back-pressure instead of unbounded memory.
pub(crate) const DEFAULT_BUFFER_LIMIT: usize = 64 * 1024;

/// A peer may send this many warning alerts, empty records or refused renegotiations in a
/// row before we give up on it.
const MAX_WARNINGS_IN_A_ROW: u32 = 16;

/// The record layer and the queues around it: what we send (whole records for
/// `write_tls`, a handshake flight being built, plaintext written before the handshake
/// completed), what we received (plaintext for the reader), and the state of both
/// directions.
#[derive(Debug)]
pub(crate) struct RecordIo {
    pub(crate) record_layer: RecordLayer,
    pub(crate) sendable_tls: ChunkVecBuffer,
    pub(crate) received_plaintext: ChunkVecBuffer,
    sendable_plaintext: ChunkVecBuffer,
    /// Handshake bytes of the flight being built; cut into records by `flush_handshake`.
    pending_handshake: Vec<u8>,
    /// Record version for what we send: TLS 1.0 for the ClientHello, TLS 1.2 afterwards.
    pub(crate) record_version: ProtocolVersion,
    pub(crate) may_send_application_data: bool,
    pub(crate) may_receive_application_data: bool,
    pub(crate) has_received_close_notify: bool,
    pub(crate) has_sent_close_notify: bool,
    pub(crate) has_seen_eof: bool,
    pub(crate) sent_fatal_alert: bool,
    warnings_in_a_row: u32,
    pub(crate) buffer_limit: usize,
    /// The handshake is TLS 1.3 (PAKE): ChangeCipherSpec is a compatibility no-op, alerts
    /// may come in plaintext until the peer has keys, messages are TLS 1.3's.
    pub(crate) tls13: bool,
    /// A TLS 1.3 compatibility ChangeCipherSpec was received (at most one is allowed).
    pub(crate) tls13_ccs_seen: bool,
}

impl Default for RecordIo {
    fn default() -> Self {
        Self {
            record_layer: RecordLayer::new(),
            sendable_tls: ChunkVecBuffer::default(),
            received_plaintext: ChunkVecBuffer::default(),
            sendable_plaintext: ChunkVecBuffer::default(),
            pending_handshake: Vec::new(),
            record_version: ProtocolVersion::TLSv1_2,
            may_send_application_data: false,
            may_receive_application_data: false,
            has_received_close_notify: false,
            has_sent_close_notify: false,
            has_seen_eof: false,
            sent_fatal_alert: false,
            warnings_in_a_row: 0,
            buffer_limit: DEFAULT_BUFFER_LIMIT,
            tls13: false,
            tls13_ccs_seen: false,
        }
    }
}

impl RecordIo {
    /// Queues a handshake message as part of the current flight.
    pub(crate) fn queue_handshake(&mut self, encoded: &[u8]) {
        self.pending_handshake.extend_from_slice(encoded);
    }

    /// Encodes `payload`, adds it to `transcript` and queues it in the current flight.
    pub(crate) fn emit(&mut self, transcript: &mut Transcript, payload: HandshakePayload) {
        let bytes = HandshakeMessagePayload::new(payload).get_encoding();
        transcript.add(&bytes);
        self.queue_handshake(&bytes);
    }

    /// Cuts the queued flight into records and queues them.
    pub(crate) fn flush_handshake(&mut self) -> Result<(), Error> {
        let hs = core::mem::take(&mut self.pending_handshake);
        for chunk in hs.chunks(MAX_FRAGMENT_LEN) {
            self.send_record(ContentType::Handshake, chunk.to_vec())?;
        }
        Ok(())
    }

    /// Sends ChangeCipherSpec (after the flight so far) and switches to the prepared write
    /// keys.
    pub(crate) fn send_ccs(&mut self) -> Result<(), Error> {
        self.flush_handshake()?;
        self.send_record(ContentType::ChangeCipherSpec, vec![1])?;
        self.record_layer.start_encrypting()
    }

    /// TLS 1.3 middlebox compatibility (RFC 8446 D.4): the flight so far, then an
    /// unprotected ChangeCipherSpec record, whatever keys are in use.
    pub(crate) fn send_plain_ccs(&mut self) -> Result<(), Error> {
        self.flush_handshake()?;
        let ccs = PlainMessage {
            typ: ContentType::ChangeCipherSpec,
            version: ProtocolVersion::TLSv1_2,
            payload: vec![1],
        };
        self.sendable_tls
            .append(ccs.into_unencrypted_opaque().encode());
        Ok(())
    }

    fn send_record(&mut self, typ: ContentType, payload: Vec<u8>) -> Result<(), Error> {
        let plain = PlainMessage {
            typ,
            version: self.record_version,
            payload,
        };
        let opaque = self.record_layer.encrypt_outgoing(plain)?;
        self.sendable_tls.append(opaque.encode());
        Ok(())
    }

    pub(crate) fn send_alert(&mut self, level: AlertLevel, description: AlertDescription) {
        let payload = AlertMessagePayload { level, description }.get_encoding();
        // Best effort: if this fails there is nothing better to do.
        let _ = self.send_record(ContentType::Alert, payload);
    }

    /// Sends a warning alert (used for no_renegotiation).
    pub(crate) fn send_warning(&mut self, description: AlertDescription) {
        self.send_alert(AlertLevel::Warning, description);
    }

    /// Counts one tolerated nuisance from the peer (warning, empty record, renegotiation
    /// request); too many in a row end the connection.
    pub(crate) fn count_warning(&mut self) -> Result<(), Error> {
        self.warnings_in_a_row += 1;
        if self.warnings_in_a_row > MAX_WARNINGS_IN_A_ROW {
            return Err(PeerMisbehaved::TooManyWarningsOrEmptyRecords.into());
        }
        Ok(())
    }

    /// Something useful arrived: the count of nuisances in a row starts again.
    pub(crate) fn reset_warnings(&mut self) {
        self.warnings_in_a_row = 0;
    }

    /// The handshake is over: application data may flow, buffered plaintext is sent.
    pub(crate) fn start_traffic(&mut self) -> Result<(), Error> {
        self.may_send_application_data = true;
        self.may_receive_application_data = true;
        while !self.sendable_plaintext.is_empty() {
            let mut buf = vec![0u8; self.sendable_plaintext.len().min(MAX_FRAGMENT_LEN)];
            let n = self.sendable_plaintext.read(&mut buf);
            buf.truncate(n);
            self.send_record(ContentType::ApplicationData, buf)?;
        }
        Ok(())
    }

    /// Takes plaintext to send (at most the buffer limit in flight; before the handshake
    /// completes it is kept until then), from several buffers: each record is filled from as
    /// many of them as fit (up to 2^14 bytes), so small buffers (headers, then a body) do not
    /// each become a record.
    pub(crate) fn send_plaintext_vectored(
        &mut self,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Result<usize, Error> {
        if self.has_sent_close_notify {
            return Err(Error::ConnectionClosed);
        }
        let queued = self.sendable_tls.len() + self.sendable_plaintext.len();
        let room = self.buffer_limit.saturating_sub(queued);
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let take = total.min(room);
        let mut left = take;
        let mut record = Vec::with_capacity(take.min(MAX_FRAGMENT_LEN));
        for buf in bufs {
            let mut buf: &[u8] = buf;
            while !buf.is_empty() && left > 0 {
                let n = buf.len().min(left).min(MAX_FRAGMENT_LEN - record.len());
                record.extend_from_slice(&buf[..n]);
                buf = &buf[n..];
                left -= n;
                if record.len() == MAX_FRAGMENT_LEN {
                    let full = core::mem::replace(
                        &mut record,
                        Vec::with_capacity(left.min(MAX_FRAGMENT_LEN)),
                    );
                    self.queue_plaintext(full)?;
                }
            }
        }
        if !record.is_empty() {
            self.queue_plaintext(record)?;
        }
        Ok(take)
    }

    /// One record's worth of plaintext: sent now, or kept until the handshake completes.
    fn queue_plaintext(&mut self, record: Vec<u8>) -> Result<(), Error> {
        match self.may_send_application_data {
            true => self.send_record(ContentType::ApplicationData, record),
            false => {
                self.sendable_plaintext.append(record);
                Ok(())
            }
        }
    }
}

/// What the handshake agreed, as far as it has got.
#[derive(Debug, Default)]
pub(crate) struct Negotiated {
    pub(crate) suite: Option<&'static SupportedCipherSuite>,
    pub(crate) extended_master_secret: bool,
    pub(crate) encrypt_then_mac: bool,
    pub(crate) alpn_protocol: Option<Vec<u8>>,
    pub(crate) srp_group_bits: Option<u32>,
    /// Secrets kept for exporters (zeroized on drop).
    pub(crate) secrets: Option<ConnectionSecrets>,
    /// Full or abbreviated, once the ServerHello is sent or received.
    pub(crate) handshake_kind: Option<HandshakeKind>,
    /// TLS 1.3 (PAKE): the suite, once chosen.
    pub(crate) tls13_suite: Option<crate::tls13::Tls13CipherSuite>,
    /// TLS 1.3 (PAKE): the exporter master secret, once the handshake is done.
    pub(crate) exporter13: Option<crate::tls13::key_schedule::Exporter>,
}

/// Which kind of handshake a connection made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandshakeKind {
    /// A full SRP handshake (ServerKeyExchange, ClientKeyExchange, SRP arithmetic).
    Full,
    /// An abbreviated handshake resuming an earlier session (RFC 5246 7.3): no SRP
    /// arithmetic, keys from the earlier session's master secret and fresh randoms.
    Resumed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectored_plaintext_fills_records_from_several_buffers() {
        let mut io = RecordIo {
            may_send_application_data: true,
            ..RecordIo::default()
        };
        let head = [1u8; 100];
        let body = [2u8; 20_000];
        let n = io
            .send_plaintext_vectored(&[std::io::IoSlice::new(&head), std::io::IoSlice::new(&body)])
            .unwrap();
        assert_eq!(n, 20_100);
        // Two records (plaintext here): 16384 bytes from both buffers, then the rest.
        let mut wire = vec![0u8; io.sendable_tls.len()];
        io.sendable_tls.read(&mut wire);
        assert_eq!(wire.len(), 2 * 5 + 20_100);
        assert_eq!(&wire[..5], &[23, 3, 3, 0x40, 0x00]);
        assert_eq!(&wire[5..105], &head[..]);
        assert_eq!(&wire[5 + 16384..5 + 16384 + 5], &[23, 3, 3, 0x0e, 0x84]);
        // Before the handshake completes, the same records wait.
        let mut early = RecordIo::default();
        early
            .send_plaintext_vectored(&[std::io::IoSlice::new(b"ab"), std::io::IoSlice::new(b"c")])
            .unwrap();
        assert!(early.sendable_tls.is_empty());
        early.start_traffic().unwrap();
        let mut wire = vec![0u8; early.sendable_tls.len()];
        early.sendable_tls.read(&mut wire);
        assert_eq!(wire, [23, 3, 3, 0, 3, b'a', b'b', b'c']);
    }
}
