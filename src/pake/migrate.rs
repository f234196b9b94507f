//! Moving a user base from TLS-SRP to TLS 1.3 PAKE without a password reset
//! (**experimental**, our own small protocol; SECURITY.md has the security argument).
//!
//! A server that holds SRP verifiers cannot make SPAKE2+ records from them: a record is
//! derived from the password, which the server never had. So the record is made by the one
//! party that has the password, the client, over a connection that has just proved who it is:
//!
//! 1. The client logs in with **TLS-SRP, a full handshake** (the password just checked; not a
//!    resumed session), and offers the ALPN protocol [`ALPN`]. A server that allows
//!    registration selects it ([`ServerConfig::alpn_protocols`](crate::ServerConfig) must
//!    list it).
//! 2. **Offer**, server to client: the username the SRP handshake authenticated, the server
//!    identity PAKE clients will name, and the SPAKE2+ context.
//! 3. **Request**, client to server: the client checks the username is its own (and the
//!    server identity the one it expects, if it was told one), derives `w0` and `w1` from its
//!    password and those identities ([`super::register`], scrypt, on the client) and sends
//!    the identities, `w0` and `L = w1·P`. The password and `w1` never leave the client.
//! 4. **Result**, server to client: the server stores the record under the username **its SRP
//!    handshake authenticated** (the request must repeat it, and the server identity it
//!    offered), through a [`PakeRegistrar`]; by default only for a user without a record.
//!    Then both close the connection.
//!
//! The checks live here, in the sans-IO [`RegistrationServer`] and [`RegistrationClient`];
//! the adapters ([`serve_registration_blocking`], [`register_blocking`] and, with the `tokio`
//! feature, [`serve_registration`] and [`register`]) only move the messages.
//!
//! # Wire format
//!
//! Application data on the TLS-SRP connection. Each message is `type (1 byte) || length
//! (2 bytes, big-endian) || body`, at most [`MAX_BODY_LEN`] bytes of body; vectors are
//! `opaque<0..255>` (one length byte):
//!
//! - Offer (1): `version (1) || username || server_identity || context`
//! - Request (2): `client_identity || server_identity || w0 (32) || L (65)`
//! - Result (3): `status (1: 0 registered, 1 refused, 2 failed, 3 replaced) || message (UTF-8)`

use core::fmt;

use super::spake2plus::{RECORD_LEN, SCALAR_LEN};
use super::{PakeServerParams, VerifierRecord};
use crate::{ClientConfig, ClientConnection, HandshakeKind, ServerConnection};

/// The ALPN protocol that asks for registration (experimental, ours).
pub const ALPN: &[u8] = b"x-tls-srp-pake-register-1";

/// The largest message body accepted (a request is at most 613 bytes).
pub const MAX_BODY_LEN: usize = 1024;

/// Version of the registration exchange in an offer.
const VERSION: u8 = 1;
const OFFER: u8 = 1;
const REQUEST: u8 = 2;
const RESULT: u8 = 3;

/// A message of the registration exchange.
#[derive(Clone)]
pub enum Message {
    /// Server to client: who the SRP handshake authenticated, and the PAKE parameters.
    Offer {
        /// The authenticated SRP username (the PAKE client identity).
        username: Vec<u8>,
        /// The server identity PAKE clients name.
        server_identity: Vec<u8>,
        /// The SPAKE2+ context.
        context: Vec<u8>,
    },
    /// Client to server: the record to store.
    Request {
        /// The client identity the record was derived with.
        client_identity: Vec<u8>,
        /// The server identity the record was derived with.
        server_identity: Vec<u8>,
        /// `w0` and `L`.
        record: VerifierRecord,
    },
    /// Server to client: what became of the request.
    Result {
        /// Registered, refused or failed.
        status: Status,
        /// Why, for a person (at most 255 bytes).
        message: String,
    },
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match self {
            Self::Offer {
                username,
                server_identity,
                ..
            } => f
                .debug_struct("Offer")
                .field("username", &lossy(username))
                .field("server_identity", &lossy(server_identity))
                .finish_non_exhaustive(),
            Self::Request {
                client_identity,
                server_identity,
                record,
            } => f
                .debug_struct("Request")
                .field("client_identity", &lossy(client_identity))
                .field("server_identity", &lossy(server_identity))
                .field("record", record)
                .finish(),
            Self::Result { status, message } => f
                .debug_struct("Result")
                .field("status", status)
                .field("message", message)
                .finish(),
        }
    }
}

