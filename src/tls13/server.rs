//! The server's TLS 1.3 PAKE handshake, entered from the ClientHello state when the client
//! offers TLS 1.3 and a SPAKE2+ share and the config has PAKE parameters.
//!
//! ```text
//!                         <--  ClientHello (pake: client_identity, server_identity, shareP)
//! [HelloRetryRequest (cookie)] --> <-- ClientHello (cookie)      (require_cookie only)
//!  (record lookup; rate limiter: the attempt starts, and counts as failed unless the
//!   client's Finished arrives: our confirmV lets a client check one guess offline)
//! ServerHello (pake: shareV || confirmV), {EncryptedExtensions}, {Finished} -->
//!                         <--  {Finished}
//! ```
//!
//! Unknown users get a record derived from the server secret and the username (the same on
//! every attempt), locked-out users one too: the client's confirmation check fails exactly
//! as with a wrong password, and the server did the same work either way.

#![allow(clippy::boxed_local)]

use std::sync::Arc;
use std::time::Instant;

use super::key_schedule::{Exporter, HandshakeSecrets, TrafficSecrets};
use super::traffic::Traffic13;
use super::{
    encode_extensions, encode_server_share, handshake_bytes, PakeClientHello, Tls13CipherSuite,
    Transcript13, COOKIE_EXTENSION, HRR_RANDOM, SPAKE2PLUS_V1,
};
use crate::common_state::HandshakeKind;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::hs::{require_msg, Context, HsInput, Pause, State};
use crate::limits::{Decision, Verdict};
use crate::msgs::enums::{ExtensionType, HandshakeType, ProtocolVersion};
use crate::msgs::handshake::{ClientExtension, ClientHelloPayload};
use crate::pake::spake2plus::{PreparedRecord, Verifier, SHARE_LEN};
use crate::pake::PakeServerParams;
use crate::server::{ServerConfig, ServerConnectionData, UnknownUserPolicy};
use crate::tls12::Side;

type Cx<'a, 'b> = &'a mut Context<'b, ServerConnectionData>;
type Next = Result<Box<dyn State<ServerConnectionData>>, Error>;

/// The body of an extension we keep as `Unknown`.
pub(crate) fn unknown_extension(ch: &ClientHelloPayload, typ: ExtensionType) -> Option<&[u8]> {
    match ch.find_extension(typ)? {
        ClientExtension::Unknown { payload, .. } => Some(payload),
        _ => None,
    }
}

/// Whether this ClientHello offers TLS 1.3 with a PAKE extension.
pub(crate) fn offers_pake(ch: &ClientHelloPayload) -> bool {
    unknown_extension(ch, ExtensionType::Pake).is_some()
        && ch
            .supported_versions()
            .is_some_and(|v| v.contains(&ProtocolVersion::TLSv1_3))
}

/// Whether this ClientHello asks for TLS 1.3 PAKE and this server runs it.
pub(crate) fn wants_pake(config: &ServerConfig, ch: &ClientHelloPayload) -> bool {
    config.pake.is_some() && offers_pake(ch)
}

fn params(config: &ServerConfig) -> &PakeServerParams {
    config
        .pake
        .as_ref()
        .expect("wants_pake checked the PAKE parameters")
}

/// What the (last) ClientHello gave us.
struct Hello {
    config: Arc<ServerConfig>,
    suite: Tls13CipherSuite,
    client_random: [u8; 32],
    session_id: Vec<u8>,
    pake: PakeClientHello,
    share_p: Vec<u8>,
    transcript: Transcript13,
    /// We sent a HelloRetryRequest (and with it the compatibility-mode CCS).
    retried: bool,
}

/// Reads a PAKE ClientHello: the PAKE extension (whose client identity is the requested
/// username from then on, so that every later failure names the user), the suite, our
/// identity, the SPAKE2+ share.
fn read_hello(
    config: &Arc<ServerConfig>,
    ch: &ClientHelloPayload,
    cx: Cx<'_, '_>,
) -> Result<(Tls13CipherSuite, PakeClientHello, Vec<u8>), Error> {
    let params = params(config);
    let pake =
        PakeClientHello::decode(unknown_extension(ch, ExtensionType::Pake).unwrap_or_default())?;
    cx.data.requested_username = core::str::from_utf8(&pake.client_identity)
        .ok()
        .map(str::to_owned);
    let suite = params
        .cipher_suites
        .iter()
        .copied()
        .find(|s| ch.cipher_suites.contains(&s.suite()))
        .ok_or(PeerIncompatible::NoCipherSuitesInCommon)?;
    if pake.server_identity != params.server_identity {
        return Err(PeerIncompatible::PakeIdentityMismatch.into());
    }
    let share = pake
        .shares
        .iter()
        .find(|(id, _)| *id == SPAKE2PLUS_V1)
        .map(|(_, m)| m.clone())
        .ok_or(PeerIncompatible::PakeIdentityMismatch)?;
    if share.len() != SHARE_LEN {
        return Err(PeerMisbehaved::InvalidPakeShare.into());
    }
    Ok((suite, pake, share))
}

