//! Issue 10, operations an administrator can trust, over real sockets on 127.0.0.1:
//! unknown users shaped like the real ones in files from `openssl srp`, `srptool` and a
//! mixed file; writes that keep owner and mode on a file `serve` reads as `nobody`, with
//! deletes effective within seconds and a failed reload that lets nobody in; exit codes;
//! `--listen` forms; `passwd convert` both ways checked by `openssl s_server` and
//! `gnutls-serv`; the PROXY v2 header read by nginx and by the `proxy-protocol` package;
//! the failed-login log lines, checked by fail2ban with the filter from cli/README.md.

mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::interop::{
    free_port, gnutls_srp_files, openssl_srp_add_gn, start_gnutls_serv, start_openssl_s_server,
    venv_python, wait_listening,
};
use common::*;

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

fn add(file: &str, extra: &[&str], user: &str, pw: &str) {
    let mut args = vec![
        "passwd",
        "add",
        "--file",
        file,
        "--password-stdin",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    args.push(user);
    let (code, _, err) = tls_srp(&args, &format!("{pw}\n"));
    assert_eq!(code, 0, "{err}");
}

fn login_ok(port: u16, user: &str, pw: &str) -> bool {
    let msg = b"ping\n";
    matches!(client_exchange(port, user, pw, msg, |d| d.len() >= msg.len()), Ok(d) if d == msg)
}

/// (bits of N, salt length) that `serve` shows for `user`, with the salt.
fn shape(port: u16, user: &str) -> ((usize, usize), Vec<u8>) {
    let skx = skx_for(port, user);
    let n = skx.n.iter().position(|&b| b != 0).unwrap_or(0);
    let bits = (skx.n.len() - n) * 8 - skx.n[n].leading_zeros() as usize;
    ((bits, skx.s.len()), skx.s)
}

/// A set of (bits of N, salt length).
type Shapes = BTreeSet<(usize, usize)>;

/// Probes the real users and `ghosts` unknown names (one ClientHello each) and checks that
/// every unknown name shows one of the real shapes, the same on a second probe. Returns the
/// real shapes and the unknown names' shapes.
fn probe(file: &str, conf: Option<&str>, real: &[&str], ghosts: usize) -> (Shapes, Shapes) {
    let mut args = vec!["--vfile", file, "--echo", "--no-rate-limit"];
    if let Some(c) = conf {
        args.extend(["--conf", c]);
    }
    let (_srv, port) = serve(&args);
    let real_shapes: BTreeSet<_> = real.iter().map(|u| shape(port, u).0).collect();
    let mut seen = BTreeSet::new();
    for i in 0..ghosts {
        let name = format!("ghost-{i}");
        let (sh, salt) = shape(port, &name);
        assert!(
            real_shapes.contains(&sh),
            "{name}: {sh:?} not among {real_shapes:?}"
        );
        assert_eq!(shape(port, &name), (sh, salt), "{name}: stable");
        seen.insert(sh);
    }
    (real_shapes, seen)
}

#[test]
fn unknown_users_look_like_real_ones_in_any_file() {
    let tmp = TempDir::new("ops-shapes");
    // `openssl srp -add` without -gn: the 8192-bit group, 20-byte salts.
    let ossl = s(&tmp.path("ossl.srpv"));
    std::fs::write(&ossl, "").unwrap();
    for u in ["olga", "oscar"] {
        let mut cmd = Command::new("openssl");
        cmd.args(["srp", "-srpvfile", &ossl, "-add", "-passout", "env:PW", u])
            .env("PW", random_password());
        assert!(run("openssl srp", cmd, b"", PROC_TIMEOUT).0.success());
    }
    // The 8192-bit group (a salt whose first byte is 0 shows as 19 bytes, as libssl sends it).
    let (real, _) = probe(&ossl, None, &["olga", "oscar"], 3);
    assert!(real.iter().all(|&(bits, _)| bits == 8192), "{real:?}");

    // srptool: 16-byte salts in the 2048-bit group (index 3).
    let tp = s(&tmp.path("tpasswd"));
    let conf = s(&tmp.path("tpasswd.conf"));
    let mut cmd = Command::new("srptool");
    cmd.args(["--create-conf", &conf]);
    assert!(run("srptool", cmd, b"", PROC_TIMEOUT).0.success());
    for u in ["gina", "gus"] {
        let p = random_password();
        let mut cmd = Command::new("srptool");
        cmd.args(["--passwd", &tp, "--passwd-conf", &conf, "-u", u]);
        let input = format!("{p}\n{p}\n");
        assert!(run("srptool", cmd, input.as_bytes(), PROC_TIMEOUT)
            .0
            .success());
    }
    let (real, seen) = probe(&tp, Some(&conf), &["gina", "gus"], 3);
    assert_eq!(real.iter().collect::<Vec<_>>(), [&(2048, 16)]);
    assert_eq!(seen, real);

    // Mixed groups: two 2048-bit and two 3072-bit users; 12 unknown names show both.
    let mixed = s(&tmp.path("mixed.srpv"));
    for (u, g) in [
        ("m1", "2048"),
        ("m2", "3072"),
        ("m3", "2048"),
        ("m4", "3072"),
    ] {
        openssl_srp_add_gn(Path::new(&mixed), u, &random_password(), g.parse().unwrap());
    }
    let (_, seen) = probe(&mixed, None, &["m1", "m2", "m3", "m4"], 12);
    let bits: BTreeSet<_> = seen.iter().map(|s| s.0).collect();
    assert_eq!(bits.into_iter().collect::<Vec<_>>(), [2048, 3072]);
}

/// A vfile owned by the service account (nobody), mode 0640, in its directory; `serve`
/// runs as nobody. Root's `passwd delete` and `add --replace` keep owner and mode, and
/// take effect within 3 s; `chmod 000` alone (only the change time moves) makes the
/// reload fail, and then nobody logs in, a user deleted meanwhile included.
#[test]
fn writes_keep_owner_and_mode_and_a_failed_reload_lets_nobody_in() {
    let tmp = TempDir::new("ops-owner");
    std::os::unix::fs::chown(&tmp.0, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(&tmp.0, std::fs::Permissions::from_mode(0o755)).unwrap();
    let exe = s(&tmp.path("tls-srp"));
    std::fs::copy(env!("CARGO_BIN_EXE_tls-srp"), &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let f = s(&tmp.path("users.srpv"));
    for u in ["alice", "bob", "carol", "dave"] {
        add(&f, &[], u, &format!("{u}-pass"));
    }
    std::os::unix::fs::chown(&f, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    let owner = |f: &str| {
        let m = std::fs::metadata(f).unwrap();
        (m.uid(), m.gid(), m.mode() & 0o7777)
    };
    let (srv, port) = serve_with(
        as_nobody(&exe),
        &["--vfile", &f, "--echo", "--no-rate-limit"],
    );
    assert!(login_ok(port, "alice", "alice-pass"), "{}", srv.stderr());

    let (code, _, err) = tls_srp(&["passwd", "delete", "--file", &f, "alice"], "");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("revoked \"alice\""), "{err}");
    add(&f, &["--replace"], "bob", "bob-new-pass");
    assert_eq!(owner(&f), (65534, 65534, 0o640));
    let leftovers: Vec<_> = std::fs::read_dir(&tmp.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".lock") || n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::thread::sleep(Duration::from_secs(3));
    assert!(!login_ok(port, "alice", "alice-pass"), "{}", srv.stderr());
    assert!(!login_ok(port, "bob", "bob-pass"));
    assert!(login_ok(port, "bob", "bob-new-pass"), "{}", srv.stderr());

    // chmod alone (only the change time moves): the reload fails, as nobody cannot read
    // the file any more, and fails closed.
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(!login_ok(port, "dave", "dave-pass"));
    assert!(
        srv.stderr()
            .contains("reload failed, refusing every login until the file reads again"),
        "{}",
        srv.stderr()
    );
    // A user deleted while the file cannot be read is not let in either.
    let (code, _, err) = tls_srp(&["passwd", "delete", "--file", &f, "carol"], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(owner(&f), (65534, 65534, 0));
    std::thread::sleep(Duration::from_secs(3));
    assert!(!login_ok(port, "carol", "carol-pass"));
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(
        eventually(Duration::from_secs(10), || login_ok(
            port,
            "dave",
            "dave-pass"
        )),
        "{}",
        srv.stderr()
    );
    assert!(!login_ok(port, "carol", "carol-pass"));
    assert!(srv.stderr().contains("reloaded"), "{}", srv.stderr());

    // A writer that cannot keep the owner writes nothing: nobody cannot chown to root.
    std::fs::set_permissions(&tmp.0, std::fs::Permissions::from_mode(0o777)).unwrap();
    let g = s(&tmp.path("root-owned.srpv"));
    add(&g, &[], "erin", "erin-pass");
    std::fs::set_permissions(&g, std::fs::Permissions::from_mode(0o666)).unwrap();
    let before = std::fs::read(&g).unwrap();
    let r = run_bounded(
        as_nobody(&exe),
        &["passwd", "delete", "--file", &g, "erin"],
        b"",
    );
    assert_eq!(r.0, 2, "{r:?}");
    assert!(
        r.2.contains("cannot keep the owner") && r.2.lines().count() == 1,
        "{r:?}"
    );
    assert_eq!(std::fs::read(&g).unwrap(), before);
    assert_eq!(owner(&g), (0, 0, 0o666));
}

#[test]
fn exit_codes_tell_auth_usage_network_and_tls_apart() {
    let tmp = TempDir::new("ops-exit");
    let f = s(&tmp.path("v"));
    add(&f, &[], "ann", "ann-pass");
    let (_srv, port) = serve(&["--vfile", &f, "--echo", "--no-rate-limit"]);
    let addr = format!("127.0.0.1:{port}");
    let connect = |addr: &str, user: &str, pw: &str, extra: &[&str]| {
        let mut args = vec!["connect", addr, "--user", user, "--password-stdin"];
        args.extend_from_slice(extra);
        tls_srp(&args, &format!("{pw}\n"))
    };
    assert_eq!(connect(&addr, "ann", "ann-pass", &[]).0, 0);
    for (user, pw) in [("ann", "wrong"), ("nobody-here", "x")] {
        let (code, _, err) = connect(&addr, user, pw, &[]);
        assert_eq!(code, 1, "{user}: {err}");
        assert!(err.contains("refused"), "{err}");
    }
    // TLS failure other than authentication: the server's group is below our minimum.
    let (code, _, err) = connect(&addr, "ann", "ann-pass", &["--min-group-bits", "3072"]);
    assert_eq!(code, 4, "{err}");
    let closed = free_port();
    let (code, _, err) = connect(&format!("127.0.0.1:{closed}"), "ann", "x", &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cannot connect"), "{err}");
    let (code, _, err) = connect("no-such-host.invalid:4433", "ann", "x", &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cannot resolve"), "{err}");
    // No port: a usage error with a hint, before any password is read.
    let (code, _, err) = tls_srp(&["connect", "127.0.0.1", "--user", "ann"], "");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("has no port") && err.contains("127.0.0.1:4433"),
        "{err}"
    );
    let (code, _, _) = tls_srp(&["connect", &addr], "");
    assert_eq!(code, 2);
    // passwd verify: 0 match, 1 no match, 2 no such user or file.
    let verify = |user: &str, pw: &str, file: &str| {
        tls_srp(
            &["passwd", "verify", "--file", file, "--password-stdin", user],
            &format!("{pw}\n"),
        )
        .0
    };
    assert_eq!(verify("ann", "ann-pass", &f), 0);
    assert_eq!(verify("ann", "nope", &f), 1);
    assert_eq!(verify("bea", "nope", &f), 2);
    assert_eq!(verify("ann", "nope", &s(&tmp.path("missing"))), 2);
}

#[test]
fn listen_takes_names_wildcards_and_connect_takes_sni_and_alpn() {
    let tmp = TempDir::new("ops-listen");
    let f = s(&tmp.path("v"));
    add(&f, &[], "lea", "lea-pass");
    // localhost: every address it resolves to (127.0.0.1, and ::1 where there is IPv6);
    // :PORT: the IPv6 wildcard, which takes IPv4 too (0.0.0.0 on a host without IPv6).
    for (spec, expect) in [
        ("localhost:0", &["127.0.0.1:", "[::1]:"]),
        (":0", &["[::]:", "0.0.0.0:"]),
    ] {
        let mut cmd = bin();
        cmd.args(["serve", "--listen", spec, "--vfile", &f, "--echo"])
            .args(["--alpn", "x-other", "--alpn", "x-echo"]);
        let mut p = Proc::spawn("tls-srp serve", cmd, Stdio::null());
        let line = p.wait_for_prefix("listening on ", PROC_TIMEOUT);
        assert!(expect.iter().any(|e| line.contains(e)), "{spec}: {line}");
        let port: u16 = line.rsplit(':').next().unwrap().trim().parse().unwrap();
        assert!(login_ok(port, "lea", "lea-pass"), "{spec}: {}", p.stderr());
        // An IPv4 client of the dual-stack wildcard is logged as IPv4 (fail2ban bans it).
        assert!(!login_ok(port, "lea", "not-it"));
        assert!(
            eventually(Duration::from_secs(10), || p
                .stderr()
                .contains("user=\"lea\" addr=127.0.0.1 port=")),
            "{spec}: {}",
            p.stderr()
        );
        let (code, out, err) = tls_srp(
            &[
                "connect",
                &format!("localhost:{port}"),
                "--user",
                "lea",
                "--password-stdin",
                "--servername",
                "device.example",
                "--alpn",
                "x-echo",
            ],
            "lea-pass\nhello\n",
        );
        assert_eq!((code, out.as_str()), (0, "hello\n"), "{spec}: {err}");
        assert!(err.contains("ALPN \"x-echo\""), "{err}");
    }
    let (code, _, err) = tls_srp(
        &["serve", "--listen", "localhost", "--vfile", &f, "--echo"],
        "",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("HOST:PORT") && err.lines().count() == 1,
        "{err}"
    );
}

fn connect_http(port: u16, user: &str, pw: &str) -> String {
    let out = client_exchange(port, user, pw, b"GET / HTTP/1.0\r\n\r\n", |_| false)
        .expect("HTTP over TLS-SRP");
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn passwd_convert_both_ways_checked_by_openssl_and_gnutls_servers() {
    let tmp = TempDir::new("ops-convert");
    // OpenSSL → GnuTLS: users from `openssl srp` and from us, in two groups.
    let ossl = tmp.path("users.srpv");
    let (p1, p2) = (random_password(), random_password());
    openssl_srp_add_gn(&ossl, "ossl-user", &p1, 2048);
    add(&s(&ossl), &["--group", "3072"], "our-user", &p2);
    // A revoked user cannot be held by GnuTLS: refused, nothing written.
    add(&s(&ossl), &[], "gone", "gone-pass");
    assert_eq!(
        tls_srp(&["passwd", "delete", "--file", &s(&ossl), "gone"], "").0,
        0
    );
    let tp = s(&tmp.path("tpasswd"));
    let src = s(&ossl);
    let conv = |extra: &[&str]| {
        let mut a = vec!["passwd", "convert", "--file", &src, "--to", &tp];
        a.extend_from_slice(extra);
        tls_srp(&a, "")
    };
    let (code, _, err) = conv(&["--format", "gnutls"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("\"gone\" is revoked") && err.lines().count() == 1,
        "{err}"
    );
    assert!(!Path::new(&tp).exists());
    let (code, _, err) = conv(&["--format", "gnutls", "--skip-revoked"]);
    assert_eq!(code, 0, "{err}");
    let (_gs, gport) = start_gnutls_serv(Path::new(&tp), &tmp.path("tpasswd.conf"), &[]);
    for (u, p) in [("ossl-user", &p1), ("our-user", &p2)] {
        assert!(login_ok(gport, u, p), "gnutls-serv refused {u}");
    }
    assert!(!login_ok(gport, "ossl-user", &p2));

    // GnuTLS (srptool) → OpenSSL, served by `openssl s_server -srpvfile`.
    let (gfile, gconf) = gnutls_srp_files(
        &tmp,
        &[
            ("srp-user".to_owned(), p1.clone()),
            ("srp-two".to_owned(), p2.clone()),
        ],
    );
    let out = s(&tmp.path("converted.srpv"));
    let (gfile, gconf) = (s(&gfile), s(&gconf));
    let to_openssl = || {
        tls_srp(
            &[
                "passwd", "convert", "--file", &gfile, "--conf", &gconf, "--to", &out, "--format",
                "openssl",
            ],
            "",
        )
    };
    let (code, _, err) = to_openssl();
    // srptool makes 16-byte salts; 1 in 256 starts with a zero byte, which OpenSSL cannot
    // hold: then the refusal names the user.
    if code != 0 {
        assert!(err.contains("salt starting with a zero byte"), "{err}");
        return;
    }
    assert_eq!(std::fs::metadata(&out).unwrap().mode() & 0o777, 0o600);
    let (_ss, sport) = start_openssl_s_server(Path::new(&out), &[]);
    for (u, p) in [("srp-user", &p1), ("srp-two", &p2)] {
        let page = connect_http(sport, u, p);
        assert!(
            page.contains("200 ok") || page.contains("200 OK"),
            "{u}: {page}"
        );
    }
    // The target exists now: convert never overwrites.
    let (code, _, err) = to_openssl();
    assert_eq!(code, 2);
    assert!(err.contains("exists"), "{err}");
}

/// `serve --forward --proxy-protocol` in front of two real PROXY v2 consumers: Debian's
/// nginx (1.22: it reads the header, but exposes TLVs only from 1.23.2) answers with the
/// client address and port it got, and the `proxy-protocol` package's reader (PyPI) decodes
/// every TLV: the username in the documented type 0xE5, the SNI authority, the SSL TLV.
#[test]
fn proxy_protocol_v2_is_read_by_nginx_and_by_a_tlv_reader() {
    let tmp = TempDir::new("ops-proxy");
    let f = s(&tmp.path("v"));
    add(&f, &[], "pia", "pia-pass");

    // nginx, in the foreground, everything under the temp dir.
    let nport = free_port();
    let conf = tmp.path("nginx.conf");
    let t = s(&tmp.0);
    std::fs::write(
        &conf,
        format!(
            "daemon off; master_process off; worker_processes 1; pid {t}/nginx.pid;\n\
             error_log {t}/error.log;\n\
             events {{ worker_connections 16; }}\n\
             http {{\n  access_log {t}/access.log;\n  client_body_temp_path {t}/body;\n\
               proxy_temp_path {t}/proxy; fastcgi_temp_path {t}/fcgi; uwsgi_temp_path {t}/uwsgi; scgi_temp_path {t}/scgi;\n\
               server {{ listen 127.0.0.1:{nport} proxy_protocol;\n\
                 location / {{ return 200 \"client=$proxy_protocol_addr:$proxy_protocol_port\\n\"; }} }}\n}}\n"
        ),
    )
    .unwrap();
    let mut cmd = Command::new("nginx");
    cmd.args(["-p", &t, "-e", &format!("{t}/error.log"), "-c"])
        .arg(&conf);
    let nginx = Proc::spawn("nginx", cmd, Stdio::null());
    assert!(
        wait_listening(nport, PROC_TIMEOUT),
        "nginx: {}",
        nginx.stderr()
    );
    let (_srv, port) = serve(&[
        "--vfile",
        &f,
        "--forward",
        &format!("127.0.0.1:{nport}"),
        "--proxy-protocol",
    ]);
    // Our client, whose local port nginx must report.
    let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let local = sock.local_addr().unwrap();
    let conn = tls_srp::ClientConnection::new(
        std::sync::Arc::new(tls_srp::ClientConfig::new("pia", "pia-pass")),
        None,
    )
    .unwrap();
    let mut tls = Tls::new(conn, sock);
    tls.handshake().unwrap();
    tls.send(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let page = String::from_utf8_lossy(&tls.read_until(|_| false).unwrap()).into_owned();
    assert!(
        page.contains(&format!("client=127.0.0.1:{}", local.port())),
        "{page}\n{}",
        nginx.stderr()
    );

    // The TLV reader, through `tls-srp connect` with an SNI name.
    let mut cmd = Command::new(venv_python());
    cmd.arg(root().join("interop/proxy/pp2_backend.py"))
        .arg("0xE5");
    let mut backend = Proc::spawn("pp2_backend", cmd, Stdio::null());
    let bport = backend.wait_for_prefix("PORT ", PROC_TIMEOUT)[5..]
        .trim()
        .to_owned();
    let (_srv2, port2) = serve(&[
        "--vfile",
        &f,
        "--forward",
        &format!("127.0.0.1:{bport}"),
        "--proxy-protocol",
    ]);
    let (code, out, err) = tls_srp(
        &[
            "connect",
            &format!("127.0.0.1:{port2}"),
            "--user",
            "pia",
            "--password-stdin",
            "--servername",
            "files.example",
        ],
        "pia-pass\n",
    );
    assert_eq!(
        (code, out.as_str()),
        (0, "hello pia\n"),
        "{err}\n{}",
        backend.stderr()
    );
    // Skip the line of the startup probe (serve checks that the backend is up).
    let line = loop {
        let l = backend.next_line(PROC_TIMEOUT);
        if l.contains("\"user\"") {
            break l;
        }
    };
    assert!(line.contains("\"user\": \"pia\""), "{line}");
    assert!(line.contains("\"source\": [\"127.0.0.1\""), "{line}");
    assert!(line.contains("\"authority\": \"files.example\""), "{line}");
    assert!(line.contains("\"ssl_version\": \"TLSv1.2\""), "{line}");
    assert!(line.contains("\"ssl_cipher\": \"SRP-AES-"), "{line}");
}

/// The failed-login lines (wrong password and unknown user as one class, lockout) and the
/// rate limiter's delay, checked by `fail2ban-regex` with the sample filter of
/// cli/README.md (read from the README, so the documented filter is the tested one).
#[test]
fn failed_logins_are_logged_with_user_address_and_reason_for_fail2ban() {
    let tmp = TempDir::new("ops-log");
    let f = s(&tmp.path("v"));
    add(&f, &[], "lou", "lou-pass");
    let (srv, port) = serve(&[
        "--vfile",
        &f,
        "--echo",
        "--user-free-failures",
        "1",
        "--user-lockout",
        "3",
        "--max-delay-ms",
        "50",
        "--forgive-secs",
        "3600",
    ]);
    assert!(!login_ok(port, "lou", "guess-1"));
    assert!(!login_ok(port, "nobody \"here\"\n", "x"));
    assert!(!login_ok(port, "lou", "guess-2"));
    assert!(!login_ok(port, "lou", "guess-3"));
    assert!(!login_ok(port, "lou", "lou-pass"), "locked out");
    // `login_ok` is our client: the server has logged by the time the client got its alert,
    // but stderr is read by a thread.
    assert!(eventually(Duration::from_secs(10), || srv
        .stderr()
        .contains("reason=locked-out")));
    std::thread::sleep(Duration::from_millis(300));
    let log = srv.stderr();
    let failed: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("login failed:"))
        .collect();
    assert_eq!(failed.len(), 5, "{log}");
    let want = [
        "user=\"lou\" addr=127.0.0.1 port=",
        "user=\"nobody \\\"here\\\"\\n\" addr=127.0.0.1 port=",
        "user=\"lou\" addr=127.0.0.1 port=",
        "user=\"lou\" addr=127.0.0.1 port=",
        "user=\"lou\" addr=127.0.0.1 port=",
    ];
    // The lockout (3 failures of lou) is checked when an attempt is settled: the third
    // wrong password still counts as one, the right password after it is locked out.
    let reasons = [
        "bad-credentials",
        "bad-credentials",
        "bad-credentials",
        "bad-credentials",
        "locked-out",
    ];
    for ((line, w), r) in failed.iter().zip(want).zip(reasons) {
        assert!(
            line.contains(w) && line.contains(&format!("reason={r} ")),
            "{line}"
        );
    }
    assert!(
        log.contains("rate limited: user=\"lou\" addr=127.0.0.1"),
        "{log}"
    );
    assert!(
        !log.contains("lou-pass") && !log.contains("guess-"),
        "{log}"
    );

    // The README's filter, run by fail2ban: every failed login matches, nothing else does.
    let readme = std::fs::read_to_string(root().join("cli/README.md")).unwrap();
    let start = readme
        .find("[Definition]")
        .expect("a fail2ban filter in cli/README.md");
    let end = start + readme[start..].find("```").unwrap();
    let filter = tmp.path("tls-srp.conf");
    std::fs::write(&filter, &readme[start..end]).unwrap();
    let logf = tmp.path("serve.log");
    std::fs::write(&logf, &log).unwrap();
    let mut cmd = Command::new("fail2ban-regex");
    cmd.arg(&logf).arg(&filter);
    let (st, out, err) = run("fail2ban-regex", cmd, b"", PROC_TIMEOUT);
    assert!(st.success(), "{out}\n{err}");
    assert!(out.contains("Failregex: 5 total"), "{out}");
}

/// zxcvbn's estimate warns about a weak password after the user is added; `--quiet`
/// silences it for scripts; a long random passphrase gets no warning.
#[test]
fn weak_passwords_get_a_warning_that_scripts_can_silence() {
    let tmp = TempDir::new("ops-weak");
    let f = s(&tmp.path("v"));
    let add_with = |user: &str, pw: &str, extra: &[&str]| {
        let mut a = vec!["passwd", "add", "--file", &f, "--password-stdin"];
        a.extend_from_slice(extra);
        a.push(user);
        tls_srp(&a, &format!("{pw}\n"))
    };
    let (code, _, err) = add_with("wendy", "password1", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: weak password for \"wendy\""),
        "{err}"
    );
    assert!(!err.contains("password1"), "{err}");
    let (code, _, err) = add_with("walt", "password1", &["--quiet"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
    let (code, _, err) = add_with("wade", "correct horse battery staple 9431 fjord", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
}
