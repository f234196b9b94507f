//! TLS 1.3 PAKE (draft-ietf-tls-pake, SPAKE2PLUS_V1; experimental codepoints) against
//! BoringSSL, the one other implementation: `pake_peer` (../shared/pake/pake_peer.c over
//! BoringSSL a0689af29, built by `interop/pake/setup.sh`), both roles, on 127.0.0.1.
//!
//! - Our client against `pake_peer server PORT PASSWORD USER SID` (one process per random
//!   user and password, which echoes the first line of each connection): right passwords
//!   with every TLS 1.3 suite, wrong passwords (we refuse the server's confirmation with
//!   `decrypt_error`, sent in plaintext: BoringSSL, whose keys differ, logs a bad record, as
//!   it does for its own client).
//! - `pake_peer client PORT PASSWORD USER SID` against our server (records of random users
//!   in an `InMemoryUserStore`): right passwords (it prints the echoed line), wrong
//!   passwords and unknown users (it refuses our confirmation with `illegal_parameter`,
//!   which our server takes as a failed guess), a lockout reached through the rate
//!   limiter, and our HelloRetryRequest with a cookie.
//!
//! At least 50 handshakes each way with right passwords and 50 with wrong ones.
//! Run: `cargo test --test interop_pake -- --nocapture`.

#[path = "common/interop.rs"]
mod interop;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use interop::*;
use tls_srp::limits::RateLimitConfig;
use tls_srp::pake::{register, PakeClientParams, ProverKeys};
use tls_srp::{
    AlertDescription, ClientConfig, ClientConnection, Error, InMemoryUserStore, PakeServerParams,
    ProtocolVersion, RateLimiter, ServerConfig, Tls13CipherSuite,
};

const USERS: usize = 13;
const RIGHT_PER_USER: usize = 4;
const WRONG_PER_USER: usize = 4;

/// Builds BoringSSL and its PAKE peer once per test binary, or fails the test with why.
fn pake_peer() -> PathBuf {
    static PEER: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PEER.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let out = Command::new("sh")
            .arg(root.join("interop/pake/setup.sh"))
            .current_dir(root)
            .env("PAKE_SETUP_PEER_ONLY", "1")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run interop/pake/setup.sh: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "interop/pake/setup.sh failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(root.join("target/interop/pake_peer"))
    })
    .clone()
    .unwrap_or_else(|e| panic!("{e}"))
}

fn sid() -> String {
    format!("server-{}", random_hex(4))
}

struct User {
    name: String,
    password: String,
    keys: ProverKeys,
}

fn random_user(sid: &str) -> User {
    let name = random_username();
    let password = random_password();
    let (keys, _) = register(password.as_bytes(), name.as_bytes(), sid.as_bytes());
    User {
        name,
        password,
        keys,
    }
}

/// One connection of our client to 127.0.0.1:`port`: the handshake, then "ping\n" and the
/// echoed line.
fn our_client(
    port: u16,
    user: &str,
    sid: &str,
    keys: ProverKeys,
    suite: Tls13CipherSuite,
) -> Result<(ClientConnection, String), Error> {
    let mut params = PakeClientParams::new(sid.as_bytes().to_vec(), keys);
    params.cipher_suites = vec![suite];
    let config = Arc::new(ClientConfig::pake_with_params(user, params));
    let sock = TcpStream::connect(("127.0.0.1", port)).expect("connect to pake_peer");
    let mut tls = Tls::new(ClientConnection::new(config, None).unwrap(), sock);
    tls.handshake().map_err(Fail::tls)?;
    tls.send(b"ping\n").map_err(Fail::tls)?;
    let line = tls.read_line().map_err(Fail::tls)?;
    Ok((tls.conn, line))
}

