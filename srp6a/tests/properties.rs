//! Properties, over random inputs: client and server agree for every named profile and every
//! group, and disagree on a wrong password; saved states and records round-trip through JSON
//! and postcard; hostile inputs give errors, never panics; secrets never reach Debug output.

use srp6a::{
    ClientHandshake, Error, Profile, Registration, SavedServerState, ServerChallenge, SrpGroup,
};

fn random(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    getrandom::fill(&mut v).expect("os random");
    v
}

/// One login; returns (client key, server key) or the error of the side that refused.
fn login(p: &Profile, rec: &Registration, password: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let context: &[u8] = if p.name == "cognito" {
        b"secret block|Tue Sep 2 07:05:09 UTC 2025"
    } else {
        b""
    };
    let client = ClientHandshake::new(p)?;
    let mut server = ServerChallenge::new(p, rec)?;
    server.receive_a(client.public_a())?;
    // Through a saved state, alternately JSON and postcard.
    let saved = server.save();
    let server = if random(1)[0] & 1 == 0 {
        let json = serde_json::to_string(&saved).expect("json");
        serde_json::from_str::<SavedServerState>(&json)
            .expect("from json")
            .resume(p)?
    } else {
        let bin = postcard::to_allocvec(&saved).expect("postcard");
        postcard::from_bytes::<SavedServerState>(&bin)
            .expect("from postcard")
            .resume(p)?
    };
    let proof = client.respond_with_context(
        rec.username(),
        password,
        server.salt(),
        server.public_b(),
        context,
    )?;
    let session = server.verify_with_context(proof.m1(), context)?;
    let key = match session.m2() {
        Some(m2) => proof.verify_server(m2)?,
        None => proof.finish_without_server_proof()?,
    };
    Ok((key.as_bytes().to_vec(), session.key().as_bytes().to_vec()))
}

#[test]
fn every_profile_and_group_agrees_and_refuses_wrong_passwords() {
    for base in Profile::all_named() {
        let groups: Vec<&'static SrpGroup> = if base.name == "cognito" {
            vec![base.group]
        } else {
            SrpGroup::all().to_vec()
        };
        for group in groups {
            let p = base.clone().with_group(group);
            // Bigger groups cost more: fewer cases (tests run in the dev profile).
            let cases = if group.bits() <= 2048 { 3 } else { 1 };
            for _ in 0..cases {
                let user = format!("user-{}", srp6a::to_hex(&random(4)));
                let password = random(1 + usize::from(random(1)[0] % 40));
                let rec = Registration::new(&p, &user, &password).expect("record");
                let (ck, sk) = login(&p, &rec, &password).expect("right password");
                assert_eq!(ck, sk, "{} {}", p.name, group.bits());
                let mut wrong = password.clone();
                wrong[0] ^= 1;
                assert_eq!(
                    login(&p, &rec, &wrong).err(),
                    Some(Error::AuthenticationFailed),
                    "{} {}",
                    p.name,
                    group.bits()
                );
            }
        }
    }
}

#[test]
fn hostile_public_values_are_errors() {
    let p = Profile::rfc5054();
    let n = p.group.n().to_vec();
    let rec = Registration::new(&p, "u", b"p").unwrap();
    let mut n_minus_1 = n.clone();
    *n_minus_1.last_mut().unwrap() -= 1;
    for (a, want) in [
        (vec![], Error::IllegalClientPublic),
        (vec![0; 300], Error::IllegalClientPublic),
        (vec![1], Error::IllegalClientPublic),
        (n.clone(), Error::IllegalClientPublic),
        (n_minus_1.clone(), Error::IllegalClientPublic),
        (vec![0xff; n.len()], Error::IllegalClientPublic),
        (vec![1; n.len() + 1], Error::PublicValueTooLong),
    ] {
        let mut s = ServerChallenge::new(&p, &rec).unwrap();
        assert_eq!(s.receive_a(&a), Err(want.clone()));
        let s = ServerChallenge::new(&p, &rec).unwrap();
        assert_eq!(s.verify_with_a(&a, &[0; 20]).err(), Some(want));
    }
    for (b, want) in [
        (vec![0], Error::IllegalServerPublic),
        (n.clone(), Error::IllegalServerPublic),
        (vec![1; n.len() + 1], Error::PublicValueTooLong),
    ] {
        let c = ClientHandshake::new(&p).unwrap();
        assert_eq!(c.respond("u", b"p", b"salt", &b).err(), Some(want));
    }
    // M1 of the wrong length, empty, or garbage: only "failed".
    for m1 in [&[][..], &[0u8; 19], &[0u8; 21], &[0xffu8; 20]] {
        let c = ClientHandshake::new(&p).unwrap();
        let s = ServerChallenge::new(&p, &rec).unwrap();
        assert_eq!(
            s.verify_with_a(c.public_a(), m1).err(),
            Some(Error::AuthenticationFailed)
        );
    }
    // No A yet; context on a profile without one; M2 on a profile without one.
    let s = ServerChallenge::new(&p, &rec).unwrap();
    assert!(matches!(s.verify(&[0; 20]), Err(Error::InvalidInput(_))));
    let c = ClientHandshake::new(&p).unwrap();
    let s = ServerChallenge::new(&p, &rec).unwrap();
    assert!(matches!(
        c.respond_with_context("u", b"p", rec.salt(), s.public_b(), b"ctx"),
        Err(Error::InvalidInput(_))
    ));
    let c = ClientHandshake::new(&p).unwrap();
    let proof = c.respond("u", b"p", rec.salt(), s.public_b()).unwrap();
    assert_eq!(
        proof.finish_without_server_proof().err(),
        Some(Error::NoServerProof)
    );
}

