//! The distributed offset store: Apache's `KafkaOffsetBackingStore`, offsets kept in a
//! compacted Kafka topic (`offset.storage.topic`) so any worker can pick up any task.
//!
//! Records are exactly Apache's: the key is the `["<connector>", {partition}]` JSON bytes
//! of [`super::encode_key`], the value the offset JSON bytes, and a null value (tombstone)
//! deletes the key. Like Apache's `KafkaBasedLog`:
//! - `start` creates the topic when missing (compacted, `offset.storage.partitions` and
//!   `offset.storage.replication.factor`), refuses an existing topic that is not
//!   `cleanup.policy=compact`, assigns every partition from the beginning (no consumer
//!   group) and reads to the end before returning;
//! - "reading to the end" takes a snapshot of the end offsets, then consumes until every
//!   partition got there, so a `get` sees every write acknowledged before it started;
//! - `set` sends every record and completes once all are acknowledged (`acks=all`).
//!
//! Where we differ, on purpose: the producer is idempotent (Apache turns idempotence off
//! only for compatibility with brokers older than 2.8), and the partitioner is librdkafka's
//! `murmur2_random`, the Java client's default for keyed records, so Apache and Tributary
//! workers sharing one topic put a key in the same partition and its latest value wins.
//!
//! The consumer reads uncommitted records, Apache's default outside exactly-once mode.
//! A partition whose last offsets hold no record (transaction markers) still counts as
//! read to the end, through the consumer's position (see `TopicReader::read_to_end`).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::backing_store::{OffsetBackingStore, OffsetUpdates};
use super::error::OffsetStoreError;
use super::memory::{OffsetBytes, apply_updates, lookup};
use crate::runtime::config::worker::WorkerConfig;
use crate::runtime::kafka::ClientKind;

pub use crate::runtime::config::worker::{
    OFFSET_STORAGE_PARTITIONS, OFFSET_STORAGE_REPLICATION_FACTOR, OFFSET_STORAGE_TOPIC,
};

/// How long `start` waits for the topic's partitions to show up (Apache's 30 seconds).
const TOPIC_METADATA_TIMEOUT: Duration = Duration::from_secs(30);
/// Timeout of one metadata, watermark or admin request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one consumer poll waits while reading to the end.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Where and how the offsets topic lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaOffsetStoreConfig {
    /// `bootstrap.servers` of the cluster holding the topic.
    pub bootstrap_servers: String,
    /// `offset.storage.topic`.
    pub topic: String,
    /// `offset.storage.partitions` (Apache's default 25; -1 means the broker's default).
    pub partitions: i32,
    /// `offset.storage.replication.factor` (Apache's default 3; -1 means the broker's
    /// default).
    pub replication_factor: i32,
    /// Prefix of the clients' `client.id`; `offsets` is appended, as Apache does.
    pub client_id_base: String,
    /// Raw librdkafka settings (security, timeouts) applied to all three clients before
    /// the store's own settings, which win.
    pub client_settings: BTreeMap<String, String>,
}

impl KafkaOffsetStoreConfig {
    /// Apache's defaults for everything but the cluster and the topic.
    pub fn new(bootstrap_servers: impl Into<String>, topic: impl Into<String>) -> Self {
        KafkaOffsetStoreConfig {
            bootstrap_servers: bootstrap_servers.into(),
            topic: topic.into(),
            partitions: 25,
            replication_factor: 3,
            client_id_base: "tributary-".into(),
            client_settings: BTreeMap::new(),
        }
    }

    /// The store a worker config (Kubernetes mode, where `ConfigDef` has checked the
    /// `offset.storage.*` settings with Apache's validators) names, or `None` when it
    /// names no `offset.storage.topic`.
    pub fn from_worker_config(config: &WorkerConfig) -> Option<Self> {
        let topic = config.offset_storage_topic.as_deref()?.trim();
        if topic.is_empty() {
            return None;
        }
        let mut store = Self::new(config.bootstrap_servers.join(","), topic);
        if let Some(partitions) = config.offset_storage_partitions {
            store.partitions = partitions;
        }
        if let Some(replication_factor) = config.offset_storage_replication_factor {
            store.replication_factor = replication_factor;
        }
        // Apache's offsets store clients take the worker's top-level settings (security).
        store.client_settings = config.client_settings.clone().into_iter().collect();
        Some(store)
    }

