//! What both handshakes are made of: the [`State`] trait through which the connection
//! drives either role, and the steps both roles take (await a message, emit and hash one,
//! ChangeCipherSpec, Finished), written once.
//!
//! A state consumes itself and returns the next one, moving what it knows (transcript,
//! randoms, secrets) along; nothing is an `Option` that means "not yet". A state may
//! [`Pause`]: until an instant (the rate limiter's delay) or until the application supplies
//! something (a user record). The connection then leaves what it has read buffered, and
//! goes on from there as soon as the pause is over.

use std::time::Instant;

use crate::common_state::{Negotiated, RecordIo};
use crate::crypto::prf::Transcript;
use crate::error::Error;
use crate::msgs::enums::{ContentType, HandshakeType};
use crate::msgs::handshake::{HandshakeMessagePayload, HandshakePayload};
use crate::tls12::{verify_data_matches, ConnectionSecrets, Side};

/// An input to a handshake state.
pub(crate) enum HsInput {
    /// A handshake message, decoded, with its exact bytes for the transcript.
    Handshake(HandshakeMessagePayload, Vec<u8>),
    /// A ChangeCipherSpec record.
    ChangeCipherSpec,
    /// TLS 1.3: the application asks for new keys ([`crate::ConnectionCommon::send_key_update`]).
    LocalKeyUpdate,
}

/// What a state may change: the record layer and queues, the negotiated facts, the role's
/// own data, and the handshake deadline.
pub(crate) struct Context<'a, Data> {
    pub(crate) io: &'a mut RecordIo,
    pub(crate) facts: &'a mut Negotiated,
    pub(crate) data: &'a mut Data,
    pub(crate) deadline: &'a mut Option<Instant>,
}

/// Why a state does not take input now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pause {
    /// Not before this instant (then [`State::resume`]).
    Until(Instant),
    /// Until the application has supplied what the role asked for (then [`State::resume`]).
    Application,
}

/// One state of a role's handshake.
pub(crate) trait State<Data>: Send + Sync {
    /// Takes the next message (or ChangeCipherSpec) and gives the next state.
    fn handle(
        self: Box<Self>,
        cx: &mut Context<'_, Data>,
        input: HsInput,
    ) -> Result<Box<dyn State<Data>>, Error>;

    /// Whether this state waits for something other than the peer.
    fn pause(&self) -> Option<Pause> {
        None
    }

    /// Called when the pause may be over: its instant has passed, or the application has
    /// supplied something. A state that must still wait returns itself.
    fn resume(self: Box<Self>, _cx: &mut Context<'_, Data>) -> Result<Box<dyn State<Data>>, Error> {
        Err(Error::General(
            "resumed a handshake state that was not paused".into(),
        ))
    }
}

/// After the handshake: no handshake message is expected any more (renegotiation requests
/// are answered before they get here, see `conn`).
pub(crate) struct Traffic;

impl<Data> State<Data> for Traffic {
    fn handle(
        self: Box<Self>,
        _cx: &mut Context<'_, Data>,
        input: HsInput,
    ) -> Result<Box<dyn State<Data>>, Error> {
        Err(unexpected(&input, &[]))
    }
}

/// Either role: the peer's ChangeCipherSpec, after which its records are protected; then
/// the role's state `F`, which awaits the peer's Finished.
pub(crate) struct ExpectCcs<F>(pub(crate) F);

impl<Data, F: State<Data> + 'static> State<Data> for ExpectCcs<F> {
    fn handle(
        self: Box<Self>,
        cx: &mut Context<'_, Data>,
        input: HsInput,
    ) -> Result<Box<dyn State<Data>>, Error> {
        if !matches!(input, HsInput::ChangeCipherSpec) {
            return Err(Error::InappropriateMessage {
                expect_types: vec![ContentType::ChangeCipherSpec],
                got_type: ContentType::Handshake,
            });
        }
        cx.io.record_layer.start_decrypting()?;
        Ok(Box::new(self.0))
    }
}

/// The error for an input that is not the one awaited.
pub(crate) fn unexpected(input: &HsInput, expect: &[HandshakeType]) -> Error {
    match input {
        HsInput::Handshake(m, _) => Error::InappropriateHandshakeMessage {
            expect_types: expect.to_vec(),
            got_type: m.typ,
        },
        HsInput::ChangeCipherSpec => Error::InappropriateMessage {
            expect_types: vec![ContentType::Handshake],
            got_type: ContentType::ChangeCipherSpec,
        },
        HsInput::LocalKeyUpdate => Error::ApiMisuse("KeyUpdate outside a TLS 1.3 connection"),
    }
}

/// The awaited handshake message: evaluates to `(body, raw bytes)` for a message with a
/// body, or to the raw bytes for an empty one (`require_msg!(input, ServerHelloDone, empty)`);
/// returns `unexpected_message` from the calling function otherwise.
macro_rules! require_msg {
    ($input:expr, $typ:ident) => {
        match &$input {
            $crate::hs::HsInput::Handshake(
                $crate::msgs::handshake::HandshakeMessagePayload {
                    payload: $crate::msgs::handshake::HandshakePayload::$typ(body),
                    ..
                },
                raw,
            ) => (body, raw.as_slice()),
            other => {
                return Err($crate::hs::unexpected(
                    other,
                    &[$crate::msgs::enums::HandshakeType::$typ],
                ))
            }
        }
    };
    ($input:expr, $typ:ident, empty) => {
        match &$input {
            $crate::hs::HsInput::Handshake(
                $crate::msgs::handshake::HandshakeMessagePayload {
                    payload: $crate::msgs::handshake::HandshakePayload::$typ,
                    ..
                },
                raw,
            ) => raw.as_slice(),
            other => {
                return Err($crate::hs::unexpected(
                    other,
                    &[$crate::msgs::enums::HandshakeType::$typ],
                ))
            }
        }
    };
}
pub(crate) use require_msg;

/// Sends our ChangeCipherSpec (after the flight so far) and our Finished over `transcript`,
/// which then includes it. Returns our verify_data.
pub(crate) fn send_finished(
    io: &mut RecordIo,
    secrets: &ConnectionSecrets,
    side: Side,
    transcript: &mut Transcript,
) -> Result<[u8; 12], Error> {
    io.send_ccs()?;
    let verify_data = secrets.verify_data(side, &transcript.current_hash());
    io.emit(transcript, HandshakePayload::Finished(verify_data.to_vec()));
    io.flush_handshake()?;
    Ok(verify_data)
}

/// The verify_data the peer (`side`) must send over `transcript`, and whether `got` is it
/// (compared in constant time).
pub(crate) fn check_finished(
    secrets: &ConnectionSecrets,
    side: Side,
    transcript: &Transcript,
    got: &[u8],
) -> ([u8; 12], bool) {
    let expected = secrets.verify_data(side, &transcript.current_hash());
    let ok = verify_data_matches(&expected, got);
    (expected, ok)
}
