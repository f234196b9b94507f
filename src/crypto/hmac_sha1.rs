//! HMAC-SHA1 (RFC 2104) on top of the bare SHA-1 compression function, for the record MAC.
//!
//! We drive the compression function ourselves rather than use the `hmac` crate because
//! the MAC-then-encrypt record check has to hash a message of *secret* length with the same
//! sequence of compression calls whatever that length is (see [`hmac_sha1_secret_len`] and
//! the Lucky13 discussion in [`super::cbc`]). The ordinary, public-length path lives here
//! too, so both share one key schedule: the inner and outer chaining values after the
//! `key ^ ipad` and `key ^ opad` blocks are computed once per key.
//!
//! The compression function is `sha1::block_api::compress`, which picks SHA-NI (x86) or
//! the ARMv8 SHA extensions at run time and falls back to portable code; none of them
//! branch on or index by the data.

use sha1::digest::common::array::{typenum::U64, Array};
use sha1::Digest;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// SHA-1 chaining value: five 32-bit words.
type State = [u32; 5];

/// FIPS 180-4 5.3.1: the SHA-1 initial hash value.
const H0: State = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// SHA-1 block size in bytes.
const BLOCK: usize = 64;
/// SHA-1 (and HMAC-SHA1) output size in bytes.
pub(crate) const MAC_LEN: usize = 20;
/// Length of the TLS MAC header: seq_num (8) || type (1) || version (2) || length (2).
pub(crate) const HEADER_LEN: usize = 13;

#[inline]
fn compress(state: &mut State, blocks: &[[u8; BLOCK]]) {
    sha1::block_api::compress(state, blocks);
}

/// Splits `data` into whole 64-byte blocks and a tail, without copying.
#[inline]
fn as_blocks(data: &[u8]) -> (&[[u8; BLOCK]], &[u8]) {
    let (blocks, tail) = Array::<u8, U64>::slice_as_chunks(data);
    (Array::cast_slice_to_core(blocks), tail)
}

fn state_to_bytes(state: &State) -> [u8; MAC_LEN] {
    let mut out = [0u8; MAC_LEN];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state.iter()) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// An HMAC-SHA1 key, kept as the chaining values after the first inner and outer blocks.
/// Both are as secret as the key itself; zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct HmacSha1Key {
    inner: State,
    outer: State,
}

impl core::fmt::Debug for HmacSha1Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HmacSha1Key { .. }")
    }
}

impl HmacSha1Key {
    /// RFC 2104: keys longer than the block are hashed first, shorter ones zero-padded.
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut k = [0u8; BLOCK];
        if key.len() > BLOCK {
            let mut digest: [u8; MAC_LEN] = sha1::Sha1::digest(key).into();
            k[..MAC_LEN].copy_from_slice(&digest);
            digest.zeroize();
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let mut ipad = [0u8; BLOCK];
        let mut opad = [0u8; BLOCK];
        for ((i, o), k) in ipad.iter_mut().zip(opad.iter_mut()).zip(k.iter()) {
            *i = k ^ 0x36;
            *o = k ^ 0x5c;
        }
        let mut inner = H0;
        compress(&mut inner, &[ipad]);
        let mut outer = H0;
        compress(&mut outer, &[opad]);
        k.zeroize();
        ipad.zeroize();
        opad.zeroize();
        Self { inner, outer }
    }

    /// Starts an HMAC computation over data of public length.
    pub(crate) fn start(&self) -> HmacSha1<'_> {
        HmacSha1 {
            key: self,
            inner: self.inner,
            buf: [0; BLOCK],
            buf_len: 0,
            blocks: 1,
        }
    }

    /// HMAC-SHA1 over the concatenation of `parts` (all of public length).
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; MAC_LEN] {
        let mut h = self.start();
        for p in parts {
            h.update(p);
        }
        h.finish()
    }

    /// The outer hash: `H(K ^ opad || inner_digest)`, one compression.
    fn outer(&self, inner_digest: &[u8; MAC_LEN]) -> [u8; MAC_LEN] {
        let mut block = [0u8; BLOCK];
        block[..MAC_LEN].copy_from_slice(inner_digest);
        block[MAC_LEN] = 0x80;
        // Message length in bits: the opad block plus the 20-byte inner digest.
        block[BLOCK - 8..].copy_from_slice(&(((BLOCK + MAC_LEN) as u64) * 8).to_be_bytes());
        let mut state = self.outer;
        compress(&mut state, &[block]);
        state_to_bytes(&state)
    }
}

/// A running HMAC-SHA1 over data whose length is public (sealing, and EtM opening).
pub(crate) struct HmacSha1<'k> {
    key: &'k HmacSha1Key,
    inner: State,
    buf: [u8; BLOCK],
    buf_len: usize,
    /// Whole blocks compressed so far, including the ipad block.
    blocks: u64,
}

impl Drop for HmacSha1<'_> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.buf.zeroize();
    }
}

