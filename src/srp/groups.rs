//! The RFC 5054 Appendix A groups. (STUB: implemented by the SRP math work.)

/// An SRP group (N, g) from RFC 5054 Appendix A.
pub struct SrpGroup {
    bits: u32,
    n: &'static [u8],
    g: &'static [u8],
}

impl core::fmt::Debug for SrpGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SrpGroup({} bits)", self.bits)
    }
}

impl PartialEq for SrpGroup {
    fn eq(&self, other: &Self) -> bool {
        self.n == other.n && self.g == other.g
    }
}

impl Eq for SrpGroup {}

impl SrpGroup {
    /// Size of N in bits: 1024, 1536, 2048, 3072, 4096, 6144 or 8192.
    pub fn bits(&self) -> u32 {
        self.bits
    }
    /// N, big-endian, no leading zeros.
    pub fn n(&self) -> &[u8] {
        self.n
    }
    /// g, big-endian, no leading zeros.
    pub fn g(&self) -> &[u8] {
        self.g
    }
    /// Byte length of N (the length `PAD` pads to).
    pub fn byte_len(&self) -> usize {
        self.n.len()
    }
    /// The group with this many bits.
    pub fn by_bits(bits: u32) -> Option<&'static SrpGroup> {
        let _ = bits;
        todo!()
    }
    /// All seven groups, smallest first.
    pub fn all() -> &'static [&'static SrpGroup] {
        todo!()
    }
    /// The known group with these parameters (leading zero bytes in `n` and `g` ignored).
    pub fn from_params(n: &[u8], g: &[u8]) -> Option<&'static SrpGroup> {
        let _ = (n, g);
        todo!()
    }
}
