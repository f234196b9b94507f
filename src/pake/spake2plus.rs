//! SPAKE2+ ([RFC 9383]) over P-256 with SHA-256, HKDF-SHA256 and HMAC-SHA256, exactly as
//! BoringSSL computes it (`crypto/spake2plus/`), the peer we interoperate with.
//!
//! SPAKE2+ is an augmented PAKE: the *prover* (the TLS client) knows the password, the
//! *verifier* (the TLS server) stores only `w0` and the registration record `L = w1*P`, from
//! which it cannot run the protocol as the prover (though it can still guess passwords
//! offline against them).
//!
//! # What BoringSSL does, and so what we do
//!
//! - **Registration** ([`register`], `SSL_spake2plusv1_register`; RFC 9383 section 3.2's
//!   recommended method): `w0s || w1s = scrypt(len(pw) || pw || len(idProver) || idProver ||
//!   len(idVerifier) || idVerifier, salt = "", N = 32768, r = 8, p = 1)`, 80 bytes, lengths as
//!   8-byte little-endian integers; `w0 = w0s mod n`, `w1 = w1s mod n` (each half is 40 bytes,
//!   `ceil(log2(n)) + 64` bits, so the reduction's bias is below 2^-64); `L = w1*P`, SEC1
//!   uncompressed (65 bytes). The scrypt parameters are RFC 9383's recommendation; there is no
//!   salt (the identities play its part).
//! - **Shares**: `X = x*P + w0*M` (shareP), `Y = y*P + w0*N` (shareV), with RFC 9383's P-256
//!   `M` and `N` (appendix B seeds), every point SEC1 uncompressed.
//! - **Shared points**: the prover computes `Z = x*(Y - w0*N)`, `V = w1*(Y - w0*N)`; the
//!   verifier `Z = y*(X - w0*M)`, `V = y*L` (P-256's cofactor is 1).
//! - **Transcript and keys** (sections 3.3 and 3.4): `TT` is the length-prefixed
//!   (8-byte little-endian) concatenation of Context, idProver, idVerifier, M, N, shareP,
//!   shareV, Z, V and w0 (32 bytes); `K_main = SHA-256(TT)`;
//!   `K_confirmP || K_confirmV = HKDF-SHA256(salt = nil, K_main, "ConfirmationKeys")`, 64 bytes;
//!   `K_shared = HKDF-SHA256(salt = nil, K_main, "SharedKey")`, 32 bytes;
//!   `confirmP = HMAC-SHA256(K_confirmP, shareV)`, `confirmV = HMAC-SHA256(K_confirmV, shareP)`.
//!   This is RFC 9383 word for word: BoringSSL reproduces the RFC's appendix C vector, and so
//!   do we (tests below).
//! - **Context**: the application's; BoringSSL's TLS credentials take it from the caller
//!   (`SSL_CREDENTIAL_new_spake2plusv1_*`) and use the empty string when none is given.
//!
//! In TLS 1.3 this is the named PAKE `SPAKE2PLUS_V1`, codepoint `0x7d96`
//! (draft-bmw-tls-pake13, now draft-ietf-tls-pake): an **experimental** codepoint that may
//! change as the draft evolves, as BoringSSL itself warns.
//!
//! # Secrets
//!
//! `w0`, `w1`, `x`, `y`, `Z`, `V` and every key are secret. Scalar multiplications and
//! point formulas are ours (`pake::curve`, over our P-256 field `pake::field`; p256
//! supplies the scalars mod n), and comparisons of confirmations use `subtle`. Branches are
//! taken only on public facts: a peer's share failing to decode, or unmasking to the
//! identity (which only a peer who knows `w0` can cause), where we abort as BoringSSL does.
//! Scalars, points and keys we hold are zeroized on drop; the hash, HKDF and HMAC states and
//! scrypt's internal buffers (inside the `scrypt` crate) are not.
//!
//! # Scalar multiplication
//!
//! Each side makes three multiplications of fixed points (`P`, `M`, `N`: its share and the
//! unmasking of the peer's) and two of points it learns during the exchange (`Z` and `V`).
//! p256's own `ProjectivePoint * Scalar` treats all five alike (4-bit unsigned windows, 256
//! doublings); here:
//!
//! - **Fixed bases** (`curve::FixedBase`): for each of `P`, `M`, `N`, a table of affine
//!   `j * 256^i * B` (`j` in 1..=8, `i` in 0..33; built once per process on first use, one
//!   inversion a table), the scalar in signed radix 16 (65 digits in [-8, 8]): 65 complete
//!   mixed additions and 4 doublings.
//! - **Prepared keys**: `w0*M` and `w0*N` depend on the credential only. The client computes
//!   them once per credential ([`PreparedProver`]); a server store computes them once per
//!   record ([`PreparedRecord`]: the in-memory and file stores keep every record prepared,
//!   and the server's decoy for unknown users is prepared too, so both cost the same). A
//!   share then costs one fixed-base multiplication and an addition.
//! - **Variable bases** (`curve::Multiples`): `1*B..8*B`, then 64 rounds of 4 doublings and one
//!   addition of a signed digit's multiple, in Jacobian coordinates (cheaper doublings; the
//!   one exceptional addition is handled); the prover's `Z` and `V` share one table for
//!   `Y - w0*N`, the unmasked share enters Jacobian coordinates without an inversion, and
//!   both sides encode `Z` and `V` with one inversion.
//!
//! Every table lookup reads all eight entries with `subtle`'s conditional selection and
//! negates with a conditional negation; the digit recoding has no branch; additions and
//! doublings are complete formulas, or (Jacobian) used where the exceptional case cannot
//! arise or is selected away, never branched on. Measured with `benches/compare_pake.sh`
//! (Intel Xeon, 2026-12-03): a full handshake takes 0.76-0.94x BoringSSL's CPU on the
//! client and 0.78-0.96x on the server (0.96-1.04x with a store whose records are not
//! prepared); on p256's field and complete projective formulas it took 1.14x and 1.54x.
//!
//! [RFC 9383]: https://www.rfc-editor.org/rfc/rfc9383.html

use core::fmt;
use std::sync::LazyLock;

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use p256::elliptic_curve::ff::{Field, PrimeField};
use p256::elliptic_curve::ops::Reduce;
use p256::{FieldBytes, Scalar, U256};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::curve::{mul_fixed, Affine, EncodedPair, FixedBase, Jacobian, Multiples, Projective};

/// Length of a share (`shareP = X`, `shareV = Y`): a SEC1 uncompressed P-256 point.
pub const SHARE_LEN: usize = 65;
/// Length of a key confirmation message (`confirmP`, `confirmV`): an HMAC-SHA256 tag.
pub const CONFIRM_LEN: usize = 32;
/// Length of the shared secret `K_shared`.
pub const SECRET_LEN: usize = 32;
/// Length of an encoded scalar (`w0`, `w1`, `x`, `y`): big-endian, below the group order.
pub const SCALAR_LEN: usize = 32;
/// Length of the registration record `L = w1*P`: a SEC1 uncompressed P-256 point.
pub const RECORD_LEN: usize = 65;

/// RFC 9383 appendix B, P-256: `M` (seed "1.2.840.10045.3.1.7 point generation seed (M)"),
/// printed there compressed (`02886e2f...8fa12f`), here uncompressed, as it enters `TT`.
const M: [u8; SHARE_LEN] = hex_array(
    "04886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f\
     5ff355163e43ce224e0b0e65ff02ac8e5c7be09419c785e0ca547d55a12e2d20",
);

/// RFC 9383 appendix B, P-256: `N` (seed "1.2.840.10045.3.1.7 point generation seed (N)"),
/// printed there compressed (`03d8bbd6...292b49`), here uncompressed.
const N: [u8; SHARE_LEN] = hex_array(
    "04d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49\
     07d60aa6bfade45008a636337f5168c64d9bd36034808cd564490b1e656edbe7",
);

/// The generator `P` of P-256 (SEC 2), uncompressed.
const GENERATOR: [u8; SHARE_LEN] = hex_array(
    "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\
     4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
);

/// scrypt's cost for registration, RFC 9383 section 3.2's recommendation and BoringSSL's:
/// N = 2^15 = 32768 (32 MiB of memory with r = 8), r = 8, p = 1.
const SCRYPT_LOG_N: u8 = 15;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;
/// Each half of scrypt's output: `ceil(log2(n)) + 64` bits (section 3.2), 40 bytes for P-256.
const HALF_LEN: usize = 40;

