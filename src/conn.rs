//! The sans-IO connection shared by both roles.
//!
//! Bytes from the peer go in with [`ConnectionCommon::read_tls`], are turned into records by
//! the deframer, opened by the record layer, and dispatched: handshake messages (reassembled
//! by the joiner) and ChangeCipherSpec to the handshake state machine of the role, alerts
//! and application data here. Everything we send is queued as whole records for
//! [`ConnectionCommon::write_tls`].
//!
//! Errors are sticky: the first one is kept, its alert (if any) is queued once, and every
//! later call to `process_new_packets` returns it again.

use std::collections::VecDeque;
use std::io;

use crate::error::{Error, InvalidMessage, PeerMisbehaved};
use crate::msgs::alert::AlertMessagePayload;
use crate::msgs::codec::Codec;
use crate::msgs::deframer::MessageDeframer;
use crate::msgs::enums::{AlertDescription, AlertLevel, CipherSuite, ContentType, ProtocolVersion};
use crate::msgs::handshake::HandshakeMessagePayload;
use crate::msgs::joiner::HandshakeJoiner;
use crate::msgs::message::{PlainMessage, MAX_FRAGMENT_LEN};
use crate::record_layer::RecordLayer;
use crate::suites::SupportedCipherSuite;

/// How much plaintext we buffer (received but unread, or written before it can be sent)
/// before refusing more: back-pressure instead of unbounded memory.
pub(crate) const DEFAULT_BUFFER_LIMIT: usize = 64 * 1024;

/// A peer may send this many warning alerts, empty records or refused renegotiations in a
/// row before we give up on it.
const MAX_WARNINGS_IN_A_ROW: u32 = 16;

/// What [`ConnectionCommon::process_new_packets`] left for the caller to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoState {
    tls_bytes_to_write: usize,
    plaintext_bytes_to_read: usize,
    peer_has_closed: bool,
}

impl IoState {
    /// Bytes waiting for [`ConnectionCommon::write_tls`].
    pub fn tls_bytes_to_write(&self) -> usize {
        self.tls_bytes_to_write
    }
    /// Plaintext bytes waiting in [`ConnectionCommon::reader`].
    pub fn plaintext_bytes_to_read(&self) -> usize {
        self.plaintext_bytes_to_read
    }
    /// Whether the peer sent close_notify.
    pub fn peer_has_closed(&self) -> bool {
        self.peer_has_closed
    }
}

/// Slots of chunk queue kept when it is drained (more are released).
const IDLE_CHUNK_SLOTS: usize = 4;

/// A queue of byte chunks, consumed from the front.
#[derive(Debug, Default)]
pub(crate) struct ChunkVecBuffer {
    chunks: VecDeque<Vec<u8>>,
    /// Bytes of the front chunk already consumed.
    offset: usize,
    len: usize,
}

impl ChunkVecBuffer {
    pub(crate) fn len(&self) -> usize {
        self.len
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub(crate) fn append(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.len += bytes.len();
            self.chunks.push_back(bytes);
        }
    }
    /// Copies out up to `buf.len()` bytes.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> usize {
        let mut done = 0;
        while done < buf.len() {
            let Some(front) = self.chunks.front() else {
                break;
            };
            let avail = &front[self.offset..];
            let n = avail.len().min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&avail[..n]);
            done += n;
            self.consume(n);
        }
        done
    }
    fn consume(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.chunks.front() else {
                return;
            };
            let avail = front.len() - self.offset;
            if n < avail {
                self.offset += n;
                self.len -= n;
                return;
            }
            n -= avail;
            self.len -= avail;
            self.offset = 0;
            self.chunks.pop_front();
        }
        if self.chunks.is_empty() && self.chunks.capacity() > IDLE_CHUNK_SLOTS {
            // A burst (a handshake flight, a large write) grew the queue: give it back
            // once drained. Small queues are kept so the busy path does not reallocate.
            self.chunks = VecDeque::new();
        }
    }
    /// One write call with the queued chunks (vectored).
    pub(crate) fn write_to(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        if self.is_empty() {
            return Ok(0);
        }
        let mut slices = Vec::with_capacity(self.chunks.len().min(64));
        for (i, c) in self.chunks.iter().take(64).enumerate() {
            slices.push(io::IoSlice::new(if i == 0 { &c[self.offset..] } else { c }));
        }
        let n = wr.write_vectored(&slices)?;
        self.consume(n);
        Ok(n)
    }
}

