//! In-memory handshakes between our client and our server: every negotiated option, and an
//! exact-alert test for every RFC 5054 check (the alert sent by the side that detects the
//! problem, and the same alert received by the other side).

mod common;

use std::io::Read;
use std::sync::Arc;

use common::*;
use tls_srp::internal::msgs::codec::Codec;
use tls_srp::internal::msgs::enums::{HandshakeType, ProtocolVersion};
use tls_srp::internal::msgs::handshake::{
    ClientExtension, HandshakePayload, ServerExtension, SrpClientKeyExchange, SrpServerKeyExchange,
};
use tls_srp::{
    suites, AlertDescription, CipherSuite, ClientConnection, Error, InvalidMessage,
    PeerIncompatible, PeerMisbehaved, ServerConfig, ServerConnection, UnknownUserPolicy, UserStore,
};

/// Asserts that `detector` failed with `err`, sent `alert`, and the other side received it.
fn assert_alert(out: &Outcome, server_detects: bool, err: Error, alert: AlertDescription) {
    let (det, other) = if server_detects {
        (&out.server, &out.client)
    } else {
        (&out.client, &out.server)
    };
    assert_eq!(
        det.as_ref(),
        Some(&err),
        "detecting side's error (outcome {out:?})"
    );
    assert_eq!(err.alert(), Some(alert), "alert for {err:?}");
    assert_eq!(
        other.as_ref(),
        Some(&Error::AlertReceived(alert)),
        "peer's error (outcome {out:?})"
    );
}

#[test]
fn full_handshake_every_suite_and_option() {
    for suite in [
        suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
        suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
    ] {
        for ems in [true, false] {
            for etm in [true, false] {
                let mut ccfg = client_config();
                ccfg.cipher_suites = vec![suite];
                ccfg.enable_extended_master_secret = ems;
                ccfg.enable_encrypt_then_mac = etm;
                let (mut c, mut s) = make_pair(ccfg, server_config(2048));
                let out = handshake(&mut c, &mut s);
                assert!(out.ok(), "{out:?}");
                macro_rules! check {
                    ($conn:expr) => {{
                        let conn = $conn;
                        assert_eq!(conn.negotiated_cipher_suite(), Some(suite.suite));
                        assert_eq!(conn.extended_master_secret(), ems);
                        assert_eq!(conn.encrypt_then_mac(), etm);
                        assert_eq!(conn.srp_group_bits(), Some(2048));
                        assert_eq!(conn.protocol_version(), Some(ProtocolVersion::TLSv1_2));
                        assert!(!conn.is_handshaking());
                    }};
                }
                check!(&*c);
                check!(&*s);
                assert_eq!(s.username(), Some(USER));
                let data: Vec<u8> = (0..40_000u32).map(|i| (i * 7 + 3) as u8).collect();
                assert_eq!(send_and_receive(&mut c, &mut s, &data), data);
                assert_eq!(send_and_receive(&mut s, &mut c, b"pong"), b"pong");
            }
        }
    }
}

#[test]
fn server_can_refuse_ems_and_etm() {
    let mut scfg = server_config(2048);
    scfg.enable_extended_master_secret = false;
    scfg.enable_encrypt_then_mac = false;
    let (mut c, mut s) = make_pair(client_config(), scfg);
    assert!(handshake(&mut c, &mut s).ok());
    assert!(!c.extended_master_secret() && !s.extended_master_secret());
    assert!(!c.encrypt_then_mac() && !s.encrypt_then_mac());
    assert_eq!(send_and_receive(&mut c, &mut s, b"x"), b"x");
}

#[test]
fn server_requiring_ems_refuses_client_without_it() {
    let mut scfg = server_config(2048);
    scfg.require_extended_master_secret = true;
    let mut ccfg = client_config();
    ccfg.enable_extended_master_secret = false;
    let (mut c, mut s) = make_pair(ccfg, scfg);
    let out = handshake(&mut c, &mut s);
    assert_alert(
        &out,
        true,
        PeerIncompatible::ExtendedMasterSecretRequired.into(),
        AlertDescription::HandshakeFailure,
    );
}

