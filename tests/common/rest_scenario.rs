//! The REST parity scenario: one scripted sequence of requests (happy paths and error
//! cases) sent to Apache's Connect and to one of ours, with status codes and JSON bodies
//! compared after normalising only what must differ (ports, temp paths, versions, traces,
//! plugin lists, recommended converters, config key order). `tests/suite/rest_parity.rs`
//! runs it against `tributary standalone`, `tests/suite/rest_sidecar.rs` against
//! `tributary rest` with workers.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::standalone::{WorkerProcess, free_port, http, write_properties};

/// One side of the comparison.
pub trait Target {
    /// `apache`, `tributary`, ...
    fn name(&self) -> &str;

    /// Sends a request to `path` (placeholders filled in): (status, body), or `None`
    /// when nothing answers.
    fn send(&self, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)>;

    /// Strings unique to this side and the placeholders that stand for them in the
    /// scenario (`<dir>`, `<run>`, `<worker>`).
    fn substitutions(&self) -> &[(String, String)];

    /// The text of a request for this side: `<dir>` and `<run>` filled in.
    fn fill(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (actual, placeholder) in self.substitutions() {
            if placeholder != "<worker>" {
                out = out.replace(placeholder, actual);
            }
        }
        out
    }

    /// Sends a request; answers (status, normalised JSON body or Null when empty).
    fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let body = body.map(|b| self.fill(b));
        let (code, text) = self
            .send(method, &self.fill(path), body.as_deref())
            .unwrap_or_else(|| panic!("{} did not answer {method} {path}", self.name()));
        let mut text = text;
        for (actual, placeholder) in self.substitutions() {
            text = text.replace(actual, placeholder);
        }
        // Plugin versions (Apache's jar version, ours the crate's) inside messages.
        for version in ["4.3.1", env!("CARGO_PKG_VERSION")] {
            text = text.replace(&format!("'{version}'"), "'<v>'");
            text = text.replace(&format!("={version},"), "=<v>,");
        }
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| {
                panic!(
                    "{} answered {method} {path} with non-JSON ({e}): {text}",
                    self.name()
                )
            })
        };
        (code, normalise(value))
    }
}

/// How a step's answers are compared.
#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    /// Status and normalised body must be equal.
    Full,
    /// Retried for a while until both answer the same (state changes are asynchronous).
    Eventually,
    /// Only the status; the message is a JSON parser's own (Jackson vs serde).
    StatusOnly,
    /// Plugin lists: compared over the classes both have.
    Plugins,
    /// Validate answers: equal, except that recommended plugins are compared over the
    /// ones both have (Apache lists more converters).
    Validate,
}

/// Replaces what legitimately differs: versions, commit, traces, logger timestamps.
fn normalise(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), &v) {
                        ("version" | "commit", Value::String(_)) => Value::from("<v>"),
                        ("trace", Value::String(_)) => Value::from("<trace>"),
                        ("last_modified", Value::Number(_)) => Value::from(0),
                        (_, Value::String(s)) if s == "4.3.1" || s == env!("CARGO_PKG_VERSION") => {
                            Value::from("<v>")
                        }
                        _ => normalise(v),
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
        Value::String(s) if s == "4.3.1" || s == env!("CARGO_PKG_VERSION") => Value::from("<v>"),
        other => other,
    }
}

/// Makes known, documented differences of one backend equal before the comparison
/// (method, path, Apache's answer, ours).
pub type Adjust<'a> = &'a dyn Fn(&str, &str, &mut (u16, Value), &mut (u16, Value));

struct Script<'a> {
    apache: &'a dyn Target,
    ours: &'a dyn Target,
    adjust: Adjust<'a>,
    failures: Vec<String>,
}

