//! Session resumption in memory: session IDs, RFC 5077 tickets, and every reason a session
//! must NOT be resumed (the handshake then falls back to a full SRP exchange).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use tls_srp::internal::msgs::enums::HandshakeType;
use tls_srp::internal::msgs::handshake::HandshakePayload;
use tls_srp::{
    AlertDescription, ClientConfig, ClientConnection, ClientSessionKey, ClientSessionStore, Error,
    HandshakeKind, InMemoryUserStore, PeerMisbehaved, Resumption, ServerConfig, ServerConnection,
    ServerSessionMemoryCache, Ticketer, UserRecord,
};
use zeroize::Zeroizing;

/// One connection: handshake, then data both ways. Returns the handshake messages the
/// server sent in the clear, the client's hello, and both connections.
struct Run {
    server_msgs: Vec<HandshakeType>,
    client_hello: tls_srp::internal::msgs::handshake::ClientHelloPayload,
    client: ClientConnection,
    server: ServerConnection,
}

fn connect(ccfg: &Arc<ClientConfig>, scfg: &Arc<ServerConfig>) -> Run {
    let mut client = ClientConnection::new(ccfg.clone(), Some("localhost")).unwrap();
    let mut server = ServerConnection::new(scfg.clone(), None).unwrap();
    let mut server_msgs = Vec::new();
    let mut client_hello = None;
    let out = handshake_altered(
        &mut client,
        &mut server,
        |b| {
            for m in handshake_messages(&b) {
                if let HandshakePayload::ClientHello(ch) = m.payload {
                    client_hello.get_or_insert(ch);
                }
            }
            b
        },
        |b| {
            server_msgs.extend(handshake_messages(&b).into_iter().map(|m| m.typ));
            b
        },
    );
    assert!(out.ok(), "handshake failed: {out:?}");
    let got = send_and_receive(&mut client, &mut server, b"ping over the session");
    assert_eq!(got, b"ping over the session");
    let got = send_and_receive(&mut server, &mut client, b"pong");
    assert_eq!(got, b"pong");
    Run {
        server_msgs,
        client_hello: client_hello.expect("client hello seen"),
        client,
        server,
    }
}

fn assert_full(r: &Run) {
    assert_eq!(r.client.handshake_kind(), Some(HandshakeKind::Full));
    assert_eq!(r.server.handshake_kind(), Some(HandshakeKind::Full));
    assert!(r.server_msgs.contains(&HandshakeType::ServerKeyExchange));
}

fn assert_resumed(r: &Run) {
    assert_eq!(r.client.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(r.server.handshake_kind(), Some(HandshakeKind::Resumed));
    assert!(
        !r.server_msgs.contains(&HandshakeType::ServerKeyExchange),
        "abbreviated handshake sent a ServerKeyExchange: {:?}",
        r.server_msgs
    );
    assert_eq!(r.server_msgs[0], HandshakeType::ServerHello);
}

fn exporter<D0: tls_srp::SideData>(c: &tls_srp::ConnectionCommon<D0>) -> [u8; 32] {
    let mut out = [0u8; 32];
    c.export_keying_material(&mut out, b"EXPERIMENTAL test", Some(b"ctx"))
        .unwrap();
    out
}

fn configs(ticketer: bool) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let mut scfg = server_config(2048);
    if ticketer {
        scfg.ticketer = Some(Ticketer::new().unwrap());
    }
    (Arc::new(client_config()), Arc::new(scfg))
}

