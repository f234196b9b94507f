//! The PROXY protocol v2 header that `serve --forward --proxy-protocol` sends to the
//! backend before the client's data (HAProxy's `proxy-protocol.txt`, section 2.2): who the
//! client is (address and port), who it logged in as, and what it negotiated.
//!
//! ```text
//! 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A   signature
//! 21                                    version 2, PROXY
//! 11 | 21                               TCP over IPv4 | IPv6
//! LL LL                                 length of what follows
//! src addr, dst addr, src port, dst port (4+4+2+2 or 16+16+2+2 bytes)
//! TLVs: type, length (2 bytes), value
//!   02 PP2_TYPE_AUTHORITY  the SNI host name, if the client sent one
//!   01 PP2_TYPE_ALPN       the ALPN protocol, if one was negotiated
//!   20 PP2_TYPE_SSL        client 01 (PP2_CLIENT_SSL), verify 00000001 (no client
//!                          certificate), sub-TLVs 21 VERSION "TLSv1.2" (or "TLSv1.3" for a
//!                          certificate or PAKE client), 23 CIPHER (OpenSSL's name)
//!   E5 (configurable)      the authenticated username, UTF-8 (SRP and PAKE clients only)
//! ```

use std::net::{IpAddr, SocketAddr};

use crate::session::Session;

const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
const PP2_TYPE_ALPN: u8 = 0x01;
const PP2_TYPE_AUTHORITY: u8 = 0x02;
const PP2_TYPE_SSL: u8 = 0x20;
const PP2_SUBTYPE_SSL_VERSION: u8 = 0x21;
const PP2_SUBTYPE_SSL_CIPHER: u8 = 0x23;
const PP2_CLIENT_SSL: u8 = 0x01;

fn tlv(out: &mut Vec<u8>, typ: u8, value: &[u8]) {
    // Values are bounded (a username and an ALPN protocol by 255 bytes, an SNI name by the
    // ClientHello's 2^16-1): cut at the field's limit rather than wrap.
    let value = &value[..value.len().min(usize::from(u16::MAX))];
    out.push(typ);
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
}

/// v4-mapped when the two ends are of different families.
fn v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

