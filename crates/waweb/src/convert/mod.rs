//! Conversions between the library's protobuf messages and the boundary's messages.

pub mod inbound;
pub mod outbound;
