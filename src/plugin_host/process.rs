//! The plugin host process: started, asked, watched and started again.
//!
//! One JVM per Tributary process. Requests carry an id and any number may be in flight;
//! a reader thread matches answers to them, so a task blocked in a Java `poll` holds up
//! nothing else. The reader is a plain thread, not a tokio task, so that a blocking call
//! (the REST validate path is synchronous) works from any thread without a runtime to
//! drive it. When the JVM exits (a crash, `OutOfMemoryError` with
//! `-XX:+ExitOnOutOfMemoryError`, a kill), every call in flight fails with the exit
//! status and the last lines the JVM wrote, the plugins it hosted are gone, and the next
//! call starts a new JVM: the tasks it ran are FAILED until restarted, like any failed
//! task, and native tasks never notice.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufRead, BufReader, BufWriter};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value as Json, json};
use tokio::sync::oneshot;

use super::wire::{self, Frame};
use crate::connectors::{OffsetReader, SourcePartition};

/// The host's main class in `plugin-host/`.
const MAIN_CLASS: &str = "dev.tributary.pluginhost.Main";
/// Lines of the JVM's stderr kept to explain an exit.
const LAST_LINES: usize = 20;
/// How long the JVM may take to start and scan `plugin.path`.
const INIT_TIMEOUT: Duration = Duration::from_secs(300);

/// How to start the host.
#[derive(Debug, Clone)]
pub struct HostSettings {
    /// The `java` executable.
    pub java: PathBuf,
    /// The directory holding the host jar and its dependencies (`plugin-host/target/host`).
    pub class_path: PathBuf,
    /// JVM options, e.g. `-Xmx1g`.
    pub jvm_options: Vec<String>,
    /// The worker settings Apache's `Plugins` reads: `plugin.path`, `plugin.discovery`.
    pub worker: BTreeMap<String, String>,
}

/// A Java exception as the host reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct JavaException {
    /// The exception's class name.
    pub exception: String,
    pub message: Option<String>,
    /// `Throwable.printStackTrace`, what Apache puts in a FAILED status.
    pub trace: String,
    /// `retriable`, `config` or `fatal`.
    pub kind: String,
}

/// Why a call to the host did not give an answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HostError {
    #[error("cannot start the plugin host ({java}): {reason}")]
    Spawn { java: String, reason: String },
    #[error("the plugin host exited ({status}); its last lines:\n{last_lines}")]
    Exited { status: String, last_lines: String },
    #[error("{}", .0.trace)]
    Java(JavaException),
    #[error("plugin host protocol error: {0}")]
    Protocol(String),
}

/// What a plugin asked of the runtime on its own (its `ConnectorContext` calls).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostEvent {
    /// `requestTaskReconfiguration()`: the connector's task configs may have changed.
    ReconfigureTasks { connector: String },
    /// `raiseError(e)`: the connector failed; `trace` is the Java stack trace.
    ConnectorFailed { connector: String, trace: String },
}

/// An answer: its JSON and, for record batches, the block.
#[derive(Debug)]
pub struct Reply {
    pub json: Json,
    pub block: Vec<u8>,
}

type Pending = oneshot::Sender<Result<Reply, HostError>>;

/// One running JVM.
struct Process {
    stdin: Mutex<BufWriter<ChildStdin>>,
    pending: Mutex<HashMap<i64, Pending>>,
    next_id: AtomicI64,
    /// Set once the JVM is gone: why.
    exited: Mutex<Option<HostError>>,
    last_lines: Arc<Mutex<VecDeque<String>>>,
    child: Mutex<Child>,
}

/// Offset readers of the source connectors with running Java tasks, for the host's
/// offset reads.
type Readers = Arc<Mutex<HashMap<String, Arc<dyn OffsetReader>>>>;

type Events = tokio::sync::mpsc::UnboundedSender<HostEvent>;

/// The plugin host of this Tributary process.
pub struct PluginHost {
    settings: HostSettings,
    runtime: tokio::runtime::Handle,
    current: Mutex<Option<Arc<Process>>>,
    /// Held while a JVM starts, so that calls racing after an exit start one, not several.
    starting: tokio::sync::Mutex<()>,
    readers: Readers,
    events: Events,
    events_rx: Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<HostEvent>>>,
}

