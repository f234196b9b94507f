//! The SRP key exchange bodies (RFC 5054 2.8.2, 2.8.3), decoded once the suite is known.

use crate::msgs::codec::{struct_codec, Bounds, Opaque};

/// RFC 5054 2.8.2: `opaque srp_N<1..2^16-1>;`
const SRP_N: Bounds = Bounds::u16(1, 0xffff, "srp_N");
/// RFC 5054 2.8.2: `opaque srp_g<1..2^16-1>;`
const SRP_G: Bounds = Bounds::u16(1, 0xffff, "srp_g");
/// RFC 5054 2.8.2: `opaque srp_s<1..2^8-1>;`
const SRP_S: Bounds = Bounds::u8(1, 0xff, "srp_s");
/// RFC 5054 2.8.2: `opaque srp_B<1..2^16-1>;`
const SRP_B: Bounds = Bounds::u16(1, 0xffff, "srp_B");
/// RFC 5054 2.8.3: `opaque srp_A<1..2^16-1>;`
const SRP_A: Bounds = Bounds::u16(1, 0xffff, "srp_A");

/// RFC 5054 2.8.2: the SRP ServerKeyExchange body (suite C01D/C020: no signature).
/// Values are kept exactly as sent (peers send them without left padding).
///
/// [`Codec::read`](crate::msgs::codec::Codec::read) stops after `srp_B`; decode a whole
/// body with [`Codec::read_bytes`](crate::msgs::codec::Codec::read_bytes),
/// which rejects trailing bytes (a signature is an error for the unsigned suites).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrpServerKeyExchange {
    /// `opaque srp_N<1..2^16-1>;`
    pub n: Vec<u8>,
    /// `opaque srp_g<1..2^16-1>;`
    pub g: Vec<u8>,
    /// `opaque srp_s<1..2^8-1>;`
    pub s: Vec<u8>,
    /// `opaque srp_B<1..2^16-1>;`
    pub b: Vec<u8>,
}

struct_codec!(SrpServerKeyExchange {
    n: Opaque(SRP_N),
    g: Opaque(SRP_G),
    s: Opaque(SRP_S),
    b: Opaque(SRP_B),
});

/// RFC 5054 2.8.3: `opaque srp_A<1..2^16-1>;`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrpClientKeyExchange {
    /// The client's public value A as sent.
    pub a: Vec<u8>,
}

struct_codec!(SrpClientKeyExchange { a: Opaque(SRP_A) });

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::InvalidMessage;
    use crate::msgs::codec::Codec;
    use crate::msgs::handshake::testing::*;

    #[test]
    fn srp_key_exchange_round_trip_ranges_and_truncation() {
        let ske = SrpServerKeyExchange {
            n: vec![0xee; 256],
            g: vec![2],
            s: vec![0x11; 16],
            b: vec![0x22; 255],
        };
        let enc = ske.get_encoding();
        assert_eq!(&enc[..3], &[1, 0, 0xee]);
        assert_eq!(assert_round_trip::<SrpServerKeyExchange>(&enc), ske);
        assert_truncations_fail::<SrpServerKeyExchange>(&enc);
        // Each field empty is an InvalidLength for that field.
        let parts: [(&[u8], &str); 4] = [
            (&[0, 1, 7], "srp_N"),
            (&[0, 1, 2], "srp_g"),
            (&[1, 5], "srp_s"),
            (&[0, 1, 9], "srp_B"),
        ];
        for i in 0..4 {
            let mut bad = Vec::new();
            for (j, (p, _)) in parts.iter().enumerate() {
                if i == j {
                    bad.extend_from_slice(&p[..p.len() - 2]);
                    bad.push(0);
                } else {
                    bad.extend_from_slice(p);
                }
            }
            assert_eq!(
                SrpServerKeyExchange::read_bytes(&bad),
                Err(InvalidMessage::InvalidLength(parts[i].1))
            );
        }
        // A signature after srp_B is trailing data for the unsigned suites.
        let mut signed = enc.clone();
        signed.extend_from_slice(&[4, 1, 0, 0]);
        assert!(matches!(
            SrpServerKeyExchange::read_bytes(&signed),
            Err(InvalidMessage::TrailingData(_))
        ));

        let cke = SrpClientKeyExchange { a: vec![0x33; 256] };
        let enc = cke.get_encoding();
        assert_eq!(&enc[..2], &[1, 0]);
        assert_eq!(assert_round_trip::<SrpClientKeyExchange>(&enc), cke);
        assert_truncations_fail::<SrpClientKeyExchange>(&enc);
        assert_eq!(
            SrpClientKeyExchange::read_bytes(&[0, 0]),
            Err(InvalidMessage::InvalidLength("srp_A"))
        );
    }
}
