//! The server's TLS 1.2 SRP handshake: one state per awaited message.
//!
//! ```text
//!                        <--  ClientHello (srp: username)
//!  (user lookup: synchronous through the store, or paused for the application)
//! ServerHello, ServerKeyExchange (N, g, s, B), ServerHelloDone -->
//!                        <--  ClientKeyExchange (A), [ChangeCipherSpec], Finished
//! [ChangeCipherSpec], Finished -->
//! ```
//!
//! Unknown users are simulated by default (RFC 5054 2.5.1.3): the salt and the fake
//! verifier are derived from a server secret and the username, so they are the same on
//! every attempt, and the handshake fails exactly where a wrong password fails: the
//! client's Finished record does not authenticate (`bad_record_mac`).

// States are boxed to keep the state enum small; they consume themselves.
#![allow(clippy::boxed_local)]

use std::sync::Arc;

use super::{ServerConfig, UnknownUserPolicy, UserRecord};
use crate::client::hs::unexpected;
use crate::conn::{CommonState, HsInput};
use crate::crypto::prf::{self, Transcript};
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::msgs::codec::Codec;
use crate::msgs::enums::{
    AlertDescription, CipherSuite, Compression, ContentType, HandshakeType, ProtocolVersion,
};
use crate::msgs::handshake::{
    ClientExtension, ClientHelloPayload, HandshakeMessagePayload, HandshakePayload, Random,
    ServerExtension, ServerHelloPayload, SessionId, SrpClientKeyExchange, SrpServerKeyExchange,
};
use crate::srp::{self, ServerKeyPair, SrpGroup};
use crate::suites::SupportedCipherSuite;
use crate::tls12::{verify_data_matches, ConnectionSecrets, Side};

/// The server's handshake state.
pub(crate) enum ServerState {
    ExpectClientHello(Arc<ServerConfig>),
    AwaitUser(Box<AwaitUser>),
    ExpectClientKx(Box<ExpectClientKx>),
    ExpectCcs(Box<ExpectCcs>),
    ExpectFinished(Box<ExpectFinished>),
    Traffic,
}

/// What we agreed from the ClientHello, while the user is being looked up.
pub(crate) struct AwaitUser {
    config: Arc<ServerConfig>,
    transcript: Transcript,
    client_random: [u8; 32],
    suite: &'static SupportedCipherSuite,
    username: String,
    /// Whether to answer renegotiation_info (the client signalled RFC 5746 support).
    secure_renegotiation: bool,
}

pub(crate) struct ExpectClientKx {
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    suite: &'static SupportedCipherSuite,
    group: &'static SrpGroup,
    verifier: Vec<u8>,
    key_pair: ServerKeyPair,
    simulated: bool,
}

pub(crate) struct ExpectCcs {
    transcript: Transcript,
    secrets: ConnectionSecrets,
    simulated: bool,
}

pub(crate) struct ExpectFinished {
    transcript: Transcript,
    secrets: ConnectionSecrets,
    simulated: bool,
}

impl ServerState {
    pub(crate) fn is_awaiting_user(&self) -> bool {
        matches!(self, Self::AwaitUser(_))
    }

    pub(crate) fn pending_username(&self) -> Option<&str> {
        match self {
            Self::AwaitUser(a) => Some(&a.username),
            _ => None,
        }
    }

    pub(crate) fn handle(self, cx: &mut CommonState, input: HsInput) -> Result<Self, Error> {
        match self {
            Self::ExpectClientHello(config) => expect_client_hello(config, cx, input),
            Self::AwaitUser(_) => Err(Error::General(
                "handshake message while awaiting a user lookup".into(),
            )),
            Self::ExpectClientKx(s) => s.handle(cx, input),
            Self::ExpectCcs(s) => s.handle(cx, input),
            Self::ExpectFinished(s) => s.handle(cx, input),
            Self::Traffic => {
                // RFC 5746 4.5 / RFC 5246 7.2.2: we never renegotiate; a new ClientHello
                // gets a no_renegotiation warning and is otherwise ignored.
                if let HsInput::Handshake(m, _) = &input {
                    if m.typ == HandshakeType::ClientHello {
                        cx.send_warning(AlertDescription::NoRenegotiation);
                        cx.count_warning()?;
                        return Ok(Self::Traffic);
                    }
                }
                Err(unexpected(&input, &[]))
            }
        }
    }

    /// Continues a handshake paused for a user lookup.
    pub(crate) fn supply_user(
        self,
        cx: &mut CommonState,
        record: Option<UserRecord>,
    ) -> Result<Self, Error> {
        match self {
            Self::AwaitUser(a) => a.with_user(cx, record),
            _ => Err(Error::ApiMisuse(
                "supply_user called when no user lookup is pending",
            )),
        }
    }
}

