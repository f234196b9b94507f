//! A bounded reader, the `Codec` trait, and length-prefixed vectors with RFC ranges.
//!
//! TLS structures (RFC 5246 4) are built from fixed-size integers and vectors whose length
//! is sent as a 1-, 2- or 3-byte big-endian prefix and must lie in a range the RFC gives,
//! e.g. `opaque srp_s<1..2^8-1>`. A [`Bounds`] value describes one such field: the prefix
//! size, the range in bytes, the size of one element, and the field's name for errors.
//!
//! Decoding never panics and never reads past the end of its input: every take is
//! checked, lengths are validated against the range *before* the body is looked at, and a
//! structure that must fill its container reports leftovers as `TrailingData`.

use crate::error::InvalidMessage;

/// A cursor over a byte slice that never reads past its end.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    cursor: usize,
}

impl<'a> Reader<'a> {
    /// Starts reading `bytes` from the beginning.
    pub fn init(bytes: &'a [u8]) -> Self {
        Self {
            buf: bytes,
            cursor: 0,
        }
    }
    /// Takes `len` bytes, or `None` if fewer are left.
    pub fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.cursor.checked_add(len)?;
        let out = self.buf.get(self.cursor..end)?;
        self.cursor = end;
        Some(out)
    }
    /// Takes `len` bytes, or errors with `MissingData(name)` if fewer are left.
    pub fn take_named(
        &mut self,
        len: usize,
        name: &'static str,
    ) -> Result<&'a [u8], InvalidMessage> {
        self.take(len).ok_or(InvalidMessage::MissingData(name))
    }
    /// Takes everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = self.buf.get(self.cursor..).unwrap_or_default();
        self.cursor = self.buf.len();
        out
    }
    /// Whether any bytes are left.
    pub fn any_left(&self) -> bool {
        self.left() > 0
    }
    /// How many bytes are left.
    pub fn left(&self) -> usize {
        self.buf.len().saturating_sub(self.cursor)
    }
    /// How many bytes have been read.
    pub fn used(&self) -> usize {
        self.cursor
    }
    /// Errors with `TrailingData(name)` if any bytes are left.
    pub fn expect_empty(&self, name: &'static str) -> Result<(), InvalidMessage> {
        if self.any_left() {
            Err(InvalidMessage::TrailingData(name))
        } else {
            Ok(())
        }
    }
    /// The bytes left, without consuming them.
    pub fn peek_rest(&self) -> &'a [u8] {
        self.buf.get(self.cursor..).unwrap_or_default()
    }
    /// A reader over the next `len` bytes, which are consumed from `self`. Errors with
    /// `MissingData("Reader::sub")` if fewer are left (see [`Reader::sub_named`]).
    pub fn sub(&mut self, len: usize) -> Result<Reader<'a>, InvalidMessage> {
        self.sub_named(len, "Reader::sub")
    }
    /// Like [`Reader::sub`], naming the field in the error.
    pub fn sub_named(
        &mut self,
        len: usize,
        name: &'static str,
    ) -> Result<Reader<'a>, InvalidMessage> {
        self.take_named(len, name).map(Reader::init)
    }
    /// Reads a value with `read`, which must use up the reader: bytes left after it are
    /// `TrailingData(name)`.
    pub fn read_all<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(&mut Self) -> Result<T, InvalidMessage>,
    ) -> Result<T, InvalidMessage> {
        let v = read(self)?;
        self.expect_empty(name)?;
        Ok(v)
    }
}

/// Encoding and decoding of a wire structure.
pub trait Codec<'a>: Sized {
    /// Appends the encoding of `self` to `bytes`.
    fn encode(&self, bytes: &mut Vec<u8>);
    /// Reads one value, consuming exactly its bytes.
    fn read(r: &mut Reader<'a>) -> Result<Self, InvalidMessage>;
    /// The encoding as a new vector.
    fn get_encoding(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }
    /// Reads one value that must fill `bytes` exactly (trailing bytes are an error).
    fn read_bytes(bytes: &'a [u8]) -> Result<Self, InvalidMessage> {
        Reader::init(bytes).read_all(core::any::type_name::<Self>(), Self::read)
    }
    /// Reads one fixed-size value (an integer, an enum) that is a named field of a larger
    /// structure: too few bytes is `MissingData(name)`, with the field's name in the RFC.
    fn read_named(r: &mut Reader<'a>, name: &'static str) -> Result<Self, InvalidMessage> {
        Self::read(r).map_err(|_| InvalidMessage::MissingData(name))
    }
}

