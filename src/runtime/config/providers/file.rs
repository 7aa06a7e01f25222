//! `org.apache.kafka.common.config.provider.FileConfigProvider`: `${file:<path>:<key>}`
//! reads `<key>` from the properties file at `<path>` (UTF-8).

use std::collections::{BTreeMap, BTreeSet};

use super::allowed_paths::AllowedPaths;
use super::{ConfigProvider, ProviderError};
use crate::java::properties;

/// Reads keys from properties files, within `allowed.paths` when set.
#[derive(Debug)]
pub struct FileConfigProvider {
    allowed: AllowedPaths,
}

impl FileConfigProvider {
    /// Configures from `config.providers.<name>.param.*`.
    pub fn configure(params: &BTreeMap<String, String>) -> Result<Self, ProviderError> {
        Ok(FileConfigProvider {
            allowed: AllowedPaths::parse(params.get("allowed.paths").map(String::as_str))?,
        })
    }
}

#[async_trait::async_trait]
impl ConfigProvider for FileConfigProvider {
    async fn get(
        &self,
        path: &str,
        keys: &BTreeSet<String>,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        if path.is_empty() {
            return Ok(BTreeMap::new());
        }
        let Some(file) = self.allowed.check(path) else {
            tracing::warn!(path, "The path {path} is not allowed to be accessed");
            return Ok(BTreeMap::new());
        };
        let unreadable =
            || ProviderError::Config(format!("Could not read properties from file {path}"));
        let text = tokio::fs::read(&file).await.map_err(|e| {
            tracing::error!(path, error = %e, "Could not read properties from file {path}");
            unreadable()
        })?;
        // A Reader over UTF-8, as Apache opens the file: invalid UTF-8 is an I/O error.
        let text = String::from_utf8(text).map_err(|_| unreadable())?;
        let props = properties::parse_str(&text).map_err(|_| unreadable())?;
        Ok(keys
            .iter()
            .filter_map(|k| props.get(k).map(|v| (k.clone(), v.clone())))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_wanted_keys_within_allowed_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secrets.properties");
        std::fs::write(&file, "password=s3cret\nuser = alice\n").unwrap();
        let params =
            BTreeMap::from([("allowed.paths".to_owned(), dir.path().display().to_string())]);
        let provider = FileConfigProvider::configure(&params).unwrap();
        let keys = BTreeSet::from(["password".to_owned(), "missing".to_owned()]);
        let got = provider.get(file.to_str().unwrap(), &keys).await.unwrap();
        assert_eq!(
            got,
            BTreeMap::from([("password".to_owned(), "s3cret".to_owned())])
        );
        // Outside the allowed paths: nothing, and no error.
        assert!(
            provider
                .get("/etc/hostname", &keys)
                .await
                .unwrap()
                .is_empty()
        );
        let missing = format!("{}/nope.properties", dir.path().display());
        assert_eq!(
            provider.get(&missing, &keys).await.unwrap_err().to_string(),
            format!("Could not read properties from file {missing}")
        );
    }
}