/// Which role a connection plays, with the role's handshake state.
pub(crate) enum HandshakeState {
    Client(crate::client::hs::ClientState),
    Server(crate::server::hs::ServerState),
}

/// An input to a handshake state.
pub(crate) enum HsInput {
    /// A handshake message, decoded, with its exact bytes for the transcript.
    Handshake(HandshakeMessagePayload, Vec<u8>),
    /// A ChangeCipherSpec record.
    ChangeCipherSpec,
}

/// The state both roles share, which the handshake states read and write.
#[derive(Debug)]
pub(crate) struct CommonState {
    pub(crate) record_layer: RecordLayer,
    sendable_tls: ChunkVecBuffer,
    received_plaintext: ChunkVecBuffer,
    sendable_plaintext: ChunkVecBuffer,
    /// Handshake bytes of the flight being built; cut into records by `flush_handshake`.
    pending_handshake: Vec<u8>,
    /// Record version for what we send: TLS 1.0 for the ClientHello, TLS 1.2 afterwards.
    pub(crate) record_version: Option<ProtocolVersion>,
    pub(crate) may_send_application_data: bool,
    pub(crate) may_receive_application_data: bool,
    has_received_close_notify: bool,
    has_sent_close_notify: bool,
    has_seen_eof: bool,
    sent_fatal_alert: bool,
    warnings_in_a_row: u32,
    buffer_limit: usize,
    pub(crate) suite: Option<&'static SupportedCipherSuite>,
    pub(crate) extended_master_secret: bool,
    pub(crate) encrypt_then_mac: bool,
    pub(crate) alpn_protocol: Option<Vec<u8>>,
    pub(crate) srp_group_bits: Option<u32>,
    /// Server: the username once authenticated (or, before that, as requested).
    pub(crate) username: Option<String>,
    pub(crate) authenticated: bool,
    /// Server: SNI host name received.
    pub(crate) sni: Option<String>,
    /// Secrets kept for exporters (zeroized on drop).
    pub(crate) secrets: Option<crate::tls12::ConnectionSecrets>,
    /// Full or abbreviated, once the ServerHello is sent or received.
    pub(crate) handshake_kind: Option<HandshakeKind>,
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

impl Default for CommonState {
    fn default() -> Self {
        Self {
            record_layer: RecordLayer::new(),
            sendable_tls: ChunkVecBuffer::default(),
            received_plaintext: ChunkVecBuffer::default(),
            sendable_plaintext: ChunkVecBuffer::default(),
            pending_handshake: Vec::new(),
            record_version: None,
            may_send_application_data: false,
            may_receive_application_data: false,
            has_received_close_notify: false,
            has_sent_close_notify: false,
            has_seen_eof: false,
            sent_fatal_alert: false,
            warnings_in_a_row: 0,
            buffer_limit: DEFAULT_BUFFER_LIMIT,
            suite: None,
            extended_master_secret: false,
            encrypt_then_mac: false,
            alpn_protocol: None,
            srp_group_bits: None,
            username: None,
            authenticated: false,
            sni: None,
            secrets: None,
            handshake_kind: None,
        }
    }
}

impl CommonState {
    fn version(&self) -> ProtocolVersion {
        self.record_version.unwrap_or(ProtocolVersion::TLSv1_2)
    }

    /// Queues a handshake message as part of the current flight.
    pub(crate) fn queue_handshake(&mut self, encoded: &[u8]) {
        self.pending_handshake.extend_from_slice(encoded);
    }

