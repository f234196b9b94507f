//! K, M1 and M2 from S, per profile (the part of a run that both roles compute alike).

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::hash::hmac_sha256;
use crate::profile::{Enc, KeyRule, M1Rule, M2Rule, Profile, ProofEnc};
use crate::raw::{encode, strip_leading_zeros};

/// Cognito's HKDF info string (amazon-cognito-identity-js `AuthenticationHelper`).
const COGNITO_INFO: &[u8] = b"Caldera Derived Key";

/// What both sides derive from S: the key and both proofs (M1 and M2 as sent).
pub(crate) struct Derived {
    pub(crate) key: Zeroizing<Vec<u8>>,
    pub(crate) m1: Zeroizing<Vec<u8>>,
    pub(crate) m2: Option<Vec<u8>>,
}

/// The public values of one run that the proofs cover.
pub(crate) struct Transcript<'a> {
    pub(crate) username: &'a [u8],
    pub(crate) salt: &'a [u8],
    pub(crate) a_pub: &'a [u8],
    pub(crate) b_pub: &'a [u8],
    pub(crate) u: &'a [u8],
    /// Extra bytes M1 covers (Cognito: secret block | timestamp); empty otherwise.
    pub(crate) context: &'a [u8],
}

fn proof(p: &Profile, digest: Zeroizing<Vec<u8>>) -> Zeroizing<Vec<u8>> {
    match p.proof {
        ProofEnc::Full => digest,
        ProofEnc::Minimal => Zeroizing::new(strip_leading_zeros(&digest).to_vec()),
    }
}

/// `K`, `M1`, `M2` for premaster `s`.
pub(crate) fn derive(p: &Profile, t: &Transcript<'_>, s: &[u8]) -> Result<Derived, Error> {
    if !t.context.is_empty() && p.m1 != M1Rule::CognitoClaim {
        return Err(Error::InvalidInput("this profile's M1 takes no context"));
    }
    let n_len = p.group.byte_len();
    let enc = |v: &[u8], e: Enc| Zeroizing::new(encode(v, e, n_len));
    let key = match p.key {
        KeyRule::Hash(e) => p.hash.digest_secret(&[&enc(s, e)]),
        KeyRule::Premaster(e) => enc(s, e),
        KeyRule::CognitoHkdf => {
            let ikm = enc(s, Enc::TwosComplement);
            let salt = enc(t.u, Enc::TwosComplement);
            let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt), &ikm);
            let mut okm = Zeroizing::new(vec![0u8; 16]);
            hk.expand(COGNITO_INFO, &mut okm)
                .map_err(|_| Error::InvalidInput("HKDF output length"))?;
            okm
        }
    };
    let m1 = match p.m1 {
        M1Rule::Rfc2945 { g, ab } => {
            let h_n = p.hash.digest(&[p.group.n()]);
            let h_g = p.hash.digest(&[&enc(p.group.g(), g)]);
            let xor: Vec<u8> = h_n.iter().zip(&h_g).map(|(x, y)| x ^ y).collect();
            let h_i = p.hash.digest(&[t.username]);
            p.hash.digest_secret(&[
                &xor,
                &h_i,
                t.salt,
                &enc(t.a_pub, ab),
                &enc(t.b_pub, ab),
                &key,
            ])
        }
        M1Rule::Abs(e) => p
            .hash
            .digest_secret(&[&enc(t.a_pub, e), &enc(t.b_pub, e), &enc(s, e)]),
        M1Rule::Abk(e) => p
            .hash
            .digest_secret(&[&enc(t.a_pub, e), &enc(t.b_pub, e), &key]),
        M1Rule::CognitoClaim => hmac_sha256(&key, &[t.username, t.context]),
    };
    let m1 = proof(p, m1);
    let m2 = match p.m2 {
        M2Rule::None => None,
        M2Rule::Amk(e) => {
            Some(proof(p, p.hash.digest_secret(&[&enc(t.a_pub, e), &m1, &key])).to_vec())
        }
    };
    Ok(Derived { key, m1, m2 })
}

/// Constant-time equality of a received proof with the expected one (lengths are public).
pub(crate) fn proof_matches(expected: &[u8], received: &[u8]) -> bool {
    bool::from(expected.ct_eq(received))
}