impl PluginHost {
    /// Starts the JVM and scans `plugin.path`; returns the host and what it found.
    pub async fn start(settings: HostSettings) -> Result<(Arc<PluginHost>, Json), HostError> {
        let (events, events_rx) = tokio::sync::mpsc::unbounded_channel();
        let host = Arc::new(PluginHost {
            settings,
            runtime: tokio::runtime::Handle::current(),
            current: Mutex::new(None),
            starting: tokio::sync::Mutex::new(()),
            readers: Arc::default(),
            events,
            events_rx: Mutex::new(Some(events_rx)),
        });
        let (_, listing) = host.process_and_listing().await?;
        Ok((host, listing))
    }

    /// Sends a request and waits for its answer.
    pub async fn call(&self, request: Json, block: Vec<u8>) -> Result<Reply, HostError> {
        let process = self.process().await?;
        let answer = process.send(&request, block)?;
        answer.await.unwrap_or_else(|_| Err(process.exit_error()))
    }

    /// [`PluginHost::call`] for synchronous callers (connector validation and config
    /// tables, which the REST layer asks for synchronously).
    pub fn call_blocking(&self, request: Json) -> Result<Reply, HostError> {
        let wait = || futures::executor::block_on(self.call(request, Vec::new()));
        match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(wait)
            }
            _ => wait(),
        }
    }

    /// The plugins' own requests, for the one who acts on them (the herder); `None` after
    /// the first call.
    pub fn take_events(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<HostEvent>> {
        lock(&self.events_rx).take()
    }

    /// Lets the host's offset reads for `connector` reach its stored offsets.
    pub fn register_offsets(&self, connector: &str, reader: Arc<dyn OffsetReader>) {
        lock(&self.readers).insert(connector.to_owned(), reader);
    }

    /// Forgets a stopped task's reader.
    pub fn unregister_offsets(&self, connector: &str) {
        lock(&self.readers).remove(connector);
    }

    /// The running JVM, or a new one when there is none or it exited.
    async fn process(&self) -> Result<Arc<Process>, HostError> {
        Ok(self.process_and_listing().await?.0)
    }

    async fn process_and_listing(&self) -> Result<(Arc<Process>, Json), HostError> {
        let running = || {
            lock(&self.current)
                .as_ref()
                .filter(|process| lock(&process.exited).is_none())
                .cloned()
        };
        if let Some(process) = running() {
            return Ok((process, Json::Null));
        }
        let _starting = self.starting.lock().await;
        if let Some(process) = running() {
            return Ok((process, Json::Null));
        }
        let process = Process::spawn(
            &self.settings,
            &self.runtime,
            self.readers.clone(),
            self.events.clone(),
        )?;
        let init = process.send(
            &json!({"op": "init", "worker": self.settings.worker}),
            Vec::new(),
        )?;
        let listing = match tokio::time::timeout(INIT_TIMEOUT, init).await {
            Ok(Ok(answer)) => answer?.json,
            Ok(Err(_)) => return Err(process.exit_error()),
            Err(_) => {
                process.kill();
                return Err(HostError::Protocol(format!(
                    "the plugin host did not scan plugin.path within {INIT_TIMEOUT:?}"
                )));
            }
        };
        let mut current = lock(&self.current);
        if let Some(old) = current.replace(process.clone()) {
            old.kill();
        }
        Ok((process, listing))
    }
}

impl Drop for PluginHost {
    fn drop(&mut self) {
        if let Some(process) = lock(&self.current).take() {
            process.kill();
        }
    }
}