    /// Cuts the queued flight into records and queues them.
    pub(crate) fn flush_handshake(&mut self) -> Result<(), Error> {
        let hs = core::mem::take(&mut self.pending_handshake);
        for chunk in hs.chunks(MAX_FRAGMENT_LEN) {
            self.send_record(ContentType::Handshake, chunk.to_vec())?;
        }
        Ok(())
    }

    /// Sends ChangeCipherSpec and switches to the prepared write keys.
    pub(crate) fn send_ccs(&mut self) -> Result<(), Error> {
        self.flush_handshake()?;
        self.send_record(ContentType::ChangeCipherSpec, vec![1])?;
        self.record_layer.start_encrypting()
    }

    fn send_record(&mut self, typ: ContentType, payload: Vec<u8>) -> Result<(), Error> {
        let plain = PlainMessage {
            typ,
            version: self.version(),
            payload,
        };
        let opaque = self.record_layer.encrypt_outgoing(plain)?;
        self.sendable_tls.append(opaque.encode());
        Ok(())
    }

    fn send_alert(&mut self, level: AlertLevel, description: AlertDescription) {
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

    fn send_plaintext(&mut self, data: &[u8]) -> Result<usize, Error> {
        if self.has_sent_close_notify {
            return Err(Error::ConnectionClosed);
        }
        let queued = self.sendable_tls.len() + self.sendable_plaintext.len();
        let room = self.buffer_limit.saturating_sub(queued);
        let data = &data[..data.len().min(room)];
        if data.is_empty() {
            return Ok(0);
        }
        if !self.may_send_application_data {
            self.sendable_plaintext.append(data.to_vec());
            return Ok(data.len());
        }
        for chunk in data.chunks(MAX_FRAGMENT_LEN) {
            self.send_record(ContentType::ApplicationData, chunk.to_vec())?;
        }
        Ok(data.len())
    }
}

/// The state both roles share. [`crate::ClientConnection`] and [`crate::ServerConnection`]
/// dereference to it.
pub struct ConnectionCommon {
    pub(crate) cx: CommonState,
    pub(crate) state: Option<HandshakeState>,
    error: Option<Error>,
    deframer: MessageDeframer,
    joiner: HandshakeJoiner,
}

impl core::fmt::Debug for ConnectionCommon {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ConnectionCommon")
            .field("is_handshaking", &self.is_handshaking())
            .field("suite", &self.cx.suite.map(|s| s.suite))
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl ConnectionCommon {
    pub(crate) fn new(state: HandshakeState, cx: Option<CommonState>) -> Self {
        Self {
            cx: cx.unwrap_or_default(),
            state: Some(state),
            error: None,
            deframer: MessageDeframer::new(),
            joiner: HandshakeJoiner::new(),
        }
    }

    pub(crate) fn new_common_state() -> CommonState {
        CommonState::default()
    }

    /// Reads TLS bytes from `rd` (one read call, bounded by our buffer).
    /// Returns 0 at EOF. Does not process them: call [`Self::process_new_packets`].
    pub fn read_tls(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        if self.cx.received_plaintext.len() >= self.cx.buffer_limit {
            return Err(io::Error::other(
                "received plaintext buffer full: read it first",
            ));
        }
        if self.cx.has_received_close_notify {
            return Ok(0);
        }
        let n = self.deframer.read(rd)?;
        if n == 0 {
            self.cx.has_seen_eof = true;
        }
        Ok(n)
    }

    /// Writes queued TLS bytes to `wr` (one write call). Returns bytes written.
    pub fn write_tls(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        self.cx.sendable_tls.write_to(wr)
    }

    /// Processes the bytes read so far. On error the matching alert is queued for
    /// `write_tls`, and the same error is returned by every later call (sticky).
    pub fn process_new_packets(&mut self) -> Result<IoState, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if let Err(e) = self.process_inner() {
            return Err(self.fail(e));
        }
        Ok(self.io_state())
    }

