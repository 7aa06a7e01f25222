//! Field paths of KIP-821 (Apache's `FieldSyntaxVersion` and `SingleFieldPath`): `V1` names
//! one top-level field; `V2` walks nested structs or maps with dots, backticks quoting a
//! name that contains dots (`` `foo.bar`.baz ``), a backslash escaping a backtick.
//! In Kafka 4.3.1 only ExtractField reads `field.syntax.version`.

use crate::config::{ConfigError, ConfigKey, ConfigType, Importance, Validator};
use crate::data::{Field, Schema, Struct, Value};
use crate::transforms::TransformError;

use super::util::{map_get, require_map_or_null, require_struct_or_null};

/// The config key selecting the syntax.
pub const FIELD_SYNTAX_VERSION_CONFIG: &str = "field.syntax.version";

const FIELD_SYNTAX_VERSION_DOC: &str = "Defines the version of the syntax to access fields. If set to <code>V1</code>, then the field paths are limited to access the elements at the root level of the struct or map. If set to <code>V2</code>, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. E.g. to access the subfield <code>baz</code> from a field named \"foo.bar\" in a struct/map the following format can be used to access its elements: \"<code>foo.bar</code>.baz\".";

/// `FieldSyntaxVersion.appendConfigTo`: STRING, default `V1`, case-insensitive V1/V2, HIGH.
pub fn field_syntax_version_key() -> ConfigKey {
    ConfigKey::new(
        FIELD_SYNTAX_VERSION_CONFIG,
        ConfigType::String,
        Importance::High,
        FIELD_SYNTAX_VERSION_DOC,
    )
    .default_value("V1")
    .validator(Validator::one_of_ignore_case(&["V1", "V2"]))
}

/// How a path is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldSyntaxVersion {
    /// The whole text names one top-level field.
    V1,
    /// Dotted steps into nested structs or maps.
    V2,
}

impl FieldSyntaxVersion {
    /// Reads the (already validated) config value.
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        match value.to_ascii_uppercase().as_str() {
            "V1" => Ok(FieldSyntaxVersion::V1),
            "V2" => Ok(FieldSyntaxVersion::V2),
            _ => Err(ConfigError::invalid(
                FIELD_SYNTAX_VERSION_CONFIG,
                value,
                "Unrecognized field syntax version",
            )),
        }
    }
}

/// A path of one or more steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SingleFieldPath {
    steps: Vec<String>,
}

impl SingleFieldPath {
    /// Parses `text` under `version`; an unclosed backtick is a config error.
    pub fn new(text: &str, version: FieldSyntaxVersion) -> Result<Self, ConfigError> {
        let steps = match version {
            FieldSyntaxVersion::V1 => vec![text.to_owned()],
            FieldSyntaxVersion::V2 => parse_v2(text)?,
        };
        Ok(SingleFieldPath { steps })
    }

    /// Parent steps and last step. An empty V2 path has no step: Java then fails on any
    /// access with the `subList` message below.
    fn split(&self) -> Result<(&[String], &str), TransformError> {
        match self.steps.split_last() {
            Some((last, parents)) => Ok((parents, last)),
            None => Err(TransformError::Data(
                "fromIndex(0) > toIndex(-1)".to_owned(),
            )),
        }
    }

    /// The field the path names in `schema`, if every step exists (`fieldFrom`).
    pub fn field_from<'a>(&self, schema: &'a Schema) -> Result<Option<&'a Field>, TransformError> {
        let (parents, last) = self.split()?;
        let mut current = schema;
        for step in parents {
            match current.field(step) {
                Some(field) => current = &field.schema,
                None => return Ok(None),
            }
        }
        Ok(current.field(last))
    }

    /// The value at the path in a struct; null when a step is missing or null
    /// (`valueFrom(Struct, withDefault)`).
    pub fn value_from_struct(
        &self,
        value: &Struct,
        with_default: bool,
    ) -> Result<Value, TransformError> {
        let (parents, last) = self.split()?;
        let mut current = value.clone();
        for step in parents {
            let Some(field) = current.schema.field(step) else {
                return Ok(Value::Null);
            };
            // `Struct.get(name)` applies the field default.
            let sub = super::util::field_value(&current, field, true);
            match require_struct_or_null(&sub, "nested field access")? {
                Some(s) => current = s.clone(),
                None => return Ok(Value::Null),
            }
        }
        Ok(match current.schema.field(last) {
            Some(field) => super::util::field_value(&current, field, with_default),
            None => Value::Null,
        })
    }

    /// The value at the path in a schemaless map (`valueFrom(Map)`).
    pub fn value_from_map(&self, entries: &[(Value, Value)]) -> Result<Value, TransformError> {
        let (parents, last) = self.split()?;
        let mut current = entries;
        for step in parents {
            let sub = map_get(current, step).unwrap_or(&Value::Null);
            match require_map_or_null(sub, "nested field access")? {
                Some(m) => current = m,
                None => return Ok(Value::Null),
            }
        }
        Ok(map_get(current, last).cloned().unwrap_or(Value::Null))
    }
}

