//! Interop with OpenSSL 3.0 (libssl, the `openssl` command and curl), on 127.0.0.1.
//!
//! The peers are real OpenSSL programs built by `interop/setup.sh` (see
//! `interop/README.md`): `ossl_srp_server` / `ossl_srp_client` (libssl SRP peers that
//! report what they negotiated and which alerts crossed the wire), `openssl s_server` /
//! `s_client` with the `srp_cb_arg_fix.so` shim for the OpenSSL 3.0 apps bug, and curl.
//! If the peers cannot be built the tests fail; they never skip.
//!
//! Expected values come from the test's own parameters and from the OpenSSL side's report,
//! never from our library's view alone.
//!
//! The matrix: both roles with the libssl peers, both suites, all seven RFC 5054 groups
//! (OpenSSL's client and server take them all), EMS/EtM off on either side
//! (`SSL_OP_NO_EXTENDED_MASTER_SECRET` / `SSL_OP_NO_ENCRYPT_THEN_MAC`), the suite restricted
//! on either side; 200 handshakes per role in the 2048-bit cell pair (random users, so
//! leading-zero encodings come up); SNI and ALPN; s_client, s_server (users in every group,
//! made by `openssl srp -gn`) and curl; wrong password and unknown user both ways. Each
//! test records its rows: stdout (`--nocapture`) and `target/interop/matrix-openssl.md`.
//!
//! Run: `cargo test --test interop_openssl -- --nocapture` (about 1200 handshakes).

#[path = "common/interop.rs"]
mod interop;

use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;

use interop::*;
use tls_srp::{
    suites, AlertDescription, CipherSuite, ClientConfig, ClientConnection, Error,
    InMemoryUserStore, ServerConfig, SrpGroup, SupportedCipherSuite, UnknownUserPolicy,
};

/// Handshakes per 2048-bit configuration other than the big cell pair.
const PER_CONFIG: usize = 40;
/// Handshakes of the big cell pair (AES-128 + AES-256, random users) per role.
const BIG: usize = 200;
/// The RFC 5054 groups; OpenSSL's client and server take all seven.
const GROUPS: [u32; 7] = [1024, 1536, 2048, 3072, 4096, 6144, 8192];
/// Matrix file tag: `target/interop/matrix-openssl.md`.
const TAG: &str = "openssl";

/// `OpenSSL 3.0.19` (from `openssl version`), the matrix's peer column.
fn peer_name() -> String {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
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

/// A one-handshake-set row of a test that asserted its outcome before recording.
fn ok_row(
    role: &str,
    suite: &str,
    group: &str,
    options: &str,
    n: usize,
    result: &str,
) -> MatrixRow {
    MatrixRow {
        peer: peer_name(),
        role: role.into(),
        suite: suite.into(),
        group: group.into(),
        options: options.into(),
        handshakes: n,
        result: result.into(),
    }
}

fn aes128() -> SupportedCipherSuite {
    suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA
}

fn aes256() -> SupportedCipherSuite {
    suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA
}

fn random_users(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|_| (random_username(), random_password()))
        .collect()
}

fn store_with(users: &[(String, String)]) -> Arc<InMemoryUserStore> {
    store_at(users, 2048)
}

fn store_at(users: &[(String, String)], bits: u32) -> Arc<InMemoryUserStore> {
    let g = SrpGroup::by_bits(bits).expect("RFC 5054 group");
    let store = Arc::new(InMemoryUserStore::new());
    for (u, p) in users {
        store.add_user(u, p.as_bytes(), g).expect("add_user");
    }
    store
}

fn server_config(
    store: &Arc<InMemoryUserStore>,
    suites: &[SupportedCipherSuite],
    ems: bool,
    etm: bool,
) -> Arc<ServerConfig> {
    let mut cfg = ServerConfig::new(store.clone()).expect("ServerConfig::new");
    cfg.cipher_suites = suites.to_vec();
    cfg.enable_extended_master_secret = ems;
    cfg.enable_encrypt_then_mac = etm;
    Arc::new(cfg)
}

fn client_config(
    user: &str,
    password: &str,
    suites: &[SupportedCipherSuite],
    ems: bool,
    etm: bool,
) -> Arc<ClientConfig> {
    let mut cfg = ClientConfig::new(user, password);
    cfg.cipher_suites = suites.to_vec();
    cfg.enable_extended_master_secret = ems;
    cfg.enable_encrypt_then_mac = etm;
    Arc::new(cfg)
}

/// Connects our client to 127.0.0.1:`port` and completes the handshake.
fn connect(cfg: Arc<ClientConfig>, port: u16) -> Result<Tls<ClientConnection>, Fail> {
    let sock = TcpStream::connect(("127.0.0.1", port))?;
    let conn = ClientConnection::new(cfg, Some("localhost")).map_err(Fail::Tls)?;
    let mut tls = Tls::new(conn, sock);
    tls.handshake()?;
    Ok(tls)
}

fn b(x: bool) -> u8 {
    u8::from(x)
}

/// One configuration of a 300-handshake run: which side restricts the suite, and the
/// EMS/EtM switches of our side and of OpenSSL's side.
#[derive(Clone, Copy, Debug)]
struct Mix {
    suite: SupportedCipherSuite,
    /// The suite is restricted on our side (else on OpenSSL's side, ours offers both).
    ours_restricts: bool,
    ours_ems: bool,
    ours_etm: bool,
    ossl_ems: bool,
    ossl_etm: bool,
}

