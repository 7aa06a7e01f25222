//! The lab tests in one binary (one link instead of one per file): each module is one
//! area, tests of a module run in parallel on the test harness's threads (as many as
//! cores). The fault suite (`tests/fault_suite.rs`) stays a binary of its own: its cases
//! are long and CPU-heavy, and sharing the two cores with the timing-bound tests here
//! would turn its load into their flakiness.

#[path = "../common/mod.rs"]
mod common;

mod codecs;
mod config_providers;
mod converter_parity;
mod crd_drift;
mod crd_validation;
mod debezium_postgres;
mod error_handling;
mod file_stream;
mod helm_chart;
mod lab_smoke;
mod mirror_maker;
mod offset_file_parity;
mod offset_topic;
mod operator_connect;
mod operator_connectors;
mod operator_lifecycle;
mod operator_plugins;
mod operator_rebalance;
mod operator_secured;
mod override_policy;
mod plugin_host;
mod properties_parity;
mod quickstart_output;
mod rest_hostile;
mod rest_parity;
mod rest_sidecar;
mod secured_kafka;
mod seed_distributed;
mod sink_topics_regex;
mod standalone_failures;
mod standalone_seed;
mod transforms_parity;
