//! FileStreamSink: writes each record's value as one line to a file or standard output.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::task::JoinHandle;

use super::config::FileStreamSinkConfig;
use super::java_text::write_java_string;
use super::plugin_version;
use crate::config::ConfigDef;
use crate::connectors::api::{
    ConfigMap, Connector, ConnectorKind, ConnectorResult, SinkOffsets, SinkTask, SinkTaskContext,
};
use crate::connectors::error::ConnectorError;
use crate::data::SinkRecord;

/// `org.apache.kafka.connect.file.FileStreamSinkConnector`.
#[derive(Debug, Default)]
pub struct FileStreamSinkConnector {
    props: Option<ConfigMap>,
}

impl FileStreamSinkConnector {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for FileStreamSinkConnector {
    fn version(&self) -> String {
        plugin_version()
    }

    fn kind(&self) -> ConnectorKind {
        ConnectorKind::Sink
    }

    fn config(&self) -> ConfigDef {
        super::config::sink_config_def()
    }

    async fn start(&mut self, config: &ConfigMap) -> ConnectorResult<()> {
        let parsed = FileStreamSinkConfig::parse(config)?;
        tracing::info!(
            "Starting file sink connector writing to {}",
            parsed.file.as_deref().unwrap_or("standard output")
        );
        self.props = Some(config.clone());
        Ok(())
    }

    /// `max_tasks` identical configs, as Apache does (they all append to the same file).
    fn task_configs(&self, max_tasks: usize) -> ConnectorResult<Vec<ConfigMap>> {
        let props = self
            .props
            .as_ref()
            .ok_or_else(|| ConnectorError::fatal("FileStreamSinkConnector is not started"))?;
        Ok(vec![props.clone(); max_tasks])
    }

    async fn stop(&mut self) -> ConnectorResult<()> {
        self.props = None;
        Ok(())
    }
}

/// The destination, shared with the writer thread.
type Output = Arc<Mutex<Box<dyn Write + Send>>>;

/// `org.apache.kafka.connect.file.FileStreamSinkTask`.
///
/// `put` renders the batch into memory and hands it to a blocking thread without waiting
/// for the write, so rendering the next batch overlaps writing this one; `flush` waits for
/// the writes and flushes the destination. Apache's `PrintStream` writes through on every
/// line; here every batch reaches the file as soon as the thread has written it (a reader
/// tailing the file sees lines right away, as with Apache), and everything at the latest
/// on `flush` (or `stop`), which is when the runtime commits offsets, so nothing committed
/// is lost.
#[derive(Default)]
pub struct FileStreamSinkTask {
    filename: Option<String>,
    output: Option<Output>,
    /// Rendered lines not yet handed to the writer.
    pending: String,
    /// The buffer of the last finished write, emptied: the next batch is rendered into it
    /// rather than into a new string that grows (reallocating, faulting in fresh pages)
    /// batch after batch.
    spare: String,
    /// The write in progress, which hands its buffer back; kept across calls so a dropped
    /// future loses nothing and writes stay in order.
    writing: Option<JoinHandle<std::io::Result<String>>>,
}

impl FileStreamSinkTask {
    pub fn new() -> Self {
        Self::default()
    }

    fn log_name(&self) -> &str {
        self.filename.as_deref().unwrap_or("stdout")
    }

    /// Waits for the write in progress, if any.
    async fn finish_write(&mut self) -> ConnectorResult<()> {
        let Some(handle) = self.writing.as_mut() else {
            return Ok(());
        };
        let result = handle.await;
        self.writing = None;
        let written = result.map_err(|e| {
            ConnectorError::fatal_with(format!("writing to {} failed", self.log_name()), e)
        })?;
        let mut buffer = written.map_err(|e| {
            ConnectorError::fatal_with(format!("Couldn't write to {}", self.log_name()), e)
        })?;
        buffer.clear();
        self.spare = buffer;
        Ok(())
    }

    /// Hands the pending text to a writer thread (after the previous write completed) and
    /// waits for it, flushing the destination afterwards when `flush` is set.
    async fn write_pending(&mut self, flush: bool) -> ConnectorResult<()> {
        self.start_write(flush).await?;
        self.finish_write().await
    }

    /// Waits for the previous write, then hands the pending text to a writer thread
    /// without waiting for it.
    async fn start_write(&mut self, flush: bool) -> ConnectorResult<()> {
        self.finish_write().await?;
        let Some(output) = self.output.clone() else {
            return Err(ConnectorError::fatal("FileStreamSinkTask is not started"));
        };
        if self.pending.is_empty() && !flush {
            return Ok(());
        }
        let text = std::mem::replace(&mut self.pending, std::mem::take(&mut self.spare));
        self.writing = Some(tokio::task::spawn_blocking(move || {
            let mut out = output.lock().unwrap_or_else(|e| e.into_inner());
            out.write_all(text.as_bytes())?;
            if flush {
                out.flush()?;
            }
            Ok(text)
        }));
        Ok(())
    }
}

#[async_trait]
impl SinkTask for FileStreamSinkTask {
    fn version(&self) -> String {
        plugin_version()
    }

    /// Only values are written, as Apache's task writes `record.value()`.
    fn reads_headers(&self) -> bool {
        false
    }

    async fn start(
        &mut self,
        config: &ConfigMap,
        _context: Arc<dyn SinkTaskContext>,
    ) -> ConnectorResult<()> {
        let parsed = FileStreamSinkConfig::parse(config)?;
        let output: Box<dyn Write + Send> = match parsed.file.clone() {
            None => Box::new(std::io::stdout()),
            Some(filename) => {
                let path = filename.clone();
                let opened = tokio::task::spawn_blocking(move || {
                    OpenOptions::new().create(true).append(true).open(path)
                })
                .await
                .map_err(|e| ConnectorError::fatal_with("file open thread failed", e))?;
                Box::new(opened.map_err(|e| {
                    ConnectorError::fatal_with(
                        format!("Couldn't find or create file '{filename}' for FileStreamSinkTask"),
                        e,
                    )
                })?)
            }
        };
        self.filename = parsed.file;
        self.output = Some(Arc::new(Mutex::new(output)));
        Ok(())
    }

    async fn put(&mut self, records: &[SinkRecord]) -> ConnectorResult<()> {
        for record in records {
            write_java_string(&record.value, &mut self.pending);
            self.pending.push('\n');
        }
        tracing::trace!("Writing {} lines to {}", records.len(), self.log_name());
        self.start_write(false).await
    }

    async fn flush(&mut self, _offsets: &SinkOffsets) -> ConnectorResult<()> {
        tracing::trace!("Flushing output stream for {}", self.log_name());
        self.write_pending(true).await
    }

    async fn stop(&mut self) -> ConnectorResult<()> {
        let result = if self.output.is_some() {
            self.write_pending(true).await
        } else {
            Ok(())
        };
        // Dropping the last handle closes the file; standard output stays open.
        self.output = None;
        result
    }
}
