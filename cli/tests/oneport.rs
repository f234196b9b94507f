//! `tls-srp serve --cert --key`: one listener for SRP users (plain SRP and SRP-RSA) and
//! certificate clients (TLS 1.3 and 1.2), against real peers on 127.0.0.1: curl with and
//! without SRP, rustls's own client, `openssl s_client` with and without SRP (SRP with the
//! shim), `gnutls-cli --srpusername` and `tls-srp connect --cafile`. `--keylog` is proven
//! with tshark decrypting a captured session of each kind. Every process is bounded in time
//! and killed on drop.

#[path = "../../tests/common/certs.rs"]
mod certs;
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::interop::{count_in_hex_dump, peers, tls_records, Capture};
use common::*;
use tls_srp::rustls;

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

/// A verifier file with one user; (file, user, password).
fn users(tmp: &TempDir) -> (String, String, String) {
    let f = s(&tmp.path("users.srpv"));
    let (u, p) = (random_username(), random_password());
    let (code, _, err) = tls_srp(
        &["passwd", "add", "--file", &f, "--password-stdin", &u],
        &format!("{p}\n"),
    );
    assert_eq!(code, 0, "{err}");
    (f, u, p)
}

const GET: &[u8] = b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";

/// rustls's own client (ring), trusting `ca`, at one TLS version: the page and the version.
fn rustls_get(
    port: u16,
    ca: &Path,
    version: &'static rustls::SupportedProtocolVersion,
    request: &[u8],
) -> (String, Option<rustls::ProtocolVersion>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[version])
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let conn =
        rustls::ClientConnection::new(Arc::new(cfg), "localhost".try_into().unwrap()).unwrap();
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(request).unwrap();
    let mut page = Vec::new();
    tls.read_to_end(&mut page).unwrap();
    (
        String::from_utf8_lossy(&page).into_owned(),
        tls.conn.protocol_version(),
    )
}

fn curl(args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-v", "--max-time", "30"]);
    run_bounded(cmd, args, b"")
}

/// `openssl s_client -brief`, with the shim when it logs in with SRP; (ok, stdout, stderr).
fn s_client(port: u16, ca: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new("openssl");
    cmd.env("LD_PRELOAD", peers().shim())
        .args(["s_client", "-brief", "-ign_eof", "-CAfile"])
        .arg(ca)
        .args(["-verify_hostname", "localhost", "-verify_return_error"])
        .args(["-servername", "localhost", "-connect"])
        .arg(format!("127.0.0.1:{port}"));
    run_bounded(cmd, extra, GET)
}

/// `tls-srp connect`, the password on stdin's first line and `rest` after it.
fn connect(port: u16, user: &str, pw: &str, extra: &[&str], rest: &[u8]) -> (i32, String, String) {
    let mut args = vec!["connect".to_owned(), format!("127.0.0.1:{port}")];
    args.extend(["--user", user, "--password-stdin"].map(str::to_owned));
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut stdin = format!("{pw}\n").into_bytes();
    stdin.extend_from_slice(rest);
    run_bounded(bin(), &args, &stdin)
}