/// Why a SPAKE2+ step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spake2PlusError {
    /// The peer's share is not a 65-byte SEC1 uncompressed point on P-256, or it unmasks to
    /// the identity (`Y - w0*N` or `X - w0*M` is the identity, so `Z` would be too).
    InvalidShare,
    /// The peer's key confirmation is wrong (or of the wrong length): it does not know the
    /// password (prover's view) or the registration record (verifier's view), or the two sides
    /// disagree on the context or the identities.
    ConfirmationMismatch,
    /// A registration record: `w0` is not a 32-byte scalar below the group order, or `L` is
    /// not a 65-byte SEC1 uncompressed point on P-256.
    InvalidRecord,
    /// A scalar (`w0`, `w1`, `x` or `y`) is not 32 bytes, is not below the group order, or is
    /// zero.
    InvalidScalar,
    /// The operating system's random number generator failed.
    RandomUnavailable,
}

impl fmt::Display for Spake2PlusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidShare => "invalid SPAKE2+ share",
            Self::ConfirmationMismatch => "SPAKE2+ key confirmation mismatch",
            Self::InvalidRecord => "invalid SPAKE2+ registration record",
            Self::InvalidScalar => "invalid SPAKE2+ scalar",
            Self::RandomUnavailable => "no random bytes from the operating system",
        })
    }
}

impl std::error::Error for Spake2PlusError {}

/// `w0` and `w1`: what a prover (client) derives from the password with [`register`].
/// Both are secret. Zeroized on drop; `Debug` shows neither.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ProverKeys {
    /// `w0`, big-endian, below the group order.
    pub w0: [u8; SCALAR_LEN],
    /// `w1`, big-endian, below the group order.
    pub w1: [u8; SCALAR_LEN],
}

impl fmt::Debug for ProverKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProverKeys")
            .field("w0", &"<redacted>")
            .field("w1", &"<redacted>")
            .finish()
    }
}

impl ProverKeys {
    /// `w0` and `w1` as stored by the application (32 bytes each, big-endian).
    ///
    /// # Errors
    ///
    /// [`Spake2PlusError::InvalidScalar`] when either is not 32 bytes, not below the group
    /// order, or zero.
    pub fn from_bytes(w0: &[u8], w1: &[u8]) -> Result<Self, Spake2PlusError> {
        let keys = Self {
            w0: scalar_bytes(w0)?,
            w1: scalar_bytes(w1)?,
        };
        keys.scalars()?;
        Ok(keys)
    }

    /// The verifier's half of the registration: `w0` and `L = w1*P`.
    ///
    /// # Panics
    ///
    /// When `w1` was set (through the public field) to zero or to a value not below the group
    /// order, which [`ProverKeys::from_bytes`] and [`register`] never produce.
    #[must_use]
    pub fn record(&self) -> VerifierRecord {
        let (w0, w1) = self
            .scalars()
            .expect("ProverKeys holds valid nonzero w0 and w1");
        let l = *mul_fixed([(&BASES.p, &w1)])
            .encode()
            .expect("w1*P is not the identity for a nonzero w1");
        VerifierRecord {
            w0: w0.to_bytes().into(),
            l,
        }
    }

    /// `w0` and `w1` as scalars.
    fn scalars(&self) -> Result<(Zeroizing<Scalar>, Zeroizing<Scalar>), Spake2PlusError> {
        Ok((nonzero_scalar(&self.w0)?, nonzero_scalar(&self.w1)?))
    }
}

/// `w0` and the registration record `L = w1*P`: what a verifier (server) stores for a user.
/// `w0` is secret (redacted from `Debug`); `L` is shown in hex. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct VerifierRecord {
    /// `w0`, big-endian, below the group order.
    pub w0: [u8; SCALAR_LEN],
    /// `L = w1*P`, SEC1 uncompressed.
    pub l: [u8; RECORD_LEN],
}

impl fmt::Debug for VerifierRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Hex<'a>(&'a [u8]);
        impl fmt::Debug for Hex<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
        f.debug_struct("VerifierRecord")
            .field("w0", &"<redacted>")
            .field("l", &Hex(&self.l))
            .finish()
    }
}

impl VerifierRecord {
    /// `w0` (32 bytes, big-endian) and `L` (65 bytes, SEC1 uncompressed) as stored by the
    /// application.
    ///
    /// # Errors
    ///
    /// [`Spake2PlusError::InvalidRecord`] when `w0` is not 32 bytes, not below the group
    /// order or zero, or `L` is not an uncompressed point on P-256.
    pub fn from_bytes(w0: &[u8], l: &[u8]) -> Result<Self, Spake2PlusError> {
        let record = Self {
            w0: scalar_bytes(w0).map_err(|_| Spake2PlusError::InvalidRecord)?,
            l: l.try_into().map_err(|_| Spake2PlusError::InvalidRecord)?,
        };
        record.parts()?;
        Ok(record)
    }

    /// `w0` as a scalar and `L` as a point.
    fn parts(&self) -> Result<(Zeroizing<Scalar>, Affine), Spake2PlusError> {
        let w0 = nonzero_scalar(&self.w0).map_err(|_| Spake2PlusError::InvalidRecord)?;
        let l = Affine::decode(&self.l).ok_or(Spake2PlusError::InvalidRecord)?;
        Ok((w0, l))
    }
}

/// A verifier record with `w0*M` and `w0*N` computed once (as [`PreparedProver`] for the
/// client): a server that keeps its records in memory keeps them prepared, and each
/// exchange ([`Verifier::respond_prepared`]) then makes two fixed-base multiplications fewer.
/// Zeroized on drop; `Debug` shows nothing secret.
pub struct PreparedRecord {
    record: VerifierRecord,
    w0: Scalar,
    l: Affine,
    w0_m: Projective,
    w0_n: Projective,
}

impl fmt::Debug for PreparedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedRecord")
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

impl Drop for PreparedRecord {
    fn drop(&mut self) {
        self.w0.zeroize();
        self.l.zeroize();
        self.w0_m.zeroize();
        self.w0_n.zeroize();
    }
}

impl PreparedRecord {
    /// Checks `record` and computes `w0*M` and `w0*N` (two fixed-base multiplications, about
    /// 30 µs).
    ///
    /// # Errors
    ///
    /// [`Spake2PlusError::InvalidRecord`] as [`VerifierRecord::from_bytes`].
    pub fn new(record: VerifierRecord) -> Result<Self, Spake2PlusError> {
        let (w0, l) = record.parts()?;
        Ok(Self {
            w0_m: mul_fixed([(&BASES.m, &*w0)]),
            w0_n: mul_fixed([(&BASES.n, &*w0)]),
            w0: *w0,
            l,
            record,
        })
    }

    /// The record.
    pub fn record(&self) -> &VerifierRecord {
        &self.record
    }

    /// Reads the prepared values as an exchange would, for a store's lookup: the record it
    /// found, or on a miss one it holds, so that an unknown user's lookup does the same work
    /// and touches as much memory as a known one's.
    pub fn read_as_an_exchange_would(&self) {
        let bytes = self.record.w0.iter().chain(&self.record.l);
        let word = bytes.fold(0u64, |acc, &b| acc.rotate_left(8) ^ u64::from(b));
        let w0 = Zeroizing::new(<[u8; SCALAR_LEN]>::from(self.w0.to_bytes()));
        let scalar = w0.iter().fold(0u8, |acc, b| acc ^ b);
        core::hint::black_box(
            word ^ u64::from(scalar) ^ self.l.fold() ^ self.w0_m.fold() ^ self.w0_n.fold(),
        );
    }
}

/// Offline registration (RFC 9383 section 3.2, as BoringSSL's `SSL_spake2plusv1_register`):
/// the prover's `w0` and `w1`, and the verifier's record (`w0`, `L`), from the password and
/// the two identities. Slow on purpose: scrypt with N = 32768, r = 8, p = 1 (32 MiB).
///
/// # Panics
///
/// Never in practice: only if scrypt's fixed, valid parameters were rejected, or `w1` reduced
/// to zero (probability 2^-256).
#[must_use]
pub fn register(
    password: &[u8],
    id_prover: &[u8],
    id_verifier: &[u8],
) -> (ProverKeys, VerifierRecord) {
    let mut input = Zeroizing::new(Vec::with_capacity(
        3 * 8 + password.len() + id_prover.len() + id_verifier.len(),
    ));
    for field in [password, id_prover, id_verifier] {
        input.extend_from_slice(&len_prefix(field));
        input.extend_from_slice(field);
    }
    let params = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)
        .expect("RFC 9383's scrypt parameters are valid");
    let mut output = Zeroizing::new([0u8; 2 * HALF_LEN]);
    scrypt::scrypt(&input, b"", &params, &mut output[..])
        .expect("80 bytes is a valid scrypt output length");
    let (w0s, w1s) = output.split_at(HALF_LEN);
    let w0 = reduce_wide(w0s.try_into().expect("40-byte half"));
    let w1 = reduce_wide(w1s.try_into().expect("40-byte half"));
    let keys = ProverKeys {
        w0: w0.to_bytes().into(),
        w1: w1.to_bytes().into(),
    };
    let record = keys.record();
    (keys, record)
}

