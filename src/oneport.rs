//! One port for password and certificate clients (feature `rustls`).
//!
//! The acceptor reads the client's first handshake message once and routes it: a
//! ClientHello that offers an SRP suite **and** carries the SRP extension goes to tls-srp;
//! anything else goes to a rustls `ServerConfig` that the application supplies (TLS 1.3 and
//! 1.2 with certificates), which is handed the bytes already read. Browsers and other
//! clients without SRP get an ordinary certificate handshake; tools with a password get
//! TLS-SRP, all on one listener. [`OnePortStream`] reads and writes either and says what it
//! got ([`OnePortStream::peer`]).
//!
//! The routing read is bounded in size (the records of one ClientHello, at most
//! [`MAX_HELLO_BYTES`]) and in time (the SRP config's ClientHello deadline); the rustls
//! handshake is bounded by the SRP config's handshake deadline. The SRP side keeps every
//! defence of its config (slots, rate limiter, deadlines).
//!
//! Blocking: [`OnePortAcceptor`]. Tokio (feature `tokio-rustls`):
//! [`crate::tokio::OnePortAcceptor`].

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{AcceptError, Error};
use crate::msgs::codec::Codec;
use crate::msgs::enums::CipherSuite;
use crate::msgs::handshake::ClientHelloPayload;
use crate::server::{ServerConfig, ServerConnection};
use crate::stream::{Acceptor, StreamOwned};

/// The most bytes read to route a connection: the records of one ClientHello. A larger
/// first message is routed to rustls, which decides what to make of it.
pub const MAX_HELLO_BYTES: usize = 32 * 1024;

/// Where a connection goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To tls-srp: the ClientHello offers an SRP suite and has the SRP extension, or offers
    /// TLS 1.3 with a PAKE share (draft-ietf-tls-pake; served when the config has
    /// [`ServerConfig::pake`], refused with `protocol_version` otherwise).
    Srp,
    /// To rustls: anything else.
    Certificate,
}

/// Routes the bytes read so far from a new connection: `None` while the first handshake
/// message is not complete. Anything that is not a well-formed TLS ClientHello goes to
/// rustls, whose alert then tells the client.
pub fn route(bytes: &[u8]) -> Option<Route> {
    let mut rest = bytes;
    let mut hs = Vec::new();
    loop {
        // RFC 5246 6.2.1: type, version, length, fragment.
        let Some(header) = rest.get(..5) else {
            return too_much(bytes);
        };
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if header[0] != 22 || header[1] != 3 || len == 0 || len > 16384 + 2048 {
            return Some(Route::Certificate);
        }
        let Some(fragment) = rest.get(5..5 + len) else {
            return too_much(bytes);
        };
        hs.extend_from_slice(fragment);
        rest = &rest[5 + len..];
        // RFC 5246 7.4: type, uint24 length, body.
        if hs.len() < 4 {
            continue;
        }
        if hs[0] != 1 {
            return Some(Route::Certificate);
        }
        let body_len = usize::from(hs[1]) << 16 | usize::from(hs[2]) << 8 | usize::from(hs[3]);
        if 4 + body_len > MAX_HELLO_BYTES {
            return Some(Route::Certificate);
        }
        let Some(body) = hs.get(4..4 + body_len) else {
            continue;
        };
        let srp = ClientHelloPayload::read_bytes(body).is_ok_and(|ch| {
            (ch.srp_username().is_some() && ch.cipher_suites.iter().copied().any(is_srp_suite))
                || crate::tls13::server::offers_pake(&ch)
        });
        return Some(match srp {
            true => Route::Srp,
            false => Route::Certificate,
        });
    }
}

/// More bytes are needed, unless there already are too many.
fn too_much(bytes: &[u8]) -> Option<Route> {
    (bytes.len() >= MAX_HELLO_BYTES).then_some(Route::Certificate)
}

/// RFC 5054 2.7's suites (0xC01A to 0xC022).
fn is_srp_suite(s: CipherSuite) -> bool {
    (0xC01A..=0xC022).contains(&s.get())
}

/// What the client turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// A TLS-SRP client that logged in as this user.
    Srp {
        /// The authenticated username.
        username: String,
    },
    /// A certificate (rustls) client.
    Certificate {
        /// The SNI name it sent.
        server_name: Option<String>,
        /// The TLS version (`TLSv1_3` or `TLSv1_2`).
        protocol_version: Option<rustls::ProtocolVersion>,
        /// The ALPN protocol agreed.
        alpn_protocol: Option<Vec<u8>>,
        /// Its certificate chain, if the rustls config asked for one.
        certificates: Vec<rustls::pki_types::CertificateDer<'static>>,
    },
}

impl Peer {
    /// The facts of a rustls connection.
    pub(crate) fn of_rustls(conn: &rustls::ServerConnection) -> Self {
        Self::Certificate {
            server_name: conn.server_name().map(str::to_owned),
            protocol_version: conn.protocol_version(),
            alpn_protocol: conn.alpn_protocol().map(<[u8]>::to_vec),
            certificates: conn
                .peer_certificates()
                .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_default(),
        }
    }

