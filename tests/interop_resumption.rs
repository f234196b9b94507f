//! Session resumption between the interop peers themselves (OpenSSL, curl, GnuTLS,
//! tlslite-ng), through a recording relay on 127.0.0.1.
//!
//! These tests prove that each peer command line used for resumption really resumes
//! peer-to-peer, and that the relay sees it on the wire: the resumed connection's server
//! sends no ServerKeyExchange (type 12) before its ChangeCipherSpec, a ticket-issuing server
//! sends NewSessionTicket (4), a session-ID resumption echoes the first ServerHello's
//! session ID. They are the ground work for testing our own resumption against the same
//! peers (see `interop/README.md`, "Session resumption").
//!
//! Run: `cargo test --test interop_resumption -- --nocapture`.

#[path = "common/interop.rs"]
mod interop;

use std::sync::Arc;

use interop::*;
use tls_srp::{
    ClientConfig, ClientConnection, HandshakeKind, InMemoryUserStore, Resumption, ServerConfig,
    SrpGroup, Ticketer,
};

fn logs_summary(logs: &[WireLog]) -> String {
    logs.iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "#{i}: client {:?} server {:?} ch_sid={} sh_sid={} ticket_offered={}",
                l.client_hs,
                l.server_hs,
                hex::encode(&l.client_hello_session_id),
                hex::encode(&l.server_hello_session_id),
                l.client_offered_ticket()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first connection is a full SRP handshake, every later one is abbreviated, resuming
/// by ticket (`tickets`) or by the first connection's session ID.
fn assert_resumed_on_wire(logs: &[WireLog], n: usize, tickets: bool) {
    let sum = logs_summary(logs);
    assert_eq!(logs.len(), n, "{sum}");
    let first = &logs[0];
    assert!(
        first.server_hs.starts_with(&[
            hs_type::SERVER_HELLO,
            hs_type::SERVER_KEY_EXCHANGE,
            hs_type::SERVER_HELLO_DONE
        ]),
        "first connection is not a full SRP handshake:\n{sum}"
    );
    assert!(
        first.client_hs.contains(&hs_type::CLIENT_KEY_EXCHANGE),
        "{sum}"
    );
    assert_eq!(first.ticket_issued(), tickets, "NewSessionTicket:\n{sum}");
    for l in &logs[1..] {
        assert!(l.abbreviated(), "not abbreviated:\n{sum}");
        assert_eq!(l.server_hs.first(), Some(&hs_type::SERVER_HELLO), "{sum}");
        assert!(
            !l.client_hs.contains(&hs_type::CLIENT_KEY_EXCHANGE),
            "ClientKeyExchange in a resumed handshake:\n{sum}"
        );
        assert_eq!(l.client_offered_ticket(), tickets, "{sum}");
        if !tickets {
            assert!(!first.server_hello_session_id.is_empty(), "{sum}");
            assert_eq!(
                l.client_hello_session_id, first.server_hello_session_id,
                "{sum}"
            );
            assert_eq!(
                l.server_hello_session_id, first.server_hello_session_id,
                "{sum}"
            );
        }
    }
}

/// `openssl s_client -reconnect` (one full handshake, then five resumptions) against
/// `openssl s_server`, with tickets (the default) and with `-no_ticket` (session IDs).
#[test]
fn openssl_s_client_reconnect_resumes_with_s_server() {
    let _ = peers();
    let tmp = TempDir::new("resume-ossl");
    let vfile = tmp.path("srpvfile.txt");
    let (user, pw) = (random_username(), random_password());
    openssl_srp_add(&vfile, &user, &pw);
    for tickets in [true, false] {
        let extra: &[&str] = if tickets { &[] } else { &["-no_ticket"] };
        let (_s_server, port) = start_openssl_s_server(&vfile, extra);
        let relay = Relay::start(port, 6);
        let (status, out) = s_client_reconnect(relay.port, &user, &pw, &[]);
        let logs = relay.finish();
        assert_eq!(status.len(), 6, "{out}");
        assert!(status[0].starts_with("New, "), "{status:?}");
        assert!(
            status[1..].iter().all(|l| l.starts_with("Reused, ")),
            "{status:?}"
        );
        assert_resumed_on_wire(&logs, 6, tickets);
        println!(
            "s_client -reconnect, tickets={tickets}:\n{}",
            logs_summary(&logs)
        );
    }
}

/// curl fetching two URLs in one invocation: the second connection resumes the first's
/// session by session ID (`SSL re-using session ID` in `-v`), with or without s_server
/// tickets: curl does not offer the session_ticket extension.
#[test]
fn curl_two_urls_resume_with_s_server() {
    let _ = peers();
    let tmp = TempDir::new("resume-curl");
    let vfile = tmp.path("srpvfile.txt");
    let (user, pw) = (random_username(), random_password());
    openssl_srp_add(&vfile, &user, &pw);
    for tickets in [true, false] {
        let extra: &[&str] = if tickets { &[] } else { &["-no_ticket"] };
        let (_s_server, port) = start_openssl_s_server(&vfile, extra);
        let relay = Relay::start(port, 2);
        let (st, out, err) = curl_urls(relay.port, &user, &pw, &["one", "two"]);
        let logs = relay.finish();
        assert!(st.success(), "curl: {st}\n{err}");
        // s_server -www answers HTTP/1.0 and closes, so the second URL needs a new
        // connection.
        assert_eq!(out.matches("HTTP/1.0 200 ok").count(), 0, "{out}"); // headers on stderr
        assert_eq!(err.matches("< HTTP/1.0 200 ok").count(), 2, "{err}");
        assert_eq!(err.matches("SSL re-using session ID").count(), 1, "{err}");
        // curl 7.88 sends no session_ticket extension (35) at all, so even a
        // ticket-issuing s_server resumes it by session ID.
        let exts: Vec<u16> = logs[0]
            .client_hello_extensions
            .iter()
            .map(|e| e.0)
            .collect();
        assert!(!exts.contains(&35), "curl offered tickets: {exts:?}");
        assert_resumed_on_wire(&logs, 2, false);
        println!("curl two URLs, tickets={tickets}:\n{}", logs_summary(&logs));
    }
}

/// `gnutls-cli --resume` against `gnutls-serv` (tickets on by default; `--noticket`:
/// session-ID resumption from its database).
#[test]
fn gnutls_cli_resume_with_gnutls_serv() {
    let _ = peers();
    require_program("gnutls-cli", "--version");
    let tmp = TempDir::new("resume-gnutls");
    let users = vec![(random_username(), random_password())];
    let (passwd, conf) = gnutls_srp_files(&tmp, &users);
    let (user, pw) = &users[0];
    for tickets in [true, false] {
        let extra: &[&str] = if tickets { &[] } else { &["--noticket"] };
        let (mut serv, port) = start_gnutls_serv(&passwd, &conf, extra);
        let relay = Relay::start(port, 2);
        let (st, all) = gnutls_cli_resume(relay.port, user, pw, &[], b"hello\n");
        let logs = relay.finish();
        assert!(st.success(), "gnutls-cli: {st}\n{all}");
        assert!(all.contains("Resume Handshake was completed"), "{all}");
        assert!(all.contains("*** This is a resumed session"), "{all}");
        // gnutls-serv's own report of the second connection.
        serv.wait_for_prefix("*** This is a resumed session", PROC_TIMEOUT);
        assert_resumed_on_wire(&logs, 2, tickets);
        println!(
            "gnutls-cli --resume, tickets={tickets}:\n{}",
            logs_summary(&logs)
        );
    }
}

/// tlslite's client resuming (`handshakeClientSRP(session=...)`) against tlslite's server
/// with a `SessionCache` (session IDs).
#[test]
fn tlslite_client_resumes_with_tlslite_server_session_cache() {
    let _ = peers();
    let tmp = TempDir::new("resume-tlslite");
    let users = vec![(random_username(), random_password())];
    let (user, pw) = &users[0];
    let (mut server, port) = start_tlslite_server(
        &tmp,
        &users,
        2048,
        &["--session-cache", "--max-conns", "3", "--finished"],
    );
    let relay = Relay::start(port, 3);
    let lines = tlslite_client(relay.port, user, pw, &["--resume", "2", "--finished"]);
    let logs = relay.finish();
    let slines = server.expect_success(PROC_TIMEOUT);
    let resumed = |ls: &[String]| -> Vec<String> {
        ls.iter()
            .filter(|l| l.starts_with("RESUMED "))
            .cloned()
            .collect()
    };
    assert_eq!(
        resumed(&lines),
        ["RESUMED 0", "RESUMED 1", "RESUMED 1"],
        "{lines:?}"
    );
    assert_eq!(resumed(&slines), resumed(&lines), "{slines:?}");
    assert!(lines.iter().any(|l| l == "DONE ok=3 fail=0"), "{lines:?}");
    // Both sides saw the same Finished messages (tls-unique material) on each connection.
    let fin = |ls: &[String]| -> Vec<String> {
        ls.iter()
            .filter(|l| l.starts_with("FINISHED "))
            .cloned()
            .collect()
    };
    assert_eq!(fin(&lines), fin(&slines));
    assert_resumed_on_wire(&logs, 3, false);
}

/// tlslite-ng 0.8.2 quirk: its server issues TLS 1.2 tickets (`ticketKeys`), but a session
/// rebuilt from a ticket has no SRP username, so an SRP client offering the ticket (with
/// the SRP extension, as it must) gets `handshake_failure`.
#[test]
fn tlslite_server_ticket_resumption_fails_for_srp() {
    let _ = peers();
    let tmp = TempDir::new("resume-tlslite-ticket");
    let users = vec![(random_username(), random_password())];
    let (user, pw) = &users[0];
    let (mut server, port) =
        start_tlslite_server(&tmp, &users, 2048, &["--tickets", "--max-conns", "2"]);
    let relay = Relay::start(port, 2);
    let lines = tlslite_client(relay.port, user, pw, &["--resume", "1"]);
    let logs = relay.finish();
    let slines = server.expect_success(PROC_TIMEOUT);
    let sum = logs_summary(&logs);
    assert_eq!(logs.len(), 2, "{sum}");
    assert!(logs[0].ticket_issued(), "{sum}");
    assert!(logs[1].client_offered_ticket(), "{sum}");
    let conn: Vec<&String> = lines.iter().filter(|l| l.starts_with("CONN ")).collect();
    assert_eq!(conn.len(), 2, "{lines:?}");
    assert!(conn[0].starts_with("CONN ok "), "{lines:?}");
    assert!(
        conn[1].contains("alert_received=handshake_failure"),
        "{lines:?}"
    );
    assert!(
        slines
            .iter()
            .any(|l| l.contains("alert_sent=handshake_failure")),
        "{slines:?}"
    );
}

/// tlslite's client against the libssl server (`ossl_srp_server`): resumes by ticket
/// (tickets on by default) and by session ID (`--no-tickets`); libssl reports
/// `SSL_session_reused`.
#[test]
fn tlslite_client_resumes_with_libssl_server() {
    let _ = peers();
    let tmp = TempDir::new("resume-tlslite-ossl");
    let users = vec![(random_username(), random_password())];
    let (user, pw) = &users[0];
    let file = tmp.path("users.txt");
    write_users_file(&file, &users);
    for tickets in [true, false] {
        let mut args = vec![
            "--users",
            file.to_str().expect("path"),
            "--max-conns",
            "3",
            "--finished",
        ];
        if !tickets {
            args.push("--no-tickets");
        }
        let (mut server, port) = start_c_server(&args);
        let relay = Relay::start(port, 3);
        let lines = tlslite_client(relay.port, user, pw, &["--resume", "2"]);
        let logs = relay.finish();
        let slines = server.expect_success(PROC_TIMEOUT);
        assert!(lines.iter().any(|l| l == "DONE ok=3 fail=0"), "{lines:?}");
        let reused: Vec<bool> = slines
            .iter()
            .filter_map(|l| parse_finished_line(l))
            .map(|f| f.2)
            .collect();
        assert_eq!(reused, [false, true, true], "{slines:?}");
        assert_resumed_on_wire(&logs, 3, tickets);
        println!(
            "tlslite → libssl, tickets={tickets}:\n{}",
            logs_summary(&logs)
        );
    }
}

/// The relay's parser on a hand-made transcript: handshake messages split across records
/// and coalesced in one record, stopping at ChangeCipherSpec.
#[test]
fn relay_parser_reads_types_and_stops_at_ccs() {
    // ServerHello (session id 01 02, one extension 23 empty), split over two records,
    // then ServerHelloDone + NewSessionTicket in one record, CCS, then "encrypted" 22.
    let mut sh = vec![3, 3];
    sh.extend([0u8; 32]);
    sh.extend([2, 1, 2, 0xC0, 0x20, 0, 0, 4, 0, 23, 0, 0]);
    let mut hs = vec![2, 0, 0, sh.len() as u8];
    hs.extend(&sh);
    let (a, b) = hs.split_at(10);
    let rec = |ct: u8, body: &[u8]| {
        let mut r = vec![ct, 3, 3, 0, body.len() as u8];
        r.extend(body);
        r
    };
    let mut s2c = rec(22, a);
    s2c.extend(rec(22, b));
    s2c.extend(rec(22, &[14, 0, 0, 0, 4, 0, 0, 0]));
    s2c.extend(rec(20, &[1]));
    s2c.extend(rec(22, &[12, 0, 0, 0]));
    let log = WireLog::parse(&[], &s2c);
    assert_eq!(log.server_hs, [2, 14, 4]);
    assert_eq!(log.server_hello_session_id, [1, 2]);
    assert_eq!(log.server_hello_extensions, [(23, 0)]);
    assert!(log.abbreviated() && log.ticket_issued());
    // Truncated input: no panic, what was complete is kept.
    let log = WireLog::parse(&[], &s2c[..12]);
    assert!(log.server_hs.is_empty());
}

// ---------------------------------------------------------------------------------------
// Our resumption against the same peers, both roles. Every resumed connection is checked
// three ways: the peer's own report, our connection's `handshake_kind()`, and the relay's
// record of the wire (no ServerKeyExchange, no ClientKeyExchange), and it carries data.

/// Records one resumption cell (reached only when every check of the test passed).
fn record(peer: &str, role: &str, tickets: bool, n: usize) {
    let mech = if tickets { "ticket" } else { "session ID" };
    record_matrix(
        "resumption",
        &format!("resumption: {role}, {mech}"),
        &[MatrixRow {
            peer: peer.into(),
            role: role.into(),
            suite: "-".into(),
            group: "2048".into(),
            options: format!("resume by {mech}"),
            handshakes: n,
            result: format!("ok: 1 full, {} abbreviated (no SKE on the wire)", n - 1),
        }],
    );
}

/// Our server for `n` connections; `tickets`: also issue RFC 5077 tickets.
fn our_server(user: &str, pw: &str, n: usize, handler: Handler, tickets: bool) -> Server {
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user(user, pw.as_bytes(), SrpGroup::by_bits(2048).expect("2048"))
        .expect("add_user");
    let mut cfg = ServerConfig::new(store).expect("ServerConfig::new");
    if tickets {
        cfg.ticketer = Some(Ticketer::new().expect("ticketer"));
    }
    Server::start(Arc::new(cfg), n, handler)
}

/// Our server's view: first connection full, the others resumed, all for `user`.
fn assert_our_server_resumed(results: &[Result<ServerSaw, Fail>], n: usize, user: &str) {
    assert_eq!(results.len(), n, "{results:?}");
    for (i, r) in results.iter().enumerate() {
        let saw = r
            .as_ref()
            .unwrap_or_else(|e| panic!("connection {i}: {e:?}"));
        assert_eq!(saw.resumed, i > 0, "connection {i}: {results:?}");
        assert_eq!(
            saw.user, user,
            "a resumed session reports the original username"
        );
    }
}

#[test]
fn s_client_reconnect_resumes_with_our_server() {
    let _ = peers();
    for tickets in [false, true] {
        let (user, pw) = (random_username(), random_password());
        let server = our_server(&user, &pw, 6, close_handler, tickets);
        let relay = Relay::start(server.port(), 6);
        let (status, out) = s_client_reconnect(relay.port, &user, &pw, &[]);
        let logs = relay.finish();
        let results = server.join();
        assert_eq!(status.len(), 6, "{out}");
        assert!(status[0].starts_with("New, "), "{status:?}");
        assert!(
            status[1..].iter().all(|l| l.starts_with("Reused, ")),
            "{status:?}"
        );
        assert_our_server_resumed(&results, 6, &user);
        assert_resumed_on_wire(&logs, 6, tickets);
        record(
            "OpenSSL 3.0 s_client -reconnect",
            "their client → our server",
            tickets,
            6,
        );
        println!(
            "s_client -reconnect → our server, tickets={tickets}:\n{}",
            logs_summary(&logs)
        );
    }
}

#[test]
fn curl_two_urls_resume_with_our_server() {
    let _ = peers();
    let (user, pw) = (random_username(), random_password());
    let server = our_server(&user, &pw, 2, http_handler, false);
    let relay = Relay::start(server.port(), 2);
    let (st, out, err) = curl_urls(relay.port, &user, &pw, &["one", "two"]);
    let logs = relay.finish();
    let results = server.join();
    assert!(st.success(), "curl: {st}\n{err}");
    assert_eq!(out.matches(&user).count(), 2, "{out}");
    assert_eq!(err.matches("SSL re-using session ID").count(), 1, "{err}");
    assert_our_server_resumed(&results, 2, &user);
    assert_resumed_on_wire(&logs, 2, false);
    record("curl (OpenSSL 3.0)", "their client → our server", false, 2);
}

#[test]
fn gnutls_cli_resume_with_our_server() {
    let _ = peers();
    require_program("gnutls-cli", "--version");
    for tickets in [false, true] {
        let (user, pw) = (random_username(), random_password());
        let server = our_server(&user, &pw, 2, echo_handler, tickets);
        let relay = Relay::start(server.port(), 2);
        let (st, all) = gnutls_cli_resume(relay.port, &user, &pw, &[], b"hello\n");
        let logs = relay.finish();
        let results = server.join();
        assert!(st.success(), "gnutls-cli: {st}\n{all}");
        assert!(all.contains("*** This is a resumed session"), "{all}");
        assert!(all.contains("hello"), "{all}");
        assert_our_server_resumed(&results, 2, &user);
        assert_resumed_on_wire(&logs, 2, tickets);
        record(
            "GnuTLS 3.7.9 gnutls-cli --resume",
            "their client → our server",
            tickets,
            2,
        );
        println!(
            "gnutls-cli --resume → our server, tickets={tickets}:\n{}",
            logs_summary(&logs)
        );
    }
}

#[test]
fn tlslite_client_resumes_with_our_server() {
    let _ = peers();
    for tickets in [false, true] {
        let (user, pw) = (random_username(), random_password());
        let server = our_server(&user, &pw, 3, line_handler, tickets);
        let relay = Relay::start(server.port(), 3);
        let lines = tlslite_client(relay.port, &user, &pw, &["--resume", "2"]);
        let logs = relay.finish();
        let results = server.join();
        assert!(lines.iter().any(|l| l == "DONE ok=3 fail=0"), "{lines:?}");
        let resumed: Vec<&str> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("RESUMED "))
            .collect();
        assert_eq!(resumed, ["0", "1", "1"], "{lines:?}");
        record("tlslite-ng 0.8.2", "their client → our server", tickets, 3);
        assert_our_server_resumed(&results, 3, &user);
        // With tickets, tlslite offers the ticket along with the session ID of the first
        // ServerHello; our server resumes from the ticket and echoes that ID (RFC 5077 3.4).
        assert_resumed_on_wire(&logs, 3, tickets);
        println!(
            "tlslite --resume → our server, tickets={tickets}:\n{}",
            logs_summary(&logs)
        );
    }
}

