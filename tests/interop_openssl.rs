//! Interop with OpenSSL 3.0 (libssl, the `openssl` command and curl), on 127.0.0.1.
//!
//! The peers are real OpenSSL programs built by `interop/setup.sh` (see
//! `interop/README.md`): `ossl_srp_server` / `ossl_srp_client` (libssl SRP peers that
//! report what they negotiated and which alerts crossed the wire), `openssl s_server` /
//! `s_client` with the `srp_cb_arg_fix.so` shim for the OpenSSL 3.0 apps bug, and curl.
//! If the peers cannot be built the tests fail; they never skip.
//!
//! Expected values come from the test's own parameters and from the OpenSSL side's report,
//! never from our library's view alone. All groups are 2048 bits.
//!
//! Run: `cargo test --test interop_openssl` (about 1300 handshakes; debug builds of the
//! big-integer code are slow, so `--release` is much faster).

#[path = "common/interop.rs"]
mod interop;

use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;

use interop::*;
use tls_srp::{
    suites, AlertDescription, CipherSuite, ClientConfig, ClientConnection, Error,
    InMemoryUserStore, ServerConfig, SrpGroup, SupportedCipherSuite, UnknownUserPolicy,
};

/// Handshakes per configuration in the 300-handshake tests (8 configurations: 320).
const PER_CONFIG: usize = 40;

fn g2048() -> &'static SrpGroup {
    SrpGroup::by_bits(2048).expect("2048-bit group")
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
    let store = Arc::new(InMemoryUserStore::new());
    for (u, p) in users {
        store.add_user(u, p.as_bytes(), g2048()).expect("add_user");
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
        }
    }
}

// ---------------------------------------------------------------------------------------
// Our server <- openssl s_client (with the shim)

#[test]
fn openssl_s_client_to_our_server() {
    let p = peers();
    let users = random_users(4);
    let store = store_with(&users);
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
    }
}

// ---------------------------------------------------------------------------------------
// Our server <- ossl_srp_client: 320 handshakes

#[test]
fn c_client_to_our_server_320_handshakes() {
    let p = peers();
    let tmp = TempDir::new("c-client");
    let mixes = mixes();
    let all_users = random_users(PER_CONFIG * mixes.len());
    let store = store_with(&all_users);
    let mut total = 0;
    for (i, mix) in mixes.iter().enumerate() {
        let users = &all_users[i * PER_CONFIG..(i + 1) * PER_CONFIG];
        let file = tmp.path(&format!("users{i}.txt"));
        write_users_file(&file, users);
        let server = Server::start(
            server_config(&store, &mix.our_suites(), mix.ours_ems, mix.ours_etm),
            PER_CONFIG,
            line_handler,
        );
        let mut cmd = Command::new(p.bin("ossl_srp_client"));
        cmd.arg("--connect")
            .arg(format!("127.0.0.1:{}", server.port()))
            .arg("--users")
            .arg(&file)
            .args(mix.ossl_flags());
        let mut client = Proc::spawn("ossl_srp_client", cmd, std::process::Stdio::null());
        let status = client.wait_exit(PROC_TIMEOUT * 3);
        let lines = client.stdout_lines().to_vec();
        let results = server.join();
        assert!(
            status.success(),
            "ossl_srp_client failed for {mix:?} ({status}):\n{}\n{}",
            lines.join("\n"),
            client.stderr()
        );

        let name = openssl_name(mix.suite.suite);
        let conn_lines: Vec<&String> = lines.iter().filter(|l| l.starts_with("CONN ")).collect();
        assert_eq!(conn_lines.len(), PER_CONFIG, "{mix:?}: {lines:?}");
        assert_eq!(results.len(), PER_CONFIG);
        for (((user, _), line), res) in users.iter().zip(conn_lines).zip(&results) {
            // OpenSSL's view, which it also checked against our server's reply line.
            assert_eq!(
                *line,
                format!(
                    "CONN ok user={user} cipher={name} ems={} etm={}",
                    b(mix.ems()),
                    b(mix.etm())
                )
            );
            let saw = res
                .as_ref()
                .unwrap_or_else(|e| panic!("{mix:?}: our server failed for {user}: {e:?}"));
            assert_eq!(saw.user, *user);
            assert_eq!(saw.suite, mix.suite.suite);
            assert_eq!((saw.ems, saw.etm), (mix.ems(), mix.etm()), "{mix:?}");
            assert_eq!(saw.request, format!("hello {user}"));
            total += 1;
        }
    }
    assert!(total >= 300);
}

