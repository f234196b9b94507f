//! Protocol enums. Every enum keeps the wire value of anything it does not know in an
//! `Unknown` variant, so decoding never loses information and encoding round-trips.

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident : $repr:ty {
            $( $(#[$vmeta:meta])* $variant:ident = $value:expr ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        #[allow(missing_docs)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this implementation does not know.
            Unknown($repr),
        }

        impl $name {
            /// The value on the wire.
            pub const fn get(self) -> $repr {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Unknown(v) => v,
                }
            }
        }

        impl From<$repr> for $name {
            fn from(v: $repr) -> Self {
                match v {
                    $( x if x == $value => Self::$variant, )*
                    other => Self::Unknown(other),
                }
            }
        }

        impl From<$name> for $repr {
            fn from(v: $name) -> $repr {
                v.get()
            }
        }
    };
}

wire_enum! {
    /// RFC 5246 6.2.1: `enum { change_cipher_spec(20), alert(21), handshake(22), application_data(23), (255) } ContentType;`
    pub enum ContentType: u8 {
        ChangeCipherSpec = 20,
        Alert = 21,
        Handshake = 22,
        ApplicationData = 23,
        Heartbeat = 24,
    }
}

wire_enum! {
    /// RFC 5246 6.2.1: `struct { uint8 major; uint8 minor; } ProtocolVersion;`
    pub enum ProtocolVersion: u16 {
        SSLv3 = 0x0300,
        TLSv1_0 = 0x0301,
        TLSv1_1 = 0x0302,
        TLSv1_2 = 0x0303,
        TLSv1_3 = 0x0304,
    }
}

wire_enum! {
    /// RFC 5246 7.4: `enum { hello_request(0), client_hello(1), ... (255) } HandshakeType;`
    pub enum HandshakeType: u8 {
        HelloRequest = 0,
        ClientHello = 1,
        ServerHello = 2,
        NewSessionTicket = 4,
        /// RFC 8446 4.3.1.
        EncryptedExtensions = 8,
        Certificate = 11,
        ServerKeyExchange = 12,
        CertificateRequest = 13,
        ServerHelloDone = 14,
        CertificateVerify = 15,
        ClientKeyExchange = 16,
        Finished = 20,
        /// RFC 8446 4.6.3.
        KeyUpdate = 24,
    }
}

wire_enum! {
    /// RFC 5246 7.2: `enum { warning(1), fatal(2), (255) } AlertLevel;`
    pub enum AlertLevel: u8 {
        Warning = 1,
        Fatal = 2,
    }
}

wire_enum! {
    /// RFC 5246 7.2 and the RFCs that add to it (RFC 4279 for `unknown_psk_identity`,
    /// used by RFC 5054 for unknown SRP users; RFC 7301 for `no_application_protocol`).
    pub enum AlertDescription: u8 {
        CloseNotify = 0,
        UnexpectedMessage = 10,
        BadRecordMac = 20,
        DecryptionFailed = 21,
        RecordOverflow = 22,
        DecompressionFailure = 30,
        HandshakeFailure = 40,
        NoCertificate = 41,
        BadCertificate = 42,
        UnsupportedCertificate = 43,
        CertificateRevoked = 44,
        CertificateExpired = 45,
        CertificateUnknown = 46,
        IllegalParameter = 47,
        UnknownCa = 48,
        AccessDenied = 49,
        DecodeError = 50,
        DecryptError = 51,
        ExportRestriction = 60,
        ProtocolVersion = 70,
        InsufficientSecurity = 71,
        InternalError = 80,
        InappropriateFallback = 86,
        UserCanceled = 90,
        NoRenegotiation = 100,
        MissingExtension = 109,
        UnsupportedExtension = 110,
        UnrecognizedName = 112,
        UnknownPskIdentity = 115,
        NoApplicationProtocol = 120,
    }
}