#[test]
fn close_notify_ends_reading_cleanly() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    assert!(handshake(&mut c, &mut s).ok());
    c.send_close_notify();
    transfer(&mut c, &mut s);
    let st = s.process_new_packets().unwrap();
    assert!(st.peer_has_closed());
    assert_eq!(s.reader().read(&mut [0u8; 10]).unwrap(), 0);
    let e = std::io::Write::write(&mut c.writer(), b"more").unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
}

#[test]
fn eof_without_close_notify_is_reported() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    assert!(handshake(&mut c, &mut s).ok());
    assert_eq!(s.read_tls(&mut &b""[..]).unwrap(), 0);
    s.process_new_packets().unwrap();
    assert_eq!(
        s.reader().read(&mut [0u8; 10]).unwrap_err().kind(),
        std::io::ErrorKind::UnexpectedEof
    );
}

#[test]
fn data_written_before_handshake_is_sent_after() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    std::io::Write::write_all(&mut c.writer(), b"early bird").unwrap();
    assert!(handshake(&mut c, &mut s).ok());
    transfer(&mut c, &mut s);
    s.process_new_packets().unwrap();
    let mut buf = [0u8; 32];
    let n = s.reader().read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"early bird");
}

#[test]
fn wrong_password_fails_with_bad_record_mac_on_both_sides() {
    let (mut c, mut s) = make_pair(
        tls_srp::ClientConfig::new(USER, "wrong"),
        server_config(2048),
    );
    let out = handshake(&mut c, &mut s);
    assert_alert(
        &out,
        true,
        Error::DecryptError,
        AlertDescription::BadRecordMac,
    );
    assert_eq!(s.username(), None);
    // Errors are sticky.
    assert_eq!(s.process_new_packets().unwrap_err(), Error::DecryptError);
    assert_eq!(
        c.process_new_packets().unwrap_err(),
        Error::AlertReceived(AlertDescription::BadRecordMac)
    );
}

fn server_key_exchange(flight: &[u8]) -> SrpServerKeyExchange {
    let msgs = handshake_messages(flight);
    let body = msgs
        .iter()
        .find_map(|m| match &m.payload {
            HandshakePayload::ServerKeyExchange(b) => Some(b.clone()),
            _ => None,
        })
        .expect("ServerKeyExchange in flight");
    SrpServerKeyExchange::read_bytes(&body).unwrap()
}

/// The ServerKeyExchange a server sends for `user`.
fn skx_for(scfg: &Arc<ServerConfig>, user: &str) -> SrpServerKeyExchange {
    let mut c =
        ClientConnection::new(Arc::new(tls_srp::ClientConfig::new(user, "pw")), None).unwrap();
    let mut s = ServerConnection::new(scfg.clone(), None).unwrap();
    transfer(&mut c, &mut s);
    s.process_new_packets().unwrap();
    server_key_exchange(&take_tls(&mut s))
}

#[test]
fn unknown_user_is_simulated_like_a_wrong_password() {
    let scfg = Arc::new(server_config(2048));
    let mut c =
        ClientConnection::new(Arc::new(tls_srp::ClientConfig::new("mallory", "pw")), None).unwrap();
    let mut s = ServerConnection::new(scfg.clone(), None).unwrap();
    let out = handshake(&mut c, &mut s);
    assert_alert(
        &out,
        true,
        Error::DecryptError,
        AlertDescription::BadRecordMac,
    );

    // Same group and salt length as a real user; a salt that is stable per username and
    // differs between usernames; fresh B each time.
    let real = skx_for(&scfg, USER);
    let fake1 = skx_for(&scfg, "mallory");
    let fake2 = skx_for(&scfg, "mallory");
    let other = skx_for(&scfg, "trudy");
    assert_eq!(fake1.n, real.n);
    assert_eq!(fake1.g, real.g);
    assert_eq!(fake1.s.len(), real.s.len());
    assert_ne!(fake1.s[0], 0);
    assert_eq!(fake1.s, fake2.s);
    assert_ne!(fake1.s, other.s);
    assert_ne!(fake1.b, fake2.b);

    // A persisted simulation secret gives the same salts in a new process.
    let mut a = server_config(2048);
    a.set_simulation_secret([7u8; 32]);
    let mut b = server_config(2048);
    b.set_simulation_secret([7u8; 32]);
    assert_eq!(
        skx_for(&Arc::new(a), "mallory").s,
        skx_for(&Arc::new(b), "mallory").s
    );
}

