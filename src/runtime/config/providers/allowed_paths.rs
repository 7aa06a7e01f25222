//! `allowed.paths` of the file and directory providers (Apache's `AllowedPaths`).

use std::path::{Component, Path, PathBuf};

use super::ProviderError;

/// The directories a provider may read under; `None` allows every path.
#[derive(Clone, Debug, Default)]
pub struct AllowedPaths(Option<Vec<PathBuf>>);

impl AllowedPaths {
    /// Parses the comma-separated list; each entry must be absolute and exist.
    pub fn parse(value: Option<&str>) -> Result<Self, ProviderError> {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return Ok(AllowedPaths(None));
        };
        let mut paths = Vec::new();
        for entry in value.split(',') {
            let path = normalize(Path::new(entry));
            if !path.is_absolute() {
                return Err(ProviderError::Config(format!(
                    "Path {} is not absolute",
                    path.display()
                )));
            }
            if !path.exists() {
                return Err(ProviderError::Config(format!(
                    "Path {} does not exist",
                    path.display()
                )));
            }
            paths.push(path);
        }
        Ok(AllowedPaths(Some(paths)))
    }

    /// The path to read, or `None` when it lies outside every allowed path. The check
    /// is on the normalized path (`..` resolved lexically), as Java's `Path.normalize`.
    pub fn check(&self, path: &str) -> Option<PathBuf> {
        match &self.0 {
            None => Some(PathBuf::from(path)),
            Some(allowed) => {
                let normalized = normalize(Path::new(path));
                allowed
                    .iter()
                    .any(|a| normalized.starts_with(a))
                    .then_some(normalized)
            }
        }
    }
}

/// Lexical normalization: drops `.`, resolves `..` against the previous component.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() && !path.is_absolute() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_out_of_an_allowed_dir_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let allowed = AllowedPaths::parse(Some(dir.path().to_str().unwrap())).unwrap();
        let inside = format!("{}/a.properties", dir.path().display());
        assert!(allowed.check(&inside).is_some());
        let escape = format!("{}/../etc/passwd", dir.path().display());
        assert!(allowed.check(&escape).is_none());
        assert!(allowed.check("/etc/passwd").is_none());
    }

    #[test]
    fn entries_must_be_absolute_and_exist() {
        assert_eq!(
            AllowedPaths::parse(Some("relative/dir"))
                .unwrap_err()
                .to_string(),
            "Path relative/dir is not absolute"
        );
        assert_eq!(
            AllowedPaths::parse(Some("/no/such/dir"))
                .unwrap_err()
                .to_string(),
            "Path /no/such/dir does not exist"
        );
        assert!(AllowedPaths::parse(None).unwrap().check("/x").is_some());
    }
}
