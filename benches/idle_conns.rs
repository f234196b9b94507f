//! Memory per idle established connection: a tokio server (this process) accepts N TLS-SRP
//! connections over 127.0.0.1 from a client process (this binary again, in client mode),
//! each parked in a task awaiting a read, and reports the growth of its resident set
//! (VmRSS from /proc/self/status) divided by N. The client process reports the same for
//! its side.
//!
//! ```text
//! cargo bench --bench idle_conns                      # 10 000 connections, 2048-bit group
//! IDLE_CONNS=2000 IDLE_BITS=1024 cargo bench --bench idle_conns
//! ```
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it makes a quick run of 50
//! connections. Open-files limits are raised to what the run needs (as root, the hard
//! limit too).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

use tls_srp::tokio::{TlsAcceptor, TlsConnector};
use tls_srp::{ClientConfig, HandshakeSlots, InMemoryUserStore, ServerConfig, SrpGroup};

const USER: &str = "idle";
const PASSWORD: &str = "idle connection password";
const CHILD_ENV: &str = "IDLE_CONNS_CHILD";

/// Resident set size in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn raise_nofile(need: u64) {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let lim = getrlimit(Resource::Nofile);
    let max = lim.maximum.map_or(need, |m| m.max(need));
    let want = Rlimit {
        current: Some(need.min(max)),
        maximum: Some(max),
    };
    if setrlimit(Resource::Nofile, want).is_err() {
        // Not root: as far as the hard limit goes.
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: lim.maximum,
                maximum: lim.maximum,
            },
        );
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Client mode: open `n` connections to `addr`, report, keep them until stdin closes.
fn client(addr: SocketAddr, n: usize) {
    raise_nofile(n as u64 + 256);
    let rt = runtime();
    rt.block_on(async move {
        let connector = TlsConnector::from(Arc::new({
            let mut c = ClientConfig::new(USER, PASSWORD);
            c.min_group_bits = 1024;
            c
        }))
        .handshake_timeout(Some(Duration::from_secs(600)));
        // Warm up (runtime threads, allocator arenas) before the baseline.
        let warm = TcpStream::connect(addr).await.expect("connect");
        let warm = connector.connect(None, warm).await.expect("handshake");
        // Wait for the server's baseline: "go" on stdin.
        println!("warm");
        let _ = std::io::stdout().flush();
        let _ = tokio::task::spawn_blocking(|| {
            let mut go = String::new();
            let _ = std::io::stdin().read_line(&mut go);
        })
        .await;
        let before = rss_kib();
        let mut conns = Vec::with_capacity(n);
        // A few hundred handshakes at a time: the server's accept queue stays short.
        for chunk in 0..n.div_ceil(256) {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..256.min(n - chunk * 256) {
                let connector = connector.clone();
                set.spawn(async move {
                    let tcp = TcpStream::connect(addr).await.expect("connect");
                    connector.connect(None, tcp).await.expect("handshake")
                });
            }
            while let Some(c) = set.join_next().await {
                conns.push(c.expect("client task"));
            }
        }
        let after = rss_kib();
        println!(
            "ready {} {}",
            conns.len(),
            (after.saturating_sub(before) * 1024) / conns.len().max(1) as u64
        );
        let _ = std::io::stdout().flush();
        // Hold everything until the parent closes stdin.
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await;
        drop(conns);
        drop(warm);
    });
}

fn main() {
    if let Ok(v) = std::env::var(CHILD_ENV) {
        let (addr, n) = v.split_once(',').expect("addr,n");
        client(addr.parse().expect("addr"), n.parse().expect("n"));
        return;
    }
    let benching = std::env::args().any(|a| a == "--bench");
    let env_num = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let n = if benching {
        env_num("IDLE_CONNS", 10_000)
    } else {
        50
    };
    let bits = env_num("IDLE_BITS", if benching { 2048 } else { 1024 }) as u32;
    raise_nofile(n as u64 + 256);

    let group = SrpGroup::by_bits(bits).expect("an RFC 5054 group size");
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user(USER, PASSWORD.as_bytes(), group)
        .expect("user");
    let mut config = ServerConfig::new(store).expect("config");
    // Every client comes from 127.0.0.1: raise the per-address cap with the total one.
    config.handshake_slots = Some(HandshakeSlots::new(256, 256));
    config.handshake_timeout = Some(Duration::from_secs(600));
    config.client_hello_timeout = Some(Duration::from_secs(600));
    let acceptor = TlsAcceptor::from(Arc::new(config));

    let rt = runtime();
    let established = Arc::new(AtomicUsize::new(0));
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    {
        let established = established.clone();
        rt.spawn(async move {
            while let Ok((tcp, peer)) = listener.accept().await {
                let (acceptor, established) = (acceptor.clone(), established.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp, Some(peer.ip())).await else {
                        eprintln!("a handshake failed");
                        return;
                    };
                    established.fetch_add(1, Ordering::Relaxed);
                    // Idle: parked on a read until the client goes away.
                    let mut b = [0u8; 1];
                    let _ = tls.read(&mut b).await;
                });
            }
        });
    }

    let mut child = Command::new(std::env::current_exe().expect("current exe"))
        .env(CHILD_ENV, format!("{addr},{n}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("client process");
    // The warm-up connection first, then the baseline, then the connections.
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    let got = out.read_line(&mut line).expect("client warm-up");
    assert!(
        got > 0 && line.starts_with("warm"),
        "the client process failed"
    );
    while established.load(Ordering::Relaxed) < 1 {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    let before = rss_kib();
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"go\n").expect("go");
    stdin.flush().expect("go");
    let started = Instant::now();
    line.clear();
    let got = out.read_line(&mut line).expect("client report");
    assert!(
        got > 0 && line.starts_with("ready"),
        "the client process failed"
    );
    while established.load(Ordering::Relaxed) < n + 1 {
        assert!(
            matches!(child.try_wait(), Ok(None)),
            "the client process ended early"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    let after = rss_kib();
    let secs = started.elapsed().as_secs_f64();
    let client_per_conn: u64 = line
        .split_whitespace()
        .nth(2)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    println!(
        "idle_conns: {n} established connections ({bits}-bit group) in {secs:.1} s ({:.0} handshakes/s)",
        n as f64 / secs
    );
    println!(
        "idle_conns: server VmRSS {before} KiB -> {after} KiB: {} bytes per idle connection",
        (after.saturating_sub(before) * 1024) / n.max(1) as u64
    );
    println!("idle_conns: client process: {client_per_conn} bytes per connection");

    // Close the client's stdin: it drops its connections and exits.
    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
        }
    }
    rt.shutdown_timeout(Duration::from_secs(5));
}
