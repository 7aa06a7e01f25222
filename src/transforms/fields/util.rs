//! Helpers shared by the key/value SMTs: which side of the record a `$Key`/`$Value` variant
//! works on, Apache's `Requirements` checks (same messages), struct and schemaless-map
//! access with Java's semantics, and the schema-building rules of `SchemaBuilder` and
//! `SchemaUtil` that decide what the output schema looks like.

use crate::config::{ConfigDef, ConfigError, ConfigKey, ConfigType, Importance};
use crate::data::{Field, Schema, SchemaRef, SchemaType, Struct, Value, logical};
use crate::transforms::{ConnectRecord, TransformError, TransformProps};

/// The key shared by most SMTs of this family.
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

/// Apache's documentation of [`REPLACE_NULL_WITH_DEFAULT_CONFIG`].
const REPLACE_NULL_WITH_DEFAULT_DOC: &str = "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.";

/// `replace.null.with.default`: BOOLEAN, default true, MEDIUM.
pub fn replace_null_with_default_key() -> ConfigKey {
    ConfigKey::new(
        REPLACE_NULL_WITH_DEFAULT_CONFIG,
        ConfigType::Boolean,
        Importance::Medium,
        REPLACE_NULL_WITH_DEFAULT_DOC,
    )
    .default_value("true")
}

/// Parses the props against a table, as Apache's `SimpleConfig` constructor does.
pub fn parse_config(
    def: &ConfigDef,
    props: &TransformProps,
) -> Result<crate::config::ParsedConfig, TransformError> {
    Ok(def.parse(props)?)
}

/// Reads a boolean the table declares with a default (never null).
pub fn config_bool(
    parsed: &crate::config::ParsedConfig,
    name: &str,
) -> Result<bool, TransformError> {
    Ok(parsed.boolean(name)?.unwrap_or(false))
}

/// Reads a list the table declares (empty when null).
pub fn config_list(
    parsed: &crate::config::ParsedConfig,
    name: &str,
) -> Result<Vec<String>, TransformError> {
    Ok(parsed
        .list(name)?
        .map(<[String]>::to_vec)
        .unwrap_or_default())
}

/// A list key whose items must be unique (`ValidList.anyNonDuplicateValues`): the worker
/// validates the connector config, transform keys included, before the transform parses its
/// own (which drops duplicates), so a duplicate fails the chain with this message.
pub fn reject_duplicate_items(props: &TransformProps, name: &str) -> Result<(), ConfigError> {
    let Some(raw) = props.get(name) else {
        return Ok(());
    };
    let items = crate::config::parse_list(raw);
    let unique: std::collections::HashSet<&String> = items.iter().collect();
    if unique.len() != items.len() {
        return Err(ConfigError::Message(format!(
            "Configuration '{name}' values must not be duplicated."
        )));
    }
    Ok(())
}

/// Which part of the record a `$Key` or `$Value` variant works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Key,
    Value,
}

impl Side {
    /// The schema of this side (`operatingSchema`).
    pub fn schema(self, record: &ConnectRecord) -> Option<&SchemaRef> {
        match self {
            Side::Key => record.key_schema.as_ref(),
            Side::Value => record.value_schema.as_ref(),
        }
    }

    /// The value of this side (`operatingValue`).
    pub fn value(self, record: &ConnectRecord) -> &Value {
        match self {
            Side::Key => &record.key,
            Side::Value => &record.value,
        }
    }

    /// The record with this side replaced (`newRecord`); everything else is kept.
    pub fn with(
        self,
        mut record: ConnectRecord,
        schema: Option<SchemaRef>,
        value: Value,
    ) -> ConnectRecord {
        match self {
            Side::Key => {
                record.key_schema = schema;
                record.key = value;
            }
            Side::Value => {
                record.value_schema = schema;
                record.value = value;
            }
        }
        record
    }
}

/// A `DataException` (or another runtime exception) with Apache's message.
pub fn data_error(message: impl Into<String>) -> TransformError {
    TransformError::Data(message.into())
}

