//! Connection paths that need to inject protected records (renegotiation attempts), which
//! the public API cannot produce. Here rather than in `conn`, which never names a role.

use std::io;
use std::sync::Arc;

use crate::conn::{ConnectionCommon, SideData};
use crate::error::{Error, PeerMisbehaved};
use crate::msgs::codec::Codec;
use crate::msgs::handshake::{HandshakeMessagePayload, HandshakePayload};
use crate::{
    ClientConfig, ClientConnection, InMemoryUserStore, ServerConfig, ServerConnection, SrpGroup,
};

fn pair() -> (ClientConnection, ServerConnection) {
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user("u", b"p", SrpGroup::by_bits(2048).unwrap())
        .unwrap();
    let s = ServerConnection::new(Arc::new(ServerConfig::new(store).unwrap()), None).unwrap();
    let c = ClientConnection::new(Arc::new(ClientConfig::new("u", "p")), None).unwrap();
    (c, s)
}

fn pump<A: SideData, B: SideData>(
    from: &mut ConnectionCommon<A>,
    to: &mut ConnectionCommon<B>,
) -> Result<usize, Error> {
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf).unwrap();
    }
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).unwrap();
    }
    to.process_new_packets()?;
    Ok(buf.len())
}

fn connected() -> (ClientConnection, ServerConnection) {
    let (mut c, mut s) = pair();
    for _ in 0..4 {
        pump(&mut c, &mut s).unwrap();
        pump(&mut s, &mut c).unwrap();
    }
    assert!(!c.is_handshaking() && !s.is_handshaking());
    (c, s)
}

fn read_all<D: SideData>(conn: &mut ConnectionCommon<D>) -> Vec<u8> {
    let mut out = vec![0u8; 100];
    let n = io::Read::read(&mut conn.reader(), &mut out).unwrap_or(0);
    out.truncate(n);
    out
}

fn inject<D: SideData>(conn: &mut ConnectionCommon<D>, msg: &[u8]) {
    conn.io.queue_handshake(msg);
    conn.io.flush_handshake().unwrap();
}

#[test]
fn server_hello_request_gets_no_renegotiation_and_data_flows() {
    let (mut c, mut s) = connected();
    let hr = HandshakeMessagePayload::new(HandshakePayload::HelloRequest).get_encoding();
    inject(&mut s, &hr);
    pump(&mut s, &mut c).unwrap();
    // The client answered with a (protected) warning alert and nothing else.
    assert!(c.wants_write());
    assert!(pump(&mut c, &mut s).is_ok());
    io::Write::write_all(&mut c.writer(), b"still here").unwrap();
    pump(&mut c, &mut s).unwrap();
    assert_eq!(read_all(&mut s), b"still here");
}

#[test]
fn hello_request_during_the_handshake_is_ignored() {
    let (mut c, mut s) = pair();
    pump(&mut c, &mut s).unwrap();
    let hr = HandshakeMessagePayload::new(HandshakePayload::HelloRequest).get_encoding();
    inject(&mut s, &hr);
    pump(&mut s, &mut c).unwrap();
    for _ in 0..3 {
        pump(&mut c, &mut s).unwrap();
        pump(&mut s, &mut c).unwrap();
    }
    assert!(!c.is_handshaking() && !s.is_handshaking());
}

#[test]
fn client_renegotiation_is_refused_with_a_warning() {
    let (mut c, mut s) = connected();
    let (c2, _) = pair();
    let hello = {
        let mut c2 = c2;
        let mut buf = Vec::new();
        c2.write_tls(&mut buf).unwrap();
        buf[5..].to_vec()
    };
    inject(&mut c, &hello);
    pump(&mut c, &mut s).unwrap();
    assert!(s.wants_write(), "server must answer no_renegotiation");
    pump(&mut s, &mut c).unwrap();
    io::Write::write_all(&mut s.writer(), b"ok").unwrap();
    pump(&mut s, &mut c).unwrap();
    assert_eq!(read_all(&mut c), b"ok");

    // A peer that keeps trying is dropped.
    let mut result = Ok(0);
    for _ in 0..40 {
        inject(&mut c, &hello);
        result = pump(&mut c, &mut s);
        if result.is_err() {
            break;
        }
    }
    assert_eq!(
        result.unwrap_err(),
        PeerMisbehaved::TooManyWarningsOrEmptyRecords.into()
    );
}
