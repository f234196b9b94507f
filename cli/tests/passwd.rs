//! `tls-srp passwd`: both file formats, checked against `openssl srp`, `srptool`,
//! `openssl s_server -srpvfile` and `gnutls-serv`, plus every bad input from issue 3.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

fn add(file: &str, extra: &[&str], user: &str, pw: &str) -> (i32, String, String) {
    let mut args = vec!["passwd", "add", "--file", file, "--password-stdin"];
    args.extend_from_slice(extra);
    args.push(user);
    tls_srp(&args, &format!("{pw}\n"))
}

fn verify(file: &str, extra: &[&str], user: &str, pw: &str) -> i32 {
    let mut args = vec!["passwd", "verify", "--file", file, "--password-stdin"];
    args.extend_from_slice(extra);
    args.push(user);
    tls_srp(&args, &format!("{pw}\n")).0
}

fn s(p: &std::path::Path) -> String {
    p.to_str().unwrap().to_owned()
}

fn openssl_srp_add(file: &str, user: &str, pw: &str, gn: Option<&str>) {
    let mut cmd = Command::new("openssl");
    cmd.args(["srp", "-srpvfile", file, "-add"]);
    if let Some(g) = gn {
        cmd.args(["-gn", g]);
    }
    cmd.args(["-passout", "env:TLS_SRP_TEST_PW", user])
        .env("TLS_SRP_TEST_PW", pw);
    let (st, out, err) = run("openssl srp", cmd, b"", PROC_TIMEOUT);
    assert!(st.success(), "openssl srp -add failed: {out}{err}");
}

#[test]
fn openssl_file_written_by_us_works_with_openssl_s_server() {
    let shim = shim();
    let tmp = TempDir::new("cli-ossl");
    let f = s(&tmp.path("srpvfile"));
    let users: Vec<(String, String)> = (0..3)
        .map(|_| (random_username(), random_password()))
        .collect();
    for (u, p) in &users {
        let (code, _, err) = add(&f, &[], u, p);
        assert_eq!(code, 0, "{err}");
    }
    let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // Every record has 6 TAB-separated fields, V, group 2048.
    let text = std::fs::read_to_string(&f).unwrap();
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 6, "{line:?}");
        assert_eq!(fields[0], "V");
        assert_eq!(fields[4], "2048");
    }

    let mut cmd = Command::new("openssl");
    cmd.env("LD_PRELOAD", &shim).args([
        "s_server",
        "-nocert",
        "-srpvfile",
        &f,
        "-accept",
        "127.0.0.1:0",
        "-cipher",
        "SRP",
        "-tls1_2",
        "-www",
    ]);
    let mut srv = Proc::spawn("openssl s_server", cmd, Stdio::piped());
    let line = srv.wait_for_prefix("ACCEPT", PROC_TIMEOUT);
    let port: u16 = line.rsplit(':').next().unwrap().trim().parse().unwrap();
    for (u, p) in &users {
        let page = client_exchange(port, u, p, b"GET / HTTP/1.0\r\n\r\n", |_| false)
            .unwrap_or_else(|e| panic!("user {u:?}: {e:?}\n{}", srv.stderr()));
        let page = String::from_utf8_lossy(&page);
        assert!(page.starts_with("HTTP/1.0 200 ok"), "{page}");
    }
    // A wrong password is refused by OpenSSL (bad_record_mac at our Finished).
    assert!(client_exchange(
        port,
        &users[0].0,
        "not the password",
        b"GET / HTTP/1.0\r\n\r\n",
        |_| false
    )
    .is_err());
}

