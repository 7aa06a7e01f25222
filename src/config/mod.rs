//! Config definitions, as Apache's `common.config` (below Connect): the one way every
//! layer reads config. A string map enters at the edge, is parsed and validated once
//! against a [`ConfigDef`], and leaves as typed values; the same table answers the REST
//! plugin-config and validate endpoints. Messages follow Apache's (checked against Kafka
//! 4.3.1).
//!
//! Only `java/` is below this module.
//!
//! | file | holds |
//! |---|---|
//! | `types.rs` | key types, importance, width, secrets, parsed values, `parseType` |
//! | `validators.rs` | Apache's validators and the recommender trait |
//! | `def.rs` | the definition table and its key builder: parse and validate |
//! | `parsed.rs` | a parsed config: typed getters, originals, prefixes |
//! | `info.rs` | validation results and their wire shapes |

mod def;
mod info;
mod parsed;
mod types;
mod validators;

#[cfg(test)]
mod tests;

pub use def::{ConfigDef, ConfigKey, DefaultValue, Props, sort_like_config_def};
pub use info::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValue, ConfigValueInfo};
pub use parsed::{ParsedConfig, strip_prefix};
pub use types::{
    ConfigError, ConfigType, Importance, ParsedValue, Password, Width, java_double_to_string,
    java_trim, parse_list, parse_type,
};
pub use validators::{Bound, CheckFn, Recommender, Validator};