/// The outcome a [`Message::Result`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The record is stored: the user can log in with TLS 1.3 PAKE.
    Registered,
    /// The record is stored in place of the user's earlier one.
    Replaced,
    /// The server refused (the user has a record already, or the request did not match the
    /// connection).
    Refused,
    /// The server could not store the record (its store failed).
    Failed,
}

/// Why a registration did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MigrationError {
    /// The connection is not one registration may use: it must be a TLS-SRP connection
    /// whose full handshake has completed, with [`ALPN`] agreed (the string says which is
    /// missing).
    NotAllowed(&'static str),
    /// A message did not decode (the string says how).
    Malformed(&'static str),
    /// A message of the wrong type for this point of the exchange.
    UnexpectedMessage,
    /// The request names another user than the one the SRP handshake authenticated.
    WrongUser,
    /// The request, or the offer, names another server identity than expected.
    WrongServerIdentity,
    /// The request's record is not a valid SPAKE2+ record.
    InvalidRecord,
    /// The user has a record for this server identity already (and replacing is off).
    AlreadyRegistered,
    /// The store failed to save the record.
    Store(String),
    /// The server answered "refused" or "failed" with this message.
    Rejected(Status, String),
    /// The peer closed the connection before the exchange ended.
    Closed,
}

impl fmt::Display for MigrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAllowed(why) => write!(f, "PAKE registration not allowed here: {why}"),
            Self::Malformed(why) => write!(f, "malformed PAKE registration message: {why}"),
            Self::UnexpectedMessage => f.write_str("unexpected PAKE registration message"),
            Self::WrongUser => f.write_str(
                "the registration names another user than the one the TLS-SRP handshake authenticated",
            ),
            Self::WrongServerIdentity => {
                f.write_str("the registration names another server identity than expected")
            }
            Self::InvalidRecord => f.write_str("invalid SPAKE2+ record in the registration"),
            Self::AlreadyRegistered => {
                f.write_str("the user already has a TLS 1.3 PAKE record on this server")
            }
            Self::Store(e) => write!(f, "storing the PAKE record failed: {e}"),
            Self::Rejected(Status::Failed, m) => {
                write!(f, "the server could not store the PAKE record: {m}")
            }
            Self::Rejected(_, m) => write!(f, "the server refused the PAKE registration: {m}"),
            Self::Closed => f.write_str("the connection closed during the PAKE registration"),
        }
    }
}

impl std::error::Error for MigrationError {}

/// Where a server stores the records clients register.
pub trait PakeRegistrar: Send + Sync {
    /// Stores `record` for `username` and `server_identity`. When the user has a record
    /// for that server identity: replace it if `replace`, otherwise fail with
    /// [`MigrationError::AlreadyRegistered`]. Returns whether a record was replaced.
    ///
    /// # Errors
    ///
    /// [`MigrationError::AlreadyRegistered`], or [`MigrationError::Store`] when saving fails.
    fn register_pake(
        &self,
        username: &str,
        server_identity: &[u8],
        record: VerifierRecord,
        replace: bool,
    ) -> Result<bool, MigrationError>;
}

/// A registration the server stored, or the client saw stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The user (the PAKE client identity).
    pub username: String,
    /// The server identity the record is for.
    pub server_identity: Vec<u8>,
    /// Whether an earlier record was replaced.
    pub replaced: bool,
}

