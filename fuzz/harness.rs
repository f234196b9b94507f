//! The checks behind every fuzz target, shared by the cargo-fuzz binaries (`fuzz/fuzz_targets/`)
//! and by `tests/fuzz_corpus.rs`, which replays the committed corpus in `cargo test`.
//!
//! Each entry point takes arbitrary bytes and panics only when the library breaks one of its
//! promises: a panic inside the library, a decode/encode round trip that does not hold, an
//! error of a kind that peer input must never cause (`General`, `ApiMisuse`), buffers
//! growing past their documented bounds, or a connection that keeps producing output.
//!
//! Input layout shared by the stream targets (`deframer`, `server`, `client` raw mode):
//!
//! ```text
//! byte 0: low 4 bits = n, the number of chunk-size bytes that follow (0: one chunk)
//! bytes 1..=n: chunk sizes, used in turn (see `chunk_size`)
//! rest: the byte stream
//! ```
//!
//! No dependency beyond `tls_srp`, std and `p256` (one of `tls_srp`'s own dependencies, for the
//! special points of the `tls13_pake` target), so that the root crate's tests can include this
//! file with `#[path]`.

#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use tls_srp::internal::crypto::cbc::{new_decrypter, new_encrypter, DirectionKeys};
use tls_srp::internal::msgs::alert::AlertMessagePayload;
use tls_srp::internal::msgs::codec::{Bounds, Codec};
use tls_srp::internal::msgs::deframer::MessageDeframer;
use tls_srp::internal::msgs::enums::{
    CipherSuite, Compression, ContentType, ExtensionType, HandshakeType, ProtocolVersion,
};
use tls_srp::internal::msgs::handshake::{
    ClientExtension, ClientHelloPayload, HandshakeMessagePayload, HandshakePayload,
    NewSessionTicketPayload, Random, ServerExtension, ServerHelloPayload, SessionId,
    SrpClientKeyExchange, SrpServerKeyExchange,
};
use tls_srp::internal::msgs::joiner::HandshakeJoiner;
use tls_srp::internal::msgs::message::{
    OpaqueMessage, PlainMessage, HEADER_SIZE, MAX_CIPHERTEXT_LEN, MAX_FRAGMENT_LEN,
    MAX_HANDSHAKE_SIZE, MAX_WIRE_SIZE,
};
use tls_srp::suites::{TLS_SRP_SHA_WITH_AES_128_CBC_SHA, TLS_SRP_SHA_WITH_AES_256_CBC_SHA};
use tls_srp::{
    ClientConfig, ClientConnection, ConnectionCommon, Error, InMemoryUserStore, ServerConfig,
    ServerConnection, SideData, SrpGroup, UnknownUserPolicy,
};

/// The user known to the fuzzed server, and the credentials of the fuzzed client.
pub const USER: &str = "alice";
/// Its password.
pub const PASSWORD: &str = "password123";

/// Output a connection may queue in reply to one input, at most: far more than a flight
/// (a few KB with a 1024-bit group) plus alerts. More means something keeps producing.
const MAX_OUTPUT: usize = 64 * 1024;

// ---------------------------------------------------------------------------------------
// Input splitting

/// A chunk size from one control byte: 1..=128 in steps of 1, then multiples of 128 up to
/// 16 384 (so that both byte-at-a-time and whole-record feeding are reachable).
fn chunk_size(b: u8) -> usize {
    if b < 128 {
        usize::from(b) + 1
    } else {
        (usize::from(b) - 127) * 128
    }
}

/// Splits `data` into the chunk sizes and the stream (layout in the module docs).
pub fn split_chunks(data: &[u8]) -> (Vec<usize>, &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return (Vec::new(), data);
    };
    let n = usize::from(first & 0x0f).min(rest.len());
    let (ctl, stream) = rest.split_at(n);
    (ctl.iter().map(|&b| chunk_size(b)).collect(), stream)
}

/// Iterates over `stream` in the given chunk sizes, cycling (one chunk if there are none).
fn chunks<'a>(sizes: &'a [usize], mut stream: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut i = 0usize;
    std::iter::from_fn(move || {
        if stream.is_empty() {
            return None;
        }
        let size = match sizes {
            [] => stream.len(),
            s => s[i % s.len()],
        };
        i = i.wrapping_add(1);
        let (head, tail) = stream.split_at(size.min(stream.len()));
        stream = tail;
        Some(head)
    })
}

// ---------------------------------------------------------------------------------------
// codec_roundtrip

