//! The sans-IO connection, the same for both roles.
//!
//! Bytes from the peer go in with [`ConnectionCommon::read_tls`], are turned into records by
//! the deframer, opened by the record layer, and dispatched: handshake messages (reassembled
//! by the joiner) and ChangeCipherSpec to the role's handshake [`State`], alerts and
//! application data here. Everything we send is queued as whole records for
//! [`ConnectionCommon::write_tls`]. This module never names a role: it drives the handshake
//! through the [`State`] trait and asks the role's data ([`SideData`]) the few things that
//! differ.
//!
//! A handshake state may pause (the rate limiter's delay, an application's user lookup).
//! Records already read stay buffered meanwhile and are processed as soon as the pause is
//! over, before any new read: [`ConnectionCommon::paused_until`] says until when, and
//! `process_new_packets` goes on once that instant has passed.
//!
//! Errors are sticky: the first one is kept, its alert (if any) is queued once, and every
//! later call to `process_new_packets` returns it again.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common_state::{HandshakeKind, Negotiated, RecordIo};
use crate::error::{Error, InvalidMessage, PeerMisbehaved};
use crate::hs::{Context, HsInput, Pause, State};
use crate::msgs::alert::AlertMessagePayload;
use crate::msgs::codec::Codec;
use crate::msgs::deframer::MessageDeframer;
use crate::msgs::enums::{AlertDescription, AlertLevel, CipherSuite, ContentType, ProtocolVersion};
use crate::msgs::handshake::HandshakeMessagePayload;
use crate::msgs::joiner::HandshakeJoiner;
use crate::msgs::message::{OpaqueMessage, PlainMessage, MAX_FRAGMENT_LEN};

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

/// The role-only data of a connection: one type per role, which the role's connection type
/// (a `Deref` to `ConnectionCommon<ThatData>`) reads its own facts from. Sealed.
pub trait SideData: sealed::Role + core::fmt::Debug + Send + Sync + 'static {}

pub(crate) mod sealed {
    use crate::error::Error;
    use crate::msgs::enums::HandshakeType;

    /// What a handshake message of the peer means to a role when it asks for renegotiation.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Renegotiation {
        /// An ordinary message for the handshake state.
        NotARequest,
        /// Ignored (RFC 5246 7.4.1.1: a HelloRequest during a handshake).
        Ignore,
        /// Refused with a no_renegotiation warning (RFC 5746 4.5): we never renegotiate.
        Refuse,
    }

    /// The hooks through which the connection asks a role what differs between roles.
    pub trait Role {
        /// What a handshake message of type `typ` is, while the handshake runs or after.
        fn renegotiation(typ: HandshakeType, handshaking: bool) -> Renegotiation;

        /// The connection failed with `error`: the role settles its accounts and may name
        /// the error more precisely (never with a different alert).
        fn on_fatal_error(&mut self, error: Error) -> Error {
            error
        }

        /// The handshake has completed.
        fn on_handshake_complete(&mut self) {}

        /// A server's deferred user lookup that the handshake waits for, once.
        fn take_deferred_lookup(&mut self) -> Option<crate::server::LookupFuture> {
            None
        }

        /// The deferred lookup's answer, kept for the handshake to take; `Err` if the store
        /// could not answer (the connection then fails with it).
        fn answer_deferred_lookup(
            &mut self,
            _answer: Result<Option<crate::server::UserRecord>, String>,
        ) -> Result<(), Error> {
            Ok(())
        }
    }
}

pub(crate) use sealed::{Renegotiation, Role};

/// `Deref`/`DerefMut` from a role's connection type (a struct with an `inner` field) to its
/// [`ConnectionCommon`].
macro_rules! deref_to_common {
    ($conn:ty, $data:ty) => {
        impl core::ops::Deref for $conn {
            type Target = $crate::conn::ConnectionCommon<$data>;
            fn deref(&self) -> &Self::Target {
                &self.inner
            }
        }

        impl core::ops::DerefMut for $conn {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.inner
            }
        }
    };
}
pub(crate) use deref_to_common;

/// What [`ConnectionCommon::tls13_unprotected`] makes of a TLS 1.3 record.
enum Unprotected {
    Drop,
    Plain(PlainMessage),
    Protected(OpaqueMessage),
}

