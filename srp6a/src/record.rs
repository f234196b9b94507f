//! Registration: the username, salt and verifier a server stores, and their encoding.

use serde::{Deserialize, Serialize};

use crate::client::{check_len, MAX_INPUT};
use crate::error::Error;
use crate::hash::hmac_sha256;
use crate::profile::Profile;
use crate::raw;
use crate::secret::Secret;

/// Version byte of [`Registration::to_bytes`].
const RECORD_VERSION: u8 = 1;

/// What the server stores for one user: the username, the salt (public: given to anyone who
/// asks) and the verifier `v = g^x` (secret: it allows an offline dictionary attack on the
/// password; wiped on drop, never printed).
///
/// Two encodings: serde (hex strings in JSON, bytes in binary formats), and
/// [`Registration::to_bytes`], a small versioned binary record for a database column.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    username: String,
    #[serde(with = "crate::secret::bytes")]
    salt: Vec<u8>,
    verifier: Secret,
}

impl core::fmt::Debug for Registration {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Registration")
            .field("username", &self.username)
            .field("salt", &crate::secret::to_hex(&self.salt))
            .field("verifier", &self.verifier)
            .finish()
    }
}

impl Registration {
    /// A new record with a random salt of `profile.salt_len` bytes (first byte non-zero).
    pub fn new(profile: &Profile, username: &str, password: &[u8]) -> Result<Registration, Error> {
        let salt = raw::generate_salt(profile.salt_len)?;
        Registration::with_salt(profile, username, password, &salt)
    }

    /// A record with the given salt (1..=1024 bytes, used as given).
    pub fn with_salt(
        profile: &Profile,
        username: &str,
        password: &[u8],
        salt: &[u8],
    ) -> Result<Registration, Error> {
        check_len("password: at most 1024 bytes", password, 0, MAX_INPUT)?;
        let x = raw::x(profile, salt, username.as_bytes(), password);
        let v = raw::verifier_from_x(profile.group, &x);
        Registration::from_parts(username, salt, &raw::pad(profile.group, &v))
    }

    /// A record for a user that does not exist, indistinguishable from a real one without
    /// `server_key`: the salt and a verifier `g^x'` are derived from the username with
    /// HMAC-SHA-256 under the server's long-term secret, so the same unknown name always
    /// gets the same salt (RFC 5054 2.5.1.3). Logins against it fail as a wrong password does.
    pub fn simulated(
        profile: &Profile,
        username: &str,
        server_key: &[u8],
    ) -> Result<Registration, Error> {
        check_len("server key: 16..=1024 bytes", server_key, 16, MAX_INPUT)?;
        let mut salt = hmac_sha256(
            server_key,
            &[b"srp6a simulated salt\0", username.as_bytes()],
        )
        .to_vec();
        // A salt of the profile's length (at most 32 bytes here), first byte non-zero as
        // generate_salt makes them.
        salt.truncate(profile.salt_len.clamp(1, 32));
        if let Some(first) = salt.first_mut() {
            *first |= 1;
        }
        let x = hmac_sha256(server_key, &[b"srp6a simulated x\0", username.as_bytes()]);
        let v = raw::verifier_from_x(profile.group, &x);
        Registration::from_parts(username, &salt, &raw::pad(profile.group, &v))
    }

    /// A record from stored parts. Checks lengths: username at most 1024 bytes, salt
    /// 1..=1024 bytes, verifier 1..=1024 bytes.
    pub fn from_parts(username: &str, salt: &[u8], verifier: &[u8]) -> Result<Registration, Error> {
        check_len(
            "username: at most 1024 bytes",
            username.as_bytes(),
            0,
            MAX_INPUT,
        )?;
        check_len("salt: 1..=1024 bytes", salt, 1, MAX_INPUT)?;
        check_len("verifier: 1..=1024 bytes", verifier, 1, MAX_INPUT)?;
        Ok(Registration {
            username: username.to_owned(),
            salt: salt.to_vec(),
            verifier: Secret::new(verifier.to_vec()),
        })
    }

    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }
    /// The salt.
    pub fn salt(&self) -> &[u8] {
        &self.salt
    }
    /// The verifier (secret).
    pub fn verifier(&self) -> &[u8] {
        self.verifier.expose()
    }

    /// The binary record: `01 | len(I):u16 | I | len(s):u16 | s | len(v):u16 | v`
    /// (big-endian lengths).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![RECORD_VERSION];
        for field in [self.username.as_bytes(), &self.salt, self.verifier.expose()] {
            // Every field is at most 1024 bytes (checked when the record was made).
            out.extend_from_slice(&(field.len() as u16).to_be_bytes());
            out.extend_from_slice(field);
        }
        out
    }

    /// Decodes [`Registration::to_bytes`]; any other input is [`Error::Malformed`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Registration, Error> {
        let (&version, mut rest) = bytes
            .split_first()
            .ok_or(Error::Malformed("empty record"))?;
        if version != RECORD_VERSION {
            return Err(Error::Malformed("unknown record version"));
        }
        let mut fields = [&[][..]; 3];
        for f in &mut fields {
            let (len, tail) = rest
                .split_first_chunk::<2>()
                .ok_or(Error::Malformed("truncated record"))?;
            let len = usize::from(u16::from_be_bytes(*len));
            if len > tail.len() {
                return Err(Error::Malformed("truncated record"));
            }
            let (field, tail) = tail.split_at(len);
            *f = field;
            rest = tail;
        }
        if !rest.is_empty() {
            return Err(Error::Malformed("trailing bytes after record"));
        }
        let username = core::str::from_utf8(fields[0])
            .map_err(|_| Error::Malformed("username is not UTF-8"))?;
        Registration::from_parts(username, fields[1], fields[2])
            .map_err(|_| Error::Malformed("record field length out of range"))
    }
}
