//! Key schedule and CBC record protection, checked against independent implementations:
//! published PRF vectors, the OpenSSL command line (`openssl kdf`, `openssl enc`,
//! `openssl dgst`), and records built by hand from the raw `aes`/`cbc`/`hmac` primitives.

use std::io::Write;
use std::process::{Command, Stdio};

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{KeyInit, Mac};
use tls_srp::internal::crypto::cbc::{
    new_decrypter, new_encrypter, DirectionKeys, MessageDecrypter,
};
use tls_srp::internal::crypto::prf;
use tls_srp::internal::msgs::enums::{ContentType, ProtocolVersion};
use tls_srp::internal::msgs::message::{OpaqueMessage, PlainMessage};
use tls_srp::suites::{
    SupportedCipherSuite, TLS_SRP_SHA_WITH_AES_128_CBC_SHA, TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
};
use tls_srp::Error;

const SUITES: [&SupportedCipherSuite; 2] = [
    &TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
    &TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
];
const TLS12: u16 = 0x0303;

// ----------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------

/// Deterministic filler bytes (xorshift), so failures are reproducible.
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

struct Keys {
    mac: Vec<u8>,
    enc: Vec<u8>,
}

impl Keys {
    fn new(suite: &SupportedCipherSuite, seed: u64) -> Self {
        Self {
            mac: bytes(seed, suite.mac_key_len),
            enc: bytes(seed + 1, suite.enc_key_len),
        }
    }
    fn dir(&self) -> DirectionKeys<'_> {
        DirectionKeys {
            mac_key: &self.mac,
            enc_key: &self.enc,
        }
    }
}

fn plain(typ: ContentType, payload: &[u8]) -> PlainMessage {
    PlainMessage {
        typ,
        version: ProtocolVersion::TLSv1_2,
        payload: payload.to_vec(),
    }
}

fn opaque(payload: Vec<u8>) -> OpaqueMessage {
    OpaqueMessage {
        typ: ContentType::ApplicationData,
        version: ProtocolVersion::TLSv1_2,
        payload,
    }
}

/// HMAC-SHA1 with the `hmac` crate (not our implementation).
fn ref_hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key).unwrap();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

fn mac_header(seq: u64, typ: u8, len: usize) -> Vec<u8> {
    let mut h = seq.to_be_bytes().to_vec();
    h.push(typ);
    h.extend_from_slice(&TLS12.to_be_bytes());
    h.extend_from_slice(&(len as u16).to_be_bytes());
    h
}

/// Raw AES-CBC without padding, with the `cbc` crate.
fn ref_cbc_encrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Vec<u8> {
    assert_eq!(data.len() % 16, 0);
    let mut buf = data.to_vec();
    let (blocks, _) = aes::Block::slice_as_chunks_mut(&mut buf);
    match key.len() {
        16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
            .unwrap()
            .encrypt_blocks(blocks),
        32 => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
            .unwrap()
            .encrypt_blocks(blocks),
        _ => unreachable!(),
    }
    buf
}

fn ref_cbc_decrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Vec<u8> {
    let mut buf = data.to_vec();
    let (blocks, _) = aes::Block::slice_as_chunks_mut(&mut buf);
    match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .unwrap()
            .decrypt_blocks(blocks),
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .unwrap()
            .decrypt_blocks(blocks),
        _ => unreachable!(),
    }
    buf
}

/// A MAC-then-encrypt record built by hand: `IV || E(content || MAC || padding)`, with the
/// padding given explicitly (so it may be non-minimal or malformed).
fn craft_mte(keys: &Keys, seq: u64, content: &[u8], padding: &[u8], iv: &[u8]) -> Vec<u8> {
    let mac = ref_hmac(&keys.mac, &[&mac_header(seq, 23, content.len()), content]);
    let mut pt = content.to_vec();
    pt.extend_from_slice(&mac);
    pt.extend_from_slice(padding);
    let mut out = iv.to_vec();
    out.extend_from_slice(&ref_cbc_encrypt(&keys.enc, iv, &pt));
    out
}

