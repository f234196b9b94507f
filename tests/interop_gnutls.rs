//! Interop with GnuTLS 3.7.9 (`gnutls-cli`, `gnutls-serv`, `srptool` from gnutls-bin),
//! both roles, on 127.0.0.1.
//!
//! - `gnutls-cli --srpusername U --srppasswd P --priority NORMAL:-KX-ALL:+SRP...` against
//!   our server (one process per handshake): it sends `hello <user>`, our server answers
//!   with its view of the negotiation; gnutls-cli's own `- Description:`/`- Options:` lines
//!   give its view (suite, EMS, EtM).
//! - Our client against `gnutls-serv --echo --srppasswd F --srppasswdconf C` (one process
//!   per configuration, on a port we pick, connected to on 127.0.0.1 only), with files
//!   made by `srptool` (password on stdin, no controlling terminal). gnutls-serv's
//!   `Connected as`/`Cipher`/`Options` lines give its view.
//!
//! Groups: gnutls-cli accepts every RFC 5054 group but 6144. `srptool --create-conf`
//! indexes 1536, 2048, 3072, 4096 and 8192, but srptool 3.7.9 aborts ("buffer overflow
//! detected") when it makes an 8192-bit verifier: the 8192-bit users, and a 1024-bit group
//! (index 1) with its users, are written by `interop/gnutls/tpasswd.py` instead.
//! Suites restricted on one side or the other, EMS/EtM off on either side, one cell pair
//! of 200 handshakes at 2048 bits per role, wrong password and unknown user both ways.
//! Tables: stdout (`--nocapture`) and `target/interop/matrix-gnutls.md`.
//!
//! Run: `cargo test --test interop_gnutls -- --nocapture`.

#[path = "common/interop.rs"]
mod interop;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use interop::*;
use tls_srp::{
    suites, AlertDescription, CipherSuite, ClientConfig, ClientConnection, Error,
    InMemoryUserStore, ServerConfig, SrpGroup, SupportedCipherSuite, UnknownUserPolicy,
};

/// (group bits, name, password).
type User = (u32, String, String);

const PEER: &str = "GnuTLS 3.7.9";
const TAG: &str = "gnutls";
/// Groups gnutls-cli accepts (not 6144).
const CLI_GROUPS: [u32; 6] = [1024, 1536, 2048, 3072, 4096, 8192];
/// Groups of our client → gnutls-serv: (bits, tpasswd.conf index, verifier made by srptool).
/// srptool 3.7.9 aborts on index 7 (8192 bits) and `--create-conf` has no 1024-bit group:
/// `interop/gnutls/tpasswd.py` (Python, independent of our library) adds those.
const SERV_GROUPS: [(u32, u32, bool); 6] = [
    (1024, 1, false),
    (1536, 2, true),
    (2048, 3, true),
    (3072, 4, true),
    (4096, 5, true),
    (8192, 7, false),
];
const BIG: usize = 200;
const BASE_PRIORITY: &str = "NORMAL:-KX-ALL:+SRP";

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

