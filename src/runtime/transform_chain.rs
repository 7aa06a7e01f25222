//! A connector's `transforms=` chain, with each step's optional predicate (Apache's
//! `TransformationChain` and `ConnectorConfig.transformationStages`).
//!
//! Building follows Apache's worker step by step, so the same config fails with the same
//! message: the enrichment ([`super::config::enrich`]: each alias's `type` must name a
//! known class of the right kind, then the enriched table's parse), then each transform
//! configured with its keys, its predicate looked up and configured.

use super::config::connector::{ConnectorConfig, PREDICATES, TRANSFORMS};
use super::config::enrich::{Enrichment, NEGATE_KEY, PREDICATE_KEY, VERSION_SUFFIX};
use crate::config::{ConfigError, strip_prefix};
use crate::data::{SinkRecord, SourceRecord};
use crate::transforms::{ConnectRecord, Predicate, TransformError, Transformation};

/// One configured step: a transformation, applied when its predicate (if any) agrees.
struct Step {
    transform: Box<dyn Transformation>,
    predicate: Option<Box<dyn Predicate>>,
    negate: bool,
}

impl Step {
    fn applies_to(&self, record: &ConnectRecord) -> bool {
        match &self.predicate {
            None => true,
            Some(predicate) => self.negate ^ predicate.test(record),
        }
    }
}

/// The configured transformations of one connector, in order.
#[derive(Default)]
pub struct TransformChain {
    steps: Vec<Step>,
}

impl std::fmt::Debug for TransformChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransformChain")
            .field("steps", &self.steps.len())
            .finish()
    }
}

impl TransformChain {
    /// Builds the chain `transforms=` names, with `transforms.<alias>.type`, its own keys,
    /// and `predicate`/`negate`; the errors are Apache's for the same config.
    pub fn from_config(config: &ConnectorConfig) -> Result<TransformChain, TransformError> {
        let props = config.originals();
        let aliases = Enrichment::resolve(props, &config.transforms, &config.predicates)?;
        aliases.check(props)?;
        let mut steps = Vec::with_capacity(config.transforms.len());
        for alias in &config.transforms {
            let prefix = format!("{TRANSFORMS}.{alias}.");
            let plugin = aliases
                .transform(alias)
                .ok_or_else(|| ConfigError::Message(format!("Unknown transformation {alias}")))?;
            let mut own = strip_prefix(props, &prefix);
            let predicate_alias = own.shift_remove(PREDICATE_KEY);
            // Apache reads the original string with Boolean.parseBoolean, untrimmed.
            let negate = own
                .shift_remove(NEGATE_KEY)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let transform = (plugin.create)(&own)?;
            let predicate = match predicate_alias {
                None => None,
                Some(predicate_alias) => {
                    // Used untrimmed, as Apache reads it from the originals.
                    let Some(plugin) = aliases.predicate(&predicate_alias) else {
                        // Apache looks the undefined alias up in its enriched config and
                        // fails on the first key it asks for, the version.
                        return Err(ConfigError::Message(format!(
                            "Unknown configuration '{PREDICATES}.{predicate_alias}.{VERSION_SUFFIX}'"
                        ))
                        .into());
                    };
                    let own = strip_prefix(props, &format!("{PREDICATES}.{predicate_alias}."));
                    Some((plugin.create)(&own)?)
                }
            };
            steps.push(Step {
                transform,
                predicate,
                negate,
            });
        }
        Ok(TransformChain { steps })
    }

