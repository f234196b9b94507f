//! Load over 127.0.0.1, bounded in count and time: 1000 concurrent tokio clients against one
//! tokio server with no failure, and a mixed run where hostile clients (garbage, stalls,
//! byte-at-a-time trickles, wrong passwords) come at the same time as good ones, which must
//! all succeed. The handshake rate is printed (`--nocapture`), never asserted.
//!
//! The 2048-bit group is used (the default one of `tls-srp passwd` and of simulated users).

mod common;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use tls_srp::tokio::{TlsAcceptor, TlsConnector};
use tls_srp::{
    ClientConfig, ClientConnection, HandshakeSlots, RateLimitConfig, RateLimiter, ServerConfig,
};

/// Overall bound of each run: only there to turn a hang into a failure.
const OVERALL: Duration = Duration::from_secs(300);
/// Handshake timeouts generous enough for a loaded 2-core machine.
const HS_TIMEOUT: Duration = Duration::from_secs(120);
const BITS: u32 = 2048;

/// Raises the soft open-files limit to the hard one (the runs need a few thousand sockets).
fn raise_nofile() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut lim = getrlimit(Resource::Nofile);
    // `None` means unlimited.
    if lim.current.is_some() && lim.current != lim.maximum {
        lim.current = lim.maximum;
        let _ = setrlimit(Resource::Nofile, lim);
    }
}

#[derive(Default)]
struct Counts {
    ok: AtomicUsize,
    failed: AtomicUsize,
}

/// A server echoing 4 bytes per connection; counts the outcomes.
async fn start(acceptor: TlsAcceptor) -> (SocketAddr, Arc<Counts>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    tokio::spawn(async move {
        while let Ok((tcp, peer)) = listener.accept().await {
            let (acceptor, c) = (acceptor.clone(), c.clone());
            tokio::spawn(async move {
                let res = async {
                    let mut tls = acceptor.accept(tcp, Some(peer.ip())).await?;
                    let mut b = [0u8; 4];
                    tls.read_exact(&mut b).await?;
                    tls.write_all(&b).await?;
                    tls.shutdown().await
                }
                .await;
                match res {
                    Ok(()) => c.ok.fetch_add(1, Ordering::Relaxed),
                    Err(_) => c.failed.fetch_add(1, Ordering::Relaxed),
                };
            });
        }
    });
    (addr, counts)
}

async fn good_client(addr: SocketAddr, connector: TlsConnector) -> io::Result<()> {
    let tcp = TcpStream::connect(addr).await?;
    let mut tls = connector.connect(None, tcp).await?;
    tls.write_all(b"ping").await?;
    let mut b = [0u8; 4];
    tls.read_exact(&mut b).await?;
    if &b != b"ping" {
        return Err(io::Error::other("bad echo"));
    }
    tls.shutdown().await
}

/// A server config for a load run: generous deadlines, and handshake slots raised for one
/// address (every client here comes from 127.0.0.1).
fn load_config(mut cfg: ServerConfig, limiter: Arc<RateLimiter>) -> Arc<ServerConfig> {
    cfg.handshake_timeout = Some(HS_TIMEOUT);
    cfg.client_hello_timeout = Some(HS_TIMEOUT);
    cfg.handshake_slots = Some(HandshakeSlots::new(512, 512));
    cfg.rate_limiter = Some(limiter);
    Arc::new(cfg)
}

