//! Published test vectors: RFC 5054 Appendix B, the srptools set of
//! github.com/secure-remote-password/test-vectors, and the PiCl vectors mozilla/node-srp
//! 0.2.0 ships (read from the npm package at test time).

mod common;

use common::{hex, unhex};
use serde_json::Value;
use srp6a::{raw, ClientHandshake, HashAlg, Profile, Registration, ServerChallenge, SrpGroup};

/// Runs one full vector: every intermediate value, then both roles end to end with the
/// vector's secrets, comparing K, M1 and M2 where the vector has them.
fn check_vector(p: &Profile, v: &Value) {
    let f = |k: &str| unhex(v[k].as_str().unwrap_or_else(|| panic!("vector lacks {k}")));
    let (user, pass) = (v["I"].as_str().expect("I"), v["P"].as_str().expect("P"));
    let (s, a, b) = (f("s"), f("a"), f("b"));
    assert_eq!(p.group.n(), &f("N")[..], "N of {} bits", p.group.bits());
    assert_eq!(
        raw::strip_leading_zeros(&raw::k(p)),
        raw::strip_leading_zeros(&f("k")),
        "k"
    );
    let x = raw::x(p, &s, user.as_bytes(), pass.as_bytes());
    assert_eq!(
        raw::strip_leading_zeros(&x),
        raw::strip_leading_zeros(&f("x")),
        "x"
    );
    let rec = Registration::with_salt(p, user, pass.as_bytes(), &s).expect("record");
    assert_eq!(
        raw::strip_leading_zeros(rec.verifier()),
        raw::strip_leading_zeros(&f("v")),
        "v"
    );
    let client = ClientHandshake::with_secret(p, &a).expect("client");
    assert_eq!(
        raw::strip_leading_zeros(client.public_a()),
        raw::strip_leading_zeros(&f("A")),
        "A"
    );
    let mut server = ServerChallenge::with_secret(p, &rec, &b).expect("server");
    assert_eq!(
        raw::strip_leading_zeros(server.public_b()),
        raw::strip_leading_zeros(&f("B")),
        "B"
    );
    let u = raw::u(p, client.public_a(), server.public_b());
    assert_eq!(
        raw::strip_leading_zeros(&u),
        raw::strip_leading_zeros(&f("u")),
        "u"
    );
    let s_srv =
        raw::server_premaster(p.group, &u, rec.verifier(), &b, client.public_a()).expect("S");
    assert_eq!(
        raw::strip_leading_zeros(&s_srv),
        raw::strip_leading_zeros(&f("S")),
        "S"
    );

    server.receive_a(client.public_a()).expect("A");
    let proof = client
        .respond(user, pass.as_bytes(), &s, server.public_b())
        .expect("client proof");
    if v.get("M1").is_some() {
        assert_eq!(hex(proof.m1()), hex(&f("M1")), "M1");
    }
    let session = server.verify(proof.m1()).expect("server accepts M1");
    if v.get("M2").is_some() {
        assert_eq!(hex(session.m2().expect("M2")), hex(&f("M2")), "M2");
    }
    if v.get("K").is_some() {
        assert_eq!(hex(session.key().as_bytes()), hex(&f("K")), "K");
    }
    let key = proof
        .verify_server(session.m2().expect("M2"))
        .expect("client accepts M2");
    assert_eq!(key.as_bytes(), session.key().as_bytes());
}

#[test]
fn rfc5054_appendix_b() {
    // RFC 5054 Appendix B (also the one vector of test-vectors' rfc5054.json).
    let v = serde_json::json!({
        "N": hex(SrpGroup::by_bits(1024).unwrap().n()),
        "I": "alice", "P": "password123",
        "s": "beb25379d1a8581eb5a727673a2441ee",
        "k": "7556aa045aef2cdd07abaf0f665c3e818913186f",
        "x": "94b7555aabe9127cc58ccf4993db6cf84d16c124",
        "v": "7e273de8696ffc4f4e337d05b4b375beb0dde1569e8fa00a9886d8129bada1f1822223ca1a605b530e379ba4729fdc59f105b4787e5186f5c671085a1447b52a48cf1970b4fb6f8400bbf4cebfbb168152e08ab5ea53d15c1aff87b2b9da6e04e058ad51cc72bfc9033b564e26480d78e955a5e29e7ab245db2be315e2099afb",
        "a": "60975527035cf2ad1989806f0407210bc81edc04e2762a56afd529ddda2d4393",
        "b": "e487cb59d31ac550471e81f00f6928e01dda08e974a004f49e61f5d105284d20",
        "A": "61d5e490f6f1b79547b0704c436f523dd0e560f0c64115bb72557ec44352e8903211c04692272d8b2d1a5358a2cf1b6e0bfcf99f921530ec8e39356179eae45e42ba92aeaced825171e1e8b9af6d9c03e1327f44be087ef06530e69f66615261eef54073ca11cf5858f0edfdfe15efeab349ef5d76988a3672fac47b0769447b",
        "B": "bd0c61512c692c0cb6d041fa01bb152d4916a1e77af46ae105393011baf38964dc46a0670dd125b95a981652236f99d9b681cbf87837ec996c6da04453728610d0c6ddb58b318885d7d82c7f8deb75ce7bd4fbaa37089e6f9c6059f388838e7a00030b331eb76840910440b1b27aaeaeeb4012b7d7665238a8e3fb004b117b58",
        "u": "ce38b9593487da98554ed47d70a7ae5f462ef019",
        "S": "b0dc82babcf30674ae450c0287745e7990a3381f63b387aaf271a10d233861e359b48220f7c4693c9ae12b0a6f67809f0876e2d013800d6c41bb59b6d5979b5c00a172b4a2a5903a0bdcaf8a709585eb2afafa8f3499b200210dcc1f10eb33943cd67fc88a2f39a4be5bec4ec0a3212dc346d7e474b29ede8a469ffeca686e5a"
    });
    check_vector(
        &Profile::rfc5054().with_group(SrpGroup::by_bits(1024).unwrap()),
        &v,
    );
}