/// Decodes `data` as every wire structure we have; whatever decodes must encode, decode to
/// the same value, and encode to the same bytes again. Hellos and extension lists must
/// also re-encode to exactly the input, except for the two exceptions documented in
/// `src/msgs/handshake.rs` (an empty extensions block; a server_name list with name types
/// other than host_name).
pub fn codec_roundtrip(data: &[u8]) {
    if let Some(msg) = round_trip::<HandshakeMessagePayload>(data) {
        let exempt = match &msg.payload {
            HandshakePayload::ClientHello(ch) => client_hello_exempt(ch, data.len() - 4),
            HandshakePayload::ServerHello(sh) => sh.extensions.is_empty(),
            _ => false,
        };
        if !exempt {
            assert_eq!(
                msg.get_encoding(),
                data,
                "handshake message does not re-encode to its input"
            );
        }
        // Suite-dependent bodies, decoded late by the state machines.
        match &msg.payload {
            HandshakePayload::ServerKeyExchange(b) => {
                codec_roundtrip_exact::<SrpServerKeyExchange>(b)
            }
            HandshakePayload::ClientKeyExchange(b) => {
                codec_roundtrip_exact::<SrpClientKeyExchange>(b)
            }
            _ => {}
        }
    }
    if let Some(ch) = round_trip::<ClientHelloPayload>(data) {
        if !client_hello_exempt(&ch, data.len()) {
            assert_eq!(
                ch.get_encoding(),
                data,
                "ClientHello does not re-encode to its input"
            );
        }
    }
    if let Some(sh) = round_trip::<ServerHelloPayload>(data) {
        if !sh.extensions.is_empty() {
            assert_eq!(
                sh.get_encoding(),
                data,
                "ServerHello does not re-encode to its input"
            );
        }
    }
    // Extension lists as they appear in hellos (`Extension extensions<0..2^16-1>`).
    let list = Bounds::u16(0, 0xffff, "extensions");
    if let Ok(exts) =
        list.read_list::<ClientExtension>(&mut tls_srp::internal::msgs::codec::Reader::init(data))
    {
        let mut enc = Vec::new();
        list.encode_list(&mut enc, &exts);
        let again = list
            .read_list::<ClientExtension>(&mut tls_srp::internal::msgs::codec::Reader::init(&enc))
            .expect("re-encoded client extensions decode");
        assert_eq!(again, exts, "client extensions change in a round trip");
        let has_server_name = exts
            .iter()
            .any(|e| e.ext_type() == ExtensionType::ServerName);
        if !has_server_name {
            assert_eq!(
                enc,
                data.get(..enc.len()).unwrap_or_default(),
                "client extensions do not re-encode"
            );
        }
    }
    if let Ok(exts) =
        list.read_list::<ServerExtension>(&mut tls_srp::internal::msgs::codec::Reader::init(data))
    {
        let mut enc = Vec::new();
        list.encode_list(&mut enc, &exts);
        let again = list
            .read_list::<ServerExtension>(&mut tls_srp::internal::msgs::codec::Reader::init(&enc))
            .expect("re-encoded server extensions decode");
        assert_eq!(again, exts, "server extensions change in a round trip");
        assert_eq!(
            enc,
            data.get(..enc.len()).unwrap_or_default(),
            "server extensions do not re-encode"
        );
    }
    codec_roundtrip_exact::<SrpServerKeyExchange>(data);
    codec_roundtrip_exact::<SrpClientKeyExchange>(data);
    codec_roundtrip_exact::<NewSessionTicketPayload>(data);
    codec_roundtrip_exact::<AlertMessagePayload>(data);
}

/// Whether a ClientHello (whose encoding should be `len` bytes) may legitimately
/// re-encode differently: the documented exceptions.
fn client_hello_exempt(ch: &ClientHelloPayload, len: usize) -> bool {
    let empty_block = ch.extensions.is_empty() && ch.get_encoding().len() + 2 == len;
    let server_name = ch.find_extension(ExtensionType::ServerName).is_some();
    empty_block || server_name
}

/// If `data` decodes as `T`, checks the semantic round trip and returns the value.
fn round_trip<T>(data: &[u8]) -> Option<T>
where
    T: for<'a> Codec<'a> + PartialEq + core::fmt::Debug,
{
    let v = T::read_bytes(data).ok()?;
    let enc = v.get_encoding();
    let again = match T::read_bytes(&enc) {
        Ok(a) => a,
        Err(e) => panic!(
            "{} re-encoding does not decode: {e:?}",
            core::any::type_name::<T>()
        ),
    };
    assert_eq!(
        again,
        v,
        "{} changes in a round trip",
        core::any::type_name::<T>()
    );
    assert_eq!(
        again.get_encoding(),
        enc,
        "{} encoding is not stable",
        core::any::type_name::<T>()
    );
    Some(v)
}

/// Round trip that must also reproduce the input bytes exactly.
fn codec_roundtrip_exact<T>(data: &[u8])
where
    T: for<'a> Codec<'a> + PartialEq + core::fmt::Debug,
{
    if let Some(v) = round_trip::<T>(data) {
        assert_eq!(
            v.get_encoding(),
            data,
            "{} does not re-encode to its input",
            core::any::type_name::<T>()
        );
    }
}

// ---------------------------------------------------------------------------------------
// deframer

/// Feeds the stream through a `MessageDeframer` in the given chunks, popping records, and
/// the handshake records through a `HandshakeJoiner`. Checks: the buffer never exceeds one
/// maximal record; every record popped has a valid header and re-encodes to exactly the
/// bytes it came from; the joiner hands out messages whose raw bytes are exactly the
/// handshake payloads in order and which decode to what it returned.
pub fn deframer(data: &[u8]) {
    let (sizes, stream) = split_chunks(data);
    let mut d = MessageDeframer::new();
    let mut j = HandshakeJoiner::new();
    let mut consumed = Vec::new(); // the re-encoded records, in order
    let mut hs_in = Vec::new(); // handshake payloads pushed into the joiner
    let mut hs_out = Vec::new(); // raw handshake messages popped
    let mut dead = false;
    let mut joiner_dead = false;
    'feed: for mut chunk in chunks(&sizes, stream) {
        while !chunk.is_empty() {
            match d.read(&mut chunk) {
                Ok(n) => assert!(n > 0, "deframer read 0 bytes of a non-empty chunk"),
                // Buffer full: only possible if nobody popped (we always pop below).
                Err(_) => {
                    assert!(d.buffered() >= MAX_WIRE_SIZE, "read refused with room left");
                    panic!("deframer buffer full although every whole record was popped");
                }
            }
            assert!(
                d.buffered() <= MAX_WIRE_SIZE,
                "deframer buffer exceeds one record"
            );
            loop {
                match d.pop() {
                    Ok(Some(m)) => {
                        check_record(&m);
                        m.encode_into(&mut consumed);
                        if m.typ == ContentType::Handshake && !joiner_dead {
                            joiner_dead = !push_joiner(&mut j, &m.payload, &mut hs_in, &mut hs_out);
                        }
                    }
                    Ok(None) => break,
                    Err(_) => {
                        dead = true;
                        break 'feed;
                    }
                }
            }
            // A whole record is never left behind unpopped.
            assert!(
                d.buffered() < MAX_WIRE_SIZE,
                "a full buffer that does not pop"
            );
        }
    }
    // The records popped are exactly a prefix of the stream.
    assert_eq!(
        consumed.as_slice(),
        &stream[..consumed.len()],
        "records do not re-encode to the stream"
    );
    if !dead {
        assert_eq!(
            consumed.len() + d.buffered(),
            stream.len(),
            "deframer lost or invented bytes"
        );
    }
    assert_eq!(
        hs_out.as_slice(),
        &hs_in[..hs_out.len()],
        "joiner output is not its input"
    );
}