impl Mix {
    fn ems(&self) -> bool {
        self.ours_ems && self.ossl_ems
    }
    fn etm(&self) -> bool {
        self.ours_etm && self.ossl_etm
    }
    fn our_suites(&self) -> Vec<SupportedCipherSuite> {
        if self.ours_restricts {
            vec![self.suite]
        } else {
            vec![aes256(), aes128()]
        }
    }
    fn ossl_cipher(&self) -> &'static str {
        if self.ours_restricts {
            "SRP"
        } else {
            openssl_name(self.suite.suite)
        }
    }
    fn label(&self) -> String {
        format!(
            "ours ems={} etm={}; openssl ems={} etm={}; suite chosen by {}",
            b(self.ours_ems),
            b(self.ours_etm),
            b(self.ossl_ems),
            b(self.ossl_etm),
            if self.ours_restricts {
                "ours"
            } else {
                "openssl"
            }
        )
    }
    fn ossl_flags(&self) -> Vec<&'static str> {
        let mut v = vec!["--cipher", self.ossl_cipher()];
        if !self.ossl_ems {
            v.push("--no-ems");
        }
        if !self.ossl_etm {
            v.push("--no-etm");
        }
        v
    }
}

/// Both suites, each side restricting, and every EMS/EtM on/off combination on each side.
fn mixes() -> [Mix; 8] {
    let m = |suite, ours_restricts, ours_ems, ours_etm, ossl_ems, ossl_etm| Mix {
        suite,
        ours_restricts,
        ours_ems,
        ours_etm,
        ossl_ems,
        ossl_etm,
    };
    [
        m(aes128(), true, true, true, true, true),
        m(aes256(), false, true, true, true, true),
        m(aes128(), false, false, true, true, true),
        m(aes256(), true, true, false, true, true),
        m(aes128(), true, true, true, false, false),
        m(aes256(), false, true, true, false, true),
        m(aes128(), false, false, false, true, true),
        m(aes256(), true, true, true, true, false),
    ]
}

// ---------------------------------------------------------------------------------------
// Our server <- curl

#[test]
fn curl_to_our_server_both_suites_ems_etm_on_off() {
    let _ = peers(); // setup.sh also installs curl
    let users = random_users(1);
    let (user, pw) = &users[0];
    let store = store_with(&users);
    let mut rows = Vec::new();
    for suite in [aes128(), aes256()] {
        for (ems, etm) in [(true, true), (false, false), (true, false), (false, true)] {
            let server = Server::start(
                server_config(&store, &[aes256(), aes128()], ems, etm),
                1,
                http_handler,
            );
            let name = openssl_name(suite.suite);
            let mut cmd = Command::new("curl");
            cmd.args([
                "-sS",
                "--max-time",
                "60",
                "--tlsauthtype",
                "SRP",
                "--tlsuser",
                user,
                "--tlspassword",
                pw,
            ])
            .args(["--ciphers", name, "-k"])
            .arg(format!("https://127.0.0.1:{}/interop", server.port()));
            let (st, out, err) = run("curl", cmd, b"", PROC_TIMEOUT);
            let results = server.join();
            let saw = match &results[..] {
                [Ok(saw)] => saw.clone(),
                other => panic!("our server failed with curl ({name}, ems={ems}, etm={etm}): {other:?}; curl: {st} {err}"),
            };
            assert!(
                st.success(),
                "curl failed ({name}, ems={ems}, etm={etm}): {st}\n{err}"
            );
            assert_eq!(
                out,
                format!(
                    "srp-ok user={user} cipher={name} ems={} etm={}",
                    b(ems),
                    b(etm)
                )
            );
            assert!(
                saw.request.starts_with("GET /interop HTTP/1.1\r\n"),
                "request: {:?}",
                saw.request
            );
            assert_eq!(saw.user, *user);
            assert_eq!(saw.suite, suite.suite);
            // curl offers both extensions (SPEC.md), so our switches decide.
            assert_eq!((saw.ems, saw.etm), (ems, etm));
            rows.push(ok_row(
                "curl (libssl) → our server",
                suite_short(suite.suite),
                "2048",
                &format!(
                    "ours ems={} etm={}; curl ems=1 etm=1; suite chosen by curl; HTTPS GET",
                    b(ems),
                    b(etm)
                ),
                1,
                "ok",
            ));
        }
    }
    record_matrix(TAG, &format!("{}: curl", peer_name()), &rows);
}

// ---------------------------------------------------------------------------------------
// Our server <- openssl s_client (with the shim)

