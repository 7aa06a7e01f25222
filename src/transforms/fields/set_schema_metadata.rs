//! `SetSchemaMetadata$Key` / `SetSchemaMetadata$Value`: sets the name and/or version of the
//! key or value schema; a struct value is re-pointed at the renamed schema.

use crate::config::{ConfigDef, ConfigError, ConfigKey, ConfigType, Importance};
use crate::data::{SchemaType, Struct, Value};
use crate::transforms::{
    ConnectRecord, TransformError, TransformPlugin, TransformProps, Transformation,
};

use super::util::{
    REPLACE_NULL_WITH_DEFAULT_CONFIG, Side, config_bool, data_error, field_value, parse_config,
    replace_null_with_default_key, require_schema,
};

const SCHEMA_NAME_CONFIG: &str = "schema.name";
const SCHEMA_VERSION_CONFIG: &str = "schema.version";

/// Apache's `SetSchemaMetadata.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                SCHEMA_NAME_CONFIG,
                ConfigType::String,
                Importance::High,
                "Schema name to set.",
            )
            .default_null(),
        )
        .define(
            ConfigKey::new(
                SCHEMA_VERSION_CONFIG,
                ConfigType::Int,
                Importance::High,
                "Schema version to set.",
            )
            .default_null(),
        )
        .define(replace_null_with_default_key())
}

/// A configured SetSchemaMetadata.
#[derive(Debug)]
pub struct SetSchemaMetadata {
    side: Side,
    schema_name: Option<String>,
    schema_version: Option<i32>,
    replace_null_with_default: bool,
}

impl SetSchemaMetadata {
    /// Configures from the transform's keys; one of name and version is needed.
    pub fn new(props: &TransformProps, side: Side) -> Result<Self, TransformError> {
        let parsed = parse_config(&config_def(), props)?;
        let schema_name = parsed.string(SCHEMA_NAME_CONFIG)?.map(str::to_owned);
        let schema_version = parsed.int(SCHEMA_VERSION_CONFIG)?;
        let replace_null_with_default = config_bool(&parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG)?;
        if schema_name.is_none() && schema_version.is_none() {
            return Err(ConfigError::Message(
                "Neither schema name nor version configured".to_owned(),
            )
            .into());
        }
        Ok(SetSchemaMetadata {
            side,
            schema_name,
            schema_version,
            replace_null_with_default,
        })
    }
}

impl Transformation for SetSchemaMetadata {
    fn apply(&self, record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let value = self.side.value(&record);
        let schema = self.side.schema(&record);
        if value.is_null() && schema.is_none() {
            return Ok(Some(record));
        }
        let schema = require_schema(schema, "updating schema metadata")?;
        // Apache passes `schema.fields()` to the new schema whatever its type, and that
        // throws for anything but a struct: only struct schemas can be renamed.
        if schema.schema_type != SchemaType::Struct {
            return Err(data_error("Cannot list fields on non-struct type"));
        }
        // `new ConnectSchema(...)` keeps everything but name and version; key and value
        // schemas only for the types that have them.
        let mut updated = (**schema).clone();
        if let Some(name) = &self.schema_name {
            updated.name = Some(name.clone());
        }
        if let Some(version) = self.schema_version {
            updated.version = Some(version);
        }
        if updated.schema_type != SchemaType::Map {
            updated.key_schema = None;
        }
        if !matches!(updated.schema_type, SchemaType::Map | SchemaType::Array) {
            updated.value_schema = None;
        }
        let updated = updated.into_ref();
        let new_value = match value {
            Value::Struct(s) => {
                let values = updated
                    .fields
                    .iter()
                    .map(|f| field_value(s, f, self.replace_null_with_default))
                    .collect();
                Value::Struct(Struct {
                    schema: updated.clone(),
                    values,
                })
            }
            other => other.clone(),
        };
        Ok(Some(self.side.with(record, Some(updated), new_value)))
    }
}

fn create_key(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(SetSchemaMetadata::new(props, Side::Key)?))
}

fn create_value(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(SetSchemaMetadata::new(props, Side::Value)?))
}

/// `SetSchemaMetadata$Key` and `SetSchemaMetadata$Value`.
pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",
            config_def,
            create: create_key,
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
            config_def,
            create: create_value,
        },
    ]
}