/// An encrypt-then-MAC record built by hand: `IV || E(content || padding) || MAC`.
fn craft_etm(keys: &Keys, seq: u64, content: &[u8], padding: &[u8], iv: &[u8]) -> Vec<u8> {
    let mut pt = content.to_vec();
    pt.extend_from_slice(padding);
    let mut out = iv.to_vec();
    out.extend_from_slice(&ref_cbc_encrypt(&keys.enc, iv, &pt));
    let mac = ref_hmac(&keys.mac, &[&mac_header(seq, 23, out.len()), &out]);
    out.extend_from_slice(&mac);
    out
}

/// `p + 1` bytes of value `p`.
fn tls_padding(p: u8) -> Vec<u8> {
    vec![p; usize::from(p) + 1]
}

fn minimal_padding(body_len: usize) -> Vec<u8> {
    tls_padding((15 - body_len % 16) as u8)
}

/// Runs `openssl` with `args`, feeding `stdin`; `None` (with a message) if it is missing.
fn openssl(args: &[&str], stdin: &[u8]) -> Option<Vec<u8>> {
    let child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("SKIPPED OpenSSL comparison: cannot run `openssl` ({e})");
            return None;
        }
    };
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

fn openssl_cipher_name(suite: &SupportedCipherSuite) -> &'static str {
    match suite.enc_key_len {
        16 => "-aes-128-cbc",
        _ => "-aes-256-cbc",
    }
}

fn openssl_hmac_sha1(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let macopt = format!("hexkey:{}", hex::encode(key));
    openssl(
        &[
            "dgst", "-sha1", "-mac", "HMAC", "-macopt", &macopt, "-binary",
        ],
        data,
    )
}

