//! The Kubernetes worker's `secrets` provider: `${secrets:<namespace>/<name>:<key>}` is
//! the UTF-8 value of `<key>` in that `Secret`, read through the API server with the
//! worker's service account (which needs `get` on the secret).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Secret;
use kube::Api;

use super::{ConfigProvider, ProviderError};

/// Reads keys of Kubernetes `Secret`s.
#[derive(Clone)]
pub struct SecretsConfigProvider {
    client: kube::Client,
}

impl SecretsConfigProvider {
    pub fn new(client: kube::Client) -> Self {
        SecretsConfigProvider { client }
    }
}

#[async_trait::async_trait]
impl ConfigProvider for SecretsConfigProvider {
    async fn get(
        &self,
        path: &str,
        keys: &BTreeSet<String>,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let (namespace, name) = path
            .split_once('/')
            .filter(|(ns, name)| !ns.is_empty() && !name.is_empty() && !name.contains('/'))
            .ok_or_else(|| {
                ProviderError::Config(format!(
                    "Invalid secret path '{path}': expected <namespace>/<name>"
                ))
            })?;
        let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        let secret = api.get_opt(name).await.map_err(|e| {
            ProviderError::Config(format!("Could not read secret {namespace}/{name}: {e}"))
        })?;
        let Some(secret) = secret else {
            tracing::warn!(namespace, name, "secret not found");
            return Ok(BTreeMap::new());
        };
        let data = secret.data.unwrap_or_default();
        let string_data = secret.string_data.unwrap_or_default();
        let mut found = BTreeMap::new();
        for key in keys {
            let value = match (data.get(key), string_data.get(key)) {
                (Some(bytes), _) => String::from_utf8(bytes.0.clone()).map_err(|_| {
                    ProviderError::Config(format!(
                        "Key {key} of secret {namespace}/{name} is not UTF-8 text"
                    ))
                })?,
                (None, Some(text)) => text.clone(),
                (None, None) => continue,
            };
            found.insert(key.clone(), value);
        }
        Ok(found)
    }
}
