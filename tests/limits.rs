//! Hardening of the adapters over 127.0.0.1: the rate limiter in `TlsAcceptor::accept_from`
//! (a lockout fails exactly like a wrong password), handshake timeouts (tokio acceptor and
//! connector, blocking `complete_handshake_within`), slow-loris and endless-fragment clients,
//! and the limit on concurrent handshakes. Every wait is bounded; no timing is asserted.

mod common;

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use tls_srp::msgs::codec::Codec;
use tls_srp::msgs::handshake::{HandshakePayload, SrpServerKeyExchange};
use tls_srp::stream::StreamOwned;
use tls_srp::tokio::{TlsAcceptor, TlsConnector};
use tls_srp::{
    AlertDescription, ClientConfig, ClientConnection, Error, RateLimitConfig, RateLimiter,
    ServerConfig, ServerConnection,
};

const LIMIT: Duration = Duration::from_secs(30);
const BITS: u32 = 1024;

fn tls_err(e: &io::Error) -> Option<&Error> {
    e.get_ref()?.downcast_ref::<Error>()
}

fn small_client(user: &str, pw: &str) -> ClientConfig {
    let mut c = ClientConfig::new(user, pw);
    c.min_group_bits = 1024;
    c
}

/// A tokio server using `accept_from`; each connection's outcome is reported.
async fn start(acceptor: TlsAcceptor) -> (SocketAddr, mpsc::UnboundedReceiver<io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, peer)) = listener.accept().await {
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                let res = match acceptor.accept_from(tcp, Some(peer.ip())).await {
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

/// A tokio client handshake and echo; the TLS error on failure.
async fn login(addr: SocketAddr, user: &str, pw: &str) -> Result<(), Option<Error>> {
    let tcp = TcpStream::connect(addr).await.unwrap();
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
    let mut scfg = ServerConfig::new(store).unwrap();
    scfg.simulated_group = group(BITS);
    let limiter = Arc::new(RateLimiter::new(RateLimitConfig {
        user_free_failures: 1,
        user_lockout_failures: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
        ..RateLimitConfig::default()
    }));
    let acceptor = TlsAcceptor::from(Arc::new(scfg)).rate_limiter(limiter.clone());
    let (addr, mut rx) = start(acceptor).await;

    // A correct login, and what a wrong password looks like on the wire.
    assert_eq!(login(addr, USER, PASSWORD).await, Ok(()));
    next(&mut rx).await.unwrap();
    let (normal_skx, wrong_alert) = first_flight_and_alert(addr, USER, "wrong").await;
    assert_eq!(
        wrong_alert,
        [21, 3, 3, 0, 2, 2, AlertDescription::BadRecordMac.get()]
    );
    let e = next(&mut rx).await.unwrap_err();
    assert_eq!(tls_err(&e), Some(&Error::DecryptError));

    // Two more failures (the second one delayed) reach the lockout threshold of 3.
    for _ in 0..2 {
        assert_eq!(
            login(addr, USER, "wrong").await,
            Err(Some(Error::AlertReceived(AlertDescription::BadRecordMac)))
        );
        assert_eq!(
            tls_err(&next(&mut rx).await.unwrap_err()),
            Some(&Error::DecryptError)
        );
    }
    assert!(limiter.check(Some(USER), None).must_fail());

    // Locked out: the right password fails exactly like a wrong one, after the same group
    // and salt were shown.
    assert_eq!(
        login(addr, USER, PASSWORD).await,
        Err(Some(Error::AlertReceived(AlertDescription::BadRecordMac)))
    );
    assert_eq!(
        tls_err(&next(&mut rx).await.unwrap_err()),
        Some(&Error::DecryptError)
    );
    let (locked_skx, locked_alert) = first_flight_and_alert(addr, USER, PASSWORD).await;
    next(&mut rx).await.unwrap_err();
    assert_eq!(locked_alert, wrong_alert);
    assert_eq!(locked_skx.n, normal_skx.n);
    assert_eq!(locked_skx.g, normal_skx.g);
    assert_eq!(locked_skx.s, normal_skx.s);
    assert_ne!(locked_skx.b, normal_skx.b);

    // Other users still log in; unknown users fail as before.
    assert_eq!(login(addr, "bob", "bob-password").await, Ok(()));
    next(&mut rx).await.unwrap();
    assert_eq!(
        login(addr, "mallory", "x").await,
        Err(Some(Error::AlertReceived(AlertDescription::BadRecordMac)))
    );
    next(&mut rx).await.unwrap_err();
    let (users, ips) = limiter.tracked();
    assert_eq!((users, ips), (2, 1), "alice and mallory; one address");
}

#[tokio::test]
async fn success_clears_the_user_counter() {
    let limiter = Arc::new(RateLimiter::new(RateLimitConfig {
        user_free_failures: 0,
        user_lockout_failures: 2,
        max_delay: Duration::from_millis(10),
        base_delay: Duration::from_millis(1),
        ..RateLimitConfig::default()
    }));
    let acceptor = TlsAcceptor::from(Arc::new(server_config(BITS))).rate_limiter(limiter.clone());
    let (addr, mut rx) = start(acceptor).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_loris_is_dropped_after_the_timeout_while_others_succeed() {
    let acceptor = TlsAcceptor::from(Arc::new(server_config(BITS)))
        .handshake_timeout(Some(Duration::from_millis(500)));
    let (addr, mut rx) = start(acceptor).await;
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
async fn endless_fragments_and_empty_records_end_with_an_alert() {
    let acceptor = TlsAcceptor::from(Arc::new(server_config(BITS)));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_clients_hold_at_most_the_handshake_slots() {
    let acceptor = TlsAcceptor::from(Arc::new(server_config(BITS)))
        .max_handshakes(4)
        .handshake_timeout(Some(Duration::from_secs(2)));
    let (addr, mut rx) = start(acceptor).await;
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
async fn plain_accept_and_connect_time_out() {
    // Server side: `accept` (no slots, no limiter) has the timeout too.
    let (c_io, s_io) = tokio::io::duplex(4096);
    let acceptor = TlsAcceptor::from(Arc::new(server_config(BITS)))
        .handshake_timeout(Some(Duration::from_millis(100)));
    let e = tokio::time::timeout(LIMIT, acceptor.accept(s_io))
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

    // Without a timeout the handshake still works.
    let (c_io, s_io) = tokio::io::duplex(4096);
    let acceptor = TlsAcceptor::from(Arc::new(server_config(BITS))).handshake_timeout(None);
    let connector =
        TlsConnector::from(Arc::new(small_client(USER, PASSWORD))).handshake_timeout(None);
    let (s, c) = tokio::join!(acceptor.accept(s_io), connector.connect(None, c_io));
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

    // A real server, both sides bounded.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        let conn = ServerConnection::new(Arc::new(server_config(BITS))).unwrap();
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
