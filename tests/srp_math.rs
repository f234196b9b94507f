//! SRP-6a math: RFC 5054 Appendix B vectors, agreement of both sides on every group,
//! leading zero bytes, every peer-value check, and our arithmetic against an independent
//! implementation (num-bigint).

use num_bigint::BigUint;
use sha1::{Digest, Sha1};
use srp6a::internal as modexp;
use tls_srp::internal::srp::{self, SrpGroup};
use tls_srp::{Error, PeerMisbehaved};

fn unhex(s: &str) -> Vec<u8> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(clean).expect("test vector hex")
}

fn big(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

/// Big-endian bytes without leading zeros (empty for zero), as the RFC's conversion.
fn bytes(n: &BigUint) -> Vec<u8> {
    let v = n.to_bytes_be();
    if v == [0] {
        Vec::new()
    } else {
        v
    }
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    getrandom::fill(&mut v).expect("os random");
    v
}

fn g1024() -> &'static SrpGroup {
    SrpGroup::by_bits(1024).expect("1024-bit group")
}

// RFC 5054 Appendix B.
const SALT: &str = "BEB25379 D1A8581E B5A72767 3A2441EE";
const K: &str = "7556AA04 5AEF2CDD 07ABAF0F 665C3E81 8913186F";
const X: &str = "94B7555A ABE9127C C58CCF49 93DB6CF8 4D16C124";
const V: &str = "7E273DE8 696FFC4F 4E337D05 B4B375BE B0DDE156 9E8FA00A 9886D812
    9BADA1F1 822223CA 1A605B53 0E379BA4 729FDC59 F105B478 7E5186F5
    C671085A 1447B52A 48CF1970 B4FB6F84 00BBF4CE BFBB1681 52E08AB5
    EA53D15C 1AFF87B2 B9DA6E04 E058AD51 CC72BFC9 033B564E 26480D78
    E955A5E2 9E7AB245 DB2BE315 E2099AFB";
const A_SECRET: &str = "60975527 035CF2AD 1989806F 0407210B C81EDC04 E2762A56 AFD529DD DA2D4393";
const B_SECRET: &str = "E487CB59 D31AC550 471E81F0 0F6928E0 1DDA08E9 74A004F4 9E61F5D1 05284D20";
const A_PUB: &str = "61D5E490 F6F1B795 47B0704C 436F523D D0E560F0 C64115BB 72557EC4
    4352E890 3211C046 92272D8B 2D1A5358 A2CF1B6E 0BFCF99F 921530EC
    8E393561 79EAE45E 42BA92AE ACED8251 71E1E8B9 AF6D9C03 E1327F44
    BE087EF0 6530E69F 66615261 EEF54073 CA11CF58 58F0EDFD FE15EFEA
    B349EF5D 76988A36 72FAC47B 0769447B";
const B_PUB: &str = "BD0C6151 2C692C0C B6D041FA 01BB152D 4916A1E7 7AF46AE1 05393011
    BAF38964 DC46A067 0DD125B9 5A981652 236F99D9 B681CBF8 7837EC99
    6C6DA044 53728610 D0C6DDB5 8B318885 D7D82C7F 8DEB75CE 7BD4FBAA
    37089E6F 9C6059F3 88838E7A 00030B33 1EB76840 910440B1 B27AAEAE
    EB4012B7 D7665238 A8E3FB00 4B117B58";
const U: &str = "CE38B959 3487DA98 554ED47D 70A7AE5F 462EF019";
const PREMASTER: &str = "B0DC82BA BCF30674 AE450C02 87745E79 90A3381F 63B387AA F271A10D
    233861E3 59B48220 F7C4693C 9AE12B0A 6F67809F 0876E2D0 13800D6C
    41BB59B6 D5979B5C 00A172B4 A2A5903A 0BDCAF8A 709585EB 2AFAFA8F
    3499B200 210DCC1F 10EB3394 3CD67FC8 8A2F39A4 BE5BEC4E C0A3212D
    C346D7E4 74B29EDE 8A469FFE CA686E5A";

