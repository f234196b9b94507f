//! Several `tls-srp serve` instances sharing one PostgreSQL store (a throwaway cluster in a
//! temporary directory, run as an unprivileged user and stopped by its PID): users added
//! and deleted through the CLI reach both without a restart, a ticket issued by one resumes
//! on the other, guesses spread over both count once, and PostgreSQL killed and started
//! again costs no crash, clear log lines, and logins again within 5 s.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::postgres::PgCluster;
use common::*;

fn passwd(url: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut cmd = bin();
    cmd.env("TLS_SRP_STORE", url).arg("passwd");
    run_bounded(cmd, args, stdin.as_bytes())
}

fn add(url: &str, user: &str, pw: &str) {
    let (code, _, err) = passwd(
        url,
        &["add", "--password-stdin", "--quiet", user],
        &format!("{pw}\n"),
    );
    assert_eq!(code, 0, "{err}");
}

/// `serve --store` (through TLS_SRP_STORE, so that the URL is not on the command line).
fn serve_store(url: &str, extra: &[&str]) -> (Proc, u16) {
    let mut cmd = bin();
    cmd.env("TLS_SRP_STORE", url);
    serve_with(cmd, &[&["--echo", "--tickets"], extra].concat())
}

fn echo_ok(port: u16, user: &str, pw: &str) -> bool {
    let msg = b"ping\n";
    matches!(client_exchange(port, user, pw, msg, |d| d.len() >= msg.len()), Ok(d) if d == msg)
}

/// One handshake with `cfg` (its session store shared across calls) against 127.0.0.1:port,
/// with the SNI name the sessions are kept under; the kind of handshake.
fn handshake_kind(cfg: &Arc<tls_srp::ClientConfig>, port: u16) -> Option<tls_srp::HandshakeKind> {
    use std::io::{Read, Write};
    let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let conn = tls_srp::ClientConnection::new(cfg.clone(), Some("scale.test")).unwrap();
    let mut tls = tls_srp::stream::StreamOwned::new(conn, sock);
    tls.write_all(b"ping\n").ok()?;
    let mut b = [0u8; 5];
    tls.read_exact(&mut b).ok()?;
    tls.conn.handshake_kind()
}

#[test]
fn two_servers_share_one_store() {
    let mut pg = PgCluster::start();
    let url = pg.url();
    let (carol, carol_pw) = ("carol", random_password());
    add(&url, carol, &carol_pw);
    let (mut a, pa) = serve_store(&url, &[]);
    let (mut b, pb) = serve_store(&url, &[]);
    for p in [pa, pb] {
        assert!(
            echo_ok(p, carol, &carol_pw),
            "{}\n{}",
            a.stderr(),
            b.stderr()
        );
        assert!(!echo_ok(p, carol, "wrong"));
    }

    // A user added through the CLI while both run logs in on both.
    let (bob, bob_pw) = ("bob", random_password());
    add(&url, bob, &bob_pw);
    for p in [pa, pb] {
        assert!(eventually(Duration::from_secs(2), || echo_ok(
            p, bob, &bob_pw
        )));
    }
    let (code, out, err) = passwd(&url, &["list"], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("bob\tvalid\t2048-bit group\t20-byte salt"),
        "{out}"
    );
    let (code, out, _) = passwd(
        &url,
        &["verify", "--password-stdin", bob],
        &format!("{bob_pw}\n"),
    );
    assert_eq!((code, out.trim()), (0, "password OK for \"bob\""));
    let (code, _, _) = passwd(&url, &["verify", "--password-stdin", bob], "nope\n");
    assert_eq!(code, 1);

    // A ticket issued by one resumes on the other.
    let mut cfg = tls_srp::ClientConfig::new(carol, carol_pw.as_str());
    cfg.resumption = tls_srp::Resumption::in_memory_sessions(8);
    let cfg = Arc::new(cfg);
    assert_eq!(handshake_kind(&cfg, pa), Some(tls_srp::HandshakeKind::Full));
    assert_eq!(
        handshake_kind(&cfg, pb),
        Some(tls_srp::HandshakeKind::Resumed),
        "{}",
        b.stderr()
    );
    assert_eq!(
        handshake_kind(&cfg, pa),
        Some(tls_srp::HandshakeKind::Resumed)
    );

    // `passwd delete` stops logins on both within 2 s.
    let (code, _, err) = passwd(&url, &["delete", bob], "");
    assert_eq!(code, 0, "{err}");
    let deleted = Instant::now();
    for p in [pa, pb] {
        assert!(eventually(Duration::from_secs(2), || !echo_ok(
            p, bob, &bob_pw
        )));
    }
    assert!(deleted.elapsed() < Duration::from_secs(4));

    // PostgreSQL killed mid-run: no crash, a clear line; carol (cached) still logs in for
    // a while, a user the cache has never seen fails closed.
    pg.kill();
    assert!(
        eventually(Duration::from_secs(10), || a
            .stderr()
            .contains("PostgreSQL postgres://")
            && a.stderr().contains("logins fail closed")),
        "{}",
        a.stderr()
    );
    assert!(echo_ok(pa, carol, &carol_pw), "cached: {}", a.stderr());
    let (code, _, err) = passwd(&url, &["list"], "");
    assert_eq!(code, 3, "a network error: {err}");
    assert!(err.starts_with("tls-srp: cannot use the store: "), "{err}");
    assert!(!echo_ok(pb, "nobody-cached", "x"));
    assert!(
        eventually(Duration::from_secs(10), || b
            .stderr()
            .contains("user lookup failed, login refused (internal_error)")),
        "{}",
        b.stderr()
    );
    pg.restart();
    let back = Instant::now();
    let (dave, dave_pw) = ("dave", random_password());
    add(&url, dave, &dave_pw);
    for p in [pa, pb] {
        assert!(
            eventually(Duration::from_secs(5), || echo_ok(p, dave, &dave_pw)),
            "{}",
            a.stderr()
        );
    }
    assert!(
        back.elapsed() < Duration::from_secs(6),
        "logins work again within 5 s"
    );
    assert!(eventually(Duration::from_secs(5), || a
        .stderr()
        .contains("back; listening for changes again")));
    for s in [&mut a, &mut b] {
        assert!(!s.has_exited(), "still running");
    }
    let log = format!("{}{}", a.stderr(), b.stderr());
    assert!(!log.contains(&carol_pw) && !log.contains(&dave_pw));
}

