//! The server's TLS 1.2 SRP handshake: one state per awaited message.
//!
//! ```text
//!                        <--  ClientHello (srp: username)
//!  (user lookup: synchronous through the store, or paused for the application)
//!  (rate limiter: the attempt starts; paused for its delay, if any)
//! ServerHello, ServerKeyExchange (N, g, s, B), ServerHelloDone -->
//!                        <--  ClientKeyExchange (A), [ChangeCipherSpec], Finished
//!  (rate limiter: the attempt is settled)
//! [ChangeCipherSpec], Finished -->
//! ```
//!
//! Resumption (session ID or RFC 5077 ticket), after the same user lookup, tests no
//! password and is not rate limited:
//!
//! ```text
//! ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished -->
//!                        <--  ChangeCipherSpec, Finished
//! ```
//!
//! Unknown users are simulated by default (RFC 5054 2.5.1.3): the salt and the fake
//! verifier are derived from a server secret and the username, so they are the same on
//! every attempt, and the handshake fails exactly where a wrong password fails: the
//! client's Finished record does not authenticate (`bad_record_mac`). A locked-out user is
//! answered the same way, with the real group and salt and a derived verifier.

use std::sync::Arc;
use std::time::Instant;

use super::{Lookup, ServerConfig, ServerConnectionData, UnknownUserPolicy, UserRecord};
use crate::common_state::HandshakeKind;
use crate::crypto::prf::{self, Transcript};
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::hs::{self, require_msg, Context, ExpectCcs, HsInput, Pause, State, Traffic};
use crate::limits::{Decision, Verdict};
use crate::msgs::codec::Codec;
use crate::msgs::enums::{CipherSuite, Compression, ProtocolVersion};
use crate::msgs::handshake::{
    ClientExtension, ClientHelloPayload, DigitallySigned, HandshakePayload,
    NewSessionTicketPayload, Random, ServerExtension, ServerHelloPayload, SessionId,
    SrpClientKeyExchange, SrpServerKeyExchange,
};
use crate::session::{now_secs, SessionValue};
use crate::srp::{self, ServerKeyPair, SrpGroup};
use crate::suites::SupportedCipherSuite;
use crate::tls12::{ConnectionSecrets, Side};

type Cx<'a, 'b> = &'a mut Context<'b, ServerConnectionData>;
type Next = Result<Box<dyn State<ServerConnectionData>>, Error>;

/// The first state: waiting for the ClientHello.
pub(crate) struct ExpectClientHello {
    pub(crate) config: Arc<ServerConfig>,
}

/// What we agreed from the ClientHello, while the user is being looked up.
struct AwaitUser {
    config: Arc<ServerConfig>,
    transcript: Transcript,
    client_random: [u8; 32],
    suite: &'static SupportedCipherSuite,
    /// The username as sent (lossily decoded if it is not UTF-8: then it is nobody's).
    username: String,
    /// Whether to answer renegotiation_info (the client signalled RFC 5746 support).
    secure_renegotiation: bool,
    /// The client's session ID (echoed when resuming from a ticket, RFC 5077 3.4).
    client_session_id: SessionId,
    /// A session the client offered that we could resume, if the user still checks out.
    resumable: Option<SessionValue>,
    /// The client sent the session_ticket extension and we have a ticketer.
    send_ticket: bool,
    /// For a signed (SRP-RSA) suite: the certificate's signer, in a scheme the client takes.
    signer: Option<Signer>,
}

/// What signs an SRP-RSA ServerKeyExchange (nothing can without the `rustls` feature).
#[cfg(feature = "rustls")]
type Signer = Box<dyn rustls::sign::Signer>;
#[cfg(not(feature = "rustls"))]
type Signer = core::convert::Infallible;

/// Our preferred suite among those the client offers. A signed (SRP-RSA) one only with a
/// certificate whose key signs in a scheme the client accepts (RFC 5246 7.4.1.4.1).
fn choose_suite(
    config: &ServerConfig,
    ch: &ClientHelloPayload,
) -> Result<(&'static SupportedCipherSuite, Option<Signer>), Error> {
    for ours in &config.cipher_suites {
        let Some(suite) = crate::suites::lookup(ours.suite) else {
            continue;
        };
        if !ch.cipher_suites.contains(&suite.suite) {
            continue;
        }
        if !suite.signed {
            return Ok((suite, None));
        }
        #[cfg(feature = "rustls")]
        if let Some(signer) = config
            .certificate
            .as_ref()
            .and_then(|ck| crate::cert::choose_signer(ck, ch.signature_algorithms()))
        {
            return Ok((suite, Some(signer)));
        }
    }
    Err(PeerIncompatible::NoCipherSuitesInCommon.into())
}

