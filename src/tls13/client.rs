//! The client's TLS 1.3 PAKE handshake (see the module above for the flow).
//!
//! ```text
//! ClientHello (pake: shareP)        -->
//!                                   <--  [HelloRetryRequest (cookie)]
//! [ClientHello (cookie, shareP)]    -->
//!                                   <--  ServerHello (pake: shareV || confirmV)
//!  (confirmV checked: a wrong password or an unknown user fails here, on our side, and
//!   spends one failure of the error limit, if any: `PakeClientParams::with_error_limit`)
//!                                   <--  {EncryptedExtensions} {Finished}
//! [ChangeCipherSpec] {Finished}     -->
//! ```

#![allow(clippy::boxed_local)]

use std::sync::Arc;

use super::key_schedule::{HandshakeSecrets, TrafficSecrets};
use super::traffic::Traffic13;
use super::{
    decode_server_share, read_extensions, PakeClientHello, Tls13CipherSuite, Transcript13,
    COOKIE_EXTENSION, HRR_RANDOM, KEY_SHARE_EXTENSION, PRE_SHARED_KEY_EXTENSION, SPAKE2PLUS_V1,
};
use crate::client::{ClientConfig, ClientConnectionData};
use crate::common_state::HandshakeKind;
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::hs::{require_msg, Context, HsInput, State};
use crate::msgs::codec::Codec;
use crate::msgs::enums::{Compression, ExtensionType, HandshakeType, ProtocolVersion};
use crate::msgs::handshake::{
    ClientExtension, ClientHelloPayload, HandshakeMessagePayload, HandshakePayload, Random,
    ServerExtension, ServerHelloPayload, SessionId,
};
use crate::pake::spake2plus::{Prover, Spake2PlusError, CONFIRM_LEN, SHARE_LEN};
use crate::pake::PakeClientParams;

type Cx<'a, 'b> = &'a mut Context<'b, ClientConnectionData>;
type Next = Result<Box<dyn State<ClientConnectionData>>, Error>;

/// What the ClientHello is built from (twice, after a HelloRetryRequest).
struct Hello {
    config: Arc<ClientConfig>,
    random: [u8; 32],
    session_id: [u8; 32],
    server_name: Option<String>,
    share: [u8; SHARE_LEN],
    /// The one compatibility ChangeCipherSpec went out (before a second ClientHello).
    sent_ccs: bool,
}

impl Hello {
    fn params(&self) -> &PakeClientParams {
        self.config
            .pake
            .as_deref()
            .expect("a PAKE handshake only starts with PAKE parameters")
    }

    fn encode(&self, cookie: Option<&[u8]>) -> Vec<u8> {
        let params = self.params();
        let mut extensions = vec![ClientExtension::SupportedVersions(vec![
            ProtocolVersion::TLSv1_3,
        ])];
        if let Some(name) = &self.server_name {
            extensions.push(ClientExtension::ServerName(vec![name.as_bytes().to_vec()]));
        }
        if !self.config.alpn_protocols.is_empty() {
            extensions.push(ClientExtension::Alpn(self.config.alpn_protocols.clone()));
        }
        if let Some(cookie) = cookie {
            let mut body = (cookie.len() as u16).to_be_bytes().to_vec();
            body.extend_from_slice(cookie);
            extensions.push(ClientExtension::Unknown {
                typ: ExtensionType::Cookie,
                payload: body,
            });
        }
        extensions.push(ClientExtension::Unknown {
            typ: ExtensionType::Pake,
            payload: PakeClientHello {
                client_identity: self.config.username().as_bytes().to_vec(),
                server_identity: params.server_identity.clone(),
                shares: vec![(SPAKE2PLUS_V1, self.share.to_vec())],
            }
            .encode(),
        });
        let ch = ClientHelloPayload {
            client_version: ProtocolVersion::TLSv1_2,
            random: Random(self.random),
            // RFC 8446 D.4: middlebox compatibility mode, as BoringSSL's client.
            session_id: SessionId(self.session_id.to_vec()),
            cipher_suites: params.cipher_suites.iter().map(|s| s.suite()).collect(),
            compression_methods: vec![Compression::Null],
            extensions,
        };
        HandshakeMessagePayload::new(HandshakePayload::ClientHello(ch)).get_encoding()
    }
}

