//! The crate's error type. Libraries return typed errors; `anyhow` lives only in `cli`.

/// Errors that cross module boundaries.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value (properties file, connector config) is missing or invalid.
    #[error("{0}")]
    Config(String),

    /// I/O on a local file (offsets file, properties file, connector file).
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// The Kubernetes API answered with an error.
    #[error("kubernetes: {0}")]
    Kube(#[from] kube::Error),

    /// JSON could not be read or written.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),

    /// YAML could not be written.
    #[error("yaml: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
}

impl Error {
    /// A short, stable label for metrics (`error` label on failure counters).
    pub fn metric_label(&self) -> &'static str {
        match self {
            Error::Config(_) => "config",
            Error::Io { .. } => "io",
            Error::Kube(_) => "kube",
            Error::Json(_) => "json",
            Error::Yaml(_) => "yaml",
        }
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
