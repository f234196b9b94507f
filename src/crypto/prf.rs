//! TLS 1.2 PRF (RFC 5246 5, P_SHA256), master secret (RFC 5246 8.1, RFC 7627 4),
//! key block (RFC 5246 6.3), Finished verify_data (RFC 5246 7.4.9), exporters (RFC 5705),
//! and the handshake transcript hash.
//!
//! Every suite this crate negotiates is a TLS 1.2 suite whose PRF is built on SHA-256
//! (RFC 5246 5: "all cipher suites defined in this document ... use P_SHA256"; RFC 5054
//! does not override it), so only P_SHA256 is implemented.

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::Error;

type HmacSha256 = hmac::Hmac<Sha256>;

/// SHA-256 output length: the size of one P_SHA256 step and of a transcript hash.
const HASH_LEN: usize = 32;

/// RFC 5246 5:
///
/// ```text
/// P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
///                        HMAC_hash(secret, A(2) + seed) + ...
/// A(0) = seed
/// A(i) = HMAC_hash(secret, A(i-1))
/// ```
///
/// `seed` is given in pieces (`label`, then the pieces of the seed proper) so that callers
/// need not concatenate (and later wipe) a buffer.
fn p_sha256(out: &mut [u8], secret: &[u8], seed: &[&[u8]]) {
    // HMAC accepts keys of any length (longer ones are hashed), so this cannot fail; the
    // fallback only exists to avoid a panic path.
    let Ok(keyed) = <HmacSha256 as KeyInit>::new_from_slice(secret) else {
        out.fill(0);
        return;
    };

    // A(1) = HMAC(secret, A(0)) with A(0) = seed.
    let mut a = {
        let mut mac = keyed.clone();
        for piece in seed {
            mac.update(piece);
        }
        Zeroizing::new(<[u8; HASH_LEN]>::from(mac.finalize().into_bytes()))
    };

    for chunk in out.chunks_mut(HASH_LEN) {
        // HMAC(secret, A(i) + seed)
        let mut mac = keyed.clone();
        mac.update(&a[..]);
        for piece in seed {
            mac.update(piece);
        }
        let mut block = Zeroizing::new(<[u8; HASH_LEN]>::from(mac.finalize().into_bytes()));
        chunk.copy_from_slice(&block[..chunk.len()]);
        block.zeroize();

        // A(i+1) = HMAC(secret, A(i))
        let mut mac = keyed.clone();
        mac.update(&a[..]);
        *a = mac.finalize().into_bytes().into();
    }
}

/// `PRF(secret, label, seed) = P_SHA256(secret, label + seed)`, filling `out`.
pub fn prf(out: &mut [u8], secret: &[u8], label: &[u8], seed: &[u8]) {
    p_sha256(out, secret, &[label, seed]);
}

