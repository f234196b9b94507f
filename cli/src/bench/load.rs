//! `tls-srp bench load` and `tls-srp bench idle`: a load generator for any TLS-SRP server
//! (ours, Apache httpd's mod_ssl, gnutls-serv), so that every server is measured by the
//! same client.
//!
//! `load`: N clients, each in a loop: TCP connect, a full (or resumed) handshake, one
//! `GET PATH HTTP/1.0`, read the response to its end, close_notify and close. Connections
//! that complete after the warm-up and before the end count towards the rate and the
//! latencies (connect to last response byte); failures are counted over the whole run.
//!
//! `idle`: opens N connections, completes each handshake, prints one line when all are
//! established and keeps them open and silent (no request) until stdin closes or the time
//! is up: the server's memory per idle established connection is measured from outside.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use tls_srp::tokio::TlsConnector;
use tls_srp::{ClientConfig, HandshakeKind, Resumption};

use crate::Fail;

/// What `load` and `idle` share: where to connect and as whom.
pub struct Target {
    pub connect: String,
    pub user: String,
    pub password: zeroize::Zeroizing<String>,
    pub aes: u32,
    pub min_group_bits: u32,
    pub resume: bool,
}

/// Every step of one connection must finish within this (a hang is a failure).
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

impl Target {
    fn connector(&self) -> TlsConnector {
        let mut cfg = ClientConfig::new(self.user.clone(), self.password.as_bytes());
        cfg.min_group_bits = self.min_group_bits;
        cfg.cipher_suites = vec![if self.aes == 128 {
            tls_srp::suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA
        } else {
            tls_srp::suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA
        }];
        if !self.resume {
            cfg.resumption = Resumption::disabled();
        }
        TlsConnector::from(Arc::new(cfg)).handshake_timeout(Some(STEP_TIMEOUT))
    }

    /// The host part of HOST:PORT, the key of resumable sessions.
    fn host(&self) -> String {
        let c = self.connect.as_str();
        let host = c.rsplit_once(':').map_or(c, |(h, _)| h);
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned()
    }
}

fn io_err(what: &str) -> std::io::Error {
    std::io::Error::other(what.to_owned())
}

/// One connection of `load`; returns whether the session was resumed.
async fn one_request(
    connector: &TlsConnector,
    addr: &str,
    host: &str,
    request: &[u8],
) -> std::io::Result<bool> {
    let tcp = tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| io_err("connect timed out"))??;
    let _ = tcp.set_nodelay(true);
    let mut tls = connector.connect(Some(host), tcp).await?;
    let resumed = tls.get_ref().1.handshake_kind() == Some(HandshakeKind::Resumed);
    tls.write_all(request).await?;
    tls.flush().await?;
    let mut resp = Vec::with_capacity(1024);
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match tls.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => resp.extend_from_slice(buf.get(..n).unwrap_or_default()),
                // Some servers close the TCP connection without close_notify after an
                // HTTP/1.0 response; what we read is still the whole response.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !resp.is_empty() => {
                    break
                }
                Err(e) => return Err(e),
            }
            if response_complete(&resp) {
                break;
            }
        }
        Ok(())
    };
    tokio::time::timeout(STEP_TIMEOUT, read)
        .await
        .map_err(|_| io_err("response timed out"))??;
    if !resp.starts_with(b"HTTP/1.") || resp.get(9..12) != Some(b"200".as_slice()) {
        return Err(io_err("no HTTP 200 response"));
    }
    // close_notify, then close; a server that already closed is not an error of ours.
    let _ = tokio::time::timeout(Duration::from_secs(1), tls.shutdown()).await;
    Ok(resumed)
}

/// Has `resp` got its headers and, when it says how long its body is, the whole body?
fn response_complete(resp: &[u8]) -> bool {
    let Some(end) = resp.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(resp.get(..end).unwrap_or_default()).to_ascii_lowercase();
    let len = head.lines().find_map(|l| {
        l.strip_prefix("content-length:")
            .and_then(|v| v.trim().parse::<usize>().ok())
    });
    match len {
        Some(n) => resp.len() >= end + 4 + n,
        None => false, // read to EOF
    }
}

