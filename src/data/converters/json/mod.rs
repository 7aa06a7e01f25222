//! `org.apache.kafka.connect.json.JsonConverter`: Connect data as JSON, with the schema
//! in a `{"schema":...,"payload":...}` envelope (`schemas.enable=true`, the default) or
//! as the bare payload. The bytes equal Apache's for the same input; the parity test
//! (`tests/suite/converter_parity.rs`) runs the Java class over shared vectors to prove it.

mod parse;
mod read;
mod write;

pub(crate) use write::decimal_scale;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use super::{ConversionError, Converter};
use crate::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator, Width};
use crate::data::{Schema, SchemaAndValue, SchemaRef, Value};

/// `schemas.enable`.
pub const SCHEMAS_ENABLE_CONFIG: &str = "schemas.enable";
/// `schemas.cache.size`.
pub const SCHEMAS_CACHE_SIZE_CONFIG: &str = "schemas.cache.size";
/// `decimal.format`: `BASE64` (default) or `NUMERIC`, case-insensitive.
pub const DECIMAL_FORMAT_CONFIG: &str = "decimal.format";
/// `replace.null.with.default`.
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
/// `schema.content`: a fixed JSON schema for reading bare payloads with schemas enabled.
pub const SCHEMA_CONTENT_CONFIG: &str = "schema.content";

/// Apache's `JsonConverterConfig` table (without `converter.type`, which the runtime gives
/// as the side the converter serves).
pub fn config_def() -> ConfigDef {
    let key = |name: &str, ty, importance, doc: &str, group: &str, order, display: &str| {
        ConfigKey::new(name, ty, importance, doc)
            .group(group, order)
            .width(Width::Medium)
            .display_name(display)
    };
    ConfigDef::new()
        .define(
            key(SCHEMAS_ENABLE_CONFIG, ConfigType::Boolean, Importance::High,
                "Include schemas within each of the serialized values and keys.",
                "Schemas", 0, "Enable Schemas")
            .default_value("true"),
        )
        .define(
            key(SCHEMAS_CACHE_SIZE_CONFIG, ConfigType::Int, Importance::High,
                "The maximum number of schemas that can be cached in this converter instance.",
                "Schemas", 1, "Schema Cache Size")
            .default_value("1000"),
        )
        .define(
            key(SCHEMA_CONTENT_CONFIG, ConfigType::String, Importance::High,
                "When set, this is used as the schema for all messages, and the schemas within each of the message will be ignored.Otherwise, the schema will be included in the content of each message. This configuration applies only 'schemas.enable' is true, and it exclusively affects the sink connector.",
                "Schemas", 2, "Schema Content")
            .default_null(),
        )
        .define(
            key(DECIMAL_FORMAT_CONFIG, ConfigType::String, Importance::Low,
                "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
                "Serialization", 0, "Decimal Format")
            .default_value("BASE64")
            .validator(Validator::one_of_ignore_case(&["BASE64", "NUMERIC"])),
        )
        .define(
            key(REPLACE_NULL_WITH_DEFAULT_CONFIG, ConfigType::Boolean, Importance::Low,
                "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.",
                "Serialization", 1, "Replace null with default")
            .default_value("true"),
        )
}

/// The converter's settings (Java's `JsonConverterConfig`).
#[derive(Clone, Debug)]
pub struct JsonConfig {
    /// Write and expect the schema envelope.
    pub schemas_enable: bool,
    /// How many distinct schemas reading keeps parsed.
    pub schemas_cache_size: usize,
    /// Write decimals as JSON numbers instead of base64 of the unscaled bytes.
    pub decimal_numeric: bool,
    /// A null with a default in its schema becomes the default, both ways.
    pub replace_null_with_default: bool,
    /// With schemas enabled, read every message as a bare payload of this schema.
    pub schema_content: Option<SchemaRef>,
}

impl Default for JsonConfig {
    fn default() -> Self {
        JsonConfig {
            schemas_enable: true,
            schemas_cache_size: 1000,
            decimal_numeric: false,
            replace_null_with_default: true,
            schema_content: None,
        }
    }
}