#[test]
fn our_client_against_boringssl_server() {
    let peer = pake_peer();
    let sid = sid();
    let (mut ok, mut refused) = (0, 0);
    for u in 0..USERS {
        let user = random_user(&sid);
        let port = free_port();
        let mut cmd = Command::new(&peer);
        cmd.args([
            "server",
            &port.to_string(),
            &user.password,
            &user.name,
            &sid,
        ]);
        let mut server = Proc::spawn("pake_peer server", cmd, Stdio::null());
        assert!(
            wait_listening(port, PROC_TIMEOUT),
            "pake_peer server did not listen:\n{}",
            server.stderr()
        );
        for i in 0..RIGHT_PER_USER {
            let suite = Tls13CipherSuite::ALL[(u + i) % 3];
            let (conn, line) = our_client(port, &user.name, &sid, user.keys.clone(), suite)
                .unwrap_or_else(|e| {
                    panic!("{suite:?}, user {}: {e:?}\n{}", user.name, server.stderr())
                });
            assert_eq!(line, "ping");
            assert_eq!(conn.protocol_version(), Some(ProtocolVersion::TLSv1_3));
            assert_eq!(conn.negotiated_cipher_suite(), Some(suite.suite()));
            ok += 1;
        }
        for i in 0..WRONG_PER_USER {
            let wrong = format!("{}{}", user.password, random_hex(2));
            let (keys, _) = register(wrong.as_bytes(), user.name.as_bytes(), sid.as_bytes());
            let err =
                our_client(port, &user.name, &sid, keys, Tls13CipherSuite::ALL[i % 3]).unwrap_err();
            assert_eq!(
                err,
                Error::PakeConfirmationMismatch,
                "wrong password for {}",
                user.name
            );
            refused += 1;
        }
        // BoringSSL's view: every right password echoed, every wrong one a failed
        // handshake. It cannot read our decrypt_error alert: we have no keys it shares (a
        // wrong password gives another PAKE secret), so the alert goes in plaintext, which
        // it takes as a bad record, exactly as between two BoringSSL peers (pake_peer
        // selftest: "DECRYPTION_FAILED_OR_BAD_RECORD_MAC").
        let bad_mac = "DECRYPTION_FAILED_OR_BAD_RECORD_MAC";
        let stderr = wait_for_count(&mut server, bad_mac, WRONG_PER_USER);
        assert_eq!(
            stderr.matches("handshake ok (TLSv1.3), got ping").count(),
            RIGHT_PER_USER,
            "{stderr}"
        );
        assert_eq!(stderr.matches(bad_mac).count(), WRONG_PER_USER, "{stderr}");
    }
    println!("our client -> BoringSSL pake_peer: {ok} right-password handshakes, {refused} wrong passwords refused ({USERS} random users)");
    assert!(ok >= 50 && refused >= 50);
}

