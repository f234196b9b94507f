//! A bounded reader and the `Codec` trait. (STUB: implemented by the codec work.)

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
        Self { buf: bytes, cursor: 0 }
    }
    /// Takes `len` bytes, or `None` if fewer are left.
    pub fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let _ = len;
        todo!()
    }
    /// Takes everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        todo!()
    }
    /// Whether any bytes are left.
    pub fn any_left(&self) -> bool {
        todo!()
    }
    /// How many bytes are left.
    pub fn left(&self) -> usize {
        todo!()
    }
    /// How many bytes have been read.
    pub fn used(&self) -> usize {
        self.cursor
    }
    /// Errors with `TrailingData(name)` if any bytes are left.
    pub fn expect_empty(&self, name: &'static str) -> Result<(), InvalidMessage> {
        let _ = name;
        todo!()
    }
    /// A reader over the next `len` bytes, which are consumed from `self`.
    pub fn sub(&mut self, len: usize) -> Result<Reader<'a>, InvalidMessage> {
        let _ = len;
        let _ = self.buf;
        todo!()
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
        let mut r = Reader::init(bytes);
        let v = Self::read(&mut r)?;
        r.expect_empty(core::any::type_name::<Self>())?;
        Ok(v)
    }
}
