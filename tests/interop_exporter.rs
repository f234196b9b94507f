//! RFC 5705 keying material exporters and RFC 5929 `tls-unique` against real peers, both
//! roles, extended master secret on and off.
//!
//! Each test asks the peer for the same exports our side computes (same label, context
//! and length) and asserts the bytes are equal:
//!
//! - libssl C peers (`ossl_srp_client`/`ossl_srp_server --export LABEL,LEN[,CONTEXT]
//!   --finished`): `SSL_export_keying_material` with and without context, an empty
//!   context, lengths 1 to 150, and `SSL_get_finished`/`SSL_get_peer_finished` for
//!   tls-unique (the client's Finished in a full handshake).
//! - tlslite-ng (`interop/tlslite/*.py --export ... --finished`): `keyingMaterialExporter`
//!   without context; with a context (which that method does not take) tlslite's own TLS
//!   1.2 PRF over the RFC 5705 seed; Finished messages captured from tlslite's parser.
//! - `openssl s_client -keymatexport` / `s_server -keymatexport` (no context: the apps
//!   pass none).
//! - `gnutls-cli --keymatexport` (no context) and `gnutls-serv`, which prints the
//!   `tls-unique` and RFC 9266 `tls-exporter` channel bindings of each connection.
//!
//! The table of checks goes to stdout (`--nocapture`) and `target/interop/matrix-exporter.md`.
//! Run: `cargo test --test interop_exporter -- --nocapture`.

#[path = "common/interop.rs"]
mod interop;

use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;

use interop::*;
use tls_srp::stream::StreamOwned;
use tls_srp::{
    suites, ClientConfig, ClientConnection, ConnectionCommon, InMemoryUserStore, ServerConfig,
    ServerConnection, SideData, SrpGroup, SupportedCipherSuite,
};

const TAG: &str = "exporter";

/// (label, length, context): no context, an empty context (a different RFC 5705 input),
/// a context, lengths 1..150, and the RFC 9266 `tls-exporter` (its label, empty context).
const EXPORTS: [(&str, usize, Option<&str>); 6] = [
    ("EXPERIMENTAL-tls-srp-interop", 32, None),
    ("EXPERIMENTAL-tls-srp-interop", 32, Some("")),
    ("EXPERIMENTAL-tls-srp-interop", 64, Some("context-0123")),
    ("EXPERIMENTAL-short", 1, None),
    ("EXPORTER-Channel-Binding", 32, Some("")),
    ("EXPERIMENTAL-long", 150, Some("x")),
];

/// One export: (label, length, context, output), as [`parse_export_lines`] returns them.
type Export = ExportLine;

/// `--export LABEL,LEN[,CONTEXT]` arguments for the peers' scripts and programs.
fn export_args() -> Vec<String> {
    EXPORTS
        .iter()
        .flat_map(|(l, n, c)| {
            let spec = match c {
                Some(c) => format!("{l},{n},{c}"),
                None => format!("{l},{n}"),
            };
            ["--export".to_owned(), spec]
        })
        .collect()
}

/// Our side's exports for [`EXPORTS`].
fn our_exports<D0: SideData>(conn: &ConnectionCommon<D0>) -> Vec<Export> {
    EXPORTS
        .iter()
        .map(|&(label, len, ctx)| {
            let mut out = vec![0u8; len];
            conn.export_keying_material(&mut out, label.as_bytes(), ctx.map(str::as_bytes))
                .expect("export_keying_material");
            (
                label.to_owned(),
                len,
                ctx.map(|c| c.as_bytes().to_vec()),
                out,
            )
        })
        .collect()
}

/// The same in the peers' `EXPORT` line format, plus `TLSUNIQUE <hex>`.
fn our_lines<D0: SideData>(conn: &ConnectionCommon<D0>) -> String {
    let mut s = String::new();
    for (label, len, ctx, out) in our_exports(conn) {
        s.push_str(&format!(
            "EXPORT label={label} len={len} ctx={} out={}\n",
            ctx.map_or("-".to_owned(), hex::encode),
            hex::encode(out)
        ));
    }
    s.push_str(&format!(
        "TLSUNIQUE {}\n",
        hex::encode(conn.tls_unique().expect("tls_unique"))
    ));
    s
}