#[test]
fn openssl_srp_written_file_verifies() {
    let tmp = TempDir::new("cli-ossl2");
    let f = s(&tmp.path("v"));
    std::fs::write(&f, "").unwrap();
    let mut users = Vec::new();
    // Enough users that some salts start with small bytes (OpenSSL drops leading zeros).
    for _ in 0..8 {
        let (u, p) = (random_username(), random_password());
        openssl_srp_add(&f, &u, &p, Some("2048"));
        users.push((u, p));
    }
    let (u8192, p8192) = (random_username(), random_password());
    openssl_srp_add(&f, &u8192, &p8192, None); // 8192-bit default group
    for (u, p) in &users {
        assert_eq!(verify(&f, &[], u, p), 0, "user {u}");
        assert_eq!(verify(&f, &[], u, &format!("{p}x")), 1, "user {u}");
    }
    assert_eq!(verify(&f, &[], &u8192, &p8192), 0);
    let (code, out, _) = tls_srp(&["passwd", "list", "--file", &f], "");
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!("{u8192}\tvalid\t8192-bit group")),
        "{out}"
    );
    assert!(!out.contains(&users[0].1), "list must not show secrets");

    // `delete` revokes like `openssl srp -delete`; OpenSSL can still read the file.
    let (code, _, err) = tls_srp(&["passwd", "delete", "--file", &f, &users[0].0], "");
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&f)
        .unwrap()
        .lines()
        .any(|l| l.starts_with("R\t") && l.contains(&users[0].0)));
    let mut cmd = Command::new("openssl");
    cmd.args(["srp", "-srpvfile", &f, "-list"]);
    let (st, _, err) = run("openssl srp -list", cmd, b"", PROC_TIMEOUT);
    assert!(st.success(), "{err}");
    assert_ne!(verify(&f, &[], &users[0].0, &users[0].1), 0);
}

#[test]
fn gnutls_files_both_ways() {
    let tmp = TempDir::new("cli-gnutls");
    let f = s(&tmp.path("tpasswd"));
    let conf = format!("{f}.conf");
    // srptool's file: our verify accepts it.
    let mut cmd = Command::new("srptool");
    cmd.args(["--create-conf", &conf]);
    assert!(run("srptool --create-conf", cmd, b"", PROC_TIMEOUT)
        .0
        .success());
    let (gu, gp) = ("gus".to_owned(), random_password());
    let mut cmd = Command::new("srptool");
    cmd.args(["--passwd", &f, "--passwd-conf", &conf, "-u", &gu]);
    let (st, _, err) = run(
        "srptool",
        cmd,
        format!("{gp}\n{gp}\n").as_bytes(),
        PROC_TIMEOUT,
    );
    assert!(st.success(), "{err}");
    assert_eq!(verify(&f, &[], &gu, &gp), 0);
    assert_eq!(verify(&f, &[], &gu, "wrong"), 1);

    // Ours, in srptool's files, with 2048 and 3072-bit groups: srptool --verify accepts it.
    let (u, p) = (random_username().replace(':', "_"), random_password());
    assert_eq!(add(&f, &["--format", "gnutls"], &u, &p).0, 0);
    let (u3, p3) = ("third".to_owned(), random_password());
    assert_eq!(add(&f, &["--group", "3072"], &u3, &p3).0, 0);
    for (u, p) in [(&u, &p), (&u3, &p3)] {
        let mut cmd = Command::new("srptool");
        cmd.args(["--passwd", &f, "--passwd-conf", &conf, "--verify", "-u", u]);
        let (st, out, err) = run(
            "srptool --verify",
            cmd,
            format!("{p}\n").as_bytes(),
            PROC_TIMEOUT,
        );
        assert!(st.success(), "srptool --verify {u}: {out}{err}");
    }
}

