//! Profiles: which hash, which group, and exactly which bytes go into each formula.
//!
//! SRP-6a fixes the algebra (`v = g^x`, `B = k*v + g^b`, `S = (A * v^u)^b = (B - k*g^x)^(a +
//! u*x)`), but implementations differ in everything around it: the hash, how integers are
//! turned into bytes before hashing (no padding, padded to the length of N, or as a
//! two's-complement hex string), whether the username is in x, what the proofs M1 and M2
//! cover and how K is derived. A [`Profile`] names each of those choices; the named
//! constructors below are the combinations the well-known implementations use, and any other
//! combination can be written as a struct literal (`Profile { hash: ..., ..Profile::rfc5054() }`).
//!
//! Notation: `|` concatenates; `H` is the profile's hash; integers are big-endian;
//! `MIN(x)` has no leading zero bytes, `PAD(x)` is left-padded with zeros to the length of N,
//! `TWOS(x)` is `MIN(x)` with one `0x00` in front when its top bit is set (a positive
//! two's-complement number, as Cognito's `padHex`); `s` is the salt as stored (bytes).

use crate::groups::{SrpGroup, COGNITO_3072, GROUP_2048, GROUP_3072};
use crate::hash::HashAlg;

/// How an integer is turned into bytes before it is hashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enc {
    /// `MIN(x)`: big-endian, no leading zero bytes.
    Minimal,
    /// `PAD(x)`: big-endian, left-padded with zeros to the byte length of N.
    PadN,
    /// `TWOS(x)`: `MIN(x)`, with a `0x00` in front if its first byte is 0x80 or more.
    TwosComplement,
}

/// How the salt is hashed into x.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaltEnc {
    /// The salt bytes exactly as stored (leading zero bytes included).
    AsGiven,
    /// The salt read as an integer and written as `TWOS(s)` (Cognito).
    TwosComplement,
}

/// `x = Hx(salt | Hx(I | ":" | P))`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XRule {
    /// The hash of x (posterity/srp always uses SHA-1 here, whatever the profile's hash).
    pub hash: HashAlg,
    /// How the salt is hashed.
    pub salt: SaltEnc,
    /// Whether I is hashed: `false` gives `x = Hx(salt | Hx(":" | P))` (Apple).
    pub username: bool,
}

/// How the session key K is derived from S.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRule {
    /// `K = H(enc(S))`.
    Hash(Enc),
    /// `K = enc(S)`: the premaster itself, unhashed (the Rust `srp` crate 0.6).
    Premaster(Enc),
    /// Cognito: `K = HKDF-SHA-256(salt = TWOS(u), ikm = TWOS(S), info = "Caldera Derived Key",
    /// L = 16)`.
    CognitoHkdf,
}

/// The client's proof M1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum M1Rule {
    /// RFC 2945: `M1 = H(H(N) xor H(enc_g(g)) | H(I) | s | enc_ab(A) | enc_ab(B) | K)`.
    Rfc2945 {
        /// Encoding of g inside `H(g)`.
        g: Enc,
        /// Encoding of A and B.
        ab: Enc,
    },
    /// mozilla/node-srp: `M1 = H(enc(A) | enc(B) | enc(S))`.
    Abs(Enc),
    /// RustCrypto `srp` 0.6: `M1 = H(enc(A) | enc(B) | K)`.
    Abk(Enc),
    /// Cognito's password claim: `M1 = HMAC-SHA-256(K, I | context)` where I is the pool
    /// name followed by the user id and the context is the secret block followed by the
    /// timestamp (see [`crate::cognito`]).
    CognitoClaim,
}

/// The server's proof M2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum M2Rule {
    /// No server proof (node-srp, Cognito): the client cannot authenticate the server by SRP.
    None,
    /// `M2 = H(enc(A) | M1 | K)`, with M1 as sent.
    Amk(Enc),
}

/// How M1 and M2 are sent and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofEnc {
    /// The full digest.
    Full,
    /// The digest as an integer without leading zero bytes (Go's `big.Int.Bytes()`).
    Minimal,
}

