//! Certificates for the SRP-RSA suites (RFC 5054 2.7: TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA
//! 0xC01E and TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA 0xC021; feature `rustls`). With them
//! the server also proves a certificate, so that a stolen verifier file alone cannot
//! impersonate it.
//!
//! - Server: [`crate::ServerConfig::certificate`] holds a rustls [`CertifiedKey`] (a chain
//!   and a `SigningKey`, for example from [`certified_key_from_pem_files`]); the
//!   ServerKeyExchange is signed with the scheme the client's `signature_algorithms`
//!   prefers (RFC 5246 7.4.1.4.1; RSA-PSS where offered). A server with a certificate
//!   prefers SRP-RSA over plain SRP (the order of `cipher_suites`).
//! - Client: [`crate::ClientConfig::server_auth`] (a [`ServerAuth`]) turns the suites on:
//!   the chain and the host name are checked by a rustls `ServerCertVerifier` (by default
//!   rustls's web-PKI verifier over the roots given), and the signature over
//!   `client_random + server_random + ServerSRPParams` by webpki against the end-entity
//!   certificate's key. A wrong CA, a wrong name and a bad signature each get their alert.
//!
//! SRP-DSS suites and the 3DES ones stay refused: DSA certificates are gone from the web
//! PKI, and 3DES is a 64-bit block cipher (Sweet32).

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
pub use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, RootCertStore};

use crate::error::Error;
use crate::msgs::enums::{AlertDescription, SignatureScheme};
use crate::msgs::handshake::Asn1Cert;

/// The crypto provider of this crate's rustls parts: ring.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Loads a PEM certificate chain (end-entity first) and its PEM private key (PKCS#8, PKCS#1
/// or SEC1) into a signing key for [`crate::ServerConfig::certificate`]. The key must match
/// the certificate.
pub fn certified_key_from_pem_files(
    chain: impl AsRef<Path>,
    key: impl AsRef<Path>,
) -> Result<Arc<CertifiedKey>, std::io::Error> {
    let (chain, key) = (chain.as_ref(), key.as_ref());
    let certs = CertificateDer::pem_file_iter(chain)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad_pem(chain, &e))?;
    if certs.is_empty() {
        return Err(std::io::Error::other(format!(
            "{}: no certificate in the file (PEM `CERTIFICATE` blocks expected)",
            chain.display()
        )));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| bad_pem(key, &e))?;
    certified_key(certs, key_der).map_err(|e| {
        std::io::Error::other(format!("{} with {}: {e}", chain.display(), key.display()))
    })
}

fn bad_pem(path: &Path, e: &rustls::pki_types::pem::Error) -> std::io::Error {
    std::io::Error::other(format!("{}: {e}", path.display()))
}

/// A signing key for a DER chain and key (ring's RSA and ECDSA signers), checked to match.
pub fn certified_key(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<CertifiedKey>, rustls::Error> {
    let provider = provider();
    let ck = CertifiedKey::from_der(chain, key, &provider)?;
    Ok(Arc::new(ck))
}

/// A rustls server config that serves `key` (the SRP-RSA suites' certificate, say) to the
/// certificate clients of a one-port server ([`crate::oneport`]): TLS 1.3 and 1.2, ring, no
/// client certificates. Set its `alpn_protocols`, `key_log` and the rest as needed.
pub fn rustls_server_config(key: Arc<CertifiedKey>) -> Result<rustls::ServerConfig, rustls::Error> {
    Ok(rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(key))))
}

/// How a client checks the server's certificate in the SRP-RSA suites.
pub struct ServerAuth {
    verifier: Arc<dyn ServerCertVerifier>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl core::fmt::Debug for ServerAuth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerAuth")
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

impl ServerAuth {
    /// rustls's web-PKI verifier over `roots`: the chain must lead to one of them and name
    /// the server (DNS name or IP address) the client connects to.
    pub fn with_roots(roots: RootCertStore) -> Result<Self, rustls::Error> {
        let provider = provider();
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| rustls::Error::General(e.to_string()))?;
        Ok(Self {
            verifier,
            algorithms: provider.signature_verification_algorithms,
        })
    }

    /// The roots in a PEM file (one or more `CERTIFICATE` blocks).
    pub fn with_root_file(path: impl AsRef<Path>) -> Result<Self, std::io::Error> {
        let path = path.as_ref();
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(path).map_err(|e| bad_pem(path, &e))? {
            let cert = cert.map_err(|e| bad_pem(path, &e))?;
            roots
                .add(cert)
                .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
        }
        if roots.is_empty() {
            return Err(std::io::Error::other(format!(
                "{}: no certificate in the file",
                path.display()
            )));
        }
        Self::with_roots(roots).map_err(std::io::Error::other)
    }

    /// Any rustls verifier (the signature is still checked here, with webpki).
    pub fn with_verifier(verifier: Arc<dyn ServerCertVerifier>) -> Self {
        Self {
            verifier,
            algorithms: provider().signature_verification_algorithms,
        }
    }

