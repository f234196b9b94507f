//! TLS 1.2 CBC record protection with HMAC-SHA1: MAC-then-encrypt (RFC 5246 6.2.3.2) and
//! encrypt-then-MAC (RFC 7366). Every failure to open a record is `Error::DecryptError`
//! (`bad_record_mac`).
//!
//! # Record layouts
//!
//! MAC-then-encrypt (the RFC 5246 default):
//!
//! ```text
//!  TLSCiphertext.fragment (length n: public, a multiple of 16, at least 48)
//! +----------+--------------------------------------------------------------+
//! | IV (16)  | E_k( content (L) | MAC (20) | padding (p) | padding_length ) |
//! +----------+--------------------------------------------------------------+
//!   public     |<------------------------ n - 16, public --------------------->|
//!              |<- L: SECRET ->|<- 20 ->|<------ p + 1: SECRET ------------>|
//!
//!  MAC = HMAC-SHA1(mac_key, seq_num (8) | type (1) | version (2) | L (2) | content)
//!  every padding byte, and padding_length, equal p (0 <= p <= 255)
//! ```
//!
//! Encrypt-then-MAC (RFC 7366, when the `encrypt_then_mac` extension is negotiated):
//!
//! ```text
//! +----------+-----------------------------------------------+-----------+
//! | IV (16)  | E_k( content | padding (p) | padding_length ) | MAC (20)  |
//! +----------+-----------------------------------------------+-----------+
//!  MAC = HMAC-SHA1(mac_key, seq_num | type | version | len(IV + ciphertext) | IV | ciphertext)
//! ```
//!
//! # Opening, and what is secret
//!
//! Public (an attacker on the wire knows it anyway, so it may steer branches and indexes):
//! the record header, the fragment length `n`, the IV and the ciphertext, the sequence
//! number. Secret until the MAC has verified: every decrypted byte, hence the padding
//! length, whether the padding is well formed, the content length `L`, and where the MAC
//! sits.
//!
//! With encrypt-then-MAC the MAC covers only public data and is checked (in constant
//! time) before anything is decrypted, so a forged record never reaches the decryption.
//!
//! With MAC-then-encrypt we must decrypt before we can check anything, and the time the
//! check takes must not depend on the padding (padding oracle, Vaudenay 2002) nor on how
//! much content the MAC covers (Lucky Thirteen, AlFardan and Paterson 2013). So, in the
//! manner of BoringSSL's `tls_cbc.c` and s2n-tls's `s2n_cbc.c` (our own code, written from
//! their descriptions):
//!
//! 1. the public lengths are checked first, in variable time;
//! 2. the padding is checked with masks over the last `min(256, n - 16)` bytes, whatever
//!    the padding length says; a bad padding is treated as zero-length padding so the
//!    rest of the work is identical;
//! 3. the MAC is computed by `hmac_sha1_secret_len` (in the private `hmac_sha1` module), which makes the
//!    same SHA-1 compression calls for every `L` the record's length allows;
//! 4. the received MAC is gathered from its secret position by a scan of the whole window
//!    it may lie in, then rotated into place with masks;
//! 5. padding validity and MAC equality are combined into one mask, and only that one
//!    bit decides the outcome (`DecryptError` for every failure).

use aes::{Aes128Dec, Aes128Enc, Aes256Dec, Aes256Enc};
use cbc::cipher::array::Array;
use cbc::cipher::typenum::U16;
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, BlockSizeUser,
    InnerIvInit, KeyInit, SetIvState,
};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::hmac_sha1::{ct_eq, ct_lt, hmac_sha1_secret_len, HmacSha1Key, HEADER_LEN, MAC_LEN};
use crate::error::Error;
use crate::msgs::message::{OpaqueMessage, PlainMessage, MAX_CIPHERTEXT_LEN, MAX_FRAGMENT_LEN};
use crate::suites::{BulkAlgorithm, SupportedCipherSuite};