impl Script<'_> {
    fn step(&mut self, mode: Mode, method: &str, path: &str, body: Option<&str>) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut a = self.apache.call(method, path, body);
            let mut t = self.ours.call(method, path, body);
            (self.adjust)(method, path, &mut a, &mut t);
            let verdict = compare(mode, &a, &t);
            if verdict.is_ok() || mode != Mode::Eventually || Instant::now() > deadline {
                if let Err(why) = verdict {
                    let cut = |v: &Value| v.to_string().chars().take(400).collect::<String>();
                    self.failures.push(format!(
                        "{method} {path} {}: {why}\n  apache:    {} {}\n  {}: {} {}",
                        body.unwrap_or(""),
                        a.0,
                        cut(&a.1),
                        self.ours.name(),
                        t.0,
                        cut(&t.1)
                    ));
                }
                return;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

fn compare(mode: Mode, a: &(u16, Value), t: &(u16, Value)) -> Result<(), String> {
    if a.0 != t.0 {
        return Err("status differs".into());
    }
    match mode {
        Mode::Full | Mode::Eventually => same(&a.1, &t.1),
        Mode::StatusOnly => {
            if a.1.get("error_code") == t.1.get("error_code") && t.1["message"].is_string() {
                Ok(())
            } else {
                Err("error shape differs".into())
            }
        }
        Mode::Plugins => {
            let classes = |v: &Value| -> Vec<String> {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| format!("{}/{}", p["class"], p["type"]))
                    .collect()
            };
            let (ca, ct) = (classes(&a.1), classes(&t.1));
            let keep = |v: &Value, other: &[String]| -> Value {
                Value::Array(
                    v.as_array()
                        .into_iter()
                        .flatten()
                        .filter(|p| other.contains(&format!("{}/{}", p["class"], p["type"])))
                        .cloned()
                        .collect(),
                )
            };
            if ct.is_empty() {
                return Err("no plugins".into());
            }
            same(&keep(&a.1, &ct), &keep(&t.1, &ca))
        }
        Mode::Validate => {
            let mut a = a.1.clone();
            let t = t.1.clone();
            // Recommended plugins (converters): only the ones both have.
            if let (Some(ac), Some(tc)) = (a["configs"].as_array_mut(), t["configs"].as_array()) {
                for config in ac.iter_mut() {
                    let name = config["value"]["name"].clone();
                    let ours_recommended = tc
                        .iter()
                        .find(|c| c["value"]["name"] == name)
                        .map(|c| c["value"]["recommended_values"].clone())
                        .unwrap_or_default();
                    if let Some(list) = config["value"]["recommended_values"].as_array_mut()
                        && list.len() > 1
                    {
                        list.retain(|v| ours_recommended.as_array().is_some_and(|o| o.contains(v)));
                    }
                }
            }
            same(&a, &t)
        }
    }
}

/// JSON equality where object key order does not matter (Apache keeps a connector's
/// config in submission order, we sort it).
fn same(a: &Value, t: &Value) -> Result<(), String> {
    if a == t {
        Ok(())
    } else {
        Err(format!("body differs at {}", first_difference(a, t, "$")))
    }
}

/// Where two JSON values first differ, as a path, for a readable failure.
fn first_difference(a: &Value, t: &Value, at: &str) -> String {
    match (a, t) {
        (Value::Object(ao), Value::Object(to)) => {
            for (k, av) in ao {
                match to.get(k) {
                    Some(tv) if tv == av => {}
                    Some(tv) => return first_difference(av, tv, &format!("{at}.{k}")),
                    None => return format!("{at}.{k} (missing in ours)"),
                }
            }
            format!("{at} (extra keys in ours)")
        }
        (Value::Array(aa), Value::Array(ta)) if aa.len() == ta.len() => aa
            .iter()
            .zip(ta)
            .enumerate()
            .find(|(_, (x, y))| x != y)
            .map(|(i, (x, y))| first_difference(x, y, &format!("{at}[{i}]")))
            .unwrap_or_else(|| at.to_owned()),
        _ => format!("{at}: {a} vs {t}"),
    }
}

fn config_json(connector: &str, extra: &str) -> String {
    format!(
        r#"{{"connector.class":"{connector}","tasks.max":"1","file":"<dir>/in.txt","topic":"<run>-topic"{extra}}}"#
    )
}

