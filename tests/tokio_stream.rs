//! The tokio adapters over in-memory pipes (`tokio::io::duplex`, down to 2-byte buffers so
//! that every read and write is partial), over TCP, and over mock transports that return
//! `Pending` or EOF at awkward moments. Every test is bounded by a timeout.
#![cfg(feature = "tokio")]

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{
    duplex, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream, ReadBuf,
};
use tokio::net::{TcpListener, TcpStream};

use tls_srp::tokio::{LazyAcceptor, TlsAcceptor, TlsConnector};
use tls_srp::{
    AlertDescription, ClientConfig, Decision, Error, InMemoryUserStore, RateLimitConfig,
    RateLimiter, ServerConfig, SrpGroup, UserRecord,
};

const USER: &str = "alice";
const PASSWORD: &str = "correct horse battery staple";
const SNI: &str = "srp.example.com";
/// Generous: handshakes do 2048-bit exponentiations, possibly in an unoptimized build on a
/// busy machine. Only there so that a bug fails the test instead of hanging it.
const LIMIT: Duration = Duration::from_secs(120);
const MIB: usize = 1024 * 1024;

fn group() -> &'static SrpGroup {
    SrpGroup::by_bits(2048).expect("the RFC 5054 2048-bit group")
}

fn server_config() -> Arc<ServerConfig> {
    let store = InMemoryUserStore::new();
    store
        .add_user(USER, PASSWORD.as_bytes(), group())
        .expect("add user");
    Arc::new(ServerConfig::new(Arc::new(store)).expect("server config"))
}

fn lookup_config() -> Arc<ServerConfig> {
    Arc::new(ServerConfig::with_async_lookup().expect("server config"))
}

fn connector(password: &str) -> TlsConnector {
    TlsConnector::from(Arc::new(ClientConfig::new(USER, password)))
}

fn acceptor() -> TlsAcceptor {
    TlsAcceptor::from(server_config())
}

async fn limit<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("test timed out")
}

/// The `tls_srp::Error` inside an `io::Error`, if any.
fn tls_error(e: &io::Error) -> Option<&Error> {
    Error::from_io(e)
}

