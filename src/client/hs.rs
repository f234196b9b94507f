//! The client's TLS 1.2 SRP handshake: one state per awaited message. Each state consumes
//! itself and moves what it knows into the next.
//!
//! ```text
//! ClientHello            -->
//!                        <--  ServerHello, ServerKeyExchange (N, g, s, B), ServerHelloDone
//! ClientKeyExchange (A), [ChangeCipherSpec], Finished -->
//!                        <--  [NewSessionTicket], [ChangeCipherSpec], Finished
//! ```
//!
//! Resuming a stored session (the server echoed the session ID we offered):
//!
//! ```text
//! ClientHello (session ID or ticket) -->
//!                        <--  ServerHello, [NewSessionTicket], [ChangeCipherSpec], Finished
//! [ChangeCipherSpec], Finished -->
//! ```

// States are boxed to keep the state enum small; they consume themselves.
#![allow(clippy::boxed_local)]

use std::sync::Arc;

use zeroize::Zeroizing;

use super::ClientConfig;
use crate::conn::{CommonState, HandshakeKind, HsInput};
use crate::crypto::prf::Transcript;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::msgs::codec::Codec;
use crate::msgs::enums::{
    AlertDescription, Compression, ContentType, HandshakeType, ProtocolVersion,
};
use crate::msgs::handshake::{
    ClientExtension, ClientHelloPayload, HandshakeMessagePayload, HandshakePayload, Random,
    ServerExtension, SessionId, SrpClientKeyExchange, SrpServerKeyExchange,
};
use crate::session::{now_secs, ClientSession, ClientSessionKey, ClientSessionStore, SessionValue};
use crate::srp::{self, SrpGroup};
use crate::suites::{self, SupportedCipherSuite};
use crate::tls12::{verify_data_matches, ConnectionSecrets, Side};

/// The client's handshake state.
pub(crate) enum ClientState {
    ExpectServerHello(Box<ExpectServerHello>),
    ExpectServerKx(Box<ExpectServerKx>),
    ExpectServerHelloDone(Box<ExpectServerHelloDone>),
    ExpectNewTicket(Box<ExpectCcs>),
    ExpectCcs(Box<ExpectCcs>),
    ExpectFinished(Box<ExpectFinished>),
    Traffic,
}

/// Session bookkeeping carried through the handshake.
pub(crate) struct Sessions {
    store: Option<Arc<dyn ClientSessionStore>>,
    key: ClientSessionKey,
    /// The session we offered, if any.
    offered: Option<ClientSession>,
    /// The session ID we sent (the stored ID, or a random one alongside a ticket).
    offered_id: Vec<u8>,
    sent_ticket_ext: bool,
    /// The server announced a NewSessionTicket.
    ticket_acked: bool,
    /// The server's session ID in this handshake.
    server_session_id: Vec<u8>,
    /// A ticket received in this handshake, with its lifetime hint.
    new_ticket: Option<(Vec<u8>, u32)>,
    group_bits: u32,
    /// The credentials binding (`session::client_binding`) of this config.
    binding: [u8; 32],
}

impl Sessions {
    /// Stores the session this handshake established (or renewed).
    fn save(&mut self, cx: &CommonState, secrets: &ConnectionSecrets) {
        let Some(store) = &self.store else {
            return;
        };
        let now = now_secs();
        let resumed = cx.handshake_kind == Some(HandshakeKind::Resumed);
        let (created, resumed_id) = match (&self.offered, resumed) {
            (Some(s), true) => (s.value.created, s.session_id.clone()),
            _ => (now, Vec::new()),
        };
        let (ticket, lifetime_hint, received) = match (self.new_ticket.take(), &self.offered) {
            // RFC 5077 3.3: the hint counts from when the ticket is received.
            (Some((t, h)), _) => (t, h, now),
            // Resumed without a new ticket: keep offering the one we have.
            (None, Some(s)) if resumed => (s.ticket.clone(), s.lifetime_hint, s.received),
            (None, _) => (Vec::new(), 0, now),
        };
        let session_id = match resumed {
            true if !resumed_id.is_empty() => resumed_id,
            _ => core::mem::take(&mut self.server_session_id),
        };
        if ticket.is_empty() && session_id.is_empty() {
            // The server offers no way back.
            store.remove(&self.key);
            return;
        }
        let session = ClientSession {
            value: SessionValue {
                suite: secrets.suite().suite,
                master_secret: Zeroizing::new(*secrets.master_secret()),
                extended_master_secret: cx.extended_master_secret,
                srp_group_bits: self.group_bits,
                created,
                username: self.key.username.clone(),
                verifier_hash: self.binding,
                server_name: String::new(),
            },
            session_id,
            ticket,
            lifetime_hint,
            received,
        };
        store.put(&self.key, session.encode());
    }