impl HmacSha1<'_> {
    pub(crate) fn update(&mut self, mut data: &[u8]) {
        if self.buf_len > 0 {
            let take = (BLOCK - self.buf_len).min(data.len());
            let (head, rest) = data.split_at(take);
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(head);
            self.buf_len += take;
            data = rest;
            if self.buf_len < BLOCK {
                return;
            }
            compress(&mut self.inner, &[self.buf]);
            self.blocks += 1;
            self.buf_len = 0;
        }
        let (blocks, tail) = as_blocks(data);
        if !blocks.is_empty() {
            compress(&mut self.inner, blocks);
            self.blocks += blocks.len() as u64;
        }
        self.buf[..tail.len()].copy_from_slice(tail);
        self.buf_len = tail.len();
    }

    pub(crate) fn finish(mut self) -> [u8; MAC_LEN] {
        let bit_len = (self.blocks * BLOCK as u64 + self.buf_len as u64) * 8;
        let mut pos = self.buf_len;
        self.buf[pos] = 0x80;
        pos += 1;
        if pos > BLOCK - 8 {
            self.buf[pos..].fill(0);
            compress(&mut self.inner, &[self.buf]);
            pos = 0;
        }
        self.buf[pos..BLOCK - 8].fill(0);
        self.buf[BLOCK - 8..].copy_from_slice(&bit_len.to_be_bytes());
        compress(&mut self.inner, &[self.buf]);
        let mut digest = state_to_bytes(&self.inner);
        let out = self.key.outer(&digest);
        digest.zeroize();
        out
    }
}

// ---------------------------------------------------------------------------------------
// Constant-time helpers. Masks are all-ones (true) or all-zeros (false). The inputs are
// lengths well below 2^63, so the sign bit of a difference is the comparison.
// ---------------------------------------------------------------------------------------

/// All ones if `a < b`. Requires `a, b < 2^63`.
#[inline(always)]
pub(crate) fn ct_lt(a: u64, b: u64) -> u64 {
    0u64.wrapping_sub(a.wrapping_sub(b) >> 63)
}

/// All ones if `a == b`.
#[inline(always)]
pub(crate) fn ct_eq(a: u64, b: u64) -> u64 {
    let x = a ^ b;
    ((x | x.wrapping_neg()) >> 63).wrapping_sub(1)
}