/// A prover's keys with `w0*M` and `w0*N` computed once, for a client that logs in many
/// times with one credential (as BoringSSL's credential object): each exchange
/// ([`Prover::start_prepared`]) then saves two fixed-base multiplications. Zeroized on drop;
/// `Debug` shows nothing secret.
#[derive(Clone)]
pub struct PreparedProver {
    keys: ProverKeys,
    w0_m: Projective,
    w0_n: Projective,
}

impl fmt::Debug for PreparedProver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedProver").finish_non_exhaustive()
    }
}

impl Drop for PreparedProver {
    fn drop(&mut self) {
        self.w0_m.zeroize();
        self.w0_n.zeroize();
    }
}

impl PreparedProver {
    /// Computes `w0*M` and `w0*N` for `keys`.
    ///
    /// # Errors
    ///
    /// [`Spake2PlusError::InvalidScalar`] when `keys` holds an invalid `w0` or `w1` (set
    /// through its public fields).
    pub fn new(keys: ProverKeys) -> Result<Self, Spake2PlusError> {
        let (w0, _) = keys.scalars()?;
        Ok(Self {
            w0_m: mul_fixed([(&BASES.m, &*w0)]),
            w0_n: mul_fixed([(&BASES.n, &*w0)]),
            keys,
        })
    }

    /// The keys.
    pub fn keys(&self) -> &ProverKeys {
        &self.keys
    }
}

/// The prover (client) between sending its share and receiving the verifier's.
/// Its secrets (`w0`, `w1`, `x`, `w0*N`) are zeroized on drop.
pub struct Prover {
    transcript: Sha256,
    w0: Scalar,
    w1: Scalar,
    x: Scalar,
    w0_n: Projective,
    share_p: [u8; SHARE_LEN],
}

impl fmt::Debug for Prover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prover").finish_non_exhaustive()
    }
}

impl Drop for Prover {
    fn drop(&mut self) {
        self.w0.zeroize();
        self.w1.zeroize();
        self.x.zeroize();
        self.w0_n.zeroize();
    }
}

/// What the prover ends with once the verifier's confirmation checked out.
pub struct ProverOutcome {
    /// `confirmP`, for the verifier.
    pub confirm_p: [u8; CONFIRM_LEN],
    /// `K_shared`.
    pub secret: Zeroizing<[u8; SECRET_LEN]>,
}

impl fmt::Debug for ProverOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProverOutcome").finish_non_exhaustive()
    }
}

impl Prover {
    /// Starts the protocol: a random `x` and our share `shareP = X = x*P + w0*M`, to send.
    /// `context`, `id_prover` and `id_verifier` must be the ones the verifier uses (and the
    /// identities those given to [`register`]).
    ///
    /// # Errors
    ///
    /// [`Spake2PlusError::InvalidScalar`] when `keys` holds an invalid `w0` or `w1` (set
    /// through its public fields); [`Spake2PlusError::RandomUnavailable`] when the OS gives no
    /// random bytes.
    pub fn start(
        context: &[u8],
        id_prover: &[u8],
        id_verifier: &[u8],
        keys: &ProverKeys,
    ) -> Result<(Self, [u8; SHARE_LEN]), Spake2PlusError> {
        let x = random_scalar()?;
        Self::start_inner(context, id_prover, id_verifier, keys, x)
    }

    /// [`Prover::start`] with a given `x` (32 bytes, big-endian, nonzero, below the group
    /// order), for test vectors. Never use a fixed `x` in a real exchange.
    ///
    /// # Errors
    ///
    /// As [`Prover::start`]; [`Spake2PlusError::InvalidScalar`] for an invalid `x`.
    #[doc(hidden)]
    pub fn start_with_x(
        context: &[u8],
        id_prover: &[u8],
        id_verifier: &[u8],
        keys: &ProverKeys,
        x: &[u8; SCALAR_LEN],
    ) -> Result<(Self, [u8; SHARE_LEN]), Spake2PlusError> {
        let x = nonzero_scalar(x)?;
        Self::start_inner(context, id_prover, id_verifier, keys, x)
    }

    /// [`Prover::start`] with keys prepared once ([`PreparedProver`]): the same exchange,
    /// two fixed-base multiplications fewer.
    ///
    /// # Errors
    ///
    /// [`Spake2PlusError::RandomUnavailable`] when the OS gives no random bytes.
    pub fn start_prepared(
        context: &[u8],
        id_prover: &[u8],
        id_verifier: &[u8],
        prepared: &PreparedProver,
    ) -> Result<(Self, [u8; SHARE_LEN]), Spake2PlusError> {
        Self::start_prepared_inner(context, id_prover, id_verifier, prepared, random_scalar()?)
    }

    fn start_prepared_inner(
        context: &[u8],
        id_prover: &[u8],
        id_verifier: &[u8],
        prepared: &PreparedProver,
        x: Zeroizing<Scalar>,
    ) -> Result<(Self, [u8; SHARE_LEN]), Spake2PlusError> {
        let (w0, w1) = prepared.keys.scalars()?;
        // x*P, with the share, would give w0*M: as secret as w0 itself.
        let x_p = Zeroizing::new(mul_fixed([(&BASES.p, &*x)]));
        let point = Zeroizing::new(x_p.add(&prepared.w0_m));
        // As in `masked_share`: the identity only for x = -w0*log_P(M), which nobody knows.
        let share_p = *point.encode().ok_or(Spake2PlusError::InvalidScalar)?;
        let prover = Self {
            transcript: transcript_start(context, id_prover, id_verifier),
            w0: *w0,
            w1: *w1,
            x: *x,
            w0_n: prepared.w0_n,
            share_p,
        };
        Ok((prover, share_p))
    }

    fn start_inner(
        context: &[u8],
        id_prover: &[u8],
        id_verifier: &[u8],
        keys: &ProverKeys,
        x: Zeroizing<Scalar>,
    ) -> Result<(Self, [u8; SHARE_LEN]), Spake2PlusError> {
        let (w0, w1) = keys.scalars()?;
        let share_p = masked_share(&x, &w0, &BASES.m)?;
        let prover = Self {
            transcript: transcript_start(context, id_prover, id_verifier),
            w0: *w0,
            w1: *w1,
            x: *x,
            w0_n: mul_fixed([(&BASES.n, &*w0)]),
            share_p,
        };
        Ok((prover, share_p))
    }

    /// Takes the verifier's share `shareV = Y` and confirmation `confirmV`; checks the
    /// confirmation (in constant time) and gives ours (`confirmP`, to send) and `K_shared`.
    ///
    /// # Errors
    ///
    /// [`Spake2PlusError::InvalidShare`] when `share_v` is not an uncompressed P-256 point or
    /// unmasks to the identity; [`Spake2PlusError::ConfirmationMismatch`] when `confirm_v` is
    /// wrong: the verifier does not hold this password's record, or the context or identities
    /// differ.
    pub fn finish(
        self,
        share_v: &[u8],
        confirm_v: &[u8],
    ) -> Result<ProverOutcome, Spake2PlusError> {
        let y_point = Affine::decode(share_v).ok_or(Spake2PlusError::InvalidShare)?;
        let (z, v) = prover_shared_points(&self.x, &self.w0_n, &self.w1, &y_point)?;
        let k_main = transcript_finish(
            self.transcript.clone(),
            &self.share_p,
            share_v,
            &z,
            &v,
            &self.w0,
        );
        let keys = KeySchedule::new(&k_main, &self.share_p, share_v);
        if !bool::from(keys.confirm_v.ct_eq(confirm_v)) {
            return Err(Spake2PlusError::ConfirmationMismatch);
        }
        Ok(ProverOutcome {
            confirm_p: keys.confirm_p,
            secret: keys.secret.clone(),
        })
    }
}

/// The verifier (server) after answering the prover's share: it holds only the `confirmP` it
/// expects (zeroized on drop).
pub struct Verifier {
    expected_confirm_p: Zeroizing<[u8; CONFIRM_LEN]>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier").finish_non_exhaustive()
    }
}

