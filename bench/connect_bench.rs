//! Side-by-side benchmark (issue 8): the same input through Tributary standalone, Apache
//! Kafka Connect standalone (lab jars, connect-standalone.sh's heap and JVM flags) and the
//! raw librdkafka client (`raw_client`), on the lab broker, in one run. Prints Markdown
//! tables with medians and ratios.
//!
//! Run through `bench/run` (which builds the release binaries and starts the lab broker).
//!
//! Usage: connect_bench [--records N] [--reps R] [--sizes 100,1024]
//!                      [--converters string,json] [--directions source,sink]
//!                      [--startup-reps R] [--runners tributary,apache,raw]
//!                      [--security plaintext,sasl-scram]
//!
//! `--runners` narrows a run to some runners (while profiling one of them); the ratios
//! need all three.
//!
//! `--security` runs every scenario once per listed connection: `plaintext` (the lab's
//! PLAINTEXT listener, the default) or the name of a lab client file
//! (`$TRIBUTARY_LAB_CLIENT_CONFIGS/NAME.properties`: `sasl-scram` is TLS + SCRAM-SHA-512,
//! `ssl`, `sasl-plain`, `mtls`). For a client file, the worker properties get its lines
//! at the top level and again under `producer.` and `consumer.` (Apache gives top-level
//! client settings only to its admin and internal clients; Tributary reads both), and
//! the file's `bootstrap.servers`; the raw client gets the same settings through
//! Tributary's translation of Java client settings. Only the measured process uses that
//! connection: the sink's input is written and the source's progress read over
//! plaintext. A table then puts each runner's figures over the client file next to its
//! plaintext figures.
//!
//! What is measured, per run:
//! - throughput: records / (last record in − first record in). Source: from the moment the
//!   topic's high watermark first moves to the moment it reaches N; sink: from the first
//!   byte in the output file to the file holding all N lines. Process start-up and the
//!   consumer group join are outside the window (start-up is measured separately).
//! - CPU: user+system seconds of the process over the same window (`/proc/PID/stat`),
//!   per million records.
//! - peak RSS: `VmHWM` of the process when the last record is in.
//! - start-up: process start to the first `200` from `GET /` on its REST port.
//!
//! The load average (`/proc/loadavg`) is printed before and after the run: the figures
//! are only comparable within a run when the machine was equally busy throughout.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Direction {
    Source,
    Sink,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Format {
    String,
    Json,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::String => "string",
            Format::Json => "json",
        }
    }

    fn converter_class(self) -> &'static str {
        match self {
            Format::String => "org.apache.kafka.connect.storage.StringConverter",
            Format::Json => "org.apache.kafka.connect.json.JsonConverter",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Runner {
    Tributary,
    Apache,
    Raw,
}

impl Runner {
    const ALL: [Runner; 3] = [Runner::Tributary, Runner::Apache, Runner::Raw];

    fn name(self) -> &'static str {
        match self {
            Runner::Tributary => "Tributary",
            Runner::Apache => "Apache Connect",
            Runner::Raw => "raw librdkafka",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Scenario {
    direction: Direction,
    format: Format,
    size: usize,
    /// Index into `Env::securities`.
    security: usize,
}

/// How the measured process connects to the broker.
#[derive(Clone, Debug)]
struct Security {
    /// `plaintext` or the lab client file's name (`sasl-scram`).
    name: String,
    /// The listener: the lab's plaintext one, or the client file's `bootstrap.servers`.
    bootstrap: String,
    /// The client file's other settings, in its order (empty for plaintext).
    settings: Vec<(String, String)>,
    /// The client file (`None` for plaintext).
    file: Option<PathBuf>,
}

const PLAINTEXT: &str = "plaintext";

impl Security {
    fn is_plaintext(&self) -> bool {
        self.file.is_none()
    }
}

/// One measured run.
#[derive(Clone, Copy, Debug)]
struct Sample {
    secs: f64,
    cpu_secs: f64,
    rss_kib: u64,
}

struct Options {
    records: u64,
    reps: usize,
    sizes: Vec<usize>,
    formats: Vec<Format>,
    directions: Vec<Direction>,
    startup_reps: usize,
    runners: Vec<Runner>,
    /// Names given to `--security`, resolved into `Env::securities`.
    security_names: Vec<String>,
}

struct Env {
    bootstrap: String,
    root: PathBuf,
    /// Cargo's target directory (`CARGO_TARGET_DIR`, else `target`).
    target: PathBuf,
    work: PathBuf,
    clock_ticks: f64,
    /// The connections of `--security`, in its order.
    securities: Vec<Security>,
    /// The lab's plaintext listener, for what is not measured (filling a sink's topic)
    /// and for start-up.
    plaintext: Security,
}

fn main() {
    if let Err(e) = run() {
        eprintln!("connect_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> BenchResult<()> {
    let options = parse_args()?;
    let bootstrap = std::env::var("KAFKA_BOOTSTRAP_SERVERS")
        .map_err(|_| "KAFKA_BOOTSTRAP_SERVERS is not set: run through bench/run".to_owned())?;
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let work = std::env::temp_dir().join(format!("tributary-bench-{}", std::process::id()));
    fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let securities = options
        .security_names
        .iter()
        .map(|name| security(name, &bootstrap))
        .collect::<BenchResult<Vec<_>>>()?;
    let plaintext = security(PLAINTEXT, &bootstrap)?;
    let env = Env {
        bootstrap,
        target,
        root,
        work,
        clock_ticks: clock_ticks()?,
        securities,
        plaintext,
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;

    println!("{}", machine_line());
    println!("load average at start: {}", load_average());
    println!(
        "records per run: {}, runs per runner and scenario: {} (median shown)\n",
        options.records, options.reps
    );
    let mut table = Vec::new();
    // Small lines first, each converter's source and sink next to each other: a run cut
    // short still covers both directions.
    for &size in &options.sizes {
        for &format in &options.formats {
            for &direction in &options.directions {
                // The connections of one scenario next to each other: their comparison
                // is the point of `--security`, and drift of the machine between them
                // is what it must not measure.
                for security in 0..env.securities.len() {
                    let scenario = Scenario {
                        direction,
                        format,
                        size,
                        security,
                    };
                    let samples = runtime.block_on(run_scenario(&env, &options, scenario))?;
                    print_scenario(&env, scenario, options.records, &samples);
                    table.push((scenario, samples));
                }
            }
        }
    }
    print_summary(&env, options.records, &table);
    print_security_cost(&env, options.records, &table);
    println!("\nload average at the end: {}", load_average());
    if options.startup_reps > 0 {
        startup(&env, options.startup_reps)?;
    }
    let _ = fs::remove_dir_all(&env.work);
    Ok(())
}

fn parse_args() -> BenchResult<Options> {
    let mut options = Options {
        records: 2_000_000,
        reps: 3,
        sizes: vec![100, 1024],
        formats: vec![Format::String, Format::Json],
        directions: vec![Direction::Source, Direction::Sink],
        startup_reps: 5,
        runners: Runner::ALL.to_vec(),
        security_names: vec![PLAINTEXT.to_owned()],
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let list = || value.split(',').map(str::trim).filter(|s| !s.is_empty());
        match flag.as_str() {
            "--records" => options.records = value.parse().map_err(|e| format!("{flag}: {e}"))?,
            "--reps" => options.reps = value.parse().map_err(|e| format!("{flag}: {e}"))?,
            "--startup-reps" => {
                options.startup_reps = value.parse().map_err(|e| format!("{flag}: {e}"))?
            }
            "--sizes" => {
                options.sizes = list()
                    .map(|s| s.parse().map_err(|e| format!("{flag} {s}: {e}")))
                    .collect::<BenchResult<_>>()?
            }
            "--converters" => {
                options.formats = list()
                    .map(|s| match s {
                        "string" => Ok(Format::String),
                        "json" => Ok(Format::Json),
                        other => Err(format!("unknown converter {other}: string or json")),
                    })
                    .collect::<BenchResult<_>>()?
            }
            "--directions" => {
                options.directions = list()
                    .map(|s| match s {
                        "source" => Ok(Direction::Source),
                        "sink" => Ok(Direction::Sink),
                        other => Err(format!("unknown direction {other}: source or sink")),
                    })
                    .collect::<BenchResult<_>>()?
            }
            "--runners" => {
                options.runners = list()
                    .map(|s| match s {
                        "tributary" => Ok(Runner::Tributary),
                        "apache" => Ok(Runner::Apache),
                        "raw" => Ok(Runner::Raw),
                        other => Err(format!("unknown runner {other}: tributary, apache or raw")),
                    })
                    .collect::<BenchResult<_>>()?
            }
            "--security" => options.security_names = list().map(str::to_owned).collect(),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.reps == 0
        || options.records == 0
        || options.runners.is_empty()
        || options.security_names.is_empty()
    {
        return Err("--reps, --records, --runners and --security must be at least 1".into());
    }
    if options.sizes.iter().any(|&s| s < 12) {
        return Err(
            "--sizes: a line needs at least 12 bytes (10-digit counter + filler + newline)".into(),
        );
    }
    Ok(options)
}

/// `plaintext`, or the lab client file `NAME.properties` (Apache's form: JKS truststore,
/// `sasl.jaas.config`) read as Java reads it.
fn security(name: &str, plaintext_bootstrap: &str) -> BenchResult<Security> {
    if name == PLAINTEXT {
        return Ok(Security {
            name: name.to_owned(),
            bootstrap: plaintext_bootstrap.to_owned(),
            settings: Vec::new(),
            file: None,
        });
    }
    let dir = std::env::var("TRIBUTARY_LAB_CLIENT_CONFIGS")
        .map_err(|_| "TRIBUTARY_LAB_CLIENT_CONFIGS is not set: run through bench/run".to_owned())?;
    let file = Path::new(&dir).join(format!("{name}.properties"));
    let mut properties = tributary::java::properties::load_file(&file).map_err(|e| {
        format!(
            "--security {name}: {}: {e} (plaintext, or a client file of the lab: ssl, sasl-scram, sasl-plain, mtls)",
            file.display()
        )
    })?;
    let bootstrap = properties
        .shift_remove("bootstrap.servers")
        .ok_or_else(|| format!("{}: no bootstrap.servers", file.display()))?;
    Ok(Security {
        name: name.to_owned(),
        bootstrap,
        settings: properties.into_iter().collect(),
        file: Some(file),
    })
}

/// Runs one scenario: every runner `reps` times, in a rotating order so that drift of the
/// shared machine spreads over all runners.
async fn run_scenario(
    env: &Env,
    options: &Options,
    scenario: Scenario,
) -> BenchResult<BTreeMap<Runner, Vec<Sample>>> {
    let input = env.work.join(format!("input-{}.txt", scenario.size));
    if !input.exists() {
        write_input(&input, options.records, scenario.size)?;
    }
    let admin = admin(&env.bootstrap)?;
    // A sink reads a topic filled once per scenario by the raw producer.
    let sink_topic = match scenario.direction {
        Direction::Source => None,
        Direction::Sink => {
            let topic = unique_topic("bench-sink-input");
            create_topic(&admin, &topic).await?;
            fill_topic(env, &topic, &input, scenario.format, options.records)?;
            Some(topic)
        }
    };
    let mut samples: BTreeMap<Runner, Vec<Sample>> = BTreeMap::new();
    for rep in 0..options.reps {
        let runners = &options.runners;
        for i in 0..runners.len() {
            let runner = runners[(rep + i) % runners.len()];
            let sample = match &sink_topic {
                None => {
                    let topic = unique_topic("bench-source");
                    create_topic(&admin, &topic).await?;
                    let sample = run_source(env, runner, scenario, &input, &topic, options.records);
                    delete_topic(&admin, &topic).await;
                    sample?
                }
                Some(topic) => run_sink(env, runner, scenario, topic, options.records)?,
            };
            eprintln!(
                "  {:?} {} {}B {} {}: {:.2} s, {:.1} CPU s, {} MiB",
                scenario.direction,
                scenario.format.name(),
                scenario.size,
                env.securities[scenario.security].name,
                runner.name(),
                sample.secs,
                sample.cpu_secs,
                sample.rss_kib / 1024
            );
            samples.entry(runner).or_default().push(sample);
        }
    }
    if let Some(topic) = &sink_topic {
        delete_topic(&admin, topic).await;
    }
    Ok(samples)
}

/// Lines of exactly `size` bytes with their newline: a 10-digit counter, then filler.
fn write_input(path: &Path, records: u64, size: usize) -> BenchResult<()> {
    let file = fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let filler = "x".repeat(size - 11);
    for i in 0..records {
        writeln!(out, "{i:010}{filler}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

fn run_source(
    env: &Env,
    runner: Runner,
    scenario: Scenario,
    input: &Path,
    topic: &str,
    records: u64,
) -> BenchResult<Sample> {
    let dir = run_dir(env, runner)?;
    let security = &env.securities[scenario.security];
    let mut child = match runner {
        Runner::Raw => spawn_raw(
            env,
            &dir,
            &[
                "produce",
                &security.bootstrap,
                topic,
                &path_str(input),
                scenario.format.name(),
            ],
            security,
        )?,
        _ => {
            let connector = [
                ("name", "bench-source".to_owned()),
                ("connector.class", "FileStreamSource".to_owned()),
                ("tasks.max", "1".to_owned()),
                ("file", path_str(input)),
                ("topic", topic.to_owned()),
            ];
            spawn_connect(
                env,
                runner,
                &dir,
                scenario.format,
                security,
                &connector,
                free_port()?,
            )?
        }
    };
    let watermark = watermark_reader(&env.bootstrap)?;
    let outcome = measure(env, &mut child, records, || {
        high_watermark(&watermark, topic)
    });
    stop(&mut child);
    let sample =
        outcome.map_err(|e| format!("{} source: {e}; logs in {}", runner.name(), dir.display()))?;
    let total = high_watermark(&watermark, topic)?;
    if total != records {
        return Err(format!(
            "{} source wrote {total} records, expected {records}; logs in {}",
            runner.name(),
            dir.display()
        ));
    }
    let _ = fs::remove_dir_all(&dir);
    Ok(sample)
}

fn run_sink(
    env: &Env,
    runner: Runner,
    scenario: Scenario,
    topic: &str,
    records: u64,
) -> BenchResult<Sample> {
    let dir = run_dir(env, runner)?;
    let output = dir.join("sink.txt");
    let expected_bytes = records * scenario.size as u64;
    let security = &env.securities[scenario.security];
    let mut child = match runner {
        Runner::Raw => spawn_raw(
            env,
            &dir,
            &[
                "consume",
                &security.bootstrap,
                topic,
                &path_str(&output),
                &records.to_string(),
                scenario.format.name(),
            ],
            security,
        )?,
        _ => {
            let connector = [
                ("name", format!("bench-sink-{}", unique_suffix())),
                ("connector.class", "FileStreamSink".to_owned()),
                ("tasks.max", "1".to_owned()),
                ("file", path_str(&output)),
                ("topics", topic.to_owned()),
            ];
            spawn_connect(
                env,
                runner,
                &dir,
                scenario.format,
                security,
                &connector,
                free_port()?,
            )?
        }
    };
    // Progress in records: bytes written over the line size.
    let outcome = measure(env, &mut child, records, || {
        Ok(fs::metadata(&output).map(|m| m.len()).unwrap_or(0) / scenario.size as u64)
    });
    stop(&mut child);
    let sample =
        outcome.map_err(|e| format!("{} sink: {e}; logs in {}", runner.name(), dir.display()))?;
    let written = fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
    if written != expected_bytes {
        return Err(format!(
            "{} sink wrote {written} bytes, expected {expected_bytes}; logs in {}",
            runner.name(),
            dir.display()
        ));
    }
    let _ = fs::remove_dir_all(&dir);
    Ok(sample)
}

/// Polls `progress` (records in so far) every 10 ms; the window runs from the first
/// progress to `records`.
fn measure(
    env: &Env,
    child: &mut Child,
    records: u64,
    mut progress: impl FnMut() -> BenchResult<u64>,
) -> BenchResult<Sample> {
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(900);
    let mut first: Option<(Instant, f64)> = None;
    let mut last_error = None;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("the process exited early ({status})"));
        }
        if Instant::now() > deadline {
            return Err(match last_error {
                Some(e) => format!("no completion within 900 s (last error: {e})"),
                None => "no completion within 900 s".into(),
            });
        }
        // A just-created topic may be unknown to the reader for a moment: not progress yet.
        let done = match progress() {
            Ok(done) => done,
            Err(e) if first.is_none() && Instant::now() < deadline => {
                last_error = Some(e);
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            Err(e) => return Err(e),
        };
        let now = Instant::now();
        if done > 0 && first.is_none() {
            first = Some((now, cpu_secs(env, pid)?));
        }
        if done >= records {
            let (start, cpu_start) = first.expect("set when progress first moved");
            return Ok(Sample {
                secs: now.duration_since(start).as_secs_f64(),
                cpu_secs: cpu_secs(env, pid)? - cpu_start,
                rss_kib: peak_rss_kib(pid)?,
            });
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn run_dir(env: &Env, runner: Runner) -> BenchResult<PathBuf> {
    let dir = env
        .work
        .join(format!("{:?}-{}", runner, unique_suffix()).to_lowercase());
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// Starts Tributary or Apache Connect standalone with the same worker and connector
/// properties.
fn spawn_connect(
    env: &Env,
    runner: Runner,
    dir: &Path,
    format: Format,
    security: &Security,
    connector: &[(&str, String)],
    rest_port: u16,
) -> BenchResult<Child> {
    let mut worker: Vec<(String, String)> = [
        ("bootstrap.servers", security.bootstrap.clone()),
        (
            "key.converter",
            "org.apache.kafka.connect.storage.StringConverter".to_owned(),
        ),
        ("value.converter", format.converter_class().to_owned()),
        (
            "offset.storage.file.filename",
            path_str(&dir.join("offsets")),
        ),
        ("offset.flush.interval.ms", "10000".to_owned()),
        ("listeners", format!("http://127.0.0.1:{rest_port}")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if format == Format::Json {
        worker.push((
            "value.converter.schemas.enable".to_owned(),
            "true".to_owned(),
        ));
    }
    // Top level for every client Tributary makes and for Apache's admin client; the
    // prefixed copies for Apache's task producer and consumer, which do not read the top
    // level. The same file for both runners.
    for (key, value) in &security.settings {
        worker.push((key.clone(), value.clone()));
        worker.push((format!("producer.{key}"), value.clone()));
        worker.push((format!("consumer.{key}"), value.clone()));
    }
    let worker_file = dir.join("worker.properties");
    let connector_file = dir.join("connector.properties");
    write_properties(&worker_file, &worker)?;
    write_properties(&connector_file, connector)?;
    let log = fs::File::create(dir.join("process.log")).map_err(|e| e.to_string())?;
    let mut command = match runner {
        Runner::Tributary => {
            let mut c = Command::new(env.target.join("release/tributary"));
            c.arg("standalone");
            c
        }
        Runner::Apache => {
            let mut c = Command::new(env.root.join("tests/lab/lab"));
            // connect-standalone.sh's defaults: KAFKA_HEAP_OPTS and kafka-run-class.sh's
            // KAFKA_JVM_PERFORMANCE_OPTS.
            c.args(["apache-connect", "standalone"]).env(
                "APACHE_CONNECT_HEAP_OPTS",
                "-Xms256M -Xmx2G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent",
            );
            c
        }
        Runner::Raw => unreachable!("the raw client is not a Connect worker"),
    };
    command
        .arg(&worker_file)
        .arg(&connector_file)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", runner.name()))
}

/// Starts `raw_client` with `args`, and the client file of `security` as its last
/// argument when there is one.
fn spawn_raw(env: &Env, dir: &Path, args: &[&str], security: &Security) -> BenchResult<Child> {
    let log = fs::File::create(dir.join("process.log")).map_err(|e| e.to_string())?;
    Command::new(env.target.join("release/examples/raw_client"))
        .args(args)
        .args(&security.file)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start raw_client: {e}"))
}

/// SIGTERM, then SIGKILL after 30 s.
fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn fill_topic(
    env: &Env,
    topic: &str,
    input: &Path,
    format: Format,
    records: u64,
) -> BenchResult<()> {
    let dir = run_dir(env, Runner::Raw)?;
    // Over plaintext whatever the scenario's connection: only the sink is measured.
    let mut child = spawn_raw(
        env,
        &dir,
        &[
            "produce",
            &env.bootstrap,
            topic,
            &path_str(input),
            format.name(),
        ],
        &env.plaintext,
    )?;
    let watermark = watermark_reader(&env.bootstrap)?;
    let outcome = measure(env, &mut child, records, || {
        high_watermark(&watermark, topic)
    });
    stop(&mut child);
    outcome.map_err(|e| format!("filling {topic}: {e}"))?;
    let _ = fs::remove_dir_all(&dir);
    Ok(())
}

fn startup(env: &Env, reps: usize) -> BenchResult<()> {
    let empty = env.work.join("empty.txt");
    fs::write(&empty, "").map_err(|e| e.to_string())?;
    println!("\n### Process start to REST ready (`GET /` answers 200), median of {reps}\n");
    println!("| runner | median s | runs |");
    println!("|---|---:|---|");
    let mut medians = BTreeMap::new();
    for runner in [Runner::Tributary, Runner::Apache] {
        let mut times = Vec::new();
        for _ in 0..reps {
            let dir = run_dir(env, runner)?;
            let port = free_port()?;
            let connector = [
                ("name", "bench-startup".to_owned()),
                ("connector.class", "FileStreamSource".to_owned()),
                ("file", path_str(&empty)),
                ("topic", "bench-startup".to_owned()),
            ];
            let start = Instant::now();
            let mut child = spawn_connect(
                env,
                runner,
                &dir,
                Format::String,
                &env.plaintext,
                &connector,
                port,
            )?;
            let ready = loop {
                if rest_ready(port) {
                    break Ok(start.elapsed().as_secs_f64());
                }
                if start.elapsed() > Duration::from_secs(120) {
                    break Err(format!("{} not ready in 120 s", runner.name()));
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            stop(&mut child);
            times.push(ready?);
            let _ = fs::remove_dir_all(&dir);
        }
        let median = median(&times);
        let runs: Vec<String> = times.iter().map(|t| format!("{t:.3}")).collect();
        println!("| {} | {median:.3} | {} |", runner.name(), runs.join(", "));
        medians.insert(runner, median);
    }
    println!(
        "\nTributary / Apache Connect start-up: {:.3}",
        medians[&Runner::Tributary] / medians[&Runner::Apache]
    );
    Ok(())
}

fn print_scenario(
    env: &Env,
    scenario: Scenario,
    records: u64,
    samples: &BTreeMap<Runner, Vec<Sample>>,
) {
    println!(
        "\n### {:?}, {} converter, {}-byte lines, {}\n",
        scenario.direction,
        scenario.format.name(),
        scenario.size,
        env.securities[scenario.security].name
    );
    println!("| runner | records/s | MB/s | CPU s per M records | peak RSS MiB | runs (s) |");
    println!("|---|---:|---:|---:|---:|---|");
    for (runner, runs) in samples {
        let m = Medians::of(runs, records, scenario.size);
        let secs: Vec<String> = runs.iter().map(|s| format!("{:.2}", s.secs)).collect();
        println!(
            "| {} | {:.0} | {:.1} | {:.2} | {:.0} | {} |",
            runner.name(),
            m.records_per_sec,
            m.mb_per_sec,
            m.cpu_per_million,
            m.rss_mib,
            secs.join(", ")
        );
    }
}

fn print_summary(env: &Env, records: u64, table: &[(Scenario, BTreeMap<Runner, Vec<Sample>>)]) {
    println!("\n### Ratios (Tributary over the other runner, medians)\n");
    println!(
        "| scenario | throughput / raw | throughput / Apache | CPU per record / Apache | peak RSS / Apache |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (scenario, samples) in table {
        let get = |runner| {
            samples
                .get(&runner)
                .map(|runs| Medians::of(runs, records, scenario.size))
        };
        let (Some(t), Some(a), Some(r)) = (
            get(Runner::Tributary),
            get(Runner::Apache),
            get(Runner::Raw),
        ) else {
            continue;
        };
        println!(
            "| {:?} {} {} B {} | {:.2} | {:.2} | {:.2} | {:.3} |",
            scenario.direction,
            scenario.format.name(),
            scenario.size,
            env.securities[scenario.security].name,
            t.records_per_sec / r.records_per_sec,
            t.records_per_sec / a.records_per_sec,
            t.cpu_per_million / a.cpu_per_million,
            t.rss_mib / a.rss_mib,
        );
    }
}

/// Each runner over a client file next to the same runner over plaintext, same scenario:
/// what the connection costs in throughput and CPU per record.
fn print_security_cost(
    env: &Env,
    records: u64,
    table: &[(Scenario, BTreeMap<Runner, Vec<Sample>>)],
) {
    let same_work = |a: &Scenario, b: &Scenario| {
        a.direction == b.direction && a.format == b.format && a.size == b.size
    };
    for (index, secured) in env.securities.iter().enumerate() {
        if secured.is_plaintext() {
            continue;
        }
        let pairs: Vec<_> = table
            .iter()
            .filter(|(s, _)| s.security == index)
            .filter_map(|(s, secured_samples)| {
                table
                    .iter()
                    .find(|(p, _)| same_work(p, s) && env.securities[p.security].is_plaintext())
                    .map(|(_, plain_samples)| (s, plain_samples, secured_samples))
            })
            .collect();
        if pairs.is_empty() {
            continue;
        }
        let name = &secured.name;
        println!("\n### {name} over plaintext (same runner, medians)\n");
        println!(
            "| scenario | runner | records/s plaintext | records/s {name} | throughput {name} / plaintext | CPU s per M plaintext | CPU s per M {name} | CPU per record {name} / plaintext |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        for (scenario, plain_samples, secured_samples) in pairs {
            for (runner, secured_runs) in secured_samples {
                let Some(plain_runs) = plain_samples.get(runner) else {
                    continue;
                };
                let p = Medians::of(plain_runs, records, scenario.size);
                let s = Medians::of(secured_runs, records, scenario.size);
                println!(
                    "| {:?} {} {} B | {} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} |",
                    scenario.direction,
                    scenario.format.name(),
                    scenario.size,
                    runner.name(),
                    p.records_per_sec,
                    s.records_per_sec,
                    s.records_per_sec / p.records_per_sec,
                    p.cpu_per_million,
                    s.cpu_per_million,
                    s.cpu_per_million / p.cpu_per_million,
                );
            }
        }
    }
}

struct Medians {
    records_per_sec: f64,
    mb_per_sec: f64,
    cpu_per_million: f64,
    rss_mib: f64,
}

impl Medians {
    fn of(runs: &[Sample], records: u64, size: usize) -> Medians {
        let secs = median(&runs.iter().map(|s| s.secs).collect::<Vec<_>>());
        let cpu = median(&runs.iter().map(|s| s.cpu_secs).collect::<Vec<_>>());
        let rss = median(&runs.iter().map(|s| s.rss_kib as f64).collect::<Vec<_>>());
        Medians {
            records_per_sec: records as f64 / secs,
            mb_per_sec: records as f64 * size as f64 / secs / 1e6,
            cpu_per_million: cpu / (records as f64 / 1e6),
            rss_mib: rss / 1024.0,
        }
    }
}

/// User + system CPU seconds of a process, all threads (fields 14 and 15 of
/// `/proc/PID/stat`, after the parenthesised command name).
fn cpu_secs(env: &Env, pid: u32) -> BenchResult<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("unexpected /proc stat format")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> BenchResult<f64> {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .ok_or_else(|| "unexpected /proc stat format".to_owned())
    };
    // After the name, field 3 (state) is index 0: utime (14) is index 11, stime 12.
    Ok((ticks(11)? + ticks(12)?) / env.clock_ticks)
}

fn peak_rss_kib(pid: u32) -> BenchResult<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM in /proc status".to_owned())
}

fn admin(bootstrap: &str) -> BenchResult<AdminClient<DefaultClientContext>> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .map_err(|e| e.to_string())
}

fn watermark_reader(bootstrap: &str) -> BenchResult<BaseConsumer> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .map_err(|e| e.to_string())
}

fn high_watermark(consumer: &BaseConsumer, topic: &str) -> BenchResult<u64> {
    let (_, high) = consumer
        .fetch_watermarks(topic, 0, Duration::from_secs(5))
        .map_err(|e| format!("watermark of {topic}: {e}"))?;
    Ok(high.max(0) as u64)
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{nanos}", std::process::id())
}

fn unique_topic(prefix: &str) -> String {
    format!("{prefix}-{}", unique_suffix())
}

fn path_str(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
