//! Running `tributary standalone` and Apache's `ConnectStandalone` side by side in tests,
//! and reading back what they wrote to Kafka.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;

/// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A name unique to this test run, for topics and connectors.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// Writes a properties file from `key=value` pairs.
pub fn write_properties(path: &Path, entries: &[(&str, &str)]) {
    let text: String = entries.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// Writes `lines` as record values to `topic` on the lab's broker (creating the topic).
pub fn produce_lines(topic: &str, lines: &[&str]) {
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", super::bootstrap_servers())
        .create()
        .unwrap();
    for line in lines {
        producer
            .send(BaseRecord::<(), _>::to(topic).payload(*line))
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// Adds `key=value` lines to a properties file.
pub fn append_properties(path: &Path, entries: &[(&str, &str)]) {
    let mut text = std::fs::read_to_string(path).unwrap();
    text.extend(entries.iter().map(|(k, v)| format!("{k}={v}\n")));
    std::fs::write(path, text).unwrap();
}

/// Writes `dir/worker.properties` for a standalone worker with String converters, its
/// offsets in `dir/connect.offsets`, the given flush interval and REST port.
pub fn string_worker_properties(dir: &Path, bootstrap: &str, port: u16, flush_ms: &str) -> PathBuf {
    let path = dir.join("worker.properties");
    write_properties(
        &path,
        &[
            ("bootstrap.servers", bootstrap),
            (
                "key.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (
                "offset.storage.file.filename",
                &dir.join("connect.offsets").display().to_string(),
            ),
            ("offset.flush.interval.ms", flush_ms),
            ("listeners", &format!("http://127.0.0.1:{port}")),
        ],
    );
    path
}

/// A worker process (ours or Apache's) that is killed when dropped.
pub struct WorkerProcess {
    pub child: Child,
    pub rest_port: u16,
    pub log: PathBuf,
}

impl WorkerProcess {
    /// Starts `tributary standalone` with the given files; output goes to `log`.
    pub fn tributary(worker: &Path, connectors: &[&Path], rest_port: u16, log: PathBuf) -> Self {
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_tributary"))
            .arg("standalone")
            .arg(worker)
            .args(connectors)
            .env("RUST_LOG", "info")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .expect("cannot start tributary");
        WorkerProcess {
            child,
            rest_port,
            log,
        }
    }

    /// Starts Apache's `ConnectStandalone` from the lab jars.
    pub fn apache(worker: &Path, connectors: &[&Path], rest_port: u16, log: PathBuf) -> Self {
        Self::apache_in(Path::new("."), worker, connectors, rest_port, log)
    }

    /// As [`apache`](Self::apache), in the working directory `cwd` (which relative paths,
    /// and an empty `plugin.path` element, resolve against).
    pub fn apache_in(
        cwd: &Path,
        worker: &Path,
        connectors: &[&Path],
        rest_port: u16,
        log: PathBuf,
    ) -> Self {
        let lab = super::lab_var("TRIBUTARY_LAB_DIR");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(Path::new(&lab).join("lab"))
            .current_dir(cwd)
            .args(["apache-connect", "standalone"])
            .arg(worker)
            .args(connectors)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .expect("cannot start Apache Connect");
        WorkerProcess {
            child,
            rest_port,
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.rest_port)
    }

    /// Waits until the REST API answers `GET /connectors` with every connector RUNNING.
    pub fn wait_running(&mut self, connectors: &[&str], timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("worker exited with {status}; log:\n{}", self.log_text());
            }
            let all_running = connectors.iter().all(|name| {
                http_get(&self.url(&format!("/connectors/{name}/status")))
                    .map(|(code, body)| {
                        code == 200
                            && body.contains("\"RUNNING\"")
                            && !body.contains("\"FAILED\"")
                            && !body.contains("\"UNASSIGNED\"")
                            && body.contains("\"tasks\":[{")
                    })
                    .unwrap_or(false)
            });
            if all_running {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "connectors not RUNNING in time; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM (a clean stop) and wait.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        self.child.wait().unwrap()
    }

    /// SIGKILL and wait: the process gets no chance to flush anything.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP GET with curl (status code, body); `None` when nothing answers.
pub fn http_get(url: &str) -> Option<(u16, String)> {
    http("GET", url, None)
}

/// An HTTP request with curl: (status code, body).
pub fn http(method: &str, url: &str, body: Option<&str>) -> Option<(u16, String)> {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-m", "10", "-X", method, "-w", "\n%{http_code}"]);
    if let Some(body) = body {
        cmd.args([
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            body,
        ]);
    }
    let out = cmd.arg(url).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n')?;
    let code: u16 = code.trim().parse().ok()?;
    if code == 0 {
        return None;
    }
    Some((code, body.to_owned()))
}

/// One record as read back from Kafka.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
}

/// Reads `topic` from the beginning until `count` records arrived (or `timeout`).
pub fn read_topic(topic: &str, count: usize, timeout: Duration) -> Vec<RawRecord> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", super::bootstrap_servers())
        .set("group.id", unique("reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let deadline = Instant::now() + timeout;
    let mut records = Vec::new();
    while records.len() < count && Instant::now() < deadline {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            records.push(RawRecord {
                key: message.key().map(<[u8]>::to_vec),
                value: message.payload().map(<[u8]>::to_vec),
            });
        }
    }
    records
}

/// Waits until `path` has at least `lines` lines; returns its content.
pub fn wait_for_lines(path: &Path, lines: usize, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.lines().count() >= lines || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
