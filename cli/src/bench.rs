//! `tls-srp bench handshake|record`: in-memory, like `openssl speed`; `tls-srp bench
//! load|idle`: a load generator for any TLS-SRP server over TCP (see `bench/load.rs`).

mod load;

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Subcommand;
use tls_srp::{
    ClientConfig, ClientConnection, ConnectionCommon, InMemoryUserStore, ServerConfig,
    ServerConnection, SideData, SrpGroup,
};

use crate::Fail;

#[derive(Subcommand)]
pub enum BenchCmd {
    /// Full handshakes per second, with client and server time per handshake (medians).
    #[command(
        after_help = "Examples:\n  tls-srp bench handshake --group 2048 --seconds 3\n  tls-srp bench handshake --json"
    )]
    Handshake {
        /// SRP group size in bits.
        #[arg(long, default_value_t = 2048)]
        group: u32,
        /// Seconds to run.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Record protection throughput (16 KiB records): seal and open MB/s.
    #[command(
        after_help = "Examples:\n  tls-srp bench record\n  tls-srp bench record --aes 128 --etm --json"
    )]
    Record {
        /// Use encrypt-then-MAC (RFC 7366) instead of MAC-then-encrypt.
        #[arg(long)]
        etm: bool,
        /// AES key size of the suite: 128 (TLS_SRP_SHA_WITH_AES_128_CBC_SHA) or 256
        /// (TLS_SRP_SHA_WITH_AES_256_CBC_SHA).
        #[arg(long, default_value_t = 256, value_parser = aes_bits)]
        aes: u32,
        /// Seconds to run each direction.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Load a TLS-SRP HTTP server over TCP: N clients, each in a loop: connect, handshake,
    /// one HTTP/1.0 GET, close. Reports handshakes/s, p50/p99 latency and failures.
    #[command(
        after_help = "Examples:\n  echo secret | tls-srp bench load --connect 127.0.0.1:4433 --user alice --password-stdin --clients 1000 --seconds 20\n  echo secret | tls-srp bench load --connect 127.0.0.1:4433 --user alice --password-stdin --resume --json\n\nJSON keys: handshakes_per_sec, p50_ms, p99_ms, failures (also completed, resumed, clients,\nseconds, first_error). Only connections started after --warmup and finished within --seconds\ncount towards the rate and the latencies; failures count over the whole run. Against\n`tls-srp serve`, raise --max-handshakes and --max-handshakes-per-address (and turn off the\nrate limiter, which counts logins in flight) or the server's defences do the limiting."
    )]
    Load {
        #[command(flatten)]
        target: TargetArgs,
        /// Concurrent clients.
        #[arg(long, default_value_t = 100)]
        clients: usize,
        /// Seconds measured (after the warm-up).
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Seconds of load before the measurement starts.
        #[arg(long, default_value_t = 2.0)]
        warmup: f64,
        /// Path of the GET request.
        #[arg(long, default_value = "/")]
        path: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Open N connections to a TLS-SRP server, complete their handshakes and hold them idle
    /// (for measuring the server's memory per idle connection from outside).
    #[command(
        after_help = "Example:\n  echo secret | tls-srp bench idle --connect 127.0.0.1:4433 --user alice --password-stdin --connections 10000 --seconds 60\n\nPrints one line once every connection is established, then holds them until stdin\ncloses (after the password line) or --seconds pass."
    )]
    Idle {
        #[command(flatten)]
        target: TargetArgs,
        /// Connections to open and hold.
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// Handshakes in progress at once while opening them.
        #[arg(long, default_value_t = 100)]
        parallel: usize,
        /// Seconds to hold the connections at most.
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
        /// Print one JSON object when established.
        #[arg(long)]
        json: bool,
    },
}

/// Where `bench load` and `bench idle` connect, and as whom.
#[derive(clap::Args)]
pub struct TargetArgs {
    /// Server address, HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    connect: String,
    /// SRP username.
    #[arg(long)]
    user: String,
    /// Read the password from the first line of stdin (otherwise TLS_SRP_PASSWORD, or a prompt).
    #[arg(long)]
    password_stdin: bool,
    /// Resume sessions: one full handshake first, then every connection resumes.
    #[arg(long)]
    resume: bool,
    /// AES key size of the one suite offered: 128 or 256 (plain SRP, CBC, HMAC-SHA1).
    #[arg(long, default_value_t = 256, value_parser = aes_bits)]
    aes: u32,
    /// Smallest SRP group accepted from the server, in bits.
    #[arg(long, default_value_t = 2048)]
    min_group_bits: u32,
}