fn tls_unique_of(lines: &str) -> Vec<u8> {
    lines
        .lines()
        .find_map(|l| l.strip_prefix("TLSUNIQUE "))
        .and_then(|h| hex::decode(h).ok())
        .expect("TLSUNIQUE line")
}

/// Our server's handler: computes our exports and tls-unique, then runs the line protocol;
/// returns our lines followed by `REQUEST <line>`.
fn export_handler(tls: &mut Tls<ServerConnection>, saw: &ServerSaw) -> Result<String, Fail> {
    let ours = our_lines(&tls.conn);
    let line = line_handler(tls, saw)?;
    Ok(format!("{ours}REQUEST {line}"))
}

/// Like [`export_handler`] for peers that only complete the handshake and send a line
/// but may not wait for our reply.
fn export_handler_lenient(
    tls: &mut Tls<ServerConnection>,
    saw: &ServerSaw,
) -> Result<String, Fail> {
    let ours = our_lines(&tls.conn);
    let _ = line_handler(tls, saw);
    Ok(ours)
}

fn group() -> &'static SrpGroup {
    SrpGroup::by_bits(2048).expect("2048")
}

fn suite_for(ems: bool) -> SupportedCipherSuite {
    // Both suites get covered: AES-128 with EMS, AES-256 without.
    if ems {
        suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA
    } else {
        suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA
    }
}

fn our_server(user: &str, pw: &str, ems: bool, handler: Handler) -> Server {
    our_server_with(user, pw, ems, suite_for(ems), handler)
}

fn our_server_with(
    user: &str,
    pw: &str,
    ems: bool,
    suite: SupportedCipherSuite,
    handler: Handler,
) -> Server {
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user(user, pw.as_bytes(), group())
        .expect("add_user");
    let mut cfg = ServerConfig::new(store).expect("ServerConfig::new");
    cfg.cipher_suites = vec![suite];
    cfg.enable_extended_master_secret = ems;
    Server::start(Arc::new(cfg), 1, handler)
}

fn our_client_config(user: &str, pw: &str, ems: bool) -> Arc<ClientConfig> {
    let mut cfg = ClientConfig::new(user, pw);
    cfg.cipher_suites = vec![suite_for(ems)];
    cfg.enable_extended_master_secret = ems;
    Arc::new(cfg)
}

fn row(peer: &str, role: &str, ems: bool, options: &str, result: &str) -> MatrixRow {
    MatrixRow {
        peer: peer.into(),
        role: role.into(),
        suite: suite_short(suite_for(ems).suite).into(),
        group: "2048".into(),
        options: format!("EMS {}; {options}", if ems { "on" } else { "off" }),
        handshakes: 1,
        result: result.into(),
    }
}

/// Asserts the peer's exports equal ours, entry by entry, and that the peer's first
/// Finished (the client's: full handshake) equals our tls-unique.
fn assert_same(what: &str, peer_lines: &[String], ours: &str) {
    let peer = parse_export_lines(peer_lines);
    let ours_lines: Vec<String> = ours.lines().map(str::to_owned).collect();
    let mine = parse_export_lines(&ours_lines);
    assert_eq!(mine.len(), EXPORTS.len());
    assert_eq!(
        peer, mine,
        "{what}: exports differ\npeer: {peer_lines:?}\nours: {ours}"
    );
    // Sanity: the inputs matter (no context ≠ empty context; labels differ).
    assert_ne!(mine[0].3, mine[1].3);
    let fin = peer_lines
        .iter()
        .find_map(|l| parse_finished_line(l))
        .unwrap_or_else(|| panic!("{what}: no FINISHED line in {peer_lines:?}"));
    assert!(!fin.2, "{what}: the peer reports a resumed session");
    assert_eq!(fin.0.len(), 12, "{what}: verify_data length");
    assert_eq!(fin.0, tls_unique_of(ours), "{what}: tls-unique differs");
    assert_ne!(fin.0, fin.1);
}

// ---------------------------------------------------------------------------------------
// libssl C peers