/// `len` bytes that differ per direction (`seed`) and per position, so that a lost,
/// duplicated or reordered chunk cannot go unnoticed.
fn pattern(seed: u8, len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9 ^ u32::from(seed);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// Sends `send` on `stream` and then close_notify, while reading everything the peer sends
/// up to its close_notify. Returns what was read.
async fn exchange<S: AsyncRead + AsyncWrite>(stream: S, send: Vec<u8>) -> io::Result<Vec<u8>> {
    let (mut rd, mut wr) = tokio::io::split(stream);
    let writer = async move {
        // Odd-sized chunks, so that writes and records do not line up.
        for chunk in send.chunks(7919) {
            wr.write_all(chunk).await?;
        }
        wr.flush().await?;
        wr.shutdown().await?; // close_notify
        Ok::<_, io::Error>(())
    };
    let reader = async move {
        let mut got = Vec::new();
        rd.read_to_end(&mut got).await?; // ends at the peer's close_notify
        Ok::<_, io::Error>(got)
    };
    let (w, r) = tokio::join!(writer, reader);
    w?;
    r
}

/// A full handshake and 1 MiB each way over `duplex(buf)`, checked byte for byte.
async fn megabyte_each_way_over_duplex(buf: usize) {
    let (c_io, s_io) = duplex(buf);
    let to_server = pattern(1, MIB);
    let to_client = pattern(2, MIB);

    let server = {
        let to_client = to_client.clone();
        tokio::spawn(async move {
            let tls = acceptor()
                .accept(s_io, None)
                .await
                .expect("server handshake");
            assert_eq!(tls.get_ref().1.username(), Some(USER));
            assert!(!tls.get_ref().1.is_handshaking());
            exchange(tls, to_client).await.expect("server exchange")
        })
    };
    let client = async {
        let tls = connector(PASSWORD)
            .connect(Some(SNI), c_io)
            .await
            .expect("client handshake");
        assert!(!tls.get_ref().1.is_handshaking());
        exchange(tls, to_server.clone())
            .await
            .expect("client exchange")
    };

    let (client_got, server_got) = limit(async { tokio::join!(client, server) }).await;
    let server_got = server_got.expect("server task");
    assert!(
        client_got == to_client,
        "client received {} bytes, not the server's MiB",
        client_got.len()
    );
    assert!(
        server_got == to_server,
        "server received {} bytes, not the client's MiB",
        server_got.len()
    );
}

#[tokio::test]
async fn megabyte_each_way_duplex_2() {
    megabyte_each_way_over_duplex(2).await;
}

#[tokio::test]
async fn megabyte_each_way_duplex_64() {
    megabyte_each_way_over_duplex(64).await;
}

#[tokio::test]
async fn echo_over_tcp() {
    limit(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut tls = acceptor()
                .accept(tcp, None)
                .await
                .expect("server handshake");
            assert_eq!(tls.get_ref().1.username(), Some(USER));
            assert_eq!(tls.get_ref().1.server_name(), Some(SNI));
            let mut buf = vec![0u8; 10_000];
            loop {
                let n = tls.read(&mut buf).await.expect("server read");
                if n == 0 {
                    break; // close_notify
                }
                tls.write_all(&buf[..n]).await.expect("server write");
                tls.flush().await.expect("server flush");
            }
            tls.shutdown().await.expect("server close_notify");
        });

        let tcp = TcpStream::connect(addr).await.unwrap();
        let mut tls = connector(PASSWORD)
            .connect(Some(SNI), tcp)
            .await
            .expect("client handshake");
        for (i, len) in [1usize, 100, 16_384, 16_385, 70_000]
            .into_iter()
            .enumerate()
        {
            let msg = pattern(i as u8, len);
            tls.write_all(&msg).await.unwrap();
            tls.flush().await.unwrap();
            let mut back = vec![0u8; len];
            tls.read_exact(&mut back).await.unwrap();
            assert!(back == msg, "echo of {len} bytes differs");
        }
        tls.shutdown().await.unwrap();
        let mut rest = Vec::new();
        assert_eq!(tls.read_to_end(&mut rest).await.expect("clean close"), 0);
        server.await.expect("server task");
    })
    .await;
}

#[tokio::test]
async fn close_notify_is_seen_as_end_of_stream() {
    limit(async {
        let (c_io, s_io) = duplex(64);
        let server = tokio::spawn(async move {
            let mut tls = acceptor()
                .accept(s_io, None)
                .await
                .expect("server handshake");
            let mut got = Vec::new();
            // Ok, not UnexpectedEof: the client said close_notify.
            tls.read_to_end(&mut got)
                .await
                .expect("read to close_notify");
            // Reading again after close_notify still says end of stream.
            assert_eq!(tls.read(&mut [0u8; 8]).await.expect("read after close"), 0);
            got
        });
        let mut tls = connector(PASSWORD)
            .connect(None, c_io)
            .await
            .expect("client handshake");
        tls.write_all(b"last words").await.unwrap();
        tls.shutdown().await.expect("shutdown");
        // A second shutdown does not send a second close_notify (nor fail).
        tls.shutdown().await.expect("second shutdown");
        assert_eq!(server.await.unwrap(), b"last words");
    })
    .await;
}

#[tokio::test]
async fn transport_closed_without_close_notify_is_unexpected_eof() {
    limit(async {
        let (c_io, s_io) = duplex(64);
        let server = tokio::spawn(async move {
            let mut tls = acceptor()
                .accept(s_io, None)
                .await
                .expect("server handshake");
            let mut got = Vec::new();
            let err = tls
                .read_to_end(&mut got)
                .await
                .expect_err("truncation must not look like a clean close");
            (got, err.kind())
        });
        let mut tls = connector(PASSWORD)
            .connect(None, c_io)
            .await
            .expect("client handshake");
        tls.write_all(b"cut short").await.unwrap();
        tls.flush().await.unwrap();
        // Shut the transport down under TLS: no close_notify.
        let (mut io, _conn) = tls.into_inner();
        io.shutdown().await.unwrap();
        let (got, kind) = server.await.unwrap();
        assert_eq!(got, b"cut short");
        assert_eq!(kind, io::ErrorKind::UnexpectedEof);
    })
    .await;
}

