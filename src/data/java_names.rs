//! How Java names Connect types and value classes in its error messages.

use crate::data::{SchemaType, Value};

/// Java's `Schema.Type` constant name (`INT32`, `STRUCT`, ...).
pub fn java_type_name(schema_type: SchemaType) -> &'static str {
    match schema_type {
        SchemaType::Int8 => "INT8",
        SchemaType::Int16 => "INT16",
        SchemaType::Int32 => "INT32",
        SchemaType::Int64 => "INT64",
        SchemaType::Float32 => "FLOAT32",
        SchemaType::Float64 => "FLOAT64",
        SchemaType::Boolean => "BOOLEAN",
        SchemaType::String => "STRING",
        SchemaType::Bytes => "BYTES",
        SchemaType::Array => "ARRAY",
        SchemaType::Map => "MAP",
        SchemaType::Struct => "STRUCT",
    }
}

/// How Java names the class of the equivalent Connect value in its error messages.
pub fn java_class(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Int8(_) => "class java.lang.Byte",
        Value::Int16(_) => "class java.lang.Short",
        Value::Int32(_) => "class java.lang.Integer",
        Value::Int64(_) => "class java.lang.Long",
        Value::Float32(_) => "class java.lang.Float",
        Value::Float64(_) => "class java.lang.Double",
        Value::Boolean(_) => "class java.lang.Boolean",
        Value::String(_) => "class java.lang.String",
        Value::Bytes(_) => "class [B",
        Value::Array(_) => "class java.util.ArrayList",
        Value::Map(_) => "class java.util.HashMap",
        Value::Struct(_) => "class org.apache.kafka.connect.data.Struct",
    }
}

/// Java's `Class.getName()` of the equivalent Connect value (`java.lang.String`,
/// `java.util.HashMap`, `null`), as `Requirements` messages print it.
pub fn java_class_name(value: &Value) -> &'static str {
    let class = java_class(value);
    class.strip_prefix("class ").unwrap_or(class)
}