/// Encodes one message.
pub fn encode(message: &Message) -> Vec<u8> {
    let mut body = Vec::new();
    let vec8 = |body: &mut Vec<u8>, v: &[u8]| {
        // Every vector is checked (or truncated, for a result's message) to 255 bytes
        // before it gets here.
        let v = v.get(..v.len().min(255)).unwrap_or_default();
        body.push(v.len() as u8);
        body.extend_from_slice(v);
    };
    let typ = match message {
        Message::Offer {
            username,
            server_identity,
            context,
        } => {
            body.push(VERSION);
            vec8(&mut body, username);
            vec8(&mut body, server_identity);
            vec8(&mut body, context);
            OFFER
        }
        Message::Request {
            client_identity,
            server_identity,
            record,
        } => {
            vec8(&mut body, client_identity);
            vec8(&mut body, server_identity);
            body.extend_from_slice(&record.w0);
            body.extend_from_slice(&record.l);
            REQUEST
        }
        Message::Result { status, message } => {
            body.push(match status {
                Status::Registered => 0,
                Status::Refused => 1,
                Status::Failed => 2,
                Status::Replaced => 3,
            });
            let mut end = message.len().min(255);
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            vec8(&mut body, message.as_bytes().get(..end).unwrap_or_default());
            RESULT
        }
    };
    let mut out = Vec::with_capacity(3 + body.len());
    out.push(typ);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(&body);
    body.fill(0); // a request's body holds w0
    out
}

/// Decodes the first message of `buf`: `Ok(None)` while it is incomplete, else the message
/// and the bytes it took.
///
/// # Errors
///
/// [`MigrationError::Malformed`] for an unknown type, a body over [`MAX_BODY_LEN`] (as soon
/// as its header is read), or a body that does not parse exactly.
pub fn decode(buf: &[u8]) -> Result<Option<(Message, usize)>, MigrationError> {
    let (Some(&typ), Some(len)) = (buf.first(), buf.get(1..3)) else {
        return Ok(None);
    };
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    if !matches!(typ, OFFER | REQUEST | RESULT) {
        return Err(MigrationError::Malformed("unknown message type"));
    }
    if len > MAX_BODY_LEN {
        return Err(MigrationError::Malformed("message too long"));
    }
    let Some(body) = buf.get(3..3 + len) else {
        return Ok(None);
    };
    let mut r = Body(body);
    let message = match typ {
        OFFER => {
            if r.u8()? != VERSION {
                return Err(MigrationError::Malformed("unknown registration version"));
            }
            Message::Offer {
                username: r.vec8()?.to_vec(),
                server_identity: r.vec8()?.to_vec(),
                context: r.vec8()?.to_vec(),
            }
        }
        REQUEST => {
            let client_identity = r.vec8()?.to_vec();
            let server_identity = r.vec8()?.to_vec();
            let w0 = r.take(SCALAR_LEN)?;
            let l = r.take(RECORD_LEN)?;
            let record =
                VerifierRecord::from_bytes(w0, l).map_err(|_| MigrationError::InvalidRecord)?;
            Message::Request {
                client_identity,
                server_identity,
                record,
            }
        }
        _ => {
            let status = match r.u8()? {
                0 => Status::Registered,
                1 => Status::Refused,
                2 => Status::Failed,
                3 => Status::Replaced,
                _ => return Err(MigrationError::Malformed("unknown status")),
            };
            let message = core::str::from_utf8(r.vec8()?)
                .map_err(|_| MigrationError::Malformed("message is not UTF-8"))?
                .to_owned();
            Message::Result { status, message }
        }
    };
    if !r.0.is_empty() {
        return Err(MigrationError::Malformed("trailing bytes"));
    }
    Ok(Some((message, 3 + len)))
}

/// A bounded reader over a message body.
struct Body<'a>(&'a [u8]);

