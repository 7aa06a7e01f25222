//! The Connect runtime shared by standalone mode and the Kubernetes worker: config
//! definitions, offset storage, and the worker that runs source and sink tasks.

pub mod config;
pub mod storage;
