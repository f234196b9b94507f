//! Every bad input of issue 3, one at a time: a one-line error on stderr that says what to
//! do, a non-zero exit, and the verifier file unchanged (bytes, modification time, inode).

#[allow(unused_imports)]
mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use common::*;

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

/// What must not change: contents, mtime (ns) and inode (a rename would change it).
#[derive(Debug, PartialEq)]
struct Snapshot {
    bytes: Vec<u8>,
    mtime: (i64, i64),
    ino: u64,
}

fn snap(p: &str) -> Snapshot {
    let m = std::fs::metadata(p).unwrap();
    Snapshot {
        bytes: std::fs::read(p).unwrap(),
        mtime: (m.mtime(), m.mtime_nsec()),
        ino: m.ino(),
    }
}

/// Asserts a failed run with one line on stderr; returns that line.
fn one_line_failure(what: &str, (code, out, err): (i32, String, String)) -> String {
    assert_ne!(code, 0, "{what}: exit 0; {out}{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: {err}");
    assert!(err.starts_with("tls-srp: "), "{what}: {err}");
    err
}

fn add_args<'a>(file: &'a str, extra: &[&'a str], user: &'a str) -> Vec<&'a str> {
    let mut v = vec!["passwd", "add", "--file", file, "--password-stdin"];
    v.extend_from_slice(extra);
    v.push(user);
    v
}

/// A file with two users, made by us.
fn seeded(tmp: &TempDir, name: &str, extra: &[&str]) -> String {
    let f = s(&tmp.path(name));
    for u in ["alice", "bob"] {
        let r = tls_srp(&add_args(&f, extra, u), "pw-seed\n");
        assert_eq!(r.0, 0, "{r:?}");
    }
    f
}

/// Runs `args`, expects a one-line failure containing `want`, and `file` unchanged.
fn rejects(file: &str, args: &[&str], stdin: &str, want: &str) {
    let before = snap(file);
    let err = one_line_failure(&format!("{args:?}"), tls_srp(args, stdin));
    assert!(err.contains(want), "{args:?}: wanted {want:?} in {err}");
    assert_eq!(snap(file), before, "{args:?} changed {file}");
}

#[test]
fn missing_file() {
    let tmp = TempDir::new("bad-missing");
    let missing = s(&tmp.path("nope"));
    for args in [
        vec!["passwd", "list", "--file", &missing],
        vec!["passwd", "delete", "--file", &missing, "bob"],
        vec![
            "passwd",
            "verify",
            "--file",
            &missing,
            "--password-stdin",
            "bob",
        ],
    ] {
        let err = one_line_failure("missing", tls_srp(&args, "pw\n"));
        assert!(
            err.contains("does not exist") && err.contains("passwd add"),
            "{err}"
        );
        assert!(!Path::new(&missing).exists());
    }
    // A file in a directory that does not exist: add cannot create it.
    let deep = s(&tmp.path("no/such/dir/v"));
    let err = one_line_failure("deep", tls_srp(&add_args(&deep, &[], "bob"), "pw\n"));
    assert!(err.contains("cannot"), "{err}");
}

