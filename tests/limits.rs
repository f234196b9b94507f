//! The server's defences over 127.0.0.1, applied by the server connection itself and so by
//! every adapter: the rate limiter (a lockout fails exactly like a wrong password; a burst of
//! parallel guesses gets at most the lockout threshold checked; the blocking adapter and
//! tokio `accept` both enforce it), handshake slots in all and per address, the ClientHello
//! and handshake deadlines, slow-loris and endless-fragment clients, and input that arrives
//! with the ClientHello. Every wait is bounded; the only timings asserted are generous upper
//! bounds on what must not hang, and lower bounds that a pause cannot break.

mod common;

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;

use tls_srp::internal::msgs::codec::Codec;
use tls_srp::internal::msgs::handshake::{HandshakePayload, SrpServerKeyExchange};
use tls_srp::stream::{Acceptor, StreamOwned};
use tls_srp::tokio::{TlsAcceptor, TlsConnector};
use tls_srp::{
    AcceptError, AlertDescription, ClientConfig, ClientConnection, Decision, Error, FailureReason,
    HandshakeSlots, RateLimitConfig, RateLimiter, ServerConfig, ServerConnection,
};

const LIMIT: Duration = Duration::from_secs(30);
const BITS: u32 = 1024;
const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn tls_err(e: &io::Error) -> Option<&Error> {
    Error::from_io(e)
}

fn small_client(user: &str, pw: &str) -> ClientConfig {
    let mut c = ClientConfig::new(user, pw);
    c.min_group_bits = 1024;
    c
}

/// A server config with `limiter` (or none) and the rest as given.
fn limited(mut cfg: ServerConfig, limiter: Option<Arc<RateLimiter>>) -> ServerConfig {
    cfg.simulated_group = group(BITS);
    cfg.rate_limiter = limiter;
    cfg
}

fn limiter(c: RateLimitConfig) -> Arc<RateLimiter> {
    Arc::new(RateLimiter::new(c))
}

/// A tokio server using `accept`; each connection's outcome is reported.
async fn start(acceptor: TlsAcceptor) -> (SocketAddr, mpsc::UnboundedReceiver<io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, peer)) = listener.accept().await {
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                let res = match acceptor.accept(tcp, Some(peer.ip())).await {
                    Ok(mut tls) => {
                        async {
                            let mut b = [0u8; 4];
                            tls.read_exact(&mut b).await?;
                            tls.write_all(&b).await?;
                            tls.shutdown().await
                        }
                        .await
                    }
                    Err(e) => Err(e),
                };
                let _ = tx.send(res);
            });
        }
    });
    (addr, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<io::Result<()>>) -> io::Result<()> {
    tokio::time::timeout(LIMIT, rx.recv())
        .await
        .expect("server reports in time")
        .expect("server alive")
}

/// The TLS error of the next server-side report (which must be a failure).
async fn next_error(rx: &mut mpsc::UnboundedReceiver<io::Result<()>>) -> Option<Error> {
    let e = next(rx).await.expect_err("a failed handshake");
    tls_err(&e).cloned()
}

/// Who the next server-side failure names, and why: the accept error carries the requested
/// username, the client's address and the reason.
async fn next_attributed(
    rx: &mut mpsc::UnboundedReceiver<io::Result<()>>,
) -> (Option<String>, FailureReason, bool) {
    let e = next(rx).await.expect_err("a failed handshake");
    let a = attributed(&e);
    assert_eq!(a.peer(), Some(LOCALHOST));
    (
        a.username().map(str::to_owned),
        a.reason(),
        a.is_auth_failure(),
    )
}

fn attributed(e: &io::Error) -> &AcceptError {
    e.get_ref()
        .and_then(|x| x.downcast_ref::<AcceptError>())
        .unwrap_or_else(|| panic!("not an AcceptError: {e:?}"))
}

