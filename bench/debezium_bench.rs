//! Debezium benchmark (issue 17): Debezium's PostgreSQL connector, a Java plugin from
//! `plugin.path`, on `tributary standalone` (which runs it in its plugin host, a JVM child
//! process) and on Apache's `ConnectStandalone`, same database, same broker, same worker
//! and connector files: the snapshot of a table of N rows, then the streaming of M
//! changes. Markdown on stdout, progress on stderr.
//!
//! Run through `bench/debezium_bench` (which builds the release binaries and the plugin
//! host, checks that the lab's broker and PostgreSQL answer, and, should this program be
//! killed, stops the runners it started and drops what its runs left in PostgreSQL and
//! Kafka). On SIGINT, SIGTERM or SIGHUP this program stops the runner, drops the run's
//! slot, publication, topic and the table, and prints what it measured so far. A failed
//! run (the process exits, no record for 300 s, or, after 30 s without one, the connector
//! or task is FAILED) is reported with its log and the other runs go on; the exit status
//! is then 1.
//!
//! Usage: debezium_bench [--rows N] [--changes M] [--batch B] [--reps R]
//!                       [--runners tributary,apache] [--tributary PATH]
//!                       [--host-jvm-options "OPTS"] [--apache-heap-opts "OPTS"]
//!                       [--tag TAG] [--command TEXT]
//!
//! Defaults: 1,000,000 rows, 200,000 changes in transactions of 10,000 (at most N), 2 runs
//! per runner (interleaved: T A, then A T), Tributary at
//! `$CARGO_TARGET_DIR/release/tributary`.
//! `--host-jvm-options` goes to Tributary's worker file as
//! `tributary.plugin.host.jvm.options` (default: none, the JVM's own defaults, which is
//! what a user gets); `--apache-heap-opts` is Apache's JVM options (default
//! connect-standalone.sh's: `-Xms256M -Xmx2G` and kafka-run-class.sh's G1 flags, as
//! `bench/connect_bench.rs` runs it). `--tag` names everything the run creates (schema,
//! slots, publications, topic prefixes; lower-case letters, digits, `_`).
//!
//! The table (`<tag>.rows`: `id integer` primary key, `name text`, `amount numeric(12,2)`,
//! `created_at timestamptz`, `active boolean`) is filled once with `INSERT ... SELECT
//! FROM generate_series` and vacuumed before each run. Each run has its own replication
//! slot, publication (`publication.autocreate.mode=filtered`, `plugin.name=pgoutput`),
//! topic prefix, connector name, offsets file and REST port; its topic is created empty
//! beforehand (one partition) and deleted afterwards, and its slot and publication are
//! dropped when it ends, failed or not. Keys and values: JsonConverter with schemas.
//!
//! What is measured, per run (the "process tree" is the started process and all its
//! descendants: for Tributary `tributary` and the plugin host's `java`; for Apache its
//! JVM):
//! - start-up: process start to the first `200` from `GET /` on its REST port, and
//!   process start to the first record in the topic (connector start, slot and
//!   publication creation, snapshot start).
//! - snapshot: rows / (last snapshot record in − first record in), from the topic's high
//!   watermark (polled every 10 ms) first moving to it reaching N. CPU: user+system
//!   seconds of the process tree over that window (`/proc/PID/stat`). Peak RSS: the sum of
//!   `VmHWM` of the tree's processes when the N-th record is in (the peak since start:
//!   start-up included).
//! - streaming: once the N snapshot records are in the topic, the peak RSS of each process
//!   of the tree is reset (`5` into `/proc/PID/clear_refs`) and M `UPDATE`s are applied
//!   by one `psql` session in transactions of B rows (`amount`, `active` of ids
//!   1, 2, ...; wrapping around when M > N), while the connector streams. Throughput: M /
//!   (last streamed record in − first streamed record in); CPU over the same window; peak
//!   RSS: the sum of `VmHWM` at the last record (the peak since the snapshot ended). How
//!   long PostgreSQL took to apply the updates is printed beside it: a streaming window
//!   no longer than that measures the database, not the runner.
//!
//! The sum of the processes' peaks is at least the peak of their sum (the two peaks need
//! not coincide): for Tributary an upper bound of what the tree held at once. After each
//! run the topic must hold exactly N + M records. The load average is printed before and
//! after: PostgreSQL, the broker and the runner share the machine's cores.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::admin::AdminClient;
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};

#[path = "common.rs"]
mod common;

use common::{
    BenchResult, clock_ticks, create_topic, delete_topic, free_port, load_average, machine_line,
    median, rest_ready, write_properties,
};

const CONNECTOR_CLASS: &str = "io.debezium.connector.postgresql.PostgresConnector";
const JSON: &str = "org.apache.kafka.connect.json.JsonConverter";
/// connect-standalone.sh's KAFKA_HEAP_OPTS and kafka-run-class.sh's
/// KAFKA_JVM_PERFORMANCE_OPTS, as `bench/connect_bench.rs` gives Apache.
const APACHE_JVM_OPTS: &str = "-Xms256M -Xmx2G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent";
/// A run fails when its topic has not grown for this long.
const STALL: Duration = Duration::from_secs(300);
const POLL: Duration = Duration::from_millis(10);
/// What the PostgreSQL variables of `tests/lab/lab env` are called.
const PG_VARS: [&str; 5] = ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"];

