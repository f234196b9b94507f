//! The SRP-RSA suites (RFC 5054 2.7, 2.8) in memory, between our client and our server:
//! both suites with every option, the server's preference and its fallback to plain SRP,
//! the signature scheme the client asks for, and each failure with its exact alert (a wrong
//! CA, a wrong name, a bad signature, an unoffered scheme). Certificates come from
//! `common/certs.rs` (made with the `openssl` command).

#[path = "common/certs.rs"]
mod certs;
mod common;

use std::sync::Arc;

use common::*;
use tls_srp::cert::{certified_key_from_pem_files, ServerAuth};
use tls_srp::internal::msgs::codec::{Codec, Reader};
use tls_srp::internal::msgs::enums::SignatureScheme;
use tls_srp::internal::msgs::handshake::{
    ClientExtension, DigitallySigned, HandshakePayload, SrpServerKeyExchange,
};
use tls_srp::suites::{
    TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA, TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA,
    TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
};
use tls_srp::{
    AlertDescription, CipherSuite, ClientConfig, ClientConnection, Error, PeerMisbehaved,
    ServerConfig, ServerConnection,
};

fn rsa_server() -> ServerConfig {
    let c = certs::certs();
    let mut cfg = server_config(2048);
    cfg.certificate = Some(certified_key_from_pem_files(&c.chain, &c.key).unwrap());
    cfg
}

fn rsa_client(ca: &std::path::Path) -> ClientConfig {
    let mut cfg = client_config();
    cfg.server_auth = Some(Arc::new(ServerAuth::with_root_file(ca).unwrap()));
    cfg
}

fn pair(
    ccfg: ClientConfig,
    scfg: ServerConfig,
    name: &str,
) -> (ClientConnection, ServerConnection) {
    let c = ClientConnection::new(Arc::new(ccfg), Some(name)).unwrap();
    let s = ServerConnection::new(Arc::new(scfg), None).unwrap();
    (c, s)
}

/// The messages of the server's first flight in a handshake run to its end.
fn server_flight_types(ccfg: ClientConfig, scfg: ServerConfig) -> (Outcome, Vec<String>) {
    let (mut c, mut s) = pair(ccfg, scfg, "localhost");
    let mut first: Option<Vec<String>> = None;
    let out = handshake_altered(
        &mut c,
        &mut s,
        |b| b,
        |b| {
            if first.is_none() && !b.is_empty() {
                first = Some(
                    handshake_messages(&b)
                        .iter()
                        .map(|m| format!("{:?}", m.typ))
                        .collect(),
                );
            }
            b
        },
    );
    (out, first.unwrap_or_default())
}

#[test]
fn both_suites_with_every_option() {
    let ca = &certs::certs().ca;
    for suite in [
        TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA,
        TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA,
    ] {
        for (ems, etm) in [(true, true), (true, false), (false, true), (false, false)] {
            let mut ccfg = rsa_client(ca);
            ccfg.cipher_suites = vec![suite];
            ccfg.enable_extended_master_secret = ems;
            ccfg.enable_encrypt_then_mac = etm;
            let (mut c, mut s) = pair(ccfg, rsa_server(), "localhost");
            let out = handshake(&mut c, &mut s);
            assert!(out.ok(), "{:?} ems {ems} etm {etm}: {out:?}", suite.suite);
            assert_eq!(c.negotiated_cipher_suite(), Some(suite.suite));
            assert_eq!(s.negotiated_cipher_suite(), Some(suite.suite));
            assert_eq!(
                (c.extended_master_secret(), c.encrypt_then_mac()),
                (ems, etm)
            );
            assert_eq!(s.username(), Some(USER));
            assert_eq!(
                send_and_receive(&mut c, &mut s, b"over SRP-RSA"),
                b"over SRP-RSA"
            );
        }
    }
}

#[test]
fn a_server_with_a_certificate_prefers_srp_rsa_and_sends_it() {
    let ca = &certs::certs().ca;
    let (out, flight) = server_flight_types(rsa_client(ca), rsa_server());
    assert!(out.ok(), "{out:?}");
    assert_eq!(
        flight,
        [
            "ServerHello",
            "Certificate",
            "ServerKeyExchange",
            "ServerHelloDone"
        ]
    );
    // The preference is the order of cipher_suites.
    let mut scfg = rsa_server();
    scfg.cipher_suites = vec![
        TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
        TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA,
    ];
    let (mut c, mut s) = pair(rsa_client(ca), scfg, "localhost");
    assert!(handshake(&mut c, &mut s).ok());
    assert_eq!(
        c.negotiated_cipher_suite(),
        Some(CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA)
    );
}