#[test]
fn one_listener_serves_srp_users_and_certificate_clients() {
    peers();
    let c = certs::certs();
    let tmp = TempDir::new("cli-oneport");
    let (f, u, p) = users(&tmp);
    let keylog = tmp.path("keys.log");
    let (srv, port) = serve(&[
        "--vfile",
        &f,
        "--http",
        "--cert",
        &s(&c.chain),
        "--key",
        &s(&c.key),
        "--keylog",
        &s(&keylog),
    ]);
    let url = format!("https://localhost:{port}/");
    let resolve = format!("localhost:{port}:127.0.0.1");
    let hello_user = format!("Hello, {u}!");
    let no_password = "and the server's certificate, without a password";

    // Certificate clients, no SRP.
    let (code, out, err) = curl(&[
        "--tlsv1.3",
        "--cacert",
        &s(&c.ca),
        "--resolve",
        &resolve,
        &url,
    ]);
    assert_eq!(code, 0, "curl TLS 1.3: {err}\n{}", srv.stderr());
    assert!(
        out.contains(no_password) && out.contains("TLSv1.3"),
        "{out}"
    );
    assert!(err.contains("SSL connection using TLSv1.3"), "{err}");
    for (version, name) in [
        (&rustls::version::TLS13, "TLSv1.3"),
        (&rustls::version::TLS12, "TLSv1.2"),
    ] {
        let (page, got) = rustls_get(port, &c.ca, version, GET);
        assert_eq!(got, Some(version.version), "{page}");
        assert!(page.contains(no_password) && page.contains(name), "{page}");
    }
    let (code, out, err) = s_client(port, &c.ca, &[]);
    assert_eq!(code, 0, "s_client without SRP: {out}\n{err}");
    assert!(err.contains("Protocol version: TLSv1.3"), "{err}");
    assert!(err.contains("Verification: OK"), "{err}");
    assert!(out.contains(no_password), "{out}");

    // SRP clients. A server with a certificate prefers SRP-RSA, so those that offer it and
    // check the certificate get it; the others get plain SRP.
    let (code, out, err) = curl(&[
        "--tlsauthtype",
        "SRP",
        "--tlsuser",
        &u,
        "--tlspassword",
        &p,
        "--cacert",
        &s(&c.ca),
        "--resolve",
        &resolve,
        &url,
    ]);
    assert_eq!(code, 0, "curl SRP: {err}\n{}", srv.stderr());
    assert!(
        out.contains(&hello_user) && out.contains("SRP-RSA-AES-256-CBC-SHA"),
        "{out}"
    );
    let (code, out, err) = s_client(
        port,
        &c.ca,
        &[
            "-tls1_2",
            "-cipher",
            "SRP",
            "-srpuser",
            &u,
            "-srppass",
            &format!("pass:{p}"),
        ],
    );
    assert_eq!(code, 0, "s_client -srpuser: {out}\n{err}");
    assert!(
        err.contains("Ciphersuite: SRP-RSA-AES-256-CBC-SHA"),
        "{err}"
    );
    assert!(out.contains(&hello_user), "{out}");
    let mut cmd = Command::new("gnutls-cli");
    cmd.args([
        "--priority",
        "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+SRP",
        "--srpusername",
        &u,
        "--srppasswd",
        &p,
        "--insecure",
        "-p",
        &port.to_string(),
        "127.0.0.1",
    ]);
    let (code, out, err) = run_bounded(cmd, &[], GET);
    assert_eq!(code, 0, "gnutls-cli --srpusername: {out}\n{err}");
    assert!(
        out.contains(&hello_user) && out.contains("(SRP-AES-256-CBC-SHA)"),
        "{out}\n{err}"
    );

    // Our own client: plain SRP without --cafile, SRP-RSA with it (and only it with
    // --require-certificate), the certificate checked against the CA and the name.
    let (code, out, err) = connect(port, &u, &p, &[], GET);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&hello_user), "{out}");
    assert!(
        err.contains("TLS_SRP_SHA_WITH_AES_256_CBC_SHA") && !err.contains("certificate"),
        "{err}"
    );
    for extra in [
        &["--cafile", &s(&c.ca)][..],
        &["--cafile", &s(&c.ca), "--require-certificate"],
    ] {
        let (code, out, err) = connect(port, &u, &p, extra, GET);
        assert_eq!(code, 0, "{extra:?}: {err}");
        assert!(out.contains(&hello_user), "{out}");
        assert!(
            err.contains("TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA")
                && err.contains("certificate verified for \"127.0.0.1\""),
            "{err}"
        );
    }
    // The wrong CA: refused as a TLS failure (exit 4), not as a wrong password.
    let (code, _, err) = connect(port, &u, &p, &["--cafile", &s(&c.other_ca)], GET);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("certificate"), "{err}");

    // Bytes that are no TLS at all go to rustls, which refuses them; the log says it was a
    // certificate handshake, which no password-guessing filter counts.
    let mut raw = TcpStream::connect(("127.0.0.1", port)).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    raw.write_all(GET).unwrap();
    let mut answer = Vec::new();
    let _ = raw.read_to_end(&mut answer);
    let log_has = |what: &str| eventually(Duration::from_secs(10), || srv.stderr().contains(what));
    assert!(
        log_has("certificate handshake failed: addr=127.0.0.1 port="),
        "{}",
        srv.stderr()
    );
    let log = srv.stderr();
    assert!(!log.contains("login failed: user=-"), "{log}");
    // Each kind in the connection log.
    assert!(
        log.contains(&format!(
            "user=\"{u}\" kind=\"srp\" version=\"TLSv1.2\" suite=\"SRP-RSA-AES-256-CBC-SHA\""
        )),
        "{log}"
    );
    assert!(
        log.contains("kind=\"srp\" version=\"TLSv1.2\" suite=\"SRP-AES-256-CBC-SHA\""),
        "{log}"
    );
    assert!(
        log.contains("kind=\"certificate\" version=\"TLSv1.3\" suite=\"TLS_"),
        "{log}"
    );
    assert!(
        log.contains("kind=\"certificate\" version=\"TLSv1.2\" suite=\"ECDHE-RSA-"),
        "{log}"
    );
    assert!(!log.contains(&p), "the password is never logged");

    // --keylog: tshark decrypts an SRP session and a TLS 1.3 certificate session, and sees
    // nothing without the key log.
    let capture = Capture::start(&tmp, "oneport", port);
    let (code, out, err) = connect(port, &u, &p, &[], b"GET /srp-marker-51c7 HTTP/1.0\r\n\r\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&hello_user));
    let (page, _) = rustls_get(
        port,
        &c.ca,
        &rustls::version::TLS13,
        b"GET /certificate-marker-9e2d HTTP/1.0\r\n\r\n",
    );
    assert!(page.contains(no_password));
    let (pcap, port, capture_log) = capture.stop();
    let decrypted = tls_records(&pcap, port, Some(&keylog));
    let opaque = tls_records(&pcap, port, None);
    for marker in ["srp-marker-51c7", "certificate-marker-9e2d"] {
        assert_eq!(
            count_in_hex_dump(&decrypted, marker),
            1,
            "{marker} decrypted:\n{decrypted}\n{capture_log}"
        );
        assert_eq!(count_in_hex_dump(&opaque, marker), 0);
    }
    assert!(
        count_in_hex_dump(&decrypted, &hello_user) >= 1,
        "the SRP page, decrypted"
    );
    let keys = std::fs::read_to_string(&keylog).unwrap();
    assert!(
        keys.lines().any(|l| l.starts_with("CLIENT_RANDOM ")),
        "{keys}"
    );
    assert!(
        keys.lines()
            .any(|l| l.starts_with("CLIENT_TRAFFIC_SECRET_0 ")),
        "{keys}"
    );
    assert!(!keys.contains(&p));
}

