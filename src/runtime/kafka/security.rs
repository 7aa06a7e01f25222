//! Security material: Apache's `ssl.truststore.*`/`ssl.keystore.*` stores and inline PEM
//! settings, turned into what librdkafka (OpenSSL) takes.
//!
//! librdkafka reads PEM files, in-memory PEM strings and PKCS#12 keystores, but no JKS
//! and no PKCS#12 truststore. Those are read here (JKS with the `jks` crate, PKCS#12 with
//! OpenSSL, the library librdkafka itself links) and handed to librdkafka as in-memory
//! PEM (`ssl.ca.pem`, `ssl.certificate.pem`, `ssl.key.pem`): no converted key material is
//! ever written to disk. Errors name the setting and the file, never a password.

use std::path::Path;

use base64::Engine;

/// A failure reading a store; the message names the setting and the file.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    #[error("cannot read {key} file {path}: {source}")]
    Read {
        key: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{key} {path} is not a readable {store_type} store (wrong password or format?): {reason}"
    )]
    Store {
        key: &'static str,
        path: String,
        store_type: StoreType,
        reason: String,
    },
    #[error("{key} {path} holds no {what}")]
    Empty {
        key: &'static str,
        path: String,
        what: &'static str,
    },
    #[error(
        "Invalid value {value} for configuration {key}: supported types are JKS, PKCS12 and PEM"
    )]
    UnknownType { key: &'static str, value: String },
}

/// `ssl.truststore.type` / `ssl.keystore.type`; Apache's default is JKS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreType {
    Jks,
    Pkcs12,
    Pem,
}

impl std::fmt::Display for StoreType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StoreType::Jks => "JKS",
            StoreType::Pkcs12 => "PKCS12",
            StoreType::Pem => "PEM",
        })
    }
}

impl StoreType {
    /// Parses a store type setting (case-insensitive, as Java's `KeyStore.getInstance`).
    pub fn parse(key: &'static str, value: Option<&str>) -> Result<Self, SecurityError> {
        match value.map(str::trim).map(str::to_ascii_uppercase).as_deref() {
            None | Some("") | Some("JKS") => Ok(StoreType::Jks),
            Some("PKCS12") => Ok(StoreType::Pkcs12),
            Some("PEM") => Ok(StoreType::Pem),
            Some(_) => Err(SecurityError::UnknownType {
                key,
                value: value.unwrap_or_default().to_owned(),
            }),
        }
    }
}

