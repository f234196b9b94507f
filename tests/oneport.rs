//! One port for TLS-SRP and certificate clients, over 127.0.0.1: rustls's own client (TLS
//! 1.3 and 1.2) and our SRP client (plain SRP and SRP-RSA) against one listener, with the
//! tokio and the blocking acceptor; each side reports who it got. Then what must not get
//! through: a slow client is dropped at the ClientHello deadline; a ClientHello with SRP
//! suites but no SRP extension goes to rustls (which refuses it: no suite in common).

#[path = "common/certs.rs"]
mod certs;
mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use tls_srp::cert::{certified_key_from_pem_files, ServerAuth};
use tls_srp::oneport::Peer;
use tls_srp::tokio::{OnePortAcceptor, TlsConnector};
use tls_srp::{AcceptError, CipherSuite, ClientConfig, FailureReason};

const LIMIT: Duration = Duration::from_secs(30);

fn rustls_server_config() -> Arc<rustls::ServerConfig> {
    let c = certs::certs();
    let key = tls_srp::cert::certified_key_from_pem_files(&c.chain, &c.key).unwrap();
    let mut cfg = tls_srp::cert::rustls_server_config(key).unwrap();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(cfg)
}

/// The server identity of the TLS 1.3 PAKE users.
const SID: &str = "oneport.example";

fn srp_server_config() -> Arc<tls_srp::ServerConfig> {
    let c = certs::certs();
    // The SRP user, and the same user registered for TLS 1.3 PAKE.
    let store = store_with(USER, PASSWORD, 2048);
    store.add_pake_user(USER, PASSWORD.as_bytes(), SID.as_bytes());
    let mut cfg = tls_srp::ServerConfig::new(store).unwrap();
    cfg.certificate = Some(certified_key_from_pem_files(&c.chain, &c.key).unwrap());
    cfg.pake = Some(tls_srp::PakeServerParams::new(SID));
    Arc::new(cfg)
}

fn rustls_client(tls12_only: bool) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&certs::certs().ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider);
    let builder = match tls12_only {
        true => builder.with_protocol_versions(&[&rustls::version::TLS12]),
        false => builder.with_safe_default_protocol_versions(),
    };
    let cfg = builder
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(cfg))
}

/// A one-port server that answers every connection with a line naming who it got.
async fn start() -> (
    SocketAddr,
    tokio::sync::mpsc::UnboundedReceiver<std::io::Result<Peer>>,
) {
    let acceptor = OnePortAcceptor::new(srp_server_config(), rustls_server_config());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, peer)) = listener.accept().await {
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                let res = async {
                    let mut tls = acceptor.accept(tcp, Some(peer.ip())).await?;
                    let who = tls.peer();
                    let line = match &who {
                        Peer::Srp { username } => format!("srp {username}\n"),
                        Peer::Certificate {
                            protocol_version: Some(v),
                            ..
                        } => format!("certificate {v:?}\n"),
                        Peer::Certificate { .. } => "certificate ?\n".to_owned(),
                    };
                    tls.write_all(line.as_bytes()).await?;
                    tls.shutdown().await?;
                    Ok(who)
                }
                .await;
                let _ = tx.send(res);
            });
        }
    });
    (addr, rx)
}

async fn next(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<std::io::Result<Peer>>,
) -> std::io::Result<Peer> {
    tokio::time::timeout(LIMIT, rx.recv())
        .await
        .unwrap()
        .unwrap()
}