/// The server's Certificate message and the signature that ends an SRP-RSA
/// ServerKeyExchange (over `client_random + server_random + ServerSRPParams`).
#[cfg(feature = "rustls")]
fn signed_parts(
    config: &ServerConfig,
    signer: &Signer,
    signed: &[&[u8]],
) -> Result<(HandshakePayload, DigitallySigned), Error> {
    use crate::msgs::handshake::{Asn1Cert, CertificatePayload};
    let chain = config
        .certificate
        .as_ref()
        .map(|ck| ck.cert.iter().map(|c| Asn1Cert(c.to_vec())).collect())
        .unwrap_or_default();
    let signature = signer
        .sign(&signed.concat())
        .map_err(|e| Error::General(format!("signing the ServerKeyExchange: {e}")))?;
    Ok((
        HandshakePayload::Certificate(CertificatePayload { certs: chain }),
        DigitallySigned {
            scheme: crate::msgs::enums::SignatureScheme::from(u16::from(signer.scheme())),
            signature,
        },
    ))
}

#[cfg(not(feature = "rustls"))]
fn signed_parts(
    _: &ServerConfig,
    signer: &Signer,
    _: &[&[u8]],
) -> Result<(HandshakePayload, DigitallySigned), Error> {
    match *signer {}
}

/// A full handshake ready to send its first flight, not before `not_before` (the rate
/// limiter's delay).
struct SendFlight {
    hello: AwaitUser,
    record: UserRecord,
    simulated: bool,
    not_before: Instant,
}

/// What a full handshake carries forward to make the session resumable at the end.
struct NewSession {
    config: Arc<ServerConfig>,
    /// Our session ID for the cache (empty: nothing to cache).
    session_id: Vec<u8>,
    send_ticket: bool,
    verifier_hash: [u8; 32],
    group_bits: u32,
    username: String,
}

struct ExpectClientKx {
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    suite: &'static SupportedCipherSuite,
    group: &'static SrpGroup,
    verifier: Vec<u8>,
    key_pair: ServerKeyPair,
    simulated: bool,
    new_session: NewSession,
}

/// Whether the handshake is full (and what to do with its session) or resumed.
enum Flow {
    Full(NewSession),
    Resumed,
}

struct ExpectFinished {
    transcript: Transcript,
    secrets: ConnectionSecrets,
    simulated: bool,
    flow: Flow,
}

impl State<ServerConnectionData> for ExpectClientHello {
    fn handle(self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        let (ch, raw) = require_msg!(input, ClientHello);
        let config = self.config;
        // The hello is in: from now on the whole handshake's deadline applies.
        *cx.deadline = config.handshake_timeout.map(|t| cx.data.started + t);
        if ch.has_duplicate_extension() {
            return Err(PeerMisbehaved::DuplicateExtension.into());
        }
        if !ch.compression_methods.contains(&Compression::Null) {
            return Err(PeerMisbehaved::MissingNullCompression.into());
        }
        // TLS 1.3 and a SPAKE2+ share, and we run PAKE: the TLS 1.3 handshake instead.
        if crate::tls13::server::wants_pake(&config, ch) {
            return crate::tls13::server::start(config, ch, raw, cx);
        }
        check_version(ch)?;
        // RFC 5746 3.6: on an initial handshake renegotiation_info must be empty.
        let reneg_ext = ch.renegotiation_info();
        if reneg_ext.is_some_and(|v| !v.is_empty()) {
            return Err(PeerMisbehaved::BadRenegotiationInfo.into());
        }
        let secure_renegotiation = reneg_ext.is_some()
            || ch
                .cipher_suites
                .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);

        let (suite, signer) = choose_suite(&config, ch)?;

