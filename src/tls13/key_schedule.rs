//! The TLS 1.3 key schedule (RFC 8446 7.1) as a PAKE handshake uses it: no PSK, and the
//! PAKE's shared secret where (EC)DHE's would go (draft-ietf-tls-pake 4).
//!
//! ```text
//!   0 -> HKDF-Extract(0, 0) = Early Secret
//!        Derive-Secret(., "derived", "") -> HKDF-Extract(., PAKE secret) = Handshake Secret
//!            "c hs traffic", "s hs traffic"   (ClientHello...ServerHello)
//!        Derive-Secret(., "derived", "") -> HKDF-Extract(., 0) = Master Secret
//!            "c ap traffic", "s ap traffic", "exp master"   (ClientHello...server Finished)
//!            "res master"                                   (ClientHello...client Finished)
//! ```
//!
//! HKDF is the `hkdf` crate's (RustCrypto, over the sha2 and hmac crates already used for
//! TLS 1.2). Every secret is held in a `Zeroizing` buffer.

use hmac::{KeyInit, Mac};
use sha2::Digest;
use zeroize::Zeroizing;

/// The suite's hash: SHA-256 (AES-128-GCM, ChaCha20-Poly1305) or SHA-384 (AES-256-GCM).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HashAlg {
    Sha256,
    Sha384,
}

/// A secret of the suite's hash length, wiped on drop.
pub(crate) type Secret = Zeroizing<Vec<u8>>;

impl HashAlg {
    /// The output length in bytes.
    pub(crate) fn len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    /// Hash(data).
    pub(crate) fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
        }
    }

    /// HMAC-Hash(key, data).
    pub(crate) fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            // HMAC takes keys of any length.
            let mut m = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        match self {
            Self::Sha256 => run::<hmac::Hmac<sha2::Sha256>>(key, data),
            Self::Sha384 => run::<hmac::Hmac<sha2::Sha384>>(key, data),
        }
    }

    /// HKDF-Extract(salt, ikm) (RFC 5869 2.2).
    pub(crate) fn extract(self, salt: &[u8], ikm: &[u8]) -> Secret {
        match self {
            Self::Sha256 => Zeroizing::new(
                hkdf::Hkdf::<sha2::Sha256>::extract(Some(salt), ikm)
                    .0
                    .to_vec(),
            ),
            Self::Sha384 => Zeroizing::new(
                hkdf::Hkdf::<sha2::Sha384>::extract(Some(salt), ikm)
                    .0
                    .to_vec(),
            ),
        }
    }

    /// HKDF-Expand-Label(secret, label, context, len) (RFC 8446 7.1): the HkdfLabel is
    /// `uint16 length, opaque label<7..255> = "tls13 " + label, opaque context<0..255>`.
    pub(crate) fn expand_label(
        self,
        secret: &[u8],
        label: &[u8],
        context: &[u8],
        len: usize,
    ) -> Secret {
        let full_label_len = 6 + label.len();
        let mut info = Vec::with_capacity(4 + full_label_len + context.len());
        info.extend_from_slice(&(len as u16).to_be_bytes());
        info.push(full_label_len as u8);
        info.extend_from_slice(b"tls13 ");
        info.extend_from_slice(label);
        info.push(context.len() as u8);
        info.extend_from_slice(context);
        let mut out = Zeroizing::new(vec![0u8; len]);
        // The PRK is always a hash-length secret made by `extract` or `expand_label`, and
        // every length asked for is at most 255 * HashLen: neither call can fail.
        match self {
            Self::Sha256 => hkdf::Hkdf::<sha2::Sha256>::from_prk(secret)
                .expect("PRK of hash length")
                .expand(&info, &mut out)
                .expect("output length within HKDF's bound"),
            Self::Sha384 => hkdf::Hkdf::<sha2::Sha384>::from_prk(secret)
                .expect("PRK of hash length")
                .expand(&info, &mut out)
                .expect("output length within HKDF's bound"),
        }
        out
    }

    /// Derive-Secret(secret, label, messages) with the messages already hashed.
    pub(crate) fn derive_secret(
        self,
        secret: &[u8],
        label: &[u8],
        transcript_hash: &[u8],
    ) -> Secret {
        self.expand_label(secret, label, transcript_hash, self.len())
    }

    /// The Finished verify_data (RFC 8446 4.4.4) for the side whose traffic secret is
    /// `base_key`, over `transcript_hash`.
    pub(crate) fn verify_data(self, base_key: &[u8], transcript_hash: &[u8]) -> Vec<u8> {
        let finished_key = self.expand_label(base_key, b"finished", &[], self.len());
        self.hmac(&finished_key, transcript_hash)
    }
}

/// The secrets of one handshake, from the PAKE output on.
pub(crate) struct HandshakeSecrets {
    pub(crate) alg: HashAlg,
    handshake_secret: Secret,
    pub(crate) client_handshake_traffic: Secret,
    pub(crate) server_handshake_traffic: Secret,
}

/// The secrets after the server's Finished.
pub(crate) struct TrafficSecrets {
    pub(crate) client_application_traffic: Secret,
    pub(crate) server_application_traffic: Secret,
    pub(crate) exporter_master: Secret,
}

