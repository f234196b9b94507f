//! Moving a user from TLS-SRP to TLS 1.3 PAKE (`tls_srp::pake::migrate`) over real TCP
//! sockets on 127.0.0.1, one thread per side, with the blocking adapters: the record a client
//! registers over its TLS-SRP login then lets it (and only its password) log in with PAKE,
//! and every condition the server checks is refused with its own error.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use tls_srp::pake::migrate::{
    self, decode, encode, migration_error, Message, MigrationError, PakeRegistrar, Registered,
    Status,
};
use tls_srp::pake::{register, PakeServerParams};
use tls_srp::stream::StreamOwned;
use tls_srp::{
    ClientConfig, ClientConnection, InMemoryUserStore, ServerConfig, ServerConnection, SrpGroup,
};

const SID: &[u8] = b"files.example";
/// Only there to turn a hang into a failure.
const LIMIT: Duration = Duration::from_secs(120);

fn record_of(store: &InMemoryUserStore, user: &str) -> Option<tls_srp::pake::VerifierRecord> {
    tls_srp::UserStore::lookup_pake(store, user, SID)
}

fn with_timeouts(sock: TcpStream) -> TcpStream {
    sock.set_read_timeout(Some(LIMIT)).unwrap();
    sock.set_write_timeout(Some(LIMIT)).unwrap();
    sock
}

/// A store with SRP users alice and bob (passwords "alice pw" and "bob pw"), no PAKE record.
fn store() -> Arc<InMemoryUserStore> {
    let store = InMemoryUserStore::new();
    let group = SrpGroup::by_bits(2048).unwrap();
    for user in ["alice", "bob"] {
        store
            .add_user(user, format!("{user} pw").as_bytes(), group)
            .unwrap();
    }
    Arc::new(store)
}

/// A server config that allows registration (ALPN) and serves PAKE as `SID`.
fn server_config(store: &Arc<InMemoryUserStore>, alpn: bool) -> Arc<ServerConfig> {
    let mut config = ServerConfig::new(store.clone()).unwrap();
    config.pake = Some(PakeServerParams::new(SID));
    if alpn {
        config.alpn_protocols = vec![migrate::ALPN.to_vec()];
    }
    Arc::new(config)
}

/// Serves one connection with `serve` on a thread; returns the port and the handle.
fn spawn_server<R: Send + 'static>(
    config: Arc<ServerConfig>,
    serve: impl FnOnce(&mut StreamOwned<ServerConnection, TcpStream>) -> R + Send + 'static,
) -> (u16, thread::JoinHandle<R>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let conn =
            ServerConnection::new(config, Some(std::net::Ipv4Addr::LOCALHOST.into())).unwrap();
        serve(&mut StreamOwned::new(conn, with_timeouts(sock)))
    });
    (port, handle)
}

/// Registration on the server side with the in-memory store as registrar.
fn registration_server(
    config: Arc<ServerConfig>,
    store: Arc<InMemoryUserStore>,
    replace: bool,
) -> (u16, thread::JoinHandle<io::Result<Registered>>) {
    spawn_server(config, move |s| {
        let params = PakeServerParams::new(SID);
        migrate::serve_registration_blocking(s, &params, store.as_ref(), replace)
    })
}

fn client(port: u16, config: &Arc<ClientConfig>) -> StreamOwned<ClientConnection, TcpStream> {
    let sock = with_timeouts(TcpStream::connect(("127.0.0.1", port)).unwrap());
    StreamOwned::new(
        ClientConnection::new(config.clone(), Some("localhost")).unwrap(),
        sock,
    )
}

fn register_over_srp(
    store: &Arc<InMemoryUserStore>,
    user: &str,
    password: &str,
    replace: bool,
) -> (io::Result<Registered>, io::Result<Registered>) {
    let (port, server) = registration_server(server_config(store, true), store.clone(), replace);
    let config = Arc::new(ClientConfig::pake_registration(user, password.as_bytes()));
    let mut c = client(port, &config);
    let client_side = migrate::register_blocking(&mut c, &config, Some(SID));
    (client_side, server.join().unwrap())
}