/// A 0600 root-owned file read by user nobody. Tests run as root, which ignores permission
/// bits, so the binary is run through `setpriv` (or `runuser`) as uid/gid 65534.
#[test]
fn unreadable_file_permission_denied() {
    let as_nobody: Option<Vec<&str>> = if Path::new("/usr/bin/setpriv").exists() {
        Some(vec![
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ])
    } else if Path::new("/usr/sbin/runuser").exists() || Path::new("/sbin/runuser").exists() {
        Some(vec!["runuser", "-u", "nobody", "--"])
    } else {
        None
    };
    let Some(prefix) = as_nobody else {
        println!("SKIPPED: neither setpriv nor runuser exists; cannot drop root to test EACCES");
        return;
    };
    let tmp = TempDir::new("bad-perm");
    std::fs::set_permissions(&tmp.0, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A copy of the binary nobody can run, whatever the permissions of the target dir.
    let exe = s(&tmp.path("tls-srp"));
    std::fs::copy(env!("CARGO_BIN_EXE_tls-srp"), &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let f = seeded(&tmp, "v", &[]);
    assert_eq!(
        std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(std::fs::metadata(&f).unwrap().uid(), 0, "tests run as root");
    let before = snap(&f);
    for args in [
        vec!["passwd", "list", "--file", &f],
        vec![
            "passwd",
            "verify",
            "--file",
            &f,
            "--password-stdin",
            "alice",
        ],
        vec!["passwd", "delete", "--file", &f, "alice"],
        add_args(&f, &[], "carol"),
    ] {
        let mut cmd = Command::new(prefix[0]);
        cmd.args(&prefix[1..]).arg(&exe);
        let r = run_bounded(cmd, &args, b"pw-seed\n");
        let err = one_line_failure(&format!("{args:?}"), r);
        assert!(
            err.contains("cannot read") && err.contains("ermission denied"),
            "{args:?}: {err}"
        );
        assert!(err.contains("permissions"), "says what to do: {err}");
        assert_eq!(snap(&f), before);
    }
    // Root still reads it: the file itself is fine.
    assert_eq!(
        tls_srp(
            &[
                "passwd",
                "verify",
                "--file",
                &f,
                "--password-stdin",
                "alice"
            ],
            "pw-seed\n"
        )
        .0,
        0
    );
}

#[test]
fn duplicate_user() {
    let tmp = TempDir::new("bad-dup");
    for (name, extra) in [("o", &[][..]), ("g", &["--format", "gnutls"][..])] {
        let f = seeded(&tmp, name, extra);
        rejects(&f, &add_args(&f, &[], "alice"), "other\n", "already exists");
        // A file that already holds the same user twice is corrupt: named by line.
        let text = std::fs::read_to_string(&f).unwrap();
        let first = text.lines().next().unwrap();
        std::fs::write(&f, format!("{text}{first}\n")).unwrap();
        rejects(&f, &add_args(&f, &[], "carol"), "pw\n", "line 3");
        rejects(&f, &["passwd", "list", "--file", &f], "", "appears again");
    }
}

#[test]
fn bad_usernames() {
    let tmp = TempDir::new("bad-user");
    for (name, extra) in [("o", &[][..]), ("g", &["--format", "gnutls"][..])] {
        let f = seeded(&tmp, name, extra);
        rejects(&f, &add_args(&f, &[], ""), "pw\n", "empty");
        let long = "u".repeat(256);
        rejects(&f, &add_args(&f, &[], &long), "pw\n", "255");
        rejects(&f, &add_args(&f, &[], "tab\there"), "pw\n", "control");
        rejects(&f, &["passwd", "delete", "--file", &f, ""], "", "empty");
        rejects(
            &f,
            &["passwd", "verify", "--file", &f, "--password-stdin", ""],
            "pw\n",
            "empty",
        );
        // Non-UTF-8 bytes in the name, passed as a raw OsStr.
        for cmd in ["add", "delete", "verify"] {
            let before = snap(&f);
            let mut c = bin();
            c.args(["passwd", cmd, "--file", &f]);
            if cmd != "delete" {
                c.arg("--password-stdin");
            }
            c.arg(OsStr::from_bytes(b"bad\xff\xfename"));
            let (st, out, err) = run("tls-srp", c, b"pw\n", PROC_TIMEOUT);
            let err = one_line_failure(cmd, (st.code().unwrap_or(-1), out, err));
            assert!(err.contains("UTF-8"), "{err}");
            assert_eq!(snap(&f), before);
        }
    }
    let g = s(&tmp.path("g"));
    rejects(&g, &add_args(&g, &[], "a:b"), "pw\n", "':'");
}

#[test]
fn unknown_groups() {
    let tmp = TempDir::new("bad-group");
    let f = seeded(&tmp, "v", &[]);
    for g in ["1000", "0", "2049", "99999999999"] {
        rejects(&f, &add_args(&f, &["--group", g], "carol"), "pw\n", "group");
    }
    rejects(
        &f,
        &add_args(&f, &["--group", "1536"], "carol"),
        "pw\n",
        "--allow-weak-group",
    );
    // A record whose group id nothing defines.
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, text.replacen("\t2048\t", "\t2047\t", 1)).unwrap();
    rejects(&f, &["passwd", "list", "--file", &f], "", "unknown group");
    rejects(&f, &add_args(&f, &[], "carol"), "pw\n", "unknown group");
}

#[test]
fn mismatched_gnutls_conf() {
    let tmp = TempDir::new("bad-conf");
    let f = seeded(&tmp, "tpasswd", &["--format", "gnutls"]);
    let conf = format!("{f}.conf");
    // Another conf that lacks index 3 (the 2048-bit group srptool puts there).
    let other = s(&tmp.path("other.conf"));
    let conf_text = std::fs::read_to_string(&conf).unwrap();
    let without3: String = conf_text
        .lines()
        .filter(|l| !l.starts_with("3:"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&other, &without3).unwrap();
    let conf_before = snap(&other);
    for args in [
        vec!["passwd", "list", "--file", &f, "--conf", &other],
        add_args(&f, &["--conf", &other], "carol"),
        vec!["passwd", "delete", "--file", &f, "--conf", &other, "alice"],
        vec![
            "passwd",
            "verify",
            "--file",
            &f,
            "--conf",
            &other,
            "--password-stdin",
            "alice",
        ],
    ] {
        rejects(&f, &args, "pw-seed\n", "group index 3");
    }
    assert_eq!(snap(&other), conf_before);
    // A missing conf, and a conf given for an OpenSSL file's format mismatch.
    std::fs::remove_file(&conf).unwrap();
    rejects(&f, &["passwd", "list", "--file", &f], "", "--conf");
    let o = seeded(&tmp, "ossl", &[]);
    rejects(
        &o,
        &add_args(&o, &["--format", "gnutls"], "carol"),
        "pw\n",
        "openssl format",
    );
}

#[test]
fn corrupt_lines_are_named() {
    let tmp = TempDir::new("bad-corrupt");
    let o = seeded(&tmp, "o", &[]);
    let g = seeded(&tmp, "g", &["--format", "gnutls"]);
    let o_text = std::fs::read_to_string(&o).unwrap();
    let g_text = std::fs::read_to_string(&g).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        (&o, format!("{o_text}V\tonly\tthree\n"), "line 3"),
        (
            &o,
            format!("# c\n{o_text}V\t!!\tabc\tzed\t2048\t\n"),
            "line 4",
        ),
        (&o, format!("{o_text}\nI\tN\t\tid\t\t\n"), "line 4"),
        (&g, format!("{g_text}zed:abc\n"), "line 3"),
        (&g, format!("{g_text}zed:a!c:abc:3\n"), "line 3"),
        (&g, format!("zed:abc:abc:x\n{g_text}"), "line 1"),
    ];
    for (f, text, want) in cases {
        std::fs::write(f, text.as_bytes()).unwrap();
        for args in [
            vec!["passwd", "list", "--file", f],
            add_args(f, &[], "carol"),
            vec!["passwd", "delete", "--file", f, "alice"],
        ] {
            rejects(f, &args, "pw\n", want);
        }
    }
    // Not UTF-8 at all, as bytes.
    let mut bytes = o_text.into_bytes();
    bytes.extend_from_slice(b"V\tabc\tdef\t\xff\xfe\t2048\t\n");
    std::fs::write(&o, &bytes).unwrap();
    rejects(&o, &add_args(&o, &[], "carol"), "pw\n", "line 3");
}
