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
//! helpers below ([`ClientHelloPayload::has_duplicate_extension`] and friends) make those
//! checks short.
//!
//! Every message and extension we decode re-encodes to the same bytes, with two
//! documented exceptions that real peers do not produce: a hello with an *empty*
//! extensions block (decoded as "no extensions", which we encode by omitting the block),
//! and a server_name list that mixes host_name with other name types (the others are
//! dropped; a list with no host_name at all is kept verbatim as `Unknown`).

use super::codec::{Bounds, Codec, Reader, U24};
use super::enums::{CipherSuite, Compression, ExtensionType, HandshakeType, ProtocolVersion};
use super::message::MAX_HANDSHAKE_SIZE;
use crate::error::InvalidMessage;

/// RFC 5246 7.4.1.2: `opaque SessionID<0..32>;`
const SESSION_ID: Bounds = Bounds::u8(0, 32, "SessionID");
/// RFC 5246 7.4.1.2: `CipherSuite cipher_suites<2..2^16-2>;`
const CIPHER_SUITES: Bounds = Bounds::u16(2, 0xfffe, "cipher_suites").unit(2);
/// RFC 5246 7.4.1.2: `CompressionMethod compression_methods<1..2^8-1>;`
const COMPRESSION_METHODS: Bounds = Bounds::u8(1, 0xff, "compression_methods");
/// RFC 5246 7.4.1.2: `Extension extensions<0..2^16-1>;`
const EXTENSIONS: Bounds = Bounds::u16(0, 0xffff, "extensions");
/// RFC 5246 7.4.1.4: `opaque extension_data<0..2^16-1>;`
const EXTENSION_DATA: Bounds = Bounds::u16(0, 0xffff, "extension_data");
/// RFC 5054 2.8.1: `opaque srp_I<1..2^8-1>;`
const SRP_I: Bounds = Bounds::u8(1, 0xff, "srp_I");
/// RFC 6066 3: `ServerName server_name_list<1..2^16-1>`
const SERVER_NAME_LIST: Bounds = Bounds::u16(1, 0xffff, "server_name_list");
/// RFC 6066 3: `opaque HostName<1..2^16-1>;` (other name types are assumed to use the same
/// shape, as RFC 4366 defined it, so that they can be skipped).
const HOST_NAME: Bounds = Bounds::u16(1, 0xffff, "HostName");
/// RFC 7301 3.1: `ProtocolName protocol_name_list<2..2^16-1>`
const PROTOCOL_NAME_LIST: Bounds = Bounds::u16(2, 0xffff, "protocol_name_list");
/// RFC 7301 3.1: `opaque ProtocolName<1..2^8-1>;`
const PROTOCOL_NAME: Bounds = Bounds::u8(1, 0xff, "ProtocolName");
/// RFC 5746 3.2: `opaque renegotiated_connection<0..255>;`
const RENEGOTIATED_CONNECTION: Bounds = Bounds::u8(0, 0xff, "renegotiated_connection");
/// RFC 8446 4.2.1: `ProtocolVersion versions<2..254>;` (ClientHello form)
const SUPPORTED_VERSIONS: Bounds = Bounds::u8(2, 254, "supported_versions").unit(2);
/// RFC 5054 2.8.2: `opaque srp_N<1..2^16-1>;`
const SRP_N: Bounds = Bounds::u16(1, 0xffff, "srp_N");
/// RFC 5054 2.8.2: `opaque srp_g<1..2^16-1>;`
const SRP_G: Bounds = Bounds::u16(1, 0xffff, "srp_g");
/// RFC 5054 2.8.2: `opaque srp_s<1..2^8-1>;`
const SRP_S: Bounds = Bounds::u8(1, 0xff, "srp_s");
/// RFC 5054 2.8.2: `opaque srp_B<1..2^16-1>;`
const SRP_B: Bounds = Bounds::u16(1, 0xffff, "srp_B");
/// RFC 5054 2.8.3: `opaque srp_A<1..2^16-1>;`
const SRP_A: Bounds = Bounds::u16(1, 0xffff, "srp_A");
/// RFC 5077 3.3: `opaque ticket<0..2^16-1>;`
const TICKET: Bounds = Bounds::u16(0, 0xffff, "ticket");
/// RFC 5246 7.4: `uint24 length;` of a handshake message, capped at what we accept.
const HANDSHAKE_BODY: Bounds = Bounds::u24(0, MAX_HANDSHAKE_SIZE, "Handshake");

/// RFC 5246 7.4.1.2: `opaque random_bytes[28]` with `gmt_unix_time`: 32 bytes in all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Random(pub [u8; 32]);

impl Codec<'_> for Random {
    fn encode(&self, bytes: &mut Vec<u8>) {
        bytes.extend_from_slice(&self.0);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let mut out = [0u8; 32];
        out.copy_from_slice(r.take_named(32, "Random")?);
        Ok(Self(out))
    }
}

/// RFC 5246 7.4.1.2: `opaque SessionID<0..32>;`
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SessionId(pub Vec<u8>);

impl SessionId {
    /// Whether the ID is empty (no resumption offered, or none granted).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Codec<'_> for SessionId {
    fn encode(&self, bytes: &mut Vec<u8>) {
        SESSION_ID.encode_opaque(bytes, &self.0);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        SESSION_ID.read_opaque(r).map(Self)
    }
}

/// An ALPN protocol name: RFC 7301 3.1 `opaque ProtocolName<1..2^8-1>;`
struct ProtocolName(Vec<u8>);

