//! `ReplaceField$Key` / `ReplaceField$Value`: keeps, drops and renames top-level fields.

use std::collections::HashMap;

use crate::config::{
    ConfigDef, ConfigError, ConfigKey, ConfigType, Importance, ParsedValue, Validator,
};
use crate::data::{SchemaType, Struct, Value};
use crate::transforms::{
    ConnectRecord, TransformError, TransformPlugin, TransformProps, Transformation,
};

use super::util::{
    REPLACE_NULL_WITH_DEFAULT_CONFIG, Side, config_bool, config_list, copy_schema_basics,
    data_error, field_value, java_list, java_split_colon, parse_config, push_field,
    reject_duplicate_items, replace_null_with_default_key, require_map, require_struct,
};
use crate::data::java::JavaHashMap;

const EXCLUDE_CONFIG: &str = "exclude";
const INCLUDE_CONFIG: &str = "include";
/// Also the key Cast names in its own spec errors (Apache reuses the constant).
pub const RENAMES_CONFIG: &str = "renames";
const PURPOSE: &str = "field replacement";

/// Apache's `ReplaceField.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                EXCLUDE_CONFIG,
                ConfigType::List,
                Importance::Medium,
                "Fields to exclude. This takes precedence over the fields to include.",
            )
            .default_value("")
            .validator(Validator::non_duplicate_list(true, false)),
        )
        .define(
            ConfigKey::new(
                INCLUDE_CONFIG,
                ConfigType::List,
                Importance::Medium,
                "Fields to include. If specified, only these fields will be used.",
            )
            .default_value("")
            .validator(Validator::non_duplicate_list(true, false)),
        )
        .define(
            ConfigKey::new(
                RENAMES_CONFIG,
                ConfigType::List,
                Importance::Medium,
                "Field rename mappings.",
            )
            .default_value("")
            .validator(Validator::Custom {
                check: check_renames,
                description: "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>",
            }),
        )
        .define(replace_null_with_default_key())
}

fn check_renames(_name: &str, value: Option<&ParsedValue>) -> Result<(), ConfigError> {
    match value {
        Some(ParsedValue::List(items)) => parse_rename_mappings(items).map(|_| ()),
        _ => Ok(()),
    }
}

/// `old:new` pairs; anything but two parts fails as Apache does.
fn parse_rename_mappings(mappings: &[String]) -> Result<Vec<(String, String)>, ConfigError> {
    mappings
        .iter()
        .map(|mapping| match java_split_colon(mapping).as_slice() {
            [from, to] => Ok((from.to_string(), to.to_string())),
            _ => Err(ConfigError::invalid(
                RENAMES_CONFIG,
                java_list(mappings),
                format!("Invalid rename mapping: {mapping}"),
            )),
        })
        .collect()
}

/// A configured ReplaceField.
#[derive(Debug)]
pub struct ReplaceField {
    side: Side,
    exclude: Vec<String>,
    include: Vec<String>,
    renames: HashMap<String, String>,
    reverse_renames: HashMap<String, String>,
    replace_null_with_default: bool,
}

impl ReplaceField {
    /// Configures from the transform's keys.
    pub fn new(props: &TransformProps, side: Side) -> Result<Self, TransformError> {
        reject_duplicate_items(props, EXCLUDE_CONFIG)?;
        reject_duplicate_items(props, INCLUDE_CONFIG)?;
        let parsed = parse_config(&config_def(), props)?;
        let pairs = parse_rename_mappings(&config_list(&parsed, RENAMES_CONFIG)?)?;
        let renames: HashMap<String, String> = pairs.iter().cloned().collect();
        let reverse_renames = renames
            .iter()
            .map(|(from, to)| (to.clone(), from.clone()))
            .collect();
        Ok(ReplaceField {
            side,
            exclude: config_list(&parsed, EXCLUDE_CONFIG)?,
            include: config_list(&parsed, INCLUDE_CONFIG)?,
            renames,
            reverse_renames,
            replace_null_with_default: config_bool(&parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG)?,
        })
    }

    fn keep(&self, name: &str) -> bool {
        !self.exclude.iter().any(|e| e == name)
            && (self.include.is_empty() || self.include.iter().any(|i| i == name))
    }

    fn renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.renames.get(name).map_or(name, String::as_str)
    }

    fn reverse_renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.reverse_renames.get(name).map_or(name, String::as_str)
    }
}

impl Transformation for ReplaceField {
    fn apply(&self, record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let value = self.side.value(&record);
        if value.is_null() {
            return Ok(Some(record));
        }
        let Some(_schema) = self.side.schema(&record) else {
            let entries = require_map(value, PURPOSE)?;
            let mut updated = JavaHashMap::with_capacity(entries.len());
            for (key, v) in entries {
                let name = key.as_str().unwrap_or_default();
                if self.keep(name) {
                    updated.put(Value::from(self.renamed(name)), v.clone());
                }
            }
            return Ok(Some(self.side.with(record, None, updated.into_value())));
        };
        let value = require_struct(value, PURPOSE)?;
        let mut updated_schema = copy_schema_basics(&value.schema, SchemaType::Struct);
        for field in &value.schema.fields {
            if self.keep(&field.name) {
                push_field(
                    &mut updated_schema,
                    self.renamed(&field.name),
                    field.schema.clone(),
                )?;
            }
        }
        let updated_schema = updated_schema.into_ref();
        let mut values = Vec::with_capacity(updated_schema.fields.len());
        for field in &updated_schema.fields {
            // Apache reads each output field back through the reverse mapping, by name.
            let source_name = self.reverse_renamed(&field.name);
            let source = value
                .schema
                .field(source_name)
                .ok_or_else(|| data_error(format!("{source_name} is not a valid field name")))?;
            values.push(field_value(value, source, self.replace_null_with_default));
        }
        let updated = Struct {
            schema: updated_schema.clone(),
            values,
        };
        Ok(Some(self.side.with(
            record,
            Some(updated_schema),
            Value::Struct(updated),
        )))
    }
}

fn create_key(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(ReplaceField::new(props, Side::Key)?))
}

fn create_value(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(ReplaceField::new(props, Side::Value)?))
}

/// `ReplaceField$Key` and `ReplaceField$Value`.
pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.ReplaceField$Key",
            config_def,
            create: create_key,
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.ReplaceField$Value",
            config_def,
            create: create_value,
        },
    ]
}
