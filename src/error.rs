//! Errors, and the one place they are mapped to TLS alerts.
//!
//! Every fatal error that this side detects is sent to the peer as the alert returned by
//! [`Error::alert`] (if any) before the connection stops. Errors are sticky: once a
//! connection has failed, every later call returns the same error.

use core::fmt;

use crate::msgs::enums::{AlertDescription, ContentType, HandshakeType};

/// Anything that can go wrong in a TLS-SRP connection.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A message could not be decoded (`decode_error`, or the alert named by the variant).
    InvalidMessage(InvalidMessage),
    /// A record or message type arrived that is not allowed now (`unexpected_message`).
    InappropriateMessage {
        /// What we could accept.
        expect_types: Vec<ContentType>,
        /// What arrived.
        got_type: ContentType,
    },
    /// A handshake message arrived that is not allowed now (`unexpected_message`).
    InappropriateHandshakeMessage {
        /// What we could accept.
        expect_types: Vec<HandshakeType>,
        /// What arrived.
        got_type: HandshakeType,
    },
    /// The peer broke a rule of the protocol (alert depends on the rule).
    PeerMisbehaved(PeerMisbehaved),
    /// The peer and we have nothing in common, or the peer is weaker than allowed.
    PeerIncompatible(PeerIncompatible),
    /// A record failed to decrypt or authenticate (`bad_record_mac`). With SRP this is
    /// also how a wrong password shows up on the server.
    DecryptError,
    /// A record was too large, before or after decryption (`record_overflow`).
    RecordOverflow,
    /// The peer's Finished did not verify. On a client this is how a wrong password or an
    /// unknown user shows up (`decrypt_error`).
    FinishedMismatch,
    /// TLS 1.3 PAKE, client: the server's SPAKE2+ confirmation did not verify: a wrong
    /// password, an unknown user, or a record for another identity. Alert
    /// `decrypt_error` (a handshake cryptographic check failed, RFC 8446 6.2).
    PakeConfirmationMismatch,
    /// TLS 1.3 PAKE, client: the credential's error limit
    /// ([`crate::pake::PakeClientParams::with_error_limit`], BoringSSL's `error_limit`) is
    /// used up: that many handshakes already failed at the server's confirmation, each an
    /// online guess at the password by a server without the record, and this config
    /// makes no more. Returned by [`crate::ClientConnection::new`] (nothing was sent), or
    /// on the ServerHello of a handshake started before the limit was reached (alert
    /// `internal_error`, as BoringSSL's `PAKE_EXHAUSTED`). Not a credentials failure of
    /// this handshake ([`Error::is_auth_failure`] is false): a new `PakeClientParams` is
    /// needed to try again.
    PakeErrorLimitReached,
    /// The server does not know this user and is configured to say so (`unknown_psk_identity`).
    UnknownUser,
    /// Client, SRP-RSA suites: the server's certificate chain or name was refused. `alert`
    /// is what rustls's verifier makes of the failure (`unknown_ca`, `bad_certificate`,
    /// `certificate_expired`, ...).
    InvalidCertificate {
        /// The alert sent.
        alert: AlertDescription,
        /// What the verifier said.
        reason: String,
    },
    /// Client, SRP-RSA suites: the signature of the ServerKeyExchange did not verify with
    /// the server's certificate (`decrypt_error`).
    BadSignature,
    /// Server: the rate limiter refused the attempt because the username or the client
    /// address is locked out ([`crate::limits`]). The client sees `bad_record_mac`, exactly
    /// as for a wrong password.
    LockedOut,
    /// The handshake did not finish by its deadline
    /// ([`crate::ConnectionCommon::handshake_deadline`]). No alert is sent; as an
    /// `io::Error` its kind is `TimedOut`.
    HandshakeTimedOut,
    /// Server: no handshake slot is free ([`crate::limits::HandshakeSlots`]); the
    /// connection was not made. The adapters wait for a slot instead of failing.
    ServerBusy,
    /// The peer sent us a fatal alert.
    AlertReceived(AlertDescription),
    /// The connection was closed (close_notify sent or received); no more data may be written.
    ConnectionClosed,
    /// We could not get random bytes from the operating system (`internal_error`).
    FailedToGetRandomBytes,
    /// A caller used the API wrongly (no alert is sent).
    ApiMisuse(&'static str),
    /// Something that should not happen happened (`internal_error`).
    General(String),
    /// Server: the user store could not answer (its database is unreachable, say): the
    /// login fails closed with `internal_error`, whoever the user is. The text is the
    /// store's, for the server's log; the client learns only the alert.
    UserStoreUnavailable(String),
}