/// Sends the scripted sequence to both targets and answers the differences found, one
/// readable entry each (empty when every answer matched).
pub fn run(apache: &dyn Target, ours: &dyn Target, adjust: Adjust<'_>) -> Vec<String> {
    let mut s = Script {
        apache,
        ours,
        adjust,
        failures: Vec::new(),
    };
    use Mode::*;
    let src = format!(
        r#"{{"name":"src","config":{}}}"#,
        config_json("FileStreamSource", "")
    );
    let sink = r#"{"name":"<run>-sink","config":{"connector.class":"FileStreamSink","tasks.max":"1","file":"<dir>/out.txt","topics":"<run>-topic"}}"#;

    s.step(Full, "GET", "/", None);
    s.step(Full, "GET", "/connectors", None);
    // Creating: malformed and invalid requests first.
    s.step(StatusOnly, "POST", "/connectors", Some("{"));
    s.step(StatusOnly, "POST", "/connectors", Some("[1]"));
    s.step(Full, "POST", "/connectors", Some(r#"{"name":"a"}"#));
    s.step(
        Full,
        "POST",
        "/connectors",
        Some(r#"{"config":{"connector.class":"FileStreamSource"}}"#),
    );
    s.step(
        Full,
        "POST",
        "/connectors",
        Some(r#"{"name":"a","config":{"connector.class":"Nope"}}"#),
    );
    s.step(
        Full,
        "POST",
        "/connectors",
        Some(r#"{"name":"a","config":{"connector.class":"FileStreamSource"}}"#),
    );
    s.step(Full, "POST", "/connectors", Some(r#"{"name":"a","config":{"connector.class":"FileStreamSource","topic":"t","tasks.max":"x"}}"#));
    s.step(Full, "POST", "/connectors", Some(r#"{"name":"a","config":{"connector.class":"FileStreamSource","topic":"t","name":"b"}}"#));
    s.step(StatusOnly, "POST", "/connectors", Some(r#"{"name":"a","config":{"connector.class":"FileStreamSource","topic":"t"},"initial_state":"BAD"}"#));
    s.step(Full, "POST", "/connectors", Some(&src));
    s.step(Full, "POST", "/connectors", Some(&src));
    s.step(Eventually, "GET", "/connectors/src/status", None);
    // Reading.
    s.step(Full, "GET", "/connectors", None);
    s.step(Full, "GET", "/connectors?expand=status", None);
    s.step(Full, "GET", "/connectors?expand=info", None);
    s.step(Full, "GET", "/connectors?expand=info&expand=status", None);
    s.step(Full, "GET", "/connectors?expand=bogus", None);
    s.step(Full, "GET", "/connectors/src", None);
    s.step(Full, "GET", "/connectors/src/config", None);
    s.step(Full, "GET", "/connectors/src/tasks", None);
    s.step(Full, "GET", "/connectors/src/tasks/0/status", None);
    s.step(Full, "GET", "/connectors/src/tasks/5/status", None);
    s.step(Full, "GET", "/connectors/src/tasks/-1/status", None);
    s.step(Full, "GET", "/connectors/src/tasks/abc/status", None);
    s.step(Full, "POST", "/connectors/src/tasks/0/restart", None);
    s.step(Eventually, "GET", "/connectors/src/status", None);
    s.step(Full, "GET", "/connectors/src/topics", None);
    s.step(Full, "PUT", "/connectors/src/topics/reset", None);
    // Offsets of a running connector.
    s.step(Full, "GET", "/connectors/src/offsets", None);
    s.step(Full, "DELETE", "/connectors/src/offsets", None);
    s.step(
        Full,
        "PATCH",
        "/connectors/src/offsets",
        Some(r#"{"offsets":[]}"#),
    );
    s.step(
        Full,
        "PATCH",
        "/connectors/src/offsets",
        Some(r#"{"offsets":[{"partition":{"filename":"<dir>/in.txt"},"offset":{"position":1}}]}"#),
    );
    // Changing the config.
    s.step(
        Full,
        "PATCH",
        "/connectors/src/config",
        Some(r#"{"batch.size":"10"}"#),
    );
    s.step(Eventually, "GET", "/connectors/src/status", None);
    s.step(
        Full,
        "PUT",
        "/connectors/src/config",
        Some(&config_json("FileStreamSource", "")),
    );
    s.step(
        Full,
        "PUT",
        "/connectors/src/config",
        Some(r#"{"connector.class":"FileStreamSource"}"#),
    );
    s.step(
        Full,
        "PUT",
        "/connectors/src/config",
        Some(r#"{"connector.class":"FileStreamSource","topic":"t","name":"zz"}"#),
    );
    s.step(StatusOnly, "PUT", "/connectors/src/config", Some("{"));
    s.step(Eventually, "GET", "/connectors/src/status", None);
    // Pause, restart, resume, stop.
    s.step(Full, "PUT", "/connectors/src/pause", None);
    s.step(Eventually, "GET", "/connectors/src/status", None);
    s.step(Full, "POST", "/connectors/src/restart", None);
    s.step(Eventually, "GET", "/connectors/src/status", None);
    s.step(
        Full,
        "POST",
        "/connectors/src/restart?includeTasks=true",
        None,
    );
    s.step(Eventually, "GET", "/connectors/src/status", None);
    s.step(
        Full,
        "POST",
        "/connectors/src/restart?includeTasks=true&onlyFailed=true",
        None,
    );
    s.step(
        Full,
        "POST",
        "/connectors/src/restart?onlyFailed=true",
        None,
    );
    s.step(Full, "PUT", "/connectors/src/resume", None);
    s.step(Eventually, "GET", "/connectors/src/status", None);
    s.step(Full, "PUT", "/connectors/src/stop", None);
    s.step(Eventually, "GET", "/connectors/src/status", None);
    s.step(Full, "GET", "/connectors/src/tasks", None);
    // Offsets of a stopped source connector.
    s.step(Full, "GET", "/connectors/src/offsets", None);
    s.step(StatusOnly, "PATCH", "/connectors/src/offsets", Some("{"));
    s.step(Full, "PATCH", "/connectors/src/offsets", Some("{}"));
    s.step(
        Full,
        "PATCH",
        "/connectors/src/offsets",
        Some(r#"{"offsets":[{"partition":{"filename":"<dir>/in.txt"},"offset":{"position":5}}]}"#),
    );
    s.step(Full, "GET", "/connectors/src/offsets", None);
    s.step(Full, "DELETE", "/connectors/src/offsets", None);
    s.step(Full, "GET", "/connectors/src/offsets", None);
    // A sink connector: its offsets live in its consumer group.
    s.step(Full, "POST", "/connectors", Some(sink));
    s.step(Eventually, "GET", "/connectors/<run>-sink/status", None);
    s.step(Full, "GET", "/connectors/<run>-sink/offsets", None);
    s.step(Full, "PUT", "/connectors/<run>-sink/stop", None);
    s.step(Eventually, "GET", "/connectors/<run>-sink/status", None);
    s.step(Full, "GET", "/connectors/<run>-sink/offsets", None);
    s.step(Full, "DELETE", "/connectors/<run>-sink/offsets", None);
    s.step(Full, "DELETE", "/connectors/<run>-sink", None);
    // Deleting.
    s.step(Full, "DELETE", "/connectors/src", None);
    s.step(Full, "DELETE", "/connectors/src", None);
    s.step(Full, "GET", "/connectors/src/offsets", None);
    s.step(Full, "GET", "/connectors", None);
    // Unknown connectors, paths and methods.
    for (method, path) in [
        ("GET", "/connectors/x"),
        ("GET", "/connectors/x/config"),
        ("GET", "/connectors/x/status"),
        ("GET", "/connectors/x/tasks"),
        ("GET", "/connectors/x/tasks/0/status"),
        ("POST", "/connectors/x/tasks/0/restart"),
        ("POST", "/connectors/x/restart"),
        ("POST", "/connectors/x/restart?includeTasks=true"),
        ("PUT", "/connectors/x/pause"),
        ("PUT", "/connectors/x/resume"),
        ("PUT", "/connectors/x/stop"),
        ("DELETE", "/connectors/x"),
        ("GET", "/connectors/x/topics"),
        ("PUT", "/connectors/x/topics/reset"),
        ("GET", "/connectors/x/offsets"),
        ("DELETE", "/connectors/x/offsets"),
        ("GET", "/nope"),
        ("GET", "/connectors/x/nope"),
        ("DELETE", "/"),
        ("POST", "/connectors/x/status"),
        ("GET", "/connector-plugins/FileStreamSource/config/validate"),
        ("GET", "/connector-plugins/Nope/config"),
    ] {
        s.step(Full, method, path, None);
    }
    s.step(Full, "PATCH", "/connectors/x/config", Some(r#"{"a":"b"}"#));
    s.step(
        Full,
        "PATCH",
        "/connectors/x/offsets",
        Some(r#"{"offsets":[{"partition":{},"offset":{}}]}"#),
    );
    // Plugins and validation.
    s.step(Plugins, "GET", "/connector-plugins", None);
    s.step(
        Plugins,
        "GET",
        "/connector-plugins?connectorsOnly=false",
        None,
    );
    // A connector's table: its own keys (Apache's CONFIG_DEF), then the runtime's.
    for plugin in [
        "FileStreamSource",
        "FileStreamSink",
        "org.apache.kafka.connect.file.FileStreamSinkConnector",
    ] {
        s.step(
            Full,
            "GET",
            &format!("/connector-plugins/{plugin}/config"),
            None,
        );
    }
    // A converter's table: `converter.type`, then its own keys (by class name and alias).
    for plugin in [
        "org.apache.kafka.connect.json.JsonConverter",
        "org.apache.kafka.connect.storage.StringConverter",
        "org.apache.kafka.connect.converters.ByteArrayConverter",
        "JsonConverter",
    ] {
        s.step(
            Full,
            "GET",
            &format!("/connector-plugins/{plugin}/config"),
            None,
        );
    }
    s.step(
        Validate,
        "PUT",
        "/connector-plugins/FileStreamSource/config/validate",
        Some(r#"{"connector.class":"FileStreamSource","topic":"t"}"#),
    );
    s.step(
        Validate,
        "PUT",
        "/connector-plugins/FileStreamSinkConnector/config/validate",
        Some(r#"{"connector.class":"FileStreamSink","name":"n","tasks.max":"0"}"#),
    );
    // The connectors' own keys: defaults shown as values, their errors counted.
    for body in [
        r#"{"connector.class":"FileStreamSource","name":"n","topic":"t","batch.size":"lots"}"#,
        r#"{"connector.class":"FileStreamSource","name":"n","topic":" ","file":"<dir>/in.txt","batch.size":" 7 "}"#,
        r#"{"connector.class":"FileStreamSource","name":"n","batch.size":"2147483648"}"#,
    ] {
        s.step(
            Validate,
            "PUT",
            "/connector-plugins/FileStreamSource/config/validate",
            Some(body),
        );
    }
    for body in [
        r#"{"connector.class":"FileStreamSink","name":"n","file":"<dir>/out.txt","topics":"a,b"}"#,
        r#"{"connector.class":"FileStreamSink","name":"n","topics":"a","topics.regex":"b.*"}"#,
        r#"{"connector.class":"FileStreamSink","name":"n","topics":"a,dlq","errors.deadletterqueue.topic.name":"dlq"}"#,
        r#"{"connector.class":"FileStreamSink","name":"n","topics.regex":"(unclosed"}"#,
        r#"{"connector.class":"FileStreamSink","name":"n","topics":"a","value.converter":"com.example.NopeConverter"}"#,
    ] {
        s.step(
            Validate,
            "PUT",
            "/connector-plugins/FileStreamSink/config/validate",
            Some(body),
        );
    }
    s.step(
        Full,
        "PUT",
        "/connector-plugins/FileStreamSource/config/validate",
        Some(r#"{"connector.class":"FileStreamSink","topic":"t"}"#),
    );
    s.step(
        Full,
        "PUT",
        "/connector-plugins/Nope/config/validate",
        Some(r#"{"connector.class":"Nope"}"#),
    );
    s.step(
        StatusOnly,
        "PUT",
        "/connector-plugins/FileStreamSource/config/validate",
        Some("{"),
    );
    // Loggers.
    s.step(Full, "GET", "/admin/loggers/root", None);
    s.step(Full, "GET", "/admin/loggers/nope.logger", None);
    s.step(
        Full,
        "PUT",
        "/admin/loggers/<run>.x",
        Some(r#"{"level":"DEBUG"}"#),
    );
    s.step(
        Full,
        "PUT",
        "/admin/loggers/<run>.x",
        Some(r#"{"level":"LOUD"}"#),
    );
    s.step(Full, "PUT", "/admin/loggers/<run>.x", Some("{}"));
    s.step(Full, "GET", "/admin/loggers/<run>.x", None);
    s.step(Full, "GET", "/", None);
    s.failures
}

/// A standalone worker (Apache's or ours) as one side of the comparison, with the
/// strings unique to it.
pub struct Side {
    pub name: &'static str,
    pub worker: WorkerProcess,
    pub dir: tempfile::TempDir,
    pub subst: Vec<(String, String)>,
}

impl Side {
    /// Starts Apache's `ConnectStandalone` (`apache`) or `tributary standalone` on the
    /// lab; `run` makes names unique.
    pub fn start(apache: bool, run: &str) -> Side {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let path = |f: &str| dir.path().join(f);
        write_properties(
            &path("worker.properties"),
            &[
                ("bootstrap.servers", &super::bootstrap_servers()),
                (
                    "key.converter",
                    "org.apache.kafka.connect.json.JsonConverter",
                ),
                (
                    "value.converter",
                    "org.apache.kafka.connect.json.JsonConverter",
                ),
                (
                    "offset.storage.file.filename",
                    path("connect.offsets").to_str().unwrap(),
                ),
                ("offset.flush.interval.ms", "1000"),
                ("listeners", &format!("http://127.0.0.1:{port}")),
                ("plugin.discovery", "only_scan"),
            ],
        );
        std::fs::write(path("in.txt"), "").unwrap();
        let log = path("worker.log");
        let worker = if apache {
            WorkerProcess::apache(&path("worker.properties"), &[], port, log)
        } else {
            WorkerProcess::tributary(&path("worker.properties"), &[], port, log)
        };
        let tag = if apache { "a" } else { "t" };
        let subst = vec![
            (dir.path().to_str().unwrap().to_owned(), "<dir>".to_owned()),
            (format!("127.0.0.1:{port}"), "<worker>".to_owned()),
            (format!("{run}-{tag}"), "<run>".to_owned()),
        ];
        let mut side = Side {
            name: if apache { "apache" } else { "tributary" },
            worker,
            dir,
            subst,
        };
        side.wait_up();
        side
    }

    fn wait_up(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Some(status) = self.worker.child.try_wait().unwrap() {
                panic!(
                    "{} exited with {status}:\n{}",
                    self.name,
                    self.worker.log_text()
                );
            }
            if http("GET", &self.worker.url("/"), None).is_some_and(|(c, _)| c == 200) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} REST API not up:\n{}",
                self.name,
                self.worker.log_text()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Target for Side {
    fn name(&self) -> &str {
        self.name
    }

    fn send(&self, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
        http(method, &self.worker.url(path), body)
    }

    fn substitutions(&self) -> &[(String, String)] {
        &self.subst
    }
}