/// `master_secret = PRF(pre_master_secret, "master secret", ClientHello.random + ServerHello.random)[0..47]`
pub fn master_secret(
    pms: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Zeroizing<[u8; 48]> {
    let mut ms = Zeroizing::new([0u8; 48]);
    p_sha256(
        &mut ms[..],
        pms,
        &[b"master secret", client_random, server_random],
    );
    ms
}

/// RFC 7627: `master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]`
pub fn extended_master_secret(pms: &[u8], session_hash: &[u8; 32]) -> Zeroizing<[u8; 48]> {
    let mut ms = Zeroizing::new([0u8; 48]);
    p_sha256(&mut ms[..], pms, &[b"extended master secret", session_hash]);
    ms
}

/// `key_block = PRF(master_secret, "key expansion", server_random + client_random)`
///
/// Note the order of the randoms: server first (RFC 5246 6.3), unlike the master secret.
pub fn key_block(
    master_secret: &[u8; 48],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let mut kb = Zeroizing::new(vec![0u8; len]);
    p_sha256(
        &mut kb[..],
        master_secret,
        &[b"key expansion", server_random, client_random],
    );
    kb
}

/// `verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]`;
/// `label` is `b"client finished"` or `b"server finished"`.
pub fn verify_data(master_secret: &[u8; 48], label: &[u8], handshake_hash: &[u8; 32]) -> [u8; 12] {
    let mut vd = [0u8; 12];
    p_sha256(&mut vd, master_secret, &[label, handshake_hash]);
    vd
}

/// RFC 5705 keying material exporter for TLS 1.2:
///
/// ```text
/// PRF(master_secret, label, client_random + server_random)[length]                 (no context)
/// PRF(master_secret, label, client_random + server_random
///                           + context_value_length + context_value)[length]       (context)
/// ```
///
/// No context and an empty context give different output (RFC 5705 4). Fails with
/// [`Error::ApiMisuse`] if the context is 2^16 bytes or longer (its length is a `uint16`).
/// The caller is responsible for refusing labels reserved by RFC 5705 4 ("client
/// finished", "server finished", "master secret", "key expansion", ...) and for only
/// exporting after the handshake is complete.
pub fn export_keying_material(
    master_secret: &[u8; 48],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    label: &[u8],
    context: Option<&[u8]>,
    out: &mut [u8],
) -> Result<(), Error> {
    match context {
        None => p_sha256(out, master_secret, &[label, client_random, server_random]),
        Some(ctx) => {
            let len = u16::try_from(ctx.len()).map_err(|_| {
                Error::ApiMisuse("exporter context must be shorter than 2^16 bytes")
            })?;
            p_sha256(
                out,
                master_secret,
                &[label, client_random, server_random, &len.to_be_bytes(), ctx],
            );
        }
    }
    Ok(())
}

/// The running SHA-256 over handshake messages (header included), as sent and received.
#[derive(Clone, Default)]
pub struct Transcript {
    hash: Sha256,
}

impl core::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Transcript")
    }
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self {
            hash: Sha256::new(),
        }
    }
    /// Adds the exact bytes of one handshake message.
    pub fn add(&mut self, bytes: &[u8]) {
        self.hash.update(bytes);
    }
    /// The hash of everything added so far (the transcript goes on).
    pub fn current_hash(&self) -> [u8; 32] {
        self.hash.clone().finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The TLS 1.2 SHA-256 PRF vector posted to the IETF TLS list
    /// (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html).
    #[test]
    fn prf_sha256_published_vector() {
        let secret = unhex("9bbe436ba940f017b17652849a71db35");
        let seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
        let expected = unhex(
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a
             6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab
             4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701
             87347b66",
        );
        let mut out = [0u8; 100];
        prf(&mut out, &secret, b"test label", &seed);
        assert_eq!(&out[..], &expected[..]);

        // Every prefix is a prefix of the longer output.
        for n in [0usize, 1, 12, 31, 32, 33, 48, 64, 99] {
            let mut short = vec![0u8; n];
            prf(&mut short, &secret, b"test label", &seed);
            assert_eq!(&short[..], &expected[..n]);
        }
    }

    #[test]
    fn transcript_current_hash_does_not_end_it() {
        let mut t = Transcript::new();
        assert_eq!(
            t.current_hash().to_vec(),
            unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        t.add(b"a");
        let _ = t.current_hash();
        let snapshot = t.clone();
        t.add(b"bc");
        // SHA-256("abc"), FIPS 180-2 B.1.
        assert_eq!(
            t.current_hash().to_vec(),
            unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(
            snapshot.current_hash(),
            <[u8; 32]>::from(Sha256::digest(b"a"))
        );
        assert_eq!(format!("{t:?}"), "Transcript");
    }

    #[test]
    fn derived_secrets_are_prf_with_the_right_seeds() {
        let pms = [7u8; 40];
        let cr = [1u8; 32];
        let sr = [2u8; 32];
        let mut seed = cr.to_vec();
        seed.extend_from_slice(&sr);
        let mut expected = [0u8; 48];
        prf(&mut expected, &pms, b"master secret", &seed);
        let ms = master_secret(&pms, &cr, &sr);
        assert_eq!(*ms, expected);

        let mut seed = sr.to_vec();
        seed.extend_from_slice(&cr);
        let mut expected = vec![0u8; 104];
        prf(&mut expected, &ms[..], b"key expansion", &seed);
        assert_eq!(*key_block(&ms, &cr, &sr, 104), expected);

        let hash = [9u8; 32];
        let mut expected = [0u8; 12];
        prf(&mut expected, &ms[..], b"client finished", &hash);
        assert_eq!(verify_data(&ms, b"client finished", &hash), expected);

        let mut expected = [0u8; 48];
        prf(&mut expected, &pms, b"extended master secret", &hash);
        assert_eq!(*extended_master_secret(&pms, &hash), expected);
    }

    #[test]
    fn exporter_context_encoding() {
        let ms = [3u8; 48];
        let cr = [4u8; 32];
        let sr = [5u8; 32];
        let mut none = [0u8; 20];
        let mut empty = [0u8; 20];
        let mut some = [0u8; 20];
        export_keying_material(&ms, &cr, &sr, b"EXPORTER-test", None, &mut none).unwrap();
        export_keying_material(&ms, &cr, &sr, b"EXPORTER-test", Some(b""), &mut empty).unwrap();
        export_keying_material(&ms, &cr, &sr, b"EXPORTER-test", Some(b"ctx"), &mut some).unwrap();

        let mut seed = cr.to_vec();
        seed.extend_from_slice(&sr);
        let mut expected = [0u8; 20];
        prf(&mut expected, &ms, b"EXPORTER-test", &seed);
        assert_eq!(none, expected);
        seed.extend_from_slice(&[0, 3]);
        seed.extend_from_slice(b"ctx");
        prf(&mut expected, &ms, b"EXPORTER-test", &seed);
        assert_eq!(some, expected);
        assert_ne!(none, empty);

        let big = vec![0u8; 65536];
        assert!(matches!(
            export_keying_material(&ms, &cr, &sr, b"x", Some(&big), &mut some),
            Err(Error::ApiMisuse(_))
        ));
    }
}