impl Codec<'_> for ProtocolName {
    fn encode(&self, bytes: &mut Vec<u8>) {
        PROTOCOL_NAME.encode_opaque(bytes, &self.0);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        PROTOCOL_NAME.read_opaque(r).map(Self)
    }
}

fn read_alpn_list(r: &mut Reader<'_>) -> Result<Vec<Vec<u8>>, InvalidMessage> {
    let names: Vec<ProtocolName> = PROTOCOL_NAME_LIST.read_list(r)?;
    Ok(names.into_iter().map(|n| n.0).collect())
}

fn encode_alpn_list(bytes: &mut Vec<u8>, names: &[Vec<u8>]) {
    PROTOCOL_NAME_LIST.encode_with(bytes, |b| {
        names.iter().for_each(|n| PROTOCOL_NAME.encode_opaque(b, n));
    });
}

/// RFC 6066 3: `enum { host_name(0), (255) } NameType;`
const NAME_TYPE_HOST_NAME: u8 = 0;

/// Reads `ServerNameList` and keeps the host_name entries.
fn read_server_name_list(r: &mut Reader<'_>) -> Result<Vec<Vec<u8>>, InvalidMessage> {
    let mut list = SERVER_NAME_LIST.read_sub(r)?;
    let mut names = Vec::new();
    while list.any_left() {
        // RFC 6066 3: `NameType name_type;`
        let name_type = u8::read(&mut list).map_err(|_| InvalidMessage::MissingData("NameType"))?;
        let name = HOST_NAME.read_opaque(&mut list)?;
        if name_type == NAME_TYPE_HOST_NAME {
            names.push(name);
        }
    }
    Ok(names)
}

/// Reads the two-byte extension type and the extension_data that follows it.
fn read_extension_header<'a>(
    r: &mut Reader<'a>,
) -> Result<(ExtensionType, Reader<'a>), InvalidMessage> {
    // RFC 5246 7.4.1.4: `ExtensionType extension_type;`
    let typ = ExtensionType::read(r).map_err(|_| InvalidMessage::MissingData("extension_type"))?;
    // RFC 5246 7.4.1.4: `opaque extension_data<0..2^16-1>;`
    let data = EXTENSION_DATA.read_sub(r)?;
    Ok((typ, data))
}

fn encode_extension(bytes: &mut Vec<u8>, typ: ExtensionType, body: impl FnOnce(&mut Vec<u8>)) {
    typ.encode(bytes);
    EXTENSION_DATA.encode_with(bytes, body);
}

/// Sorts a list of extension types and reports whether one repeats.
fn any_repeated(mut types: Vec<u16>) -> bool {
    types.sort_unstable();
    types.windows(2).any(|w| w.first() == w.get(1))
}

/// One entry of a ClientHello's extension list. Extensions we do not act on are kept as
/// `Unknown` with their bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientExtension {
    /// RFC 5054 2.8.1: `opaque srp_I<1..2^8-1>;` (the username, UTF-8 on the wire as bytes).
    SrpUsername(Vec<u8>),
    /// RFC 6066 3: the `host_name` entries of `ServerNameList server_name_list<1..2^16-1>`
    /// (name_type 0, `opaque HostName<1..2^16-1>`). Other name types are skipped; a list
    /// with no host_name at all is kept as `Unknown`.
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
        match self {
            Self::SrpUsername(_) => ExtensionType::Srp,
            Self::ServerName(_) => ExtensionType::ServerName,
            Self::Alpn(_) => ExtensionType::Alpn,
            Self::ExtendedMasterSecret => ExtensionType::ExtendedMasterSecret,
            Self::EncryptThenMac => ExtensionType::EncryptThenMac,
            Self::RenegotiationInfo(_) => ExtensionType::RenegotiationInfo,
            Self::SessionTicket(_) => ExtensionType::SessionTicket,
            Self::SupportedVersions(_) => ExtensionType::SupportedVersions,
            Self::Unknown { typ, .. } => *typ,
        }
    }
}