#[test]
fn session_id_resumption_skips_the_key_exchange() {
    let (ccfg, scfg) = configs(false);
    let first = connect(&ccfg, &scfg);
    assert_full(&first);
    // No ticketer: the client's empty ticket extension is not acknowledged.
    assert!(!first.server_msgs.contains(&HandshakeType::NewSessionTicket));
    let second = connect(&ccfg, &scfg);
    assert_resumed(&second);
    assert_eq!(
        second.server_msgs,
        vec![HandshakeType::ServerHello],
        "only the ServerHello is in the clear"
    );
    assert_eq!(second.server.username(), Some(USER));
    assert_eq!(second.client.srp_group_bits(), Some(2048));
    assert_eq!(second.server.srp_group_bits(), Some(2048));
    assert_eq!(
        second.client.negotiated_cipher_suite(),
        first.client.negotiated_cipher_suite()
    );
    assert!(second.client.extended_master_secret());
    // Fresh keys: new randoms give new exporter values, equal on both sides.
    assert_eq!(exporter(&second.client), exporter(&second.server));
    assert_ne!(exporter(&first.client), exporter(&second.client));
    // RFC 5929: in an abbreviated handshake tls-unique is the server's Finished.
    assert_eq!(second.client.tls_unique(), second.server.tls_unique());
    // The client offered the ID the server gave it.
    assert_eq!(second.client_hello.session_id.0.len(), 32);
    // And resumes again from the same session.
    assert_resumed(&connect(&ccfg, &scfg));
}

#[test]
fn ticket_resumption_and_renewal() {
    let mut scfg = server_config(2048);
    scfg.ticketer = Some(Ticketer::new().unwrap());
    let cache = ServerSessionMemoryCache::new(16);
    scfg.session_storage = Some(cache.clone());
    let scfg = Arc::new(scfg);
    let ccfg = Arc::new(client_config());

    let first = connect(&ccfg, &scfg);
    assert_full(&first);
    assert!(first.server_msgs.is_empty() || first.server_msgs[0] == HandshakeType::ServerHello);
    // The ticket itself travels encrypted (after the CCS in a full handshake? no: before
    // the server's CCS, in the clear), so it is in the plaintext part of the flight.
    assert!(first.server_msgs.contains(&HandshakeType::NewSessionTicket));
    assert!(cache.is_empty(), "a ticketed session is not cached");
    assert!(first.client_hello.session_ticket() == Some(&[][..]));

    let second = connect(&ccfg, &scfg);
    assert_resumed(&second);
    let ticket = second.client_hello.session_ticket().unwrap();
    assert!(ticket.len() > 16 + 12 + 16, "a real ticket was offered");
    assert_eq!(
        second.server_msgs,
        vec![HandshakeType::ServerHello, HandshakeType::NewSessionTicket],
        "resumed from the ticket, with a fresh ticket"
    );
    let third = connect(&ccfg, &scfg);
    assert_resumed(&third);
    assert_ne!(
        third.client_hello.session_ticket().unwrap(),
        ticket,
        "the renewed ticket is offered next"
    );
    assert_eq!(third.server.username(), Some(USER));
}

#[test]
fn tickets_work_without_a_session_cache() {
    let mut scfg = server_config(2048);
    scfg.ticketer = Some(Ticketer::new().unwrap());
    scfg.session_storage = None;
    let scfg = Arc::new(scfg);
    let ccfg = Arc::new(client_config());
    assert_full(&connect(&ccfg, &scfg));
    assert_resumed(&connect(&ccfg, &scfg));
}

#[test]
fn another_server_with_its_own_ticket_key_does_a_full_handshake() {
    let (ccfg, scfg) = configs(true);
    assert_full(&connect(&ccfg, &scfg));
    let mut other = server_config(2048);
    other.ticketer = Some(Ticketer::new().unwrap());
    let other = Arc::new(other);
    assert_full(&connect(&ccfg, &other));
    // The client now holds the other server's session and resumes there.
    assert_resumed(&connect(&ccfg, &other));
}

#[test]
fn ticket_key_rotation() {
    let ticketer = Ticketer::new().unwrap();
    let mut scfg = server_config(2048);
    scfg.ticketer = Some(ticketer.clone());
    scfg.session_storage = None;
    let scfg = Arc::new(scfg);
    let ccfg = Arc::new(client_config());
    assert_full(&connect(&ccfg, &scfg));
    ticketer.rotate().unwrap();
    // Previous key still opens; the server renews the ticket under the new key.
    assert_resumed(&connect(&ccfg, &scfg));
    ticketer.rotate().unwrap();
    assert_resumed(&connect(&ccfg, &scfg));
    ticketer.rotate().unwrap();
    ticketer.rotate().unwrap();
    assert_full(&connect(&ccfg, &scfg));
}