/// Ways a message can fail to decode. All are sent as `decode_error` unless noted.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidMessage {
    /// A field ran past the end of its container.
    MissingData(&'static str),
    /// Bytes were left over after a structure that must fill its container.
    TrailingData(&'static str),
    /// A length prefix is outside the range the RFC allows for that field.
    InvalidLength(&'static str),
    /// A record header names a content type we do not know (`unexpected_message`).
    InvalidContentType,
    /// A record header's version is not 3.x (`protocol_version`).
    UnknownProtocolVersion,
    /// A record is longer than 2^14 + 2048 bytes (`record_overflow`).
    RecordTooLarge,
    /// A handshake message is longer than this implementation accepts (`decode_error`).
    HandshakeMessageTooLarge,
    /// A zero-length record of a type that must not be empty.
    EmptyFragment,
    /// A ChangeCipherSpec payload other than `[1]`.
    InvalidCcs,
    /// A value in a message is not one the RFC allows (`illegal_parameter`).
    IllegalValue(&'static str),
    /// An alert with an unknown level.
    InvalidAlertLevel,
}

/// The peer broke a rule. Each variant names the alert it causes in [`Error::alert`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerMisbehaved {
    /// RFC 5054 2.5.4: A % N == 0 (or A is 1 or N-1, or A >= N). `illegal_parameter`.
    IllegalSrpA,
    /// RFC 5054 2.5.3: B % N == 0 (or B >= N). `illegal_parameter`.
    IllegalSrpB,
    /// A or B is longer than N. `illegal_parameter`.
    SrpValueTooLong,
    /// u = H(PAD(A) | PAD(B)) is zero. `illegal_parameter`.
    SrpUIsZero,
    /// The SRP extension was empty or malformed. `illegal_parameter`.
    IllegalSrpUsername,
    /// The same extension appeared twice in a hello. `illegal_parameter`.
    DuplicateExtension,
    /// The server answered with an extension the client did not offer. `unsupported_extension`.
    UnsolicitedExtension,
    /// The server chose a suite the client did not offer. `illegal_parameter`.
    SelectedUnofferedCipherSuite,
    /// The server chose a compression method other than null. `illegal_parameter`.
    SelectedUnofferedCompression,
    /// The server chose a protocol version other than TLS 1.2. `protocol_version`.
    SelectedUnofferedVersion,
    /// The server chose an ALPN protocol the client did not offer. `illegal_parameter`.
    SelectedUnofferedAlpn,
    /// The client did not offer the null compression method. `illegal_parameter`.
    MissingNullCompression,
    /// renegotiation_info had the wrong content on an initial handshake. `handshake_failure`.
    BadRenegotiationInfo,
    /// The peer dropped extended_master_secret which it had offered, or the server
    /// requires it and the client did not offer it. `handshake_failure`.
    ExtendedMasterSecretMismatch,
    /// A handshake message spanned a ChangeCipherSpec. `unexpected_message`.
    MessageInterleavedWithCcs,
    /// A handshake message was split across a key change or left unfinished. `unexpected_message`.
    KeyEpochWithPendingFragment,
    /// Application data arrived before the handshake finished. `unexpected_message`.
    ApplicationDataBeforeFinished,
    /// The peer sent too many warning alerts or empty records. `unexpected_message`.
    TooManyWarningsOrEmptyRecords,
    /// The server resumed our session with a different cipher suite. `illegal_parameter`.
    ResumptionWithDifferentCipherSuite,
    /// The server signed its ServerKeyExchange with a scheme the client did not offer.
    /// `illegal_parameter`.
    SignedWithUnofferedScheme,
    /// TLS 1.3 PAKE: the client's PAKEShares were not in strictly increasing order of
    /// NamedPAKE (so one appeared twice). `illegal_parameter`.
    PakeSharesNotInOrder,
    /// TLS 1.3 PAKE: a SPAKE2+ share is not a valid P-256 point, or the server's
    /// pake_message is not shareV || confirmV. `illegal_parameter`.
    InvalidPakeShare,
    /// TLS 1.3 PAKE: the server answered without the PAKE the client offered, chose
    /// another, or added key_share or pre_shared_key. `illegal_parameter`.
    PakeNotNegotiated,
    /// TLS 1.3: a HelloRetryRequest the client cannot act on (a second one, one asking for
    /// a key share it never offers, or one that changes nothing). `illegal_parameter`.
    BadHelloRetryRequest,
    /// TLS 1.3: the ServerHello's legacy fields (version, session ID echo, compression)
    /// are wrong. `illegal_parameter`.
    BadServerHello,
    /// TLS 1.3: a KeyUpdate's request_update is neither 0 nor 1. `illegal_parameter`.
    BadKeyUpdate,
    /// TLS 1.3: a ChangeCipherSpec record after the handshake, or more than one.
    /// `unexpected_message`.
    UnexpectedChangeCipherSpec,
}

/// The peer and we cannot agree. Each variant names the alert it causes in [`Error::alert`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerIncompatible {
    /// The client offered SRP suites but no SRP extension (RFC 5054 2.5.1.2). `unknown_psk_identity`.
    MissingSrpExtension,
    /// No cipher suite in common. `handshake_failure`.
    NoCipherSuitesInCommon,
    /// The client cannot do TLS 1.2. `protocol_version`.
    Tls12NotOffered,
    /// The server's (N, g) is not one of the RFC 5054 groups. `insufficient_security`.
    UnknownSrpGroup,
    /// The server's group is smaller than the client's minimum. `insufficient_security`.
    SrpGroupTooSmall {
        /// Bits in the server's N.
        offered: u32,
        /// The configured minimum.
        minimum: u32,
    },
    /// No ALPN protocol in common (RFC 7301). `no_application_protocol`.
    NoApplicationProtocolInCommon,
    /// The server requires extended_master_secret and the client did not offer it. `handshake_failure`.
    ExtendedMasterSecretRequired,
    /// The server did not confirm the secure renegotiation extension. `handshake_failure`.
    SecureRenegotiationRequired,
    /// TLS 1.3 PAKE: the client asked for a server identity other than ours, or offered no
    /// PAKE we run. `handshake_failure`.
    PakeIdentityMismatch,
    /// TLS 1.3 PAKE offered without TLS 1.3 in supported_versions, or the server chose a
    /// version other than TLS 1.3. `protocol_version`.
    Tls13NotOffered,
}

impl Error {
    /// The alert this side sends when it fails with this error, if any.
    pub fn alert(&self) -> Option<AlertDescription> {
        use AlertDescription as A;
        Some(match self {
            Self::InvalidMessage(m) => match m {
                InvalidMessage::InvalidContentType => A::UnexpectedMessage,
                InvalidMessage::UnknownProtocolVersion => A::ProtocolVersion,
                InvalidMessage::RecordTooLarge => A::RecordOverflow,
                InvalidMessage::IllegalValue(_) => A::IllegalParameter,
                InvalidMessage::EmptyFragment => A::UnexpectedMessage,
                _ => A::DecodeError,
            },
            Self::InappropriateMessage { .. } | Self::InappropriateHandshakeMessage { .. } => {
                A::UnexpectedMessage
            }
            Self::PeerMisbehaved(p) => match p {
                PeerMisbehaved::UnsolicitedExtension => A::UnsupportedExtension,
                PeerMisbehaved::SelectedUnofferedVersion => A::ProtocolVersion,
                PeerMisbehaved::BadRenegotiationInfo
                | PeerMisbehaved::ExtendedMasterSecretMismatch => A::HandshakeFailure,
                PeerMisbehaved::MessageInterleavedWithCcs
                | PeerMisbehaved::KeyEpochWithPendingFragment
                | PeerMisbehaved::ApplicationDataBeforeFinished
                | PeerMisbehaved::TooManyWarningsOrEmptyRecords
                | PeerMisbehaved::UnexpectedChangeCipherSpec => A::UnexpectedMessage,
                _ => A::IllegalParameter,
            },
            Self::PeerIncompatible(p) => match p {
                PeerIncompatible::MissingSrpExtension => A::UnknownPskIdentity,
                PeerIncompatible::Tls12NotOffered | PeerIncompatible::Tls13NotOffered => {
                    A::ProtocolVersion
                }
                PeerIncompatible::UnknownSrpGroup | PeerIncompatible::SrpGroupTooSmall { .. } => {
                    A::InsufficientSecurity
                }
                PeerIncompatible::NoApplicationProtocolInCommon => A::NoApplicationProtocol,
                _ => A::HandshakeFailure,
            },
            Self::DecryptError | Self::LockedOut => A::BadRecordMac,
            Self::InvalidCertificate { alert, .. } => *alert,
            Self::BadSignature => A::DecryptError,
            Self::RecordOverflow => A::RecordOverflow,
            Self::FinishedMismatch | Self::PakeConfirmationMismatch => A::DecryptError,
            Self::UnknownUser => A::UnknownPskIdentity,
            Self::FailedToGetRandomBytes
            | Self::General(_)
            | Self::UserStoreUnavailable(_)
            | Self::PakeErrorLimitReached => A::InternalError,
            Self::AlertReceived(_)
            | Self::ConnectionClosed
            | Self::ApiMisuse(_)
            | Self::HandshakeTimedOut
            | Self::ServerBusy => return None,
        })
    }
}

impl Error {
    /// Whether this handshake error means the credentials were refused: a wrong password,
    /// an unknown user (simulated or rejected) or a locked-out user or address, seen from
    /// either side. Server: [`Error::DecryptError`] (during a handshake it can only be the
    /// client's Finished, which a wrong password cannot encrypt), [`Error::FinishedMismatch`],
    /// [`Error::LockedOut`], [`Error::UnknownUser`]. Client: [`Error::FinishedMismatch`]
    /// (the server's Finished did not verify) and the alerts servers answer refused
    /// credentials with (`bad_record_mac`, `decrypt_error`, `unknown_psk_identity`).
    ///
    /// Meant for errors from a handshake: after it, a `DecryptError` is a damaged record,
    /// not a password. A server that wants the precise answer for an accept uses
    /// [`AcceptError::reason`].
    pub fn is_auth_failure(&self) -> bool {
        use AlertDescription as A;
        match self {
            Self::DecryptError
            | Self::FinishedMismatch
            | Self::LockedOut
            | Self::UnknownUser
            | Self::PakeConfirmationMismatch => true,
            Self::AlertReceived(a) => {
                matches!(a, A::BadRecordMac | A::DecryptError | A::UnknownPskIdentity)
            }
            _ => false,
        }
    }

    /// The TLS error inside an `io::Error` from this crate's adapters: directly, or inside an
    /// [`AcceptError`]. `None` for a plain transport error.
    pub fn from_io(e: &std::io::Error) -> Option<&Error> {
        let inner = e.get_ref()?;
        if let Some(tls) = inner.downcast_ref::<Error>() {
            return Some(tls);
        }
        inner.downcast_ref::<AcceptError>()?.tls_error()
    }
}

/// Why a server handshake failed, in the classes an administrator acts on (see
/// [`AcceptError::reason`]).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// A wrong password or an unknown user (one class: telling them apart would tell which
    /// users exist). `bad-credentials`.
    BadCredentials,
    /// The username or the client address is locked out by the rate limiter (the client
    /// saw a wrong password). `locked-out`.
    LockedOut,
    /// The client sent something malformed or broke the protocol. `malformed`.
    Malformed,
    /// The client cannot speak TLS-SRP with us: no common suite, no SRP extension, no TLS
    /// 1.2, no common ALPN protocol. `incompatible`.
    Incompatible,
    /// A deadline passed (ClientHello, handshake, or waiting for a handshake slot).
    /// `timeout`.
    Timeout,
    /// The client went away or sent an alert before it could be authenticated. `aborted`.
    Aborted,
    /// Something on our side (no randomness, a store with a bad record, no slot). `error`.
    ServerError,
}