    /// Forgets the stored session (a resumption that went wrong).
    fn forget(&self) {
        if let Some(store) = &self.store {
            store.remove(&self.key);
        }
    }
}

/// How long a client keeps offering a ticket or session ID after receiving it when the
/// server gave no lifetime hint (and the most it trusts a hint for).
const DEFAULT_CLIENT_SESSION_LIFETIME: u64 = 24 * 3600;
/// The oldest session (from its full handshake) a client offers, however often renewed.
const MAX_CLIENT_SESSION_AGE: u64 = 7 * 24 * 3600;

pub(crate) struct ExpectServerHello {
    config: Arc<ClientConfig>,
    transcript: Transcript,
    client_random: [u8; 32],
    sent_sni: bool,
    sessions: Sessions,
}

pub(crate) struct ExpectServerKx {
    config: Arc<ClientConfig>,
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    suite: &'static SupportedCipherSuite,
    sessions: Sessions,
}

pub(crate) struct ExpectServerHelloDone {
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    suite: &'static SupportedCipherSuite,
    premaster: Zeroizing<Vec<u8>>,
    client_public: Vec<u8>,
    sessions: Sessions,
}

/// After the server's hello (resumed) or our Finished (full): an optional
/// NewSessionTicket, then ChangeCipherSpec and Finished.
pub(crate) struct ExpectCcs {
    transcript: Transcript,
    secrets: ConnectionSecrets,
    sessions: Sessions,
    resumed: bool,
}

pub(crate) struct ExpectFinished {
    transcript: Transcript,
    secrets: ConnectionSecrets,
    sessions: Sessions,
    resumed: bool,
}

/// Error for a message that is not the one awaited.
pub(crate) fn unexpected(input: &HsInput, expect: &[HandshakeType]) -> Error {
    match input {
        HsInput::Handshake(m, _) => Error::InappropriateHandshakeMessage {
            expect_types: expect.to_vec(),
            got_type: m.typ,
        },
        HsInput::ChangeCipherSpec => Error::InappropriateMessage {
            expect_types: vec![ContentType::Handshake],
            got_type: ContentType::ChangeCipherSpec,
        },
    }
}

/// Whether `name` is a DNS name we may send as SNI (RFC 6066: not an IP literal).
fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.parse::<std::net::IpAddr>().is_err()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}