fn connector(user: &str, pw: &str) -> TlsConnector {
    TlsConnector::from(Arc::new(ClientConfig::new(user, pw))).handshake_timeout(Some(HS_TIMEOUT))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_handshakes() {
    raise_nofile();
    const N: usize = 1000;
    let acceptor = TlsAcceptor::from(load_config(
        server_config(BITS),
        Arc::new(RateLimiter::default()),
    ));
    let (addr, counts) = start(acceptor).await;
    let conn = connector(USER, PASSWORD);
    let start = Instant::now();
    let clients: Vec<_> = (0..N)
        .map(|_| tokio::spawn(good_client(addr, conn.clone())))
        .collect();
    let mut failures = Vec::new();
    tokio::time::timeout(OVERALL, async {
        for c in clients {
            if let Err(e) = c.await.unwrap() {
                failures.push(e.to_string());
            }
        }
    })
    .await
    .expect("the run ends");
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{N} concurrent clients, {BITS}-bit group: {secs:.2} s, {:.0} handshakes/s",
        N as f64 / secs
    );
    assert!(
        failures.is_empty(),
        "{} failures: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    // Every server-side connection has reported.
    tokio::time::timeout(OVERALL, async {
        while counts.ok.load(Ordering::Relaxed) + counts.failed.load(Ordering::Relaxed) < N {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(counts.ok.load(Ordering::Relaxed), N);
    assert_eq!(counts.failed.load(Ordering::Relaxed), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_clients_do_not_stop_good_ones() {
    raise_nofile();
    const GOOD: usize = 200;
    const EACH_HOSTILE: usize = 40;
    let store = store_with(USER, PASSWORD, BITS);
    store
        .add_user("victim", b"victim password", group(BITS))
        .unwrap();
    // Everybody comes from 127.0.0.1 here: limit per username only (a per-address lockout
    // would, rightly, lock out the good clients sharing the attackers' address).
    let limiter = Arc::new(RateLimiter::new(RateLimitConfig {
        ip_free_failures: u32::MAX,
        ip_lockout_failures: u32::MAX,
        user_free_failures: 3,
        user_lockout_failures: 10,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        ..RateLimitConfig::default()
    }));
    let acceptor = TlsAcceptor::from(load_config(
        ServerConfig::new(store).unwrap(),
        limiter.clone(),
    ));
    let (addr, counts) = start(acceptor).await;

    let mut hostile = Vec::new();
    // Stalls: part of a ClientHello, then silence until the end of the run.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut c = ClientConnection::new(Arc::new(client_config()), None).unwrap();
    let hello = take_tls(&mut c);
    for i in 0..EACH_HOSTILE {
        let part = hello[..10 + i % 50].to_vec();
        let mut stop = stop_rx.clone();
        hostile.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(addr).await?;
            s.write_all(&part).await?;
            let _ = stop.wait_for(|v| *v).await;
            Ok::<bool, io::Error>(false)
        }));
    }
    // Garbage: random-looking bytes, then read until the server closes.
    for i in 0..EACH_HOSTILE {
        hostile.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(addr).await?;
            let junk: Vec<u8> = (0..1000u32)
                .map(|k| (k.wrapping_mul(2654435761).wrapping_add(i as u32) >> 13) as u8)
                .collect();
            let _ = s.write_all(&junk).await;
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink).await;
            Ok(false)
        }));
    }
    // Wrong passwords, for a real user and for unknown ones.
    for i in 0..EACH_HOSTILE {
        let user = if i % 2 == 0 {
            "victim".to_owned()
        } else {
            format!("nobody{i}")
        };
        let conn = connector(&user, "guess");
        hostile.push(tokio::spawn(async move {
            Ok(good_client(addr, conn).await.is_ok())
        }));
    }
    // Trickles: a whole ClientHello one byte per write, then silence.
    for _ in 0..EACH_HOSTILE {
        let hello = hello.clone();
        let mut stop = stop_rx.clone();
        hostile.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            for b in hello {
                s.write_all(&[b]).await?;
                tokio::task::yield_now().await;
            }
            let _ = stop.wait_for(|v| *v).await;
            Ok(false)
        }));
    }

    let conn = connector(USER, PASSWORD);
    let good: Vec<_> = (0..GOOD)
        .map(|_| tokio::spawn(good_client(addr, conn.clone())))
        .collect();
    let start = Instant::now();
    let mut failures = Vec::new();
    tokio::time::timeout(OVERALL, async {
        for g in good {
            if let Err(e) = g.await.unwrap() {
                failures.push(e.to_string());
            }
        }
    })
    .await
    .expect("the good clients finish");
    eprintln!(
        "{GOOD} good clients among {} hostile ones: {:.2} s",
        4 * EACH_HOSTILE,
        start.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} good clients failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );

    let _ = stop_tx.send(true);
    let mut hostile_successes = 0;
    tokio::time::timeout(OVERALL, async {
        for h in hostile {
            if let Ok(true) = h.await.unwrap() {
                hostile_successes += 1;
            }
        }
    })
    .await
    .expect("the hostile clients end");
    assert_eq!(hostile_successes, 0);
    assert!(
        limiter.check(Some("victim"), None).must_fail(),
        "the victim account is locked after 20 guesses"
    );
    // The good clients are all counted as successes by the server too.
    tokio::time::timeout(OVERALL, async {
        while counts.ok.load(Ordering::Relaxed) < GOOD {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the server reports the good clients");
}
