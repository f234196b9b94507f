//! Interop with tlslite-ng 0.8.2 (pure Python), both roles, on 127.0.0.1.
//!
//! The peers are our scripts `interop/tlslite/srp_client.py` (`handshakeClientSRP`) and
//! `interop/tlslite/srp_server.py` (`handshakeServer(verifierDB=)`, verifiers made by
//! tlslite's own `VerifierDB.makeVerifier`), run in the venv `interop/setup.sh` creates.
//! Both are limited to TLS 1.2 and print one `CONN ok|fail ...` line per connection with
//! their own view of the negotiation (suite, EMS, EtM) and of the alerts.
//!
//! The matrix: both AES suites (restricted on one side or the other), all seven RFC 5054
//! groups, EMS/EtM switched off on our side or tlslite's, random users; one cell pair with
//! 200 handshakes at 2048 bits per role (leading-zero encodings happen 1 in 256); wrong
//! password and unknown user in both roles. Each test prints its table and adds it to
//! `target/interop/matrix-tlslite.md`. Tests fail (never skip) if the peer is missing.
//!
//! Run: `cargo test --test interop_tlslite -- --nocapture`.

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

const PEER: &str = "tlslite-ng 0.8.2";
const TAG: &str = "tlslite";
const GROUPS: [u32; 7] = [1024, 1536, 2048, 3072, 4096, 6144, 8192];
/// Handshakes in the big cell pair (per role, split over both suites).
const BIG: usize = 200;

fn per_group(bits: u32) -> usize {
    if bits >= 6144 {
        1
    } else {
        3
    }
}

fn group(bits: u32) -> &'static SrpGroup {
    SrpGroup::by_bits(bits).expect("RFC 5054 group")
}

fn both() -> Vec<SupportedCipherSuite> {
    vec![
        suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
        suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
    ]
}

fn py_suite(s: CipherSuite) -> &'static str {
    match s {
        CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA => "aes128",
        _ => "aes256",
    }
}

/// One configuration: the suite, which side restricts it (the other offers both), and the
/// EMS/EtM switches of each side.
#[derive(Clone, Copy, Debug)]
struct Opts {
    suite: SupportedCipherSuite,
    ours_restricts: bool,
    ours_ems: bool,
    ours_etm: bool,
    their_ems: bool,
    their_etm: bool,
}

impl Opts {
    fn all() -> Vec<Opts> {
        let mut v = Vec::new();
        for suite in [
            suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
            suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
        ] {
            for (i, (oe, ot, te, tt)) in [
                (true, true, true, true),
                (false, false, true, true),
                (true, true, false, true),
                (true, true, true, false),
            ]
            .into_iter()
            .enumerate()
            {
                v.push(Opts {
                    suite,
                    ours_restricts: i % 2 == 0,
                    ours_ems: oe,
                    ours_etm: ot,
                    their_ems: te,
                    their_etm: tt,
                });
            }
        }
        v
    }
    fn default_with(suite: SupportedCipherSuite) -> Opts {
        Opts {
            suite,
            ours_restricts: true,
            ours_ems: true,
            ours_etm: true,
            their_ems: true,
            their_etm: true,
        }
    }
    fn ems(&self) -> bool {
        self.ours_ems && self.their_ems
    }
    fn etm(&self) -> bool {
        self.ours_etm && self.their_etm
    }
    fn our_suites(&self) -> Vec<SupportedCipherSuite> {
        if self.ours_restricts {
            vec![self.suite]
        } else {
            both()
        }
    }
    fn their_suite(&self) -> &'static str {
        if self.ours_restricts {
            "both"
        } else {
            py_suite(self.suite.suite)
        }
    }
    fn their_args(&self) -> Vec<String> {
        let mut a = vec!["--suite".to_owned(), self.their_suite().to_owned()];
        if !self.their_ems {
            a.push("--no-ems".into());
        }
        if !self.their_etm {
            a.push("--no-etm".into());
        }
        a
    }
    fn label(&self) -> String {
        format!(
            "ours ems={} etm={}; tlslite ems={} etm={}; suite chosen by {}",
            u8::from(self.ours_ems),
            u8::from(self.ours_etm),
            u8::from(self.their_ems),
            u8::from(self.their_etm),
            if self.ours_restricts {
                "ours"
            } else {
                "tlslite"
            }
        )
    }
    /// The `CONN ok` line tlslite prints for `user` when the cell works.
    fn expected_line(&self, user: &str) -> String {
        format!(
            "CONN ok user={user} cipher={} ems={} etm={}",
            openssl_name(self.suite.suite),
            u8::from(self.ems()),
            u8::from(self.etm())
        )
    }
}