/// The verifier's answer to the prover's share.
pub struct VerifierResponse {
    /// `shareV = Y`, to send.
    pub share_v: [u8; SHARE_LEN],
    /// `confirmV`, to send.
    pub confirm_v: [u8; CONFIRM_LEN],
    /// `K_shared`; to be trusted only once [`Verifier::check_confirmation`] succeeded.
    pub secret: Zeroizing<[u8; SECRET_LEN]>,
}

impl fmt::Debug for VerifierResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierResponse").finish_non_exhaustive()
    }
}

impl Verifier {
    /// Takes the prover's share; gives our share, our confirmation and the shared secret.
    /// `context`, `id_prover` and `id_verifier` must be the ones the prover uses.
    ///
    /// # Errors
    ///
    /// [`Spake2PlusError::InvalidShare`] when `share_p` is not an uncompressed P-256 point or
    /// unmasks to the identity; [`Spake2PlusError::InvalidRecord`] when `record` holds an
    /// invalid `w0` or `L` (set through its public fields);
    /// [`Spake2PlusError::RandomUnavailable`] when the OS gives no random bytes.
    pub fn respond(
        context: &[u8],
        id_prover: &[u8],
        id_verifier: &[u8],
        record: &VerifierRecord,
        share_p: &[u8],
    ) -> Result<(Self, VerifierResponse), Spake2PlusError> {
        let prepared = PreparedRecord::new(record.clone())?;
        Self::respond_prepared(context, id_prover, id_verifier, &prepared, share_p)
    }

    /// [`Verifier::respond`] with a record prepared ahead ([`PreparedRecord`]: two
    /// fixed-base multiplications fewer per exchange).
    ///
    /// # Errors
    ///
    /// As [`Verifier::respond`].
    pub fn respond_prepared(
        context: &[u8],
        id_prover: &[u8],
        id_verifier: &[u8],
        record: &PreparedRecord,
        share_p: &[u8],
    ) -> Result<(Self, VerifierResponse), Spake2PlusError> {
        let y = random_scalar()?;
        Self::respond_inner(context, id_prover, id_verifier, record, share_p, &y)
    }

    /// [`Verifier::respond`] with a given `y` (32 bytes, big-endian, nonzero, below the group
    /// order), for test vectors. Never use a fixed `y` in a real exchange.
    ///
    /// # Errors
    ///
    /// As [`Verifier::respond`]; [`Spake2PlusError::InvalidScalar`] for an invalid `y`.
    #[doc(hidden)]
    pub fn respond_with_y(
        context: &[u8],
        id_prover: &[u8],
        id_verifier: &[u8],
        record: &VerifierRecord,
        share_p: &[u8],
        y: &[u8; SCALAR_LEN],
    ) -> Result<(Self, VerifierResponse), Spake2PlusError> {
        let y = nonzero_scalar(y)?;
        let prepared = PreparedRecord::new(record.clone())?;
        Self::respond_inner(context, id_prover, id_verifier, &prepared, share_p, &y)
    }

    fn respond_inner(
        context: &[u8],
        id_prover: &[u8],
        id_verifier: &[u8],
        record: &PreparedRecord,
        share_p: &[u8],
        y: &Scalar,
    ) -> Result<(Self, VerifierResponse), Spake2PlusError> {
        let x_point = Affine::decode(share_p).ok_or(Spake2PlusError::InvalidShare)?;
        // Y = y*P + w0*N, complete addition; the identity only for y = -w0*log_P(N).
        // y*P, with the share, would give w0*N: as secret as w0 itself.
        let y_p = Zeroizing::new(mul_fixed([(&BASES.p, y)]));
        let y_point = Zeroizing::new(y_p.add(&record.w0_n));
        let share_v = *y_point.encode().ok_or(Spake2PlusError::InvalidScalar)?;
        let (z, v) = verifier_shared_points(y, &record.w0_m, &record.l, &x_point)?;
        let k_main = transcript_finish(
            transcript_start(context, id_prover, id_verifier),
            share_p,
            &share_v,
            &z,
            &v,
            &record.w0,
        );
        let keys = KeySchedule::new(&k_main, share_p, &share_v);
        let verifier = Self {
            expected_confirm_p: Zeroizing::new(keys.confirm_p),
        };
        let response = VerifierResponse {
            share_v,
            confirm_v: keys.confirm_v,
            secret: keys.secret.clone(),
        };
        Ok((verifier, response))
    }

    /// Checks the prover's `confirmP`, in constant time.
    ///
    /// # Errors
    ///
    /// [`Spake2PlusError::ConfirmationMismatch`] when it is wrong: the prover does not know
    /// the password, or the context or identities differ.
    pub fn check_confirmation(&self, confirm_p: &[u8]) -> Result<(), Spake2PlusError> {
        if bool::from(self.expected_confirm_p[..].ct_eq(confirm_p)) {
            Ok(())
        } else {
            Err(Spake2PlusError::ConfirmationMismatch)
        }
    }
}

/// `k*P + w0*mask` (`X` with `mask = M`, `Y` with `mask = N`), encoded, in constant time.
fn masked_share(
    k: &Scalar,
    w0: &Scalar,
    mask: &FixedBase,
) -> Result<[u8; SHARE_LEN], Spake2PlusError> {
    let point = Zeroizing::new(mul_fixed([(&BASES.p, k), (mask, w0)]));
    // Only the identity has no uncompressed encoding, and k*P + w0*mask is the identity only
    // for k = -w0*log_P(mask): nobody knows the discrete logarithm of M or N, so this cannot
    // happen, but it is an error rather than a panic.
    Ok(*point.encode().ok_or(Spake2PlusError::InvalidScalar)?)
}

/// `Z` and `V`, encoded (secret: zeroized on drop).
type SharedPoints = EncodedPair;

/// The prover's `Z = x*(Y - w0*N)` and `V = w1*(Y - w0*N)`, encoded.
fn prover_shared_points(
    x: &Scalar,
    w0_n: &Projective,
    w1: &Scalar,
    share_v: &Affine,
) -> Result<SharedPoints, Spake2PlusError> {
    let base = unmask(share_v, w0_n)?;
    let multiples = Multiples::new(&base);
    let z = Zeroizing::new(multiples.mul(x));
    let v = Zeroizing::new(multiples.mul(w1));
    Jacobian::encode_pair(&z, &v).ok_or(Spake2PlusError::InvalidShare)
}

/// The verifier's `Z = y*(X - w0*M)` and `V = y*L`, encoded (`l`: a validated record's).
fn verifier_shared_points(
    y: &Scalar,
    w0_m: &Projective,
    l: &Affine,
    share_p: &Affine,
) -> Result<SharedPoints, Spake2PlusError> {
    let base = unmask(share_p, w0_m)?;
    let z = Zeroizing::new(Multiples::new(&base).mul(y));
    let record = Zeroizing::new(Jacobian::from_affine(l));
    let v = Zeroizing::new(Multiples::new(&record).mul(y));
    Jacobian::encode_pair(&z, &v).ok_or(Spake2PlusError::InvalidShare)
}

/// The peer's share unmasked, `share - masking` (`w0*N` or `w0*M`), in Jacobian coordinates
/// (no inversion: complete projective addition, then `(X*Z, Y*Z^2, Z)`); refused when it is
/// the identity (then `Z` would be too: BoringSSL fails the exchange there, on encoding `Z`).
/// With nonzero scalars and a prime-order group, `Z` and `V` are the identity only when it
/// (or `L`, which is validated) is.
fn unmask(share: &Affine, masking: &Projective) -> Result<Zeroizing<Jacobian>, Spake2PlusError> {
    let t = Zeroizing::new((-masking).add_affine(share));
    // Public: only a peer that knows w0 can send the share that unmasks to the identity.
    if bool::from(t.is_identity()) {
        return Err(Spake2PlusError::InvalidShare);
    }
    Ok(Zeroizing::new(t.jacobian()))
}

/// `TT`'s first fields, known before the shares: Context, idProver, idVerifier, M, N.
fn transcript_start(context: &[u8], id_prover: &[u8], id_verifier: &[u8]) -> Sha256 {
    let mut hash = Sha256::new();
    for field in [context, id_prover, id_verifier, &M, &N] {
        hash.update(len_prefix(field));
        hash.update(field);
    }
    hash
}

/// `K_main = Hash(TT)`, adding `TT`'s last fields: shareP, shareV, Z, V, w0.
fn transcript_finish(
    mut hash: Sha256,
    share_p: &[u8],
    share_v: &[u8],
    z: &[u8; SHARE_LEN],
    v: &[u8; SHARE_LEN],
    w0: &Scalar,
) -> Zeroizing<[u8; 32]> {
    let w0: Zeroizing<[u8; SCALAR_LEN]> = Zeroizing::new(w0.to_bytes().into());
    for field in [share_p, share_v, z, v, &w0[..]] {
        hash.update(len_prefix(field));
        hash.update(field);
    }
    Zeroizing::new(hash.finalize().into())
}