impl FailureReason {
    /// A short, stable name for logs and metrics (`bad-credentials`, `locked-out`,
    /// `malformed`, `incompatible`, `timeout`, `aborted`, `error`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadCredentials => "bad-credentials",
            Self::LockedOut => "locked-out",
            Self::Malformed => "malformed",
            Self::Incompatible => "incompatible",
            Self::Timeout => "timeout",
            Self::Aborted => "aborted",
            Self::ServerError => "error",
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed server handshake, with who tried: the error that the accept returned (inside
/// an `io::Error` of the same kind from both adapters), the username the client asked for,
/// its address, and what the rate limiter decided. Get it with
/// `e.get_ref().and_then(|e| e.downcast_ref::<tls_srp::AcceptError>())`; the TLS error
/// inside with [`Error::from_io`] or [`Self::tls_error`].
#[derive(Debug)]
pub struct AcceptError {
    source: std::io::Error,
    username: Option<String>,
    peer: Option<std::net::IpAddr>,
    rate_limit: Option<crate::limits::Decision>,
    failed_guess: bool,
    certificate: bool,
    pake: bool,
}

impl AcceptError {
    pub(crate) fn new(
        source: std::io::Error,
        username: Option<String>,
        peer: Option<std::net::IpAddr>,
        rate_limit: Option<crate::limits::Decision>,
        failed_guess: bool,
    ) -> Self {
        Self {
            source,
            username,
            peer,
            rate_limit,
            failed_guess,
            certificate: false,
            pake: false,
        }
    }

    /// Marks the attempt as a TLS 1.3 PAKE one (see [`Self::is_pake`]).
    pub(crate) fn with_pake(mut self, pake: bool) -> Self {
        self.pake = pake;
        self
    }

    /// Whether the attempt was a TLS 1.3 PAKE login: the ClientHello offered TLS 1.3
    /// with a PAKE and the server took that path (so the username is the PAKE client
    /// identity). False for TLS-SRP attempts and for failures before the ClientHello was
    /// read.
    pub fn is_pake(&self) -> bool {
        self.pake
    }

    /// A one-port server's failure: before the ClientHello was routed (`certificate`
    /// false), or in the rustls handshake of a client without SRP (`certificate` true).
    /// An error that already is an `AcceptError` (the SRP side's) is kept as it is.
    #[cfg(feature = "rustls")]
    pub(crate) fn one_port(
        e: std::io::Error,
        peer: Option<std::net::IpAddr>,
        certificate: bool,
    ) -> std::io::Error {
        if e.get_ref().is_some_and(|x| x.is::<AcceptError>()) {
            return e;
        }
        let mut a = Self::new(e, None, peer, None, false);
        a.certificate = certificate;
        a.into_io()
    }

    /// Whether the client offered no SRP and failed in the certificate handshake of a
    /// one-port server ([`crate::oneport`]): no password was involved, and it is no login
    /// failure.
    pub fn is_certificate_client(&self) -> bool {
        self.certificate
    }

    /// Wraps `source` in an `io::Error` of the same kind carrying this error.
    pub(crate) fn into_io(self) -> std::io::Error {
        std::io::Error::new(self.source.kind(), self)
    }

    /// The username the client asked for in its ClientHello (`None` if it sent none, or
    /// not UTF-8, or the handshake failed before). Attacker-chosen: escape it when logging.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The client's address, as given to the accept call.
    pub fn peer(&self) -> Option<std::net::IpAddr> {
        self.peer
    }

    /// What the rate limiter decided for this attempt (`None` before a full handshake
    /// started, or without a limiter). A [`crate::Decision::Delay`] was waited out before the
    /// first flight.
    pub fn rate_limit_decision(&self) -> Option<crate::limits::Decision> {
        self.rate_limit
    }

    /// The error the handshake failed with (kind `TimedOut` for deadlines, `InvalidData`
    /// for TLS errors, or the transport's own error).
    pub fn io_error(&self) -> &std::io::Error {
        &self.source
    }

    /// The TLS error, if the failure was one (not a transport error).
    pub fn tls_error(&self) -> Option<&Error> {
        self.source.get_ref()?.downcast_ref::<Error>()
    }

    /// The rustls error inside, for a certificate client of a one-port server.
    #[cfg(feature = "rustls")]
    fn rustls_error(&self) -> Option<&rustls::Error> {
        self.source.get_ref()?.downcast_ref::<rustls::Error>()
    }

    /// Whether the client's credentials were refused: a password was tested and failed, or
    /// the user is unknown (rejected, or simulated and failed), or it is locked out.
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            self.reason(),
            FailureReason::BadCredentials | FailureReason::LockedOut
        )
    }

