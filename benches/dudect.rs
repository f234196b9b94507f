//! Timing-leak detection in the style of dudect (Reparaz, Balasch, Verbauwhede, "Dude, is my
//! code constant time?", DATE 2017): two classes of inputs, interleaved at random, many
//! timings, Welch's t-test on the raw timings and on timings cropped at several upper
//! percentiles (which removes the long tail of interrupts and cache misses). |t| above 4.5
//! means the two classes take measurably different times; below, no leak was detected at
//! that sample count (which proves nothing smaller is there).
//!
//! Not a pass/fail test (timing depends on the machine and its load): run it by hand.
//!
//! ```text
//! cargo bench --bench dudect                  # ~1 minute
//! DUDECT_SCALE=10 cargo bench --bench dudect  # 10x the samples (or: -- --scale 10)
//! cargo bench --bench dudect -- record        # only the cases whose name contains "record"
//! ```
//!
//! Cases:
//! - CBC MAC-then-encrypt record opening (Lucky 13): good vs bad padding, short vs long
//!   padding, bad MAC vs bad padding; through the public record-layer decrypter. Pairs
//!   with a valid record are informative only: the outcome is public (alert or data) and a
//!   valid record's length is public once authenticated (its content is then moved into
//!   place in time proportional to it). The pairs of failures are the leak tests.
//! - Server handshake, unknown user (simulated) vs known user with a wrong password: the
//!   server's ClientHello -> first flight, and the client's final flight -> failure; and
//!   the first flight of a locked-out unknown user vs a locked-out known user (decoy).
//! - Modular exponentiation with a secret exponent (`srp6a`'s own Montgomery arithmetic),
//!   2048-bit group: the generic constant-time exponentiation with an all-zero exponent
//!   vs random ones, and with the base 1 vs random bases (the base of the server's
//!   `(A * v^u)^b` depends on the verifier); the fixed-base exponentiation of g with an
//!   all-zero vs a random exponent; and the client's exponent `a + u*x` of 41 bytes whose
//!   top bytes are zero vs random. Zero exponents and the base 1 are the extremes for
//!   anything that skips work on zero limbs or zero windows.
//! - TLS 1.3 PAKE (SPAKE2+ over P-256): the prover's share with x = 1 vs random x, its
//!   shared points with w1 = 1 vs random w1, the verifier's response with y = 1 vs random
//!   y (the extremes for anything that skips zero digits or windows), and the server's
//!   ClientHello -> ServerHello for an unknown user (decoy record) vs a known one.
//! - Finished: the server's processing of a correct vs a wrong client Finished (a correct
//!   one goes on to build the server's own Finished, so that pair is expected to differ: it
//!   is printed for information, not as a leak test).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use aes::cipher::{BlockModeEncrypt, KeyIvInit};
use hmac::{KeyInit, Mac};
use tls_srp::internal::crypto::cbc::{new_decrypter, DirectionKeys};
use tls_srp::internal::msgs::enums::{ContentType, ProtocolVersion};
use tls_srp::internal::msgs::message::OpaqueMessage;
use tls_srp::suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA;
use tls_srp::{
    ClientConfig, ClientConnection, ConnectionCommon, Error, InMemoryUserStore, IoState,
    RateLimitConfig, RateLimiter, ServerConfig, ServerConnection, SideData, SrpGroup,
};

// ------------------------------------------------------------------------------------------
// Statistics
// ------------------------------------------------------------------------------------------

/// xorshift64*: class choices and filler bytes (not cryptographic; seeded from the OS).
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).expect("OS randomness");
        Rng(u64::from_le_bytes(b) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn bit(&mut self) -> usize {
        (self.next() >> 63) as usize
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 56) as u8).collect()
    }
}

/// Running mean and variance (Welford).
#[derive(Default, Clone, Copy)]
struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn push(&mut self, x: f64) {
        self.n += 1.0;
        let d = x - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (x - self.mean);
    }
    fn var(&self) -> f64 {
        if self.n < 2.0 {
            0.0
        } else {
            self.m2 / (self.n - 1.0)
        }
    }
}