/// Builds and queues the ClientHello; returns the first state.
pub(crate) fn start(
    config: Arc<ClientConfig>,
    server_name: Option<&str>,
    cx: &mut CommonState,
) -> Result<ClientState, Error> {
    let username = config.username().as_bytes();
    if username.is_empty() || username.len() > 255 {
        return Err(Error::ApiMisuse("SRP username must be 1 to 255 bytes"));
    }
    if config.cipher_suites.is_empty() {
        return Err(Error::ApiMisuse("no cipher suites configured"));
    }
    if config.min_group_bits < 1024 {
        return Err(Error::ApiMisuse("min_group_bits below 1024 is not allowed"));
    }
    let client_random = crate::rand::random_array::<32>()?;

    // Without a server name there is nothing to key sessions by: no resumption (offering
    // one server's session to another would link the two connections).
    let store = config
        .resumption
        .store
        .clone()
        .filter(|_| server_name.is_some_and(|n| !n.is_empty()));
    let mut sessions = Sessions {
        store,
        key: ClientSessionKey {
            server_name: server_name.unwrap_or_default().to_owned(),
            username: config.username().to_owned(),
        },
        offered: None,
        offered_id: Vec::new(),
        sent_ticket_ext: false,
        ticket_acked: false,
        server_session_id: Vec::new(),
        new_ticket: None,
        group_bits: 0,
        binding: crate::session::client_binding(config.username(), config.password()),
    };
    let stored = sessions
        .store
        .as_ref()
        .and_then(|st| st.get(&sessions.key))
        .and_then(|bytes| ClientSession::decode(&bytes))
        .filter(|s| resumable(&config, s, &sessions.binding));
    let mut ticket_ext = None;
    if let Some(s) = stored {
        if config.resumption.tickets && !s.ticket.is_empty() {
            // RFC 5077 3.4: a fresh session ID with the ticket, to recognise resumption.
            sessions.offered_id = crate::rand::random_array::<32>()?.to_vec();
            ticket_ext = Some(s.ticket.clone());
            sessions.offered = Some(s);
        } else if !s.session_id.is_empty() {
            sessions.offered_id = s.session_id.clone();
            sessions.offered = Some(s);
        }
    }
    if config.resumption.tickets && sessions.store.is_some() {
        sessions.sent_ticket_ext = true;
        ticket_ext.get_or_insert_with(Vec::new);
    }

    let mut extensions = Vec::new();
    let sni = server_name.filter(|n| config.enable_sni && is_dns_name(n));
    if let Some(name) = sni {
        extensions.push(ClientExtension::ServerName(vec![name.as_bytes().to_vec()]));
    }
    extensions.push(ClientExtension::SrpUsername(username.to_vec()));
    if config.enable_extended_master_secret {
        extensions.push(ClientExtension::ExtendedMasterSecret);
    }
    if config.enable_encrypt_then_mac {
        extensions.push(ClientExtension::EncryptThenMac);
    }
    // RFC 5746 3.4: signal secure renegotiation support with an empty renegotiation_info.
    extensions.push(ClientExtension::RenegotiationInfo(Vec::new()));
    if !config.alpn_protocols.is_empty() {
        extensions.push(ClientExtension::Alpn(config.alpn_protocols.clone()));
    }
    if let Some(t) = ticket_ext {
        extensions.push(ClientExtension::SessionTicket(t));
    }

    let hello = ClientHelloPayload {
        client_version: ProtocolVersion::TLSv1_2,
        random: Random(client_random),
        session_id: SessionId(sessions.offered_id.clone()),
        cipher_suites: config.cipher_suites.iter().map(|s| s.suite).collect(),
        compression_methods: vec![Compression::Null],
        extensions,
    };
    let msg = HandshakeMessagePayload::new(HandshakePayload::ClientHello(hello));
    let bytes = msg.get_encoding();
    let mut transcript = Transcript::new();
    transcript.add(&bytes);
    // Widest compatibility: the first flight's records say TLS 1.0 (RFC 5246 E.1).
    cx.record_version = Some(ProtocolVersion::TLSv1_0);
    cx.queue_handshake(&bytes);
    cx.flush_handshake()?;
    cx.record_version = Some(ProtocolVersion::TLSv1_2);

    Ok(ClientState::ExpectServerHello(Box::new(
        ExpectServerHello {
            config,
            transcript,
            client_random,
            sent_sni: sni.is_some(),
            sessions,
        },
    )))
}

/// Whether a stored session may be offered with this config: made with the same username
/// and password (a store may be shared between configs), fresh, a group no smaller than our
/// minimum, a suite we still offer, and the same extended_master_secret setting (RFC 7627
/// 5.3: a session without it is not resumed by a client that offers it).
fn resumable(config: &ClientConfig, s: &ClientSession, binding: &[u8; 32]) -> bool {
    use subtle::ConstantTimeEq;
    let lifetime = match s.lifetime_hint {
        0 => DEFAULT_CLIENT_SESSION_LIFETIME,
        hint => u64::from(hint).min(DEFAULT_CLIENT_SESSION_LIFETIME),
    };
    let now = now_secs();
    let fresh = crate::session::is_fresh_since(s.received, now, lifetime);
    bool::from(s.value.verifier_hash.ct_eq(binding))
        && fresh
        && s.value.is_fresh(now, MAX_CLIENT_SESSION_AGE)
        && s.value.srp_group_bits >= config.min_group_bits
        && s.value.extended_master_secret == config.enable_extended_master_secret
        && config
            .cipher_suites
            .iter()
            .any(|c| c.suite == s.value.suite)
        && s.value.username == config.username()
}

