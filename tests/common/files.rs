//! The files of the file connectors in tests: lines appended to a source file, lines
//! looked for in a sink file.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

/// `n` distinct lines: `<tag> 0`, `<tag> 1`, ...
pub fn lines(tag: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{tag} {i}")).collect()
}

/// Appends `lines` to `path` (created if missing), one line each.
pub fn append(path: &Path, lines: &[String]) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
}

/// The lines of `path`; none when it does not exist.
pub fn sink_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `Some` when `path` has every one of `lines` (for [`super::kube_lab::eventually`]).
pub fn sink_has(path: &Path, lines: &[String]) -> Option<()> {
    let text = std::fs::read_to_string(path).ok()?;
    let got: BTreeSet<&str> = text.lines().collect();
    lines.iter().all(|l| got.contains(l.as_str())).then_some(())
}

/// Whether `path` has none of `lines` (true when it does not exist).
pub fn sink_has_none(path: &Path, lines: &[String]) -> bool {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    !text.lines().any(|l| lines.iter().any(|x| x == l))
}