/// The first ClientHello (already checked for duplicates and null compression).
pub(crate) fn start(
    config: Arc<ServerConfig>,
    ch: &ClientHelloPayload,
    raw: &[u8],
    cx: Cx<'_, '_>,
) -> Next {
    cx.io.tls13 = true;
    let (suite, pake, share_p) = read_hello(&config, ch, cx)?;
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
    cx.facts.tls13_suite = Some(suite);
    let mut transcript = Transcript13::default();
    transcript.add(raw);
    let hello = Hello {
        suite,
        client_random: ch.random.0,
        session_id: ch.session_id.0.clone(),
        pake,
        share_p,
        transcript,
        retried: false,
        config,
    };
    if params(&hello.config).require_cookie {
        return hello_retry(hello, cx);
    }
    hello.lookup(cx)
}

/// RFC 8446 4.1.4: a HelloRetryRequest with a fresh cookie the second ClientHello must echo.
fn hello_retry(mut hello: Hello, cx: Cx<'_, '_>) -> Next {
    let cookie = crate::rand::random_array::<32>()?.to_vec();
    let mut cookie_ext = (cookie.len() as u16).to_be_bytes().to_vec();
    cookie_ext.extend_from_slice(&cookie);
    let hrr = server_hello_bytes(&hello, HRR_RANDOM, vec![(COOKIE_EXTENSION, cookie_ext)]);
    hello
        .transcript
        .replace_with_message_hash(hello.suite.hash());
    hello.transcript.add(&hrr);
    cx.io.queue_handshake(&hrr);
    cx.io.flush_handshake()?;
    if !hello.session_id.is_empty() {
        cx.io.send_plain_ccs()?;
    }
    hello.retried = true;
    Ok(Box::new(ExpectSecondHello { hello, cookie }))
}

/// A ServerHello (or HelloRetryRequest) with supported_versions and `extensions`.
fn server_hello_bytes(hello: &Hello, random: [u8; 32], extensions: Vec<(u16, Vec<u8>)>) -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&random);
    body.push(hello.session_id.len() as u8);
    body.extend_from_slice(&hello.session_id);
    body.extend_from_slice(&hello.suite.suite().get().to_be_bytes());
    body.push(0);
    let mut exts = vec![(ExtensionType::SupportedVersions.get(), vec![0x03, 0x04])];
    exts.extend(extensions);
    body.extend_from_slice(&encode_extensions(&exts));
    handshake_bytes(u8::from(HandshakeType::ServerHello), &body)
}

struct ExpectSecondHello {
    hello: Hello,
    cookie: Vec<u8>,
}

impl State<ServerConnectionData> for ExpectSecondHello {
    fn handle(self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        let (ch, raw) = require_msg!(input, ClientHello);
        let Self { mut hello, cookie } = *self;
        // RFC 8446 4.1.2: the same hello, with the cookie, and TLS 1.3 still offered.
        let echoed = unknown_extension(ch, ExtensionType::Cookie);
        let mut want = (cookie.len() as u16).to_be_bytes().to_vec();
        want.extend_from_slice(&cookie);
        if echoed != Some(&want[..])
            || ch.has_duplicate_extension()
            || !wants_pake(&hello.config, ch)
        {
            return Err(PeerMisbehaved::BadHelloRetryRequest.into());
        }
        let (suite, pake, share_p) = read_hello(&hello.config, ch, cx)?;
        if suite != hello.suite
            || pake.client_identity != hello.pake.client_identity
            || ch.session_id.0 != hello.session_id
        {
            return Err(PeerMisbehaved::BadHelloRetryRequest.into());
        }
        hello.transcript.add(raw);
        hello.client_random = ch.random.0;
        hello.pake = pake;
        hello.share_p = share_p;
        hello.lookup(cx)
    }
}