/// A TLS 1.3 PAKE login of `user` with `password`: whether both sides completed it.
fn pake_login(store: &Arc<InMemoryUserStore>, user: &str, password: &str) -> bool {
    let (port, server) = spawn_server(server_config(store, false), |s| {
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).map(|()| buf)
    });
    let config = Arc::new(ClientConfig::pake(user, password.as_bytes(), SID));
    let mut c = client(port, &config);
    let sent = c.write_all(b"hello").and_then(|()| c.flush());
    let got = server.join().unwrap();
    let ok = sent.is_ok() && got.as_ref().map(|b| b == b"hello").unwrap_or(false);
    if ok {
        assert!(c.conn.is_pake());
    }
    ok
}

fn refusal(r: &io::Result<Registered>) -> MigrationError {
    let e = r.as_ref().expect_err("refused");
    migration_error(e)
        .unwrap_or_else(|| panic!("not a registration error: {e}"))
        .clone()
}

#[test]
fn a_user_logged_in_with_srp_registers_and_then_logs_in_with_pake() {
    let store = store();
    assert!(record_of(&store, "alice").is_none());
    assert!(!pake_login(&store, "alice", "alice pw"), "no record yet");

    let (c, s) = register_over_srp(&store, "alice", "alice pw", false);
    let c = c.expect("client registered");
    let s = s.expect("server stored");
    assert_eq!(c.username, "alice");
    assert_eq!(c.server_identity, SID);
    assert!(!c.replaced);
    assert_eq!(s, c);

    // The stored record is the one the password derives (so BoringSSL's client, which
    // derives the same, logs in too), and PAKE logins work with the password only.
    let stored = record_of(&store, "alice").expect("record stored");
    let (_, expected) = register(b"alice pw", b"alice", SID);
    assert_eq!(stored.l, expected.l);
    assert_eq!(stored.w0, expected.w0);
    assert!(pake_login(&store, "alice", "alice pw"));
    assert!(!pake_login(&store, "alice", "bob pw"));
    // bob did not register.
    assert!(!pake_login(&store, "bob", "bob pw"));
}

#[test]
fn a_second_registration_is_refused_unless_replacing_is_on() {
    let store = store();
    register_over_srp(&store, "bob", "bob pw", false).0.unwrap();
    let (c, s) = register_over_srp(&store, "bob", "bob pw", false);
    assert_eq!(refusal(&s), MigrationError::AlreadyRegistered);
    assert!(
        matches!(refusal(&c), MigrationError::Rejected(Status::Refused, m) if m.contains("already"))
    );
    let (c, s) = register_over_srp(&store, "bob", "bob pw", true);
    assert!(c.unwrap().replaced);
    assert!(s.unwrap().replaced);
}

#[test]
fn a_wrong_srp_password_registers_nothing() {
    let store = store();
    let (c, s) = register_over_srp(&store, "alice", "not alice pw", false);
    assert!(c.is_err() && migration_error(c.as_ref().unwrap_err()).is_none());
    assert!(s.is_err() && migration_error(s.as_ref().unwrap_err()).is_none());
    assert!(record_of(&store, "alice").is_none());
}