/// test-vectors' srptools.json: K = H(S), M1 = H(H(N) xor H(g) | H(I) | s | A | B | K),
/// M2 = H(A | M1 | K): our `rfc5054` profiles (SHA-1, SHA-256, SHA-512) on six groups.
#[test]
fn srptools_vectors() {
    let text = std::fs::read_to_string(common::root().join("srp6a/tests/vectors/srptools.json"))
        .expect("vectors file");
    let set: Value = serde_json::from_str(&text).expect("json");
    let mut n = 0;
    for v in set["testVectors"].as_array().expect("array") {
        let base = match v["H"].as_str() {
            Some("sha1") => Profile::rfc5054(),
            Some("sha256") => Profile::rfc5054_sha256(),
            Some("sha512") => Profile::rfc5054_sha512(),
            other => panic!("unexpected hash {other:?}"),
        };
        let bits = v["size"].as_u64().expect("size") as u32;
        let p = base.with_group(SrpGroup::by_bits(bits).expect("group"));
        assert_eq!(hex(p.group.g()), v["g"].as_str().expect("g"));
        check_vector(&p, v);
        n += 1;
    }
    assert_eq!(n, 18);
}

/// Mozilla's PiCl (Firefox Accounts) vectors, as shipped by npm `srp` 0.2.0 in
/// test/test_picl_vectors.js, with values forced to start with 0x00 (padding bugs).
#[test]
fn node_srp_picl_vectors() {
    let out = common::node()
        .arg(common::root().join("interop/srp6a/node_srp_vectors.js"))
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sets: Value = serde_json::from_slice(&out.stdout).expect("json");
    let p = Profile::node_srp();
    assert_eq!(p.hash, HashAlg::Sha256);
    let sets = sets.as_array().expect("array");
    assert_eq!(sets.len(), 4);
    for v in sets {
        let f = |k: &str| unhex(v[k].as_str().unwrap_or_else(|| panic!("lacks {k}")));
        let user = String::from_utf8(f("in_I")).expect("utf-8 I");
        let (pass, salt) = (f("in_P"), f("in_salt"));
        // k is given in decimal by the file and converted to bytes by it.
        assert_eq!(raw::strip_leading_zeros(&raw::k(&p)), &f("k")[..]);
        let x = raw::x(&p, &salt, user.as_bytes(), &pass);
        assert_eq!(&x[..], &f("x")[..], "x");
        let rec = Registration::with_salt(&p, &user, &pass, &salt).expect("record");
        assert_eq!(rec.verifier(), &f("v")[..], "v (padded to N)");
        let client = ClientHandshake::with_secret(&p, &f("in_a")).expect("client");
        assert_eq!(client.public_a(), &f("A")[..], "A");
        let mut server = ServerChallenge::with_secret(&p, &rec, &f("in_b")).expect("server");
        assert_eq!(server.public_b(), &f("B")[..], "B");
        assert_eq!(
            raw::u(&p, client.public_a(), server.public_b()),
            f("u"),
            "u"
        );
        server.receive_a(client.public_a()).expect("A");
        let proof = client
            .respond(&user, &pass, &salt, server.public_b())
            .expect("M1");
        assert_eq!(proof.m1(), &f("M1")[..], "M1");
        let session = server.verify(proof.m1()).expect("server accepts");
        assert_eq!(session.key().as_bytes(), &f("K")[..], "K");
        assert!(session.m2().is_none(), "node-srp has no M2");
        let key = proof.finish_without_server_proof().expect("no M2 to check");
        assert_eq!(key.as_bytes(), &f("K")[..]);
    }
}