impl Hello {
    /// Looks the record up, starts the rate limiter's attempt, and sends the flight (now,
    /// or after the limiter's delay).
    fn lookup(self, cx: Cx<'_, '_>) -> Next {
        let config = self.config.clone();
        // read_hello already made it the requested username.
        let identity = core::str::from_utf8(&self.pake.client_identity)
            .ok()
            .map(str::to_owned);
        let server_identity = &params(&config).server_identity;
        // A store that keeps its records prepared answers with one; another with the bare
        // record, prepared below once the record (or the decoy) is chosen.
        let prepared_store = config
            .user_store
            .as_ref()
            .is_some_and(|store| store.pake_records_prepared());
        let record = match (&identity, &config.user_store) {
            (Some(name), Some(store)) if prepared_store => store
                .lookup_pake_prepared(name, server_identity)
                .map(Found::Prepared),
            (Some(name), Some(store)) => store.lookup_pake(name, server_identity).map(Found::Bare),
            _ => None,
        };
        if record.is_none() && config.unknown_users == UnknownUserPolicy::Reject {
            return Err(Error::UnknownUser);
        }
        let decision = match &config.rate_limiter {
            Some(limiter) => {
                let (decision, mut attempt) = limiter.begin(identity.as_deref(), cx.data.peer);
                // Our confirmV lets the client test its guess without ever sending a
                // Finished: an attempt that does not complete counts as failed.
                attempt.count_if_abandoned();
                cx.data.attempt = Some(attempt);
                decision
            }
            None => Decision::Allow,
        };
        cx.data.rate_limit = Some(decision);
        // Every path gets the decoy, and exactly one record is prepared here when the
        // store's are not (the user's or the decoy), so that known, unknown and locked-out
        // users cost the same.
        let decoy = core::hint::black_box(decoy_record(&config));
        let record = match (record, prepared_store) {
            (Some(Found::Prepared(r)), _) if !decision.must_fail() => r,
            (Some(Found::Bare(r)), _) if !decision.must_fail() => Arc::new(
                PreparedRecord::new(r)
                    .map_err(|_| Error::General("invalid PAKE record in the user store".into()))?,
            ),
            (_, true) => decoy,
            (_, false) => Arc::new(
                PreparedRecord::new(decoy.record().clone())
                    .expect("the decoy record was prepared once, so it is valid"),
            ),
        };
        let flight = Box::new(SendFlight {
            hello: self,
            record,
            not_before: Instant::now() + decision.delay(),
        });
        match decision.delay().is_zero() {
            true => flight.send(cx),
            false => Ok(flight),
        }
    }
}

/// A record no password opens, derived from the server secret: `w0` and `w1` from
/// HMAC-SHA256 under it (once per secret), `L = w1·G`. One decoy serves every unknown
/// identity: a client never sees `w0` or `L`, and what it sees (`Y`, uniformly random, and
/// confirmV, keyed by the transcript) tells one record from another only to someone who
/// holds `w0`, which is secret. Prepared once per secret (for a store whose records are not
/// prepared ahead, [`Hello::lookup`] prepares it again on each use, as their records are).
fn decoy_record(config: &ServerConfig) -> Arc<PreparedRecord> {
    Arc::clone(config.pake_decoy.get_or_init(|| {
        use hmac::{KeyInit, Mac};
        let derive = |label: &[u8], counter: u8| {
            let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(
                &config.simulation_secret[..],
            )
            .expect("HMAC accepts any key length");
            mac.update(label);
            mac.update(&[counter]);
            zeroize::Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()))
        };
        // A value at or above the group order (or zero) has probability below 2^-32: draw
        // again.
        for counter in 0u8..=255 {
            let w0 = derive(b"tls-srp pake decoy w0", counter);
            let w1 = derive(b"tls-srp pake decoy w1", counter);
            if let Ok(keys) = crate::pake::ProverKeys::from_bytes(&w0[..], &w1[..]) {
                if let Ok(prepared) = PreparedRecord::new(keys.record()) {
                    return Arc::new(prepared);
                }
            }
        }
        unreachable!("256 HMAC outputs all at or above the P-256 group order")
    }))
}

/// A user's record as the store gave it.
enum Found {
    Prepared(Arc<PreparedRecord>),
    Bare(crate::pake::VerifierRecord),
}

