//! `org.apache.kafka.common.config.provider.DirectoryConfigProvider`:
//! `${dir:<directory>:<file name>}` is the content of that file (UTF-8), e.g. a mounted
//! Kubernetes secret.

use std::collections::{BTreeMap, BTreeSet};

use super::allowed_paths::AllowedPaths;
use super::{ConfigProvider, ProviderError};

/// Reads regular files of a directory, within `allowed.paths` when set.
#[derive(Debug)]
pub struct DirectoryConfigProvider {
    allowed: AllowedPaths,
}

impl DirectoryConfigProvider {
    /// Configures from `config.providers.<name>.param.*`.
    pub fn configure(params: &BTreeMap<String, String>) -> Result<Self, ProviderError> {
        Ok(DirectoryConfigProvider {
            allowed: AllowedPaths::parse(params.get("allowed.paths").map(String::as_str))?,
        })
    }
}

#[async_trait::async_trait]
impl ConfigProvider for DirectoryConfigProvider {
    async fn get(
        &self,
        path: &str,
        keys: &BTreeSet<String>,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let mut found = BTreeMap::new();
        if path.is_empty() {
            return Ok(found);
        }
        let Some(dir) = self.allowed.check(path) else {
            tracing::warn!(path, "The path {path} is not allowed to be accessed");
            return Ok(found);
        };
        if !dir.is_dir() {
            tracing::warn!(path, "The path {path} is not a directory");
            return Ok(found);
        }
        for key in keys {
            // Only names of files directly in the directory, as Apache lists it.
            if key.contains('/') || key == ".." || key == "." {
                continue;
            }
            let file = dir.join(key);
            if !file.is_file() {
                continue;
            }
            let unreadable = || {
                ProviderError::Config(format!(
                    "Could not read file {} for property {key}",
                    file.display()
                ))
            };
            let bytes = tokio::fs::read(&file).await.map_err(|_| unreadable())?;
            found.insert(key.clone(), String::from_utf8_lossy(&bytes).into_owned());
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_contents_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("password"), "s3cret").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let provider = DirectoryConfigProvider::configure(&BTreeMap::new()).unwrap();
        let keys = BTreeSet::from(["password".to_owned(), "sub".to_owned(), "none".to_owned()]);
        let got = provider
            .get(dir.path().to_str().unwrap(), &keys)
            .await
            .unwrap();
        assert_eq!(
            got,
            BTreeMap::from([("password".to_owned(), "s3cret".to_owned())])
        );
    }
}
