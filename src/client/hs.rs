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

use super::{ClientConfig, ClientConnectionData, SessionRef};
use crate::common_state::HandshakeKind;
use crate::crypto::prf::Transcript;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::hs::{self, require_msg, Context, ExpectCcs, HsInput, State, Traffic};
use crate::msgs::codec::Codec;
use crate::msgs::enums::{CipherSuite, Compression, ProtocolVersion};
#[cfg(feature = "rustls")]
use crate::msgs::handshake::DigitallySigned;
use crate::msgs::handshake::{
    Asn1Cert, ClientExtension, ClientHelloPayload, HandshakePayload, Random, ServerExtension,
    SessionId, SrpClientKeyExchange, SrpServerKeyExchange,
};
use crate::session::{now_secs, ClientSession, ClientSessionKey, ClientSessionStore, SessionValue};
use crate::srp::{self, SrpGroup};
use crate::suites::{self, SupportedCipherSuite};
use crate::tls12::{ConnectionSecrets, Side};

type Cx<'a, 'b> = &'a mut Context<'b, ClientConnectionData>;
type Next = Result<Box<dyn State<ClientConnectionData>>, Error>;

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
    fn save(&mut self, resumed: bool, ems: bool, secrets: &ConnectionSecrets) {
        let Some(store) = &self.store else {
            return;
        };
        let now = now_secs();
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
                extended_master_secret: ems,
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

    /// The stored session, to forget if a resumption goes wrong.
    fn offered_ref(&self) -> Option<SessionRef> {
        Some(SessionRef {
            store: self.store.clone()?,
            key: self.key.clone(),
        })
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
    /// The suites in our ClientHello.
    offered: Vec<CipherSuite>,
    /// How to check a certificate, when the signed (SRP-RSA) suites were offered.
    cert_check: Option<CertCheck>,
}

/// How the client checks the server's certificate in the SRP-RSA suites: the verifier and
/// the name to check the certificate against.
#[cfg(feature = "rustls")]
pub(crate) struct CertCheck {
    auth: Arc<crate::cert::ServerAuth>,
    server_name: String,
}
/// Without the `rustls` feature no certificate can be checked, and the signed suites are
/// never offered.
#[cfg(not(feature = "rustls"))]
pub(crate) type CertCheck = core::convert::Infallible;

/// A certificate check if the signed suites can be offered: a verifier, and a name to
/// check the certificate against.
fn cert_check(config: &ClientConfig, server_name: Option<&str>) -> Option<CertCheck> {
    #[cfg(feature = "rustls")]
    return Some(CertCheck {
        auth: config.server_auth.clone()?,
        server_name: server_name.filter(|n| !n.is_empty())?.to_owned(),
    });
    #[cfg(not(feature = "rustls"))]
    {
        let _ = (config, server_name);
        None
    }
}

/// The server's certificate chain (SRP-RSA suites), checked at once.
pub(crate) struct ExpectCertificate {
    kx: ExpectServerKx,
    check: CertCheck,
}

pub(crate) struct ExpectServerKx {
    config: Arc<ClientConfig>,
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    suite: &'static SupportedCipherSuite,
    sessions: Sessions,
    /// SRP-RSA: the check and the server's (already verified) end-entity certificate, which
    /// must have signed the ServerKeyExchange.
    signed_by: Option<(CertCheck, Asn1Cert)>,
}

pub(crate) struct ExpectServerHelloDone {
    config: Arc<ClientConfig>,
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    suite: &'static SupportedCipherSuite,
    premaster: Zeroizing<Vec<u8>>,
    client_public: Vec<u8>,
    sessions: Sessions,
}

/// The server's Finished (after its ChangeCipherSpec, and an optional NewSessionTicket
/// before that).
pub(crate) struct ExpectFinished {
    transcript: Transcript,
    secrets: ConnectionSecrets,
    sessions: Sessions,
    resumed: bool,
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
pub(crate) fn start(config: Arc<ClientConfig>, server_name: Option<&str>, cx: Cx<'_, '_>) -> Next {
    if config.pake.is_some() {
        return crate::tls13::client::start(config, server_name, cx);
    }
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
    // The signed (SRP-RSA) suites only when we can check a certificate, with the signature
    // schemes we can check (RFC 5246 7.4.1.4.1).
    let cert_check = cert_check(&config, server_name);
    #[cfg(feature = "rustls")]
    if let Some(check) = &cert_check {
        extensions.push(ClientExtension::SignatureAlgorithms(check.auth.schemes()));
    }
    let offered: Vec<CipherSuite> = config
        .cipher_suites
        .iter()
        .filter(|s| !s.signed || cert_check.is_some())
        .map(|s| s.suite)
        .collect();
    if offered.is_empty() {
        return Err(Error::ApiMisuse(
            "no cipher suite to offer (the SRP-RSA suites need ClientConfig::server_auth and a server name)",
        ));
    }

    let hello = ClientHelloPayload {
        client_version: ProtocolVersion::TLSv1_2,
        random: Random(client_random),
        session_id: SessionId(sessions.offered_id.clone()),
        cipher_suites: offered.clone(),
        compression_methods: vec![Compression::Null],
        extensions,
    };
    let mut transcript = Transcript::new();
    // Widest compatibility: the first flight's records say TLS 1.0 (RFC 5246 E.1).
    cx.io.record_version = ProtocolVersion::TLSv1_0;
    cx.io
        .emit(&mut transcript, HandshakePayload::ClientHello(hello));
    cx.io.flush_handshake()?;
    cx.io.record_version = ProtocolVersion::TLSv1_2;

    Ok(Box::new(ExpectServerHello {
        config,
        transcript,
        client_random,
        sent_sni: sni.is_some(),
        sessions,
        offered,
        cert_check,
    }))
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

impl State<ClientConnectionData> for ExpectServerHello {
    fn handle(mut self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        let (sh, raw) = require_msg!(input, ServerHello);
        if sh.server_version != ProtocolVersion::TLSv1_2 {
            return Err(PeerMisbehaved::SelectedUnofferedVersion.into());
        }
        let suite = Some(sh.cipher_suite)
            .filter(|s| self.offered.contains(s))
            .and_then(suites::lookup)
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
                    cx.facts.alpn_protocol = Some(p.clone());
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
        cx.facts.suite = Some(suite);
        cx.facts.extended_master_secret = ems;
        cx.facts.encrypt_then_mac = etm;
        let mut sessions = self.sessions;
        let resumed = !sessions.offered_id.is_empty() && sh.session_id.0 == sessions.offered_id;
        if let (true, Some(offered)) = (resumed, &sessions.offered) {
            // From here on, a failure forgets the session, so that the next connection
            // makes a full handshake.
            cx.data.resuming = sessions.offered_ref();
            // RFC 5246 7.4.1.3 / RFC 7627 5.3: same suite, same EMS, or abort.
            if offered.value.suite != suite.suite {
                return Err(PeerMisbehaved::ResumptionWithDifferentCipherSuite.into());
            }
            if offered.value.extended_master_secret != ems {
                return Err(PeerMisbehaved::ExtendedMasterSecretMismatch.into());
            }
            let secrets = ConnectionSecrets::resume(
                suite,
                &offered.value.master_secret,
                self.client_random,
                sh.random.0,
                &*self.config.key_log,
            );
            secrets.install_keys(&mut cx.io.record_layer, Side::Client, etm);
            sessions.group_bits = offered.value.srp_group_bits;
            cx.facts.srp_group_bits = Some(offered.value.srp_group_bits);
            cx.facts.handshake_kind = Some(HandshakeKind::Resumed);
            return Ok(ExpectFinished {
                transcript: self.transcript,
                secrets,
                resumed: true,
                sessions,
            }
            .after_ccs());
        }
        sessions.server_session_id = sh.session_id.0.clone();
        cx.facts.handshake_kind = Some(HandshakeKind::Full);
        let kx = ExpectServerKx {
            config: self.config,
            transcript: self.transcript,
            client_random: self.client_random,
            server_random: sh.random.0,
            suite,
            sessions,
            signed_by: None,
        };
        match (suite.signed, self.cert_check) {
            (false, _) => Ok(Box::new(kx)),
            (true, Some(check)) => Ok(Box::new(ExpectCertificate { kx, check })),
            // Not offered, so already refused above.
            (true, None) => Err(PeerMisbehaved::SelectedUnofferedCipherSuite.into()),
        }
    }
}

impl State<ClientConnectionData> for ExpectCertificate {
    fn handle(self: Box<Self>, _cx: Cx<'_, '_>, input: HsInput) -> Next {
        let (cert, raw) = require_msg!(input, Certificate);
        let Self { mut kx, check } = *self;
        let end_entity = verify_chain(&check, &cert.certs)?;
        kx.transcript.add(raw);
        kx.signed_by = Some((check, end_entity));
        Ok(Box::new(kx))
    }
}

/// Checks the server's chain and name; gives its end-entity certificate.
#[cfg(feature = "rustls")]
fn verify_chain(check: &CertCheck, chain: &[Asn1Cert]) -> Result<Asn1Cert, Error> {
    check.auth.verify_chain(chain, &check.server_name)?;
    chain
        .first()
        .cloned()
        .ok_or(Error::General("empty chain".into()))
}

#[cfg(not(feature = "rustls"))]
fn verify_chain(check: &CertCheck, _: &[Asn1Cert]) -> Result<Asn1Cert, Error> {
    match *check {}
}

/// Decodes an SRP-RSA ServerKeyExchange (`ServerSRPParams` then a `digitally-signed`
/// element) and checks its signature over `client_random + server_random + params` with
/// the server's certificate, in a scheme we offered.
#[cfg(feature = "rustls")]
fn verify_signed_kx(
    (check, end_entity): &(CertCheck, Asn1Cert),
    body: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<SrpServerKeyExchange, Error> {
    let mut r = crate::msgs::codec::Reader::init(body);
    let params = SrpServerKeyExchange::read(&mut r)?;
    let rest = r.rest();
    let signed_params = &body[..body.len() - rest.len()];
    let signature = DigitallySigned::read_bytes(rest)?;
    if !check.auth.schemes().contains(&signature.scheme) {
        return Err(PeerMisbehaved::SignedWithUnofferedScheme.into());
    }
    let message = [&client_random[..], &server_random[..], signed_params].concat();
    check
        .auth
        .verify_signature(end_entity, signature.scheme, &message, &signature.signature)?;
    Ok(params)
}

#[cfg(not(feature = "rustls"))]
fn verify_signed_kx(
    (check, _): &(CertCheck, Asn1Cert),
    _: &[u8],
    _: &[u8; 32],
    _: &[u8; 32],
) -> Result<SrpServerKeyExchange, Error> {
    match *check {}
}

impl State<ClientConnectionData> for ExpectServerKx {
    fn handle(mut self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        let (body, raw) = require_msg!(input, ServerKeyExchange);
        let skx = match &self.signed_by {
            None => SrpServerKeyExchange::read_bytes(body)?,
            Some(signer) => {
                verify_signed_kx(signer, body, &self.client_random, &self.server_random)?
            }
        };
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
        cx.facts.srp_group_bits = Some(group.bits());
        let mut sessions = self.sessions;
        sessions.group_bits = group.bits();
        Ok(Box::new(ExpectServerHelloDone {
            config: self.config,
            transcript: self.transcript,
            client_random: self.client_random,
            server_random: self.server_random,
            suite: self.suite,
            premaster,
            client_public: key_pair.public.clone(),
            sessions,
        }))
    }
}

impl State<ClientConnectionData> for ExpectServerHelloDone {
    fn handle(mut self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        let raw = require_msg!(input, ServerHelloDone, empty);
        self.transcript.add(raw);

        let cke = SrpClientKeyExchange {
            a: core::mem::take(&mut self.client_public),
        };
        cx.io.emit(
            &mut self.transcript,
            HandshakePayload::ClientKeyExchange(cke.get_encoding()),
        );

        // RFC 7627 4: the session hash covers everything up to and including the CKE.
        let session_hash = self.transcript.current_hash();
        let mut secrets = ConnectionSecrets::new(
            self.suite,
            &self.premaster,
            self.client_random,
            self.server_random,
            cx.facts.extended_master_secret.then_some(&session_hash),
            &*self.config.key_log,
        );
        secrets.install_keys(
            &mut cx.io.record_layer,
            Side::Client,
            cx.facts.encrypt_then_mac,
        );
        let ours = hs::send_finished(cx.io, &secrets, Side::Client, &mut self.transcript)?;
        secrets.set_first_finished(ours);
        Ok(ExpectFinished {
            transcript: self.transcript,
            secrets,
            sessions: self.sessions,
            resumed: false,
        }
        .after_ccs())
    }
}

impl ExpectFinished {
    /// The state after the server's hello (resumed) or our Finished (full): a
    /// NewSessionTicket first if the server announced one, else its ChangeCipherSpec, then
    /// this.
    fn after_ccs(self) -> Box<dyn State<ClientConnectionData>> {
        match self.sessions.ticket_acked {
            true => Box::new(ExpectNewTicket(self)),
            false => Box::new(ExpectCcs(self)),
        }
    }
}

/// RFC 5077 3.3: the NewSessionTicket the server announced, before its CCS.
pub(crate) struct ExpectNewTicket(ExpectFinished);

impl State<ClientConnectionData> for ExpectNewTicket {
    fn handle(self: Box<Self>, _cx: Cx<'_, '_>, input: HsInput) -> Next {
        let (nst, raw) = require_msg!(input, NewSessionTicket);
        let mut next = self.0;
        next.transcript.add(raw);
        // An empty ticket means "no ticket this time" (RFC 5077 3.3).
        if !nst.ticket.is_empty() {
            next.sessions.new_ticket = Some((nst.ticket.clone(), nst.lifetime_hint));
        }
        Ok(Box::new(ExpectCcs(next)))
    }
}

impl State<ClientConnectionData> for ExpectFinished {
    fn handle(mut self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        let (vd, raw) = require_msg!(input, Finished);
        let (expected, ok) = hs::check_finished(&self.secrets, Side::Server, &self.transcript, vd);
        if !ok {
            return Err(Error::FinishedMismatch);
        }
        if self.resumed {
            // Abbreviated handshake: the server's Finished came first (it is tls-unique);
            // ours closes the handshake.
            self.secrets.set_first_finished(expected);
            self.transcript.add(raw);
            hs::send_finished(cx.io, &self.secrets, Side::Client, &mut self.transcript)?;
        }
        self.sessions
            .save(self.resumed, cx.facts.extended_master_secret, &self.secrets);
        cx.facts.secrets = Some(self.secrets);
        cx.io.start_traffic()?;
        Ok(Box::new(Traffic))
    }
}