    /// Whether no transformation is configured.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Runs the chain on a record; `Ok(None)` when a step dropped it.
    pub fn apply(
        &self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, TransformError> {
        for step in &self.steps {
            if !step.applies_to(&record) {
                continue;
            }
            match step.transform.apply(record)? {
                Some(next) => record = next,
                None => return Ok(None),
            }
        }
        Ok(Some(record))
    }

    /// Runs the chain on a source record (before conversion).
    pub fn apply_source(
        &self,
        record: SourceRecord,
    ) -> Result<Option<SourceRecord>, TransformError> {
        if self.is_empty() {
            return Ok(Some(record));
        }
        let (common, extras) = ConnectRecord::from_source(record);
        Ok(self.apply(common)?.map(|r| r.into_source(extras)))
    }

    /// Runs the chain on a sink record (after conversion).
    pub fn apply_sink(&self, record: SinkRecord) -> Result<Option<SinkRecord>, TransformError> {
        if self.is_empty() {
            return Ok(Some(record));
        }
        let (common, extras) = ConnectRecord::from_sink(record);
        Ok(self.apply(common)?.map(|r| r.into_sink(extras)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Header, Value};
    use indexmap::IndexMap;

    fn config(pairs: &[(&str, &str)]) -> ConnectorConfig {
        let mut props: IndexMap<String, String> =
            [("name", "c"), ("connector.class", "FileStreamSource")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        props.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        ConnectorConfig::from_props(&props).unwrap()
    }

    fn chain(pairs: &[(&str, &str)]) -> Result<TransformChain, String> {
        TransformChain::from_config(&config(pairs)).map_err(|e| e.to_string())
    }

    fn record(topic: &str, value: Value) -> ConnectRecord {
        ConnectRecord {
            topic: topic.into(),
            kafka_partition: None,
            kafka_offset: None,
            key_schema: None,
            key: Value::Null,
            value_schema: None,
            value,
            timestamp: Some(0),
            headers: vec![Header {
                key: "h".into(),
                schema: None,
                value: Value::Null,
            }],
        }
    }

    #[test]
    fn predicates_gate_their_transformation() {
        let chain = chain(&[
            ("transforms", "drop"),
            (
                "transforms.drop.type",
                "org.apache.kafka.connect.transforms.Filter",
            ),
            ("transforms.drop.predicate", "isLogs"),
            ("predicates", "isLogs"),
            (
                "predicates.isLogs.type",
                "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            ),
            ("predicates.isLogs.pattern", "logs-.*"),
        ])
        .unwrap();
        assert!(
            chain
                .apply(record("logs-1", Value::Null))
                .unwrap()
                .is_none()
        );
        assert!(
            chain
                .apply(record("orders", Value::Null))
                .unwrap()
                .is_some()
        );

        let negated = self::chain(&[
            ("transforms", "drop"),
            (
                "transforms.drop.type",
                "org.apache.kafka.connect.transforms.Filter",
            ),
            ("transforms.drop.predicate", "t"),
            ("transforms.drop.negate", "true"),
            ("predicates", "t"),
            (
                "predicates.t.type",
                "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
            ),
        ])
        .unwrap();
        assert!(negated.apply(record("a", Value::Null)).unwrap().is_some());
        assert!(
            negated
                .apply(record("a", Value::Int8(1)))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn config_errors_are_apaches() {
        assert_eq!(
            chain(&[("transforms", "r")]).unwrap_err(),
            "Invalid value null for configuration transforms.r.type: Not a Transformation"
        );
        assert_eq!(
            chain(&[
                ("transforms", "r"),
                ("transforms.r.type", "com.example.Nope")
            ])
            .unwrap_err(),
            "Invalid value com.example.Nope for configuration transforms.r.type: Class com.example.Nope could not be found."
        );
        assert_eq!(
            chain(&[
                ("transforms", "r"),
                (
                    "transforms.r.type",
                    "org.apache.kafka.connect.transforms.RegexRouter"
                ),
            ])
            .unwrap_err(),
            "Missing required configuration \"transforms.r.regex\" which has no default value."
        );
        assert_eq!(
            chain(&[
                ("transforms", "r"),
                (
                    "transforms.r.type",
                    "org.apache.kafka.connect.transforms.Filter"
                ),
                ("transforms.r.negate", "true"),
            ])
            .unwrap_err(),
            "Config 'transforms.r.negate' was provided but there is no config 'transforms.r.predicate' defining a predicate to be negated."
        );
        assert_eq!(
            chain(&[
                ("transforms", "r"),
                (
                    "transforms.r.type",
                    "org.apache.kafka.connect.transforms.Filter"
                ),
                ("transforms.r.predicate", "p"),
            ])
            .unwrap_err(),
            "Unknown configuration 'predicates.p.plugin.version'"
        );
        assert!(chain(&[]).unwrap().is_empty());
    }
}