/// Unknown users follow the store's records, whatever they are: 16-byte salts in the
/// 3072-bit group (not the config's 2048 and 20), and in a mixed store each unknown name
/// gets one of the real shapes, the same on every attempt, drawn in proportion to the
/// records; a change of the records is followed at once.
#[test]
fn simulated_users_follow_the_shapes_of_the_real_records() {
    let store = Arc::new(tls_srp::InMemoryUserStore::new());
    let record = |bits: u32, salt_len: usize| tls_srp::UserRecord {
        group: group(bits),
        salt: vec![0x5a; salt_len],
        verifier: vec![2],
    };
    store.insert(USER, record(3072, 16));
    store.insert("bob", record(3072, 16));
    let scfg = Arc::new(ServerConfig::new(store.clone()).unwrap());
    assert_eq!(
        (scfg.simulated_group.bits(), scfg.simulated_salt_len),
        (2048, 20)
    );
    for name in ["mallory", "trudy", "eve"] {
        let skx = skx_for(&scfg, name);
        assert_eq!(
            (skx.n.as_slice(), skx.s.len()),
            (group(3072).n(), 16),
            "{name}"
        );
    }

    // Mixed: 3 records of (1024, 20) and 1 of (2048, 16).
    store.remove("bob");
    store.insert(USER, record(1024, 20));
    for (i, bits) in [1024, 1024, 2048].into_iter().enumerate() {
        store.insert(
            &format!("user{i}"),
            record(bits, if bits == 2048 { 16 } else { 20 }),
        );
    }
    let shapes = store.record_shapes().unwrap();
    assert_eq!(
        shapes.iter().collect::<Vec<_>>(),
        [((1024, 20), 3), ((2048, 16), 1)]
    );
    let mut counts = std::collections::HashMap::new();
    for i in 0..200 {
        let name = format!("ghost{i}");
        let skx = skx_for(&scfg, &name);
        let shape = (skx.n.len() * 8, skx.s.len());
        assert!(
            shape == (1024, 20) || shape == (2048, 16),
            "{name}: {shape:?}"
        );
        assert_eq!(skx_for(&scfg, &name).s, skx.s, "{name}: stable");
        *counts.entry(shape).or_insert(0) += 1;
    }
    // 150 expected of the first shape; 5 standard deviations either way.
    let small = counts[&(1024, 20)];
    assert!((120..=180).contains(&small), "{counts:?}");
}

#[test]
fn unknown_user_can_be_rejected_with_unknown_psk_identity() {
    let mut scfg = server_config(2048);
    scfg.unknown_users = UnknownUserPolicy::Reject;
    let (mut c, mut s) = make_pair(tls_srp::ClientConfig::new("mallory", "pw"), scfg);
    let out = handshake(&mut c, &mut s);
    assert_alert(
        &out,
        true,
        Error::UnknownUser,
        AlertDescription::UnknownPskIdentity,
    );
}

#[test]
fn missing_srp_extension_gets_unknown_psk_identity() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    let out = handshake_altered(
        &mut c,
        &mut s,
        |b| {
            alter_handshake(b, |m| {
                if let HandshakePayload::ClientHello(ch) = &mut m.payload {
                    ch.extensions
                        .retain(|e| !matches!(e, ClientExtension::SrpUsername(_)));
                }
            })
        },
        |b| b,
    );
    assert_alert(
        &out,
        true,
        PeerIncompatible::MissingSrpExtension.into(),
        AlertDescription::UnknownPskIdentity,
    );
}

#[test]
fn duplicate_client_extension_is_illegal() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    let out = handshake_altered(
        &mut c,
        &mut s,
        |b| {
            alter_handshake(b, |m| {
                if let HandshakePayload::ClientHello(ch) = &mut m.payload {
                    ch.extensions
                        .push(ClientExtension::SrpUsername(b"bob".to_vec()));
                }
            })
        },
        |b| b,
    );
    assert_alert(
        &out,
        true,
        PeerMisbehaved::DuplicateExtension.into(),
        AlertDescription::IllegalParameter,
    );
}