/// Sends the first ClientHello.
pub(crate) fn start(config: Arc<ClientConfig>, server_name: Option<&str>, cx: Cx<'_, '_>) -> Next {
    let params = config
        .pake
        .as_deref()
        .ok_or(Error::ApiMisuse("no PAKE parameters"))?;
    let identity = config.username().as_bytes();
    if identity.len() > 0xffff || params.server_identity.len() > 0xffff {
        return Err(Error::ApiMisuse(
            "PAKE identities must be at most 65535 bytes",
        ));
    }
    if params.cipher_suites.is_empty() {
        return Err(Error::ApiMisuse("no TLS 1.3 cipher suites configured"));
    }
    // The error limit is used up: refuse before sending anything (BoringSSL finds out at
    // the ServerHello, below; a handshake already under way still does).
    if !params.has_attempts() {
        return Err(Error::PakeErrorLimitReached);
    }
    let (prover, share) = match &params.prepared {
        Some(prepared) => {
            Prover::start_prepared(&params.context, identity, &params.server_identity, prepared)
        }
        None => Prover::start(
            &params.context,
            identity,
            &params.server_identity,
            &params.keys,
        ),
    }
    .map_err(|e| Error::General(format!("SPAKE2+: {e}")))?;
    let hello = Hello {
        random: crate::rand::random_array::<32>()?,
        session_id: crate::rand::random_array::<32>()?,
        server_name: server_name
            .filter(|n| {
                config.enable_sni && !n.is_empty() && n.parse::<std::net::IpAddr>().is_err()
            })
            .map(str::to_owned),
        share,
        sent_ccs: false,
        config,
    };
    let bytes = hello.encode(None);
    let mut transcript = Transcript13::default();
    transcript.add(&bytes);
    cx.io.tls13 = true;
    cx.io.queue_handshake(&bytes);
    cx.io.flush_handshake()?;
    Ok(Box::new(ExpectServerHello {
        hello,
        prover,
        transcript,
        retried_with: None,
    }))
}

struct ExpectServerHello {
    hello: Hello,
    prover: Prover,
    transcript: Transcript13,
    /// After a HelloRetryRequest: the suite it chose (the ServerHello must keep it).
    retried_with: Option<Tls13CipherSuite>,
}

/// Extensions as `(type, body)`.
type RawExtensions = Vec<(u16, Vec<u8>)>;

/// The checks every ServerHello and HelloRetryRequest share: legacy fields, the version,
/// our suite. Returns the suite and the extensions other than supported_versions.
fn check_server_hello(
    sh: &ServerHelloPayload,
    hello: &Hello,
) -> Result<(Tls13CipherSuite, RawExtensions), Error> {
    let mut versions = None;
    let mut others = Vec::new();
    for ext in &sh.extensions {
        match ext {
            ServerExtension::Unknown {
                typ: ExtensionType::SupportedVersions,
                payload,
            } => versions = Some(payload.clone()),
            ServerExtension::Unknown { typ, payload } => others.push((typ.get(), payload.clone())),
            // Anything decoded as a TLS 1.2 extension (EMS, EtM, renegotiation_info,
            // session_ticket, ALPN in the ServerHello) has no place in a TLS 1.3 ServerHello.
            _ => return Err(PeerMisbehaved::UnsolicitedExtension.into()),
        }
    }
    // RFC 8446 4.1.3: a TLS 1.3 ServerHello says so in supported_versions; without it the
    // server chose TLS 1.2 or below, which this client does not offer.
    if versions.as_deref() != Some(&[0x03, 0x04][..]) {
        return Err(PeerIncompatible::Tls13NotOffered.into());
    }
    if sh.server_version != ProtocolVersion::TLSv1_2
        || sh.session_id.0 != hello.session_id
        || sh.compression_method != Compression::Null
    {
        return Err(PeerMisbehaved::BadServerHello.into());
    }
    let suite = Tls13CipherSuite::from_suite(sh.cipher_suite)
        .filter(|s| hello.params().cipher_suites.contains(s))
        .ok_or(PeerMisbehaved::SelectedUnofferedCipherSuite)?;
    Ok((suite, others))
}