/// The header for a client at `client` that reached us at `local` and negotiated what
/// `session` says; an SRP username goes in TLV `username_tlv` (a certificate client has
/// none, and gets no such TLV).
pub fn header(
    client: SocketAddr,
    local: SocketAddr,
    session: &Session,
    username_tlv: u8,
) -> Vec<u8> {
    let mut body = Vec::with_capacity(64);
    let family = match (client.ip(), local.ip()) {
        (IpAddr::V4(c), IpAddr::V4(l)) => {
            body.extend_from_slice(&c.octets());
            body.extend_from_slice(&l.octets());
            0x11
        }
        (c, l) => {
            body.extend_from_slice(&v6(c));
            body.extend_from_slice(&v6(l));
            0x21
        }
    };
    body.extend_from_slice(&client.port().to_be_bytes());
    body.extend_from_slice(&local.port().to_be_bytes());
    if let Some(name) = session.server_name {
        tlv(&mut body, PP2_TYPE_AUTHORITY, name.as_bytes());
    }
    if let Some(p) = session.alpn {
        tlv(&mut body, PP2_TYPE_ALPN, p);
    }
    let mut ssl = vec![PP2_CLIENT_SSL];
    ssl.extend_from_slice(&1u32.to_be_bytes());
    tlv(
        &mut ssl,
        PP2_SUBTYPE_SSL_VERSION,
        session.version.as_bytes(),
    );
    tlv(&mut ssl, PP2_SUBTYPE_SSL_CIPHER, session.cipher.as_bytes());
    tlv(&mut body, PP2_TYPE_SSL, &ssl);
    if let Some(user) = session.username {
        tlv(&mut body, username_tlv, user.as_bytes());
    }
    let mut out = Vec::with_capacity(16 + body.len());
    out.extend_from_slice(&SIGNATURE);
    out.push(0x21);
    out.push(family);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session<'static> {
        Session {
            kind: crate::session::Kind::Srp,
            username: Some("alice"),
            server_name: None,
            alpn: None,
            version: "TLSv1.2",
            cipher: "SRP-AES-128-CBC-SHA",
            resumed: false,
        }
    }

    /// The layout of proxy-protocol.txt 2.2, byte by byte, for IPv4.
    #[test]
    fn ipv4_header_layout() {
        let c: SocketAddr = "192.0.2.7:51234".parse().unwrap();
        let l: SocketAddr = "198.51.100.1:4433".parse().unwrap();
        let h = header(c, l, &session(), 0xE5);
        let ssl_len = 1 + 4 + (3 + 7) + (3 + 19);
        let len = 12 + (3 + ssl_len) + (3 + 5);
        let mut want = b"\r\n\r\n\0\r\nQUIT\n\x21\x11".to_vec();
        want.extend_from_slice(&(len as u16).to_be_bytes());
        want.extend_from_slice(&[192, 0, 2, 7, 198, 51, 100, 1]);
        want.extend_from_slice(&51234u16.to_be_bytes());
        want.extend_from_slice(&4433u16.to_be_bytes());
        want.extend_from_slice(&[0x20, 0, ssl_len as u8, 0x01, 0, 0, 0, 1]);
        want.extend_from_slice(b"\x21\x00\x07TLSv1.2\x23\x00\x13SRP-AES-128-CBC-SHA");
        want.extend_from_slice(b"\xe5\x00\x05alice");
        assert_eq!(h, want);
    }

    /// IPv6, and an IPv4 end beside an IPv6 one (mapped); SNI and ALPN TLVs.
    #[test]
    fn ipv6_and_mixed_families() {
        let c: SocketAddr = "[2001:db8::7]:1000".parse().unwrap();
        let l: SocketAddr = "127.0.0.1:2000".parse().unwrap();
        let s = Session {
            server_name: Some("files.example"),
            alpn: Some(b"h2"),
            ..session()
        };
        let h = header(c, l, &s, 0xE0);
        assert_eq!(h[13], 0x21, "TCP over IPv6");
        let len = usize::from(u16::from_be_bytes([h[14], h[15]]));
        assert_eq!(h.len(), 16 + len);
        let body = &h[16..];
        assert_eq!(
            &body[..16],
            &"2001:db8::7"
                .parse::<std::net::Ipv6Addr>()
                .unwrap()
                .octets()
        );
        assert_eq!(
            &body[16..32],
            &std::net::Ipv4Addr::LOCALHOST.to_ipv6_mapped().octets()
        );
        assert_eq!(&body[32..36], &[0x03, 0xe8, 0x07, 0xd0]);
        assert_eq!(&body[36..52], b"\x02\x00\x0dfiles.example");
        assert_eq!(&body[52..57], b"\x01\x00\x02h2");
        assert!(h.ends_with(b"\xe0\x00\x05alice"));
    }

    /// A certificate client: its version and suite, and no username TLV.
    #[test]
    fn certificate_client_has_no_username() {
        let c: SocketAddr = "192.0.2.7:1".parse().unwrap();
        let l: SocketAddr = "192.0.2.8:2".parse().unwrap();
        let s = Session {
            kind: crate::session::Kind::Certificate,
            username: None,
            version: "TLSv1.3",
            cipher: "TLS_AES_256_GCM_SHA384",
            ..session()
        };
        let h = header(c, l, &s, 0xE5);
        let ssl = b"\x21\x00\x07TLSv1.3\x23\x00\x16TLS_AES_256_GCM_SHA384";
        assert!(h.ends_with(ssl), "the SSL TLV ends the header");
        assert!(!h.windows(3).any(|w| w == b"\xe5\x00\x05"));
    }
}
