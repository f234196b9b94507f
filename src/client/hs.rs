//! The client's TLS 1.2 SRP handshake: one state per awaited message. Each state consumes
//! itself and moves what it knows into the next.
//!
//! ```text
//! ClientHello            -->
//!                        <--  ServerHello, ServerKeyExchange (N, g, s, B), ServerHelloDone
//! ClientKeyExchange (A), [ChangeCipherSpec], Finished -->
//!                        <--  [ChangeCipherSpec], Finished
//! ```

// States are boxed to keep the state enum small; they consume themselves.
#![allow(clippy::boxed_local)]

use std::sync::Arc;

use zeroize::Zeroizing;

use super::ClientConfig;
use crate::conn::{CommonState, HsInput};
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
use crate::srp::{self, SrpGroup};
use crate::suites::{self, SupportedCipherSuite};
use crate::tls12::{verify_data_matches, ConnectionSecrets, Side};

/// The client's handshake state.
pub(crate) enum ClientState {
    ExpectServerHello(Box<ExpectServerHello>),
    ExpectServerKx(Box<ExpectServerKx>),
    ExpectServerHelloDone(Box<ExpectServerHelloDone>),
    ExpectCcs(Box<ExpectCcs>),
    ExpectFinished(Box<ExpectFinished>),
    Traffic,
}

pub(crate) struct ExpectServerHello {
    config: Arc<ClientConfig>,
    transcript: Transcript,
    client_random: [u8; 32],
    sent_sni: bool,
}

pub(crate) struct ExpectServerKx {
    config: Arc<ClientConfig>,
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    suite: &'static SupportedCipherSuite,
}

pub(crate) struct ExpectServerHelloDone {
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    suite: &'static SupportedCipherSuite,
    premaster: Zeroizing<Vec<u8>>,
    client_public: Vec<u8>,
}

pub(crate) struct ExpectCcs {
    transcript: Transcript,
    secrets: ConnectionSecrets,
}

pub(crate) struct ExpectFinished {
    transcript: Transcript,
    secrets: ConnectionSecrets,
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

    let hello = ClientHelloPayload {
        client_version: ProtocolVersion::TLSv1_2,
        random: Random(client_random),
        session_id: SessionId::default(),
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
        },
    )))
}

impl ClientState {
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
                _ => return Err(PeerMisbehaved::UnsolicitedExtension.into()),
            }
        }
        self.transcript.add(raw);
        cx.suite = Some(suite);
        cx.extended_master_secret = ems;
        cx.encrypt_then_mac = etm;
        Ok(ClientState::ExpectServerKx(Box::new(ExpectServerKx {
            config: self.config,
            transcript: self.transcript,
            client_random: self.client_random,
            server_random: sh.random.0,
            suite,
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
        Ok(ClientState::ExpectServerHelloDone(Box::new(
            ExpectServerHelloDone {
                transcript: self.transcript,
                client_random: self.client_random,
                server_random: self.server_random,
                suite: self.suite,
                premaster,
                client_public: key_pair.public.clone(),
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
        Ok(ClientState::ExpectCcs(Box::new(ExpectCcs {
            transcript: self.transcript,
            secrets,
        })))
    }
}

impl ExpectCcs {
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
        })))
    }
}

impl ExpectFinished {
    fn handle(self: Box<Self>, cx: &mut CommonState, input: HsInput) -> Result<ClientState, Error> {
        let HsInput::Handshake(
            HandshakeMessagePayload {
                payload: HandshakePayload::Finished(vd),
                ..
            },
            _,
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
        cx.secrets = Some(self.secrets);
        cx.start_traffic()?;
        Ok(ClientState::Traffic)
    }
}
