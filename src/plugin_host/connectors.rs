//! Java connectors and tasks behind Tributary's connector API: each call is a request to
//! the plugin host, which makes the same call on the plugin's instance.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value as Json, json};
use tokio::sync::oneshot;

use super::process::{HostError, PluginHost, Reply};
use super::records::RecordCodec;
use crate::config::{ConfigDef, ConfigInfos, ConfigKeyInfo};
use crate::connectors::{
    ConfigMap, Connector, ConnectorError, ConnectorKind, ConnectorResult, ConnectorValidation,
    RecordCommitter, RecordMetadata, SinkOffsets, SinkTask, SinkTaskContext, SourceOffset,
    SourcePartition, SourceTask, SourceTaskContext, TopicPartition,
};
use crate::data::{SinkRecord, SourceRecord};

impl From<HostError> for ConnectorError {
    /// A plugin's `RetriableException` stays retriable; anything else, the host's exit
    /// included, fails the connector or task with the Java trace (or the exit) as status.
    fn from(error: HostError) -> Self {
        match &error {
            HostError::Java(exception) if exception.kind == "retriable" => {
                ConnectorError::retriable(exception.message.clone().unwrap_or_default())
            }
            _ => ConnectorError::fatal(error.to_string()),
        }
    }
}

/// A Java plugin as the host listed it.
#[derive(Debug, Clone)]
pub struct JavaPlugin {
    pub class: String,
    pub kind: ConnectorKind,
    pub version: String,
}

/// A Java connector instance.
pub struct JavaConnector {
    host: Arc<PluginHost>,
    plugin: JavaPlugin,
    /// The connector's name once started: the host keeps the instance under it.
    name: Option<String>,
}

impl JavaConnector {
    pub fn new(host: Arc<PluginHost>, plugin: JavaPlugin) -> Self {
        JavaConnector {
            host,
            plugin,
            name: None,
        }
    }
}

#[async_trait]
impl Connector for JavaConnector {
    fn version(&self) -> String {
        self.plugin.version.clone()
    }

    fn kind(&self) -> ConnectorKind {
        self.plugin.kind
    }

    /// Unused for Java connectors: their tables come from the host
    /// ([`Connector::config_infos`], [`Connector::validation`]).
    fn config(&self) -> ConfigDef {
        ConfigDef::new()
    }

    fn config_infos(&self) -> Vec<ConfigKeyInfo> {
        #[derive(serde::Deserialize)]
        struct Described {
            keys: Vec<ConfigKeyInfo>,
        }
        let request = json!({"op": "describe", "class": self.plugin.class});
        match self
            .host
            .call_blocking(request)
            .map(|r| serde_json::from_value::<Described>(r.json))
        {
            Ok(Ok(described)) => described.keys,
            Ok(Err(e)) => {
                tracing::error!(class = self.plugin.class, error = %e, "unreadable config table from the plugin host");
                Vec::new()
            }
            Err(e) => {
                tracing::error!(class = self.plugin.class, error = %e, "the plugin host could not describe the connector");
                Vec::new()
            }
        }
    }

    fn validation(&self, config: &ConfigMap) -> ConnectorValidation {
        let request = json!({"op": "validate", "class": self.plugin.class, "config": config});
        match self
            .host
            .call_blocking(request)
            .map(|r| serde_json::from_value::<ConfigInfos>(r.json))
        {
            Ok(Ok(infos)) => ConnectorValidation {
                groups: infos.groups,
                configs: infos.configs,
            },
            Ok(Err(e)) => {
                failed_validation(&format!("unreadable validation from the plugin host: {e}"))
            }
            Err(e) => failed_validation(&e.to_string()),
        }
    }

