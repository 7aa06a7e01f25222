//! A worker's properties file, read as Apache's `WorkerConfig` reads it: Java properties
//! syntax, then the `${provider:path:key}` placeholders resolved by the providers the file
//! itself declares, then the worker `ConfigDef`.

use std::path::{Path, PathBuf};

use super::providers::{ProviderError, resolve_worker_properties};
use super::worker::{WorkerConfig, WorkerMode};
use crate::config::ConfigError;
use crate::java::properties::{self, PropertiesError};

/// Why a worker properties file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WorkerFileError {
    #[error("cannot read worker config {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: PropertiesError,
    },
    #[error("cannot resolve the config providers' placeholders in worker config {}", path.display())]
    Provider {
        path: PathBuf,
        #[source]
        source: ProviderError,
    },
    #[error("invalid worker config {}", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: ConfigError,
    },
}

/// Reads, resolves and checks the worker properties at `path` for `mode`.
pub async fn load(path: &Path, mode: WorkerMode) -> Result<WorkerConfig, WorkerFileError> {
    let raw = properties::load_file(path).map_err(|source| WorkerFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let props =
        resolve_worker_properties(&raw)
            .await
            .map_err(|source| WorkerFileError::Provider {
                path: path.to_owned(),
                source,
            })?;
    WorkerConfig::from_props_in(mode, &props).map_err(|source| WorkerFileError::Invalid {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[tokio::test]
    async fn placeholders_in_worker_properties_are_resolved_by_the_declared_providers() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = dir.path().join("scram");
        std::fs::create_dir(&secrets).unwrap();
        std::fs::write(secrets.join("password"), "s3cr3t").unwrap();
        let text = format!(
            "bootstrap.servers=localhost:9092\n\
             offset.storage.file.filename=/tmp/o\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.storage.StringConverter\n\
             config.providers=dir\n\
             config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider\n\
             sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
             username=\"u\" password=\"${{dir:{}:password}}\";\n\
             sasl.mechanism=${{unknown:x:y}}\n",
            secrets.display()
        );
        let path = write(dir.path(), "worker.properties", &text);
        let config = load(&path, WorkerMode::Standalone).await.unwrap();
        assert_eq!(
            config.client_settings["sasl.jaas.config"],
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"s3cr3t\";"
        );
        // No provider of that name: left as written, as Apache leaves it.
        assert_eq!(config.client_settings["sasl.mechanism"], "${unknown:x:y}");
    }

    #[tokio::test]
    async fn a_provider_that_cannot_answer_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "worker.properties",
            "bootstrap.servers=localhost:9092\n\
             offset.storage.file.filename=/tmp/o\n\
             config.providers=file\n\
             config.providers.file.class=FileConfigProvider\n\
             ssl.key.password=${file:/nonexistent/creds.properties:key}\n",
        );
        let error = load(&path, WorkerMode::Standalone).await.unwrap_err();
        assert!(
            matches!(error, WorkerFileError::Provider { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("worker.properties"), "{error}");
    }
}