/// Everything derived from `K_main` (RFC 9383 section 3.4).
struct KeySchedule {
    confirm_p: [u8; CONFIRM_LEN],
    confirm_v: [u8; CONFIRM_LEN],
    secret: Zeroizing<[u8; SECRET_LEN]>,
}

impl Drop for KeySchedule {
    fn drop(&mut self) {
        // The verifier's copy of the confirmation it expects (the one it keeps is zeroized).
        self.confirm_p.zeroize();
    }
}

impl KeySchedule {
    fn new(k_main: &[u8; 32], share_p: &[u8], share_v: &[u8]) -> Self {
        let confirmation_keys = confirmation_keys(k_main);
        let (k_confirm_p, k_confirm_v) = confirmation_keys.split_at(32);
        Self {
            confirm_p: mac(k_confirm_p, share_v),
            confirm_v: mac(k_confirm_v, share_p),
            secret: shared_key(k_main),
        }
    }
}

/// `K_confirmP || K_confirmV = KDF(nil, K_main, "ConfirmationKeys")`, 32 bytes each.
fn confirmation_keys(k_main: &[u8; 32]) -> Zeroizing<[u8; 64]> {
    let mut keys = Zeroizing::new([0u8; 64]);
    Hkdf::<Sha256>::new(None, k_main)
        .expand(b"ConfirmationKeys", &mut keys[..])
        .expect("64 bytes is a valid HKDF-SHA256 output length");
    keys
}

/// `K_shared = KDF(nil, K_main, "SharedKey")`.
fn shared_key(k_main: &[u8; 32]) -> Zeroizing<[u8; SECRET_LEN]> {
    let mut secret = Zeroizing::new([0u8; SECRET_LEN]);
    Hkdf::<Sha256>::new(None, k_main)
        .expand(b"SharedKey", &mut secret[..])
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    secret
}

/// HMAC-SHA256.
fn mac(key: &[u8], message: &[u8]) -> [u8; CONFIRM_LEN] {
    let mut hmac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    hmac.update(message);
    hmac.finalize().into_bytes().into()
}

/// `len(field)` as TT and the PBKDF input encode it: 8 bytes, little-endian.
fn len_prefix(field: &[u8]) -> [u8; 8] {
    (field.len() as u64).to_le_bytes()
}

/// A 40-byte big-endian integer reduced mod n: zero-extended to 64 bytes, then
/// [`reduce_512`].
fn reduce_wide(half: &[u8; HALF_LEN]) -> Zeroizing<Scalar> {
    let mut wide = Zeroizing::new([0u8; 64]);
    wide[64 - HALF_LEN..].copy_from_slice(half);
    reduce_512(&wide)
}

/// A 64-byte big-endian integer `hi * 2^256 + lo` reduced mod n, in constant time:
/// `(hi mod n) * (2^256 mod n) + (lo mod n)`. p256's `Reduce<U256>` reduces any 256-bit
/// integer (one conditional subtraction: n > 2^255).
fn reduce_512(wide: &[u8; 64]) -> Zeroizing<Scalar> {
    let (hi, lo) = wide.split_at(32);
    let reduce = |half: &[u8]| {
        let mut bytes = Zeroizing::new(FieldBytes::default());
        bytes.copy_from_slice(half);
        Zeroizing::new(<Scalar as Reduce<U256>>::reduce_bytes(&bytes))
    };
    // 2^256 mod n = (2^256 - 1 - n) + 1.
    let two_256 = <Scalar as Reduce<U256>>::reduce(U256::MAX) + Scalar::ONE;
    Zeroizing::new(*reduce(hi) * two_256 + *reduce(lo))
}

/// A uniformly random nonzero scalar: 64 random bytes reduced mod n (bias below 2^-256).
fn random_scalar() -> Result<Zeroizing<Scalar>, Spake2PlusError> {
    let mut wide = Zeroizing::new([0u8; 64]);
    loop {
        getrandom::fill(&mut wide[..]).map_err(|_| Spake2PlusError::RandomUnavailable)?;
        let k = reduce_512(&wide);
        // Zero has probability 2^-256; the retry reveals nothing about the scalar kept.
        if !bool::from(k.is_zero()) {
            return Ok(k);
        }
    }
}

/// Exactly 32 bytes, copied.
fn scalar_bytes(bytes: &[u8]) -> Result<[u8; SCALAR_LEN], Spake2PlusError> {
    bytes.try_into().map_err(|_| Spake2PlusError::InvalidScalar)
}

/// A 32-byte big-endian scalar, below the group order and nonzero. Whether it is valid is
/// public (we refuse it); its value is not, and is checked in constant time.
fn nonzero_scalar(bytes: &[u8; SCALAR_LEN]) -> Result<Zeroizing<Scalar>, Spake2PlusError> {
    let repr = Zeroizing::new(FieldBytes::from(*bytes));
    let scalar: Option<Scalar> = Scalar::from_repr(*repr).into();
    let scalar = Zeroizing::new(scalar.ok_or(Spake2PlusError::InvalidScalar)?);
    if bool::from(scalar.is_zero()) {
        return Err(Spake2PlusError::InvalidScalar);
    }
    Ok(scalar)
}

/// `M` or `N` as a point.
fn constant(bytes: &[u8; SHARE_LEN]) -> Affine {
    Affine::decode(bytes).expect("RFC 9383's M and N are points on P-256")
}

/// The fixed-base tables of `P` (the generator), `M` and `N`, built on first use.
struct Bases {
    p: FixedBase,
    m: FixedBase,
    n: FixedBase,
}

static BASES: LazyLock<Bases> = LazyLock::new(|| Bases {
    p: FixedBase::new(&constant(&GENERATOR)),
    m: FixedBase::new(&constant(&M)),
    n: FixedBase::new(&constant(&N)),
});