/// The part of a connection that both roles share. [`crate::ClientConnection`] and
/// [`crate::ServerConnection`] dereference to it.
pub struct ConnectionCommon<Data: SideData> {
    pub(crate) io: RecordIo,
    pub(crate) facts: Negotiated,
    pub(crate) data: Data,
    state: Option<Box<dyn State<Data>>>,
    error: Option<Error>,
    deframer: MessageDeframer,
    joiner: HandshakeJoiner,
    deadline: Option<Instant>,
}

impl<Data: SideData> core::fmt::Debug for ConnectionCommon<Data> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ConnectionCommon")
            .field("is_handshaking", &self.is_handshaking())
            .field("suite", &self.facts.suite.map(|s| s.suite))
            .field("paused", &self.pause())
            .field("error", &self.error)
            .field("data", &self.data)
            .finish_non_exhaustive()
    }
}

impl<Data: SideData> ConnectionCommon<Data> {
    /// A connection whose first state `start` makes (it may queue a first flight).
    pub(crate) fn new(
        data: Data,
        deadline: Option<Instant>,
        start: impl FnOnce(&mut Context<'_, Data>) -> Result<Box<dyn State<Data>>, Error>,
    ) -> Result<Self, Error> {
        let mut conn = Self {
            io: RecordIo::default(),
            facts: Negotiated::default(),
            data,
            state: None,
            error: None,
            deframer: MessageDeframer::new(),
            joiner: HandshakeJoiner::new(),
            deadline,
        };
        let first = start(&mut conn.context())?;
        conn.state = Some(first);
        Ok(conn)
    }

    fn context(&mut self) -> Context<'_, Data> {
        Context {
            io: &mut self.io,
            facts: &mut self.facts,
            data: &mut self.data,
            deadline: &mut self.deadline,
        }
    }

    /// Reads TLS bytes from `rd` (one read call, bounded by our buffer).
    /// Returns 0 at EOF. Does not process them: call [`Self::process_new_packets`].
    pub fn read_tls(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        if self.io.received_plaintext.len() >= self.io.buffer_limit {
            return Err(io::Error::other(
                "received plaintext buffer full: read it first",
            ));
        }
        if self.io.has_received_close_notify {
            return Ok(0);
        }
        let n = self.deframer.read(rd)?;
        if n == 0 {
            self.io.has_seen_eof = true;
        }
        Ok(n)
    }

    /// Writes queued TLS bytes to `wr` (one write call). Returns bytes written.
    pub fn write_tls(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        self.io.sendable_tls.write_to(wr)
    }

