//! P-256 points for SPAKE2+ ([`super::spake2plus`]), over our field ([`Fe`]):
//!
//! - [`Affine`]: a decoded, validated point (never the identity): shares, `L`, table entries.
//! - [`Projective`]: homogeneous coordinates with the complete addition formulas of
//!   Renes, Costello and Batina (eprint 2015/1060, algorithms 4 and 5, `a = -3`), for the
//!   fixed-base sums ([`mul_fixed`]): no exceptional case at all.
//! - [`Jacobian`]: cheaper doublings for the variable-base multiplications ([`Multiples`]),
//!   whose one exceptional case is shown to arise once and handled.
//!
//! Everything that touches a secret is branch-free: table lookups read every entry with
//! `subtle`'s conditional selection, digits are recoded without branches. Branches are taken
//! only on public facts (a peer's encoding failing to validate; a result being the identity,
//! which the caller refuses).

use p256::Scalar;
use subtle::{Choice, ConditionallyNegatable, ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, Zeroizing};

use super::field::Fe;

/// A SEC1 uncompressed point: `0x04 || x || y`.
pub(super) const POINT_LEN: usize = 65;

/// Two SEC1 uncompressed encodings (secret points: zeroized on drop).
pub(super) type EncodedPair = (Zeroizing<[u8; POINT_LEN]>, Zeroizing<[u8; POINT_LEN]>);

/// The curve's `b` (y^2 = x^3 - 3x + b), in Montgomery form (checked by a test).
const B: Fe = Fe::from_limbs([
    0xd89c_df62_29c4_bddf,
    0xacf0_05cd_7884_3090,
    0xe5a2_20ab_f721_2ed6,
    0xdc30_061d_0487_4834,
]);

/// A point on the curve in affine coordinates; never the identity.
#[derive(Clone, Copy, Default, Zeroize)]
pub(super) struct Affine {
    x: Fe,
    y: Fe,
}

impl Affine {
    /// A SEC1 uncompressed encoding: exactly 65 bytes, `0x04 || x || y`, `x, y < p`, on the
    /// curve (so never the identity, which has no uncompressed encoding). Inputs are public.
    pub(super) fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != POINT_LEN || bytes[0] != 0x04 {
            return None;
        }
        let x = Fe::from_bytes(bytes[1..33].try_into().expect("32 bytes"))?;
        let y = Fe::from_bytes(bytes[33..].try_into().expect("32 bytes"))?;
        // y^2 = x*(x^2 - 3) + b
        let three = Fe::ONE.double().add(&Fe::ONE);
        let rhs = x.mul(&x.square().sub(&three)).add(&B);
        bool::from(y.square().ct_eq(&rhs)).then_some(Self { x, y })
    }

    /// One word read from both coordinates (see [`Fe::fold`]).
    pub(super) fn fold(&self) -> u64 {
        self.x.fold() ^ self.y.fold()
    }

    /// The SEC1 uncompressed encoding (zeroized on drop: some points are secret).
    pub(super) fn encode(&self) -> Zeroizing<[u8; POINT_LEN]> {
        let mut out = Zeroizing::new([0u8; POINT_LEN]);
        out[0] = 0x04;
        out[1..33].copy_from_slice(&*Zeroizing::new(self.x.bytes()));
        out[33..].copy_from_slice(&*Zeroizing::new(self.y.bytes()));
        out
    }
}

/// Selection (of every coordinate, in constant time) and negation (of `y`) for a point
/// type.
macro_rules! point_ops {
    ($point:ident { $($field:ident),+ }) => {
        impl ConditionallySelectable for $point {
            fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
                Self {
                    $($field: Fe::conditional_select(&a.$field, &b.$field, choice)),+
                }
            }
        }

        impl core::ops::Neg for &$point {
            type Output = $point;

            fn neg(self) -> $point {
                let mut p = *self;
                p.y = p.y.neg();
                p
            }
        }
    };
}

point_ops!(Affine { x, y });
point_ops!(Projective { x, y, z });
point_ops!(Jacobian { x, y, z });

