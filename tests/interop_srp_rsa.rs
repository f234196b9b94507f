//! Interop of the SRP-RSA suites (RFC 5054 2.7: TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA 0xC01E,
//! TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA 0xC021), both roles, on 127.0.0.1, against real
//! peers started by the tests: OpenSSL 3.0 (the libssl C peers with `--cert/--key` and
//! `--cafile/--verify-host`, `openssl s_server -cert -key` and `s_client -CAfile` with the
//! callback fix), GnuTLS (`gnutls-serv --x509certfile`, `gnutls-cli --x509cafile` with
//! `+SRP-RSA`), tlslite-ng (its SRP server with a certificate chain, its SRP client pinning
//! the certificate: it has no CA validation), curl (`--cacert`), and, as a client only,
//! Apache httpd's mod_ssl (`SSLSRPVerifierFile`), the production OpenSSL SRP server.
//!
//! Certificates: `common/certs.rs` (a CA, a server certificate for `localhost` and
//! 127.0.0.1 signed by it, an unrelated CA), made with the `openssl` command. Our server
//! signs with `ServerConfig::certificate`; our client checks the chain and the name with
//! `ServerAuth::with_root_file(CA)` and the server name `localhost`.
//!
//! The matrix, at 2048 bits: per peer and role, four EMS/EtM settings (all on; off on our
//! side; EMS off on theirs; EtM off on theirs; for curl and Apache, which cannot turn them
//! off, the four combinations on our side), each a cell pair AES-128 + AES-256 of
//! [`PAIR`] handshakes with random users. In each pair one side restricts the suite and
//! the other offers every SRP suite, plain ones included, so the pair also shows that a
//! server with a certificate picks SRP-RSA. Every cell checks both sides' views: the peer's
//! own report (cipher, EMS/EtM where it tells, and where it tells the signature scheme of
//! the ServerKeyExchange and its certificate check) and ours (`negotiated_cipher_suite()`,
//! `extended_master_secret()`, `encrypt_then_mac()`, the username), and the data
//! exchanged. Apache: plain SRP and SRP-RSA cells, its cipher order, and that it does not
//! start without a certificate.
//!
//! Negatives, each with the exact alert on the wire or as the peer reports it: a
//! certificate from another CA, a certificate for another name, a wrong password; both
//! roles with every peer.
//!
//! Tables: stdout (`--nocapture`) and `target/interop/matrix-srp_rsa.md`.
//!
//! Run: `cargo test --test interop_srp_rsa -- --nocapture`.

#[path = "common/certs.rs"]
mod certs;
#[path = "common/interop.rs"]
mod interop;

use std::collections::BTreeSet;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use interop::*;
use tls_srp::cert::{certified_key_from_pem_files, CertifiedKey, ServerAuth};
use tls_srp::{
    suites, AlertDescription, CipherSuite, ClientConfig, ClientConnection, Error,
    InMemoryUserStore, ServerConfig, SrpGroup, SupportedCipherSuite,
};

/// Matrix file tag: `target/interop/matrix-srp_rsa.md`.
const TAG: &str = "srp_rsa";
/// Handshakes per cell pair (AES-128 + AES-256: half each), 2048 bits, random users.
const PAIR: usize = 50;
/// The name in the server certificate, and one that is not.
const HOST: &str = "localhost";
const WRONG_HOST: &str = "wrong.example";
/// The user group of every cell.
const BITS: u32 = 2048;

// ---------------------------------------------------------------------------------------
// Shared pieces

fn rsa128() -> SupportedCipherSuite {
    suites::TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA
}

fn rsa256() -> SupportedCipherSuite {
    suites::TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA
}

fn plain128() -> SupportedCipherSuite {
    suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA
}

fn plain256() -> SupportedCipherSuite {
    suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA
}

fn b(x: bool) -> u8 {
    u8::from(x)
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Our server's certificate and key, loaded once.
fn server_key() -> Arc<CertifiedKey> {
    static K: OnceLock<Arc<CertifiedKey>> = OnceLock::new();
    K.get_or_init(|| {
        let c = certs::certs();
        certified_key_from_pem_files(&c.chain, &c.key).expect("server certificate")
    })
    .clone()
}

/// Our client's certificate check: rustls's web-PKI verifier over the roots in `ca`.
fn server_auth(ca: &Path) -> Arc<ServerAuth> {
    Arc::new(ServerAuth::with_root_file(ca).expect("CA file"))
}

fn random_users(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|_| (random_username(), random_password()))
        .collect()
}

fn store_with(users: &[(String, String)]) -> Arc<InMemoryUserStore> {
    let g = SrpGroup::by_bits(BITS).expect("RFC 5054 group");
    let store = Arc::new(InMemoryUserStore::new());
    for (u, p) in users {
        store.add_user(u, p.as_bytes(), g).expect("add_user");
    }
    store
}

/// Our server with the certificate, `suites` in this order, EMS/EtM switches.
fn rsa_server_config(
    store: &Arc<InMemoryUserStore>,
    suites: &[SupportedCipherSuite],
    ems: bool,
    etm: bool,
) -> Arc<ServerConfig> {
    let mut cfg = ServerConfig::new(store.clone()).expect("ServerConfig::new");
    cfg.certificate = Some(server_key());
    cfg.cipher_suites = suites.to_vec();
    cfg.enable_extended_master_secret = ems;
    cfg.enable_encrypt_then_mac = etm;
    Arc::new(cfg)
}

/// Our client checking certificates against `ca`.
fn rsa_client_config(
    user: &str,
    password: &str,
    suites: &[SupportedCipherSuite],
    ems: bool,
    etm: bool,
    ca: &Path,
) -> Arc<ClientConfig> {
    let mut cfg = ClientConfig::new(user, password);
    cfg.cipher_suites = suites.to_vec();
    cfg.enable_extended_master_secret = ems;
    cfg.enable_encrypt_then_mac = etm;
    cfg.server_auth = Some(server_auth(ca));
    Arc::new(cfg)
}

/// Connects our client to 127.0.0.1:`port` as `server_name` and completes the handshake.
fn connect(
    cfg: Arc<ClientConfig>,
    port: u16,
    server_name: &str,
) -> Result<Tls<ClientConnection>, Fail> {
    let sock = TcpStream::connect(("127.0.0.1", port))?;
    let conn = ClientConnection::new(cfg, Some(server_name)).map_err(Fail::Tls)?;
    let mut tls = Tls::new(conn, sock);
    tls.handshake()?;
    Ok(tls)
}

/// Our client's view after a handshake: (suite, EMS, EtM).
type View = (Option<CipherSuite>, bool, bool);

fn our_view(tls: &Tls<ClientConnection>) -> View {
    (
        tls.conn.negotiated_cipher_suite(),
        tls.conn.extended_master_secret(),
        tls.conn.encrypt_then_mac(),
    )
}

/// The TLS 1.2 names of the RSA SignatureAndHashAlgorithm values.
fn sigalg_name(s: u16) -> String {
    match s {
        0x0201 => "rsa_pkcs1_sha1".into(),
        0x0401 => "rsa_pkcs1_sha256".into(),
        0x0501 => "rsa_pkcs1_sha384".into(),
        0x0601 => "rsa_pkcs1_sha512".into(),
        0x0804 => "rsa_pss_rsae_sha256".into(),
        0x0805 => "rsa_pss_rsae_sha384".into(),
        0x0806 => "rsa_pss_rsae_sha512".into(),
        other => format!("0x{other:04x}"),
    }
}

/// Our server signs with RSA-PSS whenever the client offers it (every peer here does).
fn is_rsa_pss(s: u16) -> bool {
    (0x0804..=0x0806).contains(&s)
}

/// The RSA schemes our client offers (rustls's ring provider verifies all of them).
fn is_rsa_scheme(s: u16) -> bool {
    matches!(s, 0x0401 | 0x0501 | 0x0601 | 0x0804..=0x0806)
}

/// Pairs each `CONN ` line of a C peer or tlslite script with the `SIGALG 0x....` line
/// printed before it (the scheme of the ServerKeyExchange's signature on the wire).
fn conn_lines_with_sigalg(lines: &[String]) -> Vec<(Option<u16>, String)> {
    let mut out = Vec::new();
    let mut sig = None;
    for l in lines {
        if let Some(rest) = l.strip_prefix("SIGALG 0x") {
            sig = rest
                .split_whitespace()
                .next()
                .and_then(|h| u16::from_str_radix(h, 16).ok());
        } else if l.starts_with("CONN ") {
            out.push((sig.take(), l.clone()));
        }
    }
    out
}

/// One configuration of a cell: the suite, which side restricts it (the other offers
/// every SRP suite, plain ones included), and the EMS/EtM switches of each side.
#[derive(Clone, Copy, Debug)]
struct Mix {
    suite: SupportedCipherSuite,
    ours_restricts: bool,
    ours_ems: bool,
    ours_etm: bool,
    their_ems: bool,
    their_etm: bool,
}

impl Mix {
    fn ems(&self) -> bool {
        self.ours_ems && self.their_ems
    }
    fn etm(&self) -> bool {
        self.ours_etm && self.their_etm
    }
    /// Ours: the suite alone, or every suite in our default order (SRP-RSA first).
    fn our_suites(&self) -> Vec<SupportedCipherSuite> {
        if self.ours_restricts {
            vec![self.suite]
        } else {
            tls_srp::ALL_CIPHER_SUITES.to_vec()
        }
    }
    /// The OpenSSL cipher string of the peer: every SRP suite, or the suite alone.
    fn openssl_cipher(&self) -> &'static str {
        if self.ours_restricts {
            "SRP"
        } else {
            openssl_name(self.suite.suite)
        }
    }
    fn label(&self, peer: &str) -> String {
        format!(
            "ours ems={} etm={}; {peer} ems={} etm={}; suite chosen by {}",
            b(self.ours_ems),
            b(self.ours_etm),
            b(self.their_ems),
            b(self.their_etm),
            if self.ours_restricts { "ours" } else { peer }
        )
    }
}

