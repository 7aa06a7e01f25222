//! Connector files given to `tributary standalone`, read as Apache's
//! `ConnectStandalone.parseConnectorConfigurationFile` (Kafka 3.7+) reads them. Whatever the
//! file's extension, it tries in this order:
//! 1. a JSON object of string values: the config itself (`name` required);
//! 2. a JSON object `{"name": .., "config": {..}, "initial_state": ..}` (other fields
//!    ignored; `config.name`, when present, must equal `name`, else `name` is added to it);
//! 3. a properties file (`name` required).
//!
//! Like Jackson, scalar JSON values (numbers, booleans) are accepted as their text, and
//! content after the first JSON value is ignored. Where Apache would fail obscurely (a
//! `null` value, a missing `config`, a JSON object that fits neither shape), we fail with a
//! message naming the file and the key instead.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value;

use super::connector::NAME;
use crate::java::properties::{self, PropertiesError};
use crate::runtime::TargetState;

/// Apache's case-insensitive parsing of `initial_state` in a JSON connector file
/// (`RUNNING`, `PAUSED`, `STOPPED`).
fn parse_initial_state(value: &str) -> Option<TargetState> {
    TargetState::from_name(&value.to_ascii_uppercase())
}

/// Which of the accepted shapes a connector file had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectorFileFormat {
    /// A bare JSON config object.
    JsonConfig,
    /// `{"name": .., "config": {..}}`.
    JsonCreateRequest,
    /// A `.properties` file.
    Properties,
}

/// A connector file, read: a create request for the herder.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorFile {
    /// The connector name (also present as `name` in `config`).
    pub name: String,
    /// The connector config, string values only, in file order.
    pub config: IndexMap<String, String>,
    /// Requested initial state (JSON create requests only).
    pub initial_state: Option<TargetState>,
    /// The shape the file had.
    pub format: ConnectorFileFormat,
}

/// Why a connector file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorFileError {
    /// The file could not be read.
    #[error("cannot read connector configuration file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Not a valid properties file.
    #[error(transparent)]
    Properties(#[from] PropertiesError),
    /// The content does not make a connector config; the message names file and key.
    #[error("{0}")]
    Invalid(String),
}

fn missing_name(path: &Path) -> ConnectorFileError {
    ConnectorFileError::Invalid(format!(
        "Connector configuration at '{}' is missing the mandatory '{NAME}' configuration",
        path.display()
    ))
}

