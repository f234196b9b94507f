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
//!   20 PP2_TYPE_SSL        client 01 (PP2_CLIENT_SSL), verify 00000001 (no certificate),
//!                          sub-TLVs 21 VERSION "TLSv1.2", 23 CIPHER (OpenSSL's name)
//!   E5 (configurable)      the authenticated SRP username, UTF-8
//! ```

use std::net::{IpAddr, SocketAddr};

use tls_srp::{CipherSuite, ServerConnection};

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

fn openssl_cipher_name(suite: Option<CipherSuite>) -> &'static str {
    match suite {
        Some(CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA) => "SRP-AES-128-CBC-SHA",
        Some(CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA) => "SRP-AES-256-CBC-SHA",
        _ => "unknown",
    }
}

/// v4-mapped when the two ends are of different families.
fn v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

/// The header for a client at `client` that reached us at `local` and logged in on
/// `conn`; the username goes in TLV `username_tlv`.
pub fn header(
    client: SocketAddr,
    local: SocketAddr,
    conn: &ServerConnection,
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
    if let Some(name) = conn.server_name() {
        tlv(&mut body, PP2_TYPE_AUTHORITY, name.as_bytes());
    }
    if let Some(p) = conn.alpn_protocol() {
        tlv(&mut body, PP2_TYPE_ALPN, p);
    }
    let mut ssl = vec![PP2_CLIENT_SSL];
    ssl.extend_from_slice(&1u32.to_be_bytes());
    tlv(&mut ssl, PP2_SUBTYPE_SSL_VERSION, b"TLSv1.2");
    tlv(
        &mut ssl,
        PP2_SUBTYPE_SSL_CIPHER,
        openssl_cipher_name(conn.negotiated_cipher_suite()).as_bytes(),
    );
    tlv(&mut body, PP2_TYPE_SSL, &ssl);
    tlv(
        &mut body,
        username_tlv,
        conn.username().unwrap_or_default().as_bytes(),
    );
    let mut out = Vec::with_capacity(16 + body.len());
    out.extend_from_slice(&SIGNATURE);
    out.push(0x21);
    out.push(family);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(&body);
    out
}