        // RFC 5054 2.5.1.2: SRP suites offered without the SRP extension.
        let username = ch
            .srp_username()
            .ok_or(PeerIncompatible::MissingSrpExtension)?;

        let ems_offered = ch.ems_offered();
        if config.require_extended_master_secret && !ems_offered {
            return Err(PeerIncompatible::ExtendedMasterSecretRequired.into());
        }
        cx.facts.extended_master_secret = ems_offered && config.enable_extended_master_secret;
        cx.facts.encrypt_then_mac = ch.etm_offered() && config.enable_encrypt_then_mac;

        if let Some(offered) = ch.alpn_protocols() {
            if !config.alpn_protocols.is_empty() {
                let chosen = config
                    .alpn_protocols
                    .iter()
                    .find(|p| offered.contains(p))
                    .ok_or(PeerIncompatible::NoApplicationProtocolInCommon)?;
                cx.facts.alpn_protocol = Some(chosen.clone());
            }
        }
        cx.data.sni = ch
            .sni_hostname()
            .and_then(|h| core::str::from_utf8(h).ok())
            .map(|h| h.to_ascii_lowercase());
        cx.facts.suite = Some(suite);

        let mut transcript = Transcript::new();
        transcript.add(raw);

        // A username that is not UTF-8 cannot be anybody's: treat it as unknown (no lookup).
        let utf8_username = core::str::from_utf8(username).ok();
        cx.data.requested_username = utf8_username.map(str::to_owned);
        let send_ticket = config.ticketer.is_some() && ch.session_ticket().is_some();
        let resumable = utf8_username.and_then(|name| {
            find_resumable(
                &config,
                ch,
                name,
                cx.data.sni.as_deref(),
                cx.facts.extended_master_secret,
            )
        });
        let pending = Box::new(AwaitUser {
            config,
            transcript,
            client_random: ch.random.0,
            suite,
            username: String::from_utf8_lossy(username).into_owned(),
            secure_renegotiation,
            client_session_id: ch.session_id.clone(),
            resumable,
            send_ticket,
            signer,
        });
        let Some(username) = utf8_username else {
            return pending.with_user(cx, None);
        };
        match &pending.config.user_store {
            Some(store) => match store.lookup_deferred(username) {
                Lookup::Ready(record) => pending.with_user(cx, record),
                Lookup::Later(fut) => {
                    cx.data.lookup = Some(super::HeldLookup::new(fut));
                    Ok(pending)
                }
            },
            None => Ok(pending),
        }
    }
}

impl State<ServerConnectionData> for AwaitUser {
    fn handle(self: Box<Self>, _cx: Cx<'_, '_>, _input: HsInput) -> Next {
        Err(Error::General(
            "handshake message while awaiting a user lookup".into(),
        ))
    }

    fn pause(&self) -> Option<Pause> {
        Some(Pause::Application)
    }

    fn resume(self: Box<Self>, cx: Cx<'_, '_>) -> Next {
        match cx.data.supplied_user.take() {
            Some(record) => self.with_user(cx, record),
            None => Ok(self),
        }
    }
}

/// The session the client offers (ticket first, then session ID), if we may resume it:
/// ours, fresh, for the same username and SNI host name, with a suite the client offers and
/// we enable, and with the same extended_master_secret choice as this connection (RFC 7627
/// 5.3: any mismatch means a full handshake).
fn find_resumable(
    config: &ServerConfig,
    ch: &ClientHelloPayload,
    username: &str,
    sni: Option<&str>,
    ems: bool,
) -> Option<SessionValue> {
    let from_ticket = || {
        let ticket = ch.session_ticket().filter(|t| !t.is_empty())?;
        let plain = config.ticketer.as_ref()?.open(ticket)?;
        SessionValue::decode(&plain)
    };
    let from_id = || {
        if ch.session_id.is_empty() {
            return None;
        }
        let stored = config.session_storage.as_ref()?.get(&ch.session_id.0)?;
        SessionValue::decode(&stored)
    };
    let session = from_ticket().or_else(from_id)?;
    let lifetime = config.session_lifetime.as_secs();
    let usable = session.is_fresh(now_secs(), lifetime)
        && session.username == username
        && session.server_name == sni.unwrap_or_default()
        && session.extended_master_secret == ems
        && ch.cipher_suites.contains(&session.suite)
        && config
            .cipher_suites
            .iter()
            .any(|s| s.suite == session.suite);
    usable.then_some(session)
}