#[test]
fn no_resumption_when_the_server_keeps_nothing() {
    let mut scfg = server_config(2048);
    scfg.session_storage = None;
    let scfg = Arc::new(scfg);
    let ccfg = Arc::new(client_config());
    let first = connect(&ccfg, &scfg);
    assert_full(&first);
    assert!(first.client_hello.session_id.0.is_empty());
    let second = connect(&ccfg, &scfg);
    assert_full(&second);
    assert!(
        second.client_hello.session_id.0.is_empty(),
        "nothing was stored, nothing offered"
    );
}

#[test]
fn client_with_resumption_disabled_offers_nothing() {
    let (_, scfg) = configs(true);
    let mut c = client_config();
    c.resumption = Resumption::disabled();
    let ccfg = Arc::new(c);
    let first = connect(&ccfg, &scfg);
    assert!(first.client_hello.session_ticket().is_none());
    assert!(!first.server_msgs.contains(&HandshakeType::NewSessionTicket));
    assert_full(&connect(&ccfg, &scfg));
}

#[test]
fn client_without_tickets_resumes_by_session_id() {
    let (_, scfg) = configs(true);
    let mut c = client_config();
    c.resumption = Resumption::in_memory_sessions(4).tickets(false);
    let ccfg = Arc::new(c);
    let first = connect(&ccfg, &scfg);
    assert!(first.client_hello.session_ticket().is_none());
    assert_full(&first);
    assert_resumed(&connect(&ccfg, &scfg));
}

fn store_and_config(password: &str) -> (Arc<InMemoryUserStore>, Arc<ServerConfig>) {
    let store = store_with(USER, password, 2048);
    let cfg = ServerConfig::new(store.clone()).unwrap();
    (store, Arc::new(cfg))
}

#[test]
fn changing_the_password_ends_the_session() {
    let (store, scfg) = store_and_config(PASSWORD);
    let ccfg = Arc::new(client_config());
    assert_full(&connect(&ccfg, &scfg));
    assert_resumed(&connect(&ccfg, &scfg));
    store
        .add_user(USER, b"a new password", group(2048))
        .unwrap();
    // The session is refused; a full handshake with the old password then fails.
    let mut client = ClientConnection::new(ccfg.clone(), Some("localhost")).unwrap();
    let mut server = ServerConnection::new(scfg.clone(), None).unwrap();
    let out = handshake(&mut client, &mut server);
    assert_eq!(server.handshake_kind(), Some(HandshakeKind::Full));
    assert!(out.client.is_some() && out.server.is_some());
    // With the new password: full, then resumed again.
    let ccfg = Arc::new(ClientConfig::new(USER, "a new password"));
    assert_full(&connect(&ccfg, &scfg));
    assert_resumed(&connect(&ccfg, &scfg));
}

#[test]
fn deleting_the_user_ends_the_session() {
    let (store, scfg) = store_and_config(PASSWORD);
    let ccfg = Arc::new(client_config());
    assert_full(&connect(&ccfg, &scfg));
    assert!(store.remove(USER));
    let mut client = ClientConnection::new(ccfg, Some("localhost")).unwrap();
    let mut server = ServerConnection::new(scfg, None).unwrap();
    let out = handshake(&mut client, &mut server);
    assert_eq!(server.handshake_kind(), Some(HandshakeKind::Full));
    assert_eq!(
        out.server,
        Some(Error::DecryptError),
        "simulated user fails"
    );
}