/// GnuTLS's name of a suite's cipher.
fn gnutls_cipher(s: CipherSuite) -> &'static str {
    match s {
        CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA => "AES-128-CBC",
        _ => "AES-256-CBC",
    }
}

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
    /// GnuTLS priority string for this configuration.
    fn priority(&self) -> String {
        let mut p = BASE_PRIORITY.to_owned();
        if !self.ours_restricts {
            p.push_str(":-CIPHER-ALL:+");
            p.push_str(gnutls_cipher(self.suite.suite));
        }
        if !self.their_ems {
            p.push_str(":%NO_SESSION_HASH");
        }
        if !self.their_etm {
            p.push_str(":%NO_ETM");
        }
        p
    }
    fn label(&self) -> String {
        format!(
            "ours ems={} etm={}; gnutls ems={} etm={}; suite chosen by {}",
            u8::from(self.ours_ems),
            u8::from(self.ours_etm),
            u8::from(self.their_ems),
            u8::from(self.their_etm),
            if self.ours_restricts {
                "ours"
            } else {
                "gnutls"
            }
        )
    }
    fn expected_reply(&self, user: &str) -> String {
        format!(
            "OK {user} {} ems={} etm={} hello {user}",
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

fn users_for(groups: &[(u32, usize)]) -> Vec<(u32, String, String)> {
    let mut v = Vec::new();
    for &(bits, n) in groups {
        for _ in 0..n {
            v.push((bits, random_username(), random_password()));
        }
    }
    v
}

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

fn check_rows(rows: &[MatrixRow]) {
    let bad: Vec<&MatrixRow> = rows
        .iter()
        .filter(|r| !r.result.starts_with("ok"))
        .collect();
    assert!(bad.is_empty(), "failing cells: {bad:#?}");
}

// ---------------------------------------------------------------------------------------
// gnutls-cli → our server

/// What one gnutls-cli run reported.
struct CliRun {
    ok: bool,
    stdout: Vec<String>,
    stderr: String,
}

impl CliRun {
    fn line_with(&self, prefix: &str) -> Option<&str> {
        self.stdout
            .iter()
            .chain(std::iter::once(&self.stderr))
            .find(|l| l.starts_with(prefix))
            .map(|s| s.as_str())
    }
    /// (cipher, ems, etm) from gnutls-cli's `- Description:` and `- Options:` lines.
    fn view(&self) -> Option<(String, bool, bool)> {
        let d = self.line_with("- Description:")?;
        let cipher = d.split(")-(").nth(2)?.to_owned();
        let o = self.line_with("- Options:")?;
        Some((
            cipher,
            o.contains("extended master secret"),
            o.contains("EtM"),
        ))
    }
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout.join("\n"), self.stderr)
    }
}

fn gnutls_cli(port: u16, user: &str, password: &str, priority: &str) -> CliRun {
    let mut cmd = Command::new("gnutls-cli");
    cmd.args([
        "--srpusername",
        user,
        "--srppasswd",
        password,
        "--priority",
        priority,
    ])
    .arg("-p")
    .arg(port.to_string())
    .arg("127.0.0.1");
    let mut p = Proc::spawn("gnutls-cli", cmd, Stdio::piped());
    p.write_stdin(format!("hello {user}\n").as_bytes());
    let st = p.wait_exit(PROC_TIMEOUT);
    CliRun {
        ok: st.success(),
        stdout: p.stdout_lines().to_vec(),
        stderr: p.stderr(),
    }
}

