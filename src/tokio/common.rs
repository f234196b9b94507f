//! The generic async stream both roles share: the sync core driven by `poll_*` calls.
//!
//! The core only knows `std::io::{Read, Write}`. [`SyncReadAdapter`] and
//! [`SyncWriteAdapter`] wrap an async transport and a task context so that `Poll::Pending`
//! becomes `ErrorKind::WouldBlock` on the way in, and [`Stream`] turns `WouldBlock` back into
//! `Poll::Pending` on the way out. The transport's waker has been registered whenever
//! `Pending` is returned.

use std::future::Future;
use std::io::{self, Read, Write};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use ::tokio::time::Sleep;

use crate::client::{ClientConnection, ClientConnectionData};
use crate::conn::{ConnectionCommon, SideData};
use crate::error::Error;
use crate::hs::Pause;
use crate::server::{HeldLookup, ServerConnection, ServerConnectionData};

/// Most plaintext one `poll_write` takes. Together with draining the queued TLS bytes before
/// taking more, this bounds what a slow peer makes us buffer.
const MAX_PLAINTEXT_PER_WRITE: usize = 64 * 1024;

/// A connection of either role, as the async adapter sees it.
pub(crate) trait Session: DerefMut<Target = ConnectionCommon<Self::Data>> {
    type Data: SideData;

    /// The error a failed handshake reports (a server's says who tried).
    fn handshake_error(&self, e: io::Error) -> io::Error {
        e
    }
}

impl Session for ClientConnection {
    type Data = ClientConnectionData;
}

impl Session for ServerConnection {
    type Data = ServerConnectionData;

    fn handshake_error(&self, e: io::Error) -> io::Error {
        self.accept_error(e).into_io()
    }
}

/// Which directions are still open. close_notify is sent when leaving the write side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TlsState {
    /// Both directions open.
    Stream,
    /// The peer's close_notify has been read.
    ReadShutdown,
    /// Our close_notify has been queued.
    WriteShutdown,
    /// Both.
    FullyShutdown,
}

impl TlsState {
    pub(crate) fn shutdown_read(&mut self) {
        *self = match *self {
            Self::WriteShutdown | Self::FullyShutdown => Self::FullyShutdown,
            Self::Stream | Self::ReadShutdown => Self::ReadShutdown,
        };
    }

    pub(crate) fn shutdown_write(&mut self) {
        *self = match *self {
            Self::ReadShutdown | Self::FullyShutdown => Self::FullyShutdown,
            Self::Stream | Self::WriteShutdown => Self::WriteShutdown,
        };
    }

    pub(crate) fn readable(self) -> bool {
        matches!(self, Self::Stream | Self::WriteShutdown)
    }

    pub(crate) fn writeable(self) -> bool {
        matches!(self, Self::Stream | Self::ReadShutdown)
    }
}

/// A transport and a connection, driven together.
#[derive(Debug)]
pub(crate) struct Stream<IO, C> {
    pub(crate) io: IO,
    pub(crate) conn: C,
    pub(crate) state: TlsState,
    /// Bytes went to `io` since its last successful flush (handshake only).
    need_flush: bool,
    /// During the handshake: a timer for the connection's next timeout (a pause that ends,
    /// the handshake deadline), with the instant it is set for.
    timer: Option<(Instant, Pin<Box<Sleep>>)>,
    /// A server's deferred user lookup, being awaited.
    lookup: Option<HeldLookup>,
}

/// A TLS error as an `io::Error` (kind `InvalidData`, or `TimedOut` for a handshake that
/// ran out of time), with the [`Error`] inside.
pub(crate) fn tls_error(err: Error) -> io::Error {
    err.into()
}

/// Where a handshake future stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Until {
    /// At the end of the handshake.
    Done,
    /// At the end of the handshake, or when a server waits for the application to supply a
    /// user (`LazyAcceptor`).
    DoneOrUserLookup,
}

impl<IO, C> Stream<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: Session,
{
    pub(crate) fn new(io: IO, conn: C) -> Self {
        Self {
            io,
            conn,
            state: TlsState::Stream,
            need_flush: false,
            timer: None,
            lookup: None,
        }
    }

