//! `/admin/loggers`: reading and changing log levels at run time (Apache's
//! `LoggingResource` over log4j). Loggers are tracing targets; a level set on a logger
//! also applies to every logger below it (`a.b` covers `a.b.c`), as in log4j.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing_subscriber::EnvFilter;

use super::entities::LoggerLevel;
use crate::herder::HerderError;
use crate::telemetry::LogReloadHandle;

/// The name Apache uses for the root logger.
pub const ROOT_LOGGER: &str = "root";

/// log4j's level names, from most to least verbose, with the tracing level each maps to
/// (tracing has no FATAL or ALL).
const LEVELS: [(&str, &str); 8] = [
    ("ALL", "trace"),
    ("TRACE", "trace"),
    ("DEBUG", "debug"),
    ("INFO", "info"),
    ("WARN", "warn"),
    ("ERROR", "error"),
    ("FATAL", "error"),
    ("OFF", "off"),
];

#[derive(Clone, Debug)]
struct LoggerEntry {
    level: String,
    last_modified: Option<i64>,
}

/// The log levels of this process and, when wired, the handle that applies them.
pub struct Loggers {
    reload: Option<LogReloadHandle>,
    state: Mutex<BTreeMap<String, LoggerEntry>>,
}

impl Loggers {
    /// Loggers whose changes are applied through `reload` (from `telemetry::init`);
    /// `root_level` is the starting root level in log4j spelling (e.g. `INFO`).
    pub fn new(reload: Option<LogReloadHandle>, root_level: &str) -> Self {
        let mut state = BTreeMap::new();
        state.insert(
            ROOT_LOGGER.to_owned(),
            LoggerEntry {
                level: root_level.to_ascii_uppercase(),
                last_modified: None,
            },
        );
        Loggers {
            reload,
            state: Mutex::new(state),
        }
    }

    /// Loggers that only remember levels (no subscriber wired in), root at INFO.
    pub fn detached() -> Self {
        Self::new(None, "INFO")
    }

    /// `GET /admin/loggers`: every logger with an explicit level.
    pub fn all(&self) -> BTreeMap<String, LoggerLevel> {
        self.lock()
            .iter()
            .map(|(name, entry)| (name.clone(), to_level(entry)))
            .collect()
    }

    /// `GET /admin/loggers/{name}`: 404 `Logger x not found.` for a logger never set.
    pub fn get(&self, name: &str) -> Result<LoggerLevel, HerderError> {
        self.lock()
            .get(name)
            .map(to_level)
            .ok_or_else(|| HerderError::NotFound(format!("Logger {name} not found.")))
    }

    /// `PUT /admin/loggers/{name}`: sets `level` on the logger and its descendants and
    /// returns their names, sorted. An unknown level is 404, as in Apache.
    pub fn set(&self, name: &str, level: &str) -> Result<Vec<String>, HerderError> {
        let upper = level.to_ascii_uppercase();
        if !LEVELS.iter().any(|(l, _)| *l == upper) {
            return Err(HerderError::NotFound(format!(
                "invalid log level '{level}'."
            )));
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        let mut state = self.lock();
        let entry = LoggerEntry {
            level: upper,
            last_modified: Some(now),
        };
        let affected: Vec<String> = if name == ROOT_LOGGER {
            state.keys().cloned().collect()
        } else {
            let prefix = format!("{name}.");
            let mut names: Vec<String> = state
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .cloned()
                .collect();
            names.push(name.to_owned());
            names.sort();
            names
        };
        for logger in &affected {
            state.insert(logger.clone(), entry.clone());
        }
        let directives = filter_directives(&state);
        drop(state);
        if let Some(reload) = &self.reload {
            let filter = EnvFilter::try_new(&directives)
                .map_err(|e| HerderError::Internal(format!("cannot apply log levels: {e}")))?;
            reload
                .reload(filter)
                .map_err(|e| HerderError::Internal(format!("cannot apply log levels: {e}")))?;
        }
        Ok(affected)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, LoggerEntry>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn to_level(entry: &LoggerEntry) -> LoggerLevel {
    LoggerLevel {
        level: entry.level.clone(),
        last_modified: entry.last_modified,
    }
}

fn tracing_level(log4j: &str) -> &'static str {
    LEVELS
        .iter()
        .find(|(l, _)| *l == log4j)
        .map(|(_, t)| *t)
        .unwrap_or("info")
}

/// The `EnvFilter` string for the levels: the root level first, then one `target=level`
/// per logger. A Java-style dotted name also matches the Rust target spelled with `::`.
fn filter_directives(state: &BTreeMap<String, LoggerEntry>) -> String {
    let mut parts = Vec::new();
    if let Some(root) = state.get(ROOT_LOGGER) {
        parts.push(tracing_level(&root.level).to_owned());
    }
    for (name, entry) in state {
        if name == ROOT_LOGGER || name.is_empty() || name.contains(['=', ',', '[', ']']) {
            continue;
        }
        let level = tracing_level(&entry.level);
        parts.push(format!("{name}={level}"));
        if name.contains('.') {
            parts.push(format!("{}={level}", name.replace('.', "::")));
        }
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_a_parent_covers_its_children_and_lists_them() {
        let loggers = Loggers::detached();
        loggers.set("org.foo.bar", "debug").unwrap();
        assert_eq!(
            loggers.set("org.foo", "WARN").unwrap(),
            vec!["org.foo".to_owned(), "org.foo.bar".to_owned()]
        );
        assert_eq!(loggers.get("org.foo.bar").unwrap().level, "WARN");
        assert_eq!(loggers.get("root").unwrap().last_modified, None);
    }

    #[test]
    fn unknown_levels_and_loggers_are_404_with_apaches_messages() {
        let loggers = Loggers::detached();
        let e = loggers.set("x", "LOUD").unwrap_err();
        assert_eq!(e.to_string(), "invalid log level 'LOUD'.");
        assert!(matches!(e, HerderError::NotFound(_)));
        assert_eq!(
            loggers.get("nope").unwrap_err().to_string(),
            "Logger nope not found."
        );
    }

    #[test]
    fn directives_keep_root_first_and_map_java_names() {
        let loggers = Loggers::detached();
        loggers.set("tributary.rest", "DEBUG").unwrap();
        let directives = filter_directives(&loggers.lock());
        assert_eq!(
            directives,
            "info,tributary.rest=debug,tributary::rest=debug"
        );
        assert!(EnvFilter::try_new(&directives).is_ok());
    }
}
