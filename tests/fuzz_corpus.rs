//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/*`) through the same checks the
//! cargo-fuzz targets run (`fuzz/harness.rs`, shared), so that `cargo test` catches a
//! regression on any input the fuzzers once found interesting.
//!
//! The seed files are written by the ignored test `write_seed_corpus` (recorded flights
//! of an in-memory handshake of our own client and server, plus the captured OpenSSL, curl
//! and GnuTLS messages of `tests/codec.rs`):
//!
//! ```text
//! cargo test --test fuzz_corpus -- --ignored write_seed_corpus
//! ```

#[path = "../fuzz/harness.rs"]
mod harness;

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tls_srp::internal::msgs::codec::Codec;
use tls_srp::internal::msgs::deframer::MessageDeframer;
use tls_srp::internal::msgs::enums::ContentType;
use tls_srp::internal::msgs::handshake::{HandshakeMessagePayload, HandshakePayload};
use tls_srp::internal::msgs::joiner::HandshakeJoiner;
use tls_srp::{
    ClientConfig, ClientConnection, ConnectionCommon, InMemoryUserStore, ServerConfig,
    ServerConnection, SideData, SrpGroup,
};

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 7] = [
    ("codec_roundtrip", harness::codec_roundtrip),
    ("deframer", harness::deframer),
    ("record_open", harness::record_open),
    ("server", harness::server),
    ("client", harness::client),
    ("tls13_pake", harness::tls13_pake),
    ("pake_migrate", harness::pake_migrate),
];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
        .join(target)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Runs every file of one target's corpus, reporting all failing files at once.