impl JsonConfig {
    /// Reads the converter's keys from a config already stripped of its
    /// `key.converter.`/`value.converter.` prefix; other keys are ignored, as in Java.
    pub fn from_map(config: &BTreeMap<String, String>) -> Result<Self, ConversionError> {
        let parsed = config_def().parse(config)?;
        let mut result = JsonConfig {
            schemas_enable: parsed.boolean(SCHEMAS_ENABLE_CONFIG)?.unwrap_or(true),
            // Java's LRUCache rejects nothing; a negative size just caches nothing.
            schemas_cache_size: parsed
                .int(SCHEMAS_CACHE_SIZE_CONFIG)?
                .unwrap_or(1000)
                .max(0) as usize,
            decimal_numeric: parsed
                .string(DECIMAL_FORMAT_CONFIG)?
                .is_some_and(|f| f.eq_ignore_ascii_case("NUMERIC")),
            replace_null_with_default: parsed
                .boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG)?
                .unwrap_or(true),
            schema_content: None,
        };
        let content = parsed.string(SCHEMA_CONTENT_CONFIG)?;
        if let Some(content) = content.filter(|c| !c.is_empty()) {
            let failed = |detail: String| {
                ConversionError::Data(format!(
                    "Failed to parse schema in converter config due to serialization error: {detail}"
                ))
            };
            let node = parse::parse(content.as_bytes())
                .map_err(|e| failed(e.to_string()))?
                .ok_or_else(|| failed("no content".into()))?;
            result.schema_content = read::to_schema(&node, &result)?;
        }
        Ok(result)
    }
}

/// The JSON converter. Cheap to share between tasks: reading keeps a bounded cache of
/// parsed schemas keyed by their JSON text, so a topic's repeated schema is parsed once.
#[derive(Debug)]
pub struct JsonConverter {
    config: JsonConfig,
    schema_cache: Mutex<HashMap<Box<[u8]>, Option<SchemaRef>>>,
    /// The envelope start of the last record read, for [`Self::read_repeated_envelope`].
    last_envelope: Mutex<Option<EnvelopeStart>>,
}

/// `{"schema":<raw schema>,"payload":` as a writer without whitespace (Apache's
/// converter, ours) starts every envelope, and the schema parsed from it.
#[derive(Debug)]
struct EnvelopeStart {
    prefix: Box<[u8]>,
    schema: Option<SchemaRef>,
}

const ENVELOPE_OPEN: &[u8] = br#"{"schema":"#;
const ENVELOPE_PAYLOAD: &[u8] = br#","payload":"#;

impl JsonConverter {
    /// A converter with these settings.
    pub fn new(config: JsonConfig) -> Self {
        JsonConverter {
            config,
            schema_cache: Mutex::new(HashMap::new()),
            last_envelope: Mutex::new(None),
        }
    }

    /// Configures a converter from a prefix-stripped config map.
    pub fn from_config(config: &BTreeMap<String, String>) -> Result<Self, ConversionError> {
        Ok(JsonConverter::new(JsonConfig::from_map(config)?))
    }

    /// The settings in force.
    pub fn config(&self) -> &JsonConfig {
        &self.config
    }

    /// The JSON schema object Java's `asJsonSchema` gives for `schema`.
    pub fn json_schema(&self, schema: &Schema) -> Result<Vec<u8>, ConversionError> {
        let mut out = Vec::new();
        write::write_schema(&mut out, schema, &self.config)?;
        Ok(out)
    }

    /// Reads an envelope that starts as the previous one did (byte for byte, the same
    /// schema text) and holds nothing after its payload but `}`: only the payload is
    /// parsed. A topic's records repeat one schema, and tokenizing it again was most of
    /// a JSON sink's converter time. `None` (then the full read decides) for anything
    /// else, a payload that does not parse included, so errors are the full read's.
    fn read_repeated_envelope(
        &self,
        bytes: &[u8],
    ) -> Option<Result<SchemaAndValue, ConversionError>> {
        let (payload_at, schema) = {
            let last = self.last_envelope.lock().ok()?;
            let start = last.as_ref()?;
            if !bytes.starts_with(&start.prefix) {
                return None;
            }
            (start.prefix.len(), start.schema.clone())
        };
        let rest = &bytes[payload_at..];
        let (payload, read) = parse::parse_field_value(rest).ok()?;
        if !parse::next_is(&rest[read..], b'}') {
            return None;
        }
        Some(
            read::to_value(schema.as_ref(), Some(&payload), &self.config)
                .map(|value| SchemaAndValue { schema, value }),
        )
    }