/// Waits (bounded) until `needle` appears `n` times in the process's stderr.
fn wait_for_count(p: &mut Proc, needle: &str, n: usize) -> String {
    let deadline = std::time::Instant::now() + PROC_TIMEOUT;
    loop {
        let s = p.stderr();
        if s.matches(needle).count() >= n || std::time::Instant::now() > deadline {
            return s;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn our_server(
    users: &[User],
    sid: &str,
    tweak: impl FnOnce(&mut ServerConfig),
) -> Arc<ServerConfig> {
    // BoringSSL builds first (minutes on a fresh machine): our server's accept deadline
    // must not run while it does.
    pake_peer();
    let store = Arc::new(InMemoryUserStore::new());
    for u in users {
        store.insert_pake(&u.name, sid.as_bytes(), u.keys.record());
    }
    let mut config = ServerConfig::new(store).unwrap();
    config.pake = Some(PakeServerParams::new(sid.as_bytes().to_vec()));
    config.rate_limiter = Some(Arc::new(RateLimiter::new(RateLimitConfig {
        user_free_failures: 100,
        ip_free_failures: 1000,
        ip_lockout_failures: 10_000,
        ..RateLimitConfig::default()
    })));
    tweak(&mut config);
    Arc::new(config)
}

/// `pake_peer client` against 127.0.0.1:`port`: its exit status and output.
fn boringssl_client(port: u16, password: &str, user: &str, sid: &str) -> (bool, String) {
    let out = Command::new(pake_peer())
        .args(["client", &port.to_string(), password, user, sid])
        .stdin(Stdio::null())
        .output()
        .expect("run pake_peer client");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn boringssl_client_against_our_server() {
    let sid = sid();
    let users: Vec<User> = (0..USERS).map(|_| random_user(&sid)).collect();
    let config = our_server(&users, &sid, |_| {});
    let n = USERS * (RIGHT_PER_USER + WRONG_PER_USER) + 2;
    let server = Server::start(config.clone(), n, echo_handler);
    let (mut ok, mut refused) = (0, 0);
    for user in &users {
        for _ in 0..RIGHT_PER_USER {
            let (success, out) = boringssl_client(server.port(), &user.password, &user.name, &sid);
            assert!(
                success && out.contains("handshake ok (TLSv1.3), reply ping"),
                "{}: {out}",
                user.name
            );
            ok += 1;
        }
        for _ in 0..WRONG_PER_USER {
            let wrong = format!("x{}", user.password);
            let (success, out) = boringssl_client(server.port(), &wrong, &user.name, &sid);
            assert!(!success, "a wrong password logged in: {out}");
            refused += 1;
        }
    }
    // An unknown user fails the same way (our server answers with a derived record).
    for _ in 0..2 {
        let (success, out) = boringssl_client(server.port(), "whatever", &random_username(), &sid);
        assert!(!success, "{out}");
    }
    let results = server.join();
    let (good, bad): (Vec<_>, Vec<_>) = results.into_iter().partition(|r| r.is_ok());
    assert_eq!(good.len(), USERS * RIGHT_PER_USER);
    for r in &good {
        let saw = r.as_ref().unwrap();
        assert_eq!(saw.request, "ping\n");
        assert!(
            Tls13CipherSuite::from_suite(saw.suite).is_some(),
            "{:?}",
            saw.suite
        );
    }
    // BoringSSL refuses our confirmation with illegal_parameter; each is a failed guess.
    for r in &bad {
        match r.as_ref().unwrap_err() {
            Fail::Tls(Error::AlertReceived(AlertDescription::IllegalParameter)) => {}
            other => panic!("unexpected failure on our server: {other:?}"),
        }
    }
    assert_eq!(bad.len(), USERS * WRONG_PER_USER + 2);
    println!("BoringSSL pake_peer client -> our server: {ok} right-password handshakes, {refused} wrong passwords and 2 unknown users refused");
    assert!(ok >= 50 && refused >= 50);
}

#[test]
fn boringssl_client_is_locked_out_after_failed_guesses() {
    let sid = sid();
    let users = vec![random_user(&sid)];
    let config = our_server(&users, &sid, |c| {
        c.rate_limiter = Some(Arc::new(RateLimiter::new(RateLimitConfig {
            user_free_failures: 100,
            user_lockout_failures: 3,
            ..RateLimitConfig::default()
        })));
    });
    let server = Server::start(config, 4, echo_handler);
    let user = &users[0];
    for _ in 0..3 {
        let (success, _) = boringssl_client(server.port(), "guess", &user.name, &sid);
        assert!(!success);
    }
    // Locked out: the right password fails too, exactly like a wrong one.
    let (success, out) = boringssl_client(server.port(), &user.password, &user.name, &sid);
    assert!(!success, "a locked-out user logged in: {out}");
    assert!(server.join().iter().all(|r| r.is_err()));
}

#[test]
fn boringssl_client_follows_our_hello_retry_request() {
    let sid = sid();
    let users = vec![random_user(&sid)];
    let config = our_server(&users, &sid, |c| {
        c.pake.as_mut().unwrap().require_cookie = true
    });
    let server = Server::start(config, 3, echo_handler);
    let user = &users[0];
    for _ in 0..2 {
        let (success, out) = boringssl_client(server.port(), &user.password, &user.name, &sid);
        assert!(success && out.contains("reply ping"), "{out}");
    }
    let (success, _) = boringssl_client(server.port(), "wrong", &user.name, &sid);
    assert!(!success);
    let results = server.join();
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        2,
        "{results:?}"
    );
}

/// Migration (`tls_srp::pake::migrate`): a user of an SRP verifier registers their SPAKE2+
/// record over a TLS-SRP login to our server; BoringSSL's client then logs in with TLS 1.3
/// PAKE with the same password (and not with another): the record the migration stores is
/// the one BoringSSL derives.
#[test]
fn a_user_migrated_from_srp_logs_in_with_boringssl_client() {
    use std::net::TcpListener;
    use tls_srp::pake::migrate;
    use tls_srp::stream::StreamOwned;
    use tls_srp::ServerConnection;

    let sid = sid();
    let (name, password) = (random_username(), random_password());
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user(
            &name,
            password.as_bytes(),
            tls_srp::SrpGroup::by_bits(2048).unwrap(),
        )
        .unwrap();
    let config = our_server(&[], &sid, |c| {
        c.alpn_protocols = vec![migrate::ALPN.to_vec()];
        c.user_store = Some(store.clone());
    });

    // Registration over TLS-SRP, one connection.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (server_config, registrar, params) = (
        config.clone(),
        store.clone(),
        PakeServerParams::new(sid.as_bytes().to_vec()),
    );
    let server = std::thread::spawn(move || {
        let (sock, peer) = listener.accept().unwrap();
        sock.set_read_timeout(Some(PROC_TIMEOUT)).unwrap();
        let conn = ServerConnection::new(server_config, Some(peer.ip())).unwrap();
        let mut s = StreamOwned::new(conn, sock);
        migrate::serve_registration_blocking(&mut s, &params, registrar.as_ref(), false)
    });
    let client_config = Arc::new(ClientConfig::pake_registration(
        name.clone(),
        password.as_bytes(),
    ));
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(PROC_TIMEOUT)).unwrap();
    let conn = ClientConnection::new(client_config.clone(), None).unwrap();
    let mut c = StreamOwned::new(conn, sock);
    let registered = migrate::register_blocking(&mut c, &client_config, Some(sid.as_bytes()))
        .expect("registered over TLS-SRP");
    assert_eq!(registered.username, name);
    assert!(server.join().unwrap().is_ok());

    // BoringSSL's client, with the password only.
    let pake = Server::start(config, 2, echo_handler);
    let (success, out) = boringssl_client(pake.port(), &password, &name, &sid);
    assert!(
        success && out.contains("handshake ok (TLSv1.3), reply ping"),
        "{out}"
    );
    let (success, out) = boringssl_client(pake.port(), "not the password", &name, &sid);
    assert!(!success, "{out}");
    let results = pake.join();
    assert!(results[0].is_ok() && results[1].is_err(), "{results:?}");
}