impl Codec<'_> for ClientExtension {
    fn encode(&self, bytes: &mut Vec<u8>) {
        encode_extension(bytes, self.ext_type(), |b| match self {
            Self::SrpUsername(user) => SRP_I.encode_opaque(b, user),
            Self::ServerName(names) => SERVER_NAME_LIST.encode_with(b, |b| {
                for name in names {
                    b.push(NAME_TYPE_HOST_NAME);
                    HOST_NAME.encode_opaque(b, name);
                }
            }),
            Self::Alpn(names) => encode_alpn_list(b, names),
            Self::ExtendedMasterSecret | Self::EncryptThenMac => {}
            Self::RenegotiationInfo(v) => RENEGOTIATED_CONNECTION.encode_opaque(b, v),
            Self::SessionTicket(t) => b.extend_from_slice(t),
            Self::SupportedVersions(v) => SUPPORTED_VERSIONS.encode_list(b, v),
            Self::Unknown { payload, .. } => b.extend_from_slice(payload),
        });
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let (typ, mut data) = read_extension_header(r)?;
        let whole = data.peek_rest();
        let d = &mut data;
        let (ext, name) = match typ {
            ExtensionType::Srp => (Self::SrpUsername(SRP_I.read_opaque(d)?), "srp"),
            ExtensionType::ServerName => match read_server_name_list(d)? {
                // Only name types we do not know: keep the bytes, so that the extension
                // re-encodes as received (an empty `ServerName` list could not be encoded).
                names if names.is_empty() => (
                    Self::Unknown {
                        typ,
                        payload: whole.to_vec(),
                    },
                    "server_name",
                ),
                names => (Self::ServerName(names), "server_name"),
            },
            ExtensionType::Alpn => (
                Self::Alpn(read_alpn_list(d)?),
                "application_layer_protocol_negotiation",
            ),
            ExtensionType::ExtendedMasterSecret => {
                (Self::ExtendedMasterSecret, "extended_master_secret")
            }
            ExtensionType::EncryptThenMac => (Self::EncryptThenMac, "encrypt_then_mac"),
            ExtensionType::RenegotiationInfo => (
                Self::RenegotiationInfo(RENEGOTIATED_CONNECTION.read_opaque(d)?),
                "renegotiation_info",
            ),
            ExtensionType::SessionTicket => {
                (Self::SessionTicket(d.rest().to_vec()), "session_ticket")
            }
            ExtensionType::SupportedVersions => (
                Self::SupportedVersions(SUPPORTED_VERSIONS.read_list(d)?),
                "supported_versions",
            ),
            typ => (
                Self::Unknown {
                    typ,
                    payload: d.rest().to_vec(),
                },
                "extension",
            ),
        };
        data.expect_empty(name)?;
        Ok(ext)
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
        match self {
            Self::ExtendedMasterSecretAck => ExtensionType::ExtendedMasterSecret,
            Self::EncryptThenMacAck => ExtensionType::EncryptThenMac,
            Self::RenegotiationInfo(_) => ExtensionType::RenegotiationInfo,
            Self::ServerNameAck => ExtensionType::ServerName,
            Self::Alpn(_) => ExtensionType::Alpn,
            Self::SessionTicketAck => ExtensionType::SessionTicket,
            Self::Unknown { typ, .. } => *typ,
        }
    }
}

impl Codec<'_> for ServerExtension {
    fn encode(&self, bytes: &mut Vec<u8>) {
        encode_extension(bytes, self.ext_type(), |b| match self {
            Self::ExtendedMasterSecretAck
            | Self::EncryptThenMacAck
            | Self::ServerNameAck
            | Self::SessionTicketAck => {}
            Self::RenegotiationInfo(v) => RENEGOTIATED_CONNECTION.encode_opaque(b, v),
            Self::Alpn(name) => encode_alpn_list(b, core::slice::from_ref(name)),
            Self::Unknown { payload, .. } => b.extend_from_slice(payload),
        });
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let (typ, mut data) = read_extension_header(r)?;
        let d = &mut data;
        let (ext, name) = match typ {
            ExtensionType::ExtendedMasterSecret => {
                (Self::ExtendedMasterSecretAck, "extended_master_secret")
            }
            ExtensionType::EncryptThenMac => (Self::EncryptThenMacAck, "encrypt_then_mac"),
            ExtensionType::ServerName => (Self::ServerNameAck, "server_name"),
            ExtensionType::SessionTicket => (Self::SessionTicketAck, "session_ticket"),
            ExtensionType::RenegotiationInfo => (
                Self::RenegotiationInfo(RENEGOTIATED_CONNECTION.read_opaque(d)?),
                "renegotiation_info",
            ),
            ExtensionType::Alpn => {
                // RFC 7301 3.1: the server's "ProtocolNameList" MUST contain exactly one name.
                let mut names = read_alpn_list(d)?.into_iter();
                match (names.next(), names.next()) {
                    (Some(one), None) => {
                        (Self::Alpn(one), "application_layer_protocol_negotiation")
                    }
                    _ => return Err(InvalidMessage::InvalidLength("protocol_name_list")),
                }
            }
            typ => (
                Self::Unknown {
                    typ,
                    payload: d.rest().to_vec(),
                },
                "extension",
            ),
        };
        data.expect_empty(name)?;
        Ok(ext)
    }
}

/// Reads the optional extensions block at the end of a hello: absent means empty.
fn read_hello_extensions<'a, T: Codec<'a>>(r: &mut Reader<'a>) -> Result<Vec<T>, InvalidMessage> {
    if r.any_left() {
        EXTENSIONS.read_list(r)
    } else {
        Ok(Vec::new())
    }
}