/// A tokio client handshake and echo over `tcp`; the TLS error on failure.
async fn login_over(tcp: TcpStream, user: &str, pw: &str) -> Result<(), Option<Error>> {
    let connector = TlsConnector::from(Arc::new(small_client(user, pw)));
    match connector.connect(None, tcp).await {
        Ok(mut tls) => {
            tls.write_all(b"ping").await.unwrap();
            let mut b = [0u8; 4];
            tls.read_exact(&mut b).await.unwrap();
            assert_eq!(&b, b"ping");
            Ok(())
        }
        Err(e) => Err(tls_err(&e).cloned()),
    }
}

async fn login(addr: SocketAddr, user: &str, pw: &str) -> Result<(), Option<Error>> {
    login_over(TcpStream::connect(addr).await.unwrap(), user, pw).await
}

const WRONG: Result<(), Option<Error>> =
    Err(Some(Error::AlertReceived(AlertDescription::BadRecordMac)));

/// A client that has sent its ClientHello and read the server's first flight, and holds
/// its second flight (ClientKeyExchange, ChangeCipherSpec, Finished) back.
struct Held {
    sock: TcpStream,
    conn: ClientConnection,
}

impl Held {
    async fn open(addr: SocketAddr, user: &str, pw: &str) -> Held {
        let mut sock = TcpStream::connect(addr).await.unwrap();
        let mut conn = ClientConnection::new(Arc::new(small_client(user, pw)), None).unwrap();
        sock.write_all(&take_tls(&mut conn)).await.unwrap();
        let mut buf = vec![0u8; 65536];
        while !conn.wants_write() {
            let n = tokio::time::timeout(LIMIT, sock.read(&mut buf))
                .await
                .expect("the server's first flight in time")
                .unwrap();
            assert!(n > 0, "the server closed before its first flight");
            feed(&mut conn, &buf[..n]);
            conn.process_new_packets().unwrap();
        }
        Held { sock, conn }
    }

    /// Sends the held flight; the client's view of the outcome.
    async fn finish(mut self) -> Result<(), Error> {
        self.sock
            .write_all(&take_tls(&mut self.conn))
            .await
            .unwrap();
        let mut buf = vec![0u8; 65536];
        while self.conn.is_handshaking() {
            let n = tokio::time::timeout(LIMIT, self.sock.read(&mut buf))
                .await
                .expect("the server answers in time")
                .unwrap_or(0);
            if n == 0 {
                return Err(Error::General("closed".into()));
            }
            feed(&mut self.conn, &buf[..n]);
            self.conn.process_new_packets()?;
        }
        Ok(())
    }
}

/// Whether `b` is a sequence of complete records.
fn whole_records(mut b: &[u8]) -> bool {
    while b.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([b[3], b[4]]));
        if b.len() < 5 + len {
            return false;
        }
        b = &b[5 + len..];
    }
    b.is_empty()
}

