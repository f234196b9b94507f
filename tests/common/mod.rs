//! In-memory client/server pairs for tests: build, transfer bytes, alter flights.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::Arc;

use tls_srp::internal::msgs::codec::{Codec, Reader};
use tls_srp::internal::msgs::handshake::HandshakeMessagePayload;
use tls_srp::{
    ClientConfig, ClientConnection, ConnectionCommon, Error, InMemoryUserStore, ServerConfig,
    ServerConnection, SideData, SrpGroup,
};

pub const USER: &str = "alice";
pub const PASSWORD: &str = "correct horse battery staple";

pub fn group(bits: u32) -> &'static SrpGroup {
    SrpGroup::by_bits(bits).expect("RFC 5054 group")
}

pub fn store_with(user: &str, password: &str, bits: u32) -> Arc<InMemoryUserStore> {
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user(user, password.as_bytes(), group(bits))
        .unwrap();
    store
}

pub fn server_config(bits: u32) -> ServerConfig {
    ServerConfig::new(store_with(USER, PASSWORD, bits)).unwrap()
}

pub fn client_config() -> ClientConfig {
    ClientConfig::new(USER, PASSWORD)
}

pub fn make_pair(ccfg: ClientConfig, scfg: ServerConfig) -> (ClientConnection, ServerConnection) {
    let client = ClientConnection::new(Arc::new(ccfg), Some("localhost")).unwrap();
    let server = ServerConnection::new(Arc::new(scfg), None).unwrap();
    (client, server)
}

/// Moves every queued TLS byte from `from` to `to` (without processing). Returns bytes moved.
pub fn transfer<D0: SideData, D1: SideData>(
    from: &mut ConnectionCommon<D0>,
    to: &mut ConnectionCommon<D1>,
) -> usize {
    let buf = take_tls(from);
    feed(to, &buf);
    buf.len()
}

/// Takes every queued TLS byte out of `from`.
pub fn take_tls<D0: SideData>(from: &mut ConnectionCommon<D0>) -> Vec<u8> {
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf).unwrap();
    }
    buf
}

/// Gives `bytes` to `to` through `read_tls` (several calls if needed).
pub fn feed<D0: SideData>(to: &mut ConnectionCommon<D0>, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let n = to.read_tls(&mut bytes).unwrap();
        assert!(n > 0);
    }
}

/// Outcome of a handshake attempt: each side's error, if any.
#[derive(Debug)]
pub struct Outcome {
    pub client: Option<Error>,
    pub server: Option<Error>,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.client.is_none() && self.server.is_none()
    }
}

/// Runs the handshake to its end, passing every flight through `alter_c2s` / `alter_s2c`.
pub fn handshake_altered(
    client: &mut ClientConnection,
    server: &mut ServerConnection,
    mut alter_c2s: impl FnMut(Vec<u8>) -> Vec<u8>,
    mut alter_s2c: impl FnMut(Vec<u8>) -> Vec<u8>,
) -> Outcome {
    let mut out = Outcome {
        client: None,
        server: None,
    };
    for _ in 0..10 {
        let c2s = alter_c2s(take_tls(client));
        if !c2s.is_empty() {
            feed(server, &c2s);
        }
        if out.server.is_none() {
            if let Err(e) = server.process_new_packets() {
                out.server = Some(e);
            }
        }
        let s2c = alter_s2c(take_tls(server));
        if !s2c.is_empty() {
            feed(client, &s2c);
        }
        if out.client.is_none() {
            if let Err(e) = client.process_new_packets() {
                out.client = Some(e);
            }
        }
        let done = !client.is_handshaking() && !server.is_handshaking();
        let failed = out.client.is_some() || out.server.is_some();
        if (done || failed) && !client.wants_write() && !server.wants_write() {
            break;
        }
    }
    out
}

pub fn handshake(client: &mut ClientConnection, server: &mut ServerConnection) -> Outcome {
    handshake_altered(client, server, |b| b, |b| b)
}

