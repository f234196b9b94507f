//! ClientHello and ServerHello (RFC 5246 7.4.1.2, 7.4.1.3), with lookups in their
//! extension lists.

use super::base::{Random, SessionId};
use super::extensions::{ClientExtension, ServerExtension};
use crate::error::InvalidMessage;
use crate::msgs::codec::{struct_codec, Bounds, Codec, Field, Fixed, List, OwnCodec, Reader};
use crate::msgs::enums::{
    CipherSuite, Compression, ExtensionType, ProtocolVersion, SignatureScheme,
};

/// RFC 5246 7.4.1.2: `CipherSuite cipher_suites<2..2^16-2>;`
const CIPHER_SUITES: Bounds = Bounds::u16(2, 0xfffe, "cipher_suites").unit(2);
/// RFC 5246 7.4.1.2: `CompressionMethod compression_methods<1..2^8-1>;`
const COMPRESSION_METHODS: Bounds = Bounds::u8(1, 0xff, "compression_methods");
/// RFC 5246 7.4.1.2: `Extension extensions<0..2^16-1>;`
const EXTENSIONS: Bounds = Bounds::u16(0, 0xffff, "extensions");

/// The extensions block that ends a hello (the string names the hello in errors). RFC 5246
/// 7.4.1.2: "the presence of extensions can be detected by determining whether there are
/// bytes following the compression_methods": an absent block reads as an empty list, and
/// an empty list is written as no block. Nothing may follow it: leftovers are
/// `TrailingData` with the hello's name.
struct HelloExtensions(&'static str);

impl<E: for<'a> Codec<'a>> Field<Vec<E>> for HelloExtensions {
    fn encode_field(&self, exts: &Vec<E>, bytes: &mut Vec<u8>) {
        if !exts.is_empty() {
            EXTENSIONS.encode_list(bytes, exts);
        }
    }
    fn read_field(&self, r: &mut Reader<'_>) -> Result<Vec<E>, InvalidMessage> {
        r.read_all(self.0, |r| {
            if r.any_left() {
                EXTENSIONS.read_list(r)
            } else {
                Ok(Vec::new())
            }
        })
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

// A ClientHello body; the extensions block runs to the end of the reader.
struct_codec!(ClientHelloPayload {
    client_version: Fixed("client_version"),
    random: OwnCodec,
    session_id: OwnCodec,
    cipher_suites: List(CIPHER_SUITES),
    compression_methods: List(COMPRESSION_METHODS),
    extensions: HelloExtensions("ClientHello"),
});

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

// A ServerHello body; the extensions block (optional) runs to the end of the reader.
struct_codec!(ServerHelloPayload {
    server_version: Fixed("server_version"),
    random: OwnCodec,
    session_id: OwnCodec,
    cipher_suite: Fixed("cipher_suite"),
    compression_method: Fixed("compression_method"),
    extensions: HelloExtensions("ServerHello"),
});

/// Sorts a list of extension types and reports whether one repeats.
fn any_repeated(mut types: Vec<u16>) -> bool {
    types.sort_unstable();
    types.windows(2).any(|w| w.first() == w.get(1))
}

/// The lookups both hellos offer on their extension lists: `has_duplicate_extension` and
/// `find_extension`, then one accessor per line:
/// - `name(Type => Variant(body)) -> T = expr;` gives, for the first extension of type
///   `Type`, `expr` when it decoded as `Variant`, and `None` when it is absent or was kept
///   as `Unknown`;
/// - `name(Type);` gives whether an extension of type `Type` is present.
macro_rules! extension_lookups {
    ($hello:ident: $ext:ident { $($accessors:tt)* }) => {
        impl $hello {
            /// True if two extensions share a type.
            pub fn has_duplicate_extension(&self) -> bool {
                any_repeated(self.extensions.iter().map(|e| e.ext_type().get()).collect())
            }
            /// The first extension of this type.
            pub fn find_extension(&self, typ: ExtensionType) -> Option<&$ext> {
                self.extensions.iter().find(|e| e.ext_type() == typ)
            }
            extension_lookups!(@accessors $ext $($accessors)*);
        }
    };
    (@accessors $ext:ident) => {};
    (@accessors $ext:ident $(#[$doc:meta])* $name:ident($typ:ident); $($rest:tt)*) => {
        $(#[$doc])*
        pub fn $name(&self) -> bool {
            self.find_extension(ExtensionType::$typ).is_some()
        }
        extension_lookups!(@accessors $ext $($rest)*);
    };
    (
        @accessors $ext:ident $(#[$doc:meta])*
        $name:ident($typ:ident => $variant:ident($body:ident)) -> $ret:ty = $get:expr;
        $($rest:tt)*
    ) => {
        $(#[$doc])*
        pub fn $name(&self) -> Option<$ret> {
            match self.find_extension(ExtensionType::$typ)? {
                $ext::$variant($body) => $get,
                _ => None,
            }
        }
        extension_lookups!(@accessors $ext $($rest)*);
    };
}

extension_lookups!(ClientHelloPayload: ClientExtension {
    /// The SRP username bytes, if the SRP extension is present.
    srp_username(Srp => SrpUsername(user)) -> &[u8] = Some(user);
    /// The first host_name of server_name, if present.
    sni_hostname(ServerName => ServerName(names)) -> &[u8] = names.first().map(Vec::as_slice);
    /// The ALPN list, if present.
    alpn_protocols(Alpn => Alpn(names)) -> &[Vec<u8>] = Some(names);
    /// The renegotiation_info content, if present.
    renegotiation_info(RenegotiationInfo => RenegotiationInfo(v)) -> &[u8] = Some(v);
    /// Whether extended_master_secret is present.
    ems_offered(ExtendedMasterSecret);
    /// Whether encrypt_then_mac is present.
    etm_offered(EncryptThenMac);
    /// The session ticket, if the session_ticket extension is present (empty: the client
    /// supports tickets but has none to offer).
    session_ticket(SessionTicket => SessionTicket(t)) -> &[u8] = Some(t);
    /// The supported_versions list, if present.
    supported_versions(SupportedVersions => SupportedVersions(v)) -> &[ProtocolVersion] = Some(v);
    /// The signature_algorithms list, if present.
    signature_algorithms(SignatureAlgorithms => SignatureAlgorithms(v)) -> &[SignatureScheme] = Some(v);
});

impl ClientHelloPayload {
    /// Whether a cipher suite is in the offered list.
    pub fn offers_suite(&self, suite: CipherSuite) -> bool {
        self.cipher_suites.contains(&suite)
    }
}

extension_lookups!(ServerHelloPayload: ServerExtension {
    /// The renegotiation_info content, if present.
    renegotiation_info(RenegotiationInfo => RenegotiationInfo(v)) -> &[u8] = Some(v);
    /// The protocol the server selected with ALPN, if any.
    alpn_protocol(Alpn => Alpn(name)) -> &[u8] = Some(name);
    /// Whether extended_master_secret was acknowledged.
    ems_acked(ExtendedMasterSecret);
    /// Whether encrypt_then_mac was acknowledged.
    etm_acked(EncryptThenMac);
    /// Whether the server will send a NewSessionTicket.
    session_ticket_acked(SessionTicket);
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::handshake::testing::*;
    use crate::msgs::handshake::{HandshakeMessagePayload, HandshakePayload};

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
}
