//! The connector API: what a connector and its tasks implement, and the contexts through
//! which the runtime gives them offsets and sink controls.
//!
//! Modelled on Apache Connect's `connect/api` (`Connector`, `SourceConnector`,
//! `SinkConnector`, `SourceTask`, `SinkTask` and their contexts), made async.
//!
//! # Stopping a task
//! Apache calls `SourceTask.stop()` from another thread while `poll()` may be blocked.
//! Here every method takes `&mut self`, so the runtime stops a task in two steps: it
//! lets the `poll` in flight return (waiting a bounded time, then dropping it) and then
//! awaits `stop()`. While a task runs, nothing else the runtime does (offset flushes,
//! acknowledgements, a pause) drops a `poll`: work done inside it, such as opening the
//! input and reading the committed offset, is never thrown away. A `put` is dropped only
//! when stopping; whether the task took that batch is unspecified, and uncommitted
//! records are redelivered anyway. `poll` should return within about a second when there
//! is nothing to do.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::error::ConnectorError;
use crate::config::{ConfigDef, ConfigInfo, ConfigKey, ConfigKeyInfo, ConfigType, ConfigValue};
use crate::data::{SinkRecord, SourceRecord};

/// A connector or task config as the runtime hands it over: Connect's `Map<String, String>`.
pub type ConfigMap = std::collections::BTreeMap<String, String>;

/// The result type of every connector API call.
pub type ConnectorResult<T> = Result<T, ConnectorError>;

/// A source partition, e.g. `{"filename": "/tmp/in.txt"}` for FileStreamSource.
pub type SourcePartition = serde_json::Map<String, serde_json::Value>;

/// A position within a source partition, e.g. `{"position": 1234}`.
pub type SourceOffset = serde_json::Map<String, serde_json::Value>;

/// Whether a connector reads into Kafka or writes out of it. Serialized as Connect's
/// plugin `type` (`"source"` / `"sink"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectorKind {
    Source,
    Sink,
}

impl ConnectorKind {
    /// `"source"` or `"sink"`, as in the REST API.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorKind::Source => "source",
            ConnectorKind::Sink => "sink",
        }
    }
}

impl fmt::Display for ConnectorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Kafka topic partition, as sink tasks see their assignment.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    /// Kafka's `topic-partition` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// Consumer offsets per partition, as passed to [`SinkTask::flush`]. Each offset is the
/// next one to consume (Kafka's committed-offset convention), i.e. last written + 1.
pub type SinkOffsets = HashMap<TopicPartition, i64>;

/// Where a source record landed, once the producer has acknowledged it
/// (Apache's `RecordMetadata`, as passed to `SourceTask.commitRecord`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordMetadata {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: Option<i64>,
}

/// A connector's own table and results, rendered for the validate endpoint.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ConnectorValidation {
    pub groups: Vec<String>,
    pub configs: Vec<ConfigInfo>,
}

/// A connector instance: it checks its config, is started with it, and splits the work
/// into task configs. It never moves data itself.
#[async_trait]
pub trait Connector: Send {
    /// The plugin version reported by `GET /connector-plugins`.
    fn version(&self) -> String;

    /// Source or sink; decides which task trait its tasks implement.
    fn kind(&self) -> ConnectorKind;

    /// The connector's own keys (Apache's `Connector.config()`): listed by
    /// `GET /connector-plugins/x/config` and validated, after the runtime's keys, by
    /// `PUT /connector-plugins/x/config/validate`.
    fn config(&self) -> ConfigDef;

    /// Checks `config` without starting anything: one result per key of
    /// [`Connector::config`], in definition order, each with its problems (Apache's
    /// default `Connector.validate`; a connector overrides it for checks across keys).
    fn validate(&self, config: &ConfigMap) -> Vec<ConfigValue> {
        self.config().validate(config).into_values().collect()
    }

    /// The connector's own keys as `GET /connector-plugins/x/config` lists them. The
    /// default renders [`Connector::config`]; a Java connector answers with its plugin's.
    fn config_infos(&self) -> Vec<ConfigKeyInfo> {
        self.config().keys().map(ConfigKey::info).collect()
    }

