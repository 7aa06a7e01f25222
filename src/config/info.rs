//! Validation results (Apache's `ConfigValue`) and the wire shapes of the validate and
//! plugin-config endpoints (Apache's `ConfigInfos`, `ConfigInfo`, `ConfigKeyInfo`,
//! `ConfigValueInfo`), in the field order Apache writes them.

use serde::{Deserialize, Serialize};

use super::types::{ConfigType, ParsedValue};

/// The validation result of one key (Apache's `ConfigValue`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigValue {
    pub name: String,
    pub value: Option<ParsedValue>,
    pub recommended_values: Vec<ParsedValue>,
    pub errors: Vec<String>,
    pub visible: bool,
}

impl ConfigValue {
    /// A result with no value, no errors, visible.
    pub fn new(name: &str) -> Self {
        ConfigValue {
            name: name.to_owned(),
            value: None,
            recommended_values: Vec::new(),
            errors: Vec::new(),
            visible: true,
        }
    }

    /// The wire form (Apache's `AbstractHerder.convertConfigValue`); passwords print as
    /// `[hidden]`.
    pub fn info(&self, ty: ConfigType) -> ConfigValueInfo {
        let _ = ty; // Apache converts by type; our parsed values carry their type already.
        ConfigValueInfo {
            name: self.name.clone(),
            value: self.value.as_ref().map(ParsedValue::to_config_string),
            recommended_values: self
                .recommended_values
                .iter()
                .map(ParsedValue::to_config_string)
                .collect(),
            errors: self.errors.clone(),
            visible: self.visible,
        }
    }
}

/// `POST /connector-plugins/{type}/config/validate` answer (Apache's `ConfigInfos`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfos {
    pub name: String,
    pub error_count: usize,
    pub groups: Vec<String>,
    pub configs: Vec<ConfigInfo>,
}

/// One key of a [`ConfigInfos`] (Apache's `ConfigInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfo {
    pub definition: Option<ConfigKeyInfo>,
    /// Null for a key its connector defines but gave no result for (Apache shows that).
    pub value: Option<ConfigValueInfo>,
}

impl ConfigInfo {
    /// The key: the result's name, or the definition's when there is no result.
    pub fn name(&self) -> &str {
        match (&self.value, &self.definition) {
            (Some(value), _) => &value.name,
            (None, Some(definition)) => &definition.name,
            (None, None) => "",
        }
    }

    /// The key's problems.
    pub fn errors(&self) -> &[String] {
        self.value.as_ref().map_or(&[], |v| &v.errors)
    }
}

/// A key's definition on the wire (Apache's `ConfigKeyInfo`), in the field order and with
/// the names Apache 4.3.1 writes (checked by `tests/suite/rest_parity.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigKeyInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub default_value: Option<String>,
    pub importance: String,
    pub documentation: String,
    pub group: Option<String>,
    pub order_in_group: i32,
    pub width: String,
    pub display_name: String,
    pub dependents: Vec<String>,
}

/// A key's validated value on the wire (Apache's `ConfigValueInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigValueInfo {
    pub name: String,
    pub value: Option<String>,
    pub recommended_values: Vec<String>,
    pub errors: Vec<String>,
    pub visible: bool,
}
