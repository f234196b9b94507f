//! TLS 1.3 PAKE (SPAKE2+, draft-ietf-tls-pake; experimental) through the command:
//! `passwd add|list|verify|delete` on SPAKE2+ records files, `serve --server-id` (with the
//! records as `--vfile` or `--pake-file`, beside TLS-SRP users on one port, and beside
//! certificate clients with `--cert`) and `connect --pake`. On 127.0.0.1 only; every
//! process bounded in time and killed by PID on drop.

#[path = "../../tests/common/certs.rs"]
mod certs;
mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

const SID: &str = "files.example";

fn s(p: &std::path::Path) -> String {
    p.to_str().unwrap().to_owned()
}

/// `passwd add --pake --server-id SID --file FILE USER` with `pw` on stdin.
fn add_pake(file: &str, sid: &str, user: &str, pw: &str) {
    let (code, _, err) = tls_srp(
        &[
            "passwd",
            "add",
            "--file",
            file,
            "--pake",
            "--server-id",
            sid,
            "--password-stdin",
            "--quiet",
            user,
        ],
        &format!("{pw}\n"),
    );
    assert_eq!(code, 0, "{err}");
}

/// `passwd add --file FILE USER` (an SRP verifier) with `pw` on stdin.
fn add_srp(file: &str, user: &str, pw: &str) {
    let (code, _, err) = tls_srp(
        &[
            "passwd",
            "add",
            "--file",
            file,
            "--password-stdin",
            "--quiet",
            user,
        ],
        &format!("{pw}\n"),
    );
    assert_eq!(code, 0, "{err}");
}

/// A verifier file with one random SRP user and a records file with one random PAKE user.
struct Users {
    srpv: String,
    pake: String,
    srp: (String, String),
    pake_user: (String, String),
}

fn users(tmp: &TempDir) -> Users {
    let u = Users {
        srpv: s(&tmp.path("users.srpv")),
        pake: s(&tmp.path("users.pake")),
        srp: (random_username(), random_password()),
        pake_user: (random_username(), random_password()),
    };
    add_srp(&u.srpv, &u.srp.0, &u.srp.1);
    add_pake(&u.pake, SID, &u.pake_user.0, &u.pake_user.1);
    u
}

/// `connect --pake` (or, with `sid` None, TLS-SRP) as `user`, sending `payload` after the
/// password line. (status, stdout, stderr)
fn connect(
    port: u16,
    sid: Option<&str>,
    user: &str,
    pw: &str,
    payload: &str,
) -> (i32, String, String) {
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec!["connect", &addr, "--user", user, "--password-stdin"];
    if let Some(sid) = sid {
        args.extend(["--pake", "--server-id", sid]);
    }
    tls_srp(&args, &format!("{pw}\n{payload}"))
}

