//! `tls-srp serve`, `connect`, `demo` and `bench`, on 127.0.0.1 only, every process bounded
//! in time and killed on drop.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

fn s(p: &std::path::Path) -> String {
    p.to_str().unwrap().to_owned()
}

fn add(file: &str, extra: &[&str], user: &str, pw: &str) {
    let mut args = vec!["passwd", "add", "--file", file, "--password-stdin"];
    args.extend_from_slice(extra);
    args.push(user);
    let (code, _, err) = tls_srp(&args, &format!("{pw}\n"));
    assert_eq!(code, 0, "{err}");
}

fn echo_ok(port: u16, user: &str, pw: &str) -> bool {
    let msg = b"ping over tls-srp\n";
    matches!(client_exchange(port, user, pw, msg, |d| d.len() >= msg.len()), Ok(d) if d == msg)
}

fn kill(sig: &str, pid: u32) {
    let st = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn serve_echo_with_openssl_srp_file_reloads_and_stops_on_sigterm() {
    let tmp = TempDir::new("cli-serve");
    let f = s(&tmp.path("srpvfile"));
    std::fs::write(&f, "").unwrap();
    let (u, p) = (random_username(), random_password());
    let mut cmd = Command::new("openssl");
    cmd.args([
        "srp",
        "-srpvfile",
        &f,
        "-add",
        "-gn",
        "2048",
        "-passout",
        "env:PW",
        &u,
    ])
    .env("PW", &p);
    assert!(run("openssl srp", cmd, b"", PROC_TIMEOUT).0.success());

    let (mut srv, port) = serve(&["--vfile", &f, "--echo"]);
    assert!(echo_ok(port, &u, &p), "{}", srv.stderr());
    assert!(!echo_ok(port, &u, "wrong password"));
    assert!(!echo_ok(port, "nobody", &p));

    // A user added while it runs is picked up (file polled every second).
    add(&f, &[], "newcomer", "new-password");
    assert!(
        eventually(Duration::from_secs(20), || echo_ok(
            port,
            "newcomer",
            "new-password"
        )),
        "{}",
        srv.stderr()
    );

    // A corrupt file fails closed: nobody logs in until it reads again (a user deleted in
    // it must not go on working), and the log says so.
    let good = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, format!("{good}V\tbroken\n")).unwrap();
    kill("-HUP", srv.pid());
    assert!(
        eventually(Duration::from_secs(20), || srv
            .stderr()
            .contains("reload failed, refusing every login")),
        "{}",
        srv.stderr()
    );
    assert!(!echo_ok(port, &u, &p));
    assert!(!echo_ok(port, "newcomer", "new-password"));
    std::fs::write(&f, &good).unwrap();
    assert!(
        eventually(Duration::from_secs(20), || echo_ok(port, &u, &p)),
        "{}",
        srv.stderr()
    );
    assert!(echo_ok(port, "newcomer", "new-password"));

    // The log names peer, user, suite and outcome, and no secret.
    let log = srv.stderr();
    assert!(
        log.contains("outcome=\"ok\"")
            && log.contains("user=\"newcomer\"")
            && log.contains("TLS_SRP_SHA"),
        "{log}"
    );
    assert!(!log.contains(&p) && !log.contains("new-password"));

    kill("-TERM", srv.pid());
    assert!(srv.wait_exit(PROC_TIMEOUT).success());
}

#[test]
fn serve_gnutls_files_from_srptool() {
    let tmp = TempDir::new("cli-serve-g");
    let f = s(&tmp.path("tpasswd"));
    let conf = s(&tmp.path("tpasswd.conf"));
    let mut cmd = Command::new("srptool");
    cmd.args(["--create-conf", &conf]);
    assert!(run("srptool", cmd, b"", PROC_TIMEOUT).0.success());
    let p = random_password();
    let mut cmd = Command::new("srptool");
    cmd.args(["--passwd", &f, "--passwd-conf", &conf, "-u", "gnu"]);
    assert!(run(
        "srptool",
        cmd,
        format!("{p}\n{p}\n").as_bytes(),
        PROC_TIMEOUT
    )
    .0
    .success());
    let (_srv, port) = serve(&["--vfile", &f, "--conf", &conf, "--echo"]);
    assert!(echo_ok(port, "gnu", &p));
    assert!(!echo_ok(port, "gnu", "wrong"));
}

