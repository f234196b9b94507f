//! The srp6a_http example service on 127.0.0.1, driven by foreign clients as processes:
//! PyPI srptools (profile rfc5054-sha256) and npm secure-remote-password (its profile). Right
//! password: 201, 200, 200 and a server proof the client accepts; wrong password: 401;
//! unknown user: a simulated salt and B, then 401. Plus the bounded HTTP parser.

mod common;
#[path = "../examples/srp6a_http.rs"]
#[allow(dead_code)]
mod service;

use std::sync::Arc;

use serde_json::Value;
use srp6a::Profile;

fn start(profile: Profile) -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    rt.spawn(service::serve(
        listener,
        Arc::new(service::Service::new(profile)),
    ));
    (rt, url)
}

fn run(cmd: &mut std::process::Command) -> Value {
    let out = cmd.output().expect("run client");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("client JSON")
}

#[test]
fn pypi_srptools_client() {
    let p = Profile::rfc5054_sha256();
    let (_rt, url) = start(p.clone());
    let (n, g) = (srp6a::to_hex(p.group.n()), srp6a::to_hex(p.group.g()));
    let script = common::root().join("interop/srp6a/http_client.py");
    let r = run(common::python().args([
        script.to_str().unwrap(),
        &url,
        "alice",
        "pw1",
        "pw1",
        "SHA256",
        &n,
        &g,
    ]));
    assert_eq!(
        r,
        serde_json::json!({"register": 201, "start": 200, "finish": 200, "m2_ok": true})
    );
    let r = run(common::python().args([
        script.to_str().unwrap(),
        &url,
        "bob",
        "pw1",
        "wrong",
        "SHA256",
        &n,
        &g,
    ]));
    assert_eq!(
        (r["start"].clone(), r["finish"].clone()),
        (200.into(), 401.into())
    );
}

#[test]
fn npm_secure_remote_password_client() {
    let (_rt, url) = start(Profile::secure_remote_password());
    let script = common::root().join("interop/srp6a/http_client.js");
    let mut node = common::node();
    let r = run(node.args([script.to_str().unwrap(), &url, "carol", "s3cret", "s3cret"]));
    assert_eq!(
        r,
        serde_json::json!({"register": 201, "start": 200, "finish": 200, "m2_ok": true})
    );
    let mut node = common::node();
    let r = run(node.args([script.to_str().unwrap(), &url, "dave", "s3cret", "guess"]));
    assert_eq!(r["finish"], 401);
}

#[test]
fn unknown_users_get_stable_simulated_salts_and_fail() {
    let s = service::Service::new(Profile::rfc5054_sha256());
    let p = Profile::rfc5054_sha256();
    let a = srp6a::ClientHandshake::new(&p).unwrap();
    let body =
        serde_json::json!({"username": "nobody", "A": srp6a::to_hex(a.public_a())}).to_string();
    let (c1, r1) = s.handle("POST", "/login/start", body.as_bytes());
    let (c2, r2) = s.handle("POST", "/login/start", body.as_bytes());
    assert_eq!((c1, c2), (200, 200));
    assert_eq!(r1["salt"], r2["salt"]);
    assert_ne!(r1["B"], r2["B"]);
    let fin =
        serde_json::json!({"username": "nobody", "M1": "00".repeat(32), "state": r1["state"]})
            .to_string();
    assert_eq!(s.handle("POST", "/login/finish", fin.as_bytes()).0, 401);
    // A state is bound to its username.
    let fin = serde_json::json!({"username": "other", "M1": "00".repeat(32), "state": r1["state"]})
        .to_string();
    assert_eq!(s.handle("POST", "/login/finish", fin.as_bytes()).0, 401);
    // Bad input: 400, never a panic.
    for b in [
        "",
        "{",
        "{\"username\":\"x\",\"A\":\"zz\"}",
        "{\"username\":\"x\",\"A\":\"00\"}",
    ] {
        assert_eq!(s.handle("POST", "/login/start", b.as_bytes()).0, 400, "{b}");
    }
}

#[test]
fn http_parser_is_bounded() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let parse =
        |raw: Vec<u8>| rt.block_on(async { service::read_request(&mut raw.as_slice()).await });
    let ok = parse(b"POST /x HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}".to_vec()).unwrap();
    assert_eq!(ok, ("POST".into(), "/x".into(), b"{}".to_vec()));
    assert_eq!(
        parse(b"POST /x HTTP/1.1\r\ncontent-length: 99999\r\n\r\n".to_vec()),
        Err(413)
    );
    assert_eq!(
        parse([b"GET / HTTP/1.1\r\nx: ".to_vec(), vec![b'a'; 9000]].concat()),
        Err(431)
    );
    assert_eq!(
        parse(b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n".to_vec()),
        Err(501)
    );
    assert_eq!(
        parse(b"POST / HTTP/1.1\r\ncontent-length: 5\r\n\r\nab".to_vec()),
        Err(400)
    );
    assert_eq!(
        parse(b"POST / HTTP/1.1\r\nnocolon\r\n\r\n".to_vec()),
        Err(400)
    );
}
