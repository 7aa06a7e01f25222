//! Connect's `Schema`: a type plus optional/default/name/version/doc/parameters, with
//! fields for structs and key/value schemas for maps and arrays.

use std::sync::Arc;

use indexmap::IndexMap;

use super::value::Value;

/// Schemas are shared between many records; cloning a record must not copy them.
pub type SchemaRef = Arc<Schema>;

/// Connect's `Schema.Type`. The lower-case names are the ones JSON schemas use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchemaType {
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    String,
    Bytes,
    Array,
    Map,
    Struct,
}

impl SchemaType {
    /// The name used by the JSON converter's schema envelope (`"int32"`, `"struct"`, ...).
    pub fn json_name(self) -> &'static str {
        match self {
            SchemaType::Int8 => "int8",
            SchemaType::Int16 => "int16",
            SchemaType::Int32 => "int32",
            SchemaType::Int64 => "int64",
            SchemaType::Float32 => "float",
            SchemaType::Float64 => "double",
            SchemaType::Boolean => "boolean",
            SchemaType::String => "string",
            SchemaType::Bytes => "bytes",
            SchemaType::Array => "array",
            SchemaType::Map => "map",
            SchemaType::Struct => "struct",
        }
    }

    /// Parses a JSON converter type name.
    pub fn from_json_name(name: &str) -> Option<Self> {
        Some(match name {
            "int8" => SchemaType::Int8,
            "int16" => SchemaType::Int16,
            "int32" => SchemaType::Int32,
            "int64" => SchemaType::Int64,
            "float" => SchemaType::Float32,
            "double" => SchemaType::Float64,
            "boolean" => SchemaType::Boolean,
            "string" => SchemaType::String,
            "bytes" => SchemaType::Bytes,
            "array" => SchemaType::Array,
            "map" => SchemaType::Map,
            "struct" => SchemaType::Struct,
            _ => return None,
        })
    }

    /// True for every type except array, map and struct.
    pub fn is_primitive(self) -> bool {
        !matches!(
            self,
            SchemaType::Array | SchemaType::Map | SchemaType::Struct
        )
    }
}

/// One field of a struct schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub index: usize,
    pub schema: SchemaRef,
}

/// Connect's `Schema` (Java's `ConnectSchema`).
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    pub schema_type: SchemaType,
    pub optional: bool,
    pub default_value: Option<Value>,
    pub name: Option<String>,
    pub version: Option<i32>,
    pub doc: Option<String>,
    pub parameters: Option<IndexMap<String, String>>,
    /// Struct fields, in declaration order.
    pub fields: Vec<Field>,
    /// Map key schema.
    pub key_schema: Option<SchemaRef>,
    /// Map value schema, or array element schema.
    pub value_schema: Option<SchemaRef>,
}

impl Schema {
    /// A bare schema of the given type: required, no name, no default.
    pub fn new(schema_type: SchemaType) -> Self {
        Schema {
            schema_type,
            optional: false,
            default_value: None,
            name: None,
            version: None,
            doc: None,
            parameters: None,
            fields: Vec::new(),
            key_schema: None,
            value_schema: None,
        }
    }

    /// `Schema.OPTIONAL_<TYPE>_SCHEMA` and friends.
    pub fn optional(schema_type: SchemaType) -> Self {
        Schema {
            optional: true,
            ..Schema::new(schema_type)
        }
    }

    /// An array of `elements`.
    pub fn array(elements: SchemaRef) -> Self {
        Schema {
            value_schema: Some(elements),
            ..Schema::new(SchemaType::Array)
        }
    }

    /// A map from `key` to `value`.
    pub fn map(key: SchemaRef, value: SchemaRef) -> Self {
        Schema {
            key_schema: Some(key),
            value_schema: Some(value),
            ..Schema::new(SchemaType::Map)
        }
    }

    /// A struct with the given `(name, schema)` fields, indexed in order.
    pub fn structure(fields: impl IntoIterator<Item = (String, SchemaRef)>) -> Self {
        Schema {
            fields: fields
                .into_iter()
                .enumerate()
                .map(|(index, (name, schema))| Field {
                    name,
                    index,
                    schema,
                })
                .collect(),
            ..Schema::new(SchemaType::Struct)
        }
    }

    /// Finds a struct field by name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Builder-style setters, used by tests, transforms and converters alike.
    pub fn with_optional(mut self, optional: bool) -> Self {
        self.optional = optional;
        self
    }
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    pub fn with_version(mut self, version: i32) -> Self {
        self.version = Some(version);
        self
    }
    pub fn with_doc(mut self, doc: impl Into<String>) -> Self {
        self.doc = Some(doc.into());
        self
    }
    pub fn with_default(mut self, value: Value) -> Self {
        self.default_value = Some(value);
        self
    }
    pub fn with_parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.parameters
            .get_or_insert_with(IndexMap::new)
            .insert(key.into(), value.into());
        self
    }

    /// Shares the schema.
    pub fn into_ref(self) -> SchemaRef {
        Arc::new(self)
    }
}

/// Connect's logical types: a physical type plus a well-known schema name. Values keep
/// their physical representation (days as `Int32`, milliseconds as `Int32`/`Int64`, the
/// unscaled big-endian two's-complement integer as `Bytes`), exactly what goes on the wire.
pub mod logical {
    use super::{Schema, SchemaType};

    pub const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";
    pub const DECIMAL_SCALE: &str = "scale";
    pub const DATE: &str = "org.apache.kafka.connect.data.Date";
    pub const TIME: &str = "org.apache.kafka.connect.data.Time";
    pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";

    /// `Decimal.schema(scale)`.
    pub fn decimal(scale: i32) -> Schema {
        Schema::new(SchemaType::Bytes)
            .with_name(DECIMAL)
            .with_version(1)
            .with_parameter(DECIMAL_SCALE, scale.to_string())
    }
    /// `Date.SCHEMA`: days since the epoch.
    pub fn date() -> Schema {
        Schema::new(SchemaType::Int32)
            .with_name(DATE)
            .with_version(1)
    }
    /// `Time.SCHEMA`: milliseconds since midnight.
    pub fn time() -> Schema {
        Schema::new(SchemaType::Int32)
            .with_name(TIME)
            .with_version(1)
    }
    /// `Timestamp.SCHEMA`: milliseconds since the epoch.
    pub fn timestamp() -> Schema {
        Schema::new(SchemaType::Int64)
            .with_name(TIMESTAMP)
            .with_version(1)
    }
}