    /// The connector's part of a validate answer, as Apache's
    /// `AbstractHerder.generateResult` renders its table and `validate` results: results
    /// for keys it does not define first (no definition), then each defined key with its
    /// result, and its groups. The default renders [`Connector::config`] and
    /// [`Connector::validate`]; a Java connector answers with its plugin's.
    fn validation(&self, config: &ConfigMap) -> ConnectorValidation {
        let def = self.config();
        let mut results: indexmap::IndexMap<String, ConfigValue> = self
            .validate(config)
            .into_iter()
            .map(|r| (r.name.clone(), r))
            .collect();
        let mut defined = Vec::new();
        for key in def.keys() {
            let value = results
                .shift_remove(&key.name)
                .unwrap_or_else(|| ConfigValue::new(&key.name))
                .info(key.ty);
            defined.push(ConfigInfo {
                definition: Some(key.info()),
                value: Some(value),
            });
        }
        let mut configs: Vec<ConfigInfo> = results
            .into_values()
            .map(|r| ConfigInfo {
                definition: None,
                value: Some(r.info(ConfigType::String)),
            })
            .collect();
        configs.extend(defined);
        ConnectorValidation {
            groups: def.groups().to_vec(),
            configs,
        }
    }

    /// Starts the connector with its full config. Invalid config gives
    /// [`ConnectorError::Config`].
    async fn start(&mut self, config: &ConfigMap) -> ConnectorResult<()>;

    /// The configs of at most `max_tasks` tasks (fewer when the work cannot be split).
    /// Only valid after a successful [`Connector::start`].
    fn task_configs(&self, max_tasks: usize) -> ConnectorResult<Vec<ConfigMap>>;

    /// Stops the connector; tasks are stopped separately by the runtime.
    async fn stop(&mut self) -> ConnectorResult<()>;

    /// Checks (and may act on) offsets a user wants to write for this source connector
    /// (`PATCH`/`DELETE /connectors/x/offsets`). `None` offsets are tombstones (reset).
    /// `Ok(true)`: the connector accepts them; `Ok(false)`: it does not manage offsets and
    /// the runtime decides (Apache's default). Sink connectors keep the default.
    async fn alter_source_offsets(
        &self,
        _config: &ConfigMap,
        _offsets: &[(SourcePartition, Option<SourceOffset>)],
    ) -> ConnectorResult<bool> {
        Ok(false)
    }
}

/// Read access to the committed offsets of the running connector's source partitions.
/// The runtime implements it over its offset store.
#[async_trait]
pub trait OffsetReader: Send + Sync {
    /// The last committed offset of `partition`, `None` when there is none.
    async fn offset(&self, partition: &SourcePartition) -> ConnectorResult<Option<SourceOffset>>;

    /// Offsets of several partitions at once; the default asks one by one.
    async fn offsets(
        &self,
        partitions: &[SourcePartition],
    ) -> ConnectorResult<Vec<(SourcePartition, Option<SourceOffset>)>> {
        let mut found = Vec::with_capacity(partitions.len());
        for partition in partitions {
            found.push((partition.clone(), self.offset(partition).await?));
        }
        Ok(found)
    }
}

/// Receives Apache's `SourceTask.commitRecord` calls of one task, in batches. Records are
/// named by their place in everything the task returned from `poll` since `start`,
/// counting from 0: the runtime handles every polled record in that order, once. A record
/// comes with where Kafka stored it, or with `None` when a transform or a tolerated error
/// dropped it. Called from the task loop while a `poll` may be in flight (Apache calls
/// `commitRecord` from the producer's thread), so it must not wait for the task.
pub trait RecordCommitter: Send + Sync {
    fn commit_records(&self, records: Vec<(u64, Option<RecordMetadata>)>);
}

/// What a source task can reach of the runtime (Apache's `SourceTaskContext`).
#[derive(Clone)]
pub struct SourceTaskContext {
    offsets: Arc<dyn OffsetReader>,
}

impl SourceTaskContext {
    pub fn new(offsets: Arc<dyn OffsetReader>) -> Self {
        SourceTaskContext { offsets }
    }

    /// The committed offsets of this connector (Apache's `offsetStorageReader()`).
    pub fn offset_reader(&self) -> &dyn OffsetReader {
        self.offsets.as_ref()
    }

    /// The same reader, shared (the plugin host answers a Java task's reads with it).
    pub fn reader(&self) -> Arc<dyn OffsetReader> {
        self.offsets.clone()
    }
}

/// A task that reads from an external system and returns records for Kafka.
#[async_trait]
pub trait SourceTask: Send {
    /// The task's version, normally its connector's.
    fn version(&self) -> String;

    /// Starts the task with one entry of its connector's `task_configs`.
    async fn start(
        &mut self,
        config: &ConfigMap,
        context: SourceTaskContext,
    ) -> ConnectorResult<()>;

