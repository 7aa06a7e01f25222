//! Models of the Java library behaviour that decides Connect's output bytes and that both
//! the converters and the transforms need.

pub mod hash_map;

pub use hash_map::JavaHashMap;