/// Replaces A in the client's ClientKeyExchange.
fn with_client_a(a: Vec<u8>) -> impl FnMut(Vec<u8>) -> Vec<u8> {
    move |b| {
        alter_handshake(b, |m| {
            if m.typ == HandshakeType::ClientKeyExchange {
                m.payload = HandshakePayload::ClientKeyExchange(
                    SrpClientKeyExchange { a: a.clone() }.get_encoding(),
                );
            }
        })
    }
}

#[test]
fn server_rejects_illegal_a_with_illegal_parameter() {
    let n = group(2048).n().to_vec();
    let mut longer = vec![1u8];
    longer.extend_from_slice(&n);
    let cases: Vec<(&str, Vec<u8>, PeerMisbehaved)> = vec![
        ("0", vec![0], PeerMisbehaved::IllegalSrpA),
        ("N", n.clone(), PeerMisbehaved::IllegalSrpA),
        ("N+1", be_add_small(&n, 1), PeerMisbehaved::IllegalSrpA),
        ("1", vec![1], PeerMisbehaved::IllegalSrpA),
        ("N-1", be_sub_small(&n, 1), PeerMisbehaved::IllegalSrpA),
        (
            "2N (longer than N)",
            be_double(&n),
            PeerMisbehaved::SrpValueTooLong,
        ),
        ("longer than N", longer, PeerMisbehaved::SrpValueTooLong),
    ];
    for (name, a, err) in cases {
        let (mut c, mut s) = make_pair(client_config(), server_config(2048));
        let out = handshake_altered(&mut c, &mut s, with_client_a(a), |b| b);
        assert_eq!(out.server, Some(err.into()), "A = {name}");
        assert_eq!(
            out.client,
            Some(Error::AlertReceived(AlertDescription::IllegalParameter)),
            "A = {name}"
        );
    }
}

/// Replaces fields of the server's ServerKeyExchange.
fn with_server_kx(f: impl Fn(&mut SrpServerKeyExchange) + Clone) -> impl FnMut(Vec<u8>) -> Vec<u8> {
    move |b| {
        let f = f.clone();
        alter_handshake(b, move |m| {
            if let HandshakePayload::ServerKeyExchange(body) = &mut m.payload {
                let mut skx = SrpServerKeyExchange::read_bytes(body).unwrap();
                f(&mut skx);
                *body = skx.get_encoding();
            }
        })
    }
}

#[test]
fn client_rejects_illegal_b_with_illegal_parameter() {
    let n = group(2048).n().to_vec();
    let cases: Vec<(&str, Vec<u8>, PeerMisbehaved)> = vec![
        ("0", vec![0], PeerMisbehaved::IllegalSrpB),
        ("N", n.clone(), PeerMisbehaved::IllegalSrpB),
        ("N+1", be_add_small(&n, 1), PeerMisbehaved::IllegalSrpB),
        ("2N", be_double(&n), PeerMisbehaved::SrpValueTooLong),
    ];
    for (name, b, err) in cases {
        let (mut c, mut s) = make_pair(client_config(), server_config(2048));
        let out = handshake_altered(
            &mut c,
            &mut s,
            |x| x,
            with_server_kx(move |k| k.b = b.clone()),
        );
        assert_eq!(out.client, Some(err.into()), "B = {name}");
        assert_eq!(
            err_alert(&out.client),
            Some(AlertDescription::IllegalParameter)
        );
        assert_eq!(
            out.server,
            Some(Error::AlertReceived(AlertDescription::IllegalParameter)),
            "B = {name}"
        );
    }
}

fn err_alert(e: &Option<Error>) -> Option<AlertDescription> {
    e.as_ref().and_then(|e| e.alert())
}