impl HandshakeSecrets {
    /// Early Secret (no PSK), then the Handshake Secret from `shared_secret` (the PAKE's),
    /// then both handshake traffic secrets over Hash(ClientHello...ServerHello).
    pub(crate) fn new(alg: HashAlg, shared_secret: &[u8], hello_hash: &[u8]) -> Self {
        let zeros = vec![0u8; alg.len()];
        let early = alg.extract(&zeros, &zeros);
        let empty_hash = alg.hash(&[]);
        let derived = alg.derive_secret(&early, b"derived", &empty_hash);
        let handshake_secret = alg.extract(&derived, shared_secret);
        Self {
            alg,
            client_handshake_traffic: alg.derive_secret(
                &handshake_secret,
                b"c hs traffic",
                hello_hash,
            ),
            server_handshake_traffic: alg.derive_secret(
                &handshake_secret,
                b"s hs traffic",
                hello_hash,
            ),
            handshake_secret,
        }
    }

    /// The Master Secret and the application traffic and exporter secrets, over
    /// Hash(ClientHello...server Finished).
    pub(crate) fn traffic(&self, server_finished_hash: &[u8]) -> TrafficSecrets {
        let alg = self.alg;
        let zeros = vec![0u8; alg.len()];
        let derived = alg.derive_secret(&self.handshake_secret, b"derived", &alg.hash(&[]));
        let master = alg.extract(&derived, &zeros);
        TrafficSecrets {
            client_application_traffic: alg.derive_secret(
                &master,
                b"c ap traffic",
                server_finished_hash,
            ),
            server_application_traffic: alg.derive_secret(
                &master,
                b"s ap traffic",
                server_finished_hash,
            ),
            exporter_master: alg.derive_secret(&master, b"exp master", server_finished_hash),
        }
    }
}

/// What an established TLS 1.3 connection keeps for exporters (RFC 8446 7.5).
pub(crate) struct Exporter {
    alg: HashAlg,
    exporter_master: Secret,
}

impl core::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Exporter")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl Exporter {
    pub(crate) fn new(alg: HashAlg, exporter_master: Secret) -> Self {
        Self {
            alg,
            exporter_master,
        }
    }

    /// TLS-Exporter(label, context, length) = HKDF-Expand-Label(Derive-Secret(
    /// exporter_master, label, ""), "exporter", Hash(context), length). No context and an
    /// empty context are the same in TLS 1.3.
    pub(crate) fn export(&self, out: &mut [u8], label: &[u8], context: Option<&[u8]>) {
        let alg = self.alg;
        let secret = alg.derive_secret(&self.exporter_master, label, &alg.hash(&[]));
        let ctx_hash = alg.hash(context.unwrap_or_default());
        out.copy_from_slice(&alg.expand_label(&secret, b"exporter", &ctx_hash, out.len()));
    }
}

/// The next traffic secret after a KeyUpdate (RFC 8446 7.2).
pub(crate) fn next_traffic_secret(alg: HashAlg, secret: &[u8]) -> Secret {
    alg.expand_label(secret, b"traffic upd", &[], alg.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 8448 3 (Simple 1-RTT Handshake): the early secret, and the handshake traffic
    /// secrets from the ECDHE output and Hash(ClientHello, ServerHello), which our
    /// schedule takes as its "shared secret" exactly as it takes the PAKE's.
    #[test]
    fn rfc8448_simple_1rtt_secrets() {
        let alg = HashAlg::Sha256;
        let zeros = [0u8; 32];
        assert_eq!(
            &alg.extract(&zeros, &zeros)[..],
            &unhex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a")[..]
        );
        let ecdhe = unhex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
        // Hash of the RFC 8448 ClientHello and ServerHello (its "transcript hash" lines are
        // not printed; the derived secret below checks the "derived" step, and the traffic
        // secrets are checked through a full round trip in tls13::tests).
        let early = alg.extract(&zeros, &zeros);
        let derived = alg.derive_secret(&early, b"derived", &alg.hash(&[]));
        assert_eq!(
            &derived[..],
            &unhex("6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba")[..]
        );
        assert_eq!(
            &alg.extract(&derived, &ecdhe)[..],
            &unhex("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac")[..]
        );
    }

    #[test]
    fn expand_label_lengths_and_finished_differ_per_side() {
        for alg in [HashAlg::Sha256, HashAlg::Sha384] {
            let hs = HandshakeSecrets::new(alg, &[7u8; 32], &alg.hash(b"hello"));
            assert_eq!(hs.client_handshake_traffic.len(), alg.len());
            assert_ne!(hs.client_handshake_traffic, hs.server_handshake_traffic);
            let t = hs.traffic(&alg.hash(b"finished"));
            assert_ne!(t.client_application_traffic, t.server_application_traffic);
            let vd_c = alg.verify_data(&hs.client_handshake_traffic, b"x");
            let vd_s = alg.verify_data(&hs.server_handshake_traffic, b"x");
            assert_eq!(vd_c.len(), alg.len());
            assert_ne!(vd_c, vd_s);
            assert_ne!(
                next_traffic_secret(alg, &t.client_application_traffic),
                t.client_application_traffic
            );
        }
    }
}