    /// Keeps the start of an envelope just read in full, when it has the compact form
    /// [`Self::read_repeated_envelope`] recognizes.
    fn remember_envelope(&self, bytes: &[u8], raw_schema: &[u8], schema: &Option<SchemaRef>) {
        let len = ENVELOPE_OPEN.len() + raw_schema.len() + ENVELOPE_PAYLOAD.len();
        let compact = bytes.len() > len
            && bytes.starts_with(ENVELOPE_OPEN)
            && bytes[ENVELOPE_OPEN.len()..].starts_with(raw_schema)
            && bytes[len - ENVELOPE_PAYLOAD.len()..].starts_with(ENVELOPE_PAYLOAD);
        if !compact {
            return;
        }
        if let Ok(mut last) = self.last_envelope.lock() {
            *last = Some(EnvelopeStart {
                prefix: bytes[..len].into(),
                schema: schema.clone(),
            });
        }
    }

    fn cached_schema(
        &self,
        raw: &[u8],
        node: &parse::Node<'_>,
    ) -> Result<Option<SchemaRef>, ConversionError> {
        if self.config.schemas_cache_size == 0 {
            return read::to_schema(node, &self.config);
        }
        if let Ok(cache) = self.schema_cache.lock()
            && let Some(schema) = cache.get(raw)
        {
            return Ok(schema.clone());
        }
        let schema = read::to_schema(node, &self.config)?;
        if let Ok(mut cache) = self.schema_cache.lock() {
            // Bounded like Java's LRU cache; dropping everything at the bound is simpler
            // and costs one re-parse per live schema.
            if cache.len() >= self.config.schemas_cache_size {
                cache.clear();
            }
            cache.insert(raw.into(), schema.clone());
        }
        Ok(schema)
    }
}

const ENVELOPE_ERROR: &str = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.";

