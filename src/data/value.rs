//! Connect values. Each variant matches one schema type; logical types keep their
//! physical representation (see `schema::logical`).

use super::schema::{SchemaRef, SchemaType};

/// A value that a schema (or no schema, for schemaless data) describes.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int8(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
    Boolean(bool),
    String(String),
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    /// Entries in insertion order; keys may be any value, as in Connect.
    Map(Vec<(Value, Value)>),
    Struct(Struct),
}

impl Value {
    /// The schema type Java's `ConnectSchema.schemaType` finds for the value's class;
    /// `None` for null, which has none.
    pub fn schema_type(&self) -> Option<SchemaType> {
        Some(match self {
            Value::Null => return None,
            Value::Int8(_) => SchemaType::Int8,
            Value::Int16(_) => SchemaType::Int16,
            Value::Int32(_) => SchemaType::Int32,
            Value::Int64(_) => SchemaType::Int64,
            Value::Float32(_) => SchemaType::Float32,
            Value::Float64(_) => SchemaType::Float64,
            Value::Boolean(_) => SchemaType::Boolean,
            Value::String(_) => SchemaType::String,
            Value::Bytes(_) => SchemaType::Bytes,
            Value::Array(_) => SchemaType::Array,
            Value::Map(_) => SchemaType::Map,
            Value::Struct(_) => SchemaType::Struct,
        })
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

/// A struct value: its schema and one value per field, in field order.
#[derive(Clone, Debug, PartialEq)]
pub struct Struct {
    pub schema: SchemaRef,
    pub values: Vec<Value>,
}

impl Struct {
    /// An all-null struct of `schema`; fill it with [`Struct::put`].
    pub fn new(schema: SchemaRef) -> Self {
        let values = vec![Value::Null; schema.fields.len()];
        Struct { schema, values }
    }

    /// Sets a field by name; returns `None` when the schema has no such field.
    pub fn put(&mut self, field: &str, value: Value) -> Option<()> {
        let index = self.schema.field(field)?.index;
        self.values[index] = value;
        Some(())
    }

    /// Reads a field by name.
    pub fn get(&self, field: &str) -> Option<&Value> {
        let index = self.schema.field(field)?.index;
        self.values.get(index)
    }
}

/// What converters return: a value with its (possibly absent) schema.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaAndValue {
    pub schema: Option<SchemaRef>,
    pub value: Value,
}

impl SchemaAndValue {
    /// `SchemaAndValue.NULL`.
    pub const NULL: SchemaAndValue = SchemaAndValue {
        schema: None,
        value: Value::Null,
    };
}