/// Our client: `n` connections through one config (one session store) to 127.0.0.1:`port`,
/// each exchanging data with `exchange`; returns each connection's handshake kind.
fn our_client_runs(
    port: u16,
    cfg: &Arc<ClientConfig>,
    n: usize,
    exchange: fn(&mut Tls<ClientConnection>) -> Result<(), Fail>,
) -> Vec<HandshakeKind> {
    (0..n)
        .map(|i| {
            let sock = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
            let conn = ClientConnection::new(cfg.clone(), Some("localhost")).expect("client");
            let mut tls = Tls::new(conn, sock);
            tls.handshake()
                .unwrap_or_else(|e| panic!("connection {i}: handshake: {e:?}"));
            exchange(&mut tls).unwrap_or_else(|e| panic!("connection {i}: data: {e:?}"));
            let kind = tls.conn.handshake_kind().expect("kind after handshake");
            let _ = tls.close();
            kind
        })
        .collect()
}

fn first_full_then_resumed(n: usize) -> Vec<HandshakeKind> {
    let mut v = vec![HandshakeKind::Full];
    v.extend(std::iter::repeat_n(HandshakeKind::Resumed, n - 1));
    v
}

fn http_get(tls: &mut Tls<ClientConnection>) -> Result<(), Fail> {
    tls.send(b"GET / HTTP/1.0\r\n\r\n")?;
    let page = tls.read_until(|b| b.windows(4).any(|w| w == b"</HTML>" || w == b"</html"))?;
    let page = String::from_utf8_lossy(&page);
    assert!(page.starts_with("HTTP/1.0 200 ok"), "{page}");
    Ok(())
}

