//! `ExtractField$Key` / `ExtractField$Value`: replaces the key or value with one of its
//! fields (a struct field with its schema, or a map entry); nested paths with
//! `field.syntax.version=V2`. Null keys/values pass through.

use crate::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use crate::data::Value;
use crate::transforms::{
    ConnectRecord, TransformError, TransformPlugin, TransformProps, Transformation,
};

use super::field_path::{
    FIELD_SYNTAX_VERSION_CONFIG, FieldSyntaxVersion, SingleFieldPath, field_syntax_version_key,
};
use super::util::{
    REPLACE_NULL_WITH_DEFAULT_CONFIG, Side, config_bool, data_error, parse_config,
    replace_null_with_default_key, require_map_or_null, require_struct_or_null,
};

const FIELD_CONFIG: &str = "field";
const PURPOSE: &str = "field extraction";

/// Apache's `ExtractField.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(ConfigKey::new(
            FIELD_CONFIG,
            ConfigType::String,
            Importance::Medium,
            "Field name to extract.",
        ))
        .define(replace_null_with_default_key())
        .define(field_syntax_version_key())
}

/// A configured ExtractField.
#[derive(Debug)]
pub struct ExtractField {
    side: Side,
    original_path: String,
    path: SingleFieldPath,
    replace_null_with_default: bool,
}

impl ExtractField {
    /// Configures from the transform's keys.
    pub fn new(props: &TransformProps, side: Side) -> Result<Self, TransformError> {
        let parsed = parse_config(&config_def(), props)?;
        let original_path = parsed.string(FIELD_CONFIG)?.unwrap_or_default().to_owned();
        let version =
            FieldSyntaxVersion::parse(parsed.string(FIELD_SYNTAX_VERSION_CONFIG)?.unwrap_or("V1"))?;
        Ok(ExtractField {
            side,
            path: SingleFieldPath::new(&original_path, version)?,
            original_path,
            replace_null_with_default: config_bool(&parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG)?,
        })
    }
}

impl Transformation for ExtractField {
    fn apply(&self, record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let value = self.side.value(&record);
        let (schema, extracted) = match self.side.schema(&record) {
            None => {
                let extracted = match require_map_or_null(value, PURPOSE)? {
                    None => Value::Null,
                    Some(map) => self.path.value_from_map(map)?,
                };
                (None, extracted)
            }
            Some(schema) => {
                let value = require_struct_or_null(value, PURPOSE)?;
                let field = self
                    .path
                    .field_from(schema)?
                    .ok_or_else(|| data_error(format!("Unknown field: {}", self.original_path)))?;
                let extracted = match value {
                    None => Value::Null,
                    Some(s) => self
                        .path
                        .value_from_struct(s, self.replace_null_with_default)?,
                };
                (Some(field.schema.clone()), extracted)
            }
        };
        Ok(Some(self.side.with(record, schema, extracted)))
    }
}

fn create_key(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(ExtractField::new(props, Side::Key)?))
}

fn create_value(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(ExtractField::new(props, Side::Value)?))
}

/// `ExtractField$Key` and `ExtractField$Value`.
pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.ExtractField$Key",
            config_def,
            create: create_key,
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.ExtractField$Value",
            config_def,
            create: create_value,
        },
    ]
}