    /// Records `e` as the sticky error, queueing its alert once.
    pub(crate) fn fail(&mut self, e: Error) -> Error {
        if let Some(first) = &self.error {
            return first.clone();
        }
        if let Some(alert) = e.alert() {
            if !self.cx.sent_fatal_alert {
                self.cx.send_alert(AlertLevel::Fatal, alert);
                self.cx.sent_fatal_alert = true;
            }
        }
        if let Some(HandshakeState::Client(c)) = &self.state {
            c.on_fatal_error();
        }
        self.state = None;
        self.error = Some(e.clone());
        e
    }

    fn io_state(&self) -> IoState {
        IoState {
            tls_bytes_to_write: self.cx.sendable_tls.len(),
            plaintext_bytes_to_read: self.cx.received_plaintext.len(),
            peer_has_closed: self.cx.has_received_close_notify,
        }
    }

    fn is_paused(&self) -> bool {
        matches!(&self.state, Some(HandshakeState::Server(s)) if s.is_awaiting_user())
    }

    fn process_inner(&mut self) -> Result<(), Error> {
        // Handshake messages left in the joiner while we were paused for a user lookup.
        self.drain_joiner()?;
        while !self.is_paused() && !self.cx.has_received_close_notify {
            if self.cx.received_plaintext.len() >= self.cx.buffer_limit {
                break;
            }
            let Some(opaque) = self.deframer.pop()? else {
                break;
            };
            let plain = self.cx.record_layer.decrypt_incoming(opaque)?;
            if plain.payload.len() > MAX_FRAGMENT_LEN {
                return Err(Error::RecordOverflow);
            }
            self.dispatch(plain)?;
        }
        Ok(())
    }

    fn dispatch(&mut self, msg: PlainMessage) -> Result<(), Error> {
        match msg.typ {
            ContentType::Handshake => {
                self.joiner.push(&msg.payload)?;
                self.drain_joiner()
            }
            ContentType::ChangeCipherSpec => {
                if msg.payload != [1] {
                    return Err(InvalidMessage::InvalidCcs.into());
                }
                if !self.joiner.is_empty() {
                    return Err(PeerMisbehaved::MessageInterleavedWithCcs.into());
                }
                self.step(HsInput::ChangeCipherSpec)
            }
            ContentType::Alert => self.handle_alert(&msg.payload),
            ContentType::ApplicationData => {
                if !self.cx.may_receive_application_data {
                    return Err(PeerMisbehaved::ApplicationDataBeforeFinished.into());
                }
                if msg.payload.is_empty() {
                    return self.cx.count_warning();
                }
                self.cx.warnings_in_a_row = 0;
                self.cx.received_plaintext.append(msg.payload);
                Ok(())
            }
            other => Err(Error::InappropriateMessage {
                expect_types: vec![
                    ContentType::Handshake,
                    ContentType::ChangeCipherSpec,
                    ContentType::Alert,
                    ContentType::ApplicationData,
                ],
                got_type: other,
            }),
        }
    }

    fn drain_joiner(&mut self) -> Result<(), Error> {
        while !self.is_paused() {
            let Some((msg, raw)) = self.joiner.pop()? else {
                break;
            };
            self.step(HsInput::Handshake(msg, raw))?;
        }
        Ok(())
    }

    fn step(&mut self, input: HsInput) -> Result<(), Error> {
        let state = self
            .state
            .take()
            .ok_or_else(|| Error::General("no handshake state".into()))?;
        let next = match state {
            HandshakeState::Client(s) => HandshakeState::Client(s.handle(&mut self.cx, input)?),
            HandshakeState::Server(s) => HandshakeState::Server(s.handle(&mut self.cx, input)?),
        };
        self.state = Some(next);
        Ok(())
    }

    fn handle_alert(&mut self, payload: &[u8]) -> Result<(), Error> {
        let alert = AlertMessagePayload::read_bytes(payload)?;
        if alert.description == AlertDescription::CloseNotify {
            self.cx.has_received_close_notify = true;
            return Ok(());
        }
        if alert.level == AlertLevel::Warning
            && alert.description != AlertDescription::UnknownPskIdentity
        {
            // RFC 5246 7.2.2: warnings may be ignored. We tolerate a few.
            return self.cx.count_warning();
        }
        // Fatal alerts (and unknown_psk_identity at any level, which always ends an SRP
        // handshake) end the connection without an alert in reply.
        self.cx.sent_fatal_alert = true;
        Err(Error::AlertReceived(alert.description))
    }