fn run_their_client(o: &Opts, users: &[(u32, String, String)]) -> Vec<Option<String>> {
    let store = Arc::new(InMemoryUserStore::new());
    for (bits, u, p) in users {
        store
            .add_user(u, p.as_bytes(), group(*bits))
            .expect("add_user");
    }
    let server = Server::start(server_config(&store, o), users.len(), line_handler);
    let prio = o.priority();
    let runs: Vec<CliRun> = users
        .iter()
        .map(|(_, u, p)| gnutls_cli(server.port(), u, p, &prio))
        .collect();
    let results = server.join();
    users
        .iter()
        .zip(runs)
        .enumerate()
        .map(|(i, ((_, u, _), run))| {
            let want_view = (gnutls_cipher(o.suite.suite).to_owned(), o.ems(), o.etm());
            let want_reply = o.expected_reply(u);
            let reply_seen = run.stdout.contains(&want_reply);
            if !run.ok || !reply_seen || run.view().as_ref() != Some(&want_view) {
                return Some(format!(
                    "gnutls-cli: want {want_view:?} and {want_reply:?}, got: {}",
                    run.all()
                ));
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

#[test]
fn gnutls_cli_to_our_server_matrix() {
    peers();
    require_program("gnutls-cli", "--version");
    let role = "gnutls-cli → our server";
    let mut rows = Vec::new();
    let groups: Vec<(u32, usize)> = CLI_GROUPS.iter().map(|&b| (b, per_group(b))).collect();
    for o in Opts::all() {
        let users = users_for(&groups);
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

// ---------------------------------------------------------------------------------------
// our client → gnutls-serv

/// `srptool --create-conf` into `conf`.
fn srptool_conf(conf: &Path) {
    let mut cmd = Command::new("srptool");
    cmd.arg("--create-conf").arg(conf);
    let (st, out, err) = run("srptool --create-conf", cmd, b"", PROC_TIMEOUT);
    assert!(
        st.success(),
        "srptool --create-conf failed ({st}): {out}\n{err}"
    );
}

/// Adds a user with `srptool`. srptool reads the password with getpass(3), which uses
/// stdin when there is no controlling terminal: `setsid -w` runs it without one.
fn srptool_add(passwd: &Path, conf: &Path, user: &str, password: &str, index: u32) {
    let mut cmd = Command::new("setsid");
    cmd.args(["-w", "srptool", "--passwd"])
        .arg(passwd)
        .arg("--passwd-conf")
        .arg(conf)
        .args(["-u", user, "-i", &index.to_string()]);
    let (st, out, err) = run(
        "srptool",
        cmd,
        format!("{password}\n").as_bytes(),
        PROC_TIMEOUT,
    );
    assert!(
        st.success(),
        "srptool -u {user} -i {index} failed ({st}): {out}\n{err}"
    );
}

/// Runs `interop/gnutls/tpasswd.py` (in the tlslite venv: it takes the RFC 5054 groups
/// from tlslite-ng) with `args`, `stdin` on its stdin.
fn tpasswd_py(args: &[&std::ffi::OsStr], stdin: &str) {
    let mut cmd = Command::new(venv_python());
    cmd.arg(interop_script("gnutls/tpasswd.py")).args(args);
    let (st, out, err) = run("tpasswd.py", cmd, stdin.as_bytes(), PROC_TIMEOUT);
    assert!(
        st.success(),
        "tpasswd.py {args:?} failed ({st}): {out}\n{err}"
    );
}

/// A running gnutls-serv (killed on drop by [`Proc`]).
struct GnutlsServ {
    proc_: Proc,
    port: u16,
    /// `Error in handshake` lines already returned.
    errors_seen: usize,
}

fn start_gnutls_serv(passwd: &Path, conf: &Path, priority: &str, extra: &[&str]) -> GnutlsServ {
    for _attempt in 0..5 {
        let port = free_port();
        // Line-buffered stdout, so that per-connection reports arrive as they happen.
        let mut cmd = Command::new("stdbuf");
        cmd.args(["-oL", "gnutls-serv", "--echo", "--priority", priority])
            .args(extra)
            .arg("--srppasswd")
            .arg(passwd)
            .arg("--srppasswdconf")
            .arg(conf)
            .arg("-p")
            .arg(port.to_string());
        let p = Proc::spawn("gnutls-serv", cmd, Stdio::null());
        // It binds all interfaces (no option for one); we only ever connect to 127.0.0.1.
        // It reports listening on stderr.
        let ready = format!("IPv4 0.0.0.0 port {port}...done");
        let deadline = Instant::now() + PROC_TIMEOUT;
        while Instant::now() < deadline {
            let err = p.stderr();
            if err.contains(&ready) {
                return GnutlsServ {
                    proc_: p,
                    port,
                    errors_seen: 0,
                };
            }
            if err.contains("ailed") || err.contains("rror") {
                break; // e.g. the port was taken meanwhile: try another
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    panic!("gnutls-serv did not start on a free port");
}

impl GnutlsServ {
    /// gnutls-serv's report of the next connection: (user, cipher, ems, etm), or the error.
    fn next_report(&mut self) -> Result<(String, String, bool, bool), String> {
        self.proc_
            .wait_for_prefix("* Accepted connection", PROC_TIMEOUT);
        let (mut user, mut cipher) = (String::new(), String::new());
        let deadline = Instant::now() + PROC_TIMEOUT;
        while Instant::now() < deadline {
            // Failures are reported on stderr, the rest on stdout.
            let errors: Vec<String> = self
                .proc_
                .stderr()
                .lines()
                .filter(|l| l.starts_with("Error in handshake"))
                .map(str::to_owned)
                .collect();
            if errors.len() > self.errors_seen {
                self.errors_seen += 1;
                return Err(errors[self.errors_seen - 1].clone());
            }
            let Some(l) = self.proc_.try_next_line(Duration::from_millis(20)) else {
                continue;
            };
            if let Some(u) = l.strip_prefix("- SRP authentication. Connected as '") {
                user = u.trim_end_matches('\'').to_owned();
            } else if let Some(c) = l.strip_prefix("- Cipher: ") {
                cipher = c.to_owned();
            } else if let Some(o) = l.strip_prefix("- Options: ") {
                return Ok((
                    user,
                    cipher,
                    o.contains("extended master secret"),
                    o.contains("EtM"),
                ));
            }
        }
        panic!("no report from gnutls-serv: {}", self.proc_.stderr());
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

fn run_our_client(
    o: &Opts,
    users: &[(u32, String, String)],
    passwd: &Path,
    conf: &Path,
) -> Vec<Option<String>> {
    let mut serv = start_gnutls_serv(passwd, conf, &o.priority(), &[]);
    let mut out = Vec::new();
    for (_, u, p) in users {
        let ours = our_exchange(client_config(u, p, o), serv.port, u);
        let theirs = serv.next_report();
        let want = (
            u.clone(),
            gnutls_cipher(o.suite.suite).to_owned(),
            o.ems(),
            o.etm(),
        );
        // Echo server: the reply is our own line.
        out.push(match ours {
            Ok(line) if line == format!("hello {u}") && theirs.as_ref() == Ok(&want) => None,
            Ok(line) => Some(format!(
                "reply {line:?}; gnutls-serv {theirs:?}, want {want:?}"
            )),
            Err(e) => Some(format!("ours: {e:?}; gnutls-serv {theirs:?}")),
        });
    }
    out
}

#[test]
fn our_client_to_gnutls_serv_matrix() {
    peers();
    require_program("gnutls-serv", "--version");
    require_program("srptool", "--version");
    let role = "our client → gnutls-serv";
    let dir = TempDir::new("gnutls-serv");
    let conf = dir.path("tpasswd.conf");
    let passwd = dir.path("tpasswd");
    srptool_conf(&conf);
    tpasswd_py(
        &[
            "add-group".as_ref(),
            conf.as_os_str(),
            "--index".as_ref(),
            "1".as_ref(),
            "--bits".as_ref(),
            "1024".as_ref(),
        ],
        "",
    );

    let groups: Vec<(u32, usize)> = SERV_GROUPS
        .iter()
        .map(|&(b, _, _)| (b, per_group(b)))
        .collect();
    let configs: Vec<(Opts, Vec<User>, &str)> = Opts::all()
        .into_iter()
        .map(|o| (o, users_for(&groups), ""))
        .chain(
            [
                suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
                suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
            ]
            .into_iter()
            .map(|s| {
                (
                    Opts::default_with(s),
                    users_for(&[(2048, BIG / 2)]),
                    " (random users)",
                )
            }),
        )
        .collect();
    for (_, users, _) in &configs {
        for (bits, u, p) in users {
            let &(_, index, by_srptool) = SERV_GROUPS.iter().find(|g| g.0 == *bits).expect("group");
            if by_srptool {
                srptool_add(&passwd, &conf, u, p, index);
            } else {
                let index = index.to_string();
                tpasswd_py(
                    &[
                        "add-user".as_ref(),
                        passwd.as_os_str(),
                        conf.as_os_str(),
                        "--index".as_ref(),
                        index.as_ref(),
                        "-u".as_ref(),
                        u.as_ref(),
                    ],
                    &format!("{p}\n"),
                );
            }
        }
    }
    let mut rows = Vec::new();
    for (o, users, label) in &configs {
        let f = run_our_client(o, users, &passwd, &conf);
        tally(&mut rows, role, o, users, &f, label);
    }
    for r in &mut rows {
        if r.group == "1024" || r.group == "8192" {
            r.options.push_str("; verifier by tpasswd.py");
        }
    }
    record_matrix(TAG, &format!("{PEER}: {role}"), &rows);
    check_rows(&rows);
}

// ---------------------------------------------------------------------------------------
// Failures

fn fail_row(role: &str, options: &str, ok: bool, what: String) -> MatrixRow {
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
fn gnutls_wrong_password_and_unknown_user() {
    peers();
    require_program("gnutls-cli", "--version");
    let mut rows = Vec::new();
    let o = Opts::default_with(suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA);
    let user = random_username();
    let pw = random_password();

    // Our client → gnutls-serv.
    {
        let role = "our client → gnutls-serv";
        let dir = TempDir::new("gnutls-bad");
        let conf = dir.path("tpasswd.conf");
        let passwd = dir.path("tpasswd");
        srptool_conf(&conf);
        srptool_add(&passwd, &conf, &user, &pw, 3);
        let mut serv = start_gnutls_serv(&passwd, &conf, BASE_PRIORITY, &[]);
        let r = our_exchange(
            client_config(&user, &format!("{pw}x"), &o),
            serv.port,
            &user,
        );
        let theirs = serv.next_report();
        let ok = matches!(
            &r,
            Err(Fail::Tls(Error::AlertReceived(
                AlertDescription::BadRecordMac
            )))
        ) && theirs.is_err();
        rows.push(fail_row(
            role,
            "wrong password",
            ok,
            format!("ours {r:?}; gnutls-serv {theirs:?}"),
        ));
        // GnuTLS's fake-user code needs index 1 of tpasswd.conf, which srptool does not
        // write: it answers internal_error (and so reveals that the user does not exist).
        let other = random_username();
        let r = our_exchange(client_config(&other, &pw, &o), serv.port, &other);
        let theirs = serv.next_report();
        let ok = matches!(
            &r,
            Err(Fail::Tls(Error::AlertReceived(
                AlertDescription::InternalError
            )))
        ) && theirs.is_err();
        rows.push(fail_row(
            role,
            "unknown user (gnutls answers internal_error)",
            ok,
            format!("ours {r:?}; gnutls-serv {theirs:?}"),
        ));
    }

    // gnutls-cli → our server.
    let role = "gnutls-cli → our server";
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
        let run = gnutls_cli(server.port(), &name, &password, BASE_PRIORITY);
        let results = server.join();
        let (want_err, want_alert) = if policy == UnknownUserPolicy::Reject {
            (Error::UnknownUser, "Received alert [115]")
        } else {
            (Error::DecryptError, "Received alert [20]")
        };
        let seen = run.all();
        let theirs = seen
            .lines()
            .find(|l| l.contains("Received alert"))
            .unwrap_or("<no alert line>")
            .to_owned();
        let ok = !run.ok
            && matches!(&results[..], [Err(Fail::Tls(e))] if *e == want_err)
            && theirs.contains(want_alert);
        rows.push(fail_row(
            role,
            what,
            ok,
            format!("ours {results:?}; gnutls-cli `{}`", theirs.trim()),
        ));
    }

    // gnutls-cli refuses the 6144-bit group (it is not in its list of accepted groups).
    {
        let u6 = random_username();
        let store = Arc::new(InMemoryUserStore::new());
        store
            .add_user(&u6, pw.as_bytes(), group(6144))
            .expect("add_user");
        let server = Server::start(
            Arc::new(ServerConfig::new(store).expect("ServerConfig::new")),
            1,
            line_handler,
        );
        let run = gnutls_cli(server.port(), &u6, &pw, BASE_PRIORITY);
        let results = server.join();
        let ok = !run.ok
            && matches!(
                &results[..],
                [Err(Fail::Tls(Error::AlertReceived(
                    AlertDescription::IllegalParameter
                )))]
            );
        let mut row = fail_row(
            role,
            "6144-bit group (gnutls-cli refuses it)",
            ok,
            format!("ours {results:?}"),
        );
        row.group = "6144".into();
        rows.push(row);
    }
    record_matrix(TAG, &format!("{PEER}: failures"), &rows);
    check_rows(&rows);
}

// ---------------------------------------------------------------------------------------
// SNI and ALPN

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
fn gnutls_sni_and_alpn() {
    peers();
    require_program("gnutls-cli", "--version");
    let mut rows = Vec::new();
    let o = Opts::default_with(suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA);
    let user = random_username();
    let pw = random_password();

    // gnutls-cli sends SNI and ALPN (two protocols); our server picks http/1.1.
    {
        let store = Arc::new(InMemoryUserStore::new());
        store
            .add_user(&user, pw.as_bytes(), group(2048))
            .expect("add_user");
        let mut cfg = ServerConfig::new(store).expect("ServerConfig::new");
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        cfg.cipher_suites = o.our_suites();
        let server = Server::start(Arc::new(cfg), 1, sni_alpn_handler);
        let mut cmd = Command::new("gnutls-cli");
        cmd.args([
            "--srpusername",
            &user,
            "--srppasswd",
            &pw,
            "--priority",
            BASE_PRIORITY,
        ])
        .args([
            "--sni-hostname",
            SNI,
            "--alpn",
            "h2",
            "--alpn",
            "http/1.1",
            "-p",
        ])
        .arg(server.port().to_string())
        .arg("127.0.0.1");
        let mut p = Proc::spawn("gnutls-cli", cmd, Stdio::piped());
        p.write_stdin(format!("hello {user}\n").as_bytes());
        let st = p.wait_exit(PROC_TIMEOUT);
        let out = p.stdout_lines().join("\n");
        let results = server.join();
        let want = format!("hello {user} sni=Some({SNI:?}) alpn=Some(\"http/1.1\")");
        let ok = st.success()
            && out.contains("- Application protocol: http/1.1")
            && out.contains(&o.expected_reply(&user))
            && matches!(&results[..], [Ok(saw)] if saw.request == want);
        rows.push(MatrixRow {
            peer: PEER.into(),
            role: "gnutls-cli → our server".into(),
            suite: suite_short(o.suite.suite).into(),
            group: "2048".into(),
            options: format!("SNI {SNI}, ALPN h2,http/1.1 offered"),
            handshakes: 1,
            result: if ok {
                "ok: SNI seen, ALPN http/1.1 both sides".into()
            } else {
                format!("FAIL: {st}; ours {results:?}; gnutls-cli {out}")
            },
        });
    }

    // Our client sends SNI and ALPN to gnutls-serv, which insists on both.
    {
        let dir = TempDir::new("gnutls-sni");
        let conf = dir.path("tpasswd.conf");
        let passwd = dir.path("tpasswd");
        srptool_conf(&conf);
        srptool_add(&passwd, &conf, &user, &pw, 3);
        let mut serv = start_gnutls_serv(
            &passwd,
            &conf,
            BASE_PRIORITY,
            &[
                "--alpn",
                "http/1.1",
                "--alpn-fatal",
                "--sni-hostname",
                SNI,
                "--sni-hostname-fatal",
            ],
        );
        let mut cfg = ClientConfig::new(&user, &pw);
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        cfg.cipher_suites = o.our_suites();
        let r = (|| -> Result<(Option<Vec<u8>>, String), Fail> {
            let sock = TcpStream::connect(("127.0.0.1", serv.port))?;
            let conn = ClientConnection::new(Arc::new(cfg), Some(SNI)).map_err(Fail::Tls)?;
            let mut tls = Tls::new(conn, sock);
            tls.handshake()?;
            let alpn = tls.conn.alpn_protocol().map(<[u8]>::to_vec);
            tls.send(format!("hello {user}\n").as_bytes())?;
            let reply = tls.read_line()?;
            tls.close()?;
            Ok((alpn, reply))
        })();
        let theirs = serv.next_report();
        let ok = matches!(&r, Ok((Some(a), reply)) if a == b"http/1.1" && *reply == format!("hello {user}"))
            && matches!(&theirs, Ok((u, _, _, _)) if *u == user);
        rows.push(MatrixRow {
            peer: PEER.into(),
            role: "our client → gnutls-serv".into(),
            suite: suite_short(o.suite.suite).into(),
            group: "2048".into(),
            options: format!(
                "SNI {SNI}, ALPN h2,http/1.1 offered (gnutls-serv: fatal on mismatch)"
            ),
            handshakes: 1,
            result: if ok {
                "ok: ALPN http/1.1".into()
            } else {
                format!("FAIL: ours {r:?}; gnutls-serv {theirs:?}")
            },
        });
    }
    record_matrix(TAG, &format!("{PEER}: SNI and ALPN"), &rows);
    check_rows(&rows);
}