/// A complete description of one SRP-6a variant. See the module documentation for the
/// notation, and the README's profile table for the named ones side by side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// A name, stored in saved server states so that a state is never resumed under a
    /// different profile.
    pub name: &'static str,
    /// The group (N, g).
    pub group: &'static SrpGroup,
    /// H: the hash of k, u, M1, M2 and K.
    pub hash: HashAlg,
    /// `k = H(enc_n(N) | enc_g(g))`: the encodings of N and g.
    pub k: (Enc, Enc),
    /// x.
    pub x: XRule,
    /// `u = H(enc(A) | enc(B))`.
    pub u: Enc,
    /// K.
    pub key: KeyRule,
    /// M1.
    pub m1: M1Rule,
    /// M2.
    pub m2: M2Rule,
    /// How proofs are sent.
    pub proof: ProofEnc,
    /// Bytes of the random secrets a and b.
    pub secret_len: usize,
    /// Bytes of the salts [`crate::Registration::new`] makes.
    pub salt_len: usize,
}

impl Profile {
    /// `rfc5054`: RFC 5054 with SHA-1, as TLS-SRP uses it, and the RFC 2945 proofs.
    ///
    /// - `k = H(N | PAD(g))`, `x = H(s | H(I | ":" | P))`, `u = H(PAD(A) | PAD(B))`
    ///   (RFC 5054 2.5.3, 2.6; TLS uses `MIN(S)` as its premaster secret)
    /// - `K = H(MIN(S))`, `M1 = H(H(N) xor H(g) | H(I) | s | MIN(A) | MIN(B) | K)`,
    ///   `M2 = H(MIN(A) | M1 | K)` (RFC 2945 3, with RFC 5054's K = H(S) rather than
    ///   RFC 2945's interleaved hash; g unpadded in `H(g)`, as srptools, posterity/srp,
    ///   secure-remote-password and fast-srp-hap)
    /// - groups: any of RFC 5054 Appendix A; default 2048 bits.
    pub fn rfc5054() -> Profile {
        Profile {
            name: "rfc5054",
            group: &GROUP_2048,
            hash: HashAlg::Sha1,
            k: (Enc::Minimal, Enc::PadN),
            x: XRule {
                hash: HashAlg::Sha1,
                salt: SaltEnc::AsGiven,
                username: true,
            },
            u: Enc::PadN,
            key: KeyRule::Hash(Enc::Minimal),
            m1: M1Rule::Rfc2945 {
                g: Enc::Minimal,
                ab: Enc::Minimal,
            },
            m2: M2Rule::Amk(Enc::Minimal),
            proof: ProofEnc::Full,
            secret_len: 32,
            salt_len: 16,
        }
    }

    /// `rfc5054-sha256`: [`Profile::rfc5054`] with SHA-256 everywhere (x included).
    pub fn rfc5054_sha256() -> Profile {
        Profile {
            name: "rfc5054-sha256",
            hash: HashAlg::Sha256,
            x: XRule {
                hash: HashAlg::Sha256,
                ..Profile::rfc5054().x
            },
            ..Profile::rfc5054()
        }
    }

    /// `rfc5054-sha512`: [`Profile::rfc5054`] with SHA-512 everywhere (x included).
    pub fn rfc5054_sha512() -> Profile {
        Profile {
            name: "rfc5054-sha512",
            hash: HashAlg::Sha512,
            x: XRule {
                hash: HashAlg::Sha512,
                ..Profile::rfc5054().x
            },
            ..Profile::rfc5054()
        }
    }

    /// `node-srp`: mozilla/node-srp (npm `srp` 0.2.0), 2048 bits and SHA-256 (its parameter
    /// sets use SHA-1 for 1024 and 1536 bits: see [`Profile::node_srp_with_group`]).
    ///
    /// - `k = H(PAD(N) | PAD(g))`, `x = H(s | H(I | ":" | P))`, `u = H(PAD(A) | PAD(B))`
    /// - `K = H(PAD(S))`, `M1 = H(PAD(A) | PAD(B) | PAD(S))`; no M2 (node-srp's server
    ///   has none, so the client cannot check the server by SRP alone).
    pub fn node_srp() -> Profile {
        Profile {
            name: "node-srp",
            group: &GROUP_2048,
            hash: HashAlg::Sha256,
            k: (Enc::PadN, Enc::PadN),
            x: XRule {
                hash: HashAlg::Sha256,
                salt: SaltEnc::AsGiven,
                username: true,
            },
            u: Enc::PadN,
            key: KeyRule::Hash(Enc::PadN),
            m1: M1Rule::Abs(Enc::PadN),
            m2: M2Rule::None,
            proof: ProofEnc::Full,
            secret_len: 32,
            salt_len: 32,
        }
    }

