//! Converters: Connect data to Kafka bytes and back (`key.converter`, `value.converter`).
//!
//! Three converters, byte-compatible with Apache Kafka's classes of the same names:
//! [`JsonConverter`], [`StringConverter`] and [`ByteArrayConverter`]. [`converter_for`]
//! builds one from a worker or connector config.

mod byte_array;
mod charset;
pub mod json;
mod string;

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

pub use byte_array::ByteArrayConverter;
pub use charset::Charset;
pub use json::{JsonConfig, JsonConverter};
pub use string::StringConverter;

use crate::config::{ConfigDef, ConfigError, ConfigKey, ConfigType, Importance, Validator};
use crate::data::{Schema, SchemaAndValue, SchemaRef, SchemaType, Value};

/// `converter.type`: which side a converter serves. Apache's `ConverterConfig` defines it
/// first in every converter's table; the runtime sets it, users never do.
pub const TYPE_CONFIG: &str = "converter.type";

/// A converter's table as Apache's `Converter.config()` returns it, behind
/// `GET /connector-plugins/{converter}/config`: `converter.type`, then the converter's own
/// keys. `name` is the class name or one of Apache's aliases for it (the simple name, and
/// the simple name without `Converter`); `None` when it names no converter of this build.
pub fn plugin_config_def(name: &str) -> Option<ConfigDef> {
    let class = resolve_class(name)?;
    let def = ConfigDef::new().define(
        ConfigKey::new(
            TYPE_CONFIG,
            ConfigType::String,
            Importance::Low,
            "How this converter will be used.",
        )
        .validator(Validator::one_of(&["key", "value", "header"])),
    );
    let own = match class {
        "org.apache.kafka.connect.json.JsonConverter" => json::config_def(),
        "org.apache.kafka.connect.storage.StringConverter" => string::config_def(),
        _ => ConfigDef::new(),
    };
    Some(own.keys().cloned().fold(def, ConfigDef::define))
}

/// Why data could not be converted, or a converter not configured. The messages are
/// those of Apache's `DataException` and `ConfigException` for the same cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConversionError {
    /// The data does not fit its schema, or the bytes are not what the converter reads.
    #[error("{0}")]
    Data(String),
    /// A converter config value is invalid, or the converter class is unknown
    /// (Apache's `ConfigException`).
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Turns Connect data into record bytes and back; one instance serves a task's keys or
/// values for every record, so implementations keep per-record work and allocation low.
// `from_connect_data` keeps the Connect API's method name, hence the allow.
#[allow(clippy::wrong_self_convention)]
pub trait Converter: Send + Sync + std::fmt::Debug {
    /// Appends the bytes for `value` (described by `schema`, if any) to `out`. Returns
    /// `false`, leaving `out` as it was, when the record bytes are null. On error `out`
    /// is left as it was too.
    fn from_connect_data_into(
        &self,
        topic: &str,
        schema: Option<&Schema>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, ConversionError>;

    /// The bytes for `value`; `None` for a null record.
    fn from_connect_data(
        &self,
        topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConversionError> {
        let mut out = Vec::new();
        Ok(self
            .from_connect_data_into(topic, schema, value, &mut out)?
            .then_some(out))
    }

    /// Reads record bytes (`None` for a null record) back into Connect data.
    fn to_connect_data(
        &self,
        topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConversionError>;
}

/// The converter classes [`converter_for`] knows, by Java class name, sorted as Apache
/// lists plugins.
pub const CONVERTER_CLASSES: [&str; 3] = [
    "org.apache.kafka.connect.converters.ByteArrayConverter",
    "org.apache.kafka.connect.json.JsonConverter",
    "org.apache.kafka.connect.storage.StringConverter",
];

/// The converter class `name` stands for: its Java class name, its simple name or its
/// alias without `Converter` (Apache's plugin aliases), surrounding blanks ignored.
pub fn resolve_class(name: &str) -> Option<&'static str> {
    let name = name.trim();
    CONVERTER_CLASSES.into_iter().find(|class| {
        let simple = class.rsplit('.').next().unwrap_or(class);
        *class == name || simple == name || simple.strip_suffix("Converter") == Some(name)
    })
}

/// Builds the converter named by `class` (see [`resolve_class`]) from
/// `config`, already stripped of its `key.converter.`/`value.converter.` prefix.
/// `is_key` tells which side of the record it serves, as Java's `configure(.., isKey)`.
pub fn converter_for(
    class: &str,
    config: &BTreeMap<String, String>,
    is_key: bool,
) -> Result<Box<dyn Converter>, ConversionError> {
    match resolve_class(class) {
        Some("org.apache.kafka.connect.json.JsonConverter") => {
            Ok(Box::new(JsonConverter::from_config(config)?))
        }
        Some("org.apache.kafka.connect.storage.StringConverter") => {
            Ok(Box::new(StringConverter::from_config(config, is_key)?))
        }
        Some("org.apache.kafka.connect.converters.ByteArrayConverter") => {
            Ok(Box::new(ByteArrayConverter))
        }
        _ => Err(ConfigError::Message(format!(
            "Class {} cannot be found; available converters: {}",
            class.trim(),
            CONVERTER_CLASSES.join(", ")
        ))
        .into()),
    }
}

/// `Schema.OPTIONAL_STRING_SCHEMA` / `OPTIONAL_BYTES_SCHEMA`, shared so that reading a
/// record does not allocate a schema.
fn optional_schema(schema_type: SchemaType) -> SchemaRef {
    static STRING: LazyLock<SchemaRef> =
        LazyLock::new(|| Arc::new(Schema::optional(SchemaType::String)));
    static BYTES: LazyLock<SchemaRef> =
        LazyLock::new(|| Arc::new(Schema::optional(SchemaType::Bytes)));
    match schema_type {
        SchemaType::Bytes => BYTES.clone(),
        SchemaType::String => STRING.clone(),
        other => Arc::new(Schema::optional(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_converters_by_long_and_short_name() {
        let config = BTreeMap::new();
        for class in CONVERTER_CLASSES {
            converter_for(class, &config, false).unwrap();
        }
        for class in ["JsonConverter", "StringConverter", "ByteArrayConverter"] {
            converter_for(class, &config, true).unwrap();
        }
        let err = converter_for("com.example.AvroConverter", &config, false).unwrap_err();
        assert!(
            err.to_string()
                .contains("org.apache.kafka.connect.json.JsonConverter")
        );
        assert!(converter_for("com.example.JsonConverter", &config, false).is_err());
    }

    #[test]
    fn json_config_reaches_the_converter() {
        let config = [("schemas.enable".to_string(), "false".to_string())].into();
        let c = converter_for("JsonConverter", &config, false).unwrap();
        let bytes = c.from_connect_data("t", None, &Value::Int32(5)).unwrap();
        assert_eq!(bytes.as_deref(), Some(&b"5"[..]));
    }
}