async fn read_line(mut r: impl tokio::io::AsyncRead + Unpin) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(LIMIT, r.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srp_and_certificate_clients_on_one_listener() {
    let (addr, mut rx) = start().await;

    // rustls's own client, TLS 1.3 and TLS 1.2.
    for (tls12, want) in [(false, "TLSv1_3"), (true, "TLSv1_2")] {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let tls = rustls_client(tls12).connect(name, tcp).await.unwrap();
        assert_eq!(read_line(tls).await, format!("certificate {want}\n"));
        match next(&mut rx).await.unwrap() {
            Peer::Certificate {
                server_name,
                protocol_version,
                ..
            } => {
                assert_eq!(server_name.as_deref(), Some("localhost"));
                assert_eq!(format!("{:?}", protocol_version.unwrap()), want);
            }
            other => panic!("{other:?}"),
        }
    }

    // Our SRP client: plain SRP, and SRP-RSA with the certificate checked.
    for (check_cert, suite) in [
        (false, CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA),
        (true, CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA),
    ] {
        let mut ccfg = ClientConfig::new(USER, PASSWORD);
        if check_cert {
            ccfg.server_auth = Some(Arc::new(
                ServerAuth::with_root_file(&certs::certs().ca).unwrap(),
            ));
        }
        let tcp = TcpStream::connect(addr).await.unwrap();
        let tls = TlsConnector::from(Arc::new(ccfg))
            .connect(Some("localhost"), tcp)
            .await
            .unwrap();
        assert_eq!(tls.get_ref().1.negotiated_cipher_suite(), Some(suite));
        assert_eq!(read_line(tls).await, format!("srp {USER}\n"));
        assert_eq!(
            next(&mut rx).await.unwrap(),
            Peer::Srp {
                username: USER.into()
            }
        );
    }

    // Our TLS 1.3 PAKE client on the same port (the ClientHello decides).
    let tcp = TcpStream::connect(addr).await.unwrap();
    let tls = TlsConnector::from(Arc::new(ClientConfig::pake(USER, PASSWORD, SID)))
        .connect(Some("localhost"), tcp)
        .await
        .unwrap();
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(tls_srp::ProtocolVersion::TLSv1_3)
    );
    assert!(tls.get_ref().1.is_pake());
    assert_eq!(read_line(tls).await, format!("srp {USER}\n"));
    assert_eq!(
        next(&mut rx).await.unwrap(),
        Peer::Srp {
            username: USER.into()
        }
    );
    // A wrong PAKE password fails on the client, at the server's confirmation.
    let tcp = TcpStream::connect(addr).await.unwrap();
    let err = TlsConnector::from(Arc::new(ClientConfig::pake(USER, "wrong", SID)))
        .connect(Some("localhost"), tcp)
        .await
        .unwrap_err();
    assert_eq!(
        tls_srp::Error::from_io(&err),
        Some(&tls_srp::Error::PakeConfirmationMismatch)
    );
    assert!(next(&mut rx).await.is_err());

    // A wrong password is refused by the SRP side, as anywhere.
    let tcp = TcpStream::connect(addr).await.unwrap();
    let err = TlsConnector::from(Arc::new(ClientConfig::new(USER, "wrong")))
        .connect(Some("localhost"), tcp)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("BadRecordMac"), "{err}");
    let e = next(&mut rx).await.unwrap_err();
    assert!(e.to_string().contains("bad_record_mac"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_routing_read_is_bounded() {
    let mut srp = (*srp_server_config()).clone();
    srp.client_hello_timeout = Some(Duration::from_millis(300));
    let acceptor = OnePortAcceptor::new(Arc::new(srp), rustls_server_config());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    silent.write_all(&[22, 3, 1]).await.unwrap();
    let (tcp, peer) = listener.accept().await.unwrap();
    let err = tokio::time::timeout(LIMIT, acceptor.accept(tcp, Some(peer.ip())))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
    // Who it was is not known yet: not a certificate client, and no username.
    let a = accept_error(&err);
    assert!(!a.is_certificate_client() && a.username().is_none(), "{a}");
    assert_eq!(a.reason(), FailureReason::Timeout);

    // SRP suites without the SRP extension are not SRP: rustls answers (and refuses such a
    // client, with a fatal alert).
    let mut c =
        tls_srp::ClientConnection::new(Arc::new(ClientConfig::new(USER, PASSWORD)), None).unwrap();
    let hello = alter_handshake(take_tls(&mut c), |m| {
        if let tls_srp::internal::msgs::handshake::HandshakePayload::ClientHello(ch) =
            &mut m.payload
        {
            ch.extensions.retain(|e| {
                !matches!(
                    e,
                    tls_srp::internal::msgs::handshake::ClientExtension::SrpUsername(_)
                )
            });
        }
    });
    let mut sock = TcpStream::connect(addr).await.unwrap();
    sock.write_all(&hello).await.unwrap();
    let (tcp, peer) = listener.accept().await.unwrap();
    let err = tokio::time::timeout(LIMIT, acceptor.accept(tcp, Some(peer.ip())))
        .await
        .unwrap()
        .unwrap_err();
    let a = accept_error(&err);
    assert!(a.is_certificate_client(), "{a}");
    assert_eq!(a.reason(), FailureReason::Incompatible, "{a}");
    let rustls_err = a
        .io_error()
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    assert!(
        matches!(rustls_err, Some(rustls::Error::PeerIncompatible(_))),
        "rustls's error: {err:?}"
    );
    let mut got = Vec::new();
    let _ = tokio::time::timeout(LIMIT, sock.read_to_end(&mut got)).await;
    // A fatal alert record from rustls.
    assert_eq!(got.get(..2), Some(&[21u8, 3][..]), "{got:?}");
    assert_eq!(got.get(5), Some(&2), "{got:?}");
}

/// The `AcceptError` every one-port failure carries.
fn accept_error(e: &std::io::Error) -> &AcceptError {
    e.get_ref()
        .and_then(|x| x.downcast_ref::<AcceptError>())
        .unwrap_or_else(|| panic!("no AcceptError in {e:?}"))
}

/// Blocking: bytes that are not TLS go to rustls, whose alert the client gets; the error
/// says it was a certificate client and malformed. A client that leaves before its
/// ClientHello is complete is no certificate client.
#[test]
fn blocking_acceptor_reports_who_failed() {
    let acceptor =
        tls_srp::oneport::OnePortAcceptor::new(srp_server_config(), rustls_server_config());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        (0..2)
            .map(|_| acceptor.accept(listener.accept().unwrap().0).unwrap_err())
            .collect::<Vec<_>>()
    });
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(LIMIT)).unwrap();
    sock.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut got = Vec::new();
    let _ = sock.read_to_end(&mut got);
    assert_eq!(
        got.get(..2),
        Some(&[21u8, 3][..]),
        "an alert record: {got:?}"
    );
    let mut early = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    early.write_all(&[22, 3, 1, 0]).unwrap();
    drop(early);
    let errs = server.join().unwrap();
    let a = accept_error(&errs[0]);
    assert!(a.is_certificate_client(), "{a}");
    assert_eq!(a.reason(), FailureReason::Malformed, "{a}");
    let a = accept_error(&errs[1]);
    assert!(!a.is_certificate_client(), "{a}");
    assert_eq!(a.reason(), FailureReason::Aborted, "{a}");
}

