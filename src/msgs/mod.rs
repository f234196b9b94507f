//! The wire layer: encoding and decoding of records and messages. It knows nothing of
//! connection state; limits that protect memory are checked here, before allocating.

pub mod alert;
pub mod codec;
pub mod deframer;
pub mod enums;
pub mod handshake;
pub mod joiner;
pub mod message;