async fn wrong_password(buf: usize) {
    let (c_io, s_io) = duplex(buf);
    let (client, server) = limit(async {
        tokio::join!(
            connector("not the password").connect(Some(SNI), c_io),
            acceptor().accept(s_io, None)
        )
    })
    .await;

    let err = client.expect_err("client handshake must fail");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(
        tls_error(&err),
        Some(&Error::AlertReceived(AlertDescription::BadRecordMac)),
        "{err}"
    );

    let err = server.expect_err("server handshake must fail");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(tls_error(&err), Some(&Error::DecryptError), "{err}");
}

#[tokio::test]
async fn wrong_password_fails_both_sides_duplex_64() {
    wrong_password(64).await;
}

#[tokio::test]
async fn wrong_password_alert_gets_through_duplex_2() {
    // The 7-byte alert needs several writes: it must still arrive whole.
    wrong_password(2).await;
}

#[tokio::test]
async fn lazy_acceptor_supplies_user_asynchronously() {
    limit(async {
        let (c_io, s_io) = duplex(64);
        let server = tokio::spawn(async move {
            let start = LazyAcceptor::new(lookup_config(), s_io, None)
                .await
                .expect("ClientHello");
            assert_eq!(start.username(), USER);
            assert_eq!(start.server_name(), Some(SNI));
            // A slow database.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let record = UserRecord::new(USER, PASSWORD.as_bytes(), group()).expect("record");
            let mut tls = start
                .into_stream(Some(record))
                .await
                .expect("server handshake");
            assert_eq!(tls.get_ref().1.username(), Some(USER));
            let mut buf = [0u8; 4];
            tls.read_exact(&mut buf).await.unwrap();
            tls.write_all(&buf).await.unwrap();
            tls.shutdown().await.unwrap();
        });
        let mut tls = connector(PASSWORD)
            .connect(Some(SNI), c_io)
            .await
            .expect("client handshake");
        tls.write_all(b"ping").await.unwrap();
        let mut back = Vec::new();
        tls.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, b"ping");
        server.await.unwrap();
    })
    .await;
}

/// The rate limiter applies after an application's lookup too: its delay is waited out with
/// a timer (the first flight never comes before it), and a locked-out user fails at the
/// Finished like a wrong password, with `LockedOut` on the server side.
#[tokio::test]
async fn lazy_acceptor_applies_the_rate_limiter() {
    let limiter = Arc::new(RateLimiter::new(RateLimitConfig {
        user_free_failures: 0,
        user_lockout_failures: 2,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_millis(200),
        ..RateLimitConfig::default()
    }));
    let mut cfg = ServerConfig::with_async_lookup().expect("server config");
    cfg.rate_limiter = Some(limiter.clone());
    let cfg = Arc::new(cfg);
    let peer = Some(std::net::IpAddr::from([192, 0, 2, 9]));
    for (attempt, decision) in [
        Decision::Allow,
        Decision::Delay(Duration::from_millis(200)),
        Decision::Fail(Duration::from_millis(200)),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(
            limiter.check(Some(USER), peer),
            decision,
            "attempt {attempt}"
        );
        let password = if attempt < 2 { "wrong" } else { PASSWORD };
        let (c_io, s_io) = duplex(4096);
        let cfg = cfg.clone();
        let server = tokio::spawn(async move {
            let start = LazyAcceptor::new(cfg, s_io, peer)
                .await
                .expect("ClientHello");
            let record = UserRecord::new(USER, PASSWORD.as_bytes(), group()).expect("record");
            start.into_stream(Some(record)).await
        });
        let started = std::time::Instant::now();
        let client = limit(connector(password).connect(Some(SNI), c_io)).await;
        let elapsed = started.elapsed();
        assert!(
            elapsed >= decision.delay(),
            "attempt {attempt}: {elapsed:?}"
        );
        assert_eq!(
            client.err().as_ref().and_then(tls_error),
            Some(&Error::AlertReceived(AlertDescription::BadRecordMac)),
            "attempt {attempt}"
        );
        let server_err = limit(server)
            .await
            .unwrap()
            .expect_err("the server fails it");
        let want = if attempt < 2 {
            Error::DecryptError
        } else {
            Error::LockedOut
        };
        assert_eq!(tls_error(&server_err), Some(&want), "attempt {attempt}");
    }
}