/// How one field of a structure is written and read. `struct_codec!` builds a type's
/// `Codec` from its fields in wire order, each with one of these, so that encoding and
/// decoding follow the same list.
pub trait Field<T> {
    /// Appends the encoding of `value`.
    fn encode_field(&self, value: &T, bytes: &mut Vec<u8>);
    /// Reads the field.
    fn read_field(&self, r: &mut Reader<'_>) -> Result<T, InvalidMessage>;
}

/// A field written and read by its own type's `Codec` (whose errors name the type).
#[derive(Clone, Copy, Debug)]
pub struct OwnCodec;

impl<T: for<'a> Codec<'a>> Field<T> for OwnCodec {
    fn encode_field(&self, value: &T, bytes: &mut Vec<u8>) {
        value.encode(bytes);
    }
    fn read_field(&self, r: &mut Reader<'_>) -> Result<T, InvalidMessage> {
        T::read(r)
    }
}

/// A fixed-size field (see [`Codec::read_named`]): too few bytes is `MissingData(name)`.
#[derive(Clone, Copy, Debug)]
pub struct Fixed(pub &'static str);

impl<T: for<'a> Codec<'a>> Field<T> for Fixed {
    fn encode_field(&self, value: &T, bytes: &mut Vec<u8>) {
        value.encode(bytes);
    }
    fn read_field(&self, r: &mut Reader<'_>) -> Result<T, InvalidMessage> {
        T::read_named(r, self.0)
    }
}

/// `opaque field<min..max>` (see [`Bounds::read_opaque`]).
#[derive(Clone, Copy, Debug)]
pub struct Opaque(pub Bounds);

impl Field<Vec<u8>> for Opaque {
    fn encode_field(&self, value: &Vec<u8>, bytes: &mut Vec<u8>) {
        self.0.encode_opaque(bytes, value);
    }
    fn read_field(&self, r: &mut Reader<'_>) -> Result<Vec<u8>, InvalidMessage> {
        self.0.read_opaque(r)
    }
}

/// `T field<min..max>` (see [`Bounds::read_list`]).
#[derive(Clone, Copy, Debug)]
pub struct List(pub Bounds);

impl<T: for<'a> Codec<'a>> Field<Vec<T>> for List {
    fn encode_field(&self, value: &Vec<T>, bytes: &mut Vec<u8>) {
        self.0.encode_list(bytes, value);
    }
    fn read_field(&self, r: &mut Reader<'_>) -> Result<Vec<T>, InvalidMessage> {
        self.0.read_list(r)
    }
}

/// Implements [`Codec`] for a struct from its fields in wire order, each with the
/// [`Field`] that writes and reads it. `read` stops after the last field (use
/// [`Codec::read_bytes`] where nothing may follow).
///
/// ```text
/// struct_codec!(NewSessionTicketPayload {
///     lifetime_hint: Fixed("ticket_lifetime_hint"),
///     ticket: Opaque(TICKET),
/// });
/// ```
macro_rules! struct_codec {
    ($name:ident { $($field:tt: $how:expr),+ $(,)? }) => {
        impl $crate::msgs::codec::Codec<'_> for $name {
            fn encode(&self, bytes: &mut Vec<u8>) {
                use $crate::msgs::codec::Field as _;
                $( $how.encode_field(&self.$field, bytes); )+
            }
            fn read(
                r: &mut $crate::msgs::codec::Reader<'_>,
            ) -> Result<Self, $crate::error::InvalidMessage> {
                use $crate::msgs::codec::Field as _;
                // Struct expression fields are evaluated in the order written: wire order.
                Ok(Self { $( $field: $how.read_field(r)?, )+ })
            }
        }
    };
}
pub(crate) use struct_codec;

/// Reads a fixed-size array of `N` bytes.
fn read_array<const N: usize>(
    r: &mut Reader<'_>,
    name: &'static str,
) -> Result<[u8; N], InvalidMessage> {
    let bytes = r.take_named(N, name)?;
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    Ok(out)
}

/// RFC 5246 4.4: `uint8`.
impl Codec<'_> for u8 {
    fn encode(&self, bytes: &mut Vec<u8>) {
        bytes.push(*self);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let [b] = read_array::<1>(r, "u8")?;
        Ok(b)
    }
}

