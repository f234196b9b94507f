//! Handshake messages and extensions (RFC 5246 7.4, RFC 5054 2.8, RFC 7627, RFC 7366,
//! RFC 5746, RFC 6066, RFC 7301). (STUB: implemented by the codec work.)
//!
//! Suite-dependent bodies (ServerKeyExchange, ClientKeyExchange) are kept as bytes in
//! [`HandshakePayload`] and decoded late, with [`SrpServerKeyExchange`] and
//! [`SrpClientKeyExchange`], once the suite is known.

use super::codec::{Codec, Reader};
use super::enums::{CipherSuite, Compression, ExtensionType, HandshakeType, ProtocolVersion};
use crate::error::InvalidMessage;

/// RFC 5246 7.4.1.2: `opaque random_bytes[28]` with `gmt_unix_time`: 32 bytes in all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Random(pub [u8; 32]);

/// RFC 5246 7.4.1.2: `opaque SessionID<0..32>;`
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SessionId(pub Vec<u8>);

/// One entry of a ClientHello's extension list. Extensions we do not act on are kept as
/// `Unknown` with their bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientExtension {
    /// RFC 5054 2.8.1: `opaque srp_I<1..2^8-1>;` (the username, UTF-8 on the wire as bytes).
    SrpUsername(Vec<u8>),
    /// RFC 6066 3: the `host_name` entries of `ServerNameList server_name_list<1..2^16-1>`
    /// (name_type 0, `opaque HostName<1..2^16-1>`). Other name types are skipped.
    ServerName(Vec<Vec<u8>>),
    /// RFC 7301: `ProtocolName protocol_name_list<2..2^16-1>`, each `opaque ProtocolName<1..2^8-1>`.
    Alpn(Vec<Vec<u8>>),
    /// RFC 7627: empty extension_data.
    ExtendedMasterSecret,
    /// RFC 7366: empty extension_data.
    EncryptThenMac,
    /// RFC 5746: `opaque renegotiated_connection<0..255>;`
    RenegotiationInfo(Vec<u8>),
    /// RFC 5077: the ticket (may be empty).
    SessionTicket(Vec<u8>),
    /// RFC 8446 4.2.1: `ProtocolVersion versions<2..254>;` (only read, to notice TLS 1.3 offers).
    SupportedVersions(Vec<ProtocolVersion>),
    /// Anything else, kept verbatim.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The extension_data bytes.
        payload: Vec<u8>,
    },
}

impl ClientExtension {
    /// The extension type of this entry.
    pub fn ext_type(&self) -> ExtensionType {
        todo!()
    }
}

/// One entry of a ServerHello's extension list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerExtension {
    /// RFC 7627: empty.
    ExtendedMasterSecretAck,
    /// RFC 7366: empty.
    EncryptThenMacAck,
    /// RFC 5746: `opaque renegotiated_connection<0..255>;` (empty on an initial handshake).
    RenegotiationInfo(Vec<u8>),
    /// RFC 6066: empty server_name in the ServerHello.
    ServerNameAck,
    /// RFC 7301: a list with exactly one protocol name.
    Alpn(Vec<u8>),
    /// RFC 5077: empty.
    SessionTicketAck,
    /// Anything else.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The extension_data bytes.
        payload: Vec<u8>,
    },
}

impl ServerExtension {
    /// The extension type of this entry.
    pub fn ext_type(&self) -> ExtensionType {
        todo!()
    }
}

/// RFC 5246 7.4.1.2 ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHelloPayload {
    /// `ProtocolVersion client_version;`
    pub client_version: ProtocolVersion,
    /// `Random random;`
    pub random: Random,
    /// `SessionID session_id;`
    pub session_id: SessionId,
    /// `CipherSuite cipher_suites<2..2^16-2>;`
    pub cipher_suites: Vec<CipherSuite>,
    /// `CompressionMethod compression_methods<1..2^8-1>;`
    pub compression_methods: Vec<Compression>,
    /// `Extension extensions<0..2^16-1>;` (absent on the wire = empty list; we always
    /// encode the block when non-empty)
    pub extensions: Vec<ClientExtension>,
}