/// A point in homogeneous projective coordinates (`x = X/Z`, `y = Y/Z`; the identity is
/// `(0, 1, 0)`), with complete formulas.
#[derive(Clone, Copy, Zeroize)]
pub(super) struct Projective {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Projective {
    pub(super) const IDENTITY: Self = Self {
        x: Fe::ZERO,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    pub(super) fn from_affine(a: &Affine) -> Self {
        Self {
            x: a.x,
            y: a.y,
            z: Fe::ONE,
        }
    }

    /// The end of both complete additions (RCB algorithms 4 and 5, `a = -3`), from the
    /// products `xx = X1*X2`, `yy = Y1*Y2`, `zz = Z1*Z2` and the cross sums `xy = X1*Y2 +
    /// X2*Y1`, `yz = Y1*Z2 + Y2*Z1`, `xz = X1*Z2 + X2*Z1`.
    #[inline]
    fn finish_add(xx: Fe, yy: Fe, zz: Fe, xy: Fe, yz: Fe, xz: Fe) -> Self {
        let t = xz.sub(&B.mul(&zz));
        let bzz3 = t.double().add(&t);
        let yy_minus = yy.sub(&bzz3);
        let yy_plus = yy.add(&bzz3);
        let zz3 = zz.double().add(&zz);
        let t = B.mul(&xz).sub(&zz3).sub(&xx);
        let bxz3 = t.double().add(&t);
        let xx3_minus_zz3 = xx.double().add(&xx).sub(&zz3);
        Self {
            x: yy_plus.mul(&xy).sub(&yz.mul(&bxz3)),
            y: yy_plus.mul(&yy_minus).add(&xx3_minus_zz3.mul(&bxz3)),
            z: yy_minus.mul(&yz).add(&xy.mul(&xx3_minus_zz3)),
        }
    }

    /// `self + other`, for any two points (RCB algorithm 4).
    pub(super) fn add(&self, other: &Self) -> Self {
        let xx = self.x.mul(&other.x);
        let yy = self.y.mul(&other.y);
        let zz = self.z.mul(&other.z);
        let xy = self
            .x
            .add(&self.y)
            .mul(&other.x.add(&other.y))
            .sub(&xx.add(&yy));
        let yz = self
            .y
            .add(&self.z)
            .mul(&other.y.add(&other.z))
            .sub(&yy.add(&zz));
        let xz = self
            .x
            .add(&self.z)
            .mul(&other.x.add(&other.z))
            .sub(&xx.add(&zz));
        Self::finish_add(xx, yy, zz, xy, yz, xz)
    }

    /// `self + a` for any `self` and an affine (so not the identity) `a` (RCB algorithm 5).
    #[inline]
    pub(super) fn add_affine(&self, a: &Affine) -> Self {
        let xx = self.x.mul(&a.x);
        let yy = self.y.mul(&a.y);
        let xy = self.x.add(&self.y).mul(&a.x.add(&a.y)).sub(&xx.add(&yy));
        let yz = a.y.mul(&self.z).add(&self.y);
        let xz = a.x.mul(&self.z).add(&self.x);
        Self::finish_add(xx, yy, self.z, xy, yz, xz)
    }

    fn double(&self) -> Self {
        self.add(self)
    }

    pub(super) fn is_identity(&self) -> Choice {
        self.z.is_zero()
    }

    /// One word read from every coordinate (see [`Fe::fold`]).
    pub(super) fn fold(&self) -> u64 {
        self.x.fold() ^ self.y.fold() ^ self.z.fold()
    }

    /// The affine point; `None` for the identity (a public fact wherever this is called).
    pub(super) fn affine(&self) -> Option<Affine> {
        if bool::from(self.is_identity()) {
            return None;
        }
        let zi = Zeroizing::new(self.z.invert());
        Some(Affine {
            x: self.x.mul(&zi),
            y: self.y.mul(&zi),
        })
    }

    /// The SEC1 uncompressed encoding; `None` for the identity.
    pub(super) fn encode(&self) -> Option<Zeroizing<[u8; POINT_LEN]>> {
        Some(Zeroizing::new(self.affine()?).encode())
    }

    /// The same point in Jacobian coordinates, without an inversion: `(X*Z, Y*Z^2, Z)`.
    pub(super) fn jacobian(&self) -> Jacobian {
        Jacobian {
            x: self.x.mul(&self.z),
            y: self.y.mul(&self.z.square()),
            z: self.z,
        }
    }
}

/// A scalar in signed radix 16: 65 digits `d[i]` in [-8, 8) (the last in {0, 1}) with
/// `k = sum(d[i] * 16^i)`, recoded without branches (the scalar is secret).
pub(super) fn radix16(k: &Scalar) -> Zeroizing<[i8; 65]> {
    let mut repr = k.to_bytes();
    let bytes = Zeroizing::new(<[u8; 32]>::from(repr));
    repr.as_mut_slice().zeroize();
    let mut d = Zeroizing::new([0i8; 65]);
    for (i, byte) in bytes.iter().rev().enumerate() {
        d[2 * i] = (byte & 0x0f) as i8;
        d[2 * i + 1] = (byte >> 4) as i8;
    }
    for i in 0..64 {
        // d[i] is in [0, 16] here: carry one when it is 8 or more.
        let carry = (d[i] + 8) >> 4;
        d[i] -= carry << 4;
        d[i + 1] += carry;
    }
    d
}

/// `|d|*B` negated when `d < 0`, for a digit `d` in [-8, 8], from `table = [1*B, ..., 8*B]`
/// (`zero` when `d = 0`): every entry read, the match and the sign applied by conditional
/// selection.
fn select<T>(table: &[T; 8], d: i8, zero: T) -> T
where
    T: ConditionallySelectable + ConditionallyNegatable,
{
    let sign = d >> 7; // 0 or -1
    let abs = ((d ^ sign) - sign) as u8;
    let mut point = zero;
    for (j, entry) in (1u8..).zip(table) {
        point.conditional_assign(entry, abs.ct_eq(&j));
    }
    point.conditional_negate(Choice::from((sign & 1) as u8));
    point
}

/// A fixed-base table of a public point `B`: row `i` holds `j * 256^i * B` for `j` in 1..=8,
/// affine (33 rows cover 65 signed radix-16 digits: digit `2i` uses row `i`, digit `2i + 1`
/// row `i` times 16). Built once per process per base (one field inversion for all 264
/// points, Montgomery's trick).
pub(super) struct FixedBase(Box<[[Affine; 8]; 33]>);

impl FixedBase {
    pub(super) fn new(base: &Affine) -> Self {
        let mut points = Vec::with_capacity(33 * 8);
        let mut b = Projective::from_affine(base);
        for _ in 0..33 {
            let mut multiple = b;
            for _ in 0..8 {
                points.push(multiple);
                multiple = multiple.add(&b);
            }
            for _ in 0..8 {
                b = b.double();
            }
        }
        // Montgomery's trick: prefix products of the Z's, one inversion, then each inverse.
        // (No multiple is the identity: the group order n is a prime that divides no
        // j * 256^i.)
        let mut prefix = Vec::with_capacity(points.len());
        let mut acc = Fe::ONE;
        for p in &points {
            prefix.push(acc);
            acc = acc.mul(&p.z);
        }
        let mut inverse = acc.invert();
        let mut rows = Box::new([[Affine::default(); 8]; 33]);
        for (i, p) in points.iter().enumerate().rev() {
            let zi = inverse.mul(&prefix[i]);
            inverse = inverse.mul(&p.z);
            rows[i / 8][i % 8] = Affine {
                x: p.x.mul(&zi),
                y: p.y.mul(&zi),
            };
        }
        Self(rows)
    }
}

/// `sum(k * B)` over `(table of B, k)` pairs, in constant time: the odd digits of every
/// scalar, four doublings (times 16), the even digits. Complete formulas throughout.
pub(super) fn mul_fixed<const TERMS: usize>(terms: [(&FixedBase, &Scalar); TERMS]) -> Projective {
    let digits = terms.map(|(_, k)| radix16(k));
    // The accumulator's values and the selected entries reveal the digits: zeroized.
    let mut acc = Zeroizing::new(Projective::IDENTITY);
    let mut entry = Zeroizing::new(Affine::default());
    let mut add_digit = |acc: &mut Projective, row: &[Affine; 8], d: i8| {
        *entry = select(row, d, Affine::default());
        // A zero digit adds nothing: the sum is computed and not kept (Affine has no
        // identity).
        let sum = Zeroizing::new(acc.add_affine(&entry));
        acc.conditional_assign(&sum, !d.ct_eq(&0));
    };
    for i in 0..32 {
        for ((table, _), d) in terms.iter().zip(&digits) {
            add_digit(&mut acc, &table.0[i], d[2 * i + 1]);
        }
    }
    *acc = acc.double().double().double().double();
    for i in 0..33 {
        for ((table, _), d) in terms.iter().zip(&digits) {
            add_digit(&mut acc, &table.0[i], d[2 * i]);
        }
    }
    *acc
}

/// `1*B, ..., 8*B` for a point `B` met during the exchange (`Y - w0*N`, `X - w0*M`, `L`: all
/// sensitive, so zeroized on drop).
pub(super) struct Multiples([Jacobian; 8]);

impl Drop for Multiples {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(Zeroize::zeroize);
    }
}

impl Multiples {
    /// `B` must not be the identity.
    pub(super) fn new(base: &Jacobian) -> Self {
        let mut t = [*base; 8];
        for i in 1..8 {
            // t[i] = (i + 1) * B: a doubling for even multiples; never an exceptional sum
            // (j*B = B only for j = 1 mod n).
            t[i] = match i % 2 {
                1 => t[i / 2].double(),
                _ => t[i - 1].add(base),
            };
        }
        Self(t)
    }

