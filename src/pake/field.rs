//! P-256's base field, GF(p) with p = 2^256 - 2^224 + 2^192 + 2^96 - 1, for the SPAKE2+
//! point arithmetic in [`super::spake2plus`]: four 64-bit limbs in Montgomery form, every
//! operation branch-free and `#[inline]`.
//!
//! Why our own and not p256's `FieldElement` (which the scalar multiplications used before):
//! field arithmetic is 83% of a PAKE handshake's CPU (perf, `benches/pake_handshake.rs`), and
//! p256 0.13's additions, subtractions and multiplications are out-of-line functions in
//! another crate (`fe_add`, `fe_sub`, `fe_mul`: not inlinable without LTO), with squaring done
//! as a full multiplication. Building the bench with LTO alone made handshakes 12-13% faster
//! (Intel Xeon, 2026-12-03); these inline within the crate for every user's build, and a
//! squaring takes 10 word products instead of 16. Checked against p256's field and against
//! num-bigint in the tests below.

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// p, little-endian limbs.
const P: [u64; 4] = [
    0xffff_ffff_ffff_ffff,
    0x0000_0000_ffff_ffff,
    0x0000_0000_0000_0000,
    0xffff_ffff_0000_0001,
];

/// 2^512 mod p (multiplying by it enters Montgomery form); checked by a test.
const R2: [u64; 4] = [
    0x0000_0000_0000_0003,
    0xffff_fffb_ffff_ffff,
    0xffff_ffff_ffff_fffe,
    0x0000_0004_ffff_fffd,
];

/// An element of GF(p) as `a * 2^256 mod p`, fully reduced (below p).
#[derive(Clone, Copy, Default, Zeroize)]
pub(crate) struct Fe([u64; 4]);

#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + b as u128 + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// `a - b - borrow` and the borrow out (0 or 1).
#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub(b as u128 + borrow as u128);
    (t as u64, (t >> 127) as u64)
}