/// Four EMS/EtM settings (all on; off on our side; EMS off on theirs; EtM off on theirs),
/// each with both suites; the side that restricts the suite alternates.
fn mixes() -> Vec<Mix> {
    let mut v = Vec::new();
    for (i, (oe, ot, te, tt)) in [
        (true, true, true, true),
        (false, false, true, true),
        (true, true, false, true),
        (true, true, true, false),
    ]
    .into_iter()
    .enumerate()
    {
        for (j, suite) in [rsa128(), rsa256()].into_iter().enumerate() {
            v.push(Mix {
                suite,
                ours_restricts: (i + j) % 2 == 0,
                ours_ems: oe,
                ours_etm: ot,
                their_ems: te,
                their_etm: tt,
            });
        }
    }
    v
}

/// For peers that always offer or accept both extensions (curl, Apache): the four
/// combinations on our side.
fn mixes_ours_only() -> Vec<Mix> {
    let mut v = Vec::new();
    for (i, (oe, ot)) in [(true, true), (false, false), (true, false), (false, true)]
        .into_iter()
        .enumerate()
    {
        for (j, suite) in [rsa128(), rsa256()].into_iter().enumerate() {
            v.push(Mix {
                suite,
                ours_restricts: (i + j) % 2 == 0,
                ours_ems: oe,
                ours_etm: ot,
                their_ems: true,
                their_etm: true,
            });
        }
    }
    v
}

/// What a cell run found: a failure description (or None) per handshake, and the
/// signature schemes seen.
struct Cell {
    fails: Vec<Option<String>>,
    sigalgs: BTreeSet<String>,
}

fn cell_row(peer: &str, role: &str, options: String, suite: CipherSuite, cell: &Cell) -> MatrixRow {
    let bad: Vec<&String> = cell.fails.iter().flatten().collect();
    let sig = if cell.sigalgs.is_empty() {
        String::new()
    } else {
        format!(
            "; ServerKeyExchange signed with {}",
            cell.sigalgs.iter().cloned().collect::<Vec<_>>().join(", ")
        )
    };
    MatrixRow {
        peer: peer.into(),
        role: role.into(),
        suite: suite_short(suite).into(),
        group: BITS.to_string(),
        options: format!("{options}{sig}"),
        handshakes: cell.fails.len(),
        result: if bad.is_empty() {
            "ok".into()
        } else {
            format!("FAIL {}/{}: {}", bad.len(), cell.fails.len(), bad[0])
        },
    }
}

fn check_rows(rows: &[MatrixRow]) {
    let bad: Vec<&MatrixRow> = rows
        .iter()
        .filter(|r| !r.result.starts_with("ok"))
        .collect();
    assert!(bad.is_empty(), "failing cells: {bad:#?}");
}

/// The matrix cells of a test: all ok, and cell pairs (as many AES-128 cells as AES-256
/// ones) of at least [`PAIR`] handshakes.
fn check_cells(rows: &[MatrixRow]) {
    check_rows(rows);
    let short = rows.iter().filter(|r| r.handshakes < PAIR / 2).count();
    let n128 = rows.iter().filter(|r| r.suite.ends_with("AES-128")).count();
    assert!(short == 0 && 2 * n128 == rows.len(), "{rows:#?}");
}

/// A row of one handshake whose outcome was asserted before recording (a negative, or a
/// preference).
fn fact_row(peer: &str, role: &str, suite: CipherSuite, what: &str, result: &str) -> MatrixRow {
    MatrixRow {
        peer: peer.into(),
        role: role.into(),
        suite: suite_short(suite).into(),
        group: BITS.to_string(),
        options: what.into(),
        handshakes: 1,
        result: format!("ok: {result}"),
    }
}

/// `OpenSSL 3.0.19` (from `openssl version`).
fn openssl_peer() -> String {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let out = Command::new("openssl")
            .arg("version")
            .output()
            .expect("openssl version");
        let v = String::from_utf8_lossy(&out.stdout);
        let mut w = v.split_whitespace();
        match (w.next(), w.next()) {
            (Some(a), Some(b)) => format!("{a} {b}"),
            _ => "OpenSSL".into(),
        }
    })
    .clone()
}

/// `GnuTLS 3.7.9` (from `gnutls-cli --version`).
fn gnutls_peer() -> String {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let out = Command::new("gnutls-cli")
            .arg("--version")
            .output()
            .expect("gnutls-cli --version");
        let v = String::from_utf8_lossy(&out.stdout);
        v.lines()
            .next()
            .and_then(|l| l.split_whitespace().last())
            .map(|ver| format!("GnuTLS {ver}"))
            .unwrap_or_else(|| "GnuTLS".into())
    })
    .clone()
}

const TLSLITE: &str = "tlslite-ng 0.8.2";

/// `curl 7.88.1 (OpenSSL 3.0.19)` (from `curl --version`).
fn curl_peer() -> String {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let out = Command::new("curl")
            .arg("--version")
            .output()
            .expect("curl --version");
        let v = String::from_utf8_lossy(&out.stdout);
        let first = v.lines().next().unwrap_or("");
        let words: Vec<&str> = first.split_whitespace().collect();
        let ssl = words
            .iter()
            .find_map(|w| w.strip_prefix("OpenSSL/"))
            .unwrap_or("?");
        format!("curl {} (OpenSSL {ssl})", words.get(1).unwrap_or(&"?"))
    })
    .clone()
}

fn apache_peer() -> String {
    format!(
        "{} mod_ssl ({})",
        apache_version().replace("Apache/", "Apache httpd "),
        openssl_peer()
    )
}

// ---------------------------------------------------------------------------------------
// OpenSSL: the libssl C peers

const ROLE_C_CLIENT: &str = "libssl client (ossl_srp_client --cafile) → our server";
const ROLE_C_SERVER: &str = "our client → libssl server (ossl_srp_server --cert)";

fn c_flags(m: &Mix) -> Vec<&'static str> {
    let mut v = vec!["--cipher", m.openssl_cipher()];
    if !m.their_ems {
        v.push("--no-ems");
    }
    if !m.their_etm {
        v.push("--no-etm");
    }
    v
}

/// ossl_srp_client (checking our certificate against the CA and the name `localhost`) →
/// our server with the certificate: one connection per user.
fn c_client_cell(m: &Mix, users: &[(String, String)]) -> Cell {
    let c = certs::certs();
    let tmp = TempDir::new("rsa-c-client");
    let file = tmp.path("users.txt");
    write_users_file(&file, users);
    let server = Server::start(
        rsa_server_config(&store_with(users), &m.our_suites(), m.ours_ems, m.ours_etm),
        users.len(),
        line_handler,
    );
    let mut cmd = Command::new(peers().bin("ossl_srp_client"));
    cmd.arg("--connect")
        .arg(format!("127.0.0.1:{}", server.port()))
        .arg("--users")
        .arg(&file)
        .arg("--cafile")
        .arg(&c.ca)
        .args(["--verify-host", HOST])
        .args(c_flags(m));
    let mut client = Proc::spawn("ossl_srp_client", cmd, Stdio::null());
    let status = client.wait_exit(PROC_TIMEOUT * 3);
    let conns = conn_lines_with_sigalg(client.stdout_lines());
    let results = server.join();
    let name = openssl_name(m.suite.suite);
    let mut cell = Cell {
        fails: Vec::new(),
        sigalgs: BTreeSet::new(),
    };
    for (i, (user, _)) in users.iter().enumerate() {
        // libssl's view, which it also checked against our server's reply line.
        let want = format!(
            "CONN ok user={user} cipher={name} ems={} etm={}",
            b(m.ems()),
            b(m.etm())
        );
        let fail = match (conns.get(i), results.get(i)) {
            (None, _) => Some(format!("no CONN line ({status}): {}", client.stderr())),
            (Some((_, l)), _) if *l != want => Some(format!("libssl: {l}")),
            (Some((sig, _)), _) if !sig.is_some_and(is_rsa_pss) => {
                Some(format!("libssl saw the signature scheme {sig:?}"))
            }
            (Some((sig, _)), Some(Ok(saw))) => {
                cell.sigalgs
                    .insert(sigalg_name(sig.expect("checked above")));
                (saw.user != *user
                    || saw.suite != m.suite.suite
                    || (saw.ems, saw.etm) != (m.ems(), m.etm())
                    || saw.request != format!("hello {user}"))
                .then(|| format!("our server saw {saw:?}"))
            }
            (_, Some(Err(e))) => Some(format!("our server: {e:?}")),
            (_, None) => Some("our server stopped early".into()),
        };
        cell.fails.push(fail);
    }
    if !status.success() && cell.fails.iter().all(Option::is_none) {
        cell.fails
            .push(Some(format!("ossl_srp_client exited {status}")));
    }
    cell
}