// ---------------------------------------------------------------------------------------
// Our client -> ossl_srp_server: 320 handshakes

#[test]
fn our_client_to_c_server_320_handshakes() {
    let _ = peers();
    let tmp = TempDir::new("c-server");
    let mut total = 0;
    for (i, mix) in mixes().iter().enumerate() {
        let users = random_users(PER_CONFIG);
        let file = tmp.path(&format!("users{i}.txt"));
        write_users_file(&file, &users);
        let max = PER_CONFIG.to_string();
        let mut args = vec![
            "--users",
            file.to_str().expect("utf-8 path"),
            "--group",
            "2048",
            "--max-conns",
            &max,
        ];
        args.extend(mix.ossl_flags());
        let (mut server, port) = start_c_server(&args);
        let name = openssl_name(mix.suite.suite);
        for (user, pw) in &users {
            let cfg = client_config(user, pw, &mix.our_suites(), mix.ours_ems, mix.ours_etm);
            let mut tls = connect(cfg, port)
                .unwrap_or_else(|e| panic!("{mix:?}: handshake as {user} failed: {e:?}"));
            assert_eq!(tls.conn.negotiated_cipher_suite(), Some(mix.suite.suite));
            assert_eq!(
                (
                    tls.conn.extended_master_secret(),
                    tls.conn.encrypt_then_mac()
                ),
                (mix.ems(), mix.etm()),
                "{mix:?}"
            );
            tls.send(format!("hello {user}\n").as_bytes())
                .expect("send");
            let reply = tls.read_line().expect("reply line");
            // The OpenSSL server's view of the connection.
            assert_eq!(
                reply,
                format!(
                    "OK {user} {name} ems={} etm={} hello {user}",
                    b(mix.ems()),
                    b(mix.etm())
                )
            );
            tls.close().expect("close");
            total += 1;
        }
        let lines = server.expect_success(PROC_TIMEOUT);
        let conn_lines: Vec<&String> = lines.iter().filter(|l| l.starts_with("CONN ")).collect();
        assert_eq!(conn_lines.len(), PER_CONFIG, "{lines:?}");
        for ((user, _), line) in users.iter().zip(conn_lines) {
            let prefix = format!(
                "CONN ok user={user} cipher={name} ems={} etm={} ",
                b(mix.ems()),
                b(mix.etm())
            );
            assert!(
                line.starts_with(&prefix),
                "{line:?} does not start with {prefix:?}"
            );
        }
    }
    assert!(total >= 300);
}

// ---------------------------------------------------------------------------------------
// Our client -> openssl s_server -srpvfile (with the shim), users made by `openssl srp`

#[test]
fn our_client_to_openssl_s_server_srpvfile() {
    let _ = peers();
    let tmp = TempDir::new("s-server");
    let vfile = tmp.path("srpvfile.txt");
    let users = random_users(3);
    for (u, p) in &users {
        openssl_srp_add(&vfile, u, p);
    }
    let (_s_server, port) = start_openssl_s_server(&vfile, &[]);
    let cases = [
        (aes128(), true, true),
        (aes256(), true, true),
        (aes256(), false, true),
        (aes128(), true, false),
    ];
    for (i, (suite, ems, etm)) in cases.into_iter().enumerate() {
        let (user, pw) = &users[i % users.len()];
        let mut tls =
            connect(client_config(user, pw, &[suite], ems, etm), port).unwrap_or_else(|e| {
                panic!("handshake with s_server as {user} ({suite:?}) failed: {e:?}")
            });
        assert_eq!(tls.conn.negotiated_cipher_suite(), Some(suite.suite));
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
    }
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
    let mut client = Proc::spawn("ossl_srp_client", cmd, std::process::Stdio::null());
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
        let mut client = Proc::spawn("ossl_srp_client", cmd, std::process::Stdio::null());
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
    }
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
