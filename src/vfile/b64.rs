//! The two SRP base64 variants: alphabet `0-9A-Za-z./`, no `=`, and two different ways of
//! handling lengths that are not a multiple of 3 (facts in SPEC.md, "Verifier files").
//!
//! - OpenSSL (`srp_vfy.c`): the encoder left-pads the bytes with zeros to a multiple of 3
//!   and drops as many leading characters; the decoder left-pads with `0` characters to a
//!   multiple of 4 and drops as many leading bytes.
//! - GnuTLS (`srp_sb64.c`): the `len % 3` leading bytes are written first as a number with
//!   leading zero digits dropped (1 to 3 characters), then 4 characters per 3 bytes; the
//!   decoder reads the `len % 4` leading characters as a number of at least 1 byte (1 or 2
//!   characters) or 2 bytes (3 characters), minimal otherwise.

const ALPHABET: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz./";

fn digit(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

fn ch(v: u32) -> char {
    char::from(ALPHABET.get((v & 63) as usize).copied().unwrap_or(b'0'))
}

/// 3 bytes → 4 characters.
fn encode_block(out: &mut String, b: &[u8]) {
    let v = b.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x));
    for shift in [18, 12, 6, 0] {
        out.push(ch(v >> shift));
    }
}

/// 4 characters → 3 bytes.
fn decode_block(out: &mut Vec<u8>, c: &[u8]) -> Option<()> {
    let mut v = 0u32;
    for &x in c {
        v = (v << 6) | digit(x)?;
    }
    out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
    Some(())
}

/// OpenSSL's encoding.
pub fn encode_openssl(data: &[u8]) -> String {
    let lead = (3 - data.len() % 3) % 3;
    let mut padded = vec![0u8; lead];
    padded.extend_from_slice(data);
    let mut s = String::with_capacity(padded.len() / 3 * 4);
    for b in padded.chunks(3) {
        encode_block(&mut s, b);
    }
    s.split_off(lead.min(s.len()))
}

/// OpenSSL's decoding; `None` for a character outside the alphabet or an impossible length.
pub fn decode_openssl(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_start_matches([' ', '\t', '\n']).as_bytes();
    if s.is_empty() {
        return None;
    }
    let pad = (4 - s.len() % 4) % 4;
    if pad == 3 {
        return None;
    }
    let mut padded = vec![b'0'; pad];
    padded.extend_from_slice(s);
    let mut out = Vec::with_capacity(padded.len() / 4 * 3);
    for c in padded.chunks(4) {
        decode_block(&mut out, c)?;
    }
    if pad >= out.len() {
        return None;
    }
    Some(out.split_off(pad))
}

/// GnuTLS's encoding.
pub fn encode_gnutls(data: &[u8]) -> String {
    let m = data.len() % 3;
    let (head, rest) = data.split_at(m);
    let mut s = String::new();
    if m > 0 {
        let v = head.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x));
        // m bytes → m + 1 digits, leading zero digits dropped, at least one.
        let digits = m + 1;
        let mut started = false;
        for i in (0..digits).rev() {
            let d = (v >> (6 * i)) & 63;
            if d != 0 || started || i == 0 {
                started = true;
                s.push(ch(d));
            }
        }
    }
    for b in rest.chunks(3) {
        encode_block(&mut s, b);
    }
    s
}

/// GnuTLS's decoding; `None` for a character outside the alphabet.
pub fn decode_gnutls(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if s.is_empty() {
        return None;
    }
    let left = s.len() % 4;
    let (head, rest) = s.split_at(left);
    let mut out = Vec::new();
    if left > 0 {
        let mut v = 0u32;
        for &x in head {
            v = (v << 6) | digit(x)?;
        }
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        let minimal = bytes.iter().position(|&b| b != 0).map_or(1, |p| 3 - p);
        let at_least = if left == 3 { 2 } else { 1 };
        let n = minimal.max(at_least);
        out.extend_from_slice(bytes.get(3 - n..)?);
    }
    for c in rest.chunks(4) {
        decode_block(&mut out, c)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_roundtrip_all_lengths() {
        for len in 1..40usize {
            for first in [0u8, 1, 0x3f, 0x40, 0xff] {
                let mut d: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
                d[0] = first;
                let e = encode_openssl(&d);
                assert_eq!(decode_openssl(&e).unwrap(), d, "len {len} first {first}");
            }
        }
    }

    #[test]
    fn gnutls_roundtrip_numbers() {
        // GnuTLS keeps the leading bytes of a number; zero leading bytes may shrink.
        for len in 1..40usize {
            for first in [1u8, 0x0f, 0x3f, 0x40, 0xff] {
                let mut d: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
                d[0] = first;
                let e = encode_gnutls(&d);
                assert_eq!(decode_gnutls(&e).unwrap(), d, "len {len} first {first}");
            }
        }
    }

    #[test]
    fn gnutls_salt_with_zero_first_byte_keeps_length() {
        // 16-byte salts (srptool's default): 1 leading byte, then 5 blocks.
        let mut d = vec![7u8; 16];
        d[0] = 0;
        let e = encode_gnutls(&d);
        assert_eq!(e.len(), 21);
        assert_eq!(decode_gnutls(&e).unwrap(), d);
    }

    #[test]
    fn openssl_known_small_values() {
        // Hand-computed: 0x05 → "0005" minus 2 leading chars; 0x01 0x00 → "0040" minus 1.
        assert_eq!(encode_openssl(&[5]), "05");
        assert_eq!(encode_openssl(&[1, 0]), "040");
        assert!(decode_openssl("2").is_none(), "1 char: impossible length");
        assert!(decode_openssl("0$").is_none());
    }
}