    /// The facts of an SRP connection.
    pub(crate) fn of_srp(conn: &ServerConnection) -> Self {
        Self::Srp {
            username: conn.username().unwrap_or_default().to_owned(),
        }
    }
}

/// A blocking stream of either kind.
// The SRP stream is kept inline (the common case here); the rustls one is boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum OnePortStream<S: Read + Write> {
    /// A TLS-SRP client.
    Srp(StreamOwned<ServerConnection, S>),
    /// A certificate client, served by rustls.
    Certificate(Box<rustls::StreamOwned<rustls::ServerConnection, S>>),
}

impl<S: Read + Write> OnePortStream<S> {
    /// Who the client is.
    pub fn peer(&self) -> Peer {
        match self {
            Self::Srp(s) => Peer::of_srp(&s.conn),
            Self::Certificate(s) => Peer::of_rustls(&s.conn),
        }
    }

    /// The transport.
    pub fn get_ref(&self) -> &S {
        match self {
            Self::Srp(s) => &s.sock,
            Self::Certificate(s) => &s.sock,
        }
    }

    /// Sends close_notify (then flush).
    pub fn send_close_notify(&mut self) {
        match self {
            Self::Srp(s) => s.conn.send_close_notify(),
            Self::Certificate(s) => s.conn.send_close_notify(),
        }
    }
}

impl<S: Read + Write> Read for OnePortStream<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Srp(s) => s.read(buf),
            Self::Certificate(s) => s.read(buf),
        }
    }
}

impl<S: Read + Write> Write for OnePortStream<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Srp(s) => s.write(buf),
            Self::Certificate(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Srp(s) => s.flush(),
            Self::Certificate(s) => s.flush(),
        }
    }
}

/// Accepts both kinds of client on blocking TCP sockets. Cheap to clone.
#[derive(Debug, Clone)]
pub struct OnePortAcceptor {
    srp: Acceptor,
    certificates: Arc<rustls::ServerConfig>,
}

impl OnePortAcceptor {
    /// SRP clients get `srp`, everyone else `certificates`.
    pub fn new(srp: Arc<ServerConfig>, certificates: Arc<rustls::ServerConfig>) -> Self {
        Self {
            srp: Acceptor::new(srp),
            certificates,
        }
    }

    /// Reads the ClientHello (within the SRP config's ClientHello deadline), routes it, and
    /// runs the handshake of the side it goes to (within the SRP config's handshake
    /// deadline). `TimedOut` when a deadline passes; a TLS failure is `InvalidData` with the
    /// tls-srp or rustls error inside.
    pub fn accept(&self, mut sock: TcpStream) -> io::Result<OnePortStream<TcpStream>> {
        let config = self.srp.config();
        let started = Instant::now();
        let peer = sock.peer_addr().ok().map(|a| a.ip());
        let (route, hello) = read_hello(&mut sock, deadline(started, config.client_hello_timeout))
            .map_err(|e| AcceptError::one_port(e, peer, false))?;
        match route {
            Route::Srp => self
                .srp
                .accept_prefixed(sock, &hello)
                .map(OnePortStream::Srp),
            Route::Certificate => self
                .certificate_handshake(sock, &hello, deadline(started, config.handshake_timeout))
                .map_err(|e| AcceptError::one_port(e, peer, true)),
        }
    }

    /// The rustls handshake of a client without SRP, whose first bytes were `hello`.
    fn certificate_handshake(
        &self,
        sock: TcpStream,
        hello: &[u8],
        until: Option<Instant>,
    ) -> io::Result<OnePortStream<TcpStream>> {
        let mut conn =
            rustls::ServerConnection::new(self.certificates.clone()).map_err(io::Error::other)?;
        let mut prefix = hello;
        while !prefix.is_empty() {
            conn.read_tls(&mut prefix)?;
            if let Err(e) = conn.process_new_packets() {
                // rustls queued the alert that says why: send it.
                let _ = conn.write_tls(&mut &sock);
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
        }
        let mut tls = rustls::StreamOwned::new(conn, sock);
        with_socket_deadline(&tls.sock.try_clone()?, until, || {
            while tls.conn.is_handshaking() {
                tls.conn.complete_io(&mut tls.sock)?;
            }
            Ok(())
        })?;
        Ok(OnePortStream::Certificate(Box::new(tls)))
    }
}

fn deadline(start: Instant, t: Option<Duration>) -> Option<Instant> {
    t.and_then(|t| start.checked_add(t))
}

/// Runs `f` with the socket's timeouts set to the time left before `until` (restored
/// afterwards); a timeout is `TimedOut`.
fn with_socket_deadline<T>(
    sock: &TcpStream,
    until: Option<Instant>,
    f: impl FnOnce() -> io::Result<T>,
) -> io::Result<T> {
    let saved = (sock.read_timeout()?, sock.write_timeout()?);
    if let Some(until) = until {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::HandshakeTimedOut.into());
        }
        sock.set_read_timeout(Some(left))?;
        sock.set_write_timeout(Some(left))?;
    }
    let res = f().map_err(|e| match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Error::HandshakeTimedOut.into(),
        _ => e,
    });
    sock.set_read_timeout(saved.0)?;
    sock.set_write_timeout(saved.1)?;
    res
}