#[test]
fn srp_only_keeps_the_certificate_for_srp_rsa() {
    peers();
    let c = certs::certs();
    let tmp = TempDir::new("cli-srp-only");
    let (f, u, p) = users(&tmp);
    let (srv, port) = serve(&[
        "--vfile",
        &f,
        "--echo",
        "--cert",
        &s(&c.chain),
        "--key",
        &s(&c.key),
        "--srp-only",
    ]);
    let (code, out, err) = connect(port, &u, &p, &["--cafile", &s(&c.ca)], b"ping\n");
    assert_eq!(code, 0, "{err}\n{}", srv.stderr());
    assert_eq!(out, "ping\n");
    assert!(err.contains("certificate verified"), "{err}");
    // A client without SRP is refused.
    let resolve = format!("localhost:{port}:127.0.0.1");
    let (code, _, err) = curl(&[
        "--cacert",
        &s(&c.ca),
        "--resolve",
        &resolve,
        &format!("https://localhost:{port}/"),
    ]);
    assert_ne!(code, 0, "{err}");
}

#[test]
fn certificate_and_keylog_mistakes_are_one_line_errors() {
    let tmp = TempDir::new("cli-oneport-errors");
    let (f, _, _) = users(&tmp);
    let missing = s(&tmp.path("missing.pem"));
    let serve_with = |extra: &[&str]| {
        let args = [
            &["serve", "--listen", "127.0.0.1:0", "--vfile", &f, "--echo"],
            extra,
        ]
        .concat();
        tls_srp(&args, "")
    };
    let (code, _, err) = serve_with(&["--cert", &missing]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--key"), "{err}");
    let (code, _, err) = serve_with(&["--cert", &missing, "--key", &missing]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("tls-srp: --cert/--key: ") && err.contains("missing.pem"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let (code, _, err) = serve_with(&["--keylog", "/nonexistent-dir/keys.log"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--keylog /nonexistent-dir/keys.log"), "{err}");
    let (code, _, err) = tls_srp(
        &[
            "connect",
            "127.0.0.1:1",
            "--user",
            "u",
            "--cafile",
            &missing,
        ],
        "pw\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--cafile") && err.contains("missing.pem"),
        "{err}"
    );
}
