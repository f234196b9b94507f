//! NewSessionTicket (RFC 5077 3.3).

use crate::msgs::codec::{struct_codec, Bounds, Fixed, Opaque};

/// RFC 5077 3.3: `opaque ticket<0..2^16-1>;`
const TICKET: Bounds = Bounds::u16(0, 0xffff, "ticket");

/// RFC 5077 3.3: `uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>;`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicketPayload {
    /// Lifetime hint in seconds.
    pub lifetime_hint: u32,
    /// The opaque ticket.
    pub ticket: Vec<u8>,
}

struct_codec!(NewSessionTicketPayload {
    lifetime_hint: Fixed("ticket_lifetime_hint"),
    ticket: Opaque(TICKET),
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::codec::Codec;
    use crate::msgs::handshake::testing::*;
    use crate::msgs::handshake::{HandshakeMessagePayload, HandshakePayload};

    #[test]
    fn new_session_ticket() {
        let t = NewSessionTicketPayload {
            lifetime_hint: 7200,
            ticket: vec![0xab; 100],
        };
        let enc = t.get_encoding();
        assert_eq!(&enc[..6], &[0, 0, 0x1c, 0x20, 0, 100]);
        assert_eq!(assert_round_trip::<NewSessionTicketPayload>(&enc), t);
        assert_truncations_fail::<NewSessionTicketPayload>(&enc);
        let msg =
            HandshakeMessagePayload::new(HandshakePayload::NewSessionTicket(t)).get_encoding();
        assert_eq!(msg[0], 4);
        assert_round_trip::<HandshakeMessagePayload>(&msg);
        assert_truncations_fail::<HandshakeMessagePayload>(&msg);
        // An empty ticket is allowed by <0..2^16-1>.
        assert_round_trip::<NewSessionTicketPayload>(&[0, 0, 0, 0, 0, 0]);
    }
}