/// Our client (checking the certificate) → ossl_srp_server with the certificate.
fn c_server_cell(m: &Mix, users: &[(String, String)]) -> Cell {
    let c = certs::certs();
    let tmp = TempDir::new("rsa-c-server");
    let file = tmp.path("users.txt");
    write_users_file(&file, users);
    let max = users.len().to_string();
    let mut args = vec![
        "--users",
        path_str(&file),
        "--max-conns",
        &max,
        "--cert",
        path_str(&c.chain),
        "--key",
        path_str(&c.key),
    ];
    args.extend(c_flags(m));
    let (mut server, port) = start_c_server(&args);
    let name = openssl_name(m.suite.suite);
    let mut cell = Cell {
        fails: Vec::new(),
        sigalgs: BTreeSet::new(),
    };
    for (user, pw) in users {
        let cfg = rsa_client_config(user, pw, &m.our_suites(), m.ours_ems, m.ours_etm, &c.ca);
        let res = (|| -> Result<Option<String>, Fail> {
            let mut tls = connect(cfg, port, HOST)?;
            let ours = our_view(&tls);
            tls.send(format!("hello {user}\n").as_bytes())?;
            let reply = tls.read_line()?;
            tls.close()?;
            if ours != (Some(m.suite.suite), m.ems(), m.etm()) {
                return Ok(Some(format!("our view {ours:?}")));
            }
            // The OpenSSL server's view of the connection.
            let want = format!(
                "OK {user} {name} ems={} etm={} hello {user}",
                b(m.ems()),
                b(m.etm())
            );
            Ok((reply != want).then(|| format!("libssl replied {reply:?}")))
        })();
        cell.fails
            .push(res.unwrap_or_else(|e| Some(format!("{e:?}"))));
    }
    let st = server.wait_exit(PROC_TIMEOUT);
    let conns = conn_lines_with_sigalg(server.stdout_lines());
    for (i, (user, _)) in users.iter().enumerate() {
        let prefix = format!(
            "CONN ok user={user} cipher={name} ems={} etm={} ",
            b(m.ems()),
            b(m.etm())
        );
        match conns.get(i) {
            Some((Some(sig), l)) if l.starts_with(&prefix) && is_rsa_scheme(*sig) => {
                cell.sigalgs.insert(sigalg_name(*sig));
            }
            other => {
                if cell.fails[i].is_none() {
                    cell.fails[i] = Some(format!("libssl server: {other:?}"));
                }
            }
        }
    }
    if !st.success() {
        cell.fails
            .push(Some(format!("ossl_srp_server exited {st}")));
    }
    cell
}

/// One table of the matrix: a cell per mix (`cell`), described by `options`, recorded as
/// "PEER: ROLE", then checked.
fn matrix_table(
    peer: &str,
    role: &str,
    mixes: Vec<Mix>,
    options: impl Fn(&Mix) -> String,
    mut cell: impl FnMut(&Mix) -> Cell,
) {
    let rows: Vec<MatrixRow> = mixes
        .iter()
        .map(|m| {
            let c = cell(m);
            cell_row(peer, role, options(m), m.suite.suite, &c)
        })
        .collect();
    record_matrix(TAG, &format!("{peer}: {role}"), &rows);
    check_cells(&rows);
}

#[test]
fn libssl_client_to_our_server() {
    matrix_table(
        &openssl_peer(),
        ROLE_C_CLIENT,
        mixes(),
        |m| format!("{} (random users)", m.label("libssl")),
        |m| c_client_cell(m, &random_users(PAIR / 2)),
    );
}

#[test]
fn our_client_to_libssl_server() {
    matrix_table(
        &openssl_peer(),
        ROLE_C_SERVER,
        mixes(),
        |m| format!("{} (random users)", m.label("libssl")),
        |m| c_server_cell(m, &random_users(PAIR / 2)),
    );
}

// ---------------------------------------------------------------------------------------
// OpenSSL: s_client and s_server (with the shim), the two names the issue gives

const ROLE_S_CLIENT: &str = "openssl s_client -CAfile (shim) → our server";
const ROLE_S_SERVER: &str = "our client → openssl s_server -cert -key (shim)";

/// Runs `s_client -brief` (TLS 1.2, `-cipher`, checking our certificate with `ca` and
/// `host`) against 127.0.0.1:`port`, sending `hello <user>`. Returns (exit status, stdout,
/// stderr); `-brief` prints s_client's view on stderr (`Ciphersuite:`, `Signature type:`,
/// `Hash used:`, `Verification:`).
fn s_client(
    port: u16,
    user: &str,
    pw: &str,
    cipher: &str,
    ca: &Path,
    host: &str,
) -> (std::process::ExitStatus, String, String) {
    let mut cmd = Command::new("openssl");
    cmd.env("LD_PRELOAD", peers().shim())
        .args(["s_client", "-brief", "-srpuser", user, "-srppass"])
        .arg(format!("pass:{pw}"))
        .args(["-cipher", cipher, "-tls1_2", "-CAfile"])
        .arg(ca)
        .args(["-verify_hostname", host, "-verify_return_error", "-ign_eof"])
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"));
    run(
        "openssl s_client",
        cmd,
        format!("hello {user}\n").as_bytes(),
        PROC_TIMEOUT,
    )
}

#[test]
fn openssl_s_client_to_our_server() {
    let peer = openssl_peer();
    let c = certs::certs();
    let mut rows = Vec::new();
    // Both names the issue gives; our EMS/EtM on, then off.
    for suite in [rsa256(), rsa128()] {
        for ours_on in [true, false] {
            let users = random_users(1);
            let (user, pw) = &users[0];
            let name = openssl_name(suite.suite);
            let server = Server::start(
                rsa_server_config(
                    &store_with(&users),
                    tls_srp::ALL_CIPHER_SUITES,
                    ours_on,
                    ours_on,
                ),
                1,
                line_handler,
            );
            let (st, out, err) = s_client(server.port(), user, pw, name, &c.ca, HOST);
            let saw = match &server.join()[..] {
                [Ok(saw)] => saw.clone(),
                other => panic!("our server with s_client ({name}): {other:?}; {st} {out} {err}"),
            };
            let reply = format!(
                "OK {user} {name} ems={} etm={} hello {user}",
                b(ours_on),
                b(ours_on)
            );
            assert!(out.lines().any(|l| l == reply), "s_client: {out}\n{err}");
            for line in [
                format!("Ciphersuite: {name}"),
                "Signature type: RSA-PSS".into(),
                "Verification: OK".into(),
                format!("Verified peername: {HOST}"),
            ] {
                assert!(err.lines().any(|l| l == line), "no {line:?} in: {err}");
            }
            let hash = err
                .lines()
                .find_map(|l| l.strip_prefix("Hash used: "))
                .unwrap_or("?")
                .to_owned();
            assert_eq!((saw.user.as_str(), saw.suite), (user.as_str(), suite.suite));
            assert_eq!(saw.request, format!("hello {user}"));
            rows.push(MatrixRow {
                peer: peer.clone(),
                role: ROLE_S_CLIENT.into(),
                suite: suite_short(suite.suite).into(),
                group: BITS.to_string(),
                options: format!(
                    "`-cipher {name}`; ours ems={0} etm={0}; s_client reports RSA-PSS with {hash}, Verification: OK",
                    b(ours_on)
                ),
                handshakes: 1,
                result: "ok".into(),
            });
        }
    }
    record_matrix(TAG, &format!("{peer}: openssl s_client"), &rows);
}

#[test]
fn our_client_to_openssl_s_server() {
    let peer = openssl_peer();
    let c = certs::certs();
    let tmp = TempDir::new("rsa-s-server");
    let vfile = tmp.path("srpvfile.txt");
    let users = random_users(2);
    for (u, p) in &users {
        openssl_srp_add(&vfile, u, p);
    }
    // Every SRP suite: s_server follows the client's order (SRP-RSA first in ours).
    let (_s_server, port) = start_openssl_s_server_cert(&vfile, &c.chain, &c.key, "SRP", &[]);
    let mut rows = Vec::new();
    let cases: Vec<(Vec<SupportedCipherSuite>, CipherSuite, bool, bool)> = vec![
        (vec![rsa256()], rsa256().suite, true, true),
        (vec![rsa128()], rsa128().suite, true, true),
        (vec![rsa256()], rsa256().suite, false, true),
        (vec![rsa128()], rsa128().suite, true, false),
        (vec![rsa256()], rsa256().suite, false, false),
        (vec![rsa128()], rsa128().suite, false, false),
        (
            tls_srp::ALL_CIPHER_SUITES.to_vec(),
            rsa256().suite,
            true,
            true,
        ),
    ];
    for (i, (suites, want, ems, etm)) in cases.into_iter().enumerate() {
        let (user, pw) = &users[i % users.len()];
        let all = suites.len() > 1;
        let cfg = rsa_client_config(user, pw, &suites, ems, etm, &c.ca);
        let mut tls = connect(cfg, port, HOST)
            .unwrap_or_else(|e| panic!("s_server, {want:?} ems={ems} etm={etm}: {e:?}"));
        assert_eq!(our_view(&tls), (Some(want), ems, etm));
        tls.send(b"GET / HTTP/1.0\r\n\r\n").expect("send");
        let page = tls
            .read_until(|b| b.ends_with(b"</HTML>\r\n") || b.ends_with(b"</HTML>\n"))
            .expect("read page");
        let page = String::from_utf8_lossy(&page);
        let _ = tls.close();
        // s_server's -www page reports its own view of the session.
        let name = openssl_name(want);
        for needle in [
            format!("Cipher is {name}"),
            format!("SRP username: {user}\n"),
            format!("Extended master secret: {}", if ems { "yes" } else { "no" }),
        ] {
            assert!(page.contains(&needle), "no {needle:?} in {page}");
        }
        rows.push(MatrixRow {
            peer: peer.clone(),
            role: ROLE_S_SERVER.into(),
            suite: suite_short(want).into(),
            group: BITS.to_string(),
            options: format!(
                "ours ems={} etm={}{}; s_server `-cipher SRP`, its -www page reports the cipher, user and EMS",
                b(ems),
                b(etm),
                if all {
                    " offering every suite (SRP-RSA first)"
                } else {
                    ""
                }
            ),
            handshakes: 1,
            result: "ok".into(),
        });
    }
    record_matrix(TAG, &format!("{peer}: openssl s_server"), &rows);
}

// ---------------------------------------------------------------------------------------
// GnuTLS: gnutls-cli and gnutls-serv with +SRP-RSA

const ROLE_GNUTLS_CLI: &str = "gnutls-cli --x509cafile → our server";
const ROLE_GNUTLS_SERV: &str = "our client → gnutls-serv --x509certfile";

/// GnuTLS's name of a suite's cipher.
fn gnutls_cipher(s: CipherSuite) -> &'static str {
    match s {
        CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA
        | CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA => "AES-128-CBC",
        _ => "AES-256-CBC",
    }
}

