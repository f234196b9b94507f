//! A user store that answers later (`UserStore::lookup_deferred` → `Lookup::Later`, as a
//! database-backed store does on a cache miss): the tokio adapter awaits the lookup, the
//! blocking one blocks on it, and a store that cannot answer fails the login closed with
//! `internal_error`, whoever the user is. The handshake deadline runs during the lookup.
#![cfg(feature = "tokio")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt};

use tls_srp::tokio::{TlsAcceptor, TlsConnector};
use tls_srp::{
    AcceptError, AlertDescription, ClientConfig, Error, FailureReason, Lookup, ServerConfig,
    SrpGroup, UserRecord, UserStore,
};

const USER: &str = "alice";
const PASSWORD: &str = "correct horse battery staple";
const LIMIT: Duration = Duration::from_secs(120);

/// How the store answers.
#[derive(Clone, Copy)]
enum Answer {
    /// The record (for USER) after a delay on a tokio timer.
    Tokio,
    /// The record after a delay on another thread (a runtime-free future: tokio's oneshot).
    Thread,
    /// The store cannot answer.
    Unavailable,
    /// Never.
    Never,
}

struct SlowStore {
    record: UserRecord,
    answer: Answer,
    lookups: AtomicUsize,
}

impl UserStore for SlowStore {
    fn lookup(&self, _: &str) -> Option<UserRecord> {
        panic!("a deferred store is asked through lookup_deferred")
    }

    fn lookup_deferred(&self, username: &str) -> Lookup {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        let record = (username == USER).then(|| self.record.clone());
        Lookup::Later(match self.answer {
            Answer::Tokio => Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(record)
            }),
            Answer::Thread => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(50));
                    let _ = tx.send(record);
                });
                Box::pin(async move { rx.await.map_err(|e| e.to_string()) })
            }
            Answer::Unavailable => {
                Box::pin(async { Err("database at 127.0.0.1:5432 unreachable".to_owned()) })
            }
            Answer::Never => Box::pin(std::future::pending()),
        })
    }
}

fn config(answer: Answer) -> (Arc<ServerConfig>, Arc<SlowStore>) {
    let group = SrpGroup::by_bits(2048).unwrap();
    let store = Arc::new(SlowStore {
        record: UserRecord::new(USER, PASSWORD.as_bytes(), group).unwrap(),
        answer,
        lookups: AtomicUsize::new(0),
    });
    let mut cfg = ServerConfig::new(store.clone()).unwrap();
    cfg.handshake_timeout = Some(Duration::from_secs(3));
    (Arc::new(cfg), store)
}

/// One tokio login over a pipe: (client result, server result).
async fn login(
    cfg: Arc<ServerConfig>,
    user: &str,
    password: &str,
) -> (std::io::Result<()>, std::io::Result<()>) {
    let (c_io, s_io) = duplex(4096);
    let server = tokio::spawn(async move {
        let mut tls = TlsAcceptor::from(cfg).accept(s_io, None).await?;
        let mut b = [0u8; 4];
        tls.read_exact(&mut b).await?;
        tls.write_all(&b).await?;
        tls.shutdown().await
    });
    let client = async {
        let mut tls = TlsConnector::from(Arc::new(ClientConfig::new(user, password)))
            .connect(None, c_io)
            .await?;
        tls.write_all(b"ping").await?;
        let mut back = Vec::new();
        tls.read_to_end(&mut back).await?;
        assert_eq!(back, b"ping");
        Ok(())
    };
    let c = tokio::time::timeout(LIMIT, client).await.unwrap();
    let s = tokio::time::timeout(LIMIT, server).await.unwrap().unwrap();
    (c, s)
}

fn accept_error(e: &std::io::Error) -> &AcceptError {
    e.get_ref()
        .and_then(|x| x.downcast_ref::<AcceptError>())
        .unwrap_or_else(|| panic!("no AcceptError in {e:?}"))
}