/// Binds a session to the verifier (and group and salt) it was made with: a later lookup
/// of the user must give the same record for the session to be resumed.
fn verifier_hash(record: &UserRecord) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"tls-srp session binding");
    h.update(record.group.bits().to_be_bytes());
    h.update([record.salt.len() as u8]);
    h.update(&record.salt);
    h.update(&record.verifier);
    h.finalize().into()
}

/// We speak TLS 1.2 only. A client that also offers TLS 1.3 gets a plain TLS 1.2 answer:
/// a TLS 1.2-only server must NOT put the RFC 8446 4.1.3 downgrade marker in its random
/// (that marker is for servers that support 1.3; curl and s_client abort on seeing it).
fn check_version(ch: &ClientHelloPayload) -> Result<(), Error> {
    let supported = ch.extensions.iter().find_map(|e| match e {
        ClientExtension::SupportedVersions(v) => Some(v),
        _ => None,
    });
    let tls12_offered = match supported {
        // RFC 8446 4.2.1: when present, only this list counts.
        Some(list) => list.contains(&ProtocolVersion::TLSv1_2),
        None => ch.client_version.get() >= ProtocolVersion::TLSv1_2.get(),
    };
    match tls12_offered {
        true => Ok(()),
        false => Err(PeerIncompatible::Tls12NotOffered.into()),
    }
}

/// A record that no password opens, derived from the server's secret and the username, in
/// `group`: RFC 5054 2.5.1.3's simulated user for an unknown username (a group and salt
/// length drawn from the store's records, see [`simulated_shape`], a derived salt, the same
/// on every attempt and across restarts when the secret is persisted), and the decoy
/// verifier for a locked-out one (who keeps the real group and salt). The verifier is a
/// uniformly distributed value mod N.
///
/// Every full handshake derives one, whoever the user is, so that known, unknown and
/// locked-out users all cost the same work (benches/dudect.rs measured ~10 µs of difference
/// when only unknown users paid for the derivation).
fn decoy_record(
    config: &ServerConfig,
    username: &str,
    group: &'static SrpGroup,
    salt_len: usize,
) -> UserRecord {
    let secret = &config.simulation_secret[..];
    let salt_len = salt_len.clamp(1, 255);
    let mut salt = vec![0u8; salt_len];
    // Real salts never start with 0 (see srp::generate_salt), so neither do simulated ones.
    for counter in 0u8..=255 {
        let mut seed = username.as_bytes().to_vec();
        seed.push(counter);
        prf::prf(&mut salt, secret, b"tls-srp simulated salt", &seed);
        if salt[0] != 0 {
            break;
        }
    }
    let mut wide = zeroize::Zeroizing::new(vec![0u8; group.byte_len() + 16]);
    prf::prf(
        &mut wide,
        secret,
        b"tls-srp simulated verifier",
        username.as_bytes(),
    );
    let verifier = srp::reduce_mod_n(group, &wide);
    UserRecord {
        group,
        salt,
        verifier,
    }
}

/// The group and salt length of `username`'s simulated record: drawn from the store's
/// records ([`crate::UserStore::record_shapes`]) by a PRF of the server secret and the
/// username, so that unknown users look like the real ones and each keeps its shape while
/// the records do; the config's `simulated_group` and `simulated_salt_len` when the store
/// describes nothing (or has no records, or there is no store). Drawn on every full
/// handshake, known user or not.
fn simulated_shape(config: &ServerConfig, username: &str) -> (&'static SrpGroup, usize) {
    let shapes = config.user_store.as_ref().and_then(|s| s.record_shapes());
    shapes
        .as_deref()
        .and_then(|s| s.draw(&config.simulation_secret[..], username))
        .unwrap_or((config.simulated_group, config.simulated_salt_len))
}