    async fn start(&mut self, config: &ConfigMap) -> ConnectorResult<()> {
        let name = config
            .get("name")
            .cloned()
            .unwrap_or_else(|| self.plugin.class.clone());
        self.host
            .call(
                json!({"op": "connector.start", "connector": name, "class": self.plugin.class, "config": config}),
                Vec::new(),
            )
            .await?;
        self.name = Some(name);
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> ConnectorResult<Vec<ConfigMap>> {
        let name = self
            .name
            .as_deref()
            .ok_or_else(|| ConnectorError::fatal("connector not started"))?;
        let reply = self.host.call_blocking(
            json!({"op": "connector.taskConfigs", "connector": name, "maxTasks": max_tasks}),
        )?;
        serde_json::from_value(reply.json).map_err(|e| {
            ConnectorError::fatal(format!("unreadable task configs from the plugin host: {e}"))
        })
    }

    async fn stop(&mut self) -> ConnectorResult<()> {
        let Some(name) = self.name.take() else {
            return Ok(());
        };
        self.host
            .call(
                json!({"op": "connector.stop", "connector": name}),
                Vec::new(),
            )
            .await?;
        Ok(())
    }

    async fn alter_source_offsets(
        &self,
        config: &ConfigMap,
        offsets: &[(SourcePartition, Option<SourceOffset>)],
    ) -> ConnectorResult<bool> {
        let offsets: Vec<Json> = offsets
            .iter()
            .map(|(partition, offset)| {
                json!([
                    Json::Object(partition.clone()).to_string(),
                    offset.as_ref().map(|o| Json::Object(o.clone()).to_string())
                ])
            })
            .collect();
        let reply = self
            .host
            .call(
                json!({"op": "connector.alterOffsets", "class": self.plugin.class, "config": config, "offsets": offsets}),
                Vec::new(),
            )
            .await?;
        Ok(reply.json["handled"].as_bool().unwrap_or(false))
    }
}

/// A validation the host could not give: one error, on `connector.class`, so the config
/// is refused with the reason instead of passing unchecked.
fn failed_validation(reason: &str) -> ConnectorValidation {
    ConnectorValidation {
        groups: Vec::new(),
        configs: vec![crate::config::ConfigInfo {
            definition: None,
            value: Some(crate::config::ConfigValueInfo {
                name: "connector.class".to_owned(),
                value: None,
                recommended_values: Vec::new(),
                errors: vec![reason.to_owned()],
                visible: true,
            }),
        }],
    }
}

/// A request about one task: `{"op", "task"}` and the fields of `extra` (an object, or null).
fn task_request(op: &str, task: &str, extra: Json) -> Json {
    let mut request = json!({"op": op, "task": task});
    if let (Json::Object(request), Json::Object(extra)) = (&mut request, extra) {
        request.extend(extra);
    }
    request
}

/// Host-side names of task instances: unique within this process.
static TASK_KEYS: AtomicU64 = AtomicU64::new(1);

fn task_key(class: &str) -> String {
    let simple = class.rsplit('.').next().unwrap_or(class);
    format!("{simple}-{}", TASK_KEYS.fetch_add(1, Ordering::Relaxed))
}

/// A Java source task.
pub struct JavaSourceTask {
    host: Arc<PluginHost>,
    plugin: JavaPlugin,
    key: String,
    codec: RecordCodec,
    version: String,
    /// `commitRecord` and `commit` calls, in the order the runtime made them.
    commits: Option<CommitQueue>,
}

/// One task's `commitRecord` and `commit` calls, sent to the host one after the other by a
/// forwarding task: the runtime hands over `commitRecord` batches without waiting, and a
/// `commit` must reach the plugin after the `commitRecord`s made before it (Debezium's
/// `commit` acknowledges what `commitRecord` recorded).
/// A queued call, and where its answer goes (`None`: nobody waits).
type QueuedCall = (Json, Option<oneshot::Sender<Result<Reply, HostError>>>);

#[derive(Clone)]
struct CommitQueue {
    calls: tokio::sync::mpsc::UnboundedSender<QueuedCall>,
}

impl CommitQueue {
    fn start(host: Arc<PluginHost>) -> Self {
        let (calls, mut queued) = tokio::sync::mpsc::unbounded_channel::<QueuedCall>();
        tokio::spawn(async move {
            while let Some((request, answer)) = queued.recv().await {
                let result = host.call(request, Vec::new()).await;
                match answer {
                    Some(answer) => {
                        let _ = answer.send(result);
                    }
                    // A lost commitRecord batch is the host's exit, which the task's next
                    // call reports.
                    None => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, "commitRecord did not reach the plugin");
                        }
                    }
                }
            }
        });
        CommitQueue { calls }
    }

    fn send(&self, request: Json) {
        let _ = self.calls.send((request, None));
    }

    async fn call(&self, request: Json) -> Result<Reply, HostError> {
        let (answer, answered) = oneshot::channel();
        if self.calls.send((request, Some(answer))).is_err() {
            return Err(HostError::Protocol("the commit queue is closed".to_owned()));
        }
        answered
            .await
            .unwrap_or_else(|_| Err(HostError::Protocol("the commit queue is closed".to_owned())))
    }
}

