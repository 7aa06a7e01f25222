//! FileStreamSource: a connector with one task that tails a file (or reads standard
//! input) and turns each line into a record.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde_json::Value as Json;
use tokio::task::JoinHandle;

use super::config::{FILE_CONFIG, FileStreamSourceConfig};
use super::lines::LineBuffer;
use super::{FILENAME_FIELD, POSITION_FIELD, plugin_version};
use crate::config::ConfigDef;
use crate::connectors::api::{
    ConfigMap, Connector, ConnectorKind, ConnectorResult, SourceOffset, SourcePartition,
    SourceTask, SourceTaskContext,
};
use crate::connectors::error::ConnectorError;
use crate::data::{RecordOffset, Schema, SchemaRef, SchemaType, SourceRecord, Value};

/// How long a poll waits when there is nothing to read, as Apache's task waits 1 s.
pub const DEFAULT_IDLE_WAIT: Duration = Duration::from_secs(1);

/// `org.apache.kafka.connect.file.FileStreamSourceConnector`.
#[derive(Debug, Default)]
pub struct FileStreamSourceConnector {
    props: Option<ConfigMap>,
}

impl FileStreamSourceConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for FileStreamSourceConnector {
    fn version(&self) -> String {
        plugin_version()
    }

    fn kind(&self) -> ConnectorKind {
        ConnectorKind::Source
    }

    fn config(&self) -> ConfigDef {
        super::config::source_config_def()
    }

    async fn start(&mut self, config: &ConfigMap) -> ConnectorResult<()> {
        let parsed = FileStreamSourceConfig::parse(config)?;
        tracing::info!(
            "Starting file source connector reading from {}",
            parsed.file.as_deref().unwrap_or("standard input")
        );
        self.props = Some(config.clone());
        Ok(())
    }

    /// One task whatever `max_tasks` is: a file has one reader.
    fn task_configs(&self, _max_tasks: usize) -> ConnectorResult<Vec<ConfigMap>> {
        let props = self
            .props
            .clone()
            .ok_or_else(|| ConnectorError::fatal("FileStreamSourceConnector is not started"))?;
        Ok(vec![props])
    }

    async fn stop(&mut self) -> ConnectorResult<()> {
        self.props = None;
        Ok(())
    }

    /// Apache's checks: offsets need a `file`, partitions a `filename` and offsets a
    /// non-negative integer `position`; tombstones are always accepted.
    async fn alter_source_offsets(
        &self,
        config: &ConfigMap,
        offsets: &[(SourcePartition, Option<SourceOffset>)],
    ) -> ConnectorResult<bool> {
        let parsed = FileStreamSourceConfig::parse(config)?;
        if parsed.file.is_none() {
            return Err(ConnectorError::fatal(format!(
                "Offsets cannot be modified if the '{FILE_CONFIG}' configuration is unspecified. \
                 This is because stdin is used for input and offsets are not tracked."
            )));
        }
        for (partition, offset) in offsets {
            let Some(offset) = offset else { continue };
            let Some(position) = offset.get(POSITION_FIELD) else {
                return Err(ConnectorError::fatal(format!(
                    "Offset objects should either be null or contain the key '{POSITION_FIELD}'"
                )));
            };
            let Some(position) = position.as_i64() else {
                return Err(ConnectorError::fatal(format!(
                    "The value for the '{POSITION_FIELD}' key in the offset is expected to be a Long value"
                )));
            };
            if position < 0 {
                return Err(ConnectorError::fatal(format!(
                    "The value for the '{POSITION_FIELD}' key in the offset should be a non-negative value"
                )));
            }
            if !partition.contains_key(FILENAME_FIELD) {
                return Err(ConnectorError::fatal(format!(
                    "Partition objects should contain the key '{FILENAME_FIELD}'"
                )));
            }
        }
        Ok(true)
    }
}

/// What every record of one task shares; built once, cloned per record.
struct RecordTemplate {
    topic: String,
    partition: Arc<SourcePartition>,
    value_schema: SchemaRef,
}

impl RecordTemplate {
    fn new(topic: String, filename: Option<&str>) -> Self {
        RecordTemplate {
            topic,
            partition: Arc::new(file_partition(filename)),
            value_schema: Schema::new(SchemaType::String).into_ref(),
        }
    }

    fn record(&self, line: String, position: Option<i64>, timestamp: i64) -> SourceRecord {
        SourceRecord {
            source_partition: self.partition.clone(),
            source_offset: RecordOffset::Field {
                key: POSITION_FIELD,
                value: position,
            },
            topic: self.topic.clone(),
            kafka_partition: None,
            key_schema: None,
            key: Value::Null,
            value_schema: Some(self.value_schema.clone()),
            value: Value::String(line),
            timestamp: Some(timestamp),
            headers: Vec::new(),
        }
    }
}

/// The input and its line buffer; lives on a blocking thread while a read runs.
struct LineReader {
    input: Box<dyn Read + Send>,
    lines: LineBuffer,
    /// Bytes consumed so far, terminators included; `None` for standard input, whose
    /// offsets Apache does not track.
    position: Option<i64>,
}