/// The GnuTLS priority string of `m`: TLS 1.2, SRP-RSA (and plain SRP when our side
/// restricts the suite), the suite's cipher alone when GnuTLS restricts, EMS/EtM off.
fn gnutls_priority(m: &Mix) -> String {
    let mut p = String::from("NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+SRP-RSA");
    if m.ours_restricts {
        p.push_str(":+SRP");
    } else {
        p.push_str(":-CIPHER-ALL:+");
        p.push_str(gnutls_cipher(m.suite.suite));
    }
    if !m.their_ems {
        p.push_str(":%NO_SESSION_HASH");
    }
    if !m.their_etm {
        p.push_str(":%NO_ETM");
    }
    p
}

/// What one gnutls-cli run printed.
struct CliRun {
    ok: bool,
    lines: Vec<String>,
}

impl CliRun {
    fn line_with(&self, prefix: &str) -> Option<&str> {
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    }
    /// (key exchange, cipher, EMS, EtM, certificate status) as gnutls-cli reports them.
    fn view(&self) -> Option<(String, String, bool, bool, String)> {
        // `- Description: (TLS1.2-X.509)-(SRP-RSA)-(AES-256-CBC)-(SHA1)`
        let d: Vec<&str> = self.line_with("- Description:")?.split(")-(").collect();
        let o = self.line_with("- Options:")?;
        Some((
            d.get(1)?.to_string(),
            d.get(2)?.to_string(),
            o.contains("extended master secret"),
            o.contains("EtM"),
            self.line_with("- Status:")?.to_owned(),
        ))
    }
    fn all(&self) -> String {
        self.lines.join("\n")
    }
}

/// gnutls-cli (SRP, checking the certificate against `ca` for `host`) → 127.0.0.1:`port`,
/// sending `hello <user>`.
fn gnutls_cli(port: u16, user: &str, pw: &str, priority: &str, ca: &Path, host: &str) -> CliRun {
    let mut cmd = Command::new("gnutls-cli");
    cmd.args([
        "--srpusername",
        user,
        "--srppasswd",
        pw,
        "--priority",
        priority,
    ])
    .arg("--x509cafile")
    .arg(ca)
    .args([
        "--verify-hostname",
        host,
        "-p",
        &port.to_string(),
        "127.0.0.1",
    ]);
    let mut p = Proc::spawn("gnutls-cli", cmd, Stdio::piped());
    p.write_stdin(format!("hello {user}\n").as_bytes());
    let st = p.wait_exit(PROC_TIMEOUT);
    let mut lines = p.stdout_lines().to_vec();
    lines.extend(p.stderr().lines().map(str::to_owned));
    CliRun {
        ok: st.success(),
        lines,
    }
}

fn gnutls_cli_cell(m: &Mix, users: &[(String, String)]) -> Cell {
    let c = certs::certs();
    let server = Server::start(
        rsa_server_config(&store_with(users), &m.our_suites(), m.ours_ems, m.ours_etm),
        users.len(),
        line_handler,
    );
    let prio = gnutls_priority(m);
    let runs: Vec<CliRun> = users
        .iter()
        .map(|(u, p)| gnutls_cli(server.port(), u, p, &prio, &c.ca, HOST))
        .collect();
    let results = server.join();
    let name = openssl_name(m.suite.suite);
    let want_view = (
        "SRP-RSA".to_owned(),
        gnutls_cipher(m.suite.suite).to_owned(),
        m.ems(),
        m.etm(),
        "The certificate is trusted.".to_owned(),
    );
    let fails = users
        .iter()
        .zip(runs)
        .enumerate()
        .map(|(i, ((u, _), run))| {
            let reply = format!(
                "OK {u} {name} ems={} etm={} hello {u}",
                b(m.ems()),
                b(m.etm())
            );
            if !run.ok || !run.lines.contains(&reply) || run.view().as_ref() != Some(&want_view) {
                return Some(format!(
                    "gnutls-cli: want {want_view:?} and {reply:?}, got: {}",
                    run.all()
                ));
            }
            match results.get(i) {
                Some(Ok(saw))
                    if saw.user == *u
                        && saw.suite == m.suite.suite
                        && (saw.ems, saw.etm) == (m.ems(), m.etm())
                        && saw.request == format!("hello {u}") =>
                {
                    None
                }
                other => Some(format!("our server: {other:?}")),
            }
        })
        .collect();
    Cell {
        fails,
        sigalgs: BTreeSet::new(),
    }
}

#[test]
fn gnutls_cli_to_our_server() {
    peers();
    require_program("gnutls-cli", "--version");
    matrix_table(
        &gnutls_peer(),
        ROLE_GNUTLS_CLI,
        mixes(),
        |m| {
            format!(
                "{} (random users); gnutls-cli reports SRP-RSA and \"The certificate is trusted.\"",
                m.label("gnutls")
            )
        },
        |m| gnutls_cli_cell(m, &random_users(PAIR / 2)),
    );
}

/// gnutls-serv's report of one connection.
#[derive(Debug, Default, PartialEq, Eq)]
struct ServReport {
    user: String,
    kx: String,
    signature: String,
    cipher: String,
    ems: bool,
    etm: bool,
}

/// A gnutls-serv and the reports it printed so far.
struct GnutlsServ {
    proc_: Proc,
    port: u16,
    /// `Error in handshake` lines already returned.
    errors_seen: usize,
}

impl GnutlsServ {
    fn start(passwd: &Path, conf: &Path, priority: &str) -> GnutlsServ {
        let c = certs::certs();
        let (proc_, port) = start_gnutls_serv_priority(
            passwd,
            conf,
            priority,
            &[
                "--x509certfile",
                path_str(&c.chain),
                "--x509keyfile",
                path_str(&c.key),
            ],
        );
        GnutlsServ {
            proc_,
            port,
            errors_seen: 0,
        }
    }

    /// The next connection's report, or its failure: the `Error in handshake` line (from
    /// stderr) and the stdout lines of that connection (`* Received alert ...`).
    fn next_report(&mut self) -> Result<ServReport, String> {
        self.proc_
            .wait_for_prefix("* Accepted connection", PROC_TIMEOUT);
        let mut r = ServReport::default();
        let mut seen = Vec::new();
        let deadline = Instant::now() + PROC_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(l) = self.proc_.try_next_line(Duration::from_millis(20)) {
                if let Some(u) = l.strip_prefix("- SRP authentication. Connected as '") {
                    r.user = u.trim_end_matches('\'').to_owned();
                } else if let Some(k) = l.strip_prefix("- Key Exchange: ") {
                    r.kx = k.to_owned();
                } else if let Some(s) = l.strip_prefix("- Server Signature: ") {
                    r.signature = s.to_owned();
                } else if let Some(c) = l.strip_prefix("- Cipher: ") {
                    r.cipher = c.to_owned();
                } else if let Some(o) = l.strip_prefix("- Options: ") {
                    r.ems = o.contains("extended master secret");
                    r.etm = o.contains("EtM");
                    return Ok(r);
                }
                seen.push(l);
                continue;
            }
            // Failures are reported on stderr; the alert received on stdout before it.
            let errors: Vec<String> = self
                .proc_
                .stderr()
                .lines()
                .filter(|l| l.starts_with("Error in handshake"))
                .map(str::to_owned)
                .collect();
            if errors.len() > self.errors_seen {
                self.errors_seen += 1;
                while let Some(l) = self.proc_.try_next_line(Duration::from_millis(50)) {
                    seen.push(l);
                }
                return Err(format!(
                    "{} / {}",
                    errors[self.errors_seen - 1],
                    seen.join(" / ")
                ));
            }
        }
        panic!("no report from gnutls-serv: {}", self.proc_.stderr());
    }
}

/// Connects our client, sends `hello <user>`, returns (our view, the reply line).
fn our_exchange(
    cfg: Arc<ClientConfig>,
    port: u16,
    host: &str,
    user: &str,
) -> Result<(View, String), Fail> {
    let mut tls = connect(cfg, port, host)?;
    let view = our_view(&tls);
    tls.send(format!("hello {user}\n").as_bytes())?;
    let reply = tls.read_line()?;
    tls.close()?;
    Ok((view, reply))
}

fn gnutls_serv_cell(m: &Mix, users: &[(String, String)], passwd: &Path, conf: &Path) -> Cell {
    let c = certs::certs();
    let mut serv = GnutlsServ::start(passwd, conf, &gnutls_priority(m));
    let mut cell = Cell {
        fails: Vec::new(),
        sigalgs: BTreeSet::new(),
    };
    for (u, p) in users {
        let cfg = rsa_client_config(u, p, &m.our_suites(), m.ours_ems, m.ours_etm, &c.ca);
        let ours = our_exchange(cfg, serv.port, HOST, u);
        let theirs = serv.next_report();
        let want_ours = (
            (Some(m.suite.suite), m.ems(), m.etm()),
            format!("hello {u}"),
        );
        // gnutls-serv's view; the signature is whatever it chose among ours.
        let ok_theirs = theirs.as_ref().is_ok_and(|r| {
            (
                r.user.as_str(),
                r.kx.as_str(),
                r.cipher.as_str(),
                r.ems,
                r.etm,
            ) == (
                u.as_str(),
                "SRP-RSA",
                gnutls_cipher(m.suite.suite),
                m.ems(),
                m.etm(),
            ) && r.signature.starts_with("RSA")
        });
        cell.fails.push(match &ours {
            Ok(o) if *o == want_ours && ok_theirs => {
                if let Ok(r) = &theirs {
                    cell.sigalgs.insert(r.signature.clone());
                }
                None
            }
            other => Some(format!("ours {other:?}; gnutls-serv {theirs:?}")),
        });
    }
    cell
}