impl TargetArgs {
    fn resolve(self) -> Result<load::Target, Fail> {
        if self.user.is_empty() || self.user.len() > 255 {
            return Err(Fail::new("the username must be 1 to 255 bytes".into()));
        }
        if !(1024..=8192).contains(&self.min_group_bits) {
            return Err(Fail::new(
                "--min-group-bits must be between 1024 and 8192".into(),
            ));
        }
        let password = match std::env::var("TLS_SRP_PASSWORD") {
            Ok(p) if !self.password_stdin && !p.is_empty() => zeroize::Zeroizing::new(p),
            _ => crate::passwd::read_password(self.password_stdin, false)?,
        };
        Ok(load::Target {
            connect: self.connect,
            user: self.user,
            password,
            aes: self.aes,
            min_group_bits: self.min_group_bits,
            resume: self.resume,
        })
    }
}

/// `--aes`: 128 or 256.
fn aes_bits(s: &str) -> Result<u32, String> {
    match s {
        "128" => Ok(128),
        "256" => Ok(256),
        _ => Err("use 128 or 256".into()),
    }
}

fn tls_err(e: impl std::fmt::Display) -> Fail {
    Fail::new(format!("bench: {e}"))
}

/// Moves queued TLS bytes from `from` to `to` and lets `to` process them; returns the
/// time `to` spent.
fn pump<A: SideData, B: SideData>(
    from: &mut ConnectionCommon<A>,
    to: &mut ConnectionCommon<B>,
    buf: &mut Vec<u8>,
) -> Result<Duration, Fail> {
    buf.clear();
    while from.wants_write() {
        from.write_tls(buf).map_err(tls_err)?;
    }
    if buf.is_empty() {
        return Ok(Duration::ZERO);
    }
    let t = Instant::now();
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).map_err(tls_err)?;
        to.process_new_packets().map_err(tls_err)?;
    }
    Ok(t.elapsed())
}

struct Pair {
    client: ClientConnection,
    server: ServerConnection,
}

