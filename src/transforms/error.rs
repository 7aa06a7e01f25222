//! Why a transform could not be built or could not transform a record.

/// A configuration problem (the connector fails to start, validation reports it) or a
/// record the transform cannot handle (handled by `errors.tolerance`).
#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    /// Bad transform or predicate config, in Apache's wording.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The record does not fit the transform (Apache's `DataException`), e.g.
    /// `Only Struct objects supported for [field extraction], found: java.lang.String`.
    #[error("{0}")]
    Data(String),
}