/// Raises the soft open-files limit to the hard one (many sockets at once).
fn raise_nofile() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut lim = getrlimit(Resource::Nofile);
    if lim.current.is_some() && lim.current != lim.maximum {
        lim.current = lim.maximum;
        let _ = setrlimit(Resource::Nofile, lim);
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Fail> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::new(format!("cannot start the runtime: {e}")))
}

/// The `p`-th percentile (0..=100) of sorted `v`, nearest rank.
fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v.get(rank.clamp(1, v.len()) - 1).copied().unwrap_or(0.0)
}

pub struct LoadArgs {
    pub clients: usize,
    pub seconds: f64,
    pub warmup: f64,
    pub path: String,
    pub json: bool,
}

#[derive(Default)]
struct Stats {
    latencies_ms: Mutex<Vec<f64>>,
    completed: AtomicUsize,
    resumed: AtomicUsize,
    failures: AtomicUsize,
    first_error: Mutex<Option<String>>,
}

pub fn load(t: Target, a: LoadArgs) -> Result<(), Fail> {
    let positive = |x: f64| x.is_finite() && x > 0.0;
    if a.clients == 0 || !positive(a.seconds) || !(positive(a.warmup) || a.warmup == 0.0) {
        return Err(Fail::new(
            "--clients must be at least 1 and --seconds above 0".into(),
        ));
    }
    raise_nofile();
    let rt = runtime()?;
    let connector = t.connector();
    let host = t.host();
    let addr = t.connect.clone();
    let request = format!("GET {} HTTP/1.0\r\nHost: {host}\r\n\r\n", a.path).into_bytes();
    let stats = Arc::new(Stats::default());
    let (warmup, seconds) = (
        Duration::from_secs_f64(a.warmup),
        Duration::from_secs_f64(a.seconds),
    );
    let resume = t.resume;
    let elapsed = rt.block_on(async {
        // With --resume, one full handshake first gives every client a session to resume.
        if resume {
            if let Err(e) = one_request(&connector, &addr, &host, &request).await {
                return Err(Fail::new(format!(
                    "bench load: the first connection to {addr} failed: {e}"
                )));
            }
        }
        let start = Instant::now();
        let (measure_from, end) = (start + warmup, start + warmup + seconds);
        let mut tasks = Vec::with_capacity(a.clients);
        for _ in 0..a.clients {
            let (connector, host, addr, request, stats) = (
                connector.clone(),
                host.clone(),
                addr.clone(),
                request.clone(),
                stats.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                while Instant::now() < end {
                    let t0 = Instant::now();
                    let res = tokio::time::timeout_at(
                        end.into(),
                        one_request(&connector, &addr, &host, &request),
                    )
                    .await;
                    let done = Instant::now();
                    match res {
                        // Still in flight at the end: neither a success nor a failure.
                        Err(_) => break,
                        Ok(Ok(resumed)) => {
                            if t0 >= measure_from {
                                mine.push((done - t0).as_secs_f64() * 1e3);
                                stats.completed.fetch_add(1, Ordering::Relaxed);
                                if resumed {
                                    stats.resumed.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                        Ok(Err(e)) => {
                            stats.failures.fetch_add(1, Ordering::Relaxed);
                            if let Ok(mut first) = stats.first_error.lock() {
                                first.get_or_insert_with(|| e.to_string());
                            }
                            // Do not spin on a refusing server.
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    }
                }
                if let Ok(mut all) = stats.latencies_ms.lock() {
                    all.extend(mine);
                }
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
        Ok(start.elapsed().saturating_sub(warmup))
    })?;
    rt.shutdown_timeout(Duration::from_secs(1));
    let mut lat = stats
        .latencies_ms
        .lock()
        .map(|v| v.clone())
        .unwrap_or_default();
    lat.sort_by(|x, y| x.total_cmp(y));
    let completed = stats.completed.load(Ordering::Relaxed);
    let resumed = stats.resumed.load(Ordering::Relaxed);
    let failures = stats.failures.load(Ordering::Relaxed);
    let secs = elapsed.as_secs_f64().max(1e-9);
    let rate = completed as f64 / secs;
    let (p50, p99) = (percentile(&lat, 50.0), percentile(&lat, 99.0));
    let first_error = stats
        .first_error
        .lock()
        .ok()
        .and_then(|e| e.clone())
        .unwrap_or_default();
    if a.json {
        println!(
            "{{\"handshakes_per_sec\":{rate:.1},\"p50_ms\":{p50:.2},\"p99_ms\":{p99:.2},\"failures\":{failures},\"completed\":{completed},\"resumed\":{resumed},\"clients\":{},\"seconds\":{secs:.2},\"first_error\":{}}}",
            a.clients,
            json_string(&first_error)
        );
    } else {
        let kind = if t.resume { "resumed" } else { "full" };
        println!(
            "{}: {} clients, {secs:.1} s: {completed} connections ({resumed} resumed), {rate:.1} {kind} handshakes/s, latency p50 {p50:.1} ms, p99 {p99:.1} ms, {failures} failures",
            t.connect, a.clients
        );
        if failures > 0 {
            println!("first failure: {first_error}");
        }
    }
    Ok(())
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub struct IdleArgs {
    pub connections: usize,
    pub parallel: usize,
    pub seconds: f64,
    pub json: bool,
}

pub fn idle(t: Target, a: IdleArgs) -> Result<(), Fail> {
    if a.connections == 0 || a.parallel == 0 {
        return Err(Fail::new(
            "--connections and --parallel must be at least 1".into(),
        ));
    }
    raise_nofile();
    let rt = runtime()?;
    let connector = t.connector();
    let host = t.host();
    let addr = t.connect.clone();
    let res = rt.block_on(async move {
        let start = Instant::now();
        let sem = Arc::new(tokio::sync::Semaphore::new(a.parallel));
        let failed = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::with_capacity(a.connections);
        for _ in 0..a.connections {
            let (connector, host, addr, sem, failed) = (
                connector.clone(),
                host.clone(),
                addr.clone(),
                sem.clone(),
                failed.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let _permit = sem.acquire_owned().await.ok()?;
                if failed.load(Ordering::Relaxed) {
                    return None;
                }
                let res = async {
                    let tcp = tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(&addr))
                        .await
                        .map_err(|_| io_err("connect timed out"))??;
                    connector.connect(Some(&host), tcp).await
                }
                .await;
                match res {
                    Ok(tls) => Some(Ok(tls)),
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        Some(Err(e))
                    }
                }
            }));
        }
        let mut open = Vec::with_capacity(a.connections);
        for task in tasks {
            match task.await {
                Ok(Some(Ok(tls))) => open.push(tls),
                Ok(Some(Err(e))) => {
                    return Err(Fail::new(format!(
                        "bench idle: connection {} to {addr} failed: {e}",
                        open.len() + 1
                    )))
                }
                _ => {}
            }
        }
        let took = start.elapsed().as_secs_f64();
        if a.json {
            println!(
                "{{\"established\":{},\"seconds_to_establish\":{took:.2}}}",
                open.len()
            );
        } else {
            println!(
                "established {} idle connections to {addr} in {took:.1} s; holding them until stdin closes or {} s pass",
                open.len(),
                a.seconds
            );
        }
        // Hold: until stdin reaches EOF or the time is up.
        let mut stdin = tokio::io::stdin();
        let mut sink = [0u8; 64];
        let hold = async {
            while matches!(stdin.read(&mut sink).await, Ok(n) if n > 0) {}
        };
        let _ = tokio::time::timeout(Duration::from_secs_f64(a.seconds.max(0.0)), hold).await;
        drop(open);
        Ok(())
    });
    rt.shutdown_background();
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_complete_by_length_or_eof() {
        assert!(!response_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc"
        ));
        assert!(response_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde"
        ));
        assert!(!response_complete(
            b"HTTP/1.0 200 OK\r\n\r\nno length: read to EOF"
        ));
        assert!(!response_complete(b"HTTP/1.0 200 OK\r\n"));
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
        assert_eq!(percentile(&[3.0], 99.0), 3.0);
    }

    #[test]
    fn host_of_address() {
        let t = |c: &str| Target {
            connect: c.into(),
            user: "u".into(),
            password: zeroize::Zeroizing::new(String::new()),
            aes: 256,
            min_group_bits: 2048,
            resume: false,
        };
        assert_eq!(t("127.0.0.1:4433").host(), "127.0.0.1");
        assert_eq!(t("[::1]:4433").host(), "::1");
        assert_eq!(t("localhost:1").host(), "localhost");
    }
}