    /// Why the handshake failed.
    pub fn reason(&self) -> FailureReason {
        use std::io::ErrorKind as K;
        let tls = self.tls_error();
        if matches!(tls, Some(Error::LockedOut)) {
            return FailureReason::LockedOut;
        }
        if self.failed_guess || matches!(tls, Some(Error::UnknownUser)) {
            return FailureReason::BadCredentials;
        }
        match tls {
            Some(Error::HandshakeTimedOut) => FailureReason::Timeout,
            Some(Error::AlertReceived(_) | Error::ConnectionClosed) => FailureReason::Aborted,
            Some(Error::PeerIncompatible(_)) => FailureReason::Incompatible,
            Some(
                Error::InvalidMessage(_)
                | Error::InappropriateMessage { .. }
                | Error::InappropriateHandshakeMessage { .. }
                | Error::PeerMisbehaved(_)
                | Error::DecryptError
                | Error::FinishedMismatch
                | Error::RecordOverflow,
            ) => FailureReason::Malformed,
            Some(_) => FailureReason::ServerError,
            #[cfg(feature = "rustls")]
            None if self.rustls_error().is_some() => {
                use rustls::Error as R;
                match self.rustls_error() {
                    Some(R::PeerIncompatible(_) | R::NoApplicationProtocol) => {
                        FailureReason::Incompatible
                    }
                    Some(R::AlertReceived(_)) => FailureReason::Aborted,
                    Some(
                        R::InvalidMessage(_)
                        | R::InappropriateMessage { .. }
                        | R::InappropriateHandshakeMessage { .. }
                        | R::PeerMisbehaved(_)
                        | R::DecryptError,
                    ) => FailureReason::Malformed,
                    _ => FailureReason::ServerError,
                }
            }
            None => match self.source.kind() {
                K::TimedOut | K::WouldBlock => FailureReason::Timeout,
                K::InvalidData => FailureReason::Malformed,
                K::UnexpectedEof
                | K::ConnectionReset
                | K::ConnectionAborted
                | K::BrokenPipe
                | K::NotConnected => FailureReason::Aborted,
                _ => FailureReason::ServerError,
            },
        }
    }
}