/// The ServerKeyExchange a raw client sees for `user`, and the alert that ends the attempt.
async fn first_flight_and_alert(
    addr: SocketAddr,
    user: &str,
    pw: &str,
) -> (SrpServerKeyExchange, Vec<u8>) {
    let mut sock = TcpStream::connect(addr).await.unwrap();
    let mut c = ClientConnection::new(Arc::new(small_client(user, pw)), None).unwrap();
    let mut got = Vec::new();
    let mut skx = None;
    loop {
        let out = take_tls(&mut c);
        if !out.is_empty() {
            sock.write_all(&out).await.unwrap();
        }
        let mut buf = vec![0u8; 65536];
        let n = tokio::time::timeout(LIMIT, sock.read(&mut buf))
            .await
            .unwrap()
            .unwrap_or(0);
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        if skx.is_none() && got.len() > 5 {
            // Decode the flight once it is whole records ending with a ServerHelloDone.
            if whole_records(&got) {
                let msgs = handshake_messages(&got);
                if msgs
                    .iter()
                    .any(|m| matches!(m.payload, HandshakePayload::ServerHelloDone))
                {
                    let body = msgs
                        .iter()
                        .find_map(|m| match &m.payload {
                            HandshakePayload::ServerKeyExchange(b) => Some(b.clone()),
                            _ => None,
                        })
                        .unwrap();
                    skx = Some(SrpServerKeyExchange::read_bytes(&body).unwrap());
                    feed(&mut c, &got);
                    let _ = c.process_new_packets();
                }
            }
        } else if skx.is_some() {
            feed(&mut c, &buf[..n]);
            let _ = c.process_new_packets();
        }
    }
    let alert = got[got.len().saturating_sub(7)..].to_vec();
    (skx.expect("a ServerKeyExchange"), alert)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limiter_locks_out_like_a_wrong_password() {
    let store = store_with(USER, PASSWORD, BITS);
    store.add_user("bob", b"bob-password", group(BITS)).unwrap();
    let limiter = limiter(RateLimitConfig {
        user_free_failures: 1,
        user_lockout_failures: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
        ..RateLimitConfig::default()
    });
    let scfg = limited(ServerConfig::new(store).unwrap(), Some(limiter.clone()));
    let (addr, mut rx) = start(TlsAcceptor::from(Arc::new(scfg))).await;

    // A correct login, and what a wrong password looks like on the wire.
    assert_eq!(login(addr, USER, PASSWORD).await, Ok(()));
    next(&mut rx).await.unwrap();
    let (normal_skx, wrong_alert) = first_flight_and_alert(addr, USER, "wrong").await;
    assert_eq!(
        wrong_alert,
        [21, 3, 3, 0, 2, 2, AlertDescription::BadRecordMac.get()]
    );
    assert_eq!(next_error(&mut rx).await, Some(Error::DecryptError));

    // Two more failures (the second one delayed) reach the lockout threshold of 3.
    for _ in 0..2 {
        assert_eq!(login(addr, USER, "wrong").await, WRONG);
        assert_eq!(next_error(&mut rx).await, Some(Error::DecryptError));
    }
    assert!(limiter.check(Some(USER), None).must_fail());

    // Locked out: the right password fails exactly like a wrong one, after the same group
    // and salt were shown; the server names it, and who.
    assert_eq!(login(addr, USER, PASSWORD).await, WRONG);
    assert_eq!(
        next_attributed(&mut rx).await,
        (Some(USER.to_owned()), FailureReason::LockedOut, true)
    );
    let (locked_skx, locked_alert) = first_flight_and_alert(addr, USER, PASSWORD).await;
    assert_eq!(next_error(&mut rx).await, Some(Error::LockedOut));
    assert_eq!(locked_alert, wrong_alert);
    assert_eq!(locked_skx.n, normal_skx.n);
    assert_eq!(locked_skx.g, normal_skx.g);
    assert_eq!(locked_skx.s, normal_skx.s);
    assert_ne!(locked_skx.b, normal_skx.b);

    // Other users still log in; unknown users fail as before.
    assert_eq!(login(addr, "bob", "bob-password").await, Ok(()));
    next(&mut rx).await.unwrap();
    assert_eq!(login(addr, "mallory", "x").await, WRONG);
    assert_eq!(
        next_attributed(&mut rx).await,
        (
            Some("mallory".to_owned()),
            FailureReason::BadCredentials,
            true
        )
    );
    // A wrong password is the same class as an unknown user.
    assert_eq!(login(addr, "bob", "x").await, WRONG);
    assert_eq!(
        next_attributed(&mut rx).await,
        (Some("bob".to_owned()), FailureReason::BadCredentials, true)
    );
    // A client that goes away after its ClientHello tested nothing.
    let mut quitter = TcpStream::connect(addr).await.unwrap();
    let mut c = ClientConnection::new(Arc::new(small_client("quitter", "x")), None).unwrap();
    quitter.write_all(&take_tls(&mut c)).await.unwrap();
    let mut flight = [0u8; 1];
    quitter.read_exact(&mut flight).await.unwrap();
    drop(quitter);
    let (who, why, auth) = next_attributed(&mut rx).await;
    assert_eq!((who.as_deref(), auth), (Some("quitter"), false));
    assert_eq!(why, FailureReason::Aborted);
    let (users, ips) = limiter.tracked();
    assert_eq!((users, ips), (3, 1), "alice, mallory and bob; one address");
}

#[tokio::test]
async fn success_clears_the_user_counter() {
    let limiter = limiter(RateLimitConfig {
        user_free_failures: 0,
        user_lockout_failures: 2,
        max_delay: Duration::from_millis(10),
        base_delay: Duration::from_millis(1),
        ..RateLimitConfig::default()
    });
    let scfg = limited(server_config(BITS), Some(limiter));
    let (addr, mut rx) = start(TlsAcceptor::from(Arc::new(scfg))).await;
    assert!(login(addr, USER, "wrong").await.is_err());
    next(&mut rx).await.unwrap_err();
    assert_eq!(login(addr, USER, PASSWORD).await, Ok(()));
    next(&mut rx).await.unwrap();
    assert!(login(addr, USER, "wrong").await.is_err());
    next(&mut rx).await.unwrap_err();
    // One failure since the success: not locked out.
    assert_eq!(login(addr, USER, PASSWORD).await, Ok(()));
    next(&mut rx).await.unwrap();
}

/// Issue: "40 parallel wrong guesses against a lockout of 20 are refused from the 21st
/// on, and the right password on a pre-opened connection of that burst fails once the
/// user is locked out." Every attempt starts (and sees the real group and salt) before
/// any ends; the outcomes are settled one at a time as the Finished messages arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel_burst_gets_at_most_the_lockout_threshold_of_guesses() {
    const BURST: usize = 40;
    const LOCKOUT: u32 = 20;
    let limiter = limiter(RateLimitConfig {
        user_free_failures: 3,
        user_lockout_failures: LOCKOUT,
        ip_free_failures: u32::MAX,
        ip_lockout_failures: u32::MAX,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        forgive_every: Duration::from_secs(3600),
        ..RateLimitConfig::default()
    });
    let mut scfg = limited(server_config(BITS), Some(limiter.clone()));
    // The burst comes from one address: room for all of it.
    scfg.handshake_slots = Some(HandshakeSlots::new(64, 64));
    let (addr, mut rx) = start(TlsAcceptor::from(Arc::new(scfg))).await;

    // 40 wrong guesses and the right password, all through their first flight.
    let mut opening = Vec::new();
    for i in 0..=BURST {
        let pw = if i == BURST {
            PASSWORD.to_owned()
        } else {
            format!("guess {i}")
        };
        opening.push(tokio::spawn(
            async move { Held::open(addr, USER, &pw).await },
        ));
    }
    let mut held = Vec::new();
    for h in opening {
        held.push(h.await.unwrap());
    }
    let right = held.pop().unwrap();
    assert!(
        !limiter.check(Some(USER), None).must_fail(),
        "no attempt has ended yet"
    );

    // The 40 wrong Finished messages, at once.
    let guesses: Vec<_> = held.into_iter().map(|h| tokio::spawn(h.finish())).collect();
    for g in guesses {
        assert_eq!(
            g.await.unwrap(),
            Err(Error::AlertReceived(AlertDescription::BadRecordMac))
        );
    }
    let (mut checked, mut refused) = (0, 0);
    for _ in 0..BURST {
        match next_error(&mut rx).await {
            Some(Error::DecryptError) => checked += 1,
            Some(Error::LockedOut) => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((checked, refused), (LOCKOUT, BURST as u32 - LOCKOUT));

    // The right password, on a connection opened in the burst: locked out.
    assert_eq!(
        right.finish().await,
        Err(Error::AlertReceived(AlertDescription::BadRecordMac))
    );
    assert_eq!(next_error(&mut rx).await, Some(Error::LockedOut));
    assert_eq!(login(addr, USER, PASSWORD).await, WRONG);
    assert_eq!(next_error(&mut rx).await, Some(Error::LockedOut));
}

/// Issue: "garbage right behind a ClientHello in the same segment gets a fatal alert
/// within 1 s with rate limiting on" — here with the rate limiter delaying the first
/// flight, so the garbage sits in the buffer through the pause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_behind_the_client_hello_is_processed_after_a_pause() {
    let limiter = limiter(RateLimitConfig {
        user_free_failures: 0,
        base_delay: Duration::from_millis(300),
        ..RateLimitConfig::default()
    });
    let scfg = limited(server_config(BITS), Some(limiter.clone()));
    let (addr, mut rx) = start(TlsAcceptor::from(Arc::new(scfg))).await;
    for delayed in [false, true] {
        if delayed {
            limiter.record_failure(Some(USER), None);
            assert_eq!(
                limiter.check(Some(USER), None),
                Decision::Delay(Duration::from_millis(300))
            );
        }
        let mut c = ClientConnection::new(Arc::new(small_client(USER, PASSWORD)), None).unwrap();
        let mut wire = take_tls(&mut c);
        // Application data before the handshake is over: unexpected_message.
        wire.extend_from_slice(&[23, 3, 3, 0, 4, 1, 2, 3, 4]);
        let mut sock = TcpStream::connect(addr).await.unwrap();
        sock.set_nodelay(true).unwrap();
        let started = Instant::now();
        sock.write_all(&wire).await.unwrap();
        let mut got = Vec::new();
        tokio::time::timeout(Duration::from_secs(1), sock.read_to_end(&mut got))
            .await
            .expect("the alert within 1 s, not at the handshake timeout")
            .unwrap();
        let elapsed = started.elapsed();
        assert_eq!(
            got[got.len() - 7..],
            [21, 3, 3, 0, 2, 2, AlertDescription::UnexpectedMessage.get()]
        );
        let flight = handshake_messages(&got[..got.len() - 7]);
        assert!(matches!(
            flight.last().map(|m| &m.payload),
            Some(HandshakePayload::ServerHelloDone)
        ));
        if delayed {
            assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
        }
        assert_eq!(
            next_error(&mut rx).await,
            Some(Error::PeerMisbehaved(
                tls_srp::PeerMisbehaved::ApplicationDataBeforeFinished
            ))
        );
    }
}

/// Issue: "64 idle sockets from one address do not delay a login from another address by
/// more than 1 s" — with the default caps (64 handshakes, 8 per address).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_from_one_address_leave_slots_for_others() {
    let scfg = limited(server_config(BITS), None);
    assert_eq!(
        scfg.handshake_slots.as_ref().map(|s| s.limits()),
        Some((64, 8))
    );
    let slots = scfg.handshake_slots.clone().unwrap();
    let (addr, mut rx) = start(TlsAcceptor::from(Arc::new(scfg))).await;
    let mut idle = Vec::new();
    for _ in 0..64 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // The server has taken what it will take: the address's 8 slots.
    let deadline = Instant::now() + LIMIT;
    while slots.in_progress() < 8 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(slots.in_progress(), 8);

    let other = TcpSocket::new_v4().unwrap();
    other.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let started = Instant::now();
    let tcp = other.connect(addr).await.unwrap();
    assert_eq!(login_over(tcp, USER, PASSWORD).await, Ok(()));
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    next(&mut rx).await.unwrap();
    // From the crowded address, a login waits its turn.
    assert_eq!(slots.in_progress(), 8);
    drop(idle);
}