fn kill(sig: &str, pid: u32) {
    let st = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

/// The one `login failed` line for `user` (escaped as the log escapes it).
fn failed_lines(log: &str, user: &str) -> Vec<String> {
    let field = format!("login failed: user={user:?} ");
    log.lines()
        .filter(|l| l.contains(&field))
        .map(str::to_owned)
        .collect()
}

#[test]
fn serve_a_records_file_and_connect_with_right_wrong_and_unknown_credentials() {
    let tmp = TempDir::new("cli-pake");
    let f = s(&tmp.path("users.pake"));
    let (u, p) = (random_username(), random_password());
    add_pake(&f, SID, &u, &p);
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(
        text.starts_with("# tls-srp SPAKE2+ records v1 (draft-ietf-tls-pake, experimental)\n"),
        "{text}"
    );

    let (mut srv, port) = serve(&["--vfile", &f, "--server-id", SID, "--echo"]);

    // The right password: the echo comes back; TLS 1.3 and the suite in the summary.
    let (code, out, err) = connect(port, Some(SID), &u, &p, "hello over pake\n");
    assert_eq!(code, 0, "{err}\n{}", srv.stderr());
    assert_eq!(out, "hello over pake\n");
    assert!(
        err.contains("TLSv1.3 TLS_AES_128_GCM_SHA256") && err.contains("SPAKE2+"),
        "{err}"
    );
    assert!(
        eventually(Duration::from_secs(10), || srv
            .stderr()
            .contains(&format!("user={u:?} kind=\"pake\""))),
        "{}",
        srv.stderr()
    );
    let log = srv.stderr();
    let ok = log
        .lines()
        .find(|l| l.contains(&format!("user={u:?} kind=\"pake\"")))
        .unwrap();
    assert!(
        ok.contains("version=\"TLSv1.3\"")
            && ok.contains("suite=\"TLS_AES_128_GCM_SHA256\"")
            && ok.contains("outcome=\"ok\""),
        "{ok}"
    );

    // A wrong password: refused (exit 1, one line), and the server logs a failed login of
    // that user (the client aborted after our confirmation: a tested guess).
    let (code, out, wrong) = connect(port, Some(SID), &u, "not the password", "x\n");
    assert_eq!(code, 1, "{wrong}");
    assert!(out.is_empty());
    assert!(
        wrong.contains("refused") && wrong.lines().count() == 1,
        "{wrong}"
    );
    assert!(
        eventually(Duration::from_secs(10), || {
            failed_lines(&srv.stderr(), &u)
                .iter()
                .any(|l| l.contains("reason=bad-credentials kind=\"pake\" detail="))
        }),
        "{}",
        srv.stderr()
    );

    // An unknown user fails exactly as a wrong password does, as the client sees it.
    let ghost = random_username();
    let (code, _, unknown) = connect(port, Some(SID), &ghost, &p, "x\n");
    assert_eq!(code, 1, "{unknown}");
    assert_eq!(unknown, wrong);
    assert!(
        eventually(Duration::from_secs(10), || failed_lines(
            &srv.stderr(),
            &ghost
        )
        .iter()
        .any(|l| l.contains("reason=bad-credentials"))),
        "{}",
        srv.stderr()
    );

    // Another server identity: the server refuses the PAKE with handshake_failure, a TLS
    // failure (exit 4) that says to check --server-id, not a wrong password.
    let (code, _, err) = connect(port, Some("other.example"), &u, &p, "x\n");
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("HandshakeFailure") && err.contains("--server-id") && err.lines().count() == 1,
        "{err}"
    );
    // The server's line names the user (it read the identity before refusing the PAKE).
    assert!(
        eventually(Duration::from_secs(10), || failed_lines(&srv.stderr(), &u)
            .iter()
            .any(|l| l.contains("reason=incompatible kind=\"pake\" detail="))),
        "{}",
        srv.stderr()
    );

    // The right password still works (one failure is far from any lockout).
    let (code, out, err) = connect(port, Some(SID), &u, &p, "again\n");
    assert_eq!((code, out.as_str()), (0, "again\n"), "{err}");

    // Usage errors: --pake without --server-id, --server-id without --pake.
    let addr = format!("127.0.0.1:{port}");
    let (code, _, err) = tls_srp(
        &["connect", &addr, "--user", &u, "--password-stdin", "--pake"],
        &format!("{p}\n"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--pake needs --server-id") && err.lines().count() == 1,
        "{err}"
    );
    let (code, _, err) = tls_srp(
        &[
            "connect",
            &addr,
            "--user",
            &u,
            "--password-stdin",
            "--server-id",
            SID,
        ],
        &format!("{p}\n"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("add --pake") && err.lines().count() == 1,
        "{err}"
    );

    // No secret in the log.
    let log = srv.stderr();
    assert!(!log.contains(&p), "{log}");
    kill("-TERM", srv.pid());
    assert!(srv.wait_exit(PROC_TIMEOUT).success());
}

#[test]
fn one_port_serves_an_srp_user_and_a_pake_user_and_reloads_the_records() {
    let tmp = TempDir::new("cli-pake-both");
    let Users {
        srpv,
        pake,
        srp: (su, sp),
        pake_user: (pu, pp),
    } = users(&tmp);

    let (mut srv, port) = serve(&[
        "--vfile",
        &srpv,
        "--pake-file",
        &pake,
        "--server-id",
        SID,
        "--echo",
    ]);
    assert!(
        eventually(Duration::from_secs(10), || {
            let log = srv.stderr();
            log.contains("1 users from") && log.contains("1 SPAKE2+ records from")
        }),
        "{}",
        srv.stderr()
    );

    // TLS-SRP from the verifier file, TLS 1.3 PAKE from the records file, one port.
    let (code, out, err) = connect(port, None, &su, &sp, "srp\n");
    assert_eq!(
        (code, out.as_str()),
        (0, "srp\n"),
        "{err}\n{}",
        srv.stderr()
    );
    assert!(
        err.contains("TLSv1_2") || err.contains("TLS_SRP_SHA"),
        "{err}"
    );
    let (code, out, err) = connect(port, Some(SID), &pu, &pp, "pake\n");
    assert_eq!(
        (code, out.as_str()),
        (0, "pake\n"),
        "{err}\n{}",
        srv.stderr()
    );
    assert!(err.contains("TLSv1.3"), "{err}");
    assert!(
        eventually(Duration::from_secs(10), || {
            let log = srv.stderr();
            log.contains(&format!("user={su:?} kind=\"srp\" version=\"TLSv1.2\""))
                && log.contains(&format!("user={pu:?} kind=\"pake\" version=\"TLSv1.3\""))
        }),
        "{}",
        srv.stderr()
    );

    // Each user exists only in its own kind.
    assert_eq!(connect(port, Some(SID), &su, &sp, "x\n").0, 1);
    assert_eq!(connect(port, None, &pu, &pp, "x\n").0, 1);

    // A record added while it runs is served (the file is polled every second).
    let (nu, np) = (random_username(), random_password());
    add_pake(&pake, SID, &nu, &np);
    assert!(
        eventually(Duration::from_secs(20), || connect(
            port,
            Some(SID),
            &nu,
            &np,
            "new\n"
        )
        .0 == 0),
        "{}",
        srv.stderr()
    );

    // A corrupt records file fails closed for PAKE logins, and says so; SRP goes on.
    let good = std::fs::read_to_string(&pake).unwrap();
    std::fs::write(&pake, format!("{good}broken line\n")).unwrap();
    kill("-HUP", srv.pid());
    assert!(
        eventually(Duration::from_secs(20), || srv.stderr().contains(
            "reload failed, refusing every TLS 1.3 PAKE login until the file reads again"
        )),
        "{}",
        srv.stderr()
    );
    assert!(srv
        .stderr()
        .contains("line 5: expected username:server_identity:w0:L"));
    assert_eq!(connect(port, Some(SID), &pu, &pp, "x\n").0, 1);
    assert_eq!(connect(port, None, &su, &sp, "srp\n").0, 0);
    std::fs::write(&pake, &good).unwrap();
    assert!(
        eventually(Duration::from_secs(20), || connect(
            port,
            Some(SID),
            &pu,
            &pp,
            "back\n"
        )
        .0 == 0),
        "{}",
        srv.stderr()
    );
    kill("-TERM", srv.pid());
    assert!(srv.wait_exit(PROC_TIMEOUT).success());
}

#[test]
fn a_certificate_port_serves_pake_srp_rsa_and_logs_pake_failures() {
    let c = certs::certs();
    let tmp = TempDir::new("cli-pake-cert");
    let Users {
        srpv,
        pake,
        srp: (su, sp),
        pake_user: (pu, pp),
    } = users(&tmp);

    // --cert without --srp-only: one port for certificate, SRP(-RSA) and PAKE clients.
    let (mut srv, port) = serve(&[
        "--vfile",
        &srpv,
        "--pake-file",
        &pake,
        "--server-id",
        SID,
        "--echo",
        "--cert",
        &s(&c.chain),
        "--key",
        &s(&c.key),
    ]);
    let (code, out, err) = connect(port, Some(SID), &pu, &pp, "pake\n");
    assert_eq!(
        (code, out.as_str()),
        (0, "pake\n"),
        "{err}\n{}",
        srv.stderr()
    );
    assert!(err.contains("TLSv1.3"), "{err}");
    let addr = format!("127.0.0.1:{port}");
    let (code, out, err) = tls_srp(
        &[
            "connect",
            &addr,
            "--user",
            &su,
            "--password-stdin",
            "--cafile",
            &s(&c.ca),
        ],
        &format!("{sp}\nsrp\n"),
    );
    assert_eq!(
        (code, out.as_str()),
        (0, "srp\n"),
        "{err}\n{}",
        srv.stderr()
    );
    assert!(err.contains("certificate verified"), "{err}");

    // A wrong PAKE password: refused, and logged as a PAKE login failure of that user.
    let (code, _, err) = connect(port, Some(SID), &pu, "not the password", "x\n");
    assert_eq!(code, 1, "{err}");
    assert!(
        eventually(Duration::from_secs(10), || {
            let log = srv.stderr();
            log.contains(&format!("user={pu:?} kind=\"pake\" version=\"TLSv1.3\""))
                && log.contains(&format!("user={su:?} kind=\"srp\" version=\"TLSv1.2\""))
                && failed_lines(&log, &pu)
                    .iter()
                    .any(|l| l.contains("reason=bad-credentials kind=\"pake\" detail="))
        }),
        "{}",
        srv.stderr()
    );
    // A wrong SRP password is no PAKE attempt.
    let (code, _, err) = connect(port, None, &su, "not the password", "x\n");
    assert_eq!(code, 1, "{err}");
    assert!(
        eventually(Duration::from_secs(10), || !failed_lines(
            &srv.stderr(),
            &su
        )
        .is_empty()),
        "{}",
        srv.stderr()
    );
    assert!(
        failed_lines(&srv.stderr(), &su)
            .iter()
            .all(|l| l.contains("reason=bad-credentials detail=")),
        "{}",
        srv.stderr()
    );
    kill("-TERM", srv.pid());
    assert!(srv.wait_exit(PROC_TIMEOUT).success());
}

#[test]
fn passwd_add_list_verify_delete_on_a_records_file() {
    let tmp = TempDir::new("cli-pake-passwd");
    let f = s(&tmp.path("users.pake"));
    // Names with the format's separators and a comment sign, and a UTF-8 one.
    let (odd, plain) = ("ali:ce #1%", "bøb");
    add_pake(&f, SID, odd, "first password");
    add_pake(&f, SID, plain, "second password");
    add_pake(&f, "other.example", plain, "third password");
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(
        text.contains("\nali%3Ace%20%231%25:files.example:"),
        "{text}"
    );
    assert!(text.contains("\nb%C3%B8b:other.example:"), "{text}");

    // list: users and server identities, never secrets.
    let (code, out, err) = tls_srp(&["passwd", "list", "--file", &f], "");
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].contains("SPAKE2+ records"), "{out}");
    assert_eq!(
        lines[1],
        "ali:ce #1%\tserver identity \"files.example\"\tSPAKE2+ P-256"
    );
    assert_eq!(
        lines[3],
        "bøb\tserver identity \"other.example\"\tSPAKE2+ P-256"
    );
    for l in text.lines().skip(2) {
        let w0 = l.split(':').nth(2).unwrap();
        assert!(!out.contains(w0));
    }

    // verify: 0 for the right password, 1 for a wrong one, 2 when it cannot tell.
    let verify = |user: &str, extra: &[&str], pw: &str| {
        let mut args = vec!["passwd", "verify", "--file", &f, "--password-stdin"];
        args.extend_from_slice(extra);
        args.push(user);
        tls_srp(&args, &format!("{pw}\n"))
    };
    let (code, out, err) = verify(odd, &[], "first password");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("password OK"), "{out}");
    let (code, _, err) = verify(odd, &[], "second password");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("wrong password") && err.lines().count() == 1,
        "{err}"
    );
    let (code, _, err) = verify(plain, &[], "second password");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("several server identities"), "{err}");
    assert_eq!(verify(plain, &["--server-id", SID], "second password").0, 0);
    assert_eq!(
        verify(plain, &["--server-id", "other.example"], "third password").0,
        0
    );
    assert_eq!(
        verify(plain, &["--server-id", "other.example"], "second password").0,
        1
    );
    assert_eq!(verify("nobody", &[], "x").0, 2);

    // add: an existing record needs --replace; the new password then works.
    let add = |extra: &[&str], user: &str, pw: &str| {
        let mut args = vec!["passwd", "add", "--file", &f, "--password-stdin", "--quiet"];
        args.extend_from_slice(extra);
        args.push(user);
        tls_srp(&args, &format!("{pw}\n"))
    };
    let before = std::fs::read(&f).unwrap();
    let (code, _, err) = add(&["--server-id", SID], odd, "new password");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--replace") && err.lines().count() == 1,
        "{err}"
    );
    assert_eq!(std::fs::read(&f).unwrap(), before);
    assert_eq!(
        add(&["--server-id", SID, "--replace"], odd, "new password").0,
        0
    );
    assert_eq!(verify(odd, &[], "new password").0, 0);
    assert_eq!(verify(odd, &[], "first password").0, 1);

    // Refusals, each one line, the file untouched: no --server-id, --store, --group,
    // --format, an SRP file.
    let before = std::fs::read(&f).unwrap();
    let (code, _, err) = add(&["--pake"], "carol", "pw");
    assert_eq!(code, 2);
    assert!(
        err.contains("--pake needs --server-id") && err.lines().count() == 1,
        "{err}"
    );
    let (code, _, err) = tls_srp(
        &[
            "passwd",
            "add",
            "--pake",
            "--server-id",
            SID,
            "--store",
            "postgres://u:p@127.0.0.1:1/db",
            "--password-stdin",
            "carol",
        ],
        "pw\n",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("PAKE records are file-only for now") && err.lines().count() == 1,
        "{err}"
    );
    let (code, _, err) = add(&["--server-id", SID, "--group", "3072"], "carol", "pw");
    assert_eq!(code, 2);
    assert!(err.contains("--group") && err.lines().count() == 1, "{err}");
    let (code, _, err) = add(&["--server-id", SID, "--format", "gnutls"], "carol", "pw");
    assert_eq!(code, 2);
    assert!(
        err.contains("--format") && err.lines().count() == 1,
        "{err}"
    );
    assert_eq!(std::fs::read(&f).unwrap(), before);
    let srpv = s(&tmp.path("users.srpv"));
    let (code, _, err) = tls_srp(
        &[
            "passwd",
            "add",
            "--file",
            &srpv,
            "--password-stdin",
            "--quiet",
            "dave",
        ],
        "long enough passphrase\n",
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = tls_srp(
        &[
            "passwd",
            "add",
            "--file",
            &srpv,
            "--pake",
            "--server-id",
            SID,
            "--password-stdin",
            "erin",
        ],
        "pw\n",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("is not a SPAKE2+ records file") && err.lines().count() == 1,
        "{err}"
    );
    // A new records file needs --pake (--server-id alone does not make one).
    let new = s(&tmp.path("new.pake"));
    let (code, _, err) = tls_srp(
        &[
            "passwd",
            "add",
            "--file",
            &new,
            "--server-id",
            SID,
            "--password-stdin",
            "erin",
        ],
        "pw\n",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("add --pake") && err.lines().count() == 1,
        "{err}"
    );
    assert!(!tmp.path("new.pake").exists());
    // The SRP commands refuse a records file by name.
    let (code, _, err) = tls_srp(
        &[
            "passwd",
            "convert",
            "--file",
            &f,
            "--to",
            &s(&tmp.path("x")),
            "--format",
            "openssl",
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("is a SPAKE2+ records file"), "{err}");

    // delete: one server identity, then all the user's records.
    let (code, _, err) = tls_srp(
        &[
            "passwd",
            "delete",
            "--file",
            &f,
            "--server-id",
            "other.example",
            plain,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("other.example"), "{err}");
    assert_eq!(verify(plain, &[], "second password").0, 0);
    let (code, _, err) = tls_srp(&["passwd", "delete", "--file", &f, odd], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(verify(odd, &[], "new password").0, 2);
    let (code, _, err) = tls_srp(&["passwd", "delete", "--file", &f, odd], "");
    assert_eq!(code, 2);
    assert!(
        err.contains("no record of user") && err.lines().count() == 1,
        "{err}"
    );
    let (code, out, _) = tls_srp(&["passwd", "list", "--file", &f], "");
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2, "{out}");
    // The mode of a new file: 0600.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn a_corrupt_records_file_is_a_one_line_error_naming_the_line() {
    let tmp = TempDir::new("cli-pake-bad");
    let f = s(&tmp.path("users.pake"));
    add_pake(&f, SID, "alice", "a long passphrase");
    let good = std::fs::read_to_string(&f).unwrap();
    // Line 4: a w0 one digit short.
    let line3 = good.lines().nth(2).unwrap().to_owned();
    let mut fields: Vec<String> = line3.split(':').map(str::to_owned).collect();
    fields[0] = "bob".into();
    fields[2].pop();
    std::fs::write(&f, format!("{good}{}\n", fields.join(":"))).unwrap();
    let before = std::fs::read(&f).unwrap();

    let check = |args: &[&str], stdin: &str| {
        let (code, _, err) = tls_srp(args, stdin);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains("users.pake line 4: bad w0 (64 hex digits expected)"),
            "{args:?}: {err}"
        );
    };
    check(&["passwd", "list", "--file", &f], "");
    check(
        &[
            "passwd",
            "verify",
            "--file",
            &f,
            "--password-stdin",
            "alice",
        ],
        "a long passphrase\n",
    );
    check(&["passwd", "delete", "--file", &f, "alice"], "");
    check(
        &[
            "passwd",
            "add",
            "--file",
            &f,
            "--server-id",
            SID,
            "--password-stdin",
            "carol",
        ],
        "another long passphrase\n",
    );
    check(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--vfile",
            &f,
            "--server-id",
            SID,
            "--echo",
        ],
        "",
    );
    let srpv = s(&tmp.path("users.srpv"));
    std::fs::write(&srpv, "").unwrap();
    check(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--vfile",
            &srpv,
            "--pake-file",
            &f,
            "--server-id",
            SID,
            "--echo",
        ],
        "",
    );
    assert_eq!(std::fs::read(&f).unwrap(), before, "nothing written");

    // Records without --server-id: an error that says what to give.
    std::fs::write(&f, &good).unwrap();
    let (code, _, err) = tls_srp(
        &["serve", "--listen", "127.0.0.1:0", "--vfile", &f, "--echo"],
        "",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("give --server-id NAME") && err.lines().count() == 1,
        "{err}"
    );
    // A file that is not a records file, as --pake-file.
    let (code, _, err) = tls_srp(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--vfile",
            &srpv,
            "--pake-file",
            &srpv,
            "--server-id",
            SID,
            "--echo",
        ],
        "",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is not a SPAKE2+ records file") && err.lines().count() == 1,
        "{err}"
    );

    // --server-id without records: a warning, and the server runs (PAKE logins fail).
    let (code, _, err) = tls_srp(
        &[
            "passwd",
            "add",
            "--file",
            &srpv,
            "--password-stdin",
            "--quiet",
            "dave",
        ],
        "long enough passphrase\n",
    );
    assert_eq!(code, 0, "{err}");
    let (mut srv, port) = serve(&["--vfile", &srpv, "--server-id", SID, "--echo"]);
    assert!(
        eventually(Duration::from_secs(10), || srv.stderr().contains(
            "WARN --server-id \"files.example\" without SPAKE2+ records"
        )),
        "{}",
        srv.stderr()
    );
    assert_eq!(
        connect(port, Some(SID), "alice", "a long passphrase", "x\n").0,
        1
    );
    let (code, out, err) = connect(port, None, "dave", "long enough passphrase", "srp\n");
    assert_eq!((code, out.as_str()), (0, "srp\n"), "{err}");
    kill("-TERM", srv.pid());
    assert!(srv.wait_exit(PROC_TIMEOUT).success());
}

