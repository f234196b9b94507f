//! TLS 1.3 PAKE in memory: our client against our server (BoringSSL in
//! tests/interop_pake.rs), every suite, HelloRetryRequest, refusals and their alerts,
//! KeyUpdate, exporters, the rate limiter.

use std::io::{Read, Write};
use std::sync::{Arc, OnceLock};

use super::*;
use crate::conn::{ConnectionCommon, SideData};
use crate::error::Error;
use crate::msgs::enums::{AlertDescription, HandshakeType, ProtocolVersion};
use crate::pake::{register, PakeClientParams, ProverKeys, VerifierRecord};
use crate::{
    ClientConfig, ClientConnection, InMemoryUserStore, PakeServerParams, ServerConfig,
    ServerConnection,
};

const SID: &[u8] = b"server.example";

/// One registration (scrypt) per password, shared by the tests.
fn keys(password: &str) -> (ProverKeys, VerifierRecord) {
    static RIGHT: OnceLock<(ProverKeys, VerifierRecord)> = OnceLock::new();
    static WRONG: OnceLock<(ProverKeys, VerifierRecord)> = OnceLock::new();
    let cell = if password == "right" { &RIGHT } else { &WRONG };
    cell.get_or_init(|| register(password.as_bytes(), b"alice", SID))
        .clone()
}

fn server_config(tweak: impl FnOnce(&mut ServerConfig)) -> Arc<ServerConfig> {
    let store = Arc::new(InMemoryUserStore::new());
    store.insert_pake("alice", SID, keys("right").1);
    let mut config = ServerConfig::new(store).unwrap();
    config.pake = Some(PakeServerParams::new(SID));
    tweak(&mut config);
    Arc::new(config)
}

fn client_config(
    user: &str,
    password: &str,
    tweak: impl FnOnce(&mut PakeClientParams),
) -> Arc<ClientConfig> {
    let (k, _) = match user {
        "alice" => keys(password),
        other => register(password.as_bytes(), other.as_bytes(), SID),
    };
    let mut params = PakeClientParams::new(SID, k);
    tweak(&mut params);
    Arc::new(ClientConfig::pake_with_params(user, params))
}

fn pump<A: SideData, B: SideData>(
    from: &mut ConnectionCommon<A>,
    to: &mut ConnectionCommon<B>,
) -> Result<usize, Error> {
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf).unwrap();
    }
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).unwrap();
    }
    to.process_new_packets()?;
    Ok(buf.len())
}

/// Runs the handshake; the first error of either side, tagged with the side.
fn run(c: &mut ClientConnection, s: &mut ServerConnection) -> Result<(), (&'static str, Error)> {
    for _ in 0..6 {
        pump(c, s).map_err(|e| ("server", e))?;
        pump(s, c).map_err(|e| ("client", e))?;
    }
    Ok(())
}

fn connect(
    cc: Arc<ClientConfig>,
    sc: Arc<ServerConfig>,
) -> (
    ClientConnection,
    ServerConnection,
    Result<(), (&'static str, Error)>,
) {
    let mut c = ClientConnection::new(cc, Some("server.example")).unwrap();
    let mut s = ServerConnection::new(sc, Some("127.0.0.1".parse().unwrap())).unwrap();
    let r = run(&mut c, &mut s);
    (c, s, r)
}

fn exchange(c: &mut ClientConnection, s: &mut ServerConnection) {
    c.writer().write_all(b"ping").unwrap();
    pump(c, s).unwrap();
    let mut buf = [0u8; 4];
    s.reader().read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
    s.writer().write_all(b"pong").unwrap();
    pump(s, c).unwrap();
    c.reader().read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"pong");
}

#[test]
fn right_password_every_suite() {
    for suite in Tls13CipherSuite::ALL {
        let (mut c, mut s, r) = connect(
            client_config("alice", "right", |p| p.cipher_suites = vec![suite]),
            server_config(|_| {}),
        );
        r.unwrap();
        assert!(!c.is_handshaking() && !s.is_handshaking());
        assert_eq!(c.protocol_version(), Some(ProtocolVersion::TLSv1_3));
        assert_eq!(s.negotiated_cipher_suite(), Some(suite.suite()));
        assert!(c.is_pake() && s.is_pake());
        assert_eq!(s.username(), Some("alice"));
        exchange(&mut c, &mut s);
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        c.export_keying_material(&mut a, b"EXPORTER-test", Some(b"ctx"))
            .unwrap();
        s.export_keying_material(&mut b, b"EXPORTER-test", Some(b"ctx"))
            .unwrap();
        assert_eq!(a, b);
        s.export_keying_material(&mut b, b"EXPORTER-other", Some(b"ctx"))
            .unwrap();
        assert_ne!(a, b);
    }
}

