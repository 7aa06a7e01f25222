//! Shared helpers for the integration tests. Tests that need the lab fail loudly, with the
//! command that starts it, when it is missing: they never skip.

pub mod files;
pub mod kube_lab;
pub mod postgres;
pub mod rest_scenario;
pub mod standalone;
pub mod workers;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The message every lab-dependent test fails with when the lab is not there.
pub const LAB_HINT: &str = "the lab is not up: run `tests/lab/lab up && eval \"$(tests/lab/lab env)\"` (or `tests/run`, which does both)";

/// Reads a variable that `tests/lab/lab env` exports, or fails the test with [`LAB_HINT`].
pub fn lab_var(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!("{name} is not set; {LAB_HINT}"),
    }
}

/// `host:port` of the lab's Kafka broker.
pub fn bootstrap_servers() -> String {
    lab_var("KAFKA_BOOTSTRAP_SERVERS")
}

/// The folder with the Apache Kafka (broker, Connect) jars of the lab.
pub fn kafka_libs() -> PathBuf {
    let dir = PathBuf::from(lab_var("TRIBUTARY_LAB_KAFKA_LIBS"));
    assert!(
        dir.is_dir(),
        "{} is not a directory; {LAB_HINT}",
        dir.display()
    );
    dir
}

/// The `java` of the lab (Java 17+).
pub fn java() -> PathBuf {
    PathBuf::from(lab_var("TRIBUTARY_LAB_JAVA"))
}

/// Compiles `tests/java/<name>.java` against the lab's Kafka jars (once per test binary
/// run, into `target/java-tests`) and returns the classpath to run it with. Tests of one
/// binary run in parallel: the first caller compiles under a lock and the others wait
/// for it, so no test runs a class file that javac is still writing.
pub fn compile_java(name: &str) -> String {
    static COMPILED: std::sync::Mutex<BTreeMap<String, String>> =
        std::sync::Mutex::new(BTreeMap::new());
    let mut compiled = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(classpath) = compiled.get(name) {
        return classpath.clone();
    }
    let libs = kafka_libs();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/java")
        .join(format!("{name}.java"));
    let out = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/java-tests")
        .join(name);
    std::fs::create_dir_all(&out).unwrap();
    let classpath = format!("{}/*", libs.display());
    let javac = java().with_file_name("javac");
    let status = Command::new(&javac)
        .args(["-nowarn", "-encoding", "UTF-8", "-cp", &classpath, "-d"])
        .arg(&out)
        .arg(&source)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", javac.display()));
    assert!(status.success(), "javac failed for {}", source.display());
    let full = format!("{}:{}", out.display(), classpath);
    compiled.insert(name.to_owned(), full.clone());
    full
}

/// Runs a Java main class on `classpath` with `args`, feeding `stdin`; panics on failure.
pub fn run_java(classpath: &str, main_class: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut command = Command::new(java());
    command.args(["-cp", classpath, main_class]).args(args);
    run_fed(command, stdin, &format!("java {main_class}"))
}

/// Runs `command` with `stdin` fed and its output captured; panics, naming `what` and
/// showing stderr, when it fails.
fn run_fed(mut command: Command, stdin: &[u8], what: &str) -> Output {
    use std::io::Write;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{what} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs one of Apache Kafka's command-line tools (`org.apache.kafka.tools.ConsoleProducer`,
/// `...consumer.ConsoleConsumer`, `...DumpLogSegments`) from the lab's jars, as its
/// `bin/kafka-*.sh` script would, feeding `stdin`; panics when it fails. The tools' own
/// logging goes to stderr at WARN, so stdout holds only what the tool prints (records,
/// dumps). Small heap and the C1 compiler only: these runs are short, and the two cores
/// are shared with the broker and the workers under test.
pub fn run_kafka_tool(main_class: &str, args: &[&str], stdin: &[u8]) -> Output {
    // Written once per test binary: tests run in parallel, and a JVM must never read the
    // file while another test rewrites it.
    static LOG4J: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let log4j = LOG4J.get_or_init(|| {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kafka-tools-log4j2.properties");
        std::fs::write(
            &path,
            "status = error\n\
             appender.err.type = Console\n\
             appender.err.name = STDERR\n\
             appender.err.target = SYSTEM_ERR\n\
             appender.err.layout.type = PatternLayout\n\
             appender.err.layout.pattern = [%d] %p %m (%c)%n\n\
             rootLogger.level = WARN\n\
             rootLogger.appenderRef.err.ref = STDERR\n",
        )
        .unwrap();
        path
    });
    let mut command = Command::new(java());
    command
        .args(["-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"])
        .arg(format!("-Dlog4j2.configurationFile={}", log4j.display()))
        .arg("-cp")
        .arg(format!("{}/*", kafka_libs().display()))
        .arg(main_class)
        .args(args);
    run_fed(command, stdin, &format!("{main_class} {args:?}"))
}