impl JavaSourceTask {
    pub fn new(host: Arc<PluginHost>, plugin: JavaPlugin) -> Self {
        let key = task_key(&plugin.class);
        let version = plugin.version.clone();
        JavaSourceTask {
            host,
            plugin,
            key,
            codec: RecordCodec::default(),
            version,
            commits: None,
        }
    }

    async fn call(&self, op: &str, extra: Json, block: Vec<u8>) -> Result<Reply, HostError> {
        let request = task_request(op, &self.key, extra);
        self.host.call(request, block).await
    }
}

#[async_trait]
impl SourceTask for JavaSourceTask {
    fn version(&self) -> String {
        self.version.clone()
    }

    async fn start(
        &mut self,
        config: &ConfigMap,
        context: SourceTaskContext,
    ) -> ConnectorResult<()> {
        // The host's offset reads for this task reach the connector's stored offsets.
        self.host.register_offsets(&self.key, context.reader());
        let reply = self
            .call(
                "task.start",
                json!({"connector": self.key, "class": self.plugin.class, "config": config}),
                Vec::new(),
            )
            .await?;
        if let Some(version) = reply.json["version"].as_str() {
            self.version = version.to_owned();
        }
        self.commits = Some(CommitQueue::start(self.host.clone()));
        Ok(())
    }

    async fn poll(&mut self) -> ConnectorResult<Vec<SourceRecord>> {
        let reply = self.call("task.poll", Json::Null, Vec::new()).await?;
        if reply.block.is_empty() {
            return Ok(Vec::new());
        }
        self.codec
            .decode_source(&reply.block)
            .map_err(|e| ConnectorError::fatal_with("unreadable records from the plugin host", e))
    }

    async fn commit(&mut self) -> ConnectorResult<()> {
        let request = json!({"op": "task.commit", "task": self.key});
        match &self.commits {
            Some(commits) => commits.call(request).await?,
            None => self.host.call(request, Vec::new()).await?,
        };
        Ok(())
    }

    fn record_committer(&self) -> Option<Arc<dyn RecordCommitter>> {
        let commits = self.commits.clone()?;
        Some(Arc::new(JavaRecordCommitter {
            key: self.key.clone(),
            commits,
        }))
    }

    async fn stop(&mut self) -> ConnectorResult<()> {
        let result = self.call("task.stop", Json::Null, Vec::new()).await;
        self.host.unregister_offsets(&self.key);
        result?;
        Ok(())
    }
}

/// A Java task's `commitRecord`: the host keeps each polled record until it is committed
/// (Debezium records its position from these; MirrorMaker 2 writes offset syncs).
struct JavaRecordCommitter {
    key: String,
    commits: CommitQueue,
}

impl RecordCommitter for JavaRecordCommitter {
    fn commit_records(&self, records: Vec<(u64, Option<RecordMetadata>)>) {
        let records: Vec<Json> = records
            .into_iter()
            .map(|(index, metadata)| match metadata {
                Some(m) => json!([index, m.topic, m.partition, m.offset, m.timestamp]),
                None => json!([index]),
            })
            .collect();
        // Not awaited: the task loop must not wait for the plugin (Apache calls
        // commitRecord from the producer's thread).
        self.commits
            .send(json!({"op": "task.commitRecords", "task": self.key, "records": records}));
    }
}

/// A Java sink task.
pub struct JavaSinkTask {
    host: Arc<PluginHost>,
    plugin: JavaPlugin,
    key: String,
    codec: RecordCodec,
    version: String,
    context: Option<Arc<dyn SinkTaskContext>>,
}

impl JavaSinkTask {
    pub fn new(host: Arc<PluginHost>, plugin: JavaPlugin) -> Self {
        let key = task_key(&plugin.class);
        let version = plugin.version.clone();
        JavaSinkTask {
            host,
            plugin,
            key,
            codec: RecordCodec::default(),
            version,
            context: None,
        }
    }