/// A DER blob as PEM text with the given label.
pub fn pem(label: &str, der: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn read(key: &'static str, path: &str) -> Result<Vec<u8>, SecurityError> {
    std::fs::read(Path::new(path)).map_err(|source| SecurityError::Read {
        key,
        path: path.to_owned(),
        source,
    })
}

/// A JKS store opened with its password (which also checks the store's integrity), and
/// its aliases in a stable order (Java's order is its hash map's; any fixed one does).
fn open_jks(
    key: &'static str,
    path: &str,
    bytes: &[u8],
    password: &str,
) -> Result<(jks::KeyStore, Vec<String>), SecurityError> {
    let mut store = jks::KeyStore::new();
    store
        .load(bytes, password.as_bytes())
        .map_err(|e| store_error(key, path, StoreType::Jks, e.to_string()))?;
    let mut aliases = store.aliases();
    aliases.sort();
    Ok((store, aliases))
}

fn store_error(
    key: &'static str,
    path: &str,
    store_type: StoreType,
    reason: String,
) -> SecurityError {
    SecurityError::Store {
        key,
        path: path.to_owned(),
        store_type,
        reason,
    }
}

const TRUSTSTORE: &str = "ssl.truststore.location";
const KEYSTORE: &str = "ssl.keystore.location";

/// The trusted certificates of a JKS or PKCS#12 truststore, as concatenated PEM.
pub fn truststore_pem(
    path: &str,
    password: &str,
    store_type: StoreType,
) -> Result<String, SecurityError> {
    let bytes = read(TRUSTSTORE, path)?;
    let store_error = |reason: String| store_error(TRUSTSTORE, path, store_type, reason);
    let mut pems = String::new();
    match store_type {
        StoreType::Jks => {
            let (store, aliases) = open_jks(TRUSTSTORE, path, &bytes, password)?;
            for alias in aliases {
                if let Ok(entry) = store.get_trusted_certificate_entry(&alias) {
                    pems.push_str(&pem("CERTIFICATE", &entry.certificate.content));
                } else if let Ok(chain) = store.get_private_key_entry_certificate_chain(&alias) {
                    // Java trusts the certificate of a key entry in a truststore too.
                    if let Some(first) = chain.first() {
                        pems.push_str(&pem("CERTIFICATE", &first.content));
                    }
                }
            }
        }
        StoreType::Pkcs12 => {
            let parsed = openssl::pkcs12::Pkcs12::from_der(&bytes)
                .and_then(|p| p.parse2(password))
                .map_err(|e| store_error(e.to_string()))?;
            let mut certs: Vec<Vec<u8>> = Vec::new();
            if let Some(cert) = &parsed.cert {
                certs.push(cert.to_pem().map_err(|e| store_error(e.to_string()))?);
            }
            for cert in parsed.ca.iter().flatten() {
                certs.push(cert.to_pem().map_err(|e| store_error(e.to_string()))?);
            }
            for text in certs {
                pems.push_str(&String::from_utf8_lossy(&text));
            }
        }
        StoreType::Pem => {
            return Ok(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    if pems.is_empty() {
        return Err(SecurityError::Empty {
            key: TRUSTSTORE,
            path: path.to_owned(),
            what: "certificate",
        });
    }
    Ok(pems)
}

/// A client certificate chain and its unencrypted PKCS#8 key, both PEM.
pub struct KeyPair {
    pub certificate_chain: String,
    pub private_key: String,
}

/// The private key entry of a JKS keystore (Java picks the first key entry when no
/// alias is configured; so does this), the key decrypted with `ssl.key.password` or,
/// without one, the store password (keytool's default).
pub fn jks_key_pair(
    path: &str,
    store_password: &str,
    key_password: Option<&str>,
) -> Result<KeyPair, SecurityError> {
    let bytes = read(KEYSTORE, path)?;
    let (store, aliases) = open_jks(KEYSTORE, path, &bytes, store_password)?;
    let alias = aliases
        .into_iter()
        .find(|a| store.is_private_key_entry(a))
        .ok_or_else(|| SecurityError::Empty {
            key: KEYSTORE,
            path: path.to_owned(),
            what: "private key entry",
        })?;
    let password = key_password.unwrap_or(store_password);
    let entry = store
        .get_private_key_entry(&alias, password.as_bytes())
        .map_err(|e| {
            store_error(
                KEYSTORE,
                path,
                StoreType::Jks,
                format!("ssl.key.password: {e}"),
            )
        })?;
    Ok(KeyPair {
        certificate_chain: entry
            .certificate_chain
            .iter()
            .map(|c| pem("CERTIFICATE", &c.content))
            .collect(),
        private_key: pem("PRIVATE KEY", &entry.private_key),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkey::{PKey, Private};
    use openssl::rsa::Rsa;
    use openssl::x509::{X509, X509NameBuilder};

    /// A self-signed certificate and its key, for test stores.
    pub(crate) fn self_signed(cn: &str) -> (X509, PKey<Private>) {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", cn).unwrap();
        let name = name.build();
        let mut builder = X509::builder().unwrap();
        builder.set_version(2).unwrap();
        builder.set_subject_name(&name).unwrap();
        builder.set_issuer_name(&name).unwrap();
        builder.set_pubkey(&key).unwrap();
        builder
            .set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        builder
            .set_not_after(&Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        builder.sign(&key, MessageDigest::sha256()).unwrap();
        (builder.build(), key)
    }

    pub(crate) fn jks_truststore(cert: &X509, password: &str) -> Vec<u8> {
        let mut store = jks::KeyStore::new();
        store
            .set_trusted_certificate_entry(
                "ca",
                jks::TrustedCertificateEntry {
                    creation_time: std::time::SystemTime::now(),
                    certificate: jks::Certificate {
                        cert_type: "X509".into(),
                        content: cert.to_der().unwrap(),
                    },
                },
            )
            .unwrap();
        let mut out = Vec::new();
        store.store(&mut out, password.as_bytes()).unwrap();
        out
    }

    #[test]
    fn jks_truststore_becomes_pem() {
        let (cert, _) = self_signed("lab-ca");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jks");
        std::fs::write(&path, jks_truststore(&cert, "changeit")).unwrap();
        let path = path.to_str().unwrap();
        let text = truststore_pem(path, "changeit", StoreType::Jks).unwrap();
        let back = X509::from_pem(text.as_bytes()).unwrap();
        assert_eq!(back.to_der().unwrap(), cert.to_der().unwrap());

        let err = truststore_pem(path, "wrong-pass", StoreType::Jks)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("ssl.truststore.location") && err.contains("JKS"),
            "{err}"
        );
        assert!(!err.contains("wrong-pass"), "{err}");
    }

    #[test]
    fn pkcs12_truststore_becomes_pem() {
        let (cert, key) = self_signed("lab-ca");
        let p12 = openssl::pkcs12::Pkcs12::builder()
            .name("ca")
            .pkey(&key)
            .cert(&cert)
            .build2("pw")
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.p12");
        std::fs::write(&path, p12.to_der().unwrap()).unwrap();
        let text = truststore_pem(path.to_str().unwrap(), "pw", StoreType::Pkcs12).unwrap();
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{text}");
    }

    #[test]
    fn jks_keystore_gives_chain_and_key() {
        let (cert, key) = self_signed("client");
        let mut store = jks::KeyStore::new();
        store
            .set_private_key_entry(
                "client",
                jks::PrivateKeyEntry {
                    creation_time: std::time::SystemTime::now(),
                    private_key: key.private_key_to_pkcs8().unwrap(),
                    certificate_chain: vec![jks::Certificate {
                        cert_type: "X509".into(),
                        content: cert.to_der().unwrap(),
                    }],
                },
                b"keypass",
            )
            .unwrap();
        let mut bytes = Vec::new();
        store.store(&mut bytes, b"storepass").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.jks");
        std::fs::write(&path, bytes).unwrap();
        let pair = jks_key_pair(path.to_str().unwrap(), "storepass", Some("keypass")).unwrap();
        let back = PKey::private_key_from_pem(pair.private_key.as_bytes()).unwrap();
        assert!(back.public_eq(&key));
        assert!(X509::from_pem(pair.certificate_chain.as_bytes()).is_ok());
        assert!(jks_key_pair(path.to_str().unwrap(), "storepass", Some("nope")).is_err());
    }

    #[test]
    fn store_types() {
        assert_eq!(StoreType::parse("t", None).unwrap(), StoreType::Jks);
        assert_eq!(
            StoreType::parse("t", Some("pkcs12")).unwrap(),
            StoreType::Pkcs12
        );
        assert_eq!(StoreType::parse("t", Some("PEM")).unwrap(), StoreType::Pem);
        assert!(StoreType::parse("t", Some("BKS")).is_err());
    }
}