#[test]
fn libssl_client_exports_equal_ours() {
    let p = peers();
    let mut rows = Vec::new();
    for ems in [true, false] {
        let (user, pw) = (random_username(), random_password());
        let server = our_server(&user, &pw, ems, export_handler);
        let mut cmd = Command::new(p.bin("ossl_srp_client"));
        cmd.arg("--connect")
            .arg(format!("127.0.0.1:{}", server.port()))
            .args(["--user", &user, "--password", &pw, "--finished"])
            .args(export_args());
        let mut client = Proc::spawn("ossl_srp_client", cmd, Stdio::null());
        let lines = client.expect_success(PROC_TIMEOUT);
        let results = server.join();
        let saw = match &results[..] {
            [Ok(saw)] => saw.clone(),
            other => panic!("our server: {other:?}"),
        };
        assert_eq!(saw.ems, ems);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("CONN ok ")
                    && l.contains(&format!(" ems={} ", u8::from(ems)))),
            "{lines:?}"
        );
        assert_same("libssl client", &lines, &saw.request);
        rows.push(row(
            "OpenSSL (libssl)",
            "ossl_srp_client → our server",
            ems,
            "6 exports (no/empty/with context, 1..150 bytes), tls-unique",
            "ok: equal",
        ));
    }
    record_matrix(TAG, "exporters: libssl client", &rows);
}

