//! `InsertHeader`: adds a header with a literal value to every record; the value's schema
//! is inferred from the literal as Apache's `Values.parseString` does.

use crate::config::{ConfigDef, ConfigError, ConfigKey, ConfigType, Importance, Validator};
use crate::data::{Header, Value};
use crate::transforms::values::{Parsed, parse_literal};
use crate::transforms::{ConnectRecord, TransformError, TransformProps, Transformation};

const HEADER: &str = "header";
const VALUE_LITERAL: &str = "value.literal";

/// InsertHeader's keys: `header` and `value.literal`, both required.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                HEADER,
                ConfigType::String,
                Importance::High,
                "The name of the header.",
            )
            .validator(Validator::NonNull),
        )
        .define(
            ConfigKey::new(
                VALUE_LITERAL,
                ConfigType::String,
                Importance::High,
                "The literal value that is to be set as the header value on all records.",
            )
            .validator(Validator::NonNull),
        )
}

/// Appends one header.
#[derive(Debug, Clone)]
pub struct InsertHeader {
    header: String,
    literal: Parsed,
}

impl InsertHeader {
    /// Configures from the `transforms.<alias>.*` keys, prefix stripped.
    pub fn from_props(props: &TransformProps) -> Result<Self, TransformError> {
        let parsed = config_def().parse(props)?;
        let literal = parsed.string(VALUE_LITERAL)?.unwrap_or_default();
        Ok(InsertHeader {
            header: parsed.string(HEADER)?.unwrap_or_default().to_owned(),
            literal: parse_literal(literal).map_err(ConfigError::Message)?,
        })
    }
}

impl Transformation for InsertHeader {
    fn apply(&self, mut record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let (schema, value) = match &self.literal {
            Some((schema, value)) => (Some(schema.clone()), value.clone()),
            None => (None, Value::Null),
        };
        record.headers.push(Header {
            key: self.header.clone(),
            schema,
            value,
        });
        Ok(Some(record))
    }
}