#[test]
fn rfc5054_appendix_b() {
    let g = g1024();
    let salt = unhex(SALT);
    assert_eq!(srp::compute_k(g).to_vec(), unhex(K));
    assert_eq!(
        srp::compute_x(&salt, b"alice", b"password123").to_vec(),
        unhex(X)
    );
    let v = srp::compute_verifier(g, &salt, b"alice", b"password123");
    assert_eq!(v, unhex(V));

    let client = srp::client_key_pair_from_secret(g, &unhex(A_SECRET));
    assert_eq!(client.public, unhex(A_PUB));
    let server = srp::server_key_pair_from_secret(g, &v, &unhex(B_SECRET));
    assert_eq!(server.public, unhex(B_PUB));
    assert_eq!(
        srp::compute_u(g, &client.public, &server.public).to_vec(),
        unhex(U)
    );

    let s_server = srp::server_premaster(g, &server, &v, &client.public).expect("server S");
    assert_eq!(*s_server, unhex(PREMASTER));
    let s_client =
        srp::client_premaster(g, &client, &server.public, &salt, b"alice", b"password123")
            .expect("client S");
    assert_eq!(*s_client, unhex(PREMASTER));
}

#[test]
fn rfc5054_vectors_accept_padded_peer_values() {
    let g = g1024();
    let salt = unhex(SALT);
    let v = unhex(V);
    let client = srp::client_key_pair_from_secret(g, &unhex(A_SECRET));
    let server = srp::server_key_pair_from_secret(g, &v, &unhex(B_SECRET));
    // Leading zero bytes, even beyond the length of N, are allowed and ignored.
    let mut a_padded = vec![0u8; 3];
    a_padded.extend_from_slice(&client.public);
    let mut b_padded = vec![0u8; 2];
    b_padded.extend_from_slice(&server.public);
    assert_eq!(srp::compute_u(g, &a_padded, &b_padded).to_vec(), unhex(U));
    let s = srp::server_premaster(g, &server, &v, &a_padded).expect("server S");
    assert_eq!(*s, unhex(PREMASTER));
    let s = srp::client_premaster(g, &client, &b_padded, &salt, b"alice", b"password123")
        .expect("client S");
    assert_eq!(*s, unhex(PREMASTER));
}

#[test]
fn groups_have_the_rfc_shape() {
    let expected = [
        (1024, 2u8),
        (1536, 2),
        (2048, 2),
        (3072, 5),
        (4096, 5),
        (6144, 5),
        (8192, 19),
    ];
    let all = SrpGroup::all();
    assert_eq!(all.len(), expected.len());
    for (group, &(bits, gen)) in all.iter().zip(expected.iter()) {
        let n = big(group.n());
        assert_eq!(group.bits(), bits);
        assert_eq!(n.bits(), u64::from(bits), "bit length of N for {bits}");
        assert_eq!(group.byte_len() * 8, bits as usize);
        assert!(n.bit(0), "N is odd for {bits}");
        assert_eq!(group.g(), &[gen]);
        assert_eq!(SrpGroup::by_bits(bits), Some(*group));
        let mut n_padded = vec![0u8, 0];
        n_padded.extend_from_slice(group.n());
        assert_eq!(SrpGroup::from_params(&n_padded, &[0, gen]), Some(*group));
        assert_eq!(SrpGroup::from_params(group.n(), &[gen + 1]), None);
        // A few Fermat tests (base 3) as a cheap primality sanity check of the transcription.
        let one = BigUint::from(1u8);
        if bits <= 2048 {
            assert_eq!(
                BigUint::from(3u8).modpow(&(&n - &one), &n),
                one,
                "N prime for {bits}"
            );
        }
    }
    assert_eq!(SrpGroup::by_bits(512), None);
    // The larger primes have the RFC 3526 shape: 64 one bits at each end.
    for group in &all[3..] {
        assert!(group.n()[..8].iter().all(|&b| b == 0xff));
        assert!(group.n()[group.byte_len() - 8..].iter().all(|&b| b == 0xff));
    }
}