/// Issue: "a locked-out user stays locked out while 100 000 other names fail." The user is
/// locked out over sockets; 100 000 failures of other names (and addresses) then go into
/// the same limiter tables directly (as many handshakes would take minutes); the locked-out
/// user's right password still fails over a socket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_out_user_stays_locked_out_while_other_names_fail() {
    let limiter = limiter(RateLimitConfig {
        user_lockout_failures: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..RateLimitConfig::default()
    });
    let scfg = limited(server_config(BITS), Some(limiter.clone()));
    let (addr, mut rx) = start(TlsAcceptor::from(Arc::new(scfg))).await;
    for _ in 0..3 {
        assert_eq!(login(addr, USER, "wrong").await, WRONG);
        assert_eq!(next_error(&mut rx).await, Some(Error::DecryptError));
    }
    for i in 0..100_000u32 {
        let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | i));
        limiter.record_failure(Some(&format!("name{i}")), Some(ip));
    }
    let (users, ips) = limiter.tracked();
    let max = limiter.config().max_tracked;
    assert!(users <= max && ips <= max, "{users} {ips}");
    assert!(limiter.is_locked_out(Some(USER), None));
    assert_eq!(login(addr, USER, PASSWORD).await, WRONG);
    assert_eq!(next_error(&mut rx).await, Some(Error::LockedOut));
}