    /// `k*B`: 64 rounds of four doublings and one addition, the same for every `k`.
    ///
    /// Before the addition of digit `i`, the accumulator is `H*B` with
    /// `H = sum(d[j] * 16^(j-i), j > i)`, a multiple of 16, and `H*16^i = k - L` where
    /// `|L| = |sum(d[j] * 16^j, j <= i)| < 8.6 * 16^i`; so `-9 < H < k/16^i + 9`. For
    /// `i >= 1`, `H` is below `n - 9`, so `H*B = d[i]*B` only when `H = d[i]`, which for a
    /// multiple of 16 and `|d[i]| <= 8` means both are zero: identities, which [`Jacobian::add`]
    /// handles. For `i = 0`, `H = n + d[0]` is also possible (exactly for `k = n - 2`, `d[0] =
    /// -1`): the last addition uses [`Jacobian::add_or_double`].
    pub(super) fn mul(&self, k: &Scalar) -> Jacobian {
        let d = radix16(k);
        // The accumulator's values and the selected entries reveal the digits: zeroized.
        let mut entry = Zeroizing::new(select(&self.0, d[64], Jacobian::IDENTITY));
        let mut acc = Zeroizing::new(*entry);
        for i in (1..64).rev() {
            *acc = acc.double().double().double().double();
            *entry = select(&self.0, d[i], Jacobian::IDENTITY);
            *acc = acc.add(&entry);
        }
        *acc = acc.double().double().double().double();
        *entry = select(&self.0, d[0], Jacobian::IDENTITY);
        acc.add_or_double(&entry)
    }
}

/// A point in Jacobian coordinates (`x = X/Z^2`, `y = Y/Z^3`; `Z = 0` is the identity), for
/// the variable-base multiplications: its doubling takes 3 multiplications and 5 squarings
/// where the complete projective formulas take 12 multiplications, and doublings are 80% of
/// a multiplication. Its addition is not complete; [`Multiples::mul`] shows the exceptional
/// case (equal points) arises once, and handles it.
#[derive(Clone, Copy, Zeroize)]
pub(super) struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Jacobian {
    const IDENTITY: Self = Self {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    pub(super) fn from_affine(a: &Affine) -> Self {
        Self {
            x: a.x,
            y: a.y,
            z: Fe::ONE,
        }
    }

    #[cfg(test)]
    fn is_identity(&self) -> Choice {
        self.z.is_zero()
    }

    /// `2*self` ("dbl-2001-b", a = -3). The identity stays the identity (`Z3 = 2*Y*Z`), and
    /// P-256 has no point of order 2: no exceptional case.
    #[inline]
    fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let t = self.x.sub(&delta).mul(&self.x.add(&delta));
        let alpha = t.double().add(&t);
        let beta4 = beta.double().double();
        let x = alpha.square().sub(&beta4.double());
        let z = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        let gamma2_8 = gamma.square().double().double().double();
        let y = alpha.mul(&beta4.sub(&x)).sub(&gamma2_8);
        Self { x, y, z }
    }

    /// `self + other` ("add-2007-bl"), right when either is the identity (selected) and when
    /// `self = -other` (`Z3 = 0`), wrong when `self = other`: see [`Jacobian::add_or_double`].
    fn add(&self, other: &Self) -> Self {
        self.add_inner(other).0
    }

    /// `self + other` for any two points: the doubling, selected when they are equal.
    fn add_or_double(&self, other: &Self) -> Self {
        let (sum, equal) = self.add_inner(other);
        Self::conditional_select(&sum, &self.double(), equal)
    }

    /// The sum, and whether `self = other` with neither the identity (where the sum is
    /// wrong).
    #[inline]
    fn add_inner(&self, other: &Self) -> (Self, Choice) {
        let z1z1 = self.z.square();
        let z2z2 = other.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = other.x.mul(&z1z1);
        let s1 = self.y.mul(&other.z).mul(&z2z2);
        let s2 = other.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let i = h.double().square();
        let j = h.mul(&i);
        let r = s2.sub(&s1).double();
        let v = u1.mul(&i);
        let x = r.square().sub(&j).sub(&v.double());
        let y = r.mul(&v.sub(&x)).sub(&s1.mul(&j).double());
        let z = self.z.add(&other.z).square().sub(&z1z1).sub(&z2z2).mul(&h);
        let mut sum = Self { x, y, z };
        let self_is_identity = self.z.is_zero();
        let other_is_identity = other.z.is_zero();
        sum.conditional_assign(other, self_is_identity);
        sum.conditional_assign(self, other_is_identity);
        let equal = h.is_zero() & r.is_zero() & !self_is_identity & !other_is_identity;
        (sum, equal)
    }

    /// The SEC1 uncompressed encodings of two points for one inversion (Montgomery's trick);
    /// `None` when either is the identity (public wherever this is called).
    pub(super) fn encode_pair(a: &Self, b: &Self) -> Option<EncodedPair> {
        let product = Zeroizing::new(a.z.mul(&b.z));
        if bool::from(product.is_zero()) {
            return None;
        }
        let inverse = Zeroizing::new(product.invert());
        Some((
            a.encode_with(&inverse.mul(&b.z)),
            b.encode_with(&inverse.mul(&a.z)),
        ))
    }

    fn encode_with(&self, z_inverse: &Fe) -> Zeroizing<[u8; POINT_LEN]> {
        let zi2 = Zeroizing::new(z_inverse.square());
        let affine = Zeroizing::new(Affine {
            x: self.x.mul(&zi2),
            y: self.y.mul(&zi2).mul(z_inverse),
        });
        affine.encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::elliptic_curve::group::Group;
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use p256::ProjectivePoint;

    /// p256's encoding of its point (the reference).
    fn theirs(p: &ProjectivePoint) -> Option<[u8; POINT_LEN]> {
        p.to_affine()
            .to_encoded_point(false)
            .as_bytes()
            .try_into()
            .ok()
    }

    fn affine(p: &ProjectivePoint) -> Affine {
        Affine::decode(&theirs(p).unwrap()).unwrap()
    }

    fn ours(p: &Projective) -> Option<[u8; POINT_LEN]> {
        p.encode().map(|e| *e)
    }

    fn jac(p: &Jacobian) -> Option<[u8; POINT_LEN]> {
        let one = Jacobian::from_affine(&affine(&ProjectivePoint::GENERATOR));
        Jacobian::encode_pair(p, &one).map(|(e, _)| *e)
    }

    /// Scalars whose signed radix-16 digits hit every edge: 0, 1, n - 1, runs of 8s and 7s
    /// (carries all the way up), the top digit carrying out, n - small ones (n - 2 is the
    /// variable-base exceptional case), and pseudo-random ones.
    fn edge_scalars() -> Vec<Scalar> {
        let mut scalars = vec![
            Scalar::ZERO,
            Scalar::ONE,
            -Scalar::ONE,
            Scalar::from(8u64),
            -Scalar::from(8u64),
        ];
        for byte in [0x88u8, 0x77, 0x80, 0x08, 0xf8, 0x8f, 0xff, 0x78, 0x87] {
            for top in [0x7f, 0x80, 0xff] {
                let mut bytes = [byte; 32];
                bytes[0] = top;
                if let Some(k) = Option::<Scalar>::from(Scalar::from_repr(bytes.into())) {
                    scalars.push(k);
                }
            }
        }
        for i in 1..=40u64 {
            scalars.push(Scalar::from(i));
            scalars.push(-Scalar::from(i));
        }
        let mut k = Scalar::from(0x1234_5678_9abc_def1u64);
        for _ in 0..24 {
            k = k.square() + Scalar::from(3u64);
            scalars.push(k);
        }
        scalars
    }

    use p256::elliptic_curve::PrimeField;

    #[test]
    fn b_and_decoding() {
        let b = Fe::from_bytes(&[
            0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd, 0x55, 0x76, 0x98,
            0x86, 0xbc, 0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53, 0xb0, 0xf6, 0x3b, 0xce, 0x3c, 0x3e,
            0x27, 0xd2, 0x60, 0x4b,
        ])
        .unwrap();
        assert!(bool::from(b.ct_eq(&B)));
        let g = theirs(&ProjectivePoint::GENERATOR).unwrap();
        assert_eq!(*Affine::decode(&g).unwrap().encode(), g);
        let mut off = g;
        off[64] ^= 1;
        assert!(Affine::decode(&off).is_none());
        assert!(Affine::decode(&g[..64]).is_none());
        assert!(Affine::decode(&[0u8; 65]).is_none());
    }

    /// Our decoding against p256's: valid points, every single-bit change of them, random
    /// strings, and coordinates at and above p.
    #[test]
    fn decoding_matches_p256() {
        use p256::elliptic_curve::sec1::FromEncodedPoint;
        use p256::{AffinePoint, EncodedPoint};
        let reference = |b: &[u8]| -> Option<[u8; POINT_LEN]> {
            if b.len() != POINT_LEN || b[0] != 0x04 {
                return None;
            }
            let encoded = EncodedPoint::from_bytes(b).ok()?;
            let point: Option<AffinePoint> = AffinePoint::from_encoded_point(&encoded).into();
            point.map(|a| a.to_encoded_point(false).as_bytes().try_into().unwrap())
        };
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for k in 1..=12u64 {
            let valid = theirs(&(ProjectivePoint::GENERATOR * Scalar::from(k * 7919))).unwrap();
            cases.push(valid.to_vec());
            for i in 0..POINT_LEN {
                let mut changed = valid;
                changed[i] ^= 1 << ((k as usize + i) % 8);
                cases.push(changed.to_vec());
            }
        }
        let g = theirs(&ProjectivePoint::GENERATOR).unwrap();
        let p = [
            0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ];
        let mut p_plus_1 = p;
        // p + 1: the low twelve 0xff bytes carry into byte 19.
        p_plus_1[20..].fill(0);
        p_plus_1[19] = 1;
        for big in [p, p_plus_1, [0xff; 32]] {
            let mut x_big = g;
            x_big[1..33].copy_from_slice(&big);
            let mut y_big = g;
            y_big[33..].copy_from_slice(&big);
            cases.extend([x_big.to_vec(), y_big.to_vec()]);
        }
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in [65usize, 65, 65, 64, 66, 33, 1, 0] {
            let bytes: Vec<u8> = (0..len)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    if i == 0 {
                        0x04
                    } else {
                        state as u8
                    }
                })
                .collect();
            cases.push(bytes);
        }
        let mut accepted = 0;
        for case in &cases {
            let ours = Affine::decode(case).map(|a| *a.encode());
            assert_eq!(ours, reference(case), "{}", hex::encode(case));
            accepted += usize::from(ours.is_some());
        }
        assert_eq!(accepted, 12, "the valid points, and none of the others");
    }