#[test]
fn expired_sessions_are_not_resumed() {
    let mut scfg = server_config(2048);
    scfg.session_lifetime = Duration::ZERO;
    scfg.ticketer = Some(Ticketer::new().unwrap());
    let scfg = Arc::new(scfg);
    let ccfg = Arc::new(client_config());
    assert_full(&connect(&ccfg, &scfg));
    assert_full(&connect(&ccfg, &scfg));
}

/// A client store that hands alice's session to anybody: the server must still refuse to
/// resume it for another username.
#[derive(Default)]
struct SharedStore(Mutex<Option<Zeroizing<Vec<u8>>>>);

impl ClientSessionStore for SharedStore {
    fn put(&self, _: &ClientSessionKey, value: Zeroizing<Vec<u8>>) {
        *self.0.lock().unwrap() = Some(value);
    }
    fn get(&self, _: &ClientSessionKey) -> Option<Zeroizing<Vec<u8>>> {
        self.0.lock().unwrap().clone()
    }
    fn remove(&self, _: &ClientSessionKey) {
        *self.0.lock().unwrap() = None;
    }
}

#[test]
fn session_is_bound_to_its_username() {
    let store = store_with(USER, PASSWORD, 2048);
    store
        .add_user("bob", b"bob's password", group(2048))
        .unwrap();
    let scfg = Arc::new(ServerConfig::new(store).unwrap());
    let shared = Arc::new(SharedStore::default());
    let mut alice = client_config();
    alice.resumption = Resumption::store(shared.clone()).tickets(false);
    let alice = Arc::new(alice);
    assert_full(&connect(&alice, &scfg));
    assert!(shared.0.lock().unwrap().is_some());
    // The client itself refuses to offer alice's session as bob...
    let mut bob = ClientConfig::new("bob", "bob's password");
    bob.resumption = Resumption::store(shared.clone()).tickets(false);
    let bob = Arc::new(bob);
    let run = connect(&bob, &scfg);
    assert_full(&run);
    assert!(run.client_hello.session_id.0.is_empty());
    assert_eq!(run.server.username(), Some("bob"));
}

#[test]
fn server_refuses_a_session_offered_under_another_username() {
    let store = store_with(USER, PASSWORD, 2048);
    store
        .add_user("bob", b"bob's password", group(2048))
        .unwrap();
    let scfg = Arc::new(ServerConfig::new(store).unwrap());
    let ccfg = Arc::new(client_config());
    let first = connect(&ccfg, &scfg);
    assert_full(&first);
    // Bob's client, with alice's session ID spliced into its hello.
    let second = connect(&ccfg, &scfg);
    let alice_id = second.client_hello.session_id.clone();
    let mut bob = ClientConfig::new("bob", "bob's password");
    bob.resumption = Resumption::disabled();
    let mut client = ClientConnection::new(Arc::new(bob), Some("localhost")).unwrap();
    let mut server = ServerConnection::new(scfg, None).unwrap();
    let out = handshake_altered(
        &mut client,
        &mut server,
        |b| {
            alter_handshake(b, |m| {
                if let HandshakePayload::ClientHello(ch) = &mut m.payload {
                    ch.session_id = alice_id.clone();
                }
            })
        },
        |b| b,
    );
    // The server chose a full handshake (the splice itself then breaks the Finished
    // check: the client's transcript has its own hello).
    assert_eq!(server.handshake_kind(), Some(HandshakeKind::Full));
    assert_eq!(client.handshake_kind(), Some(HandshakeKind::Full));
    assert_eq!(server.requested_username(), Some("bob"));
    assert!(out.server.is_some() && server.username().is_none());
}