    /// One `write_tls` call. `Pending` if the transport is not ready.
    fn write_io(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut writer = SyncWriteAdapter {
            io: &mut self.io,
            cx,
        };
        match self.conn.write_tls(&mut writer) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
            result => Poll::Ready(result),
        }
    }

    /// One `read_tls` call, then `process_new_packets`. `Ready(Ok(0))` at EOF.
    ///
    /// On a TLS error the queued alert is written as far as the transport takes it now, and
    /// the error comes back as `InvalidData`; what is left of the alert stays queued
    /// (`conn.wants_write()`), for a caller that can wait to send it.
    pub(crate) fn read_io(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut reader = SyncReadAdapter {
            io: &mut self.io,
            cx,
        };
        let n = match self.conn.read_tls(&mut reader) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
            Err(e) => return Poll::Ready(Err(e)),
        };
        self.process(cx)?;
        Poll::Ready(Ok(n))
    }

    /// `process_new_packets`; on a TLS error, the alert is sent as far as the transport
    /// takes it now.
    fn process(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if let Err(err) = self.conn.process_new_packets() {
            self.last_gasp(cx);
            return Err(tls_error(err));
        }
        Ok(())
    }

    /// Awaits the store's deferred user lookup, if the handshake waits for one: `true` once
    /// it is answered (the handshake goes on), `false` while it is pending or there is none.
    /// A store that cannot answer fails the handshake closed (`internal_error`, sent now).
    fn await_user_lookup(&mut self, cx: &mut Context<'_>) -> io::Result<bool> {
        if self.lookup.is_none() {
            self.lookup = self.conn.take_deferred_lookup().map(HeldLookup::new);
        }
        let Some(held) = self.lookup.as_mut() else {
            return Ok(false);
        };
        let Poll::Ready(answer) = held.get().as_mut().poll(cx) else {
            return Ok(false);
        };
        self.lookup = None;
        if let Err(err) = self.conn.answer_deferred_lookup(answer) {
            self.last_gasp(cx);
            return Err(tls_error(err));
        }
        Ok(true)
    }

    /// Whether the connection's next timeout (`at`) has passed; otherwise the task is woken
    /// when it does.
    fn timeout_passed(&mut self, cx: &mut Context<'_>, at: Instant) -> bool {
        if Instant::now() >= at {
            return true;
        }
        let timer = match &mut self.timer {
            Some((set, timer)) if *set == at => timer,
            _ => {
                let sleep = Box::pin(::tokio::time::sleep_until(at.into()));
                &mut self.timer.insert((at, sleep)).1
            }
        };
        if timer.as_mut().poll(cx).is_pending() {
            return false;
        }
        // The timer fired; trust the clock, and wait again if it is early.
        let passed = Instant::now() >= at;
        if !passed {
            let mut sleep = Box::pin(::tokio::time::sleep_until(at.into()));
            let _ = sleep.as_mut().poll(cx);
            self.timer = Some((at, sleep));
        }
        passed
    }

    /// Writes queued bytes (an alert, after an error) until done or the transport blocks.
    /// Errors are ignored: the caller is already reporting a more important one.
    fn last_gasp(&mut self, cx: &mut Context<'_>) {
        while self.conn.wants_write() {
            match self.write_io(cx) {
                Poll::Ready(Ok(n)) if n > 0 => {}
                _ => return,
            }
        }
        let _ = Pin::new(&mut self.io).poll_flush(cx);
    }

    /// Writes every queued TLS byte and flushes the transport.
    pub(crate) fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.wants_write() {
            if ready!(self.write_io(cx))? == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.need_flush = true;
        }
        if self.need_flush {
            ready!(Pin::new(&mut self.io).poll_flush(cx))?;
            self.need_flush = false;
        }
        Poll::Ready(Ok(()))
    }

    /// Drives the handshake to its end (or, with [`Until::DoneOrUserLookup`], to a user
    /// lookup), with everything we had to send written and flushed. Pauses and the
    /// handshake deadline are waited for with a timer; what was read meanwhile is
    /// processed as soon as the pause is over.
    pub(crate) fn poll_handshake(
        &mut self,
        cx: &mut Context<'_>,
        until: Until,
    ) -> Poll<io::Result<()>> {
        let done = loop {
            // Send first: the peer may be waiting for our flight before it sends anything.
            let write_blocked = self.poll_drain(cx)?.is_pending();
            if !self.conn.is_handshaking() {
                break match write_blocked {
                    true => Poll::Pending,
                    false => Poll::Ready(Ok(())),
                };
            }
            if let Some(at) = self.conn.next_timeout() {
                if self.timeout_passed(cx, at) {
                    // A pause is over (go on) or the deadline has passed (TimedOut).
                    self.process(cx)?;
                    continue;
                }
            }
            match self.conn.pause() {
                Some(Pause::Application) if self.await_user_lookup(cx)? => continue,
                // The lookup (or the timer) wakes us.
                Some(Pause::Application) if self.lookup.is_some() => break Poll::Pending,
                Some(Pause::Application) if until == Until::DoneOrUserLookup => {
                    break Poll::Ready(Ok(()));
                }
                Some(Pause::Application) => {
                    break Poll::Ready(Err(io::Error::other(Error::ApiMisuse(
                        "the server config has no user store: accept with tokio::LazyAcceptor and supply the user",
                    ))));
                }
                // The timer wakes us.
                Some(Pause::Until(_)) => break Poll::Pending,
                None => {}
            }
            if !self.conn.wants_read() {
                break match write_blocked {
                    true => Poll::Pending,
                    false => Poll::Ready(Err(io::Error::other("TLS handshake stalled"))),
                };
            }
            match ready!(self.read_io(cx))? {
                0 => {
                    break Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "peer closed the connection during the TLS handshake",
                    )))
                }
                _ => continue,
            }
        };
        if let Poll::Ready(Ok(())) = done {
            if !self.conn.is_handshaking() {
                self.timer = None;
            }
        }
        done
    }

    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.state.readable() || buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let mut eof = false;
        loop {
            match self.conn.reader().read(buf.initialize_unfilled()) {
                Ok(0) => {
                    // close_notify received.
                    self.state.shutdown_read();
                    return Poll::Ready(Ok(()));
                }
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if eof {
                        // The core should have said UnexpectedEof itself; never spin on EOF.
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "peer closed the connection without sending close_notify",
                        )));
                    }
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
            if ready!(self.read_io(cx))? == 0 {
                eof = true;
            }
        }
    }

    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }

    /// Writes from several buffers at once: each record is filled from as many of them as
    /// fit (hyper writes headers and body this way).
    pub(crate) fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if bufs.iter().all(|b| b.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        // Back-pressure: take new plaintext only once what earlier calls queued is sent.
        while self.conn.wants_write() {
            if ready!(self.write_io(cx))? == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
        }
        let mut budget = MAX_PLAINTEXT_PER_WRITE;
        let mut take = Vec::with_capacity(bufs.len());
        for b in bufs {
            if budget == 0 {
                break;
            }
            let part = b.get(..budget).unwrap_or(b);
            budget -= part.len();
            take.push(io::IoSlice::new(part));
        }
        let n = self.conn.writer().write_vectored(&take)?;
        // Start sending now. What was taken is consumed whatever happens, so errors and
        // back-pressure are left for the next call (or flush) to report.
        while self.conn.wants_write() {
            match self.write_io(cx) {
                Poll::Ready(Ok(w)) if w > 0 => {}
                _ => break,
            }
        }
        Poll::Ready(Ok(n))
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.conn.writer().flush()?;
        while self.conn.wants_write() {
            if ready!(self.write_io(cx))? == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    /// Sends close_notify (once), everything still queued, then shuts the transport down.
    pub(crate) fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.state.writeable() {
            self.conn.send_close_notify();
            self.state.shutdown_write();
        }
        while self.conn.wants_write() {
            if ready!(self.write_io(cx))? == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
        }
        match ready!(Pin::new(&mut self.io).poll_shutdown(cx)) {
            // A transport the peer already tore down is shut down enough.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Poll::Ready(Ok(())),
            other => Poll::Ready(other),
        }
    }
}

