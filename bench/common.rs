//! What the benchmark programs share (`bench/connect_bench.rs`, `bench/debezium_bench.rs`,
//! each including this file as `mod common`): the machine's description and clock, the
//! REST readiness probe, topics, files and ports.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;

pub type BenchResult<T> = Result<T, String>;

/// The median; with an even count the mean of the middle two; NaN for none.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Clock ticks per second, the unit of the CPU times in `/proc/PID/stat`.
pub fn clock_ticks() -> BenchResult<f64> {
    let out = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .map_err(|e| format!("getconf: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("getconf CLK_TCK: {e}"))
}

/// The 1, 5 and 15-minute load averages.
pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `machine: <cores> cores, <CPU model>, <memory>`.
pub fn machine_line() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or_else(
            || "?".into(),
            |kib| format!("{:.0} GiB", kib as f64 / 1048576.0),
        );
    format!("machine: {cores} cores, {cpu}, {memory}")
}

/// Whether `GET /` on the port answers 200. A hand-written HTTP/1.0 request: one status
/// line is all we need, not worth an HTTP client dependency in the bench.
pub fn rest_ready(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && &head[9..12] == b"200"
}

/// Creates `topic` with one partition and one replica.
pub async fn create_topic(
    admin: &AdminClient<DefaultClientContext>,
    topic: &str,
) -> BenchResult<()> {
    let results = admin
        .create_topics(
            &[NewTopic::new(topic, 1, TopicReplication::Fixed(1))],
            &AdminOptions::new(),
        )
        .await
        .map_err(|e| e.to_string())?;
    for result in results {
        result.map_err(|(topic, code)| format!("create {topic}: {code}"))?;
    }
    Ok(())
}

/// Deletes a benchmark topic so the broker's disk does not fill up over a run.
/// The broker answers per topic: a request that succeeds can still carry a topic's
/// error, which used to go unreported (two sink topics of one run on a busy machine
/// stayed behind without a message).
pub async fn delete_topic(admin: &AdminClient<DefaultClientContext>, topic: &str) {
    match admin.delete_topics(&[topic], &AdminOptions::new()).await {
        Err(e) => eprintln!("  (could not delete {topic}: {e})"),
        Ok(results) => {
            for (name, code) in results.into_iter().filter_map(Result::err) {
                eprintln!("  (could not delete {name}: {code})");
            }
        }
    }
}

/// Writes `key=value` lines.
pub fn write_properties<K: std::fmt::Display>(
    path: &Path,
    entries: &[(K, String)],
) -> BenchResult<()> {
    let text: String = entries.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> BenchResult<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}