/// `a + b*c + carry`, which fits in 128 bits.
#[inline(always)]
fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + (b as u128) * (c as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// `v - p` (mod 2^256) and the borrow out: 1 exactly when `v < p`.
#[inline(always)]
fn sub_p(v: &[u64; 4]) -> ([u64; 4], u64) {
    let (s0, b) = sbb(v[0], P[0], 0);
    let (s1, b) = sbb(v[1], P[1], b);
    let (s2, b) = sbb(v[2], P[2], b);
    let (s3, b) = sbb(v[3], P[3], b);
    ([s0, s1, s2, s3], b)
}

/// `hi * 2^256 + v` reduced, for a value below `2p` (`hi` is 0 or 1): subtracts p unless
/// that goes negative, by mask.
#[inline(always)]
fn reduce_once(v: [u64; 4], hi: u64) -> Fe {
    let ([s0, s1, s2, s3], b) = sub_p(&v);
    // Negative exactly when the subtraction borrowed past bit 256: keep v. (black_box: the
    // mask must stay arithmetic, never become a branch.)
    let (_, negative) = sbb(hi, 0, b);
    let keep = 0u64.wrapping_sub(core::hint::black_box(negative));
    Fe([
        (v[0] & keep) | (s0 & !keep),
        (v[1] & keep) | (s1 & !keep),
        (v[2] & keep) | (s2 & !keep),
        (v[3] & keep) | (s3 & !keep),
    ])
}

/// Montgomery reduction of a 512-bit `t` below `p * 2^256`: `t / 2^256 mod p`. For P-256,
/// `-1/p mod 2^64 = 1`, so each step's multiplier is the limb it clears, and `p`'s low limb
/// `2^64 - 1` turns `t[i] + m * p[0]` into exactly a carry of `m`.
#[inline(always)]
fn montgomery_reduce(t: [u64; 8]) -> Fe {
    let [t0, t1, t2, t3, t4, t5, t6, t7] = t;
    let (t1, c) = mac(t1, t0, P[1], t0);
    let (t2, c) = adc(t2, 0, c);
    let (t3, c) = mac(t3, t0, P[3], c);
    let (t4, top) = adc(t4, 0, c);

    let (t2, c) = mac(t2, t1, P[1], t1);
    let (t3, c) = adc(t3, 0, c);
    let (t4, c) = mac(t4, t1, P[3], c);
    let (t5, top) = adc(t5, top, c);

    let (t3, c) = mac(t3, t2, P[1], t2);
    let (t4, c) = adc(t4, 0, c);
    let (t5, c) = mac(t5, t2, P[3], c);
    let (t6, top) = adc(t6, top, c);

    let (t4, c) = mac(t4, t3, P[1], t3);
    let (t5, c) = adc(t5, 0, c);
    let (t6, c) = mac(t6, t3, P[3], c);
    let (t7, top) = adc(t7, top, c);

    reduce_once([t4, t5, t6, t7], top)
}

impl Fe {
    pub(crate) const ZERO: Self = Self([0; 4]);
    /// 1 in Montgomery form: `2^256 mod p = 2^256 - p`.
    pub(crate) const ONE: Self = Self([
        0x0000_0000_0000_0001,
        0xffff_ffff_0000_0000,
        0xffff_ffff_ffff_ffff,
        0x0000_0000_ffff_fffe,
    ]);

    /// A constant already in Montgomery form (little-endian limbs, below p).
    pub(crate) const fn from_limbs(limbs: [u64; 4]) -> Self {
        Self(limbs)
    }

    /// From 32 big-endian bytes; `None` unless below p (the only branch is on that
    /// validity, which callers treat as public).
    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        let mut v = [0u64; 4];
        for (i, limb) in v.iter_mut().enumerate() {
            let start = 32 - 8 * (i + 1);
            *limb = u64::from_be_bytes(bytes[start..start + 8].try_into().expect("8 bytes"));
        }
        let (mut difference, below) = sub_p(&v);
        difference.zeroize();
        let mut value = Self(v);
        let out = value.mul(&Self(R2));
        v.zeroize();
        value.zeroize();
        (below == 1).then_some(out)
    }

    /// The 32 big-endian bytes of the (canonical) value.
    pub(crate) fn bytes(&self) -> [u8; 32] {
        let [a0, a1, a2, a3] = self.0;
        let mut plain = montgomery_reduce([a0, a1, a2, a3, 0, 0, 0, 0]);
        let mut out = [0u8; 32];
        for (i, limb) in plain.0.iter().enumerate() {
            let start = 32 - 8 * (i + 1);
            out[start..start + 8].copy_from_slice(&limb.to_be_bytes());
        }
        plain.zeroize();
        out
    }

    #[inline]
    pub(crate) fn add(&self, rhs: &Self) -> Self {
        let (a, b) = (&self.0, &rhs.0);
        let (s0, c) = adc(a[0], b[0], 0);
        let (s1, c) = adc(a[1], b[1], c);
        let (s2, c) = adc(a[2], b[2], c);
        let (s3, c) = adc(a[3], b[3], c);
        reduce_once([s0, s1, s2, s3], c)
    }

    #[inline]
    pub(crate) fn double(&self) -> Self {
        self.add(self)
    }

    #[inline]
    pub(crate) fn sub(&self, rhs: &Self) -> Self {
        let (a, b) = (&self.0, &rhs.0);
        let (d0, w) = sbb(a[0], b[0], 0);
        let (d1, w) = sbb(a[1], b[1], w);
        let (d2, w) = sbb(a[2], b[2], w);
        let (d3, w) = sbb(a[3], b[3], w);
        // Borrowed: add p back (masked; black_box as in `reduce_once`).
        let mask = 0u64.wrapping_sub(core::hint::black_box(w));
        let (d0, c) = adc(d0, P[0] & mask, 0);
        let (d1, c) = adc(d1, P[1] & mask, c);
        let (d2, c) = adc(d2, P[2] & mask, c);
        let (d3, _) = adc(d3, P[3] & mask, c);
        Self([d0, d1, d2, d3])
    }

    #[inline]
    pub(crate) fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }

    #[inline(always)]
    pub(crate) fn mul(&self, rhs: &Self) -> Self {
        let (a, b) = (&self.0, &rhs.0);
        let (t0, c) = mac(0, a[0], b[0], 0);
        let (t1, c) = mac(0, a[0], b[1], c);
        let (t2, c) = mac(0, a[0], b[2], c);
        let (t3, t4) = mac(0, a[0], b[3], c);

        let (t1, c) = mac(t1, a[1], b[0], 0);
        let (t2, c) = mac(t2, a[1], b[1], c);
        let (t3, c) = mac(t3, a[1], b[2], c);
        let (t4, t5) = mac(t4, a[1], b[3], c);

        let (t2, c) = mac(t2, a[2], b[0], 0);
        let (t3, c) = mac(t3, a[2], b[1], c);
        let (t4, c) = mac(t4, a[2], b[2], c);
        let (t5, t6) = mac(t5, a[2], b[3], c);

        let (t3, c) = mac(t3, a[3], b[0], 0);
        let (t4, c) = mac(t4, a[3], b[1], c);
        let (t5, c) = mac(t5, a[3], b[2], c);
        let (t6, t7) = mac(t6, a[3], b[3], c);

        montgomery_reduce([t0, t1, t2, t3, t4, t5, t6, t7])
    }

    /// `self^2`: the six cross products once, doubled, plus the four squares.
    #[inline(always)]
    pub(crate) fn square(&self) -> Self {
        let a = &self.0;
        let (t1, c) = mac(0, a[0], a[1], 0);
        let (t2, c) = mac(0, a[0], a[2], c);
        let (t3, t4) = mac(0, a[0], a[3], c);
        let (t3, c) = mac(t3, a[1], a[2], 0);
        let (t4, t5) = mac(t4, a[1], a[3], c);
        let (t5, t6) = mac(t5, a[2], a[3], 0);

        let t7 = t6 >> 63;
        let t6 = (t6 << 1) | (t5 >> 63);
        let t5 = (t5 << 1) | (t4 >> 63);
        let t4 = (t4 << 1) | (t3 >> 63);
        let t3 = (t3 << 1) | (t2 >> 63);
        let t2 = (t2 << 1) | (t1 >> 63);
        let t1 = t1 << 1;

        let (t0, c) = mac(0, a[0], a[0], 0);
        let (t1, c) = adc(t1, 0, c);
        let (t2, c) = mac(t2, a[1], a[1], c);
        let (t3, c) = adc(t3, 0, c);
        let (t4, c) = mac(t4, a[2], a[2], c);
        let (t5, c) = adc(t5, 0, c);
        let (t6, c) = mac(t6, a[3], a[3], c);
        let (t7, _) = adc(t7, 0, c);

        montgomery_reduce([t0, t1, t2, t3, t4, t5, t6, t7])
    }

    /// `self^(2^n)`.
    #[inline]
    fn square_n(&self, n: u32) -> Self {
        let mut x = *self;
        for _ in 0..n {
            x = x.square();
        }
        x
    }

    /// `self^(p-2)`: the inverse of a nonzero element, zero for zero. The exponent is
    /// public; its bits from the top are 32 ones, 31 zeros, a one, 96 zeros, 94 ones, 0, 1,
    /// which this addition chain follows (255 squarings, 13 multiplications).
    pub(crate) fn invert(&self) -> Self {
        let x1 = *self;
        let x2 = x1.square().mul(&x1); // 2^2 - 1
        let x4 = x2.square_n(2).mul(&x2);
        let x8 = x4.square_n(4).mul(&x4);
        let x16 = x8.square_n(8).mul(&x8);
        let x32 = x16.square_n(16).mul(&x16);
        let mut t = x32.square_n(32).mul(&x1); // 32 ones, 31 zeros, 1
        t = t.square_n(96); // 96 zeros
        t = t.square_n(32).mul(&x32); // then 94 ones: 32 + 32 + 16 + 8 + 4 + 2
        t = t.square_n(32).mul(&x32);
        t = t.square_n(16).mul(&x16);
        t = t.square_n(8).mul(&x8);
        t = t.square_n(4).mul(&x4);
        t = t.square_n(2).mul(&x2);
        t.square_n(2).mul(&x1) // 0, 1
    }

    /// The limbs XORed together: one word that depends on every limb, for reading an
    /// element as an exchange would without copying it anywhere.
    pub(crate) fn fold(&self) -> u64 {
        self.0.iter().fold(0, |acc, limb| acc ^ limb)
    }

    #[inline]
    pub(crate) fn is_zero(&self) -> Choice {
        self.ct_eq(&Self::ZERO)
    }
}

