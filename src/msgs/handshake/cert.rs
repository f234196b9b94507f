//! The certificate side of the SRP-RSA suites (RFC 5054 2.7, 2.8): the server's Certificate
//! message and the signature at the end of its ServerKeyExchange.

use crate::error::InvalidMessage;
use crate::msgs::codec::{struct_codec, Bounds, Codec, Fixed, List, Opaque, Reader};
use crate::msgs::enums::SignatureScheme;

/// RFC 5246 7.4.2: `opaque ASN.1Cert<1..2^24-1>;`
const ASN1_CERT: Bounds = Bounds::u24(1, 0x00ff_ffff, "ASN.1Cert");
/// RFC 5246 7.4.2: `ASN.1Cert certificate_list<0..2^24-1>;`
const CERTIFICATE_LIST: Bounds = Bounds::u24(0, 0x00ff_ffff, "certificate_list");
/// RFC 5246 4.7: `opaque signature<0..2^16-1>;` of a `digitally-signed` element.
const SIGNATURE: Bounds = Bounds::u16(0, 0xffff, "signature");

/// One DER certificate: RFC 5246 7.4.2 `opaque ASN.1Cert<1..2^24-1>;`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asn1Cert(pub Vec<u8>);

impl Codec<'_> for Asn1Cert {
    fn encode(&self, bytes: &mut Vec<u8>) {
        ASN1_CERT.encode_opaque(bytes, &self.0);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        ASN1_CERT.read_opaque(r).map(Self)
    }
}

/// RFC 5246 7.4.2: `struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate;` — the
/// sender's certificate first, then the ones that certify it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificatePayload {
    /// The chain, end-entity certificate first.
    pub certs: Vec<Asn1Cert>,
}

struct_codec!(CertificatePayload {
    certs: List(CERTIFICATE_LIST),
});

/// RFC 5246 4.7 and 7.4.1.4.1: a `digitally-signed` element in TLS 1.2: the algorithm,
/// then `opaque signature<0..2^16-1>;`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitallySigned {
    /// The signature and hash algorithm.
    pub scheme: SignatureScheme,
    /// The signature.
    pub signature: Vec<u8>,
}

struct_codec!(DigitallySigned {
    scheme: Fixed("SignatureAndHashAlgorithm"),
    signature: Opaque(SIGNATURE),
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::handshake::testing::*;

    #[test]
    fn certificate_and_signature_round_trip_and_truncation() {
        let cert = CertificatePayload {
            certs: vec![Asn1Cert(vec![0x30; 300]), Asn1Cert(vec![0x31; 5])],
        };
        let enc = cert.get_encoding();
        assert_eq!(&enc[..6], &[0, 1, 0x37, 0, 1, 0x2c]);
        assert_eq!(assert_round_trip::<CertificatePayload>(&enc), cert);
        assert_truncations_fail::<CertificatePayload>(&enc);
        // An empty certificate inside the list is refused; an empty list is well-formed.
        assert_eq!(
            CertificatePayload::read_bytes(&[0, 0, 3, 0, 0, 0]),
            Err(InvalidMessage::InvalidLength("ASN.1Cert"))
        );
        assert_eq!(
            CertificatePayload::read_bytes(&[0, 0, 0]),
            Ok(CertificatePayload { certs: Vec::new() })
        );

        let sig = DigitallySigned {
            scheme: SignatureScheme::RSA_PSS_SHA256,
            signature: vec![0x5a; 256],
        };
        let enc = sig.get_encoding();
        assert_eq!(&enc[..4], &[8, 4, 1, 0]);
        assert_eq!(assert_round_trip::<DigitallySigned>(&enc), sig);
        assert_truncations_fail::<DigitallySigned>(&enc);
    }
}