impl AwaitUser {
    fn with_user(self: Box<Self>, cx: Cx<'_, '_>, record: Option<UserRecord>) -> Next {
        // Resume only if the user still exists with the same verifier: deleting a user or
        // changing a password ends their sessions.
        if let (Some(session), Some(rec)) = (&self.resumable, &record) {
            use subtle::ConstantTimeEq;
            if bool::from(verifier_hash(rec).ct_eq(&session.verifier_hash)) {
                return self.abbreviated(cx);
            }
        }
        if record.is_none() && self.config.unknown_users == UnknownUserPolicy::Reject {
            return Err(Error::UnknownUser);
        }
        // A full handshake: an attempt for the rate limiter, counted from now.
        let decision = match &self.config.rate_limiter {
            Some(limiter) => {
                let username = cx.data.requested_username.as_deref();
                let (decision, attempt) = limiter.begin(username, cx.data.peer);
                cx.data.attempt = Some(attempt);
                decision
            }
            None => Decision::Allow,
        };
        cx.data.rate_limit = Some(decision);
        // The same allocations and derivations on every path: a store lookup cloned the
        // known user's record, so the unknown user's is cloned too.
        let (simulated_group, salt_len) = simulated_shape(&self.config, &self.username);
        let group = record.as_ref().map_or(simulated_group, |r| r.group);
        let decoy =
            core::hint::black_box(decoy_record(&self.config, &self.username, group, salt_len));
        let (record, simulated) = match record {
            Some(r) if !decision.must_fail() => (r, false),
            // Locked out: the real group and salt, a verifier that no password opens.
            Some(r) => (
                UserRecord {
                    salt: r.salt,
                    ..decoy
                },
                true,
            ),
            None => (core::hint::black_box(decoy.clone()), true),
        };
        if record.salt.is_empty() || record.salt.len() > 255 {
            return Err(Error::General(
                "user record has a salt outside 1..=255 bytes".into(),
            ));
        }
        if record.verifier.is_empty() || record.verifier.len() > record.group.byte_len() {
            return Err(Error::General(
                "user record has a verifier longer than N".into(),
            ));
        }
        let flight = Box::new(SendFlight {
            hello: *self,
            record,
            simulated,
            not_before: Instant::now() + decision.delay(),
        });
        match decision.delay().is_zero() {
            true => flight.send(cx),
            false => Ok(flight),
        }
    }

    /// The abbreviated handshake: no SRP arithmetic at all.
    fn abbreviated(self: Box<Self>, cx: Cx<'_, '_>) -> Next {
        let Self {
            config,
            mut transcript,
            client_random,
            secure_renegotiation,
            client_session_id,
            resumable,
            send_ticket,
            ..
        } = *self;
        let session = resumable.ok_or(Error::General("no session to resume".into()))?;
        // find_resumable checked that both sides enable the session's suite.
        let suite =
            crate::suites::lookup(session.suite).ok_or(PeerIncompatible::NoCipherSuitesInCommon)?;
        cx.facts.suite = Some(suite);
        let server_random = crate::rand::random_array::<32>()?;
        // Echo the client's session ID: the ID it resumed by, or (RFC 5077 3.4) whatever it
        // sent with its ticket, which is how it recognises the resumption.
        let sh = server_hello(
            cx,
            server_random,
            client_session_id,
            suite,
            secure_renegotiation,
            send_ticket,
        );
        cx.io
            .emit(&mut transcript, HandshakePayload::ServerHello(sh));
        if send_ticket {
            // A fresh ticket for the same session (same creation time: resuming never
            // extends a session's life).
            cx.io
                .emit(&mut transcript, new_session_ticket(&config, &session));
        }
        let mut secrets = ConnectionSecrets::resume(
            suite,
            &session.master_secret,
            client_random,
            server_random,
            &*config.key_log,
        );
        secrets.install_keys(
            &mut cx.io.record_layer,
            Side::Server,
            cx.facts.encrypt_then_mac,
        );
        let ours = hs::send_finished(cx.io, &secrets, Side::Server, &mut transcript)?;
        // RFC 5929 3.1: in an abbreviated handshake the first Finished is the server's.
        secrets.set_first_finished(ours);
        cx.facts.srp_group_bits = Some(session.srp_group_bits);
        cx.data.requested_username = Some(session.username.clone());
        cx.facts.handshake_kind = Some(HandshakeKind::Resumed);
        Ok(Box::new(ExpectCcs(ExpectFinished {
            transcript,
            secrets,
            simulated: false,
            flow: Flow::Resumed,
        })))
    }
}