#[test]
fn client_rejects_unknown_group_with_insufficient_security() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    // A 2048-bit N that is not the RFC's.
    let out = handshake_altered(
        &mut c,
        &mut s,
        |x| x,
        with_server_kx(|k| k.n = be_sub_small(&k.n, 2)),
    );
    assert_alert(
        &out,
        false,
        PeerIncompatible::UnknownSrpGroup.into(),
        AlertDescription::InsufficientSecurity,
    );
    // The right N with another generator.
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    let out = handshake_altered(&mut c, &mut s, |x| x, with_server_kx(|k| k.g = vec![3]));
    assert_alert(
        &out,
        false,
        PeerIncompatible::UnknownSrpGroup.into(),
        AlertDescription::InsufficientSecurity,
    );
}

#[test]
fn client_rejects_group_below_its_minimum() {
    let (mut c, mut s) = make_pair(client_config(), server_config(1024));
    let out = handshake(&mut c, &mut s);
    assert_alert(
        &out,
        false,
        PeerIncompatible::SrpGroupTooSmall {
            offered: 1024,
            minimum: 2048,
        }
        .into(),
        AlertDescription::InsufficientSecurity,
    );
    let mut ccfg = client_config();
    ccfg.min_group_bits = 1024;
    let (mut c, mut s) = make_pair(ccfg, server_config(1024));
    assert!(handshake(&mut c, &mut s).ok());
    assert_eq!(c.srp_group_bits(), Some(1024));
}

#[test]
fn client_min_group_below_1024_is_refused() {
    let mut ccfg = client_config();
    ccfg.min_group_bits = 512;
    assert!(matches!(
        ClientConnection::new(Arc::new(ccfg), None),
        Err(Error::ApiMisuse(_))
    ));
}

#[test]
fn tls13_offer_is_answered_with_tls12_without_downgrade_marker() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    let mut sentinel = None;
    let out = handshake_altered(
        &mut c,
        &mut s,
        |b| {
            alter_handshake(b, |m| {
                if let HandshakePayload::ClientHello(ch) = &mut m.payload {
                    ch.extensions.push(ClientExtension::SupportedVersions(vec![
                        ProtocolVersion::TLSv1_3,
                        ProtocolVersion::TLSv1_2,
                    ]));
                }
            })
        },
        |b| {
            for m in handshake_messages(&b) {
                if let HandshakePayload::ServerHello(sh) = &m.payload {
                    assert_eq!(sh.server_version, ProtocolVersion::TLSv1_2);
                    sentinel = Some(sh.random.0[24..].to_vec());
                }
            }
            b
        },
    );
    // The server accepted the hello and answered with TLS 1.2. The handshake then fails at
    // Finished only because this test changed the ClientHello behind the client's back (the
    // transcripts differ); a real TLS 1.3-offering client (curl) is in the interop tests.
    assert_eq!(out.server, Some(Error::DecryptError), "{out:?}");
    // A TLS 1.2-only server must not send the RFC 8446 downgrade marker: OpenSSL clients
    // that offered 1.3 (curl) abort when they see it.
    let tail = sentinel.expect("ServerHello seen");
    assert_ne!(&tail[..7], b"DOWNGRD");
}

#[test]
fn client_without_tls12_gets_protocol_version() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    let out = handshake_altered(
        &mut c,
        &mut s,
        |b| {
            alter_handshake(b, |m| {
                if let HandshakePayload::ClientHello(ch) = &mut m.payload {
                    ch.client_version = ProtocolVersion::TLSv1_1;
                }
            })
        },
        |b| b,
    );
    assert_alert(
        &out,
        true,
        PeerIncompatible::Tls12NotOffered.into(),
        AlertDescription::ProtocolVersion,
    );
}

#[test]
fn no_common_suite_is_handshake_failure() {
    let mut ccfg = client_config();
    ccfg.cipher_suites = vec![suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA];
    let mut scfg = server_config(2048);
    scfg.cipher_suites = vec![suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA];
    let (mut c, mut s) = make_pair(ccfg, scfg);
    let out = handshake(&mut c, &mut s);
    assert_alert(
        &out,
        true,
        PeerIncompatible::NoCipherSuitesInCommon.into(),
        AlertDescription::HandshakeFailure,
    );
}