#[test]
fn gnutls_file_written_by_us_works_with_gnutls_serv_and_connect() {
    let tmp = TempDir::new("cli-gserv");
    let f = s(&tmp.path("tpasswd"));
    let conf = s(&tmp.path("tpasswd.conf"));
    let (u, p) = ("gnu-user".to_owned(), random_password());
    let (code, _, err) = add(&f, &["--format", "gnutls", "--conf", &conf], &u, &p);
    assert_eq!(code, 0, "{err}");
    // A free port, retried if another process takes it first (the shared helper waits for
    // gnutls-serv to report that it listens).
    let (_srv, port) = interop::start_gnutls_serv(Path::new(&f), Path::new(&conf), &[]);
    // gnutls-serv binds every interface: we only ever connect to 127.0.0.1.
    let mut cmd = bin();
    cmd.args(["connect", &format!("127.0.0.1:{port}"), "--user", &u])
        .env("TLS_SRP_PASSWORD", &p);
    let mut cli = Proc::spawn("tls-srp connect", cmd, Stdio::piped());
    cli.write_stdin(b"hello gnutls\n");
    let echoed = cli.next_line(PROC_TIMEOUT);
    assert_eq!(echoed, "hello gnutls");
    assert!(
        cli.stderr().contains("connected to 127.0.0.1"),
        "{}",
        cli.stderr()
    );
}

#[test]
fn bad_inputs_are_one_line_errors_and_change_nothing() {
    let tmp = TempDir::new("cli-bad");
    let f = s(&tmp.path("v"));
    let missing = s(&tmp.path("missing"));
    let one_line = |(code, _out, err): (i32, String, String)| {
        assert_ne!(code, 0);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        err
    };
    // Missing file.
    for cmd in ["list", "delete", "verify"] {
        let mut args = vec!["passwd", cmd, "--file", &missing];
        if cmd != "list" {
            args.push("bob");
        }
        let err = one_line(tls_srp(&args, "pw\n"));
        assert!(err.contains("does not exist"), "{err}");
    }
    assert!(!std::path::Path::new(&missing).exists());
    // Unreadable (a directory here: tests run as root, which ignores permission bits).
    let dir = s(&tmp.path("adir"));
    std::fs::create_dir(&dir).unwrap();
    assert!(one_line(tls_srp(&["passwd", "list", "--file", &dir], "")).contains("cannot read"));
    assert!(one_line(add(&dir, &[], "bob", "pw")).contains("cannot read"));

    assert_eq!(add(&f, &[], "alice", "pw-alice").0, 0);
    let before = std::fs::read(&f).unwrap();
    // Duplicate user, empty, too long, weak and unknown groups, empty password, mismatched format.
    assert!(one_line(add(&f, &[], "alice", "other")).contains("already exists"));
    assert!(one_line(add(&f, &[], "", "pw")).contains("empty"));
    assert!(one_line(add(&f, &[], &"u".repeat(256), "pw")).contains("255"));
    assert_eq!(
        add(&f, &[], &"u".repeat(255), "pw").0,
        0,
        "255 bytes is fine"
    );
    let before2 = std::fs::read(&f).unwrap();
    assert!(one_line(add(&f, &["--group", "1024"], "weak", "pw")).contains("--allow-weak-group"));
    assert!(one_line(add(&f, &["--group", "1000"], "odd", "pw")).contains("unknown group"));
    assert!(one_line(add(&f, &[], "nopw", "")).contains("empty"));
    assert!(one_line(add(&f, &["--format", "gnutls"], "x", "pw")).contains("openssl format"));
    assert!(
        one_line(tls_srp(&["passwd", "delete", "--file", &f, "nobody"], "")).contains("no user")
    );
    assert_eq!(std::fs::read(&f).unwrap(), before2);
    assert_ne!(before, before2);
    // --allow-weak-group and --replace work.
    assert_eq!(
        add(
            &f,
            &["--group", "1024", "--allow-weak-group"],
            "weak",
            "pw1"
        )
        .0,
        0
    );
    assert_eq!(add(&f, &["--replace"], "alice", "new-pw").0, 0);
    assert_eq!(verify(&f, &[], "alice", "new-pw"), 0);

    // Non-UTF-8 username.
    {
        use std::os::unix::ffi::OsStrExt;
        let mut cmd = bin();
        cmd.args(["passwd", "add", "--file", &f, "--password-stdin"])
            .arg(std::ffi::OsStr::from_bytes(b"bad\xff"));
        let (st, _, err) = run("tls-srp", cmd, b"pw\n", PROC_TIMEOUT);
        assert!(!st.success());
        assert!(err.contains("UTF-8"), "{err}");
    }

    // Corrupt file: the error names the line; nothing is written. Unknown lines survive.
    let corrupt = s(&tmp.path("corrupt"));
    std::fs::write(
        &corrupt,
        "# comment kept\nV\tabc\tdef\tbob\t2048\t\nV\tonly-three\tfields\n",
    )
    .unwrap();
    let c_before = std::fs::read(&corrupt).unwrap();
    let err = one_line(add(&corrupt, &[], "carol", "pw"));
    assert!(err.contains("line 3"), "{err}");
    assert_eq!(std::fs::read(&corrupt).unwrap(), c_before);
    let err = one_line(tls_srp(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--vfile",
            &corrupt,
            "--echo",
        ],
        "",
    ));
    assert!(err.contains("line 3"), "{err}");

    let kept = s(&tmp.path("kept"));
    assert_eq!(add(&kept, &[], "dave", "pw").0, 0);
    let dave = std::fs::read_to_string(&kept).unwrap();
    std::fs::write(
        &kept,
        format!("# comment kept\nX\tsome future record\n{dave}"),
    )
    .unwrap();
    assert_eq!(add(&kept, &[], "erin", "pw").0, 0);
    let text = std::fs::read_to_string(&kept).unwrap();
    assert!(
        text.starts_with(&format!("# comment kept\nX\tsome future record\n{dave}V\t")),
        "{text}"
    );

    // Unknown group id in an OpenSSL file; a GnuTLS file whose conf lacks its index.
    let unk = s(&tmp.path("unk"));
    std::fs::write(&unk, "V\tabc\tdef\tbob\t999\t\n").unwrap();
    assert!(one_line(tls_srp(&["passwd", "list", "--file", &unk], "")).contains("unknown group"));
    let g = s(&tmp.path("g"));
    let r = add(&g, &["--format", "gnutls"], "gina", "pw");
    assert_eq!(r.0, 0, "{r:?}");
    let other_conf = s(&tmp.path("other.conf"));
    std::fs::write(&other_conf, "").unwrap();
    let err = one_line(tls_srp(
        &["passwd", "list", "--file", &g, "--conf", &other_conf],
        "",
    ));
    assert!(err.contains("group index 3"), "{err}");
}