fn incomplete_backtick(path: &str, at: usize) -> ConfigError {
    ConfigError::Message(format!(
        "Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at position {at} to escape it"
    ))
}

/// Apache's `buildFieldPathV2`, on chars (positions in messages are char indexes as Java's
/// UTF-16 ones for text in the basic plane).
fn parse_v2(path: &str) -> Result<Vec<String>, ConfigError> {
    let chars: Vec<char> = path.chars().collect();
    let find = |c: char, from: usize| {
        chars[from.min(chars.len())..]
            .iter()
            .position(|x| *x == c)
            .map(|p| p + from)
    };
    let text = |from: usize, to: usize| chars[from..to].iter().collect::<String>();
    let mut steps = Vec::new();
    let mut idx = 0usize;
    while idx < chars.len() {
        if chars[idx] != '`' {
            let start = idx;
            match find('.', idx) {
                Some(dot) => {
                    steps.push(text(start, dot));
                    idx = dot + 1;
                }
                None => {
                    steps.push(text(start, chars.len()));
                    idx = chars.len();
                }
            }
        } else {
            let backtick_at = idx;
            idx += 1;
            let mut field = String::new();
            let mut start = idx;
            loop {
                let Some(close) = find('`', idx) else {
                    return Err(incomplete_backtick(path, backtick_at));
                };
                idx = close;
                let escaped = chars[idx - 1] == '\\';
                if idx + 1 >= chars.len() {
                    if escaped {
                        return Err(incomplete_backtick(path, backtick_at));
                    }
                    field.push_str(&text(start, idx));
                    steps.push(field);
                    idx += 1;
                    break;
                }
                if chars[idx + 1] != '.' {
                    idx += 1;
                    continue;
                }
                if escaped {
                    field.push_str(&text(start, idx - 1));
                    field.push('`');
                    idx += 1;
                    start = idx;
                    continue;
                }
                field.push_str(&text(start, idx));
                steps.push(field);
                idx += 2;
                break;
            }
        }
    }
    if path.ends_with('.') {
        steps.push(String::new());
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2(path: &str) -> Vec<String> {
        SingleFieldPath::new(path, FieldSyntaxVersion::V2)
            .unwrap()
            .steps
    }

    #[test]
    fn v2_paths_split_like_apache() {
        assert_eq!(v2("foo"), ["foo"]);
        assert_eq!(v2("foo.bar.baz"), ["foo", "bar", "baz"]);
        assert_eq!(v2("`foo.bar`.baz"), ["foo.bar", "baz"]);
        assert_eq!(v2("foo."), ["foo", ""]);
        assert_eq!(v2(".foo"), ["", "foo"]);
        assert_eq!(v2("`a\\`.b`.c"), ["a`.b", "c"]);
        assert_eq!(v2("`a`b`"), ["a`b"]);
        // Java builds no step for an empty path, and then fails on any access.
        assert!(v2("").is_empty());
        let empty = SingleFieldPath::new("", FieldSyntaxVersion::V2).unwrap();
        assert_eq!(
            empty.value_from_map(&[]).unwrap_err().to_string(),
            "fromIndex(0) > toIndex(-1)"
        );
    }

    #[test]
    fn v1_keeps_dots() {
        let p = SingleFieldPath::new("a.b", FieldSyntaxVersion::V1).unwrap();
        assert_eq!(p.steps, ["a.b"]);
    }

    #[test]
    fn unclosed_backtick_is_a_config_error() {
        let err = SingleFieldPath::new("`foo.bar", FieldSyntaxVersion::V2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Incomplete backtick pair in path: [`foo.bar], consider adding a backslash before backtick at position 0 to escape it"
        );
    }
}