impl<'a> Body<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], MigrationError> {
        if self.0.len() < n {
            return Err(MigrationError::Malformed("truncated body"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, MigrationError> {
        Ok(self.take(1)?[0])
    }
    fn vec8(&mut self) -> Result<&'a [u8], MigrationError> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
}

/// The server's side of a registration, for one connection (sans-IO).
#[derive(Debug)]
pub struct RegistrationServer {
    username: String,
    server_identity: Vec<u8>,
    context: Vec<u8>,
    replace: bool,
}

impl RegistrationServer {
    /// Checks that `conn` may register a record: a completed **full TLS-SRP** handshake
    /// (not a resumed session, not TLS 1.3 PAKE, not a certificate client) with a username,
    /// and [`ALPN`] agreed. `params` gives the server identity and context records are made
    /// for (those of the server's [`crate::ServerConfig::pake`]).
    ///
    /// # Errors
    ///
    /// [`MigrationError::NotAllowed`] saying which condition fails.
    pub fn new(conn: &ServerConnection, params: &PakeServerParams) -> Result<Self, MigrationError> {
        check_connection(
            conn.is_handshaking(),
            conn.is_pake(),
            conn.handshake_kind(),
            conn.alpn_protocol(),
        )?;
        let username = conn
            .username()
            .ok_or(MigrationError::NotAllowed("no authenticated username"))?;
        if params.server_identity.is_empty() || params.server_identity.len() > 255 {
            return Err(MigrationError::NotAllowed(
                "the server identity must be 1 to 255 bytes",
            ));
        }
        Ok(Self {
            username: username.to_owned(),
            server_identity: params.server_identity.clone(),
            context: params.context.clone(),
            replace: false,
        })
    }

    /// Let a registration replace the user's existing record (default: refused). With
    /// replacing on, anyone who knows a password the SRP store still accepts can change the
    /// user's PAKE password; leave it off unless SRP passwords and PAKE records are changed
    /// together.
    pub fn replace_existing(mut self, replace: bool) -> Self {
        self.replace = replace;
        self
    }

    /// The authenticated user this registration is for.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The offer to send first.
    pub fn offer(&self) -> Vec<u8> {
        encode(&Message::Offer {
            username: self.username.as_bytes().to_vec(),
            server_identity: self.server_identity.clone(),
            context: self.context.clone(),
        })
    }

    /// Handles the client's message: checks it is a request for the authenticated user and
    /// this server identity, and stores the record through `registrar`. Returns the result
    /// message to send (whatever the outcome) and the outcome.
    pub fn handle(
        &self,
        message: Message,
        registrar: &dyn PakeRegistrar,
    ) -> (Vec<u8>, Result<Registered, MigrationError>) {
        let outcome = self.check_and_store(message, registrar);
        let (status, text) = match &outcome {
            Ok(r) if r.replaced => (Status::Replaced, "registered (replaced)".to_owned()),
            Ok(_) => (Status::Registered, "registered".to_owned()),
            Err(MigrationError::Store(_)) => {
                // The store's error is for the server's log, not the client.
                (
                    Status::Failed,
                    "the server could not save the record".to_owned(),
                )
            }
            Err(e) => (Status::Refused, e.to_string()),
        };
        (
            encode(&Message::Result {
                status,
                message: text,
            }),
            outcome,
        )
    }

    fn check_and_store(
        &self,
        message: Message,
        registrar: &dyn PakeRegistrar,
    ) -> Result<Registered, MigrationError> {
        let Message::Request {
            client_identity,
            server_identity,
            record,
        } = message
        else {
            return Err(MigrationError::UnexpectedMessage);
        };
        if client_identity != self.username.as_bytes() {
            return Err(MigrationError::WrongUser);
        }
        if server_identity != self.server_identity {
            return Err(MigrationError::WrongServerIdentity);
        }
        let replaced =
            registrar.register_pake(&self.username, &self.server_identity, record, self.replace)?;
        Ok(Registered {
            username: self.username.clone(),
            server_identity: self.server_identity.clone(),
            replaced,
        })
    }
}

/// The client's side of a registration, for one connection (sans-IO).
pub struct RegistrationClient<'a> {
    config: &'a ClientConfig,
    expected_server_identity: Option<Vec<u8>>,
    sent: Option<(Vec<u8>, Vec<u8>)>,
}

impl fmt::Debug for RegistrationClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistrationClient")
            .field("username", &self.config.username())
            .finish_non_exhaustive()
    }
}

impl<'a> RegistrationClient<'a> {
    /// Checks that `conn`, made with `config` (a TLS-SRP config offering [`ALPN`]; see
    /// [`ClientConfig::pake_registration`]), completed a full TLS-SRP handshake and the
    /// server agreed to [`ALPN`]. With `expected_server_identity`, the server's offer must
    /// name it.
    ///
    /// # Errors
    ///
    /// [`MigrationError::NotAllowed`] saying which condition fails.
    pub fn new(
        config: &'a ClientConfig,
        conn: &ClientConnection,
        expected_server_identity: Option<&[u8]>,
    ) -> Result<Self, MigrationError> {
        check_connection(
            conn.is_handshaking(),
            conn.is_pake(),
            conn.handshake_kind(),
            conn.alpn_protocol(),
        )?;
        Ok(Self {
            config,
            expected_server_identity: expected_server_identity.map(<[u8]>::to_vec),
            sent: None,
        })
    }