#[test]
fn libssl_server_exports_equal_ours_over_a_stream() {
    let _ = peers();
    let tmp = TempDir::new("exp-c-server");
    let mut rows = Vec::new();
    for ems in [true, false] {
        let users = vec![(random_username(), random_password())];
        let (user, pw) = &users[0];
        let file = tmp.path("users.txt");
        write_users_file(&file, &users);
        let mut args: Vec<String> = [
            "--users",
            file.to_str().expect("path"),
            "--max-conns",
            "1",
            "--finished",
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(export_args());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (mut server, port) = start_c_server(&args);
        // The blocking StreamOwned API this time.
        let sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        sock.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
        let conn = ClientConnection::new(our_client_config(user, pw, ems), Some("localhost"))
            .expect("client");
        let mut stream = StreamOwned::new(conn, sock);
        use std::io::{BufRead, BufReader, Write};
        stream
            .write_all(format!("hello {user}\n").as_bytes())
            .expect("write");
        stream.flush().expect("flush");
        let ours = our_lines(&stream.conn);
        let mut reply = String::new();
        BufReader::new(&mut stream)
            .read_line(&mut reply)
            .expect("reply");
        assert!(reply.starts_with(&format!("OK {user} ")), "{reply}");
        assert!(
            reply.contains(&format!(" ems={} ", u8::from(ems))),
            "{reply}"
        );
        stream.conn.send_close_notify();
        let _ = stream.flush();
        let lines = server.expect_success(PROC_TIMEOUT);
        assert_same("libssl server", &lines, &ours);
        rows.push(row(
            "OpenSSL (libssl)",
            "our client (StreamOwned) → ossl_srp_server",
            ems,
            "6 exports (no/empty/with context, 1..150 bytes), tls-unique",
            "ok: equal",
        ));
    }
    record_matrix(TAG, "exporters: libssl server", &rows);
}

// ---------------------------------------------------------------------------------------
// tlslite-ng

#[test]
fn tlslite_client_exports_equal_ours() {
    let _ = peers();
    let mut rows = Vec::new();
    for ems in [true, false] {
        let (user, pw) = (random_username(), random_password());
        // EMS is switched off on tlslite's side this time.
        let server = our_server_with(&user, &pw, true, suite_for(ems), export_handler);
        let mut cmd = Command::new(venv_python());
        cmd.arg(interop_script("tlslite/srp_client.py"))
            .arg("--connect")
            .arg(format!("127.0.0.1:{}", server.port()))
            // `--password=`: argparse would take a password starting with '-' for an option.
            .args(["--user", &user, "--finished"])
            .arg(format!("--password={pw}"))
            .args(["--suite", if ems { "aes128" } else { "aes256" }])
            .args(export_args());
        if !ems {
            cmd.arg("--no-ems");
        }
        let mut client = Proc::spawn("tlslite srp_client.py", cmd, Stdio::null());
        let lines = client.expect_success(PROC_TIMEOUT * 2);
        let results = server.join();
        let saw = match &results[..] {
            [Ok(saw)] => saw.clone(),
            other => panic!("our server: {other:?}; tlslite: {lines:?}"),
        };
        assert_eq!(saw.ems, ems);
        assert!(lines.iter().any(|l| l == "DONE ok=1 fail=0"), "{lines:?}");
        assert_same("tlslite client", &lines, &saw.request);
        rows.push(row(
            "tlslite-ng 0.8.2",
            "srp_client.py → our server",
            ems,
            "6 exports (keyingMaterialExporter; with context: tlslite's PRF), tls-unique",
            "ok: equal",
        ));
    }
    record_matrix(TAG, "exporters: tlslite client", &rows);
}

#[test]
fn tlslite_server_exports_equal_ours() {
    let _ = peers();
    let tmp = TempDir::new("exp-tlslite-server");
    let mut rows = Vec::new();
    for ems in [true, false] {
        let users = vec![(random_username(), random_password())];
        let (user, pw) = &users[0];
        let mut extra = vec!["--finished".to_owned()];
        extra.extend(export_args());
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let (mut server, port) = start_tlslite_server(&tmp, &users, 2048, &extra);
        let sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let conn = ClientConnection::new(our_client_config(user, pw, ems), Some("localhost"))
            .expect("client");
        let mut tls = Tls::new(conn, sock);
        tls.handshake().expect("handshake");
        assert_eq!(tls.conn.extended_master_secret(), ems);
        let ours = our_lines(&tls.conn);
        tls.send(format!("hello {user}\n").as_bytes())
            .expect("send");
        let reply = tls.read_line().expect("reply");
        assert!(reply.starts_with(&format!("OK {user} ")), "{reply}");
        let _ = tls.close();
        let lines = server.expect_success(PROC_TIMEOUT);
        assert_same("tlslite server", &lines, &ours);
        rows.push(row(
            "tlslite-ng 0.8.2",
            "our client → srp_server.py",
            ems,
            "6 exports (keyingMaterialExporter; with context: tlslite's PRF), tls-unique",
            "ok: equal",
        ));
    }
    record_matrix(TAG, "exporters: tlslite server", &rows);
}

// ---------------------------------------------------------------------------------------
// openssl s_client / s_server -keymatexport (with the shim)

/// The hex after `Keying material: ` in s_client/s_server output.
fn keying_material(out: &str) -> Option<Vec<u8>> {
    out.lines()
        .find_map(|l| l.trim().strip_prefix("Keying material: "))
        .and_then(|h| hex::decode(h.trim()).ok())
}

#[test]
fn openssl_s_client_keymatexport_equals_ours() {
    let p = peers();
    let mut rows = Vec::new();
    let (label, len, _) = EXPORTS[0];
    for ems in [true, false] {
        let (user, pw) = (random_username(), random_password());
        let server = our_server(&user, &pw, ems, export_handler);
        let mut cmd = Command::new("openssl");
        cmd.env("LD_PRELOAD", p.shim())
            .args(["s_client", "-srpuser", &user, "-srppass"])
            .arg(format!("pass:{pw}"))
            .args(["-cipher", "SRP", "-tls1_2", "-ign_eof", "-connect"])
            .arg(format!("127.0.0.1:{}", server.port()))
            .args(["-keymatexport", label, "-keymatexportlen", &len.to_string()]);
        let (st, out, err) = run(
            "openssl s_client -keymatexport",
            cmd,
            format!("hello {user}\n").as_bytes(),
            PROC_TIMEOUT,
        );
        let results = server.join();
        let saw = match &results[..] {
            [Ok(saw)] => saw.clone(),
            other => panic!("our server: {other:?}; s_client {st}: {out}\n{err}"),
        };
        let theirs = keying_material(&out).unwrap_or_else(|| panic!("no keying material: {out}"));
        let ours_lines: Vec<String> = saw.request.lines().map(str::to_owned).collect();
        let ours = &parse_export_lines(&ours_lines)[0];
        assert_eq!((ours.0.as_str(), ours.1, &ours.2), (label, len, &None));
        assert_eq!(theirs, ours.3, "s_client -keymatexport differs");
        let ems_line = format!("Extended master secret: {}", if ems { "yes" } else { "no" });
        assert!(out.contains(&ems_line), "{out}");
        rows.push(row(
            "OpenSSL 3.0 apps",
            "openssl s_client -keymatexport → our server",
            ems,
            "label, 32 bytes, no context (the app passes none)",
            "ok: equal",
        ));
    }
    record_matrix(TAG, "exporters: s_client", &rows);
}

#[test]
fn openssl_s_server_keymatexport_equals_ours() {
    let _ = peers();
    let tmp = TempDir::new("exp-s-server");
    let vfile = tmp.path("srpvfile.txt");
    let (user, pw) = (random_username(), random_password());
    openssl_srp_add(&vfile, &user, &pw);
    let mut rows = Vec::new();
    let (label, len, _) = EXPORTS[4];
    for ems in [true, false] {
        // Not -www: the echo mode prints the keying material of each connection.
        let p = peers();
        let mut cmd = Command::new("openssl");
        cmd.env("LD_PRELOAD", p.shim())
            .args(["s_server", "-nocert", "-srpvfile"])
            .arg(&vfile)
            .args(["-accept", "127.0.0.1:0", "-cipher", "SRP", "-tls1_2"])
            .args(["-keymatexport", label, "-keymatexportlen", &len.to_string()]);
        let mut s_server = Proc::spawn("openssl s_server", cmd, Stdio::piped());
        let line = s_server.wait_for_prefix("ACCEPT", PROC_TIMEOUT);
        let port: u16 = line
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .expect("port");
        let sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let conn = ClientConnection::new(our_client_config(&user, &pw, ems), Some("localhost"))
            .expect("client");
        let mut tls = Tls::new(conn, sock);
        tls.handshake().expect("handshake");
        // s_server passes no context.
        let mut ours = vec![0u8; len];
        tls.conn
            .export_keying_material(&mut ours, label.as_bytes(), None)
            .expect("export");
        let km = s_server.wait_for_prefix("    Keying material: ", PROC_TIMEOUT);
        let theirs = keying_material(&km).expect("hex");
        let _ = tls.close();
        assert_eq!(theirs, ours, "s_server -keymatexport differs");
        rows.push(row(
            "OpenSSL 3.0 apps",
            "our client → openssl s_server -keymatexport",
            ems,
            "EXPORTER-Channel-Binding, 32 bytes, no context",
            "ok: equal",
        ));
    }
    record_matrix(TAG, "exporters: s_server", &rows);
}

// ---------------------------------------------------------------------------------------
// GnuTLS

#[test]
fn gnutls_cli_keymatexport_equals_ours() {
    let _ = peers();
    require_program("gnutls-cli", "--version");
    let mut rows = Vec::new();
    let (label, len, _) = EXPORTS[0];
    for ems in [true, false] {
        let (user, pw) = (random_username(), random_password());
        // EMS is switched off on GnuTLS's side.
        let server = our_server_with(&user, &pw, true, suite_for(ems), export_handler_lenient);
        let mut priority = "NORMAL:-KX-ALL:+SRP".to_owned();
        if !ems {
            // EMS off on GnuTLS's side.
            priority.push_str(":%NO_SESSION_HASH");
        }
        let mut cmd = Command::new("gnutls-cli");
        cmd.args(["--srpusername", &user, "--srppasswd", &pw])
            .args(["--priority", &priority])
            .args([
                "--keymatexport",
                label,
                "--keymatexportsize",
                &len.to_string(),
            ])
            .arg("-p")
            .arg(server.port().to_string())
            .arg("127.0.0.1");
        let (st, out, err) = run(
            "gnutls-cli --keymatexport",
            cmd,
            format!("hello {user}\n").as_bytes(),
            PROC_TIMEOUT,
        );
        let results = server.join();
        let saw = match &results[..] {
            [Ok(saw)] => saw.clone(),
            other => panic!("our server: {other:?}; gnutls-cli {st}: {out}\n{err}"),
        };
        assert_eq!(saw.ems, ems);
        let all = format!("{out}\n{err}");
        let theirs = all
            .lines()
            .find_map(|l| l.strip_prefix("- Key material: "))
            .and_then(|h| hex::decode(h.trim()).ok())
            .unwrap_or_else(|| panic!("no key material from gnutls-cli: {all}"));
        let ours_lines: Vec<String> = saw.request.lines().map(str::to_owned).collect();
        let ours = parse_export_lines(&ours_lines);
        assert_eq!(
            theirs, ours[0].3,
            "gnutls-cli --keymatexport differs from our no-context export"
        );
        rows.push(row(
            "GnuTLS 3.7.9",
            "gnutls-cli --keymatexport → our server",
            ems,
            "label, 32 bytes, no context",
            "ok: equal",
        ));
    }
    record_matrix(TAG, "exporters: gnutls-cli", &rows);
}

#[test]
fn gnutls_serv_channel_bindings_equal_ours() {
    let _ = peers();
    let tmp = TempDir::new("exp-gnutls-serv");
    let users = vec![(random_username(), random_password())];
    let (user, pw) = &users[0];
    let (passwd, conf) = gnutls_srp_files(&tmp, &users);
    let (mut serv, port) = start_gnutls_serv(&passwd, &conf, &[]);
    let mut rows = Vec::new();
    for ems in [true, false] {
        let sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let conn = ClientConnection::new(our_client_config(user, pw, ems), Some("localhost"))
            .expect("client");
        let mut tls = Tls::new(conn, sock);
        tls.handshake().expect("handshake");
        assert_eq!(tls.conn.extended_master_secret(), ems);
        let unique = tls.conn.tls_unique().expect("tls_unique").to_vec();
        let mut exporter = vec![0u8; 32];
        tls.conn
            .export_keying_material(&mut exporter, b"EXPORTER-Channel-Binding", Some(b""))
            .expect("export");
        let mut exporter_noctx = vec![0u8; 32];
        tls.conn
            .export_keying_material(&mut exporter_noctx, b"EXPORTER-Channel-Binding", None)
            .expect("export");

        tls.send(b"hello\n").expect("send");
        let echo = tls.read_line().expect("echo");
        assert_eq!(echo, "hello");
        let _ = tls.close();
        // gnutls-serv's report: "- Channel bindings", " - 'tls-unique': <hex>", then
        // " - 'tls-exporter': <hex>" (RFC 9266; GnuTLS gives it only with EMS).
        let l = serv.wait_for_prefix(" - 'tls-unique': ", PROC_TIMEOUT);
        let theirs_unique =
            hex::decode(l.trim_start_matches(" - 'tls-unique': ").trim()).expect("hex tls-unique");
        assert_eq!(theirs_unique, unique, "tls-unique differs (ems={ems})");
        let mut result = "ok: tls-unique equal".to_owned();
        if !ems {
            // RFC 9266 requires EMS in TLS 1.2; GnuTLS says so.
            serv.wait_for_prefix(" - 'tls-exporter': not available", PROC_TIMEOUT);
            result.push_str(", tls-exporter not available (no EMS)");
        } else {
            let l = serv.wait_for_prefix(" - 'tls-exporter': ", PROC_TIMEOUT);
            let theirs = hex::decode(l.trim_start_matches(" - 'tls-exporter': ").trim())
                .expect("hex tls-exporter");
            // RFC 9266: label EXPORTER-Channel-Binding with an empty context, which in
            // TLS 1.2 (RFC 5705) is not the same input as no context.
            assert_eq!(theirs, exporter, "tls-exporter differs");
            assert_ne!(theirs, exporter_noctx);
            result.push_str(", tls-exporter equal");
        }
        rows.push(row(
            "GnuTLS 3.7.9",
            "our client → gnutls-serv",
            ems,
            "gnutls-serv's channel bindings: tls-unique, tls-exporter (RFC 9266)",
            &result,
        ));
    }
    record_matrix(TAG, "exporters: gnutls-serv", &rows);
}