impl State<ServerConnectionData> for SendFlight {
    fn handle(self: Box<Self>, _cx: Cx<'_, '_>, _input: HsInput) -> Next {
        Err(Error::General(
            "handshake message while the first flight is delayed".into(),
        ))
    }

    fn pause(&self) -> Option<Pause> {
        Some(Pause::Until(self.not_before))
    }

    fn resume(self: Box<Self>, cx: Cx<'_, '_>) -> Next {
        match Instant::now() >= self.not_before {
            true => self.send(cx),
            false => Ok(self),
        }
    }
}

impl SendFlight {
    /// ServerHello, ServerKeyExchange, ServerHelloDone.
    fn send(self: Box<Self>, cx: Cx<'_, '_>) -> Next {
        let Self {
            hello,
            record,
            simulated,
            ..
        } = *self;
        let group = record.group;
        let key_pair = srp::server_key_pair(group, &record.verifier)?;
        let send_ticket = hello.send_ticket;
        // A session ID when we can cache the session. With a ticket on its way the
        // session lives in the ticket, but the ID is still sent: some clients only treat
        // a session as resumable when it has one.
        // Simulated users get one too: an empty ID would tell them apart.
        let session_id = match hello.config.session_storage.is_some() || send_ticket {
            true => crate::rand::random_array::<32>()?.to_vec(),
            false => Vec::new(),
        };
        let new_session = NewSession {
            config: hello.config.clone(),
            session_id: match send_ticket {
                true => Vec::new(),
                false => session_id.clone(),
            },
            send_ticket,
            verifier_hash: verifier_hash(&record),
            group_bits: group.bits(),
            username: hello.username,
        };
        let mut transcript = hello.transcript;
        let server_random = crate::rand::random_array::<32>()?;
        let sh = server_hello(
            cx,
            server_random,
            SessionId(session_id),
            hello.suite,
            hello.secure_renegotiation,
            send_ticket,
        );
        let params = SrpServerKeyExchange {
            n: group.n().to_vec(),
            g: group.g().to_vec(),
            s: record.salt.clone(),
            b: key_pair.public.clone(),
        }
        .get_encoding();
        cx.io
            .emit(&mut transcript, HandshakePayload::ServerHello(sh));
        // RFC 5054 2.8: an SRP-RSA server sends its certificate, and signs
        // `ClientHello.random + ServerHello.random + ServerSRPParams`.
        let mut skx = params;
        if let Some(signer) = &hello.signer {
            let signed: [&[u8]; 3] = [&hello.client_random, &server_random, &skx];
            let (certificate, signature) = signed_parts(&hello.config, signer, &signed)?;
            cx.io.emit(&mut transcript, certificate);
            signature.encode(&mut skx);
        }
        cx.io
            .emit(&mut transcript, HandshakePayload::ServerKeyExchange(skx));
        cx.io
            .emit(&mut transcript, HandshakePayload::ServerHelloDone);
        cx.io.flush_handshake()?;
        cx.facts.srp_group_bits = Some(group.bits());
        cx.facts.handshake_kind = Some(HandshakeKind::Full);
        Ok(Box::new(ExpectClientKx {
            transcript,
            client_random: hello.client_random,
            server_random,
            suite: hello.suite,
            group,
            verifier: record.verifier,
            key_pair,
            simulated,
            new_session,
        }))
    }
}

/// Our ServerHello, with the extensions this connection agreed.
fn server_hello(
    cx: Cx<'_, '_>,
    server_random: [u8; 32],
    session_id: SessionId,
    suite: &'static SupportedCipherSuite,
    secure_renegotiation: bool,
    send_ticket: bool,
) -> ServerHelloPayload {
    let mut extensions = Vec::new();
    if secure_renegotiation {
        extensions.push(ServerExtension::RenegotiationInfo(Vec::new()));
    }
    if cx.facts.extended_master_secret {
        extensions.push(ServerExtension::ExtendedMasterSecretAck);
    }
    if cx.facts.encrypt_then_mac {
        extensions.push(ServerExtension::EncryptThenMacAck);
    }
    if let Some(p) = &cx.facts.alpn_protocol {
        extensions.push(ServerExtension::Alpn(p.clone()));
    }
    if send_ticket {
        extensions.push(ServerExtension::SessionTicketAck);
    }
    ServerHelloPayload {
        server_version: ProtocolVersion::TLSv1_2,
        random: Random(server_random),
        session_id,
        cipher_suite: suite.suite,
        compression_method: Compression::Null,
        extensions,
    }
}

