//! The lab's PostgreSQL (`wal_level=logical`) in tests: `psql` as the lab's user, and the
//! objects of one Debezium run (a schema, and the replication slot and publication
//! Debezium creates, all named by one tag), dropped when the run ends: a slot left behind
//! keeps WAL forever.

use std::process::{Command, Stdio};
use std::time::Duration;

/// What `tests/lab/lab env` exports for PostgreSQL.
pub const PG_VARS: [&str; 5] = ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"];

/// Runs `sql` with `psql` as the lab's user (each statement in its own transaction unless
/// the SQL says BEGIN); stdout, or the error. Never panics: [`CdcObjects`]'s drop uses it.
pub fn try_psql(sql: &str) -> Result<String, String> {
    use std::io::Write;
    let mut command = Command::new("psql");
    command.args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-f", "-"]);
    for var in PG_VARS {
        command.env(
            var,
            std::env::var(var).map_err(|_| format!("{var} is not set"))?,
        );
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run psql (apt-get install postgresql-client): {e}"))?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .map_err(|e| e.to_string())?;
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// [`try_psql`], failing the test (with the lab hint when the lab is missing).
pub fn psql(sql: &str) -> String {
    for var in PG_VARS {
        super::lab_var(var);
    }
    try_psql(sql).unwrap_or_else(|e| panic!("psql failed: {e}\nSQL:\n{sql}"))
}

/// A tag for a run's schema, slot, publication, topic prefix and connector name: unique,
/// and only lower-case letters, digits and underscores (what slot names allow).
pub fn cdc_tag(what: &str) -> String {
    super::standalone::unique(&format!("dbz_{what}")).replace('-', "_")
}

/// A run's objects in the lab's database: the schema `tag` (its tables owned by the lab's
/// user, which lets Debezium create a filtered publication without being a superuser),
/// and the publication and slot named `tag` that Debezium creates. Dropped on drop.
pub struct CdcObjects {
    pub tag: String,
}

impl CdcObjects {
    /// Creates schema `tag` and runs `setup` (`{s}` stands for the schema).
    pub fn create(tag: &str, setup: &str) -> Self {
        let objects = CdcObjects {
            tag: tag.to_owned(),
        };
        psql(&format!("CREATE SCHEMA {tag};"));
        psql(&objects.sql(setup));
        objects
    }

    /// `template` with `{s}` replaced by the schema.
    pub fn sql(&self, template: &str) -> String {
        template.replace("{s}", &self.tag)
    }

    /// The slot's `confirmed_flush_lsn` as a number and whether a connection streams
    /// from it; `None` before Debezium created it.
    pub fn slot(&self) -> Option<(u64, bool)> {
        let row = psql(&format!(
            "SELECT coalesce(confirmed_flush_lsn - '0/0'::pg_lsn, 0), active \
             FROM pg_replication_slots WHERE slot_name = '{}'",
            self.tag
        ));
        let (lsn, active) = row.split_once('|')?;
        Some((lsn.parse().ok()?, active == "t"))
    }

    /// Debezium's PostgreSQL connector config for this run: the lab's database as its
    /// user, `pgoutput`, the slot and the publication named by the tag (a publication of
    /// the captured tables: Debezium's default `all_tables` needs a superuser), topics
    /// `<tag>.<tag>.<table>`.
    pub fn debezium_config(&self) -> Vec<(String, String)> {
        let tag = &self.tag;
        [
            ("database.hostname", super::lab_var("PGHOST")),
            ("database.port", super::lab_var("PGPORT")),
            ("database.user", super::lab_var("PGUSER")),
            ("database.password", super::lab_var("PGPASSWORD")),
            ("database.dbname", super::lab_var("PGDATABASE")),
            ("topic.prefix", tag.clone()),
            ("plugin.name", "pgoutput".to_owned()),
            ("slot.name", tag.clone()),
            ("publication.name", tag.clone()),
            ("publication.autocreate.mode", "filtered".to_owned()),
            ("schema.include.list", tag.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

impl Drop for CdcObjects {
    /// Never panics (it runs while a failed test unwinds): ends a walsender still holding
    /// the slot, then drops the slot, the publication and the schema.
    fn drop(&mut self) {
        let tag = &self.tag;
        for _ in 0..25 {
            let _ = try_psql(&format!(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots \
                 WHERE slot_name = '{tag}' AND active_pid IS NOT NULL;"
            ));
            let dropped = try_psql(&format!(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots \
                 WHERE slot_name = '{tag}';
                 SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{tag}';"
            ));
            if dropped.is_ok_and(|out| out.ends_with('0')) {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = try_psql(&format!(
            "DROP PUBLICATION IF EXISTS {tag}; DROP SCHEMA IF EXISTS {tag} CASCADE;"
        ));
    }
}