/// Welch's t statistic of two classes.
fn welch(a: &Moments, b: &Moments) -> f64 {
    let se = (a.var() / a.n + b.var() / b.n).sqrt();
    if se == 0.0 {
        0.0
    } else {
        (a.mean - b.mean) / se
    }
}

const THRESHOLD: f64 = 4.5;

struct Report {
    n: [usize; 2],
    mean_ns: [f64; 2],
    t_raw: f64,
    t_max: f64,
    crop: f64,
    /// Class means at the crop that gave `t_max`.
    crop_mean_ns: [f64; 2],
}

/// t on all samples, and the largest |t| over dudect's crops: samples below the pooled
/// percentile `1 - 0.5^(10 (i+1) / 100)`, i = 0..100 (from the 7th percentile up to
/// nearly all). The first 1% of samples (warm-up) is dropped.
fn analyse(samples: &[(usize, u64)]) -> Report {
    let skip = samples.len() / 100;
    let s = samples.get(skip..).unwrap_or(&[]);
    let mut sorted: Vec<u64> = s.iter().map(|&(_, t)| t).collect();
    sorted.sort_unstable();
    let moments_below = |limit: u64| {
        let mut m = [Moments::default(); 2];
        for &(c, t) in s {
            if t <= limit {
                m[c].push(t as f64);
            }
        }
        m
    };
    let all = moments_below(u64::MAX);
    let t_raw = welch(&all[0], &all[1]);
    let (mut t_max, mut crop, mut crop_mean_ns) = (t_raw, 1.0, [all[0].mean, all[1].mean]);
    for i in 0..100 {
        let p = 1.0 - 0.5f64.powf(10.0 * (i as f64 + 1.0) / 100.0);
        let idx = ((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1));
        let Some(&limit) = sorted.get(idx) else {
            break;
        };
        let m = moments_below(limit);
        if m[0].n < 100.0 || m[1].n < 100.0 {
            continue;
        }
        let t = welch(&m[0], &m[1]);
        if t.abs() > t_max.abs() {
            (t_max, crop, crop_mean_ns) = (t, p, [m[0].mean, m[1].mean]);
        }
    }
    Report {
        n: [all[0].n as usize, all[1].n as usize],
        mean_ns: [all[0].mean, all[1].mean],
        t_raw,
        t_max,
        crop,
        crop_mean_ns,
    }
}

fn print(name: &str, classes: [&str; 2], r: &Report, informative: bool) {
    let verdict = if SMOKE.load(std::sync::atomic::Ordering::Relaxed) {
        "(smoke run)"
    } else if informative {
        "(expected to differ; not a leak test)"
    } else if r.t_max.abs() < THRESHOLD {
        "ok: no leak detected"
    } else {
        "LEAK? |t| >= 4.5"
    };
    println!(
        "{name:<44} n={:>8}+{:<8} mean {:>10.0} / {:<10.0} ns  t={:>7.2}  max|t|={:>6.2} (crop p={:.3})  {verdict}",
        r.n[0], r.n[1], r.mean_ns[0], r.mean_ns[1], r.t_raw, r.t_max.abs(), r.crop
    );
    println!(
        "{:<44} classes: [0] {}  [1] {}; at the crop: {:.0} / {:.0} ns",
        "", classes[0], classes[1], r.crop_mean_ns[0], r.crop_mean_ns[1]
    );
}

/// Measures `run` on inputs made by `prepare(class)`; inputs are made in batches before
/// being timed, so preparation is never inside the timed region. What `run` returns is
/// dropped after the clock is read, so freeing a result (whose size may depend on the
/// class) is not timed either.
fn measure<I, R>(
    samples: usize,
    rng: &mut Rng,
    mut prepare: impl FnMut(usize, &mut Rng) -> I,
    mut run: impl FnMut(I) -> R,
) -> Vec<(usize, u64)> {
    let batch = 256;
    let mut out = Vec::with_capacity(samples);
    while out.len() < samples {
        let n = batch.min(samples - out.len());
        let inputs: Vec<(usize, I)> = (0..n)
            .map(|_| {
                let c = rng.bit();
                (c, prepare(c, rng))
            })
            .collect();
        for (c, input) in inputs {
            let t0 = Instant::now();
            let r = black_box(run(black_box(input)));
            let dt = t0.elapsed().as_nanos() as u64;
            drop(r);
            out.push((c, dt));
        }
    }
    out
}