impl State<ClientConnectionData> for ExpectServerHello {
    fn handle(mut self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        let (sh, raw) = require_msg!(input, ServerHello);
        let (suite, exts) = check_server_hello(sh, &self.hello)?;
        if self.retried_with.is_some_and(|s| s != suite) {
            return Err(PeerMisbehaved::SelectedUnofferedCipherSuite.into());
        }
        if sh.random.0 == HRR_RANDOM {
            return self.hello_retry(cx, suite, &exts, raw);
        }
        let mut pake = None;
        for (typ, body) in exts {
            match typ {
                t if t == ExtensionType::Pake.get() => pake = Some(body),
                // The PAKE replaces key_share and is never combined with a PSK.
                KEY_SHARE_EXTENSION | PRE_SHARED_KEY_EXTENSION => {
                    return Err(PeerMisbehaved::PakeNotNegotiated.into())
                }
                _ => return Err(PeerMisbehaved::UnsolicitedExtension.into()),
            }
        }
        let pake = pake.ok_or(PeerMisbehaved::PakeNotNegotiated)?;
        let (named, message) = decode_server_share(&pake)?;
        if named != SPAKE2PLUS_V1 {
            return Err(PeerMisbehaved::PakeNotNegotiated.into());
        }
        if message.len() != SHARE_LEN + CONFIRM_LEN {
            return Err(PeerMisbehaved::InvalidPakeShare.into());
        }
        let (share_v, confirm_v) = message.split_at(SHARE_LEN);
        // Checking confirmV tells a server without the record whether its guess at the
        // password was right: the check spends one of the error limit's failures first
        // (none left: refuse, as BoringSSL), and gives it back if it passes. Any failure
        // of it counts, an invalid shareV included, as in BoringSSL.
        let params = self.hello.params();
        if !params.claim_attempt() {
            return Err(Error::PakeErrorLimitReached);
        }
        let outcome = self
            .prover
            .finish(share_v, confirm_v)
            .map_err(|e| match e {
                Spake2PlusError::ConfirmationMismatch => Error::PakeConfirmationMismatch,
                _ => PeerMisbehaved::InvalidPakeShare.into(),
            })?;
        params.restore_attempt();
        self.transcript.add(raw);
        let alg = suite.hash();
        let secrets = HandshakeSecrets::new(alg, &outcome.secret[..], &self.transcript.hash(alg));
        let key_log = &*self.hello.config.key_log;
        key_log.log(
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            &self.hello.random,
            &secrets.client_handshake_traffic,
        );
        key_log.log(
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            &self.hello.random,
            &secrets.server_handshake_traffic,
        );
        super::install_read(
            &mut cx.io.record_layer,
            suite,
            &secrets.server_handshake_traffic,
        )?;
        cx.facts.tls13_suite = Some(suite);
        cx.facts.handshake_kind = Some(HandshakeKind::Full);
        Ok(Box::new(ExpectEncryptedExtensions {
            hello: self.hello,
            suite,
            secrets,
            transcript: self.transcript,
        }))
    }
}

impl ExpectServerHello {
    /// RFC 8446 4.1.4: at most one HelloRetryRequest, which must change something we can
    /// act on: a cookie to echo. We offer no key shares, so one asking for a group is
    /// refused (as BoringSSL's client in PAKE mode does).
    fn hello_retry(
        mut self: Box<Self>,
        cx: Cx<'_, '_>,
        suite: Tls13CipherSuite,
        exts: &[(u16, Vec<u8>)],
        raw: &[u8],
    ) -> Next {
        if self.retried_with.is_some() {
            return Err(PeerMisbehaved::BadHelloRetryRequest.into());
        }
        let mut cookie = None;
        for (typ, body) in exts {
            match *typ {
                COOKIE_EXTENSION => {
                    // `opaque cookie<1..2^16-1>;`
                    let inner = body.get(2..).filter(|c| {
                        !c.is_empty()
                            && c.len() == usize::from(u16::from_be_bytes([body[0], body[1]]))
                    });
                    cookie = Some(inner.ok_or(PeerMisbehaved::BadHelloRetryRequest)?.to_vec());
                }
                KEY_SHARE_EXTENSION => return Err(PeerMisbehaved::BadHelloRetryRequest.into()),
                _ => return Err(PeerMisbehaved::UnsolicitedExtension.into()),
            }
        }
        let cookie = cookie.ok_or(PeerMisbehaved::BadHelloRetryRequest)?;
        self.transcript.replace_with_message_hash(suite.hash());
        self.transcript.add(raw);
        let bytes = self.hello.encode(Some(&cookie));
        self.transcript.add(&bytes);
        // RFC 8446 D.4: in compatibility mode the client's dummy ChangeCipherSpec goes
        // before its second ClientHello.
        cx.io.send_plain_ccs()?;
        self.hello.sent_ccs = true;
        cx.io.queue_handshake(&bytes);
        cx.io.flush_handshake()?;
        self.retried_with = Some(suite);
        Ok(self)
    }
}

struct ExpectEncryptedExtensions {
    hello: Hello,
    suite: Tls13CipherSuite,
    secrets: HandshakeSecrets,
    transcript: Transcript13,
}