impl Converter for JsonConverter {
    fn from_connect_data_into(
        &self,
        _topic: &str,
        schema: Option<&Schema>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, ConversionError> {
        if schema.is_none() && value.is_null() {
            return Ok(false);
        }
        let start = out.len();
        let result = if self.config.schemas_enable {
            write::write_envelope(out, schema, value, &self.config)
        } else {
            write::write_value(out, schema, value, &self.config)
        };
        if let Err(e) = result {
            out.truncate(start);
            return Err(e);
        }
        Ok(true)
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConversionError> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue::NULL);
        };
        let parse_failed = |e: parse::ParseError| {
            ConversionError::Data(format!(
                "Converting byte[] to Kafka Connect data failed due to serialization error: {e}"
            ))
        };
        if !self.config.schemas_enable {
            let root = parse::parse(bytes).map_err(parse_failed)?;
            let value = read::to_value(None, root.as_ref(), &self.config)?;
            return Ok(SchemaAndValue {
                schema: None,
                value,
            });
        }
        if let Some(schema) = &self.config.schema_content {
            let root = parse::parse(bytes).map_err(parse_failed)?;
            let value = read::to_value(Some(schema), root.as_ref(), &self.config)?;
            return Ok(SchemaAndValue {
                schema: Some(schema.clone()),
                value,
            });
        }
        let caching = self.config.schemas_cache_size > 0;
        if caching && let Some(read) = self.read_repeated_envelope(bytes) {
            return read;
        }
        let (root, schema_span) = parse::parse_with_schema_span(bytes)
            .map_err(parse_failed)?
            .ok_or_else(|| ConversionError::Data(ENVELOPE_ERROR.into()))?;
        let parse::Node::Object(entries) = &root else {
            return Err(ConversionError::Data(ENVELOPE_ERROR.into()));
        };
        let (Some(schema_node), Some(payload), 2) =
            (root.get("schema"), root.get("payload"), entries.len())
        else {
            return Err(ConversionError::Data(ENVELOPE_ERROR.into()));
        };
        let schema = match schema_span {
            Some(raw) => {
                let schema = self.cached_schema(raw, schema_node)?;
                if caching {
                    self.remember_envelope(bytes, raw, &schema);
                }
                schema
            }
            None => read::to_schema(schema_node, &self.config)?,
        };
        let value = read::to_value(schema.as_ref(), Some(payload), &self.config)?;
        Ok(SchemaAndValue { schema, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{SchemaType, Struct, logical};

    fn converter(pairs: &[(&str, &str)]) -> JsonConverter {
        let config = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        JsonConverter::from_config(&config).unwrap()
    }

    fn write(c: &JsonConverter, schema: Option<&Schema>, value: &Value) -> Option<String> {
        c.from_connect_data("t", schema, value)
            .unwrap()
            .map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn envelope_of_a_struct() {
        let schema = Schema::structure([
            ("id".to_string(), Schema::new(SchemaType::Int32).into_ref()),
            (
                "name".to_string(),
                Schema::optional(SchemaType::String).into_ref(),
            ),
        ])
        .with_name("Row")
        .into_ref();
        let mut row = Struct::new(schema.clone());
        row.put("id", Value::Int32(7)).unwrap();
        let c = converter(&[]);
        let text = write(&c, Some(&schema), &Value::Struct(row.clone())).unwrap();
        assert_eq!(
            text,
            r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"}],"optional":false,"name":"Row"},"payload":{"id":7,"name":null}}"#
        );
        let back = c.to_connect_data("t", Some(text.as_bytes())).unwrap();
        assert_eq!(back.value, Value::Struct(row));
        assert_eq!(back.schema.as_deref(), Some(&*schema));
    }

    #[test]
    fn repeated_envelopes_read_as_a_fresh_converter_reads_them() {
        let inputs: [&[u8]; 9] = [
            br#"{"schema":{"type":"string","optional":false},"payload":"a"}"#,
            br#"{"schema":{"type":"string","optional":false},"payload":"b\u00e9"}"#,
            br#"{"schema":{"type":"string","optional":false},"payload": "c" } trailing"#,
            // Another field after the payload: not an envelope.
            br#"{"schema":{"type":"string","optional":false},"payload":"d","x":1}"#,
            // The payload repeated: Jackson keeps the last value.
            br#"{"schema":{"type":"string","optional":false},"payload":"e","payload":"f"}"#,
            br#"{"schema":{"type":"string","optional":false},"payload":7}"#,
            br#"{"schema":{"type":"string","optional":false},"payload":"unterminated}"#,
            br#"{"schema":{"type":"string","optional":false},"payload":null}"#,
            br#"{"schema":{"type":"int32","optional":true},"payload":5}"#,
        ];
        let shared = converter(&[]);
        for input in inputs {
            let fresh = converter(&[]).to_connect_data("t", Some(input));
            assert_eq!(
                shared.to_connect_data("t", Some(input)),
                fresh,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        let b = shared.to_connect_data("t", Some(inputs[1])).unwrap();
        assert_eq!(b.value, Value::String("bé".into()));
    }

    #[test]
    fn nulls() {
        let c = converter(&[]);
        assert_eq!(write(&c, None, &Value::Null), None);
        let optional = Schema::optional(SchemaType::Int32);
        assert_eq!(
            write(&c, Some(&optional), &Value::Null).unwrap(),
            r#"{"schema":{"type":"int32","optional":true},"payload":null}"#
        );
        let bare = converter(&[("schemas.enable", "false")]);
        assert_eq!(write(&bare, Some(&optional), &Value::Null).unwrap(), "null");
        let required = Schema::new(SchemaType::Int32);
        assert!(
            c.from_connect_data("t", Some(&required), &Value::Null)
                .is_err()
        );
    }

    #[test]
    fn schemaless_reading_infers_types() {
        let c = converter(&[("schemas.enable", "false")]);
        let read = c
            .to_connect_data("t", Some(br#"{"a":1,"b":1.5,"c":[true,null]}"#))
            .unwrap();
        assert_eq!(read.schema, None);
        assert_eq!(
            read.value,
            Value::Map(vec![
                ("a".into(), Value::Int64(1)),
                ("b".into(), Value::Float64(1.5)),
                (
                    "c".into(),
                    Value::Array(vec![Value::Boolean(true), Value::Null])
                ),
            ])
        );
    }

    #[test]
    fn decimal_formats() {
        let schema = logical::decimal(2);
        let value = Value::Bytes(vec![0x30, 0x39]);
        let numeric = converter(&[("decimal.format", "numeric"), ("schemas.enable", "false")]);
        assert_eq!(write(&numeric, Some(&schema), &value).unwrap(), "123.45");
        let base64 = converter(&[("schemas.enable", "false")]);
        assert_eq!(write(&base64, Some(&schema), &value).unwrap(), "\"MDk=\"");
    }

    #[test]
    fn bad_config_is_rejected() {
        let config = [("schemas.enable".to_string(), "yes".to_string())].into();
        let err = JsonConverter::from_config(&config).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value yes for configuration schemas.enable: Expected value to be either true or false"
        );
    }

    #[test]
    fn envelope_is_required_when_schemas_are_on() {
        let c = converter(&[]);
        let err = c.to_connect_data("t", Some(b"{\"a\":1}")).unwrap_err();
        assert_eq!(err.to_string(), ENVELOPE_ERROR);
    }
}
