//! `org.apache.kafka.common.config.provider.EnvVarConfigProvider`: `${env:<NAME>}` is the
//! worker's environment variable, among those `allowlist.pattern` matches.

use std::collections::{BTreeMap, BTreeSet};

use super::{ConfigProvider, ProviderError};

/// Environment variables, captured when the provider is configured (as Apache does).
#[derive(Debug)]
pub struct EnvVarConfigProvider {
    vars: BTreeMap<String, String>,
}

impl EnvVarConfigProvider {
    /// Keeps the variables whose whole name matches `allowlist.pattern` (all when unset).
    pub fn configure(
        params: &BTreeMap<String, String>,
        vars: BTreeMap<String, String>,
    ) -> Result<Self, ProviderError> {
        let vars = match params.get("allowlist.pattern") {
            None => vars,
            Some(pattern) => {
                // Java's `matches()` needs the whole name to match.
                let anchored = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
                    ProviderError::Config(format!(
                        "Invalid value {pattern} for configuration allowlist.pattern: {e}"
                    ))
                })?;
                vars.into_iter()
                    .filter(|(name, _)| anchored.is_match(name))
                    .collect()
            }
        };
        Ok(EnvVarConfigProvider { vars })
    }
}

#[async_trait::async_trait]
impl ConfigProvider for EnvVarConfigProvider {
    async fn get(
        &self,
        path: &str,
        keys: &BTreeSet<String>,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        if !path.is_empty() {
            return Err(ProviderError::Config(format!(
                "Path is not supported for EnvVarConfigProvider, invalid value '{path}'"
            )));
        }
        Ok(keys
            .iter()
            .filter_map(|k| self.vars.get(k).map(|v| (k.clone(), v.clone())))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("DB_PASSWORD".to_owned(), "s3cret".to_owned()),
            ("HOME".to_owned(), "/root".to_owned()),
        ])
    }

    #[tokio::test]
    async fn allowlist_filters_whole_names() {
        let params = BTreeMap::from([("allowlist.pattern".to_owned(), "DB_.*".to_owned())]);
        let provider = EnvVarConfigProvider::configure(&params, vars()).unwrap();
        let keys = BTreeSet::from(["DB_PASSWORD".to_owned(), "HOME".to_owned()]);
        let got = provider.get("", &keys).await.unwrap();
        assert_eq!(
            got,
            BTreeMap::from([("DB_PASSWORD".to_owned(), "s3cret".to_owned())])
        );
    }

    #[tokio::test]
    async fn a_path_is_an_error() {
        let provider = EnvVarConfigProvider::configure(&BTreeMap::new(), vars()).unwrap();
        let err = provider.get("x", &BTreeSet::new()).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "Path is not supported for EnvVarConfigProvider, invalid value 'x'"
        );
    }
}