    /// Makes the call, then passes on what the task asked of its context meanwhile.
    async fn call(&self, op: &str, extra: Json, block: Vec<u8>) -> ConnectorResult<Json> {
        let request = task_request(op, &self.key, extra);
        let reply = self.host.call(request, block).await?;
        if let Some(context) = &self.context {
            apply_requests(context.as_ref(), &reply.json["requests"]);
        }
        Ok(reply.json)
    }
}

fn partitions_json(partitions: &[TopicPartition]) -> Json {
    Json::Array(
        partitions
            .iter()
            .map(|tp| json!([tp.topic, tp.partition]))
            .collect(),
    )
}

fn partitions_from(json: &Json) -> Vec<TopicPartition> {
    json.as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            Some(TopicPartition::new(
                entry[0].as_str()?,
                i32::try_from(entry[1].as_i64()?).ok()?,
            ))
        })
        .collect()
}

fn offsets_from(json: &Json) -> SinkOffsets {
    json.as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            Some((
                TopicPartition::new(entry[0].as_str()?, i32::try_from(entry[1].as_i64()?).ok()?),
                entry[2].as_i64()?,
            ))
        })
        .collect()
}

/// The Java `SinkTaskContext` calls, replayed on Tributary's context.
fn apply_requests(context: &dyn SinkTaskContext, requests: &Json) {
    if requests.is_null() {
        return;
    }
    let offsets = offsets_from(&requests["offsets"]);
    if !offsets.is_empty() {
        context.reset_offsets(&offsets);
    }
    let paused = partitions_from(&requests["pause"]);
    if !paused.is_empty() {
        context.pause(&paused);
    }
    let resumed = partitions_from(&requests["resume"]);
    if !resumed.is_empty() {
        context.resume(&resumed);
    }
    if let Some(ms) = requests["timeoutMs"].as_u64() {
        context.timeout(Duration::from_millis(ms));
    }
    if requests["commit"].as_bool() == Some(true) {
        context.request_commit();
    }
}

#[async_trait]
impl SinkTask for JavaSinkTask {
    fn version(&self) -> String {
        self.version.clone()
    }

    async fn start(
        &mut self,
        config: &ConfigMap,
        context: Arc<dyn SinkTaskContext>,
    ) -> ConnectorResult<()> {
        self.context = Some(context);
        let reply = self
            .call(
                "task.start",
                json!({"connector": self.key, "class": self.plugin.class, "config": config}),
                Vec::new(),
            )
            .await?;
        if let Some(version) = reply["version"].as_str() {
            self.version = version.to_owned();
        }
        Ok(())
    }

    async fn open(&mut self, partitions: &[TopicPartition]) -> ConnectorResult<()> {
        self.call(
            "task.open",
            json!({"partitions": partitions_json(partitions)}),
            Vec::new(),
        )
        .await?;
        Ok(())
    }

    async fn put(&mut self, records: &[SinkRecord]) -> ConnectorResult<()> {
        let block = self
            .codec
            .encode_sink(records)
            .map_err(|e| ConnectorError::fatal_with("cannot pass records to the plugin host", e))?;
        self.call("task.put", Json::Null, block).await?;
        Ok(())
    }

    async fn flush(&mut self, offsets: &SinkOffsets) -> ConnectorResult<()> {
        self.pre_commit(offsets).await.map(|_| ())
    }

    async fn pre_commit(&mut self, offsets: &SinkOffsets) -> ConnectorResult<SinkOffsets> {
        let list: Vec<Json> = offsets
            .iter()
            .map(|(tp, offset)| json!([tp.topic, tp.partition, offset]))
            .collect();
        let reply = self
            .call("task.preCommit", json!({"offsets": list}), Vec::new())
            .await?;
        Ok(offsets_from(&reply["offsets"]))
    }

    async fn close(&mut self, partitions: &[TopicPartition]) -> ConnectorResult<()> {
        self.call(
            "task.close",
            json!({"partitions": partitions_json(partitions)}),
            Vec::new(),
        )
        .await?;
        Ok(())
    }

    async fn stop(&mut self) -> ConnectorResult<()> {
        self.call("task.stop", Json::Null, Vec::new()).await?;
        Ok(())
    }
}
