//! What a user store's records look like from the wire (group and salt length), so that
//! simulated users can be drawn from the same distribution as real ones.

use std::collections::BTreeMap;

use crate::crypto::prf;
use crate::srp::SrpGroup;

/// How many records a store has of each shape: (group, salt length). A server answers an
/// unknown username with a simulated record whose shape is drawn from these counts,
/// deterministically per username (see [`super::UserStore::record_shapes`]), so that the
/// group and salt length in the ServerKeyExchange do not tell real users from unknown ones,
/// whatever groups and salt lengths the real records use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordShapes {
    /// Count per (group bits, salt length); ordered, so that a draw is stable when counts
    /// change a little.
    counts: BTreeMap<(u32, usize), u64>,
    total: u64,
}

impl RecordShapes {
    /// No records.
    pub fn new() -> Self {
        Self::default()
    }

    /// The shapes of `records`.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a super::UserRecord>) -> Self {
        let mut s = Self::new();
        for r in records {
            s.add(r.group, r.salt.len());
        }
        s
    }

    /// Counts one more record of this shape.
    pub fn add(&mut self, group: &'static SrpGroup, salt_len: usize) {
        *self.counts.entry((group.bits(), salt_len)).or_insert(0) += 1;
        self.total += 1;
    }

    /// Counts one record of this shape less (if there was one).
    pub fn remove(&mut self, group: &'static SrpGroup, salt_len: usize) {
        let key = (group.bits(), salt_len);
        if let Some(n) = self.counts.get_mut(&key) {
            *n -= 1;
            self.total -= 1;
            if *n == 0 {
                self.counts.remove(&key);
            }
        }
    }

    /// How many records were counted.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether no record was counted.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Every shape with its count: ((group bits, salt length), records), smallest first.
    pub fn iter(&self) -> impl Iterator<Item = ((u32, usize), u64)> + '_ {
        self.counts.iter().map(|(k, v)| (*k, *v))
    }

    /// The shape at `point` of the cumulative distribution (`point` in `0..len()`).
    fn at(&self, point: u64) -> Option<(&'static SrpGroup, usize)> {
        let mut acc = 0u64;
        for (&(bits, salt_len), &n) in &self.counts {
            acc += n;
            if point < acc {
                return Some((SrpGroup::by_bits(bits)?, salt_len));
            }
        }
        None
    }

    /// The shape of the simulated record for `username`: a draw from these counts keyed by
    /// `secret` and the username, the same on every call while the counts stay the same.
    /// `None` when there are no records. The work does not depend on the username's
    /// existence (the caller draws for every full handshake).
    pub(crate) fn draw(&self, secret: &[u8], username: &str) -> Option<(&'static SrpGroup, usize)> {
        if self.total == 0 {
            return None;
        }
        let mut wide = [0u8; 16];
        prf::prf(
            &mut wide,
            secret,
            b"tls-srp simulated shape",
            username.as_bytes(),
        );
        // A point in [0, 1) scaled to the total: close to uniform (2^-64 bias per count).
        let x = u128::from_be_bytes(wide) >> 64;
        let point = ((x * u128::from(self.total)) >> 64) as u64;
        self.at(point)
    }
}