/// A popped record must satisfy what the deframer promises about headers.
fn check_record(m: &OpaqueMessage) {
    let typ = m.typ.get();
    assert!(
        (20..=24).contains(&typ),
        "deframer popped content type {typ}"
    );
    assert_eq!(m.version.get() >> 8, 3, "deframer popped a non-3.x version");
    assert!(
        m.payload.len() <= MAX_CIPHERTEXT_LEN,
        "deframer popped an oversized record"
    );
}

/// Pushes one handshake payload into the joiner and pops what it can. False once the
/// joiner has failed (it is not used any more).
fn push_joiner(
    j: &mut HandshakeJoiner,
    payload: &[u8],
    hs_in: &mut Vec<u8>,
    hs_out: &mut Vec<u8>,
) -> bool {
    if j.push(payload).is_err() {
        return false;
    }
    hs_in.extend_from_slice(payload);
    loop {
        match j.pop() {
            Ok(Some((msg, raw))) => {
                assert!(
                    raw.len() <= 4 + MAX_HANDSHAKE_SIZE,
                    "joiner popped an oversized message"
                );
                let again =
                    HandshakeMessagePayload::read_bytes(&raw).expect("joiner's raw bytes decode");
                assert_eq!(again, msg, "joiner's message is not its raw bytes");
                hs_out.extend_from_slice(&raw);
            }
            Ok(None) => return true,
            // A message that fails to decode is an error that ends the connection; the
            // bytes are still consumed, so account for them and stop.
            Err(_) => return false,
        }
    }
}

// ---------------------------------------------------------------------------------------
// record_open

const MAC_KEY: [u8; 20] = [0x11; 20];
const ENC_KEY: [u8; 32] = [0x22; 32];