#[test]
fn a_request_for_another_user_or_server_identity_is_refused() {
    for (who, sid, want) in [
        ("bob", SID, MigrationError::WrongUser),
        (
            "alice",
            &b"other.example"[..],
            MigrationError::WrongServerIdentity,
        ),
    ] {
        let store = store();
        let (port, server) = registration_server(server_config(&store, true), store.clone(), false);
        // alice logs in, then sends a hand-made request naming `who` and `sid`.
        let config = Arc::new(ClientConfig::pake_registration("alice", b"alice pw"));
        let mut c = client(port, &config);
        let mut buf = Vec::new();
        let offer = read_one(&mut c, &mut buf);
        assert!(matches!(&offer, Message::Offer { username, .. } if username == b"alice"));
        let (_, record) = register(b"whatever", who.as_bytes(), sid);
        c.write_all(&encode(&Message::Request {
            client_identity: who.as_bytes().to_vec(),
            server_identity: sid.to_vec(),
            record,
        }))
        .unwrap();
        c.flush().unwrap();
        let result = read_one(&mut c, &mut buf);
        assert!(matches!(
            result,
            Message::Result {
                status: Status::Refused,
                ..
            }
        ));
        assert_eq!(refusal(&server.join().unwrap()), want);
        assert!(record_of(&store, "alice").is_none());
        assert!(record_of(&store, "bob").is_none());
    }
}

