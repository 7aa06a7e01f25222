//! Authentication of the REST API, as Apache's `BasicAuthSecurityRestExtension` with a
//! JAAS property file: HTTP basic credentials checked against `username: password`
//! entries, here the entries of a Kubernetes Secret. Optionally bearer tokens (the values
//! of a second Secret) are accepted too. A request without valid credentials gets 401
//! with Apache's body, `User cannot access the resource.`; we add the
//! `WWW-Authenticate` challenge RFC 9110 asks for (Apache sends none).
//!
//! The Secrets are re-read periodically, so rotating a password needs no restart.
//! Credentials are never logged.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use subtle::ConstantTimeEq;

/// Apache's body for a request that failed authentication.
pub const UNAUTHORIZED_BODY: &str = "User cannot access the resource.";

/// How often the Secrets are read again.
pub const RELOAD_INTERVAL: Duration = Duration::from_secs(30);

/// Why credentials could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read Secret {namespace}/{name}: {source}")]
    ReadSecret {
        namespace: String,
        name: String,
        #[source]
        source: kube::Error,
    },
    #[error("Secret {namespace}/{name} holds no entries; it would lock every client out")]
    EmptySecret { namespace: String, name: String },
    #[error("entry {key} of Secret {namespace}/{name} is not UTF-8")]
    NotUtf8 {
        namespace: String,
        name: String,
        key: String,
    },
}

/// The accepted credentials.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// Username to password (HTTP basic).
    users: BTreeMap<String, String>,
    /// Accepted bearer tokens.
    tokens: Vec<String>,
}

impl Credentials {
    /// Credentials from usernames and passwords, and bearer tokens.
    pub fn new(users: BTreeMap<String, String>, tokens: Vec<String>) -> Self {
        Credentials { users, tokens }
    }

    /// True when the `Authorization` header value proves one of the identities.
    pub fn accepts(&self, authorization: Option<&[u8]>) -> bool {
        let Some(value) = authorization.and_then(|v| std::str::from_utf8(v).ok()) else {
            return false;
        };
        let Some((scheme, rest)) = value.split_once(' ') else {
            return false;
        };
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest) else {
                return false;
            };
            let Ok(decoded) = String::from_utf8(decoded) else {
                return false;
            };
            // As Apache: the username ends at the first colon and may not be empty.
            match decoded.split_once(':') {
                Some((user, password)) if !user.is_empty() => self
                    .users
                    .get(user)
                    .is_some_and(|expected| same(expected, password)),
                _ => false,
            }
        } else if scheme.eq_ignore_ascii_case("bearer") {
            // Every token is compared, so the time taken does not tell which one matched.
            self.tokens
                .iter()
                .fold(false, |found, token| same(token, rest) | found)
        } else {
            false
        }
    }

    fn bearer_enabled(&self) -> bool {
        !self.tokens.is_empty()
    }
}

/// Constant-time string equality (the time taken does not tell how many bytes matched).
fn same(expected: &str, given: &str) -> bool {
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

/// The credentials in force, swapped when the Secrets are read again.
#[derive(Clone, Default)]
pub struct Authenticator {
    current: Arc<RwLock<Credentials>>,
}

impl Authenticator {
    pub fn new(credentials: Credentials) -> Self {
        Authenticator {
            current: Arc::new(RwLock::new(credentials)),
        }
    }

    fn replace(&self, credentials: Credentials) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = credentials;
    }

    fn snapshot(&self) -> Credentials {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// `router` answering 401 to every request without valid credentials.
    pub fn protect(&self, router: Router) -> Router {
        let auth = self.clone();
        router.layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let auth = auth.clone();
                async move { auth.check(request, next).await }
            },
        ))
    }

    async fn check(&self, request: Request, next: Next) -> Response {
        let credentials = self.snapshot();
        let header = request
            .headers()
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        if credentials.accepts(header) {
            return next.run(request).await;
        }
        let challenge = if credentials.bearer_enabled() {
            "Basic realm=\"Kafka Connect\", Bearer realm=\"Kafka Connect\""
        } else {
            "Basic realm=\"Kafka Connect\""
        };
        (
            StatusCode::UNAUTHORIZED,
            [
                (header::WWW_AUTHENTICATE, challenge),
                (header::CONTENT_TYPE, "text/plain"),
            ],
            UNAUTHORIZED_BODY,
        )
            .into_response()
    }
}