#[test]
fn our_client_to_gnutls_serv() {
    peers();
    let dir = TempDir::new("rsa-gnutls-serv");
    // srptool makes the verifiers (2048-bit group, index 3); the same users in every cell.
    let users = random_users(PAIR / 2);
    let (passwd, conf) = gnutls_srp_files(&dir, &users);
    matrix_table(
        &gnutls_peer(),
        ROLE_GNUTLS_SERV,
        mixes(),
        |m| {
            format!(
                "{}; verifiers by srptool; gnutls-serv reports SRP-RSA",
                m.label("gnutls")
            )
        },
        |m| gnutls_serv_cell(m, &users, &passwd, &conf),
    );
}

// ---------------------------------------------------------------------------------------
// tlslite-ng: its SRP client and its SRP server with a certificate chain

const ROLE_TLSLITE_CLIENT: &str = "tlslite client (certificate pinned) → our server";
const ROLE_TLSLITE_SERVER: &str = "our client → tlslite server (certificate chain)";

/// The scripts' arguments for `m`: key exchanges, suites, EMS/EtM.
fn tlslite_flags(m: &Mix) -> Vec<&'static str> {
    let mut v = if m.ours_restricts {
        vec!["--kex", "both", "--suite", "both"]
    } else {
        let suite = if m.suite.suite == CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA {
            "aes128"
        } else {
            "aes256"
        };
        vec!["--kex", "srp_rsa", "--suite", suite]
    };
    if !m.their_ems {
        v.push("--no-ems");
    }
    if !m.their_etm {
        v.push("--no-etm");
    }
    v
}

/// Runs `srp_client.py` with a users file and `args`; returns its stdout lines.
fn tlslite_client_users(port: u16, users: &[(String, String)], args: &[&str]) -> Vec<String> {
    let tmp = TempDir::new("rsa-tlslite-client");
    let file = tmp.path("users.txt");
    write_users_file(&file, users);
    let mut cmd = Command::new(venv_python());
    cmd.arg(interop_script("tlslite/srp_client.py"))
        .arg("--connect")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--users")
        .arg(&file)
        .args(args);
    let mut p = Proc::spawn("tlslite srp_client.py", cmd, Stdio::null());
    p.expect_success(PROC_TIMEOUT * 2)
}

fn tlslite_client_cell(m: &Mix, users: &[(String, String)]) -> Cell {
    let c = certs::certs();
    let server = Server::start(
        rsa_server_config(&store_with(users), &m.our_suites(), m.ours_ems, m.ours_etm),
        users.len(),
        line_handler,
    );
    let mut args = tlslite_flags(m);
    args.extend(["--pin-cert", path_str(&c.chain)]);
    let lines = tlslite_client_users(server.port(), users, &args);
    let conns = conn_lines_with_sigalg(&lines);
    let results = server.join();
    let name = openssl_name(m.suite.suite);
    let mut cell = Cell {
        fails: Vec::new(),
        sigalgs: BTreeSet::new(),
    };
    for (i, (user, _)) in users.iter().enumerate() {
        // tlslite's view (it also checked our server's reply line against it).
        let want = format!(
            "CONN ok user={user} cipher={name} ems={} etm={}",
            b(m.ems()),
            b(m.etm())
        );
        let fail = match (conns.get(i), results.get(i)) {
            (Some((Some(sig), l)), Some(Ok(saw))) if *l == want && is_rsa_pss(*sig) => {
                cell.sigalgs.insert(sigalg_name(*sig));
                (saw.user != *user
                    || saw.suite != m.suite.suite
                    || (saw.ems, saw.etm) != (m.ems(), m.etm())
                    || saw.request != format!("hello {user}"))
                .then(|| format!("our server saw {saw:?}"))
            }
            (tl, ours) => Some(format!("tlslite {tl:?}; our server {ours:?}")),
        };
        cell.fails.push(fail);
    }
    cell
}

fn tlslite_server_cell(m: &Mix, users: &[(String, String)]) -> Cell {
    let c = certs::certs();
    let dir = TempDir::new("rsa-tlslite-server");
    let max = users.len().to_string();
    let mut extra = vec![
        "--max-conns",
        &max,
        "--cert",
        path_str(&c.chain),
        "--key",
        path_str(&c.key),
    ];
    extra.extend(tlslite_flags(m));
    let (mut server, port) = start_tlslite_server(&dir, users, BITS, &extra);
    let name = openssl_name(m.suite.suite);
    let mut cell = Cell {
        fails: Vec::new(),
        sigalgs: BTreeSet::new(),
    };
    for (u, p) in users {
        let cfg = rsa_client_config(u, p, &m.our_suites(), m.ours_ems, m.ours_etm, &c.ca);
        let want = (
            (Some(m.suite.suite), m.ems(), m.etm()),
            format!(
                "OK {u} {name} ems={} etm={} hello {u}",
                b(m.ems()),
                b(m.etm())
            ),
        );
        cell.fails.push(match our_exchange(cfg, port, HOST, u) {
            Ok(got) if got == want => None,
            other => Some(format!("ours: {other:?}")),
        });
    }
    let lines = server.expect_success(PROC_TIMEOUT * 2);
    let conns = conn_lines_with_sigalg(&lines);
    for (i, (u, _)) in users.iter().enumerate() {
        let want = format!(
            "CONN ok user={u} cipher={name} ems={} etm={}",
            b(m.ems()),
            b(m.etm())
        );
        match conns.get(i) {
            Some((Some(sig), l)) if *l == want && is_rsa_scheme(*sig) => {
                cell.sigalgs.insert(sigalg_name(*sig));
            }
            other => {
                if cell.fails[i].is_none() {
                    cell.fails[i] = Some(format!("tlslite server: {other:?}"));
                }
            }
        }
    }
    cell
}

#[test]
fn tlslite_client_to_our_server() {
    peers();
    matrix_table(
        TLSLITE,
        ROLE_TLSLITE_CLIENT,
        mixes(),
        |m| format!("{} (random users)", m.label("tlslite")),
        |m| tlslite_client_cell(m, &random_users(PAIR / 2)),
    );
}

#[test]
fn our_client_to_tlslite_server() {
    peers();
    matrix_table(
        TLSLITE,
        ROLE_TLSLITE_SERVER,
        mixes(),
        |m| format!("{} (random users)", m.label("tlslite")),
        |m| tlslite_server_cell(m, &random_users(PAIR / 2)),
    );
}

// ---------------------------------------------------------------------------------------
// curl (OpenSSL): --tlsauthtype SRP --cacert

const ROLE_CURL: &str = "curl --cacert → our server";

/// curl fetching `n` URLs from our server in one run, as `user`, checking the certificate
/// against `ca` for `host` (resolved to 127.0.0.1), without session IDs (every connection
/// a full handshake). Returns (exit status, stdout, stderr with `-v`).
fn curl_srp(
    port: u16,
    user: &str,
    pw: &str,
    ciphers: Option<&str>,
    ca: &Path,
    host: &str,
    n: usize,
) -> (std::process::ExitStatus, String, String) {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-v", "--max-time", "60", "--no-sessionid"])
        .args([
            "--tlsauthtype",
            "SRP",
            "--tlsuser",
            user,
            "--tlspassword",
            pw,
        ])
        .arg("--cacert")
        .arg(ca)
        .arg("--resolve")
        .arg(format!("{host}:{port}:127.0.0.1"));
    if let Some(c) = ciphers {
        cmd.args(["--ciphers", c]);
    }
    for i in 0..n {
        cmd.arg(format!("https://{host}:{port}/{i}"));
    }
    run("curl", cmd, b"", PROC_TIMEOUT)
}

fn curl_cell(m: &Mix, n: usize) -> Cell {
    let c = certs::certs();
    let users = random_users(1);
    let (user, pw) = &users[0];
    let server = Server::start(
        rsa_server_config(&store_with(&users), &m.our_suites(), m.ours_ems, m.ours_etm),
        n,
        http_handler,
    );
    let name = openssl_name(m.suite.suite);
    // curl's default with SRP is every SRP suite; `--ciphers` restricts.
    let ciphers = (!m.ours_restricts).then_some(name);
    let (st, out, err) = curl_srp(server.port(), user, pw, ciphers, &c.ca, HOST, n);
    let results = server.join();
    // curl's own view: one line a connection.
    let using = format!("* SSL connection using TLSv1.2 / {name}");
    let n_using = err.lines().filter(|l| *l == using).count();
    let n_verified = err
        .lines()
        .filter(|l| *l == "*  SSL certificate verify ok.")
        .count();
    let body = format!(
        "srp-ok user={user} cipher={name} ems={} etm={}",
        b(m.ems()),
        b(m.etm())
    );
    let bodies: Vec<&str> = out.lines().collect();
    let mut fails = Vec::with_capacity(n);
    for i in 0..n {
        let theirs_ok = st.success() && n_using == n && n_verified == n;
        fails.push(match results.get(i) {
            Some(Ok(saw))
                if theirs_ok
                    && bodies.get(i) == Some(&body.as_str())
                    && saw.user == *user
                    && saw.suite == m.suite.suite
                    && (saw.ems, saw.etm) == (m.ems(), m.etm())
                    && saw.request.starts_with(&format!("GET /{i} HTTP/1.1\r\n")) =>
            {
                None
            }
            other => Some(format!(
                "curl {st}: {n_using} `{using}`, {n_verified} verified, body {:?}; our server {other:?}; curl stderr: {err}",
                bodies.get(i)
            )),
        });
    }
    Cell {
        fails,
        sigalgs: BTreeSet::new(),
    }
}

#[test]
fn curl_to_our_server() {
    peers();
    matrix_table(
        &curl_peer(),
        ROLE_CURL,
        mixes_ours_only(),
        |m| {
            format!(
                "{}; HTTPS GETs in one curl run, --no-sessionid; curl reports the cipher and \"SSL certificate verify ok.\"",
                m.label("curl")
            )
        },
        |m| curl_cell(m, PAIR / 2),
    );
}