fn server_config(store: &Arc<InMemoryUserStore>, o: &Opts) -> Arc<ServerConfig> {
    let mut cfg = ServerConfig::new(store.clone()).expect("ServerConfig::new");
    cfg.cipher_suites = o.our_suites();
    cfg.enable_extended_master_secret = o.ours_ems;
    cfg.enable_encrypt_then_mac = o.ours_etm;
    Arc::new(cfg)
}

fn client_config(user: &str, password: &str, o: &Opts) -> Arc<ClientConfig> {
    let mut cfg = ClientConfig::new(user, password);
    cfg.cipher_suites = o.our_suites();
    cfg.enable_extended_master_secret = o.ours_ems;
    cfg.enable_encrypt_then_mac = o.ours_etm;
    cfg.min_group_bits = 1024;
    Arc::new(cfg)
}

/// A user for each handshake: (bits, user, password).
fn users_for(groups: &[(u32, usize)]) -> Vec<(u32, String, String)> {
    let mut v = Vec::new();
    for &(bits, n) in groups {
        for _ in 0..n {
            v.push((bits, random_username(), random_password()));
        }
    }
    v
}

fn matrix_groups() -> Vec<(u32, usize)> {
    GROUPS.iter().map(|&b| (b, per_group(b))).collect()
}

/// Starts the tlslite client script against our server on `port`.
fn start_py_client(port: u16, users_file: &std::path::Path, extra: &[String]) -> Proc {
    let mut cmd = Command::new(venv_python());
    cmd.arg(interop_script("tlslite/srp_client.py"))
        .arg("--connect")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--users")
        .arg(users_file)
        .args(extra);
    Proc::spawn("tlslite srp_client.py", cmd, Stdio::null())
}

/// Starts the tlslite server script with `user<TAB>password<TAB>bits` lines; returns it
/// and its port.
fn start_py_server(
    users: &[(u32, String, String)],
    dir: &TempDir,
    extra: &[String],
    conns: usize,
) -> (Proc, u16) {
    let path = dir.path("server-users.txt");
    let mut s = String::new();
    for (bits, u, p) in users {
        s.push_str(&format!("{u}\t{p}\t{bits}\n"));
    }
    std::fs::write(&path, s).expect("write users");
    let mut cmd = Command::new(venv_python());
    cmd.arg(interop_script("tlslite/srp_server.py"))
        .arg("--users")
        .arg(&path)
        .arg("--max-conns")
        .arg(conns.to_string())
        .args(extra);
    let mut p = Proc::spawn("tlslite srp_server.py", cmd, Stdio::null());
    let line = p.wait_for_prefix("PORT ", PROC_TIMEOUT);
    let port = line["PORT ".len()..].trim().parse().expect("port");
    (p, port)
}

/// Tally per group: (handshakes, failures).
fn tally(
    rows: &mut Vec<MatrixRow>,
    role: &str,
    o: &Opts,
    users: &[(u32, String, String)],
    failures: &[Option<String>],
    extra_label: &str,
) {
    let mut bits_seen: Vec<u32> = users.iter().map(|u| u.0).collect();
    bits_seen.dedup();
    for bits in bits_seen {
        let idx: Vec<usize> = (0..users.len()).filter(|&i| users[i].0 == bits).collect();
        let bad: Vec<&String> = idx.iter().filter_map(|&i| failures[i].as_ref()).collect();
        rows.push(MatrixRow {
            peer: PEER.into(),
            role: role.into(),
            suite: suite_short(o.suite.suite).into(),
            group: bits.to_string(),
            options: format!("{}{extra_label}", o.label()),
            handshakes: idx.len(),
            result: if bad.is_empty() {
                "ok".into()
            } else {
                format!("FAIL {}/{}: {}", bad.len(), idx.len(), bad[0])
            },
        });
    }
}