type ReadOutcome = (Box<LineReader>, std::io::Result<Vec<SourceRecord>>);

impl LineReader {
    /// Reads until `max` lines are complete or the input has nothing more for now.
    /// Blocks (file reads, or waiting on standard input): run it off the async threads.
    fn read_batch(
        &mut self,
        max: usize,
        template: &RecordTemplate,
    ) -> std::io::Result<Vec<SourceRecord>> {
        let timestamp = now_millis();
        let mut records = Vec::new();
        let mut drained = false;
        loop {
            while records.len() < max {
                let Some(line) = self.lines.next_line() else {
                    break;
                };
                if let Some(position) = self.position.as_mut() {
                    *position += line.consumed as i64;
                }
                records.push(template.record(line.text, self.position, timestamp));
            }
            // A short read means the input had nothing more waiting: hand over what we
            // have instead of blocking (standard input) for more.
            if records.len() >= max || (drained && !records.is_empty()) {
                return Ok(records);
            }
            let (read, filled) = self.lines.fill(self.input.as_mut())?;
            if read == 0 {
                return Ok(records);
            }
            drained = !filled;
        }
    }
}

/// Where the task's input stands between polls.
enum Input {
    /// Not started, or the file was not opened yet (it may not exist yet).
    Closed,
    /// Open, no read running.
    Ready(Box<LineReader>),
    /// A read runs on a blocking thread. Kept across polls so that a dropped `poll`
    /// future loses nothing: the next poll awaits the same read.
    Reading(JoinHandle<ReadOutcome>),
    /// Stopped, or a read thread panicked.
    Gone,
}

/// `org.apache.kafka.connect.file.FileStreamSourceTask`.
///
/// `poll` is cancel-safe and returns within about twice the idle wait. Standard input is
/// read on a blocking thread; a read blocked there cannot be interrupted, so after `stop`
/// that thread lingers until standard input delivers data or closes.
pub struct FileStreamSourceTask {
    config: Option<FileStreamSourceConfig>,
    context: Option<SourceTaskContext>,
    template: Option<Arc<RecordTemplate>>,
    input: Input,
    idle_wait: Duration,
}

impl Default for FileStreamSourceTask {
    fn default() -> Self {
        Self::new()
    }
}

impl FileStreamSourceTask {
    pub fn new() -> Self {
        FileStreamSourceTask {
            config: None,
            context: None,
            template: None,
            input: Input::Closed,
            idle_wait: DEFAULT_IDLE_WAIT,
        }
    }

    /// Changes how long an empty poll waits (default [`DEFAULT_IDLE_WAIT`]); tests use a
    /// short wait.
    pub fn with_idle_wait(mut self, idle_wait: Duration) -> Self {
        self.idle_wait = idle_wait;
        self
    }

    fn log_name(&self) -> &str {
        self.config
            .as_ref()
            .and_then(|c| c.file.as_deref())
            .unwrap_or("stdin")
    }
}

/// Opens the file and moves to the committed position. `Ok(None)` when the file does not
/// exist yet. A free function so that the task (whose reader is `Send` but not `Sync`)
/// is not borrowed across awaits.
async fn open(
    context: &SourceTaskContext,
    filename: &str,
) -> ConnectorResult<Option<Box<LineReader>>> {
    let path = filename.to_owned();
    let opened = tokio::task::spawn_blocking(move || File::open(path))
        .await
        .map_err(|e| ConnectorError::fatal_with("file open thread failed", e))?;
    let file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ConnectorError::fatal_with(
                format!("Error while trying to open file {filename}"),
                e,
            ));
        }
    };

    let position = committed_position(context, filename).await?;
    let file = if position > 0 {
        tracing::debug!("Found previous offset, trying to skip to file offset {position}");
        let name = filename.to_owned();
        tokio::task::spawn_blocking(move || seek(file, position, &name))
            .await
            .map_err(|e| ConnectorError::fatal_with("file seek thread failed", e))??
    } else {
        file
    };
    tracing::debug!("Opened {filename} for reading");
    Ok(Some(Box::new(LineReader {
        input: Box::new(file),
        lines: LineBuffer::default(),
        position: Some(position),
    })))
}

/// The stored `position` of this file, 0 when there is none.
async fn committed_position(context: &SourceTaskContext, filename: &str) -> ConnectorResult<i64> {
    let offset = context
        .offset_reader()
        .offset(&file_partition(Some(filename)))
        .await?;
    match offset.as_ref().and_then(|o| o.get(POSITION_FIELD)) {
        None | Some(Json::Null) => Ok(0),
        Some(value) => match value.as_i64() {
            Some(position) if position >= 0 => Ok(position),
            Some(position) => Err(ConnectorError::fatal(format!(
                "Offset position {position} of file {filename} is negative"
            ))),
            None => Err(ConnectorError::fatal(
                "Offset position is the incorrect type",
            )),
        },
    }
}