#[test]
fn openssl_s_client_to_our_server() {
    let p = peers();
    let users = random_users(4);
    let store = store_with(&users);
    let mut rows = Vec::new();
    // (suite, our EMS/EtM, s_client limited to TLS 1.2 or offering 1.3 too)
    let cases = [
        (aes128(), true, true),
        (aes256(), true, true),
        (aes256(), true, false),
        (aes128(), false, true),
    ];
    for ((suite, ours_on, tls12_only), (user, pw)) in cases.into_iter().zip(&users) {
        let server = Server::start(
            server_config(&store, &[aes256(), aes128()], ours_on, ours_on),
            1,
            line_handler,
        );
        let name = openssl_name(suite.suite);
        let mut cmd = Command::new("openssl");
        cmd.env("LD_PRELOAD", p.shim())
            .args([
                "s_client",
                "-quiet",
                "-srpuser",
                user,
                "-srppass",
                &format!("pass:{pw}"),
                "-cipher",
                name,
            ])
            .args([
                "-connect",
                &format!("127.0.0.1:{}", server.port()),
                "-ign_eof",
            ]);
        if tls12_only {
            cmd.arg("-tls1_2");
        }
        let (st, out, err) = run(
            "openssl s_client",
            cmd,
            format!("hello {user}\n").as_bytes(),
            PROC_TIMEOUT,
        );
        let results = server.join();
        let saw = match &results[..] {
            [Ok(saw)] => saw.clone(),
            other => panic!(
                "our server failed with s_client ({name}): {other:?}; s_client: {st}\n{out}\n{err}"
            ),
        };
        let expect = format!(
            "OK {user} {name} ems={} etm={} hello {user}",
            b(ours_on),
            b(ours_on)
        );
        assert!(
            out.lines().any(|l| l == expect),
            "s_client ({st}) printed {out:?}, expected {expect:?}; stderr: {err}"
        );
        assert_eq!(saw.request, format!("hello {user}"));
        assert_eq!((saw.user.as_str(), saw.suite), (user.as_str(), suite.suite));
        rows.push(ok_row(
            "openssl s_client (shim) → our server",
            suite_short(suite.suite),
            "2048",
            &format!(
                "ours ems={} etm={}; s_client {}",
                b(ours_on),
                b(ours_on),
                if tls12_only {
                    "-tls1_2"
                } else {
                    "offering TLS 1.3 too"
                }
            ),
            1,
            "ok",
        ));
    }
    record_matrix(TAG, &format!("{}: openssl s_client", peer_name()), &rows);
}

// ---------------------------------------------------------------------------------------
// The libssl C peers: one runner per role, used by the 2048-bit mixes, the group matrix
// and SNI/ALPN. Each returns one failure description (or None) per handshake.

/// Users at `bits`, for the C peers' users files.
fn users_at(n: usize) -> Vec<(String, String)> {
    random_users(n)
}

/// ossl_srp_client → our server: `users` (all in the `bits` group on our side), one
/// connection each, with `mix`'s switches; both sides' views are checked.
fn run_c_client_cell(mix: &Mix, bits: u32, users: &[(String, String)]) -> Vec<Option<String>> {
    let p = peers();
    let tmp = TempDir::new("c-client");
    let store = store_at(users, bits);
    let file = tmp.path("users.txt");
    write_users_file(&file, users);
    let server = Server::start(
        server_config(&store, &mix.our_suites(), mix.ours_ems, mix.ours_etm),
        users.len(),
        line_handler,
    );
    let mut cmd = Command::new(p.bin("ossl_srp_client"));
    cmd.arg("--connect")
        .arg(format!("127.0.0.1:{}", server.port()))
        .arg("--users")
        .arg(&file)
        .args(mix.ossl_flags());
    let mut client = Proc::spawn("ossl_srp_client", cmd, Stdio::null());
    let status = client.wait_exit(PROC_TIMEOUT * 3);
    let lines = client.stdout_lines().to_vec();
    let results = server.join();
    let name = openssl_name(mix.suite.suite);
    let conn_lines: Vec<&String> = lines.iter().filter(|l| l.starts_with("CONN ")).collect();
    let mut fails = Vec::with_capacity(users.len());
    for (i, (user, _)) in users.iter().enumerate() {
        // OpenSSL's view, which it also checked against our server's reply line.
        let want = format!(
            "CONN ok user={user} cipher={name} ems={} etm={}",
            b(mix.ems()),
            b(mix.etm())
        );
        let fail = match (conn_lines.get(i), results.get(i)) {
            (Some(l), _) if **l != want => Some(format!("libssl: {l}")),
            (None, _) => Some(format!("no CONN line ({status}): {}", client.stderr())),
            (_, Some(Ok(saw))) => {
                if saw.user != *user
                    || saw.suite != mix.suite.suite
                    || (saw.ems, saw.etm) != (mix.ems(), mix.etm())
                    || saw.request != format!("hello {user}")
                {
                    Some(format!("our server saw {saw:?}"))
                } else {
                    None
                }
            }
            (_, Some(Err(e))) => Some(format!("our server: {e:?}")),
            (_, None) => Some("our server stopped early".into()),
        };
        fails.push(fail);
    }
    if !status.success() && fails.iter().all(Option::is_none) {
        fails.push(Some(format!("ossl_srp_client exited {status}")));
    }
    fails
}