/// Set by SIGINT, SIGTERM or SIGHUP: every wait gives up, every guard cleans up.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Runner {
    Tributary,
    Apache,
}

impl Runner {
    fn name(self) -> &'static str {
        match self {
            Runner::Tributary => "Tributary",
            Runner::Apache => "Apache Connect",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Runner::Tributary => "t",
            Runner::Apache => "a",
        }
    }
}

struct Options {
    rows: u64,
    changes: u64,
    batch: u64,
    reps: usize,
    runners: Vec<Runner>,
    tributary: PathBuf,
    host_jvm_options: Option<String>,
    apache_heap_opts: String,
    tag: String,
    command: String,
}

/// A window's figures: seconds, CPU seconds of the tree, and the peak RSS (KiB) of each
/// process of the tree by command name.
#[derive(Clone, Debug, Default)]
struct Window {
    secs: f64,
    cpu_secs: f64,
    rss_kib: BTreeMap<String, u64>,
}

impl Window {
    fn rss_total_kib(&self) -> u64 {
        self.rss_kib.values().sum()
    }
}

/// One run of one runner.
#[derive(Clone, Debug)]
struct Sample {
    rest_ready_secs: f64,
    first_record_secs: f64,
    snapshot: Window,
    streaming: Window,
    /// How long PostgreSQL took to apply the M updates (psql start to exit).
    apply_secs: f64,
    /// Records in the topic after the run (N + M expected).
    records: u64,
}

fn main() {
    install_signal_handler();
    match run() {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("debezium_bench: {e}");
            std::process::exit(1);
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP set [`INTERRUPTED`] instead of ending the process, so that
/// the guards stop the runners and drop the slots.
fn install_signal_handler() {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("signal runtime");
        runtime.block_on(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
            let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
            let mut hup = signal(SignalKind::hangup()).expect("SIGHUP handler");
            let _ = ready_tx.send(());
            loop {
                let name = tokio::select! {
                    _ = int.recv() => "SIGINT",
                    _ = term.recv() => "SIGTERM",
                    _ = hup.recv() => "SIGHUP",
                };
                eprintln!("debezium_bench: {name}: stopping and cleaning up");
                INTERRUPTED.store(true, Ordering::SeqCst);
            }
        });
    });
    let _ = ready_rx.recv_timeout(Duration::from_secs(5));
}

fn check_interrupted() -> BenchResult<()> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        Err("interrupted".into())
    } else {
        Ok(())
    }
}

struct Env {
    bootstrap: String,
    root: PathBuf,
    work: PathBuf,
    plugin_path: String,
    clock_ticks: f64,
    admin: AdminClient<DefaultClientContext>,
    watermarks: BaseConsumer,
    runtime: tokio::runtime::Runtime,
}

/// Runs everything; `Ok(false)` when some run failed (the others are still reported).
fn run() -> BenchResult<bool> {
    let options = parse_args()?;
    let var = |name: &str| {
        std::env::var(name)
            .map_err(|_| format!("{name} is not set: run through bench/debezium_bench"))
    };
    for name in PG_VARS {
        var(name)?;
    }
    let bootstrap = var("KAFKA_BOOTSTRAP_SERVERS")?;
    let plugin_path = var("TRIBUTARY_LAB_PLUGIN_PATH")?;
    if !options.tributary.is_file() && options.runners.contains(&Runner::Tributary) {
        return Err(format!(
            "no Tributary binary at {}",
            options.tributary.display()
        ));
    }
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let work = std::env::temp_dir().join(format!("debezium-bench-{}", options.tag));
    fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let env = Env {
        admin: ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .create()
            .map_err(|e| e.to_string())?,
        watermarks: ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .create()
            .map_err(|e| e.to_string())?,
        runtime: tokio::runtime::Runtime::new().map_err(|e| e.to_string())?,
        bootstrap,
        root,
        work,
        plugin_path,
        clock_ticks: clock_ticks()?,
    };

    println!("## Debezium PostgreSQL: snapshot and streaming, Tributary vs Apache Connect\n");
    println!("command: `{}`\n", options.command);
    println!("{}\n", versions(&env, &options));
    println!("{}\n", machine_line());
    println!("load average at start: {}\n", load_average());
    println!(
        "rows: {}, changes: {} (UPDATEs, {} per transaction), runs per runner: {} (median shown; with 2 runs, their mean)",
        options.rows,
        options.changes,
        options.batch.min(options.changes),
        options.reps
    );
    println!(
        "Tributary's plugin host JVM options: {}; Apache's JVM options: `{}`",
        options
            .host_jvm_options
            .as_deref()
            .map_or("none (the JVM's defaults)".to_owned(), |o| format!("`{o}`")),
        options.apache_heap_opts
    );

    let table = Table::create(&options.tag, options.rows)?;
    let mut samples: BTreeMap<Runner, Vec<Sample>> = BTreeMap::new();
    let mut failures = Vec::new();
    // Runners take turns (T A, then A T, ...) so that drift of the machine spreads over both.
    // A failed run is reported and the others go on; a signal ends them all, and what was
    // measured until then is still printed.
    'reps: for rep in 0..options.reps {
        let runners = &options.runners;
        for i in 0..runners.len() {
            let runner = runners[(rep + i) % runners.len()];
            if check_interrupted().is_err() {
                failures.push("interrupted: the remaining runs were not made".to_owned());
                break 'reps;
            }
            match run_one(&env, &options, &table, runner, rep) {
                Ok(sample) => {
                    eprintln!(
                        "  {} run {}: REST {:.2} s, first record {:.2} s; snapshot {:.2} s, {:.1} CPU s, {} MiB; \
                         streaming {:.2} s, {:.1} CPU s, {} MiB (updates applied in {:.2} s)",
                        runner.name(),
                        rep + 1,
                        sample.rest_ready_secs,
                        sample.first_record_secs,
                        sample.snapshot.secs,
                        sample.snapshot.cpu_secs,
                        sample.snapshot.rss_total_kib() / 1024,
                        sample.streaming.secs,
                        sample.streaming.cpu_secs,
                        sample.streaming.rss_total_kib() / 1024,
                        sample.apply_secs
                    );
                    samples.entry(runner).or_default().push(sample);
                }
                Err(e) => {
                    eprintln!("  {} run {} FAILED: {e}", runner.name(), rep + 1);
                    failures.push(format!("{} run {}: {e}", runner.name(), rep + 1));
                }
            }
        }
    }
    drop(table);

    print_tables(&options, &samples);
    if !failures.is_empty() {
        println!("\n**Failed or missing runs** (not in the figures above):\n");
        for failure in &failures {
            println!("- {failure}");
        }
    }
    println!("\nload average at the end: {}", load_average());
    if failures.is_empty() {
        let _ = fs::remove_dir_all(&env.work);
    } else {
        eprintln!("logs of the failed runs kept in {}", env.work.display());
    }
    Ok(failures.is_empty())
}