#[test]
fn server_prefers_its_own_suite_order() {
    let mut ccfg = client_config();
    ccfg.cipher_suites = vec![
        suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
        suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
    ];
    let (mut c, mut s) = make_pair(ccfg, server_config(2048));
    assert!(handshake(&mut c, &mut s).ok());
    assert_eq!(
        c.negotiated_cipher_suite(),
        Some(CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA)
    );
}

#[test]
fn alpn_and_sni() {
    let mut ccfg = client_config();
    ccfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut scfg = server_config(2048);
    scfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let c = ClientConnection::new(Arc::new(ccfg.clone()), Some("Example.COM")).unwrap();
    let s = ServerConnection::new(Arc::new(scfg.clone()), None).unwrap();
    let (mut c, mut s) = (c, s);
    assert!(handshake(&mut c, &mut s).ok());
    assert_eq!(c.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert_eq!(s.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert_eq!(s.server_name(), Some("example.com"));

    // IP addresses are not sent as SNI.
    let mut c = ClientConnection::new(Arc::new(ccfg.clone()), Some("127.0.0.1")).unwrap();
    let mut s = ServerConnection::new(Arc::new(scfg.clone()), None).unwrap();
    assert!(handshake(&mut c, &mut s).ok());
    assert_eq!(s.server_name(), None);

    // No protocol in common.
    scfg.alpn_protocols = vec![b"imap".to_vec()];
    let (mut c, mut s) = make_pair(ccfg, scfg);
    let out = handshake(&mut c, &mut s);
    assert_alert(
        &out,
        true,
        PeerIncompatible::NoApplicationProtocolInCommon.into(),
        AlertDescription::NoApplicationProtocol,
    );
}

#[test]
fn exporter_and_tls_unique_agree() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    assert!(c.tls_unique().is_none());
    assert!(handshake(&mut c, &mut s).ok());
    let (mut a, mut b) = ([0u8; 40], [0u8; 40]);
    c.export_keying_material(&mut a, b"EXPORTER-test", Some(b"ctx"))
        .unwrap();
    s.export_keying_material(&mut b, b"EXPORTER-test", Some(b"ctx"))
        .unwrap();
    assert_eq!(a, b);
    let mut d = [0u8; 40];
    s.export_keying_material(&mut d, b"EXPORTER-test", None)
        .unwrap();
    assert_ne!(a, d);
    assert!(c
        .export_keying_material(&mut d, b"master secret", None)
        .is_err());
    assert_eq!(c.tls_unique(), s.tls_unique());
    assert_eq!(c.tls_unique().map(|t| t.len()), Some(12));
}

#[test]
fn async_user_lookup() {
    let store = store_with(USER, PASSWORD, 2048);
    let scfg = Arc::new(ServerConfig::with_async_lookup().unwrap());

    // Known user supplied later.
    let mut c = ClientConnection::new(Arc::new(client_config()), None).unwrap();
    let mut s = ServerConnection::new(scfg.clone(), None).unwrap();
    transfer(&mut c, &mut s);
    s.process_new_packets().unwrap();
    assert_eq!(s.pending_user_lookup(), Some(USER));
    assert!(!s.wants_write());
    assert!(!s.wants_read());
    s.supply_user(tls_srp::UserStore::lookup(&*store, USER))
        .unwrap();
    assert_eq!(s.pending_user_lookup(), None);
    assert!(s.supply_user(None).is_err());
    let out = handshake(&mut c, &mut s);
    assert!(out.ok(), "{out:?}");
    assert_eq!(s.username(), Some(USER));

    // No such user: simulated.
    let mut c = ClientConnection::new(Arc::new(client_config()), None).unwrap();
    let mut s = ServerConnection::new(scfg, None).unwrap();
    transfer(&mut c, &mut s);
    s.process_new_packets().unwrap();
    s.supply_user(None).unwrap();
    let out = handshake(&mut c, &mut s);
    assert_alert(
        &out,
        true,
        Error::DecryptError,
        AlertDescription::BadRecordMac,
    );
}

#[test]
fn byte_at_a_time_and_refragmented_records() {
    // Feed every flight one byte at a time.
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    for _ in 0..6 {
        let bytes = take_tls(&mut c);
        for b in bytes {
            feed(&mut s, &[b]);
            s.process_new_packets().unwrap();
        }
        let bytes = take_tls(&mut s);
        for b in bytes {
            feed(&mut c, &[b]);
            c.process_new_packets().unwrap();
        }
    }
    assert!(!c.is_handshaking() && !s.is_handshaking());

    // Split each plaintext handshake record into one-byte records, and coalesce the client's
    // two plaintext messages... (the server flight has three messages in one record).
    let split = |b: Vec<u8>| {
        let mut out = Vec::new();
        let mut encrypted = false;
        for r in split_records(&b) {
            encrypted |= r.typ == 20;
            if r.typ == 22 && !encrypted {
                for byte in &r.payload {
                    out.push(RawRecord {
                        typ: 22,
                        version: r.version,
                        payload: vec![*byte],
                    });
                }
            } else {
                out.push(r);
            }
        }
        join_records(&out)
    };
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    let out = handshake_altered(&mut c, &mut s, split, split);
    assert!(out.ok(), "{out:?}");
    assert_eq!(send_and_receive(&mut c, &mut s, b"after"), b"after");
}

#[test]
fn early_change_cipher_spec_is_unexpected() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    // Put the client's CCS before its ClientKeyExchange.
    let reorder = |b: Vec<u8>| {
        let mut recs = split_records(&b);
        if let Some(i) = recs.iter().position(|r| r.typ == 20) {
            let ccs = recs.remove(i);
            recs.insert(0, ccs);
        }
        join_records(&recs)
    };
    let out = handshake_altered(&mut c, &mut s, reorder, |b| b);
    assert_eq!(
        err_alert(&out.server),
        Some(AlertDescription::UnexpectedMessage),
        "{out:?}"
    );
    assert_eq!(
        out.client,
        Some(Error::AlertReceived(AlertDescription::UnexpectedMessage))
    );
}