/// One leak test: `measure` the two classes and print the verdict.
fn leak_case<I, R>(
    name: &str,
    classes: [&str; 2],
    samples: usize,
    rng: &mut Rng,
    prepare: impl FnMut(usize, &mut Rng) -> I,
    run: impl FnMut(I) -> R,
) {
    let s = measure(samples, rng, prepare, run);
    print(name, classes, &analyse(&s), false);
}

// ------------------------------------------------------------------------------------------
// (i) CBC MAC-then-encrypt records
// ------------------------------------------------------------------------------------------

const MAC_KEY: [u8; 20] = [0x42; 20];
const ENC_KEY: [u8; 16] = [0x24; 16];
/// Plaintext (content + MAC + padding) length of every record: 20 blocks.
const PT_LEN: usize = 320;

/// What goes after the content and MAC.
#[derive(Clone, Copy)]
enum Tail {
    /// Valid padding of `n + 1` bytes of value `n`.
    Good(u8),
    /// Last byte says `n + 1` padding bytes (n >= 1), one of the bytes before it disagrees.
    BadPadding(u8),
    /// Valid padding of `n + 1` bytes, MAC with a flipped bit.
    BadMac(u8),
}

fn mte_record(rng: &mut Rng, tail: Tail) -> OpaqueMessage {
    let pad_len = match tail {
        Tail::Good(n) | Tail::BadPadding(n) | Tail::BadMac(n) => usize::from(n) + 1,
    };
    let content = rng.bytes(PT_LEN - 20 - pad_len);
    let mut header = 0u64.to_be_bytes().to_vec(); // sequence number 0
    header.push(23);
    header.extend_from_slice(&[3, 3]);
    header.extend_from_slice(&(content.len() as u16).to_be_bytes());
    let mut mac = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(&MAC_KEY).expect("key");
    mac.update(&header);
    mac.update(&content);
    let mut tag = mac.finalize().into_bytes().to_vec();
    let mut pt = content;
    match tail {
        Tail::Good(n) => {
            pt.extend_from_slice(&tag);
            pt.extend(std::iter::repeat_n(n, usize::from(n) + 1));
        }
        Tail::BadPadding(n) => {
            pt.extend_from_slice(&tag);
            // n bytes of which the first is not n, then n.
            pt.extend((0..n).map(|i| if i == 0 { n ^ 1 } else { n }));
            pt.push(n);
        }
        Tail::BadMac(n) => {
            if let Some(b) = tag.get_mut(7) {
                *b ^= 1;
            }
            pt.extend_from_slice(&tag);
            pt.extend(std::iter::repeat_n(n, usize::from(n) + 1));
        }
    }
    assert_eq!(pt.len(), PT_LEN);
    let iv = rng.bytes(16);
    let mut buf = pt;
    let (blocks, _) = aes::Block::slice_as_chunks_mut(&mut buf);
    cbc::Encryptor::<aes::Aes128>::new_from_slices(&ENC_KEY, &iv)
        .expect("key and iv")
        .encrypt_blocks(blocks);
    let mut payload = iv;
    payload.extend_from_slice(&buf);
    OpaqueMessage {
        typ: ContentType::ApplicationData,
        version: ProtocolVersion::TLSv1_2,
        payload,
    }
}

