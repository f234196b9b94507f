//! The client, as a typestate: [`ClientHandshake`] (A sent) → [`ClientProof`] (M1 sent) →
//! [`SessionKey`] (M2 checked). The key cannot be had before the server's proof is checked,
//! except through [`ClientProof::finish_without_server_proof`] on profiles that have no M2.

use zeroize::Zeroizing;

use crate::derive::{derive, proof_matches, Derived, Transcript};
use crate::error::Error;
use crate::profile::{M2Rule, Profile};
use crate::raw;

/// Longest username or password accepted (bytes).
pub(crate) const MAX_INPUT: usize = 1024;

pub(crate) fn check_len(what: &'static str, v: &[u8], min: usize, max: usize) -> Result<(), Error> {
    if v.len() < min || v.len() > max {
        return Err(Error::InvalidInput(what));
    }
    Ok(())
}

/// The shared session key K (wiped on drop, never printed).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey(Zeroizing<Vec<u8>>);

impl SessionKey {
    pub(crate) fn new(key: Zeroizing<Vec<u8>>) -> SessionKey {
        SessionKey(key)
    }
    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl core::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SessionKey({} bytes)", self.0.len())
    }
}

/// A client that has made its ephemeral key pair (a, A) and waits for the salt and B.
pub struct ClientHandshake<'p> {
    profile: &'p Profile,
    a: Zeroizing<Vec<u8>>,
    a_pub: Vec<u8>,
}

impl core::fmt::Debug for ClientHandshake<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientHandshake")
            .field("profile", &self.profile.name)
            .field("a_pub", &crate::secret::to_hex(&self.a_pub))
            .finish_non_exhaustive()
    }
}

impl<'p> ClientHandshake<'p> {
    /// Picks a random secret a (`profile.secret_len` bytes) and computes `A = g^a`.
    pub fn new(profile: &'p Profile) -> Result<Self, Error> {
        let a = raw::random(profile.secret_len)?;
        Self::with_secret(profile, &a)
    }

    /// As [`ClientHandshake::new`] with a given a: for test vectors only (a must be secret
    /// and random).
    pub fn with_secret(profile: &'p Profile, a: &[u8]) -> Result<Self, Error> {
        check_len(
            "secret a: 1..=byte length of N",
            a,
            1,
            profile.group.byte_len(),
        )?;
        let a_pub = raw::pad(profile.group, &raw::client_public(profile.group, a));
        Ok(ClientHandshake {
            profile,
            a: Zeroizing::new(a.to_vec()),
            a_pub,
        })
    }

    /// A, left-padded to the length of N (every implementation accepts that form, and some
    /// hash A exactly as received).
    pub fn public_a(&self) -> &[u8] {
        &self.a_pub
    }

    /// Takes the server's salt and B and computes M1 (and, kept for later, M2 and K).
    pub fn respond(
        self,
        username: &str,
        password: &[u8],
        salt: &[u8],
        b_pub: &[u8],
    ) -> Result<ClientProof<'p>, Error> {
        self.respond_with_context(username, password, salt, b_pub, &[])
    }

    /// As [`ClientHandshake::respond`] with the extra bytes M1 covers in profiles that have
    /// them (Cognito: see [`crate::cognito`]); must be empty for the others.
    pub fn respond_with_context(
        self,
        username: &str,
        password: &[u8],
        salt: &[u8],
        b_pub: &[u8],
        context: &[u8],
    ) -> Result<ClientProof<'p>, Error> {
        let p = self.profile;
        check_len(
            "username: at most 1024 bytes",
            username.as_bytes(),
            0,
            MAX_INPUT,
        )?;
        check_len("password: at most 1024 bytes", password, 0, MAX_INPUT)?;
        check_len("salt: 1..=1024 bytes", salt, 1, MAX_INPUT)?;
        check_len("context: at most 4096 bytes", context, 0, 4096)?;
        let b_min = raw::check_server_public(p.group, b_pub)?;
        let b_pad = raw::pad(p.group, b_min);
        let u = raw::u(p, &self.a_pub, &b_pad);
        let x = raw::x(p, salt, username.as_bytes(), password);
        let k = raw::k(p);
        let s = raw::client_premaster(p.group, &k, &u, &x, &self.a, &b_pad)?;
        let t = Transcript {
            username: username.as_bytes(),
            salt,
            a_pub: &self.a_pub,
            b_pub: &b_pad,
            u: &u,
            context,
        };
        let d = derive(p, &t, &s)?;
        Ok(ClientProof { profile: p, d })
    }
}

/// A client that has computed M1 and waits for the server's M2.
pub struct ClientProof<'p> {
    profile: &'p Profile,
    d: Derived,
}

impl core::fmt::Debug for ClientProof<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientProof")
            .field("profile", &self.profile.name)
            .finish_non_exhaustive()
    }
}

impl ClientProof<'_> {
    /// M1, the client's proof, to send to the server.
    pub fn m1(&self) -> &[u8] {
        &self.d.m1
    }

    /// Checks the server's M2 (constant time) and gives the session key.
    /// Errors: [`Error::AuthenticationFailed`] if M2 is wrong; [`Error::NoServerProof`] if
    /// the profile has no M2.
    pub fn verify_server(self, m2: &[u8]) -> Result<SessionKey, Error> {
        let expected = self.d.m2.as_deref().ok_or(Error::NoServerProof)?;
        if !proof_matches(expected, m2) {
            return Err(Error::AuthenticationFailed);
        }
        Ok(SessionKey::new(self.d.key))
    }

    /// The session key without a server proof, for profiles that have none (node-srp,
    /// Cognito): the server is then not authenticated by SRP. [`Error::NoServerProof`] for
    /// profiles that have an M2 (check it with [`ClientProof::verify_server`]).
    pub fn finish_without_server_proof(self) -> Result<SessionKey, Error> {
        if self.profile.m2 != M2Rule::None {
            return Err(Error::NoServerProof);
        }
        Ok(SessionKey::new(self.d.key))
    }
}