fn openssl_cbc(
    suite: &SupportedCipherSuite,
    decrypt: bool,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Option<Vec<u8>> {
    let (k, i) = (hex::encode(key), hex::encode(iv));
    let mut args = vec![
        "enc",
        openssl_cipher_name(suite),
        "-K",
        &k,
        "-iv",
        &i,
        "-nopad",
    ];
    if decrypt {
        args.push("-d");
    }
    openssl(&args, data)
}

/// `openssl kdf ... TLS1-PRF`: the seed options are concatenated in order.
fn openssl_tls_prf(secret: &[u8], seeds: &[&[u8]], len: usize) -> Option<Vec<u8>> {
    let keylen = len.to_string();
    let secret = format!("hexsecret:{}", hex::encode(secret));
    let seeds: Vec<String> = seeds
        .iter()
        .map(|s| format!("hexseed:{}", hex::encode(s)))
        .collect();
    let mut args = vec![
        "kdf",
        "-keylen",
        &keylen,
        "-kdfopt",
        "digest:SHA256",
        "-kdfopt",
        &secret,
    ];
    for s in &seeds {
        args.push("-kdfopt");
        args.push(s);
    }
    args.push("TLS1-PRF");
    let out = openssl(&args, b"")?;
    let text = String::from_utf8(out).unwrap();
    Some(hex::decode(text.trim().replace(':', "")).unwrap())
}

// ----------------------------------------------------------------------------------------
// PRF
// ----------------------------------------------------------------------------------------

/// The TLS 1.2 SHA-256 PRF vector posted to the IETF TLS list
/// (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html).
#[test]
fn prf_published_vector() {
    let secret = hex::decode("9bbe436ba940f017b17652849a71db35").unwrap();
    let seed = hex::decode("a0ba9f936cda311827a6f796ffd5198c").unwrap();
    let expected = hex::decode(concat!(
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a",
        "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab",
        "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701",
        "87347b66"
    ))
    .unwrap();
    let mut out = [0u8; 100];
    prf::prf(&mut out, &secret, b"test label", &seed);
    assert_eq!(out.to_vec(), expected);
}

#[test]
fn prf_matches_openssl_kdf() {
    for (i, (secret_len, seed_len, out_len)) in [
        (16, 16, 100),
        (48, 64, 104),
        (1, 0, 1),
        (200, 77, 333),
        (0, 5, 32),
    ]
    .into_iter()
    .enumerate()
    {
        let secret = bytes(100 + i as u64, secret_len);
        let seed = bytes(200 + i as u64, seed_len);
        let mut ours = vec![0u8; out_len];
        prf::prf(&mut ours, &secret, b"some label", &seed);
        let Some(theirs) = openssl_tls_prf(&secret, &[b"some label", &seed], out_len) else {
            return;
        };
        assert_eq!(
            ours, theirs,
            "secret {secret_len} seed {seed_len} out {out_len}"
        );
    }
}

#[test]
fn key_schedule_matches_openssl_kdf() {
    let pms = bytes(1, 128); // an SRP premaster is S without leading zeros
    let cr: [u8; 32] = bytes(2, 32).try_into().unwrap();
    let sr: [u8; 32] = bytes(3, 32).try_into().unwrap();
    let session_hash: [u8; 32] = bytes(4, 32).try_into().unwrap();
    let handshake_hash: [u8; 32] = bytes(5, 32).try_into().unwrap();

    let ms = prf::master_secret(&pms, &cr, &sr);
    let ems = prf::extended_master_secret(&pms, &session_hash);
    let kb = prf::key_block(
        &ms,
        &cr,
        &sr,
        TLS_SRP_SHA_WITH_AES_256_CBC_SHA.key_block_len(),
    );
    let cf = prf::verify_data(&ms, b"client finished", &handshake_hash);
    let sf = prf::verify_data(&ms, b"server finished", &handshake_hash);
    let mut ekm = [0u8; 42];
    prf::export_keying_material(
        &ms,
        &cr,
        &sr,
        b"EXPERIMENTAL test",
        Some(b"context"),
        &mut ekm,
    )
    .unwrap();
    let mut ekm_none = [0u8; 42];
    prf::export_keying_material(&ms, &cr, &sr, b"EXPERIMENTAL test", None, &mut ekm_none).unwrap();

    let Some(want) = openssl_tls_prf(&pms, &[b"master secret", &cr, &sr], 48) else {
        return;
    };
    assert_eq!(ms.to_vec(), want);
    let want = openssl_tls_prf(&pms, &[b"extended master secret", &session_hash], 48).unwrap();
    assert_eq!(ems.to_vec(), want);
    // RFC 5246 6.3: server_random first.
    let want = openssl_tls_prf(&ms[..], &[b"key expansion", &sr, &cr], 104).unwrap();
    assert_eq!(kb.to_vec(), want);
    let want = openssl_tls_prf(&ms[..], &[b"client finished", &handshake_hash], 12).unwrap();
    assert_eq!(cf.to_vec(), want);
    let want = openssl_tls_prf(&ms[..], &[b"server finished", &handshake_hash], 12).unwrap();
    assert_eq!(sf.to_vec(), want);
    let want = openssl_tls_prf(
        &ms[..],
        &[b"EXPERIMENTAL test", &cr, &sr, &[0, 7], b"context"],
        42,
    )
    .unwrap();
    assert_eq!(ekm.to_vec(), want);
    let want = openssl_tls_prf(&ms[..], &[b"EXPERIMENTAL test", &cr, &sr], 42).unwrap();
    assert_eq!(ekm_none.to_vec(), want);
}

#[test]
fn transcript_is_sha256_of_messages() {
    use sha2::Digest;
    let mut t = prf::Transcript::new();
    let msgs = [bytes(1, 40), bytes(2, 700), bytes(3, 3)];
    let mut all = Vec::new();
    for m in &msgs {
        t.add(m);
        all.extend_from_slice(m);
        assert_eq!(
            t.current_hash().to_vec(),
            sha2::Sha256::digest(&all).to_vec()
        );
    }
}

// ----------------------------------------------------------------------------------------
// Round trips and structure
// ----------------------------------------------------------------------------------------

fn lengths() -> impl Iterator<Item = usize> {
    // Also around the sealer's interleaving pieces (192 bytes, hashed pieces ending on
    // SHA-1 block boundaries of header + content: 179, 371, ...).
    (0..=80).chain([
        178, 179, 180, 191, 192, 193, 255, 256, 257, 370, 371, 372, 435, 1000, 4097, 16383, 16384,
    ])
}

#[test]
fn round_trip_every_length() {
    for suite in SUITES {
        for etm in [false, true] {
            let keys = Keys::new(suite, 7);
            let mut enc = new_encrypter(suite, keys.dir(), etm);
            let mut dec = new_decrypter(suite, keys.dir(), etm);
            for (seq, len) in lengths().enumerate() {
                let seq = seq as u64 * 1_000_003;
                let content = bytes(len as u64, len);
                for typ in [
                    ContentType::ApplicationData,
                    ContentType::Handshake,
                    ContentType::Alert,
                ] {
                    let msg = plain(typ, &content);
                    let rec = enc.encrypt(&msg, seq).unwrap();
                    assert_eq!(rec.typ, typ);
                    assert_eq!(rec.version, ProtocolVersion::TLSv1_2);
                    assert_eq!(rec.payload.len(), enc.encrypted_len(len));
                    let back = dec.decrypt(rec, seq).unwrap();
                    assert_eq!(back, msg, "{:?} etm={etm} len={len}", suite.suite);
                }
            }
        }
    }
}

/// What we seal is exactly the RFC layout: checked by opening it with the raw primitives.
#[test]
fn sealed_records_have_the_rfc_layout() {
    for suite in SUITES {
        let keys = Keys::new(suite, 11);
        for etm in [false, true] {
            let mut enc = new_encrypter(suite, keys.dir(), etm);
            let mut ivs = std::collections::HashSet::new();
            for len in lengths() {
                let seq = 5 + len as u64;
                let content = bytes(len as u64 + 99, len);
                let rec = enc
                    .encrypt(&plain(ContentType::ApplicationData, &content), seq)
                    .unwrap();
                let (iv, rest) = rec.payload.split_at(16);
                assert!(ivs.insert(iv.to_vec()), "IV repeated");
                if etm {
                    let (ct, mac) = rest.split_at(rest.len() - 20);
                    assert_eq!(
                        mac,
                        ref_hmac(&keys.mac, &[&mac_header(seq, 23, 16 + ct.len()), iv, ct])
                    );
                    let pt = ref_cbc_decrypt(&keys.enc, iv, ct);
                    let mut want = content.clone();
                    want.extend_from_slice(&minimal_padding(len));
                    assert_eq!(pt, want);
                } else {
                    let pt = ref_cbc_decrypt(&keys.enc, iv, rest);
                    let mut want = content.clone();
                    want.extend_from_slice(&ref_hmac(
                        &keys.mac,
                        &[&mac_header(seq, 23, len), &content],
                    ));
                    want.extend_from_slice(&minimal_padding(len + 20));
                    assert_eq!(pt, want);
                }
            }
        }
    }
}

// ----------------------------------------------------------------------------------------
// Tampering
// ----------------------------------------------------------------------------------------

#[test]
fn every_flipped_bit_is_bad_record_mac() {
    for suite in SUITES {
        for etm in [false, true] {
            let keys = Keys::new(suite, 3);
            let mut enc = new_encrypter(suite, keys.dir(), etm);
            let mut dec = new_decrypter(suite, keys.dir(), etm);
            for len in [0usize, 1, 12, 40] {
                let rec = enc
                    .encrypt(&plain(ContentType::ApplicationData, &bytes(1, len)), 9)
                    .unwrap();
                for bit in 0..rec.payload.len() * 8 {
                    let mut bad = rec.clone();
                    bad.payload[bit / 8] ^= 1 << (bit % 8);
                    assert_eq!(
                        dec.decrypt(bad, 9),
                        Err(Error::DecryptError),
                        "len {len} bit {bit}"
                    );
                }
                // Header fields are authenticated too.
                let mut bad = rec.clone();
                bad.typ = ContentType::Handshake;
                assert_eq!(dec.decrypt(bad, 9), Err(Error::DecryptError));
                let mut bad = rec.clone();
                bad.version = ProtocolVersion::TLSv1_1;
                assert_eq!(dec.decrypt(bad, 9), Err(Error::DecryptError));
                // Wrong sequence number.
                for seq in [0, 8, 10, 9 | 1 << 63] {
                    assert_eq!(
                        dec.decrypt(rec.clone(), seq),
                        Err(Error::DecryptError),
                        "seq {seq}"
                    );
                }
                assert!(dec.decrypt(rec, 9).is_ok());
            }
        }
    }
}

#[test]
fn wrong_keys_are_bad_record_mac() {
    for suite in SUITES {
        for etm in [false, true] {
            let keys = Keys::new(suite, 1);
            let other_mac = Keys {
                mac: bytes(50, 20),
                enc: keys.enc.clone(),
            };
            let other_enc = Keys {
                mac: keys.mac.clone(),
                enc: bytes(51, suite.enc_key_len),
            };
            let mut enc = new_encrypter(suite, keys.dir(), etm);
            let rec = enc
                .encrypt(&plain(ContentType::ApplicationData, b"secret"), 0)
                .unwrap();
            let mut dec = new_decrypter(suite, other_mac.dir(), etm);
            assert_eq!(dec.decrypt(rec.clone(), 0), Err(Error::DecryptError));
            let mut dec = new_decrypter(suite, other_enc.dir(), etm);
            let got = dec.decrypt(rec.clone(), 0);
            if etm {
                // Encrypt-then-MAC authenticates the ciphertext, which the right MAC key
                // vouches for; a wrong *encryption* key then yields garbage whose padding is
                // valid about once in 256 records (the last byte is 0). Never the plaintext.
                assert_ne!(got.map(|m| m.payload), Ok(b"secret".to_vec()));
            } else {
                assert_eq!(got, Err(Error::DecryptError));
            }
        }
    }
}

#[test]
fn short_and_misaligned_records_are_bad_record_mac() {
    for suite in SUITES {
        for etm in [false, true] {
            let keys = Keys::new(suite, 2);
            let mut dec = new_decrypter(suite, keys.dir(), etm);
            for len in 0..=200 {
                let rec = opaque(bytes(len as u64, len));
                assert_eq!(
                    dec.decrypt(rec, 0),
                    Err(Error::DecryptError),
                    "etm={etm} len={len}"
                );
            }
        }
    }
}

/// MtE: a record with valid MAC and every padding length 0..=255 opens (non-minimal padding
/// is allowed); a wrong byte at any position of the padding, or a padding length that
/// runs into the MAC or beyond, is `DecryptError`.
#[test]
fn mte_padding_every_length_and_position() {
    for suite in SUITES {
        let keys = Keys::new(suite, 21);
        let mut dec = new_decrypter(suite, keys.dir(), false);
        let iv = bytes(5, 16);
        for content_len in [0usize, 3, 12, 300] {
            let content = bytes(content_len as u64, content_len);
            for p in 0..=255u8 {
                // Only paddings that make the plaintext a whole number of blocks.
                if (content_len + 20 + usize::from(p) + 1) % 16 != 0 {
                    continue;
                }
                let good = craft_mte(&keys, 4, &content, &tls_padding(p), &iv);
                assert_eq!(
                    dec.decrypt(opaque(good), 4).unwrap().payload,
                    content,
                    "p={p}"
                );
                for pos in 0..=usize::from(p) {
                    let mut padding = tls_padding(p);
                    padding[pos] ^= 0x01;
                    let bad = craft_mte(&keys, 4, &content, &padding, &iv);
                    assert_eq!(
                        dec.decrypt(opaque(bad), 4),
                        Err(Error::DecryptError),
                        "p={p} pos={pos}"
                    );
                    let mut padding = tls_padding(p);
                    padding[pos] ^= 0x80;
                    let bad = craft_mte(&keys, 4, &content, &padding, &iv);
                    assert_eq!(
                        dec.decrypt(opaque(bad), 4),
                        Err(Error::DecryptError),
                        "p={p} pos={pos}"
                    );
                }
            }
        }
        // Padding length byte claiming more than is there (into the MAC, the content, or
        // past the start): the remaining "padding" bytes all equal the claimed length so
        // only the length check can catch it.
        for claimed in [21u8, 31, 47, 100, 255] {
            let content_len = 11usize; // 11 + 20 + 1 = 32
            let mut pt = vec![claimed; content_len + 20 + 1];
            let mac = ref_hmac(&keys.mac, &[&mac_header(0, 23, 0), b""]);
            pt[..20].copy_from_slice(&mac);
            let mut rec = iv.clone();
            rec.extend_from_slice(&ref_cbc_encrypt(&keys.enc, &iv, &pt));
            assert_eq!(
                dec.decrypt(opaque(rec), 0),
                Err(Error::DecryptError),
                "claimed {claimed}"
            );
        }
    }
}

/// EtM: the MAC is right but the padding inside is not.
#[test]
fn etm_padding_every_length_and_position() {
    for suite in SUITES {
        let keys = Keys::new(suite, 22);
        let mut dec = new_decrypter(suite, keys.dir(), true);
        let iv = bytes(6, 16);
        for content_len in [0usize, 5, 16, 300] {
            let content = bytes(content_len as u64, content_len);
            for p in 0..=255u8 {
                if (content_len + usize::from(p) + 1) % 16 != 0 {
                    continue;
                }
                let good = craft_etm(&keys, 1, &content, &tls_padding(p), &iv);
                assert_eq!(
                    dec.decrypt(opaque(good), 1).unwrap().payload,
                    content,
                    "p={p}"
                );
                for pos in 0..=usize::from(p) {
                    let mut padding = tls_padding(p);
                    padding[pos] ^= 0x04;
                    let bad = craft_etm(&keys, 1, &content, &padding, &iv);
                    assert_eq!(
                        dec.decrypt(opaque(bad), 1),
                        Err(Error::DecryptError),
                        "p={p} pos={pos}"
                    );
                }
            }
        }
        // Padding longer than the whole plaintext.
        let bad = craft_etm(&keys, 1, &[], &[16u8; 16], &iv);
        assert_eq!(dec.decrypt(opaque(bad), 1), Err(Error::DecryptError));
    }
}

#[test]
fn oversized_plaintext_is_record_overflow() {
    for suite in SUITES {
        let keys = Keys::new(suite, 8);
        let iv = bytes(9, 16);
        let content = bytes(1, 16385);
        let mut mte = new_decrypter(suite, keys.dir(), false);
        let rec = craft_mte(
            &keys,
            0,
            &content,
            &minimal_padding(content.len() + 20),
            &iv,
        );
        assert_eq!(mte.decrypt(opaque(rec), 0), Err(Error::RecordOverflow));
        let mut etm = new_decrypter(suite, keys.dir(), true);
        let rec = craft_etm(&keys, 0, &content, &minimal_padding(content.len()), &iv);
        assert_eq!(etm.decrypt(opaque(rec), 0), Err(Error::RecordOverflow));
        // A fragment over 2^14 + 2048 bytes.
        for d in [&mut mte, &mut etm] {
            assert_eq!(
                d.decrypt(opaque(vec![0; 16384 + 2048 + 16]), 0),
                Err(Error::RecordOverflow)
            );
        }
        // Sealing more than 2^14 bytes is refused.
        let mut enc = new_encrypter(suite, keys.dir(), false);
        assert!(matches!(
            enc.encrypt(&plain(ContentType::ApplicationData, &content), 0),
            Err(Error::ApiMisuse(_))
        ));
    }
}

#[test]
fn debug_shows_no_key_material() {
    let suite = &TLS_SRP_SHA_WITH_AES_128_CBC_SHA;
    let keys = Keys {
        mac: vec![0xAB; 20],
        enc: vec![0xCD; 16],
    };
    let text = format!("{:?}", keys.dir());
    assert!(
        !text.contains("171") && !text.to_lowercase().contains("ab, ab"),
        "{text}"
    );
    let mut rl = tls_srp::internal::record_layer::RecordLayer::new();
    rl.prepare_encrypter(new_encrypter(suite, keys.dir(), false));
    rl.prepare_decrypter(new_decrypter(suite, keys.dir(), false));
    rl.start_encrypting().unwrap();
    rl.start_decrypting().unwrap();
    let text = format!("{rl:?}");
    assert!(!text.contains("171") && !text.contains("205"), "{text}");
}

// ----------------------------------------------------------------------------------------
// OpenSSL cross-checks
// ----------------------------------------------------------------------------------------

/// Records computed by the OpenSSL command line (`dgst -mac HMAC`, `enc -nopad`) open with
/// ours, and OpenSSL decrypts and verifies what we seal, for both suites and both modes.
#[test]
fn openssl_records_interoperate() {
    for suite in SUITES {
        let keys = Keys::new(suite, 31);
        for etm in [false, true] {
            let mut enc = new_encrypter(suite, keys.dir(), etm);
            let mut dec = new_decrypter(suite, keys.dir(), etm);
            for (i, len) in [0usize, 1, 15, 16, 17, 44, 1000, 16384]
                .into_iter()
                .enumerate()
            {
                let seq = 1000 + i as u64;
                let content = bytes(77 + len as u64, len);
                let iv = bytes(78 + len as u64, 16);

                // OpenSSL -> us.
                let record = if etm {
                    let mut pt = content.clone();
                    pt.extend_from_slice(&minimal_padding(len));
                    let Some(ct) = openssl_cbc(suite, false, &keys.enc, &iv, &pt) else {
                        return;
                    };
                    let mut rec = iv.clone();
                    rec.extend_from_slice(&ct);
                    let mut mac_input = mac_header(seq, 23, rec.len());
                    mac_input.extend_from_slice(&rec);
                    rec.extend_from_slice(&openssl_hmac_sha1(&keys.mac, &mac_input).unwrap());
                    rec
                } else {
                    let mut mac_input = mac_header(seq, 23, len);
                    mac_input.extend_from_slice(&content);
                    let Some(mac) = openssl_hmac_sha1(&keys.mac, &mac_input) else {
                        return;
                    };
                    let mut pt = content.clone();
                    pt.extend_from_slice(&mac);
                    pt.extend_from_slice(&minimal_padding(len + 20));
                    let mut rec = iv.clone();
                    rec.extend_from_slice(&openssl_cbc(suite, false, &keys.enc, &iv, &pt).unwrap());
                    rec
                };
                let opened = dec.decrypt(opaque(record), seq).unwrap();
                assert_eq!(
                    opened.payload, content,
                    "{:?} etm={etm} len={len}",
                    suite.suite
                );

                // Us -> OpenSSL.
                let rec = enc
                    .encrypt(&plain(ContentType::ApplicationData, &content), seq)
                    .unwrap();
                let (iv, rest) = rec.payload.split_at(16);
                if etm {
                    let (ct, mac) = rest.split_at(rest.len() - 20);
                    let mut mac_input = mac_header(seq, 23, 16 + ct.len());
                    mac_input.extend_from_slice(iv);
                    mac_input.extend_from_slice(ct);
                    assert_eq!(
                        mac.to_vec(),
                        openssl_hmac_sha1(&keys.mac, &mac_input).unwrap()
                    );
                    let pt = openssl_cbc(suite, true, &keys.enc, iv, ct).unwrap();
                    let p = usize::from(*pt.last().unwrap());
                    assert_eq!(&pt[..pt.len() - p - 1], &content[..]);
                    assert!(pt[pt.len() - p - 1..].iter().all(|&b| usize::from(b) == p));
                } else {
                    let pt = openssl_cbc(suite, true, &keys.enc, iv, rest).unwrap();
                    let p = usize::from(*pt.last().unwrap());
                    assert!(pt[pt.len() - p - 1..].iter().all(|&b| usize::from(b) == p));
                    let body = &pt[..pt.len() - p - 1];
                    let (got, mac) = body.split_at(body.len() - 20);
                    assert_eq!(got, &content[..]);
                    let mut mac_input = mac_header(seq, 23, len);
                    mac_input.extend_from_slice(got);
                    assert_eq!(
                        mac.to_vec(),
                        openssl_hmac_sha1(&keys.mac, &mac_input).unwrap()
                    );
                }
            }
        }
    }
}

/// A decrypter is usable after a failure (the connection is dead anyway, but the object
/// must not be left in a state that panics).
#[test]
fn decrypter_survives_failures() {
    let suite = &TLS_SRP_SHA_WITH_AES_128_CBC_SHA;
    let keys = Keys::new(suite, 4);
    let mut enc = new_encrypter(suite, keys.dir(), false);
    let mut dec: Box<dyn MessageDecrypter> = new_decrypter(suite, keys.dir(), false);
    assert_eq!(
        dec.decrypt(opaque(vec![0; 64]), 0),
        Err(Error::DecryptError)
    );
    let rec = enc
        .encrypt(&plain(ContentType::ApplicationData, b"ok"), 0)
        .unwrap();
    assert_eq!(dec.decrypt(rec, 0).unwrap().payload, b"ok");
}