fn replay(target: &str, f: Target) {
    let dir = corpus_dir(target);
    let inputs = files(&dir);
    assert!(!inputs.is_empty(), "no corpus in {}", dir.display());
    let failed: Vec<String> = inputs
        .iter()
        .filter(|p| {
            let data = fs::read(p).expect("read corpus file");
            catch_unwind(AssertUnwindSafe(|| f(&data))).is_err()
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{target}: {} of {} corpus files fail: {failed:#?}",
        failed.len(),
        inputs.len()
    );
}

#[test]
fn corpus_codec_roundtrip() {
    replay("codec_roundtrip", harness::codec_roundtrip);
}

#[test]
fn corpus_deframer() {
    replay("deframer", harness::deframer);
}

#[test]
fn corpus_record_open() {
    replay("record_open", harness::record_open);
}

#[test]
fn corpus_server() {
    replay("server", harness::server);
}

#[test]
fn corpus_client() {
    replay("client", harness::client);
}

#[test]
fn corpus_tls13_pake() {
    replay("tls13_pake", harness::tls13_pake);
}

#[test]
fn corpus_pake_migrate() {
    replay("pake_migrate", harness::pake_migrate);
}

/// The whole corpus stays small (it is committed).
#[test]
fn corpus_is_small() {
    let total: u64 = TARGETS
        .iter()
        .flat_map(|(t, _)| files(&corpus_dir(t)))
        .map(|p| fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    assert!(total < 1024 * 1024, "corpus is {total} bytes");
}

// ---------------------------------------------------------------------------------------
// Seed corpus generation

/// A hex constant of `tests/codec.rs` (a `concat!` of string literals), decoded.
fn captured(name: &str) -> Vec<u8> {
    let src = include_str!("codec.rs");
    let start = src
        .find(&format!("const {name}: &str = concat!("))
        .expect("constant in tests/codec.rs");
    let body = &src[start..];
    let end = body.find(");").expect("end of concat!");
    let hex: String = body[..end].split('"').skip(1).step_by(2).collect();
    hex::decode(hex).expect("hex")
}

/// The records of a wire stream.
fn records(wire: &[u8]) -> Vec<(ContentType, Vec<u8>)> {
    let mut d = MessageDeframer::new();
    d.extend(wire).expect("fits");
    let mut out = Vec::new();
    while let Some(m) = d.pop().expect("valid records") {
        out.push((m.typ, m.payload));
    }
    out
}

/// The raw handshake messages in the plaintext handshake records of a wire stream.
fn handshake_messages(wire: &[u8]) -> Vec<Vec<u8>> {
    let mut j = HandshakeJoiner::new();
    let mut out = Vec::new();
    for (typ, payload) in records(wire) {
        if typ != ContentType::Handshake {
            break; // encrypted from here on
        }
        j.push(&payload).expect("push");
        while let Some((_, raw)) = j.pop().expect("pop") {
            out.push(raw);
        }
    }
    out
}

fn take_tls<D0: SideData>(c: &mut ConnectionCommon<D0>) -> Vec<u8> {
    let mut v = Vec::new();
    while c.wants_write() {
        c.write_tls(&mut v).expect("write");
    }
    v
}

fn give<D0: SideData>(c: &mut ConnectionCommon<D0>, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        c.read_tls(&mut bytes).expect("read");
    }
    c.process_new_packets().expect("process");
}

/// The four flights of a successful in-memory handshake with a 1024-bit group, plus
/// application data both ways: (client 1, server 1, client 2, server 2, client data,
/// server data).
fn recorded_flights(etm: bool, user: &str) -> [Vec<u8>; 6] {
    let group = SrpGroup::by_bits(1024).expect("group");
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user(harness::USER, harness::PASSWORD.as_bytes(), group)
        .expect("user");
    let mut scfg = ServerConfig::new(store).expect("config");
    scfg.enable_encrypt_then_mac = etm;
    scfg.simulated_group = group;
    let mut ccfg = ClientConfig::new(user, harness::PASSWORD);
    ccfg.min_group_bits = 1024;
    let mut client = ClientConnection::new(Arc::new(ccfg), Some("localhost")).expect("client");
    let mut server = ServerConnection::new(Arc::new(scfg), None).expect("server");
    let c1 = take_tls(&mut client);
    give(&mut server, &c1);
    let s1 = take_tls(&mut server);
    give(&mut client, &s1);
    let c2 = take_tls(&mut client);
    if user != harness::USER {
        return [c1, s1, c2, Vec::new(), Vec::new(), Vec::new()];
    }
    give(&mut server, &c2);
    let s2 = take_tls(&mut server);
    give(&mut client, &s2);
    assert!(!client.is_handshaking() && !server.is_handshaking());
    std::io::Write::write_all(&mut client.writer(), b"GET / HTTP/1.0\r\n\r\n").expect("write");
    let c3 = take_tls(&mut client);
    std::io::Write::write_all(&mut server.writer(), &[0x5a; 300]).expect("write");
    server.send_close_notify();
    let s3 = take_tls(&mut server);
    [c1, s1, c2, s2, c3, s3]
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Writes the seed corpus. Deterministic names; the contents of recorded flights vary
/// (randoms), which does not matter for seeds.
#[test]
#[ignore = "writes fuzz/corpus; run by hand to regenerate the seeds"]
fn write_seed_corpus() {
    let write = |target: &str, name: &str, data: &[u8]| {
        let dir = corpus_dir(target);
        fs::create_dir_all(&dir).expect("mkdir");
        fs::write(dir.join(name), data).expect("write seed");
    };
    let [c1, s1, c2, s2, c3, s3] = recorded_flights(true, harness::USER);
    let [m1, n1, m2, n2, m3, n3] = recorded_flights(false, harness::USER);
    let [u1, _, u2, ..] = recorded_flights(true, "mallory");
    let openssl = captured("OPENSSL_CLIENT_HELLO");
    let curl = captured("CURL_CLIENT_HELLO");
    let gnutls = captured("GNUTLS_CLIENT_HELLO");
    let gnutls_server = captured("GNUTLS_SERVER_FLIGHT");

    // codec_roundtrip: every plaintext handshake message, the bodies decoded late, and
    // extension blocks.
    let mut msgs: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, wire) in [
        ("ours_client", &c1),
        ("ours_server", &s1),
        ("ours_client2", &c2),
        ("openssl_client", &openssl),
        ("curl_client", &curl),
        ("gnutls_client", &gnutls),
        ("gnutls_server", &gnutls_server),
    ] {
        for (i, raw) in handshake_messages(wire).into_iter().enumerate() {
            msgs.push((format!("{name}_{i}"), raw));
        }
    }
    for (name, raw) in &msgs {
        write("codec_roundtrip", &format!("msg_{name}"), raw);
        let body = &raw[4..];
        let msg = HandshakeMessagePayload::read_bytes(raw).expect("decodes");
        match &msg.payload {
            HandshakePayload::ClientHello(ch) => {
                write("codec_roundtrip", &format!("body_{name}"), body);
                let enc = ch.get_encoding();
                // The extensions block: after version, random, session id, suites, compression.
                let sid = 2 + 32;
                let after_sid = sid + 1 + usize::from(enc[sid]);
                let suites = usize::from(u16::from_be_bytes([enc[after_sid], enc[after_sid + 1]]));
                let comp = after_sid + 2 + suites;
                let exts = comp + 1 + usize::from(enc[comp]);
                write("codec_roundtrip", &format!("exts_{name}"), &enc[exts..]);
            }
            HandshakePayload::ServerHello(_) => {
                write("codec_roundtrip", &format!("body_{name}"), body);
                // Extensions follow version, random, session id, suite, compression.
                let sid = 2 + 32;
                let exts = sid + 1 + usize::from(body[sid]) + 3;
                if exts < body.len() {
                    write("codec_roundtrip", &format!("exts_{name}"), &body[exts..]);
                }
            }
            HandshakePayload::ServerKeyExchange(b) | HandshakePayload::ClientKeyExchange(b) => {
                write("codec_roundtrip", &format!("body_{name}"), b);
            }
            _ => {}
        }
    }
    write("codec_roundtrip", "alert_fatal_bad_record_mac", &[2, 20]);
    write("codec_roundtrip", "nst_empty", &[0, 0, 0x1c, 0x20, 0, 0]);

    // deframer: whole streams, in one chunk, byte by byte, and in uneven chunks.
    for (name, wire) in [
        ("client_flights", cat(&[&c1, &c2, &c3])),
        ("server_flights", cat(&[&s1, &s2, &s3])),
        ("curl_client_hello", curl.clone()),
        ("gnutls_server", gnutls_server.clone()),
    ] {
        write("deframer", &format!("{name}_whole"), &cat(&[&[0], &wire]));
        write(
            "deframer",
            &format!("{name}_bytes"),
            &cat(&[&[1, 0], &wire]),
        );
        write(
            "deframer",
            &format!("{name}_uneven"),
            &cat(&[&[4, 2, 100, 0x90, 7], &wire]),
        );
    }

    // record_open: each suite x EtM x (seal, seal+tamper, raw). Layout in the harness.
    let rec = |flags: u8, typ: u8, payload: &[u8], name: &str| {
        let mut v = vec![flags, typ, 0, 0, 0, 0, 0, 0, 0, 1, 0, 37];
        v.extend_from_slice(payload);
        write("record_open", name, &v);
    };
    for suite in [0u8, 1] {
        for etm in [0u8, 2] {
            let f = suite | etm;
            rec(f | 4, 23, b"hello, world", &format!("seal_{f}"));
            rec(f | 4, 22, &[0x5a; 300], &format!("seal_long_{f}"));
            rec(f | 4, 21, &[], &format!("seal_empty_{f}"));
            rec(f | 4 | 8, 23, b"tampered record", &format!("tamper_{f}"));
            rec(f, 23, &[0x77; 64], &format!("raw_64_{f}"));
            rec(f, 23, &[0x77; 48], &format!("raw_48_{f}"));
        }
    }
    // Real encrypted records from the recorded handshakes (the keys differ, so these
    // exercise the failure path with realistic lengths).
    for (i, (typ, payload)) in records(&cat(&[&c3, &s3])).into_iter().enumerate() {
        rec(2, typ.get(), &payload, &format!("recorded_etm_{i}"));
    }
    for (i, (typ, payload)) in records(&cat(&[&m3, &n3])).into_iter().enumerate() {
        rec(0, typ.get(), &payload, &format!("recorded_mte_{i}"));
    }

    // server: the client's flights, whole and in pieces, with each config.
    let client_stream = cat(&[&c1, &c2, &c3]);
    for (mode, name) in [
        (0x00u8, "store"),
        (0x10, "async"),
        (0x20, "reject"),
        (0x30, "async_reject"),
    ] {
        write(
            "server",
            &format!("ours_{name}"),
            &cat(&[&[mode], &client_stream]),
        );
        write(
            "server",
            &format!("unknown_user_{name}"),
            &cat(&[&[mode], &u1, &u2]),
        );
    }
    write("server", "ours_mte", &cat(&[&[0], &m1, &m2, &m3]));
    write("server", "ours_bytes", &cat(&[&[1, 0], &client_stream]));
    write(
        "server",
        "ours_uneven",
        &cat(&[&[3, 5, 0x81, 60], &client_stream]),
    );
    write("server", "openssl_client_hello", &cat(&[&[0], &openssl]));
    write("server", "curl_client_hello", &cat(&[&[0], &curl]));
    write("server", "gnutls_client_hello", &cat(&[&[0x10], &gnutls]));

    // client: the server's flights (raw mode), and structured first flights.
    let server_stream = cat(&[&s1, &s2, &s3]);
    write("client", "ours", &cat(&[&[0], &server_stream]));
    write("client", "ours_mte", &cat(&[&[0], &n1, &n2, &n3]));
    write("client", "ours_bytes", &cat(&[&[1, 0], &server_stream]));
    write(
        "client",
        "ours_uneven",
        &cat(&[&[3, 9, 0x82, 33], &server_stream]),
    );
    write("client", "gnutls_server", &cat(&[&[0], &gnutls_server]));
    // Structured: flags, salt length, salt, B selector (0: group length), B, then a raw tail
    // (chunk control byte, then the server's second flight from a real handshake).
    let b: Vec<u8> = (0..128u8).map(|i| i.wrapping_mul(37) | 1).collect();
    for flags in [0x00u8, 0x06, 0x0f, 0x1f, 0x3e, 0x87] {
        let mut v = vec![0x80, flags, 16];
        v.extend_from_slice(&[0xab; 16]);
        v.push(0);
        v.extend_from_slice(&b);
        v.push(0);
        v.extend_from_slice(&s2);
        write("client", &format!("structured_{flags:02x}"), &v);
    }
    // Structured: the 1536-bit group and a one-byte B of 0; an altered (unknown) group.
    write(
        "client",
        "structured_group1536",
        &[0x80, 0x40, 1, 4, 1, 2, 3, 4, 1, 0],
    );
    write(
        "client",
        "structured_unknown_group",
        &[0x80, 0x40, 0x80, 4, 1, 2, 3, 4, 0],
    );
}