/// Lucky13-safe HMAC-SHA1 for MAC-then-encrypt records:
/// `HMAC(key, header[..11] || be16(len) || data[..len])` where `len` is **secret** and
/// known only to lie in `min_len..=data.len()` (public bounds).
///
/// The sequence of compression calls depends only on `data.len()` and `min_len`: the
/// blocks that are whole message blocks for every possible `len` are hashed as usual,
/// then every block that could hold the end of the message (the last byte, the 0x80
/// terminator or the 64-bit length) is built with masks and compressed, and the chaining
/// value after the block that really is final is kept with a mask. Memory accesses are at
/// public indices only.
///
/// `header_prefix` is `seq_num || type || version` (11 bytes, public).
pub(crate) fn hmac_sha1_secret_len(
    key: &HmacSha1Key,
    header_prefix: &[u8; HEADER_LEN - 2],
    data: &[u8],
    len: usize,
    min_len: usize,
) -> [u8; MAC_LEN] {
    // SECRET: `len` (and so `msg_len`, `final_block`, the length field).
    // PUBLIC: `data.len()`, `min_len`, every index below.
    let len = core::hint::black_box(len as u64);
    let msg_len = HEADER_LEN as u64 + len; // secret: bytes of header || content
    let max_msg_len = HEADER_LEN + data.len(); // public
    let min_msg_len = HEADER_LEN + min_len.min(data.len()); // public

    // The header with its secret length field; hashing it is data-oblivious.
    let mut header = [0u8; HEADER_LEN];
    header[..HEADER_LEN - 2].copy_from_slice(header_prefix);
    header[HEADER_LEN - 2] = (len >> 8) as u8;
    header[HEADER_LEN - 1] = len as u8;

    // Byte `i` of the message header || data[..data.len()] (public index).
    let byte_at = |i: usize| -> u8 {
        if i < HEADER_LEN {
            header[i]
        } else {
            data.get(i - HEADER_LEN).copied().unwrap_or(0)
        }
    };

    let mut state = key.inner;

    // 1. Blocks that lie wholly inside the shortest possible message: no secret-dependent
    //    treatment needed (their content is secret, their handling is not). The first
    //    message block carries the header, the rest come straight from `data`.
    let public_blocks = min_msg_len / BLOCK;
    if public_blocks > 0 {
        let mut first = [0u8; BLOCK];
        for (i, b) in first.iter_mut().enumerate() {
            *b = byte_at(i);
        }
        compress(&mut state, &[first]);
        first.zeroize();
        let start = BLOCK - HEADER_LEN;
        let end = public_blocks * BLOCK - HEADER_LEN;
        if let Some(rest) = data.get(start..end) {
            let (blocks, _) = as_blocks(rest);
            compress(&mut state, blocks);
        }
    }

    // 2. ---- TIMING-SENSITIVE REGION: the end of the message moves with `len`. ----
    // Message bytes are numbered from the start of header || data; the ipad block before
    // them is already in `key.inner`, and counts in the SHA-1 length.
    let bit_len = (BLOCK as u64 + msg_len) * 8; // secret
    let len_bytes = bit_len.to_be_bytes();
    // Index of the block holding the 64-bit length: the last block (secret / public max).
    let final_block = (msg_len + 8) / BLOCK as u64; // secret
    let last_candidate = (max_msg_len + 8) / BLOCK; // public

    let mut result: State = [0; 5];
    let mut block = [0u8; BLOCK];
    for j in public_blocks..=last_candidate {
        // SECRET mask. `black_box` hides from the optimiser that it is 0 or all ones:
        // knowing that, LLVM unswitched the byte loop below into a final-block and a
        // non-final-block copy and turned the `keep` select into a branch, i.e. a
        // conditional jump on the secret length (measured: a dudect |t| of ~200 between
        // bad-MAC records with 1 and 256 bytes of padding).
        let is_final_mask = core::hint::black_box(ct_eq(j as u64, final_block));
        let is_final = is_final_mask as u8;
        for (p, out) in block.iter_mut().enumerate() {
            let i = j * BLOCK + p; // public
            let past_end = ct_lt(msg_len, i as u64 + 1) as u8; // i >= msg_len
            let at_end = ct_eq(i as u64, msg_len) as u8; // i == msg_len
            let mut b = byte_at(i) & !past_end;
            b |= 0x80 & at_end;
            if p >= BLOCK - 8 {
                // In the final block these bytes are past the end (zeroed above), so OR-ing
                // the length in is exact.
                b |= len_bytes[p - (BLOCK - 8)] & is_final;
            }
            *out = b;
        }
        compress(&mut state, &[block]);
        let keep = is_final_mask as u32;
        for (r, s) in result.iter_mut().zip(state.iter()) {
            *r |= s & keep;
        }
    }
    // ---- end of timing-sensitive region ----
    block.zeroize();
    state.zeroize();
    header.zeroize();

    let mut digest = state_to_bytes(&result);
    result.zeroize();
    let out = key.outer(&digest);
    digest.zeroize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{KeyInit, Mac};

    fn reference(key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
        let mut m = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key).unwrap();
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }

    /// RFC 2202 test cases 1, 2 and 6 (key longer than a block).
    #[test]
    fn rfc2202_vectors() {
        let k = HmacSha1Key::new(&[0x0b; 20]);
        assert_eq!(
            k.mac(&[b"Hi There"]).to_vec(),
            hex::decode("b617318655057264e28bc0b6fb378c8ef146be00").unwrap()
        );
        let k = HmacSha1Key::new(b"Jefe");
        assert_eq!(
            k.mac(&[b"what do ya want ", b"for nothing?"]).to_vec(),
            hex::decode("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79").unwrap()
        );
        let k = HmacSha1Key::new(&[0xaa; 80]);
        assert_eq!(
            k.mac(&[b"Test Using Larger Than Block-Size Key - Hash Key First"])
                .to_vec(),
            hex::decode("aa4ae5e15272d00e95705637ce8a3b55ed402112").unwrap()
        );
    }

    #[test]
    fn streaming_matches_hmac_crate() {
        let key = [0x5a; 20];
        let k = HmacSha1Key::new(&key);
        let data: Vec<u8> = (0..700u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            for split in [0, 1, 13, 55, 64, 65].into_iter().filter(|&s| s <= len) {
                let (a, b) = data[..len].split_at(split);
                assert_eq!(
                    k.mac(&[a, b]),
                    reference(&key, &[&data[..len]]),
                    "len {len} split {split}"
                );
            }
        }
    }

    #[test]
    fn secret_len_matches_hmac_crate() {
        let key = [0xc3; 20];
        let k = HmacSha1Key::new(&key);
        let prefix: [u8; 11] = [0, 0, 0, 0, 0, 0, 1, 2, 23, 3, 3];
        for data_len in [
            0usize, 1, 20, 50, 51, 52, 63, 64, 100, 115, 116, 200, 300, 400, 1000,
        ] {
            let data: Vec<u8> = (0..data_len as u32).map(|i| (i * 31 + 1) as u8).collect();
            let min = data_len.saturating_sub(256 + 20);
            for len in min..=data_len {
                let got = hmac_sha1_secret_len(&k, &prefix, &data, len, min);
                let lb = (len as u16).to_be_bytes();
                let want = reference(&key, &[&prefix, &lb, &data[..len]]);
                assert_eq!(got, want, "data_len {data_len} len {len}");
            }
        }
    }

    #[test]
    fn masks() {
        assert_eq!(ct_lt(1, 2), u64::MAX);
        assert_eq!(ct_lt(2, 2), 0);
        assert_eq!(ct_lt(3, 2), 0);
        assert_eq!(ct_lt(0, 1 << 40), u64::MAX);
        assert_eq!(ct_eq(5, 5), u64::MAX);
        assert_eq!(ct_eq(5, 6), 0);
        assert_eq!(ct_eq(0, 1 << 62), 0);
    }
}