    /// Answers the server's offer: checks it names our username (and the expected server
    /// identity), derives the record from the config's password (scrypt: about 100 ms and
    /// 32 MiB) and returns the request to send.
    ///
    /// # Errors
    ///
    /// [`MigrationError::UnexpectedMessage`] if `offer` is not an offer,
    /// [`MigrationError::WrongUser`] or [`MigrationError::WrongServerIdentity`].
    pub fn request(&mut self, offer: Message) -> Result<Vec<u8>, MigrationError> {
        let (username, server_identity) = self.check_offer(offer)?;
        let (_keys, record) = super::register(self.config.password(), &username, &server_identity);
        Ok(self.request_for(username, server_identity, record))
    }

    /// [`Self::request`]'s checks: the identities the record is to be derived for.
    fn check_offer(&self, offer: Message) -> Result<(Vec<u8>, Vec<u8>), MigrationError> {
        let Message::Offer {
            username,
            server_identity,
            context: _,
        } = offer
        else {
            return Err(MigrationError::UnexpectedMessage);
        };
        if username != self.config.username().as_bytes() {
            return Err(MigrationError::WrongUser);
        }
        if server_identity.is_empty()
            || self
                .expected_server_identity
                .as_ref()
                .is_some_and(|e| *e != server_identity)
        {
            return Err(MigrationError::WrongServerIdentity);
        }
        Ok((username, server_identity))
    }

    /// The request carrying `record`, derived for `username` and `server_identity`.
    fn request_for(
        &mut self,
        username: Vec<u8>,
        server_identity: Vec<u8>,
        record: VerifierRecord,
    ) -> Vec<u8> {
        let request = encode(&Message::Request {
            client_identity: username.clone(),
            server_identity: server_identity.clone(),
            record,
        });
        self.sent = Some((username, server_identity));
        request
    }

    /// Reads the server's result.
    ///
    /// # Errors
    ///
    /// [`MigrationError::Rejected`] when the server refused or failed,
    /// [`MigrationError::UnexpectedMessage`] for anything but a result after a request.
    pub fn finish(&self, result: Message) -> Result<Registered, MigrationError> {
        let (Message::Result { status, message }, Some((username, server_identity))) =
            (result, &self.sent)
        else {
            return Err(MigrationError::UnexpectedMessage);
        };
        match status {
            Status::Registered | Status::Replaced => Ok(Registered {
                username: String::from_utf8_lossy(username).into_owned(),
                server_identity: server_identity.clone(),
                replaced: status == Status::Replaced,
            }),
            s => Err(MigrationError::Rejected(s, message)),
        }
    }
}

/// The conditions both sides check on the connection.
fn check_connection(
    handshaking: bool,
    pake: bool,
    kind: Option<HandshakeKind>,
    alpn: Option<&[u8]>,
) -> Result<(), MigrationError> {
    if handshaking {
        return Err(MigrationError::NotAllowed(
            "the handshake has not completed",
        ));
    }
    if pake {
        return Err(MigrationError::NotAllowed(
            "a TLS 1.3 PAKE connection (register over TLS-SRP)",
        ));
    }
    if kind != Some(HandshakeKind::Full) {
        return Err(MigrationError::NotAllowed(
            "a resumed session (registration needs a full TLS-SRP handshake: the password just checked)",
        ));
    }
    if alpn != Some(ALPN) {
        return Err(MigrationError::NotAllowed(
            "the server did not agree to the registration protocol (ALPN x-tls-srp-pake-register-1)",
        ));
    }
    Ok(())
}

impl ClientConfig {
    /// A TLS-SRP client config for registering a TLS 1.3 PAKE record
    /// ([`crate::pake::migrate`]): offers [`ALPN`] only and never resumes (the server wants
    /// the password checked by a full handshake).
    pub fn pake_registration(username: impl Into<String>, password: impl AsRef<[u8]>) -> Self {
        let mut config = Self::new(username, password);
        config.alpn_protocols = vec![ALPN.to_vec()];
        config.resumption = crate::client::Resumption::disabled();
        config
    }
}