/// Opens an arbitrary record with fixed keys. Byte 0 selects the suite (bit 0), EtM
/// (bit 1) and the mode (bit 2: seal the rest first, then maybe flip one bit, and open);
/// byte 1 is the content type, bytes 2..10 the sequence number, bytes 10..12 the flip
/// position (mode 1), the rest the payload. Opening must return the sealed plaintext for
/// an untouched record and fail with `DecryptError` for a tampered one; for raw records
/// only `DecryptError` and `RecordOverflow` are allowed.
pub fn record_open(data: &[u8]) {
    if data.len() < 12 {
        return;
    }
    let (head, payload) = data.split_at(12);
    let suite = if head[0] & 1 == 0 {
        &TLS_SRP_SHA_WITH_AES_128_CBC_SHA
    } else {
        &TLS_SRP_SHA_WITH_AES_256_CBC_SHA
    };
    let etm = head[0] & 2 != 0;
    let seal_first = head[0] & 4 != 0;
    let typ = ContentType::from(head[1]);
    let mut seq_bytes = [0u8; 8];
    seq_bytes.copy_from_slice(&head[2..10]);
    let seq = u64::from_be_bytes(seq_bytes);
    let flip = usize::from(u16::from_be_bytes([head[10], head[11]]));
    let keys = || DirectionKeys {
        mac_key: &MAC_KEY,
        enc_key: &ENC_KEY[..suite.enc_key_len],
    };
    let mut dec = new_decrypter(suite, keys(), etm);
    let version = ProtocolVersion::TLSv1_2;

    if !seal_first {
        let msg = OpaqueMessage {
            typ,
            version,
            payload: payload.to_vec(),
        };
        match dec.decrypt(msg, seq) {
            Ok(plain) => assert!(
                plain.payload.len() <= MAX_FRAGMENT_LEN,
                "opened plaintext over 2^14"
            ),
            Err(Error::DecryptError | Error::RecordOverflow) => {}
            Err(e) => panic!("record open failed with {e:?}"),
        }
        return;
    }

    let payload = &payload[..payload.len().min(MAX_FRAGMENT_LEN)];
    let mut enc = new_encrypter(suite, keys(), etm);
    let plain = PlainMessage {
        typ,
        version,
        payload: payload.to_vec(),
    };
    let sealed = enc
        .encrypt(&plain, seq)
        .expect("sealing a record of at most 2^14 bytes");
    assert_eq!(
        sealed.payload.len(),
        enc.encrypted_len(payload.len()),
        "encrypted_len is wrong"
    );
    assert!(
        sealed.payload.len() <= MAX_CIPHERTEXT_LEN,
        "sealed record too large"
    );
    // Bit 3 of byte 0: tamper with one bit (position `flip`, modulo the length).
    if head[0] & 8 == 0 {
        let opened = dec.decrypt(sealed, seq).expect("opening what we sealed");
        assert_eq!(opened.typ, typ);
        assert_eq!(opened.payload, payload, "open(seal(p)) != p");
    } else {
        let mut tampered = sealed;
        let len = tampered.payload.len();
        let pos = flip % len;
        tampered.payload[pos] ^= 1 << (head[1] & 7);
        assert_eq!(
            dec.decrypt(tampered, seq).map(|m| m.payload),
            Err(Error::DecryptError),
            "tampered record opened"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Connections

fn group_1024() -> &'static SrpGroup {
    SrpGroup::by_bits(1024).expect("the RFC 5054 1024-bit group")
}

/// Server config: `alice` with a 1024-bit verifier, unknown users simulated in the same
/// group, a fixed simulation secret. Built once (the verifier costs an exponentiation).
fn server_config(async_lookup: bool, policy: UnknownUserPolicy) -> Arc<ServerConfig> {
    static STORE: OnceLock<Arc<InMemoryUserStore>> = OnceLock::new();
    static CONFIGS: OnceLock<Vec<Arc<ServerConfig>>> = OnceLock::new();
    let configs = CONFIGS.get_or_init(|| {
        let store = STORE
            .get_or_init(|| {
                let s = Arc::new(InMemoryUserStore::new());
                s.add_user(USER, PASSWORD.as_bytes(), group_1024())
                    .expect("add user");
                s
            })
            .clone();
        let mut out = Vec::new();
        for asy in [false, true] {
            for pol in [UnknownUserPolicy::Simulate, UnknownUserPolicy::Reject] {
                let mut cfg = if asy {
                    ServerConfig::with_async_lookup()
                } else {
                    ServerConfig::new(store.clone())
                }
                .expect("config");
                cfg.simulated_group = group_1024();
                cfg.unknown_users = pol;
                cfg.set_simulation_secret([7; 32]);
                // The rate limiter runs (attempts start and settle) but never delays or
                // locks out, and no deadline applies: each input behaves the same whatever
                // came before it and however slowly it runs.
                cfg.rate_limiter = Some(Arc::new(tls_srp::RateLimiter::new(
                    tls_srp::RateLimitConfig {
                        user_free_failures: u32::MAX,
                        user_lockout_failures: u32::MAX,
                        ip_free_failures: u32::MAX,
                        ip_lockout_failures: u32::MAX,
                        ..Default::default()
                    },
                )));
                cfg.client_hello_timeout = None;
                cfg.handshake_timeout = None;
                cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
                // Tickets on for the synchronous configs: the session_ticket extension's
                // contents then reach the ticket opener.
                if !asy {
                    cfg.ticketer = Some(tls_srp::Ticketer::new().expect("ticketer"));
                }
                out.push(Arc::new(cfg));
            }
        }
        out
    });
    let i = usize::from(async_lookup) * 2 + usize::from(policy == UnknownUserPolicy::Reject);
    configs[i].clone()
}

/// The user record an asynchronous lookup supplies.
fn alice_record() -> tls_srp::UserRecord {
    static REC: OnceLock<tls_srp::UserRecord> = OnceLock::new();
    REC.get_or_init(|| {
        tls_srp::UserRecord::new(USER, PASSWORD.as_bytes(), group_1024()).expect("record")
    })
    .clone()
}

/// Client config: `alice`, groups of 1024 bits accepted, both suites, EMS and EtM offered.
pub fn client_config() -> Arc<ClientConfig> {
    static CFG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    CFG.get_or_init(|| {
        let mut c = ClientConfig::new(USER, PASSWORD);
        c.min_group_bits = 1024;
        c.alpn_protocols = vec![b"h2".to_vec()];
        Arc::new(c)
    })
    .clone()
}

/// Errors that peer input must never cause.
fn check_error(e: &Error) {
    assert!(
        !matches!(e, Error::General(_) | Error::ApiMisuse(_)),
        "peer input caused {e:?}"
    );
}

/// Moves every queued TLS byte of `conn` into `out`, checking that output stays bounded.
fn sink<D0: SideData>(conn: &mut ConnectionCommon<D0>, out: &mut Vec<u8>) {
    while conn.wants_write() {
        let before = out.len();
        conn.write_tls(out).expect("writing to a Vec");
        assert!(out.len() > before, "wants_write but wrote nothing");
        assert!(out.len() <= MAX_OUTPUT, "connection keeps producing output");
    }
}

/// After `process_new_packets` failed with `e`: checks the error's kind, that it is
/// sticky, and that nothing more is queued.
fn check_failed<D0: SideData>(conn: &mut ConnectionCommon<D0>, out: &mut Vec<u8>, e: Error) {
    check_error(&e);
    assert_eq!(
        conn.process_new_packets().err(),
        Some(e),
        "error is not sticky"
    );
    let queued = out.len();
    sink(conn, out);
    assert_eq!(out.len(), queued, "output after a fatal error");
}

/// Reads and discards received plaintext so that the plaintext buffer never fills.
fn drain_plaintext<D0: SideData>(conn: &mut ConnectionCommon<D0>) {
    let mut buf = [0u8; 4096];
    while let Ok(k) = std::io::Read::read(&mut conn.reader(), &mut buf) {
        if k == 0 {
            break;
        }
    }
}

/// Drives one connection with `stream` in chunks: `read_tls`, `process_new_packets`,
/// `write_tls`, read plaintext, and `lookup` (which answers a paused server's user lookup
/// and returns true if it did). Checks: no panic, errors are sticky and of an allowed
/// kind, the output stays bounded, a lookup is asked for at most once.
fn drive<C, D0: SideData>(
    conn: &mut C,
    sizes: &[usize],
    stream: &[u8],
    mut lookup: impl FnMut(&mut C) -> Result<bool, Error>,
) where
    C: core::ops::DerefMut<Target = ConnectionCommon<D0>>,
{
    let mut out = Vec::new();
    let mut lookups = 0;
    sink(conn, &mut out);
    for mut chunk in chunks(sizes, stream) {
        while !chunk.is_empty() {
            match conn.read_tls(&mut chunk) {
                // close_notify received, or buffers full (a paused handshake or unread
                // plaintext): the peer gets no further, stop.
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            loop {
                let res = conn.process_new_packets();
                sink(conn, &mut out);
                if let Err(e) = res {
                    return check_failed(conn, &mut out, e);
                }
                drain_plaintext(conn);
                match lookup(conn) {
                    Ok(false) => break,
                    Ok(true) => {
                        lookups += 1;
                        assert_eq!(lookups, 1, "a second user lookup in one handshake");
                    }
                    Err(e) => return check_error(&e),
                }
            }
        }
    }
}

/// A `ServerConnection` fed `data` (chunk layout in the module docs) as the client's
/// flights. Bits 4 and 5 of byte 0 choose the config: bit 4 = asynchronous user lookup
/// (answered with `alice`'s record if the username is `alice`, else with none), bit 5 =
/// reject unknown users instead of simulating them.
pub fn server(data: &[u8]) {
    let mode = data.first().copied().unwrap_or(0);
    let async_lookup = mode & 0x10 != 0;
    let policy = if mode & 0x20 != 0 {
        UnknownUserPolicy::Reject
    } else {
        UnknownUserPolicy::Simulate
    };
    let (sizes, stream) = split_chunks(data);
    let mut conn = ServerConnection::new(server_config(async_lookup, policy), None)
        .expect("server connection");
    drive(&mut conn, &sizes, stream, |conn: &mut ServerConnection| {
        let Some(user) = conn.pending_user_lookup().map(str::to_owned) else {
            return Ok(false);
        };
        conn.supply_user((user == USER).then(alice_record))?;
        Ok(true)
    });
}

/// A `ClientConnection` fed `data` as the server's flights. Byte 0, bit 7 clear: raw mode,
/// the stream layout of the module docs. Bit 7 set: structured mode, a plausible first
/// server flight built from the next bytes (see `server_flight`), followed by the rest of
/// the input as raw bytes, so that the fuzzer spends its time after the SRP exchange.
pub fn client(data: &[u8]) {
    let mut conn =
        ClientConnection::new(client_config(), Some("localhost")).expect("client connection");
    match data.first() {
        Some(&m) if m & 0x80 != 0 => {
            let (flight, rest) = server_flight(&data[1..]);
            let (sizes, tail) = split_chunks(rest);
            let mut stream = flight;
            stream.extend_from_slice(tail);
            drive(&mut conn, &sizes, &stream, |_| Ok(false));
        }
        _ => {
            let (sizes, stream) = split_chunks(data);
            drive(&mut conn, &sizes, stream, |_| Ok(false));
        }
    }
}

/// Takes `n` bytes from `input` (fewer at its end).
fn take<'a>(input: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (h, t) = input.split_at(n.min(input.len()));
    *input = t;
    h
}

/// Builds ServerHello, ServerKeyExchange and ServerHelloDone as one handshake record from
/// the bytes of `input`:
///
/// ```text
/// byte: flags  bit 0 suite (128/256), bit 1 EMS ack, bit 2 EtM ack, bit 3 renegotiation_info,
///              bit 4 ALPN "h2", bit 5 session ticket ack, bit 6 a group selector byte
///              follows (else the 1024-bit group), bit 7 put each message in its own record
/// [byte: group selector, if bit 6: bit 0 = 1536 bits (else 1024), bit 7 = alter N]
/// byte: salt length (0..=255; 0 is illegal on the wire, which is a test too)
/// salt bytes
/// byte: B length selector: 0 = the group's length, else that many bytes (1..=255)
/// B bytes (padded with 0x5a if the input is short)
/// ```
///
/// Returns the records and what remains of the input.
fn server_flight(mut input: &[u8]) -> (Vec<u8>, &[u8]) {
    let flags = take(&mut input, 1).first().copied().unwrap_or(0);
    // Larger groups would make an execution cost seconds: 1024 and 1536 bits only. The
    // size checks for larger groups are covered by the unit and handshake tests.
    let group_sel = if flags & 0x40 != 0 {
        take(&mut input, 1).first().copied().unwrap_or(0)
    } else {
        0
    };
    let group =
        SrpGroup::by_bits(if group_sel & 1 == 0 { 1024 } else { 1536 }).expect("RFC 5054 group");
    let salt_len = usize::from(take(&mut input, 1).first().copied().unwrap_or(16));
    let salt = take(&mut input, salt_len).to_vec();
    let b_sel = usize::from(take(&mut input, 1).first().copied().unwrap_or(0));
    let b_len = if b_sel == 0 { group.byte_len() } else { b_sel };
    let mut b = take(&mut input, b_len).to_vec();
    b.resize(b_len, 0x5a);

    let suite = if flags & 1 == 0 {
        CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA
    } else {
        CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA
    };
    let mut extensions = Vec::new();
    if flags & 2 != 0 {
        extensions.push(ServerExtension::ExtendedMasterSecretAck);
    }
    if flags & 4 != 0 {
        extensions.push(ServerExtension::EncryptThenMacAck);
    }
    if flags & 8 != 0 {
        extensions.push(ServerExtension::RenegotiationInfo(Vec::new()));
    }
    if flags & 0x10 != 0 {
        extensions.push(ServerExtension::Alpn(b"h2".to_vec()));
    }
    if flags & 0x20 != 0 {
        extensions.push(ServerExtension::SessionTicketAck);
    }
    let sh = HandshakeMessagePayload::new(HandshakePayload::ServerHello(ServerHelloPayload {
        server_version: ProtocolVersion::TLSv1_2,
        random: Random([0x42; 32]),
        session_id: SessionId(vec![0x33; 32]),
        cipher_suite: suite,
        compression_method: Compression::Null,
        extensions,
    }));
    // Encoded by hand: an empty salt is outside `srp_s<1..2^8-1>`, which the codec refuses
    // to encode (debug assertion) but a hostile server sends anyway.
    let mut body = Vec::new();
    // Bit 7 of the group selector: alter N's last byte (an unknown group).
    let mut n = group.n().to_vec();
    if group_sel & 0x80 != 0 {
        if let Some(last) = n.last_mut() {
            *last ^= group_sel | 1;
        }
    }
    for (field, wide) in [
        (&n[..], true),
        (group.g(), true),
        (&salt[..], false),
        (&b[..], true),
    ] {
        if wide {
            body.extend_from_slice(&(field.len() as u16).to_be_bytes());
        } else {
            body.push(field.len() as u8);
        }
        body.extend_from_slice(field);
    }
    let ske = HandshakeMessagePayload::new(HandshakePayload::ServerKeyExchange(body));
    let shd = HandshakeMessagePayload::new(HandshakePayload::ServerHelloDone);
    let msgs = [sh.get_encoding(), ske.get_encoding(), shd.get_encoding()];
    let mut out = Vec::new();
    if flags & 0x80 != 0 {
        for m in &msgs {
            handshake_record(&mut out, m);
        }
    } else {
        handshake_record(&mut out, &msgs.concat());
    }
    (out, input)
}

/// Appends `body` as plaintext handshake record(s) of at most 2^14 bytes.
fn handshake_record(out: &mut Vec<u8>, body: &[u8]) {
    for part in body.chunks(MAX_FRAGMENT_LEN) {
        OpaqueMessage {
            typ: ContentType::Handshake,
            version: ProtocolVersion::TLSv1_2,
            payload: part.to_vec(),
        }
        .encode_into(out);
    }
}

/// The header size, re-exported for corpus tools.
pub const RECORD_HEADER_SIZE: usize = HEADER_SIZE;

/// Handshake type of a raw handshake message, for corpus tools.
pub fn handshake_type(raw: &[u8]) -> Option<HandshakeType> {
    raw.first().map(|&b| HandshakeType::from(b))
}

// ---------------------------------------------------------------------------------------
// tls13_pake: TLS 1.3 PAKE (draft-ietf-tls-pake, SPAKE2+), both sides

/// The server identity of the PAKE targets.
pub const PAKE_SERVER_ID: &[u8] = b"fuzz.server";

/// `alice`'s PAKE keys and the server's record of them: one registration (scrypt, about
/// 100 ms) per process.
fn pake_registration() -> &'static (tls_srp::pake::ProverKeys, tls_srp::pake::VerifierRecord) {
    static REG: OnceLock<(tls_srp::pake::ProverKeys, tls_srp::pake::VerifierRecord)> =
        OnceLock::new();
    REG.get_or_init(|| {
        tls_srp::pake::register(PASSWORD.as_bytes(), USER.as_bytes(), PAKE_SERVER_ID)
    })
}

/// A PAKE server that knows `alice` (and, like the SRP targets' servers, never delays or locks
/// out, and has no deadlines, so that every input behaves the same whatever came before it).
/// `cookie`: answer the first ClientHello with a HelloRetryRequest.
fn pake_server_config(cookie: bool) -> Arc<ServerConfig> {
    static CONFIGS: OnceLock<[Arc<ServerConfig>; 2]> = OnceLock::new();
    let configs = CONFIGS.get_or_init(|| {
        let store = Arc::new(InMemoryUserStore::new());
        store.insert_pake(USER, PAKE_SERVER_ID, pake_registration().1.clone());
        [false, true].map(|cookie| {
            let mut cfg = ServerConfig::new(store.clone()).expect("config");
            let mut pake = tls_srp::PakeServerParams::new(PAKE_SERVER_ID);
            pake.require_cookie = cookie;
            cfg.pake = Some(pake);
            cfg.set_simulation_secret([7; 32]);
            cfg.rate_limiter = Some(Arc::new(tls_srp::RateLimiter::new(
                tls_srp::RateLimitConfig {
                    user_free_failures: u32::MAX,
                    user_lockout_failures: u32::MAX,
                    ip_free_failures: u32::MAX,
                    ip_lockout_failures: u32::MAX,
                    ..Default::default()
                },
            )));
            cfg.client_hello_timeout = None;
            cfg.handshake_timeout = None;
            Arc::new(cfg)
        })
    });
    configs[usize::from(cookie)].clone()
}

/// `alice`'s PAKE client (all three TLS 1.3 suites).
fn pake_client_config() -> Arc<ClientConfig> {
    static CFG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    CFG.get_or_init(|| {
        let params = tls_srp::PakeClientParams::new(PAKE_SERVER_ID, pake_registration().0.clone());
        Arc::new(ClientConfig::pake_with_params(USER, params))
    })
    .clone()
}

/// Shares a peer may send that are not random points: SEC1 encodings of the generator
/// (uncompressed, compressed), of `w0*M` and `w0*N` (which unmask to the identity on the
/// server and on the client side), of `M` and `N`, of `-G`, the identity's one-byte encoding,
/// and 65 bytes of zeros. Computed once.
fn special_shares() -> &'static [Vec<u8>] {
    use p256::elliptic_curve::ff::PrimeField;
    use p256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
    use p256::{AffinePoint, EncodedPoint, FieldBytes, ProjectivePoint, Scalar};
    static SHARES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SHARES.get_or_init(|| {
        // RFC 9383 appendix B, P-256, uncompressed.
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
                .collect()
        };
        let m = hex("04886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f5ff355163e43ce224e0b0e65ff02ac8e5c7be09419c785e0ca547d55a12e2d20");
        let n = hex("04d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b4907d60aa6bfade45008a636337f5168c64d9bd36034808cd564490b1e656edbe7");
        let point = |b: &[u8]| -> ProjectivePoint {
            let p: Option<AffinePoint> =
                AffinePoint::from_encoded_point(&EncodedPoint::from_bytes(b).expect("SEC1")).into();
            p.expect("on the curve").into()
        };
        let w0: Option<Scalar> =
            Scalar::from_repr(FieldBytes::from(pake_registration().0.w0)).into();
        let w0 = w0.expect("w0 below the order");
        let enc = |p: ProjectivePoint, compress: bool| -> Vec<u8> {
            p.to_affine().to_encoded_point(compress).as_bytes().to_vec()
        };
        let g = ProjectivePoint::GENERATOR;
        vec![
            enc(g, false),
            enc(g, true),
            enc(point(&m) * w0, false),
            enc(point(&n) * w0, false),
            m.clone(),
            n.clone(),
            enc(-g, false),
            vec![0x00],
            vec![0; 65],
        ]
    })
}