/// Protects outgoing records.
pub trait MessageEncrypter: Send + Sync {
    /// Encrypts one plaintext record (payload at most 2^14 bytes) with sequence number `seq`.
    fn encrypt(&mut self, msg: &PlainMessage, seq: u64) -> Result<OpaqueMessage, Error>;
    /// Ciphertext length for a plaintext of `len` bytes.
    fn encrypted_len(&self, len: usize) -> usize;
}

/// Opens incoming records.
pub trait MessageDecrypter: Send + Sync {
    /// Decrypts and authenticates one record with sequence number `seq`. Any failure
    /// (length, padding, MAC) is `Error::DecryptError`; a plaintext over 2^14 bytes is
    /// `Error::RecordOverflow`.
    fn decrypt(&mut self, msg: OpaqueMessage, seq: u64) -> Result<PlainMessage, Error>;
}

/// The keys for one direction (borrowed; the implementation keeps zeroizing copies).
pub struct DirectionKeys<'a> {
    /// HMAC-SHA1 key (20 bytes).
    pub mac_key: &'a [u8],
    /// AES key (16 or 32 bytes).
    pub enc_key: &'a [u8],
}

impl core::fmt::Debug for DirectionKeys<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DirectionKeys { .. }")
    }
}

/// An encrypter for `suite`; `etm` selects encrypt-then-MAC.
///
/// Keys of the wrong length for `suite` (a bug in the caller) give an encrypter whose
/// every call fails with `Error::General`.
pub fn new_encrypter(
    suite: &SupportedCipherSuite,
    keys: DirectionKeys<'_>,
    etm: bool,
) -> Box<dyn MessageEncrypter> {
    if keys.mac_key.len() != suite.mac_key_len || keys.enc_key.len() != suite.enc_key_len {
        return Box::new(InvalidKeys);
    }
    match suite.bulk {
        BulkAlgorithm::Aes128Cbc => CbcEncrypter::<Aes128Enc>::boxed(keys, etm),
        BulkAlgorithm::Aes256Cbc => CbcEncrypter::<Aes256Enc>::boxed(keys, etm),
    }
}

/// A decrypter for `suite`; `etm` selects encrypt-then-MAC.
///
/// Keys of the wrong length for `suite` (a bug in the caller) give a decrypter whose
/// every call fails with `Error::General`.
pub fn new_decrypter(
    suite: &SupportedCipherSuite,
    keys: DirectionKeys<'_>,
    etm: bool,
) -> Box<dyn MessageDecrypter> {
    if keys.mac_key.len() != suite.mac_key_len || keys.enc_key.len() != suite.enc_key_len {
        return Box::new(InvalidKeys);
    }
    match suite.bulk {
        BulkAlgorithm::Aes128Cbc => CbcDecrypter::<Aes128Dec>::boxed(keys, etm),
        BulkAlgorithm::Aes256Cbc => CbcDecrypter::<Aes256Dec>::boxed(keys, etm),
    }
}

/// AES block size, and the explicit IV's length.
const BLOCK_LEN: usize = 16;
const IV_LEN: usize = BLOCK_LEN;
/// The most padding TLS allows: 255 padding bytes plus the length byte.
const MAX_PAD_TOTAL: usize = 256;
/// Smallest MtE fragment: IV, then MAC + padding-length byte rounded up to a block.
const MIN_MTE_LEN: usize = IV_LEN + (MAC_LEN + 1).div_ceil(BLOCK_LEN) * BLOCK_LEN;
/// Smallest EtM fragment: IV, one block, MAC.
const MIN_ETM_LEN: usize = IV_LEN + BLOCK_LEN + MAC_LEN;

/// The 11 public bytes that start the MAC input: `seq_num || type || version`.
fn mac_header_prefix(seq: u64, typ: u8, version: u16) -> [u8; HEADER_LEN - 2] {
    let mut h = [0u8; HEADER_LEN - 2];
    h[..8].copy_from_slice(&seq.to_be_bytes());
    h[8] = typ;
    h[9..].copy_from_slice(&version.to_be_bytes());
    h
}