impl ConstantTimeEq for Fe {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl ConditionallySelectable for Fe {
    #[inline]
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Self([
            u64::conditional_select(&a.0[0], &b.0[0], choice),
            u64::conditional_select(&a.0[1], &b.0[1], choice),
            u64::conditional_select(&a.0[2], &b.0[2], choice),
            u64::conditional_select(&a.0[3], &b.0[3], choice),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use p256::elliptic_curve::ff::PrimeField;
    use p256::FieldElement;

    fn p() -> BigUint {
        BigUint::from_bytes_be(&hex32(
            "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        ))
    }

    fn hex32(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    fn big(x: &Fe) -> BigUint {
        BigUint::from_bytes_be(&x.bytes())
    }

    fn ours(x: &BigUint) -> Fe {
        let bytes = x.to_bytes_be();
        let mut out = [0u8; 32];
        out[32 - bytes.len()..].copy_from_slice(&bytes);
        Fe::from_bytes(&out).expect("below p")
    }

    /// Edge values (0, 1, 2, p-1, p-2, 2^255, limb boundaries) and pseudo-random ones.
    fn samples() -> Vec<BigUint> {
        let p = p();
        let one = BigUint::from(1u8);
        let mut v = vec![
            BigUint::from(0u8),
            one.clone(),
            BigUint::from(2u8),
            &p - &one,
            &p - BigUint::from(2u8),
            BigUint::from(1u8) << 255,
            (BigUint::from(1u8) << 64) - &one,
            BigUint::from(1u8) << 64,
            (BigUint::from(1u8) << 192) - &one,
            BigUint::from(1u8) << 224,
            (&p - &one) >> 1,
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..300 {
            let mut bytes = [0u8; 32];
            for b in bytes.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = state as u8;
            }
            // Some with all-ones limbs: the carries' worst cases.
            if state % 5 == 0 {
                bytes[..12].fill(0xff);
            }
            v.push(BigUint::from_bytes_be(&bytes) % &p);
        }
        v
    }

    #[test]
    fn constants() {
        let p = p();
        let r2 =
            BigUint::from_bytes_le(&R2.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<_>>());
        assert_eq!(r2, (BigUint::from(1u8) << 512) % &p);
        let one = BigUint::from_bytes_le(
            &Fe::ONE
                .0
                .iter()
                .flat_map(|l| l.to_le_bytes())
                .collect::<Vec<_>>(),
        );
        assert_eq!(one, (BigUint::from(1u8) << 256) % &p);
        assert_eq!(big(&Fe::ONE), BigUint::from(1u8));
        let pl =
            BigUint::from_bytes_le(&P.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<_>>());
        assert_eq!(pl, p);
    }

    #[test]
    fn operations_match_num_bigint() {
        let p = p();
        let xs = samples();
        for (i, a) in xs.iter().enumerate() {
            let fa = ours(a);
            assert_eq!(&big(&fa), a, "round trip");
            assert_eq!(big(&fa.square()), (a * a) % &p, "square {a:x}");
            assert_eq!(big(&fa.neg()), (&p - a) % &p, "neg {a:x}");
            assert_eq!(big(&fa.double()), (a * 2u8) % &p, "double {a:x}");
            if a.bits() > 0 {
                assert_eq!(
                    big(&fa.invert().mul(&fa)),
                    BigUint::from(1u8),
                    "invert {a:x}"
                );
            } else {
                assert_eq!(big(&fa.invert()), BigUint::from(0u8));
            }
            for b in xs.iter().skip(i).take(40) {
                let fb = ours(b);
                assert_eq!(big(&fa.mul(&fb)), (a * b) % &p, "mul {a:x} {b:x}");
                assert_eq!(big(&fa.add(&fb)), (a + b) % &p, "add {a:x} {b:x}");
                assert_eq!(big(&fa.sub(&fb)), (&p + a - b) % &p, "sub {a:x} {b:x}");
                assert_eq!(bool::from(fa.ct_eq(&fb)), a == b);
            }
        }
    }

    #[test]
    fn matches_p256_field() {
        for a in samples() {
            let bytes = {
                let b = a.to_bytes_be();
                let mut out = [0u8; 32];
                out[32 - b.len()..].copy_from_slice(&b);
                out
            };
            let theirs = FieldElement::from_repr(bytes.into()).unwrap();
            let fa = Fe::from_bytes(&bytes).unwrap();
            assert_eq!(
                fa.square().bytes(),
                <[u8; 32]>::from(theirs.square().to_repr())
            );
            let inv = Option::<FieldElement>::from(theirs.invert()).unwrap_or(FieldElement::ZERO);
            assert_eq!(fa.invert().bytes(), <[u8; 32]>::from(inv.to_repr()));
        }
    }

    #[test]
    fn out_of_range_bytes_are_refused() {
        let p = hex32("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
        assert!(Fe::from_bytes(&p).is_none());
        assert!(Fe::from_bytes(&[0xff; 32]).is_none());
        let mut below = p;
        below[31] -= 1;
        assert!(Fe::from_bytes(&below).is_some());
        assert!(bool::from(Fe::from_bytes(&[0; 32]).unwrap().is_zero()));
    }
}