#[test]
fn arithmetic_matches_num_bigint() {
    for group in SrpGroup::all() {
        let n = big(group.n());
        let trials = if group.bits() <= 2048 { 6 } else { 2 };
        for t in 0..trials {
            let base = random_bytes(group.byte_len() + t); // sometimes longer than N
            let exp = random_bytes(32 + t);
            let expected = bytes(&big(&base).modpow(&big(&exp), &n));
            assert_eq!(
                *modexp::pow_mod_ct(group, &base, &exp),
                expected,
                "ct {}",
                group.bits()
            );
            assert_eq!(
                modexp::pow_mod_vartime(group, &base, &exp),
                expected,
                "vartime {}",
                group.bits()
            );
            let g = big(group.g());
            let expected_g = bytes(&g.modpow(&big(&exp), &n));
            assert_eq!(
                *modexp::pow_g(group, &exp),
                expected_g,
                "fixed-base {}",
                group.bits()
            );
            assert_eq!(*modexp::pow_mod_ct(group, group.g(), &exp), expected_g);
            // Reduction of inputs of every shape: short, exactly N, multiples of N, very long.
            let long = random_bytes(3 * group.byte_len() + 5);
            assert_eq!(srp::reduce_mod_n(group, &long), bytes(&(big(&long) % &n)));
        }
        assert_eq!(srp::reduce_mod_n(group, group.n()), Vec::<u8>::new());
        assert_eq!(srp::reduce_mod_n(group, &[]), Vec::<u8>::new());
        assert_eq!(srp::reduce_mod_n(group, &[0, 0, 7]), vec![7]);
        let n_plus_5 = bytes(&(&n + 5u8));
        assert_eq!(srp::reduce_mod_n(group, &n_plus_5), vec![5]);
        // Fixed base beyond the table (longer than 256 bits) and at its edges.
        for len in [0usize, 1, 20, 31, 32, 33, 64] {
            let exp = random_bytes(len);
            let expected = bytes(&big(group.g()).modpow(&big(&exp), &n));
            assert_eq!(
                *modexp::pow_g(group, &exp),
                expected,
                "fixed-base len {len}"
            );
        }
        // Exponent edge values.
        let zero_exp = vec![0u8; 32];
        assert_eq!(*modexp::pow_g(group, &zero_exp), vec![1]);
        assert_eq!(*modexp::pow_mod_ct(group, &[3], &zero_exp), vec![1]);
        assert_eq!(modexp::pow_mod_vartime(group, &[3], &[]), vec![1]);
        // Sparse and dense public exponents (sliding-window edges).
        let base = random_bytes(group.byte_len() - 1);
        for exp in [
            &[1u8][..],
            &[2],
            &[0xff],
            &[0x80, 0, 0, 1],
            &[0, 0x10, 0x01],
            &[0xf0, 0x0f, 0xaa, 0x55],
            &[0xff; 20],
        ] {
            let expected = bytes(&big(&base).modpow(&big(exp), &n));
            assert_eq!(
                modexp::pow_mod_vartime(group, &base, exp),
                expected,
                "vartime {exp:?}"
            );
            assert_eq!(
                *modexp::pow_mod_ct(group, &base, exp),
                expected,
                "ct {exp:?}"
            );
        }
        let n_minus_1 = bytes(&(&n - 1u8));
        assert_eq!(*modexp::pow_mod_ct(group, &n_minus_1, &[2]), vec![1]);
        assert_eq!(*modexp::pow_mod_ct(group, &n_minus_1, &[1]), n_minus_1);
    }
}

/// S computed from scratch with num-bigint, from the server's formula.
fn reference_premaster(
    group: &SrpGroup,
    v: &[u8],
    b_secret: &[u8],
    a_pub: &[u8],
    b_pub: &[u8],
) -> Vec<u8> {
    let n = big(group.n());
    let u = big(&srp::compute_u(group, a_pub, b_pub));
    let base = big(a_pub) * big(v).modpow(&u, &n) % &n;
    bytes(&base.modpow(&big(b_secret), &n))
}

fn check_handshake(
    group: &SrpGroup,
    a_secret: &[u8],
    b_secret: &[u8],
    salt: &[u8],
    user: &[u8],
    pass: &[u8],
) -> Vec<u8> {
    let n = big(group.n());
    let g = big(group.g());
    let v = srp::compute_verifier(group, salt, user, pass);
    // v, A and B independently.
    let x = big(&Sha1::new()
        .chain_update(salt)
        .chain_update(
            Sha1::new()
                .chain_update(user)
                .chain_update(b":")
                .chain_update(pass)
                .finalize(),
        )
        .finalize());
    assert_eq!(v, bytes(&g.modpow(&x, &n)));
    let client = srp::client_key_pair_from_secret(group, a_secret);
    assert_eq!(client.public, bytes(&g.modpow(&big(a_secret), &n)));
    let server = srp::server_key_pair_from_secret(group, &v, b_secret);
    let k = big(&srp::compute_k(group));
    assert_eq!(
        server.public,
        bytes(&((k * big(&v) + g.modpow(&big(b_secret), &n)) % &n))
    );

    let s_server = srp::server_premaster(group, &server, &v, &client.public).expect("server S");
    let s_client =
        srp::client_premaster(group, &client, &server.public, salt, user, pass).expect("client S");
    assert_eq!(
        *s_server,
        *s_client,
        "both sides agree ({} bits)",
        group.bits()
    );
    assert_eq!(
        *s_server,
        reference_premaster(group, &v, b_secret, &client.public, &server.public)
    );
    assert_ne!(s_server.first(), Some(&0), "premaster has no leading zero");
    s_server.to_vec()
}