fn echo_line(tls: &mut Tls<ClientConnection>) -> Result<(), Fail> {
    tls.send(b"resumed hello\n")?;
    let got = tls.read_line()?;
    assert_eq!(got, "resumed hello");
    Ok(())
}

fn tlslite_line(tls: &mut Tls<ClientConnection>) -> Result<(), Fail> {
    tls.send(b"resumed hello\n")?;
    let got = tls.read_line()?;
    assert!(
        got.starts_with("OK ") && got.ends_with(" resumed hello"),
        "{got}"
    );
    Ok(())
}

#[test]
fn our_client_resumes_with_openssl_s_server() {
    let _ = peers();
    let tmp = TempDir::new("resume-ours-ossl");
    let vfile = tmp.path("srpvfile.txt");
    let (user, pw) = (random_username(), random_password());
    openssl_srp_add(&vfile, &user, &pw);
    for tickets in [true, false] {
        let extra: &[&str] = if tickets { &[] } else { &["-no_ticket"] };
        let (_s_server, port) = start_openssl_s_server(&vfile, extra);
        let relay = Relay::start(port, 4);
        let cfg = Arc::new(ClientConfig::new(user.as_str(), pw.as_str()));
        let kinds = our_client_runs(relay.port, &cfg, 4, http_get);
        let logs = relay.finish();
        assert_eq!(kinds, first_full_then_resumed(4), "{}", logs_summary(&logs));
        assert_resumed_on_wire(&logs, 4, tickets);
        record(
            "OpenSSL 3.0 s_server",
            "our client → their server",
            tickets,
            4,
        );
        println!(
            "our client → s_server, tickets={tickets}:\n{}",
            logs_summary(&logs)
        );
    }
}