#[test]
fn wrong_password_fails_at_the_client_with_decrypt_error_and_counts() {
    let sc = server_config(|_| {});
    let (_, s, r) = connect(client_config("alice", "wrong", |_| {}), sc.clone());
    let (side, e) = r.unwrap_err();
    assert_eq!((side, &e), ("client", &Error::PakeConfirmationMismatch));
    assert_eq!(e.alert(), Some(AlertDescription::DecryptError));
    assert!(e.is_auth_failure());
    drop(s);
    // The server saw its confirmation go out and no Finished come back: a failed guess.
    let limiter = sc.rate_limiter.as_ref().unwrap();
    assert_eq!(
        limiter.tracked().0,
        1,
        "the failed attempt is tracked for the user"
    );
}

#[test]
fn unknown_user_fails_like_a_wrong_password() {
    let (_, _, r) = connect(
        client_config("mallory", "right", |_| {}),
        server_config(|_| {}),
    );
    assert_eq!(r.unwrap_err(), ("client", Error::PakeConfirmationMismatch));
}

/// A store that implements only `lookup_pake` (its records are not prepared ahead): the
/// server prepares the user's record, or the decoy, once per attempt.
struct BareStore(VerifierRecord);

impl crate::UserStore for BareStore {
    fn lookup(&self, _username: &str) -> Option<crate::UserRecord> {
        None
    }

    fn lookup_pake(&self, username: &str, server_identity: &[u8]) -> Option<VerifierRecord> {
        (username == "alice" && server_identity == SID).then(|| self.0.clone())
    }
}

#[test]
fn a_store_without_prepared_records_serves_and_refuses_alike() {
    let bare = || {
        let mut config = ServerConfig::new(Arc::new(BareStore(keys("right").1))).unwrap();
        config.pake = Some(PakeServerParams::new(SID));
        Arc::new(config)
    };
    assert!(!crate::UserStore::pake_records_prepared(&BareStore(
        keys("right").1
    )));
    let (_, s, r) = connect(client_config("alice", "right", |_| {}), bare());
    r.unwrap();
    assert_eq!(s.username(), Some("alice"));
    for (user, password) in [("alice", "wrong"), ("mallory", "right")] {
        let (_, _, r) = connect(client_config(user, password, |_| {}), bare());
        assert_eq!(
            r.unwrap_err(),
            ("client", Error::PakeConfirmationMismatch),
            "{user}"
        );
    }
    // The in-memory store keeps its records prepared, and answers the bare record too.
    let store = InMemoryUserStore::new();
    store.insert_pake("alice", SID, keys("right").1);
    assert!(crate::UserStore::pake_records_prepared(&store));
    let prepared = crate::UserStore::lookup_pake_prepared(&store, "alice", SID).unwrap();
    assert_eq!(prepared.record().l, keys("right").1.l);
    assert!(crate::UserStore::lookup_pake_prepared(&store, "alice", b"other").is_none());
    assert_eq!(
        crate::UserStore::lookup_pake(&store, "alice", SID)
            .unwrap()
            .w0,
        keys("right").1.w0
    );
}

#[test]
fn the_server_reads_the_clients_alert_as_a_failed_guess() {
    let (mut c, mut s, _) = connect(
        client_config("alice", "wrong", |_| {}),
        server_config(|_| {}),
    );
    // The client's alert reaches the server (a plaintext alert: the client had no keys).
    let e = pump(&mut c, &mut s).unwrap_err();
    assert_eq!(e, Error::AlertReceived(AlertDescription::DecryptError));
}

#[test]
fn hello_retry_request_with_a_cookie() {
    let (mut c, mut s, r) = connect(
        client_config("alice", "right", |_| {}),
        server_config(|c| c.pake.as_mut().unwrap().require_cookie = true),
    );
    r.unwrap();
    exchange(&mut c, &mut s);
}

#[test]
fn another_server_identity_is_a_handshake_failure() {
    let (k, _) = keys("right");
    let cc = Arc::new(ClientConfig::pake_with_params(
        "alice",
        PakeClientParams::new(b"other".to_vec(), k),
    ));
    let (_, s, r) = connect(cc, server_config(|_| {}));
    let (side, e) = r.unwrap_err();
    assert_eq!(side, "server");
    assert_eq!(e.alert(), Some(AlertDescription::HandshakeFailure));
    // The failure names the user who asked (the identity check comes after the username).
    assert_eq!(s.requested_username(), Some("alice"));
    let a = s.accept_error(e.into());
    assert_eq!(a.username(), Some("alice"));
    assert!(a.is_pake());
    assert_eq!(a.reason(), crate::FailureReason::Incompatible);
}