fn parse_args() -> BenchResult<Options> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut options = Options {
        rows: 1_000_000,
        changes: 200_000,
        batch: 10_000,
        reps: 2,
        runners: vec![Runner::Tributary, Runner::Apache],
        tributary: target.join("release/tributary"),
        host_jvm_options: None,
        apache_heap_opts: APACHE_JVM_OPTS.to_owned(),
        tag: format!("dbzbench_{}", std::process::id()),
        command: std::iter::once("debezium_bench".to_owned())
            .chain(args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" "),
    };
    let mut batch_given = false;
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || -> BenchResult<u64> {
            value
                .replace(['_', ','], "")
                .parse()
                .map_err(|e| format!("{flag} {value}: {e}"))
        };
        match flag.as_str() {
            "--rows" => options.rows = number()?,
            "--changes" => options.changes = number()?,
            "--batch" => {
                options.batch = number()?;
                batch_given = true;
            }
            "--reps" => options.reps = number()? as usize,
            "--runners" => {
                options.runners = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| match s {
                        "tributary" => Ok(Runner::Tributary),
                        "apache" => Ok(Runner::Apache),
                        other => Err(format!("unknown runner {other}: tributary or apache")),
                    })
                    .collect::<BenchResult<_>>()?
            }
            "--tributary" => options.tributary = PathBuf::from(value),
            "--host-jvm-options" => {
                options.host_jvm_options = Some(value.clone()).filter(|v| !v.trim().is_empty())
            }
            "--apache-heap-opts" => options.apache_heap_opts = value.clone(),
            "--tag" => options.tag = value.clone(),
            "--command" => options.command = value.clone(),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.rows == 0 || options.changes == 0 || options.reps == 0 || options.runners.is_empty()
    {
        return Err("--rows, --changes, --reps and --runners must be at least 1".into());
    }
    if !batch_given {
        options.batch = options.batch.min(options.rows);
    }
    if options.batch == 0 || options.batch > options.rows {
        return Err("--batch must be between 1 and --rows".into());
    }
    // Slot names: lower-case letters, digits, `_`, at most 63 bytes with the run suffix.
    if options.tag.is_empty()
        || options.tag.len() > 50
        || !options.tag.starts_with(|c: char| c.is_ascii_lowercase())
        || !options
            .tag
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "--tag {}: lower-case letters, digits and _, starting with a letter, at most 50",
            options.tag
        ));
    }
    Ok(options)
}

// ---------------------------------------------------------------- PostgreSQL

