//! What a connection of `serve` negotiated, in one place for the connection log, the HTTP
//! page and the PROXY v2 header: the username (TLS-SRP or TLS 1.3 PAKE), or that it is a
//! certificate client.

use tls_srp::rustls;
use tls_srp::tokio::OnePortStream;
use tls_srp::{CipherSuite, HandshakeKind, Tls13CipherSuite};

/// How a client got in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// TLS-SRP (TLS 1.2) with a password.
    Srp,
    /// TLS 1.3 with a PAKE (SPAKE2+, draft-ietf-tls-pake) with a password.
    Pake,
    /// An ordinary certificate handshake (rustls), no password.
    Certificate,
}

/// The facts of one established connection.
pub struct Session<'a> {
    /// How the client got in.
    pub kind: Kind,
    /// The authenticated username (SRP or PAKE); `None` for a certificate client (no
    /// password).
    pub username: Option<&'a str>,
    /// The SNI host name, if any.
    pub server_name: Option<&'a str>,
    /// The negotiated ALPN protocol, if any.
    pub alpn: Option<&'a [u8]>,
    /// `TLSv1.2` or `TLSv1.3`, as OpenSSL spells them.
    pub version: &'static str,
    /// The suite, by OpenSSL's name.
    pub cipher: &'static str,
    /// Whether an earlier session was resumed.
    pub resumed: bool,
}

impl<'a> Session<'a> {
    /// What `tls` negotiated.
    pub fn of<IO>(tls: &'a OnePortStream<IO>) -> Self {
        match tls {
            OnePortStream::Srp(s) => {
                let conn = s.get_ref().1;
                let pake = conn.is_pake();
                Session {
                    kind: if pake { Kind::Pake } else { Kind::Srp },
                    username: Some(conn.username().unwrap_or_default()),
                    server_name: conn.server_name(),
                    alpn: conn.alpn_protocol(),
                    version: if pake { "TLSv1.3" } else { "TLSv1.2" },
                    cipher: match pake {
                        true => tls13_cipher_name(conn.negotiated_cipher_suite()),
                        false => srp_cipher_name(conn.negotiated_cipher_suite()),
                    },
                    resumed: conn.handshake_kind() == Some(HandshakeKind::Resumed),
                }
            }
            OnePortStream::Certificate(s) => {
                let conn = s.get_ref().1;
                Session {
                    kind: Kind::Certificate,
                    username: None,
                    server_name: conn.server_name(),
                    alpn: conn.alpn_protocol(),
                    version: match conn.protocol_version() {
                        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
                        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
                        _ => "unknown",
                    },
                    cipher: rustls_cipher_name(conn.negotiated_cipher_suite().map(|s| s.suite())),
                    resumed: conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
                }
            }
        }
    }

    /// `srp`, `pake` or `certificate`, for the log.
    pub fn kind(&self) -> &'static str {
        match self.kind {
            Kind::Srp => "srp",
            Kind::Pake => "pake",
            Kind::Certificate => "certificate",
        }
    }
}

/// The names of the TLS 1.3 suites of a PAKE connection (RFC 8446's, as OpenSSL prints
/// them), from the library.
pub fn tls13_cipher_name(suite: Option<CipherSuite>) -> &'static str {
    suite
        .and_then(Tls13CipherSuite::from_suite)
        .map_or("unknown", Tls13CipherSuite::name)
}

/// OpenSSL's names of the SRP suites (`openssl ciphers -v SRP`).
fn srp_cipher_name(suite: Option<CipherSuite>) -> &'static str {
    match suite {
        Some(CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA) => "SRP-AES-128-CBC-SHA",
        Some(CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA) => "SRP-AES-256-CBC-SHA",
        Some(CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA) => "SRP-RSA-AES-128-CBC-SHA",
        Some(CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA) => "SRP-RSA-AES-256-CBC-SHA",
        _ => "unknown",
    }
}

/// OpenSSL's names of the suites rustls negotiates (TLS 1.3 ones by their RFC 8446 names,
/// as OpenSSL prints them).
fn rustls_cipher_name(suite: Option<rustls::CipherSuite>) -> &'static str {
    use rustls::CipherSuite as C;
    match suite {
        Some(C::TLS13_AES_128_GCM_SHA256) => "TLS_AES_128_GCM_SHA256",
        Some(C::TLS13_AES_256_GCM_SHA384) => "TLS_AES_256_GCM_SHA384",
        Some(C::TLS13_CHACHA20_POLY1305_SHA256) => "TLS_CHACHA20_POLY1305_SHA256",
        Some(C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) => "ECDHE-RSA-AES128-GCM-SHA256",
        Some(C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) => "ECDHE-RSA-AES256-GCM-SHA384",
        Some(C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256) => "ECDHE-RSA-CHACHA20-POLY1305",
        Some(C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256) => "ECDHE-ECDSA-AES128-GCM-SHA256",
        Some(C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384) => "ECDHE-ECDSA-AES256-GCM-SHA384",
        Some(C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256) => "ECDHE-ECDSA-CHACHA20-POLY1305",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every suite either side can negotiate has its OpenSSL name.
    #[test]
    fn every_negotiable_suite_is_named() {
        for s in tls_srp::ALL_CIPHER_SUITES {
            assert_ne!(srp_cipher_name(Some(s.suite)), "unknown", "{:?}", s.suite);
        }
        for s in rustls::crypto::ring::default_provider().cipher_suites {
            assert_ne!(
                rustls_cipher_name(Some(s.suite())),
                "unknown",
                "{:?}",
                s.suite()
            );
        }
        assert_eq!(srp_cipher_name(None), "unknown");
        for s in Tls13CipherSuite::ALL {
            assert_eq!(tls13_cipher_name(Some(s.suite())), s.name());
            // The same names as rustls's TLS 1.3 suites get.
            let r = rustls::CipherSuite::from(s.suite().get());
            assert_eq!(rustls_cipher_name(Some(r)), s.name());
        }
        assert_eq!(tls13_cipher_name(None), "unknown");
    }
}