    /// Received plaintext. `read` returns `Ok(0)` once the peer has sent close_notify,
    /// `ErrorKind::WouldBlock` when no plaintext is buffered yet, and
    /// `ErrorKind::UnexpectedEof` if the transport ended without close_notify.
    pub fn reader(&mut self) -> Reader<'_> {
        Reader { conn: self }
    }

    /// Plaintext to send. Data written before the handshake completes is buffered and sent
    /// once it does. Accepts at most the buffer limit (64 KiB) of unsent data: a write may
    /// take fewer bytes than given, or none until `write_tls` has drained the queue.
    pub fn writer(&mut self) -> Writer<'_> {
        Writer { conn: self }
    }

    /// Whether we need more TLS bytes from the peer.
    pub fn wants_read(&self) -> bool {
        self.error.is_none()
            && !self.is_paused()
            && self.cx.received_plaintext.is_empty()
            && !self.cx.has_received_close_notify
            && (self.cx.may_send_application_data || self.cx.sendable_tls.is_empty())
    }

    /// Whether TLS bytes are queued for the peer.
    pub fn wants_write(&self) -> bool {
        !self.cx.sendable_tls.is_empty()
    }

    /// Whether the handshake is still in progress.
    pub fn is_handshaking(&self) -> bool {
        !(self.cx.may_send_application_data && self.cx.may_receive_application_data)
    }

    /// Queues a close_notify alert; nothing more can be written afterwards.
    pub fn send_close_notify(&mut self) {
        if self.cx.has_sent_close_notify || self.cx.sent_fatal_alert {
            return;
        }
        self.cx.has_sent_close_notify = true;
        self.cx
            .send_alert(AlertLevel::Warning, AlertDescription::CloseNotify);
    }

    /// The negotiated suite, once known.
    pub fn negotiated_cipher_suite(&self) -> Option<CipherSuite> {
        self.cx.suite.map(|s| s.suite)
    }

    /// Whether extended_master_secret (RFC 7627) was negotiated.
    pub fn extended_master_secret(&self) -> bool {
        self.cx.extended_master_secret
    }

    /// Whether encrypt_then_mac (RFC 7366) was negotiated.
    pub fn encrypt_then_mac(&self) -> bool {
        self.cx.encrypt_then_mac
    }