impl Process {
    fn spawn(
        settings: &HostSettings,
        runtime: &tokio::runtime::Handle,
        readers: Readers,
        events: Events,
    ) -> Result<Arc<Process>, HostError> {
        let class_path = format!("{}/*", settings.class_path.display());
        let mut child = Command::new(&settings.java)
            // An OutOfMemoryError leaves a JVM in an unknown state: end it, and with it
            // only the Java tasks, which are then reported FAILED.
            .arg("-XX:+ExitOnOutOfMemoryError")
            .args(&settings.jvm_options)
            .arg("-cp")
            .arg(&class_path)
            .arg(MAIN_CLASS)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| HostError::Spawn {
                java: settings.java.display().to_string(),
                reason: e.to_string(),
            })?;
        let protocol_error = |what: &str| HostError::Protocol(format!("no {what} pipe"));
        let stdin = child.stdin.take().ok_or_else(|| protocol_error("stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| protocol_error("stdout"))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| protocol_error("stderr"))?;
        tracing::info!(pid = child.id(), class_path, "plugin host started");
        let process = Arc::new(Process {
            stdin: Mutex::new(BufWriter::new(stdin)),
            pending: Mutex::default(),
            next_id: AtomicI64::new(1),
            exited: Mutex::new(None),
            last_lines: Arc::default(),
            child: Mutex::new(child),
        });
        let last_lines = process.last_lines.clone();
        std::thread::Builder::new()
            .name("plugin-host-log".into())
            .spawn(move || forward_log(stderr, &last_lines))
            .map_err(|e| HostError::Protocol(e.to_string()))?;
        let reader = process.clone();
        let runtime = runtime.clone();
        std::thread::Builder::new()
            .name("plugin-host-reader".into())
            .spawn(move || reader.read_answers(stdout, &runtime, &readers, &events))
            .map_err(|e| HostError::Protocol(e.to_string()))?;
        Ok(process)
    }

    fn send(
        &self,
        request: &Json,
        block: Vec<u8>,
    ) -> Result<oneshot::Receiver<Result<Reply, HostError>>, HostError> {
        if let Some(error) = lock(&self.exited).clone() {
            return Err(error);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, tx);
        let frame = Frame {
            id,
            kind: wire::REQUEST,
            json: serde_json::to_vec(request).map_err(|e| HostError::Protocol(e.to_string()))?,
            block,
        };
        if let Err(e) = frame.write_to(&mut *lock(&self.stdin)) {
            lock(&self.pending).remove(&id);
            tracing::warn!(error = %e, "cannot write to the plugin host");
            return Err(self.exit_error());
        }
        Ok(rx)
    }

    fn write(&self, frame: &Frame) {
        if let Err(e) = frame.write_to(&mut *lock(&self.stdin)) {
            tracing::warn!(error = %e, "cannot write to the plugin host");
        }
    }

    /// The reader thread: answers to their callers, the host's offset reads to the
    /// readers, events to the log; at the end of the stream, the exit to everyone waiting.
    fn read_answers(
        self: Arc<Self>,
        stdout: std::process::ChildStdout,
        runtime: &tokio::runtime::Handle,
        readers: &Readers,
        events: &Events,
    ) {
        let mut input = BufReader::with_capacity(1 << 16, stdout);
        let end = loop {
            let frame = match Frame::read_from(&mut input) {
                Ok(Some(frame)) => frame,
                Ok(None) => break None,
                Err(e) => break Some(e.to_string()),
            };
            match frame.kind {
                wire::OK | wire::ERROR => self.answer(frame),
                wire::CALL => self.serve_call(frame, runtime, readers),
                wire::EVENT => {
                    if let Some(event) = read_event(&frame.json) {
                        let _ = events.send(event);
                    }
                }
                other => tracing::warn!(kind = other, "unknown frame from the plugin host"),
            }
        };
        let status = {
            let mut child = lock(&self.child);
            // The JVM closed stdout: it is exiting; give it a moment to be reaped.
            let mut status = None;
            for _ in 0..50 {
                if let Ok(Some(s)) = child.try_wait() {
                    status = Some(s.to_string());
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            status.unwrap_or_else(|| "still running, output closed".to_owned())
        };
        let status = match end {
            Some(e) => format!("{status}; {e}"),
            None => status,
        };
        // Give the log thread a moment to take the last lines.
        std::thread::sleep(Duration::from_millis(200));
        let last_lines = lock(&self.last_lines)
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        tracing::error!(%status, %last_lines, "the plugin host exited; its Java tasks fail");
        let error = HostError::Exited { status, last_lines };
        *lock(&self.exited) = Some(error.clone());
        for (_, waiting) in lock(&self.pending).drain() {
            let _ = waiting.send(Err(error.clone()));
        }
    }

    fn answer(&self, frame: Frame) {
        let Some(waiting) = lock(&self.pending).remove(&frame.id) else {
            tracing::warn!(
                id = frame.id,
                "an answer nobody waits for from the plugin host"
            );
            return;
        };
        let answer = if frame.kind == wire::OK {
            serde_json::from_slice(&frame.json)
                .map(|json| Reply {
                    json,
                    block: frame.block,
                })
                .map_err(|e| HostError::Protocol(e.to_string()))
        } else {
            match serde_json::from_slice(&frame.json) {
                Ok(exception) => Err(HostError::Java(exception)),
                Err(e) => Err(HostError::Protocol(e.to_string())),
            }
        };
        let _ = waiting.send(answer);
    }

    /// The host's `OffsetStorageReader.offsets`: partitions as the offset store's JSON
    /// text; answered with the stored offsets as JSON text, or an error.
    fn serve_call(
        self: &Arc<Self>,
        frame: Frame,
        runtime: &tokio::runtime::Handle,
        readers: &Readers,
    ) {
        #[derive(Deserialize)]
        struct OffsetsCall {
            connector: String,
            partitions: Vec<String>,
        }
        let process = self.clone();
        let readers = readers.clone();
        runtime.spawn(async move {
            let reply = match serde_json::from_slice::<OffsetsCall>(&frame.json) {
                Ok(call) => read_offsets(&readers, &call.connector, &call.partitions).await,
                Err(e) => json!({"error": format!("bad offsets call: {e}")}),
            };
            process.write(&Frame {
                id: frame.id,
                kind: wire::REPLY,
                json: serde_json::to_vec(&reply).unwrap_or_default(),
                block: Vec::new(),
            });
        });
    }

    fn exit_error(&self) -> HostError {
        lock(&self.exited)
            .clone()
            .unwrap_or_else(|| HostError::Exited {
                status: "exiting".to_owned(),
                last_lines: String::new(),
            })
    }

    fn kill(&self) {
        let _ = lock(&self.child).kill();
    }
}

async fn read_offsets(readers: &Readers, connector: &str, partitions: &[String]) -> Json {
    let reader = lock(readers).get(connector).cloned();
    let Some(reader) = reader else {
        return json!({"error": format!("no offsets are readable for connector {connector}")});
    };
    let mut parsed: Vec<SourcePartition> = Vec::with_capacity(partitions.len());
    for partition in partitions {
        match serde_json::from_str(partition) {
            Ok(map) => parsed.push(map),
            Err(e) => return json!({"error": format!("bad partition {partition}: {e}")}),
        }
    }
    match reader.offsets(&parsed).await {
        Ok(found) => {
            let offsets: Vec<Json> = found
                .into_iter()
                .map(|(_, offset)| {
                    offset.map_or(Json::Null, |o| Json::String(Json::Object(o).to_string()))
                })
                .collect();
            json!({"offsets": offsets})
        }
        Err(e) => json!({"error": e.to_string()}),
    }
}

/// An event frame as a [`HostEvent`], logged; `None` (and a warning) for one this
/// version does not know.
fn read_event(json: &[u8]) -> Option<HostEvent> {
    let event: Json = serde_json::from_slice(json).unwrap_or(Json::Null);
    let connector = event["connector"].as_str().unwrap_or_default().to_owned();
    match event["event"].as_str() {
        Some("raiseError") => {
            let trace = event["error"]["trace"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            tracing::error!(connector, %trace, "a Java connector raised an error");
            Some(HostEvent::ConnectorFailed { connector, trace })
        }
        Some("requestTaskReconfiguration") => {
            tracing::info!(
                connector,
                "a Java connector asked for its tasks to be reconfigured"
            );
            Some(HostEvent::ReconfigureTasks { connector })
        }
        _ => {
            tracing::warn!(?event, "an unknown event from the plugin host");
            None
        }
    }
}

/// The JVM's stderr into Tributary's log, level by the host's log4j prefix.
fn forward_log(stderr: std::process::ChildStderr, last_lines: &Mutex<VecDeque<String>>) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        {
            let mut last = lock(last_lines);
            if last.len() == LAST_LINES {
                last.pop_front();
            }
            last.push_back(line.clone());
        }
        let (level, text) = line.split_once(' ').unwrap_or(("", &line));
        match level {
            "ERROR" | "FATAL" => tracing::error!(target: "plugin_host", "{text}"),
            "WARN" => tracing::warn!(target: "plugin_host", "{text}"),
            "INFO" => tracing::info!(target: "plugin_host", "{text}"),
            "DEBUG" | "TRACE" => tracing::debug!(target: "plugin_host", "{text}"),
            _ => tracing::info!(target: "plugin_host", "{line}"),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
