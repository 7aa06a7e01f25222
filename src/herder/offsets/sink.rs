//! Sink connector offsets: the committed offsets of the consumer group
//! `connect-<connector>` (Apache's `Worker.sinkConnectorOffsets` and friends), read and
//! written with a short-lived rdkafka consumer and admin client on a blocking thread.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::Offset;
use rdkafka::TopicPartitionList;
use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use serde_json::{Map, Value};

use crate::herder::HerderError;
use crate::herder::entities::ConnectorOffset;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Apache's partition keys for sink offsets.
const TOPIC_KEY: &str = "kafka_topic";
const PARTITION_KEY: &str = "kafka_partition";
const OFFSET_KEY: &str = "kafka_offset";

fn group_config(bootstrap: &str, connector: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("connect-{connector}"))
        .set("enable.auto.commit", "false");
    config
}

fn internal(e: impl std::fmt::Display) -> HerderError {
    HerderError::Internal(format!("Failed to access sink connector offsets: {e}"))
}

/// The committed offsets of the connector's group over the partitions of `topics`.
pub async fn read(
    bootstrap: String,
    connector: String,
    topics: Vec<String>,
) -> Result<Vec<ConnectorOffset>, HerderError> {
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = group_config(&bootstrap, &connector)
            .create()
            .map_err(internal)?;
        let mut list = TopicPartitionList::new();
        for topic in &topics {
            let Ok(metadata) = consumer.fetch_metadata(Some(topic), TIMEOUT) else {
                continue;
            };
            for t in metadata.topics() {
                for p in t.partitions() {
                    list.add_partition(t.name(), p.id());
                }
            }
        }
        if list.count() == 0 {
            return Ok(Vec::new());
        }
        let committed = consumer
            .committed_offsets(list, TIMEOUT)
            .map_err(internal)?;
        let mut offsets = Vec::new();
        for element in committed.elements() {
            if let Offset::Offset(offset) = element.offset() {
                offsets.push(ConnectorOffset {
                    partition: partition_map(element.topic(), element.partition()),
                    offset: Some(Map::from_iter([(
                        OFFSET_KEY.to_owned(),
                        Value::from(offset),
                    )])),
                });
            }
        }
        Ok(offsets)
    })
    .await
    .map_err(internal)?
}

fn partition_map(topic: &str, partition: i32) -> Map<String, Value> {
    Map::from_iter([
        (TOPIC_KEY.to_owned(), Value::from(topic)),
        (PARTITION_KEY.to_owned(), Value::from(partition)),
    ])
}

/// Checks one requested sink partition and offset, with Apache's messages.
fn parse_entry(entry: &ConnectorOffset) -> Result<(String, i32, Option<i64>), HerderError> {
    let bad = |m: &str| HerderError::BadRequest(m.to_owned());
    let topic = match entry.partition.get(TOPIC_KEY) {
        Some(Value::String(t)) => t.clone(),
        _ => {
            return Err(bad(
                "Kafka topic names must be valid strings and may not be null",
            ));
        }
    };
    let partition = match entry.partition.get(PARTITION_KEY) {
        Some(Value::Number(n)) => n.as_i64().and_then(|p| i32::try_from(p).ok()),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| bad("Failed to parse the following Kafka partition value in the provided offsets: ''. Partition values for sink connectors need to be integers."))?;
    let offset = match &entry.offset {
        None => None,
        Some(map) => Some(
            match map.get(OFFSET_KEY) {
                Some(Value::Number(n)) => n.as_i64(),
                Some(Value::String(s)) => s.parse().ok(),
                _ => None,
            }
            .ok_or_else(|| bad("Failed to parse the following Kafka offset value in the provided offsets: ''. Offset values for sink connectors need to be integers."))?,
        ),
    };
    Ok((topic, partition, offset))
}

/// Commits the given offsets for the connector's group; entries without an offset are
/// removed from the group.
pub async fn alter(
    bootstrap: String,
    connector: String,
    entries: Vec<ConnectorOffset>,
) -> Result<(), HerderError> {
    let parsed = entries
        .iter()
        .map(parse_entry)
        .collect::<Result<Vec<_>, _>>()?;
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = group_config(&bootstrap, &connector)
            .create()
            .map_err(internal)?;
        let mut list = TopicPartitionList::new();
        for (topic, partition, offset) in &parsed {
            // librdkafka cannot delete one partition's offset; a reset commits "invalid"
            // (no offset), which the next consumer treats like no committed offset.
            let offset = offset.map(Offset::Offset).unwrap_or(Offset::Invalid);
            list.add_partition_offset(topic, *partition, offset)
                .map_err(internal)?;
        }
        consumer.commit(&list, CommitMode::Sync).map_err(internal)
    })
    .await
    .map_err(internal)?
}

/// Deletes the connector's consumer group, and with it every committed offset.
pub async fn reset(bootstrap: String, connector: String) -> Result<(), HerderError> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .create()
        .map_err(internal)?;
    let group = format!("connect-{connector}");
    let results = admin
        .delete_groups(
            &[&group],
            &AdminOptions::new().request_timeout(Some(TIMEOUT)),
        )
        .await
        .map_err(internal)?;
    for result in results {
        match result {
            Ok(_) => {}
            // A group that never committed anything is already "reset".
            Err((_, rdkafka::types::RDKafkaErrorCode::GroupIdNotFound)) => {}
            Err((name, code)) => return Err(internal(format!("group {name}: {code}"))),
        }
    }
    Ok(())
}