#[test]
fn application_data_before_finished_is_unexpected() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    let inject = |b: Vec<u8>| {
        let mut recs = split_records(&b);
        if let Some(i) = recs.iter().position(|r| r.typ == 20) {
            recs.insert(
                i,
                RawRecord {
                    typ: 23,
                    version: [3, 3],
                    payload: b"GET /".to_vec(),
                },
            );
        }
        join_records(&recs)
    };
    let out = handshake_altered(&mut c, &mut s, inject, |b| b);
    assert_alert(
        &out,
        true,
        PeerMisbehaved::ApplicationDataBeforeFinished.into(),
        AlertDescription::UnexpectedMessage,
    );
}

#[test]
fn bad_record_headers() {
    let cases: Vec<(Vec<u8>, Error)> = vec![
        (
            vec![99, 3, 3, 0, 1, 0],
            InvalidMessage::InvalidContentType.into(),
        ),
        (
            vec![22, 2, 0, 0, 1, 0],
            InvalidMessage::UnknownProtocolVersion.into(),
        ),
        (
            vec![22, 3, 3, 0x48, 0x01],
            InvalidMessage::RecordTooLarge.into(),
        ),
        (
            b"GET / HTTP/1.1\r\n\r\n".to_vec(),
            InvalidMessage::InvalidContentType.into(),
        ),
    ];
    for (bytes, err) in cases {
        let mut s = ServerConnection::new(Arc::new(server_config(2048)), None).unwrap();
        feed(&mut s, &bytes);
        assert_eq!(s.process_new_packets().unwrap_err(), err);
        let alert = take_tls(&mut s);
        // One plaintext fatal alert record with the right description.
        assert_eq!(alert, vec![21, 3, 3, 0, 2, 2, err.alert().unwrap().get()]);
    }
}

#[test]
fn handshake_message_too_large_is_refused_early() {
    let mut s = ServerConnection::new(Arc::new(server_config(2048)), None).unwrap();
    // A ClientHello header announcing 16 MiB - 1.
    feed(&mut s, &[22, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff]);
    let e = s.process_new_packets().unwrap_err();
    assert_eq!(e, InvalidMessage::HandshakeMessageTooLarge.into());
    assert_eq!(e.alert(), Some(AlertDescription::DecodeError));
}