#[test]
fn our_client_resumes_with_gnutls_serv() {
    let _ = peers();
    require_program("gnutls-serv", "--version");
    let tmp = TempDir::new("resume-ours-gnutls");
    let users = vec![(random_username(), random_password())];
    let (passwd, conf) = gnutls_srp_files(&tmp, &users);
    let (user, pw) = &users[0];
    for tickets in [true, false] {
        let extra: &[&str] = if tickets { &[] } else { &["--noticket"] };
        let (mut serv, port) = start_gnutls_serv(&passwd, &conf, extra);
        let relay = Relay::start(port, 3);
        let cfg = Arc::new(ClientConfig::new(user.as_str(), pw.as_str()));
        let kinds = our_client_runs(relay.port, &cfg, 3, echo_line);
        let logs = relay.finish();
        assert_eq!(kinds, first_full_then_resumed(3), "{}", logs_summary(&logs));
        serv.wait_for_prefix("*** This is a resumed session", PROC_TIMEOUT);
        assert_resumed_on_wire(&logs, 3, tickets);
        record(
            "GnuTLS 3.7.9 gnutls-serv",
            "our client → their server",
            tickets,
            3,
        );
        println!(
            "our client → gnutls-serv, tickets={tickets}:\n{}",
            logs_summary(&logs)
        );
    }
}

#[test]
fn our_client_resumes_with_tlslite_server_session_cache() {
    let _ = peers();
    let tmp = TempDir::new("resume-ours-tlslite");
    let users = vec![(random_username(), random_password())];
    let (mut server, port) =
        start_tlslite_server(&tmp, &users, 2048, &["--session-cache", "--max-conns", "3"]);
    let relay = Relay::start(port, 3);
    // tlslite's server cannot resume SRP sessions from tickets (see
    // tlslite_server_ticket_resumption_fails_for_srp): session IDs only.
    let mut c = ClientConfig::new(users[0].0.as_str(), users[0].1.as_str());
    c.resumption = Resumption::in_memory_sessions(4).tickets(false);
    let cfg = Arc::new(c);
    let kinds = our_client_runs(relay.port, &cfg, 3, tlslite_line);
    let logs = relay.finish();
    assert_eq!(kinds, first_full_then_resumed(3), "{}", logs_summary(&logs));
    for want in ["RESUMED 0", "RESUMED 1", "RESUMED 1"] {
        server.wait_for_prefix(want, PROC_TIMEOUT);
    }
    assert_resumed_on_wire(&logs, 3, false);
    record("tlslite-ng 0.8.2", "our client → their server", false, 3);
}