impl PakeRegistrar for crate::InMemoryUserStore {
    fn register_pake(
        &self,
        username: &str,
        server_identity: &[u8],
        record: VerifierRecord,
        replace: bool,
    ) -> Result<bool, MigrationError> {
        self.insert_pake_if(username, server_identity, record, replace)
            .ok_or(MigrationError::AlreadyRegistered)
    }
}

/// Reads one message, feeding `fill` more bytes until it is whole.
fn read_message(
    buf: &mut Vec<u8>,
    mut fill: impl FnMut(&mut Vec<u8>) -> std::io::Result<usize>,
) -> std::io::Result<Message> {
    loop {
        if let Some((m, used)) = decode(buf).map_err(io_error)? {
            buf.drain(..used);
            return Ok(m);
        }
        if fill(buf)? == 0 {
            return Err(io_error(MigrationError::Closed));
        }
    }
}

/// A registration failure as an `io::Error` (kind `InvalidData`; the [`MigrationError`]
/// is its inner error).
fn io_error(e: MigrationError) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e)
}

/// The [`MigrationError`] inside an error of the adapters, if it is one.
pub fn migration_error(e: &std::io::Error) -> Option<&MigrationError> {
    e.get_ref()?.downcast_ref()
}

fn finish_handshake<S: crate::SideData>(
    conn: &mut crate::ConnectionCommon<S>,
    sock: &mut (impl std::io::Read + std::io::Write),
) -> std::io::Result<()> {
    if conn.is_handshaking() {
        conn.complete_io(sock)?;
    }
    // The last flight (the server's Finished) may still be queued.
    while conn.wants_write() {
        conn.write_tls(sock)?;
    }
    match conn.is_handshaking() {
        true => Err(std::io::ErrorKind::UnexpectedEof.into()),
        false => Ok(()),
    }
}

fn read_some(r: &mut impl std::io::Read, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut chunk = [0u8; 512];
    let n = r.read(&mut chunk)?;
    buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    Ok(n)
}

/// Blocking server side: completes the handshake if needed, sends the offer, reads the
/// request, stores it, sends the result and close_notify. The outcome is the
/// [`Registered`] record, or an error carrying a [`MigrationError`] ([`migration_error`]) or
/// the transport's error.
///
/// # Errors
///
/// As [`RegistrationServer::new`] and [`RegistrationServer::handle`], or I/O errors.
pub fn serve_registration_blocking<T: std::io::Read + std::io::Write>(
    stream: &mut crate::stream::StreamOwned<ServerConnection, T>,
    params: &PakeServerParams,
    registrar: &dyn PakeRegistrar,
    replace: bool,
) -> std::io::Result<Registered> {
    use std::io::Write;
    finish_handshake(&mut stream.conn, &mut stream.sock)?;
    let outcome = (|| {
        let server = RegistrationServer::new(&stream.conn, params)
            .map_err(io_error)?
            .replace_existing(replace);
        stream.write_all(&server.offer())?;
        stream.flush()?;
        let mut buf = Vec::new();
        let request = read_message(&mut buf, |b| read_some(stream, b))?;
        let (reply, outcome) = server.handle(request, registrar);
        stream.write_all(&reply)?;
        outcome.map_err(io_error)
    })();
    close_blocking(stream);
    outcome
}

/// Blocking client side: completes the handshake if needed, reads the offer, sends the
/// request, reads the result and sends close_notify. `config` is the one the connection was
/// made with. The record's derivation (scrypt, about 100 ms) runs on the calling thread.
///
/// # Errors
///
/// As [`RegistrationClient`]'s steps (inside the `io::Error`, see [`migration_error`]), or
/// I/O errors.
pub fn register_blocking<T: std::io::Read + std::io::Write>(
    stream: &mut crate::stream::StreamOwned<ClientConnection, T>,
    config: &ClientConfig,
    expected_server_identity: Option<&[u8]>,
) -> std::io::Result<Registered> {
    use std::io::Write;
    finish_handshake(&mut stream.conn, &mut stream.sock)?;
    let outcome = (|| {
        let mut client = RegistrationClient::new(config, &stream.conn, expected_server_identity)
            .map_err(io_error)?;
        let mut buf = Vec::new();
        let offer = read_message(&mut buf, |b| read_some(stream, b))?;
        stream.write_all(&client.request(offer).map_err(io_error)?)?;
        stream.flush()?;
        let result = read_message(&mut buf, |b| read_some(stream, b))?;
        client.finish(result).map_err(io_error)
    })();
    close_blocking(stream);
    outcome
}