use crate::data::java_class;
pub use crate::data::{java_class_name, java_type_name};

/// Java's `value.getClass().toString()` (`class java.lang.Long`), logical types included:
/// a value whose schema is Date/Time/Timestamp is a `java.util.Date` in Java, a Decimal a
/// `java.math.BigDecimal`.
pub fn java_value_class(value: &Value, schema: Option<&Schema>) -> &'static str {
    if let Some(name) = schema.and_then(|s| s.name.as_deref()) {
        match name {
            logical::DATE | logical::TIME | logical::TIMESTAMP => return "class java.util.Date",
            logical::DECIMAL => return "class java.math.BigDecimal",
            _ => {}
        }
    }
    java_class(value)
}

/// `Requirements.requireStruct`.
pub fn require_struct<'a>(value: &'a Value, purpose: &str) -> Result<&'a Struct, TransformError> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(data_error(format!(
            "Only Struct objects supported for [{purpose}], found: {}",
            java_class_name(other)
        ))),
    }
}

/// `Requirements.requireStructOrNull`.
pub fn require_struct_or_null<'a>(
    value: &'a Value,
    purpose: &str,
) -> Result<Option<&'a Struct>, TransformError> {
    match value {
        Value::Null => Ok(None),
        other => require_struct(other, purpose).map(Some),
    }
}

/// `Requirements.requireMap`.
pub fn require_map<'a>(
    value: &'a Value,
    purpose: &str,
) -> Result<&'a [(Value, Value)], TransformError> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(data_error(format!(
            "Only Map objects supported in absence of schema for [{purpose}], found: {}",
            java_class_name(other)
        ))),
    }
}

/// `Requirements.requireMapOrNull`.
pub fn require_map_or_null<'a>(
    value: &'a Value,
    purpose: &str,
) -> Result<Option<&'a [(Value, Value)]>, TransformError> {
    match value {
        Value::Null => Ok(None),
        other => require_map(other, purpose).map(Some),
    }
}

/// `requireSchema`.
pub fn require_schema<'a>(
    schema: Option<&'a SchemaRef>,
    purpose: &str,
) -> Result<&'a SchemaRef, TransformError> {
    schema.ok_or_else(|| data_error(format!("Schema required for [{purpose}]")))
}

/// `map.get(key)` on a schemaless map: None when the key is absent.
pub fn map_get<'a>(entries: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// `map.put(key, value)`: replaces in place when present, else appends.
///
/// Java builds these maps as `HashMap`s, whose iteration order follows the keys' hashes;
/// we keep insertion order (what a reader of the JSON expects) and compare maps by content.
pub fn map_put(entries: &mut Vec<(Value, Value)>, key: &str, value: Value) {
    match entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
        Some(entry) => entry.1 = value,
        None => entries.push((Value::String(key.to_owned()), value)),
    }
}

/// `Struct.get(field)` (`with_default`: a null value reads as the field's default) or
/// `Struct.getWithoutDefault`.
pub fn field_value(value: &Struct, field: &Field, with_default: bool) -> Value {
    let v = value
        .values
        .get(field.index)
        .cloned()
        .unwrap_or(Value::Null);
    if with_default
        && v.is_null()
        && let Some(default) = &field.schema.default_value
    {
        return default.clone();
    }
    v
}

/// `SchemaUtil.copySchemaBasics(source, builder)`: name, version, doc and parameters of
/// `source` on a fresh schema of `schema_type`; optionality and default are not copied.
pub fn copy_schema_basics(source: &Schema, schema_type: SchemaType) -> Schema {
    Schema {
        name: source.name.clone(),
        version: source.version,
        doc: source.doc.clone(),
        parameters: source.parameters.clone(),
        ..Schema::new(schema_type)
    }
}