#[test]
fn both_sides_agree_on_every_group() {
    for group in SrpGroup::all() {
        let trials = match group.bits() {
            0..=2048 => 12,
            3072 | 4096 => 3,
            _ => 1,
        };
        for _ in 0..trials {
            let salt = srp::generate_salt(16).expect("salt");
            check_handshake(
                group,
                &random_bytes(32),
                &random_bytes(32),
                &salt,
                b"user",
                &random_bytes(12),
            );
        }
        // The random key pairs too.
        let salt = srp::generate_salt(20).expect("salt");
        let v = srp::compute_verifier(group, &salt, b"bob", b"pw");
        let client = srp::client_key_pair(group).expect("client keys");
        let server = srp::server_key_pair(group, &v).expect("server keys");
        let s1 = srp::server_premaster(group, &server, &v, &client.public).expect("server S");
        let s2 = srp::client_premaster(group, &client, &server.public, &salt, b"bob", b"pw")
            .expect("client S");
        assert_eq!(*s1, *s2);
        // A wrong password gives a different premaster.
        let s3 = srp::client_premaster(group, &client, &server.public, &salt, b"bob", b"pW")
            .expect("client S");
        assert_ne!(*s1, *s3);
    }
}

#[test]
fn leading_zero_in_a() {
    let g = g1024();
    // About one a in 256 gives an A with a leading zero byte (A shorter than N).
    let mut found = 0;
    for _ in 0..20_000 {
        let a = random_bytes(32);
        let client = srp::client_key_pair_from_secret(g, &a);
        if client.public.len() < g.byte_len() {
            assert_ne!(client.public.first(), Some(&0));
            check_handshake(g, &a, &random_bytes(32), b"salt", b"alice", b"pw");
            found += 1;
            if found == 3 {
                break;
            }
        }
    }
    assert_eq!(found, 3, "found short A values");
}

#[test]
fn leading_zero_in_premaster() {
    let g = g1024();
    let salt = b"\x01salt";
    let v = srp::compute_verifier(g, salt, b"alice", b"pw");
    let server = srp::server_key_pair_from_secret(g, &v, &random_bytes(32));
    let mut found = 0;
    for _ in 0..20_000 {
        let a = random_bytes(32);
        let client = srp::client_key_pair_from_secret(g, &a);
        let s = srp::server_premaster(g, &server, &v, &client.public).expect("server S");
        if s.len() < g.byte_len() {
            let c = srp::client_premaster(g, &client, &server.public, salt, b"alice", b"pw")
                .expect("client S");
            assert_eq!(*s, *c);
            assert_ne!(s.first(), Some(&0));
            found += 1;
            if found == 2 {
                break;
            }
        }
    }
    assert_eq!(found, 2, "found short premasters");
}

fn misbehaved(why: PeerMisbehaved) -> Error {
    Error::PeerMisbehaved(why)
}

#[test]
fn server_rejects_bad_a() {
    for group in [g1024(), SrpGroup::by_bits(2048).expect("2048")] {
        let n = big(group.n());
        let v = srp::compute_verifier(group, b"s", b"u", b"p");
        let server = srp::server_key_pair_from_secret(group, &v, &random_bytes(32));
        let illegal = [
            Vec::new(),
            vec![0],
            vec![0, 0, 0],
            vec![1],
            vec![0, 1],
            bytes(&(&n - 1u8)),
            group.n().to_vec(),
            bytes(&(&n + 1u8)),
            bytes(&(&n + 2u8)),
            vec![0xff; group.byte_len()],
        ];
        for a in &illegal {
            let err = srp::server_premaster(group, &server, &v, a).expect_err("illegal A");
            assert_eq!(
                err,
                misbehaved(PeerMisbehaved::IllegalSrpA),
                "A = {}",
                hex::encode(a)
            );
        }
        let too_long = [
            bytes(&(&n * 2u8)),
            vec![1; group.byte_len() + 1],
            vec![0xff; 3 * group.byte_len()],
        ];
        for a in &too_long {
            let err = srp::server_premaster(group, &server, &v, a).expect_err("long A");
            assert_eq!(err, misbehaved(PeerMisbehaved::SrpValueTooLong));
        }
        // N with a leading zero byte is not "too long" but still illegal.
        let mut n_padded = vec![0];
        n_padded.extend_from_slice(group.n());
        let err = srp::server_premaster(group, &server, &v, &n_padded).expect_err("A = N");
        assert_eq!(err, misbehaved(PeerMisbehaved::IllegalSrpA));
        // 2 and N-2 are fine.
        assert!(srp::server_premaster(group, &server, &v, &[2]).is_ok());
        assert!(srp::server_premaster(group, &server, &v, &bytes(&(&n - 2u8))).is_ok());
    }
}