/// A NewSessionTicket for `session` (an empty ticket if sealing fails: RFC 5077 3.3 lets a
/// server that acknowledged the extension send one).
fn new_session_ticket(config: &ServerConfig, session: &SessionValue) -> HandshakePayload {
    let ticketer = config.ticketer.as_ref();
    let ticket = ticketer
        .and_then(|t| t.seal(&session.encode()))
        .unwrap_or_default();
    let lifetime = config
        .session_lifetime
        .as_secs()
        .saturating_sub(now_secs().saturating_sub(session.created));
    let lifetime_hint = u32::try_from(lifetime).unwrap_or(u32::MAX);
    HandshakePayload::NewSessionTicket(NewSessionTicketPayload {
        lifetime_hint,
        ticket,
    })
}

impl State<ServerConnectionData> for ExpectClientKx {
    fn handle(mut self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        let (body, raw) = require_msg!(input, ClientKeyExchange);
        let cke = SrpClientKeyExchange::read_bytes(body)?;
        // Checks A (length, A % N, A >= N) and u before any secret arithmetic.
        let premaster = srp::server_premaster(self.group, &self.key_pair, &self.verifier, &cke.a)?;
        self.transcript.add(raw);
        let session_hash = self.transcript.current_hash();
        let secrets = ConnectionSecrets::new(
            self.suite,
            &premaster,
            self.client_random,
            self.server_random,
            cx.facts.extended_master_secret.then_some(&session_hash),
            &*self.new_session.config.key_log,
        );
        secrets.install_keys(
            &mut cx.io.record_layer,
            Side::Server,
            cx.facts.encrypt_then_mac,
        );
        Ok(Box::new(ExpectCcs(ExpectFinished {
            transcript: self.transcript,
            secrets,
            simulated: self.simulated,
            flow: Flow::Full(self.new_session),
        })))
    }
}

impl State<ServerConnectionData> for ExpectFinished {
    fn handle(mut self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        let (vd, raw) = require_msg!(input, Finished);
        let (expected, ok) = hs::check_finished(&self.secrets, Side::Client, &self.transcript, vd);
        if self.simulated {
            // Unreachable in practice (the record would not have authenticated), but a
            // simulated user must never log in.
            return Err(Error::DecryptError);
        }
        if !ok {
            return Err(Error::FinishedMismatch);
        }
        // The password is right; the rate limiter has the last word (a lockout reached
        // while this attempt was in flight fails it like a wrong password).
        if let Some(attempt) = cx.data.attempt.take() {
            if attempt.settle(true) == Verdict::LockedOut {
                return Err(Error::LockedOut);
            }
        }
        // Resumed: our Finished went first and the client's completes the handshake. Full:
        // the session is stored or ticketed, then our CCS and Finished.
        if let Flow::Full(new_session) = self.flow {
            self.transcript.add(raw);
            self.secrets.set_first_finished(expected);
            let session = SessionValue {
                suite: self.secrets.suite().suite,
                master_secret: zeroize::Zeroizing::new(*self.secrets.master_secret()),
                extended_master_secret: cx.facts.extended_master_secret,
                srp_group_bits: new_session.group_bits,
                created: now_secs(),
                username: new_session.username,
                verifier_hash: new_session.verifier_hash,
                server_name: cx.data.sni.clone().unwrap_or_default(),
            };
            if new_session.send_ticket {
                cx.io.emit(
                    &mut self.transcript,
                    new_session_ticket(&new_session.config, &session),
                );
            } else if let (Some(store), false) = (
                &new_session.config.session_storage,
                new_session.session_id.is_empty(),
            ) {
                store.put(new_session.session_id, session.encode());
            }
            hs::send_finished(cx.io, &self.secrets, Side::Server, &mut self.transcript)?;
        }
        cx.facts.secrets = Some(self.secrets);
        cx.data.authenticated = true;
        cx.io.start_traffic()?;
        Ok(Box::new(Traffic))
    }
}