    /// The settings of one of the store's clients: the worker's top-level client
    /// settings, translated like every other client's.
    fn client_config(&self, kind: ClientKind) -> Result<ClientConfig, OffsetStoreError> {
        let mut config = crate::runtime::kafka::client_config(
            kind,
            &self.bootstrap_servers,
            [&self.client_settings],
        )?;
        config.set("client.id", format!("{}offsets", self.client_id_base));
        Ok(config)
    }
}

/// The consumer side: every partition assigned, and the offsets read so far.
struct TopicReader {
    topic: String,
    consumer: BaseConsumer,
    partitions: Vec<i32>,
    /// Per partition, the offset after the last record applied to `data`.
    next_offsets: HashMap<i32, i64>,
    data: OffsetBytes,
}

impl TopicReader {
    /// Consumes until every partition reached the end offsets taken at the start of the
    /// call (Apache's `readToEnd`). Blocking; gives up once `cancelled` is set, so a caller
    /// that stopped waiting (a flush timeout) does not leave a thread reading forever.
    ///
    /// A partition is done when a record at or past its end offset was applied, or when
    /// the consumer's position reached the end offset. The position matters when the last
    /// offsets hold no record we are handed: librdkafka moves the position past
    /// transaction markers (as the Java consumer does) but gives them to nobody. Compaction
    /// never leaves such a gap at the end of a partition: the active segment, which holds
    /// the last record, is not cleaned. End-of-partition events are not used: librdkafka
    /// emits one per fetch that reaches the end and does not emit it again after a seek,
    /// so waiting for a fresh one can wait forever.
    fn read_to_end(&mut self, cancelled: &AtomicBool) -> Result<(), OffsetStoreError> {
        let mut remaining = self.end_offsets()?;
        remaining.retain(|partition, end| self.next_offset(*partition) < *end);
        let mut positions_checked = Instant::now();
        while !remaining.is_empty() {
            if cancelled.load(Ordering::Relaxed) {
                return Err(OffsetStoreError::ReadCancelled {
                    topic: self.topic.clone(),
                });
            }
            match self.consumer.poll(POLL_INTERVAL) {
                None => {}
                Some(Ok(message)) => {
                    let partition = message.partition();
                    let next = message.offset() + 1;
                    let key = message.key().unwrap_or_default().to_vec();
                    let value = message.payload().map(<[u8]>::to_vec);
                    drop(message);
                    apply_updates(&mut self.data, OffsetUpdates::from([(key, value)]));
                    self.next_offsets.insert(partition, next);
                    if remaining.get(&partition).is_some_and(|end| next >= *end) {
                        remaining.remove(&partition);
                    }
                    // Positions are checked once nothing is waiting, or every poll
                    // interval while records of other partitions keep coming.
                    if positions_checked.elapsed() < POLL_INTERVAL {
                        continue;
                    }
                }
                Some(Err(source)) => return Err(self.kafka_error("reading", source)),
            }
            self.positions_reached(&mut remaining)?;
            positions_checked = Instant::now();
        }
        Ok(())
    }

    /// Drops from `remaining` the partitions whose consumer position reached their end
    /// offset (past markers no record was handed out for), noting the new position.
    fn positions_reached(
        &mut self,
        remaining: &mut HashMap<i32, i64>,
    ) -> Result<(), OffsetStoreError> {
        let positions = self
            .consumer
            .position()
            .map_err(|source| self.kafka_error("reading the positions", source))?;
        for element in positions.elements_for_topic(&self.topic) {
            let Offset::Offset(position) = element.offset() else {
                continue;
            };
            let partition = element.partition();
            if remaining
                .get(&partition)
                .is_some_and(|end| position >= *end)
            {
                remaining.remove(&partition);
                self.next_offsets.insert(partition, position);
            }
        }
        Ok(())
    }