/// Writes the extensions block, or nothing for an empty list.
fn encode_hello_extensions<'a, T: Codec<'a>>(bytes: &mut Vec<u8>, exts: &[T]) {
    if !exts.is_empty() {
        EXTENSIONS.encode_list(bytes, exts);
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

impl Codec<'_> for ClientHelloPayload {
    fn encode(&self, bytes: &mut Vec<u8>) {
        self.client_version.encode(bytes);
        self.random.encode(bytes);
        self.session_id.encode(bytes);
        CIPHER_SUITES.encode_list(bytes, &self.cipher_suites);
        COMPRESSION_METHODS.encode_list(bytes, &self.compression_methods);
        encode_hello_extensions(bytes, &self.extensions);
    }

    /// Reads a ClientHello body; the extensions block runs to the end of `r`.
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let client_version =
            ProtocolVersion::read(r).map_err(|_| InvalidMessage::MissingData("client_version"))?;
        let random = Random::read(r)?;
        let session_id = SessionId::read(r)?;
        let cipher_suites = CIPHER_SUITES.read_list(r)?;
        let compression_methods = COMPRESSION_METHODS.read_list(r)?;
        let extensions = read_hello_extensions(r)?;
        r.expect_empty("ClientHello")?;
        Ok(Self {
            client_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }
}

impl ClientHelloPayload {
    /// True if two extensions share a type.
    pub fn has_duplicate_extension(&self) -> bool {
        any_repeated(self.extensions.iter().map(|e| e.ext_type().get()).collect())
    }
    /// The first extension of this type.
    pub fn find_extension(&self, typ: ExtensionType) -> Option<&ClientExtension> {
        self.extensions.iter().find(|e| e.ext_type() == typ)
    }
    /// The SRP username bytes, if the SRP extension is present.
    pub fn srp_username(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::Srp)? {
            ClientExtension::SrpUsername(user) => Some(user),
            _ => None,
        }
    }
    /// The first host_name of server_name, if present.
    pub fn sni_hostname(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::ServerName)? {
            ClientExtension::ServerName(names) => names.first().map(Vec::as_slice),
            _ => None,
        }
    }
    /// The ALPN list, if present.
    pub fn alpn_protocols(&self) -> Option<&[Vec<u8>]> {
        match self.find_extension(ExtensionType::Alpn)? {
            ClientExtension::Alpn(names) => Some(names),
            _ => None,
        }
    }
    /// The renegotiation_info content, if present.
    pub fn renegotiation_info(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::RenegotiationInfo)? {
            ClientExtension::RenegotiationInfo(v) => Some(v),
            _ => None,
        }
    }
    /// Whether extended_master_secret is present.
    pub fn ems_offered(&self) -> bool {
        self.find_extension(ExtensionType::ExtendedMasterSecret)
            .is_some()
    }
    /// Whether encrypt_then_mac is present.
    pub fn etm_offered(&self) -> bool {
        self.find_extension(ExtensionType::EncryptThenMac).is_some()
    }
    /// The session ticket, if the session_ticket extension is present (empty: the client
    /// supports tickets but has none to offer).
    pub fn session_ticket(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::SessionTicket)? {
            ClientExtension::SessionTicket(t) => Some(t),
            _ => None,
        }
    }
    /// The supported_versions list, if present.
    pub fn supported_versions(&self) -> Option<&[ProtocolVersion]> {
        match self.find_extension(ExtensionType::SupportedVersions)? {
            ClientExtension::SupportedVersions(v) => Some(v),
            _ => None,
        }
    }
    /// Whether a cipher suite is in the offered list.
    pub fn offers_suite(&self, suite: CipherSuite) -> bool {
        self.cipher_suites.contains(&suite)
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

impl Codec<'_> for ServerHelloPayload {
    fn encode(&self, bytes: &mut Vec<u8>) {
        self.server_version.encode(bytes);
        self.random.encode(bytes);
        self.session_id.encode(bytes);
        self.cipher_suite.encode(bytes);
        self.compression_method.encode(bytes);
        encode_hello_extensions(bytes, &self.extensions);
    }

    /// Reads a ServerHello body; the extensions block (optional) runs to the end of `r`.
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let server_version =
            ProtocolVersion::read(r).map_err(|_| InvalidMessage::MissingData("server_version"))?;
        let random = Random::read(r)?;
        let session_id = SessionId::read(r)?;
        let cipher_suite =
            CipherSuite::read(r).map_err(|_| InvalidMessage::MissingData("cipher_suite"))?;
        let compression_method =
            Compression::read(r).map_err(|_| InvalidMessage::MissingData("compression_method"))?;
        let extensions = read_hello_extensions(r)?;
        r.expect_empty("ServerHello")?;
        Ok(Self {
            server_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        })
    }
}

impl ServerHelloPayload {
    /// True if two extensions share a type.
    pub fn has_duplicate_extension(&self) -> bool {
        any_repeated(self.extensions.iter().map(|e| e.ext_type().get()).collect())
    }
    /// The first extension of this type.
    pub fn find_extension(&self, typ: ExtensionType) -> Option<&ServerExtension> {
        self.extensions.iter().find(|e| e.ext_type() == typ)
    }
    /// The renegotiation_info content, if present.
    pub fn renegotiation_info(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::RenegotiationInfo)? {
            ServerExtension::RenegotiationInfo(v) => Some(v),
            _ => None,
        }
    }
    /// The protocol the server selected with ALPN, if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::Alpn)? {
            ServerExtension::Alpn(name) => Some(name),
            _ => None,
        }
    }
    /// Whether extended_master_secret was acknowledged.
    pub fn ems_acked(&self) -> bool {
        self.find_extension(ExtensionType::ExtendedMasterSecret)
            .is_some()
    }
    /// Whether encrypt_then_mac was acknowledged.
    pub fn etm_acked(&self) -> bool {
        self.find_extension(ExtensionType::EncryptThenMac).is_some()
    }
    /// Whether the server will send a NewSessionTicket.
    pub fn session_ticket_acked(&self) -> bool {
        self.find_extension(ExtensionType::SessionTicket).is_some()
    }
}

