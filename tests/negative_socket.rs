//! The RFC 5054 negative paths over real sockets (127.0.0.1): a tokio server
//! ([`TlsAcceptor::accept`]) against a raw TCP attacker that sends crafted flights, and
//! our tokio client against a raw fake server. Each case checks the exact alert record
//! that arrives on the socket, that nothing panicked (every server task reports), and that
//! the same server then still serves a good client.
//!
//! A crafted u = 0 is not here: u = SHA-1(PAD(A) | PAD(B)) being 0 needs a SHA-1 preimage;
//! the check is covered by the SRP unit tests.

mod common;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use tls_srp::internal::msgs::codec::Codec;
use tls_srp::internal::msgs::enums::{ExtensionType, HandshakeType};
use tls_srp::internal::msgs::handshake::{
    ClientExtension, HandshakeMessagePayload, HandshakePayload, SrpClientKeyExchange,
    SrpServerKeyExchange,
};
use tls_srp::tokio::{TlsAcceptor, TlsConnector};
use tls_srp::{
    AlertDescription as A, ClientConfig, ClientConnection, Error, PeerIncompatible, PeerMisbehaved,
    ServerConnection,
};

/// Bound on every socket wait: a bug fails the test instead of hanging it.
const LIMIT: Duration = Duration::from_secs(20);

/// The tokio server under test, and what each of its connections came to.
struct Server {
    addr: SocketAddr,
    results: mpsc::UnboundedReceiver<Result<(), String>>,
}

impl Server {
    async fn start() -> Server {
        let acceptor = TlsAcceptor::from(Arc::new(server_config(2048)));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, results) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, peer)) = listener.accept().await else {
                    return;
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let res = match acceptor.accept(tcp, Some(peer.ip())).await {
                        Ok(mut tls) => echo_once(&mut tls).await.map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = tx.send(res);
                });
            }
        });
        Server { addr, results }
    }

    /// What the next connection came to (every connection reports: no task panicked).
    async fn next_result(&mut self) -> Result<(), String> {
        tokio::time::timeout(LIMIT, self.results.recv())
            .await
            .expect("server task reports in time")
            .expect("server alive")
    }

    /// A good client still gets through, and the server reports success.
    async fn still_serves(&mut self) {
        good_client(self.addr).await;
        assert_eq!(self.next_result().await, Ok(()));
    }
}

async fn echo_once<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    tls: &mut S,
) -> io::Result<()> {
    let mut buf = [0u8; 4];
    tls.read_exact(&mut buf).await?;
    tls.write_all(&buf).await?;
    tls.shutdown().await
}

async fn good_client(addr: SocketAddr) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let connector = TlsConnector::from(Arc::new(client_config()));
    let mut tls = tokio::time::timeout(LIMIT, connector.connect(Some("localhost"), tcp))
        .await
        .unwrap()
        .expect("good client handshakes");
    tls.write_all(b"ping").await.unwrap();
    let mut buf = [0u8; 4];
    tls.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping");
}

/// A fatal alert record as it is on the wire (plaintext: every server-detected failure here
/// comes before the server's ChangeCipherSpec).
fn alert_record(desc: A) -> Vec<u8> {
    vec![21, 3, 3, 0, 2, 2, desc.get()]
}

/// What the attacker saw: every byte the server sent before closing, and whether our
/// client completed the handshake (and got its ping echoed).
struct Seen {
    bytes: Vec<u8>,
    echoed: bool,
}

impl Seen {
    fn ends_with_alert(&self, desc: A) -> bool {
        self.bytes.ends_with(&alert_record(desc))
    }
}

