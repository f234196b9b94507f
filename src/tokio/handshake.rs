//! The handshake future shared by `Connect` and `Accept`.

use std::future::Future;
use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use ::tokio::io::{AsyncRead, AsyncWrite};
use ::tokio::time::{Instant, Sleep};

use super::common::{Session, Stream};

/// A handshake in progress. Resolves to the stream, or to the error and (if it still has
/// it) the transport.
#[derive(Debug)]
pub(crate) enum MidHandshake<IO, C> {
    /// Exchanging handshake messages.
    Handshaking(Stream<IO, C>),
    /// Failed; sending the alert that says why before reporting `error`.
    SendAlert {
        stream: Stream<IO, C>,
        error: io::Error,
    },
    /// Failed before any IO (the connection could not be created).
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
}

impl<IO, C> Future for MidHandshake<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: Session + Unpin,
{
    type Output = Result<Stream<IO, C>, HandshakeFailure<IO>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match mem::replace(this, Self::End) {
                Self::Handshaking(mut stream) => match stream.poll_handshake(cx) {
                    Poll::Ready(Ok(())) => return Poll::Ready(Ok(stream)),
                    Poll::Pending => {
                        *this = Self::Handshaking(stream);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(error)) => {
                        if stream.conn.wants_write() {
                            // The alert did not fit in the transport yet: wait to send it.
                            *this = Self::SendAlert { stream, error };
                            continue;
                        }
                        return Poll::Ready(Err((error, Some(stream.io))));
                    }
                },
                Self::SendAlert { mut stream, error } => match stream.poll_drain(cx) {
                    Poll::Pending => {
                        *this = Self::SendAlert { stream, error };
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

/// A handshake with an optional deadline. On expiry the handshake is abandoned without an
/// alert and the error has kind `TimedOut`.
#[derive(Debug)]
pub(crate) struct Bounded<IO, C> {
    pub(crate) hs: MidHandshake<IO, C>,
    deadline: Option<Instant>,
    /// Made on the first poll (a runtime is needed to make a `Sleep`).
    sleep: Option<Pin<Box<Sleep>>>,
}

impl<IO, C> Bounded<IO, C> {
    /// `hs`, to be completed within `timeout` from now (`None`: no limit).
    pub(crate) fn new(hs: MidHandshake<IO, C>, timeout: Option<Duration>) -> Self {
        Self {
            hs,
            deadline: timeout.and_then(|t| Instant::now().checked_add(t)),
            sleep: None,
        }
    }

    /// Whether the deadline has passed (registers the waker otherwise).
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(at) = self.deadline else {
            return false;
        };
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(::tokio::time::sleep_until(at)));
        sleep.as_mut().poll(cx).is_ready()
    }
}

/// The error of a handshake that ran out of time.
pub(crate) fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out")
}

impl<IO, C> Future for Bounded<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: Session + Unpin,
{
    type Output = Result<Stream<IO, C>, HandshakeFailure<IO>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(out) = Pin::new(&mut this.hs).poll(cx) {
            return Poll::Ready(out);
        }
        if this.expired(cx) {
            let io = match mem::replace(&mut this.hs, MidHandshake::End) {
                MidHandshake::Handshaking(s) | MidHandshake::SendAlert { stream: s, .. } => {
                    Some(s.io)
                }
                MidHandshake::Error { io, .. } => Some(io),
                MidHandshake::End => None,
            };
            return Poll::Ready(Err((timed_out(), io)));
        }
        Poll::Pending
    }
}
