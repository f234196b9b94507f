//! After a TLS 1.3 handshake: KeyUpdate (RFC 8446 4.6.3) in both directions, and
//! NewSessionTicket, which a client takes and drops (no resumption with a PAKE; BoringSSL
//! sends none either). Every other handshake message is `unexpected_message`.

use super::key_schedule::{next_traffic_secret, Secret, TrafficSecrets};
use super::Tls13CipherSuite;
use crate::error::{Error, PeerMisbehaved};
use crate::hs::{Context, HsInput, State};
use crate::msgs::enums::HandshakeType;
use crate::tls12::Side;

pub(crate) struct Traffic13 {
    suite: Tls13CipherSuite,
    side: Side,
    /// Our current write secret and the peer's (for the next KeyUpdate).
    ours: Secret,
    theirs: Secret,
}

impl Traffic13 {
    pub(crate) fn new(suite: Tls13CipherSuite, side: Side, secrets: TrafficSecrets) -> Self {
        let (ours, theirs) = match side {
            Side::Client => (
                secrets.client_application_traffic,
                secrets.server_application_traffic,
            ),
            Side::Server => (
                secrets.server_application_traffic,
                secrets.client_application_traffic,
            ),
        };
        Self {
            suite,
            side,
            ours,
            theirs,
        }
    }
}

impl Traffic13 {
    /// Sends a KeyUpdate under the current key and switches ours to the next.
    fn update_ours<Data>(
        &mut self,
        cx: &mut Context<'_, Data>,
        request: bool,
    ) -> Result<(), Error> {
        cx.io.queue_handshake(&super::handshake_bytes(
            u8::from(HandshakeType::KeyUpdate),
            &[u8::from(request)],
        ));
        cx.io.flush_handshake()?;
        self.ours = next_traffic_secret(self.suite.hash(), &self.ours);
        super::install_write(&mut cx.io.record_layer, self.suite, &self.ours)
    }
}

impl<Data: Send + Sync> State<Data> for Traffic13 {
    fn handle(
        mut self: Box<Self>,
        cx: &mut Context<'_, Data>,
        input: HsInput,
    ) -> Result<Box<dyn State<Data>>, Error> {
        let (msg, raw) = match &input {
            HsInput::Handshake(msg, raw) => (msg, raw),
            HsInput::LocalKeyUpdate => {
                self.update_ours(cx, true)?;
                return Ok(self);
            }
            HsInput::ChangeCipherSpec => {
                return Err(PeerMisbehaved::UnexpectedChangeCipherSpec.into())
            }
        };
        match msg.typ {
            HandshakeType::KeyUpdate => {
                // `enum { update_not_requested(0), update_requested(1) } KeyUpdateRequest;`
                let requested = match &raw[4..] {
                    [0] => false,
                    [1] => true,
                    _ => return Err(PeerMisbehaved::BadKeyUpdate.into()),
                };
                self.theirs = next_traffic_secret(self.suite.hash(), &self.theirs);
                super::install_read(&mut cx.io.record_layer, self.suite, &self.theirs)?;
                if requested && !cx.io.has_sent_close_notify {
                    self.update_ours(cx, false)?;
                }
                Ok(self)
            }
            HandshakeType::NewSessionTicket if self.side == Side::Client => Ok(self),
            _ => Err(crate::hs::unexpected(&input, &[HandshakeType::KeyUpdate])),
        }
    }
}
