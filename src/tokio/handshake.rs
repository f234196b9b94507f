//! The handshake future shared by `Connect`, `Accept` and `LazyAcceptor`, and the wait for
//! a server handshake slot.

use std::future::Future;
use std::io;
use std::mem;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use ::tokio::io::{AsyncRead, AsyncWrite};
use ::tokio::time::Sleep;

use super::common::{Session, Stream, Until};
use crate::error::{AcceptError, Error};
use crate::limits::SlotReleased;
use crate::server::{ServerConfig, ServerConnection};

/// A handshake in progress. Resolves to the stream, or to the error and (if it still has
/// it) the transport. The connection's own deadline and pauses are honoured (see
/// [`Stream::poll_handshake`]).
#[derive(Debug)]
pub(crate) enum MidHandshake<IO, C> {
    /// Exchanging handshake messages.
    Handshaking(Stream<IO, C>),
    /// Failed; sending the alert that says why before reporting `error`.
    SendAlert {
        stream: Stream<IO, C>,
        error: io::Error,
    },
    /// Failed before any TLS (the connection could not be created).
    Error { io: IO, error: io::Error },
    /// The output has been taken.
    End,
}

/// What a failed handshake gives back: the error and the transport, which is `None` only
/// if the future was polled again after it had completed.
pub type HandshakeFailure<IO> = (io::Error, Option<IO>);

impl<IO, C> MidHandshake<IO, C> {
    pub(crate) fn io_ref(&self) -> Option<&IO> {
        match self {
            Self::Handshaking(s) | Self::SendAlert { stream: s, .. } => Some(&s.io),
            Self::Error { io, .. } => Some(io),
            Self::End => None,
        }
    }

    pub(crate) fn io_mut(&mut self) -> Option<&mut IO> {
        match self {
            Self::Handshaking(s) | Self::SendAlert { stream: s, .. } => Some(&mut s.io),
            Self::Error { io, .. } => Some(io),
            Self::End => None,
        }
    }

    /// Drives the handshake to `until`.
    pub(crate) fn poll_until(
        &mut self,
        cx: &mut Context<'_>,
        until: Until,
    ) -> Poll<Result<Stream<IO, C>, HandshakeFailure<IO>>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
        C: Session + Unpin,
    {
        loop {
            match mem::replace(self, Self::End) {
                Self::Handshaking(mut stream) => match stream.poll_handshake(cx, until) {
                    Poll::Ready(Ok(())) => return Poll::Ready(Ok(stream)),
                    Poll::Pending => {
                        *self = Self::Handshaking(stream);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(error)) => {
                        let error = stream.conn.handshake_error(error);
                        if stream.conn.wants_write() {
                            // The alert did not fit in the transport yet: wait to send it.
                            *self = Self::SendAlert { stream, error };
                            continue;
                        }
                        return Poll::Ready(Err((error, Some(stream.io))));
                    }
                },
                Self::SendAlert { mut stream, error } => match stream.poll_drain(cx) {
                    Poll::Pending => {
                        *self = Self::SendAlert { stream, error };
                        return Poll::Pending;
                    }
                    // A failure to send the alert is less interesting than why we sent it.
                    Poll::Ready(_) => return Poll::Ready(Err((error, Some(stream.io)))),
                },
                Self::Error { io, error } => return Poll::Ready(Err((error, Some(io)))),
                Self::End => {
                    return Poll::Ready(Err((
                        io::Error::other("handshake future polled after completion"),
                        None,
                    )))
                }
            }
        }
    }
}

impl<IO, C> Future for MidHandshake<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: Session + Unpin,
{
    type Output = Result<Stream<IO, C>, HandshakeFailure<IO>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().poll_until(cx, Until::Done)
    }
}

/// A server connection in the making: it waits for a handshake slot of the config (see
/// [`crate::limits::HandshakeSlots`]) if none is free, at most the config's handshake
/// timeout from its start. Waiting holds no slot.
#[derive(Debug)]
pub(crate) struct NewServerConnection {
    config: Arc<ServerConfig>,
    peer: Option<IpAddr>,
    give_up: Option<Instant>,
    released: Option<SlotReleased>,
    timer: Option<Pin<Box<Sleep>>>,
}

impl NewServerConnection {
    pub(crate) fn new(config: Arc<ServerConfig>, peer: Option<IpAddr>) -> Self {
        let give_up = config
            .handshake_timeout
            .and_then(|t| Instant::now().checked_add(t));
        Self {
            config,
            peer,
            give_up,
            released: None,
            timer: None,
        }
    }

    pub(crate) fn poll_connection(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ServerConnection>> {
        loop {
            let slots = self.config.handshake_slots.clone();
            let seen = slots.as_ref().map(|s| s.generation());
            let peer = self.peer;
            let failed = |e: io::Error| AcceptError::new(e, None, peer, None, false).into_io();
            match ServerConnection::new(self.config.clone(), self.peer) {
                Ok(conn) => return Poll::Ready(Ok(conn)),
                Err(Error::ServerBusy) => {}
                Err(e) => return Poll::Ready(Err(failed(io::Error::other(e)))),
            }
            let (Some(slots), Some(seen)) = (slots, seen) else {
                return Poll::Ready(Err(failed(Error::ServerBusy.into())));
            };
            if let Some(at) = self.give_up {
                let timer = self
                    .timer
                    .get_or_insert_with(|| Box::pin(::tokio::time::sleep_until(at.into())));
                if timer.as_mut().poll(cx).is_ready() || Instant::now() >= at {
                    return Poll::Ready(Err(failed(io::Error::new(
                        io::ErrorKind::TimedOut,
                        Error::ServerBusy,
                    ))));
                }
            }
            let released = self.released.insert(slots.released(seen));
            if Pin::new(released).poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}