/// RFC 5054 2.8.2: the SRP ServerKeyExchange body (suite C01D/C020: no signature).
/// Values are kept exactly as sent (peers send them without left padding).
///
/// [`Codec::read`] stops after `srp_B`; decode a whole body with [`Codec::read_bytes`],
/// which rejects trailing bytes (a signature is an error for the unsigned suites).
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
        SRP_N.encode_opaque(bytes, &self.n);
        SRP_G.encode_opaque(bytes, &self.g);
        SRP_S.encode_opaque(bytes, &self.s);
        SRP_B.encode_opaque(bytes, &self.b);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            n: SRP_N.read_opaque(r)?,
            g: SRP_G.read_opaque(r)?,
            s: SRP_S.read_opaque(r)?,
            b: SRP_B.read_opaque(r)?,
        })
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
        SRP_A.encode_opaque(bytes, &self.a);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        SRP_A.read_opaque(r).map(|a| Self { a })
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

impl Codec<'_> for NewSessionTicketPayload {
    fn encode(&self, bytes: &mut Vec<u8>) {
        self.lifetime_hint.encode(bytes);
        TICKET.encode_opaque(bytes, &self.ticket);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let lifetime_hint =
            u32::read(r).map_err(|_| InvalidMessage::MissingData("ticket_lifetime_hint"))?;
        let ticket = TICKET.read_opaque(r)?;
        Ok(Self {
            lifetime_hint,
            ticket,
        })
    }
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
        let typ = HandshakeType::read(r).map_err(|_| InvalidMessage::MissingData("msg_type"))?;
        // RFC 5246 7.4: `uint24 length;`
        let len =
            usize::from(U24::read(r).map_err(|_| InvalidMessage::MissingData("Handshake.length"))?);
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
    use super::*;

    /// Every strict prefix of `enc` must fail to decode as `T` (and never panic).
    fn assert_truncations_fail<T: for<'a> Codec<'a> + core::fmt::Debug>(enc: &[u8]) {
        for n in 0..enc.len() {
            assert!(
                T::read_bytes(&enc[..n]).is_err(),
                "prefix of {n}/{} bytes decoded",
                enc.len()
            );
        }
    }

    /// Decoding then encoding gives the same bytes, and an extra byte is an error.
    fn assert_round_trip<T: for<'a> Codec<'a> + core::fmt::Debug>(enc: &[u8]) -> T {
        let v = T::read_bytes(enc).unwrap();
        assert_eq!(v.get_encoding(), enc, "{v:?}");
        let mut longer = enc.to_vec();
        longer.push(0);
        assert!(T::read_bytes(&longer).is_err());
        v
    }

    fn sample_client_hello() -> ClientHelloPayload {
        ClientHelloPayload {
            client_version: ProtocolVersion::TLSv1_2,
            random: Random([7; 32]),
            session_id: SessionId(vec![1; 32]),
            cipher_suites: vec![
                CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
                CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
                CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
            ],
            compression_methods: vec![Compression::Null],
            extensions: vec![
                ClientExtension::SrpUsername(b"alice".to_vec()),
                ClientExtension::ServerName(vec![b"example.com".to_vec()]),
                ClientExtension::Alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()]),
                ClientExtension::ExtendedMasterSecret,
                ClientExtension::EncryptThenMac,
                ClientExtension::RenegotiationInfo(vec![]),
                ClientExtension::SessionTicket(vec![9; 40]),
                ClientExtension::SupportedVersions(vec![
                    ProtocolVersion::TLSv1_3,
                    ProtocolVersion::TLSv1_2,
                ]),
                ClientExtension::Unknown {
                    typ: ExtensionType::SignatureAlgorithms,
                    payload: vec![0, 2, 4, 1],
                },
            ],
        }
    }

    fn sample_server_hello() -> ServerHelloPayload {
        ServerHelloPayload {
            server_version: ProtocolVersion::TLSv1_2,
            random: Random([3; 32]),
            session_id: SessionId(vec![5; 32]),
            cipher_suite: CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
            compression_method: Compression::Null,
            extensions: vec![
                ServerExtension::RenegotiationInfo(vec![]),
                ServerExtension::ExtendedMasterSecretAck,
                ServerExtension::EncryptThenMacAck,
                ServerExtension::ServerNameAck,
                ServerExtension::Alpn(b"h2".to_vec()),
                ServerExtension::SessionTicketAck,
                ServerExtension::Unknown {
                    typ: ExtensionType::RecordSizeLimit,
                    payload: vec![0x40, 0],
                },
            ],
        }
    }

    fn ext_bytes(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut v = typ.to_be_bytes().to_vec();
        v.extend_from_slice(&(data.len() as u16).to_be_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn client_hello_encoding_is_the_rfc_layout() {
        let ch = ClientHelloPayload {
            extensions: vec![ClientExtension::SrpUsername(b"alice".to_vec())],
            ..sample_client_hello()
        };
        let enc = ch.get_encoding();
        let mut want = vec![3, 3];
        want.extend_from_slice(&[7; 32]);
        want.push(32);
        want.extend_from_slice(&[1; 32]);
        want.extend_from_slice(&[0, 6, 0xc0, 0x20, 0xc0, 0x1d, 0x00, 0xff]);
        want.extend_from_slice(&[1, 0]);
        want.extend_from_slice(&[0, 10, 0, 12, 0, 6, 5, b'a', b'l', b'i', b'c', b'e']);
        assert_eq!(enc, want);
    }

    #[test]
    fn client_hello_round_trip_and_truncation() {
        let ch = sample_client_hello();
        let enc = ch.get_encoding();
        assert_eq!(assert_round_trip::<ClientHelloPayload>(&enc), ch);
        // Cutting the hello exactly before its extensions block leaves a valid hello
        // without extensions (RFC 5246 7.4.1.2); every other prefix is an error.
        let no_ext = ClientHelloPayload {
            extensions: vec![],
            ..ch.clone()
        }
        .get_encoding();
        for n in 0..enc.len() {
            let r = ClientHelloPayload::read_bytes(&enc[..n]);
            if n == no_ext.len() {
                assert_eq!(r.unwrap().extensions, vec![]);
            } else {
                assert!(r.is_err(), "prefix {n}");
            }
        }
        // Inside a handshake message the length header makes every prefix an error.
        let msg = HandshakeMessagePayload::new(HandshakePayload::ClientHello(ch)).get_encoding();
        assert_truncations_fail::<HandshakeMessagePayload>(&msg);
        assert_round_trip::<HandshakeMessagePayload>(&msg);
    }

    #[test]
    fn every_client_extension_round_trips_and_truncates() {
        for ext in sample_client_hello().extensions {
            let enc = ext.get_encoding();
            assert_eq!(assert_round_trip::<ClientExtension>(&enc), ext);
            assert_truncations_fail::<ClientExtension>(&enc);
        }
    }

    #[test]
    fn every_server_extension_round_trips_and_truncates() {
        for ext in sample_server_hello().extensions {
            let enc = ext.get_encoding();
            assert_eq!(assert_round_trip::<ServerExtension>(&enc), ext);
            assert_truncations_fail::<ServerExtension>(&enc);
        }
    }

    #[test]
    fn server_hello_round_trip_and_truncation() {
        let sh = sample_server_hello();
        let enc = sh.get_encoding();
        assert_eq!(assert_round_trip::<ServerHelloPayload>(&enc), sh);
        let msg = HandshakeMessagePayload::new(HandshakePayload::ServerHello(sh)).get_encoding();
        assert_truncations_fail::<HandshakeMessagePayload>(&msg);
        assert_round_trip::<HandshakeMessagePayload>(&msg);
        // Without extensions the block is omitted and decodes as absent.
        let bare = ServerHelloPayload {
            extensions: vec![],
            ..sample_server_hello()
        };
        let enc = bare.get_encoding();
        assert_eq!(enc.len(), 2 + 32 + 33 + 2 + 1);
        assert_eq!(assert_round_trip::<ServerHelloPayload>(&enc), bare);
    }

    #[test]
    fn client_hello_field_ranges() {
        let good = ClientHelloPayload {
            extensions: vec![],
            ..sample_client_hello()
        }
        .get_encoding();
        let sid_at = 2 + 32;
        let suites_at = sid_at + 33;
        let comp_at = suites_at + 2 + 6;

        // session_id longer than 32.
        let mut bad = good[..sid_at].to_vec();
        bad.push(33);
        bad.extend_from_slice(&[0; 33]);
        bad.extend_from_slice(&good[suites_at..]);
        assert_eq!(
            ClientHelloPayload::read_bytes(&bad),
            Err(InvalidMessage::InvalidLength("SessionID"))
        );

        // cipher_suites empty, and odd length.
        for suites in [&[0u8, 0][..], &[0, 3, 0xc0, 0x1d, 0xff]] {
            let mut bad = good[..suites_at].to_vec();
            bad.extend_from_slice(suites);
            bad.extend_from_slice(&good[comp_at..]);
            assert_eq!(
                ClientHelloPayload::read_bytes(&bad),
                Err(InvalidMessage::InvalidLength("cipher_suites"))
            );
        }

        // no compression method.
        let mut bad = good[..comp_at].to_vec();
        bad.push(0);
        assert_eq!(
            ClientHelloPayload::read_bytes(&bad),
            Err(InvalidMessage::InvalidLength("compression_methods"))
        );

        // An explicitly empty extensions block is fine (and means no extensions).
        let mut empty = good.clone();
        empty.extend_from_slice(&[0, 0]);
        assert_eq!(
            ClientHelloPayload::read_bytes(&empty).unwrap().extensions,
            vec![]
        );

        // A lone byte where the extensions block would be.
        let mut bad = good.clone();
        bad.push(0);
        assert_eq!(
            ClientHelloPayload::read_bytes(&bad),
            Err(InvalidMessage::MissingData("extensions"))
        );

        // Extensions block longer than its content / shorter than its content.
        let ems = ext_bytes(23, &[]);
        let mut bad = good.clone();
        bad.extend_from_slice(&[0, 5]);
        bad.extend_from_slice(&ems);
        assert_eq!(
            ClientHelloPayload::read_bytes(&bad),
            Err(InvalidMessage::MissingData("extensions"))
        );
        let mut bad = good.clone();
        bad.extend_from_slice(&[0, 3]);
        bad.extend_from_slice(&ems);
        assert!(ClientHelloPayload::read_bytes(&bad).is_err());
    }

    #[test]
    fn client_extension_ranges() {
        use InvalidMessage::*;
        let cases: &[(u16, &[u8], InvalidMessage)] = &[
            // srp_I<1..2^8-1>: empty username.
            (12, &[0], InvalidLength("srp_I")),
            (12, &[], MissingData("srp_I")),
            (12, &[2, b'a'], MissingData("srp_I")),
            (12, &[1, b'a', b'b'], TrailingData("srp")),
            // server_name: empty list, empty host name, short entry.
            (0, &[0, 0], InvalidLength("server_name_list")),
            (0, &[0, 3, 0, 0, 0], InvalidLength("HostName")),
            (0, &[0, 1, 0], MissingData("HostName")),
            // ALPN: list shorter than 2, empty name.
            (16, &[0, 0], InvalidLength("protocol_name_list")),
            (16, &[0, 1, 0], InvalidLength("protocol_name_list")),
            (
                16,
                &[0, 3, 2, b'h', b'2', 0, 0],
                TrailingData("application_layer_protocol_negotiation"),
            ),
            (16, &[0, 3, 0, 1, b'x'], InvalidLength("ProtocolName")),
            // EMS and EtM must be empty.
            (23, &[0], TrailingData("extended_master_secret")),
            (22, &[1, 2], TrailingData("encrypt_then_mac")),
            // renegotiation_info<0..255>.
            (0xff01, &[], MissingData("renegotiated_connection")),
            (0xff01, &[1], MissingData("renegotiated_connection")),
            (0xff01, &[0, 0], TrailingData("renegotiation_info")),
            // supported_versions<2..254>, even.
            (43, &[0], InvalidLength("supported_versions")),
            (43, &[1, 3], InvalidLength("supported_versions")),
            (43, &[3, 3, 3, 3], InvalidLength("supported_versions")),
            (43, &[255, 3, 3], InvalidLength("supported_versions")),
        ];
        for (typ, data, err) in cases {
            let enc = ext_bytes(*typ, data);
            assert_eq!(
                ClientExtension::read_bytes(&enc),
                Err(*err),
                "type {typ} data {data:?}"
            );
        }
        // The largest username the range allows.
        let long = ClientExtension::SrpUsername(vec![b'u'; 255]);
        assert_round_trip::<ClientExtension>(&long.get_encoding());
        // Ranges at their floors.
        assert_round_trip::<ClientExtension>(&ext_bytes(16, &[0, 2, 1, b'x']));
        assert_round_trip::<ClientExtension>(&ext_bytes(43, &[2, 3, 3]));
        assert_round_trip::<ClientExtension>(&ext_bytes(35, &[]));
        // Unknown extensions keep their bytes, whatever they are.
        assert_eq!(
            assert_round_trip::<ClientExtension>(&ext_bytes(0x1234, &[1, 2, 3])),
            ClientExtension::Unknown {
                typ: ExtensionType::Unknown(0x1234),
                payload: vec![1, 2, 3]
            }
        );
    }

    #[test]
    fn server_name_keeps_host_names_only() {
        // A host_name, then an entry of an unknown name type.
        let data = [0, 11, 0, 0, 3, b'a', b'.', b'b', 7, 0, 2, b'z', b'z'];
        let ext = ClientExtension::read_bytes(&ext_bytes(0, &data)).unwrap();
        assert_eq!(ext, ClientExtension::ServerName(vec![b"a.b".to_vec()]));
        // No host_name at all: kept verbatim, so it still encodes (and round-trips).
        let data = [0, 5, 7, 0, 2, b'z', b'z'];
        let enc = ext_bytes(0, &data);
        let ext = assert_round_trip::<ClientExtension>(&enc);
        assert_eq!(
            ext,
            ClientExtension::Unknown {
                typ: ExtensionType::ServerName,
                payload: data.to_vec()
            }
        );
        let ch = ClientHelloPayload {
            extensions: vec![ext],
            ..sample_client_hello()
        };
        assert_eq!(ch.sni_hostname(), None);
    }

    #[test]
    fn server_extension_ranges() {
        use InvalidMessage::*;
        let cases: &[(u16, &[u8], InvalidMessage)] = &[
            (23, &[0], TrailingData("extended_master_secret")),
            (22, &[0], TrailingData("encrypt_then_mac")),
            (35, &[0], TrailingData("session_ticket")),
            (0, &[0, 0], TrailingData("server_name")),
            (0xff01, &[], MissingData("renegotiated_connection")),
            // ALPN in a ServerHello: exactly one name.
            (
                16,
                &[0, 6, 2, b'h', b'2', 2, b'h', b'3'],
                InvalidLength("protocol_name_list"),
            ),
            (16, &[0, 0], InvalidLength("protocol_name_list")),
            (16, &[0, 2, 0, 0], InvalidLength("ProtocolName")),
        ];
        for (typ, data, err) in cases {
            let enc = ext_bytes(*typ, data);
            assert_eq!(
                ServerExtension::read_bytes(&enc),
                Err(*err),
                "type {typ} data {data:?}"
            );
        }
    }

    #[test]
    fn duplicate_extensions_are_detected() {
        let mut ch = sample_client_hello();
        assert!(!ch.has_duplicate_extension());
        ch.extensions.push(ClientExtension::Unknown {
            typ: ExtensionType::Srp,
            payload: vec![1, b'b'],
        });
        assert!(ch.has_duplicate_extension());
        // Decoding keeps duplicates so that the state machine can refuse them.
        let back = ClientHelloPayload::read_bytes(&ch.get_encoding()).unwrap();
        assert!(back.has_duplicate_extension());
        assert_eq!(back.srp_username(), Some(&b"alice"[..]), "first one found");

        let mut sh = sample_server_hello();
        assert!(!sh.has_duplicate_extension());
        sh.extensions.push(ServerExtension::EncryptThenMacAck);
        assert!(ServerHelloPayload::read_bytes(&sh.get_encoding())
            .unwrap()
            .has_duplicate_extension());
        let two_unknown = ServerHelloPayload {
            extensions: vec![
                ServerExtension::Unknown {
                    typ: ExtensionType::Unknown(99),
                    payload: vec![],
                },
                ServerExtension::Unknown {
                    typ: ExtensionType::Unknown(99),
                    payload: vec![1],
                },
            ],
            ..sample_server_hello()
        };
        assert!(two_unknown.has_duplicate_extension());
    }

    #[test]
    fn client_hello_accessors() {
        let ch = sample_client_hello();
        assert_eq!(ch.srp_username(), Some(&b"alice"[..]));
        assert_eq!(ch.sni_hostname(), Some(&b"example.com"[..]));
        assert_eq!(
            ch.alpn_protocols(),
            Some(&[b"h2".to_vec(), b"http/1.1".to_vec()][..])
        );
        assert_eq!(ch.renegotiation_info(), Some(&[][..]));
        assert!(ch.ems_offered());
        assert!(ch.etm_offered());
        assert_eq!(ch.session_ticket(), Some(&[9u8; 40][..]));
        assert_eq!(
            ch.supported_versions(),
            Some(&[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2][..])
        );
        assert!(ch.offers_suite(CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA));
        assert!(ch.find_extension(ExtensionType::KeyShare).is_none());
        let bare = ClientHelloPayload {
            extensions: vec![],
            ..ch
        };
        assert_eq!(bare.srp_username(), None);
        assert!(!bare.ems_offered());
        assert_eq!(bare.sni_hostname(), None);
    }

    #[test]
    fn server_hello_accessors() {
        let sh = sample_server_hello();
        assert_eq!(sh.alpn_protocol(), Some(&b"h2"[..]));
        assert_eq!(sh.renegotiation_info(), Some(&[][..]));
        assert!(sh.ems_acked() && sh.etm_acked() && sh.session_ticket_acked());
        let bare = ServerHelloPayload {
            extensions: vec![],
            ..sh
        };
        assert!(!bare.ems_acked() && bare.alpn_protocol().is_none());
    }

    #[test]
    fn srp_key_exchange_round_trip_ranges_and_truncation() {
        let ske = SrpServerKeyExchange {
            n: vec![0xee; 256],
            g: vec![2],
            s: vec![0x11; 16],
            b: vec![0x22; 255],
        };
        let enc = ske.get_encoding();
        assert_eq!(&enc[..3], &[1, 0, 0xee]);
        assert_eq!(assert_round_trip::<SrpServerKeyExchange>(&enc), ske);
        assert_truncations_fail::<SrpServerKeyExchange>(&enc);
        // Each field empty is an InvalidLength for that field.
        let parts: [(&[u8], &str); 4] = [
            (&[0, 1, 7], "srp_N"),
            (&[0, 1, 2], "srp_g"),
            (&[1, 5], "srp_s"),
            (&[0, 1, 9], "srp_B"),
        ];
        for i in 0..4 {
            let mut bad = Vec::new();
            for (j, (p, _)) in parts.iter().enumerate() {
                if i == j {
                    bad.extend_from_slice(&p[..p.len() - 2]);
                    bad.push(0);
                } else {
                    bad.extend_from_slice(p);
                }
            }
            assert_eq!(
                SrpServerKeyExchange::read_bytes(&bad),
                Err(InvalidMessage::InvalidLength(parts[i].1))
            );
        }
        // A signature after srp_B is trailing data for the unsigned suites.
        let mut signed = enc.clone();
        signed.extend_from_slice(&[4, 1, 0, 0]);
        assert!(matches!(
            SrpServerKeyExchange::read_bytes(&signed),
            Err(InvalidMessage::TrailingData(_))
        ));

        let cke = SrpClientKeyExchange { a: vec![0x33; 256] };
        let enc = cke.get_encoding();
        assert_eq!(&enc[..2], &[1, 0]);
        assert_eq!(assert_round_trip::<SrpClientKeyExchange>(&enc), cke);
        assert_truncations_fail::<SrpClientKeyExchange>(&enc);
        assert_eq!(
            SrpClientKeyExchange::read_bytes(&[0, 0]),
            Err(InvalidMessage::InvalidLength("srp_A"))
        );
    }

    #[test]
    fn new_session_ticket() {
        let t = NewSessionTicketPayload {
            lifetime_hint: 7200,
            ticket: vec![0xab; 100],
        };
        let enc = t.get_encoding();
        assert_eq!(&enc[..6], &[0, 0, 0x1c, 0x20, 0, 100]);
        assert_eq!(assert_round_trip::<NewSessionTicketPayload>(&enc), t);
        assert_truncations_fail::<NewSessionTicketPayload>(&enc);
        let msg =
            HandshakeMessagePayload::new(HandshakePayload::NewSessionTicket(t)).get_encoding();
        assert_eq!(msg[0], 4);
        assert_round_trip::<HandshakeMessagePayload>(&msg);
        assert_truncations_fail::<HandshakeMessagePayload>(&msg);
        // An empty ticket is allowed by <0..2^16-1>.
        assert_round_trip::<NewSessionTicketPayload>(&[0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn handshake_bodies_by_type() {
        let msgs = [
            HandshakePayload::HelloRequest,
            HandshakePayload::ServerKeyExchange(vec![1, 2, 3]),
            HandshakePayload::ServerHelloDone,
            HandshakePayload::ClientKeyExchange(vec![0, 1, 5]),
            HandshakePayload::Finished(vec![0x42; 12]),
            HandshakePayload::Unknown {
                typ: HandshakeType::Certificate,
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