/// `std::io::Read` over an `AsyncRead` and a task context: `Pending` becomes `WouldBlock`.
pub(crate) struct SyncReadAdapter<'a, 'b, T> {
    pub(crate) io: &'a mut T,
    pub(crate) cx: &'a mut Context<'b>,
}

impl<T: AsyncRead + Unpin> Read for SyncReadAdapter<'_, '_, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut buf = ReadBuf::new(buf);
        match Pin::new(&mut *self.io).poll_read(self.cx, &mut buf) {
            Poll::Ready(Ok(())) => Ok(buf.filled().len()),
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

/// `std::io::Write` over an `AsyncWrite` and a task context: `Pending` becomes `WouldBlock`.
pub(crate) struct SyncWriteAdapter<'a, 'b, T> {
    pub(crate) io: &'a mut T,
    pub(crate) cx: &'a mut Context<'b>,
}

impl<T: AsyncWrite + Unpin> SyncWriteAdapter<'_, '_, T> {
    fn sync<R>(
        &mut self,
        f: impl FnOnce(Pin<&mut T>, &mut Context<'_>) -> Poll<io::Result<R>>,
    ) -> io::Result<R> {
        match f(Pin::new(&mut *self.io), self.cx) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl<T: AsyncWrite + Unpin> Write for SyncWriteAdapter<'_, '_, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sync(|io, cx| io.poll_write(cx, buf))
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.sync(|io, cx| io.poll_write_vectored(cx, bufs))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sync(|io, cx| io.poll_flush(cx))
    }
}

/// A role's `TlsStream<IO>`: the stream after the handshake, with its accessors and the
/// `AsyncRead`/`AsyncWrite` (and, on Unix, `AsRawFd`) impls, the same for both roles.
macro_rules! tls_stream {
    ($(#[$doc:meta])* $conn:ty) => {
        $(#[$doc])*
        ///
        /// Reads return 0 once the peer has sent close_notify, and fail with `UnexpectedEof`
        /// if it closed the transport without one. `shutdown` sends close_notify, then shuts
        /// `IO` down. Writes are encrypted and sent as they come; call `flush` to be sure
        /// they have left.
        #[derive(Debug)]
        pub struct TlsStream<IO> {
            inner: $crate::tokio::common::Stream<IO, $conn>,
        }

        impl<IO> TlsStream<IO> {
            /// The transport and the connection.
            pub fn get_ref(&self) -> (&IO, &$conn) {
                (&self.inner.io, &self.inner.conn)
            }

            /// The transport and the connection, mutably.
            pub fn get_mut(&mut self) -> (&mut IO, &mut $conn) {
                (&mut self.inner.io, &mut self.inner.conn)
            }

            /// Gives back the transport and the connection.
            pub fn into_inner(self) -> (IO, $conn) {
                (self.inner.io, self.inner.conn)
            }
        }

        impl<IO> ::tokio::io::AsyncRead for TlsStream<IO>
        where
            IO: ::tokio::io::AsyncRead + ::tokio::io::AsyncWrite + Unpin,
        {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut ::tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.get_mut().inner.poll_read(cx, buf)
            }
        }

        impl<IO> ::tokio::io::AsyncWrite for TlsStream<IO>
        where
            IO: ::tokio::io::AsyncRead + ::tokio::io::AsyncWrite + Unpin,
        {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.get_mut().inner.poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.get_mut().inner.poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.get_mut().inner.poll_flush(cx)
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.get_mut().inner.poll_shutdown(cx)
            }
        }

        #[cfg(unix)]
        impl<IO: std::os::unix::io::AsRawFd> std::os::unix::io::AsRawFd for TlsStream<IO> {
            fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
                self.inner.io.as_raw_fd()
            }
        }
    };
}
pub(crate) use tls_stream;
