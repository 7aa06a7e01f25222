//! The one error type of the connector API.
//!
//! Apache Connect tells the runtime how to react through the exception class: a
//! `RetriableException` means "try the same call again later", any other
//! `ConnectException` fails the task or connector. [`ConnectorError`] keeps that split.

use std::error::Error as StdError;

use crate::config::ConfigError;

/// A boxed cause, kept so that logs and the REST `trace` show where a failure came from.
pub type BoxedCause = Box<dyn StdError + Send + Sync + 'static>;

/// What a connector or task returns when a call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// A transient failure (Apache's `RetriableException`): the runtime retries the same
    /// call later; from `SourceTask::poll` it counts as "no records this time".
    #[error("{message}")]
    Retriable {
        message: String,
        #[source]
        source: Option<BoxedCause>,
    },

    /// A failure that stops the connector or task (Apache's `ConnectException`); it is
    /// reported as the FAILED state with this message as the trace.
    #[error("{message}")]
    Fatal {
        message: String,
        #[source]
        source: Option<BoxedCause>,
    },

    /// The configuration given to `start` is invalid (Apache's `ConfigException`); fatal.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl ConnectorError {
    /// A retriable error with a message only.
    pub fn retriable(message: impl Into<String>) -> Self {
        ConnectorError::Retriable {
            message: message.into(),
            source: None,
        }
    }

    /// A retriable error with its cause.
    pub fn retriable_with(message: impl Into<String>, source: impl Into<BoxedCause>) -> Self {
        ConnectorError::Retriable {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// A fatal error with a message only.
    pub fn fatal(message: impl Into<String>) -> Self {
        ConnectorError::Fatal {
            message: message.into(),
            source: None,
        }
    }

    /// A fatal error with its cause.
    pub fn fatal_with(message: impl Into<String>, source: impl Into<BoxedCause>) -> Self {
        ConnectorError::Fatal {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// True when the runtime should retry instead of failing the task.
    pub fn is_retriable(&self) -> bool {
        matches!(self, ConnectorError::Retriable { .. })
    }

    /// The message followed by its chain of causes, one per line: what goes into a task's
    /// `trace` in the status.
    pub fn trace(&self) -> String {
        let mut text = self.to_string();
        let mut cause = self.source();
        while let Some(err) = cause {
            text.push_str("\nCaused by: ");
            text.push_str(&err.to_string());
            cause = err.source();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retriable_and_fatal_are_told_apart() {
        assert!(ConnectorError::retriable("later").is_retriable());
        assert!(!ConnectorError::fatal("never").is_retriable());
        let config = ConfigError::Missing("topic".into());
        assert!(!ConnectorError::from(config).is_retriable());
    }

    #[test]
    fn trace_lists_the_causes() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let err = ConnectorError::fatal_with("Couldn't open /x", io);
        assert_eq!(err.trace(), "Couldn't open /x\nCaused by: denied");
    }
}
