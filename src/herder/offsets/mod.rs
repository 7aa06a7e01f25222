//! Connector offsets as the offsets endpoints show and change them, for both herders:
//! [`source`] offsets in an offset store, [`sink`] offsets in the consumer group.

pub mod sink;
pub mod source;