    fn next_offset(&self, partition: i32) -> i64 {
        self.next_offsets.get(&partition).copied().unwrap_or(0)
    }

    /// The end offset of every partition, in one `ListOffsets` request (a timestamp of
    /// "end" asks for the latest offset). Like Apache's `readEndOffsets`, failures are
    /// retried for a while: a partition of a topic created moments ago may have no leader
    /// yet.
    fn end_offsets(&self) -> Result<HashMap<i32, i64>, OffsetStoreError> {
        let mut request = TopicPartitionList::new();
        for &partition in &self.partitions {
            request
                .add_partition_offset(&self.topic, partition, Offset::End)
                .map_err(|source| self.kafka_error("reading the end offsets", source))?;
        }
        let started = Instant::now();
        let mut pause = Duration::from_millis(50);
        loop {
            let answer = self
                .consumer
                .offsets_for_times(request.clone(), REQUEST_TIMEOUT)
                .and_then(|list| {
                    list.elements()
                        .iter()
                        .map(|element| {
                            element.error()?;
                            match element.offset() {
                                Offset::Offset(end) => Ok((element.partition(), end)),
                                // Not expected without an error on the partition;
                                // retried like one.
                                _ => {
                                    Err(KafkaError::OffsetFetch(RDKafkaErrorCode::InvalidArgument))
                                }
                            }
                        })
                        .collect::<Result<HashMap<_, _>, _>>()
                });
            match answer {
                Ok(ends) => return Ok(ends),
                Err(source) if started.elapsed() >= REQUEST_TIMEOUT => {
                    return Err(self.kafka_error("reading the end offsets", source));
                }
                Err(error) => {
                    tracing::debug!(topic = %self.topic, %error, "retrying end offsets");
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
            }
        }
    }

    fn kafka_error(&self, operation: &'static str, source: KafkaError) -> OffsetStoreError {
        OffsetStoreError::Kafka {
            operation,
            topic: self.topic.clone(),
            source,
        }
    }
}

/// Tells a blocking read to give up when the future awaiting it is dropped.
#[derive(Default)]
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The clients of a started store.
struct Running {
    producer: FutureProducer,
    reader: Arc<Mutex<TopicReader>>,
}

/// Source offsets in a compacted Kafka topic, readable and writable by Apache's
/// `KafkaOffsetBackingStore` on the same topic. Blocking client calls run on tokio's
/// blocking pool.
pub struct KafkaOffsetBackingStore {
    config: KafkaOffsetStoreConfig,
    running: Mutex<Option<Running>>,
}

impl std::fmt::Debug for KafkaOffsetBackingStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaOffsetBackingStore")
            .field("config", &self.config)
            .field("started", &self.running_guard().is_some())
            .finish()
    }
}

impl KafkaOffsetBackingStore {
    /// A store over the topic of `config`; `start` creates or loads it.
    pub fn new(config: KafkaOffsetStoreConfig) -> Self {
        KafkaOffsetBackingStore {
            config,
            running: Mutex::new(None),
        }
    }

    /// The settings this store was made with.
    pub fn config(&self) -> &KafkaOffsetStoreConfig {
        &self.config
    }

    fn running_guard(&self) -> MutexGuard<'_, Option<Running>> {
        // Only an Option swap happens under this lock; poisoning cannot leave it torn.
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn kafka_error(&self, operation: &'static str, source: KafkaError) -> OffsetStoreError {
        OffsetStoreError::Kafka {
            operation,
            topic: self.config.topic.clone(),
            source,
        }
    }