/// Our client → ossl_srp_server (`--group bits`): `users`, one connection each.
fn run_c_server_cell(mix: &Mix, bits: u32, users: &[(String, String)]) -> Vec<Option<String>> {
    let tmp = TempDir::new("c-server");
    let file = tmp.path("users.txt");
    write_users_file(&file, users);
    let max = users.len().to_string();
    let bits_s = bits.to_string();
    let mut args = vec![
        "--users",
        file.to_str().expect("utf-8 path"),
        "--group",
        &bits_s,
        "--max-conns",
        &max,
    ];
    args.extend(mix.ossl_flags());
    let (mut server, port) = start_c_server(&args);
    let name = openssl_name(mix.suite.suite);
    let mut fails = Vec::with_capacity(users.len());
    for (user, pw) in users {
        let mut cfg = ClientConfig::new(user.as_str(), pw.as_str());
        cfg.cipher_suites = mix.our_suites();
        cfg.enable_extended_master_secret = mix.ours_ems;
        cfg.enable_encrypt_then_mac = mix.ours_etm;
        cfg.min_group_bits = 1024;
        let res = (|| -> Result<Option<String>, Fail> {
            let mut tls = connect(Arc::new(cfg), port)?;
            let ours = (
                tls.conn.negotiated_cipher_suite(),
                tls.conn.extended_master_secret(),
                tls.conn.encrypt_then_mac(),
                tls.conn.srp_group_bits(),
            );
            tls.send(format!("hello {user}\n").as_bytes())?;
            let reply = tls.read_line()?;
            tls.close()?;
            let want = format!(
                "OK {user} {name} ems={} etm={} hello {user}",
                b(mix.ems()),
                b(mix.etm())
            );
            if ours != (Some(mix.suite.suite), mix.ems(), mix.etm(), Some(bits)) {
                return Ok(Some(format!("our view {ours:?}")));
            }
            // The OpenSSL server's view of the connection.
            Ok((reply != want).then(|| format!("libssl replied {reply:?}")))
        })();
        fails.push(match res {
            Ok(f) => f,
            Err(e) => Some(format!("{e:?}")),
        });
    }
    let st = server.wait_exit(PROC_TIMEOUT);
    let lines = server.stdout_lines().to_vec();
    let conn_lines: Vec<&String> = lines.iter().filter(|l| l.starts_with("CONN ")).collect();
    for (i, (user, _)) in users.iter().enumerate() {
        let prefix = format!(
            "CONN ok user={user} cipher={name} ems={} etm={} ",
            b(mix.ems()),
            b(mix.etm())
        );
        if fails[i].is_none() && !conn_lines.get(i).is_some_and(|l| l.starts_with(&prefix)) {
            fails[i] = Some(format!("libssl server: {:?}", conn_lines.get(i)));
        }
    }
    if !st.success() {
        fails.push(Some(format!("ossl_srp_server exited {st}")));
    }
    fails
}

const ROLE_C_CLIENT: &str = "libssl client (ossl_srp_client) → our server";
const ROLE_C_SERVER: &str = "our client → libssl server (ossl_srp_server)";