// ---------------------------------------------------------------------------------------
// Apache httpd mod_ssl: the production OpenSSL SRP server (our client only)

const ROLE_APACHE: &str = "our client → Apache mod_ssl (SSLSRPVerifierFile)";

/// GETs `/index.txt` from Apache; returns our view and mod_ssl's (the `X-TLS-SRP` header)
/// after checking the status and the page.
fn apache_exchange(cfg: Arc<ClientConfig>, port: u16, host: &str) -> Result<(View, String), Fail> {
    let mut tls = connect(cfg, port, host)?;
    let view = our_view(&tls);
    tls.send(
        format!("GET /index.txt HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n").as_bytes(),
    )?;
    let resp = tls.read_until(|_| false)?;
    let _ = tls.close();
    let resp = String::from_utf8_lossy(&resp).into_owned();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    if !head.starts_with("HTTP/1.1 200 OK\r\n") || body != APACHE_PAGE {
        return Err(Fail::Io(std::io::Error::other(format!(
            "unexpected response {resp:?}"
        ))));
    }
    let report = head
        .lines()
        .find_map(|l| l.strip_prefix("X-TLS-SRP: "))
        .unwrap_or("")
        .to_owned();
    Ok((view, report))
}

/// `n` exchanges with Apache, users taken in turn, expecting `want`; without
/// `with_cert_check` our client checks no certificate (and so offers plain SRP only).
fn apache_cell(
    port: u16,
    users: &[(String, String)],
    m: &Mix,
    with_cert_check: bool,
    want: CipherSuite,
    n: usize,
) -> Cell {
    let c = certs::certs();
    let mut fails = Vec::with_capacity(n);
    for i in 0..n {
        let (u, p) = &users[i % users.len()];
        let mut cfg = ClientConfig::new(u.as_str(), p.as_str());
        cfg.cipher_suites = m.our_suites();
        cfg.enable_extended_master_secret = m.ours_ems;
        cfg.enable_encrypt_then_mac = m.ours_etm;
        if with_cert_check {
            cfg.server_auth = Some(server_auth(&c.ca));
        }
        let report = format!("cipher={} user={u} protocol=TLSv1.2", openssl_name(want));
        fails.push(match apache_exchange(Arc::new(cfg), port, HOST) {
            Ok((view, r)) if view == (Some(want), m.ems(), m.etm()) && r == report => None,
            other => Some(format!("want {want:?} {report:?}: {other:?}")),
        });
    }
    Cell {
        fails,
        sigalgs: BTreeSet::new(),
    }
}

