//! Builders shared by the unit tests.

/// A string map (properties, a connector config, client settings) from literal pairs.
pub fn string_map<M: FromIterator<(String, String)>>(pairs: &[(&str, &str)]) -> M {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A Kubernetes client whose API server accepts connections and never answers: every
/// request hangs until the client gives up. The server runs until the returned guard is
/// dropped.
pub async fn silent_api_server() -> (kube::Client, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let address = listener.local_addr().expect("local address");
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let url = format!("http://{address}").parse().expect("a valid URL");
    let client = kube::Client::try_from(kube::Config::new(url)).expect("a client");
    (client, server)
}

/// Settings of a runtime worker for unit tests: String converters, no reachable broker,
/// a 60 s offset flush interval.
pub fn worker_settings(worker_id: &str) -> crate::runtime::WorkerSettings {
    use crate::runtime::worker::ConverterSpec;
    use std::time::Duration;
    let converter = || ConverterSpec {
        class: "org.apache.kafka.connect.storage.StringConverter".into(),
        config: Default::default(),
    };
    crate::runtime::WorkerSettings {
        worker_id: worker_id.into(),
        bootstrap_servers: "127.0.0.1:1".into(),
        key_converter: converter(),
        value_converter: converter(),
        client: Default::default(),
        producer: Default::default(),
        consumer: Default::default(),
        admin: Default::default(),
        config_providers: Default::default(),
        override_policy: Default::default(),
        offset_flush_interval: Duration::from_secs(60),
        offset_flush_timeout: Duration::from_secs(5),
        task_shutdown_timeout: Duration::from_secs(5),
    }
}

/// A runtime worker with the built-in plugins, offsets in memory and
/// [`worker_settings`]; nothing reaches a broker until a task starts.
pub fn runtime_worker(worker_id: &str) -> std::sync::Arc<crate::runtime::Worker> {
    std::sync::Arc::new(crate::runtime::Worker::new(
        worker_settings(worker_id),
        std::sync::Arc::default(),
        std::sync::Arc::new(crate::runtime::storage::MemoryOffsetBackingStore::new()),
        crate::runtime::status::StatusStore::new(),
    ))
}