#[test]
fn tampered_ticket_falls_back_to_a_full_handshake() {
    let (ccfg, scfg) = configs(true);
    assert_full(&connect(&ccfg, &scfg));
    let mut client = ClientConnection::new(ccfg.clone(), Some("localhost")).unwrap();
    let mut server = ServerConnection::new(scfg.clone(), None).unwrap();
    let out = handshake_altered(
        &mut client,
        &mut server,
        |b| {
            alter_handshake(b, |m| {
                if let HandshakePayload::ClientHello(ch) = &mut m.payload {
                    for e in &mut ch.extensions {
                        if let tls_srp::internal::msgs::handshake::ClientExtension::SessionTicket(
                            t,
                        ) = e
                        {
                            let last = t.len() - 1;
                            t[last] ^= 1;
                        }
                    }
                }
            })
        },
        |b| b,
    );
    // The server could not open the ticket and chose a full handshake (which the altered
    // hello then fails at the Finished check, as any tampering does).
    assert_eq!(server.handshake_kind(), Some(HandshakeKind::Full));
    assert_eq!(client.handshake_kind(), Some(HandshakeKind::Full));
    assert!(out.server.is_some());
    // The client's untampered ticket still resumes.
    assert_resumed(&connect(&ccfg, &scfg));
}

#[test]
fn ems_setting_must_match_the_session() {
    let (_, scfg) = configs(false);
    let mut c = client_config();
    c.enable_extended_master_secret = false;
    let store = tls_srp::ClientSessionMemoryCache::new(4);
    c.resumption = Resumption::store(store.clone());
    let no_ems = Arc::new(c);
    assert_full(&connect(&no_ems, &scfg));
    assert_resumed(&connect(&no_ems, &scfg));
    // Same session store, EMS now on: RFC 7627 5.3, no resumption of a non-EMS session.
    let mut c = client_config();
    c.resumption = Resumption::store(store);
    let ems = Arc::new(c);
    let run = connect(&ems, &scfg);
    assert_full(&run);
    assert!(run.client.extended_master_secret());
}

#[test]
fn server_must_not_change_the_suite_when_resuming() {
    let (ccfg, scfg) = configs(false);
    let first = connect(&ccfg, &scfg);
    let used = first.client.negotiated_cipher_suite().unwrap();
    // Another suite the client offered (it offers the signed SRP-RSA ones only when it can
    // check a certificate).
    let other = tls_srp::ALL_CIPHER_SUITES
        .iter()
        .filter(|s| !s.signed)
        .map(|s| s.suite)
        .find(|s| *s != used)
        .unwrap();
    let mut client = ClientConnection::new(ccfg.clone(), Some("localhost")).unwrap();
    let mut server = ServerConnection::new(scfg, None).unwrap();
    let out = handshake_altered(
        &mut client,
        &mut server,
        |b| b,
        |b| {
            alter_handshake(b, |m| {
                if let HandshakePayload::ServerHello(sh) = &mut m.payload {
                    sh.cipher_suite = other;
                }
            })
        },
    );
    assert_eq!(
        out.client,
        Some(Error::PeerMisbehaved(
            PeerMisbehaved::ResumptionWithDifferentCipherSuite
        ))
    );
    assert_eq!(
        out.client.as_ref().and_then(|e| e.alert()),
        Some(AlertDescription::IllegalParameter)
    );
    // The client forgot the session: the next connection is a full handshake.
    let (_, fresh_server) = configs(false);
    let run = connect(&ccfg, &fresh_server);
    assert_full(&run);
}

#[test]
fn async_lookup_also_gates_resumption() {
    let store = store_with(USER, PASSWORD, 2048);
    let scfg = Arc::new(ServerConfig::with_async_lookup().unwrap());
    let ccfg = Arc::new(client_config());
    for round in 0..2 {
        let mut client = ClientConnection::new(ccfg.clone(), Some("localhost")).unwrap();
        let mut server = ServerConnection::new(scfg.clone(), None).unwrap();
        transfer(&mut client, &mut server);
        server.process_new_packets().unwrap();
        assert_eq!(server.pending_user_lookup(), Some(USER));
        let record: Option<UserRecord> = tls_srp::UserStore::lookup(&*store, USER);
        server.supply_user(record).unwrap();
        let out = handshake(&mut client, &mut server);
        assert!(out.ok(), "{out:?}");
        let want = [HandshakeKind::Full, HandshakeKind::Resumed][round];
        assert_eq!(server.handshake_kind(), Some(want));
        assert_eq!(client.handshake_kind(), Some(want));
    }
}