wire_enum! {
    /// TLS cipher suite code points (IANA registry).
    #[allow(non_camel_case_types)]
    pub enum CipherSuite: u16 {
        /// RFC 5054: `CipherSuite TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA = { 0xC0,0x1A };` (never negotiated)
        TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA = 0xC01A,
        /// RFC 5054: `CipherSuite TLS_SRP_SHA_WITH_AES_128_CBC_SHA = { 0xC0,0x1D };`
        TLS_SRP_SHA_WITH_AES_128_CBC_SHA = 0xC01D,
        /// RFC 5054: `CipherSuite TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA = { 0xC0,0x1E };`
        TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA = 0xC01E,
        /// RFC 5054: `CipherSuite TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA = { 0xC0,0x1F };`
        TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA = 0xC01F,
        /// RFC 5054: `CipherSuite TLS_SRP_SHA_WITH_AES_256_CBC_SHA = { 0xC0,0x20 };`
        TLS_SRP_SHA_WITH_AES_256_CBC_SHA = 0xC020,
        /// RFC 5054: `CipherSuite TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA = { 0xC0,0x21 };`
        TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA = 0xC021,
        /// RFC 5054: `CipherSuite TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA = { 0xC0,0x22 };`
        TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA = 0xC022,
        /// RFC 5746: the renegotiation signalling cipher suite value.
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00FF,
        /// RFC 7507: the downgrade signalling cipher suite value.
        TLS_FALLBACK_SCSV = 0x5600,
        /// RFC 8446 B.4 (the TLS 1.3 PAKE handshake's suites).
        TLS13_AES_128_GCM_SHA256 = 0x1301,
        /// RFC 8446 B.4.
        TLS13_AES_256_GCM_SHA384 = 0x1302,
        /// RFC 8446 B.4.
        TLS13_CHACHA20_POLY1305_SHA256 = 0x1303,
    }
}

wire_enum! {
    /// RFC 5246 7.4.1.2: `enum { null(0), (255) } CompressionMethod;`
    pub enum Compression: u8 {
        Null = 0,
        Deflate = 1,
    }
}

wire_enum! {
    /// TLS extension types (IANA registry) that this crate looks at.
    pub enum ExtensionType: u16 {
        ServerName = 0,
        MaxFragmentLength = 1,
        StatusRequest = 5,
        SupportedGroups = 10,
        EcPointFormats = 11,
        /// RFC 5054 2.8.1: `enum { srp(12) } ExtensionType;`
        Srp = 12,
        SignatureAlgorithms = 13,
        Heartbeat = 15,
        Alpn = 16,
        Padding = 21,
        /// RFC 7366
        EncryptThenMac = 22,
        /// RFC 7627
        ExtendedMasterSecret = 23,
        RecordSizeLimit = 28,
        SessionTicket = 35,
        SupportedVersions = 43,
        PreSharedKey = 41,
        EarlyData = 42,
        Cookie = 44,
        PskKeyExchangeModes = 45,
        KeyShare = 51,
        /// RFC 5746
        RenegotiationInfo = 0xff01,
        /// draft-ietf-tls-pake as BoringSSL sends it (experimental, not IANA-assigned).
        Pake = 0x8a3b,
    }
}

wire_enum! {
    /// RFC 5246 7.4.1.4.1 `SignatureAndHashAlgorithm` (hash, signature) as one value, with
    /// RFC 8446 4.2.3's names (the rsa_pss_rsae schemes are allowed in TLS 1.2 too).
    #[allow(non_camel_case_types)]
    pub enum SignatureScheme: u16 {
        RSA_PKCS1_SHA1 = 0x0201,
        ECDSA_SHA1_Legacy = 0x0203,
        RSA_PKCS1_SHA256 = 0x0401,
        ECDSA_NISTP256_SHA256 = 0x0403,
        RSA_PKCS1_SHA384 = 0x0501,
        ECDSA_NISTP384_SHA384 = 0x0503,
        RSA_PKCS1_SHA512 = 0x0601,
        ECDSA_NISTP521_SHA512 = 0x0603,
        RSA_PSS_SHA256 = 0x0804,
        RSA_PSS_SHA384 = 0x0805,
        RSA_PSS_SHA512 = 0x0806,
        ED25519 = 0x0807,
        ED448 = 0x0808,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_known_and_unknown() {
        for v in 0..=255u8 {
            assert_eq!(u8::from(AlertDescription::from(v)), v);
            assert_eq!(u8::from(ContentType::from(v)), v);
            assert_eq!(u8::from(HandshakeType::from(v)), v);
        }
        assert_eq!(
            CipherSuite::from(0xC01D),
            CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA
        );
        assert_eq!(
            CipherSuite::from(0x1301),
            CipherSuite::TLS13_AES_128_GCM_SHA256
        );
        assert_eq!(CipherSuite::from(0x1304), CipherSuite::Unknown(0x1304));
        assert_eq!(ExtensionType::from(12), ExtensionType::Srp);
        assert_eq!(
            SignatureScheme::from(0x0804),
            SignatureScheme::RSA_PSS_SHA256
        );
    }
}
