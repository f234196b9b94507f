//! RFC 5246 7.2: `struct { AlertLevel level; AlertDescription description; } Alert;`
//! (STUB: implemented by the codec work.)

use super::codec::{Codec, Reader};
use super::enums::{AlertDescription, AlertLevel};
use crate::error::InvalidMessage;

/// An alert message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertMessagePayload {
    /// warning or fatal
    pub level: AlertLevel,
    /// what happened
    pub description: AlertDescription,
}

impl Codec<'_> for AlertMessagePayload {
    fn encode(&self, bytes: &mut Vec<u8>) {
        let _ = bytes;
        todo!()
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let _ = r;
        todo!()
    }
}