/// RFC 5246 4.4: `uint16`, big-endian.
impl Codec<'_> for u16 {
    fn encode(&self, bytes: &mut Vec<u8>) {
        bytes.extend_from_slice(&self.to_be_bytes());
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        read_array::<2>(r, "u16").map(u16::from_be_bytes)
    }
}

/// RFC 5246 4.4: `uint24`, big-endian. The value is at most 2^24 - 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct U24(pub u32);

impl U24 {
    /// The largest value a `uint24` can hold.
    pub const MAX: u32 = 0x00ff_ffff;
}

impl From<U24> for usize {
    fn from(v: U24) -> usize {
        // A u24 always fits a usize on every platform Rust supports with std (>= 32 bits).
        v.0 as usize
    }
}

impl Codec<'_> for U24 {
    /// Writes the low 24 bits (values above `U24::MAX` are a caller bug).
    fn encode(&self, bytes: &mut Vec<u8>) {
        debug_assert!(self.0 <= Self::MAX, "U24 out of range");
        let [_, a, b, c] = self.0.to_be_bytes();
        bytes.extend_from_slice(&[a, b, c]);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let [a, b, c] = read_array::<3>(r, "u24")?;
        Ok(Self(u32::from_be_bytes([0, a, b, c])))
    }
}

/// RFC 5246 4.4: `uint32`, big-endian.
impl Codec<'_> for u32 {
    fn encode(&self, bytes: &mut Vec<u8>) {
        bytes.extend_from_slice(&self.to_be_bytes());
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        read_array::<4>(r, "u32").map(u32::from_be_bytes)
    }
}

/// Implements `Codec` for a `wire_enum!` type through its integer representation.
macro_rules! enum_codec {
    ($($name:ty : $repr:ty),* $(,)?) => {$(
        impl Codec<'_> for $name {
            fn encode(&self, bytes: &mut Vec<u8>) {
                self.get().encode(bytes);
            }
            fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
                <$repr>::read(r).map(Self::from)
            }
        }
    )*};
}

use super::enums::{
    AlertDescription, AlertLevel, CipherSuite, Compression, ContentType, ExtensionType,
    HandshakeType, ProtocolVersion, SignatureScheme,
};

enum_codec! {
    ContentType: u8,
    ProtocolVersion: u16,
    HandshakeType: u8,
    AlertLevel: u8,
    AlertDescription: u8,
    CipherSuite: u16,
    Compression: u8,
    ExtensionType: u16,
    SignatureScheme: u16,
}

/// The size of a vector's length prefix (RFC 5246 4.3: as many bytes as needed to hold
/// the ceiling of the range).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthPrefix {
    /// One byte: ceilings up to 2^8 - 1.
    U8,
    /// Two bytes: ceilings up to 2^16 - 1.
    U16,
    /// Three bytes: ceilings up to 2^24 - 1.
    U24,
}

impl LengthPrefix {
    /// The largest length this prefix can express.
    pub const fn max(self) -> usize {
        match self {
            Self::U8 => 0xff,
            Self::U16 => 0xffff,
            Self::U24 => 0x00ff_ffff,
        }
    }
    /// The big-endian prefix for `len` (which must be at most [`LengthPrefix::max`]; higher
    /// bits are dropped).
    pub fn encode(self, len: usize) -> PrefixBytes {
        let [.., a, b, c] = len.to_be_bytes();
        match self {
            Self::U8 => PrefixBytes {
                bytes: [c, 0, 0],
                len: 1,
            },
            Self::U16 => PrefixBytes {
                bytes: [b, c, 0],
                len: 2,
            },
            Self::U24 => PrefixBytes {
                bytes: [a, b, c],
                len: 3,
            },
        }
    }
    /// The number of bytes of the prefix.
    pub const fn size(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
            Self::U24 => 3,
        }
    }
}

/// An encoded length prefix of one to three bytes (dereferences to the bytes).
#[derive(Clone, Copy, Debug)]
pub struct PrefixBytes {
    bytes: [u8; 3],
    len: usize,
}