    #[test]
    fn radix16_digits() {
        for k in edge_scalars() {
            let d = radix16(&k);
            assert!(d[..64].iter().all(|&d| (-8..8).contains(&d)), "{k:?}");
            assert!((0..=1).contains(&d[64]));
            let sixteen = Scalar::from(16u64);
            let sum = d.iter().rev().fold(Scalar::ZERO, |acc, &d| {
                let abs = Scalar::from(u64::from(d.unsigned_abs()));
                acc * sixteen + if d < 0 { -abs } else { abs }
            });
            assert_eq!(sum, k);
        }
    }

    /// Our formulas and multiplications against p256's own.
    #[test]
    fn arithmetic_matches_p256() {
        let g = ProjectivePoint::GENERATOR;
        let p = g * Scalar::from(12345u64);
        let q = g * Scalar::from(777u64);
        let (pa, qa) = (affine(&p), affine(&q));
        let (pp, qp) = (Projective::from_affine(&pa), Projective::from_affine(&qa));
        let id = Projective::IDENTITY;
        // Projective, complete: every special case.
        assert_eq!(ours(&pp.add(&qp)), theirs(&(p + q)));
        assert_eq!(ours(&pp.add(&pp)), theirs(&p.double()));
        assert_eq!(ours(&pp.add(&-&pp)), None);
        assert_eq!(ours(&pp.add(&id)), theirs(&p));
        assert_eq!(ours(&id.add(&pp)), theirs(&p));
        assert_eq!(ours(&id.add(&id)), None);
        assert_eq!(
            ours(&pp.double().double()),
            theirs(&(p * Scalar::from(4u64)))
        );
        assert_eq!(ours(&pp.add_affine(&qa)), theirs(&(p + q)));
        assert_eq!(ours(&pp.add_affine(&pa)), theirs(&p.double()));
        assert_eq!(ours(&pp.add_affine(&-&pa)), None);
        assert_eq!(ours(&id.add_affine(&pa)), theirs(&p));
        // A non-normalized projective point (Z != 1) through every path.
        let p3 = pp.add(&pp).add(&pp);
        assert_eq!(
            ours(&p3.add_affine(&qa)),
            theirs(&(p * Scalar::from(3u64) + q))
        );
        assert_eq!(jac(&p3.jacobian()), theirs(&(p * Scalar::from(3u64))));
        // Jacobian.
        let (pj, qj) = (Jacobian::from_affine(&pa), Jacobian::from_affine(&qa));
        assert_eq!(jac(&pj.double()), theirs(&p.double()));
        assert_eq!(jac(&pj.add(&qj)), theirs(&(p + q)));
        assert_eq!(jac(&pj.add_or_double(&qj)), theirs(&(p + q)));
        assert_eq!(jac(&pj.add_or_double(&pj)), theirs(&p.double()));
        assert_eq!(jac(&pj.add(&Jacobian::IDENTITY)), theirs(&p));
        assert_eq!(jac(&Jacobian::IDENTITY.add(&pj)), theirs(&p));
        assert_eq!(jac(&pj.add(&-&pj)), None);
        assert_eq!(jac(&Jacobian::IDENTITY.double()), None);
        assert!(bool::from(id.jacobian().is_identity()));

        // Multiplications, fixed and variable base.
        let m = g * Scalar::from(99u64);
        let tables = (FixedBase::new(&affine(&g)), FixedBase::new(&affine(&m)));
        let multiples = Multiples::new(&p3.jacobian());
        let p3_ref = p * Scalar::from(3u64);
        for k in edge_scalars() {
            let k2 = k + Scalar::ONE;
            assert_eq!(
                ours(&mul_fixed([(&tables.0, &k)])),
                theirs(&(g * k)),
                "{k:?}"
            );
            assert_eq!(
                ours(&mul_fixed([(&tables.0, &k), (&tables.1, &k2)])),
                theirs(&(g * k + m * k2)),
                "{k:?}"
            );
            assert_eq!(jac(&multiples.mul(&k)), theirs(&(p3_ref * k)), "{k:?}");
        }
    }
}