#[test]
fn serve_http_answers_curl_and_echo_answers_gnutls_cli() {
    let tmp = TempDir::new("cli-serve-h");
    let f = s(&tmp.path("v"));
    let p = random_password();
    add(&f, &[], "webuser", &p);
    let (_srv, port) = serve(&["--vfile", &f, "--http"]);
    let mut cmd = Command::new("curl");
    cmd.args([
        "-s",
        "--max-time",
        "20",
        "--tlsauthtype",
        "SRP",
        "--tlsuser",
        "webuser",
        "--tlspassword",
        &p,
        "-k",
    ])
    .arg(format!("https://127.0.0.1:{port}/"));
    let (code, out, err) = run_bounded(cmd, &[], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Hello, webuser!"), "{out}");

    let (_srv2, port2) = serve(&["--vfile", &f, "--echo"]);
    let mut cmd = Command::new("gnutls-cli");
    cmd.args([
        "--priority",
        "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+SRP",
        "--srpusername",
        "webuser",
        "--srppasswd",
        &p,
    ])
    .args(["-p", &port2.to_string(), "127.0.0.1"]);
    let (_code, out, err) = run_bounded(cmd, &[], b"hello from gnutls-cli\n");
    assert!(out.contains("hello from gnutls-cli"), "{out}\n{err}");
}

#[test]
fn forward_carries_10_mib_both_ways_with_half_close() {
    let tmp = TempDir::new("cli-fwd");
    let f = s(&tmp.path("v"));
    add(&f, &[], "proxy", "proxy-pass");
    // Plain TCP backend: echoes until EOF, then closes (one connection at a time).
    let backend = TcpListener::bind("127.0.0.1:0").unwrap();
    let bport = backend.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for c in backend.incoming() {
            let Ok(mut c) = c else { break };
            c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let mut buf = vec![0u8; 65536];
            loop {
                match c.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if c.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
        }
    });
    let (_srv, port) = serve(&["--vfile", &f, "--forward", &format!("127.0.0.1:{bport}")]);
    let data: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let mut cmd = bin();
    cmd.args(["connect", &format!("127.0.0.1:{port}"), "--user", "proxy"])
        .env("TLS_SRP_PASSWORD", "proxy-pass");
    let mut c = Command::new("timeout");
    c.args(["-s", "KILL", "90"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env("TLS_SRP_PASSWORD", "proxy-pass");
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut si = child.stdin.take().unwrap();
    let d2 = data.clone();
    let w = std::thread::spawn(move || si.write_all(&d2)); // then EOF: half-close
    let out = child.wait_with_output().unwrap();
    w.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout.len(), data.len());
    assert!(out.stdout == data, "forwarded bytes differ");
}

#[test]
fn connect_password_stdin_and_errors() {
    let tmp = TempDir::new("cli-conn");
    let f = s(&tmp.path("v"));
    add(&f, &[], "carl", "carl-pass");
    let (_srv, port) = serve(&["--vfile", &f, "--echo"]);
    let addr = format!("127.0.0.1:{port}");
    let (code, out, err) = tls_srp(
        &["connect", &addr, "--user", "carl", "--password-stdin"],
        "carl-pass\nline one\n",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "line one\n");
    assert!(
        err.contains("TLS_SRP_SHA") && err.contains("2048 bits") && !err.contains("carl-pass"),
        "{err}"
    );
    let (code, _, err) = tls_srp(
        &["connect", &addr, "--user", "carl", "--password-stdin"],
        "bad\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("refused") && err.lines().count() == 1, "{err}");
    // Nothing listening.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, _, err) = tls_srp(
        &[
            "connect",
            &format!("127.0.0.1:{closed}"),
            "--user",
            "carl",
            "--password-stdin",
        ],
        "x\n",
    );
    assert_ne!(code, 0);
    assert!(err.contains("cannot connect"), "{err}");
}

#[test]
fn serve_bad_inputs() {
    let tmp = TempDir::new("cli-serve-bad");
    let f = s(&tmp.path("v"));
    add(&f, &[], "u", "pw");
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_addr = busy.local_addr().unwrap().to_string();
    let (code, _, err) = tls_srp(
        &["serve", "--listen", &busy_addr, "--vfile", &f, "--echo"],
        "",
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("cannot listen") && err.lines().count() == 1,
        "{err}"
    );
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let (code, _, err) = tls_srp(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--vfile",
            &f,
            "--forward",
            &closed,
        ],
        "",
    );
    assert_ne!(code, 0);
    assert!(err.contains("refuses"), "{err}");
    let (code, _, err) = tls_srp(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--vfile",
            &s(&tmp.path("nope")),
            "--echo",
        ],
        "",
    );
    assert_ne!(code, 0);
    assert!(err.contains("does not exist"), "{err}");
    let (code, _, err) = tls_srp(&["serve", "--listen", "127.0.0.1:0", "--vfile", &f], "");
    assert_ne!(code, 0);
    assert!(err.contains("--echo"), "{err}");
    drop(busy);
    let _ = TcpStream::connect("127.0.0.1:1");
}