/// Sends `data` from `from` to `to` and reads it back out of `to`.
pub fn send_and_receive<D0: SideData, D1: SideData>(
    from: &mut ConnectionCommon<D0>,
    to: &mut ConnectionCommon<D1>,
    data: &[u8],
) -> Vec<u8> {
    let mut written = 0;
    let mut got = Vec::new();
    while written < data.len() || from.wants_write() {
        written += from.writer().write(&data[written..]).unwrap();
        let tls = take_tls(from);
        let mut rd = &tls[..];
        let mut buf = vec![0u8; 65536];
        while !rd.is_empty() {
            to.read_tls(&mut rd).unwrap();
            to.process_new_packets().unwrap();
            while let Ok(n) = to.reader().read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
        }
        loop {
            match to.reader().read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("read: {e}"),
            }
        }
    }
    got
}

/// A record as bytes on the wire.
#[derive(Clone, Debug)]
pub struct RawRecord {
    pub typ: u8,
    pub version: [u8; 2],
    pub payload: Vec<u8>,
}

pub fn split_records(mut bytes: &[u8]) -> Vec<RawRecord> {
    let mut out = Vec::new();
    while bytes.len() >= 5 {
        let len = u16::from_be_bytes([bytes[3], bytes[4]]) as usize;
        out.push(RawRecord {
            typ: bytes[0],
            version: [bytes[1], bytes[2]],
            payload: bytes[5..5 + len].to_vec(),
        });
        bytes = &bytes[5 + len..];
    }
    assert!(bytes.is_empty(), "partial record in flight");
    out
}

pub fn join_records(records: &[RawRecord]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        out.push(r.typ);
        out.extend_from_slice(&r.version);
        out.extend_from_slice(&(r.payload.len() as u16).to_be_bytes());
        out.extend_from_slice(&r.payload);
    }
    out
}

/// Decodes the handshake messages of the plaintext records of a flight (those before the
/// first ChangeCipherSpec), lets `f` change them, and re-encodes the flight. Messages are
/// re-encoded one record each.
pub fn alter_handshake(bytes: Vec<u8>, mut f: impl FnMut(&mut HandshakeMessagePayload)) -> Vec<u8> {
    if bytes.is_empty() {
        return bytes;
    }
    let mut out = Vec::new();
    let mut encrypted = false;
    for rec in split_records(&bytes) {
        if rec.typ == 20 {
            encrypted = true;
        }
        if rec.typ != 22 || encrypted {
            out.push(rec);
            continue;
        }
        let mut r = Reader::init(&rec.payload);
        while r.any_left() {
            let mut m = HandshakeMessagePayload::read(&mut r).expect("decodable handshake message");
            f(&mut m);
            out.push(RawRecord {
                typ: 22,
                version: rec.version,
                payload: m.get_encoding(),
            });
        }
    }
    join_records(&out)
}

/// The handshake messages in the plaintext part of a flight.
pub fn handshake_messages(bytes: &[u8]) -> Vec<HandshakeMessagePayload> {
    let mut msgs = Vec::new();
    for rec in split_records(bytes) {
        if rec.typ == 20 {
            break;
        }
        if rec.typ != 22 {
            continue;
        }
        let mut r = Reader::init(&rec.payload);
        while r.any_left() {
            msgs.push(HandshakeMessagePayload::read(&mut r).unwrap());
        }
    }
    msgs
}

/// Big-endian helpers for crafting SRP values.
pub fn be_add_small(n: &[u8], k: u8) -> Vec<u8> {
    let mut v = n.to_vec();
    let mut carry = k as u16;
    for b in v.iter_mut().rev() {
        let s = *b as u16 + carry;
        *b = s as u8;
        carry = s >> 8;
        if carry == 0 {
            break;
        }
    }
    if carry > 0 {
        v.insert(0, carry as u8);
    }
    v
}

pub fn be_sub_small(n: &[u8], k: u8) -> Vec<u8> {
    let mut v = n.to_vec();
    let mut borrow = k as i16;
    for b in v.iter_mut().rev() {
        let s = *b as i16 - borrow;
        if s < 0 {
            *b = (s + 256) as u8;
            borrow = 1;
        } else {
            *b = s as u8;
            break;
        }
    }
    v
}

pub fn be_double(n: &[u8]) -> Vec<u8> {
    let mut v = n.to_vec();
    let mut carry = 0u8;
    for b in v.iter_mut().rev() {
        let nb = (*b << 1) | carry;
        carry = *b >> 7;
        *b = nb;
    }
    if carry > 0 {
        v.insert(0, carry);
    }
    v
}
