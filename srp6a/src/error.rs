//! Errors.

/// Why an SRP step failed.
///
/// A wrong password (or verifier) shows up only as [`Error::AuthenticationFailed`], on the
/// side that checks the peer's proof; the other variants concern values that are public on
/// the wire, or misuse, and say nothing about the password.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The peer's proof (M1 or M2) did not match: wrong password, wrong verifier, or an
    /// attacker. Deliberately carries no detail.
    AuthenticationFailed,
    /// A public value (A or B) is longer than N.
    PublicValueTooLong,
    /// The client's A is 0, 1 or N-1 mod N, or not below N.
    IllegalClientPublic,
    /// The server's B is 0 mod N, or not below N.
    IllegalServerPublic,
    /// `u = H(A | B)` is zero.
    UIsZero,
    /// The operating system's random number generator failed.
    Random,
    /// An argument is out of range (lengths, empty values); the text says which.
    InvalidInput(&'static str),
    /// A record or saved state could not be decoded (truncated, trailing bytes, wrong
    /// version, lengths out of range).
    Malformed(&'static str),
    /// A saved server state was made under another profile or group.
    ProfileMismatch,
    /// The profile has a server proof (M2) and it was not checked, or has none and one was
    /// asked for.
    NoServerProof,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::AuthenticationFailed => f.write_str("SRP authentication failed"),
            Error::PublicValueTooLong => f.write_str("SRP public value longer than N"),
            Error::IllegalClientPublic => f.write_str("illegal SRP client public value A"),
            Error::IllegalServerPublic => f.write_str("illegal SRP server public value B"),
            Error::UIsZero => f.write_str("SRP u is zero"),
            Error::Random => f.write_str("the system random number generator failed"),
            Error::InvalidInput(what) => write!(f, "invalid input: {what}"),
            Error::Malformed(what) => write!(f, "malformed encoding: {what}"),
            Error::ProfileMismatch => f.write_str("saved SRP state belongs to another profile"),
            Error::NoServerProof => f.write_str("server proof (M2) not available or not checked"),
        }
    }
}

impl std::error::Error for Error {}