    /// The next records. May wait a bounded time (about a second) for data; an empty
    /// vector means "nothing now". The runtime never drops a `poll` in flight while the
    /// task runs (only a stop that it outlasts), so work done inside it is not lost.
    /// A [`ConnectorError::Retriable`] counts as an empty poll.
    async fn poll(&mut self) -> ConnectorResult<Vec<SourceRecord>>;

    /// Called after offsets up to the records returned so far were committed, for systems
    /// that acknowledge reads. Default: nothing.
    async fn commit(&mut self) -> ConnectorResult<()> {
        Ok(())
    }

    /// Apache's `commitRecord`, for tasks that track what Kafka acknowledged (a Java
    /// task through the plugin host). Asked once, after `start`. Default: none.
    fn record_committer(&self) -> Option<Arc<dyn RecordCommitter>> {
        None
    }

    /// Releases resources. Called once, after the last `poll` returned or was dropped.
    async fn stop(&mut self) -> ConnectorResult<()>;
}

/// What a sink task can ask of the runtime (Apache's `SinkTaskContext`). Calls only
/// record requests; the runtime applies them between `put` calls.
pub trait SinkTaskContext: Send + Sync {
    /// The partitions currently assigned to this task.
    fn assignment(&self) -> Vec<TopicPartition>;

    /// Rewinds or skips: consume these partitions from these offsets next.
    fn reset_offsets(&self, offsets: &SinkOffsets);

    /// Asks for `put` to be retried with the same records after `backoff`, after the
    /// task returned a retriable error.
    fn timeout(&self, backoff: Duration);

    /// Stops fetching from these partitions until [`SinkTaskContext::resume`].
    fn pause(&self, partitions: &[TopicPartition]);

    /// Fetches again from paused partitions.
    fn resume(&self, partitions: &[TopicPartition]);

    /// Asks for an offset commit (`pre_commit`/`flush`) as soon as possible.
    fn request_commit(&self);
}

/// A task that writes records from Kafka to an external system.
#[async_trait]
pub trait SinkTask: Send {
    /// The task's version, normally its connector's.
    fn version(&self) -> String;

    /// Starts the task with one entry of its connector's `task_configs`.
    async fn start(
        &mut self,
        config: &ConfigMap,
        context: Arc<dyn SinkTaskContext>,
    ) -> ConnectorResult<()>;

    /// Partitions were assigned to this task. Default: nothing.
    async fn open(&mut self, _partitions: &[TopicPartition]) -> ConnectorResult<()> {
        Ok(())
    }

    /// Whether `put` looks at record headers. For a task that does not (and no
    /// transforms that could) the runtime leaves them out of its records instead of
    /// converting headers nobody reads. Default: true.
    fn reads_headers(&self) -> bool {
        true
    }

    /// Writes (or buffers) records. Borrowed, so the runtime can redeliver the same batch
    /// after a [`ConnectorError::Retriable`] without copying it. Dropped only when the
    /// task is stopping (see the module docs).
    async fn put(&mut self, records: &[SinkRecord]) -> ConnectorResult<()>;

    /// Makes everything given to `put` durable up to `offsets`. Default: nothing, as in
    /// Apache, for tasks that write synchronously in `put`.
    async fn flush(&mut self, _offsets: &SinkOffsets) -> ConnectorResult<()> {
        Ok(())
    }

    /// Before the runtime commits consumer offsets: returns the offsets that are safe to
    /// commit. Default: flush, then commit everything consumed.
    async fn pre_commit(&mut self, offsets: &SinkOffsets) -> ConnectorResult<SinkOffsets> {
        self.flush(offsets).await?;
        Ok(offsets.clone())
    }

    /// Partitions are being taken away from this task. Default: nothing.
    async fn close(&mut self, _partitions: &[TopicPartition]) -> ConnectorResult<()> {
        Ok(())
    }

    /// Releases resources. Called once, after `close`.
    async fn stop(&mut self) -> ConnectorResult<()>;
}

/// An [`OffsetReader`] over a fixed in-memory list: for tests and for tools that already
/// hold the offsets (e.g. a snapshot read from the offset store).
#[derive(Debug, Default)]
pub struct MemoryOffsetReader {
    entries: Mutex<Vec<(SourcePartition, SourceOffset)>>,
}

impl MemoryOffsetReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the offset of `partition`, replacing an earlier one.
    pub fn insert(&self, partition: SourcePartition, offset: SourceOffset) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.iter_mut().find(|(p, _)| *p == partition) {
            Some(entry) => entry.1 = offset,
            None => entries.push((partition, offset)),
        }
    }
}