impl State<ClientConnectionData> for ExpectEncryptedExtensions {
    fn handle(mut self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        let raw = expect_raw(&input, HandshakeType::EncryptedExtensions)?;
        let exts = read_extensions(&raw[4..], "EncryptedExtensions")?;
        for (typ, body) in exts {
            match typ {
                t if t == ExtensionType::Alpn.get()
                    && !self.hello.config.alpn_protocols.is_empty() =>
                {
                    let chosen = read_one_alpn(&body)?;
                    if !self.hello.config.alpn_protocols.contains(&chosen) {
                        return Err(PeerMisbehaved::SelectedUnofferedAlpn.into());
                    }
                    cx.facts.alpn_protocol = Some(chosen);
                }
                // RFC 6066 3: the server acknowledges the name it used with an empty body.
                t if t == ExtensionType::ServerName.get()
                    && self.hello.server_name.is_some()
                    && body.is_empty() => {}
                _ => return Err(PeerMisbehaved::UnsolicitedExtension.into()),
            }
        }
        self.transcript.add(raw);
        Ok(Box::new(ExpectFinished {
            hello: self.hello,
            suite: self.suite,
            secrets: self.secrets,
            transcript: self.transcript,
        }))
    }
}

/// RFC 7301 3.1: a ProtocolNameList with exactly one name.
fn read_one_alpn(body: &[u8]) -> Result<Vec<u8>, Error> {
    let bad = || {
        Error::from(crate::error::InvalidMessage::InvalidLength(
            "protocol_name_list",
        ))
    };
    let list_len = usize::from(u16::from_be_bytes([
        *body.first().ok_or_else(bad)?,
        *body.get(1).ok_or_else(bad)?,
    ]));
    let name_len = usize::from(*body.get(2).ok_or_else(bad)?);
    if list_len != body.len() - 2 || name_len == 0 || name_len + 1 != list_len {
        return Err(bad());
    }
    Ok(body[3..].to_vec())
}

/// The raw bytes of a TLS 1.3-only message (kept by the joiner as `Unknown`) of type `typ`.
pub(crate) fn expect_raw(input: &HsInput, typ: HandshakeType) -> Result<&[u8], Error> {
    match input {
        HsInput::Handshake(m, raw) if m.typ == typ => Ok(raw),
        other => Err(crate::hs::unexpected(other, &[typ])),
    }
}

struct ExpectFinished {
    hello: Hello,
    suite: Tls13CipherSuite,
    secrets: HandshakeSecrets,
    transcript: Transcript13,
}

impl State<ClientConnectionData> for ExpectFinished {
    fn handle(mut self: Box<Self>, cx: Cx<'_, '_>, input: HsInput) -> Next {
        // No Certificate or CertificateRequest: in PAKE mode the Finished comes next.
        let (got, raw) = require_msg!(input, Finished);
        let alg = self.suite.hash();
        let expected = alg.verify_data(
            &self.secrets.server_handshake_traffic,
            &self.transcript.hash(alg),
        );
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], &got[..])) {
            return Err(Error::FinishedMismatch);
        }
        self.transcript.add(raw);
        let traffic: TrafficSecrets = self.secrets.traffic(&self.transcript.hash(alg));
        let random = &self.hello.random;
        let key_log = &*self.hello.config.key_log;
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
        super::install_read(
            &mut cx.io.record_layer,
            self.suite,
            &traffic.server_application_traffic,
        )?;
        // RFC 8446 D.4: the dummy ChangeCipherSpec before our first protected record (unless
        // it went before a second ClientHello).
        if !self.hello.sent_ccs {
            cx.io.send_plain_ccs()?;
        }
        super::install_write(
            &mut cx.io.record_layer,
            self.suite,
            &self.secrets.client_handshake_traffic,
        )?;
        let ours = alg.verify_data(
            &self.secrets.client_handshake_traffic,
            &self.transcript.hash(alg),
        );
        cx.io.queue_handshake(&super::handshake_bytes(
            u8::from(HandshakeType::Finished),
            &ours,
        ));
        cx.io.flush_handshake()?;
        super::install_write(
            &mut cx.io.record_layer,
            self.suite,
            &traffic.client_application_traffic,
        )?;
        cx.facts.exporter13 = Some(super::key_schedule::Exporter::new(
            alg,
            traffic.exporter_master.clone(),
        ));
        cx.io.start_traffic()?;
        Ok(Box::new(Traffic13::new(
            self.suite,
            crate::tls12::Side::Client,
            traffic,
        )))
    }
}