impl fmt::Display for AcceptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.source, self.reason())?;
        if let Some(u) = &self.username {
            write!(f, ", user {u:?}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AcceptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMessage(m) => write!(f, "received corrupt message: {m:?}"),
            Self::InappropriateMessage { expect_types, got_type } => write!(
                f,
                "received unexpected message: got {got_type:?} when expecting {expect_types:?}"
            ),
            Self::InappropriateHandshakeMessage { expect_types, got_type } => write!(
                f,
                "received unexpected handshake message: got {got_type:?} when expecting {expect_types:?}"
            ),
            Self::PeerMisbehaved(p) => write!(f, "peer misbehaved: {p:?}"),
            Self::PeerIncompatible(p) => write!(f, "peer is incompatible: {p:?}"),
            Self::DecryptError => write!(f, "cannot decrypt peer's message (bad_record_mac; with SRP, often a wrong password)"),
            Self::RecordOverflow => write!(f, "record too large"),
            Self::PakeConfirmationMismatch => write!(f, "the server's PAKE confirmation did not verify (decrypt_error; a wrong password, an unknown user or another server identity)"),
            Self::PakeErrorLimitReached => write!(f, "the PAKE credential's error limit is used up (that many handshakes failed at the server's confirmation); no more handshakes with it"),
            Self::FinishedMismatch => write!(f, "peer's Finished did not verify (wrong password, unknown user or tampering)"),
            Self::UnknownUser => write!(f, "unknown SRP user"),
            Self::InvalidCertificate { reason, .. } => write!(f, "the server's certificate was refused: {reason}"),
            Self::BadSignature => write!(f, "the server's ServerKeyExchange signature did not verify"),
            Self::LockedOut => write!(f, "login refused: the user or the client address is locked out after too many failed logins"),
            Self::HandshakeTimedOut => write!(f, "TLS handshake timed out"),
            Self::ServerBusy => write!(f, "no handshake slot free (too many handshakes in progress)"),
            Self::AlertReceived(a) => write!(f, "received fatal alert: {a:?}"),
            Self::ConnectionClosed => write!(f, "connection closed"),
            Self::FailedToGetRandomBytes => write!(f, "failed to get random bytes from the OS"),
            Self::ApiMisuse(s) => write!(f, "API misuse: {s}"),
            Self::General(s) => write!(f, "unexpected error: {s}"),
            Self::UserStoreUnavailable(s) => write!(f, "the user store cannot answer: {s}"),
        }?;
        if let Some(a) = self.alert() {
            write!(f, " [sent alert {a:?}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<InvalidMessage> for Error {
    fn from(m: InvalidMessage) -> Self {
        Self::InvalidMessage(m)
    }
}

impl From<PeerMisbehaved> for Error {
    fn from(p: PeerMisbehaved) -> Self {
        Self::PeerMisbehaved(p)
    }
}

impl From<PeerIncompatible> for Error {
    fn from(p: PeerIncompatible) -> Self {
        Self::PeerIncompatible(p)
    }
}

/// A TLS error as an `io::Error`: kind `TimedOut` for [`Error::HandshakeTimedOut`],
/// `InvalidData` for every other, with the [`Error`] inside
/// (`e.get_ref().and_then(|e| e.downcast_ref::<tls_srp::Error>())`).
impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        let kind = match e {
            Error::HandshakeTimedOut => std::io::ErrorKind::TimedOut,
            _ => std::io::ErrorKind::InvalidData,
        };
        std::io::Error::new(kind, e)
    }
}
