//! The server, as a typestate: [`ServerChallenge`] (B sent; A may arrive now or with M1) →
//! [`ServerSession`] (M1 checked: the key and M2). Between requests the challenge is saved
//! as a [`SavedServerState`] (serde) and resumed.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::client::{check_len, SessionKey, MAX_INPUT};
use crate::derive::{derive, proof_matches, Transcript};
use crate::error::Error;
use crate::profile::Profile;
use crate::raw;
use crate::record::Registration;
use crate::secret::Secret;

/// A server that has sent the salt and B for one user and waits for the client's proof.
pub struct ServerChallenge<'p> {
    profile: &'p Profile,
    record: Registration,
    b: Zeroizing<Vec<u8>>,
    b_pub: Vec<u8>,
    a_pub: Option<Vec<u8>>,
}

impl core::fmt::Debug for ServerChallenge<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerChallenge")
            .field("profile", &self.profile.name)
            .field("username", &self.record.username())
            .field("b_pub", &crate::secret::to_hex(&self.b_pub))
            .finish_non_exhaustive()
    }
}

impl<'p> ServerChallenge<'p> {
    /// Picks a random secret b (`profile.secret_len` bytes) and computes
    /// `B = k*v + g^b` for `record` (a real one, or [`Registration::simulated`]).
    pub fn new(profile: &'p Profile, record: &Registration) -> Result<Self, Error> {
        let b = raw::random(profile.secret_len)?;
        Self::with_secret(profile, record, &b)
    }

    /// As [`ServerChallenge::new`] with a given b: for test vectors only.
    pub fn with_secret(
        profile: &'p Profile,
        record: &Registration,
        b: &[u8],
    ) -> Result<Self, Error> {
        let group = profile.group;
        check_len("secret b: 1..=byte length of N", b, 1, group.byte_len())?;
        if raw::strip_leading_zeros(record.verifier()).len() > group.byte_len() {
            return Err(Error::InvalidInput("verifier longer than N"));
        }
        let k = raw::k(profile);
        let b_pub = raw::pad(group, &raw::server_public(group, &k, record.verifier(), b));
        Ok(ServerChallenge {
            profile,
            record: record.clone(),
            b: Zeroizing::new(b.to_vec()),
            b_pub,
            a_pub: None,
        })
    }

    /// The salt to send.
    pub fn salt(&self) -> &[u8] {
        self.record.salt()
    }

    /// B to send, left-padded to the length of N.
    pub fn public_b(&self) -> &[u8] {
        &self.b_pub
    }

    /// The username this challenge is for.
    pub fn username(&self) -> &str {
        self.record.username()
    }

    /// Takes the client's A when it arrives before M1 (and checks it at once:
    /// [`Error::PublicValueTooLong`] or [`Error::IllegalClientPublic`]).
    pub fn receive_a(&mut self, a_pub: &[u8]) -> Result<(), Error> {
        let a = raw::check_client_public(self.profile.group, a_pub)?;
        self.a_pub = Some(raw::pad(self.profile.group, a));
        Ok(())
    }

    /// Checks M1 (A must have been given to [`ServerChallenge::receive_a`]).
    pub fn verify(self, m1: &[u8]) -> Result<ServerSession, Error> {
        self.verify_with_context(m1, &[])
    }

    /// As [`ServerChallenge::verify`], taking A now.
    pub fn verify_with_a(mut self, a_pub: &[u8], m1: &[u8]) -> Result<ServerSession, Error> {
        self.receive_a(a_pub)?;
        self.verify_with_context(m1, &[])
    }