struct SendFlight {
    hello: Hello,
    record: Arc<PreparedRecord>,
    not_before: Instant,
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
    /// ServerHello, [ChangeCipherSpec], {EncryptedExtensions}, {Finished}.
    fn send(self: Box<Self>, cx: Cx<'_, '_>) -> Next {
        let Self {
            mut hello, record, ..
        } = *self;
        let config = hello.config.clone();
        let params = params(&config);
        let (verifier, response) = Verifier::respond_prepared(
            &params.context,
            &hello.pake.client_identity,
            &params.server_identity,
            &record,
            &hello.share_p,
        )
        .map_err(|_| PeerMisbehaved::InvalidPakeShare)?;
        // The server's confirmation is key confirmation only; the client's Finished
        // proves the password (the SPAKE2+ confirmP is not sent in TLS).
        drop(verifier);
        let mut message = response.share_v.to_vec();
        message.extend_from_slice(&response.confirm_v);
        let sh = server_hello_bytes(
            &hello,
            crate::rand::random_array::<32>()?,
            vec![(
                ExtensionType::Pake.get(),
                encode_server_share(SPAKE2PLUS_V1, &message),
            )],
        );
        hello.transcript.add(&sh);
        cx.io.queue_handshake(&sh);
        cx.io.flush_handshake()?;
        if !hello.session_id.is_empty() && !hello.retried {
            cx.io.send_plain_ccs()?;
        }
        let suite = hello.suite;
        let alg = suite.hash();
        let secrets = HandshakeSecrets::new(alg, &response.secret[..], &hello.transcript.hash(alg));
        let key_log = &*config.key_log;
        let random = &hello.client_random;
        key_log.log(
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            random,
            &secrets.client_handshake_traffic,
        );
        key_log.log(
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            random,
            &secrets.server_handshake_traffic,
        );
        super::install_write(
            &mut cx.io.record_layer,
            suite,
            &secrets.server_handshake_traffic,
        )?;
        let mut ee = Vec::new();
        if let Some(p) = &cx.facts.alpn_protocol {
            let mut list = vec![p.len() as u8];
            list.extend_from_slice(p);
            let mut body = (list.len() as u16).to_be_bytes().to_vec();
            body.extend_from_slice(&list);
            ee.push((ExtensionType::Alpn.get(), body));
        }
        let ee = handshake_bytes(
            u8::from(HandshakeType::EncryptedExtensions),
            &encode_extensions(&ee),
        );
        hello.transcript.add(&ee);
        cx.io.queue_handshake(&ee);
        let ours = alg.verify_data(
            &secrets.server_handshake_traffic,
            &hello.transcript.hash(alg),
        );
        let fin = handshake_bytes(u8::from(HandshakeType::Finished), &ours);
        hello.transcript.add(&fin);
        cx.io.queue_handshake(&fin);
        cx.io.flush_handshake()?;
        // The guess can now be tested by the client: from here on the attempt counts.
        let after_finished = hello.transcript.hash(alg);
        let traffic = secrets.traffic(&after_finished);
        key_log.log(
            "CLIENT_TRAFFIC_SECRET_0",
            random,
            &traffic.client_application_traffic,
        );
        key_log.log(
            "SERVER_TRAFFIC_SECRET_0",
            random,
            &traffic.server_application_traffic,
        );
        key_log.log("EXPORTER_SECRET", random, &traffic.exporter_master);
        super::install_write(
            &mut cx.io.record_layer,
            suite,
            &traffic.server_application_traffic,
        )?;
        super::install_read(
            &mut cx.io.record_layer,
            suite,
            &secrets.client_handshake_traffic,
        )?;
        let expected = alg.verify_data(&secrets.client_handshake_traffic, &after_finished);
        cx.facts.handshake_kind = Some(HandshakeKind::Full);
        Ok(Box::new(ExpectFinished {
            suite,
            expected,
            traffic,
        }))
    }
}

struct ExpectFinished {
    suite: Tls13CipherSuite,
    expected: Vec<u8>,
    traffic: TrafficSecrets,
}

impl State<ServerConnectionData> for ExpectFinished {
    fn handle(self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        let (got, _raw) = require_msg!(input, Finished);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&self.expected[..], &got[..])) {
            return Err(Error::FinishedMismatch);
        }
        // The password is right; the rate limiter has the last word.
        if let Some(attempt) = cx.data.attempt.take() {
            if attempt.settle(true) == Verdict::LockedOut {
                return Err(Error::LockedOut);
            }
        }
        let suite = self.suite;
        super::install_read(
            &mut cx.io.record_layer,
            suite,
            &self.traffic.client_application_traffic,
        )?;
        cx.facts.exporter13 = Some(Exporter::new(
            suite.hash(),
            self.traffic.exporter_master.clone(),
        ));
        cx.data.authenticated = true;
        cx.io.start_traffic()?;
        Ok(Box::new(Traffic13::new(suite, Side::Server, self.traffic)))
    }
}