#[test]
fn accept_error_says_whether_the_attempt_was_pake() {
    // TLS 1.3 PAKE, a wrong password: the server reads the client's alert.
    let (mut c, mut s, r) = connect(
        client_config("alice", "wrong", |_| {}),
        server_config(|_| {}),
    );
    assert_eq!(r.unwrap_err(), ("client", Error::PakeConfirmationMismatch));
    let e = pump(&mut c, &mut s).unwrap_err();
    let a = s.accept_error(e.into());
    assert!(a.is_pake(), "{a}");
    assert_eq!(a.username(), Some("alice"));
    assert_eq!(a.reason(), crate::FailureReason::BadCredentials);

    // TLS-SRP, a wrong password, on the same config: not PAKE.
    let group = crate::SrpGroup::by_bits(2048).unwrap();
    let store = Arc::new(InMemoryUserStore::new());
    store.add_user("bob", b"right", group).unwrap();
    let mut config = ServerConfig::new(store).unwrap();
    config.pake = Some(PakeServerParams::new(SID));
    let cc = Arc::new(ClientConfig::new("bob", "wrong"));
    let (_, s, r) = connect(cc, Arc::new(config));
    let (side, e) = r.unwrap_err();
    assert_eq!(side, "server");
    let a = s.accept_error(e.into());
    assert!(!a.is_pake(), "{a}");
    assert_eq!(a.username(), Some("bob"));
    assert_eq!(a.reason(), crate::FailureReason::BadCredentials);
}

/// A server that holds alice's record for another password (an impostor, or a stale
/// record): its confirmation never verifies at a client with the right password.
fn other_password_server() -> Arc<ServerConfig> {
    let store = Arc::new(InMemoryUserStore::new());
    store.insert_pake("alice", SID, keys("wrong").1);
    let mut config = ServerConfig::new(store).unwrap();
    config.pake = Some(PakeServerParams::new(SID));
    Arc::new(config)
}

fn remaining(cc: &ClientConfig) -> Option<u32> {
    cc.pake.as_ref().unwrap().remaining_errors()
}

#[test]
fn the_error_limit_counts_failed_confirmations_only_and_then_refuses() {
    let cc = client_config("alice", "right", |p| p.set_error_limit(Some(2)));
    let (good, bad) = (server_config(|_| {}), other_password_server());
    assert_eq!(remaining(&cc), Some(2));
    // Successes and handshakes abandoned before the ServerHello spend nothing.
    for _ in 0..3 {
        connect(cc.clone(), good.clone()).2.unwrap();
        drop(ClientConnection::new(cc.clone(), None).unwrap());
    }
    assert_eq!(remaining(&cc), Some(2));
    // A confirmation that does not verify spends one; the credential still works.
    let (_, _, r) = connect(cc.clone(), bad.clone());
    assert_eq!(r.unwrap_err(), ("client", Error::PakeConfirmationMismatch));
    assert_eq!(remaining(&cc), Some(1));
    connect(cc.clone(), good.clone()).2.unwrap();
    assert_eq!(remaining(&cc), Some(1));
    // The last one.
    let (_, _, r) = connect(cc.clone(), bad);
    assert_eq!(r.unwrap_err(), ("client", Error::PakeConfirmationMismatch));
    assert_eq!(remaining(&cc), Some(0));
    // Then every new handshake is refused before anything is sent, the right server's
    // too, through a clone of the config as well: the budget is the credential's.
    let e = ClientConnection::new(cc.clone(), Some("server.example")).unwrap_err();
    assert_eq!(e, Error::PakeErrorLimitReached);
    assert!(!e.is_auth_failure());
    let copy = Arc::new(ClientConfig::clone(&cc));
    assert_eq!(
        ClientConnection::new(copy, None).unwrap_err(),
        Error::PakeErrorLimitReached
    );
    // Fresh parameters have a fresh budget; without a limit there is none.
    let mut params = cc.pake.as_deref().unwrap().clone();
    params.set_error_limit(Some(1));
    let fresh = Arc::new(ClientConfig::pake_with_params("alice", params));
    connect(fresh, good.clone()).2.unwrap();
    let unlimited = client_config("alice", "right", |_| {});
    assert_eq!(remaining(&unlimited), None);
    for _ in 0..3 {
        let (_, _, r) = connect(unlimited.clone(), other_password_server());
        assert_eq!(r.unwrap_err(), ("client", Error::PakeConfirmationMismatch));
    }
    connect(unlimited, good).2.unwrap();
}