/// tlslite's client against our server for one configuration; returns one failure
/// description (or None) per user.
fn run_their_client(o: &Opts, users: &[(u32, String, String)]) -> Vec<Option<String>> {
    let store = Arc::new(InMemoryUserStore::new());
    for (bits, u, p) in users {
        store
            .add_user(u, p.as_bytes(), group(*bits))
            .expect("add_user");
    }
    let server = Server::start(server_config(&store, o), users.len(), line_handler);
    let dir = TempDir::new("tlslite-c");
    let file = dir.path("users.txt");
    let pairs: Vec<(String, String)> = users
        .iter()
        .map(|(_, u, p)| (u.clone(), p.clone()))
        .collect();
    write_users_file(&file, &pairs);
    let mut client = start_py_client(server.port(), &file, &o.their_args());
    let lines = client.expect_success(PROC_TIMEOUT * 5);
    let results = server.join();
    let conn_lines: Vec<&String> = lines.iter().filter(|l| l.starts_with("CONN ")).collect();
    assert!(
        lines.iter().any(|l| l.starts_with("DONE ")),
        "tlslite client did not finish: {lines:?}\n{}",
        client.stderr()
    );
    users
        .iter()
        .enumerate()
        .map(|(i, (_, u, _))| {
            let want = o.expected_line(u);
            let got = conn_lines.get(i).map(|s| s.as_str()).unwrap_or("<no line>");
            if got != want {
                return Some(format!("tlslite: {got:?}, want {want:?}"));
            }
            match results.get(i) {
                Some(Ok(saw))
                    if saw.user == *u
                        && saw.suite == o.suite.suite
                        && saw.ems == o.ems()
                        && saw.etm == o.etm()
                        && saw.request == format!("hello {u}") =>
                {
                    None
                }
                other => Some(format!("our server: {other:?}")),
            }
        })
        .collect()
}

/// Our client against tlslite's server for one configuration.
fn run_our_client(o: &Opts, users: &[(u32, String, String)]) -> Vec<Option<String>> {
    let dir = TempDir::new("tlslite-s");
    let (mut server, port) = start_py_server(users, &dir, &o.their_args(), users.len());
    let mut out = Vec::new();
    for (_, u, p) in users {
        let ours = our_exchange(client_config(u, p, o), port, u);
        let theirs = server.next_line(PROC_TIMEOUT);
        let want = o.expected_line(u);
        out.push(match ours {
            Ok(line) if line == o.expected_reply(u) && theirs == want => None,
            Ok(line) => Some(format!("reply {line:?}; tlslite {theirs:?}, want {want:?}")),
            Err(e) => Some(format!("ours: {e:?}; tlslite {theirs:?}")),
        });
    }
    let st = server.wait_exit(PROC_TIMEOUT);
    assert!(
        st.success(),
        "tlslite server exited with {st}: {}",
        server.stderr()
    );
    out
}

impl Opts {
    fn expected_reply(&self, user: &str) -> String {
        format!(
            "OK {user} {} ems={} etm={} hello {user}",
            openssl_name(self.suite.suite),
            u8::from(self.ems()),
            u8::from(self.etm())
        )
    }
}

/// Connects our client, sends `hello <user>`, returns the reply line, closes.
fn our_exchange(cfg: Arc<ClientConfig>, port: u16, user: &str) -> Result<String, Fail> {
    let sock = TcpStream::connect(("127.0.0.1", port))?;
    let conn = ClientConnection::new(cfg, Some("localhost")).map_err(Fail::Tls)?;
    let mut tls = Tls::new(conn, sock);
    tls.handshake()?;
    tls.send(format!("hello {user}\n").as_bytes())?;
    let reply = tls.read_line()?;
    tls.close()?;
    Ok(reply)
}

fn check_rows(rows: &[MatrixRow]) {
    let bad: Vec<&MatrixRow> = rows
        .iter()
        .filter(|r| !r.result.starts_with("ok"))
        .collect();
    assert!(bad.is_empty(), "failing cells: {bad:#?}");
}

#[test]
fn tlslite_client_to_our_server_matrix() {
    peers();
    let role = "tlslite client → our server";
    let mut rows = Vec::new();
    for o in Opts::all() {
        let users = users_for(&matrix_groups());
        let f = run_their_client(&o, &users);
        tally(&mut rows, role, &o, &users, &f, "");
    }
    for suite in [
        suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
        suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
    ] {
        let o = Opts::default_with(suite);
        let users = users_for(&[(2048, BIG / 2)]);
        let f = run_their_client(&o, &users);
        tally(&mut rows, role, &o, &users, &f, " (random users)");
    }
    record_matrix(TAG, &format!("{PEER}: {role}"), &rows);
    check_rows(&rows);
}