/// `informative`: the classes are expected to differ once the record is authenticated or
/// rejected (a valid record's content, of public length, is moved into place), so the
/// result is printed for information only.
fn record_case(
    name: &str,
    classes: [(&str, Tail); 2],
    informative: bool,
    samples: usize,
    rng: &mut Rng,
) {
    let mut dec = new_decrypter(
        &TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
        DirectionKeys {
            mac_key: &MAC_KEY,
            enc_key: &ENC_KEY,
        },
        false,
    );
    // A pool of different records per class; each sample opens a copy of one of them.
    let pools: Vec<Vec<OpaqueMessage>> = classes
        .iter()
        .map(|&(_, tail)| (0..64).map(|_| mte_record(rng, tail)).collect())
        .collect();
    for (c, pool) in pools.iter().enumerate() {
        let ok = dec.decrypt(pool[0].clone(), 0).is_ok();
        assert_eq!(
            ok,
            matches!(classes[c].1, Tail::Good(_)),
            "{name}: class {c}"
        );
    }
    let s = measure(
        samples,
        rng,
        |c, rng| pools[c][rng.below(64)].clone(),
        |m| dec.decrypt(m, 0),
    );
    print(
        name,
        [classes[0].0, classes[1].0],
        &analyse(&s),
        informative,
    );
}

// ------------------------------------------------------------------------------------------
// (ii), (iii) Server handshake
// ------------------------------------------------------------------------------------------

const USER: &str = "alice";
const PASSWORD: &str = "the right password";

fn server_config(ems: bool) -> Arc<ServerConfig> {
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user(
            USER,
            PASSWORD.as_bytes(),
            SrpGroup::by_bits(2048).expect("group"),
        )
        .expect("user");
    let mut cfg = ServerConfig::new(store).expect("config");
    cfg.enable_extended_master_secret = ems;
    // Thousands of connections are prepared before they are measured: no caps. The rate
    // limiter stays on the measured path (every attempt starts and is counted, for both
    // classes alike), with thresholds that never delay or lock out.
    cfg.handshake_slots = None;
    cfg.rate_limiter = Some(Arc::new(RateLimiter::new(RateLimitConfig {
        user_free_failures: u32::MAX,
        user_lockout_failures: u32::MAX,
        ip_free_failures: u32::MAX,
        ip_lockout_failures: u32::MAX,
        ..RateLimitConfig::default()
    })));
    Arc::new(cfg)
}

fn take_tls<D0: SideData>(c: &mut ConnectionCommon<D0>) -> Vec<u8> {
    let mut buf = Vec::new();
    while c.wants_write() {
        c.write_tls(&mut buf).expect("write_tls");
    }
    buf
}

fn feed<D0: SideData>(c: &mut ConnectionCommon<D0>, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        if c.read_tls(&mut bytes).expect("read_tls") == 0 {
            break;
        }
    }
}

fn client(user: &str, pw: &str) -> ClientConnection {
    ClientConnection::new(Arc::new(ClientConfig::new(user, pw)), Some("localhost")).expect("client")
}

/// Class 0: unknown user; class 1: known user, wrong password. The names have the same
/// length: the username is the attacker's own input, and the work on it (hashing it into
/// the lookup, the rate limiter's tables and the simulated record) depends on its length,
/// which tells nothing about whether the user exists.
fn hello_user(c: usize) -> &'static str {
    const UNKNOWN: &str = "mabel";
    const _: () = assert!(UNKNOWN.len() == USER.len());
    if c == 0 {
        UNKNOWN
    } else {
        USER
    }
}

fn handshake_first_flight(samples: usize, rng: &mut Rng) {
    let users = [hello_user(0), hello_user(1)];
    first_flight_case(
        server_config(true),
        "server: ClientHello -> first flight",
        ["unknown user", "known user, wrong password"],
        users,
        samples,
        rng,
    );
    // The same class twice: what |t| the machine's noise alone gives for this case.
    first_flight_case(
        server_config(true),
        "server: first flight, A/A control",
        ["known user", "known user"],
        [USER, USER],
        samples,
        rng,
    );
    // Both users locked out (with no delay, so that the flight is measured): the known
    // user gets a decoy in its own group, the unknown one its simulated record.
    let mut locked = (*server_config(true)).clone();
    let limiter = Arc::new(RateLimiter::new(RateLimitConfig {
        user_lockout_failures: 1,
        base_delay: std::time::Duration::ZERO,
        max_delay: std::time::Duration::ZERO,
        ip_free_failures: u32::MAX,
        ip_lockout_failures: u32::MAX,
        ..RateLimitConfig::default()
    }));
    for user in [hello_user(0), hello_user(1)] {
        limiter.record_failure(Some(user), None);
    }
    locked.rate_limiter = Some(limiter);
    first_flight_case(
        Arc::new(locked),
        "server: ClientHello -> first flight, locked out",
        ["unknown user, locked out", "known user, locked out"],
        users,
        samples,
        rng,
    );
}

