//! Hello extensions (RFC 5246 7.4.1.4): the entries of a ClientHello's and a ServerHello's
//! extension lists (RFC 5054 2.8.1, RFC 6066, RFC 7301, RFC 7366, RFC 7627, RFC 5746, RFC 5077).

use crate::error::InvalidMessage;
use crate::msgs::codec::{struct_codec, Bounds, Codec, Opaque, Reader};
use crate::msgs::enums::{ExtensionType, ProtocolVersion, SignatureScheme};

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
/// RFC 5246 7.4.1.4.1: `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;`
const SIGNATURE_ALGORITHMS: Bounds =
    Bounds::u16(2, 0xfffe, "supported_signature_algorithms").unit(2);

/// An ALPN protocol name: RFC 7301 3.1 `opaque ProtocolName<1..2^8-1>;`
struct ProtocolName(Vec<u8>);

struct_codec!(ProtocolName {
    0: Opaque(PROTOCOL_NAME)
});

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
        let name_type = u8::read_named(&mut list, "NameType")?;
        let name = HOST_NAME.read_opaque(&mut list)?;
        if name_type == NAME_TYPE_HOST_NAME {
            names.push(name);
        }
    }
    Ok(names)
}

/// The extension's name in its RFC, for errors (`"extension"` for the ones kept as
/// `Unknown`, whose bodies are taken whole and so never cause one).
fn extension_name(typ: ExtensionType) -> &'static str {
    match typ {
        ExtensionType::Srp => "srp",
        ExtensionType::ServerName => "server_name",
        ExtensionType::Alpn => "application_layer_protocol_negotiation",
        ExtensionType::ExtendedMasterSecret => "extended_master_secret",
        ExtensionType::EncryptThenMac => "encrypt_then_mac",
        ExtensionType::RenegotiationInfo => "renegotiation_info",
        ExtensionType::SessionTicket => "session_ticket",
        ExtensionType::SupportedVersions => "supported_versions",
        _ => "extension",
    }
}

/// Reads one extension: the two-byte type, then the extension_data, which `body` decodes
/// and must use up (leftovers are `TrailingData` with the extension's name).
fn read_extension<'a, E>(
    r: &mut Reader<'a>,
    body: impl FnOnce(ExtensionType, &mut Reader<'a>) -> Result<E, InvalidMessage>,
) -> Result<E, InvalidMessage> {
    // RFC 5246 7.4.1.4: `ExtensionType extension_type;`
    let typ = ExtensionType::read_named(r, "extension_type")?;
    // RFC 5246 7.4.1.4: `opaque extension_data<0..2^16-1>;`
    let mut data = EXTENSION_DATA.read_sub(r)?;
    data.read_all(extension_name(typ), |d| body(typ, d))
}

fn encode_extension(bytes: &mut Vec<u8>, typ: ExtensionType, body: impl FnOnce(&mut Vec<u8>)) {
    typ.encode(bytes);
    EXTENSION_DATA.encode_with(bytes, body);
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
    /// RFC 5246 7.4.1.4.1: `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;`
    SignatureAlgorithms(Vec<SignatureScheme>),
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
            Self::SignatureAlgorithms(_) => ExtensionType::SignatureAlgorithms,
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
            Self::SignatureAlgorithms(v) => SIGNATURE_ALGORITHMS.encode_list(b, v),
            Self::Unknown { payload, .. } => b.extend_from_slice(payload),
        });
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        read_extension(r, |typ, d| {
            Ok(match typ {
                ExtensionType::Srp => Self::SrpUsername(SRP_I.read_opaque(d)?),
                ExtensionType::SignatureAlgorithms => {
                    Self::SignatureAlgorithms(SIGNATURE_ALGORITHMS.read_list(d)?)
                }
                ExtensionType::ServerName => {
                    let whole = d.peek_rest();
                    match read_server_name_list(d)? {
                        // Only name types we do not know: keep the bytes, so that the
                        // extension re-encodes as received (an empty `ServerName` list
                        // could not be encoded).
                        names if names.is_empty() => Self::Unknown {
                            typ,
                            payload: whole.to_vec(),
                        },
                        names => Self::ServerName(names),
                    }
                }
                ExtensionType::Alpn => Self::Alpn(read_alpn_list(d)?),
                ExtensionType::ExtendedMasterSecret => Self::ExtendedMasterSecret,
                ExtensionType::EncryptThenMac => Self::EncryptThenMac,
                ExtensionType::RenegotiationInfo => {
                    Self::RenegotiationInfo(RENEGOTIATED_CONNECTION.read_opaque(d)?)
                }
                ExtensionType::SessionTicket => Self::SessionTicket(d.rest().to_vec()),
                ExtensionType::SupportedVersions => {
                    Self::SupportedVersions(SUPPORTED_VERSIONS.read_list(d)?)
                }
                typ => Self::Unknown {
                    typ,
                    payload: d.rest().to_vec(),
                },
            })
        })
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
        read_extension(r, |typ, d| {
            Ok(match typ {
                ExtensionType::ExtendedMasterSecret => Self::ExtendedMasterSecretAck,
                ExtensionType::EncryptThenMac => Self::EncryptThenMacAck,
                ExtensionType::ServerName => Self::ServerNameAck,
                ExtensionType::SessionTicket => Self::SessionTicketAck,
                ExtensionType::RenegotiationInfo => {
                    Self::RenegotiationInfo(RENEGOTIATED_CONNECTION.read_opaque(d)?)
                }
                ExtensionType::Alpn => {
                    // RFC 7301 3.1: the server's "ProtocolNameList" MUST contain exactly
                    // one name.
                    let mut names = read_alpn_list(d)?.into_iter();
                    match (names.next(), names.next()) {
                        (Some(one), None) => Self::Alpn(one),
                        _ => return Err(InvalidMessage::InvalidLength("protocol_name_list")),
                    }
                }
                typ => Self::Unknown {
                    typ,
                    payload: d.rest().to_vec(),
                },
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::handshake::testing::*;
    use crate::msgs::handshake::ClientHelloPayload;

    /// Each extension, given as `(type, extension_data, error)`, fails to decode as `E`
    /// with that error.
    fn assert_extension_errors<E>(cases: &[(u16, &[u8], InvalidMessage)])
    where
        E: for<'a> Codec<'a> + core::fmt::Debug + PartialEq,
    {
        for (typ, data, err) in cases {
            let enc = ext_bytes(*typ, data);
            assert_eq!(E::read_bytes(&enc), Err(*err), "type {typ} data {data:?}");
        }
    }

    /// Each extension re-encodes to the bytes it was read from, and every truncation fails.
    fn assert_each_round_trips_and_truncates<E>(exts: Vec<E>)
    where
        E: for<'a> Codec<'a> + core::fmt::Debug + PartialEq,
    {
        for ext in exts {
            let enc = ext.get_encoding();
            assert_eq!(assert_round_trip::<E>(&enc), ext);
            assert_truncations_fail::<E>(&enc);
        }
    }

    #[test]
    fn every_client_extension_round_trips_and_truncates() {
        assert_each_round_trips_and_truncates(sample_client_hello().extensions);
    }

    #[test]
    fn every_server_extension_round_trips_and_truncates() {
        assert_each_round_trips_and_truncates(sample_server_hello().extensions);
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
        assert_extension_errors::<ClientExtension>(cases);
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
        assert_extension_errors::<ServerExtension>(cases);
    }
}