#[test]
fn our_client_to_tlslite_server_matrix() {
    peers();
    let role = "our client → tlslite server";
    let mut rows = Vec::new();
    for o in Opts::all() {
        let users = users_for(&matrix_groups());
        let f = run_our_client(&o, &users);
        tally(&mut rows, role, &o, &users, &f, "");
    }
    for suite in [
        suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
        suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
    ] {
        let o = Opts::default_with(suite);
        let users = users_for(&[(2048, BIG / 2)]);
        let f = run_our_client(&o, &users);
        tally(&mut rows, role, &o, &users, &f, " (random users)");
    }
    record_matrix(TAG, &format!("{PEER}: {role}"), &rows);
    check_rows(&rows);
}

fn fail_row(role: &str, options: &str, ok: bool, what: String) -> MatrixRow {
    // The random user names would make every run's table differ.
    let what = what
        .split(' ')
        .map(|w| if w.starts_with("user=") { "user=U" } else { w })
        .collect::<Vec<_>>()
        .join(" ");
    MatrixRow {
        peer: PEER.into(),
        role: role.into(),
        suite: "both".into(),
        group: "2048".into(),
        options: options.into(),
        handshakes: 1,
        result: if ok {
            format!("ok: {what}")
        } else {
            format!("FAIL: {what}")
        },
    }
}

#[test]
fn tlslite_wrong_password_and_unknown_user() {
    peers();
    let mut rows = Vec::new();
    let o = Opts {
        suite: suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
        ours_restricts: false,
        ours_ems: true,
        ours_etm: true,
        their_ems: true,
        their_etm: true,
    };
    let user = random_username();
    let pw = random_password();

    // Our client, tlslite server: wrong password, then unknown user.
    {
        let role = "our client → tlslite server";
        let dir = TempDir::new("tlslite-bad");
        let users = vec![(2048, user.clone(), pw.clone())];
        let (mut server, port) = start_py_server(&users, &dir, &o.their_args(), 2);
        let r = our_exchange(client_config(&user, &format!("{pw}x"), &o), port, &user);
        let theirs = server.next_line(PROC_TIMEOUT);
        let ok = matches!(
            &r,
            Err(Fail::Tls(Error::AlertReceived(
                AlertDescription::BadRecordMac
            )))
        ) && theirs.contains("alert_sent=bad_record_mac");
        rows.push(fail_row(
            role,
            "wrong password",
            ok,
            format!("ours {r:?}; tlslite `{theirs}`"),
        ));

        let other = random_username();
        let r = our_exchange(client_config(&other, &pw, &o), port, &other);
        let theirs = server.next_line(PROC_TIMEOUT);
        let ok = matches!(
            &r,
            Err(Fail::Tls(Error::AlertReceived(
                AlertDescription::UnknownPskIdentity
            )))
        ) && theirs.contains("alert_sent=unknown_psk_identity");
        rows.push(fail_row(
            role,
            "unknown user",
            ok,
            format!("ours {r:?}; tlslite `{theirs}`"),
        ));
        let _ = server.wait_exit(PROC_TIMEOUT);
    }

    // tlslite client, our server: wrong password; unknown user (simulated, the default,
    // then rejected).
    let role = "tlslite client → our server";
    for (what, policy, name, password) in [
        (
            "wrong password",
            UnknownUserPolicy::Simulate,
            user.clone(),
            format!("{pw}x"),
        ),
        (
            "unknown user (Simulate)",
            UnknownUserPolicy::Simulate,
            random_username(),
            pw.clone(),
        ),
        (
            "unknown user (Reject)",
            UnknownUserPolicy::Reject,
            random_username(),
            pw.clone(),
        ),
    ] {
        let store = Arc::new(InMemoryUserStore::new());
        store
            .add_user(&user, pw.as_bytes(), group(2048))
            .expect("add_user");
        let mut cfg = ServerConfig::new(store).expect("ServerConfig::new");
        cfg.unknown_users = policy;
        let server = Server::start(Arc::new(cfg), 1, line_handler);
        let dir = TempDir::new("tlslite-bad2");
        let file = dir.path("users.txt");
        write_users_file(&file, &[(name.clone(), password)]);
        let mut client = start_py_client(server.port(), &file, &o.their_args());
        let lines = client.expect_success(PROC_TIMEOUT);
        let results = server.join();
        let theirs = lines
            .iter()
            .find(|l| l.starts_with("CONN "))
            .cloned()
            .unwrap_or_default();
        let (want_err, want_alert) = if policy == UnknownUserPolicy::Reject {
            (Error::UnknownUser, "alert_received=unknown_psk_identity")
        } else {
            (Error::DecryptError, "alert_received=bad_record_mac")
        };
        let ok = matches!(&results[..], [Err(Fail::Tls(e))] if *e == want_err)
            && theirs.contains(want_alert);
        rows.push(fail_row(
            role,
            what,
            ok,
            format!("ours {results:?}; tlslite `{theirs}`"),
        ));
    }
    record_matrix(TAG, &format!("{PEER}: failures"), &rows);
    check_rows(&rows);
}

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