/// Seeks to `position`. A file shorter than that is not an error: reads return nothing
/// until it grows past `position`, which is where Apache's skip loop ends up as well.
fn seek(mut file: File, position: i64, filename: &str) -> ConnectorResult<File> {
    let target = position as u64;
    let length = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
    if length < target {
        tracing::warn!(
            "File {filename} has {length} bytes, fewer than its committed offset {position}; \
             waiting for it to grow"
        );
    }
    file.seek(SeekFrom::Start(target)).map_err(|e| {
        ConnectorError::fatal_with(
            format!("Error while trying to seek to previous offset in file {filename}"),
            e,
        )
    })?;
    tracing::debug!("Skipped to offset {position}");
    Ok(file)
}

/// `{"filename": <file or null>}`: Apache keys stdin records with a null filename.
fn file_partition(filename: Option<&str>) -> SourcePartition {
    let mut partition = SourcePartition::new();
    partition.insert(
        FILENAME_FIELD.into(),
        filename.map_or(Json::Null, |f| Json::String(f.to_owned())),
    );
    partition
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl FileStreamSourceTask {
    /// Starts reading the next batch on a blocking thread, unless a read runs already
    /// (or the input is closed or gone).
    fn start_read(&mut self, max: usize, template: &Arc<RecordTemplate>) {
        if !matches!(self.input, Input::Ready(_)) {
            return;
        }
        let Input::Ready(mut reader) = std::mem::replace(&mut self.input, Input::Gone) else {
            unreachable!("checked just above");
        };
        let template = template.clone();
        self.input = Input::Reading(tokio::task::spawn_blocking(move || {
            let result = reader.read_batch(max, &template);
            (reader, result)
        }));
    }
}

#[async_trait]
impl SourceTask for FileStreamSourceTask {
    fn version(&self) -> String {
        plugin_version()
    }

    async fn start(
        &mut self,
        config: &ConfigMap,
        context: SourceTaskContext,
    ) -> ConnectorResult<()> {
        let parsed = FileStreamSourceConfig::parse(config)?;
        self.template = Some(Arc::new(RecordTemplate::new(
            parsed.topic.clone(),
            parsed.file.as_deref(),
        )));
        self.input = match parsed.file {
            Some(_) => Input::Closed,
            None => Input::Ready(Box::new(LineReader {
                input: Box::new(std::io::stdin()),
                lines: LineBuffer::default(),
                position: None,
            })),
        };
        self.config = Some(parsed);
        self.context = Some(context);
        Ok(())
    }

    async fn poll(&mut self) -> ConnectorResult<Vec<SourceRecord>> {
        let (Some(config), Some(template), Some(context)) = (
            self.config.as_ref(),
            self.template.clone(),
            self.context.clone(),
        ) else {
            return Err(ConnectorError::fatal("FileStreamSourceTask is not started"));
        };
        let max = config.max_batch();

        if let Input::Closed = self.input {
            let filename = config.file.clone().unwrap_or_default();
            match open(&context, &filename).await? {
                Some(reader) => self.input = Input::Ready(reader),
                None => {
                    tracing::warn!(
                        "Couldn't find file {filename} for FileStreamSourceTask, sleeping to wait for it to be created"
                    );
                    tokio::time::sleep(self.idle_wait).await;
                    return Ok(Vec::new());
                }
            }
        }

        self.start_read(max, &template);

        let Input::Reading(handle) = &mut self.input else {
            return Err(ConnectorError::fatal("FileStreamSourceTask is stopped"));
        };
        // Awaiting the handle by reference is cancel-safe: the read keeps its place.
        let outcome = match tokio::time::timeout(self.idle_wait, handle).await {
            Err(_still_reading) => return Ok(Vec::new()),
            Ok(outcome) => outcome,
        };
        let (reader, result) = match outcome {
            Ok(done) => done,
            Err(e) => {
                self.input = Input::Gone;
                return Err(ConnectorError::fatal_with(
                    format!("reading {} failed", self.log_name()),
                    e,
                ));
            }
        };
        self.input = Input::Ready(reader);
        match result {
            Ok(records) if records.is_empty() => {
                tokio::time::sleep(self.idle_wait).await;
                Ok(records)
            }
            Ok(records) => {
                tracing::trace!("Read {} lines from {}", records.len(), self.log_name());
                // A full batch means more is probably waiting: read it while the runtime
                // sends this one (the read and the send used to take turns on one core).
                if records.len() >= max {
                    self.start_read(max, &template);
                }
                Ok(records)
            }
            // The buffer and position are intact, so the next poll can simply try again.
            Err(e) => Err(ConnectorError::retriable_with(
                format!("Error while reading {}", self.log_name()),
                e,
            )),
        }
    }

    async fn stop(&mut self) -> ConnectorResult<()> {
        tracing::trace!("Stopping");
        // Dropping the reader closes the file; a read still running finishes on its
        // blocking thread and its result is dropped with the handle.
        self.input = Input::Gone;
        Ok(())
    }
}
