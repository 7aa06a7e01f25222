//! `Flatten$Key` / `Flatten$Value`: turns nested structs (or maps) into one level, joining
//! the names with `delimiter`. A field below an optional struct becomes optional, and takes
//! its default from the parent's default when it has none of its own. Arrays are kept as
//! they are; map fields of a schemaful record are refused, as in Apache.

use crate::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use crate::data::{Schema, SchemaRef, SchemaType, Struct, Value};
use crate::transforms::{
    ConnectRecord, TransformError, TransformPlugin, TransformProps, Transformation,
};

use super::util::{
    Side, copy_schema_basics, copy_schema_basics_same_type, data_error, field_value,
    java_type_name, java_value_class, map_put, parse_config, push_field, require_map,
    require_struct_or_null,
};

const DELIMITER_CONFIG: &str = "delimiter";
const PURPOSE: &str = "flattening";

/// Apache's `Flatten.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            DELIMITER_CONFIG,
            ConfigType::String,
            Importance::Medium,
            "Delimiter to insert between field names from the input record when generating field names for the output record",
        )
        .default_value("."),
    )
}

/// A configured Flatten.
#[derive(Debug)]
pub struct Flatten {
    side: Side,
    delimiter: String,
}

impl Flatten {
    /// Configures from the transform's keys.
    pub fn new(props: &TransformProps, side: Side) -> Result<Self, TransformError> {
        let parsed = parse_config(&config_def(), props)?;
        Ok(Flatten {
            side,
            delimiter: parsed.string(DELIMITER_CONFIG)?.unwrap_or(".").to_owned(),
        })
    }

    fn field_name(&self, prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}{}{name}", self.delimiter)
        }
    }

    fn flatten_map(
        &self,
        entries: &[(Value, Value)],
        prefix: &str,
        out: &mut Vec<(Value, Value)>,
    ) -> Result<(), TransformError> {
        for (key, value) in entries {
            let name = self.field_name(prefix, key.as_str().unwrap_or_default());
            match value {
                Value::Map(inner) => self.flatten_map(inner, &name, out)?,
                Value::Struct(_) => {
                    return Err(data_error(format!(
                        "Flatten transformation does not support {} for record without schemas (for field {name}).",
                        java_value_class(value, None)
                    )));
                }
                other => map_put(out, &name, other.clone()),
            }
        }
        Ok(())
    }

    /// `buildUpdatedSchema`: appends the flattened fields of `schema` to `out`.
    fn flatten_schema(
        &self,
        schema: &Schema,
        prefix: &str,
        out: &mut Schema,
        optional: bool,
        default_from_parent: Option<&Struct>,
    ) -> Result<(), TransformError> {
        for field in &schema.fields {
            let name = self.field_name(prefix, &field.name);
            let field_optional = optional || field.schema.optional;
            let default = match &field.schema.default_value {
                Some(d) => Some(d.clone()),
                None => default_from_parent
                    .map(|parent| field_value(parent, field, true))
                    .filter(|v| !v.is_null()),
            };
            match field.schema.schema_type {
                SchemaType::Struct => {
                    let default_struct = match &default {
                        Some(Value::Struct(s)) => Some(s),
                        _ => None,
                    };
                    self.flatten_schema(&field.schema, &name, out, field_optional, default_struct)?;
                }
                SchemaType::Map => {
                    return Err(unsupported_with_schema(SchemaType::Map, &name));
                }
                _ => {
                    let mut flat = copy_schema_basics_same_type(&field.schema);
                    if field_optional {
                        flat.optional = true;
                    }
                    flat.default_value = default;
                    push_field(out, &name, flat.into_ref())?;
                }
            }
        }
        Ok(())
    }

    /// `buildWithSchema`: the flattened values, in the order of `flatten_schema`.
    fn flatten_struct(
        &self,
        value: Option<&Struct>,
        schema: &Schema,
        prefix: &str,
        out: &mut Vec<(String, Value)>,
    ) -> Result<(), TransformError> {
        let Some(value) = value else {
            return Ok(());
        };
        for field in &schema.fields {
            let name = self.field_name(prefix, &field.name);
            match field.schema.schema_type {
                SchemaType::Struct => {
                    let nested = field_value(value, field, true);
                    let nested = match &nested {
                        Value::Struct(s) => Some(s),
                        _ => None,
                    };
                    self.flatten_struct(nested, &field.schema, &name, out)?;
                }
                SchemaType::Map => return Err(unsupported_with_schema(SchemaType::Map, &name)),
                _ => out.push((name, field_value(value, field, true))),
            }
        }
        Ok(())
    }
}

fn unsupported_with_schema(schema_type: SchemaType, name: &str) -> TransformError {
    data_error(format!(
        "Flatten transformation does not support {} for record with schemas (for field {name}).",
        java_type_name(schema_type)
    ))
}

impl Transformation for Flatten {
    fn apply(&self, record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let value = self.side.value(&record);
        if value.is_null() {
            return Ok(Some(record));
        }
        let Some(schema) = self.side.schema(&record) else {
            let entries = require_map(value, PURPOSE)?;
            let mut flat = Vec::with_capacity(entries.len());
            self.flatten_map(entries, "", &mut flat)?;
            return Ok(Some(self.side.with(record, None, Value::Map(flat))));
        };
        let value = require_struct_or_null(value, PURPOSE)?;
        let mut flat_schema = copy_schema_basics(schema, SchemaType::Struct);
        let parent_default = match &schema.default_value {
            Some(Value::Struct(s)) => Some(s),
            _ => None,
        };
        self.flatten_schema(
            schema,
            "",
            &mut flat_schema,
            schema.optional,
            parent_default,
        )?;
        let flat_schema: SchemaRef = flat_schema.into_ref();
        let mut values = Vec::with_capacity(flat_schema.fields.len());
        self.flatten_struct(value, schema, "", &mut values)?;
        let mut flat = Struct::new(flat_schema.clone());
        for (name, v) in values {
            if let Some(field) = flat_schema.field(&name) {
                super::util::check_put(field, &v)?;
            }
            flat.put(&name, v);
        }
        Ok(Some(self.side.with(
            record,
            Some(flat_schema),
            Value::Struct(flat),
        )))
    }
}

fn create_key(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(Flatten::new(props, Side::Key)?))
}

fn create_value(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(Flatten::new(props, Side::Value)?))
}

/// `Flatten$Key` and `Flatten$Value`.
pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.Flatten$Key",
            config_def,
            create: create_key,
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.Flatten$Value",
            config_def,
            create: create_value,
        },
    ]
}