impl ClientState {
    /// A resumed handshake that fails (for any reason, a record that does not decrypt
    /// included) forgets its session, so that the next connection does a full handshake.
    pub(crate) fn on_fatal_error(&self) {
        match self {
            Self::ExpectNewTicket(s) | Self::ExpectCcs(s) if s.resumed => s.sessions.forget(),
            Self::ExpectFinished(s) if s.resumed => s.sessions.forget(),
            _ => {}
        }
    }

    pub(crate) fn handle(self, cx: &mut CommonState, input: HsInput) -> Result<Self, Error> {
        // RFC 5246 7.4.1.1: a HelloRequest during a handshake is ignored; afterwards we
        // refuse renegotiation with a no_renegotiation warning (RFC 5746 4.5).
        if let HsInput::Handshake(m, _) = &input {
            if m.typ == HandshakeType::HelloRequest {
                if matches!(self, Self::Traffic) {
                    cx.send_warning(AlertDescription::NoRenegotiation);
                }
                cx.count_warning()?;
                return Ok(self);
            }
        }
        match self {
            Self::ExpectServerHello(s) => s.handle(cx, input),
            Self::ExpectServerKx(s) => s.handle(cx, input),
            Self::ExpectServerHelloDone(s) => s.handle(cx, input),
            Self::ExpectNewTicket(s) => s.handle_ticket(cx, input),
            Self::ExpectCcs(s) => s.handle(cx, input),
            Self::ExpectFinished(s) => s.handle(cx, input),
            Self::Traffic => Err(unexpected(&input, &[])),
        }
    }
}

impl ExpectServerHello {
    fn handle(
        mut self: Box<Self>,
        cx: &mut CommonState,
        input: HsInput,
    ) -> Result<ClientState, Error> {
        let HsInput::Handshake(
            HandshakeMessagePayload {
                payload: HandshakePayload::ServerHello(sh),
                ..
            },
            raw,
        ) = &input
        else {
            return Err(unexpected(&input, &[HandshakeType::ServerHello]));
        };
        if sh.server_version != ProtocolVersion::TLSv1_2 {
            return Err(PeerMisbehaved::SelectedUnofferedVersion.into());
        }
        let suite = self
            .config
            .cipher_suites
            .iter()
            .find(|s| s.suite == sh.cipher_suite)
            .and_then(|s| suites::lookup(s.suite))
            .ok_or(PeerMisbehaved::SelectedUnofferedCipherSuite)?;
        if sh.compression_method != Compression::Null {
            return Err(PeerMisbehaved::SelectedUnofferedCompression.into());
        }
        if sh.has_duplicate_extension() {
            return Err(PeerMisbehaved::DuplicateExtension.into());
        }
        let mut ems = false;
        let mut etm = false;
        for ext in &sh.extensions {
            match ext {
                ServerExtension::ExtendedMasterSecretAck
                    if self.config.enable_extended_master_secret =>
                {
                    ems = true
                }
                ServerExtension::EncryptThenMacAck if self.config.enable_encrypt_then_mac => {
                    etm = true
                }
                ServerExtension::RenegotiationInfo(v) => {
                    // RFC 5746 3.4: on an initial handshake it must be empty.
                    if !v.is_empty() {
                        return Err(PeerMisbehaved::BadRenegotiationInfo.into());
                    }
                }
                ServerExtension::ServerNameAck if self.sent_sni => {}
                ServerExtension::Alpn(p) if self.config.alpn_protocols.contains(p) => {
                    cx.alpn_protocol = Some(p.clone());
                }
                ServerExtension::Alpn(_) => {
                    return Err(PeerMisbehaved::SelectedUnofferedAlpn.into())
                }
                ServerExtension::SessionTicketAck if self.sessions.sent_ticket_ext => {
                    self.sessions.ticket_acked = true
                }
                _ => return Err(PeerMisbehaved::UnsolicitedExtension.into()),
            }
        }
        self.transcript.add(raw);
        cx.suite = Some(suite);
        cx.extended_master_secret = ems;
        cx.encrypt_then_mac = etm;
        let mut sessions = self.sessions;
        let resumed = !sessions.offered_id.is_empty() && sh.session_id.0 == sessions.offered_id;
        if let (true, Some(offered)) = (resumed, &sessions.offered) {
            // RFC 5246 7.4.1.3 / RFC 7627 5.3: same suite, same EMS, or abort.
            if offered.value.suite != suite.suite {
                sessions.forget();
                return Err(PeerMisbehaved::ResumptionWithDifferentCipherSuite.into());
            }
            if offered.value.extended_master_secret != ems {
                sessions.forget();
                return Err(PeerMisbehaved::ExtendedMasterSecretMismatch.into());
            }
            let secrets = ConnectionSecrets::resume(
                suite,
                &offered.value.master_secret,
                self.client_random,
                sh.random.0,
            );
            secrets.install_keys(&mut cx.record_layer, Side::Client, etm);
            sessions.group_bits = offered.value.srp_group_bits;
            cx.srp_group_bits = Some(offered.value.srp_group_bits);
            cx.handshake_kind = Some(HandshakeKind::Resumed);
            return Ok(ExpectCcs {
                transcript: self.transcript,
                secrets,
                resumed: true,
                sessions,
            }
            .into_state());
        }
        sessions.server_session_id = sh.session_id.0.clone();
        cx.handshake_kind = Some(HandshakeKind::Full);
        Ok(ClientState::ExpectServerKx(Box::new(ExpectServerKx {
            config: self.config,
            transcript: self.transcript,
            client_random: self.client_random,
            server_random: sh.random.0,
            suite,
            sessions,
        })))
    }
}