#[test]
fn unexpected_first_message_is_refused() {
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    // The server receives a ServerHelloDone instead of a ClientHello.
    let out = handshake_altered(
        &mut c,
        &mut s,
        |b| {
            alter_handshake(b, |m| {
                *m = tls_srp::internal::msgs::handshake::HandshakeMessagePayload::new(
                    HandshakePayload::ServerHelloDone,
                )
            })
        },
        |b| b,
    );
    assert_eq!(
        out.server,
        Some(Error::InappropriateHandshakeMessage {
            expect_types: vec![HandshakeType::ClientHello],
            got_type: HandshakeType::ServerHelloDone
        })
    );
    assert_eq!(
        out.client,
        Some(Error::AlertReceived(AlertDescription::UnexpectedMessage))
    );
}

#[test]
fn debug_output_has_no_secrets() {
    let ccfg = client_config();
    let dbg = format!("{ccfg:?}");
    assert!(!dbg.contains(PASSWORD), "{dbg}");
    let (mut c, mut s) = make_pair(ccfg, server_config(2048));
    assert!(handshake(&mut c, &mut s).ok());
    let dbg = format!("{c:?} {s:?}");
    assert!(!dbg.contains(PASSWORD));
}

/// RFC 5746 3.4 / 3.6: on an initial handshake `renegotiation_info` must be empty, on either
/// side; anything else is `handshake_failure`.
#[test]
fn non_empty_renegotiation_info_is_a_handshake_failure() {
    // From the client.
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    let out = handshake_altered(
        &mut c,
        &mut s,
        |b| {
            alter_handshake(b, |m| {
                if let HandshakePayload::ClientHello(ch) = &mut m.payload {
                    for e in &mut ch.extensions {
                        if let ClientExtension::RenegotiationInfo(v) = e {
                            *v = vec![0x55; 12];
                        }
                    }
                }
            })
        },
        |b| b,
    );
    assert_alert(
        &out,
        true,
        PeerMisbehaved::BadRenegotiationInfo.into(),
        AlertDescription::HandshakeFailure,
    );
    // From the server.
    let (mut c, mut s) = make_pair(client_config(), server_config(2048));
    let out = handshake_altered(
        &mut c,
        &mut s,
        |b| b,
        |b| {
            alter_handshake(b, |m| {
                if let HandshakePayload::ServerHello(sh) = &mut m.payload {
                    for e in &mut sh.extensions {
                        if let ServerExtension::RenegotiationInfo(v) = e {
                            *v = vec![0x55; 24];
                        }
                    }
                }
            })
        },
    );
    assert_alert(
        &out,
        false,
        PeerMisbehaved::BadRenegotiationInfo.into(),
        AlertDescription::HandshakeFailure,
    );
}

/// RFC 5746 3.6: a client that signals secure renegotiation with the SCSV instead of the
/// extension gets an empty `renegotiation_info` in the ServerHello; one that signals neither
/// gets none.
#[test]
fn the_scsv_is_answered_with_an_empty_renegotiation_info() {
    for (scsv, expected) in [(true, Some(Vec::new())), (false, None)] {
        let (mut c, mut s) = make_pair(client_config(), server_config(2048));
        let hello = alter_handshake(take_tls(&mut c), |m| {
            if let HandshakePayload::ClientHello(ch) = &mut m.payload {
                ch.extensions
                    .retain(|e| !matches!(e, ClientExtension::RenegotiationInfo(_)));
                ch.cipher_suites
                    .retain(|cs| *cs != CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
                if scsv {
                    ch.cipher_suites
                        .push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
                }
            }
        });
        feed(&mut s, &hello);
        s.process_new_packets().expect("the server takes the hello");
        let flight = handshake_messages(&take_tls(&mut s));
        let Some(HandshakePayload::ServerHello(sh)) = flight.first().map(|m| &m.payload) else {
            panic!("no ServerHello: {flight:?}");
        };
        let reneg = sh.extensions.iter().find_map(|e| match e {
            ServerExtension::RenegotiationInfo(v) => Some(v.clone()),
            _ => None,
        });
        assert_eq!(reneg, expected, "SCSV offered: {scsv}");
    }
}
