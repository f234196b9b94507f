#![no_main]
//! Fuzz target `srp6a_server`: everything a standalone SRP-6a server takes from outside —
//! a saved state (postcard and JSON), a registration record, A, M1 and the Cognito context —
//! for every named profile (1024-bit group where the profile allows it, to keep runs fast).
//! Any input must give `Ok` or an `Err`, never a panic; an accepted M1 must come with a key.
//!
//! Input: byte 0 picks the profile, byte 1 the parts fed, then the rest is split in chunks
//! by 2-byte big-endian lengths.

use std::sync::OnceLock;

use srp6a::{Profile, Registration, SavedServerState, ServerChallenge, SrpGroup};

fn profiles() -> &'static Vec<Profile> {
    static P: OnceLock<Vec<Profile>> = OnceLock::new();
    P.get_or_init(|| {
        Profile::all_named()
            .into_iter()
            .map(|p| match p.name {
                "cognito" | "homekit" => p,
                _ => p.with_group(SrpGroup::by_bits(1024).expect("1024")),
            })
            .collect()
    })
}

fn chunks(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some((len, rest)) = data.split_first_chunk::<2>() {
        let len = usize::from(u16::from_be_bytes(*len)).min(rest.len());
        let (c, rest) = rest.split_at(len);
        out.push(c);
        data = rest;
    }
    out
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some((&parts, rest)) = rest.split_first() else {
        return;
    };
    let all = profiles();
    let p = &all[usize::from(sel) % all.len()];
    let c = chunks(rest);
    let get = |i: usize| c.get(i).copied().unwrap_or(&[]);

    // Parsers: records and saved states from arbitrary bytes.
    let _ = Registration::from_bytes(get(0));
    if let Ok(s) = postcard::from_bytes::<SavedServerState>(get(0)) {
        if let Ok(ch) = s.resume(p) {
            let _ = ch.verify_with_context(get(1), get(2));
        }
    }
    if let Ok(text) = core::str::from_utf8(get(0)) {
        if let Ok(s) = serde_json::from_str::<SavedServerState>(text) {
            let _ = s.resume(p);
        }
    }

    // A live challenge for a fixed user, fed a hostile A, M1 and context.
    let rec = match Registration::with_salt(p, "fuzz", b"pw", &[1, 2, 3, 4]) {
        Ok(r) => r,
        Err(_) => return,
    };
    let b = [0x42u8; 32];
    let Ok(mut ch) = ServerChallenge::with_secret(p, &rec, &b) else {
        return;
    };
    if parts & 1 == 1 {
        let _ = ch.receive_a(get(3));
    }
    let a = get(3);
    let result = if parts & 2 == 2 {
        ch.verify_with_a(a, get(4))
    } else {
        ch.receive_a(a).and_then(|()| {
            // Round trip through postcard on the way, as a stateless server does.
            let saved = postcard::to_allocvec(&ch.save()).expect("serialise");
            let s: SavedServerState = postcard::from_bytes(&saved).expect("own state decodes");
            s.resume(p)?.verify_with_context(get(4), get(5))
        })
    };
    if let Ok(session) = result {
        assert!(!session.key().as_bytes().is_empty());
    }
});