#[test]
fn plain_srp_without_a_certificate_on_either_side() {
    let ca = &certs::certs().ca;
    // A client that checks certificates, a server without one.
    let (out, flight) = server_flight_types(rsa_client(ca), server_config(2048));
    assert!(out.ok(), "{out:?}");
    assert_eq!(
        flight,
        ["ServerHello", "ServerKeyExchange", "ServerHelloDone"]
    );
    // A server with one, a client that checks none: the client never offers SRP-RSA.
    let (mut c, mut s) = pair(client_config(), rsa_server(), "localhost");
    let hello = take_tls(&mut c);
    let msgs = handshake_messages(&hello);
    let HandshakePayload::ClientHello(ch) = &msgs[0].payload else {
        panic!("{msgs:?}")
    };
    assert!(!ch.offers_suite(CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA));
    assert!(ch.signature_algorithms().is_none());
    feed(&mut s, &hello);
    assert!(handshake(&mut c, &mut s).ok());
    assert_eq!(
        c.negotiated_cipher_suite(),
        Some(CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA)
    );
    // Without a server name there is nothing to check a certificate against: no SRP-RSA.
    let c = ClientConnection::new(Arc::new(rsa_client(ca)), None).unwrap();
    let mut c = c;
    let msgs = handshake_messages(&take_tls(&mut c));
    let HandshakePayload::ClientHello(ch) = &msgs[0].payload else {
        panic!()
    };
    assert!(!ch.offers_suite(CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA));
}

#[test]
fn the_server_signs_with_the_scheme_the_client_asks_for() {
    let ca = &certs::certs().ca;
    for want in [
        SignatureScheme::RSA_PKCS1_SHA256,
        SignatureScheme::RSA_PKCS1_SHA384,
        SignatureScheme::RSA_PSS_SHA256,
        SignatureScheme::RSA_PSS_SHA512,
    ] {
        let (mut c, mut s) = pair(rsa_client(ca), rsa_server(), "localhost");
        let mut used = None;
        let out = handshake_altered(
            &mut c,
            &mut s,
            |b| {
                alter_handshake(b, |m| {
                    if let HandshakePayload::ClientHello(ch) = &mut m.payload {
                        for e in &mut ch.extensions {
                            if let ClientExtension::SignatureAlgorithms(v) = e {
                                *v = vec![want];
                            }
                        }
                    }
                })
            },
            |b| {
                for m in handshake_messages(&b) {
                    if let HandshakePayload::ServerKeyExchange(body) = &m.payload {
                        let mut r = Reader::init(body);
                        SrpServerKeyExchange::read(&mut r).unwrap();
                        used = Some(DigitallySigned::read_bytes(r.rest()).unwrap().scheme);
                    }
                }
                b
            },
        );
        assert_eq!(used, Some(want));
        // The altered hello changes the transcript, so the Finished messages disagree; the
        // signature itself was accepted (a bad one would be refused first).
        assert_ne!(out.client, Some(Error::BadSignature), "{want:?}");
    }
    // Only schemes an RSA key cannot make: the server falls back to plain SRP.
    let (mut c, mut s) = pair(rsa_client(ca), rsa_server(), "localhost");
    let hello = alter_handshake(take_tls(&mut c), |m| {
        if let HandshakePayload::ClientHello(ch) = &mut m.payload {
            for e in &mut ch.extensions {
                if let ClientExtension::SignatureAlgorithms(v) = e {
                    *v = vec![SignatureScheme::ECDSA_NISTP256_SHA256];
                }
            }
        }
    });
    feed(&mut s, &hello);
    s.process_new_packets().unwrap();
    let flight = handshake_messages(&take_tls(&mut s));
    let HandshakePayload::ServerHello(sh) = &flight[0].payload else {
        panic!()
    };
    assert_eq!(
        sh.cipher_suite,
        CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA
    );
}