fn first_flight_case(
    cfg: Arc<ServerConfig>,
    name: &str,
    classes: [&str; 2],
    users: [&str; 2],
    samples: usize,
    rng: &mut Rng,
) {
    hello_to_first_flight(cfg, name, classes, samples, rng, |c| {
        take_tls(&mut client(users[c], "a wrong password"))
    });
}

/// The server's ClientHello -> first flight, with the hello of class `c` from `hello(c)`.
fn hello_to_first_flight(
    cfg: Arc<ServerConfig>,
    name: &str,
    classes: [&str; 2],
    samples: usize,
    rng: &mut Rng,
    hello: impl Fn(usize) -> Vec<u8>,
) {
    leak_case(
        name,
        classes,
        samples,
        rng,
        |c, _| {
            (
                ServerConnection::new(cfg.clone(), None).expect("server"),
                hello(c),
            )
        },
        |(mut srv, hello)| {
            feed(&mut srv, &hello);
            let r = srv.process_new_packets();
            let out = take_tls(&mut srv);
            (srv, r.is_ok(), out)
        },
    );
}

/// A server that has sent its first flight and the client's final flight for it.
fn up_to_final_flight(
    cfg: &Arc<ServerConfig>,
    user: &str,
    pw: &str,
    alter_hello: bool,
) -> (ServerConnection, Vec<u8>) {
    let mut cl = client(user, pw);
    let mut srv = ServerConnection::new(cfg.clone(), None).expect("server");
    let mut hello = take_tls(&mut cl);
    if alter_hello {
        // Change the server name the server sees: its transcript differs from the
        // client's, nothing else does (keys come from the randoms without EMS), so the
        // client's Finished decrypts fine and carries the wrong verify_data.
        let pos = hello
            .windows(9)
            .position(|w| w == b"localhost")
            .expect("SNI in the hello");
        hello[pos] = b'L';
    }
    feed(&mut srv, &hello);
    srv.process_new_packets().expect("server hello");
    let flight = take_tls(&mut srv);
    feed(&mut cl, &flight);
    cl.process_new_packets().expect("client");
    let last = take_tls(&mut cl);
    (srv, last)
}

/// The server processes the client's final flight (the timed step of the final-flight and
/// Finished cases); the connection and the result are returned, to be dropped untimed.
fn final_flight(
    (mut srv, last): (ServerConnection, Vec<u8>),
) -> (ServerConnection, Result<IoState, Error>) {
    feed(&mut srv, &last);
    let r = srv.process_new_packets();
    (srv, r)
}

fn handshake_final_flight(samples: usize, rng: &mut Rng) {
    let cfg = server_config(true);
    leak_case(
        "server: client final flight -> failure",
        ["unknown user", "known user, wrong password"],
        samples,
        rng,
        |c, _| up_to_final_flight(&cfg, hello_user(c), "a wrong password", false),
        final_flight,
    );
}

fn finished_check(samples: usize, rng: &mut Rng) {
    let cfg = server_config(false);
    // Sanity: class 0 succeeds, class 1 fails at Finished.
    for (c, want_ok) in [(0, true), (1, false)] {
        let (_, r) = final_flight(up_to_final_flight(&cfg, USER, PASSWORD, c == 1));
        assert_eq!(r.is_ok(), want_ok, "Finished class {c}: {r:?}");
    }
    let s = measure(
        samples,
        rng,
        |c, _| up_to_final_flight(&cfg, USER, PASSWORD, c == 1),
        final_flight,
    );
    print(
        "server: client Finished check",
        ["correct verify_data", "wrong verify_data"],
        &analyse(&s),
        true,
    );
}