#[test]
fn a_handshake_under_way_stops_at_the_server_hello_once_the_limit_is_used_up() {
    let cc = client_config("alice", "right", |p| p.set_error_limit(Some(1)));
    // Two handshakes start (both ClientHellos out) while one failure is left.
    let mut late = ClientConnection::new(cc.clone(), Some("server.example")).unwrap();
    let (_, _, r) = connect(cc.clone(), other_password_server());
    assert_eq!(r.unwrap_err(), ("client", Error::PakeConfirmationMismatch));
    assert_eq!(remaining(&cc), Some(0));
    // The right server answers the second one: it is refused before confirmV is checked,
    // with internal_error (as BoringSSL's PAKE_EXHAUSTED).
    let mut s = ServerConnection::new(server_config(|_| {}), None).unwrap();
    pump(&mut late, &mut s).unwrap();
    let e = pump(&mut s, &mut late).unwrap_err();
    assert_eq!(e, Error::PakeErrorLimitReached);
    assert_eq!(e.alert(), Some(AlertDescription::InternalError));
    assert_eq!(
        pump(&mut late, &mut s).unwrap_err(),
        Error::AlertReceived(AlertDescription::InternalError)
    );
    assert_eq!(remaining(&cc), Some(0));
    // A limit of 0 refuses from the start.
    let none = client_config("alice", "right", |p| p.set_error_limit(Some(0)));
    assert_eq!(
        ClientConnection::new(none, None).unwrap_err(),
        Error::PakeErrorLimitReached
    );
}

#[test]
fn no_common_suite_is_a_handshake_failure() {
    let (_, _, r) = connect(
        client_config("alice", "right", |p| {
            p.cipher_suites = vec![Tls13CipherSuite::Chacha20Poly1305Sha256]
        }),
        server_config(|c| {
            c.pake.as_mut().unwrap().cipher_suites = vec![Tls13CipherSuite::Aes128GcmSha256]
        }),
    );
    let (side, e) = r.unwrap_err();
    assert_eq!(
        (side, e.alert()),
        ("server", Some(AlertDescription::HandshakeFailure))
    );
}

#[test]
fn a_server_without_pake_refuses_a_tls13_only_client() {
    let (_, _, r) = connect(
        client_config("alice", "right", |_| {}),
        server_config(|c| c.pake = None),
    );
    let (side, e) = r.unwrap_err();
    assert_eq!(
        (side, e.alert()),
        ("server", Some(AlertDescription::ProtocolVersion))
    );
}

#[test]
fn key_update_both_ways() {
    let (mut c, mut s, r) = connect(
        client_config("alice", "right", |_| {}),
        server_config(|_| {}),
    );
    r.unwrap();
    for _ in 0..3 {
        c.send_key_update().unwrap();
        pump(&mut c, &mut s).unwrap();
        pump(&mut s, &mut c).unwrap();
        exchange(&mut c, &mut s);
        s.send_key_update().unwrap();
        exchange(&mut c, &mut s);
    }
}

#[test]
fn bad_key_update_and_late_ccs_are_refused() {
    let (mut c, mut s, r) = connect(
        client_config("alice", "right", |_| {}),
        server_config(|_| {}),
    );
    r.unwrap();
    c.io.queue_handshake(&handshake_bytes(u8::from(HandshakeType::KeyUpdate), &[2]));
    c.io.flush_handshake().unwrap();
    let e = pump(&mut c, &mut s).unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::IllegalParameter));

    let (mut c, mut s, r) = connect(
        client_config("alice", "right", |_| {}),
        server_config(|_| {}),
    );
    r.unwrap();
    c.io.send_plain_ccs().unwrap();
    let e = pump(&mut c, &mut s).unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::UnexpectedMessage));
}

#[test]
fn pake_extension_decoding_is_strict() {
    let good = PakeClientHello {
        client_identity: b"a".to_vec(),
        server_identity: b"s".to_vec(),
        shares: vec![(1, vec![1]), (SPAKE2PLUS_V1, vec![2; 65])],
    };
    assert_eq!(PakeClientHello::decode(&good.encode()).unwrap(), good);
    let mut unordered = good.clone();
    unordered.shares.reverse();
    assert!(PakeClientHello::decode(&unordered.encode()).is_err());
    let mut dup = good.clone();
    dup.shares[0].0 = SPAKE2PLUS_V1;
    assert!(PakeClientHello::decode(&dup.encode()).is_err());
    let mut empty_msg = good.clone();
    empty_msg.shares[0].1.clear();
    assert!(PakeClientHello::decode(&empty_msg.encode()).is_err());
    let enc = good.encode();
    for cut in 0..enc.len() {
        assert!(
            PakeClientHello::decode(&enc[..cut]).is_err(),
            "truncated at {cut}"
        );
    }
    let mut trailing = enc.clone();
    trailing.push(0);
    assert!(PakeClientHello::decode(&trailing).is_err());
}