/// Reads a connector file (JSON or properties, decided by content as Apache does).
pub fn load_connector_file(path: &Path) -> Result<ConnectorFile, ConnectorFileError> {
    let bytes = std::fs::read(path).map_err(|source| ConnectorFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(object) = first_json_object(&bytes) {
        return from_json(path, object);
    }
    let config = properties::parse_bytes(&bytes).map_err(|e| match e {
        PropertiesError::Syntax { line, message, .. } => PropertiesError::Syntax {
            path: Some(path.to_path_buf()),
            line,
            message,
        },
        other => other,
    })?;
    let name = config
        .get(NAME)
        .cloned()
        .ok_or_else(|| missing_name(path))?;
    Ok(ConnectorFile {
        name,
        config,
        initial_state: None,
        format: ConnectorFileFormat::Properties,
    })
}

/// The first JSON value of the file, when it is an object (Jackson reads one value and
/// ignores what follows; anything else falls through to properties parsing, as in Apache).
fn first_json_object(bytes: &[u8]) -> Option<serde_json::Map<String, Value>> {
    match serde_json::Deserializer::from_slice(bytes)
        .into_iter::<Value>()
        .next()
    {
        Some(Ok(Value::Object(map))) => Some(map),
        _ => None,
    }
}

/// A JSON scalar as Jackson's `StringDeserializer` gives it; None for objects and arrays.
fn scalar_text(value: &Value) -> Option<Option<String>> {
    match value {
        Value::String(s) => Some(Some(s.clone())),
        Value::Number(n) => Some(Some(n.to_string())),
        Value::Bool(b) => Some(Some(b.to_string())),
        Value::Null => Some(None),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// A JSON object of scalars as a string map; Err(key) names the first non-scalar entry.
fn string_map(
    path: &Path,
    object: &serde_json::Map<String, Value>,
) -> Result<Result<IndexMap<String, String>, String>, ConnectorFileError> {
    let mut config = IndexMap::with_capacity(object.len());
    for (key, value) in object {
        match scalar_text(value) {
            None => return Ok(Err(key.clone())),
            Some(None) => {
                return Err(ConnectorFileError::Invalid(format!(
                    "Connector configuration at '{}' has a null value for '{key}'; values must be strings",
                    path.display()
                )));
            }
            Some(Some(text)) => {
                config.insert(key.clone(), text);
            }
        }
    }
    Ok(Ok(config))
}

fn from_json(
    path: &Path,
    object: serde_json::Map<String, Value>,
) -> Result<ConnectorFile, ConnectorFileError> {
    let invalid = |message: String| ConnectorFileError::Invalid(message);
    let shown = path.display();

    // Shape 1: the config itself.
    let non_scalar_key = match string_map(path, &object)? {
        Ok(config) => {
            let name = config
                .get(NAME)
                .cloned()
                .ok_or_else(|| missing_name(path))?;
            return Ok(ConnectorFile {
                name,
                config,
                initial_state: None,
                format: ConnectorFileFormat::JsonConfig,
            });
        }
        Err(key) => key,
    };

    // Shape 2: a create request.
    let Some(config_value) = object.get("config") else {
        return Err(invalid(format!(
            "Connector configuration at '{shown}' has a non-string value for '{non_scalar_key}' and no 'config' object: expected either an object of string values or {{\"name\": ..., \"config\": {{...}}}}"
        )));
    };
    let Value::Object(config_object) = config_value else {
        return Err(invalid(format!(
            "Connector configuration at '{shown}': 'config' must be an object of string values"
        )));
    };
    let mut config = match string_map(path, config_object)? {
        Ok(config) => config,
        Err(key) => {
            return Err(invalid(format!(
                "Connector configuration at '{shown}': 'config.{key}' must be a string, not an object or array"
            )));
        }
    };
    let name = match object.get(NAME).and_then(scalar_text) {
        Some(Some(name)) => name,
        _ => return Err(missing_name(path)),
    };
    match config.get(NAME) {
        Some(inner) if *inner != name => {
            return Err(invalid(format!(
                "Connector name configuration in 'config' doesn't match the one specified in 'name' at '{shown}'"
            )));
        }
        Some(_) => {}
        None => {
            config.insert(NAME.to_owned(), name.clone());
        }
    }
    let initial_state = match object.get("initial_state") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(parse_initial_state(s).ok_or_else(|| {
            invalid(format!(
                "Connector configuration at '{shown}': invalid 'initial_state' {s:?}; expected one of RUNNING, PAUSED, STOPPED"
            ))
        })?),
        Some(other) => {
            return Err(invalid(format!(
                "Connector configuration at '{shown}': 'initial_state' must be a string, not {other}"
            )));
        }
    };
    Ok(ConnectorFile {
        name,
        config,
        initial_state,
        format: ConnectorFileFormat::JsonCreateRequest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(content: &str) -> (tempfile::TempDir, Result<ConnectorFile, ConnectorFileError>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connector.any");
        std::fs::write(&path, content).unwrap();
        let result = load_connector_file(&path);
        (dir, result)
    }

    fn ok(content: &str) -> ConnectorFile {
        load(content).1.unwrap()
    }

    fn err(content: &str) -> String {
        load(content).1.unwrap_err().to_string()
    }

    #[test]
    fn bare_json_config_with_coerced_scalars() {
        let file = ok(
            r#"{"name": "src", "connector.class": "FileStreamSource", "tasks.max": 1, "x": true} trailing"#,
        );
        assert_eq!(file.format, ConnectorFileFormat::JsonConfig);
        assert_eq!(file.name, "src");
        assert_eq!(file.config["tasks.max"], "1");
        assert_eq!(file.config["x"], "true");
        assert!(
            err(r#"{"connector.class": "X"}"#)
                .ends_with("connector.any' is missing the mandatory 'name' configuration")
        );
        assert!(err(r#"{"name": "a", "k": null}"#).contains("null value for 'k'"));
    }

    #[test]
    fn create_request_json() {
        let file = ok(
            r#"{"name": "snk", "config": {"connector.class": "FileStreamSink", "topics": "t"}, "initial_state": "paused", "extra": [1]}"#,
        );
        assert_eq!(file.format, ConnectorFileFormat::JsonCreateRequest);
        assert_eq!(file.config["name"], "snk");
        assert_eq!(file.initial_state, Some(TargetState::Paused));
        assert!(err(r#"{"name": "a", "config": {"name": "b"}}"#)
            .starts_with("Connector name configuration in 'config' doesn't match the one specified in 'name' at '"));
        assert!(err(r#"{"config": {"k": "v"}}"#).contains("is missing the mandatory 'name'"));
        assert!(
            err(r#"{"name": "a", "config": {"k": {"deep": 1}}}"#)
                .contains("'config.k' must be a string")
        );
        assert!(err(r#"{"name": "a", "other": {}}"#).contains("non-string value for 'other'"));
        assert!(
            err(r#"{"name": "a", "config": {}, "initial_state": "GONE"}"#)
                .contains("invalid 'initial_state'")
        );
    }

    #[test]
    fn properties_fallback() {
        let file = ok(
            "# comment\nname=local-file-sink\nconnector.class=FileStreamSink\ntopics=connect-test\n",
        );
        assert_eq!(file.format, ConnectorFileFormat::Properties);
        assert_eq!(file.name, "local-file-sink");
        // Malformed JSON is not an error by itself: it is read as properties, as in Apache.
        assert!(err("{\"name\": ").contains("is missing the mandatory 'name' configuration"));
        assert!(
            err("name=x\nbad=\\u00zz")
                .contains("connector.any: line 2: Malformed \\uxxxx encoding.")
        );
    }

    #[test]
    fn unreadable_file_is_named() {
        let e = load_connector_file(Path::new("/nonexistent/c.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/c.json"), "{e}");
    }
}