    /// **Dangerous**: accepts any chain for any name. The ServerKeyExchange signature is
    /// still checked against the certificate sent, which proves nothing about who sent it.
    /// For tests against throwaway certificates only.
    pub fn dangerous_accept_any_certificate() -> Self {
        Self::with_verifier(Arc::new(AcceptAnyCertificate))
    }

    /// The signature schemes the client offers (`signature_algorithms`), best first: the
    /// RSA ones the provider verifies (the SRP-RSA suites sign with RSA).
    pub(crate) fn schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms
            .mapping
            .iter()
            .map(|(s, _)| SignatureScheme::from(u16::from(*s)))
            .filter(|s| is_rsa(*s))
            .collect()
    }

    /// Checks the chain and that it names `server_name`.
    pub(crate) fn verify_chain(&self, chain: &[Asn1Cert], server_name: &str) -> Result<(), Error> {
        let (end_entity, intermediates) = match chain.split_first() {
            Some((ee, rest)) => (ee, rest),
            None => {
                return Err(Error::InvalidCertificate {
                    alert: AlertDescription::BadCertificate,
                    reason: "the server sent no certificate".into(),
                })
            }
        };
        let name = ServerName::try_from(server_name).map_err(|_| Error::InvalidCertificate {
            alert: AlertDescription::BadCertificate,
            reason: format!("{server_name:?} is not a DNS name or an IP address to check"),
        })?;
        let ee = CertificateDer::from(end_entity.0.as_slice());
        let rest: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(c.0.as_slice()))
            .collect();
        self.verifier
            .verify_server_cert(&ee, &rest, &name, &[], UnixTime::now())
            .map(|_| ())
            .map_err(certificate_error)
    }

    /// Checks `signature` over `message` with the key of `end_entity`, for `scheme`.
    pub(crate) fn verify_signature(
        &self,
        end_entity: &Asn1Cert,
        scheme: SignatureScheme,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let want = rustls::SignatureScheme::from(scheme.get());
        let algs = self
            .algorithms
            .mapping
            .iter()
            .find(|(s, _)| *s == want)
            .map(|(_, algs)| *algs)
            .ok_or(crate::error::PeerMisbehaved::SignedWithUnofferedScheme)?;
        let der = CertificateDer::from(end_entity.0.as_slice());
        let cert =
            webpki::EndEntityCert::try_from(&der).map_err(|e| Error::InvalidCertificate {
                alert: AlertDescription::BadCertificate,
                reason: format!("the server's certificate does not parse: {e}"),
            })?;
        // TLS 1.2: every algorithm of the scheme is tried (RSA-PSS has two encodings).
        match algs
            .iter()
            .any(|alg| cert.verify_signature(*alg, message, signature).is_ok())
        {
            true => Ok(()),
            false => Err(Error::BadSignature),
        }
    }
}

/// A rustls error from the chain check, with the alert rustls gives it.
fn certificate_error(e: rustls::Error) -> Error {
    let alert = match &e {
        rustls::Error::InvalidCertificate(c) => {
            AlertDescription::from(u8::from(rustls::AlertDescription::from(c.clone())))
        }
        _ => AlertDescription::BadCertificate,
    };
    Error::InvalidCertificate {
        alert,
        reason: e.to_string(),
    }
}

/// The dangerous verifier of [`ServerAuth::dangerous_accept_any_certificate`].
#[derive(Debug)]
struct AcceptAnyCertificate;

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // Not used: the SRP-RSA signature is checked by `ServerAuth` itself.
        Err(rustls::Error::General("not used".into()))
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("not used".into()))
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The server's signer for a ServerKeyExchange, if the certificate's key can make an RSA
/// signature the client accepts (`offered`: the client's `signature_algorithms`; absent,
/// RFC 5246 7.4.1.4.1 means {sha1, rsa}, which ring does not sign). The SRP-RSA suites take
/// RSA keys only (RFC 5054 2.7): an ECDSA key gives none.
pub(crate) fn choose_signer(
    key: &CertifiedKey,
    offered: Option<&[SignatureScheme]>,
) -> Option<Box<dyn rustls::sign::Signer>> {
    let offered: Vec<rustls::SignatureScheme> = match offered {
        Some(list) => list
            .iter()
            .filter(|s| is_rsa(**s))
            .map(|s| rustls::SignatureScheme::from(s.get()))
            .collect(),
        None => vec![rustls::SignatureScheme::RSA_PKCS1_SHA1],
    };
    key.key.choose_scheme(&offered)
}

fn is_rsa(s: SignatureScheme) -> bool {
    use SignatureScheme as S;
    matches!(
        s,
        S::RSA_PKCS1_SHA1
            | S::RSA_PKCS1_SHA256
            | S::RSA_PKCS1_SHA384
            | S::RSA_PKCS1_SHA512
            | S::RSA_PSS_SHA256
            | S::RSA_PSS_SHA384
            | S::RSA_PSS_SHA512
    )
}
