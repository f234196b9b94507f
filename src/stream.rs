//! Blocking adapters over `std::io::{Read, Write}`. (STUB: implemented by the adapter work.)