/// Edits `body` as the input says, three bytes an edit: `(op, pos, val)`; op % 8: 0 overwrite
/// the byte at pos, 1 truncate to pos, 2 insert val at pos, 3 xor the byte at pos with val
/// (never zero), 4 replace the 65 bytes at pos by special share number val (see
/// `special_shares`), 5 append val, others: nothing. Positions wrap around the body's length.
fn edit(body: &mut Vec<u8>, mut input: &[u8]) {
    while input.len() >= 3 {
        let (op, pos, val) = (input[0], usize::from(input[1]), input[2]);
        input = &input[3..];
        let len = body.len();
        match op % 8 {
            0 if len > 0 => body[pos % len] = val,
            1 => body.truncate(pos % (len + 1)),
            2 => body.insert(pos % (len + 1), val),
            3 if len > 0 => body[pos % len] ^= val | 1,
            4 => {
                let shares = special_shares();
                let share = &shares[usize::from(val) % shares.len()];
                let at = pos % (len + 1);
                let end = (at + 65).min(len);
                body.splice(at..end, share.iter().copied());
            }
            5 => body.push(val),
            _ => {}
        }
        // Keep the hello within one record and the extension within its u16 length.
        body.truncate(4096);
    }
}

/// In `record` (one plaintext handshake record holding a ClientHello or a ServerHello and
/// possibly more messages), the extension `typ` of the first message: the offsets of its
/// body, and of the length fields that enclose it (record, message, extensions block).
struct HelloExt {
    body: core::ops::Range<usize>,
    block_len_at: usize,
}

