//! RFC 5246 7.2: `struct { AlertLevel level; AlertDescription description; } Alert;`

use super::codec::{Codec, Reader};
use super::enums::{AlertDescription, AlertLevel};
use crate::error::InvalidMessage;

/// An alert message: exactly two bytes on the wire. Decode a record's payload with
/// [`Codec::read_bytes`] so that extra bytes are an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertMessagePayload {
    /// RFC 5246 7.2: `enum { warning(1), fatal(2), (255) } AlertLevel;` (warning or fatal)
    pub level: AlertLevel,
    /// RFC 5246 7.2: `AlertDescription description;` (what happened; unknown values are kept)
    pub description: AlertDescription,
}

impl Codec<'_> for AlertMessagePayload {
    fn encode(&self, bytes: &mut Vec<u8>) {
        self.level.encode(bytes);
        self.description.encode(bytes);
    }
    /// Reads two bytes; a level other than warning(1) or fatal(2) is `InvalidAlertLevel`.
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let level = match AlertLevel::read_named(r, "Alert")? {
            AlertLevel::Unknown(_) => return Err(InvalidMessage::InvalidAlertLevel),
            known => known,
        };
        let description = AlertDescription::read_named(r, "Alert")?;
        Ok(Self { level, description })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_known_and_unknown_descriptions() {
        assert_eq!(
            AlertMessagePayload::read_bytes(&[2, 115]),
            Ok(AlertMessagePayload {
                level: AlertLevel::Fatal,
                description: AlertDescription::UnknownPskIdentity
            })
        );
        assert_eq!(
            AlertMessagePayload::read_bytes(&[1, 0]),
            Ok(AlertMessagePayload {
                level: AlertLevel::Warning,
                description: AlertDescription::CloseNotify
            })
        );
        let odd = AlertMessagePayload::read_bytes(&[2, 250]).unwrap();
        assert_eq!(odd.description, AlertDescription::Unknown(250));
        assert_eq!(odd.get_encoding(), [2, 250]);
    }

    #[test]
    fn exactly_two_bytes() {
        assert_eq!(
            AlertMessagePayload::read_bytes(&[]),
            Err(InvalidMessage::MissingData("Alert"))
        );
        assert_eq!(
            AlertMessagePayload::read_bytes(&[2]),
            Err(InvalidMessage::MissingData("Alert"))
        );
        assert!(matches!(
            AlertMessagePayload::read_bytes(&[2, 40, 0]),
            Err(InvalidMessage::TrailingData(_))
        ));
    }

    #[test]
    fn unknown_level_is_rejected() {
        for level in [0u8, 3, 255] {
            assert_eq!(
                AlertMessagePayload::read_bytes(&[level, 40]),
                Err(InvalidMessage::InvalidAlertLevel)
            );
        }
    }

    #[test]
    fn round_trip_all() {
        for level in [1u8, 2] {
            for d in 0..=255u8 {
                let a = AlertMessagePayload::read_bytes(&[level, d]).unwrap();
                assert_eq!(a.get_encoding(), [level, d]);
            }
        }
    }
}