#[test]
fn simulated_users_get_a_session_id_like_real_users() {
    let (_, scfg) = configs(false);
    let sh_session_id = |user: &str| {
        let mut c = ClientConfig::new(user, "whatever");
        c.resumption = Resumption::disabled();
        let mut client = ClientConnection::new(Arc::new(c), Some("localhost")).unwrap();
        let mut server = ServerConnection::new(scfg.clone(), None).unwrap();
        transfer(&mut client, &mut server);
        server.process_new_packets().unwrap();
        let flight = take_tls(&mut server);
        handshake_messages(&flight)
            .into_iter()
            .find_map(|m| match m.payload {
                HandshakePayload::ServerHello(sh) => Some(sh.session_id.0.len()),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(sh_session_id(USER), 32);
    assert_eq!(sh_session_id("nobody-here"), 32);
}

#[test]
fn server_session_cache_is_bounded() {
    let mut scfg = server_config(2048);
    let cache = ServerSessionMemoryCache::new(3);
    scfg.session_storage = Some(cache.clone());
    let scfg = Arc::new(scfg);
    let clients: Vec<Arc<ClientConfig>> = (0..5).map(|_| Arc::new(client_config())).collect();
    for c in &clients {
        assert_full(&connect(c, &scfg));
        assert!(cache.len() <= 3);
    }
    assert_eq!(cache.len(), 3);
    // The two oldest sessions were evicted; the newest resume.
    assert_full(&connect(&clients[0], &scfg));
    assert_resumed(&connect(&clients[4], &scfg));
}

#[test]
fn wrong_master_secret_on_resumption_fails_and_is_forgotten() {
    // Two servers share a cache entry keyed by the same ID but the second one's entry holds
    // another master secret: simulated by a server whose cache returns a foreign session.
    let (ccfg, scfg) = configs(false);
    assert_full(&connect(&ccfg, &scfg));
    let first_id = connect(&ccfg, &scfg).client_hello.session_id.0;
    // A different client establishes its own session; we copy it under the first ID.
    let other_client = Arc::new(client_config());
    let other_cache = ServerSessionMemoryCache::new(4);
    let mut other_cfg = server_config(2048);
    other_cfg.session_storage = Some(other_cache.clone());
    let other_cfg = Arc::new(other_cfg);
    let run = connect(&other_client, &other_cfg);
    let _ = run;
    let other_id = connect(&other_client, &other_cfg).client_hello.session_id.0;
    let foreign = tls_srp::StoresServerSessions::get(&*other_cache, &other_id).unwrap();
    tls_srp::StoresServerSessions::put(&*other_cache, first_id.clone(), foreign);
    let mut client = ClientConnection::new(ccfg.clone(), Some("localhost")).unwrap();
    let mut server = ServerConnection::new(other_cfg.clone(), None).unwrap();
    let out = handshake(&mut client, &mut server);
    // The server's Finished record does not even authenticate under the client's keys.
    assert_eq!(client.handshake_kind(), Some(HandshakeKind::Resumed));
    assert_eq!(out.client, Some(Error::DecryptError));
    assert_eq!(
        out.client.as_ref().and_then(|e| e.alert()),
        Some(AlertDescription::BadRecordMac)
    );
    // The client dropped the session that failed.
    let run = connect(&ccfg, &scfg);
    assert_full(&run);
}

#[test]
fn session_is_bound_to_its_server_name() {
    let (_, scfg) = configs(true);
    // A client store that offers the session whatever the server name.
    let shared = Arc::new(SharedStore::default());
    let mut c = client_config();
    c.resumption = Resumption::store(shared.clone());
    let ccfg = Arc::new(c);
    let run = |name: &str| {
        let mut client = ClientConnection::new(ccfg.clone(), Some(name)).unwrap();
        let mut server = ServerConnection::new(scfg.clone(), None).unwrap();
        let out = handshake(&mut client, &mut server);
        assert!(out.ok(), "{out:?}");
        assert_eq!(server.server_name(), Some(name));
        server.handshake_kind().unwrap()
    };
    assert_eq!(run("device.local"), HandshakeKind::Full);
    assert_eq!(run("device.local"), HandshakeKind::Resumed);
    // Offered under another SNI name: RFC 6066 3, full handshake.
    assert!(shared.0.lock().unwrap().is_some());
    assert_eq!(run("other.example"), HandshakeKind::Full);
    assert_eq!(run("other.example"), HandshakeKind::Resumed);
}

#[test]
fn a_shared_store_never_lets_another_password_resume() {
    let (_, scfg) = configs(true);
    let store = tls_srp::ClientSessionMemoryCache::new(4);
    let mut good = client_config();
    good.resumption = Resumption::store(store.clone());
    let good = Arc::new(good);
    assert_full(&connect(&good, &scfg));
    // Same username, same store, wrong password: the stored session is not offered, so the
    // handshake is a full one and fails as a wrong password does.
    let mut bad = ClientConfig::new(USER, "not the password");
    bad.resumption = Resumption::store(store.clone());
    let mut client = ClientConnection::new(Arc::new(bad), Some("localhost")).unwrap();
    let mut server = ServerConnection::new(scfg.clone(), None).unwrap();
    let out = handshake(&mut client, &mut server);
    assert_eq!(client.handshake_kind(), Some(HandshakeKind::Full));
    assert!(out.client.is_some() && out.server.is_some(), "{out:?}");
    // A config with the right password (a different instance) may resume it.
    let mut again = client_config();
    again.resumption = Resumption::store(store);
    assert_resumed(&connect(&Arc::new(again), &scfg));
}

#[test]
fn raising_the_group_floor_drops_smaller_sessions() {
    let scfg = Arc::new(ServerConfig::new(store_with(USER, PASSWORD, 1536)).unwrap());
    let store = tls_srp::ClientSessionMemoryCache::new(4);
    let mut low = client_config();
    low.min_group_bits = 1536;
    low.resumption = Resumption::store(store.clone());
    let low = Arc::new(low);
    assert_full(&connect(&low, &scfg));
    assert_resumed(&connect(&low, &scfg));
    let mut strict = client_config();
    strict.resumption = Resumption::store(store);
    let mut client = ClientConnection::new(Arc::new(strict), Some("localhost")).unwrap();
    let mut server = ServerConnection::new(scfg, None).unwrap();
    let out = handshake(&mut client, &mut server);
    // Not resumed; the full handshake then meets the 2048-bit floor.
    assert_eq!(client.handshake_kind(), Some(HandshakeKind::Full));
    assert!(matches!(
        out.client,
        Some(Error::PeerIncompatible(
            tls_srp::PeerIncompatible::SrpGroupTooSmall { .. }
        ))
    ));
}

#[test]
fn no_server_name_no_resumption() {
    let (ccfg, scfg) = configs(true);
    for _ in 0..2 {
        let mut client = ClientConnection::new(ccfg.clone(), None).unwrap();
        let mut server = ServerConnection::new(scfg.clone(), None).unwrap();
        let mut hello = None;
        let out = handshake_altered(
            &mut client,
            &mut server,
            |b| {
                for m in handshake_messages(&b) {
                    if let HandshakePayload::ClientHello(ch) = m.payload {
                        hello.get_or_insert(ch);
                    }
                }
                b
            },
            |b| b,
        );
        assert!(out.ok(), "{out:?}");
        assert_eq!(client.handshake_kind(), Some(HandshakeKind::Full));
        let hello = hello.unwrap();
        assert!(hello.session_id.0.is_empty());
        assert!(hello.session_ticket().is_none());
    }
}