/// tlslite's SRP client sends SNI (`serverName`) but has no ALPN parameter; its server
/// takes ALPN protocols and reports the SNI it saw.
#[test]
fn tlslite_sni_and_alpn() {
    peers();
    let mut rows = Vec::new();
    let o = Opts::default_with(suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA);
    let user = random_username();
    let pw = random_password();

    // tlslite client → our server, with SNI.
    {
        let store = Arc::new(InMemoryUserStore::new());
        store
            .add_user(&user, pw.as_bytes(), group(2048))
            .expect("add_user");
        let mut cfg = ServerConfig::new(store).expect("ServerConfig::new");
        cfg.cipher_suites = o.our_suites();
        let server = Server::start(Arc::new(cfg), 1, sni_alpn_handler);
        let dir = TempDir::new("tlslite-sni");
        let file = dir.path("users.txt");
        write_users_file(&file, &[(user.clone(), pw.clone())]);
        let mut extra = o.their_args();
        extra.extend(["--sni".to_owned(), SNI.to_owned()]);
        let mut client = start_py_client(server.port(), &file, &extra);
        let lines = client.expect_success(PROC_TIMEOUT);
        let results = server.join();
        let want = format!("hello {user} sni=Some({SNI:?}) alpn=None");
        let ok = lines.contains(&o.expected_line(&user))
            && matches!(&results[..], [Ok(saw)] if saw.request == want);
        rows.push(MatrixRow {
            peer: PEER.into(),
            role: "tlslite client → our server".into(),
            suite: suite_short(o.suite.suite).into(),
            group: "2048".into(),
            options: format!("SNI {SNI} (no ALPN in tlslite's SRP client)"),
            handshakes: 1,
            result: if ok {
                "ok: SNI seen".into()
            } else {
                format!("FAIL: ours {results:?}; tlslite {lines:?}")
            },
        });
    }

    // Our client → tlslite server, with SNI and ALPN.
    {
        let dir = TempDir::new("tlslite-alpn");
        let users = vec![(2048, user.clone(), pw.clone())];
        let mut extra = o.their_args();
        extra.extend(["--alpn".to_owned(), "http/1.1".to_owned()]);
        let (mut server, port) = start_py_server(&users, &dir, &extra, 1);
        let mut cfg = ClientConfig::new(&user, &pw);
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        cfg.cipher_suites = o.our_suites();
        let r = (|| -> Result<(Option<Vec<u8>>, String), Fail> {
            let sock = TcpStream::connect(("127.0.0.1", port))?;
            let conn = ClientConnection::new(Arc::new(cfg), Some(SNI)).map_err(Fail::Tls)?;
            let mut tls = Tls::new(conn, sock);
            tls.handshake()?;
            let alpn = tls.conn.alpn_protocol().map(<[u8]>::to_vec);
            tls.send(format!("hello {user}\n").as_bytes())?;
            let reply = tls.read_line()?;
            tls.close()?;
            Ok((alpn, reply))
        })();
        let theirs = server.next_line(PROC_TIMEOUT);
        let want = format!("{} sni={SNI} alpn=http/1.1", o.expected_line(&user));
        let ok = matches!(&r, Ok((Some(a), reply)) if a == b"http/1.1" && *reply == o.expected_reply(&user))
            && theirs == want;
        rows.push(MatrixRow {
            peer: PEER.into(),
            role: "our client → tlslite server".into(),
            suite: suite_short(o.suite.suite).into(),
            group: "2048".into(),
            options: format!("SNI {SNI}, ALPN h2,http/1.1 offered"),
            handshakes: 1,
            result: if ok {
                "ok: SNI seen, ALPN http/1.1 both sides".into()
            } else {
                format!("FAIL: ours {r:?}; tlslite {theirs:?}, want {want:?}")
            },
        });
        let _ = server.wait_exit(PROC_TIMEOUT);
    }
    record_matrix(TAG, &format!("{PEER}: SNI and ALPN"), &rows);
    check_rows(&rows);
}
