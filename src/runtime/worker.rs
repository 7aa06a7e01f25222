//! The worker: a container of connector instances and tasks (Apache's `Worker`). It
//! starts them with their converters and Kafka clients, changes their target state,
//! and stops them; the herder (standalone) or the Kubernetes worker decides what runs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::TargetState;
use super::config::connector::{
    ConnectorConfig, SinkConnectorConfig, TASKS_MAX, TASKS_MAX_ENFORCE, connector_config_def,
};
use super::config::override_policy::{OverrideClient, OverridePolicy};
use super::config::providers::{self, ConfigProviders};
use super::config::worker::WorkerConfig;
use super::errors::{DeadLetterQueue, DlqError, DlqSettings, ErrorHandler, LogReporter};
use super::kafka::{
    ClientConfigError, ClientKind, client_config, sink_consumer_defaults, source_producer_defaults,
    translate_client,
};
use super::metrics::TaskMetrics;
use super::pipeline::{Converters, converter_class_name};
use super::sink_task::{MAX_POLL_RECORDS, SinkTaskRunner};
use super::source_task::SourceTaskRunner;
use super::status::{State, Status, StatusStore, TaskId, TaskStatusReporter};
use super::storage::{OffsetBackingStore, OffsetStorageReader, OffsetStorageWriter};
use super::topics::ActiveTopics;
use crate::config::{ConfigError, ParsedValue};
use crate::connectors::{
    self, ConfigMap, Connector, ConnectorError, ConnectorKind, OffsetReader,
    RecordingSinkTaskContext, Registry, SourceTaskContext,
};
use crate::data::converters::{self, Converter};
use crate::runtime::TransformChain;
use crate::transforms::TransformError;

/// A converter class and its own settings (prefix already stripped).
#[derive(Clone, Debug, PartialEq)]
pub struct ConverterSpec {
    pub class: String,
    pub config: BTreeMap<String, String>,
}

/// How often a `topics.regex` sink looks for new topics without `metadata.max.age.ms`
/// (the Java consumer's default, 5 minutes).
const TOPIC_REFRESH: Duration = Duration::from_secs(300);

/// What the worker needs from its configuration (standalone properties or the
/// `KafkaConnect` spec).
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    pub worker_id: String,
    pub bootstrap_servers: String,
    pub key_converter: ConverterSpec,
    pub value_converter: ConverterSpec,
    /// Top-level Java client settings, for every client (under the prefixed ones).
    pub client: BTreeMap<String, String>,
    /// `producer.*` settings (prefix stripped), Java keys.
    pub producer: BTreeMap<String, String>,
    /// `consumer.*` settings (prefix stripped), Java keys.
    pub consumer: BTreeMap<String, String>,
    /// Raw `admin.*` settings (prefix stripped), for the admin client that creates
    /// dead-letter queue topics.
    pub admin: BTreeMap<String, String>,
    /// `config.providers`: resolve `${provider:path:key}` in connector configs.
    pub config_providers: ConfigProviders,
    /// Which `*.override.*` client settings connectors may use.
    pub override_policy: OverridePolicy,
    pub offset_flush_interval: Duration,
    pub offset_flush_timeout: Duration,
    pub task_shutdown_timeout: Duration,
}

impl WorkerSettings {
    /// The settings of a worker config (standalone properties or the ConfigMap the
    /// operator writes), under the given worker id.
    pub fn from_config(worker_id: String, config: &WorkerConfig) -> Self {
        let converter = |class: &str, prefix: &str| ConverterSpec {
            class: class.to_owned(),
            config: config.converter_config(prefix).into_iter().collect(),
        };
        WorkerSettings {
            worker_id,
            bootstrap_servers: config.bootstrap_servers.join(","),
            key_converter: converter(&config.key_converter, "key.converter"),
            value_converter: converter(&config.value_converter, "value.converter"),
            client: config.client_settings.clone().into_iter().collect(),
            producer: config.producer_passthrough.clone().into_iter().collect(),
            consumer: config.consumer_passthrough.clone().into_iter().collect(),
            admin: config.admin_passthrough.clone().into_iter().collect(),
            config_providers: ConfigProviders::from_worker_config_or_failing(config),
            override_policy: config.override_policy.clone(),
            offset_flush_interval: config.offset_flush_interval,
            offset_flush_timeout: config.offset_flush_timeout,
            task_shutdown_timeout: config.task_shutdown_graceful_timeout,
        }
    }
}

