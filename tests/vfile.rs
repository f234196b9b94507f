//! The library's verifier files (feature `vfile`): `FileUserStore` reloads on any change of
//! the file (a chmod included), fails closed when a reload fails, and describes its
//! records; `VFile::copy_users_into` refuses, naming each user, what the target format
//! cannot hold, and writes nothing. Files made here; the formats themselves are checked
//! against `openssl srp` and `srptool` in `cli/tests/`.
#![cfg(feature = "vfile")]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::group;
use tls_srp::vfile::{b64, FileUserStore, Format, VFile};
use tls_srp::UserStore;

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!(
            "tls-srp-vfile-{tag}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn openssl_line(kind: &str, user: &str, bits: u32, salt: &[u8], info: &str) -> String {
    let v = tls_srp::srp::compute_verifier(group(bits), salt, user.as_bytes(), b"pw");
    format!(
        "{kind}\t{}\t{}\t{user}\t{bits}\t{info}\n",
        b64::encode_openssl(&v),
        b64::encode_openssl(salt)
    )
}

#[test]
fn file_store_reloads_on_chmod_and_fails_closed() {
    let d = Dir::new("store");
    let f = d.path("users.srpv");
    let mut text = openssl_line("V", "alice", 3072, &[7; 20], "");
    text += &openssl_line("V", "bob", 3072, &[8; 20], "");
    std::fs::write(&f, &text).unwrap();
    let (store, report) = FileUserStore::open(&f, None).unwrap();
    assert_eq!((report.format, report.users), (Format::Openssl, 2));
    assert!(store.lookup("alice").is_some());
    let shapes = store.record_shapes().unwrap();
    assert_eq!(shapes.iter().collect::<Vec<_>>(), [((3072, 20), 2)]);
    assert!(store.reload_if_changed().is_none(), "nothing changed");

    // A chmod moves only the change time: that is a change. (File times have a coarse
    // clock: let it tick first.)
    std::thread::sleep(std::time::Duration::from_millis(50));
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(matches!(store.reload_if_changed(), Some(Ok(_))));

    // A corrupt file: the reload fails, and nobody is served until it reads again.
    std::fs::write(&f, format!("{text}V\tbroken\n")).unwrap();
    let err = store.reload_if_changed().expect("changed").unwrap_err();
    assert!(err.message().contains("line 3"), "{err}");
    assert!(store.lookup("alice").is_none() && store.lookup("bob").is_none());
    assert_eq!(store.last_error(), Some(err));
    // The shapes of the last good load still shape simulated users meanwhile.
    assert_eq!(store.record_shapes().unwrap().len(), 2);
    // Fixed (bob deleted meanwhile): served again, without bob.
    std::fs::write(&f, openssl_line("V", "alice", 3072, &[7; 20], "")).unwrap();
    assert!(matches!(store.reload_if_changed(), Some(Ok(r)) if r.users == 1));
    assert!(store.lookup("alice").is_some() && store.lookup("bob").is_none());
    assert_eq!(store.last_error(), None);
    // Removed: fails closed too.
    std::fs::remove_file(&f).unwrap();
    assert!(matches!(store.reload_if_changed(), Some(Err(_))));
    assert!(store.lookup("alice").is_none());
    assert!(FileUserStore::open(&f, None).is_err());
}

fn convert_error(src: &Path, to: Format, skip_revoked: bool, out: &Path) -> String {
    let vf = VFile::load(src, None, None).unwrap();
    let mut target = VFile::load(out, Some(to), None).unwrap();
    let e = vf
        .copy_users_into(&mut target, skip_revoked)
        .expect_err("refused");
    assert_eq!(target.entries().count(), 0, "all or nothing");
    assert!(!out.exists());
    e.to_string()
}

#[test]
fn convert_refuses_what_the_target_cannot_hold() {
    let d = Dir::new("convert");
    // OpenSSL → GnuTLS: a revoked user, a ':' in a name, an info field, each named.
    let src = d.path("users.srpv");
    let mut text = openssl_line("V", "fine", 2048, &[1; 20], "");
    text += &openssl_line("R", "revoked-one", 2048, &[2; 20], "");
    text += &openssl_line("V", "with:colon", 2048, &[3; 20], "");
    text += &openssl_line("V", "with-info", 2048, &[4; 20], "some info");
    std::fs::write(&src, &text).unwrap();
    let e = convert_error(&src, Format::Gnutls, false, &d.path("tpasswd"));
    assert!(e.contains("3 problems"), "{e}");
    for want in [
        "\"revoked-one\" is revoked",
        "\"with:colon\": a GnuTLS username cannot contain ':'",
        "\"with-info\" has an info field",
    ] {
        assert!(e.contains(want), "{want}: {e}");
    }
    assert!(!e.contains("\"fine\""), "{e}");

    // GnuTLS → OpenSSL: a salt starting with a zero byte would lose it.
    let g = d.path("tpasswd");
    let conf = d.path("tpasswd.conf");
    let n = group(2048);
    std::fs::write(
        &conf,
        format!(
            "3:{}:{}\n",
            b64::encode_gnutls(n.n()),
            b64::encode_gnutls(n.g())
        ),
    )
    .unwrap();
    let mut lines = String::new();
    for (user, salt) in [
        ("ok", [9u8; 16]),
        ("zero", {
            let mut s = [5u8; 16];
            s[0] = 0;
            s
        }),
    ] {
        let v = tls_srp::srp::compute_verifier(n, &salt, user.as_bytes(), b"pw");
        lines += &format!(
            "{user}:{}:{}:3\n",
            b64::encode_gnutls(&v),
            b64::encode_gnutls(&salt)
        );
    }
    std::fs::write(&g, lines).unwrap();
    let vf = VFile::load(&g, None, Some(&conf)).unwrap();
    let out = d.path("out.srpv");
    let mut target = VFile::load(&out, Some(Format::Openssl), None).unwrap();
    let e = vf
        .copy_users_into(&mut target, false)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("user \"zero\" has a salt starting with a zero byte") && !e.contains("\"ok\""),
        "{e}"
    );
    assert_eq!(target.entries().count(), 0);
}
