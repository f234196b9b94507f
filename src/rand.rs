//! Randomness from the operating system.

use crate::error::Error;

/// Fills `buf` with random bytes from the OS.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(buf).map_err(|_| Error::FailedToGetRandomBytes)
}

/// A fresh random array.
pub(crate) fn random_array<const N: usize>() -> Result<[u8; N], Error> {
    let mut a = [0u8; N];
    fill_random(&mut a)?;
    Ok(a)
}
