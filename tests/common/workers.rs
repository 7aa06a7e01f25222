//! `tributary` processes playing pods on the lab (`tributary worker` with a pod's
//! environment, `tributary rest`), their shared worker properties, and plain HTTP to
//! their health servers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::lab_var;

pub const STRING_CONVERTER: &str = "org.apache.kafka.connect.storage.StringConverter";
pub const JSON_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";

/// A child process killed when dropped, its log printed when the test is failing.
pub struct Process {
    pub child: Child,
    pub log: PathBuf,
}

impl Process {
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- {} ---\n{}", self.log.display(), self.log_text());
        }
    }
}

/// Starts `command` (`what` names it in the failure) with its stderr in `log` and its
/// stdout discarded.
pub fn spawn_logged(command: &mut Command, log: PathBuf, what: &str) -> Process {
    let child = command
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    Process { child, log }
}

/// `tributary worker` as the pod `pod` of the `KafkaConnect` `cluster` in `ns` runs it:
/// the lab's kubeconfig, `dir/worker.properties`, its health server on `listen`.
pub fn worker_command(cluster: &str, pod: &str, ns: &str, dir: &Path, listen: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tributary"));
    command
        .arg("worker")
        .env("KUBECONFIG", lab_var("KUBECONFIG"))
        .env("POD_NAME", pod)
        .env("POD_NAMESPACE", ns)
        .env("TRIBUTARY_CLUSTER", cluster)
        .env("TRIBUTARY_WORKER_CONFIG", dir.join("worker.properties"))
        .env("TRIBUTARY_WORKER_LISTEN", listen)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1");
    command
}

/// `tributary rest` as the sidecar of a pod of the `KafkaConnect` `cluster` in `ns` runs
/// it: the lab's kubeconfig, `dir/worker.properties`, the API on `127.0.0.1:port`.
pub fn rest_command(cluster: &str, ns: &str, dir: &Path, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tributary"));
    command
        .arg("rest")
        .args(["--namespace", ns, "--cluster", cluster])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--worker-config")
        .arg(dir.join("worker.properties"))
        .env("KUBECONFIG", lab_var("KUBECONFIG"))
        .env("POD_NAME", format!("{cluster}-worker-rest"))
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1");
    command
}

/// A `tributary worker` process with a pod's environment ([`worker_command`]), its health
/// server on a free port, its offsets file `dir/<pod>.offsets` and its log `dir/<pod>.log`.
pub fn start_worker(cluster: &str, pod: &str, ns: &str, dir: &Path) -> Process {
    start_worker_with(cluster, pod, ns, dir, &lab_var("KUBECONFIG"))
}

/// [`start_worker`] reaching the API server through `kubeconfig`.
pub fn start_worker_with(
    cluster: &str,
    pod: &str,
    ns: &str,
    dir: &Path,
    kubeconfig: &str,
) -> Process {
    spawn_logged(
        worker_command(cluster, pod, ns, dir, "127.0.0.1:0")
            .env("KUBECONFIG", kubeconfig)
            .env("TRIBUTARY_OFFSETS_FILE", dir.join(format!("{pod}.offsets"))),
        dir.join(format!("{pod}.log")),
        "tributary worker",
    )
}

/// Writes `dir/worker.properties` for workers of the lab's broker: `converter` for keys
/// and values, source offsets flushed every `flush_interval_ms` into the topic
/// `offsets_topic` of `partitions` partitions.
pub fn write_worker_properties(
    dir: &Path,
    converter: &str,
    flush_interval_ms: u64,
    offsets_topic: &str,
    partitions: u32,
) {
    let bootstrap = super::bootstrap_servers();
    std::fs::write(
        dir.join("worker.properties"),
        format!(
            "bootstrap.servers={bootstrap}\n\
             key.converter={converter}\n\
             value.converter={converter}\n\
             offset.flush.interval.ms={flush_interval_ms}\n\
             offset.storage.topic={offsets_topic}\n\
             offset.storage.partitions={partitions}\n\
             offset.storage.replication.factor=1\n"
        ),
    )
    .unwrap();
}

/// `GET path` from `addr` over plain HTTP/1.0; returns the status code and body, `None`
/// when nothing answers.
pub async fn http_get(addr: &str, path: &str) -> Option<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    let code = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n")?.1.to_string();
    Some((code, body))
}