/// `SchemaUtil.copySchemaBasics(source)`: as [`copy_schema_basics`] with the source's type
/// (arrays keep their element schema; map key/value schemas are not copied, as in Java).
pub fn copy_schema_basics_same_type(source: &Schema) -> Schema {
    let mut schema = copy_schema_basics(source, source.schema_type);
    if source.schema_type == SchemaType::Array {
        schema.value_schema = source.value_schema.clone();
    }
    schema
}

/// `SchemaBuilder.field(name, schema)` on a struct schema being built, with its checks.
pub fn push_field(
    schema: &mut Schema,
    name: &str,
    field_schema: SchemaRef,
) -> Result<(), TransformError> {
    if name.is_empty() {
        return Err(data_error("fieldName cannot be null."));
    }
    if schema.field(name).is_some() {
        return Err(data_error(format!(
            "Cannot create field because of field name duplication {name}"
        )));
    }
    let index = schema.fields.len();
    schema.fields.push(Field {
        name: name.to_owned(),
        index,
        schema: field_schema,
    });
    Ok(())
}

/// `new Struct(schema).put(name, value)...` for values given in field order of `schema`.
pub fn struct_from(schema: SchemaRef, values: Vec<Value>) -> Struct {
    debug_assert_eq!(schema.fields.len(), values.len());
    Struct { schema, values }
}

/// Java's `String.split(":")`: trailing empty parts are dropped (`"a:"` gives `["a"]`,
/// `"::"` gives nothing), except that an empty string gives one empty part.
pub fn java_split_colon(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return vec![""];
    }
    let mut parts: Vec<&str> = text.split(':').collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    parts
}

/// A list as Java's `List.toString` prints it in config messages (`[a, b]`).
pub fn java_list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// The null check of `Struct.put` (`ConnectSchema.validateValue`): a required field takes
/// no null.
pub fn check_put(field: &Field, value: &Value) -> Result<(), TransformError> {
    if value.is_null() && !field.schema.optional {
        return Err(data_error(format!(
            "Invalid value: null used for required field: \"{}\", schema type: {}",
            field.name,
            java_type_name(field.schema.schema_type)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_messages_name_java_classes() {
        let err = require_struct(&Value::from("x"), "p").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Struct objects supported for [p], found: java.lang.String"
        );
        let err = require_map(&Value::Int64(1), "p").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only Map objects supported in absence of schema for [p], found: java.lang.Long"
        );
        assert_eq!(
            require_map(&Value::Null, "p").unwrap_err().to_string(),
            "Only Map objects supported in absence of schema for [p], found: null"
        );
        assert!(require_map_or_null(&Value::Null, "p").unwrap().is_none());
    }

    #[test]
    fn colon_split_drops_trailing_empties() {
        assert_eq!(java_split_colon("a:b"), ["a", "b"]);
        assert_eq!(java_split_colon("a:"), ["a"]);
        assert_eq!(java_split_colon(":b"), ["", "b"]);
        assert!(java_split_colon("::").is_empty());
        assert_eq!(java_split_colon(""), [""]);
        assert_eq!(java_split_colon("a::b"), ["a", "", "b"]);
    }

    #[test]
    fn push_field_refuses_duplicates() {
        let mut schema = Schema::new(SchemaType::Struct);
        push_field(&mut schema, "a", Schema::new(SchemaType::Int32).into_ref()).unwrap();
        let err = push_field(&mut schema, "a", Schema::new(SchemaType::Int32).into_ref());
        assert_eq!(
            err.unwrap_err().to_string(),
            "Cannot create field because of field name duplication a"
        );
        assert_eq!(schema.fields[0].index, 0);
    }

    #[test]
    fn field_value_falls_back_to_default_only_when_asked() {
        let schema = Schema::structure([(
            "a".to_owned(),
            Schema::optional(SchemaType::Int32)
                .with_default(Value::Int32(7))
                .into_ref(),
        )])
        .into_ref();
        let s = Struct::new(schema.clone());
        assert_eq!(field_value(&s, &schema.fields[0], true), Value::Int32(7));
        assert_eq!(field_value(&s, &schema.fields[0], false), Value::Null);
    }
}