#[test]
fn concurrent_adds_keep_every_user() {
    let tmp = TempDir::new("cli-conc");
    let f = s(&tmp.path("v"));
    let n = 8;
    let children: Vec<_> = (0..n)
        .map(|i| {
            let mut cmd = bin();
            cmd.args([
                "passwd",
                "add",
                "--file",
                &f,
                "--password-stdin",
                &format!("user{i}"),
            ]);
            let mut p = Proc::spawn("tls-srp add", cmd, Stdio::piped());
            p.write_stdin(format!("password{i}\n").as_bytes());
            p
        })
        .collect();
    for mut c in children {
        assert!(c.wait_exit(PROC_TIMEOUT).success(), "{}", c.stderr());
    }
    for i in 0..n {
        assert_eq!(
            verify(&f, &[], &format!("user{i}"), &format!("password{i}")),
            0,
            "user{i}"
        );
    }
}

#[test]
fn help_has_examples() {
    for args in [
        &["--help"][..],
        &["demo", "--help"],
        &["passwd", "--help"],
        &["bench", "--help"],
        &["passwd", "add", "--help"],
        &["passwd", "delete", "--help"],
        &["passwd", "list", "--help"],
        &["passwd", "verify", "--help"],
        &["serve", "--help"],
        &["connect", "--help"],
        &["bench", "handshake", "--help"],
        &["bench", "record", "--help"],
    ] {
        let (code, out, _) = tls_srp(args, "");
        assert_eq!(code, 0);
        assert!(out.contains("Example"), "{args:?}: {out}");
    }
}
