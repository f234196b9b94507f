//! `tls-srp passwd` and `serve` on files written by the other tools in ways the library
//! cannot serve or that need care: users with non-RFC 5054 groups (OpenSSL `I` records and
//! `*`, GnuTLS conf indexes), revoked OpenSSL users added again (compared with
//! `openssl srp` itself), and one-line usage errors.

#[allow(unused_imports)]
mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

fn s(p: &std::path::Path) -> String {
    p.to_str().unwrap().to_owned()
}

/// RFC 3526 group 5 (1536-bit MODP, generator 2): a safe prime that is not one of the
/// RFC 5054 groups.
const MODP1536: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF";

/// SRP base64 of a byte string whose length is a multiple of 3: for such lengths OpenSSL's
/// and GnuTLS's variants agree (4 characters per 3 bytes, alphabet `0-9A-Za-z./`).
fn srp_b64_3(data: &[u8]) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz./";
    assert_eq!(data.len() % 3, 0);
    let mut out = String::new();
    for c in data.chunks(3) {
        let v = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        for sh in [18, 12, 6, 0] {
            out.push(char::from(A[((v >> sh) & 63) as usize]));
        }
    }
    out
}

fn modp1536_b64() -> String {
    srp_b64_3(&hex::decode(MODP1536).unwrap())
}

/// `openssl srp ARGS -passout env:... USER` (the user must come last).
fn openssl_srp(args: &[&str], pw: &str) {
    let (user, opts) = args.split_last().unwrap();
    let mut cmd = Command::new("openssl");
    cmd.arg("srp")
        .args(opts)
        .args(["-passout", "env:TLS_SRP_TEST_PW", user])
        .env("TLS_SRP_TEST_PW", pw);
    let (st, out, err) = run("openssl srp", cmd, b"", PROC_TIMEOUT);
    assert!(st.success(), "openssl srp {args:?}: {out}{err}");
}

fn verify(file: &str, user: &str, pw: &str) -> (i32, String, String) {
    tls_srp(
        &["passwd", "verify", "--file", file, "--password-stdin", user],
        &format!("{pw}\n"),
    )
}

fn add(file: &str, extra: &[&str], user: &str, pw: &str) -> (i32, String, String) {
    let mut args = vec!["passwd", "add", "--file", file, "--password-stdin"];
    args.extend_from_slice(extra);
    args.push(user);
    tls_srp(&args, &format!("{pw}\n"))
}

fn list(file: &str) -> String {
    let (code, out, err) = tls_srp(&["passwd", "list", "--file", file], "");
    assert_eq!(code, 0, "{err}");
    out
}

fn list_line<'a>(out: &'a str, user: &str) -> &'a str {
    out.lines()
        .find(|l| l.split('\t').next() == Some(user))
        .unwrap_or_else(|| panic!("{user} not listed: {out}"))
}