/// Runs our client over a raw socket, passing each flight it sends through
/// `alter(flight_index, bytes)` (0: ClientHello, 1: ClientKeyExchange..Finished) and writing
/// the result in `chunk`-byte writes (0: one write). Reads until the server closes.
async fn attack(
    addr: SocketAddr,
    ccfg: ClientConfig,
    mut alter: impl FnMut(usize, Vec<u8>) -> Vec<u8>,
    chunk: usize,
) -> Seen {
    let mut sock = TcpStream::connect(addr).await.unwrap();
    let _ = sock.set_nodelay(true);
    let mut c = ClientConnection::new(Arc::new(ccfg), Some("localhost")).unwrap();
    let mut seen = Seen {
        bytes: Vec::new(),
        echoed: false,
    };
    let (mut flight, mut client_ok, mut pinged) = (0, true, false);
    let mut plain = Vec::new();
    loop {
        if client_ok {
            if !c.is_handshaking() && !pinged {
                std::io::Write::write_all(&mut c.writer(), b"ping").unwrap();
                pinged = true;
            }
            let out = take_tls(&mut c);
            if !out.is_empty() {
                let out = if flight < 2 { alter(flight, out) } else { out };
                flight += 1;
                let step = if chunk == 0 { out.len().max(1) } else { chunk };
                for piece in out.chunks(step) {
                    // The server may already have closed: what it sent is what counts.
                    if sock.write_all(piece).await.is_err() {
                        break;
                    }
                }
            }
        }
        let mut buf = vec![0u8; 65536];
        let n = tokio::time::timeout(LIMIT, sock.read(&mut buf))
            .await
            .expect("the server answers or closes")
            .unwrap_or(0);
        if n == 0 {
            return seen;
        }
        seen.bytes.extend_from_slice(&buf[..n]);
        if client_ok {
            feed(&mut c, &buf[..n]);
            match c.process_new_packets() {
                Err(_) => client_ok = false,
                Ok(_) => {
                    let mut tmp = [0u8; 64];
                    while let Ok(k) = std::io::Read::read(&mut c.reader(), &mut tmp) {
                        if k == 0 {
                            break;
                        }
                        plain.extend_from_slice(&tmp[..k]);
                    }
                    if plain == b"ping" && !seen.echoed {
                        seen.echoed = true;
                        c.send_close_notify();
                        let _ = sock.write_all(&take_tls(&mut c)).await;
                    }
                }
            }
        }
    }
}

/// Changes the handshake messages of the first flight only.
fn first_flight(
    f: impl Fn(&mut HandshakeMessagePayload) + Clone,
) -> impl FnMut(usize, Vec<u8>) -> Vec<u8> {
    move |i, b| match i {
        0 => alter_handshake(b, f.clone()),
        _ => b,
    }
}

/// Changes the plaintext handshake messages of the second flight only.
fn second_flight(
    f: impl Fn(&mut HandshakeMessagePayload) + Clone,
) -> impl FnMut(usize, Vec<u8>) -> Vec<u8> {
    move |i, b| match i {
        1 => alter_handshake(b, f.clone()),
        _ => b,
    }
}

/// Changes the records of the second flight only.
fn second_flight_records(
    f: impl Fn(&mut Vec<RawRecord>) + Clone,
) -> impl FnMut(usize, Vec<u8>) -> Vec<u8> {
    move |i, b| match i {
        1 => {
            let mut recs = split_records(&b);
            f(&mut recs);
            join_records(&recs)
        }
        _ => b,
    }
}

/// Replaces the first flight by `bytes`.
fn raw_first(bytes: Vec<u8>) -> impl FnMut(usize, Vec<u8>) -> Vec<u8> {
    move |i, b| match i {
        0 => bytes.clone(),
        _ => b,
    }
}

fn srp_ext(payload: Vec<u8>) -> impl Fn(&mut HandshakeMessagePayload) + Clone {
    move |m| {
        if let HandshakePayload::ClientHello(ch) = &mut m.payload {
            for e in ch.extensions.iter_mut() {
                if matches!(e, ClientExtension::SrpUsername(_)) {
                    *e = ClientExtension::Unknown {
                        typ: ExtensionType::Srp,
                        payload: payload.clone(),
                    };
                }
            }
        }
    }
}

fn with_a(a: Vec<u8>) -> impl Fn(&mut HandshakeMessagePayload) + Clone {
    move |m| {
        if m.typ == HandshakeType::ClientKeyExchange {
            m.payload = HandshakePayload::ClientKeyExchange(
                SrpClientKeyExchange { a: a.clone() }.get_encoding(),
            );
        }
    }
}

fn n2048() -> Vec<u8> {
    group(2048).n().to_vec()
}