// ------------------------------------------------------------------------------------------
// (iv) Modular exponentiation with secret exponents and bases
// ------------------------------------------------------------------------------------------

fn modexp_cases(samples: usize, rng: &mut Rng) {
    // The padded variants: stripping the leading zero bytes of a result (which a result of
    // 1, from a zero exponent, has many of) takes time by their number, and is not the
    // arithmetic under test. Bases are given at the full length of N for the same reason.
    use srp6a::internal::{pow_g_padded as pow_g, pow_mod_ct_padded as pow_mod_ct, precompute};
    let group = SrpGroup::by_bits(2048).expect("2048-bit group");
    precompute(group);
    let n_len = group.byte_len();
    let random_base = |rng: &mut Rng| {
        let mut b = rng.bytes(n_len);
        b[0] &= 0x7f; // below N
        b
    };
    // Generic exponentiation: 256-bit exponent all zero vs random (base random).
    leak_case(
        "modexp: pow_ct exponent, zero vs random",
        ["all-zero exponent", "random exponent"],
        samples,
        rng,
        |c, rng| {
            let e = if c == 0 { vec![0u8; 32] } else { rng.bytes(32) };
            (random_base(rng), e)
        },
        |(b, e)| pow_mod_ct(group, &b, &e),
    );
    // Generic exponentiation: base 1 vs random (exponent random).
    leak_case(
        "modexp: pow_ct base, 1 vs random",
        ["base 1", "random base"],
        samples,
        rng,
        |c, rng| {
            let b = if c == 0 {
                let mut one = vec![0u8; n_len];
                one[n_len - 1] = 1;
                one
            } else {
                random_base(rng)
            };
            (b, rng.bytes(32))
        },
        |(b, e)| pow_mod_ct(group, &b, &e),
    );
    // Fixed-base table of g: exponent all zero vs random.
    leak_case(
        "modexp: pow_g (fixed base), zero vs random",
        ["all-zero exponent", "random exponent"],
        samples * 4,
        rng,
        |c, rng| if c == 0 { vec![0u8; 32] } else { rng.bytes(32) },
        |e| pow_g(group, &e),
    );
    // The client's exponent a + u*x (41 bytes): top 21 bytes zero vs random.
    leak_case(
        "modexp: 41-byte exponent, zero top half vs random",
        ["top 21 bytes zero", "random"],
        samples,
        rng,
        |c, rng| {
            let mut e = rng.bytes(41);
            if c == 0 {
                e[..21].fill(0);
            }
            (random_base(rng), e)
        },
        |(b, e)| pow_mod_ct(group, &b, &e),
    );
    // A/A control.
    leak_case(
        "modexp: A/A control, random twice",
        ["random", "random"],
        samples,
        rng,
        |_, rng| (random_base(rng), rng.bytes(32)),
        |(b, e)| pow_mod_ct(group, &b, &e),
    );
}

// ------------------------------------------------------------------------------------------

/// Set for a smoke run: verdicts are not printed.
static SMOKE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

// ------------------------------------------------------------------------------------------
// (v) TLS 1.3 PAKE: SPAKE2+ scalar multiplications with secret scalars, and the server's
// first flight for a known vs an unknown user
// ------------------------------------------------------------------------------------------

/// A scalar below the P-256 group order: 1 (class 0, the extreme for anything that skips
/// zero windows or digits) or random with the top bit clear (class 1).
fn pake_scalar(c: usize, rng: &mut Rng) -> [u8; 32] {
    let mut s = [0u8; 32];
    match c {
        0 => s[31] = 1,
        _ => {
            s.copy_from_slice(&rng.bytes(32));
            s[0] &= 0x7f;
            s[31] |= 1;
        }
    }
    s
}

const PAKE_SID: &[u8] = b"dudect.example";

