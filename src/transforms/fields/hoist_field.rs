//! `HoistField$Key` / `HoistField$Value`: wraps the key or value in a struct (or map) of
//! one field.

use crate::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use crate::data::{Schema, SchemaType, Value};
use crate::transforms::{
    ConnectRecord, TransformError, TransformPlugin, TransformProps, Transformation,
};

use super::util::{Side, check_put, parse_config, push_field, struct_from};

const FIELD_CONFIG: &str = "field";

/// Apache's `HoistField.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(ConfigKey::new(
        FIELD_CONFIG,
        ConfigType::String,
        Importance::Medium,
        "Field name for the single field that will be created in the resulting Struct or Map.",
    ))
}

/// A configured HoistField.
#[derive(Debug)]
pub struct HoistField {
    side: Side,
    field: String,
}

impl HoistField {
    /// Configures from the transform's keys.
    pub fn new(props: &TransformProps, side: Side) -> Result<Self, TransformError> {
        let parsed = parse_config(&config_def(), props)?;
        Ok(HoistField {
            side,
            field: parsed.string(FIELD_CONFIG)?.unwrap_or_default().to_owned(),
        })
    }
}

impl Transformation for HoistField {
    fn apply(&self, record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let value = self.side.value(&record).clone();
        let (schema, hoisted) = match self.side.schema(&record) {
            None => (
                None,
                Value::Map(vec![(Value::String(self.field.clone()), value)]),
            ),
            Some(schema) => {
                // `SchemaBuilder.struct().field(name, schema)`: a required struct, no name.
                let mut wrapper = Schema::new(SchemaType::Struct);
                push_field(&mut wrapper, &self.field, schema.clone())?;
                check_put(&wrapper.fields[0], &value)?;
                let wrapper = wrapper.into_ref();
                (
                    Some(wrapper.clone()),
                    Value::Struct(struct_from(wrapper, vec![value])),
                )
            }
        };
        Ok(Some(self.side.with(record, schema, hoisted)))
    }
}

fn create_key(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(HoistField::new(props, Side::Key)?))
}

fn create_value(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(HoistField::new(props, Side::Value)?))
}

/// `HoistField$Key` and `HoistField$Value`.
pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.HoistField$Key",
            config_def,
            create: create_key,
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.HoistField$Value",
            config_def,
            create: create_value,
        },
    ]
}