fn expect_client_hello(
    config: Arc<ServerConfig>,
    cx: &mut CommonState,
    input: HsInput,
) -> Result<ServerState, Error> {
    let HsInput::Handshake(
        HandshakeMessagePayload {
            payload: HandshakePayload::ClientHello(ch),
            ..
        },
        raw,
    ) = &input
    else {
        return Err(unexpected(&input, &[HandshakeType::ClientHello]));
    };
    check_version(ch)?;
    if ch.has_duplicate_extension() {
        return Err(PeerMisbehaved::DuplicateExtension.into());
    }
    if !ch.compression_methods.contains(&Compression::Null) {
        return Err(PeerMisbehaved::MissingNullCompression.into());
    }
    // RFC 5746 3.6: on an initial handshake renegotiation_info must be empty.
    let reneg_ext = ch.renegotiation_info();
    if reneg_ext.is_some_and(|v| !v.is_empty()) {
        return Err(PeerMisbehaved::BadRenegotiationInfo.into());
    }
    let secure_renegotiation = reneg_ext.is_some()
        || ch
            .cipher_suites
            .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);

    // Our preference order.
    let suite = config
        .cipher_suites
        .iter()
        .find(|s| ch.cipher_suites.contains(&s.suite))
        .ok_or(PeerIncompatible::NoCipherSuitesInCommon)?;
    let suite: &'static SupportedCipherSuite =
        crate::suites::lookup(suite.suite).ok_or(PeerIncompatible::NoCipherSuitesInCommon)?;

    // RFC 5054 2.5.1.2: SRP suites offered without the SRP extension.
    let username = ch
        .srp_username()
        .ok_or(PeerIncompatible::MissingSrpExtension)?;

    let ems_offered = ch.ems_offered();
    if config.require_extended_master_secret && !ems_offered {
        return Err(PeerIncompatible::ExtendedMasterSecretRequired.into());
    }
    cx.extended_master_secret = ems_offered && config.enable_extended_master_secret;
    cx.encrypt_then_mac = ch.etm_offered() && config.enable_encrypt_then_mac;

    if let Some(offered) = ch.alpn_protocols() {
        if !config.alpn_protocols.is_empty() {
            let chosen = config
                .alpn_protocols
                .iter()
                .find(|p| offered.contains(p))
                .ok_or(PeerIncompatible::NoApplicationProtocolInCommon)?;
            cx.alpn_protocol = Some(chosen.clone());
        }
    }
    cx.sni = ch
        .sni_hostname()
        .and_then(|h| core::str::from_utf8(h).ok())
        .map(|h| h.to_ascii_lowercase());
    cx.suite = Some(suite);

    let mut transcript = Transcript::new();
    transcript.add(raw);

    // A username that is not UTF-8 cannot be anybody's: treat it as unknown (no lookup).
    let utf8_username = core::str::from_utf8(username).ok();
    cx.username = utf8_username.map(str::to_owned);
    let pending = Box::new(AwaitUser {
        config,
        transcript,
        client_random: ch.random.0,
        suite,
        username: String::from_utf8_lossy(username).into_owned(),
        secure_renegotiation,
    });
    let Some(username) = utf8_username else {
        return pending.with_user(cx, None);
    };
    match &pending.config.user_store {
        Some(store) => {
            let record = store.lookup(username);
            pending.with_user(cx, record)
        }
        None => Ok(ServerState::AwaitUser(pending)),
    }
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