/// Appends TLS padding to `buf` so that `buf.len() - start` becomes a multiple of 16:
/// `p + 1` bytes each equal to `p`, with the smallest such `p`.
fn push_padding(buf: &mut Vec<u8>, start: usize) {
    let body = buf.len() - start;
    let p = (BLOCK_LEN - 1 - body % BLOCK_LEN) as u8;
    buf.resize(buf.len() + usize::from(p) + 1, p);
}

fn as_blocks_mut(data: &mut [u8]) -> &mut [Array<u8, U16>] {
    Array::<u8, U16>::slice_as_chunks_mut(data).0
}

/// Explicit IVs, drawn from the OS in batches (one `getrandom` call per 32 records).
struct IvPool {
    buf: [u8; 512],
    used: usize,
}

impl IvPool {
    fn new() -> Self {
        Self {
            buf: [0; 512],
            used: 512,
        }
    }

    fn next(&mut self) -> Result<[u8; IV_LEN], Error> {
        if self.used + IV_LEN > self.buf.len() {
            crate::rand::fill_random(&mut self.buf)?;
            self.used = 0;
        }
        let mut iv = [0u8; IV_LEN];
        iv.copy_from_slice(&self.buf[self.used..self.used + IV_LEN]);
        self.buf[self.used..self.used + IV_LEN].zeroize();
        self.used += IV_LEN;
        Ok(iv)
    }
}