    /// `node-srp` with another of its parameter sets: SHA-1 for 1024 and 1536 bits,
    /// SHA-256 above (node-srp's `lib/params.js`).
    pub fn node_srp_with_group(group: &'static SrpGroup) -> Profile {
        let hash = if group.bits() <= 1536 {
            HashAlg::Sha1
        } else {
            HashAlg::Sha256
        };
        Profile {
            group,
            hash,
            x: XRule {
                hash,
                ..Profile::node_srp().x
            },
            ..Profile::node_srp()
        }
    }

    /// `posterity`: Go's github.com/posterity/srp (v2) with the RFC 5054 2048-bit group,
    /// SHA-256 and its only built-in KDF, `RFC5054KDF`.
    ///
    /// - `x = SHA1(s | SHA1(I | ":" | P))` (RFC5054KDF hashes with SHA-1 whatever the
    ///   profile's hash; posterity also NFKD-normalises and trims I and P first: pass them
    ///   normalised)
    /// - `k = H(N | PAD(g))`, `u = H(PAD(A) | PAD(B))`, `K = H(MIN(S))`
    /// - `M1 = H(H(N) xor H(g) | H(I) | s | MIN(A) | MIN(B) | K)`,
    ///   `M2 = H(MIN(A) | MIN(M1) | K)`; M1 and M2 are sent as integers (`MIN`, Go's
    ///   `big.Int.Bytes()`).
    pub fn posterity() -> Profile {
        Profile {
            name: "posterity",
            hash: HashAlg::Sha256,
            proof: ProofEnc::Minimal,
            ..Profile::rfc5054()
        }
    }

    /// `homekit`: Apple HomeKit pairing (HAP), as `fast-srp-hap`'s `params.hap`: the 3072-bit
    /// group (g = 5) and SHA-512.
    ///
    /// - `k = H(N | PAD(g))`, `x = H(s | H(I | ":" | P))`, `u = H(PAD(A) | PAD(B))`
    /// - `K = H(PAD(S))`, `M1 = H(H(N) xor H(g) | H(I) | s | PAD(A) | PAD(B) | K)`,
    ///   `M2 = H(PAD(A) | M1 | K)`.
    pub fn homekit() -> Profile {
        Profile {
            name: "homekit",
            group: &GROUP_3072,
            hash: HashAlg::Sha512,
            k: (Enc::Minimal, Enc::PadN),
            x: XRule {
                hash: HashAlg::Sha512,
                salt: SaltEnc::AsGiven,
                username: true,
            },
            u: Enc::PadN,
            key: KeyRule::Hash(Enc::PadN),
            m1: M1Rule::Rfc2945 {
                g: Enc::Minimal,
                ab: Enc::PadN,
            },
            m2: M2Rule::Amk(Enc::PadN),
            proof: ProofEnc::Full,
            secret_len: 32,
            salt_len: 16,
        }
    }

    /// `secure-remote-password`: npm `secure-remote-password` (LinusU): 2048 bits, SHA-256.
    ///
    /// - `k = H(N | g)` (g unpadded), `x = H(s | H(I | ":" | P))`, `u = H(PAD(A) | PAD(B))`
    /// - `K = H(PAD(S))`, `M1 = H(H(N) xor H(g) | H(I) | s | PAD(A) | PAD(B) | K)`,
    ///   `M2 = H(PAD(A) | M1 | K)`.
    pub fn secure_remote_password() -> Profile {
        Profile {
            name: "secure-remote-password",
            group: &GROUP_2048,
            hash: HashAlg::Sha256,
            k: (Enc::Minimal, Enc::Minimal),
            x: XRule {
                hash: HashAlg::Sha256,
                salt: SaltEnc::AsGiven,
                username: true,
            },
            salt_len: 32,
            ..Profile::homekit()
        }
    }

    /// `apple-gsa`: Apple's GrandSlam (iCloud) SRP, as its Python clients drive PyPI `srp`
    /// (`rfc5054_enable()`, `no_username_in_x()`, SHA-256, 2048 bits).
    ///
    /// - `x = H(s | H(":" | P))`: no username in x. (GSA's P is itself
    ///   `PBKDF2-SHA-256(SHA-256(password), s, iterations)`, computed by the caller.)
    /// - `k = H(N | PAD(g))`, `u = H(PAD(A) | PAD(B))`, `K = H(MIN(S))`
    /// - `M1 = H(H(N) xor H(PAD(g)) | H(I) | s | MIN(A) | MIN(B) | K)` (g padded),
    ///   `M2 = H(MIN(A) | M1 | K)`.
    pub fn apple_gsa() -> Profile {
        Profile {
            name: "apple-gsa",
            hash: HashAlg::Sha256,
            x: XRule {
                hash: HashAlg::Sha256,
                salt: SaltEnc::AsGiven,
                username: false,
            },
            m1: M1Rule::Rfc2945 {
                g: Enc::PadN,
                ab: Enc::Minimal,
            },
            ..Profile::rfc5054()
        }
    }