/// RFC 5054 2.5.1.3: a simulated user's salt and verifier, both derived from the server's
/// secret and the username so they are the same on every attempt (and across restarts
/// when the secret is persisted). The verifier is a uniformly distributed value mod N; no
/// password corresponds to it that anybody knows.
fn simulated_user(config: &ServerConfig, username: &str) -> UserRecord {
    let group = config.simulated_group;
    let salt_len = config.simulated_salt_len.clamp(1, 255);
    let mut salt = vec![0u8; salt_len];
    // Real salts never start with 0 (see srp::generate_salt), so neither do simulated ones.
    for counter in 0u8..=255 {
        let mut seed = username.as_bytes().to_vec();
        seed.push(counter);
        prf::prf(
            &mut salt,
            &config.simulation_secret[..],
            b"tls-srp simulated salt",
            &seed,
        );
        if salt[0] != 0 {
            break;
        }
    }
    let mut wide = zeroize::Zeroizing::new(vec![0u8; group.byte_len() + 16]);
    prf::prf(
        &mut wide,
        &config.simulation_secret[..],
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

impl AwaitUser {
    fn with_user(
        self: Box<Self>,
        cx: &mut CommonState,
        record: Option<UserRecord>,
    ) -> Result<ServerState, Error> {
        let (record, simulated) = match record {
            Some(r) => (r, false),
            None => match self.config.unknown_users {
                UnknownUserPolicy::Reject => return Err(Error::UnknownUser),
                UnknownUserPolicy::Simulate => (simulated_user(&self.config, &self.username), true),
            },
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
        let group = record.group;
        let key_pair = srp::server_key_pair(group, &record.verifier)?;
        let Self {
            mut transcript,
            client_random,
            suite,
            secure_renegotiation,
            ..
        } = *self;

        let server_random = crate::rand::random_array::<32>()?;
        let mut extensions = Vec::new();
        if secure_renegotiation {
            extensions.push(ServerExtension::RenegotiationInfo(Vec::new()));
        }
        if cx.extended_master_secret {
            extensions.push(ServerExtension::ExtendedMasterSecretAck);
        }
        if cx.encrypt_then_mac {
            extensions.push(ServerExtension::EncryptThenMacAck);
        }
        if let Some(p) = &cx.alpn_protocol {
            extensions.push(ServerExtension::Alpn(p.clone()));
        }
        let sh = ServerHelloPayload {
            server_version: ProtocolVersion::TLSv1_2,
            random: Random(server_random),
            session_id: SessionId::default(),
            cipher_suite: suite.suite,
            compression_method: Compression::Null,
            extensions,
        };
        let skx = SrpServerKeyExchange {
            n: group.n().to_vec(),
            g: group.g().to_vec(),
            s: record.salt.clone(),
            b: key_pair.public.clone(),
        };
        for payload in [
            HandshakePayload::ServerHello(sh),
            HandshakePayload::ServerKeyExchange(skx.get_encoding()),
            HandshakePayload::ServerHelloDone,
        ] {
            let bytes = HandshakeMessagePayload::new(payload).get_encoding();
            transcript.add(&bytes);
            cx.queue_handshake(&bytes);
        }
        cx.flush_handshake()?;
        cx.srp_group_bits = Some(group.bits());
        Ok(ServerState::ExpectClientKx(Box::new(ExpectClientKx {
            transcript,
            client_random,
            server_random,
            suite,
            group,
            verifier: record.verifier,
            key_pair,
            simulated,
        })))
    }
}

impl ExpectClientKx {
    fn handle(
        mut self: Box<Self>,
        cx: &mut CommonState,
        input: HsInput,
    ) -> Result<ServerState, Error> {
        let HsInput::Handshake(
            HandshakeMessagePayload {
                payload: HandshakePayload::ClientKeyExchange(body),
                ..
            },
            raw,
        ) = &input
        else {
            return Err(unexpected(&input, &[HandshakeType::ClientKeyExchange]));
        };
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
            cx.extended_master_secret.then_some(&session_hash),
        );
        secrets.install_keys(&mut cx.record_layer, Side::Server, cx.encrypt_then_mac);
        Ok(ServerState::ExpectCcs(Box::new(ExpectCcs {
            transcript: self.transcript,
            secrets,
            simulated: self.simulated,
        })))
    }
}

impl ExpectCcs {
    fn handle(self: Box<Self>, cx: &mut CommonState, input: HsInput) -> Result<ServerState, Error> {
        if !matches!(input, HsInput::ChangeCipherSpec) {
            return Err(Error::InappropriateMessage {
                expect_types: vec![ContentType::ChangeCipherSpec],
                got_type: ContentType::Handshake,
            });
        }
        cx.record_layer.start_decrypting()?;
        Ok(ServerState::ExpectFinished(Box::new(ExpectFinished {
            transcript: self.transcript,
            secrets: self.secrets,
            simulated: self.simulated,
        })))
    }
}

impl ExpectFinished {
    fn handle(
        mut self: Box<Self>,
        cx: &mut CommonState,
        input: HsInput,
    ) -> Result<ServerState, Error> {
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
            .verify_data(Side::Client, &self.transcript.current_hash());
        let ok = verify_data_matches(&expected, vd);
        if self.simulated {
            // Unreachable in practice (the record would not have authenticated), but a
            // simulated user must never log in.
            return Err(Error::DecryptError);
        }
        if !ok {
            return Err(Error::FinishedMismatch);
        }
        self.transcript.add(raw);
        self.secrets.set_first_finished(expected);
        cx.send_ccs()?;
        let ours = self
            .secrets
            .verify_data(Side::Server, &self.transcript.current_hash());
        let bytes =
            HandshakeMessagePayload::new(HandshakePayload::Finished(ours.to_vec())).get_encoding();
        cx.queue_handshake(&bytes);
        cx.flush_handshake()?;
        cx.secrets = Some(self.secrets);
        cx.authenticated = true;
        cx.start_traffic()?;
        Ok(ServerState::Traffic)
    }
}