/// 25 wrong guesses spread over two servers (lockout 20) lock the user out on both; each
/// server alone saw at most 13.
#[test]
fn guesses_spread_over_servers_count_once() {
    let pg = PgCluster::start();
    let url = pg.url();
    let (user, pw) = ("erin", random_password());
    add(&url, user, &pw);
    let limits = [
        "--user-free-failures",
        "30",
        "--user-lockout",
        "20",
        "--ip-free-failures",
        "1000",
        "--ip-lockout",
        "1000",
    ];
    let (_a, pa) = serve_store(&url, &limits);
    let (_b, pb) = serve_store(&url, &limits);
    assert!(echo_ok(pa, user, &pw));
    for i in 0..25 {
        let p = if i % 2 == 0 { pa } else { pb };
        assert!(!echo_ok(p, user, "a wrong guess"));
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    for p in [pa, pb] {
        assert!(!echo_ok(p, user, &pw), "locked out on port {p}");
    }
    let rows =
        pg.psql("SELECT failures FROM tls_srp_failures WHERE kind = 'user' AND key = 'erin'");
    assert!(rows.trim().parse::<u32>().unwrap() >= 25, "{rows}");
}

/// `passwd import` moves an OpenSSL file (made by `openssl srp`) into the store.
#[test]
fn import_from_an_openssl_file() {
    let pg = PgCluster::start();
    let url = pg.url();
    let tmp = TempDir::new("scale-import");
    let f = tmp.path("users.srpv");
    std::fs::write(&f, "").unwrap();
    let (u, p) = (random_username(), random_password());
    let mut cmd = Command::new("openssl");
    cmd.args(["srp", "-srpvfile"])
        .arg(&f)
        .args(["-add", "-gn", "2048", "-passout", "env:PW", &u])
        .env("PW", &p);
    assert!(run("openssl srp", cmd, b"", PROC_TIMEOUT).0.success());
    let (code, _, err) = passwd(&url, &["import", "--file", f.to_str().unwrap()], "");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("imported 1 users"), "{err}");
    let (_s, port) = serve_store(&url, &[]);
    assert!(echo_ok(port, &u, &p));
    // Again: nothing new, said so.
    let (code, _, err) = passwd(&url, &["import", "--file", f.to_str().unwrap()], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("imported 0 users") && err.contains("1 already there"),
        "{err}"
    );
}