fn times_n(k: u8) -> Vec<u8> {
    let n = n2048();
    let mut acc = vec![0u8];
    for _ in 0..k {
        // acc += n
        let mut out = vec![0u8; n.len() + 1];
        let mut carry = 0u16;
        for i in 0..out.len() {
            let x = acc.iter().rev().nth(i).copied().unwrap_or(0) as u16;
            let y = n.iter().rev().nth(i).copied().unwrap_or(0) as u16;
            let s = x + y + carry;
            let at = out.len() - 1 - i;
            out[at] = s as u8;
            carry = s >> 8;
        }
        while out.len() > 1 && out[0] == 0 {
            out.remove(0);
        }
        acc = out;
    }
    acc
}

type Case = (
    &'static str,
    Box<dyn FnMut(usize, Vec<u8>) -> Vec<u8> + Send>,
    usize,
    A,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_negative_paths_over_sockets() {
    let mut srv = Server::start().await;
    srv.still_serves().await;

    let n = n2048();
    let mut longer = vec![1u8];
    longer.extend_from_slice(&n);
    let mut cases: Vec<Case> = Vec::new();
    for (name, a) in [
        ("A = 0", vec![0u8]),
        ("A = 0 (padded to |N|)", vec![0u8; n.len()]),
        ("A = N", n.clone()),
        ("A = 2N", times_n(2)),
        ("A = 5N", times_n(5)),
        ("A = N+1", be_add_small(&n, 1)),
        ("A = 1", vec![1]),
        ("A = N-1", be_sub_small(&n, 1)),
        ("A longer than N", longer.clone()),
    ] {
        cases.push((
            name,
            Box::new(second_flight(with_a(a))),
            0,
            A::IllegalParameter,
        ));
    }
    cases.push((
        "empty username",
        Box::new(first_flight(srp_ext(vec![0]))),
        0,
        A::DecodeError,
    ));
    cases.push((
        "empty SRP extension",
        Box::new(first_flight(srp_ext(vec![]))),
        0,
        A::DecodeError,
    ));
    cases.push((
        "256-byte username (length byte says 255, one byte more follows)",
        Box::new(first_flight(srp_ext({
            let mut p = vec![255u8];
            p.extend_from_slice(&[b'u'; 256]);
            p
        }))),
        0,
        A::DecodeError,
    ));
    cases.push((
        "truncated SRP extension",
        Box::new(first_flight(srp_ext(vec![5, b'a', b'l']))),
        0,
        A::DecodeError,
    ));
    cases.push((
        "overlong SRP extension",
        Box::new(first_flight(srp_ext(vec![2, b'a', b'l', b'x']))),
        0,
        A::DecodeError,
    ));
    cases.push((
        "missing SRP extension",
        Box::new(first_flight(|m: &mut HandshakeMessagePayload| {
            if let HandshakePayload::ClientHello(ch) = &mut m.payload {
                ch.extensions
                    .retain(|e| !matches!(e, ClientExtension::SrpUsername(_)));
            }
        })),
        0,
        A::UnknownPskIdentity,
    ));
    cases.push((
        "Finished before ClientKeyExchange",
        Box::new(second_flight(|m: &mut HandshakeMessagePayload| {
            if m.typ == HandshakeType::ClientKeyExchange {
                *m = HandshakeMessagePayload::new(HandshakePayload::Finished(vec![0; 12]));
            }
        })),
        0,
        A::UnexpectedMessage,
    ));
    cases.push((
        "early ChangeCipherSpec",
        Box::new(second_flight_records(|recs: &mut Vec<RawRecord>| {
            if let Some(i) = recs.iter().position(|r| r.typ == 20) {
                let ccs = recs.remove(i);
                recs.insert(0, ccs);
            }
        })),
        0,
        A::UnexpectedMessage,
    ));
    cases.push((
        "application data before Finished",
        Box::new(second_flight_records(|recs: &mut Vec<RawRecord>| {
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
        })),
        0,
        A::UnexpectedMessage,
    ));
    cases.push((
        "renegotiation: a second ClientHello instead of the ClientKeyExchange",
        Box::new({
            let mut first = Vec::new();
            move |i: usize, b: Vec<u8>| -> Vec<u8> {
                if i == 0 {
                    first.clone_from(&b);
                    b
                } else {
                    first.clone()
                }
            }
        }),
        0,
        A::UnexpectedMessage,
    ));
    cases.push((
        "oversized record header",
        Box::new(raw_first(vec![22, 3, 3, 0x48, 0x01])),
        0,
        A::RecordOverflow,
    ));
    cases.push((
        "plaintext record of 2^14 + 1 bytes",
        Box::new(raw_first({
            let mut r = vec![22, 3, 3, 0x40, 0x01];
            r.extend_from_slice(&[1, 0, 0x3f, 0xfd]);
            r.resize(5 + 0x4001, 0);
            r
        })),
        0,
        A::RecordOverflow,
    ));
    cases.push((
        "unknown content type",
        Box::new(raw_first(vec![99, 3, 3, 0, 1, 0])),
        0,
        A::UnexpectedMessage,
    ));
    cases.push((
        "plaintext HTTP",
        Box::new(raw_first(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec())),
        0,
        A::UnexpectedMessage,
    ));
    cases.push((
        "record version 2.0",
        Box::new(raw_first(vec![22, 2, 0, 0, 1, 0])),
        0,
        A::ProtocolVersion,
    ));
    cases.push((
        "empty handshake record",
        Box::new(raw_first(vec![22, 3, 3, 0, 0])),
        0,
        A::UnexpectedMessage,
    ));
    cases.push((
        "handshake message announcing 16 MiB",
        Box::new(raw_first(vec![22, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff])),
        0,
        A::DecodeError,
    ));
    cases.push((
        "ServerHelloDone instead of ClientHello",
        Box::new(first_flight(|m: &mut HandshakeMessagePayload| {
            *m = HandshakeMessagePayload::new(HandshakePayload::ServerHelloDone)
        })),
        0,
        A::UnexpectedMessage,
    ));

    for (name, alter, chunk, alert) in cases {
        let seen = attack(srv.addr, client_config(), alter, chunk).await;
        assert!(
            seen.ends_with_alert(alert),
            "{name}: expected alert {alert:?}, server sent {:02x?}",
            &seen.bytes[seen.bytes.len().saturating_sub(16)..]
        );
        assert!(!seen.echoed, "{name}");
        assert!(srv.next_result().await.is_err(), "{name}");
        srv.still_serves().await;
    }

    // Wrong password, unknown user and a 255-byte (unknown) username fail at the client's
    // Finished with bad_record_mac.
    for (name, ccfg) in [
        ("wrong password", ClientConfig::new(USER, "wrong")),
        ("unknown user", ClientConfig::new("mallory", PASSWORD)),
        (
            "255-byte username",
            ClientConfig::new("u".repeat(255), PASSWORD),
        ),
    ] {
        let seen = attack(srv.addr, ccfg, |_, b| b, 0).await;
        assert!(seen.ends_with_alert(A::BadRecordMac), "{name}");
        let err = srv.next_result().await.unwrap_err();
        assert!(
            err.contains("DecryptError") || err.contains("decrypt"),
            "{name}: {err}"
        );
        srv.still_serves().await;
    }

    // Fragmented and coalesced flights are fine: the ClientHello one byte per record, then
    // every flight written one byte at a time.
    let one_byte_records = |i: usize, b: Vec<u8>| -> Vec<u8> {
        if i != 0 {
            return b;
        }
        let mut out = Vec::new();
        for rec in split_records(&b) {
            for byte in rec.payload {
                out.extend_from_slice(&[rec.typ, rec.version[0], rec.version[1], 0, 1, byte]);
            }
        }
        out
    };
    let seen = attack(srv.addr, client_config(), one_byte_records, 0).await;
    assert!(seen.echoed, "ClientHello in one-byte records");
    assert_eq!(srv.next_result().await, Ok(()));
    let seen = attack(srv.addr, client_config(), |_, b| b, 1).await;
    assert!(seen.echoed, "byte-at-a-time writes");
    assert_eq!(srv.next_result().await, Ok(()));
    srv.still_serves().await;
}

/// A fake server: our sans-IO server over a raw socket, each flight it sends passed through
/// `alter`. Returns every byte the client sent.
async fn fake_server(
    listener: TcpListener,
    scfg: tls_srp::ServerConfig,
    alter: impl Fn(Vec<u8>) -> Vec<u8>,
) -> Vec<u8> {
    let (mut sock, _) = listener.accept().await.unwrap();
    let mut s = ServerConnection::new(Arc::new(scfg), None).unwrap();
    let mut got = Vec::new();
    let mut ok = true;
    loop {
        let mut buf = vec![0u8; 65536];
        let n = tokio::time::timeout(LIMIT, sock.read(&mut buf))
            .await
            .expect("client answers or closes")
            .unwrap_or(0);
        if n == 0 {
            return got;
        }
        got.extend_from_slice(&buf[..n]);
        if ok {
            feed(&mut s, &buf[..n]);
            ok = s.process_new_packets().is_ok();
            let out = take_tls(&mut s);
            if !out.is_empty() {
                let _ = sock.write_all(&alter(out)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_bad_b_and_small_group_over_sockets() {
    let n = n2048();
    let set_b = |b: Vec<u8>| {
        move |flight: Vec<u8>| {
            alter_handshake(flight, |m| {
                if let HandshakePayload::ServerKeyExchange(body) = &mut m.payload {
                    let mut skx = SrpServerKeyExchange::read_bytes(body).unwrap();
                    skx.b = b.clone();
                    *body = skx.get_encoding();
                }
            })
        }
    };
    let cases: Vec<(&str, Vec<u8>, Error, A)> = vec![
        (
            "B = 0",
            vec![0],
            PeerMisbehaved::IllegalSrpB.into(),
            A::IllegalParameter,
        ),
        (
            "B = N",
            n.clone(),
            PeerMisbehaved::IllegalSrpB.into(),
            A::IllegalParameter,
        ),
        (
            "B = N+1",
            be_add_small(&n, 1),
            PeerMisbehaved::IllegalSrpB.into(),
            A::IllegalParameter,
        ),
        (
            "B = 2N",
            times_n(2),
            PeerMisbehaved::SrpValueTooLong.into(),
            A::IllegalParameter,
        ),
        (
            "B = 7N",
            times_n(7),
            PeerMisbehaved::SrpValueTooLong.into(),
            A::IllegalParameter,
        ),
        (
            "B longer than N",
            {
                let mut v = vec![1];
                v.extend_from_slice(&n);
                v
            },
            PeerMisbehaved::SrpValueTooLong.into(),
            A::IllegalParameter,
        ),
    ];
    for (name, b, err, alert) in cases {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let fake = tokio::spawn(fake_server(listener, server_config(2048), set_b(b)));
        let tcp = TcpStream::connect(addr).await.unwrap();
        let res = TlsConnector::from(Arc::new(client_config()))
            .connect(Some("localhost"), tcp)
            .await;
        let e = res
            .err()
            .unwrap_or_else(|| panic!("{name}: handshake should fail"));
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{name}");
        assert_eq!(
            e.get_ref().and_then(|x| x.downcast_ref::<Error>()),
            Some(&err),
            "{name}"
        );
        let got = fake.await.unwrap();
        assert!(
            got.ends_with(&alert_record(alert)),
            "{name}: {:02x?}",
            &got[got.len().saturating_sub(8)..]
        );
    }

    // A 1024-bit group is below the client's default minimum (2048).
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let scfg = tls_srp::ServerConfig::new(store_with(USER, PASSWORD, 1024)).unwrap();
    let fake = tokio::spawn(fake_server(listener, scfg, |b| b));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let e = TlsConnector::from(Arc::new(client_config()))
        .connect(Some("localhost"), tcp)
        .await
        .expect_err("small group refused");
    assert!(matches!(
        e.get_ref().and_then(|x| x.downcast_ref::<Error>()),
        Some(Error::PeerIncompatible(
            PeerIncompatible::SrpGroupTooSmall { .. }
        ))
    ));
    let got = fake.await.unwrap();
    assert!(got.ends_with(&alert_record(A::InsufficientSecurity)));
}