    /// The ALPN protocol agreed, if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.cx.alpn_protocol.as_deref()
    }

    /// Whether the handshake was full or resumed (known once the ServerHello is sent or
    /// received; `None` before).
    pub fn handshake_kind(&self) -> Option<HandshakeKind> {
        self.cx.handshake_kind
    }

    /// Bits of the SRP group in use (once the key exchange has happened; for a resumed
    /// session, the group of the original handshake).
    pub fn srp_group_bits(&self) -> Option<u32> {
        self.cx.srp_group_bits
    }

    /// The protocol version: always TLS 1.2 once a ServerHello has been sent or received.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.cx.suite.map(|_| ProtocolVersion::TLSv1_2)
    }

    /// Sets how much plaintext is buffered in each direction before back-pressure
    /// (default 64 KiB; at least 16 KiB).
    pub fn set_buffer_limit(&mut self, limit: usize) {
        self.cx.buffer_limit = limit.max(MAX_FRAGMENT_LEN);
    }

    /// RFC 5705 keying material exporter: fills `output` with
    /// `PRF(master_secret, label, client_random + server_random [+ context_len + context])`.
    /// Available once the handshake is complete.
    pub fn export_keying_material(
        &self,
        output: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        match (&self.cx.secrets, self.is_handshaking()) {
            (Some(s), false) => s.export_keying_material(output, label, context),
            _ => Err(Error::ApiMisuse(
                "export_keying_material before the handshake completed",
            )),
        }
    }

    /// RFC 5929 `tls-unique` channel binding: the first Finished message's verify_data
    /// (the client's, in a full handshake). Available once the handshake is complete.
    pub fn tls_unique(&self) -> Option<&[u8]> {
        match (&self.cx.secrets, self.is_handshaking()) {
            (Some(s), false) => Some(s.tls_unique()),
            _ => None,
        }
    }

    /// The error that ended this connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Drives the handshake and data transfer on a blocking transport until nothing more
    /// can be done without new input: writes all queued data, and reads once if
    /// `wants_read`. Returns (bytes read, bytes written). Like rustls's `complete_io`.
    pub fn complete_io<T: io::Read + io::Write + ?Sized>(
        &mut self,
        io: &mut T,
    ) -> io::Result<(usize, usize)> {
        let io = &mut SizedIo(io);
        let until_handshaked = self.is_handshaking();
        let mut eof = false;
        let mut wrlen = 0;
        let mut rdlen = 0;
        loop {
            while self.wants_write() {
                wrlen += self.write_tls(io)?;
            }
            io::Write::flush(io)?;
            if !until_handshaked && wrlen > 0 {
                return Ok((rdlen, wrlen));
            }
            if self.is_paused() {
                return Err(io::Error::other(
                    "SRP user lookup pending: answer ServerConnection::pending_user_lookup with supply_user",
                ));
            }
            if !eof && self.wants_read() {
                match self.read_tls(io)? {
                    0 => eof = true,
                    n => rdlen += n,
                }
            }
            if let Err(e) = self.process_new_packets() {
                // Send the alert before giving up.
                while self.wants_write() {
                    if self.write_tls(io).unwrap_or(0) == 0 {
                        break;
                    }
                }
                let _ = io::Write::flush(io);
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
            match (eof, until_handshaked, self.is_handshaking()) {
                (_, true, false) => return Ok((rdlen, wrlen)),
                (_, false, _) => return Ok((rdlen, wrlen)),
                (true, true, true) => {
                    if self.wants_write() {
                        continue;
                    }
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "peer closed the connection during the handshake",
                    ));
                }
                (false, true, true) => {}
            }
        }
    }
}

/// Lets an unsized transport be used as `&mut dyn Read/Write`.
struct SizedIo<'a, T: ?Sized>(&'a mut T);

impl<T: io::Read + ?Sized> io::Read for SizedIo<'_, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<T: io::Write + ?Sized> io::Write for SizedIo<'_, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.0.write_vectored(bufs)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Reads received plaintext; see [`ConnectionCommon::reader`].
pub struct Reader<'a> {
    conn: &'a mut ConnectionCommon,
}

impl io::Read for Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let cx = &mut self.conn.cx;
        if buf.is_empty() {
            return Ok(0);
        }
        let n = cx.received_plaintext.read(buf);
        if n > 0 {
            return Ok(n);
        }
        if cx.has_received_close_notify {
            return Ok(0);
        }
        if let Some(e) = &self.conn.error {
            return Err(io::Error::new(io::ErrorKind::InvalidData, e.clone()));
        }
        if cx.has_seen_eof {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "peer closed the connection without sending close_notify",
            ));
        }
        Err(io::ErrorKind::WouldBlock.into())
    }
}

/// Queues plaintext to send; see [`ConnectionCommon::writer`].
pub struct Writer<'a> {
    conn: &'a mut ConnectionCommon,
}

