//! `org.apache.kafka.connect.converters.ByteArrayConverter`: bytes pass through untouched.

use super::{ConversionError, Converter};
use crate::data::java_type_name;
use crate::data::{Schema, SchemaAndValue, SchemaType, Value};

/// Passes `BYTES` data through; any other schema or value is an error.
#[derive(Debug, Default, Clone, Copy)]
pub struct ByteArrayConverter;

impl Converter for ByteArrayConverter {
    fn from_connect_data_into(
        &self,
        _topic: &str,
        schema: Option<&Schema>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, ConversionError> {
        if let Some(schema) = schema
            && schema.schema_type != SchemaType::Bytes
        {
            return Err(ConversionError::Data(format!(
                "Invalid schema type for ByteArrayConverter: {}",
                java_type_name(schema.schema_type)
            )));
        }
        match value {
            Value::Null => Ok(false),
            Value::Bytes(bytes) => {
                out.extend_from_slice(bytes);
                Ok(true)
            }
            other => Err(ConversionError::Data(format!(
                "ByteArrayConverter is not compatible with objects of type {}",
                crate::data::java_class(other)
            ))),
        }
    }

    fn from_connect_data(
        &self,
        _topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConversionError> {
        let mut out = Vec::new();
        Ok(self
            .from_connect_data_into(_topic, schema, value, &mut out)?
            .then_some(out))
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConversionError> {
        Ok(SchemaAndValue {
            schema: Some(super::optional_schema(SchemaType::Bytes)),
            value: bytes.map_or(Value::Null, |b| Value::Bytes(b.to_vec())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_only() {
        let c = ByteArrayConverter;
        assert_eq!(
            c.from_connect_data("t", None, &Value::Bytes(vec![1, 2]))
                .unwrap(),
            Some(vec![1, 2])
        );
        assert_eq!(c.from_connect_data("t", None, &Value::Null).unwrap(), None);
        let err = c
            .from_connect_data(
                "t",
                Some(&Schema::new(SchemaType::String)),
                &Value::from("x"),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid schema type for ByteArrayConverter: STRING"
        );
        let err = c
            .from_connect_data("t", None, &Value::Int32(1))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "ByteArrayConverter is not compatible with objects of type class java.lang.Integer"
        );
        let read = c.to_connect_data("t", Some(&[9])).unwrap();
        assert_eq!(read.value, Value::Bytes(vec![9]));
        assert!(read.schema.unwrap().optional);
    }
}
