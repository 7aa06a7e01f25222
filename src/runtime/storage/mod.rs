//! Offset, config and status stores.