/// An OpenSSL file with an `I` record for a non-RFC group, a user made from it by
/// `openssl srp -gn ID` (OpenSSL writes its group as `*`), the same record pointing at the
/// I record by id, and a standard user.
#[test]
fn openssl_custom_group_users_load_verify_survive_rewrites_and_are_skipped_by_serve() {
    let tmp = TempDir::new("cli-custom");
    let f = s(&tmp.path("srpvfile"));
    // g = 2 is "02" in OpenSSL's variant (1 byte: padded to 3, two characters dropped).
    let i_line = format!("I\t{}\t02\tmodp1536\t\t", modp1536_b64());
    std::fs::write(&f, format!("{i_line}\n")).unwrap();
    let (cu, cp) = ("carol", random_password());
    let (bu, bp) = ("bob", random_password());
    openssl_srp(&["-srpvfile", &f, "-add", "-gn", "modp1536", cu], &cp);
    openssl_srp(&["-srpvfile", &f, "-add", "-gn", "2048", bu], &bp);
    let text = std::fs::read_to_string(&f).unwrap();
    let carol_line = text
        .lines()
        .find(|l| l.split('\t').nth(3) == Some(cu))
        .unwrap()
        .to_owned();
    assert_eq!(carol_line.split('\t').nth(4), Some("*"), "{text}");
    assert!(text.starts_with(&format!("{i_line}\n")), "{text}");

    // The same verifier pointing at the I record by its id.
    let g = s(&tmp.path("by-id"));
    let by_id_carol = carol_line.replacen("\t*\t", "\tmodp1536\t", 1);
    std::fs::write(&g, text.replace(&carol_line, &by_id_carol)).unwrap();

    for (file, group) in [
        (&f, "custom group \"*\""),
        (&g, "custom group \"modp1536\""),
    ] {
        let out = list(file);
        let l = list_line(&out, cu);
        assert!(l.contains(group) && l.contains("not servable"), "{l}");
        if group.contains("modp1536") {
            assert!(l.contains("1536-bit N"), "{l}");
        }
        assert!(list_line(&out, bu).contains("2048-bit group"), "{out}");
        // verify recomputes OpenSSL's verifier for the custom group.
        let r = verify(file, cu, &cp);
        assert_eq!(r.0, 0, "{r:?}");
        assert_eq!(verify(file, cu, "not the password").0, 1);
        assert_eq!(verify(file, bu, &bp).0, 0);
    }

    // Rewrites keep the I record and the custom user's line byte for byte.
    for file in [&f, &g] {
        let before = std::fs::read_to_string(file).unwrap();
        let r = add(file, &[], "dave", "pw-dave");
        assert_eq!(r.0, 0, "{r:?}");
        let r = tls_srp(&["passwd", "delete", "--file", file, bu], "");
        assert_eq!(r.0, 0, "{r:?}");
        let after = std::fs::read_to_string(file).unwrap();
        let old: Vec<&str> = before.lines().collect();
        let new: Vec<&str> = after.lines().collect();
        assert_eq!(new.len(), old.len() + 1, "{after}");
        for (o, n) in old.iter().zip(&new) {
            if o.split('\t').nth(3) == Some(bu) {
                assert_eq!(*n, format!("R{}", &o[1..]), "bob revoked, rest unchanged");
            } else {
                assert_eq!(o, n, "line changed by a rewrite");
            }
        }
        // openssl srp still reads the rewritten file and its custom user.
        let mut cmd = Command::new("openssl");
        cmd.args(["srp", "-srpvfile", file, "-list", cu]);
        let (st, out, err) = run("openssl srp -list", cmd, b"", PROC_TIMEOUT);
        assert!(
            st.success() && err.contains(&format!("User entry \"{cu}\"")),
            "{out}{err}"
        );
    }

    // serve: starts, serves the standard users, warns once per custom user with the line
    // and the fix.
    let r = add(&g, &["--replace"], bu, &bp);
    assert_eq!(r.0, 0, "{r:?}");
    let (srv, port) = serve(&["--vfile", &g, "--echo"]);
    let carol_lineno = 1 + std::fs::read_to_string(&g)
        .unwrap()
        .lines()
        .position(|l| l.split('\t').nth(3) == Some(cu))
        .unwrap();
    let want = format!("line {carol_lineno}: user \"{cu}\"");
    assert!(
        eventually(Duration::from_secs(10), || srv.stderr().contains(&want)),
        "{}",
        srv.stderr()
    );
    let out = client_exchange(port, bu, &bp, b"ping", |b| b.len() >= 4).expect("bob");
    assert_eq!(out, b"ping");
    assert!(client_exchange(port, cu, &cp, b"ping", |b| b.len() >= 4).is_err());
    let log = srv.stderr();
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("not served")).collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(
        warnings[0].contains("custom group \"modp1536\"")
            && warnings[0].contains("--group 2048")
            && warnings[0].contains(&want),
        "{}",
        warnings[0]
    );
    drop(srv);
}

/// A GnuTLS conf index holding a non-RFC group, used by `srptool --index`.
#[test]
fn gnutls_custom_group_users_load_and_verify() {
    let tmp = TempDir::new("cli-gcustom");
    let f = s(&tmp.path("tpasswd"));
    let conf = format!("{f}.conf");
    let conf_text = format!("1:{}:2\n", modp1536_b64());
    std::fs::write(&conf, &conf_text).unwrap();
    let (u, p) = ("gus", random_password());
    let mut cmd = Command::new("srptool");
    cmd.args([
        "--passwd",
        &f,
        "--passwd-conf",
        &conf,
        "--index",
        "1",
        "-u",
        u,
    ]);
    let (st, _, err) = run(
        "srptool",
        cmd,
        format!("{p}\n{p}\n").as_bytes(),
        PROC_TIMEOUT,
    );
    assert!(st.success(), "{err}");
    let out = list(&f);
    let l = list_line(&out, u);
    assert!(
        l.contains("custom group \"1\"") && l.contains("1536-bit N"),
        "{l}"
    );
    assert_eq!(verify(&f, u, &p).0, 0);
    assert_eq!(verify(&f, u, "nope").0, 1);
    // Adding a standard user appends its group to the conf and keeps index 1 and gus.
    let before = std::fs::read_to_string(&f).unwrap();
    assert_eq!(add(&f, &[], "hal", "pw-hal").0, 0);
    assert!(std::fs::read_to_string(&f).unwrap().starts_with(&before));
    assert!(std::fs::read_to_string(&conf)
        .unwrap()
        .starts_with(&conf_text));
    assert_eq!(verify(&f, u, &p).0, 0);
    assert_eq!(verify(&f, "hal", "pw-hal").0, 0);
}