    /// Creates the topic when missing, or checks the existing one is compacted.
    async fn ensure_topic(&self) -> Result<(), OffsetStoreError> {
        let topic = &self.config.topic;
        let admin: AdminClient<DefaultClientContext> = self
            .config
            .client_config(ClientKind::Admin)?
            .create()
            .map_err(|source| self.kafka_error("creating the admin client", source))?;
        let options = AdminOptions::new().request_timeout(Some(REQUEST_TIMEOUT));
        let new_topic = NewTopic::new(
            topic,
            self.config.partitions,
            TopicReplication::Fixed(self.config.replication_factor),
        )
        .set("cleanup.policy", "compact");
        let results = admin
            .create_topics([&new_topic], &options)
            .await
            .map_err(|source| self.kafka_error("creating the topic", source))?;
        for result in results {
            match result {
                Ok(_) => tracing::info!(
                    topic,
                    partitions = self.config.partitions,
                    replication_factor = self.config.replication_factor,
                    "created offsets topic"
                ),
                Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {
                    self.verify_compacted(&admin, &options).await?
                }
                Err((_, code)) => {
                    return Err(OffsetStoreError::CreateTopic {
                        topic: topic.clone(),
                        reason: code.to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Apache refuses an existing offsets topic whose cleanup policy is not exactly
    /// `compact`; when the configs cannot be described it logs and carries on.
    async fn verify_compacted(
        &self,
        admin: &AdminClient<DefaultClientContext>,
        options: &AdminOptions,
    ) -> Result<(), OffsetStoreError> {
        let topic = &self.config.topic;
        let described = admin
            .describe_configs([&ResourceSpecifier::Topic(topic)], options)
            .await;
        let policy = match described.as_deref() {
            Ok([Ok(resource)]) => resource
                .get("cleanup.policy")
                .and_then(|entry| entry.value.clone()),
            _ => None,
        };
        let Some(policy) = policy else {
            tracing::info!(
                topic,
                "unable to verify the cleanup policy of the offsets topic is 'compact'"
            );
            return Ok(());
        };
        // Apache compares the set of policies, trimmed and lower-cased.
        let mut policies: Vec<String> = policy
            .split(',')
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
            .collect();
        policies.sort_unstable();
        policies.dedup();
        if policies == ["compact"] {
            return Ok(());
        }
        let purpose = "source connector offsets";
        Err(OffsetStoreError::TopicNotCompacted(format!(
            "Topic '{topic}' supplied via the '{OFFSET_STORAGE_TOPIC}' property is required to have \
             'cleanup.policy=compact' to guarantee consistency and durability of {purpose}, but found \
             the topic currently has 'cleanup.policy={}'. Continuing would likely result in eventually \
             losing {purpose} and problems restarting this Connect cluster in the future. Change the \
             '{OFFSET_STORAGE_TOPIC}' property in the Connect worker configurations to use a topic \
             with 'cleanup.policy=compact'.",
            policies.join(",")
        )))
    }

    fn create_producer(&self) -> Result<FutureProducer, OffsetStoreError> {
        let mut config = self.config.client_config(ClientKind::Producer)?;
        config
            .set("acks", "all")
            .set("enable.idempotence", "true")
            // The Java client's default partitioner for keyed records, so a key lands in
            // the same partition whichever worker (Apache or ours) writes it.
            .set("partitioner", "murmur2_random")
            // Apache sets delivery.timeout.ms to Integer.MAX_VALUE: retry until the
            // caller (the offset flush timeout) gives up.
            .set("message.timeout.ms", "0")
            .set("linger.ms", "0");
        config
            .create()
            .map_err(|source| self.kafka_error("creating the producer", source))
    }

    /// Creates the consumer, waits for the topic's partitions and assigns all of them from
    /// the beginning. Blocking.
    fn open_reader(config: &KafkaOffsetStoreConfig) -> Result<TopicReader, OffsetStoreError> {
        let topic = config.topic.clone();
        let error = |operation, source| OffsetStoreError::Kafka {
            operation,
            topic: topic.clone(),
            source,
        };
        let mut client = config.client_config(ClientKind::Consumer)?;
        client
            // librdkafka refuses `assign` without a group id, unlike the Java consumer;
            // the group never joins (no subscribe) nor commits, so it stays empty on the
            // broker.
            .set(
                "group.id",
                format!("{}offsets-reader", config.client_id_base),
            )
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            // Apache's default outside exactly-once mode (librdkafka's is read_committed).
            .set("isolation.level", "read_uncommitted");
        let consumer: BaseConsumer = client
            .create()
            .map_err(|source| error("creating the consumer", source))?;

        let started = Instant::now();
        let mut pause = Duration::from_millis(100);
        let partitions = loop {
            let metadata = consumer
                .fetch_metadata(Some(&topic), REQUEST_TIMEOUT)
                .map_err(|source| error("reading the topic metadata", source))?;
            let found: Vec<i32> = metadata
                .topics()
                .iter()
                .filter(|t| t.name() == topic && t.error().is_none())
                .flat_map(|t| t.partitions().iter().map(|p| p.id()))
                .collect();
            if !found.is_empty() {
                break found;
            }
            if started.elapsed() >= TOPIC_METADATA_TIMEOUT {
                return Err(OffsetStoreError::TopicMetadataTimeout { topic });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(1));
        };

        let mut assignment = TopicPartitionList::new();
        for &partition in &partitions {
            assignment
                .add_partition_offset(&topic, partition, Offset::Beginning)
                .map_err(|source| error("assigning the partitions", source))?;
        }
        consumer
            .assign(&assignment)
            .map_err(|source| error("assigning the partitions", source))?;
        Ok(TopicReader {
            topic: topic.clone(),
            consumer,
            partitions,
            next_offsets: HashMap::new(),
            data: OffsetBytes::new(),
        })
    }

    /// The reader of a started store, or `NotStarted`.
    fn reader(&self) -> Result<Arc<Mutex<TopicReader>>, OffsetStoreError> {
        self.running_guard()
            .as_ref()
            .map(|running| Arc::clone(&running.reader))
            .ok_or(OffsetStoreError::NotStarted)
    }

    /// Reads the topic to its end, then answers from memory with `answer`.
    async fn read_then<T: Send + 'static>(
        &self,
        answer: impl FnOnce(&OffsetBytes) -> T + Send + 'static,
    ) -> Result<T, OffsetStoreError> {
        let reader = self.reader()?;
        let cancel = CancelOnDrop::default();
        let cancelled = Arc::clone(&cancel.0);
        tokio::task::spawn_blocking(move || {
            // The reader only changes inside `read_to_end`, which leaves the map whole
            // between records; a poisoned lock is still usable.
            let mut reader = reader.lock().unwrap_or_else(|p| p.into_inner());
            reader.read_to_end(&cancelled)?;
            Ok(answer(&reader.data))
        })
        .await?
    }
}

#[async_trait]
impl OffsetBackingStore for KafkaOffsetBackingStore {
    async fn start(&self) -> Result<(), OffsetStoreError> {
        tracing::info!(topic = %self.config.topic, "starting Kafka offset store");
        self.ensure_topic().await?;
        let producer = self.create_producer()?;
        let config = self.config.clone();
        let cancel = CancelOnDrop::default();
        let cancelled = Arc::clone(&cancel.0);
        let reader = tokio::task::spawn_blocking(move || {
            let mut reader = Self::open_reader(&config)?;
            reader.read_to_end(&cancelled)?;
            Ok::<_, OffsetStoreError>(reader)
        })
        .await??;
        tracing::info!(
            topic = %self.config.topic,
            entries = reader.data.len(),
            "finished reading offsets topic and started Kafka offset store"
        );
        *self.running_guard() = Some(Running {
            producer,
            reader: Arc::new(Mutex::new(reader)),
        });
        Ok(())
    }

    async fn stop(&self) -> Result<(), OffsetStoreError> {
        let Some(running) = self.running_guard().take() else {
            return Ok(());
        };
        let producer = running.producer.clone();
        let flushed = tokio::task::spawn_blocking(move || producer.flush(Timeout::Never)).await?;
        flushed.map_err(|source| self.kafka_error("flushing the producer", source))?;
        tracing::info!(topic = %self.config.topic, "stopped Kafka offset store");
        Ok(())
    }

    async fn get(&self, keys: &[Vec<u8>]) -> Result<OffsetBytes, OffsetStoreError> {
        let keys = keys.to_vec();
        self.read_then(move |data| lookup(data, &keys)).await
    }

    async fn set(&self, updates: OffsetUpdates) -> Result<(), OffsetStoreError> {
        let producer = self
            .running_guard()
            .as_ref()
            .map(|running| running.producer.clone())
            .ok_or(OffsetStoreError::NotStarted)?;
        let topic = self.config.topic.as_str();
        let sends = updates.iter().map(|(key, value)| {
            let mut record = FutureRecord::<Vec<u8>, Vec<u8>>::to(topic).key(key);
            if let Some(value) = value {
                record = record.payload(value);
            }
            producer.send(record, Timeout::Never)
        });
        // All records are queued at once and acknowledged in any order; the first failure
        // fails the whole set, as Apache's SetCallbackFuture does.
        futures::future::try_join_all(sends)
            .await
            .map_err(|(source, _)| self.kafka_error("writing offsets", source))?;
        Ok(())
    }

    async fn keys(&self) -> Result<Vec<Vec<u8>>, OffsetStoreError> {
        self.read_then(|data| data.keys().cloned().collect()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker_config(pairs: &[(&str, &str)]) -> Result<WorkerConfig, crate::config::ConfigError> {
        use crate::runtime::config::worker::WorkerMode;
        let mut all = vec![
            ("bootstrap.servers", "k:9092"),
            (
                "key.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
        ];
        all.extend_from_slice(pairs);
        WorkerConfig::from_props_in(WorkerMode::Kubernetes, &crate::fixtures::string_map(&all))
    }

    #[test]
    fn worker_config_takes_apache_defaults() {
        let config = worker_config(&[("offset.storage.topic", "offsets")]).unwrap();
        let store = KafkaOffsetStoreConfig::from_worker_config(&config).unwrap();
        assert_eq!(store.partitions, 25);
        assert_eq!(store.replication_factor, 3);
        assert_eq!(store.topic, "offsets");
        assert_eq!(store.bootstrap_servers, "k:9092");
    }

    #[test]
    fn worker_config_accepts_broker_default_and_rejects_zero_with_apaches_message() {
        let config = worker_config(&[
            ("offset.storage.topic", "offsets"),
            ("offset.storage.partitions", "-1"),
            ("offset.storage.replication.factor", "-1"),
        ])
        .unwrap();
        let store = KafkaOffsetStoreConfig::from_worker_config(&config).unwrap();
        assert_eq!((store.partitions, store.replication_factor), (-1, -1));

        let error = worker_config(&[
            ("offset.storage.topic", "offsets"),
            ("offset.storage.partitions", "0"),
        ])
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Invalid value 0 for configuration offset.storage.partitions: Value must be -1 to use the broker's default, or at least 1"
        );
    }

    #[test]
    fn no_topic_means_no_kafka_store() {
        let config = worker_config(&[]).unwrap();
        assert!(KafkaOffsetStoreConfig::from_worker_config(&config).is_none());
    }

    #[tokio::test]
    async fn calls_before_start_fail_with_not_started() {
        let store = KafkaOffsetBackingStore::new(KafkaOffsetStoreConfig::new("k:9092", "t"));
        assert!(matches!(
            store.get(&[b"k".to_vec()]).await,
            Err(OffsetStoreError::NotStarted)
        ));
        assert!(matches!(
            store.set(OffsetUpdates::new()).await,
            Err(OffsetStoreError::NotStarted)
        ));
    }
}