#[tokio::test]
async fn lazy_acceptor_unknown_user_fails_at_finished() {
    let (c_io, s_io) = duplex(64);
    let server = async move {
        let start = LazyAcceptor::new(lookup_config(), s_io, None)
            .await
            .expect("ClientHello");
        assert_eq!(start.username(), USER);
        tokio::time::sleep(Duration::from_millis(10)).await;
        start.into_stream(None).await
    };
    let (client, server) =
        limit(async { tokio::join!(connector(PASSWORD).connect(Some(SNI), c_io), server) }).await;

    // Simulated user (RFC 5054 2.5.1.3): indistinguishable from a wrong password.
    let err = client.expect_err("client handshake must fail");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(
        tls_error(&err),
        Some(&Error::AlertReceived(AlertDescription::BadRecordMac)),
        "{err}"
    );
    let err = server.expect_err("server handshake must fail");
    assert_eq!(tls_error(&err), Some(&Error::DecryptError), "{err}");
    // The accept error says who tried, and that it was refused credentials.
    let who = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<tls_srp::AcceptError>())
        .expect("an AcceptError");
    assert_eq!(who.username(), Some(USER));
    assert_eq!(who.reason(), tls_srp::FailureReason::BadCredentials);
    assert!(who.is_auth_failure() && tls_error(&err).unwrap().is_auth_failure());
}

#[tokio::test]
async fn lazy_acceptor_refuses_config_with_store() {
    let (_c_io, s_io) = duplex(64);
    let mut lazy = LazyAcceptor::new(server_config(), s_io, None);
    let err = limit(&mut lazy).await.expect_err("must refuse");
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(
        matches!(tls_error(&err), Some(Error::ApiMisuse(_))),
        "{err}"
    );
    // The transport is still there for the application.
    assert!(lazy.take_io().is_some());
    assert!(lazy.take_io().is_none());
}

#[tokio::test]
async fn acceptor_without_store_fails_instead_of_hanging() {
    let (c_io, s_io) = duplex(64);
    let server = async move {
        let res = TlsAcceptor::from(lookup_config()).accept(s_io, None).await;
        // Dropping the transport lets the client see the end.
        res.expect_err("accept must fail")
    };
    let (client, server_err) =
        limit(async { tokio::join!(connector(PASSWORD).connect(None, c_io), server) }).await;
    assert!(
        matches!(tls_error(&server_err), Some(Error::ApiMisuse(_))),
        "{server_err}"
    );
    assert_eq!(
        client.expect_err("client must fail").kind(),
        io::ErrorKind::UnexpectedEof
    );
}

#[tokio::test]
async fn handshake_can_be_bounded_by_a_timeout() {
    // A client that connects and says nothing.
    let (_silent, s_io) = duplex(64);
    let res = tokio::time::timeout(Duration::from_millis(100), acceptor().accept(s_io, None)).await;
    assert!(res.is_err(), "the accept must still be waiting");
    let (_silent, s_io) = duplex(64);
    let res = tokio::time::timeout(
        Duration::from_millis(100),
        LazyAcceptor::new(lookup_config(), s_io, None),
    )
    .await;
    assert!(res.is_err(), "the lazy accept must still be waiting");
}