/// A matrix row for `n` handshakes of one cell, from their failure descriptions.
fn cell_row(
    role: &str,
    suite: CipherSuite,
    bits: u32,
    options: String,
    fails: &[Option<String>],
) -> MatrixRow {
    let bad: Vec<&String> = fails.iter().flatten().collect();
    MatrixRow {
        peer: peer_name(),
        role: role.into(),
        suite: suite_short(suite).into(),
        group: bits.to_string(),
        options,
        handshakes: fails.len(),
        result: if bad.is_empty() {
            "ok".into()
        } else {
            format!("FAIL {}/{}: {}", bad.len(), fails.len(), bad[0])
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

/// The 2048-bit cells: every mix, the first two (everything on, AES-128 and AES-256: the
/// cell pair) with [`BIG`] / 2 random users each, the others with [`PER_CONFIG`].
fn mix_counts() -> Vec<(Mix, usize)> {
    mixes()
        .into_iter()
        .enumerate()
        .map(|(i, m)| (m, if i < 2 { BIG / 2 } else { PER_CONFIG }))
        .collect()
}

// Our server <- ossl_srp_client, 2048 bits: 440 handshakes

#[test]
fn c_client_to_our_server_2048_mixes() {
    let mut rows = Vec::new();
    for (mix, n) in mix_counts() {
        let fails = run_c_client_cell(&mix, 2048, &users_at(n));
        rows.push(cell_row(
            ROLE_C_CLIENT,
            mix.suite.suite,
            2048,
            format!("{} (random users)", mix.label()),
            &fails,
        ));
    }
    record_matrix(TAG, &format!("{}: {ROLE_C_CLIENT}", peer_name()), &rows);
    check_rows(&rows);
    assert!(rows.iter().map(|r| r.handshakes).sum::<usize>() >= 400);
}

// Our client -> ossl_srp_server, 2048 bits: 440 handshakes

#[test]
fn our_client_to_c_server_2048_mixes() {
    let mut rows = Vec::new();
    for (mix, n) in mix_counts() {
        let fails = run_c_server_cell(&mix, 2048, &users_at(n));
        rows.push(cell_row(
            ROLE_C_SERVER,
            mix.suite.suite,
            2048,
            format!("{} (random users)", mix.label()),
            &fails,
        ));
    }
    record_matrix(TAG, &format!("{}: {ROLE_C_SERVER}", peer_name()), &rows);
    check_rows(&rows);
    assert!(rows.iter().map(|r| r.handshakes).sum::<usize>() >= 400);
}

/// The group matrix: every RFC 5054 group × both suites × four EMS/EtM settings.
fn group_mixes() -> Vec<Mix> {
    let m = |suite, ours_restricts, ours_ems, ours_etm, ossl_ems, ossl_etm| Mix {
        suite,
        ours_restricts,
        ours_ems,
        ours_etm,
        ossl_ems,
        ossl_etm,
    };
    let mut v = Vec::new();
    for suite in [aes128(), aes256()] {
        v.push(m(suite, true, true, true, true, true));
        v.push(m(suite, false, false, false, true, true));
        v.push(m(suite, true, true, true, false, true));
        v.push(m(suite, false, true, true, true, false));
    }
    v
}

fn per_group(bits: u32) -> usize {
    if bits >= 6144 {
        1
    } else {
        3
    }
}

/// A cell runner: (configuration, group bits, users) → one failure (or None) per handshake.
type CellRunner = fn(&Mix, u32, &[(String, String)]) -> Vec<Option<String>>;

fn group_matrix(role: &str, run: CellRunner) {
    let mut rows = Vec::new();
    for bits in GROUPS {
        for mix in group_mixes() {
            let fails = run(&mix, bits, &users_at(per_group(bits)));
            rows.push(cell_row(role, mix.suite.suite, bits, mix.label(), &fails));
        }
    }
    record_matrix(TAG, &format!("{}: {role}, groups", peer_name()), &rows);
    check_rows(&rows);
}

#[test]
fn c_client_to_our_server_all_groups() {
    group_matrix(ROLE_C_CLIENT, run_c_client_cell);
}

#[test]
fn our_client_to_c_server_all_groups() {
    group_matrix(ROLE_C_SERVER, run_c_server_cell);
}

// ---------------------------------------------------------------------------------------
// SNI and ALPN with the libssl peers

const SNI: &str = "srp.example.test";

/// [`line_handler`], returning the request line with our server's view of SNI and ALPN.
fn sni_alpn_handler(
    tls: &mut Tls<tls_srp::ServerConnection>,
    saw: &ServerSaw,
) -> Result<String, Fail> {
    let sni = tls.conn.server_name().map(str::to_owned);
    let alpn = tls
        .conn
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let line = line_handler(tls, saw)?;
    Ok(format!("{line} sni={sni:?} alpn={alpn:?}"))
}

#[test]
fn sni_and_alpn_with_c_peers() {
    let p = peers();
    let mut rows = Vec::new();
    let options = format!("SNI {SNI}, ALPN h2,http/1.1 offered, http/1.1 accepted");
    for suite in [aes128(), aes256()] {
        let users = random_users(2);
        // ossl_srp_client sends SNI and ALPN; our server selects http/1.1.
        let store = store_with(&users);
        let mut cfg = ServerConfig::new(store).expect("ServerConfig::new");
        cfg.cipher_suites = vec![suite];
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        let server = Server::start(Arc::new(cfg), 1, sni_alpn_handler);
        let (user, pw) = &users[0];
        let mut cmd = Command::new(p.bin("ossl_srp_client"));
        cmd.arg("--connect")
            .arg(format!("127.0.0.1:{}", server.port()))
            .args(["--user", user, "--password", pw, "--sni", SNI])
            .args(["--alpn", "h2,http/1.1"]);
        let mut client = Proc::spawn("ossl_srp_client", cmd, Stdio::null());
        let lines = client.expect_success(PROC_TIMEOUT);
        let results = server.join();
        let saw = match &results[..] {
            [Ok(saw)] => saw.clone(),
            other => panic!("our server: {other:?}"),
        };
        assert_eq!(
            saw.request,
            format!("hello {user} sni=Some({SNI:?}) alpn=Some(\"http/1.1\")")
        );
        assert!(
            lines.iter().any(|l| l == "INFO alpn=http/1.1"),
            "libssl client: {lines:?}"
        );
        rows.push(MatrixRow {
            peer: peer_name(),
            role: ROLE_C_CLIENT.into(),
            suite: suite_short(suite.suite).into(),
            group: "2048".into(),
            options: options.clone(),
            handshakes: 1,
            result: "ok: SNI seen, ALPN http/1.1 both sides".into(),
        });

        // Our client sends SNI and ALPN; ossl_srp_server selects http/1.1.
        let tmp = TempDir::new("sni-alpn");
        let file = tmp.path("users.txt");
        write_users_file(&file, &users[1..]);
        let (user, pw) = &users[1];
        let (mut server, port) = start_c_server(&[
            "--users",
            file.to_str().expect("path"),
            "--max-conns",
            "1",
            "--alpn",
            "http/1.1",
        ]);
        let mut cfg = ClientConfig::new(user.as_str(), pw.as_str());
        cfg.cipher_suites = vec![suite];
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let conn = ClientConnection::new(Arc::new(cfg), Some(SNI)).expect("client");
        let mut tls = Tls::new(conn, sock);
        tls.handshake().expect("handshake");
        assert_eq!(tls.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
        tls.send(format!("hello {user}\n").as_bytes())
            .expect("send");
        let reply = tls.read_line().expect("reply");
        assert!(reply.starts_with(&format!("OK {user} ")), "{reply}");
        tls.close().expect("close");
        let lines = server.expect_success(PROC_TIMEOUT);
        assert!(
            lines
                .iter()
                .any(|l| *l == format!("INFO sni={SNI} alpn=http/1.1")),
            "libssl server: {lines:?}"
        );
        rows.push(MatrixRow {
            peer: peer_name(),
            role: ROLE_C_SERVER.into(),
            suite: suite_short(suite.suite).into(),
            group: "2048".into(),
            options: options.clone(),
            handshakes: 1,
            result: "ok: SNI seen by libssl, ALPN http/1.1 both sides".into(),
        });
    }
    record_matrix(TAG, &format!("{}: SNI and ALPN", peer_name()), &rows);
}

// ---------------------------------------------------------------------------------------
// Our client -> openssl s_server -srpvfile (with the shim), users made by `openssl srp`

#[test]
fn our_client_to_openssl_s_server_srpvfile() {
    let _ = peers();
    let tmp = TempDir::new("s-server");
    let vfile = tmp.path("srpvfile.txt");
    // One user per RFC 5054 group (`openssl srp -gn BITS`), all in one srpvfile.
    let users: Vec<(u32, String, String)> = GROUPS
        .iter()
        .map(|&bits| (bits, random_username(), random_password()))
        .collect();
    for (bits, u, p) in &users {
        openssl_srp_add_gn(&vfile, u, p, *bits);
    }
    let (_s_server, port) = start_openssl_s_server(&vfile, &[]);
    let mut rows = Vec::new();
    let cases = [
        (aes128(), true, true),
        (aes256(), true, true),
        (aes256(), false, true),
        (aes128(), true, false),
    ];
    for (bits, user, pw) in &users {
        for (suite, ems, etm) in cases {
            let mut cfg = ClientConfig::new(user.as_str(), pw.as_str());
            cfg.cipher_suites = vec![suite];
            cfg.enable_extended_master_secret = ems;
            cfg.enable_encrypt_then_mac = etm;
            cfg.min_group_bits = 1024;
            let mut tls = connect(Arc::new(cfg), port).unwrap_or_else(|e| {
                panic!("handshake with s_server as {user} ({suite:?}, {bits}) failed: {e:?}")
            });
            assert_eq!(tls.conn.negotiated_cipher_suite(), Some(suite.suite));
            assert_eq!(tls.conn.srp_group_bits(), Some(*bits));
            // s_server answers both extensions when offered (SPEC.md).
            assert_eq!(
                (
                    tls.conn.extended_master_secret(),
                    tls.conn.encrypt_then_mac()
                ),
                (ems, etm)
            );
            tls.send(b"GET / HTTP/1.0\r\n\r\n").expect("send");
            let page = tls
                .read_until(|b| b.ends_with(b"</HTML>\r\n") || b.ends_with(b"</HTML>\n"))
                .expect("read page");
            let page = String::from_utf8_lossy(&page);
            let _ = tls.close();
            // s_server's -www page reports its own view of the session.
            assert!(page.starts_with("HTTP/1.0 200 ok"), "{page}");
            let name = openssl_name(suite.suite);
            assert!(page.contains(&format!("Cipher is {name}")), "{page}");
            assert!(page.contains(&format!("SRP username: {user}\n")), "{page}");
            let ems_line = format!("Extended master secret: {}", if ems { "yes" } else { "no" });
            assert!(page.contains(&ems_line), "expected {ems_line:?} in {page}");
            rows.push(ok_row(
                "our client → openssl s_server -srpvfile (shim)",
                suite_short(suite.suite),
                &bits.to_string(),
                &format!(
                    "ours ems={} etm={}; s_server ems=1 etm=1; verifier by `openssl srp -gn {bits}`",
                    b(ems),
                    b(etm)
                ),
                1,
                "ok",
            ));
        }
    }
    record_matrix(TAG, &format!("{}: openssl s_server", peer_name()), &rows);
}

/// `s_client -servername -alpn` → our server (the C client covers the same with libssl).
#[test]
fn openssl_s_client_sni_alpn_to_our_server() {
    let p = peers();
    let mut rows = Vec::new();
    for suite in [aes128(), aes256()] {
        let users = random_users(1);
        let (user, pw) = &users[0];
        let mut cfg = ServerConfig::new(store_with(&users)).expect("ServerConfig::new");
        cfg.cipher_suites = vec![suite];
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        let server = Server::start(Arc::new(cfg), 1, sni_alpn_handler);
        let mut cmd = Command::new("openssl");
        cmd.env("LD_PRELOAD", p.shim())
            .args(["s_client", "-srpuser", user, "-srppass"])
            .arg(format!("pass:{pw}"))
            .args(["-cipher", "SRP", "-tls1_2", "-ign_eof"])
            .args(["-servername", SNI, "-alpn", "h2,http/1.1", "-connect"])
            .arg(format!("127.0.0.1:{}", server.port()));
        let (st, out, err) = run(
            "openssl s_client",
            cmd,
            format!("hello {user}\n").as_bytes(),
            PROC_TIMEOUT,
        );
        let results = server.join();
        let saw = match &results[..] {
            [Ok(saw)] => saw.clone(),
            other => panic!("our server: {other:?}; s_client {st}: {out}\n{err}"),
        };
        assert_eq!(
            saw.request,
            format!("hello {user} sni=Some({SNI:?}) alpn=Some(\"http/1.1\")")
        );
        assert!(
            out.lines().any(|l| l == "ALPN protocol: http/1.1"),
            "s_client: {out}"
        );
        assert!(
            out.lines().any(|l| l.starts_with(&format!("OK {user} "))),
            "s_client: {out}"
        );
        rows.push(ok_row(
            "openssl s_client (shim) → our server",
            suite_short(suite.suite),
            "2048",
            &format!("SNI {SNI}, ALPN h2,http/1.1 offered, http/1.1 accepted"),
            1,
            "ok: SNI seen, ALPN http/1.1 both sides",
        ));
    }
    record_matrix(
        TAG,
        &format!("{}: s_client SNI and ALPN", peer_name()),
        &rows,
    );
}

// ---------------------------------------------------------------------------------------
// Wrong passwords, both directions

#[test]
fn wrong_password_our_client_gets_bad_record_mac() {
    let _ = peers();
    let tmp = TempDir::new("wrong-pw-client");
    let users = random_users(1);
    let (user, pw) = &users[0];
    let file = tmp.path("users.txt");
    write_users_file(&file, &users);
    let wrong = format!("{pw}x");

    // The libssl server rejects our Finished with bad_record_mac.
    let (mut server, port) =
        start_c_server(&["--users", file.to_str().expect("path"), "--max-conns", "1"]);
    let err = connect(
        client_config(user, &wrong, &[aes256(), aes128()], true, true),
        port,
    )
    .err()
    .expect("must fail")
    .tls();
    assert_eq!(err, Error::AlertReceived(AlertDescription::BadRecordMac));
    let lines = server.expect_success(PROC_TIMEOUT);
    let conn = lines
        .iter()
        .find(|l| l.starts_with("CONN "))
        .expect("CONN line");
    assert!(
        conn.starts_with(&format!(
            "CONN fail user={user} stage=handshake alert_sent=bad_record_mac "
        )),
        "OpenSSL server reported {conn:?}"
    );

    // openssl s_server -srpvfile does the same.
    let vfile = tmp.path("srpvfile.txt");
    openssl_srp_add(&vfile, user, pw);
    let (_s_server, port) = start_openssl_s_server(&vfile, &[]);
    let err = connect(client_config(user, &wrong, &[aes128()], true, true), port)
        .err()
        .expect("must fail")
        .tls();
    assert_eq!(err, Error::AlertReceived(AlertDescription::BadRecordMac));
    // And the right password works on the same server (the failure was the password).
    let mut tls =
        connect(client_config(user, pw, &[aes128()], true, true), port).expect("right password");
    let _ = tls.close();
    record_matrix(
        TAG,
        &format!("{}: wrong password, our client", peer_name()),
        &[
            ok_row(
                ROLE_C_SERVER,
                "both",
                "2048",
                "wrong password",
                1,
                "ok: rejected, libssl sent bad_record_mac, we got AlertReceived(BadRecordMac)",
            ),
            ok_row(
                "our client → openssl s_server -srpvfile (shim)",
                "AES-128",
                "2048",
                "wrong password",
                1,
                "ok: rejected with bad_record_mac; right password then accepted",
            ),
        ],
    );
}

#[test]
fn wrong_password_our_server_sends_bad_record_mac() {
    let p = peers();
    let users = random_users(1);
    let (user, pw) = &users[0];
    let store = store_with(&users);
    let wrong = format!("x{pw}");

    // libssl client: our server fails to decrypt its Finished.
    let server = Server::start(
        server_config(&store, &[aes256(), aes128()], true, true),
        1,
        line_handler,
    );
    let mut cmd = Command::new(p.bin("ossl_srp_client"));
    cmd.arg("--connect")
        .arg(format!("127.0.0.1:{}", server.port()))
        .args(["--user", user, "--password", &wrong, "--expect-fail"]);
    let mut client = Proc::spawn("ossl_srp_client", cmd, Stdio::null());
    let lines = client.expect_success(PROC_TIMEOUT);
    let results = server.join();
    let conn = lines
        .iter()
        .find(|l| l.starts_with("CONN "))
        .expect("CONN line");
    assert!(
        conn.starts_with(&format!(
            "CONN fail user={user} stage=handshake alert_sent=none alert_received=bad_record_mac "
        )),
        "OpenSSL client reported {conn:?}"
    );
    match &results[..] {
        [Err(Fail::Tls(e))] => {
            assert_eq!(*e, Error::DecryptError);
            assert_eq!(e.alert(), Some(AlertDescription::BadRecordMac));
        }
        other => panic!("expected DecryptError, got {other:?}"),
    }

    // curl: the same, and curl says so.
    let server = Server::start(
        server_config(&store, &[aes256(), aes128()], true, true),
        1,
        http_handler,
    );
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "--max-time",
        "60",
        "--tlsauthtype",
        "SRP",
        "--tlsuser",
        user,
        "--tlspassword",
        &wrong,
        "-k",
    ])
    .arg(format!("https://127.0.0.1:{}/", server.port()));
    let (st, _out, err) = run("curl", cmd, b"", PROC_TIMEOUT);
    let results = server.join();
    assert_eq!(st.code(), Some(35), "curl: {st} {err}");
    assert!(err.contains("bad record mac"), "curl stderr: {err}");
    assert!(
        matches!(&results[..], [Err(Fail::Tls(Error::DecryptError))]),
        "{results:?}"
    );
    record_matrix(
        TAG,
        &format!("{}: wrong password, our server", peer_name()),
        &[
            ok_row(
                ROLE_C_CLIENT,
                "both",
                "2048",
                "wrong password",
                1,
                "ok: rejected, we sent bad_record_mac, libssl received it",
            ),
            ok_row(
                "curl (libssl) → our server",
                "both",
                "2048",
                "wrong password",
                1,
                "ok: rejected, curl exit 35 \"bad record mac\"",
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Unknown users, both directions

#[test]
fn unknown_user_both_directions() {
    let p = peers();
    let tmp = TempDir::new("unknown-user");
    let users = random_users(1);
    let file = tmp.path("users.txt");
    write_users_file(&file, &users);
    let stranger = random_username();

    // libssl server without simulation: unknown_psk_identity right after the ClientHello.
    let (mut server, port) =
        start_c_server(&["--users", file.to_str().expect("path"), "--max-conns", "1"]);
    let err = connect(
        client_config(&stranger, "password", &[aes128()], true, true),
        port,
    )
    .err()
    .expect("must fail")
    .tls();
    assert_eq!(
        err,
        Error::AlertReceived(AlertDescription::UnknownPskIdentity)
    );
    let lines = server.expect_success(PROC_TIMEOUT);
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "CONN fail user={stranger} stage=handshake alert_sent=unknown_psk_identity "
        ))),
        "{lines:?}"
    );

    // libssl server simulating users (RFC 5054 2.5.1.3): looks like a wrong password.
    let (mut server, port) = start_c_server(&[
        "--users",
        file.to_str().expect("path"),
        "--max-conns",
        "1",
        "--fake-seed",
        "interop-seed",
    ]);
    let err = connect(
        client_config(&stranger, "password", &[aes128()], true, true),
        port,
    )
    .err()
    .expect("must fail")
    .tls();
    assert_eq!(err, Error::AlertReceived(AlertDescription::BadRecordMac));
    server.expect_success(PROC_TIMEOUT);

    let mut rows = vec![
        ok_row(
            ROLE_C_SERVER,
            "AES-128",
            "2048",
            "unknown user (libssl without simulation)",
            1,
            "ok: rejected, libssl sent unknown_psk_identity",
        ),
        ok_row(
            ROLE_C_SERVER,
            "AES-128",
            "2048",
            "unknown user (libssl simulating users, SRP_VBASE seed)",
            1,
            "ok: rejected, libssl sent bad_record_mac",
        ),
    ];
    // Our server, default policy (simulate): the libssl client gets bad_record_mac.
    let store = store_with(&users);
    for (policy, expect_alert, expect_err) in [
        (
            UnknownUserPolicy::Simulate,
            "bad_record_mac",
            Error::DecryptError,
        ),
        (
            UnknownUserPolicy::Reject,
            "unknown_psk_identity",
            Error::UnknownUser,
        ),
    ] {
        let mut cfg = ServerConfig::new(store.clone()).expect("config");
        cfg.unknown_users = policy;
        let server = Server::start(Arc::new(cfg), 1, line_handler);
        let mut cmd = Command::new(p.bin("ossl_srp_client"));
        cmd.arg("--connect")
            .arg(format!("127.0.0.1:{}", server.port()))
            .args([
                "--user",
                &stranger,
                "--password",
                "password",
                "--expect-fail",
            ]);
        let mut client = Proc::spawn("ossl_srp_client", cmd, Stdio::null());
        let lines = client.expect_success(PROC_TIMEOUT);
        let results = server.join();
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("CONN fail user={stranger} stage=handshake alert_sent=none alert_received={expect_alert} "))),
            "{policy:?}: {lines:?}"
        );
        match &results[..] {
            [Err(Fail::Tls(e))] => assert_eq!(*e, expect_err, "{policy:?}"),
            other => panic!("{policy:?}: expected {expect_err:?}, got {other:?}"),
        }
        rows.push(ok_row(
            ROLE_C_CLIENT,
            "AES-256",
            "2048",
            &format!("unknown user, our policy {policy:?}"),
            1,
            &format!("ok: rejected, libssl received {expect_alert}"),
        ));
    }
    record_matrix(TAG, &format!("{}: unknown user", peer_name()), &rows);
}

/// The suites used here are the two the issue names, with their OpenSSL names.
#[test]
fn suite_names_match_openssl() {
    let _ = peers();
    assert_eq!(
        aes128().suite,
        CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA
    );
    assert_eq!(
        aes256().suite,
        CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA
    );
    assert_eq!(aes128().suite.get(), 0xC01D);
    assert_eq!(aes256().suite.get(), 0xC020);
    // `openssl ciphers -V` is the independent source of the names.
    let (st, out, err) = run(
        "openssl ciphers",
        {
            let mut c = Command::new("openssl");
            c.args(["ciphers", "-V", "SRP"]);
            c
        },
        b"",
        PROC_TIMEOUT,
    );
    assert!(st.success(), "{err}");
    for (code, name) in [
        ("0xC0,0x1D", openssl_name(aes128().suite)),
        ("0xC0,0x20", openssl_name(aes256().suite)),
    ] {
        assert!(
            out.lines()
                .any(|l| l.contains(code) && l.contains(&format!(" {name} "))),
            "{code} {name} not in:\n{out}"
        );
    }
}