fn find_hello_ext(record: &[u8], typ: u16) -> Option<HelloExt> {
    let u16_at = |i: usize| -> Option<usize> {
        Some(usize::from(u16::from_be_bytes([
            *record.get(i)?,
            *record.get(i + 1)?,
        ])))
    };
    let msg_type = *record.get(5)?;
    // version (2), random (32), session_id<0..32>
    let mut i = 9 + 2 + 32;
    i += 1 + usize::from(*record.get(i)?);
    if msg_type == 1 {
        i += 2 + u16_at(i)?; // cipher_suites
        i += 1 + usize::from(*record.get(i)?); // compression_methods
    } else {
        i += 2 + 1; // cipher_suite, compression_method
    }
    let block_len_at = i;
    let end = i + 2 + u16_at(i)?;
    i += 2;
    while i + 4 <= end {
        let (t, len) = (u16_at(i)?, u16_at(i + 2)?);
        if t == usize::from(typ) {
            return Some(HelloExt {
                body: i + 4..i + 4 + len,
                block_len_at,
            });
        }
        i += 4 + len;
    }
    None
}

/// `record` with the body of extension `ext` replaced by `new_body`, every enclosing length
/// adjusted (record, handshake message, extensions block, extension).
fn replace_hello_ext(record: &[u8], ext: &HelloExt, new_body: &[u8]) -> Vec<u8> {
    let delta = new_body.len() as isize - ext.body.len() as isize;
    let mut out = record[..ext.body.start].to_vec();
    out.extend_from_slice(new_body);
    out.extend_from_slice(&record[ext.body.end..]);
    let mut patch = |at: usize, width: usize| {
        let mut v = 0usize;
        for b in &out[at..at + width] {
            v = v << 8 | usize::from(*b);
        }
        let v = (v as isize + delta) as usize;
        for (k, b) in out[at..at + width].iter_mut().enumerate() {
            *b = (v >> (8 * (width - 1 - k))) as u8;
        }
    };
    patch(3, 2); // record length
    patch(6, 3); // handshake message length
    patch(ext.block_len_at, 2); // extensions block
    patch(ext.body.start - 2, 2); // the extension's own length
    out
}