impl core::ops::Deref for PrefixBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// The shape of one variable-length vector field: `T field<min..max>` (RFC 5246 4.3).
/// `min` and `max` count bytes, as in the RFC; `unit` is the size of one element (the
/// length must be a multiple of it: 2 for `CipherSuite cipher_suites<2..2^16-2>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// How the length is sent.
    pub prefix: LengthPrefix,
    /// Smallest allowed length in bytes.
    pub min: usize,
    /// Largest allowed length in bytes (at most what the prefix can hold).
    pub max: usize,
    /// Element size in bytes; the length must be a multiple of it.
    pub unit: usize,
    /// The field's name, used in errors.
    pub name: &'static str,
}

impl Bounds {
    const fn new(prefix: LengthPrefix, min: usize, max: usize, name: &'static str) -> Self {
        // Evaluated at compile time for the `const` field descriptions: an impossible
        // range is a build error, not a runtime one.
        assert!(
            min <= max && max <= prefix.max(),
            "vector range does not fit its prefix"
        );
        Self {
            prefix,
            min,
            max,
            unit: 1,
            name,
        }
    }
    /// `<min..max>` with a one-byte length.
    ///
    /// # Panics
    /// If `min > max` or `max` exceeds what the prefix holds. Field descriptions are
    /// `const` items, so this is checked at compile time.
    pub const fn u8(min: usize, max: usize, name: &'static str) -> Self {
        Self::new(LengthPrefix::U8, min, max, name)
    }
    /// `<min..max>` with a two-byte length.
    pub const fn u16(min: usize, max: usize, name: &'static str) -> Self {
        Self::new(LengthPrefix::U16, min, max, name)
    }
    /// `<min..max>` with a three-byte length.
    pub const fn u24(min: usize, max: usize, name: &'static str) -> Self {
        Self::new(LengthPrefix::U24, min, max, name)
    }
    /// The same range, with elements of `unit` bytes.
    pub const fn unit(self, unit: usize) -> Self {
        assert!(unit > 0, "element size must be positive");
        Self { unit, ..self }
    }

    /// Whether `len` is an allowed length for this field.
    pub fn allows(&self, len: usize) -> bool {
        len >= self.min && len <= self.max && len.checked_rem(self.unit) == Some(0)
    }