    /// `cognito`: AWS Cognito `USER_SRP_AUTH`, as amazon-cognito-identity-js's
    /// `AuthenticationHelper` and `CognitoUser`: [`COGNITO_3072`] (g = 2), SHA-256, integers
    /// hashed as `TWOS`.
    ///
    /// - `k = H(TWOS(N) | TWOS(g))`, `x = H(TWOS(s) | H(I | ":" | P))` with I = pool name
    ///   (the part of the pool id after `_`) followed by the user id, `u = H(TWOS(A) | TWOS(B))`
    /// - `K = HKDF-SHA-256(salt = TWOS(u), ikm = TWOS(S), "Caldera Derived Key", 16 bytes)`
    /// - M1 is the password claim signature `HMAC-SHA-256(K, pool name | user id | secret
    ///   block | timestamp)`; no M2 (Cognito answers with tokens).
    /// - a is 128 random bytes, as the JavaScript client.
    pub fn cognito() -> Profile {
        Profile {
            name: "cognito",
            group: &COGNITO_3072,
            hash: HashAlg::Sha256,
            k: (Enc::TwosComplement, Enc::TwosComplement),
            x: XRule {
                hash: HashAlg::Sha256,
                salt: SaltEnc::TwosComplement,
                username: true,
            },
            u: Enc::TwosComplement,
            key: KeyRule::CognitoHkdf,
            m1: M1Rule::CognitoClaim,
            m2: M2Rule::None,
            proof: ProofEnc::Full,
            secret_len: 128,
            salt_len: 16,
        }
    }

    /// `rustcrypto-srp-0.6`: the Rust `srp` crate 0.6 (`SrpClient`/`SrpServer`), with SHA-256
    /// and the 2048-bit group (0.6 is generic over both).
    ///
    /// - `k = H(N | PAD(g))`, `x = H(s | H(I | ":" | P))`, `u = H(MIN(A) | MIN(B))` (not padded)
    /// - `K = MIN(S)` (0.6's `key()` is the premaster itself, unhashed: hash it before use),
    ///   `M1 = H(MIN(A) | MIN(B) | K)`, `M2 = H(MIN(A) | M1 | K)`.
    pub fn rustcrypto_srp_0_6() -> Profile {
        Profile {
            name: "rustcrypto-srp-0.6",
            hash: HashAlg::Sha256,
            x: XRule {
                hash: HashAlg::Sha256,
                salt: SaltEnc::AsGiven,
                username: true,
            },
            u: Enc::Minimal,
            key: KeyRule::Premaster(Enc::Minimal),
            m1: M1Rule::Abk(Enc::Minimal),
            ..Profile::rfc5054()
        }
    }

    /// The named profiles, by the names used in this crate's docs and the example service.
    pub fn by_name(name: &str) -> Option<Profile> {
        Some(match name {
            "rfc5054" => Profile::rfc5054(),
            "rfc5054-sha256" => Profile::rfc5054_sha256(),
            "rfc5054-sha512" => Profile::rfc5054_sha512(),
            "node-srp" => Profile::node_srp(),
            "posterity" => Profile::posterity(),
            "homekit" => Profile::homekit(),
            "secure-remote-password" => Profile::secure_remote_password(),
            "apple-gsa" => Profile::apple_gsa(),
            "cognito" => Profile::cognito(),
            "rustcrypto-srp-0.6" => Profile::rustcrypto_srp_0_6(),
            _ => return None,
        })
    }

    /// Every named profile.
    pub fn all_named() -> Vec<Profile> {
        NAMES.iter().filter_map(|n| Profile::by_name(n)).collect()
    }

    /// The same profile with another group (the name is kept: a saved state also records
    /// the group).
    pub fn with_group(mut self, group: &'static SrpGroup) -> Profile {
        self.group = group;
        self
    }
}

/// The names [`Profile::by_name`] knows.
pub const NAMES: [&str; 10] = [
    "rfc5054",
    "rfc5054-sha256",
    "rfc5054-sha512",
    "node-srp",
    "posterity",
    "homekit",
    "secure-remote-password",
    "apple-gsa",
    "cognito",
    "rustcrypto-srp-0.6",
];
