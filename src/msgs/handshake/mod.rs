//! Handshake messages and extensions (RFC 5246 7.4, RFC 5054 2.8, RFC 7627, RFC 7366,
//! RFC 5746, RFC 6066, RFC 7301, RFC 5077).
//!
//! Suite-dependent bodies (ServerKeyExchange, ClientKeyExchange) are kept as bytes in
//! [`HandshakePayload`] and decoded late, with [`SrpServerKeyExchange`] and
//! [`SrpClientKeyExchange`], once the suite is known.
//!
//! Decoding checks syntax only (lengths, ranges, empty bodies where the RFC demands them,
//! no trailing bytes). What a value *means* (is TLS 1.2 offered, is the null compression
//! method there, was an extension duplicated or unsolicited) is for the state machine; the
//! hello lookups ([`ClientHelloPayload::has_duplicate_extension`] and friends) make those
//! checks short.
//!
//! Every message and extension we decode re-encodes to the same bytes, with two
//! documented exceptions that real peers do not produce: a hello with an *empty*
//! extensions block (decoded as "no extensions", which we encode by omitting the block),
//! and a server_name list that mixes host_name with other name types (the others are
//! dropped; a list with no host_name at all is kept verbatim as `Unknown`).
//!
//! One file a message family, each with its unit tests: `base` (Random, SessionID),
//! `extensions` (the hello extensions), `hello` (ClientHello, ServerHello), `kx` (the SRP
//! key exchange bodies), `ticket` (NewSessionTicket); this file frames them all.

mod base;
mod cert;
mod extensions;
mod hello;
mod kx;
#[cfg(test)]
mod testing;
mod ticket;

pub use base::{Random, SessionId};
pub use cert::{Asn1Cert, CertificatePayload, DigitallySigned};
pub use extensions::{ClientExtension, ServerExtension};
pub use hello::{ClientHelloPayload, ServerHelloPayload};
pub use kx::{SrpClientKeyExchange, SrpServerKeyExchange};
pub use ticket::NewSessionTicketPayload;

use super::codec::{Bounds, Codec, Reader, U24};
use super::enums::HandshakeType;
use super::message::MAX_HANDSHAKE_SIZE;
use crate::error::InvalidMessage;

/// RFC 5246 7.4: `uint24 length;` of a handshake message, capped at what we accept.
const HANDSHAKE_BODY: Bounds = Bounds::u24(0, MAX_HANDSHAKE_SIZE, "Handshake");

/// The body of a handshake message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakePayload {
    /// Empty body.
    HelloRequest,
    /// ClientHello.
    ClientHello(ClientHelloPayload),
    /// ServerHello.
    ServerHello(ServerHelloPayload),
    /// The server's certificate chain (SRP-RSA suites).
    Certificate(CertificatePayload),
    /// Raw body; decode with [`SrpServerKeyExchange`] once the suite is known.
    ServerKeyExchange(Vec<u8>),
    /// Empty body.
    ServerHelloDone,
    /// Raw body; decode with [`SrpClientKeyExchange`].
    ClientKeyExchange(Vec<u8>),
    /// RFC 5246 7.4.9: `opaque verify_data[verify_data_length];` (12 bytes; length checked by the state machine).
    Finished(Vec<u8>),
    /// RFC 5077.
    NewSessionTicket(NewSessionTicketPayload),
    /// Any other type (Certificate, CertificateRequest, ...), kept verbatim.
    Unknown {
        /// The message type.
        typ: HandshakeType,
        /// The body bytes.
        payload: Vec<u8>,
    },
}