#[test]
fn a_certificate_from_another_ca_is_unknown_ca() {
    let c = certs::certs();
    let (mut cl, mut s) = pair(rsa_client(&c.other_ca), rsa_server(), "localhost");
    let out = handshake(&mut cl, &mut s);
    match &out.client {
        Some(Error::InvalidCertificate { alert, .. }) => {
            assert_eq!(*alert, AlertDescription::UnknownCa)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        out.server,
        Some(Error::AlertReceived(AlertDescription::UnknownCa))
    );
}

#[test]
fn a_certificate_for_another_name_is_bad_certificate() {
    let ca = &certs::certs().ca;
    let (mut c, mut s) = pair(rsa_client(ca), rsa_server(), "not-this-host.example");
    let out = handshake(&mut c, &mut s);
    match &out.client {
        Some(Error::InvalidCertificate { alert, reason }) => {
            assert_eq!(*alert, AlertDescription::BadCertificate, "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        out.server,
        Some(Error::AlertReceived(AlertDescription::BadCertificate))
    );
    // The IP address in the certificate is a name too.
    let (mut c, mut s) = pair(rsa_client(ca), rsa_server(), "127.0.0.1");
    assert!(handshake(&mut c, &mut s).ok());
    // The dangerous opt-out takes any chain for any name, and still checks the signature.
    let mut ccfg = client_config();
    ccfg.server_auth = Some(Arc::new(ServerAuth::dangerous_accept_any_certificate()));
    let (mut c, mut s) = pair(ccfg, rsa_server(), "not-this-host.example");
    assert!(handshake(&mut c, &mut s).ok());
    assert!(c
        .negotiated_cipher_suite()
        .is_some_and(|s| s == CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA));
}

/// Changes the ServerKeyExchange: `f` gets the signed params and the signature.
fn alter_skx(
    mut f: impl FnMut(&mut SrpServerKeyExchange, &mut DigitallySigned),
) -> impl FnMut(Vec<u8>) -> Vec<u8> {
    move |b| {
        alter_handshake(b, |m| {
            if let HandshakePayload::ServerKeyExchange(body) = &mut m.payload {
                let mut r = Reader::init(body);
                let mut params = SrpServerKeyExchange::read(&mut r).unwrap();
                let mut sig = DigitallySigned::read_bytes(r.rest()).unwrap();
                f(&mut params, &mut sig);
                let mut out = params.get_encoding();
                sig.encode(&mut out);
                *body = out;
            }
        })
    }
}

/// A change to a ServerKeyExchange's signed params and signature.
type SkxChange = Box<dyn Fn(&mut SrpServerKeyExchange, &mut DigitallySigned)>;

#[test]
fn a_bad_signature_is_decrypt_error() {
    let ca = &certs::certs().ca;
    // A flipped bit in the signature, and signed params changed after signing (a different
    // salt): both fail the signature check.
    let cases: [SkxChange; 2] = [
        Box::new(|_, sig| sig.signature[10] ^= 1),
        Box::new(|params, _| params.s[0] ^= 1),
    ];
    for case in cases {
        let (mut c, mut s) = pair(rsa_client(ca), rsa_server(), "localhost");
        let out = handshake_altered(&mut c, &mut s, |b| b, alter_skx(|p, sig| case(p, sig)));
        assert_eq!(out.client, Some(Error::BadSignature));
        assert_eq!(
            Error::BadSignature.alert(),
            Some(AlertDescription::DecryptError)
        );
        assert_eq!(
            out.server,
            Some(Error::AlertReceived(AlertDescription::DecryptError))
        );
    }
    // A scheme the client did not offer (SHA-1): illegal_parameter.
    let (mut c, mut s) = pair(rsa_client(ca), rsa_server(), "localhost");
    let out = handshake_altered(
        &mut c,
        &mut s,
        |b| b,
        alter_skx(|_, sig| sig.scheme = SignatureScheme::RSA_PKCS1_SHA1),
    );
    assert_eq!(
        out.client,
        Some(PeerMisbehaved::SignedWithUnofferedScheme.into())
    );
    assert_eq!(
        out.server,
        Some(Error::AlertReceived(AlertDescription::IllegalParameter))
    );
}

#[test]
fn pem_errors_are_clear() {
    let c = certs::certs();
    let e = certified_key_from_pem_files(&c.key, &c.key).unwrap_err();
    assert!(e.to_string().contains("no certificate"), "{e}");
    let e = certified_key_from_pem_files(&c.chain, &c.ca).unwrap_err();
    assert!(e.to_string().contains("ca.pem"), "{e}");
    // A key that does not match the certificate.
    let other_key = c.dir.join("other.key");
    let e = certified_key_from_pem_files(&c.chain, &other_key).unwrap_err();
    assert!(e.to_string().contains("server.pem"), "{e}");
    let e = ServerAuth::with_root_file(&c.key).unwrap_err();
    assert!(e.to_string().contains("no certificate"), "{e}");
}