impl ClientHelloPayload {
    /// True if two extensions share a type.
    pub fn has_duplicate_extension(&self) -> bool {
        todo!()
    }
    /// The first extension of this type.
    pub fn find_extension(&self, typ: ExtensionType) -> Option<&ClientExtension> {
        let _ = typ;
        todo!()
    }
    /// The SRP username bytes, if the SRP extension is present.
    pub fn srp_username(&self) -> Option<&[u8]> {
        todo!()
    }
    /// The first host_name of server_name, if present.
    pub fn sni_hostname(&self) -> Option<&[u8]> {
        todo!()
    }
    /// The ALPN list, if present.
    pub fn alpn_protocols(&self) -> Option<&[Vec<u8>]> {
        todo!()
    }
    /// The renegotiation_info content, if present.
    pub fn renegotiation_info(&self) -> Option<&[u8]> {
        todo!()
    }
    /// Whether extended_master_secret is present.
    pub fn ems_offered(&self) -> bool {
        todo!()
    }
    /// Whether encrypt_then_mac is present.
    pub fn etm_offered(&self) -> bool {
        todo!()
    }
}

/// RFC 5246 7.4.1.3 ServerHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHelloPayload {
    /// `ProtocolVersion server_version;`
    pub server_version: ProtocolVersion,
    /// `Random random;`
    pub random: Random,
    /// `SessionID session_id;`
    pub session_id: SessionId,
    /// `CipherSuite cipher_suite;`
    pub cipher_suite: CipherSuite,
    /// `CompressionMethod compression_method;`
    pub compression_method: Compression,
    /// `Extension extensions<0..2^16-1>;`
    pub extensions: Vec<ServerExtension>,
}

impl ServerHelloPayload {
    /// True if two extensions share a type.
    pub fn has_duplicate_extension(&self) -> bool {
        todo!()
    }
    /// The first extension of this type.
    pub fn find_extension(&self, typ: ExtensionType) -> Option<&ServerExtension> {
        let _ = typ;
        todo!()
    }
}

/// RFC 5054 2.8.2: the SRP ServerKeyExchange body (suite C01D/C020: no signature).
/// Values are kept exactly as sent (peers send them without left padding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrpServerKeyExchange {
    /// `opaque srp_N<1..2^16-1>;`
    pub n: Vec<u8>,
    /// `opaque srp_g<1..2^16-1>;`
    pub g: Vec<u8>,
    /// `opaque srp_s<1..2^8-1>;`
    pub s: Vec<u8>,
    /// `opaque srp_B<1..2^16-1>;`
    pub b: Vec<u8>,
}

impl Codec<'_> for SrpServerKeyExchange {
    fn encode(&self, bytes: &mut Vec<u8>) {
        let _ = bytes;
        todo!()
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let _ = r;
        todo!()
    }
}

/// RFC 5054 2.8.3: `opaque srp_A<1..2^16-1>;`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrpClientKeyExchange {
    /// The client's public value A as sent.
    pub a: Vec<u8>,
}

impl Codec<'_> for SrpClientKeyExchange {
    fn encode(&self, bytes: &mut Vec<u8>) {
        let _ = bytes;
        todo!()
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let _ = r;
        todo!()
    }
}

/// RFC 5077 3.3: `uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>;`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicketPayload {
    /// Lifetime hint in seconds.
    pub lifetime_hint: u32,
    /// The opaque ticket.
    pub ticket: Vec<u8>,
}

/// The body of a handshake message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakePayload {
    /// Empty body.
    HelloRequest,
    /// ClientHello.
    ClientHello(ClientHelloPayload),
    /// ServerHello.
    ServerHello(ServerHelloPayload),
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
    Unknown(Vec<u8>),
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
    /// Builds a message; `typ` is derived from the payload (for `Unknown`, pass the type).
    pub fn new(payload: HandshakePayload) -> Self {
        let _ = payload;
        todo!()
    }
}

impl Codec<'_> for HandshakeMessagePayload {
    fn encode(&self, bytes: &mut Vec<u8>) {
        let _ = bytes;
        todo!()
    }
    /// Reads header and body; the announced body length must be at most
    /// `MAX_HANDSHAKE_SIZE` (checked before anything is allocated) and the body must be
    /// consumed exactly.
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let _ = r;
        todo!()
    }
}