/// Where the credentials come from.
#[derive(Clone, Debug)]
pub struct SecretSources {
    pub namespace: String,
    /// Secret whose entries are `username: password`.
    pub basic_auth: Option<String>,
    /// Secret whose entry values are accepted bearer tokens.
    pub bearer_tokens: Option<String>,
}

impl SecretSources {
    /// Reads both Secrets.
    pub async fn load(&self, client: &kube::Client) -> Result<Credentials, AuthError> {
        let api: Api<Secret> = Api::namespaced(client.clone(), &self.namespace);
        let users = match &self.basic_auth {
            Some(name) => self.entries(&api, name).await?,
            None => BTreeMap::new(),
        };
        let tokens = match &self.bearer_tokens {
            Some(name) => self.entries(&api, name).await?.into_values().collect(),
            None => Vec::new(),
        };
        Ok(Credentials::new(users, tokens))
    }

    async fn entries(
        &self,
        api: &Api<Secret>,
        name: &str,
    ) -> Result<BTreeMap<String, String>, AuthError> {
        let secret = api
            .get(name)
            .await
            .map_err(|source| AuthError::ReadSecret {
                namespace: self.namespace.clone(),
                name: name.to_owned(),
                source,
            })?;
        let mut entries = BTreeMap::new();
        for (key, value) in secret.data.unwrap_or_default() {
            let value = String::from_utf8(value.0).map_err(|_| AuthError::NotUtf8 {
                namespace: self.namespace.clone(),
                name: name.to_owned(),
                key: key.clone(),
            })?;
            entries.insert(key, value);
        }
        for (key, value) in secret.string_data.unwrap_or_default() {
            entries.insert(key, value);
        }
        if entries.is_empty() {
            return Err(AuthError::EmptySecret {
                namespace: self.namespace.clone(),
                name: name.to_owned(),
            });
        }
        Ok(entries)
    }

    /// Loads the credentials, then keeps reloading them every [`RELOAD_INTERVAL`] until
    /// `shutdown`; a failed reload keeps the previous credentials.
    pub async fn authenticator(
        self,
        client: kube::Client,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> Result<Authenticator, AuthError> {
        let auth = Authenticator::new(self.load(&client).await?);
        let reloaded = auth.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(RELOAD_INTERVAL) => {}
                }
                match self.load(&client).await {
                    Ok(credentials) => reloaded.replace(credentials),
                    Err(error) => {
                        tracing::warn!(%error, "cannot reload REST credentials; keeping the previous ones")
                    }
                }
            }
        });
        Ok(auth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> Credentials {
        Credentials::new(
            BTreeMap::from([("alice".to_owned(), "s3:cret".to_owned())]),
            vec!["token-1".to_owned()],
        )
    }

    fn basic(user_password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_password)
        )
    }

    #[test]
    fn basic_credentials_must_match_an_entry() {
        let c = credentials();
        assert!(c.accepts(Some(basic("alice:s3:cret").as_bytes())));
        assert!(c.accepts(Some(
            basic("alice:s3:cret").replace("Basic", "basic").as_bytes()
        )));
        assert!(!c.accepts(Some(basic("alice:wrong").as_bytes())));
        assert!(!c.accepts(Some(basic("bob:s3:cret").as_bytes())));
        assert!(!c.accepts(Some(basic(":s3:cret").as_bytes())));
        assert!(!c.accepts(Some(basic("alice").as_bytes())));
        assert!(!c.accepts(Some(b"Basic !!!")));
        assert!(!c.accepts(None));
    }

    #[test]
    fn bearer_tokens_are_accepted_only_when_listed() {
        let c = credentials();
        assert!(c.accepts(Some(b"Bearer token-1")));
        assert!(!c.accepts(Some(b"Bearer token-2")));
        assert!(!Credentials::default().accepts(Some(b"Bearer ")));
        assert!(!c.accepts(Some(b"Digest x")));
    }
}