/// Sends close_notify, best effort: the exchange's outcome is what the caller reports.
fn close_blocking<C, T, S>(stream: &mut crate::stream::StreamOwned<C, T>)
where
    C: core::ops::DerefMut<Target = crate::ConnectionCommon<S>>,
    T: std::io::Read + std::io::Write,
    S: crate::SideData,
{
    stream.conn.send_close_notify();
    while stream.conn.wants_write() {
        if !matches!(stream.conn.write_tls(&mut stream.sock), Ok(n) if n > 0) {
            break;
        }
    }
    let _ = std::io::Write::flush(&mut stream.sock);
}

#[cfg(feature = "tokio")]
mod tokio_adapters {
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

    use super::*;

    async fn read_message_async<R: AsyncRead + Unpin>(
        r: &mut R,
        buf: &mut Vec<u8>,
    ) -> std::io::Result<Message> {
        loop {
            if let Some((m, used)) = decode(buf).map_err(io_error)? {
                buf.drain(..used);
                return Ok(m);
            }
            let mut chunk = [0u8; 512];
            let n = r.read(&mut chunk).await?;
            if n == 0 {
                return Err(io_error(MigrationError::Closed));
            }
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        }
    }

    /// Async server side, as [`serve_registration_blocking`] (the handshake has completed:
    /// the stream comes from an accept). The registrar is called on the connection's task:
    /// a file store's write (lock, fsync, rename) takes it briefly.
    ///
    /// # Errors
    ///
    /// As [`serve_registration_blocking`].
    pub async fn serve_registration<IO: AsyncRead + AsyncWrite + Unpin>(
        stream: &mut crate::tokio::server::TlsStream<IO>,
        params: &PakeServerParams,
        registrar: &dyn PakeRegistrar,
        replace: bool,
    ) -> std::io::Result<Registered> {
        let outcome = async {
            let server = RegistrationServer::new(stream.get_ref().1, params)
                .map_err(io_error)?
                .replace_existing(replace);
            stream.write_all(&server.offer()).await?;
            stream.flush().await?;
            let mut buf = Vec::new();
            let request = read_message_async(stream, &mut buf).await?;
            let (reply, outcome) = server.handle(request, registrar);
            stream.write_all(&reply).await?;
            outcome.map_err(io_error)
        }
        .await;
        let _ = stream.shutdown().await;
        outcome
    }

    /// Async client side, as [`register_blocking`] (the handshake has completed: the stream
    /// comes from a connect). The record's derivation (scrypt, about 100 ms and 32 MiB) runs
    /// on tokio's blocking pool (`spawn_blocking`), not on the runtime's worker.
    ///
    /// # Errors
    ///
    /// As [`register_blocking`].
    pub async fn register<IO: AsyncRead + AsyncWrite + Unpin>(
        stream: &mut crate::tokio::client::TlsStream<IO>,
        config: &ClientConfig,
        expected_server_identity: Option<&[u8]>,
    ) -> std::io::Result<Registered> {
        let outcome = async {
            let mut client =
                RegistrationClient::new(config, stream.get_ref().1, expected_server_identity)
                    .map_err(io_error)?;
            let mut buf = Vec::new();
            let offer = read_message_async(stream, &mut buf).await?;
            let (username, server_identity) = client.check_offer(offer).map_err(io_error)?;
            let password = zeroize::Zeroizing::new(config.password().to_vec());
            let (user, sid) = (username.clone(), server_identity.clone());
            let record = tokio::task::spawn_blocking(move || {
                super::super::register(&password, &user, &sid).1
            })
            .await
            .map_err(|e| std::io::Error::other(format!("registration task: {e}")))?;
            let request = client.request_for(username, server_identity, record);
            stream.write_all(&request).await?;
            stream.flush().await?;
            let result = read_message_async(stream, &mut buf).await?;
            client.finish(result).map_err(io_error)
        }
        .await;
        let _ = stream.shutdown().await;
        outcome
    }
}

#[cfg(feature = "tokio")]
pub use tokio_adapters::{register, serve_registration};
