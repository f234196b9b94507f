//! The hyper and axum glue, over 127.0.0.1: the `axum_oneport` example answers curl without
//! SRP (TLS 1.3, certificate checked), curl with `--tlsauthtype SRP` and the `hyper_client`
//! example, each with a page that names who it is; hyper's pooled client makes two
//! requests over one TLS-SRP connection; the tokio stream takes vectored writes (that they
//! fill one record from several buffers is a unit test in `src/common_state.rs`).

#[path = "common/certs.rs"]
mod certs;
#[path = "common/interop.rs"]
mod interop;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use interop::*;

const USER: &str = "alice";
const PASSWORD: &str = "password123";

/// The binary of an example (built by `cargo test --all-targets`; built here if not).
fn example(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("debug")
        .join("examples");
    let bin = dir.join(name);
    if !bin.exists() {
        let st = Command::new(env!("CARGO"))
            .args(["build", "--all-features", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo");
        assert!(st.success(), "building example {name}");
    }
    bin
}

/// The axum example on a free port; its port.
fn start_axum() -> (Proc, u16) {
    let c = certs::certs();
    let mut cmd = Command::new(example("axum_oneport"));
    cmd.arg(&c.chain)
        .arg(&c.key)
        .args(["127.0.0.1:0", USER, PASSWORD]);
    let mut p = Proc::spawn("axum_oneport", cmd, Stdio::null());
    let line = p.wait_for_prefix("listening on ", PROC_TIMEOUT);
    let port = line
        .rsplit(':')
        .next()
        .and_then(|s| s.trim().parse().ok())
        .expect("port");
    (p, port)
}

fn curl(args: &[&str]) -> String {
    require_program("curl", "--version");
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--max-time", "20"]).args(args);
    let (st, out, err) = run("curl", cmd, b"", PROC_TIMEOUT);
    assert!(st.success(), "curl {args:?}: {err}");
    out
}

#[test]
fn axum_example_answers_curl_and_the_hyper_example() {
    let (_srv, port) = start_axum();
    let url = format!("https://localhost:{port}/");
    let resolve = format!("localhost:{port}:127.0.0.1");
    let ca = certs::certs().ca.to_str().unwrap().to_owned();

    // curl without SRP: TLS 1.3, the certificate checked against our CA.
    let page = curl(&["--cacert", &ca, "--resolve", &resolve, &url]);
    assert_eq!(
        page.trim_end(),
        "Hello, certificate client (TLSv1_3): no password here."
    );
    // curl with SRP (it offers SRP-RSA too, which the server prefers: its certificate is
    // checked against the CA).
    let page = curl(&[
        "--tlsauthtype",
        "SRP",
        "--tlsuser",
        USER,
        "--tlspassword",
        PASSWORD,
        "--cacert",
        &ca,
        "--resolve",
        &resolve,
        &url,
    ]);
    assert_eq!(page.trim_end(), "Hello, alice: you logged in with TLS-SRP.");
    // A wrong password gets nothing.
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "--max-time",
        "20",
        "--tlsauthtype",
        "SRP",
        "--tlsuser",
        USER,
        "--tlspassword",
        "wrong",
        "-k",
        "--resolve",
        &resolve,
        &url,
    ]);
    let (st, out, _) = run("curl", cmd, b"", PROC_TIMEOUT);
    assert!(!st.success() && out.is_empty(), "{out}");

    // The hyper example: two requests over its pooled client.
    let mut cmd = Command::new(example("hyper_client"));
    cmd.args([&url, USER, PASSWORD]);
    let (st, out, err) = run("hyper_client", cmd, b"", PROC_TIMEOUT);
    assert!(st.success(), "{err}");
    assert_eq!(
        out.trim_end(),
        "200 OK Hello, alice: you logged in with TLS-SRP.\n\
         200 OK Hello, alice: you logged in with TLS-SRP."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pooled_client_reuses_its_connection_and_new_ones_resume() {
    use axum::extract::ConnectInfo;
    use axum::routing::get;
    use http_body_util::{BodyExt, Empty};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    use tls_srp::axum::{ClientInfo, SrpListener};

    let store = tls_srp::InMemoryUserStore::new();
    store
        .add_user(
            USER,
            PASSWORD.as_bytes(),
            tls_srp::SrpGroup::by_bits(2048).unwrap(),
        )
        .unwrap();
    let srp = Arc::new(tls_srp::ServerConfig::new(Arc::new(store)).unwrap());
    let listener = SrpListener::bind("127.0.0.1:0", srp, None).await.unwrap();
    let port = axum::serve::Listener::local_addr(&listener)
        .unwrap()
        .addr
        .port();
    // The page names the client's port: one connection, one port.
    let app = axum::Router::new().route(
        "/",
        get(|ConnectInfo(c): ConnectInfo<ClientInfo>| async move {
            format!("{} {:?}", c.addr.port(), c.peer)
        }),
    );
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<ClientInfo>(),
        )
        .await
    });

    let tls =
        tls_srp::tokio::TlsConnector::from(Arc::new(tls_srp::ClientConfig::new(USER, PASSWORD)));
    let client: Client<_, Empty<bytes::Bytes>> =
        Client::builder(TokioExecutor::new()).build(tls_srp::hyper::SrpConnector::new(tls.clone()));
    let url: hyper::Uri = format!("https://127.0.0.1:{port}/").parse().unwrap();
    let mut pages = Vec::new();
    for _ in 0..2 {
        let resp = tokio::time::timeout(Duration::from_secs(30), client.get(url.clone()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        pages.push(String::from_utf8(body.to_vec()).unwrap());
        // hyper_util hands the connection back to its pool from a task of its own once the
        // response has ended; a request made before that task runs races a new connection
        // against the pool (1 run in 5 here). Give the task time to run.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(pages[0], pages[1], "one pooled connection");
    assert!(
        pages[0].ends_with("Srp { username: \"alice\" }"),
        "{}",
        pages[0]
    );

    // A new connection from the same connector resumes the session of the first.
    use tower_service::Service;
    let mut connector = tls_srp::hyper::SrpConnector::new(tls);
    let stream = connector.call(url).await.unwrap();
    assert_eq!(
        stream.get_ref().get_ref().1.handshake_kind(),
        Some(tls_srp::HandshakeKind::Resumed)
    );
}

#[tokio::test]
async fn vectored_writes_carry_every_buffer() {
    use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
    let store = tls_srp::InMemoryUserStore::new();
    store
        .add_user(
            USER,
            PASSWORD.as_bytes(),
            tls_srp::SrpGroup::by_bits(2048).unwrap(),
        )
        .unwrap();
    let acceptor = tls_srp::tokio::TlsAcceptor::from(Arc::new(
        tls_srp::ServerConfig::new(Arc::new(store)).unwrap(),
    ));
    let connector =
        tls_srp::tokio::TlsConnector::from(Arc::new(tls_srp::ClientConfig::new(USER, PASSWORD)));
    let (c_io, s_io) = tokio::io::duplex(1 << 20);
    let (s, c) = tokio::join!(acceptor.accept(s_io, None), connector.connect(None, c_io));
    let (mut s, mut c) = (s.unwrap(), c.unwrap());
    assert!(c.is_write_vectored());
    let parts: [&[u8]; 3] = [
        b"HTTP/1.1 200 OK\r\n",
        b"Content-Length: 5\r\n\r\n",
        b"hello",
    ];
    let slices: Vec<std::io::IoSlice<'_>> =
        parts.iter().map(|p| std::io::IoSlice::new(p)).collect();
    let n = c.write_vectored(&slices).await.unwrap();
    assert_eq!(n, parts.iter().map(|p| p.len()).sum::<usize>());
    c.flush().await.unwrap();
    let mut got = vec![0u8; n];
    s.read_exact(&mut got).await.unwrap();
    assert_eq!(got, parts.concat());
}