/// Checks an error a connection returned on peer input: of an allowed kind, and with an
/// alert (queued by the connection) unless the peer ended the connection itself.
fn check_pake_error(e: &Error) {
    check_error(e);
    assert!(
        matches!(e, Error::AlertReceived(_) | Error::ConnectionClosed) || e.alert().is_some(),
        "peer input caused {e:?}, which maps to no alert"
    );
}

/// Moves everything `from` queued into `to` and lets it process: the receiver's result.
fn pake_transfer<D0: SideData, D1: SideData>(
    from: &mut ConnectionCommon<D0>,
    to: &mut ConnectionCommon<D1>,
) -> Result<(), Error> {
    let mut buf = Vec::new();
    sink(from, &mut buf);
    feed(to, &buf)
}

/// Feeds `bytes` to `conn` and lets it process them. On an error: checks it (allowed kind,
/// an alert for it, sticky, nothing queued after it) and returns it.
fn feed<D0: SideData>(conn: &mut ConnectionCommon<D0>, mut bytes: &[u8]) -> Result<(), Error> {
    while !bytes.is_empty() {
        match conn.read_tls(&mut bytes) {
            // close_notify received, or buffers full: the peer gets no further.
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if let Err(e) = conn.process_new_packets() {
            check_pake_error(&e);
            let mut out = Vec::new();
            sink(conn, &mut out);
            if let Some(alert) = e.alert() {
                check_ends_with_alert(&out, alert, &e);
            }
            check_failed(conn, &mut out, e.clone());
            return Err(e);
        }
        drain_plaintext(conn);
    }
    Ok(())
}

/// `feed` in the given chunks (cycling; one chunk if there are none), stopping at an error.
fn feed_chunks<D0: SideData>(conn: &mut ConnectionCommon<D0>, sizes: &[usize], stream: &[u8]) {
    let mut out = Vec::new();
    sink(conn, &mut out);
    for chunk in chunks(sizes, stream) {
        if feed(conn, chunk).is_err() {
            return;
        }
        sink(conn, &mut out);
    }
}

/// The output a connection queued on failing with `e` ends with its alert: a plaintext alert
/// record `[fatal, alert]`, or an encrypted record (TLS 1.3 hides the content type).
fn check_ends_with_alert(out: &[u8], alert: tls_srp::AlertDescription, e: &Error) {
    let mut last = None;
    let mut rest = out;
    while rest.len() >= HEADER_SIZE {
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        let end = (HEADER_SIZE + len).min(rest.len());
        last = Some(&rest[..end]);
        rest = &rest[end..];
    }
    let Some(record) = last else {
        panic!("no alert sent for {e:?}");
    };
    match ContentType::from(record[0]) {
        ContentType::Alert => assert_eq!(
            &record[HEADER_SIZE..],
            &[2, u8::from(alert)],
            "the alert sent for {e:?}"
        ),
        ContentType::ApplicationData => {}
        other => panic!("{e:?}: the last record sent is {other:?}, not an alert"),
    }
}

/// The two sides' exporters agree (both completed the handshake).
fn assert_same_keys(c: &ClientConnection, s: &ServerConnection) {
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    c.export_keying_material(&mut a, b"EXPORTER-fuzz", None)
        .expect("client exporter");
    s.export_keying_material(&mut b, b"EXPORTER-fuzz", None)
        .expect("server exporter");
    assert_eq!(a, b, "the two sides completed with different keys");
}

/// TLS 1.3 PAKE, both sides, four modes in bits 6-7 of byte 0:
///
/// - `00` server, raw: a PAKE server (bit 5: with a cookie round trip) fed the input as the
///   client's flights (chunk layout in the module docs). It must never complete: only a
///   client that knows the password can send its Finished.
/// - `01` server, structured: our client's real ClientHello whose pake extension body is
///   edited by the input (see `edit`; every enclosing length fixed up), sent to the server
///   (bit 5: cookie), then the two run on. The server must complete only if the edits left
///   the hello as it was, and then with the client's keys.
/// - `10` client, raw: a PAKE client, after its ClientHello, fed the input as the server's
///   flights. It must never complete: only a server that knows the record can.
/// - `11` client, structured: the real server's answer to the client's hello, its
///   ServerHello's pake extension (shareV || confirmV) edited by the input; bit 5 set: raw
///   edits of the whole flight instead. Whenever the client completes, the real server must
///   accept the client's Finished and hold the same keys: a client that completes on a
///   garbage share fails there.
///
/// Everywhere: no panic, errors of an allowed kind, sticky, each with an alert, bounded
/// output.
pub fn tls13_pake(data: &[u8]) {
    let mode = data.first().copied().unwrap_or(0);
    let cookie = mode & 0x20 != 0;
    match mode >> 6 {
        0 => {
            let (sizes, stream) = split_chunks(data);
            let mut s = ServerConnection::new(pake_server_config(cookie), None).expect("server");
            feed_chunks(&mut s, &sizes, stream);
            assert!(
                s.is_handshaking(),
                "a PAKE server completed with a fuzzed client"
            );
        }
        1 => pake_server_structured(cookie, &data[1..]),
        2 => {
            let (sizes, stream) = split_chunks(data);
            let mut c =
                ClientConnection::new(pake_client_config(), None).expect("client connection");
            feed_chunks(&mut c, &sizes, stream);
            assert!(
                c.is_handshaking(),
                "a PAKE client completed with a fuzzed server"
            );
        }
        _ => pake_client_structured(cookie, &data[1..]),
    }
}

fn pake_server_structured(cookie: bool, input: &[u8]) {
    let mut c = ClientConnection::new(pake_client_config(), None).expect("client connection");
    let mut s = ServerConnection::new(pake_server_config(cookie), None).expect("server");
    let mut hello = Vec::new();
    sink(&mut c, &mut hello);
    let ext = find_hello_ext(&hello, u16::from(ExtensionType::Pake))
        .expect("our ClientHello has a pake extension");
    let mut body = hello[ext.body.clone()].to_vec();
    edit(&mut body, input);
    let sent = replace_hello_ext(&hello, &ext, &body);
    let edited = sent != hello;
    if feed(&mut s, &sent).is_err() {
        return;
    }
    // The rest runs as it would on the wire: the client answers what the server sent.
    for _ in 0..4 {
        if pake_transfer(&mut s, &mut c).is_err() || pake_transfer(&mut c, &mut s).is_err() {
            break;
        }
    }
    if !s.is_handshaking() {
        assert!(!edited, "the server completed with an edited ClientHello");
        assert!(
            !c.is_handshaking(),
            "the server completed, the client did not"
        );
        assert_same_keys(&c, &s);
    }
    if !c.is_handshaking() {
        assert!(
            !edited,
            "the client completed although the server saw an edited hello"
        );
    }
}

fn pake_client_structured(raw_edits: bool, input: &[u8]) {
    let mut c = ClientConnection::new(pake_client_config(), None).expect("client connection");
    let mut s = ServerConnection::new(pake_server_config(false), None).expect("server");
    pake_transfer(&mut c, &mut s).expect("the server takes our ClientHello");
    let mut flight = Vec::new();
    sink(&mut s, &mut flight);
    let sent = if raw_edits {
        let mut f = flight.clone();
        edit(&mut f, input);
        f
    } else {
        let ext = find_hello_ext(&flight, u16::from(ExtensionType::Pake))
            .expect("the ServerHello has a pake extension");
        let mut body = flight[ext.body.clone()].to_vec();
        edit(&mut body, input);
        replace_hello_ext(&flight, &ext, &body)
    };
    if feed(&mut c, &sent).is_err() {
        return;
    }
    if c.is_handshaking() {
        return; // waiting for more (a truncated flight)
    }
    // The client completed: the real server must accept its Finished, with the same keys.
    if let Err(e) = pake_transfer(&mut c, &mut s) {
        panic!(
            "the client completed on a flight the server did not send (the server then \
             refused its Finished: {e:?}); edited: {}",
            sent != flight
        );
    }
    assert!(!s.is_handshaking(), "the server did not complete");
    assert_same_keys(&c, &s);
}

// ---------------------------------------------------------------------------------------
// pake_migrate: the registration exchange's messages (`tls_srp::pake::migrate`)

/// Decodes messages back to back from `data`: each decoded message re-encodes to exactly
/// the bytes it took (the codec is canonical), an incomplete one is only ever a prefix, and
/// nothing panics or reads past its declared length.
pub fn pake_migrate(data: &[u8]) {
    use tls_srp::pake::migrate::{decode, encode, MAX_BODY_LEN};
    let mut rest = data;
    while !rest.is_empty() {
        match decode(rest) {
            Ok(Some((message, used))) => {
                assert!((3..=3 + MAX_BODY_LEN).contains(&used) && used <= rest.len());
                assert_eq!(encode(&message), rest[..used], "not canonical");
                rest = &rest[used..];
            }
            Ok(None) => {
                // Incomplete: the declared length (if the header is there) exceeds what is
                // left, and is within bounds.
                if rest.len() >= 3 {
                    let len = usize::from(u16::from_be_bytes([rest[1], rest[2]]));
                    assert!(len <= MAX_BODY_LEN && 3 + len > rest.len());
                }
                return;
            }
            Err(_) => return,
        }
    }
}