fn pake_cases(samples: usize, rng: &mut Rng) {
    use tls_srp::pake::spake2plus::{Prover, Verifier};
    use tls_srp::pake::{PakeClientParams, PakeServerParams, ProverKeys};
    let random_keys = |rng: &mut Rng| {
        ProverKeys::from_bytes(&pake_scalar(1, rng), &pake_scalar(1, rng)).expect("keys")
    };
    let keys = random_keys(rng);
    let record = keys.record();
    let (_, share_p) = Prover::start(b"", USER.as_bytes(), PAKE_SID, &keys).expect("start");
    let (_, response) =
        Verifier::respond(b"", USER.as_bytes(), PAKE_SID, &record, &share_p).expect("respond");
    let share_v = response.share_v;

    // Prover: X = x*P + w0*M with x = 1 vs random x.
    leak_case(
        "pake: prover share, x = 1 vs random x",
        ["x = 1", "random x"],
        samples,
        rng,
        pake_scalar,
        |x| Prover::start_with_x(b"", USER.as_bytes(), PAKE_SID, &keys, &x).is_ok(),
    );
    // Prover: Z = x*(Y - w0*N), V = w1*(Y - w0*N) with w1 = 1 vs random w1 (the
    // confirmation then fails for both classes, after the multiplications).
    leak_case(
        "pake: prover finish, w1 = 1 vs random w1",
        ["w1 = 1", "random w1"],
        samples,
        rng,
        |c, rng| {
            let w1 = pake_scalar(c, rng);
            let k = ProverKeys::from_bytes(&pake_scalar(1, rng), &w1).expect("keys");
            Prover::start(b"", USER.as_bytes(), PAKE_SID, &k)
                .expect("start")
                .0
        },
        |prover| prover.finish(&share_v, &[0u8; 32]).is_err(),
    );
    // Verifier: Y = y*P + w0*N, Z = y*(X - w0*M), V = y*L with y = 1 vs random y.
    leak_case(
        "pake: verifier response, y = 1 vs random y",
        ["y = 1", "random y"],
        samples,
        rng,
        pake_scalar,
        |y| Verifier::respond_with_y(b"", USER.as_bytes(), PAKE_SID, &record, &share_p, &y).is_ok(),
    );

    // The server's ClientHello -> ServerHello for an unknown user (a decoy record derived
    // from the simulation secret) vs a known one, and an A/A control.
    let store = Arc::new(InMemoryUserStore::new());
    store.insert_pake(USER, PAKE_SID, record.clone());
    let mut cfg = (*server_config(true)).clone();
    cfg.user_store = Some(store);
    cfg.pake = Some(PakeServerParams::new(PAKE_SID));
    let cfg = Arc::new(cfg);
    let client_params = PakeClientParams::new(PAKE_SID, random_keys(rng));
    for (name, classes, users) in [
        (
            "pake: server ClientHello -> ServerHello, unknown vs known user",
            ["unknown user", "known user"],
            [hello_user(0), hello_user(1)],
        ),
        (
            "pake: server first flight, A/A control",
            ["known user", "known user"],
            [USER, USER],
        ),
    ] {
        hello_to_first_flight(cfg.clone(), name, classes, samples, rng, |c| {
            let config = ClientConfig::pake_with_params(users[c], client_params.clone());
            take_tls(&mut ClientConnection::new(Arc::new(config), None).expect("client"))
        });
    }

    // The same over a store whose records are not prepared ahead (only `lookup_pake`): the
    // server prepares the user's record, or the decoy, on each attempt.
    struct BareStore(tls_srp::pake::VerifierRecord);
    impl tls_srp::UserStore for BareStore {
        fn lookup(&self, _username: &str) -> Option<tls_srp::UserRecord> {
            None
        }
        fn lookup_pake(&self, username: &str, sid: &[u8]) -> Option<tls_srp::pake::VerifierRecord> {
            (username == USER && sid == PAKE_SID).then(|| self.0.clone())
        }
    }
    let mut bare = (*cfg).clone();
    bare.user_store = Some(Arc::new(BareStore(record.clone())));
    let users = [hello_user(0), hello_user(1)];
    hello_to_first_flight(
        Arc::new(bare),
        "pake: server ClientHello -> ServerHello, unknown vs known user, records not prepared",
        ["unknown user", "known user"],
        samples,
        rng,
        |c| {
            let config = ClientConfig::pake_with_params(users[c], client_params.clone());
            take_tls(&mut ClientConnection::new(Arc::new(config), None).expect("client"))
        },
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut scale: f64 = std::env::var("DUDECT_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let mut filter: Option<String> = None;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.as_str() {
            "--scale" => {
                scale = args
                    .get(i + 1)
                    .and_then(|s| s.parse().ok())
                    .expect("--scale NUMBER");
                i += 1;
            }
            // What cargo bench passes to every harness.
            "--bench" => {}
            a if a.starts_with('-') => {}
            a => filter = Some(a.to_owned()),
        }
        i += 1;
    }
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary without it
    // (in the test profile): then a smoke run only checks that every case still runs.
    let smoke = !args.iter().any(|a| a == "--bench") && std::env::var("DUDECT_SCALE").is_err();
    SMOKE.store(smoke, std::sync::atomic::Ordering::Relaxed);
    if smoke {
        println!(
            "dudect: smoke run (not under `cargo bench`): a few samples per case, the statistics \
             mean nothing here; measure with `cargo bench --bench dudect`"
        );
    }
    let n = |base: f64| match smoke {
        true => 200,
        false => ((base * scale) as usize).max(1000),
    };
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let mut rng = Rng::new();
    println!(
        "dudect-style Welch t-tests (|t| < {THRESHOLD}: no leak detected); DUDECT_SCALE={scale}"
    );
    let start = Instant::now();
    if wanted("record") {
        let good1 = ("good padding (1 byte)", Tail::Good(0));
        let bad = ("bad padding (byte 16)", Tail::BadPadding(16));
        let bad_mac = ("bad MAC, padding 1 byte", Tail::BadMac(0));
        let cases = [
            // Valid vs invalid records are told apart by the alert anyway; valid records'
            // lengths are public once authenticated (the content is moved into place).
            ("record: CBC MtE open, good vs bad padding", [good1, bad]),
            (
                "record: CBC MtE open, padding 1 vs 256 bytes",
                [good1, ("good padding (256 bytes)", Tail::Good(255))],
            ),
            (
                "record: CBC MtE open, padding 16 vs 1 byte",
                [("good padding (16 bytes)", Tail::Good(15)), good1],
            ),
            // The Lucky 13 question: do all the failures take the same time?
            (
                "record: CBC MtE open, bad MAC vs bad padding",
                [bad_mac, bad],
            ),
            (
                "record: bad MAC, padding 1 vs 256 bytes",
                [bad_mac, ("bad MAC, padding 256 bytes", Tail::BadMac(255))],
            ),
            (
                "record: bad padding, byte 16 vs byte 255",
                [bad, ("bad padding (byte 255)", Tail::BadPadding(255))],
            ),
            // A/A controls: two pools of the same kind. A large |t| here means the harness
            // or the machine, not the code, makes the difference.
            ("record: A/A control, bad padding twice", [bad, bad]),
            ("record: A/A control, bad MAC twice", [bad_mac, bad_mac]),
        ];
        for (name, classes) in cases {
            // Pairs with a valid record: the outcome, and then the (authenticated, so
            // public) content length, are visible anyway; the copy of the content after
            // the check takes time proportional to it.
            let informative = classes.iter().any(|(_, t)| matches!(t, Tail::Good(_)));
            record_case(name, classes, informative, n(300_000.0), &mut rng);
        }
    }
    if wanted("handshake") {
        handshake_first_flight(n(6_000.0), &mut rng);
        handshake_final_flight(n(3_000.0), &mut rng);
    }
    if wanted("finished") {
        finished_check(n(2_000.0), &mut rng);
    }
    if wanted("modexp") {
        modexp_cases(n(4_000.0), &mut rng);
    }
    if wanted("pake") {
        pake_cases(n(3_000.0), &mut rng);
    }
    println!("total {:.1} s", start.elapsed().as_secs_f64());
}