impl Drop for IvPool {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

struct CbcEncrypter<C: BlockCipherEncrypt> {
    /// Round keys (zeroized on drop by the `aes` crate's `zeroize` feature).
    cipher: cbc::Encryptor<C>,
    mac: HmacSha1Key,
    etm: bool,
    ivs: IvPool,
}

impl<C> CbcEncrypter<C>
where
    C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16> + KeyInit + Send + Sync + 'static,
{
    fn boxed(keys: DirectionKeys<'_>, etm: bool) -> Box<dyn MessageEncrypter> {
        match C::new_from_slice(keys.enc_key) {
            Ok(c) => Box::new(Self {
                cipher: cbc::Encryptor::inner_iv_init(c, &Array::default()),
                mac: HmacSha1Key::new(keys.mac_key),
                etm,
                ivs: IvPool::new(),
            }),
            Err(_) => Box::new(InvalidKeys),
        }
    }
}

/// Encrypts whole blocks in place, continuing the CBC chain.
fn cbc_continue<C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16>>(
    cipher: &mut cbc::Encryptor<C>,
    data: &mut [u8],
) {
    cipher.encrypt_blocks(as_blocks_mut(data));
}

/// Bytes of CBC encryption done between two pieces of hashing when sealing. CBC encryption
/// is a serial chain of AES rounds whose latency leaves the CPU idle; alternating it with
/// independent SHA-1 work in small pieces lets out-of-order execution overlap the two.
/// The hashed pieces end on SHA-1 block boundaries of the MAC input (which starts with the
/// 13-byte header), so each is whole blocks handed straight to the compression function:
/// a piece split into a buffered partial block cost an extra compression call per piece
/// and most of the overlap. Measured on 16 KiB records (AMD EPYC, 2 shared cores): 192
/// bytes best (AES-128 seal about 860-890 MB/s, AES-256 660-680), 128 and 256 a few
/// percent behind, 512 10% behind; with unaligned pieces of 256 bytes, 620 and 520.
const INTERLEAVE: usize = 192;

impl<C> MessageEncrypter for CbcEncrypter<C>
where
    C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16> + KeyInit + Send + Sync + 'static,
{
    fn encrypt(&mut self, msg: &PlainMessage, seq: u64) -> Result<OpaqueMessage, Error> {
        let len = msg.payload.len();
        if len > MAX_FRAGMENT_LEN {
            return Err(Error::ApiMisuse("record plaintext longer than 2^14 bytes"));
        }
        let prefix = mac_header_prefix(seq, msg.typ.get(), msg.version.get());
        let iv = self.ivs.next()?;
        let mut out = Vec::with_capacity(self.encrypted_len(len));
        out.extend_from_slice(&iv);
        out.extend_from_slice(&msg.payload);
        let cipher = &mut self.cipher;
        cipher.set_iv(&Array::from(iv));
        let mut h = self.mac.start();
        if self.etm {
            // IV || E(content || padding) || HMAC(header || IV || ciphertext). The MAC
            // trails the encryption by one piece.
            push_padding(&mut out, IV_LEN);
            // Bounded by 16 + 2^14 + 16, so it fits the u16 length field.
            let signed_len = (out.len() as u16).to_be_bytes();
            h.update(&prefix);
            h.update(&signed_len);
            let mut done = IV_LEN; // encrypted up to here
            let mut hashed = 0; // hashed up to here
            while done < out.len() {
                let end = (done + INTERLEAVE).min(out.len());
                cbc_continue(cipher, &mut out[done..end]);
                // Hash what was encrypted before, up to a SHA-1 block boundary of the MAC
                // input (13 header bytes come first), so that no piece is split into a
                // buffered partial block.
                let to = done.saturating_sub((HEADER_LEN + done) % 64);
                if to > hashed {
                    h.update(&out[hashed..to]);
                    hashed = to;
                }
                done = end;
            }
            h.update(&out[hashed..]);
            let tag = h.finish();
            out.extend_from_slice(&tag);
        } else {
            // IV || E(content || HMAC(header || content) || padding). The content blocks
            // are encrypted while the MAC is computed; the block holding the end of the
            // content waits for the MAC.
            h.update(&prefix);
            h.update(&(len as u16).to_be_bytes());
            let whole = IV_LEN + len / BLOCK_LEN * BLOCK_LEN;
            let mut done = IV_LEN;
            // The hashed pieces end on SHA-1 block boundaries of the MAC input (13 header
            // bytes, then the content), so that no piece is split into a buffered partial
            // block; the encrypted ones on AES block boundaries.
            let mut hashed = 0;
            while hashed < len {
                let end = (done + INTERLEAVE).min(whole);
                if done < end {
                    cbc_continue(cipher, &mut out[done..end]);
                    done = end;
                }
                let to = (hashed + INTERLEAVE - (HEADER_LEN + hashed + INTERLEAVE) % 64).min(len);
                h.update(&msg.payload[hashed..to]);
                hashed = to;
            }
            let tag = h.finish();
            out.extend_from_slice(&tag);
            push_padding(&mut out, IV_LEN);
            cbc_continue(cipher, &mut out[done..]);
        }
        Ok(OpaqueMessage {
            typ: msg.typ,
            version: msg.version,
            payload: out,
        })
    }

    fn encrypted_len(&self, len: usize) -> usize {
        if self.etm {
            IV_LEN + (len / BLOCK_LEN + 1) * BLOCK_LEN + MAC_LEN
        } else {
            IV_LEN + ((len + MAC_LEN) / BLOCK_LEN + 1) * BLOCK_LEN
        }
    }
}

struct CbcDecrypter<C: BlockCipherDecrypt> {
    /// Round keys (zeroized on drop by the `aes` crate's `zeroize` feature).
    cipher: cbc::Decryptor<C>,
    mac: HmacSha1Key,
    etm: bool,
}

impl<C> CbcDecrypter<C>
where
    C: BlockCipherDecrypt + BlockSizeUser<BlockSize = U16> + KeyInit + Send + Sync + 'static,
{
    fn boxed(keys: DirectionKeys<'_>, etm: bool) -> Box<dyn MessageDecrypter> {
        match C::new_from_slice(keys.enc_key) {
            Ok(c) => Box::new(Self {
                cipher: cbc::Decryptor::inner_iv_init(c, &Array::default()),
                mac: HmacSha1Key::new(keys.mac_key),
                etm,
            }),
            Err(_) => Box::new(InvalidKeys),
        }
    }

    /// Decrypts `IV || ciphertext` in place (the IV stays as it is). `body.len()` is a
    /// multiple of 16, at least 32 (checked by the callers).
    fn cbc_decrypt(&mut self, body: &mut [u8]) {
        let (iv, ct) = body.split_at_mut(IV_LEN);
        let mut iv_arr = Array::<u8, U16>::default();
        iv_arr.copy_from_slice(iv);
        self.cipher.set_iv(&iv_arr);
        self.cipher.decrypt_blocks(as_blocks_mut(ct));
    }

    /// RFC 5246 6.2.3.2. Returns the content length; the content is at `payload[16..]`.
    fn open_mac_then_encrypt(
        &mut self,
        payload: &mut [u8],
        prefix: &[u8; HEADER_LEN - 2],
    ) -> Result<usize, Error> {
        // PUBLIC checks, variable time is fine.
        let n = payload.len();
        if n < MIN_MTE_LEN || n % BLOCK_LEN != 0 {
            return Err(Error::DecryptError);
        }
        self.cbc_decrypt(payload);
        let data = payload.get(IV_LEN..).ok_or(Error::DecryptError)?;
        let d = data.len(); // PUBLIC: content + MAC + padding, >= 32
                            // PUBLIC: the shortest content any padding could leave.
        let min_len = d.saturating_sub(MAC_LEN + MAX_PAD_TOTAL);

        // ---- TIMING-SENSITIVE REGION: everything below depends on decrypted bytes. ----
        // No branch and no memory index may depend on `pad_ok`, `pad_total`, `content_len`.
        let (pad_ok, pad_total) = check_padding(data); // SECRET, SECRET
                                                       // SECRET. pad_total <= d - MAC_LEN when pad_ok, and 0 otherwise: no underflow.
        let content_len = d - MAC_LEN - pad_total;
        let mac_region = data.get(..d - MAC_LEN).ok_or(Error::DecryptError)?; // PUBLIC bounds
        let mut expected =
            hmac_sha1_secret_len(&self.mac, prefix, mac_region, content_len, min_len);
        let mut received = extract_mac(data, content_len, min_len);
        let mac_ok = expected.ct_eq(&received); // SECRET
        expected.zeroize();
        received.zeroize();
        let ok = mac_ok & subtle::Choice::from((pad_ok & 1) as u8);
        // ---- end of timing-sensitive region: `ok` is the one bit we reveal. ----
        if !bool::from(ok) {
            return Err(Error::DecryptError);
        }
        // The record is authentic: its lengths are now public.
        Ok(content_len)
    }

    /// RFC 7366. Returns the content length; the content is at `payload[16..]`.
    fn open_encrypt_then_mac(
        &mut self,
        payload: &mut [u8],
        prefix: &[u8; HEADER_LEN - 2],
    ) -> Result<usize, Error> {
        // PUBLIC checks.
        let n = payload.len();
        if n < MIN_ETM_LEN || (n - MAC_LEN) % BLOCK_LEN != 0 {
            return Err(Error::DecryptError);
        }
        let (body, tag) = payload.split_at_mut(n - MAC_LEN);
        // The MAC covers public data only; compare in constant time all the same.
        let signed_len = u16::try_from(body.len())
            .map_err(|_| Error::DecryptError)?
            .to_be_bytes();
        let expected = self.mac.mac(&[prefix, &signed_len, body]);
        if !bool::from(expected.ct_eq(tag)) {
            return Err(Error::DecryptError);
        }
        // Authentic: only now decrypt. The padding of an authentic record is not secret
        // from anyone who could have forged it, but the masked check costs nothing.
        self.cbc_decrypt(body);
        let data = body.get(IV_LEN..).ok_or(Error::DecryptError)?;
        let (pad_ok, pad_total) = check_padding_etm(data);
        if pad_ok == 0 {
            return Err(Error::DecryptError);
        }
        Ok(data.len() - pad_total)
    }
}

impl<C> MessageDecrypter for CbcDecrypter<C>
where
    C: BlockCipherDecrypt + BlockSizeUser<BlockSize = U16> + KeyInit + Send + Sync + 'static,
{
    fn decrypt(&mut self, mut msg: OpaqueMessage, seq: u64) -> Result<PlainMessage, Error> {
        if msg.payload.len() > MAX_CIPHERTEXT_LEN {
            return Err(Error::RecordOverflow);
        }
        let prefix = mac_header_prefix(seq, msg.typ.get(), msg.version.get());
        let len = if self.etm {
            self.open_encrypt_then_mac(&mut msg.payload, &prefix)?
        } else {
            self.open_mac_then_encrypt(&mut msg.payload, &prefix)?
        };
        if len > MAX_FRAGMENT_LEN {
            return Err(Error::RecordOverflow);
        }
        // Move the content over the IV, in place.
        msg.payload.copy_within(IV_LEN..IV_LEN + len, 0);
        msg.payload.truncate(len);
        Ok(msg.into_plain_message())
    }
}

/// MtE padding check, constant time in the (secret) padding. `data` is the decrypted
/// `content || MAC || padding || padding_length` (public length >= 32).
///
/// Returns (all-ones mask if the padding is well formed and leaves room for the MAC,
/// number of padding bytes including the length byte, or 0 if malformed).
fn check_padding(data: &[u8]) -> (u64, usize) {
    check_padding_with_overhead(data, MAC_LEN)
}

/// EtM padding check: the MAC is not inside the ciphertext.
fn check_padding_etm(data: &[u8]) -> (u64, usize) {
    check_padding_with_overhead(data, 0)
}

fn check_padding_with_overhead(data: &[u8], overhead: usize) -> (u64, usize) {
    let d = data.len() as u64; // PUBLIC
    let Some(&last) = data.last() else {
        return (0, 0);
    };
    let pad = u64::from(core::hint::black_box(last)); // SECRET
                                                      // SECRET: room for padding_length + 1 bytes and the MAC.
    let mut good = !ct_lt(d, pad + 1 + overhead as u64);
    // Look at the last 256 bytes (or all of them) whatever `pad` says. Byte `i` from the
    // end must equal `pad` if `i <= pad`.
    for (i, &b) in data.iter().rev().take(MAX_PAD_TOTAL).enumerate() {
        let in_padding = ct_lt(i as u64, pad + 1); // SECRET
        good &= !(in_padding & !ct_eq(u64::from(b), pad));
    }
    // A malformed padding counts as none, so the MAC work that follows is the same.
    let pad_total = ((pad + 1) & good) as usize; // SECRET
    (good, pad_total)
}

/// Copies the MAC out of `data[mac_start..mac_start + 20]` where `mac_start` is SECRET but
/// known to be at least `min_start` (PUBLIC) and at most `data.len() - 20`.
///
/// Every byte of the window `data[min_start..]` is read; byte `i` is OR-ed, masked, into
/// slot `(i - min_start) % 20` of a buffer, so the MAC lands there rotated by
/// `(mac_start - min_start) % 20`, which is then undone by five masked rotations.
fn extract_mac(data: &[u8], mac_start: usize, min_start: usize) -> [u8; MAC_LEN] {
    let start = core::hint::black_box(mac_start as u64); // SECRET
    let mut rotated = [0u8; MAC_LEN];
    let mut rotation = 0u64; // SECRET
    let mut slot = 0usize; // PUBLIC
    let window = data.get(min_start..).unwrap_or(&[]);
    for (k, &b) in window.iter().enumerate() {
        let i = (min_start + k) as u64; // PUBLIC
        let in_mac = !ct_lt(i, start) & ct_lt(i, start + MAC_LEN as u64); // SECRET
        rotation |= slot as u64 & ct_eq(i, start);
        rotated[slot] |= b & in_mac as u8;
        slot += 1;
        if slot == MAC_LEN {
            slot = 0;
        }
    }
    // mac[t] = rotated[(rotation + t) % 20]: rotate left by `rotation` (< 20 < 32), one
    // bit of it at a time.
    for bit in 0..5 {
        // SECRET mask, all ones or zero. `black_box` keeps the optimiser from knowing that:
        // when it knew (a mask built from a `bool`), LLVM compiled this masked select into
        // a conditional jump over the rotation, a branch on the MAC's secret position.
        let shift = 1usize << bit; // PUBLIC
        let take = core::hint::black_box(0u8.wrapping_sub(((rotation >> bit) & 1) as u8));
        let mut moved = rotated;
        moved.rotate_left(shift % MAC_LEN); // PUBLIC amount
        for (out, m) in rotated.iter_mut().zip(moved.iter()) {
            *out ^= (m ^ *out) & take;
        }
    }
    rotated
}

/// Stands in for a cipher built from keys of the wrong length.
#[derive(Debug)]
struct InvalidKeys;

impl MessageEncrypter for InvalidKeys {
    fn encrypt(&mut self, _: &PlainMessage, _: u64) -> Result<OpaqueMessage, Error> {
        Err(Error::General(
            "record keys of the wrong length for the cipher suite".into(),
        ))
    }
    fn encrypted_len(&self, len: usize) -> usize {
        len
    }
}

impl MessageDecrypter for InvalidKeys {
    fn decrypt(&mut self, _: OpaqueMessage, _: u64) -> Result<PlainMessage, Error> {
        Err(Error::General(
            "record keys of the wrong length for the cipher suite".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_masks() {
        // content (3) | MAC (20) | padding 8 x 0x08 | length 0x08 = 32 bytes
        let mut data = vec![0xAAu8; 23];
        data.extend_from_slice(&[8u8; 9]);
        assert_eq!(check_padding(&data), (u64::MAX, 9));
        // One bad padding byte anywhere in the padding.
        for i in 23..31 {
            let mut bad = data.clone();
            bad[i] ^= 1;
            assert_eq!(check_padding(&bad), (0, 0), "byte {i}");
        }
        // A byte before the padding does not matter.
        let mut ok = data.clone();
        ok[22] = 0x08 ^ 0xFF;
        assert_eq!(check_padding(&ok).0, u64::MAX);
        // Padding too long to leave room for the MAC.
        let long = vec![15u8; 32];
        assert_eq!(check_padding(&long), (0, 0));
        assert_eq!(check_padding_etm(&long), (u64::MAX, 16));
        let too_long = vec![16u8; 16];
        assert_eq!(check_padding_etm(&too_long), (0, 0));
    }

    #[test]
    fn extract_mac_every_offset() {
        let data: Vec<u8> = (0..400u32).map(|i| (i * 13 + 7) as u8).collect();
        for min_start in [0usize, 5, 100] {
            for start in min_start..=data.len() - MAC_LEN {
                let got = extract_mac(&data, start, min_start);
                assert_eq!(
                    &got[..],
                    &data[start..start + MAC_LEN],
                    "start {start} min {min_start}"
                );
            }
        }
    }

    #[test]
    fn lengths() {
        use crate::suites::TLS_SRP_SHA_WITH_AES_128_CBC_SHA as S;
        let keys = || DirectionKeys {
            mac_key: &[1; 20],
            enc_key: &[2; 16],
        };
        let mte = new_encrypter(&S, keys(), false);
        let etm = new_encrypter(&S, keys(), true);
        assert_eq!(mte.encrypted_len(0), 48);
        assert_eq!(mte.encrypted_len(11), 48);
        assert_eq!(mte.encrypted_len(12), 64);
        assert_eq!(etm.encrypted_len(0), 52);
        assert_eq!(etm.encrypted_len(15), 52);
        assert_eq!(etm.encrypted_len(16), 68);
        assert_eq!(MIN_MTE_LEN, 48);
        assert_eq!(MIN_ETM_LEN, 52);
    }

    #[test]
    fn wrong_key_lengths_fail_every_call() {
        use crate::msgs::enums::{ContentType, ProtocolVersion};
        use crate::suites::TLS_SRP_SHA_WITH_AES_256_CBC_SHA as S;
        let mut e = new_encrypter(
            &S,
            DirectionKeys {
                mac_key: &[1; 20],
                enc_key: &[2; 16],
            },
            false,
        );
        let msg = PlainMessage {
            typ: ContentType::ApplicationData,
            version: ProtocolVersion::from(0x0303),
            payload: vec![1],
        };
        assert!(matches!(e.encrypt(&msg, 0), Err(Error::General(_))));
        let mut d = new_decrypter(
            &S,
            DirectionKeys {
                mac_key: &[1; 19],
                enc_key: &[2; 32],
            },
            true,
        );
        assert!(matches!(
            d.decrypt(msg.into_unencrypted_opaque(), 0),
            Err(Error::General(_))
        ));
    }
}