impl ExpectServerKx {
    fn handle(
        mut self: Box<Self>,
        cx: &mut CommonState,
        input: HsInput,
    ) -> Result<ClientState, Error> {
        let HsInput::Handshake(
            HandshakeMessagePayload {
                payload: HandshakePayload::ServerKeyExchange(body),
                ..
            },
            raw,
        ) = &input
        else {
            return Err(unexpected(&input, &[HandshakeType::ServerKeyExchange]));
        };
        let skx = SrpServerKeyExchange::read_bytes(body)?;
        // RFC 5054 2.5.3: only groups we know (Appendix A), and none below our minimum.
        let group: &'static SrpGroup =
            SrpGroup::from_params(&skx.n, &skx.g).ok_or(PeerIncompatible::UnknownSrpGroup)?;
        if group.bits() < self.config.min_group_bits {
            return Err(PeerIncompatible::SrpGroupTooSmall {
                offered: group.bits(),
                minimum: self.config.min_group_bits,
            }
            .into());
        }
        let key_pair = srp::client_key_pair(group)?;
        // Checks B (illegal_parameter) and u, then computes the premaster.
        let premaster = srp::client_premaster(
            group,
            &key_pair,
            &skx.b,
            &skx.s,
            self.config.username().as_bytes(),
            self.config.password(),
        )?;
        // S = 0 happens only if B = k*v exactly: a server that knows v chose to make the
        // session keys public. Refuse it.
        if premaster.is_empty() {
            return Err(PeerMisbehaved::IllegalSrpB.into());
        }
        self.transcript.add(raw);
        cx.srp_group_bits = Some(group.bits());
        let mut sessions = self.sessions;
        sessions.group_bits = group.bits();
        Ok(ClientState::ExpectServerHelloDone(Box::new(
            ExpectServerHelloDone {
                transcript: self.transcript,
                client_random: self.client_random,
                server_random: self.server_random,
                suite: self.suite,
                premaster,
                client_public: key_pair.public.clone(),
                sessions,
            },
        )))
    }
}