#[test]
fn saved_states_resume_only_under_their_profile() {
    let p = Profile::rfc5054_sha256();
    let rec = Registration::new(&p, "alice", b"pw").unwrap();
    let saved = ServerChallenge::new(&p, &rec).unwrap().save();
    assert_eq!(
        saved.clone().resume(&Profile::rfc5054()).err(),
        Some(Error::ProfileMismatch)
    );
    let other_group = p.clone().with_group(SrpGroup::by_bits(1024).unwrap());
    assert_eq!(
        saved.clone().resume(&other_group).err(),
        Some(Error::ProfileMismatch)
    );
    assert!(saved.resume(&p).is_ok());
    // Truncated or garbled binary states are errors.
    let bin = postcard::to_allocvec(&ServerChallenge::new(&p, &rec).unwrap().save()).unwrap();
    for cut in 0..bin.len() {
        if let Ok(s) = postcard::from_bytes::<SavedServerState>(&bin[..cut]) {
            let _ = s.resume(&p);
        }
    }
    let json = serde_json::to_string(&ServerChallenge::new(&p, &rec).unwrap().save()).unwrap();
    assert!(json.contains("\"b\":\""), "hex in JSON: {json}");
    let bad = json.replace("\"b\":\"", "\"b\":\"zz");
    assert!(serde_json::from_str::<SavedServerState>(&bad).is_err());
}

#[test]
fn records_round_trip_and_reject_garbage() {
    let p = Profile::homekit();
    let rec = Registration::new(&p, "Pair-Setup", b"123-45-678").unwrap();
    let bytes = rec.to_bytes();
    assert_eq!(Registration::from_bytes(&bytes).unwrap(), rec);
    for cut in 0..bytes.len() {
        assert!(matches!(
            Registration::from_bytes(&bytes[..cut]),
            Err(Error::Malformed(_))
        ));
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        Registration::from_bytes(&longer),
        Err(Error::Malformed(_))
    ));
    let json = serde_json::to_string(&rec).unwrap();
    assert_eq!(serde_json::from_str::<Registration>(&json).unwrap(), rec);
    // Simulated records are stable per name and differ between names.
    let key = [7u8; 32];
    let s1 = Registration::simulated(&p, "nobody", &key).unwrap();
    assert_eq!(s1, Registration::simulated(&p, "nobody", &key).unwrap());
    assert_ne!(
        s1.salt(),
        Registration::simulated(&p, "nobody2", &key).unwrap().salt()
    );
    assert_eq!(s1.verifier().len(), p.group.byte_len());
}

#[test]
fn debug_output_hides_secrets() {
    let p = Profile::rfc5054();
    let rec = Registration::new(&p, "alice", b"pw").unwrap();
    let secret = [0x5au8; 32];
    let server = ServerChallenge::with_secret(&p, &rec, &secret).unwrap();
    let client = ClientHandshake::with_secret(&p, &secret).unwrap();
    let v_hex = srp6a::to_hex(rec.verifier());
    for text in [
        format!("{rec:?}"),
        format!("{server:?}"),
        format!("{client:?}"),
        format!("{:?}", server.save()),
    ] {
        assert!(!text.contains("5a5a5a"), "{text}");
        assert!(!text.contains("90, 90, 90"), "{text}");
        assert!(!text.contains(&v_hex[..40]), "{text}");
    }
}