#[test]
fn demo_runs_and_prints_commands() {
    let (code, out, err) = tls_srp(&["demo"], "");
    assert_eq!(code, 0, "{err}");
    for want in [
        "TLS_SRP_SHA_WITH_AES",
        "2048 bits",
        "hello demo, you said: ping",
        "client: full SRP handshake",
        "client: resumed session (no SRP arithmetic)",
        "hello demo, you said: ping again",
        "curl --tlsauthtype SRP",
        "gnutls-cli",
        "tls-srp connect",
        "tls-srp serve",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

#[test]
fn bench_json() {
    let (code, out, err) = tls_srp(
        &[
            "bench",
            "handshake",
            "--group",
            "1024",
            "--seconds",
            "0.2",
            "--json",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    for k in [
        "\"handshakes_per_sec\":",
        "\"client_cpu_us\":",
        "\"server_cpu_us\":",
    ] {
        assert!(out.contains(k), "{out}");
    }
    let (code, out, err) = tls_srp(&["bench", "record", "--seconds", "0.1", "--json"], "");
    assert_eq!(code, 0, "{err}");
    for k in ["\"seal_mb_per_sec\":", "\"open_mb_per_sec\":"] {
        assert!(out.contains(k), "{out}");
    }
    let (code, _, err) = tls_srp(&["bench", "handshake", "--group", "999"], "");
    assert_ne!(code, 0);
    assert!(err.contains("unknown group"), "{err}");
}

#[test]
fn handshake_timeout_frees_the_only_slot() {
    let tmp = TempDir::new("cli-cap");
    let f = s(&tmp.path("v"));
    add(&f, &[], "capped", "cap-pass");
    let (srv, port) = serve(&[
        "--vfile",
        &f,
        "--echo",
        "--max-connections",
        "1",
        "--handshake-timeout",
        "1",
    ]);
    // A client that never says anything holds the only slot until the handshake timeout.
    let mut idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut b = [0u8; 1];
    assert!(
        matches!(idle.read(&mut b), Ok(0)),
        "the server closes an idle handshake"
    );
    assert!(
        eventually(Duration::from_secs(20), || srv
            .stderr()
            .contains("reason=timeout")),
        "{}",
        srv.stderr()
    );
    // Then a real client gets the slot.
    assert!(echo_ok(port, "capped", "cap-pass"));
}

/// The error our client gets from a login attempt (or `None` if it worked).
fn login_error(port: u16, user: &str, pw: &str) -> Option<String> {
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let conn = tls_srp::ClientConnection::new(
        std::sync::Arc::new(tls_srp::ClientConfig::new(user, pw)),
        None,
    )
    .unwrap();
    let mut tls = Tls::new(conn, sock);
    match tls.handshake() {
        Ok(()) => None,
        Err(e) => Some(format!("{:?}", e.tls())),
    }
}

#[test]
fn failed_logins_are_rate_limited_and_a_lockout_fails_like_a_wrong_password() {
    let tmp = TempDir::new("cli-rl");
    let f = s(&tmp.path("v"));
    add(&f, &[], "carol", "carol-pass");
    add(&f, &[], "dave", "dave-pass");
    let (srv, port) = serve(&[
        "--vfile",
        &f,
        "--echo",
        "--user-free-failures",
        "0",
        "--user-lockout",
        "3",
        "--max-delay-ms",
        "50",
        "--forgive-secs",
        "3600",
    ]);
    assert_eq!(login_error(port, "carol", "carol-pass"), None);
    let wrong = login_error(port, "carol", "not it").expect("wrong password fails");
    assert!(wrong.contains("BadRecordMac"), "{wrong}");
    for _ in 0..2 {
        assert_eq!(login_error(port, "carol", "not it").as_ref(), Some(&wrong));
    }
    // Three failures: locked out. The right password now fails exactly as a wrong one.
    assert_eq!(
        login_error(port, "carol", "carol-pass").as_ref(),
        Some(&wrong),
        "{}",
        srv.stderr()
    );
    // Other users are not affected.
    assert!(echo_ok(port, "dave", "dave-pass"));
}

#[test]
fn rate_limit_can_be_turned_off() {
    let tmp = TempDir::new("cli-norl");
    let f = s(&tmp.path("v"));
    add(&f, &[], "erin", "erin-pass");
    let (_srv, port) = serve(&[
        "--vfile",
        &f,
        "--echo",
        "--no-rate-limit",
        "--user-lockout",
        "1",
    ]);
    for _ in 0..3 {
        assert!(login_error(port, "erin", "not it").is_some());
    }
    assert_eq!(login_error(port, "erin", "erin-pass"), None);
}

#[test]
fn idle_connection_is_closed_after_the_idle_timeout() {
    let tmp = TempDir::new("cli-idle");
    let f = s(&tmp.path("v"));
    add(&f, &[], "frank", "frank-pass");
    let (srv, port) = serve(&["--vfile", &f, "--echo", "--idle-timeout", "1"]);
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let conn = tls_srp::ClientConnection::new(
        std::sync::Arc::new(tls_srp::ClientConfig::new("frank", "frank-pass")),
        None,
    )
    .unwrap();
    let mut tls = Tls::new(conn, sock);
    tls.handshake().unwrap();
    tls.send(b"x\n").unwrap();
    assert_eq!(tls.read_until(|d| !d.is_empty()).unwrap(), b"x\n");
    // Then silence: the server drops the connection (EOF well within the client's 15 s IO
    // timeout, which would be an error here).
    match tls.read_until(|_| false) {
        Ok(d) => assert!(d.is_empty()),
        Err(e) => panic!("expected the server to close: {e:?}"),
    }
    assert!(
        eventually(Duration::from_secs(20), || srv
            .stderr()
            .contains("idle for too long")),
        "{}",
        srv.stderr()
    );
}

/// curl fetching two URLs in one run offers the first connection's session on the second
/// (session ID, or ticket with --tickets); returns curl's verbose log.
fn curl_twice(port: u16, user: &str, pw: &str) -> String {
    let mut cmd = Command::new("curl");
    cmd.args([
        "-v",
        "-s",
        "--max-time",
        "20",
        "--tlsauthtype",
        "SRP",
        "--tlsuser",
        user,
        "--tlspassword",
        pw,
        "-k",
        "-H",
        "Connection: close",
    ])
    .arg(format!("https://127.0.0.1:{port}/one"))
    .arg(format!("https://127.0.0.1:{port}/two"));
    let (code, out, err) = run_bounded(cmd, &[], b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches(&format!("Hello, {user}!")).count(), 2, "{out}");
    err
}

#[test]
fn serve_resumes_curl_sessions_by_id_and_ticket_unless_disabled() {
    let tmp = TempDir::new("cli-serve-resume");
    let f = s(&tmp.path("v"));
    let p = random_password();
    add(&f, &[], "again", &p);
    for (flags, resumes) in [
        (&[][..], true),
        (&["--tickets"][..], true),
        (&["--no-resumption"][..], false),
    ] {
        let mut args = vec!["--vfile", f.as_str(), "--http"];
        args.extend_from_slice(flags);
        let (_srv, port) = serve(&args);
        let log = curl_twice(port, "again", &p);
        assert_eq!(
            log.contains("SSL re-using session ID"),
            resumes,
            "flags {flags:?}: curl's log:\n{log}"
        );
    }
}

#[test]
fn connect_reconnect_resumes_the_first_session() {
    let tmp = TempDir::new("cli-reconnect");
    let f = s(&tmp.path("v"));
    let p = random_password();
    add(&f, &[], "rc", &p);
    let (_srv, port) = serve(&["--vfile", &f, "--echo"]);
    let addr = format!("127.0.0.1:{port}");
    let (code, out, err) = tls_srp(
        &[
            "connect",
            &addr,
            "--user",
            "rc",
            "--password-stdin",
            "--reconnect",
            "2",
        ],
        &format!("{p}\nline after reconnects\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("line after reconnects"), "{out}");
    assert_eq!(err.matches("full handshake").count(), 1, "{err}");
    assert_eq!(err.matches("resumed session").count(), 2, "{err}");
}

/// The salt `serve` on `port` sends for `user`.
fn salt_for(port: u16, user: &str) -> Vec<u8> {
    skx_for(port, user).s
}

#[test]
fn unknown_users_keep_their_salt_across_restarts() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new("cli-simsecret");
    let f = s(&tmp.path("v"));
    add(&f, &[], "real", &random_password());
    let secret = tmp.path("v.secret");
    assert!(!secret.exists());
    let (srv, port) = serve(&["--vfile", &f, "--echo", "--no-rate-limit"]);
    let (ghost1, real1) = (salt_for(port, "ghost"), salt_for(port, "real"));
    assert_eq!(salt_for(port, "ghost"), ghost1, "stable across connections");
    drop(srv);
    let text = std::fs::read_to_string(&secret).expect("secret file created next to the vfile");
    assert_eq!(text.trim().len(), 64);
    assert_eq!(
        std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let (srv, port) = serve(&["--vfile", &f, "--echo", "--no-rate-limit"]);
    assert_eq!(salt_for(port, "ghost"), ghost1, "stable across restarts");
    assert_eq!(salt_for(port, "real"), real1);
    assert_ne!(salt_for(port, "ghost2"), ghost1);
    drop(srv);
    assert_eq!(
        std::fs::read_to_string(&secret).unwrap(),
        text,
        "reused, not rewritten"
    );
    // A damaged secret file: a one-line error, nothing served.
    std::fs::write(&secret, "not hex\n").unwrap();
    let (code, _out, err) = tls_srp(
        &["serve", "--listen", "127.0.0.1:0", "--vfile", &f, "--echo"],
        "",
    );
    assert_ne!(code, 0);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("not a server secret"), "{err}");
}

/// With `serve`'s defaults (rate limiting on), bytes that arrive with the ClientHello are
/// processed right after the first flight: an application-data record before the handshake
/// is over gets unexpected_message at once, not silence until the handshake timeout.
#[test]
fn input_behind_the_client_hello_gets_its_alert_at_once() {
    let tmp = TempDir::new("cli-garbage");
    let f = s(&tmp.path("v"));
    add(&f, &[], "frank", "frank-pass");
    let (_srv, port) = serve(&["--vfile", &f, "--echo"]);
    let mut c = tls_srp::ClientConnection::new(
        std::sync::Arc::new(tls_srp::ClientConfig::new("frank", "frank-pass")),
        None,
    )
    .unwrap();
    let mut wire = Vec::new();
    while c.wants_write() {
        c.write_tls(&mut wire).unwrap();
    }
    wire.extend_from_slice(&[23, 3, 3, 0, 4, 1, 2, 3, 4]);
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_nodelay(true).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let started = std::time::Instant::now();
    sock.write_all(&wire).unwrap();
    let mut got = Vec::new();
    sock.read_to_end(&mut got)
        .expect("the server closes within 1 s");
    assert!(started.elapsed() < Duration::from_secs(1));
    // The flight (ServerHello ... ServerHelloDone), then the alert.
    assert!(got.len() > 7 && got[0] == 22, "{got:?}");
    assert_eq!(got[got.len() - 7..], [21, 3, 3, 0, 2, 2, 10]);
}

/// With `serve`'s defaults (64 handshakes, 8 per address), 64 silent sockets from one
/// address do not delay a login from another address.
#[test]
fn idle_sockets_from_one_address_do_not_delay_others() {
    let tmp = TempDir::new("cli-slots");
    let f = s(&tmp.path("v"));
    add(&f, &[], "grace", "grace-pass");
    let (_srv, port) = serve(&["--vfile", &f, "--echo"]);
    let idle: Vec<TcpStream> = (0..64)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let elapsed = rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        let started = std::time::Instant::now();
        let tcp = sock
            .connect(format!("127.0.0.1:{port}").parse().unwrap())
            .await
            .unwrap();
        let connector = tls_srp::tokio::TlsConnector::from(std::sync::Arc::new(
            tls_srp::ClientConfig::new("grace", "grace-pass"),
        ));
        let mut tls = connector.connect(None, tcp).await.expect("login");
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        tls.write_all(b"ping").await.unwrap();
        let mut b = [0u8; 4];
        tls.read_exact(&mut b).await.unwrap();
        assert_eq!(&b, b"ping");
        started.elapsed()
    });
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    drop(idle);
}
