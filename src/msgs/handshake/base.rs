//! Random and SessionID, the fields both hellos carry (RFC 5246 7.4.1.2).

use crate::error::InvalidMessage;
use crate::msgs::codec::{struct_codec, Bounds, Codec, Opaque, Reader};

/// RFC 5246 7.4.1.2: `opaque SessionID<0..32>;`
const SESSION_ID: Bounds = Bounds::u8(0, 32, "SessionID");

/// RFC 5246 7.4.1.2: `opaque random_bytes[28]` with `gmt_unix_time`: 32 bytes in all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Random(pub [u8; 32]);

impl Codec<'_> for Random {
    fn encode(&self, bytes: &mut Vec<u8>) {
        bytes.extend_from_slice(&self.0);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let mut out = [0u8; 32];
        out.copy_from_slice(r.take_named(32, "Random")?);
        Ok(Self(out))
    }
}

/// RFC 5246 7.4.1.2: `opaque SessionID<0..32>;`
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SessionId(pub Vec<u8>);

impl SessionId {
    /// Whether the ID is empty (no resumption offered, or none granted).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

struct_codec!(SessionId {
    0: Opaque(SESSION_ID)
});