#[async_trait]
impl OffsetReader for MemoryOffsetReader {
    async fn offset(&self, partition: &SourcePartition) -> ConnectorResult<Option<SourceOffset>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Ok(entries
            .iter()
            .find(|(p, _)| p == partition)
            .map(|(_, o)| o.clone()))
    }
}

/// The requests a sink task made through [`RecordingSinkTaskContext`], taken at once by
/// the runtime between `put` calls.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SinkTaskRequests {
    pub reset_offsets: SinkOffsets,
    pub timeout: Option<Duration>,
    pub paused: Vec<TopicPartition>,
    pub resumed: Vec<TopicPartition>,
    pub commit_requested: bool,
}

/// A [`SinkTaskContext`] that stores the task's requests for the runtime to pick up with
/// [`RecordingSinkTaskContext::take_requests`]; the runtime updates the assignment.
#[derive(Debug, Default)]
pub struct RecordingSinkTaskContext {
    assignment: Mutex<Vec<TopicPartition>>,
    requests: Mutex<SinkTaskRequests>,
}

impl RecordingSinkTaskContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the assignment the task sees.
    pub fn set_assignment(&self, partitions: Vec<TopicPartition>) {
        *self.assignment.lock().unwrap_or_else(|e| e.into_inner()) = partitions;
    }

    /// Returns and clears the pending requests.
    pub fn take_requests(&self) -> SinkTaskRequests {
        std::mem::take(&mut *self.requests.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn with_requests(&self, change: impl FnOnce(&mut SinkTaskRequests)) {
        change(&mut self.requests.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

impl SinkTaskContext for RecordingSinkTaskContext {
    fn assignment(&self) -> Vec<TopicPartition> {
        self.assignment
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn reset_offsets(&self, offsets: &SinkOffsets) {
        self.with_requests(|r| r.reset_offsets.extend(offsets.clone()));
    }

    fn timeout(&self, backoff: Duration) {
        self.with_requests(|r| r.timeout = Some(backoff));
    }

    fn pause(&self, partitions: &[TopicPartition]) {
        self.with_requests(|r| r.paused.extend_from_slice(partitions));
    }

    fn resume(&self, partitions: &[TopicPartition]) {
        self.with_requests(|r| r.resumed.extend_from_slice(partitions));
    }

    fn request_commit(&self) {
        self.with_requests(|r| r.commit_requested = true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        match value {
            serde_json::Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[tokio::test]
    async fn memory_offset_reader_finds_and_replaces() {
        let reader = MemoryOffsetReader::new();
        let partition = object(json!({"filename": "a"}));
        assert_eq!(reader.offset(&partition).await.unwrap(), None);
        reader.insert(partition.clone(), object(json!({"position": 1})));
        reader.insert(partition.clone(), object(json!({"position": 5})));
        assert_eq!(
            reader.offset(&partition).await.unwrap(),
            Some(object(json!({"position": 5})))
        );
        let both = reader
            .offsets(&[partition.clone(), object(json!({"filename": "b"}))])
            .await
            .unwrap();
        assert_eq!(both[0].1, Some(object(json!({"position": 5}))));
        assert_eq!(both[1].1, None);
    }

    #[test]
    fn recording_context_hands_requests_over_once() {
        let context = RecordingSinkTaskContext::new();
        let tp = TopicPartition::new("t", 0);
        context.set_assignment(vec![tp.clone()]);
        assert_eq!(context.assignment(), std::slice::from_ref(&tp));
        context.pause(std::slice::from_ref(&tp));
        context.request_commit();
        context.timeout(Duration::from_millis(50));
        context.reset_offsets(&SinkOffsets::from([(tp.clone(), 7)]));
        let requests = context.take_requests();
        assert_eq!(requests.paused, std::slice::from_ref(&tp));
        assert!(requests.commit_requested);
        assert_eq!(requests.timeout, Some(Duration::from_millis(50)));
        assert_eq!(requests.reset_offsets.get(&tp), Some(&7));
        assert_eq!(context.take_requests(), SinkTaskRequests::default());
    }

    #[test]
    fn kind_and_partition_render_like_connect() {
        assert_eq!(
            serde_json::to_string(&ConnectorKind::Sink).unwrap(),
            "\"sink\""
        );
        assert_eq!(ConnectorKind::Source.to_string(), "source");
        assert_eq!(TopicPartition::new("orders", 3).to_string(), "orders-3");
    }
}