/// Issue: "the blocking adapter enforces rate limiting": delays are waited out (the first
/// flight never comes before the limiter's instant), failures count, and a lockout fails
/// the right password.
#[test]
fn blocking_acceptor_enforces_rate_limiting() {
    let limiter = limiter(RateLimitConfig {
        user_free_failures: 1,
        user_lockout_failures: 3,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_millis(400),
        ..RateLimitConfig::default()
    });
    let acceptor = Acceptor::new(Arc::new(limited(
        server_config(BITS),
        Some(limiter.clone()),
    )));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    let server_thread = std::thread::spawn(move || {
        for _ in 0..5 {
            let (sock, _) = listener.accept().unwrap();
            let res = acceptor.accept(sock).and_then(|mut tls| {
                let mut b = [0u8; 4];
                tls.read_exact(&mut b)?;
                tls.write_all(&b)?;
                Ok(tls.conn.peer_addr())
            });
            tx.send(res.map_err(|e| {
                // Every failure here is a refused login, attributed to its username.
                let a = attributed(&e);
                assert_eq!(a.username(), Some(USER));
                assert!(a.is_auth_failure(), "{a}");
                tls_err(&e).cloned()
            }))
            .unwrap();
        }
    });
    let attempt = |pw: &str| {
        let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let conn = ClientConnection::new(Arc::new(small_client(USER, pw)), None).unwrap();
        let mut tls = StreamOwned::new(conn, sock);
        let started = Instant::now();
        let res = tls.complete_handshake_within(LIMIT);
        let elapsed = started.elapsed();
        let outcome = match res {
            Ok(()) => Ok(()),
            Err(e) => Err(tls_err(&e).cloned()),
        };
        if outcome.is_ok() {
            tls.write_all(b"ping").unwrap();
            let mut b = [0u8; 4];
            tls.read_exact(&mut b).unwrap();
        }
        let server = rx.recv_timeout(LIMIT).expect("the server reports");
        (outcome, server, elapsed)
    };
    let ms = Duration::from_millis;
    let expect = [
        ("wrong", Decision::Allow),
        ("wrong", Decision::Allow),
        ("wrong", Decision::Delay(ms(200))),
        (PASSWORD, Decision::Fail(ms(400))),
    ];
    for (i, (pw, decision)) in expect.into_iter().enumerate() {
        assert_eq!(
            limiter.check(Some(USER), Some(LOCALHOST)),
            decision,
            "attempt {i}"
        );
        let (client, server, elapsed) = attempt(pw);
        assert_eq!(client, WRONG, "attempt {i}");
        let want = if i < 3 {
            Error::DecryptError
        } else {
            Error::LockedOut
        };
        assert_eq!(server, Err(Some(want)), "attempt {i}");
        assert!(elapsed >= decision.delay(), "attempt {i}: {elapsed:?}");
    }
    // Once the user's failures are forgotten (an administrator's reset, say), the right
    // password works again; the server saw the client's address.
    limiter.record_success(USER);
    let (client, server, _) = attempt(PASSWORD);
    assert_eq!(client, Ok(()));
    assert_eq!(server, Ok(Some(LOCALHOST)));
    server_thread.join().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_loris_is_dropped_at_the_client_hello_deadline_while_others_succeed() {
    let mut scfg = limited(server_config(BITS), None);
    scfg.client_hello_timeout = Some(Duration::from_millis(500));
    let (addr, mut rx) = start(TlsAcceptor::from(Arc::new(scfg))).await;
    // Part of a ClientHello, then nothing.
    let mut c = ClientConnection::new(Arc::new(small_client(USER, PASSWORD)), None).unwrap();
    let hello = take_tls(&mut c);
    let mut loris = TcpStream::connect(addr).await.unwrap();
    loris.write_all(&hello[..20]).await.unwrap();
    // Meanwhile a good client gets through.
    assert_eq!(login(addr, USER, PASSWORD).await, Ok(()));
    // The stalled client is dropped without an alert (its report may come first).
    let (a, b) = (next(&mut rx).await, next(&mut rx).await);
    let e = match (a, b) {
        (Ok(()), Err(e)) | (Err(e), Ok(())) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
    assert_eq!(tls_err(&e), Some(&Error::HandshakeTimedOut));
    let mut b = [0u8; 16];
    let n = tokio::time::timeout(LIMIT, loris.read(&mut b))
        .await
        .unwrap()
        .unwrap_or(0);
    assert_eq!(n, 0);
    assert_eq!(login(addr, USER, PASSWORD).await, Ok(()));
    next(&mut rx).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_clients_hold_at_most_the_handshake_slots() {
    let mut scfg = limited(server_config(BITS), None);
    scfg.handshake_slots = Some(HandshakeSlots::new(4, 4));
    scfg.handshake_timeout = Some(Duration::from_secs(2));
    scfg.client_hello_timeout = Some(Duration::from_secs(2));
    let (addr, mut rx) = start(TlsAcceptor::from(Arc::new(scfg))).await;
    // Three silent clients: the fourth slot is free for a good one.
    let mut stalled = Vec::new();
    for _ in 0..3 {
        stalled.push(TcpStream::connect(addr).await.unwrap());
    }
    assert_eq!(login(addr, USER, PASSWORD).await, Ok(()));
    next(&mut rx).await.unwrap();
    // A fourth silent client fills the slots: a good client waits until the first silent
    // ones time out, then gets a slot and the whole timeout for its handshake. (The pause
    // only puts the good client's own wait limit well after the first three time out.)
    tokio::time::sleep(Duration::from_millis(500)).await;
    stalled.push(TcpStream::connect(addr).await.unwrap());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(login(addr, USER, PASSWORD).await, Ok(()));
    let mut timed_out = 0;
    let mut ok = 0;
    for _ in 0..5 {
        match next(&mut rx).await {
            Ok(()) => ok += 1,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => timed_out += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((ok, timed_out), (1, 4));
}

#[tokio::test]
async fn accept_and_connect_time_out() {
    // Server side: the config's deadline.
    let (c_io, s_io) = tokio::io::duplex(4096);
    let mut scfg = limited(server_config(BITS), None);
    scfg.client_hello_timeout = Some(Duration::from_millis(100));
    let acceptor = TlsAcceptor::from(Arc::new(scfg));
    let e = tokio::time::timeout(LIMIT, acceptor.accept(s_io, None))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    drop(c_io);

    // Client side: a server that never answers.
    let (c_io, s_io) = tokio::io::duplex(4096);
    let connector = TlsConnector::from(Arc::new(client_config()))
        .handshake_timeout(Some(Duration::from_millis(100)));
    let (e, io) = tokio::time::timeout(LIMIT, connector.connect(None, c_io).into_fallible())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    assert!(io.is_some(), "the transport comes back");
    drop(s_io);

    // Without deadlines the handshake still works.
    let (c_io, s_io) = tokio::io::duplex(4096);
    let mut scfg = limited(server_config(BITS), None);
    scfg.client_hello_timeout = None;
    scfg.handshake_timeout = None;
    let acceptor = TlsAcceptor::from(Arc::new(scfg));
    let connector =
        TlsConnector::from(Arc::new(small_client(USER, PASSWORD))).handshake_timeout(None);
    let (s, c) = tokio::join!(acceptor.accept(s_io, None), connector.connect(None, c_io));
    s.unwrap();
    c.unwrap();
}

#[test]
fn blocking_handshake_within_a_deadline() {
    // A peer that accepts and says nothing: TimedOut, and the socket timeouts are restored.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(LIMIT)).unwrap();
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    });
    let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(77)))
        .unwrap();
    let conn = ClientConnection::new(Arc::new(client_config()), None).unwrap();
    let mut tls = StreamOwned::new(conn, sock);
    let e = tls
        .complete_handshake_within(Duration::from_millis(200))
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    assert_eq!(
        tls.sock.read_timeout().unwrap(),
        Some(Duration::from_secs(77))
    );
    assert_eq!(tls.sock.write_timeout().unwrap(), None);
    drop(tls);
    silent.join().unwrap();

    // The blocking acceptor against a silent client: the config's ClientHello deadline.
    let mut scfg = limited(server_config(BITS), None);
    scfg.client_hello_timeout = Some(Duration::from_millis(200));
    let acceptor = Acceptor::new(Arc::new(scfg));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (sock, _) = listener.accept().unwrap();
    let started = Instant::now();
    let e = acceptor.accept(sock).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    assert!(started.elapsed() < LIMIT);

    // A real server, both sides bounded.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        let conn = ServerConnection::new(Arc::new(server_config(BITS)), None).unwrap();
        let mut tls = StreamOwned::new(conn, s);
        tls.complete_handshake_within(LIMIT).unwrap();
        let mut b = [0u8; 4];
        tls.read_exact(&mut b).unwrap();
        tls.write_all(&b).unwrap();
    });
    let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let conn = ClientConnection::new(Arc::new(small_client(USER, PASSWORD)), None).unwrap();
    let mut tls = StreamOwned::new(conn, sock);
    tls.complete_handshake_within(LIMIT).unwrap();
    assert!(!tls.conn.is_handshaking());
    tls.complete_handshake_within(LIMIT).unwrap(); // nothing left to do
    tls.write_all(b"ping").unwrap();
    let mut b = [0u8; 4];
    tls.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"ping");
    server.join().unwrap();
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_fragments_and_empty_records_end_with_an_alert() {
    let acceptor = TlsAcceptor::from(Arc::new(limited(server_config(BITS), None)));
    let (addr, mut rx) = start(acceptor).await;

    // A ClientHello announcing 65535 bytes, sent one byte per record: the joiner's bound
    // ends it (the message completes and does not decode) with a fatal alert.
    let mut sock = TcpStream::connect(addr).await.unwrap();
    let mut wire = vec![22, 3, 1, 0, 4, 1, 0x00, 0xff, 0xff];
    for _ in 0..0xffff {
        wire.extend_from_slice(&[22, 3, 3, 0, 1, 0]);
    }
    let (mut rd, mut wr) = sock.split();
    let (_, got) = tokio::join!(
        async {
            let _ = wr.write_all(&wire).await;
        },
        async {
            let mut got = Vec::new();
            let _ = tokio::time::timeout(LIMIT, rd.read_to_end(&mut got)).await;
            got
        }
    );
    let e = next(&mut rx).await.unwrap_err();
    let err = tls_err(&e).cloned().expect("a TLS error");
    let alert = err.alert().expect("a fatal alert");
    assert_eq!(got, [21, 3, 3, 0, 2, 2, alert.get()], "{err:?}");

    // Warning alerts without end: at most 16 in a row, then unexpected_message.
    let mut sock = TcpStream::connect(addr).await.unwrap();
    let mut got = Vec::new();
    for _ in 0..64 {
        if sock.write_all(&[21, 3, 3, 0, 2, 1, 90]).await.is_err() {
            break;
        }
        let mut b = [0u8; 64];
        match tokio::time::timeout(Duration::from_millis(20), sock.read(&mut b)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&b[..n]),
            Err(_) => {}
        }
    }
    let e = next(&mut rx).await.unwrap_err();
    assert_eq!(
        tls_err(&e).and_then(Error::alert),
        Some(AlertDescription::UnexpectedMessage),
        "{e}"
    );
    if !got.is_empty() {
        assert_eq!(got, [21, 3, 3, 0, 2, 2, 10]);
    }

    // Empty handshake records: unexpected_message at the first one.
    let mut sock = TcpStream::connect(addr).await.unwrap();
    sock.write_all(&[22, 3, 3, 0, 0]).await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(LIMIT, sock.read_to_end(&mut got))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, [21, 3, 3, 0, 2, 2, 10]);
    next(&mut rx).await.unwrap_err();

    assert_eq!(login(addr, USER, PASSWORD).await, Ok(()));
    next(&mut rx).await.unwrap();
}