    /// Checks M1 with the extra bytes the profile's M1 covers (Cognito: see
    /// [`crate::cognito`]). A wrong proof is [`Error::AuthenticationFailed`], whatever the
    /// reason (wrong password, unknown user, forged value).
    pub fn verify_with_context(self, m1: &[u8], context: &[u8]) -> Result<ServerSession, Error> {
        let p = self.profile;
        let a_pub = self
            .a_pub
            .as_deref()
            .ok_or(Error::InvalidInput("A was not received"))?;
        check_len("context: at most 4096 bytes", context, 0, 4096)?;
        let u = raw::u(p, a_pub, &self.b_pub);
        let s = raw::server_premaster(p.group, &u, self.record.verifier(), &self.b, a_pub)?;
        let t = Transcript {
            username: self.record.username().as_bytes(),
            salt: self.record.salt(),
            a_pub,
            b_pub: &self.b_pub,
            u: &u,
            context,
        };
        let d = derive(p, &t, &s)?;
        if !proof_matches(&d.m1, m1) {
            return Err(Error::AuthenticationFailed);
        }
        Ok(ServerSession {
            key: SessionKey::new(d.key),
            m2: d.m2,
        })
    }

    /// The state to keep between requests (for a stateless server). It holds the verifier
    /// and b: store it where only the server can read it (sealed with an AEAD, as the
    /// `srp6a_http` example does, or in a server-side store).
    pub fn save(&self) -> SavedServerState {
        SavedServerState {
            profile: self.profile.name.to_owned(),
            group_bits: self.profile.group.bits(),
            group_g: self.profile.group.g().to_vec(),
            record: self.record.clone(),
            b: Secret::new(self.b.to_vec()),
            b_pub: self.b_pub.clone(),
            a_pub: self.a_pub.clone(),
        }
    }
}

/// A [`ServerChallenge`] saved between requests: serialises with serde (JSON with hex
/// strings; compact in binary formats such as postcard). The verifier and b are
/// [`Secret`]: wiped on drop, not printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedServerState {
    profile: String,
    group_bits: u32,
    #[serde(with = "crate::secret::bytes")]
    group_g: Vec<u8>,
    record: Registration,
    b: Secret,
    #[serde(with = "crate::secret::bytes")]
    b_pub: Vec<u8>,
    #[serde(with = "crate::secret::bytes::option", default)]
    a_pub: Option<Vec<u8>>,
}

impl SavedServerState {
    /// Resumes the challenge under `profile`, which must be the one it was made with
    /// ([`Error::ProfileMismatch`] otherwise). Lengths are checked again
    /// ([`Error::Malformed`]); A, if present, is checked as [`ServerChallenge::receive_a`]
    /// does.
    pub fn resume(self, profile: &Profile) -> Result<ServerChallenge<'_>, Error> {
        let group = profile.group;
        if self.profile != profile.name
            || self.group_bits != group.bits()
            || self.group_g != group.g()
        {
            return Err(Error::ProfileMismatch);
        }
        let n_len = group.byte_len();
        if self.b.expose().is_empty() || self.b.expose().len() > n_len || self.b_pub.len() > n_len {
            return Err(Error::Malformed("saved state lengths"));
        }
        let record = Registration::from_parts(
            self.record.username(),
            self.record.salt(),
            self.record.verifier(),
        )
        .map_err(|_| Error::Malformed("saved state record"))?;
        if self.record.username().len() > MAX_INPUT {
            return Err(Error::Malformed("saved state record"));
        }
        let b_pub = raw::pad(group, raw::check_server_public(group, &self.b_pub)?);
        let mut challenge = ServerChallenge {
            profile,
            record,
            b: Zeroizing::new(self.b.expose().to_vec()),
            b_pub,
            a_pub: None,
        };
        if let Some(a) = &self.a_pub {
            challenge.receive_a(a)?;
        }
        Ok(challenge)
    }
}

/// A server that has checked the client's M1: the session key and the proof M2 to send.
pub struct ServerSession {
    key: SessionKey,
    m2: Option<Vec<u8>>,
}

impl core::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerSession")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ServerSession {
    /// M2 to send to the client (`None` for profiles without a server proof).
    pub fn m2(&self) -> Option<&[u8]> {
        self.m2.as_deref()
    }
    /// The session key K.
    pub fn key(&self) -> &SessionKey {
        &self.key
    }
}