/// Runs `sql` with `psql` (the lab's PG* variables are in the environment); stdout, or
/// the error.
fn psql(sql: &str) -> BenchResult<String> {
    let mut child = Command::new("psql")
        .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run psql (apt-get install postgresql-client): {e}"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(sql.as_bytes())
        .map_err(|e| e.to_string())?;
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(format!(
            "psql: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// The benchmark's schema and table, dropped on drop.
struct Table {
    schema: String,
    rows: u64,
}

impl Table {
    fn create(schema: &str, rows: u64) -> BenchResult<Table> {
        let table = Table {
            schema: schema.to_owned(),
            rows,
        };
        eprintln!("loading {rows} rows into {schema}.rows");
        let started = Instant::now();
        psql(&format!(
            "CREATE SCHEMA {schema};
             CREATE TABLE {schema}.rows (
                 id integer PRIMARY KEY,
                 name text NOT NULL,
                 amount numeric(12,2) NOT NULL,
                 created_at timestamptz NOT NULL,
                 active boolean NOT NULL
             );
             INSERT INTO {schema}.rows
             SELECT i,
                    'customer ' || i || ' ' || md5(i::text),
                    round((i % 100000) * 1.37, 2),
                    timestamptz '2024-01-01 00:00:00+00' + i * interval '17 seconds',
                    i % 3 = 0
             FROM generate_series(1, {rows}) AS i;
             VACUUM ANALYZE {schema}.rows;"
        ))?;
        eprintln!("  loaded in {:.1} s", started.elapsed().as_secs_f64());
        Ok(table)
    }

    fn qualified(&self) -> String {
        format!("{}.rows", self.schema)
    }

    /// The updates of the streaming phase: `changes` rows, `batch` per transaction, ids
    /// from 1 on, wrapping around after the last.
    fn updates(&self, changes: u64, batch: u64) -> String {
        let mut sql = String::new();
        let mut done = 0;
        while done < changes {
            let size = batch.min(changes - done);
            let start = done % self.rows; // 0-based
            let mut ranges = vec![(start, (start + size).min(self.rows))];
            if start + size > self.rows {
                ranges.push((0, start + size - self.rows));
            }
            sql.push_str("BEGIN;\n");
            for (from, to) in ranges {
                sql.push_str(&format!(
                    "UPDATE {} SET amount = amount + 0.01, active = NOT active WHERE id BETWEEN {} AND {};\n",
                    self.qualified(),
                    from + 1,
                    to
                ));
            }
            sql.push_str("COMMIT;\n");
            done += size;
        }
        sql
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        if let Err(e) = psql(&format!("DROP SCHEMA IF EXISTS {} CASCADE;", self.schema)) {
            eprintln!("  (could not drop schema {}: {e})", self.schema);
        }
    }
}

/// A run's replication slot and publication (Debezium creates both under the run's
/// name): dropped on drop, after ending a walsender that still holds the slot (a slot
/// left behind keeps WAL forever).
struct Slot {
    name: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let name = &self.name;
        let mut dropped = false;
        for _ in 0..50 {
            let _ = psql(&format!(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots \
                 WHERE slot_name = '{name}' AND active_pid IS NOT NULL;"
            ));
            let left = psql(&format!(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots \
                 WHERE slot_name = '{name}' AND NOT active;
                 SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{name}';"
            ));
            if left.is_ok_and(|out| out.ends_with('0')) {
                dropped = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        if !dropped {
            eprintln!("  (could not drop replication slot {name}: drop it by hand)");
        }
        if let Err(e) = psql(&format!("DROP PUBLICATION IF EXISTS {name};")) {
            eprintln!("  (could not drop publication {name}: {e})");
        }
    }
}

// ---------------------------------------------------------------- Kafka

/// A run's topic, created empty (one partition) and deleted on drop.
struct Topic<'a> {
    env: &'a Env,
    name: String,
}

impl<'a> Topic<'a> {
    fn create(env: &'a Env, name: &str) -> BenchResult<Topic<'a>> {
        env.runtime.block_on(create_topic(&env.admin, name))?;
        Ok(Topic {
            env,
            name: name.to_owned(),
        })
    }

    fn high_watermark(&self) -> BenchResult<u64> {
        let (_, high) = self
            .env
            .watermarks
            .fetch_watermarks(&self.name, 0, Duration::from_secs(5))
            .map_err(|e| format!("watermark of {}: {e}", self.name))?;
        Ok(high.max(0) as u64)
    }
}

impl Drop for Topic<'_> {
    fn drop(&mut self) {
        self.env
            .runtime
            .block_on(delete_topic(&self.env.admin, &self.name));
    }
}

// ---------------------------------------------------------------- processes

/// A started runner: stopped, with every process of its tree, on drop.
struct Worker {
    child: Child,
    runner: Runner,
}

impl Worker {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn exited(&mut self) -> BenchResult<Option<String>> {
        Ok(self
            .child
            .try_wait()
            .map_err(|e| e.to_string())?
            .map(|status| status.to_string()))
    }

    /// SIGTERM to the process (a clean stop: the worker stops the connector, which closes
    /// its replication connection), SIGKILL after 30 s; then SIGKILL to whatever of its
    /// tree is left (the plugin host JVM, were Tributary killed).
    fn stop(&mut self) {
        let tree = process_tree(self.pid());
        if let Ok(None) = self.child.try_wait() {
            signal(self.pid(), "TERM");
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if let Ok(None) = self.child.try_wait() {
                eprintln!("  ({} did not stop in 30 s: killed)", self.runner.name());
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
        // Give a child a moment to notice its parent is gone before killing it.
        let deadline = Instant::now() + Duration::from_secs(10);
        let alive = |pid: &u32| Path::new(&format!("/proc/{pid}")).exists();
        while tree.iter().skip(1).any(alive) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        for pid in tree.iter().skip(1).filter(|p| alive(p)) {
            eprintln!(
                "  (process {pid} of {} still running: killed)",
                self.runner.name()
            );
            signal(*pid, "KILL");
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// `pid` and its descendants (pid first), from the parent pids in `/proc/*/stat`.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Some(parent) = stat_fields(child).and_then(|f| f.get(1)?.parse::<u32>().ok())
            else {
                continue;
            };
            children.entry(parent).or_default().push(child);
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        if let Some(kids) = children.get(&tree[i]) {
            tree.extend(kids);
        }
        i += 1;
    }
    tree
}

/// The fields of `/proc/PID/stat` after the parenthesised command name (state first).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// User + system CPU seconds of each process of the tree (all its threads).
fn tree_cpu(env: &Env, pid: u32) -> HashMap<u32, f64> {
    process_tree(pid)
        .into_iter()
        .filter_map(|p| {
            let fields = stat_fields(p)?;
            // After the name, utime (field 14) is index 11, stime 12.
            let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
            Some((p, (ticks(11)? + ticks(12)?) / env.clock_ticks))
        })
        .collect()
}

/// CPU seconds the tree spent since `start` (a process new since then counts from 0).
fn cpu_since(env: &Env, pid: u32, start: &HashMap<u32, f64>) -> f64 {
    tree_cpu(env, pid)
        .into_iter()
        .map(|(p, now)| now - start.get(&p).copied().unwrap_or(0.0))
        .sum()
}

/// `VmHWM` (KiB) of each process of the tree, by command name (`comm`; pid-suffixed
/// when two share a name).
fn tree_peak_rss(pid: u32) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for p in process_tree(pid) {
        let Ok(status) = fs::read_to_string(format!("/proc/{p}/status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_owned())
        };
        let Some(hwm) =
            field("VmHWM:").and_then(|v| v.trim_end_matches("kB").trim().parse::<u64>().ok())
        else {
            continue;
        };
        let name = field("Name:").unwrap_or_else(|| "?".into());
        let key = if out.contains_key(&name) {
            format!("{name}#{p}")
        } else {
            name
        };
        out.insert(key, hwm);
    }
    out
}

/// Resets the peak RSS of each process of the tree to its current RSS (Linux ≥ 4.0).
fn reset_peak_rss(pid: u32) -> BenchResult<()> {
    for p in process_tree(pid) {
        fs::write(format!("/proc/{p}/clear_refs"), "5")
            .map_err(|e| format!("resetting the peak RSS of {p}: {e}"))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- one run

/// What names one run: connector, slot, publication and topic prefix share `name`.
struct Run<'a> {
    name: String,
    port: u16,
    topic: Topic<'a>,
    /// Worker and connector files, offsets file, the process's log.
    dir: PathBuf,
}

fn run_one(
    env: &Env,
    options: &Options,
    table: &Table,
    runner: Runner,
    rep: usize,
) -> BenchResult<Sample> {
    let name = format!("{}_{}{}", options.tag, runner.short(), rep + 1);
    let dir = env.work.join(&name);
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    psql(&format!("VACUUM {};", table.qualified()))?;
    // Declared in this order so that they drop in the reverse one: the worker stops
    // before its slot is dropped and its topic deleted.
    let run = Run {
        topic: Topic::create(env, &format!("{name}.{}", table.qualified()))?,
        port: free_port()?,
        name,
        dir,
    };
    let _slot = Slot {
        name: run.name.clone(),
    };
    let (worker_file, connector_file) = write_files(env, options, table, runner, &run)?;
    let log_path = run.dir.join("process.log");
    let log = fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let mut command = match runner {
        Runner::Tributary => {
            let mut c = Command::new(&options.tributary);
            c.arg("standalone");
            c
        }
        Runner::Apache => {
            let mut c = Command::new(env.root.join("tests/lab/lab"));
            c.args(["apache-connect", "standalone"])
                .env("APACHE_CONNECT_HEAP_OPTS", &options.apache_heap_opts);
            c
        }
    };
    command
        .arg(&worker_file)
        .arg(&connector_file)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    let started = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", runner.name()))?;
    let mut worker = Worker { child, runner };
    let outcome = measure(env, options, table, &mut worker, &run, started);
    worker.stop();
    let logs = || format!("log: {}", log_path.display());
    let mut sample = outcome.map_err(|e| format!("{e}; {}", logs()))?;
    sample.records = run.topic.high_watermark()?;
    let expected = options.rows + options.changes;
    if sample.records != expected {
        return Err(format!(
            "the topic holds {} records, expected {expected} (N + M); {}",
            sample.records,
            logs()
        ));
    }
    let _ = fs::remove_dir_all(&run.dir);
    Ok(sample)
}

/// The worker and connector files, the same for both runners but for Tributary's
/// `tributary.plugin.host.jvm.options` when `--host-jvm-options` is given.
fn write_files(
    env: &Env,
    options: &Options,
    table: &Table,
    runner: Runner,
    run: &Run,
) -> BenchResult<(PathBuf, PathBuf)> {
    let (dir, name) = (&run.dir, run.name.as_str());
    let mut worker: Vec<(&str, String)> = vec![
        ("bootstrap.servers", env.bootstrap.clone()),
        ("listeners", format!("http://127.0.0.1:{}", run.port)),
        ("plugin.path", env.plugin_path.clone()),
        // Debezium's jars have ServiceLoader manifests; Apache's default discovery also
        // scans every class reflectively (~20 s here).
        ("plugin.discovery", "service_load".into()),
        ("key.converter", JSON.into()),
        ("value.converter", JSON.into()),
        ("key.converter.schemas.enable", "true".into()),
        ("value.converter.schemas.enable", "true".into()),
        (
            "offset.storage.file.filename",
            dir.join("connect.offsets").display().to_string(),
        ),
        ("offset.flush.interval.ms", "10000".into()),
    ];
    if let (Runner::Tributary, Some(opts)) = (runner, &options.host_jvm_options) {
        worker.push(("tributary.plugin.host.jvm.options", opts.clone()));
    }
    let var = |n: &str| std::env::var(n).unwrap_or_default();
    let connector: Vec<(&str, String)> = vec![
        ("name", name.to_owned()),
        ("connector.class", CONNECTOR_CLASS.into()),
        ("tasks.max", "1".into()),
        ("database.hostname", var("PGHOST")),
        ("database.port", var("PGPORT")),
        ("database.user", var("PGUSER")),
        ("database.password", var("PGPASSWORD")),
        ("database.dbname", var("PGDATABASE")),
        ("topic.prefix", name.to_owned()),
        ("plugin.name", "pgoutput".into()),
        ("slot.name", name.to_owned()),
        ("publication.name", name.to_owned()),
        // The default (all_tables) needs a superuser; a publication of the captured
        // table needs only its ownership.
        ("publication.autocreate.mode", "filtered".into()),
        ("table.include.list", table.qualified()),
    ];
    let worker_file = dir.join("worker.properties");
    let connector_file = dir.join("connector.properties");
    write_properties(&worker_file, &worker)?;
    write_properties(&connector_file, &connector)?;
    Ok((worker_file, connector_file))
}

/// Start-up, snapshot, then streaming.
fn measure(
    env: &Env,
    options: &Options,
    table: &Table,
    worker: &mut Worker,
    run: &Run,
    started: Instant,
) -> BenchResult<Sample> {
    let rows = options.rows;
    let mut ready: Option<f64> = None;
    let snapshot = window(env, worker, run, 0, rows, || {
        if ready.is_none() && rest_ready(run.port) {
            ready = Some(started.elapsed().as_secs_f64());
        }
        Ok(())
    })
    .map_err(|e| format!("start-up or snapshot: {e}"))?;
    let first_record_secs = started.elapsed().as_secs_f64() - snapshot.secs;
    let rest_ready_secs = match ready {
        Some(secs) => secs,
        // Ready by now at the latest; ask once more.
        None if rest_ready(run.port) => started.elapsed().as_secs_f64(),
        None => return Err("GET / never answered 200".into()),
    };
    if run.topic.high_watermark()? > rows {
        return Err(format!(
            "more than {rows} records before any change was made: a snapshot record twice?"
        ));
    }

    // Streaming: the updates from one psql session, while the connector streams.
    reset_peak_rss(worker.pid())?;
    let mut apply = Apply::start(&table.updates(options.changes, options.batch))?;
    let streaming = window(env, worker, run, rows, rows + options.changes, || {
        apply.poll()
    })
    .map_err(|e| format!("streaming: {e}"))?;
    // The last record can be in before psql has seen its last COMMIT answered.
    let apply_secs = apply.finish()?;
    Ok(Sample {
        rest_ready_secs,
        first_record_secs,
        snapshot,
        streaming,
        apply_secs,
        records: 0,
    })
}

/// Polls the topic every 10 ms until it holds `target` records: the window runs from the
/// first poll that sees more than `base` to the one that sees `target`. `each` runs at
/// every poll. Fails when the process exits, on a signal, and when no record came for
/// 300 s or, after 30 s without one, when the connector or its task is FAILED.
fn window(
    env: &Env,
    worker: &mut Worker,
    run: &Run,
    base: u64,
    target: u64,
    mut each: impl FnMut() -> BenchResult<()>,
) -> BenchResult<Window> {
    let pid = worker.pid();
    let mut first: Option<(Instant, HashMap<u32, f64>)> = None;
    let mut last_count = base;
    let mut last_move = Instant::now();
    let mut last_status_check = Instant::now();
    loop {
        check_interrupted()?;
        if let Some(status) = worker.exited()? {
            return Err(format!("the process exited ({status})"));
        }
        each()?;
        let count = run.topic.high_watermark()?;
        let now = Instant::now();
        if count > base && first.is_none() {
            first = Some((now, tree_cpu(env, pid)));
        }
        if count >= target {
            let (start, cpu) = first.expect("set when the topic first moved");
            return Ok(Window {
                secs: now.duration_since(start).as_secs_f64(),
                cpu_secs: cpu_since(env, pid, &cpu),
                rss_kib: tree_peak_rss(pid),
            });
        }
        if count != last_count {
            last_count = count;
            last_move = now;
        }
        let quiet = now.duration_since(last_move);
        if quiet > STALL {
            return Err(format!(
                "{} of {} records, none for {} s",
                count - base,
                target - base,
                STALL.as_secs()
            ));
        }
        if quiet > Duration::from_secs(30)
            && now.duration_since(last_status_check) > Duration::from_secs(5)
        {
            last_status_check = now;
            let path = format!("/connectors/{}/status", run.name);
            if let Some(body) = http_get(run.port, &path).filter(|b| b.contains("FAILED")) {
                return Err(format!(
                    "{} of {} records, none for {} s, and GET {path}: {}",
                    count - base,
                    target - base,
                    quiet.as_secs(),
                    body.chars().take(2000).collect::<String>()
                ));
            }
        }
        std::thread::sleep(POLL);
    }
}

/// The streaming phase's updates, applied by one `psql` session in the background
/// (killed on drop if still running).
struct Apply {
    child: Child,
    started: Instant,
    secs: Option<f64>,
}

impl Apply {
    fn start(sql: &str) -> BenchResult<Apply> {
        let started = Instant::now();
        let child = Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        let mut apply = Apply {
            child,
            started,
            secs: None,
        };
        let mut stdin = apply.child.stdin.take().expect("piped");
        stdin.write_all(sql.as_bytes()).map_err(|e| e.to_string())?;
        Ok(apply)
    }

    /// Notes when psql has ended; an error if it failed.
    fn poll(&mut self) -> BenchResult<()> {
        if self.secs.is_some() {
            return Ok(());
        }
        let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? else {
            return Ok(());
        };
        self.secs = Some(self.started.elapsed().as_secs_f64());
        if status.success() {
            return Ok(());
        }
        let mut err = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        Err(format!("applying the updates failed: {}", err.trim()))
    }

    /// Waits for psql; the seconds it took.
    fn finish(&mut self) -> BenchResult<f64> {
        while self.secs.is_none() {
            check_interrupted()?;
            self.poll()?;
            std::thread::sleep(POLL);
        }
        Ok(self.secs.expect("set by poll"))
    }
}

impl Drop for Apply {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// `GET path` on the port; the body when the answer is 200.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    (head.split(' ').nth(1) == Some("200")).then(|| body.to_owned())
}

// ---------------------------------------------------------------- report

struct Medians {
    rows_per_sec: f64,
    cpu_secs: f64,
    cpu_per_million: f64,
    rss_mib: f64,
    /// Median peak RSS of each process name, MiB.
    rss_by_process: BTreeMap<String, f64>,
}

impl Medians {
    fn of(windows: &[&Window], rows: u64) -> Medians {
        let secs = median(&windows.iter().map(|w| w.secs).collect::<Vec<_>>());
        let cpu = median(&windows.iter().map(|w| w.cpu_secs).collect::<Vec<_>>());
        let rss = median(
            &windows
                .iter()
                .map(|w| w.rss_total_kib() as f64)
                .collect::<Vec<_>>(),
        );
        let mut names: Vec<String> = windows
            .iter()
            .flat_map(|w| w.rss_kib.keys().map(|k| process_label(k)))
            .collect();
        names.sort();
        names.dedup();
        let rss_by_process = names
            .into_iter()
            .map(|name| {
                let values: Vec<f64> = windows
                    .iter()
                    .map(|w| {
                        w.rss_kib
                            .iter()
                            .filter(|(k, _)| process_label(k) == name)
                            .map(|(_, v)| *v as f64)
                            .sum::<f64>()
                    })
                    .collect();
                (name, median(&values) / 1024.0)
            })
            .collect();
        Medians {
            rows_per_sec: rows as f64 / secs,
            cpu_secs: cpu,
            cpu_per_million: cpu / (rows as f64 / 1e6),
            rss_mib: rss / 1024.0,
            rss_by_process,
        }
    }

    fn rss_breakdown(&self) -> String {
        if self.rss_by_process.len() < 2 {
            return String::new();
        }
        self.rss_by_process
            .iter()
            .map(|(name, mib)| format!("{name} {mib:.0}"))
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// A process's name without the `#pid` that tells two of one name apart.
fn process_label(key: &str) -> String {
    key.split('#').next().unwrap_or(key).to_owned()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Snapshot,
    Streaming,
}

impl Phase {
    fn window(self, sample: &Sample) -> &Window {
        match self {
            Phase::Snapshot => &sample.snapshot,
            Phase::Streaming => &sample.streaming,
        }
    }

    /// The records of the phase: rows snapshotted, or changes streamed.
    fn rows(self, options: &Options) -> u64 {
        match self {
            Phase::Snapshot => options.rows,
            Phase::Streaming => options.changes,
        }
    }

    fn medians(self, runs: &[Sample], options: &Options) -> Medians {
        let windows: Vec<&Window> = runs.iter().map(|s| self.window(s)).collect();
        Medians::of(&windows, self.rows(options))
    }
}

fn secs_list(values: impl IntoIterator<Item = f64>) -> String {
    values
        .into_iter()
        .map(|v| format!("{v:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_tables(options: &Options, samples: &BTreeMap<Runner, Vec<Sample>>) {
    println!(
        "\n### Start-up (process start to `GET /` 200, and to the first snapshot record in the topic)\n"
    );
    println!(
        "| runner | to REST 200, s | to first record, s | runs, REST (s) | runs, first record (s) |"
    );
    println!("|---|---:|---:|---|---|");
    for (runner, runs) in samples {
        let rest: Vec<f64> = runs.iter().map(|s| s.rest_ready_secs).collect();
        let first: Vec<f64> = runs.iter().map(|s| s.first_record_secs).collect();
        println!(
            "| {} | {:.2} | {:.2} | {} | {} |",
            runner.name(),
            median(&rest),
            median(&first),
            secs_list(rest.iter().copied()),
            secs_list(first.iter().copied())
        );
    }

    for phase in [Phase::Snapshot, Phase::Streaming] {
        let rows = phase.rows(options);
        match phase {
            Phase::Snapshot => {
                println!(
                    "\n### Snapshot: {rows} rows, first to last snapshot record in the topic\n"
                );
                println!(
                    "| runner | rows/s | CPU s | CPU s per M rows | peak RSS MiB | peak RSS by process, MiB | runs (s) |"
                );
                println!("|---|---:|---:|---:|---:|---|---|");
            }
            Phase::Streaming => {
                println!(
                    "\n### Streaming: {rows} UPDATEs in transactions of {}, first to last streamed record in the topic\n",
                    options.batch.min(rows)
                );
                println!(
                    "| runner | rows/s | CPU s | CPU s per M rows | peak RSS MiB | peak RSS by process, MiB | runs (s) | updates applied by PostgreSQL in (s) |"
                );
                println!("|---|---:|---:|---:|---:|---|---|---|");
            }
        }
        for (runner, runs) in samples {
            let m = phase.medians(runs, options);
            let apply = match phase {
                Phase::Snapshot => String::new(),
                Phase::Streaming => format!(" {} |", secs_list(runs.iter().map(|s| s.apply_secs))),
            };
            println!(
                "| {} | {:.0} | {:.1} | {:.2} | {:.0} | {} | {} |{apply}",
                runner.name(),
                m.rows_per_sec,
                m.cpu_secs,
                m.cpu_per_million,
                m.rss_mib,
                m.rss_breakdown(),
                secs_list(runs.iter().map(|s| phase.window(s).secs)),
            );
        }
    }

    let (Some(t), Some(a)) = (
        samples.get(&Runner::Tributary),
        samples.get(&Runner::Apache),
    ) else {
        return;
    };
    println!("\n### Tributary / Apache Connect (medians)\n");
    println!("| figure | snapshot | streaming | goal |");
    println!("|---|---:|---:|---|");
    let ratios = |figure: fn(&Medians) -> f64| {
        [Phase::Snapshot, Phase::Streaming]
            .map(|phase| figure(&phase.medians(t, options)) / figure(&phase.medians(a, options)))
    };
    let [snapshot, streaming] = ratios(|m| m.rows_per_sec);
    println!("| throughput (rows/s) | {snapshot:.2} | {streaming:.2} | ≥ 1 |");
    let [snapshot, streaming] = ratios(|m| m.cpu_per_million);
    println!("| CPU per row | {snapshot:.2} | {streaming:.2} | |");
    let [snapshot, streaming] = ratios(|m| m.rss_mib);
    println!(
        "| peak RSS (Tributary: tributary + plugin host JVM) | {snapshot:.2} | {streaming:.2} | ≤ 0.6 |"
    );
    let startup =
        |runs: &[Sample], f: fn(&Sample) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    println!(
        "| start to REST 200 | {:.2} | | |",
        startup(t, |s| s.rest_ready_secs) / startup(a, |s| s.rest_ready_secs)
    );
    println!(
        "| start to first record | {:.2} | | |",
        startup(t, |s| s.first_record_secs) / startup(a, |s| s.first_record_secs)
    );
}

// ---------------------------------------------------------------- environment

fn versions(env: &Env, options: &Options) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(&env.root)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let dirty = Command::new("git")
        .args(["diff", "--quiet", "HEAD"])
        .current_dir(&env.root)
        .status()
        .is_ok_and(|s| !s.success());
    let java = std::env::var("TRIBUTARY_LAB_JAVA").unwrap_or_else(|_| "java".into());
    let java_version = Command::new(&java)
        .arg("-version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let debezium = Path::new(&env.plugin_path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .and_then(|n| n.split("debezium-").nth(1).map(str::to_owned))
        .unwrap_or_else(|| env.plugin_path.clone());
    let postgres = psql("SHOW server_version;").unwrap_or_default();
    format!(
        "versions: bench at commit {}{}; Tributary binary {}; Apache Kafka / Connect {}; Debezium PostgreSQL {debezium}; PostgreSQL {postgres}; {java_version}",
        git(&["rev-parse", "--short", "HEAD"]),
        if dirty { "+dirty" } else { "" },
        options.tributary.display(),
        std::env::var("TRIBUTARY_LAB_KAFKA_VERSION").unwrap_or_else(|_| "?".into()),
    )
}