/// `openssl srp -add` on a revoked (`R`) user re-activates the old verifier and ignores the
/// new password; `tls-srp passwd add` does the same, and the files come out identical.
#[test]
fn readding_a_revoked_user_matches_openssl_srp() {
    let tmp = TempDir::new("cli-revive");
    let base = s(&tmp.path("base"));
    std::fs::write(&base, "").unwrap();
    let (old_pw, new_pw) = (random_password(), random_password());
    openssl_srp(&["-srpvfile", &base, "-add", "-gn", "2048", "bob"], &old_pw);
    openssl_srp(
        &["-srpvfile", &base, "-add", "-gn", "2048", "amy"],
        "pw-amy",
    );

    // Delete: ours and openssl's give the same bytes.
    let (ours, theirs) = (s(&tmp.path("ours")), s(&tmp.path("theirs")));
    std::fs::copy(&base, &ours).unwrap();
    std::fs::copy(&base, &theirs).unwrap();
    openssl_srp(&["-srpvfile", &theirs, "-delete", "bob"], "unused");
    let r = tls_srp(&["passwd", "delete", "--file", &ours, "bob"], "");
    assert_eq!(r.0, 0, "{r:?}");
    assert_eq!(
        std::fs::read(&ours).unwrap(),
        std::fs::read(&theirs).unwrap()
    );

    // Add again, each tool on its copy of the revoked file, with a new password.
    openssl_srp(
        &["-srpvfile", &theirs, "-add", "-gn", "2048", "bob"],
        &new_pw,
    );
    let r = add(&ours, &[], "bob", &new_pw);
    assert_eq!(r.0, 0, "{r:?}");
    assert!(r.2.contains("reactivated"), "{}", r.2);
    assert_eq!(
        std::fs::read(&ours).unwrap(),
        std::fs::read(&theirs).unwrap()
    );
    assert_eq!(std::fs::read(&ours).unwrap(), std::fs::read(&base).unwrap());
    assert_eq!(verify(&ours, "bob", &old_pw).0, 0);
    assert_eq!(verify(&ours, "bob", &new_pw).0, 1);

    // --replace on a revoked user sets the new password.
    assert_eq!(
        tls_srp(&["passwd", "delete", "--file", &ours, "bob"], "").0,
        0
    );
    assert_eq!(add(&ours, &["--replace"], "bob", &new_pw).0, 0);
    assert_eq!(verify(&ours, "bob", &new_pw).0, 0);
    assert_eq!(verify(&ours, "amy", "pw-amy").0, 0);
}

#[test]
fn usage_errors_are_one_line_with_a_hint() {
    for (args, hint) in [
        (&[][..], "tls-srp --help"),
        (&["frobnicate"], "tls-srp --help"),
        (&["passwd"], "tls-srp passwd --help"),
        (&["passwd", "add"], "tls-srp passwd add --help"),
        (
            &["passwd", "add", "--fil", "x", "u"],
            "tls-srp passwd add --help",
        ),
        (
            &["passwd", "add", "--file", "x", "--group", "big", "u"],
            "tls-srp passwd add --help",
        ),
        (&["passwd", "list"], "tls-srp passwd list --help"),
        (&["connect"], "tls-srp connect --help"),
        (&["bench", "nothing"], "tls-srp bench --help"),
    ] {
        let (code, out, err) = tls_srp(args, "");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("tls-srp: "), "{args:?}: {err}");
        assert!(err.contains(&format!("see `{hint}`")), "{args:?}: {err}");
    }
    let (code, out, _) = tls_srp(&["--version"], "");
    assert_eq!(code, 0);
    assert!(out.starts_with("tls-srp "), "{out}");
}
