//! Key schedule and record protection. (STUB: implemented by the record-layer work.)

pub mod cbc;
pub mod prf;