    /// Processes the bytes read so far, and goes on with a paused handshake whose instant
    /// has passed. Fails with [`Error::HandshakeTimedOut`] once the handshake deadline has
    /// passed. On error the matching alert is queued for `write_tls`, and the same error is
    /// returned by every later call (sticky).
    pub fn process_new_packets(&mut self) -> Result<IoState, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if let Err(e) = self.process_inner(Instant::now()) {
            return Err(self.fail(e));
        }
        Ok(self.io_state())
    }

    /// Records `e` as the sticky error (the role has its say first), queueing its alert
    /// once.
    pub(crate) fn fail(&mut self, e: Error) -> Error {
        if let Some(first) = &self.error {
            return first.clone();
        }
        let e = self.data.on_fatal_error(e);
        if let Some(alert) = e.alert() {
            if !self.io.sent_fatal_alert {
                self.io.send_alert(AlertLevel::Fatal, alert);
                self.io.sent_fatal_alert = true;
            }
        }
        self.state = None;
        self.error = Some(e.clone());
        e
    }

    fn io_state(&self) -> IoState {
        IoState {
            tls_bytes_to_write: self.io.sendable_tls.len(),
            plaintext_bytes_to_read: self.io.received_plaintext.len(),
            peer_has_closed: self.io.has_received_close_notify,
        }
    }

    pub(crate) fn pause(&self) -> Option<Pause> {
        self.state.as_ref().and_then(|s| s.pause())
    }

    fn is_paused(&self) -> bool {
        self.pause().is_some()
    }

    /// Lets a paused state go on (its instant has passed, or the application supplied
    /// what it waited for), then processes what was read meanwhile. Errors are sticky.
    /// Blocking adapters: if the handshake waits for a store's deferred user lookup, blocks
    /// the thread until it is answered and goes on (`Ok(true)`); `Ok(false)` if it waits for
    /// none. A store that cannot answer fails the connection (its alert is then queued).
    pub(crate) fn wait_for_deferred_lookup(&mut self) -> Result<bool, Error> {
        let Some(fut) = self.take_deferred_lookup() else {
            return Ok(false);
        };
        self.answer_deferred_lookup(block_on(fut)).map(|()| true)
    }

    /// A store's deferred user lookup that the paused handshake waits for, once (every
    /// adapter awaits it its own way, then calls [`Self::answer_deferred_lookup`]).
    pub(crate) fn take_deferred_lookup(&mut self) -> Option<crate::server::LookupFuture> {
        if !matches!(self.pause(), Some(Pause::Application)) {
            return None;
        }
        self.data.take_deferred_lookup()
    }

    /// Goes on with the deferred lookup's answer; a store that could not answer fails the
    /// connection (its alert is then queued).
    pub(crate) fn answer_deferred_lookup(
        &mut self,
        answer: Result<Option<crate::server::UserRecord>, String>,
    ) -> Result<(), Error> {
        match self.data.answer_deferred_lookup(answer) {
            Ok(()) => self.resume(),
            Err(e) => Err(self.fail(e)),
        }
    }

    pub(crate) fn resume(&mut self) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let res = self
            .step(|state, cx| state.resume(cx))
            .and_then(|()| self.process_inner(Instant::now()));
        res.map_err(|e| self.fail(e))
    }

    fn process_inner(&mut self, now: Instant) -> Result<(), Error> {
        if self.is_handshaking() && self.deadline.is_some_and(|d| now >= d) {
            return Err(Error::HandshakeTimedOut);
        }
        if matches!(self.pause(), Some(Pause::Until(t)) if now >= t) {
            self.step(|state, cx| state.resume(cx))?;
        }
        // Handshake messages left in the joiner while we were paused.
        self.drain_joiner()?;
        while !self.is_paused() && !self.io.has_received_close_notify {
            if self.io.received_plaintext.len() >= self.io.buffer_limit {
                break;
            }
            let Some(opaque) = self.deframer.pop()? else {
                break;
            };
            let plain = match self.io.tls13 {
                true => match self.tls13_unprotected(opaque)? {
                    Unprotected::Drop => continue,
                    Unprotected::Plain(plain) => plain,
                    Unprotected::Protected(opaque) => {
                        self.io.record_layer.decrypt_incoming(opaque)?
                    }
                },
                false => self.io.record_layer.decrypt_incoming(opaque)?,
            };
            if plain.payload.len() > MAX_FRAGMENT_LEN {
                return Err(Error::RecordOverflow);
            }
            self.dispatch(plain)?;
        }
        Ok(())
    }

    /// TLS 1.3 records that are not protected although keys may be in use (RFC 8446 5):
    /// one compatibility ChangeCipherSpec (`01`) before the peer's Finished, dropped; and an
    /// alert before the peer can have keys (a client that refuses our ServerHello alerts
    /// in plaintext), taken as it is. Everything else goes to the record layer.
    fn tls13_unprotected(&mut self, opaque: OpaqueMessage) -> Result<Unprotected, Error> {
        match opaque.typ {
            ContentType::ChangeCipherSpec => {
                if opaque.payload != [1] {
                    return Err(InvalidMessage::InvalidCcs.into());
                }
                if !self.is_handshaking() || self.io.tls13_ccs_seen {
                    return Err(PeerMisbehaved::UnexpectedChangeCipherSpec.into());
                }
                self.io.tls13_ccs_seen = true;
                Ok(Unprotected::Drop)
            }
            ContentType::Alert if self.is_handshaking() && opaque.payload.len() == 2 => {
                Ok(Unprotected::Plain(opaque.into_plain_message()))
            }
            _ => Ok(Unprotected::Protected(opaque)),
        }
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
                self.step(|state, cx| state.handle(cx, HsInput::ChangeCipherSpec))
            }
            ContentType::Alert => self.handle_alert(&msg.payload),
            ContentType::ApplicationData => {
                if !self.io.may_receive_application_data {
                    return Err(PeerMisbehaved::ApplicationDataBeforeFinished.into());
                }
                if msg.payload.is_empty() {
                    return self.io.count_warning();
                }
                self.io.reset_warnings();
                self.io.received_plaintext.append(msg.payload);
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
        self.joiner.tls13 = self.io.tls13;
        while !self.is_paused() {
            let Some((msg, raw)) = self.joiner.pop()? else {
                break;
            };
            self.handle_handshake(msg, raw)?;
        }
        Ok(())
    }

    fn handle_handshake(
        &mut self,
        msg: HandshakeMessagePayload,
        raw: Vec<u8>,
    ) -> Result<(), Error> {
        // TLS 1.3 has no renegotiation: every message goes to the state (KeyUpdate and
        // NewSessionTicket are the only ones after the handshake).
        let renegotiation = match self.io.tls13 {
            true => Renegotiation::NotARequest,
            false => Data::renegotiation(msg.typ, self.is_handshaking()),
        };
        match renegotiation {
            Renegotiation::NotARequest => {
                self.step(|state, cx| state.handle(cx, HsInput::Handshake(msg, raw)))
            }
            Renegotiation::Ignore => self.io.count_warning(),
            Renegotiation::Refuse => {
                self.io.send_warning(AlertDescription::NoRenegotiation);
                self.io.count_warning()
            }
        }
    }

    /// Runs `f` on the current state and keeps the state it returns.
    fn step(
        &mut self,
        f: impl FnOnce(
            Box<dyn State<Data>>,
            &mut Context<'_, Data>,
        ) -> Result<Box<dyn State<Data>>, Error>,
    ) -> Result<(), Error> {
        let state = self
            .state
            .take()
            .ok_or_else(|| Error::General("no handshake state".into()))?;
        let was_handshaking = self.is_handshaking();
        let next = f(state, &mut self.context())?;
        self.state = Some(next);
        if was_handshaking && !self.is_handshaking() {
            self.data.on_handshake_complete();
        }
        Ok(())
    }

    fn handle_alert(&mut self, payload: &[u8]) -> Result<(), Error> {
        let alert = AlertMessagePayload::read_bytes(payload)?;
        if alert.description == AlertDescription::CloseNotify {
            self.io.has_received_close_notify = true;
            return Ok(());
        }
        if alert.level == AlertLevel::Warning
            && alert.description != AlertDescription::UnknownPskIdentity
        {
            // RFC 5246 7.2.2: warnings may be ignored. We tolerate a few.
            return self.io.count_warning();
        }
        // Fatal alerts (and unknown_psk_identity at any level, which always ends an SRP
        // handshake) end the connection without an alert in reply.
        self.io.sent_fatal_alert = true;
        Err(Error::AlertReceived(alert.description))
    }

    /// Received plaintext. `read` returns `Ok(0)` once the peer has sent close_notify,
    /// `ErrorKind::WouldBlock` when no plaintext is buffered yet, and
    /// `ErrorKind::UnexpectedEof` if the transport ended without close_notify.
    pub fn reader(&mut self) -> Reader<'_> {
        Reader {
            io: &mut self.io,
            error: self.error.as_ref(),
        }
    }

    /// Plaintext to send. Data written before the handshake completes is buffered and sent
    /// once it does. Accepts at most the buffer limit (64 KiB) of unsent data: a write may
    /// take fewer bytes than given, or none until `write_tls` has drained the queue.
    pub fn writer(&mut self) -> Writer<'_> {
        Writer { sink: self }
    }

    /// Whether we need more TLS bytes from the peer (never while the handshake is paused:
    /// see [`Self::paused_until`]).
    pub fn wants_read(&self) -> bool {
        self.error.is_none()
            && !self.is_paused()
            && self.io.received_plaintext.is_empty()
            && !self.io.has_received_close_notify
            && (self.io.may_send_application_data || self.io.sendable_tls.is_empty())
    }

    /// Whether TLS bytes are queued for the peer.
    pub fn wants_write(&self) -> bool {
        !self.io.sendable_tls.is_empty()
    }

    /// Whether the handshake is still in progress.
    pub fn is_handshaking(&self) -> bool {
        !(self.io.may_send_application_data && self.io.may_receive_application_data)
    }

    /// While the handshake is paused until a given instant (the server's rate limiter
    /// delays an attempt): that instant. Nothing is processed before it; call
    /// [`Self::process_new_packets`] once it has passed (no new input is needed). The
    /// blocking and tokio adapters do this themselves.
    pub fn paused_until(&self) -> Option<Instant> {
        match self.pause() {
            Some(Pause::Until(t)) => Some(t),
            _ => None,
        }
    }

    /// The instant by which the handshake must be over, if any: then
    /// [`Self::process_new_packets`] fails with [`Error::HandshakeTimedOut`]. A server
    /// connection has one from its config (first the ClientHello deadline, then the
    /// handshake deadline); a client connection only if set with
    /// [`Self::set_handshake_deadline`].
    pub fn handshake_deadline(&self) -> Option<Instant> {
        self.deadline.filter(|_| self.is_handshaking())
    }

    /// Sets (or, with `None`, removes) the instant by which the handshake must be over.
    pub fn set_handshake_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// The earliest instant at which [`Self::process_new_packets`] has something to do
    /// without new input (a pause ends or the deadline passes): for event loops.
    pub fn next_timeout(&self) -> Option<Instant> {
        match (self.paused_until(), self.handshake_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Queues a close_notify alert; nothing more can be written afterwards.
    pub fn send_close_notify(&mut self) {
        if self.io.has_sent_close_notify || self.io.sent_fatal_alert {
            return;
        }
        self.io.has_sent_close_notify = true;
        self.io
            .send_alert(AlertLevel::Warning, AlertDescription::CloseNotify);
    }

    /// The negotiated suite, once known.
    pub fn negotiated_cipher_suite(&self) -> Option<CipherSuite> {
        match self.facts.tls13_suite {
            Some(s) => Some(s.suite()),
            None => self.facts.suite.map(|s| s.suite),
        }
    }

    /// Whether extended_master_secret (RFC 7627) was negotiated.
    pub fn extended_master_secret(&self) -> bool {
        self.facts.extended_master_secret
    }

    /// Whether encrypt_then_mac (RFC 7366) was negotiated.
    pub fn encrypt_then_mac(&self) -> bool {
        self.facts.encrypt_then_mac
    }

    /// The ALPN protocol agreed, if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.facts.alpn_protocol.as_deref()
    }

    /// Whether the handshake was full or resumed (known once the ServerHello is sent or
    /// received; `None` before).
    pub fn handshake_kind(&self) -> Option<HandshakeKind> {
        self.facts.handshake_kind
    }

    /// Bits of the SRP group in use (once the key exchange has happened; for a resumed
    /// session, the group of the original handshake).
    pub fn srp_group_bits(&self) -> Option<u32> {
        self.facts.srp_group_bits
    }

    /// The protocol version once a ServerHello has been sent or received: TLS 1.2
    /// (TLS-SRP) or TLS 1.3 (PAKE).
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        match self.facts.tls13_suite {
            Some(_) => Some(ProtocolVersion::TLSv1_3),
            None => self.facts.suite.map(|_| ProtocolVersion::TLSv1_2),
        }
    }

    /// TLS 1.3: sends a KeyUpdate that also asks the peer for one (RFC 8446 4.6.3): from
    /// then on both directions use new keys. An error on a TLS 1.2 connection or during the
    /// handshake.
    pub fn send_key_update(&mut self) -> Result<(), Error> {
        if !self.io.tls13 || self.is_handshaking() {
            return Err(Error::ApiMisuse(
                "KeyUpdate needs an established TLS 1.3 connection",
            ));
        }
        self.step(|state, cx| state.handle(cx, HsInput::LocalKeyUpdate))
    }

    /// Whether this is a TLS 1.3 PAKE connection (SPAKE2+, draft-ietf-tls-pake).
    pub fn is_pake(&self) -> bool {
        self.facts.tls13_suite.is_some()
    }

    /// Sets how much plaintext is buffered in each direction before back-pressure
    /// (default 64 KiB; at least 16 KiB).
    pub fn set_buffer_limit(&mut self, limit: usize) {
        self.io.buffer_limit = limit.max(MAX_FRAGMENT_LEN);
    }

    /// Keying material exporter: TLS 1.2, RFC 5705: fills `output` with
    /// `PRF(master_secret, label, client_random + server_random [+ context_len + context])`;
    /// TLS 1.3 (PAKE), RFC 8446 7.5 (no context and an empty one are the same there).
    /// Available once the handshake is complete.
    pub fn export_keying_material(
        &self,
        output: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        if let (Some(e), false) = (&self.facts.exporter13, self.is_handshaking()) {
            e.export(output, label, context);
            return Ok(());
        }
        match (&self.facts.secrets, self.is_handshaking()) {
            (Some(s), false) => s.export_keying_material(output, label, context),
            _ => Err(Error::ApiMisuse(
                "export_keying_material before the handshake completed",
            )),
        }
    }

    /// RFC 5929 `tls-unique` channel binding: the first Finished message's verify_data
    /// (the client's, in a full handshake). Available once the handshake is complete.
    pub fn tls_unique(&self) -> Option<&[u8]> {
        match (&self.facts.secrets, self.is_handshaking()) {
            (Some(s), false) => Some(s.tls_unique()),
            _ => None,
        }
    }

    /// The error that ended this connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Drives the handshake and data transfer on a blocking transport until nothing more
    /// can be done without new input: writes all queued data, waits out a pause, and reads
    /// once if `wants_read`. Returns (bytes read, bytes written). Like rustls's
    /// `complete_io`.
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
            match self.pause() {
                Some(Pause::Application) if self.wait_for_deferred_lookup()? => {}
                Some(Pause::Application) => {
                    return Err(io::Error::other(
                        "SRP user lookup pending: answer ServerConnection::pending_user_lookup with supply_user",
                    ))
                }
                Some(Pause::Until(t)) => sleep_until(t),
                None if !eof && self.wants_read() => match self.read_tls(io)? {
                    0 => eof = true,
                    n => rdlen += n,
                },
                None => {}
            }
            if let Err(e) = self.process_new_packets() {
                // Send the alert before giving up.
                while self.wants_write() {
                    if self.write_tls(io).unwrap_or(0) == 0 {
                        break;
                    }
                }
                let _ = io::Write::flush(io);
                return Err(e.into());
            }
            match (eof, until_handshaked, self.is_handshaking()) {
                (_, true, false) => return Ok((rdlen, wrlen)),
                (_, false, _) => return Ok((rdlen, wrlen)),
                (true, true, true) => {
                    if self.wants_write() || self.is_paused() {
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

/// Runs `fut` to its end on this thread (blocking adapters' way of awaiting a store's
/// deferred lookup): polls it, and parks the thread until its waker unparks it.
pub(crate) fn block_on<F: core::future::Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut fut = core::pin::pin!(fut);
    loop {
        if let std::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

/// Sleeps the current thread until `t` (blocking adapters' way of honouring a pause).
pub(crate) fn sleep_until(t: Instant) {
    let left = t.saturating_duration_since(Instant::now());
    if !left.is_zero() {
        std::thread::sleep(left + Duration::from_micros(50));
    }
}

/// Lets an unsized transport be used as `&mut dyn Read/Write`.
pub(crate) struct SizedIo<'a, T: ?Sized>(pub(crate) &'a mut T);

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
    io: &'a mut RecordIo,
    error: Option<&'a Error>,
}

impl io::Read for Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.io.received_plaintext.read(buf);
        if n > 0 {
            return Ok(n);
        }
        if self.io.has_received_close_notify {
            return Ok(0);
        }
        if let Some(e) = self.error {
            return Err(e.clone().into());
        }
        if self.io.has_seen_eof {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "peer closed the connection without sending close_notify",
            ));
        }
        Err(io::ErrorKind::WouldBlock.into())
    }
}

/// Where a [`Writer`] puts plaintext: a connection of either role.
trait PlaintextSink {
    fn write_plaintext(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize>;
}

impl<Data: SideData> PlaintextSink for ConnectionCommon<Data> {
    fn write_plaintext(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        if let Some(e) = &self.error {
            return Err(e.clone().into());
        }
        match self.io.send_plaintext_vectored(bufs) {
            Ok(n) => Ok(n),
            Err(Error::ConnectionClosed) => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                Error::ConnectionClosed,
            )),
            Err(e) => Err(self.fail(e).into()),
        }
    }
}

/// Queues plaintext to send; see [`ConnectionCommon::writer`].
pub struct Writer<'a> {
    sink: &'a mut dyn PlaintextSink,
}

impl io::Write for Writer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sink.write_plaintext(&[io::IoSlice::new(buf)])
    }
    /// Fills each record from as many buffers as fit.
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.sink.write_plaintext(bufs)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