/// Why the worker could not start something.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// A connector config the runtime cannot use (missing class, bad converter, ...).
    #[error("{0}")]
    Config(String),
    /// The connector config does not satisfy the runtime's definition table.
    #[error(transparent)]
    InvalidConfig(#[from] ConfigError),
    /// A `${provider:path:key}` placeholder could not be resolved.
    #[error(transparent)]
    ConfigProvider(#[from] providers::ProviderError),
    /// The `transforms=` chain could not be built.
    #[error(transparent)]
    Transforms(#[from] TransformError),
    /// The dead-letter queue topic or its producer could not be set up.
    #[error(transparent)]
    DeadLetterQueue(#[from] DlqError),
    #[error("Connector {0} not found")]
    UnknownConnector(String),
    /// The Kafka client settings cannot be used (see `docs/compatibility.md`).
    #[error(transparent)]
    ClientConfig(#[from] ClientConfigError),
    #[error(transparent)]
    Plugin(#[from] connectors::RegistryError),
}

struct RunningConnector {
    connector: Box<dyn Connector>,
    kind: ConnectorKind,
    target: TargetState,
}

struct RunningTask {
    shutdown: CancellationToken,
    target: watch::Sender<TargetState>,
    handle: JoinHandle<()>,
    metrics: Arc<TaskMetrics>,
}

/// Runs connector instances and tasks on this process.
pub struct Worker {
    settings: WorkerSettings,
    plugins: Arc<Registry>,
    offsets: Arc<dyn OffsetBackingStore>,
    status: StatusStore,
    connectors: Mutex<HashMap<String, RunningConnector>>,
    tasks: Mutex<HashMap<TaskId, RunningTask>>,
    /// Topics each connector's tasks produced to or consumed from (Apache's active
    /// topics, behind `GET /connectors/{name}/topics`).
    active_topics: ActiveTopics,
}

impl Worker {
    pub fn new(
        settings: WorkerSettings,
        plugins: Arc<Registry>,
        offsets: Arc<dyn OffsetBackingStore>,
        status: StatusStore,
    ) -> Self {
        Worker {
            settings,
            plugins,
            offsets,
            status,
            connectors: Mutex::default(),
            tasks: Mutex::default(),
            active_topics: ActiveTopics::default(),
        }
    }

    /// The settings this worker was started with.
    pub fn settings(&self) -> &WorkerSettings {
        &self.settings
    }

    /// The topics `connector` has used since the last reset, sorted.
    pub fn active_topics(&self, connector: &str) -> Vec<String> {
        self.active_topics.get(connector)
    }

    /// Forgets the topics `connector` has used.
    pub fn reset_active_topics(&self, connector: &str) {
        self.active_topics.reset(connector);
    }

    pub fn worker_id(&self) -> &str {
        &self.settings.worker_id
    }

    pub fn status(&self) -> &StatusStore {
        &self.status
    }

    pub fn offsets(&self) -> &Arc<dyn OffsetBackingStore> {
        &self.offsets
    }

    pub fn plugins(&self) -> &Arc<Registry> {
        &self.plugins
    }

    /// Starts a connector instance and returns its task configs (none when stopped).
    /// A failure is reported as the connector's FAILED state and returned.
    pub async fn start_connector(
        &self,
        name: &str,
        config: &ConfigMap,
        target: TargetState,
    ) -> Result<Vec<ConfigMap>, WorkerError> {
        let result = self.try_start_connector(name, config, target).await;
        match &result {
            Ok(_) => self.report_connector(name, target.task_state(), None),
            Err(e) => {
                let trace = match e {
                    WorkerError::Connector(c) => c.trace(),
                    other => other.to_string(),
                };
                tracing::error!(connector = name, error = %trace, "connector failed to start");
                self.report_connector(name, State::Failed, Some(trace));
            }
        }
        result
    }

    async fn try_start_connector(
        &self,
        name: &str,
        raw_config: &ConfigMap,
        target: TargetState,
    ) -> Result<Vec<ConfigMap>, WorkerError> {
        let config = &self.resolve(raw_config).await?;
        let class = required(config, "connector.class")?;
        let mut connector = self.plugins.create_connector(class)?;
        let kind = connector.kind();
        let max_tasks = tasks_max(config)?;
        let task_configs = if target == TargetState::Stopped {
            Vec::new()
        } else {
            connector.start(config).await?;
            let generated = connector.task_configs(max_tasks)?;
            if let Err(too_many) = check_task_count(name, config, generated.len(), max_tasks) {
                let _ = connector.stop().await;
                return Err(too_many);
            }
            // Task configs are stored and shown: they get the placeholders back.
            generated
                .into_iter()
                .map(|task_config| providers::reverse_transform(raw_config, task_config))
                .collect()
        };
        tracing::info!(connector = name, %kind, tasks = task_configs.len(), "connector started");
        self.connectors.lock().await.insert(
            name.to_owned(),
            RunningConnector {
                connector,
                kind,
                target,
            },
        );
        Ok(task_configs)
    }

    /// Starts one task of a started connector.
    pub async fn start_task(
        &self,
        id: TaskId,
        connector_config: &ConfigMap,
        task_config: &ConfigMap,
        target: TargetState,
    ) -> Result<(), WorkerError> {
        let kind = self
            .connectors
            .lock()
            .await
            .get(&id.connector)
            .map(|c| c.kind)
            .ok_or_else(|| WorkerError::UnknownConnector(id.connector.clone()))?;
        let reporter = TaskStatusReporter {
            id: id.clone(),
            worker_id: self.settings.worker_id.clone(),
            store: self.status.clone(),
        };
        match self
            .spawn_task(
                kind,
                &id,
                connector_config,
                task_config,
                target,
                reporter.clone(),
            )
            .await
        {
            Ok(running) => {
                self.tasks.lock().await.insert(id, running);
                Ok(())
            }
            Err(e) => {
                let trace = match &e {
                    WorkerError::Connector(c) => c.trace(),
                    other => other.to_string(),
                };
                tracing::error!(task = %id, error = %trace, "task failed to start");
                reporter.report(State::Failed, Some(trace));
                Err(e)
            }
        }
    }

    async fn spawn_task(
        &self,
        kind: ConnectorKind,
        id: &TaskId,
        connector_config: &ConfigMap,
        task_config: &ConfigMap,
        target: TargetState,
        reporter: TaskStatusReporter,
    ) -> Result<RunningTask, WorkerError> {
        let connector_config = &self.resolve(connector_config).await?;
        let task_config = &self.resolve(task_config).await?;
        let class = required(connector_config, "connector.class")?;
        let (key, key_class) = self.converter(connector_config, "key.converter", true)?;
        let (value, value_class) = self.converter(connector_config, "value.converter", false)?;
        let converters = Converters {
            key,
            value,
            key_class,
            value_class,
        };
        let props: indexmap::IndexMap<String, String> = connector_config
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let shutdown = CancellationToken::new();
        let (target_tx, target_rx) = watch::channel(target);
        let metrics = Arc::new(TaskMetrics::default());
        let handle = match kind {
            ConnectorKind::Source => {
                let mut task = self.plugins.create_source_task(class)?;
                let reader: Arc<dyn OffsetReader> = Arc::new(ConnectorOffsets(
                    OffsetStorageReader::new(self.offsets.clone(), id.connector.clone()),
                ));
                task.start(task_config, SourceTaskContext::new(reader))
                    .await?;
                let common = ConnectorConfig::from_props(&props)?;
                let transforms = transform_chain(&common)?;
                let errors = ErrorHandler::new(
                    common.errors.clone(),
                    LogReporter::new(id.clone()),
                    None,
                    shutdown.clone(),
                );
                let producer_config = client_config(
                    ClientKind::Producer,
                    &self.settings.bootstrap_servers,
                    [
                        &source_producer_defaults(&format!("connector-producer-{id}")),
                        &self.settings.client,
                        &self.settings.producer,
                        &self.overrides(connector_config, OverrideClient::Producer)?,
                    ],
                )?;
                let runner = SourceTaskRunner {
                    task,
                    converters,
                    transforms,
                    errors,
                    producer_config,
                    offsets: OffsetStorageWriter::new(self.offsets.clone(), id.connector.clone()),
                    offset_flush_interval: self.settings.offset_flush_interval,
                    offset_flush_timeout: self.settings.offset_flush_timeout,
                    status: reporter,
                    target: target_rx,
                    shutdown: shutdown.clone(),
                    metrics: metrics.clone(),
                    topics: self.active_topics.reporter(&id.connector),
                };
                tokio::spawn(runner.run())
            }
            ConnectorKind::Sink => {
                let sink_config = SinkConnectorConfig::from_props(&props)?;
                let subscription = sink_config.subscription();
                let transforms = transform_chain(&sink_config.common)?;
                let dlq = self
                    .dead_letter_queue(id, &sink_config, connector_config)
                    .await?;
                let errors = ErrorHandler::new(
                    sink_config.common.errors.clone(),
                    LogReporter::new(id.clone()),
                    dlq,
                    shutdown.clone(),
                );
                let mut task = self.plugins.create_sink_task(class)?;
                let context = Arc::new(RecordingSinkTaskContext::new());
                task.start(task_config, context.clone()).await?;
                let consumer = translate_client(
                    ClientKind::Consumer,
                    &self.settings.bootstrap_servers,
                    [
                        &sink_consumer_defaults(
                            &format!("connect-{}", id.connector),
                            &format!("connector-consumer-{id}"),
                        ),
                        &self.settings.client,
                        &self.settings.consumer,
                        &self.overrides(connector_config, OverrideClient::Consumer)?,
                    ],
                )?;
                let topic_refresh = consumer
                    .config
                    .get("metadata.max.age.ms")
                    .and_then(|ms| ms.parse().ok())
                    .map_or(TOPIC_REFRESH, Duration::from_millis);
                let runner = SinkTaskRunner {
                    task,
                    context,
                    converters,
                    transforms,
                    errors,
                    consumer_config: consumer.config,
                    max_batch: consumer.max_poll_records.unwrap_or(MAX_POLL_RECORDS),
                    topic_refresh,
                    subscription,
                    offset_flush_interval: self.settings.offset_flush_interval,
                    status: reporter,
                    target: target_rx,
                    shutdown: shutdown.clone(),
                    metrics: metrics.clone(),
                    topics: self.active_topics.reporter(&id.connector),
                };
                tokio::spawn(runner.run())
            }
        };
        tracing::info!(task = %id, %kind, "task started");
        Ok(RunningTask {
            shutdown,
            target: target_tx,
            handle,
            metrics,
        })
    }

    /// A connector's overrides for one client, once the worker's policy allows them all
    /// (Apache's `Worker.connectorClientConfigOverrides`; its message lists the refused
    /// settings, here by name and reason only, since values may be secrets).
    fn overrides(
        &self,
        connector_config: &ConfigMap,
        client: OverrideClient,
    ) -> Result<BTreeMap<String, String>, WorkerError> {
        let violations = self
            .settings
            .override_policy
            .violations(connector_config, client);
        if !violations.is_empty() {
            let refused: Vec<String> = violations
                .iter()
                .map(|v| format!("[{}: {}]", v.key, v.message))
                .collect();
            return Err(WorkerError::Config(format!(
                "Client Config Overrides not allowed {}",
                refused.join(", ")
            )));
        }
        Ok(prefixed(connector_config, client.prefix()))
    }

    /// `config` with its `${provider:path:key}` placeholders resolved. The result must
    /// only be handed to a connector or task: never stored, shown or logged.
    async fn resolve(&self, config: &ConfigMap) -> Result<ConfigMap, WorkerError> {
        self.settings
            .config_providers
            .transform(config)
            .await
            .map_err(WorkerError::from)
    }

    /// The sink's dead-letter queue, when `errors.deadletterqueue.topic.name` is set: the
    /// topic is created when missing, the producer uses the worker's and the connector's
    /// producer settings (Apache's `connector-dlq-producer-<task>`).
    async fn dead_letter_queue(
        &self,
        id: &TaskId,
        sink_config: &SinkConnectorConfig,
        connector_config: &ConfigMap,
    ) -> Result<Option<DeadLetterQueue>, WorkerError> {
        let Some(topic) = &sink_config.dlq_topic_name else {
            return Ok(None);
        };
        let settings = DlqSettings {
            topic: topic.clone(),
            replication_factor: sink_config.dlq_topic_replication_factor,
            context_headers: sink_config.dlq_context_headers_enable,
        };
        let client_id = format!("connector-dlq-producer-{id}");
        let producer_defaults = BTreeMap::from([
            ("client.id".to_owned(), client_id.clone()),
            ("acks".to_owned(), "all".to_owned()),
            ("enable.idempotence".to_owned(), "true".to_owned()),
        ]);
        let producer_config = client_config(
            ClientKind::Producer,
            &self.settings.bootstrap_servers,
            [
                &producer_defaults,
                &self.settings.client,
                &self.settings.producer,
                &self.overrides(connector_config, OverrideClient::Producer)?,
            ],
        )?;
        let admin_config = client_config(
            ClientKind::Admin,
            &self.settings.bootstrap_servers,
            [
                &BTreeMap::from([(
                    "client.id".to_owned(),
                    format!("connector-dlq-adminclient-{id}"),
                )]),
                &self.settings.client,
                &self.settings.admin,
                &self.overrides(connector_config, OverrideClient::Admin)?,
            ],
        )?;
        DeadLetterQueue::create(&settings, id.clone(), &admin_config, &producer_config)
            .await
            .map(Some)
            .map_err(WorkerError::from)
    }

    /// The connector's converter when it overrides the worker's, else the worker's,
    /// with its Java class name.
    fn converter(
        &self,
        connector_config: &ConfigMap,
        key: &str,
        is_key: bool,
    ) -> Result<(Box<dyn Converter>, String), WorkerError> {
        let worker_default = if is_key {
            &self.settings.key_converter
        } else {
            &self.settings.value_converter
        };
        let spec = match connector_config.get(key) {
            Some(class) => ConverterSpec {
                class: class.clone(),
                config: prefixed(connector_config, &format!("{key}.")),
            },
            None => worker_default.clone(),
        };
        let converter =
            converters::converter_for(&spec.class, &spec.config, is_key).map_err(|e| {
                WorkerError::Config(format!(
                    "Invalid value {} for configuration {key}: {e}",
                    spec.class
                ))
            })?;
        Ok((converter, converter_class_name(&spec.class)))
    }

    /// Pauses, resumes or stops a connector's running tasks.
    pub async fn set_target_state(&self, connector: &str, target: TargetState) {
        if let Some(running) = self.connectors.lock().await.get_mut(connector) {
            running.target = target;
        }
        self.report_connector(connector, target.task_state(), None);
        for (id, task) in self.tasks.lock().await.iter() {
            if id.connector == connector {
                let _ = task.target.send(target);
            }
        }
    }

    /// Stops the given tasks, waiting up to `task.shutdown.graceful.timeout.ms` in total
    /// for them to flush (Apache's one deadline for the whole group); a task that has not
    /// stopped by then is aborted.
    pub async fn stop_tasks(&self, ids: &[TaskId]) {
        let stopping: Vec<(TaskId, RunningTask)> = {
            let mut tasks = self.tasks.lock().await;
            ids.iter()
                .filter_map(|id| tasks.remove(id).map(|t| (id.clone(), t)))
                .collect()
        };
        for (_, task) in &stopping {
            task.shutdown.cancel();
        }
        let handles = stopping.into_iter().map(|(id, task)| (id, task.handle));
        await_or_abort(handles, self.settings.task_shutdown_timeout).await;
    }

    /// Stops a connector instance and all of its tasks.
    pub async fn stop_connector(&self, name: &str) {
        let ids: Vec<TaskId> = self
            .tasks
            .lock()
            .await
            .keys()
            .filter(|id| id.connector == name)
            .cloned()
            .collect();
        self.stop_tasks(&ids).await;
        if let Some(mut running) = self.connectors.lock().await.remove(name)
            && running.target != TargetState::Stopped
            && let Err(e) = running.connector.stop().await
        {
            tracing::warn!(connector = name, error = %e, "connector stop failed");
        }
    }

    /// The task configs a started connector gives now (Apache's herder asks again when the
    /// connector calls `requestTaskReconfiguration`), with the placeholders of `raw_config`
    /// back in, as they are stored; `None` when the connector does not run here.
    pub async fn current_task_configs(
        &self,
        name: &str,
        raw_config: &ConfigMap,
    ) -> Option<Result<Vec<ConfigMap>, WorkerError>> {
        let connectors = self.connectors.lock().await;
        let running = connectors.get(name)?;
        if running.target == TargetState::Stopped {
            return Some(Ok(Vec::new()));
        }
        let configs = tasks_max(raw_config).and_then(|max| {
            let generated = running.connector.task_configs(max)?;
            check_task_count(name, raw_config, generated.len(), max)?;
            Ok(generated
                .into_iter()
                .map(|task_config| providers::reverse_transform(raw_config, task_config))
                .collect())
        });
        Some(configs)
    }

    /// Reports a running connector FAILED with `trace`, as Apache does when a connector
    /// calls `ConnectorContext.raiseError`; its tasks keep running, as in Apache.
    pub fn fail_connector(&self, name: &str, trace: String) {
        self.report_connector(name, State::Failed, Some(trace));
    }

    /// Stops a connector instance but leaves its tasks running: the first half of a
    /// restart of the instance alone; [`Worker::start_connector`] is the second.
    pub async fn stop_connector_instance(&self, name: &str) {
        let running = self.connectors.lock().await.remove(name);
        if let Some(mut running) = running
            && running.target != TargetState::Stopped
            && let Err(e) = running.connector.stop().await
        {
            tracing::warn!(connector = name, error = %e, "connector stop failed");
        }
    }

    /// Stops everything (worker shutdown).
    pub async fn stop_all(&self) {
        let names: Vec<String> = self.connectors.lock().await.keys().cloned().collect();
        for name in names {
            self.stop_connector(&name).await;
        }
    }

    /// The ids of the running tasks of a connector.
    pub async fn task_ids(&self, connector: &str) -> Vec<TaskId> {
        let mut ids: Vec<TaskId> = self
            .tasks
            .lock()
            .await
            .keys()
            .filter(|id| id.connector == connector)
            .cloned()
            .collect();
        ids.sort();
        ids
    }

    /// Counters of a running task.
    pub async fn task_metrics(&self, id: &TaskId) -> Option<Arc<TaskMetrics>> {
        self.tasks.lock().await.get(id).map(|t| t.metrics.clone())
    }

    /// The kind of a running connector.
    pub async fn connector_kind(&self, name: &str) -> Option<ConnectorKind> {
        self.connectors.lock().await.get(name).map(|c| c.kind)
    }

    fn report_connector(&self, name: &str, state: State, trace: Option<String>) {
        self.status.put_connector(
            name,
            Status {
                state,
                worker_id: self.settings.worker_id.clone(),
                trace,
            },
        );
    }
}

/// Source tasks read their connector's committed offsets through the offset store.
struct ConnectorOffsets(OffsetStorageReader);

#[async_trait::async_trait]
impl OffsetReader for ConnectorOffsets {
    async fn offset(
        &self,
        partition: &connectors::SourcePartition,
    ) -> connectors::ConnectorResult<Option<connectors::SourceOffset>> {
        self.0
            .offset(partition)
            .await
            .map_err(|e| ConnectorError::retriable_with("Failed to read source offsets", e))
    }
}

/// The connector's transform chain, built once per task start; a bad chain config fails
/// the task with its message.
fn transform_chain(config: &ConnectorConfig) -> Result<TransformChain, WorkerError> {
    Ok(TransformChain::from_config(config)?)
}

fn required<'a>(config: &'a ConfigMap, key: &str) -> Result<&'a str, WorkerError> {
    config
        .get(key)
        .map(String::as_str)
        .ok_or_else(|| ConfigError::Missing(key.to_owned()).into())
}

/// Apache's check of a connector's task configs against `tasks.max`: more than it are a
/// `TooManyTasksException` (the connector fails), or with `tasks.max.enforce=false` a
/// warning and all of them run.
fn check_task_count(
    name: &str,
    config: &ConfigMap,
    generated: usize,
    max_tasks: usize,
) -> Result<(), WorkerError> {
    if generated <= max_tasks {
        return Ok(());
    }
    let enforce = !matches!(
        connector_config_def().parse_one(TASKS_MAX_ENFORCE, config)?,
        Some(ParsedValue::Boolean(false))
    );
    if !enforce {
        tracing::warn!(
            "The connector {name} has generated {generated} tasks, which is greater than {max_tasks}, the maximum number of tasks it is configured to create. This behavior should be considered a bug and will be disallowed in future releases of Kafka Connect. Please report this to the maintainers of the connector and request that they adjust their connector's taskConfigs() method to respect the maxTasks parameter."
        );
        return Ok(());
    }
    Err(WorkerError::Connector(ConnectorError::fatal(format!(
        "org.apache.kafka.connect.runtime.TooManyTasksException: The connector {name} has generated {generated} tasks, which is greater than {max_tasks}, the maximum number of tasks it is configured to create. This behaviour should be considered a bug and is disallowed. If necessary, it can be permitted by reconfiguring the connector with '{TASKS_MAX_ENFORCE}' set to false; however, this option will be removed in a future release of Kafka Connect."
    ))))
}

/// `tasks.max` as the connector table parses it (default 1, at least 1).
fn tasks_max(config: &ConfigMap) -> Result<usize, WorkerError> {
    match connector_config_def().parse_one(TASKS_MAX, config)? {
        Some(ParsedValue::Int(n)) => Ok(usize::try_from(n).unwrap_or(1)),
        _ => Ok(1),
    }
}

/// The entries of `config` under `prefix`, with the prefix removed.
/// Waits for each task to finish until one shared deadline `grace` from now, then aborts
/// those still running.
async fn await_or_abort(
    handles: impl IntoIterator<Item = (TaskId, JoinHandle<()>)>,
    grace: Duration,
) {
    let deadline = tokio::time::Instant::now() + grace;
    for (id, handle) in handles {
        let abort = handle.abort_handle();
        if tokio::time::timeout_at(deadline, handle).await.is_err() {
            tracing::error!(task = %id, "Graceful stop of task {id} failed; aborted");
            abort.abort();
        }
    }
}

pub fn prefixed(config: &ConfigMap, prefix: &str) -> BTreeMap<String, String> {
    config
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_owned(), v.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_task_configs_than_tasks_max_fail_the_connector_unless_not_enforced() {
        let config = crate::fixtures::string_map(&[("tasks.max", "1")]);
        assert!(check_task_count("c", &config, 1, 1).is_ok());
        let refused = check_task_count("c", &config, 2, 1)
            .unwrap_err()
            .to_string();
        assert_eq!(
            refused,
            "org.apache.kafka.connect.runtime.TooManyTasksException: The connector c has generated 2 tasks, which is greater than 1, the maximum number of tasks it is configured to create. This behaviour should be considered a bug and is disallowed. If necessary, it can be permitted by reconfiguring the connector with 'tasks.max.enforce' set to false; however, this option will be removed in a future release of Kafka Connect."
        );
        let lenient =
            crate::fixtures::string_map(&[("tasks.max", "1"), ("tasks.max.enforce", "false")]);
        assert!(check_task_count("c", &lenient, 2, 1).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn tasks_share_one_graceful_stop_deadline() {
        let stuck = |task: u32| {
            (
                TaskId {
                    connector: "c".into(),
                    task,
                },
                tokio::spawn(std::future::pending::<()>()),
            )
        };
        let handles: Vec<_> = (0..3).map(stuck).collect();
        let aborts: Vec<_> = handles.iter().map(|(_, h)| h.abort_handle()).collect();
        let started = tokio::time::Instant::now();
        await_or_abort(handles, Duration::from_secs(5)).await;
        // One 5 s deadline for the three, not 5 s each.
        assert_eq!(started.elapsed(), Duration::from_secs(5));
        tokio::task::yield_now().await;
        assert!(aborts.iter().all(tokio::task::AbortHandle::is_finished));
    }
}
