//! Helpers for the unit tests of the handshake messages.

use super::*;
use crate::msgs::codec::Codec;
use crate::msgs::enums::{
    CipherSuite, Compression, ExtensionType, ProtocolVersion, SignatureScheme,
};

/// Every strict prefix of `enc` must fail to decode as `T` (and never panic).
pub(super) fn assert_truncations_fail<T: for<'a> Codec<'a> + core::fmt::Debug>(enc: &[u8]) {
    for n in 0..enc.len() {
        assert!(
            T::read_bytes(&enc[..n]).is_err(),
            "prefix of {n}/{} bytes decoded",
            enc.len()
        );
    }
}

/// Decoding then encoding gives the same bytes, and an extra byte is an error.
pub(super) fn assert_round_trip<T: for<'a> Codec<'a> + core::fmt::Debug>(enc: &[u8]) -> T {
    let v = T::read_bytes(enc).unwrap();
    assert_eq!(v.get_encoding(), enc, "{v:?}");
    let mut longer = enc.to_vec();
    longer.push(0);
    assert!(T::read_bytes(&longer).is_err());
    v
}

pub(super) fn sample_client_hello() -> ClientHelloPayload {
    ClientHelloPayload {
        client_version: ProtocolVersion::TLSv1_2,
        random: Random([7; 32]),
        session_id: SessionId(vec![1; 32]),
        cipher_suites: vec![
            CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
            CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
            CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
        ],
        compression_methods: vec![Compression::Null],
        extensions: vec![
            ClientExtension::SrpUsername(b"alice".to_vec()),
            ClientExtension::ServerName(vec![b"example.com".to_vec()]),
            ClientExtension::Alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()]),
            ClientExtension::ExtendedMasterSecret,
            ClientExtension::EncryptThenMac,
            ClientExtension::RenegotiationInfo(vec![]),
            ClientExtension::SessionTicket(vec![9; 40]),
            ClientExtension::SupportedVersions(vec![
                ProtocolVersion::TLSv1_3,
                ProtocolVersion::TLSv1_2,
            ]),
            ClientExtension::SignatureAlgorithms(vec![
                SignatureScheme::RSA_PSS_SHA256,
                SignatureScheme::RSA_PKCS1_SHA256,
            ]),
            ClientExtension::Unknown {
                typ: ExtensionType::Heartbeat,
                payload: vec![1],
            },
        ],
    }
}

pub(super) fn sample_server_hello() -> ServerHelloPayload {
    ServerHelloPayload {
        server_version: ProtocolVersion::TLSv1_2,
        random: Random([3; 32]),
        session_id: SessionId(vec![5; 32]),
        cipher_suite: CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
        compression_method: Compression::Null,
        extensions: vec![
            ServerExtension::RenegotiationInfo(vec![]),
            ServerExtension::ExtendedMasterSecretAck,
            ServerExtension::EncryptThenMacAck,
            ServerExtension::ServerNameAck,
            ServerExtension::Alpn(b"h2".to_vec()),
            ServerExtension::SessionTicketAck,
            ServerExtension::Unknown {
                typ: ExtensionType::RecordSizeLimit,
                payload: vec![0x40, 0],
            },
        ],
    }
}

pub(super) fn ext_bytes(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut v = typ.to_be_bytes().to_vec();
    v.extend_from_slice(&(data.len() as u16).to_be_bytes());
    v.extend_from_slice(data);
    v
}