/// Reads until the first handshake message routes (bounded by [`MAX_HELLO_BYTES`] and
/// `until`).
fn read_hello(sock: &mut TcpStream, until: Option<Instant>) -> io::Result<(Route, Vec<u8>)> {
    let probe = sock.try_clone()?;
    with_socket_deadline(&probe, until, || {
        let mut hello = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            if let Some(route) = route(&hello) {
                return Ok((route, hello));
            }
            let n = sock.read(&mut buf)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "peer closed the connection before its ClientHello was complete",
                ));
            }
            hello.extend_from_slice(&buf[..n]);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::handshake::{ClientExtension, HandshakeMessagePayload, HandshakePayload};

    fn records(hello: &ClientHelloPayload, fragment: usize) -> Vec<u8> {
        let msg = HandshakeMessagePayload::new(HandshakePayload::ClientHello(hello.clone()))
            .get_encoding();
        let mut out = Vec::new();
        for chunk in msg.chunks(fragment) {
            out.extend_from_slice(&[22, 3, 1]);
            out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
            out.extend_from_slice(chunk);
        }
        out
    }

    fn hello(suites: &[u16], srp_ext: bool) -> ClientHelloPayload {
        let mut extensions = vec![ClientExtension::ServerName(vec![b"example".to_vec()])];
        if srp_ext {
            extensions.push(ClientExtension::SrpUsername(b"alice".to_vec()));
        }
        ClientHelloPayload {
            client_version: crate::ProtocolVersion::TLSv1_2,
            random: crate::msgs::handshake::Random([1; 32]),
            session_id: crate::msgs::handshake::SessionId(Vec::new()),
            cipher_suites: suites.iter().map(|&s| CipherSuite::from(s)).collect(),
            compression_methods: vec![crate::msgs::enums::Compression::Null],
            extensions,
        }
    }

    /// A TLS 1.3 PAKE ClientHello (the shape of ours and BoringSSL's).
    fn pake_hello(tls13: bool) -> ClientHelloPayload {
        use crate::msgs::enums::{ExtensionType, ProtocolVersion};
        let mut ch = hello(&[0x1301], false);
        let version = match tls13 {
            true => ProtocolVersion::TLSv1_3,
            false => ProtocolVersion::TLSv1_2,
        };
        ch.extensions = vec![
            ClientExtension::SupportedVersions(vec![version]),
            ClientExtension::Unknown {
                typ: ExtensionType::Pake,
                payload: crate::tls13::PakeClientHello {
                    client_identity: b"alice".to_vec(),
                    server_identity: b"srv".to_vec(),
                    shares: vec![(crate::tls13::SPAKE2PLUS_V1, vec![4; 65])],
                }
                .encode(),
            },
        ];
        ch
    }

    #[test]
    fn routes_by_suite_and_extension_at_any_fragmentation() {
        let cases = [
            (hello(&[0x1301, 0xC020], true), Route::Srp),
            (hello(&[0xC021], true), Route::Srp),
            (hello(&[0x1301, 0xC02F], true), Route::Certificate),
            (hello(&[0xC020], false), Route::Certificate),
            (hello(&[0x1301, 0x1302], false), Route::Certificate),
            (pake_hello(true), Route::Srp),
            // A PAKE extension without TLS 1.3 offered is nobody's: rustls refuses it.
            (pake_hello(false), Route::Certificate),
        ];
        for (ch, want) in cases {
            for fragment in [1, 7, 100, 16384] {
                let wire = records(&ch, fragment);
                for cut in 0..wire.len() {
                    assert_eq!(route(&wire[..cut]), None, "cut {cut}");
                }
                assert_eq!(route(&wire), Some(want), "fragment {fragment}");
            }
        }
    }

    #[test]
    fn anything_else_goes_to_rustls() {
        // Not a handshake record, not a ClientHello, not TLS at all, too large.
        assert_eq!(route(&[23, 3, 3, 0, 1, 0]), Some(Route::Certificate));
        assert_eq!(
            route(&[22, 3, 3, 0, 4, 2, 0, 0, 0]),
            Some(Route::Certificate)
        );
        assert_eq!(route(b"GET / HTTP/1.1\r\n"), Some(Route::Certificate));
        assert_eq!(
            route(&[22, 3, 3, 0, 4, 1, 0xff, 0xff, 0xff]),
            Some(Route::Certificate)
        );
        let mut endless = Vec::new();
        while endless.len() < MAX_HELLO_BYTES {
            endless.extend_from_slice(&[22, 3, 3, 0, 1, 0]);
        }
        assert_eq!(route(&endless[..5]), None);
        assert_eq!(route(&endless), Some(Route::Certificate));
    }
}