impl HandshakePayload {
    /// The handshake type this body belongs to.
    pub fn handshake_type(&self) -> HandshakeType {
        match self {
            Self::HelloRequest => HandshakeType::HelloRequest,
            Self::ClientHello(_) => HandshakeType::ClientHello,
            Self::ServerHello(_) => HandshakeType::ServerHello,
            Self::Certificate(_) => HandshakeType::Certificate,
            Self::ServerKeyExchange(_) => HandshakeType::ServerKeyExchange,
            Self::ServerHelloDone => HandshakeType::ServerHelloDone,
            Self::ClientKeyExchange(_) => HandshakeType::ClientKeyExchange,
            Self::Finished(_) => HandshakeType::Finished,
            Self::NewSessionTicket(_) => HandshakeType::NewSessionTicket,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode(&self, bytes: &mut Vec<u8>) {
        match self {
            Self::HelloRequest | Self::ServerHelloDone => {}
            Self::ClientHello(ch) => ch.encode(bytes),
            Self::ServerHello(sh) => sh.encode(bytes),
            Self::Certificate(c) => c.encode(bytes),
            Self::ServerKeyExchange(b)
            | Self::ClientKeyExchange(b)
            | Self::Finished(b)
            | Self::Unknown { payload: b, .. } => bytes.extend_from_slice(b),
            Self::NewSessionTicket(t) => t.encode(bytes),
        }
    }

    /// Decodes a body of type `typ`, which must use all of `r`.
    fn read(typ: HandshakeType, r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let (payload, name) = match typ {
            HandshakeType::HelloRequest => (Self::HelloRequest, "HelloRequest"),
            HandshakeType::ClientHello => (
                Self::ClientHello(ClientHelloPayload::read(r)?),
                "ClientHello",
            ),
            HandshakeType::ServerHello => (
                Self::ServerHello(ServerHelloPayload::read(r)?),
                "ServerHello",
            ),
            HandshakeType::Certificate => (
                Self::Certificate(CertificatePayload::read(r)?),
                "Certificate",
            ),
            HandshakeType::ServerKeyExchange => (
                Self::ServerKeyExchange(r.rest().to_vec()),
                "ServerKeyExchange",
            ),
            HandshakeType::ServerHelloDone => (Self::ServerHelloDone, "ServerHelloDone"),
            HandshakeType::ClientKeyExchange => (
                Self::ClientKeyExchange(r.rest().to_vec()),
                "ClientKeyExchange",
            ),
            HandshakeType::Finished => (Self::Finished(r.rest().to_vec()), "Finished"),
            HandshakeType::NewSessionTicket => (
                Self::NewSessionTicket(NewSessionTicketPayload::read(r)?),
                "NewSessionTicket",
            ),
            typ => (
                Self::Unknown {
                    typ,
                    payload: r.rest().to_vec(),
                },
                "Handshake",
            ),
        };
        r.expect_empty(name)?;
        Ok(payload)
    }
}

/// RFC 5246 7.4: `struct { HandshakeType msg_type; uint24 length; body } Handshake;`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeMessagePayload {
    /// The message type.
    pub typ: HandshakeType,
    /// The decoded body.
    pub payload: HandshakePayload,
}

impl HandshakeMessagePayload {
    /// Builds a message; `typ` is derived from the payload (for `Unknown`, from its `typ`).
    pub fn new(payload: HandshakePayload) -> Self {
        Self {
            typ: payload.handshake_type(),
            payload,
        }
    }
}

impl Codec<'_> for HandshakeMessagePayload {
    fn encode(&self, bytes: &mut Vec<u8>) {
        self.typ.encode(bytes);
        HANDSHAKE_BODY.encode_with(bytes, |b| self.payload.encode(b));
    }
    /// Reads header and body; the announced body length must be at most
    /// `MAX_HANDSHAKE_SIZE` (checked before anything is allocated) and the body must be
    /// consumed exactly.
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        // RFC 5246 7.4: `HandshakeType msg_type;`
        let typ = HandshakeType::read_named(r, "msg_type")?;
        // RFC 5246 7.4: `uint24 length;`
        let len = usize::from(U24::read_named(r, "Handshake.length")?);
        if len > MAX_HANDSHAKE_SIZE {
            return Err(InvalidMessage::HandshakeMessageTooLarge);
        }
        let mut body = r.sub_named(len, "Handshake")?;
        let payload = HandshakePayload::read(typ, &mut body)?;
        Ok(Self { typ, payload })
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn handshake_bodies_by_type() {
        let msgs = [
            HandshakePayload::HelloRequest,
            HandshakePayload::ServerKeyExchange(vec![1, 2, 3]),
            HandshakePayload::ServerHelloDone,
            HandshakePayload::ClientKeyExchange(vec![0, 1, 5]),
            HandshakePayload::Finished(vec![0x42; 12]),
            HandshakePayload::Certificate(CertificatePayload {
                certs: vec![Asn1Cert(vec![1, 2, 3])],
            }),
            HandshakePayload::Unknown {
                typ: HandshakeType::CertificateRequest,
                payload: vec![0, 0, 0],
            },
            HandshakePayload::Unknown {
                typ: HandshakeType::Unknown(200),
                payload: vec![],
            },
        ];
        for p in msgs {
            let m = HandshakeMessagePayload::new(p.clone());
            assert_eq!(m.typ, p.handshake_type());
            let enc = m.get_encoding();
            assert_eq!(enc[0], m.typ.get());
            assert_eq!(
                usize::from(U24::read_bytes(&enc[1..4]).unwrap()),
                enc.len() - 4
            );
            assert_eq!(assert_round_trip::<HandshakeMessagePayload>(&enc), m);
            assert_truncations_fail::<HandshakeMessagePayload>(&enc);
        }
        // HelloRequest and ServerHelloDone must be empty.
        assert_eq!(
            HandshakeMessagePayload::read_bytes(&[0, 0, 0, 1, 0]),
            Err(InvalidMessage::TrailingData("HelloRequest"))
        );
        assert_eq!(
            HandshakeMessagePayload::read_bytes(&[14, 0, 0, 1, 0]),
            Err(InvalidMessage::TrailingData("ServerHelloDone"))
        );
        // A body with bytes after the ClientHello's extension block.
        let ch = HandshakePayload::ClientHello(sample_client_hello());
        let mut enc = HandshakeMessagePayload::new(ch).get_encoding();
        enc.push(0);
        let len = (enc.len() - 4) as u32;
        enc[1..4].copy_from_slice(&len.to_be_bytes()[1..]);
        assert_eq!(
            HandshakeMessagePayload::read_bytes(&enc),
            Err(InvalidMessage::TrailingData("ClientHello"))
        );
    }

    #[test]
    fn handshake_size_cap_checked_before_body() {
        let max = MAX_HANDSHAKE_SIZE as u32;
        let over = (max + 1).to_be_bytes();
        // Only the header is present: the size is still refused.
        assert_eq!(
            HandshakeMessagePayload::read_bytes(&[20, over[1], over[2], over[3]]),
            Err(InvalidMessage::HandshakeMessageTooLarge)
        );
        assert_eq!(
            HandshakeMessagePayload::read_bytes(&[20, 0xff, 0xff, 0xff]),
            Err(InvalidMessage::HandshakeMessageTooLarge)
        );
        // Exactly the cap is fine.
        let mut msg = vec![20];
        msg.extend_from_slice(&max.to_be_bytes()[1..]);
        msg.resize(4 + MAX_HANDSHAKE_SIZE, 0);
        assert!(HandshakeMessagePayload::read_bytes(&msg).is_ok());
    }
}