#[test]
fn our_client_to_apache_mod_ssl() {
    peers();
    let peer = apache_peer();
    let c = certs::certs();
    let tmp = TempDir::new("rsa-apache");
    let vfile = tmp.path("srpvfile.txt");
    let users = random_users(10);
    for (u, p) in &users {
        openssl_srp_add(&vfile, u, p);
    }
    let conf = |cipher_suite, honor_cipher_order, cert| ApacheConf {
        vfile: &vfile,
        cert,
        cipher_suite,
        honor_cipher_order,
    };
    let cert = Some((c.chain.as_path(), c.key.as_path()));

    // mod_ssl will not start without a certificate, even for the plain SRP suites alone.
    let err = Apache::try_start(&conf("aSRP", false, None))
        .err()
        .expect("Apache without SSLCertificateFile must refuse to start");
    assert!(
        err.contains("AH02572: Failed to configure at least one certificate and key"),
        "{err}"
    );

    // `SSLCipherSuite SRP` (plain and SRP-RSA) with the certificate; the client's order.
    let apache = Apache::start(&conf("SRP", false, cert));
    let mut rows = Vec::new();
    for m in mixes_ours_only() {
        // Ours restricts the suite (mod_ssl cannot turn EMS/EtM off: its OpenSSL defaults).
        let m = Mix {
            ours_restricts: true,
            ..m
        };
        let cell = apache_cell(apache.port, &users, &m, true, m.suite.suite, PAIR / 2);
        rows.push(cell_row(
            &peer,
            ROLE_APACHE,
            format!(
                "ours ems={} etm={}, checking the certificate; `SSLCipherSuite SRP`; mod_ssl reports cipher and SRP user (X-TLS-SRP header)",
                b(m.ours_ems),
                b(m.ours_etm)
            ),
            m.suite.suite,
            &cell,
        ));
        // The same with plain SRP: a client that checks no certificate offers no SRP-RSA.
        let plain = if m.suite.suite == rsa128().suite {
            plain128()
        } else {
            plain256()
        };
        let pm = Mix { suite: plain, ..m };
        let cell = apache_cell(apache.port, &users, &pm, false, plain.suite, PAIR / 2);
        rows.push(cell_row(
            &peer,
            ROLE_APACHE,
            format!(
                "ours ems={} etm={}, plain SRP; `SSLCipherSuite SRP`; mod_ssl reports cipher and SRP user",
                b(m.ours_ems),
                b(m.ours_etm)
            ),
            plain.suite,
            &cell,
        ));
    }
    // Our default order (SRP-RSA first): mod_ssl follows it.
    let all = Mix {
        suite: rsa256(),
        ours_restricts: false,
        ours_ems: true,
        ours_etm: true,
        their_ems: true,
        their_etm: true,
    };
    let cell = apache_cell(apache.port, &users, &all, true, rsa256().suite, 5);
    rows.push(cell_row(
        &peer,
        ROLE_APACHE,
        "ours offering every suite, SRP-RSA first (our default); `SSLCipherSuite SRP`".into(),
        rsa256().suite,
        &cell,
    ));
    check_cells(&rows[..rows.len() - 1]);
    // And when our client lists plain SRP first, mod_ssl (SSLHonorCipherOrder off) follows.
    let (u, p) = &users[2];
    let mut cfg = ClientConfig::new(u.as_str(), p.as_str());
    cfg.cipher_suites = vec![plain256(), plain128(), rsa256(), rsa128()];
    cfg.server_auth = Some(server_auth(&c.ca));
    let (view, report) = apache_exchange(Arc::new(cfg), apache.port, HOST).expect("plain first");
    assert_eq!(view.0, Some(plain256().suite), "{report}");
    assert_eq!(
        report,
        format!("cipher=SRP-AES-256-CBC-SHA user={u} protocol=TLSv1.2")
    );
    rows.push(fact_row(
        &peer,
        ROLE_APACHE,
        plain256().suite,
        "`SSLHonorCipherOrder off`, ours checking the certificate but offering plain SRP first",
        "mod_ssl follows our order: SRP-AES-256-CBC-SHA",
    ));

    // Negatives against the same Apache: a certificate from another CA, another name, a
    // wrong password; mod_ssl logs the alert it received (or sent).
    let (u, p) = &users[0];
    let suites = [rsa256()];
    let cases: [(&str, Arc<ClientConfig>, &str, Error, &str); 3] = [
        (
            "certificate from another CA",
            rsa_client_config(u, p, &suites, true, true, &c.other_ca),
            HOST,
            Error::InvalidCertificate {
                alert: AlertDescription::UnknownCa,
                reason: String::new(),
            },
            "tlsv1 alert unknown ca",
        ),
        (
            "certificate for another name",
            rsa_client_config(u, p, &suites, true, true, &c.ca),
            WRONG_HOST,
            Error::InvalidCertificate {
                alert: AlertDescription::BadCertificate,
                reason: String::new(),
            },
            "sslv3 alert bad certificate",
        ),
        (
            "wrong password",
            rsa_client_config(u, &format!("{p}x"), &suites, true, true, &c.ca),
            HOST,
            Error::AlertReceived(AlertDescription::BadRecordMac),
            "decryption failed or bad record mac",
        ),
    ];
    for (what, cfg, host, want, logged) in cases {
        let before = apache.error_log().len();
        let got = apache_exchange(cfg, apache.port, host)
            .err()
            .unwrap_or_else(|| panic!("{what}: Apache accepted"))
            .tls();
        assert!(
            same_error(&got, &want),
            "{what}: got {got:?}, want {want:?}"
        );
        // mod_ssl logs the failure when it has handled the connection.
        let deadline = Instant::now() + PROC_TIMEOUT;
        let log = loop {
            let log = apache.error_log()[before..].to_owned();
            if log.contains(logged) || Instant::now() > deadline {
                break log;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(log.contains(logged), "{what}: no {logged:?} in {log}");
        rows.push(fact_row(
            &peer,
            ROLE_APACHE,
            rsa256().suite,
            what,
            &format!("{}; mod_ssl logs \"{logged}\"", describe_error(&got)),
        ));
    }
    drop(apache);

    // `SSLHonorCipherOrder on`: mod_ssl's own order (OpenSSL's `SRP`: SRP-RSA before plain
    // SRP at each key size) wins, even when our client lists plain SRP first.
    let apache = Apache::start(&conf("SRP", true, cert));
    let plain_first = [plain256(), plain128(), rsa256(), rsa128()];
    let (u, p) = &users[1];
    let mut cfg = ClientConfig::new(u.as_str(), p.as_str());
    cfg.cipher_suites = plain_first.to_vec();
    cfg.server_auth = Some(server_auth(&c.ca));
    let (view, report) =
        apache_exchange(Arc::new(cfg), apache.port, HOST).expect("honour cipher order");
    assert_eq!(view.0, Some(rsa256().suite), "{report}");
    assert_eq!(
        report,
        format!("cipher=SRP-RSA-AES-256-CBC-SHA user={u} protocol=TLSv1.2")
    );
    rows.push(fact_row(
        &peer,
        ROLE_APACHE,
        rsa256().suite,
        "`SSLHonorCipherOrder on`, ours offering plain SRP first",
        "mod_ssl picks SRP-RSA-AES-256-CBC-SHA",
    ));
    // Without a certificate check we offer plain SRP alone: mod_ssl serves that.
    let mut cfg = ClientConfig::new(u.as_str(), p.as_str());
    cfg.cipher_suites = plain_first.to_vec();
    let (view, report) = apache_exchange(Arc::new(cfg), apache.port, HOST).expect("plain");
    assert_eq!(view.0, Some(plain256().suite), "{report}");
    rows.push(fact_row(
        &peer,
        ROLE_APACHE,
        plain256().suite,
        "`SSLHonorCipherOrder on`, ours offering plain SRP only",
        "mod_ssl picks SRP-AES-256-CBC-SHA",
    ));
    record_matrix(TAG, &format!("{peer}: {ROLE_APACHE}"), &rows);
    check_rows(&rows);
}

/// Equal errors, ignoring the verifier's wording of an invalid certificate.
fn same_error(got: &Error, want: &Error) -> bool {
    match (got, want) {
        (
            Error::InvalidCertificate { alert: a, .. },
            Error::InvalidCertificate { alert: b, .. },
        ) => a == b,
        _ => got == want,
    }
}

/// Our side of a failure, for the matrix: what we sent or received.
fn describe_error(e: &Error) -> String {
    match e {
        Error::AlertReceived(a) => format!("we received {a:?}"),
        Error::InvalidCertificate { alert, .. } => format!("we sent {alert:?}"),
        other => match other.alert() {
            Some(a) => format!("we sent {a:?} ({other:?})"),
            None => format!("{other:?}"),
        },
    }
}

// ---------------------------------------------------------------------------------------
// Negatives: a certificate from another CA, a certificate for another name, a wrong
// password; our client against every peer server, every peer client against our server.

/// One negative case: what it is, the CA file and host name the client checks, whether the
/// password is wrong, and the error our client must end with.
struct Neg {
    what: &'static str,
    ca: &'static Path,
    host: &'static str,
    wrong_password: bool,
    ours: Error,
}

fn negatives() -> [Neg; 3] {
    let c = certs::certs();
    [
        Neg {
            what: "certificate from another CA",
            ca: &c.other_ca,
            host: HOST,
            wrong_password: false,
            ours: Error::InvalidCertificate {
                alert: AlertDescription::UnknownCa,
                reason: String::new(),
            },
        },
        Neg {
            what: "certificate for another name",
            ca: &c.ca,
            host: WRONG_HOST,
            wrong_password: false,
            ours: Error::InvalidCertificate {
                alert: AlertDescription::BadCertificate,
                reason: String::new(),
            },
        },
        Neg {
            what: "wrong password",
            ca: &c.ca,
            host: HOST,
            wrong_password: true,
            ours: Error::AlertReceived(AlertDescription::BadRecordMac),
        },
    ]
}

impl Neg {
    fn password(&self, pw: &str) -> String {
        if self.wrong_password {
            format!("{pw}x")
        } else {
            pw.to_owned()
        }
    }
    /// Runs our client for this case against 127.0.0.1:`port` and asserts its error.
    fn run_our_client(&self, port: u16, user: &str, pw: &str, peer: &str) -> Error {
        let cfg = rsa_client_config(
            user,
            &self.password(pw),
            &[rsa256(), rsa128()],
            true,
            true,
            self.ca,
        );
        let got = connect(cfg, port, self.host)
            .err()
            .unwrap_or_else(|| panic!("{peer}, {}: the handshake succeeded", self.what))
            .tls();
        assert!(
            same_error(&got, &self.ours),
            "{peer}, {}: got {got:?}, want {:?}",
            self.what,
            self.ours
        );
        got
    }
}

/// Our server (certificate, every suite) for one connection of a client that may fail;
/// returns what it ended with.
fn our_server_once(users: &[(String, String)]) -> Server {
    Server::start(
        rsa_server_config(&store_with(users), tls_srp::ALL_CIPHER_SUITES, true, true),
        1,
        echo_handler,
    )
}

/// What our server ended with: its error, or the request it read after a handshake.
fn server_end(server: Server) -> Result<ServerSaw, Error> {
    match server.join().pop() {
        Some(Ok(saw)) => Ok(saw),
        Some(Err(Fail::Tls(e))) => Err(e),
        other => panic!("our server: {other:?}"),
    }
}

/// Our server's expected end when the client refuses the certificate or the password is
/// wrong, given the alert the client sends (None: wrong password, we send bad_record_mac).
fn want_server_end(got: &Result<ServerSaw, Error>, client_alert: Option<AlertDescription>) -> bool {
    match (got, client_alert) {
        (Err(Error::AlertReceived(a)), Some(want)) => *a == want,
        (Err(e), None) => {
            *e == Error::DecryptError && e.alert() == Some(AlertDescription::BadRecordMac)
        }
        _ => false,
    }
}

fn ours_as_server(got: &Result<ServerSaw, Error>) -> String {
    match got {
        Err(Error::AlertReceived(a)) => format!("our server received {a:?}"),
        Err(e) => match e.alert() {
            Some(a) => format!("our server sent {a:?} ({e:?})"),
            None => format!("our server failed without an alert ({e:?})"),
        },
        Ok(saw) => format!(
            "our server completed {:?} and read {:?}",
            saw.suite, saw.request
        ),
    }
}

#[test]
fn negatives_openssl() {
    let peer = openssl_peer();
    let c = certs::certs();
    let users = random_users(1);
    let (user, pw) = (&users[0].0, &users[0].1);
    let mut rows = Vec::new();

    // Our client → ossl_srp_server: the alert as libssl saw it on the wire.
    let tmp = TempDir::new("rsa-neg-openssl");
    let file = tmp.path("users.txt");
    write_users_file(&file, &users);
    let (mut server, port) = start_c_server(&[
        "--users",
        path_str(&file),
        "--max-conns",
        "3",
        "--cert",
        path_str(&c.chain),
        "--key",
        path_str(&c.key),
    ]);
    let errs: Vec<Error> = negatives()
        .iter()
        .map(|n| n.run_our_client(port, user, pw, "ossl_srp_server"))
        .collect();
    let lines = server.expect_success(PROC_TIMEOUT);
    let conns = conn_lines_with_sigalg(&lines);
    for ((n, err), want) in negatives().iter().zip(&errs).zip([
        "alert_sent=none alert_received=unknown_ca ",
        "alert_sent=none alert_received=bad_certificate ",
        "alert_sent=bad_record_mac alert_received=none ",
    ]) {
        let i = rows.len();
        let line = &conns.get(i).map(|c| c.1.clone()).unwrap_or_default();
        let prefix = format!("CONN fail user={user} stage=handshake {want}");
        assert!(line.starts_with(&prefix), "{}: libssl {line:?}", n.what);
        rows.push(fact_row(
            &peer,
            ROLE_C_SERVER,
            rsa256().suite,
            n.what,
            &format!("{}; libssl reports `{}`", describe_error(err), want.trim()),
        ));
    }

    // Our client → openssl s_server: s_server prints the alert on stderr.
    let vfile = tmp.path("srpvfile.txt");
    openssl_srp_add(&vfile, user, pw);
    let (s_server, port) = start_openssl_s_server_cert(&vfile, &c.chain, &c.key, "SRP", &[]);
    for (n, logged) in negatives().iter().zip([
        "tlsv1 alert unknown ca",
        "sslv3 alert bad certificate",
        "decryption failed or bad record mac",
    ]) {
        let before = s_server.stderr().len();
        let err = n.run_our_client(port, user, pw, "s_server");
        let deadline = Instant::now() + PROC_TIMEOUT;
        while !s_server.stderr()[before..].contains(logged) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let said = s_server.stderr()[before..].to_owned();
        assert!(said.contains(logged), "{}: s_server said {said}", n.what);
        rows.push(fact_row(
            &peer,
            ROLE_S_SERVER,
            rsa256().suite,
            n.what,
            &format!("{}; s_server prints \"{logged}\"", describe_error(&err)),
        ));
    }
    drop(s_server);

    // ossl_srp_client → our server.
    for (n, want, verify) in [
        (
            &negatives()[0],
            "alert_sent=unknown_ca alert_received=none ",
            "VERIFY 20 unable to get local issuer certificate",
        ),
        (
            &negatives()[1],
            "alert_sent=bad_certificate alert_received=none ",
            "VERIFY 62 hostname mismatch",
        ),
        (
            &negatives()[2],
            "alert_sent=none alert_received=bad_record_mac ",
            "",
        ),
    ] {
        let server = our_server_once(&users);
        let mut cmd = Command::new(peers().bin("ossl_srp_client"));
        cmd.arg("--connect")
            .arg(format!("127.0.0.1:{}", server.port()))
            .args(["--user", user, "--password", &n.password(pw)])
            .args(["--cipher", "SRP-RSA-AES-256-CBC-SHA", "--cafile"])
            .arg(n.ca)
            .args(["--verify-host", n.host, "--expect-fail"]);
        let mut client = Proc::spawn("ossl_srp_client", cmd, Stdio::null());
        let lines = client.expect_success(PROC_TIMEOUT);
        let ours = server_end(server);
        let prefix = format!("CONN fail user={user} stage=handshake {want}");
        assert!(
            lines.iter().any(|l| l.starts_with(&prefix)),
            "{}: {lines:?}",
            n.what
        );
        assert!(
            verify.is_empty() || lines.iter().any(|l| l == verify),
            "{}: {lines:?}",
            n.what
        );
        let client_alert = match n.what {
            "certificate from another CA" => Some(AlertDescription::UnknownCa),
            "certificate for another name" => Some(AlertDescription::BadCertificate),
            _ => None,
        };
        assert!(want_server_end(&ours, client_alert), "{}: {ours:?}", n.what);
        rows.push(fact_row(
            &peer,
            ROLE_C_CLIENT,
            rsa256().suite,
            n.what,
            &format!(
                "libssl reports `{}`{}; {}",
                want.trim(),
                if verify.is_empty() {
                    String::new()
                } else {
                    format!(" ({verify})")
                },
                ours_as_server(&ours)
            ),
        ));
    }

    // openssl s_client → our server: s_client's verify error, and the alert we received.
    for (n, said, client_alert) in [
        (
            &negatives()[0],
            "verify error:num=20:unable to get local issuer certificate",
            Some(AlertDescription::UnknownCa),
        ),
        (
            &negatives()[1],
            "verify error:num=62:hostname mismatch",
            Some(AlertDescription::BadCertificate),
        ),
        (&negatives()[2], "sslv3 alert bad record mac", None),
    ] {
        let server = our_server_once(&users);
        let (st, out, err) = s_client(
            server.port(),
            user,
            &n.password(pw),
            "SRP-RSA-AES-128-CBC-SHA",
            n.ca,
            n.host,
        );
        let ours = server_end(server);
        assert!(!st.success(), "{}: s_client {out}", n.what);
        assert!(err.contains(said), "{}: s_client {err}", n.what);
        assert!(want_server_end(&ours, client_alert), "{}: {ours:?}", n.what);
        rows.push(fact_row(
            &peer,
            ROLE_S_CLIENT,
            rsa128().suite,
            n.what,
            &format!("s_client prints \"{said}\"; {}", ours_as_server(&ours)),
        ));
    }
    record_matrix(TAG, &format!("{peer}: negatives"), &rows);
    check_rows(&rows);
}

#[test]
fn negatives_gnutls() {
    peers();
    let peer = gnutls_peer();
    let users = random_users(1);
    let (user, pw) = (&users[0].0, &users[0].1);
    let mut rows = Vec::new();

    // Our client → gnutls-serv.
    let dir = TempDir::new("rsa-neg-gnutls");
    let (passwd, conf) = gnutls_srp_files(&dir, &users);
    let mut serv = GnutlsServ::start(
        &passwd,
        &conf,
        "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+SRP-RSA",
    );
    for (n, said) in negatives().iter().zip([
        "* Received alert '48': CA is unknown.",
        "* Received alert '42': Certificate is bad.",
        "Error in handshake: Decryption has failed.",
    ]) {
        let err = n.run_our_client(serv.port, user, pw, "gnutls-serv");
        let report = serv.next_report();
        assert!(
            report.as_ref().is_err_and(|r| r.contains(said)),
            "{}: gnutls-serv {report:?}",
            n.what
        );
        rows.push(fact_row(
            &peer,
            ROLE_GNUTLS_SERV,
            rsa256().suite,
            n.what,
            &format!("{}; gnutls-serv prints \"{said}\"", describe_error(&err)),
        ));
    }
    drop(serv);

    // gnutls-cli → our server.
    let prio = "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+SRP-RSA";
    for (n, said, client_alert) in [
        (
            &negatives()[0],
            "- Status: The certificate is NOT trusted. The certificate issuer is unknown.",
            Some(AlertDescription::BadCertificate),
        ),
        (
            &negatives()[1],
            "- Status: The certificate is NOT trusted. The name in the certificate does not match the expected.",
            Some(AlertDescription::BadCertificate),
        ),
        (
            &negatives()[2],
            "*** Received alert [20]: Bad record MAC",
            None,
        ),
    ] {
        let server = our_server_once(&users);
        let run = gnutls_cli(server.port(), user, &n.password(pw), prio, n.ca, n.host);
        let ours = server_end(server);
        assert!(!run.ok, "{}: gnutls-cli {}", n.what, run.all());
        assert!(
            run.lines.iter().any(|l| l.trim_end() == said),
            "{}: gnutls-cli {}",
            n.what,
            run.all()
        );
        assert!(want_server_end(&ours, client_alert), "{}: {ours:?}", n.what);
        rows.push(fact_row(
            &peer,
            ROLE_GNUTLS_CLI,
            rsa256().suite,
            n.what,
            &format!("gnutls-cli prints \"{said}\"; {}", ours_as_server(&ours)),
        ));
    }
    record_matrix(TAG, &format!("{peer}: negatives"), &rows);
    check_rows(&rows);
}

#[test]
fn negatives_tlslite() {
    peers();
    let c = certs::certs();
    let users = random_users(1);
    let (user, pw) = (&users[0].0, &users[0].1);
    let mut rows = Vec::new();

    // Our client → tlslite server.
    let dir = TempDir::new("rsa-neg-tlslite");
    let (mut server, port) = start_tlslite_server(
        &dir,
        &users,
        BITS,
        &[
            "--max-conns",
            "3",
            "--kex",
            "srp_rsa",
            "--cert",
            path_str(&c.chain),
            "--key",
            path_str(&c.key),
        ],
    );
    let errs: Vec<Error> = negatives()
        .iter()
        .map(|n| n.run_our_client(port, user, pw, "tlslite server"))
        .collect();
    let lines = server.expect_success(PROC_TIMEOUT);
    let conns = conn_lines_with_sigalg(&lines);
    for (i, ((n, err), want)) in negatives()
        .iter()
        .zip(&errs)
        .zip([
            "alert_sent=none alert_received=unknown_ca ",
            "alert_sent=none alert_received=bad_certificate ",
            "alert_sent=bad_record_mac alert_received=none ",
        ])
        .enumerate()
    {
        let line = conns.get(i).map(|c| c.1.clone()).unwrap_or_default();
        let prefix = format!("CONN fail stage=handshake {want}");
        assert!(line.starts_with(&prefix), "{}: tlslite {line:?}", n.what);
        rows.push(fact_row(
            TLSLITE,
            ROLE_TLSLITE_SERVER,
            rsa256().suite,
            n.what,
            &format!("{}; tlslite reports `{}`", describe_error(err), want.trim()),
        ));
    }

    // tlslite client → our server. tlslite has no CA check: its Checker compares the
    // end-entity fingerprint after the handshake (here: pinned to another certificate),
    // raises TLSFingerprintError and closes (its code sends a close_notify alert with the
    // fatal level; our server takes it as a close before any request).
    let server = our_server_once(&users);
    let lines = tlslite_client(
        server.port(),
        user,
        pw,
        &["--kex", "srp_rsa", "--pin-cert", path_str(&c.other_ca)],
    );
    let ours = server_end(server);
    let fail = lines
        .iter()
        .find(|l| l.starts_with("CONN "))
        .cloned()
        .unwrap_or_default();
    assert!(
        fail.starts_with(&format!(
            "CONN fail user={user} stage=handshake alert_sent=none alert_received=none reason=TLSFingerprintError"
        )),
        "{lines:?}"
    );
    let ours_ok = matches!(&ours, Ok(saw) if saw.request.is_empty()
        && saw.suite == CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA);
    assert!(ours_ok, "{ours:?}");
    rows.push(fact_row(
        TLSLITE,
        ROLE_TLSLITE_CLIENT,
        rsa256().suite,
        "pinned to another certificate (tlslite has no CA check)",
        &format!(
            "tlslite raises TLSFingerprintError after the handshake and closes; {}",
            ours_as_server(&ours)
        ),
    ));
    let server = our_server_once(&users);
    let lines = tlslite_client(
        server.port(),
        user,
        &format!("{pw}x"),
        &["--kex", "srp_rsa", "--pin-cert", path_str(&c.chain)],
    );
    let ours = server_end(server);
    let want = format!(
        "CONN fail user={user} stage=handshake alert_sent=none alert_received=bad_record_mac "
    );
    assert!(lines.iter().any(|l| l.starts_with(&want)), "{lines:?}");
    assert!(want_server_end(&ours, None), "{ours:?}");
    rows.push(fact_row(
        TLSLITE,
        ROLE_TLSLITE_CLIENT,
        rsa256().suite,
        "wrong password",
        &format!(
            "tlslite reports `alert_received=bad_record_mac`; {}",
            ours_as_server(&ours)
        ),
    ));
    record_matrix(TAG, &format!("{TLSLITE}: negatives"), &rows);
    check_rows(&rows);
}

#[test]
fn negatives_curl() {
    peers();
    let peer = curl_peer();
    let users = random_users(1);
    let (user, pw) = (&users[0].0, &users[0].1);
    let mut rows = Vec::new();
    for (n, code, said, client_alert) in [
        (
            &negatives()[0],
            60,
            "* TLSv1.2 (OUT), TLS alert, unknown CA (560):",
            Some(AlertDescription::UnknownCa),
        ),
        // curl checks the name itself after the handshake, then sends close_notify.
        (
            &negatives()[1],
            60,
            "* SSL: no alternative certificate subject name matches target host name 'wrong.example'",
            None,
        ),
        (&negatives()[2], 35, "bad record mac", None),
    ] {
        let server = our_server_once(&users);
        let (st, _out, err) = curl_srp(
            server.port(),
            user,
            &n.password(pw),
            Some("SRP-RSA-AES-128-CBC-SHA"),
            n.ca,
            n.host,
            1,
        );
        let ours = server_end(server);
        assert_eq!(st.code(), Some(code), "{}: curl {err}", n.what);
        assert!(err.contains(said), "{}: curl {err}", n.what);
        if n.host == WRONG_HOST {
            // The handshake completed; curl closed before any request.
            let closed = matches!(&ours, Ok(saw) if saw.request.is_empty()
                && saw.suite == CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA);
            assert!(closed, "{}: {ours:?}", n.what);
            assert!(
                err.contains("* TLSv1.2 (OUT), TLS alert, close notify (256):"),
                "{err}"
            );
        } else {
            assert!(want_server_end(&ours, client_alert), "{}: {ours:?}", n.what);
        }
        rows.push(fact_row(
            &peer,
            ROLE_CURL,
            rsa128().suite,
            n.what,
            &format!("curl exit {code}, \"{said}\"; {}", ours_as_server(&ours)),
        ));
    }
    record_matrix(TAG, &format!("{peer}: negatives"), &rows);
    check_rows(&rows);
}