#[tokio::test]
async fn tokio_awaits_the_lookup() {
    for answer in [Answer::Tokio, Answer::Thread] {
        let (cfg, store) = config(answer);
        let (c, s) = login(cfg.clone(), USER, PASSWORD).await;
        c.unwrap();
        s.unwrap();
        // A wrong password and an unknown user fail alike, after their lookups.
        for (user, pw) in [(USER, "wrong password"), ("mallory", PASSWORD)] {
            let (c, s) = login(cfg.clone(), user, pw).await;
            assert_eq!(
                Error::from_io(&c.unwrap_err()),
                Some(&Error::AlertReceived(AlertDescription::BadRecordMac))
            );
            let s = s.unwrap_err();
            assert_eq!(accept_error(&s).reason(), FailureReason::BadCredentials);
        }
        assert_eq!(store.lookups.load(Ordering::SeqCst), 3);
    }
}

#[tokio::test]
async fn a_store_that_cannot_answer_fails_closed_with_internal_error() {
    let (cfg, _) = config(Answer::Unavailable);
    for user in [USER, "mallory"] {
        let (c, s) = login(cfg.clone(), user, PASSWORD).await;
        assert_eq!(
            Error::from_io(&c.unwrap_err()),
            Some(&Error::AlertReceived(AlertDescription::InternalError)),
            "{user}"
        );
        let s = s.unwrap_err();
        let a = accept_error(&s);
        assert_eq!(a.reason(), FailureReason::ServerError, "{a}");
        assert!(
            matches!(a.tls_error(), Some(Error::UserStoreUnavailable(w)) if w.contains("unreachable")),
            "{a}"
        );
        assert!(!a.is_auth_failure(), "no guess was tested");
    }
}

#[tokio::test]
async fn the_handshake_deadline_runs_during_the_lookup() {
    let (cfg, _) = config(Answer::Never);
    let start = std::time::Instant::now();
    let (_c, s) = login(cfg, USER, PASSWORD).await;
    let s = s.unwrap_err();
    assert_eq!(s.kind(), std::io::ErrorKind::TimedOut, "{s}");
    assert!(start.elapsed() < Duration::from_secs(30));
}

/// The blocking adapter blocks on the lookup (woken from another thread), and fails closed
/// the same way.
#[test]
fn blocking_waits_for_the_lookup() {
    for (answer, ok) in [(Answer::Thread, true), (Answer::Unavailable, false)] {
        let (cfg, _) = config(answer);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (sock, _) = listener.accept().unwrap();
            let acceptor = tls_srp::stream::Acceptor::new(cfg);
            acceptor.accept(sock).map(|mut tls| {
                use std::io::{Read, Write};
                let mut b = [0u8; 4];
                tls.read_exact(&mut b).unwrap();
                tls.write_all(&b).unwrap();
                tls.conn.send_close_notify();
                tls.flush().unwrap();
            })
        });
        let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        sock.set_read_timeout(Some(LIMIT)).unwrap();
        let conn =
            tls_srp::ClientConnection::new(Arc::new(ClientConfig::new(USER, PASSWORD)), None)
                .unwrap();
        let mut tls = tls_srp::stream::StreamOwned::new(conn, sock);
        use std::io::{Read, Write};
        let client = tls.write_all(b"ping").and_then(|()| {
            let mut b = [0u8; 4];
            tls.read_exact(&mut b).map(|()| b)
        });
        let served = server.join().unwrap();
        match ok {
            true => {
                assert_eq!(&client.unwrap(), b"ping");
                served.unwrap();
            }
            false => {
                assert_eq!(
                    Error::from_io(&client.unwrap_err()),
                    Some(&Error::AlertReceived(AlertDescription::InternalError))
                );
                let e = served.unwrap_err();
                assert!(
                    matches!(
                        accept_error(&e).tls_error(),
                        Some(Error::UserStoreUnavailable(_))
                    ),
                    "{e}"
                );
            }
        }
    }
}