/// `connect --register-pake` as `user` against `port` (expecting server identity `sid`).
fn register_pake(port: u16, sid: Option<&str>, user: &str, pw: &str) -> (i32, String, String) {
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec![
        "connect",
        &addr,
        "--user",
        user,
        "--password-stdin",
        "--register-pake",
    ];
    if let Some(sid) = sid {
        args.extend(["--server-id", sid]);
    }
    tls_srp(&args, &format!("{pw}\n"))
}

/// Migration: users of an SRP verifier file register their own SPAKE2+ records over a
/// TLS-SRP login (`serve --allow-pake-registration`, `connect --register-pake`), then log in
/// with TLS 1.3 PAKE with the same password; nobody else can register for them.
#[test]
fn srp_users_move_to_pake_without_a_password_reset() {
    let tmp = TempDir::new("cli-pake-migrate");
    let srpv = s(&tmp.path("users.srpv"));
    let pake = s(&tmp.path("users.pake")); // does not exist yet: the server creates it
    let (u, p) = (random_username(), random_password());
    let (v, q) = (random_username(), random_password());
    add_srp(&srpv, &u, &p);
    add_srp(&srpv, &v, &q);

    // A server that does not allow registration: the client is told so (exit 4).
    let (plain, port) = serve(&["--vfile", &srpv, "--echo"]);
    let (code, _, err) = register_pake(port, None, &u, &p);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("--allow-pake-registration"), "{err}");
    drop(plain);

    let (srv, port) = serve(&[
        "--vfile",
        &srpv,
        "--pake-file",
        &pake,
        "--server-id",
        SID,
        "--allow-pake-registration",
        "--echo",
    ]);
    assert!(std::path::Path::new(&pake).exists());

    // Before: no PAKE record, so PAKE fails like a wrong password.
    let (code, _, err) = connect(port, Some(SID), &u, &p, "x\n");
    assert_eq!(code, 1, "{err}");

    // A wrong SRP password registers nothing (exit 1, refused login).
    let (code, _, err) = register_pake(port, Some(SID), &u, "not the password");
    assert_eq!(code, 1, "{err}");

    // Expecting another server identity than the server offers: nothing sent (exit 4).
    let (code, _, err) = register_pake(port, Some("other.example"), &u, &p);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("another server identity"), "{err}");

    // The right password: registered, and said how to log in.
    let (code, _, err) = register_pake(port, Some(SID), &u, &p);
    assert_eq!(code, 0, "{err}\n{}", srv.stderr());
    assert!(
        err.contains("registered a TLS 1.3 PAKE record") && err.contains("--pake"),
        "{err}"
    );
    assert!(
        eventually(Duration::from_secs(10), || srv
            .stderr()
            .lines()
            .any(|l| l.contains("pake registration")
                && l.contains(&format!("user={u:?}"))
                && l.contains("outcome=\"registered\""))),
        "{}",
        srv.stderr()
    );

    // Now PAKE works with the same password, from the file the server wrote (which
    // `passwd verify` reads too), and not with another.
    let (code, out, err) = connect(port, Some(SID), &u, &p, "after\n");
    assert_eq!(code, 0, "{err}\n{}", srv.stderr());
    assert_eq!(out, "after\n");
    let (code, _, _) = connect(port, Some(SID), &u, &q, "x\n");
    assert_eq!(code, 1);
    let (code, _, err) = tls_srp(
        &[
            "passwd",
            "verify",
            "--file",
            &pake,
            "--server-id",
            SID,
            "--password-stdin",
            &u,
        ],
        &format!("{p}\n"),
    );
    assert_eq!(code, 0, "{err}");

    // A second registration for the same user is refused (exit 1), and logged.
    let (code, _, err) = register_pake(port, None, &u, &p);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already"), "{err}");
    assert!(
        eventually(Duration::from_secs(10), || srv.stderr().lines().any(|l| l
            .contains("pake registration")
            && l.contains("outcome=\"refused\""))),
        "{}",
        srv.stderr()
    );

    // The other user did not register: still no PAKE login for them; SRP still works.
    let (code, _, _) = connect(port, Some(SID), &v, &q, "x\n");
    assert_eq!(code, 1);
    let (code, out, err) = connect(port, None, &v, &q, "srp\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "srp\n");
    let text = std::fs::read_to_string(&pake).unwrap();
    assert_eq!(
        text.lines().filter(|l| !l.starts_with('#')).count(),
        1,
        "{text}"
    );
}