fn handshake(
    ccfg: &Arc<ClientConfig>,
    scfg: &Arc<ServerConfig>,
    buf: &mut Vec<u8>,
) -> Result<(Pair, Duration, Duration), Fail> {
    let t = Instant::now();
    let mut client = ClientConnection::new(ccfg.clone(), None).map_err(tls_err)?;
    let mut ct = t.elapsed();
    let t = Instant::now();
    let mut server = ServerConnection::new(scfg.clone(), None).map_err(tls_err)?;
    let mut st = t.elapsed();
    let mut rounds = 0;
    while client.is_handshaking()
        || server.is_handshaking()
        || client.wants_write()
        || server.wants_write()
    {
        st += pump(&mut client, &mut server, buf)?;
        ct += pump(&mut server, &mut client, buf)?;
        rounds += 1;
        if rounds > 20 {
            return Err(Fail::new("bench: handshake did not finish".into()));
        }
    }
    Ok((Pair { client, server }, ct, st))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

const USER: &str = "bench";
const PASSWORD: &str = "bench password";

fn configs(
    group: &'static SrpGroup,
    etm: bool,
    aes: u32,
) -> Result<(Arc<ClientConfig>, Arc<ServerConfig>), Fail> {
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user(USER, PASSWORD.as_bytes(), group)
        .map_err(tls_err)?;
    let mut ccfg = ClientConfig::new(USER, PASSWORD);
    ccfg.min_group_bits = 1024;
    ccfg.enable_encrypt_then_mac = etm;
    ccfg.cipher_suites = vec![if aes == 128 {
        tls_srp::suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA
    } else {
        tls_srp::suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA
    }];
    // Every measured handshake is a full SRP handshake.
    ccfg.resumption = tls_srp::Resumption::disabled();
    let scfg = ServerConfig::new(store).map_err(tls_err)?;
    Ok((Arc::new(ccfg), Arc::new(scfg)))
}

pub fn run(cmd: BenchCmd) -> Result<(), Fail> {
    match cmd {
        BenchCmd::Load {
            target,
            clients,
            seconds,
            warmup,
            path,
            json,
        } => load::load(
            target.resolve()?,
            load::LoadArgs {
                clients,
                seconds,
                warmup,
                path,
                json,
            },
        ),
        BenchCmd::Idle {
            target,
            connections,
            parallel,
            seconds,
            json,
        } => load::idle(
            target.resolve()?,
            load::IdleArgs {
                connections,
                parallel,
                seconds,
                json,
            },
        ),
        BenchCmd::Handshake {
            group,
            seconds,
            json,
        } => {
            let g = SrpGroup::by_bits(group).ok_or_else(|| {
                Fail::new(format!(
                    "unknown group {group}; use 1024, 1536, 2048, 3072, 4096, 6144 or 8192"
                ))
            })?;
            let (ccfg, scfg) = configs(g, true, 256)?;
            let mut buf = Vec::new();
            handshake(&ccfg, &scfg, &mut buf)?; // warm-up (fixed-base tables)
            let (mut cs, mut ss) = (Vec::new(), Vec::new());
            let start = Instant::now();
            while start.elapsed().as_secs_f64() < seconds.max(0.01) || cs.len() < 3 {
                let (_, c, s) = handshake(&ccfg, &scfg, &mut buf)?;
                cs.push(c.as_secs_f64() * 1e6);
                ss.push(s.as_secs_f64() * 1e6);
            }
            let n = cs.len();
            let rate = n as f64 / start.elapsed().as_secs_f64();
            let (c, s) = (median(&mut cs), median(&mut ss));
            if json {
                println!(
                    "{{\"group_bits\":{group},\"handshakes\":{n},\"handshakes_per_sec\":{rate:.2},\"client_cpu_us\":{c:.1},\"server_cpu_us\":{s:.1}}}"
                );
            } else {
                println!("{group}-bit group: {n} handshakes, {rate:.1} handshakes/s; median per handshake: client {c:.0} us, server {s:.0} us");
            }
            Ok(())
        }
        BenchCmd::Record {
            etm,
            aes,
            seconds,
            json,
        } => {
            let g = SrpGroup::by_bits(2048).ok_or_else(|| Fail::new("no 2048-bit group".into()))?;
            let (ccfg, scfg) = configs(g, etm, aes)?;
            let mut buf = Vec::new();
            let (mut p, _, _) = handshake(&ccfg, &scfg, &mut buf)?;
            let chunk = vec![0x5au8; 16384];
            // Seal: client writes 16 KiB records; the output is collected, then opened.
            let mut sealed: Vec<Vec<u8>> = Vec::new();
            let mut seal_time = Duration::ZERO;
            let mut bytes = 0usize;
            let t0 = Instant::now();
            while t0.elapsed().as_secs_f64() < seconds.max(0.01) || sealed.len() < 4 {
                let t = Instant::now();
                p.client.writer().write_all(&chunk).map_err(tls_err)?;
                let mut out = Vec::with_capacity(16384 + 128);
                while p.client.wants_write() {
                    p.client.write_tls(&mut out).map_err(tls_err)?;
                }
                seal_time += t.elapsed();
                bytes += chunk.len();
                if sealed.len() < 256 {
                    sealed.push(out);
                }
            }
            let seal = bytes as f64 / seal_time.as_secs_f64() / 1e6;
            // Open: the server reads the sealed records (cycled).
            let mut open_time = Duration::ZERO;
            let mut obytes = 0usize;
            let mut plain = vec![0u8; 16384];
            let mut i = 0usize;
            let t0 = Instant::now();
            while i < sealed.len() && (t0.elapsed().as_secs_f64() < seconds.max(0.01) || i < 4) {
                let rec = sealed.get(i).map(Vec::as_slice).unwrap_or_default();
                let t = Instant::now();
                let mut rd = rec;
                while !rd.is_empty() {
                    p.server.read_tls(&mut rd).map_err(tls_err)?;
                    p.server.process_new_packets().map_err(tls_err)?;
                }
                loop {
                    match p.server.reader().read(&mut plain) {
                        Ok(0) => break,
                        Ok(n) => obytes += n,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(tls_err(e)),
                    }
                }
                open_time += t.elapsed();
                i += 1;
            }
            let open = obytes as f64 / open_time.as_secs_f64() / 1e6;
            let suite = p
                .client
                .negotiated_cipher_suite()
                .map(|s| format!("{s:?}"))
                .unwrap_or_default();
            if json {
                println!("{{\"suite\":\"{suite}\",\"etm\":{etm},\"record_bytes\":16384,\"seal_mb_per_sec\":{seal:.1},\"open_mb_per_sec\":{open:.1}}}");
            } else {
                println!("{suite}, encrypt-then-MAC {etm}, 16 KiB records: seal {seal:.1} MB/s, open {open:.1} MB/s");
            }
            Ok(())
        }
    }
}