impl ExpectServerHelloDone {
    fn handle(
        mut self: Box<Self>,
        cx: &mut CommonState,
        input: HsInput,
    ) -> Result<ClientState, Error> {
        let HsInput::Handshake(
            HandshakeMessagePayload {
                payload: HandshakePayload::ServerHelloDone,
                ..
            },
            raw,
        ) = &input
        else {
            return Err(unexpected(&input, &[HandshakeType::ServerHelloDone]));
        };
        self.transcript.add(raw);

        let cke = SrpClientKeyExchange {
            a: core::mem::take(&mut self.client_public),
        };
        let msg =
            HandshakeMessagePayload::new(HandshakePayload::ClientKeyExchange(cke.get_encoding()));
        let bytes = msg.get_encoding();
        self.transcript.add(&bytes);
        cx.queue_handshake(&bytes);

        // RFC 7627 4: the session hash covers everything up to and including the CKE.
        let session_hash = self.transcript.current_hash();
        let mut secrets = ConnectionSecrets::new(
            self.suite,
            &self.premaster,
            self.client_random,
            self.server_random,
            cx.extended_master_secret.then_some(&session_hash),
        );
        secrets.install_keys(&mut cx.record_layer, Side::Client, cx.encrypt_then_mac);
        cx.send_ccs()?;

        let vd = secrets.verify_data(Side::Client, &self.transcript.current_hash());
        secrets.set_first_finished(vd);
        let fin = HandshakeMessagePayload::new(HandshakePayload::Finished(vd.to_vec()));
        let bytes = fin.get_encoding();
        self.transcript.add(&bytes);
        cx.queue_handshake(&bytes);
        cx.flush_handshake()?;
        Ok(ExpectCcs {
            transcript: self.transcript,
            secrets,
            sessions: self.sessions,
            resumed: false,
        }
        .into_state())
    }
}

impl ExpectCcs {
    /// The state after the server's hello (resumed) or our Finished (full): a
    /// NewSessionTicket first if the server announced one, else its ChangeCipherSpec.
    fn into_state(self) -> ClientState {
        match self.sessions.ticket_acked {
            true => ClientState::ExpectNewTicket(Box::new(self)),
            false => ClientState::ExpectCcs(Box::new(self)),
        }
    }

    /// RFC 5077 3.3: the NewSessionTicket the server announced, before its CCS.
    fn handle_ticket(
        mut self: Box<Self>,
        _cx: &mut CommonState,
        input: HsInput,
    ) -> Result<ClientState, Error> {
        let HsInput::Handshake(
            HandshakeMessagePayload {
                payload: HandshakePayload::NewSessionTicket(nst),
                ..
            },
            raw,
        ) = &input
        else {
            return Err(unexpected(&input, &[HandshakeType::NewSessionTicket]));
        };
        self.transcript.add(raw);
        // An empty ticket means "no ticket this time" (RFC 5077 3.3).
        if !nst.ticket.is_empty() {
            self.sessions.new_ticket = Some((nst.ticket.clone(), nst.lifetime_hint));
        }
        Ok(ClientState::ExpectCcs(self))
    }

    fn handle(self: Box<Self>, cx: &mut CommonState, input: HsInput) -> Result<ClientState, Error> {
        if !matches!(input, HsInput::ChangeCipherSpec) {
            return Err(Error::InappropriateMessage {
                expect_types: vec![ContentType::ChangeCipherSpec],
                got_type: ContentType::Handshake,
            });
        }
        cx.record_layer.start_decrypting()?;
        Ok(ClientState::ExpectFinished(Box::new(ExpectFinished {
            transcript: self.transcript,
            secrets: self.secrets,
            sessions: self.sessions,
            resumed: self.resumed,
        })))
    }
}

impl ExpectFinished {
    fn handle(
        mut self: Box<Self>,
        cx: &mut CommonState,
        input: HsInput,
    ) -> Result<ClientState, Error> {
        let HsInput::Handshake(
            HandshakeMessagePayload {
                payload: HandshakePayload::Finished(vd),
                ..
            },
            raw,
        ) = &input
        else {
            return Err(unexpected(&input, &[HandshakeType::Finished]));
        };
        let expected = self
            .secrets
            .verify_data(Side::Server, &self.transcript.current_hash());
        if !verify_data_matches(&expected, vd) {
            return Err(Error::FinishedMismatch);
        }
        if self.resumed {
            // Abbreviated handshake: the server's Finished came first (it is tls-unique);
            // ours closes the handshake.
            self.secrets.set_first_finished(expected);
            self.transcript.add(raw);
            cx.send_ccs()?;
            let ours = self
                .secrets
                .verify_data(Side::Client, &self.transcript.current_hash());
            let fin = HandshakeMessagePayload::new(HandshakePayload::Finished(ours.to_vec()));
            cx.queue_handshake(&fin.get_encoding());
            cx.flush_handshake()?;
        }
        self.sessions.save(cx, &self.secrets);
        cx.secrets = Some(self.secrets);
        cx.start_traffic()?;
        Ok(ClientState::Traffic)
    }
}