#[test]
fn blocking_acceptor_serves_both_kinds() {
    let acceptor =
        tls_srp::oneport::OnePortAcceptor::new(srp_server_config(), rustls_server_config());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..2 {
            let (sock, _) = listener.accept().unwrap();
            let mut tls = acceptor.accept(sock).unwrap();
            let mut b = [0u8; 4];
            tls.read_exact(&mut b).unwrap();
            tls.write_all(&b).unwrap();
            tls.send_close_notify();
            tls.flush().unwrap();
            seen.push(tls.peer());
        }
        seen
    });
    // Our SRP client over the blocking stream.
    let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let conn = tls_srp::ClientConnection::new(
        Arc::new(ClientConfig::new(USER, PASSWORD)),
        Some("localhost"),
    )
    .unwrap();
    let mut tls = tls_srp::stream::StreamOwned::new(conn, sock);
    tls.write_all(b"ping").unwrap();
    let mut b = [0u8; 4];
    tls.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"ping");
    // rustls's client, blocking.
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&certs::certs().ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let conn =
        rustls::ClientConnection::new(Arc::new(cfg), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(b"pong").unwrap();
    tls.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"pong");
    let seen = server.join().unwrap();
    assert_eq!(
        seen[0],
        Peer::Srp {
            username: USER.into()
        }
    );
    assert!(matches!(seen[1], Peer::Certificate { .. }), "{:?}", seen[1]);
}