fn read_one(c: &mut impl Read, buf: &mut Vec<u8>) -> Message {
    loop {
        if let Some((m, used)) = decode(buf).unwrap() {
            buf.drain(..used);
            return m;
        }
        let mut chunk = [0u8; 256];
        let n = c.read(&mut chunk).unwrap();
        assert!(n > 0, "closed before a whole message");
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[test]
fn a_resumed_session_may_not_register() {
    let store = store();
    // One client config with resumption on, so its second connection resumes.
    let mut config = ClientConfig::new("alice", "alice pw");
    config.alpn_protocols = vec![migrate::ALPN.to_vec()];
    let config = Arc::new(config);
    let server_config = server_config(&store, true);
    for attempt in 0..2 {
        let (port, server) = registration_server(server_config.clone(), store.clone(), true);
        let mut c = client(port, &config);
        let client_side = migrate::register_blocking(&mut c, &config, Some(SID));
        let server_side = server.join().unwrap();
        let resumed = c.conn.handshake_kind() == Some(tls_srp::HandshakeKind::Resumed);
        assert_eq!(resumed, attempt == 1);
        if attempt == 0 {
            assert!(client_side.is_ok() && server_side.is_ok());
        } else {
            assert!(
                matches!(refusal(&server_side), MigrationError::NotAllowed(w) if w.contains("resumed"))
            );
            assert!(
                matches!(refusal(&client_side), MigrationError::NotAllowed(w) if w.contains("resumed"))
            );
        }
    }
}

#[test]
fn without_the_alpn_or_over_pake_there_is_no_registration() {
    let store = store();
    // A server that does not list the ALPN: the client is told, the server refuses.
    let (port, server) = registration_server(server_config(&store, false), store.clone(), false);
    let config = Arc::new(ClientConfig::pake_registration("alice", b"alice pw"));
    let mut c = client(port, &config);
    let r = migrate::register_blocking(&mut c, &config, Some(SID));
    assert!(matches!(refusal(&r), MigrationError::NotAllowed(w) if w.contains("ALPN")));
    assert!(matches!(
        refusal(&server.join().unwrap()),
        MigrationError::NotAllowed(_)
    ));

    // A PAKE connection (even one offering the ALPN) cannot register.
    store.insert_pake("alice", SID, register(b"alice pw", b"alice", SID).1);
    let (port, server) = registration_server(server_config(&store, true), store.clone(), true);
    let mut config = ClientConfig::pake("alice", b"alice pw", SID);
    config.alpn_protocols = vec![migrate::ALPN.to_vec()];
    let config = Arc::new(config);
    let mut c = client(port, &config);
    let r = migrate::register_blocking(&mut c, &config, Some(SID));
    assert!(matches!(refusal(&r), MigrationError::NotAllowed(w) if w.contains("PAKE")));
    assert!(
        matches!(refusal(&server.join().unwrap()), MigrationError::NotAllowed(w) if w.contains("PAKE"))
    );
}

#[test]
fn the_client_checks_the_offer() {
    let store = store();
    let (port, server) = registration_server(server_config(&store, true), store.clone(), false);
    let config = Arc::new(ClientConfig::pake_registration("alice", b"alice pw"));
    let mut c = client(port, &config);
    let r = migrate::register_blocking(&mut c, &config, Some(b"expected.example"));
    assert_eq!(refusal(&r), MigrationError::WrongServerIdentity);
    // The client sent nothing: the server saw the connection close.
    assert!(server.join().unwrap().is_err());
    assert!(record_of(&store, "alice").is_none());
}

#[test]
fn the_codec_is_strict_and_bounded() {
    let (_, record) = register(b"pw", b"alice", SID);
    let messages = [
        Message::Offer {
            username: b"alice".to_vec(),
            server_identity: SID.to_vec(),
            context: Vec::new(),
        },
        Message::Request {
            client_identity: b"alice".to_vec(),
            server_identity: SID.to_vec(),
            record: record.clone(),
        },
        Message::Result {
            status: Status::Refused,
            message: "no".into(),
        },
    ];
    for m in &messages {
        let bytes = encode(m);
        let (back, used) = decode(&bytes).unwrap().unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(encode(&back), bytes);
        // Every prefix is incomplete, not an error.
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).unwrap().is_none(), "prefix {cut}");
        }
        // A byte more in the body, with the length saying so, is refused.
        let mut longer = bytes.clone();
        longer.push(0);
        let len = u16::from_be_bytes([longer[1], longer[2]]) + 1;
        longer[1..3].copy_from_slice(&len.to_be_bytes());
        assert_eq!(
            decode(&longer).unwrap_err(),
            MigrationError::Malformed("trailing bytes")
        );
    }
    assert_eq!(
        decode(&[9, 0, 0]).unwrap_err(),
        MigrationError::Malformed("unknown message type")
    );
    // Too long is refused from the header, before the body arrives.
    assert_eq!(
        decode(&[2, 0x04, 0x01]).unwrap_err(),
        MigrationError::Malformed("message too long")
    );
    // A record whose L is not on the curve.
    let mut bad = encode(&messages[1]);
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(decode(&bad).unwrap_err(), MigrationError::InvalidRecord);
    // A truncated body whose length says so.
    assert_eq!(
        decode(&[3, 0, 1, 0]).unwrap_err(),
        MigrationError::Malformed("truncated body")
    );
    // Unknown offer version, unknown status, non-UTF-8 message.
    assert_eq!(
        decode(&[1, 0, 4, 2, 0, 0, 0]).unwrap_err(),
        MigrationError::Malformed("unknown registration version")
    );
    assert_eq!(
        decode(&[3, 0, 2, 7, 0]).unwrap_err(),
        MigrationError::Malformed("unknown status")
    );
    assert_eq!(
        decode(&[3, 0, 3, 1, 1, 0xff]).unwrap_err(),
        MigrationError::Malformed("message is not UTF-8")
    );
}

/// The registrar the server uses is any `PakeRegistrar`: a failing store gives the client a
/// "failed" result without the store's error text.
#[test]
fn a_failing_store_is_reported_as_failed() {
    struct Broken;
    impl PakeRegistrar for Broken {
        fn register_pake(
            &self,
            _: &str,
            _: &[u8],
            _: tls_srp::pake::VerifierRecord,
            _: bool,
        ) -> Result<bool, MigrationError> {
            Err(MigrationError::Store("disk on fire at /secret/path".into()))
        }
    }
    let store = store();
    let (port, server) = spawn_server(server_config(&store, true), |s| {
        migrate::serve_registration_blocking(s, &PakeServerParams::new(SID), &Broken, false)
    });
    let config = Arc::new(ClientConfig::pake_registration("alice", b"alice pw"));
    let mut c = client(port, &config);
    let r = migrate::register_blocking(&mut c, &config, None);
    match refusal(&r) {
        MigrationError::Rejected(Status::Failed, m) => assert!(!m.contains("/secret")),
        e => panic!("{e:?}"),
    }
    assert!(matches!(
        refusal(&server.join().unwrap()),
        MigrationError::Store(_)
    ));
}
