//! Per-record error handling in the task pipelines (Apache's `runtime/errors` package):
//! `errors.tolerance`, retries with back-off (`errors.retry.timeout`,
//! `errors.retry.delay.max.ms`), the error log (`errors.log.*`) and the sink dead-letter
//! queue (`errors.deadletterqueue.*`).
//!
//! [`ErrorHandler`] is the task's `RetryWithToleranceOperator` with its reporters: a
//! pipeline runs each per-record step through [`ErrorHandler::execute`], which retries
//! retriable failures, reports every failure ([`log`] and, for sinks, [`dlq`]) and says
//! whether the record is skipped or the task must fail.

pub mod dlq;
pub mod failure;
pub mod log;
mod operator;

pub use dlq::{DeadLetterQueue, DlqError, DlqSettings};
pub use failure::{ProcessingError, Stage, ToleranceExceeded};
pub use log::LogReporter;
pub use operator::{ErrorHandler, HandlerFailure, OriginalRecord};