impl io::Write for Writer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(e) = &self.conn.error {
            return Err(io::Error::new(io::ErrorKind::InvalidData, e.clone()));
        }
        match self.conn.cx.send_plaintext(buf) {
            Ok(n) => Ok(n),
            Err(Error::ConnectionClosed) => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                Error::ConnectionClosed,
            )),
            Err(e) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                self.conn.fail(e),
            )),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Paths that need to inject protected records (renegotiation attempts), which the
    //! public API cannot produce.
    use std::sync::Arc;

    use super::*;
    use crate::msgs::handshake::{HandshakeMessagePayload, HandshakePayload};
    use crate::{
        ClientConfig, ClientConnection, InMemoryUserStore, ServerConfig, ServerConnection, SrpGroup,
    };

    fn pair() -> (ClientConnection, ServerConnection) {
        let store = Arc::new(InMemoryUserStore::new());
        store
            .add_user("u", b"p", SrpGroup::by_bits(2048).unwrap())
            .unwrap();
        let s = ServerConnection::new(Arc::new(ServerConfig::new(store).unwrap())).unwrap();
        let c = ClientConnection::new(Arc::new(ClientConfig::new("u", "p")), None).unwrap();
        (c, s)
    }

    fn pump(from: &mut ConnectionCommon, to: &mut ConnectionCommon) -> Result<usize, Error> {
        let mut buf = Vec::new();
        while from.wants_write() {
            from.write_tls(&mut buf).unwrap();
        }
        let mut rd = &buf[..];
        while !rd.is_empty() {
            to.read_tls(&mut rd).unwrap();
        }
        to.process_new_packets()?;
        Ok(buf.len())
    }

    fn connected() -> (ClientConnection, ServerConnection) {
        let (mut c, mut s) = pair();
        for _ in 0..4 {
            pump(&mut c, &mut s).unwrap();
            pump(&mut s, &mut c).unwrap();
        }
        assert!(!c.is_handshaking() && !s.is_handshaking());
        (c, s)
    }

    fn read_all(conn: &mut ConnectionCommon) -> Vec<u8> {
        let mut out = vec![0u8; 100];
        let n = io::Read::read(&mut conn.reader(), &mut out).unwrap_or(0);
        out.truncate(n);
        out
    }

    #[test]
    fn server_hello_request_gets_no_renegotiation_and_data_flows() {
        let (mut c, mut s) = connected();
        let hr = HandshakeMessagePayload::new(HandshakePayload::HelloRequest).get_encoding();
        s.cx.queue_handshake(&hr);
        s.cx.flush_handshake().unwrap();
        pump(&mut s, &mut c).unwrap();
        // The client answered with a (protected) warning alert and nothing else.
        assert!(c.wants_write());
        assert!(pump(&mut c, &mut s).is_ok());
        io::Write::write_all(&mut c.writer(), b"still here").unwrap();
        pump(&mut c, &mut s).unwrap();
        assert_eq!(read_all(&mut s), b"still here");
    }

    #[test]
    fn client_renegotiation_is_refused_with_a_warning() {
        let (mut c, mut s) = connected();
        let (c2, _) = pair();
        let hello = {
            let mut c2 = c2;
            let mut buf = Vec::new();
            c2.write_tls(&mut buf).unwrap();
            buf[5..].to_vec()
        };
        c.cx.queue_handshake(&hello);
        c.cx.flush_handshake().unwrap();
        pump(&mut c, &mut s).unwrap();
        assert!(s.wants_write(), "server must answer no_renegotiation");
        pump(&mut s, &mut c).unwrap();
        io::Write::write_all(&mut s.writer(), b"ok").unwrap();
        pump(&mut s, &mut c).unwrap();
        assert_eq!(read_all(&mut c), b"ok");

        // A peer that keeps trying is dropped.
        let mut result = Ok(0);
        for _ in 0..40 {
            c.cx.queue_handshake(&hello);
            c.cx.flush_handshake().unwrap();
            result = pump(&mut c, &mut s);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(
            result.unwrap_err(),
            PeerMisbehaved::TooManyWarningsOrEmptyRecords.into()
        );
    }

    #[test]
    fn chunk_buffer_reads_across_chunks() {
        let mut b = ChunkVecBuffer::default();
        b.append(b"hello ".to_vec());
        b.append(Vec::new());
        b.append(b"world".to_vec());
        assert_eq!(b.len(), 11);
        let mut out = [0u8; 4];
        assert_eq!(b.read(&mut out), 4);
        assert_eq!(&out, b"hell");
        let mut rest = [0u8; 20];
        let n = b.read(&mut rest);
        assert_eq!(&rest[..n], b"o world");
        assert!(b.is_empty());
    }
}