#[test]
fn client_rejects_bad_b() {
    for group in [g1024(), SrpGroup::by_bits(3072).expect("3072")] {
        let n = big(group.n());
        let client = srp::client_key_pair_from_secret(group, &random_bytes(32));
        let premaster =
            |b: &[u8]| srp::client_premaster(group, &client, b, b"salt", b"user", b"pass");
        let illegal = [
            Vec::new(),
            vec![0],
            vec![0, 0],
            group.n().to_vec(),
            bytes(&(&n + 1u8)),
            vec![0xff; group.byte_len()],
        ];
        for b in &illegal {
            assert_eq!(
                premaster(b).expect_err("illegal B"),
                misbehaved(PeerMisbehaved::IllegalSrpB)
            );
        }
        for b in [bytes(&(&n * 2u8)), vec![1; group.byte_len() + 1]] {
            assert_eq!(
                premaster(&b).expect_err("long B"),
                misbehaved(PeerMisbehaved::SrpValueTooLong)
            );
        }
        // B = 1 and B = N-1 are allowed by RFC 5054 (only B % N == 0 is refused).
        assert!(premaster(&[1]).is_ok());
        assert!(premaster(&bytes(&(&n - 1u8))).is_ok());
        let mut padded = vec![0, 0];
        padded.extend_from_slice(&[7; 5]);
        assert!(premaster(&padded).is_ok());
    }
}

#[test]
fn compute_u_pads_and_never_panics() {
    let g = g1024();
    let a = [1u8, 2, 3];
    let b = [4u8; 10];
    let mut expected = Sha1::new();
    let mut pad_a = vec![0u8; g.byte_len() - 3];
    pad_a.extend_from_slice(&a);
    let mut pad_b = vec![0u8; g.byte_len() - 10];
    pad_b.extend_from_slice(&b);
    expected.update(&pad_a);
    expected.update(&pad_b);
    assert_eq!(
        srp::compute_u(g, &a, &b).to_vec(),
        expected.finalize().to_vec()
    );
    // Hostile lengths: no panic.
    let long = vec![0xabu8; 3 * g.byte_len()];
    let _ = srp::compute_u(g, &long, &long);
    let _ = srp::compute_u(g, &[], &long);
    let _ = srp::compute_u(g, &[], &[]);
}

#[test]
fn k_matches_its_definition_on_every_group() {
    for group in SrpGroup::all() {
        let mut pad_g = vec![0u8; group.byte_len() - 1];
        pad_g.extend_from_slice(group.g());
        let expected = Sha1::new()
            .chain_update(group.n())
            .chain_update(&pad_g)
            .finalize();
        assert_eq!(srp::compute_k(group).to_vec(), expected.to_vec());
    }
}

/// A salt whose first byte is 0x00 is used as given (x = H(s | ...) over every byte). OpenSSL
/// instead loads salts as integers and drops that byte, which is why `generate_salt` never
/// makes one and why readers of OpenSSL verifier files strip it.
#[test]
fn verifier_with_leading_zero_salt_uses_salt_as_given() {
    let g = g1024();
    let salt = [0u8, 0x12, 0x34, 0x56];
    let v = srp::compute_verifier(g, &salt, b"alice", b"password123");
    let inner = Sha1::new().chain_update(b"alice:password123").finalize();
    let x = big(&Sha1::new()
        .chain_update(salt)
        .chain_update(inner)
        .finalize());
    let n = big(g.n());
    assert_eq!(v, bytes(&BigUint::from(2u8).modpow(&x, &n)));
    // What OpenSSL would compute from the same file entry: the salt without its zero byte.
    let v_openssl = srp::compute_verifier(g, &salt[1..], b"alice", b"password123");
    assert_ne!(v, v_openssl);
}

#[test]
fn salts() {
    assert!(srp::generate_salt(0).is_err());
    assert!(srp::generate_salt(256).is_err());
    for len in [1usize, 16, 20, 255] {
        for _ in 0..200 {
            let s = srp::generate_salt(len).expect("salt");
            assert_eq!(s.len(), len);
            assert_ne!(s[0], 0);
        }
    }
}

#[test]
fn debug_hides_secrets() {
    let g = g1024();
    let secret = [0x5au8; 32];
    let client = srp::client_key_pair_from_secret(g, &secret);
    let server = srp::server_key_pair_from_secret(g, &[2], &secret);
    for text in [format!("{client:?}"), format!("{server:?}")] {
        assert!(!text.contains("90, 90, 90"), "{text}");
        assert!(!text.to_lowercase().contains("5a5a5a"), "{text}");
    }
}