    /// Reads the length prefix and checks it against the range (`InvalidLength(name)`),
    /// then takes that many bytes (`MissingData(name)` if the body is short).
    pub fn read_sub<'a>(&self, r: &mut Reader<'a>) -> Result<Reader<'a>, InvalidMessage> {
        self.read_slice(r).map(Reader::init)
    }

    /// Like [`Bounds::read_sub`], returning the body as a slice.
    pub fn read_slice<'a>(&self, r: &mut Reader<'a>) -> Result<&'a [u8], InvalidMessage> {
        let len = match self.prefix {
            LengthPrefix::U8 => usize::from(read_array::<1>(r, self.name)?[0]),
            LengthPrefix::U16 => usize::from(u16::from_be_bytes(read_array::<2>(r, self.name)?)),
            LengthPrefix::U24 => {
                let [a, b, c] = read_array::<3>(r, self.name)?;
                usize::from(U24(u32::from_be_bytes([0, a, b, c])))
            }
        };
        if !self.allows(len) {
            return Err(InvalidMessage::InvalidLength(self.name));
        }
        r.take_named(len, self.name)
    }

    /// Reads `opaque field<min..max>` into a new vector.
    pub fn read_opaque(&self, r: &mut Reader<'_>) -> Result<Vec<u8>, InvalidMessage> {
        self.read_slice(r).map(<[u8]>::to_vec)
    }

    /// Reads `T field<min..max>`: the length is checked, then elements are read until the
    /// body is used up (an element cut short by the body's end is `MissingData`).
    pub fn read_list<'a, T: Codec<'a>>(
        &self,
        r: &mut Reader<'a>,
    ) -> Result<Vec<T>, InvalidMessage> {
        let mut sub = self.read_sub(r)?;
        let mut out = Vec::new();
        while sub.any_left() {
            out.push(T::read(&mut sub)?);
        }
        Ok(out)
    }

    /// Writes the length prefix, then whatever `body` appends. The length written is the
    /// number of bytes `body` appended. Encoding a value outside the range is a bug in the
    /// caller: it trips a `debug_assert`; in release builds the length saturates at what
    /// the prefix can hold (the peer then rejects the message; nothing panics).
    pub fn encode_with(&self, bytes: &mut Vec<u8>, body: impl FnOnce(&mut Vec<u8>)) {
        let at = bytes.len();
        bytes.extend_from_slice(&self.prefix.encode(0));
        let start = bytes.len();
        body(bytes);
        let len = bytes.len().saturating_sub(start);
        debug_assert!(
            self.allows(len),
            "encoding {} with length {len} outside its range",
            self.name
        );
        let prefix = self.prefix.encode(len.min(self.prefix.max()));
        if let Some(slot) = bytes.get_mut(at..start) {
            if slot.len() == prefix.len() {
                slot.copy_from_slice(&prefix);
            }
        }
    }

    /// Writes `opaque field<min..max>`.
    pub fn encode_opaque(&self, bytes: &mut Vec<u8>, data: &[u8]) {
        self.encode_with(bytes, |b| b.extend_from_slice(data));
    }

    /// Writes `T field<min..max>`.
    pub fn encode_list<'a, T: Codec<'a>>(&self, bytes: &mut Vec<u8>, items: &[T]) {
        self.encode_with(bytes, |b| items.iter().for_each(|i| i.encode(b)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_is_bounded() {
        let data = [1u8, 2, 3, 4, 5];
        let mut r = Reader::init(&data);
        assert_eq!(r.take(2), Some(&[1u8, 2][..]));
        assert_eq!(r.left(), 3);
        assert_eq!(r.used(), 2);
        assert_eq!(r.take(4), None);
        assert_eq!(r.left(), 3, "a failed take consumes nothing");
        assert_eq!(r.take(usize::MAX), None);
        assert!(r.sub(4).is_err());
        let mut s = r.sub(2).unwrap();
        assert_eq!(s.rest(), &[3u8, 4]);
        assert!(!s.any_left());
        assert_eq!(s.rest(), &[] as &[u8]);
        assert_eq!(r.expect_empty("x"), Err(InvalidMessage::TrailingData("x")));
        assert_eq!(r.rest(), &[5u8]);
        assert_eq!(r.expect_empty("x"), Ok(()));
        assert_eq!(r.take(0), Some(&[][..]));
        assert_eq!(r.take(1), None);
    }

    #[test]
    fn integers_are_big_endian() {
        let data = [0x01u8, 0x02, 0x03, 0x04];
        assert_eq!(u8::read_bytes(&data[..1]), Ok(1));
        assert_eq!(u16::read_bytes(&data[..2]), Ok(0x0102));
        assert_eq!(U24::read_bytes(&data[..3]), Ok(U24(0x010203)));
        assert_eq!(u32::read_bytes(&data), Ok(0x01020304));
        assert_eq!(0x0102u16.get_encoding(), vec![1, 2]);
        assert_eq!(U24(0x010203).get_encoding(), vec![1, 2, 3]);
        assert_eq!(0x01020304u32.get_encoding(), vec![1, 2, 3, 4]);
        assert_eq!(usize::from(U24(0xffffff)), 0xffffff);
    }

    /// Every strict prefix of a `width`-byte value is `MissingData(name)`.
    fn assert_every_prefix_is_missing<T>(width: usize, name: &'static str)
    where
        T: for<'a> Codec<'a> + core::fmt::Debug + PartialEq,
    {
        let data = [0xffu8; 8];
        for n in 0..width {
            assert_eq!(
                T::read_bytes(&data[..n]),
                Err(InvalidMessage::MissingData(name)),
                "{name} from {n} bytes"
            );
        }
    }

    #[test]
    fn integers_error_on_every_truncation_and_on_trailing_data() {
        assert_every_prefix_is_missing::<u8>(1, "u8");
        assert_every_prefix_is_missing::<u16>(2, "u16");
        assert_every_prefix_is_missing::<U24>(3, "u24");
        assert_every_prefix_is_missing::<u32>(4, "u32");
        assert!(matches!(
            u32::read_bytes(&[0xff; 5]),
            Err(InvalidMessage::TrailingData(_))
        ));
    }

    #[test]
    fn read_named_names_the_field() {
        assert_eq!(
            ProtocolVersion::read_named(&mut Reader::init(&[3]), "client_version"),
            Err(InvalidMessage::MissingData("client_version"))
        );
        let mut r = Reader::init(&[3, 3, 9]);
        assert_eq!(
            ProtocolVersion::read_named(&mut r, "client_version"),
            Ok(ProtocolVersion::TLSv1_2)
        );
        assert_eq!(r.left(), 1);
    }

    #[test]
    fn read_all_rejects_leftovers() {
        let mut r = Reader::init(&[1, 2, 3]);
        assert_eq!(
            r.read_all("x", u16::read),
            Err(InvalidMessage::TrailingData("x"))
        );
        let mut r = Reader::init(&[1, 2]);
        assert_eq!(r.read_all("x", u16::read), Ok(0x0102));
    }

    const SALT: Bounds = Bounds::u8(1, 255, "srp_s");
    const SUITES: Bounds = Bounds::u16(2, 0xfffe, "cipher_suites").unit(2);
    const CERTS: Bounds = Bounds::u24(0, 0xffffff, "certificate_list");

    #[test]
    fn opaque_ranges() {
        // Empty is below the floor of <1..2^8-1>.
        assert_eq!(
            SALT.read_opaque(&mut Reader::init(&[0])),
            Err(InvalidMessage::InvalidLength("srp_s"))
        );
        // Missing prefix.
        assert_eq!(
            SALT.read_opaque(&mut Reader::init(&[])),
            Err(InvalidMessage::MissingData("srp_s"))
        );
        // Short body.
        assert_eq!(
            SALT.read_opaque(&mut Reader::init(&[3, 1, 2])),
            Err(InvalidMessage::MissingData("srp_s"))
        );
        assert_eq!(
            SALT.read_opaque(&mut Reader::init(&[2, 1, 2])),
            Ok(vec![1, 2])
        );
        // The range is checked before the body: a too-long announcement fails as
        // InvalidLength even when the body is absent.
        let hs = Bounds::u16(0, 10, "x");
        assert_eq!(
            hs.read_opaque(&mut Reader::init(&[0, 11])),
            Err(InvalidMessage::InvalidLength("x"))
        );
        // Element size.
        assert_eq!(
            SUITES.read_list::<u16>(&mut Reader::init(&[0, 3, 0xc0, 0x1d, 0])),
            Err(InvalidMessage::InvalidLength("cipher_suites"))
        );
        assert_eq!(
            SUITES.read_list::<u16>(&mut Reader::init(&[0, 2, 0xc0, 0x1d])),
            Ok(vec![0xc01d])
        );
        assert_eq!(
            SUITES.read_list::<u16>(&mut Reader::init(&[0, 0])),
            Err(InvalidMessage::InvalidLength("cipher_suites"))
        );
        // 24-bit prefix.
        assert_eq!(
            CERTS.read_opaque(&mut Reader::init(&[0, 0, 2, 7, 8])),
            Ok(vec![7, 8])
        );
        assert_eq!(
            CERTS.read_opaque(&mut Reader::init(&[0, 0, 2, 7])),
            Err(InvalidMessage::MissingData("certificate_list"))
        );
    }

    #[test]
    fn encode_writes_prefix_and_round_trips() {
        let mut out = Vec::new();
        SALT.encode_opaque(&mut out, &[9, 9, 9]);
        assert_eq!(out, [3, 9, 9, 9]);
        let mut out = Vec::new();
        SUITES.encode_list(&mut out, &[0xc01du16, 0xc020]);
        assert_eq!(out, [0, 4, 0xc0, 0x1d, 0xc0, 0x20]);
        let mut out = vec![0xaa];
        CERTS.encode_opaque(&mut out, &[1]);
        assert_eq!(out, [0xaa, 0, 0, 1, 1]);
        let back: Vec<u16> = SUITES
            .read_list(&mut Reader::init(&[0, 4, 0xc0, 0x1d, 0xc0, 0x20]))
            .unwrap();
        assert_eq!(back, [0xc01d, 0xc020]);
    }

    #[test]
    fn enums_round_trip() {
        assert_eq!(
            CipherSuite::read_bytes(&[0xc0, 0x1d]),
            Ok(CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA)
        );
        assert_eq!(CipherSuite::Unknown(0x1301).get_encoding(), [0x13, 0x01]);
        assert_eq!(
            ProtocolVersion::read_bytes(&[3, 3]),
            Ok(ProtocolVersion::TLSv1_2)
        );
        assert_eq!(
            ExtensionType::read_bytes(&[0xff, 0x01]),
            Ok(ExtensionType::RenegotiationInfo)
        );
        assert_eq!(ContentType::read_bytes(&[99]), Ok(ContentType::Unknown(99)));
    }
}
