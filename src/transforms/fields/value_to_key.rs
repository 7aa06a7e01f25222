//! `ValueToKey`: replaces the key with a struct (or map) of some fields of the value.

use crate::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use crate::data::{Schema, SchemaType, Value};
use crate::transforms::{
    ConnectRecord, TransformError, TransformPlugin, TransformProps, Transformation,
};

use super::util::{
    REPLACE_NULL_WITH_DEFAULT_CONFIG, config_bool, config_list, data_error, field_value, map_get,
    parse_config, push_field, reject_duplicate_items, replace_null_with_default_key, require_map,
    require_struct, struct_from,
};
use crate::data::java::JavaHashMap;

const FIELDS_CONFIG: &str = "fields";
const PURPOSE: &str = "copying fields from value to key";

/// Apache's `ValueToKey.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                FIELDS_CONFIG,
                ConfigType::List,
                Importance::High,
                "Field names on the record value to extract as the record key.",
            )
            .validator(Validator::non_duplicate_list(false, false)),
        )
        .define(replace_null_with_default_key())
}

/// A configured ValueToKey.
#[derive(Debug)]
pub struct ValueToKey {
    fields: Vec<String>,
    replace_null_with_default: bool,
}

impl ValueToKey {
    /// Configures from the transform's keys.
    pub fn new(props: &TransformProps) -> Result<Self, TransformError> {
        reject_duplicate_items(props, FIELDS_CONFIG)?;
        let parsed = parse_config(&config_def(), props)?;
        Ok(ValueToKey {
            fields: config_list(&parsed, FIELDS_CONFIG)?,
            replace_null_with_default: config_bool(&parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG)?,
        })
    }
}

impl Transformation for ValueToKey {
    fn apply(&self, mut record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        if record.value_schema.is_none() {
            let value = require_map(&record.value, PURPOSE)?;
            let mut key = JavaHashMap::with_capacity(self.fields.len());
            for field in &self.fields {
                let v = map_get(value, field).cloned().unwrap_or(Value::Null);
                key.put(Value::from(field.as_str()), v);
            }
            record.key_schema = None;
            record.key = key.into_value();
            return Ok(Some(record));
        }
        let value = require_struct(&record.value, PURPOSE)?;
        let mut key_schema = Schema::new(SchemaType::Struct);
        let mut values = Vec::with_capacity(self.fields.len());
        for name in &self.fields {
            let field = value
                .schema
                .field(name)
                .ok_or_else(|| data_error(format!("Field does not exist: {name}")))?;
            push_field(&mut key_schema, name, field.schema.clone())?;
            values.push(field_value(value, field, self.replace_null_with_default));
        }
        let key_schema = key_schema.into_ref();
        record.key = Value::Struct(struct_from(key_schema.clone(), values));
        record.key_schema = Some(key_schema);
        Ok(Some(record))
    }
}

fn create(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(ValueToKey::new(props)?))
}

/// `ValueToKey` (no `$Key`/`$Value` variants).
pub fn plugins() -> Vec<TransformPlugin> {
    vec![TransformPlugin {
        class: "org.apache.kafka.connect.transforms.ValueToKey",
        config_def,
        create,
    }]
}