/// Decodes a hex string at compile time (for the RFC's constants).
const fn hex_array<const LEN: usize>(hex: &str) -> [u8; LEN] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }
    let hex = hex.as_bytes();
    assert!(hex.len() == 2 * LEN, "hex string of the wrong length");
    let mut out = [0u8; LEN];
    let mut i = 0;
    while i < LEN {
        out[i] = (nibble(hex[2 * i]) << 4) | nibble(hex[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
    use p256::{AffinePoint, EncodedPoint, ProjectivePoint};

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).unwrap()
    }

    /// RFC 9383 appendix C, SPAKE2+-P256-SHA256-HKDF-SHA256-HMAC-SHA256 (identical in
    /// draft-bar-cfrg-spake2plus; BoringSSL a0689af29's Prover/Verifier reproduce it too).
    mod rfc {
        pub const CONTEXT: &[u8] = b"SPAKE2+-P256-SHA256-HKDF-SHA256-HMAC-SHA256 Test Vectors";
        pub const ID_PROVER: &[u8] = b"client";
        pub const ID_VERIFIER: &[u8] = b"server";
        pub const W0: &str = "bb8e1bbcf3c48f62c08db243652ae55d3e5586053fca77102994f23ad95491b3";
        pub const W1: &str = "7e945f34d78785b8a3ef44d0df5a1a97d6b3b460409a345ca7830387a74b1dba";
        pub const L: &str = "04eb7c9db3d9a9eb1f8adab81b5794c1f13ae3e225efbe91ea487425854c7f
            c00f00bfedcbd09b2400142d40a14f2064ef31dfaa903b91d1faea7093d835966efd";
        pub const X: &str = "d1232c8e8693d02368976c174e2088851b8365d0d79a9eee709c6a05a2fad539";
        pub const SHARE_P: &str = "04ef3bd051bf78a2234ec0df197f7828060fe9856503579bb17330090
            42c15c0c1de127727f418b5966afadfdd95a6e4591d171056b333dab97a79c7193e341727";
        pub const Y: &str = "717a72348a182085109c8d3917d6c43d59b224dc6a7fc4f0483232fa6516d8b3";
        pub const SHARE_V: &str = "04c0f65da0d11927bdf5d560c69e1d7d939a05b0e88291887d679fcad
            ea75810fb5cc1ca7494db39e82ff2f50665255d76173e09986ab46742c798a9a68437b048";
        pub const Z: &str = "04bbfce7dd7f277819c8da21544afb7964705569bdf12fb92aa388059408d5
            0091a0c5f1d3127f56813b5337f9e4e67e2ca633117a4fbd559946ab474356c41839";
        pub const V: &str = "0458bf27c6bca011c9ce1930e8984a797a3419797b936629a5a937cf2f11c8
            b9514b82b993da8a46e664f23db7c01edc87faa530db01c2ee405230b18997f16b68";
        pub const TT: &str = "38000000000000005350414b45322b2d503235362d5348413235362d484b4
            4462d5348413235362d484d41432d534841323536205465737420566563746f72730
            600000000000000636c69656e7406000000000000007365727665724100000000000
            00004886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12
            f5ff355163e43ce224e0b0e65ff02ac8e5c7be09419c785e0ca547d55a12e2d20410
            000000000000004d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f9
            8baa1292b4907d60aa6bfade45008a636337f5168c64d9bd36034808cd564490b1e6
            56edbe7410000000000000004ef3bd051bf78a2234ec0df197f7828060fe98565035
            79bb1733009042c15c0c1de127727f418b5966afadfdd95a6e4591d171056b333dab
            97a79c7193e341727410000000000000004c0f65da0d11927bdf5d560c69e1d7d939
            a05b0e88291887d679fcadea75810fb5cc1ca7494db39e82ff2f50665255d76173e0
            9986ab46742c798a9a68437b048410000000000000004bbfce7dd7f277819c8da215
            44afb7964705569bdf12fb92aa388059408d50091a0c5f1d3127f56813b5337f9e4e
            67e2ca633117a4fbd559946ab474356c4183941000000000000000458bf27c6bca01
            1c9ce1930e8984a797a3419797b936629a5a937cf2f11c8b9514b82b993da8a46e66
            4f23db7c01edc87faa530db01c2ee405230b18997f16b682000000000000000bb8e1
            bbcf3c48f62c08db243652ae55d3e5586053fca77102994f23ad95491b3";
        pub const K_MAIN: &str = "4c59e1ccf2cfb961aa31bd9434478a1089b56cd11542f53d3576fb6c2a438a29";
        pub const K_CONFIRM_P: &str =
            "871ae3f7b78445e34438fb284504240239031c39d80ac23eb5ab9be5ad6db58a";
        pub const K_CONFIRM_V: &str =
            "ccd53c7c1fa37b64a462b40db8be101cedcf838950162902054e644b400f1680";
        pub const CONFIRM_P: &str =
            "926cc713504b9b4d76c9162ded04b5493e89109f6d89462cd33adc46fda27527";
        pub const CONFIRM_V: &str =
            "9747bcc4f8fe9f63defee53ac9b07876d907d55047e6ff2def2e7529089d3e68";
        pub const K_SHARED: &str =
            "0c5f8ccd1413423a54f6c1fb26ff01534a87f893779c6e68666d772bfd91f3e7";
    }

    fn arr32(s: &str) -> [u8; 32] {
        unhex(s).try_into().unwrap()
    }

    fn rfc_keys() -> ProverKeys {
        ProverKeys::from_bytes(&unhex(rfc::W0), &unhex(rfc::W1)).unwrap()
    }

    #[test]
    fn m_and_n_are_the_rfc_compressed_points() {
        // RFC 9383 appendix B prints them compressed.
        for (ours, compressed) in [
            (
                &M,
                "02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f",
            ),
            (
                &N,
                "03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49",
            ),
        ] {
            let encoded = EncodedPoint::from_bytes(unhex(compressed)).unwrap();
            let point = AffinePoint::from_encoded_point(&encoded).unwrap();
            assert_eq!(point.to_encoded_point(false).as_bytes(), &ours[..]);
        }
        let generator = ProjectivePoint::GENERATOR.to_affine();
        assert_eq!(generator.to_encoded_point(false).as_bytes(), &GENERATOR[..]);
    }

    #[test]
    fn rfc9383_vector_both_roles() {
        let keys = rfc_keys();
        let record = keys.record();
        assert_eq!(record.l[..], unhex(rfc::L)[..]);
        assert_eq!(record.w0[..], unhex(rfc::W0)[..]);
        assert_eq!(
            VerifierRecord::from_bytes(&unhex(rfc::W0), &unhex(rfc::L))
                .unwrap()
                .l,
            record.l
        );

        let (prover, share_p) = Prover::start_with_x(
            rfc::CONTEXT,
            rfc::ID_PROVER,
            rfc::ID_VERIFIER,
            &keys,
            &arr32(rfc::X),
        )
        .unwrap();
        assert_eq!(share_p[..], unhex(rfc::SHARE_P)[..]);

        let (verifier, response) = Verifier::respond_with_y(
            rfc::CONTEXT,
            rfc::ID_PROVER,
            rfc::ID_VERIFIER,
            &record,
            &share_p,
            &arr32(rfc::Y),
        )
        .unwrap();
        assert_eq!(response.share_v[..], unhex(rfc::SHARE_V)[..]);
        assert_eq!(response.confirm_v[..], unhex(rfc::CONFIRM_V)[..]);
        assert_eq!(response.secret[..], unhex(rfc::K_SHARED)[..]);

        let outcome = prover
            .finish(&response.share_v, &response.confirm_v)
            .unwrap();
        assert_eq!(outcome.confirm_p[..], unhex(rfc::CONFIRM_P)[..]);
        assert_eq!(outcome.secret[..], unhex(rfc::K_SHARED)[..]);
        verifier.check_confirmation(&outcome.confirm_p).unwrap();
    }

    #[test]
    fn a_prepared_prover_makes_the_same_exchange() {
        // RFC 9383's vector through the prepared path: the same shareP, and the exchange
        // completes with the verifier's answer.
        let prepared = PreparedProver::new(rfc_keys()).unwrap();
        let x = nonzero_scalar(&arr32(rfc::X)).unwrap();
        let (prover, share_p) = Prover::start_prepared_inner(
            rfc::CONTEXT,
            rfc::ID_PROVER,
            rfc::ID_VERIFIER,
            &prepared,
            x,
        )
        .unwrap();
        assert_eq!(share_p[..], unhex(rfc::SHARE_P)[..]);
        let (verifier, response) = Verifier::respond_with_y(
            rfc::CONTEXT,
            rfc::ID_PROVER,
            rfc::ID_VERIFIER,
            &rfc_keys().record(),
            &share_p,
            &arr32(rfc::Y),
        )
        .unwrap();
        assert_eq!(response.share_v[..], unhex(rfc::SHARE_V)[..]);
        let outcome = prover
            .finish(&response.share_v, &response.confirm_v)
            .unwrap();
        verifier.check_confirmation(&outcome.confirm_p).unwrap();
        assert_eq!(outcome.secret[..], response.secret[..]);
        // Random x, and another password's record: refused.
        let (prover, share_p) = Prover::start_prepared(b"", b"a", b"b", &prepared).unwrap();
        let (_, other) = register(b"another password", b"a", b"b");
        let (_, response) = Verifier::respond(b"", b"a", b"b", &other, &share_p).unwrap();
        assert_eq!(
            prover
                .finish(&response.share_v, &response.confirm_v)
                .unwrap_err(),
            Spake2PlusError::ConfirmationMismatch
        );
        assert!(!format!("{prepared:?}").contains(&format!("{:?}", rfc_keys().w0)));
    }

    #[test]
    fn rfc9383_vector_intermediate_values() {
        let w0 = nonzero_scalar(&arr32(rfc::W0)).unwrap();
        let w1 = nonzero_scalar(&arr32(rfc::W1)).unwrap();
        let x = nonzero_scalar(&arr32(rfc::X)).unwrap();
        let y = nonzero_scalar(&arr32(rfc::Y)).unwrap();
        let share_p = unhex(rfc::SHARE_P);
        let share_v = unhex(rfc::SHARE_V);
        let l: [u8; RECORD_LEN] = unhex(rfc::L).try_into().unwrap();

        let w0_n = mul_fixed([(&BASES.n, &*w0)]);
        let (z, v) =
            prover_shared_points(&x, &w0_n, &w1, &Affine::decode(&share_v).unwrap()).unwrap();
        assert_eq!(z[..], unhex(rfc::Z)[..]);
        assert_eq!(v[..], unhex(rfc::V)[..]);
        let (z2, v2) = verifier_shared_points(
            &y,
            &mul_fixed([(&BASES.m, &*w0)]),
            &Affine::decode(&l).unwrap(),
            &Affine::decode(&share_p).unwrap(),
        )
        .unwrap();
        assert_eq!((z2, v2), (z.clone(), v.clone()));

        // Our transcript hashes to the RFC's K_main, which is SHA-256 of the RFC's TT.
        let k_main = transcript_finish(
            transcript_start(rfc::CONTEXT, rfc::ID_PROVER, rfc::ID_VERIFIER),
            &share_p,
            &share_v,
            &z,
            &v,
            &w0,
        );
        assert_eq!(k_main[..], unhex(rfc::K_MAIN)[..]);
        assert_eq!(Sha256::digest(unhex(rfc::TT))[..], unhex(rfc::K_MAIN)[..]);

        let keys = confirmation_keys(&k_main);
        assert_eq!(keys[..32], unhex(rfc::K_CONFIRM_P)[..]);
        assert_eq!(keys[32..], unhex(rfc::K_CONFIRM_V)[..]);
        assert_eq!(mac(&keys[..32], &share_v)[..], unhex(rfc::CONFIRM_P)[..]);
        assert_eq!(mac(&keys[32..], &share_p)[..], unhex(rfc::CONFIRM_V)[..]);
        assert_eq!(shared_key(&k_main)[..], unhex(rfc::K_SHARED)[..]);
    }

    /// Produced by BoringSSL a0689af29: `SSL_spake2plusv1_register(password, idProver,
    /// idVerifier)` for w0, w1 and L, then `spake2plus::Prover::Init(context, ..., x)` and
    /// `Verifier::Init(context, ..., y)` run against each other for the rest (a C++ program
    /// linked with its libssl.a and libcrypto.a; both sides agreed on the secret).
    struct BoringVector {
        password: &'static [u8],
        id_prover: &'static [u8],
        id_verifier: &'static [u8],
        w0: &'static str,
        w1: &'static str,
        l: &'static str,
        /// The exchange with `BORING_X`, `BORING_Y` and this context, where given.
        exchange: Option<BoringExchange>,
    }

    struct BoringExchange {
        context: &'static [u8],
        share_p: &'static str,
        share_v: &'static str,
        confirm_p: &'static str,
        confirm_v: &'static str,
        secret: &'static str,
    }

    const BORING_X: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff";
    const BORING_Y: &str = "1122334455667788990011223344556677889900112233445566778899001122";

    const BORING: [BoringVector; 3] = [
        BoringVector {
            password: b"password",
            id_prover: b"client",
            id_verifier: b"server",
            w0: "256f57a8058e5b0994d7e3dec112369e896c3b8e407c13161214d3dd3a34ea1d",
            w1: "97b870919eb6824aa148a45d3d7b1d62106ae19eb586802b66fc757b636d0239",
            l: "04e5e8a0bd90bc155a856d869efa3e3486e843d85b4e14cb74c86b099f426e071b
                a8ad82edcede3ef8189f045a6065af83e78f7c58f837a0b5798df42390ee745c",
            exchange: Some(BoringExchange {
                context: b"",
                share_p: "04fd608aa7aec9414cdeb7aaa674987180d35f40371a833180647bd2c68ca0acda
                    76ebfb9c426759bf8d6b14f6c5f38049c3e8f87dcc3959095d621c39a934c63c",
                share_v: "04e0a2b9fa88f1b4a2c52b43f1b6eb442d39f57f4ded4fb2c6ca5cdf4e9fa270ec
                    931a99e7a6e07853c4e320b2276a0dd60597a39c89655d431ce18339d299a38d",
                confirm_p: "90a8a64ddadade8dcb9af5f8c0c8199f3cacd65ceea932aed5cd329a9ca47112",
                confirm_v: "a3d5723160192c82de276f8907b5b98c3747e8c2579109b784c15a47458b89f5",
                secret: "b06fff62d81b69cdcd652a23af14641b268226d3bfd3af266492756bd9ef2165",
            }),
        },
        BoringVector {
            password: b"",
            id_prover: b"",
            id_verifier: b"",
            w0: "22bec230bc4ef973b004549f04a9d88ede9449555c9fab1a32390d6a6f184ff8",
            w1: "701cc43efd2ca33038206c13fc70ade686d11f040825804edaed97a0739edc47",
            l: "045ae4bef6eb05088e3e44353286f25a7f1364e8af50c09aee11045b20bb36e91c
                c0367df38d685cb304c765a7bd4b25e8bd97f94bfa8c1289855f8f32832741bd",
            exchange: None,
        },
        BoringVector {
            password: b"correct horse battery staple",
            id_prover: b"alice@example.com",
            id_verifier: b"srp.example.org",
            w0: "e5613bd4142335623c9a9fc2d2c0a12294d90bd83fce8cdeb27ddac15094c443",
            w1: "e4c4732c3b9d8983f5a6d4e48319e71b8c567a1ef510fcbe402c2afe6c9637eb",
            l: "044df6d7c6d79d1ef8b63c3fdc9733e735f2be153d4a8882270c5b2fabd6f09850
                851525641fcc4049c76a3a24d0908ede08ef20260747a748e11af7e8eff7e86b",
            exchange: Some(BoringExchange {
                context: b"tls-srp test context",
                share_p: "0472301bfff17c1c7b327289f15611d5f7ea268a504ca7066efe2714dea17eb3c7
                    abeaa9fd29dec6b59a85fa39cf97b58165f632ca8a3f174dd93423144cebe2ff",
                share_v: "04d7660ff352f859c8c5d689747a3f9c55ed2ffe047dc870c080584c6a067f43b3
                    9193f5a2572ece07a63dc30267f904b07e529a73184003210a116926d0d19a61",
                confirm_p: "a4b74c37b13f4499a60d8554db234f4e64960c20b7558c2ce991d9213f56cec3",
                confirm_v: "f43ee552adfdb1e78af1c0fd9a433826ba0928d4563663f643378396c343aded",
                secret: "70efe7e8ec8bb2ae2e26e4ecbc2ef5a0795b150bdfc2e2b5b99013bb1933ca17",
            }),
        },
    ];

    /// scrypt with N = 32768 costs 32 MiB and a fraction of a second per call: three
    /// registrations in all, in this one test.
    #[test]
    fn register_matches_boringssl() {
        for vector in &BORING {
            let (keys, record) = register(vector.password, vector.id_prover, vector.id_verifier);
            assert_eq!(keys.w0[..], unhex(vector.w0)[..]);
            assert_eq!(keys.w1[..], unhex(vector.w1)[..]);
            assert_eq!(record.w0, keys.w0);
            assert_eq!(record.l[..], unhex(vector.l)[..]);
            assert_eq!(keys.record().l, record.l);
        }
    }

    #[test]
    fn exchange_matches_boringssl() {
        for vector in &BORING {
            let Some(exchange) = &vector.exchange else {
                continue;
            };
            let keys = ProverKeys::from_bytes(&unhex(vector.w0), &unhex(vector.w1)).unwrap();
            let record = VerifierRecord::from_bytes(&unhex(vector.w0), &unhex(vector.l)).unwrap();
            let ids = (vector.id_prover, vector.id_verifier);
            let (prover, share_p) =
                Prover::start_with_x(exchange.context, ids.0, ids.1, &keys, &arr32(BORING_X))
                    .unwrap();
            assert_eq!(share_p[..], unhex(exchange.share_p)[..]);
            let (verifier, response) = Verifier::respond_with_y(
                exchange.context,
                ids.0,
                ids.1,
                &record,
                &share_p,
                &arr32(BORING_Y),
            )
            .unwrap();
            assert_eq!(response.share_v[..], unhex(exchange.share_v)[..]);
            assert_eq!(response.confirm_v[..], unhex(exchange.confirm_v)[..]);
            assert_eq!(response.secret[..], unhex(exchange.secret)[..]);
            let outcome = prover
                .finish(&response.share_v, &response.confirm_v)
                .unwrap();
            assert_eq!(outcome.confirm_p[..], unhex(exchange.confirm_p)[..]);
            assert_eq!(outcome.secret[..], unhex(exchange.secret)[..]);
            verifier.check_confirmation(&outcome.confirm_p).unwrap();
        }
    }

    /// Our reductions of 40-byte halves and 64-byte integers against num-bigint's.
    #[test]
    fn wide_reduction() {
        use num_bigint::BigUint;
        let n_bytes = unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
        let n = BigUint::from_bytes_be(&n_bytes);
        let expect = |bytes: &[u8]| {
            let r = (BigUint::from_bytes_be(bytes) % &n).to_bytes_be();
            let mut out = [0u8; 32];
            out[32 - r.len()..].copy_from_slice(&r);
            out
        };
        let mut cases: Vec<[u8; 64]> = vec![[0; 64], [0xff; 64]];
        for shift in [0, 8, 24, 32] {
            let mut case = [0u8; 64];
            case[32 - shift..64 - shift].copy_from_slice(&n_bytes); // n * 2^(8 shift)
            cases.push(case);
            let mut minus_one = case;
            minus_one[63 - shift] -= 1;
            cases.push(minus_one);
        }
        for seed in 0u8..32 {
            let mut case = [0u8; 64];
            for (i, byte) in case.iter_mut().enumerate() {
                *byte = seed
                    .wrapping_mul(37)
                    .wrapping_add((i as u8).wrapping_mul(101))
                    ^ 0x5a;
            }
            cases.push(case);
        }
        for case in &cases {
            let got: [u8; 32] = reduce_512(case).to_bytes().into();
            assert_eq!(got, expect(case), "{}", hex::encode(case));
            let half: [u8; HALF_LEN] = case[64 - HALF_LEN..].try_into().unwrap();
            let got: [u8; 32] = reduce_wide(&half).to_bytes().into();
            assert_eq!(got, expect(&half), "{}", hex::encode(half));
        }
    }

    fn pair(
        keys: &ProverKeys,
        record: &VerifierRecord,
    ) -> (
        Result<ProverOutcome, Spake2PlusError>,
        Verifier,
        VerifierResponse,
    ) {
        let (prover, share_p) = Prover::start(b"ctx", b"alice", b"server", keys).unwrap();
        let (verifier, response) =
            Verifier::respond(b"ctx", b"alice", b"server", record, &share_p).unwrap();
        (
            prover.finish(&response.share_v, &response.confirm_v),
            verifier,
            response,
        )
    }

    #[test]
    fn exchange_right_and_wrong_password() {
        let keys = rfc_keys();
        let record = keys.record();
        let (outcome, verifier, response) = pair(&keys, &record);
        let outcome = outcome.unwrap();
        assert_eq!(outcome.secret, response.secret);
        verifier.check_confirmation(&outcome.confirm_p).unwrap();
        let mut bad = outcome.confirm_p;
        bad[31] ^= 1;
        assert_eq!(
            verifier.check_confirmation(&bad),
            Err(Spake2PlusError::ConfirmationMismatch)
        );
        assert_eq!(
            verifier.check_confirmation(&outcome.confirm_p[..31]),
            Err(Spake2PlusError::ConfirmationMismatch)
        );

        // A wrong password (other w0 and w1, as from register with another password): the
        // prover finds the verifier's confirmation wrong.
        let wrong = ProverKeys::from_bytes(&unhex(BORING[0].w0), &unhex(BORING[0].w1)).unwrap();
        let (outcome, _, _) = pair(&wrong, &record);
        assert_eq!(outcome.unwrap_err(), Spake2PlusError::ConfirmationMismatch);
        // Right w0 with a wrong w1 (an attacker who stole w0 but not L's discrete log).
        let half = ProverKeys {
            w0: keys.w0,
            w1: wrong.w1,
        };
        let (outcome, _, _) = pair(&half, &record);
        assert_eq!(outcome.unwrap_err(), Spake2PlusError::ConfirmationMismatch);

        // Different contexts or identities: mismatch too.
        let (prover, share_p) = Prover::start(b"ctx", b"alice", b"server", &keys).unwrap();
        let (_, response) =
            Verifier::respond(b"ctx", b"alice", b"other", &record, &share_p).unwrap();
        assert_eq!(
            prover
                .finish(&response.share_v, &response.confirm_v)
                .unwrap_err(),
            Spake2PlusError::ConfirmationMismatch
        );
    }

    #[test]
    fn invalid_shares() {
        let keys = rfc_keys();
        let record = keys.record();
        let (_, good) = Prover::start(b"", b"", b"", &keys).unwrap();
        let generator = ProjectivePoint::GENERATOR.to_affine();
        let mut off_curve = good;
        off_curve[64] ^= 1;
        let mut compressed = [0u8; 33];
        compressed.copy_from_slice(generator.to_encoded_point(true).as_bytes());
        let mut hybrid = good;
        hybrid[0] = 0x06 | (good[64] & 1);
        let mut x_too_big = good;
        x_too_big[1..33].fill(0xff);
        let mut bad_prefix = good;
        bad_prefix[0] = 0x05;
        let w0 = nonzero_scalar(&keys.w0).unwrap();
        // Shares that unmask to the identity: X = w0*M for the verifier, Y = w0*N for the
        // prover.
        let x_degenerate = *mul_fixed([(&BASES.m, &*w0)]).encode().unwrap();
        let y_degenerate = *mul_fixed([(&BASES.n, &*w0)]).encode().unwrap();

        let bad: [&[u8]; 9] = [
            &[],
            &[0x00],     // SEC1's identity
            &[0u8; 65],  // neither
            &good[..64], // truncated
            &compressed, // valid point, compressed: BoringSSL wants uncompressed
            &hybrid,     // valid point, hybrid encoding
            &off_curve,
            &x_too_big,
            &bad_prefix,
        ];
        for share in bad.iter().copied().chain([&x_degenerate[..]]) {
            assert_eq!(
                Verifier::respond(b"", b"", b"", &record, share).unwrap_err(),
                Spake2PlusError::InvalidShare,
                "{}",
                hex::encode(share)
            );
        }
        for share in bad.iter().copied().chain([&y_degenerate[..]]) {
            let (prover, _) = Prover::start(b"", b"", b"", &keys).unwrap();
            assert_eq!(
                prover.finish(share, &[0u8; 32]).unwrap_err(),
                Spake2PlusError::InvalidShare,
                "{}",
                hex::encode(share)
            );
        }
        // With longer input (a share followed by garbage) too.
        let mut long = good.to_vec();
        long.push(0);
        assert_eq!(
            Verifier::respond(b"", b"", b"", &record, &long).unwrap_err(),
            Spake2PlusError::InvalidShare
        );
    }

    #[test]
    fn invalid_keys_and_records() {
        let keys = rfc_keys();
        let n = unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
        let zero = [0u8; 32];
        let w1 = keys.w1;
        for w in [
            &n[..],
            &zero[..],
            &[0xff; 32][..],
            &keys.w0[..31],
            &[1u8; 33][..],
        ] {
            assert_eq!(
                ProverKeys::from_bytes(w, &w1).unwrap_err(),
                Spake2PlusError::InvalidScalar
            );
            assert_eq!(
                ProverKeys::from_bytes(&keys.w0, w).unwrap_err(),
                Spake2PlusError::InvalidScalar
            );
            assert_eq!(
                VerifierRecord::from_bytes(w, &keys.record().l).unwrap_err(),
                Spake2PlusError::InvalidRecord
            );
        }
        let l = keys.record().l;
        let mut off_curve = l;
        off_curve[1] ^= 1;
        for bad in [&off_curve[..], &l[..64], &[0u8; 65][..], &[0x00][..]] {
            assert_eq!(
                VerifierRecord::from_bytes(&keys.w0, bad).unwrap_err(),
                Spake2PlusError::InvalidRecord
            );
        }
        // Through the public fields: refused when used.
        let bad_keys = ProverKeys { w0: [0xff; 32], w1 };
        assert_eq!(
            Prover::start(b"", b"", b"", &bad_keys).unwrap_err(),
            Spake2PlusError::InvalidScalar
        );
        let bad_record = VerifierRecord {
            w0: keys.w0,
            l: off_curve,
        };
        let (_, share_p) = Prover::start(b"", b"", b"", &keys).unwrap();
        assert_eq!(
            Verifier::respond(b"", b"", b"", &bad_record, &share_p).unwrap_err(),
            Spake2PlusError::InvalidRecord
        );
        // Fixed ephemerals must be valid nonzero scalars.
        assert_eq!(
            Prover::start_with_x(b"", b"", b"", &keys, &[0; 32]).unwrap_err(),
            Spake2PlusError::InvalidScalar
        );
        assert_eq!(
            Verifier::respond_with_y(b"", b"", b"", &keys.record(), &share_p, &[0xff; 32])
                .unwrap_err(),
            Spake2PlusError::InvalidScalar
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let keys = rfc_keys();
        let shown = format!("{keys:?} {:?}", keys.record());
        assert!(!shown.contains(&rfc::W0[..16]), "{shown}");
        assert!(!shown.contains(&rfc::W1[..16]), "{shown}");
        assert!(
            shown.contains(&rfc::L.split_whitespace().collect::<String>()),
            "{shown}"
        );
        let (prover, _) = Prover::start(b"", b"", b"", &keys).unwrap();
        assert_eq!(format!("{prover:?}"), "Prover { .. }");
    }

    #[test]
    fn random_ephemerals_differ() {
        let keys = rfc_keys();
        let (_, a) = Prover::start(b"", b"", b"", &keys).unwrap();
        let (_, b) = Prover::start(b"", b"", b"", &keys).unwrap();
        assert_ne!(a, b);
    }
}