/// A transport that misbehaves on purpose: every other call returns `Pending` (after
/// waking the task, as a real transport would once ready), reads and writes move at most
/// `chunk` bytes, flushes are pending first too, and reads end (EOF) after `read_limit` bytes.
struct Awkward {
    inner: DuplexStream,
    chunk: usize,
    read_limit: usize,
    read_total: usize,
    tick: u32,
}

impl Awkward {
    fn new(inner: DuplexStream, chunk: usize, read_limit: usize) -> Self {
        Self {
            inner,
            chunk,
            read_limit,
            read_total: 0,
            tick: 0,
        }
    }

    /// `true` on every other call: pretend not to be ready.
    fn stall(&mut self, cx: &mut Context<'_>) -> bool {
        self.tick = self.tick.wrapping_add(1);
        if self.tick % 2 == 1 {
            cx.waker().wake_by_ref();
            true
        } else {
            false
        }
    }
}

impl AsyncRead for Awkward {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.stall(cx) {
            return Poll::Pending;
        }
        let allowed = this
            .read_limit
            .saturating_sub(this.read_total)
            .min(this.chunk)
            .min(buf.remaining());
        if allowed == 0 {
            return Poll::Ready(Ok(())); // EOF
        }
        let mut small = ReadBuf::new(buf.initialize_unfilled_to(allowed));
        match Pin::new(&mut this.inner).poll_read(cx, &mut small) {
            Poll::Ready(Ok(())) => {
                let n = small.filled().len();
                buf.advance(n);
                this.read_total += n;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl AsyncWrite for Awkward {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.stall(cx) {
            return Poll::Pending;
        }
        let n = buf.len().min(this.chunk);
        Pin::new(&mut this.inner).poll_write(cx, &buf[..n])
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.stall(cx) {
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.stall(cx) {
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[tokio::test]
async fn pending_everywhere_still_completes() {
    limit(async {
        let (c_io, s_io) = duplex(1024);
        let c_io = Awkward::new(c_io, 3, usize::MAX);
        let s_io = Awkward::new(s_io, 5, usize::MAX);
        let to_server = pattern(3, 100_000);
        let to_client = pattern(4, 100_000);
        let server = {
            let to_client = to_client.clone();
            tokio::spawn(async move {
                let tls = acceptor()
                    .accept(s_io, None)
                    .await
                    .expect("server handshake");
                exchange(tls, to_client).await.expect("server exchange")
            })
        };
        let tls = connector(PASSWORD)
            .connect(None, c_io)
            .await
            .expect("client handshake");
        let got = exchange(tls, to_server.clone())
            .await
            .expect("client exchange");
        assert!(got == to_client);
        assert!(server.await.unwrap() == to_server);
    })
    .await;
}

#[tokio::test]
async fn lazy_acceptor_with_pending_transport() {
    limit(async {
        let (c_io, s_io) = duplex(1024);
        let s_io = Awkward::new(s_io, 1, usize::MAX);
        let server = tokio::spawn(async move {
            let start = LazyAcceptor::new(lookup_config(), s_io, None)
                .await
                .expect("ClientHello");
            let record =
                UserRecord::new(start.username(), PASSWORD.as_bytes(), group()).expect("record");
            let mut tls = start
                .into_stream(Some(record))
                .await
                .expect("server handshake");
            tls.write_all(b"welcome").await.unwrap();
            tls.shutdown().await.unwrap();
        });
        let mut tls = connector(PASSWORD)
            .connect(None, c_io)
            .await
            .expect("client handshake");
        let mut got = Vec::new();
        tls.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"welcome");
        server.await.unwrap();
    })
    .await;
}

/// The server's first flight with a 2048-bit group is several hundred bytes: cutting it
/// anywhere must end the client's handshake with an error, not a hang.
#[tokio::test]
async fn eof_mid_handshake_is_an_error_client_side() {
    for cut in [0usize, 1, 4, 5, 6, 60, 300, 500] {
        let (c_io, s_io) = duplex(4096);
        let c_io = Awkward::new(c_io, 7, cut);
        let server = tokio::spawn(async move {
            // The server may or may not finish; only the client is under test.
            let _ = acceptor().accept(s_io, None).await;
        });
        let res = limit(connector(PASSWORD).connect(None, c_io).into_fallible()).await;
        let (err, io) = res
            .err()
            .unwrap_or_else(|| panic!("cut at {cut}: handshake must fail"));
        assert_eq!(
            err.kind(),
            io::ErrorKind::UnexpectedEof,
            "cut at {cut}: {err}"
        );
        // The transport comes back, having read exactly up to the cut.
        assert_eq!(
            io.expect("transport given back").read_total,
            cut,
            "cut at {cut}"
        );
        server.abort();
    }
}

#[tokio::test]
async fn eof_mid_client_hello_is_an_error_server_side() {
    // The start of a handshake record announcing 80 bytes, then the client goes away.
    let partial: &[u8] = &[0x16, 0x03, 0x01, 0x00, 0x50, 0x01, 0x00, 0x00];
    for cut in [0, 1, 5, partial.len()] {
        for lazy in [false, true] {
            let (mut c_io, s_io) = duplex(64);
            c_io.write_all(&partial[..cut]).await.unwrap();
            drop(c_io);
            let err = if lazy {
                limit(LazyAcceptor::new(lookup_config(), s_io, None))
                    .await
                    .expect_err("must fail")
            } else {
                limit(acceptor().accept(s_io, None))
                    .await
                    .expect_err("must fail")
            };
            assert_eq!(
                err.kind(),
                io::ErrorKind::UnexpectedEof,
                "cut at {cut}, lazy {lazy}: {err}"
            );
        }
    }
}

#[tokio::test]
async fn garbage_instead_of_client_hello_sends_an_alert() {
    // An HTTP request on the TLS port: the server answers with a fatal alert and fails.
    let (mut c_io, s_io) = duplex(64);
    let client = async move {
        c_io.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        c_io.read_to_end(&mut answer).await.unwrap();
        answer
    };
    let (answer, server) =
        limit(async { tokio::join!(client, acceptor().accept(s_io, None)) }).await;
    let err = server.expect_err("must fail");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    let tls_err = tls_error(&err).expect("a TLS error").clone();
    let expected = tls_err.alert().expect("an error with an alert");
    // A plaintext TLS alert record: type 21, version 3.x, length 2, level fatal (2), description.
    assert_eq!(answer.len(), 7, "{answer:?}");
    assert_eq!(
        (answer[0], answer[1], &answer[3..6]),
        (21, 3, &[0u8, 2, 2][..])
    );
    assert_eq!(AlertDescription::from(answer[6]), expected);
}

#[tokio::test]
async fn writes_apply_back_pressure() {
    // A peer that completes the handshake, then never reads: our writes must stop being
    // accepted after a bounded amount instead of buffering without end.
    let (c_io, s_io) = duplex(64);
    let (client, server) = limit(async {
        tokio::join!(
            connector(PASSWORD).connect(None, c_io),
            acceptor().accept(s_io, None)
        )
    })
    .await;
    let (mut client, _server) = (
        client.expect("client handshake"),
        server.expect("server handshake"),
    );

    let chunk = vec![0x5au8; 64 * 1024];
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut accepted = 0usize;
    let mut blocked = false;
    for _ in 0..1000 {
        match Pin::new(&mut client).poll_write(&mut cx, &chunk) {
            Poll::Ready(Ok(n)) => accepted += n,
            Poll::Ready(Err(e)) => panic!("write failed: {e}"),
            Poll::Pending => {
                blocked = true;
                break;
            }
        }
    }
    assert!(blocked, "accepted {accepted} bytes without ever blocking");
    assert!(
        accepted > 0 && accepted <= 128 * 1024,
        "accepted {accepted} bytes"
    );
}
