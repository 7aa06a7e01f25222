//! Properties files and config definitions (worker and connector configs).
//!
//! String maps enter at the edge ([`properties`] files, [`file`] connector files, REST
//! bodies), are checked once against a definition table ([`crate::config::ConfigDef`], Apache's
//! `ConfigDef`), and leave as typed structs ([`worker::WorkerConfig`],
//! [`connector::ConnectorConfig`] and its sink and source variants).

pub mod connector;
pub mod enrich;
pub mod file;
pub mod override_policy;
pub mod providers;
pub mod worker;
pub mod worker_file;
