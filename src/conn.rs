//! The sans-IO connection shared by both roles. (STUB: the real one is being written.)

use std::io;

use crate::error::Error;
use crate::msgs::enums::CipherSuite;

/// What [`ConnectionCommon::process_new_packets`] left for the caller to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoState {
    tls_bytes_to_write: usize,
    plaintext_bytes_to_read: usize,
    peer_has_closed: bool,
}

impl IoState {
    /// Bytes waiting for [`ConnectionCommon::write_tls`].
    pub fn tls_bytes_to_write(&self) -> usize {
        self.tls_bytes_to_write
    }
    /// Plaintext bytes waiting in [`ConnectionCommon::reader`].
    pub fn plaintext_bytes_to_read(&self) -> usize {
        self.plaintext_bytes_to_read
    }
    /// Whether the peer sent close_notify.
    pub fn peer_has_closed(&self) -> bool {
        self.peer_has_closed
    }
}

/// The state both roles share. [`crate::ClientConnection`] and [`crate::ServerConnection`]
/// dereference to it.
#[derive(Debug)]
pub struct ConnectionCommon {
    _private: (),
}

impl ConnectionCommon {
    /// Reads TLS bytes from `rd` (one read call, bounded by our buffer).
    /// Returns 0 at EOF. Does not process them: call [`Self::process_new_packets`].
    pub fn read_tls(&mut self, rd: &mut dyn io::Read) -> io::Result<usize> {
        let _ = rd;
        todo!()
    }
    /// Writes queued TLS bytes to `wr` (one write call). Returns bytes written.
    pub fn write_tls(&mut self, wr: &mut dyn io::Write) -> io::Result<usize> {
        let _ = wr;
        todo!()
    }
    /// Processes the bytes read so far. On error the matching alert is queued for
    /// `write_tls`, and the same error is returned by every later call (sticky).
    pub fn process_new_packets(&mut self) -> Result<IoState, Error> {
        todo!()
    }
    /// Received plaintext. `read` returns `Ok(0)` once the peer has sent close_notify,
    /// `ErrorKind::WouldBlock` when no plaintext is buffered yet, and
    /// `ErrorKind::UnexpectedEof` if the transport ended without close_notify.
    pub fn reader(&mut self) -> Reader<'_> {
        Reader { conn: self }
    }
    /// Plaintext to send. Data written before the handshake completes is buffered and sent
    /// once it does.
    pub fn writer(&mut self) -> Writer<'_> {
        Writer { conn: self }
    }
    /// Whether we need more TLS bytes from the peer.
    pub fn wants_read(&self) -> bool {
        todo!()
    }
    /// Whether TLS bytes are queued for the peer.
    pub fn wants_write(&self) -> bool {
        todo!()
    }
    /// Whether the handshake is still in progress.
    pub fn is_handshaking(&self) -> bool {
        todo!()
    }
    /// Queues a close_notify alert; nothing more can be written afterwards.
    pub fn send_close_notify(&mut self) {
        todo!()
    }
    /// The negotiated suite, once known.
    pub fn negotiated_cipher_suite(&self) -> Option<CipherSuite> {
        todo!()
    }
    /// Whether extended_master_secret (RFC 7627) was negotiated.
    pub fn extended_master_secret(&self) -> bool {
        todo!()
    }
    /// Whether encrypt_then_mac (RFC 7366) was negotiated.
    pub fn encrypt_then_mac(&self) -> bool {
        todo!()
    }
    /// The ALPN protocol agreed, if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        todo!()
    }
    /// Drives the handshake and data transfer on a blocking transport until nothing more
    /// can be done without new input: writes all queued data, and reads once if
    /// `wants_read`. Returns (bytes read, bytes written). Like rustls's `complete_io`.
    pub fn complete_io<T: io::Read + io::Write + ?Sized>(&mut self, io: &mut T) -> io::Result<(usize, usize)> {
        let _ = io;
        todo!()
    }
}

/// Reads received plaintext; see [`ConnectionCommon::reader`].
pub struct Reader<'a> {
    conn: &'a mut ConnectionCommon,
}

impl io::Read for Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let _ = (buf, &self.conn);
        todo!()
    }
}

/// Queues plaintext to send; see [`ConnectionCommon::writer`].
pub struct Writer<'a> {
    conn: &'a mut ConnectionCommon,
}

impl io::Write for Writer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = (buf, &self.conn);
        todo!()
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
