//! Java connector plugins in Kubernetes mode, on the lab: a `KafkaConnect` whose
//! `spec.plugins` mounts the lab's `plugin.path` directory (Debezium PostgreSQL 3.6.1.Final)
//! as a `hostPath` volume, and whose `spec.jvmOptions` size the plugin host. The operator
//! (in-process) writes `plugin.path`, `plugin.discovery` and the JVM options into the
//! worker properties, mounts the volume read-only into the worker and REST containers and
//! picks the `-jre` image; the test plays the kubelet honestly: the `hostPath` is mounted
//! at its own path (`spec.plugins.path` is the lab directory), so the ConfigMap's
//! `worker.properties` is used byte for byte by two `tributary worker` processes and a
//! `tributary rest` sidecar, each with its plugin host.
//!
//! A `KafkaConnector` runs Debezium's `PostgresConnector`: the snapshot and streamed
//! inserts reach Kafka; the worker running the task is killed with SIGKILL (its plugin
//! host goes with it), the controller moves the task to the other worker once the dead
//! one's membership Lease expired, and Debezium resumes there from the offsets in the
//! cluster's offsets topic (Apache's key `["<connector>",{"server":"<prefix>"}]`) and its
//! replication slot: every change event made before, during and after the failover
//! arrives (duplicates allowed: at least once), and the new worker's offsets advance in
//! the same topic. The schema, slot and publication are dropped at the end.
//!
//! `eval "$(tests/lab/lab env)" && cargo test --test suite operator_plugins -- --nocapture`
//! prints the timings.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::kube_lab::{
    Operator, connector, create_namespace, delete_namespace, eventually, install_crds, lab_client,
};
use common::postgres::{CdcObjects, cdc_tag, psql};
use common::standalone::{free_port, http};
use common::workers::{JSON_CONVERTER, Process, rest_command, spawn_logged, start_worker};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, HostPathVolumeSource};
use kube::api::{Api, PostParams};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::Value;
use tributary::api::{
    JvmOptions, KafkaConnect, KafkaConnectSpec, KafkaConnector, PluginVolume, Plugins,
};

const CLUSTER: &str = "cdc";
const CONNECTOR: &str = "inventory-cdc";
const CLASS: &str = "io.debezium.connector.postgresql.PostgresConnector";
const TIMEOUT: Duration = Duration::from_secs(120);

/// The captured table, with the rows the snapshot reads.
const SETUP: &str = "CREATE TABLE {s}.items (id integer PRIMARY KEY, note text);
                     INSERT INTO {s}.items SELECT i, 'snapshot ' || i FROM generate_series(1, 5) i;";

/// Inserts rows `ids` into the captured table, one transaction each.
fn insert(db: &CdcObjects, ids: std::ops::RangeInclusive<i64>, label: &str) {
    let statements: String = ids
        .map(|id| format!("INSERT INTO {{s}}.items VALUES ({id}, '{label} {id}');\n"))
        .collect();
    psql(&db.sql(&statements));
}

/// Records of a topic's partitions, read from the start by an assigned consumer (no group
/// to join) and kept across polls.
struct TopicReader {
    consumer: BaseConsumer,
    records: Vec<(Option<Value>, Option<Value>)>,
}

impl TopicReader {
    /// Waits until `topic` exists, then reads all its partitions from the beginning.
    async fn open(topic: &str) -> TopicReader {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", common::bootstrap_servers())
            .set("group.id", common::standalone::unique("plugins-reader"))
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let partitions = eventually(&format!("topic {topic}"), TIMEOUT, || async {
            let metadata = tokio::task::block_in_place(|| {
                consumer.fetch_metadata(Some(topic), Duration::from_secs(5))
            })
            .ok()?;
            let found = metadata.topics().first()?;
            let ids: Vec<i32> = found.partitions().iter().map(|p| p.id()).collect();
            (found.error().is_none() && !ids.is_empty()).then_some(ids)
        })
        .await;
        let mut assignment = TopicPartitionList::new();
        for partition in partitions {
            assignment
                .add_partition_offset(topic, partition, Offset::Beginning)
                .unwrap();
        }
        consumer.assign(&assignment).unwrap();
        TopicReader {
            consumer,
            records: Vec::new(),
        }
    }

    /// Takes what arrived within about half a second.
    fn poll(&mut self) {
        let json = |bytes: Option<&[u8]>| bytes.and_then(|b| serde_json::from_slice(b).ok());
        let deadline = Instant::now() + Duration::from_millis(500);
        tokio::task::block_in_place(|| {
            while Instant::now() < deadline {
                if let Some(Ok(message)) = self.consumer.poll(Duration::from_millis(100)) {
                    self.records
                        .push((json(message.key()), json(message.payload())));
                }
            }
        });
    }

    /// Change events by row id (`after.id`): how many times each arrived, and with which
    /// operations (`r` snapshot, `c` insert).
    fn events(&self) -> BTreeMap<i64, Vec<String>> {
        let mut events: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (_, value) in &self.records {
            let Some(value) = value else { continue };
            if let Some(id) = value["after"]["id"].as_i64() {
                let op = value["op"].as_str().unwrap_or("?").to_owned();
                events.entry(id).or_default().push(op);
            }
        }
        events
    }

    /// Waits until a change event arrived for every row of `ids`.
    async fn wait_for_ids(&mut self, what: &str, ids: std::ops::RangeInclusive<i64>) {
        let wanted: BTreeSet<i64> = ids.collect();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            self.poll();
            let seen: BTreeSet<i64> = self.events().into_keys().collect();
            let missing: Vec<&i64> = wanted.difference(&seen).collect();
            if missing.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: no change event for rows {missing:?} after {TIMEOUT:?}"
            );
        }
    }
}

/// The worker running task 0, once the connector's status says RUNNING there.
async fn task_worker(api: &Api<KafkaConnector>, not: Option<&str>) -> String {
    eventually(
        &format!("task 0 RUNNING on a worker other than {not:?}"),
        TIMEOUT,
        || async {
            let status = api.get(CONNECTOR).await.ok()?.status?;
            let assigned = status.task_assignment.get("0")?.clone();
            let info = status.connector_status?;
            let task = info.tasks.iter().find(|t| t.id == 0)?;
            (task.state == "RUNNING"
                && task.worker_id == assigned
                && Some(assigned.as_str()) != not)
                .then_some(assigned)
        },
    )
    .await
}

/// Debezium's offset of this run in the cluster's offsets topic (the last record under
/// Apache's key for the connector and the server name): its `lsn`.
fn stored_lsn(offsets: &TopicReader, tag: &str) -> Option<u64> {
    let key = serde_json::json!([CONNECTOR, {"server": tag}]);
    offsets
        .records
        .iter()
        .rev()
        .find(|(k, _)| k.as_ref() == Some(&key))
        .and_then(|(_, value)| value.as_ref()?["lsn"].as_u64())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debezium_runs_from_a_kafka_connector_and_fails_over_after_kill_9() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("tributary=info")
        .with_test_writer()
        .try_init();
    let plugin_dir = common::lab_var("TRIBUTARY_LAB_PLUGIN_PATH");
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "operator-plugins").await;
    let tag = cdc_tag("k8s");
    let db = CdcObjects::create(&tag, SETUP);
    let dir = tempfile::tempdir().unwrap();
    let offsets_topic = format!("{tag}-offsets");
    let started = Instant::now();

    // The cluster: the lab's plugin directory as a hostPath volume, mounted at its own
    // path; a small plugin-host heap.
    let _operator = Operator::start_in(&client, &ns);
    let spec = KafkaConnectSpec {
        replicas: 2,
        bootstrap_servers: common::bootstrap_servers(),
        offsets_topic: Some(offsets_topic.clone()),
        config: BTreeMap::from([
            ("key.converter".into(), JSON_CONVERTER.into()),
            ("value.converter".into(), JSON_CONVERTER.into()),
            ("key.converter.schemas.enable".into(), "false".into()),
            ("value.converter.schemas.enable".into(), "false".into()),
            ("offset.flush.interval.ms".into(), "500".into()),
            ("offset.storage.partitions".into(), "1".into()),
            ("offset.storage.replication.factor".into(), "1".into()),
            // Debezium and connect-mirror ship ServiceLoader manifests; Apache's default
            // discovery also scans every class reflectively (~20 s here).
            ("plugin.discovery".into(), "service_load".into()),
        ]),
        plugins: Some(Plugins {
            path: plugin_dir.clone(),
            volume: Some(PluginVolume {
                host_path: Some(HostPathVolumeSource {
                    path: plugin_dir.clone(),
                    type_: Some("Directory".into()),
                }),
                ..PluginVolume::default()
            }),
        }),
        jvm_options: Some(JvmOptions {
            xmx: Some("384m".into()),
            xx: BTreeMap::from([("UseSerialGC".into(), "true".into())]),
            ..JvmOptions::default()
        }),
        ..KafkaConnectSpec::default()
    };
    Api::<KafkaConnect>::namespaced(client.clone(), &ns)
        .create(&PostParams::default(), &KafkaConnect::new(CLUSTER, spec))
        .await
        .unwrap();

    // The operator's part: the StatefulSet (applied last) and the ConfigMap.
    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), &ns);
    let set = eventually("the worker StatefulSet", TIMEOUT, || async {
        sets.get_opt(&format!("{CLUSTER}-worker")).await.ok()?
    })
    .await;
    let pod = set.spec.unwrap().template.spec.unwrap();
    let volume = pod
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == "plugins")
        .expect("no plugins volume");
    assert_eq!(
        volume.host_path.as_ref().map(|h| h.path.as_str()),
        Some(plugin_dir.as_str())
    );
    for container in &pod.containers {
        assert_eq!(
            container.image.as_deref(),
            Some("tributary:test-jre"),
            "{} runs the JRE variant",
            container.name
        );
        let mount = container
            .volume_mounts
            .iter()
            .flatten()
            .find(|m| m.name == "plugins")
            .unwrap_or_else(|| panic!("{} does not mount the plugins", container.name));
        assert_eq!(
            (mount.mount_path.as_str(), mount.read_only),
            (plugin_dir.as_str(), Some(true)),
            "{}",
            container.name
        );
    }
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let properties = eventually("the worker ConfigMap", TIMEOUT, || async {
        let map = config_maps
            .get_opt(&format!("{CLUSTER}-config"))
            .await
            .ok()??;
        map.data?.get("worker.properties").cloned()
    })
    .await;
    for line in [
        format!("plugin.path={plugin_dir}"),
        "plugin.discovery=service_load".to_owned(),
        "tributary.plugin.host.jvm.options=-Xmx384m -XX:+UseSerialGC".to_owned(),
        format!("offset.storage.topic={offsets_topic}"),
    ] {
        assert!(
            properties.lines().any(|l| l == line),
            "{line}:\n{properties}"
        );
    }

    // The kubelet's part: the hostPath at its own path, so the file as written.
    std::fs::write(dir.path().join("worker.properties"), &properties).unwrap();
    let mut workers: BTreeMap<String, Process> = (0..2)
        .map(|i| {
            let pod = format!("{CLUSTER}-worker-{i}");
            let process = start_worker(CLUSTER, &pod, &ns, dir.path());
            (pod, process)
        })
        .collect();
    let port = free_port();
    let _rest = spawn_logged(
        &mut rest_command(CLUSTER, &ns, dir.path(), port),
        dir.path().join("rest.log"),
        "tributary rest",
    );
    let base = format!("http://127.0.0.1:{port}");

    // The sidecar lists Debezium from the mounted plugins, as Apache does.
    let listing = eventually("Debezium in GET /connector-plugins", TIMEOUT, || async {
        let (code, body) = http("GET", &format!("{base}/connector-plugins"), None)?;
        let plugins: Value = serde_json::from_str(&body).ok()?;
        let found = plugins
            .as_array()?
            .iter()
            .find(|p| p["class"] == CLASS)?
            .clone();
        (code == 200).then_some(found)
    })
    .await;
    assert_eq!(listing["type"], "source", "{listing}");
    assert_eq!(listing["version"], "3.6.1.Final", "{listing}");
    let sidecar_ready = started.elapsed();

    // The connector, as a resource.
    let connectors: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);
    let config: Vec<(String, String)> = db.debezium_config();
    let borrowed: Vec<(&str, String)> = config
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let created = Instant::now();
    connectors
        .create(
            &PostParams::default(),
            &connector(CLUSTER, CONNECTOR, CLASS, &borrowed),
        )
        .await
        .unwrap();
    let first = task_worker(&connectors, None).await;
    let running = created.elapsed();

    // The snapshot, then streamed inserts.
    let data_topic = format!("{tag}.{tag}.items");
    let mut data = TopicReader::open(&data_topic).await;
    data.wait_for_ids("the snapshot", 1..=5).await;
    let snapshot = created.elapsed();
    insert(&db, 6..=10, "before");
    data.wait_for_ids("inserts before the kill", 6..=10).await;

    // Debezium's offsets, in Apache's format, in the cluster's offsets topic (the sidecar
    // reads them back from there).
    let mut offsets = TopicReader::open(&offsets_topic).await;
    let stored_before = eventually("Debezium's offset in the offsets topic", TIMEOUT, || {
        offsets.poll();
        let lsn = stored_lsn(&offsets, &tag);
        async move { lsn }
    })
    .await;
    let shown = eventually("the offsets through the sidecar", TIMEOUT, || async {
        let (code, body) = http(
            "GET",
            &format!("{base}/connectors/{CONNECTOR}/offsets"),
            None,
        )?;
        let shown: Value = serde_json::from_str(&body).ok()?;
        (code == 200 && shown["offsets"][0]["offset"]["lsn"].is_u64()).then_some(shown)
    })
    .await;
    assert_eq!(
        shown["offsets"][0]["partition"],
        serde_json::json!({"server": tag}),
        "{shown}"
    );

    // kill -9 of the worker running the task (its plugin host exits with its stdin), and
    // changes while nobody streams.
    let killed_at = Instant::now();
    let mut victim = workers.remove(&first).unwrap();
    victim.child.kill().unwrap();
    victim.child.wait().unwrap();
    insert(&db, 11..=15, "during");
    let second = task_worker(&connectors, Some(&first)).await;
    let failed_over = killed_at.elapsed();
    assert!(workers.contains_key(&second), "moved to {second}");
    insert(&db, 16..=20, "after");
    data.wait_for_ids("every change after the failover", 1..=20)
        .await;
    let caught_up = killed_at.elapsed();

    // Nothing lost; repeats only as at-least-once allows (events the dead worker sent
    // after its last offset flush).
    let events = data.events();
    for id in 1..=20 {
        let ops = &events[&id];
        let expected = if id <= 5 { "r" } else { "c" };
        assert!(
            ops.iter().all(|op| op == expected),
            "row {id}: events {ops:?}"
        );
    }
    let repeated: usize = events.values().map(|ops| ops.len() - 1).sum();
    assert!(
        events.values().all(|ops| ops.len() <= 2),
        "a change event arrived more than twice: {events:?}"
    );

    // The new worker's offsets advance in the same topic.
    let stored_after = eventually("the new worker's offset", TIMEOUT, || {
        offsets.poll();
        let lsn = stored_lsn(&offsets, &tag).filter(|lsn| *lsn > stored_before);
        async move { lsn }
    })
    .await;
    // The new worker streams from the slot, and the slot confirms what the new worker
    // stored (it advances from the task's commit, after its offsets were flushed).
    let confirmed = eventually("the slot confirmed by the new worker", TIMEOUT, || async {
        let (confirmed, active) = db.slot()?;
        (active && confirmed >= stored_after).then_some(confirmed)
    })
    .await;
    eprintln!(
        "operator_plugins: sidecar listing Debezium {sidecar_ready:.1?} after the test started; \
         task RUNNING on {first} {running:.1?} after the KafkaConnector was created, snapshot \
         in Kafka after {snapshot:.1?}; kill -9 of {first}: task RUNNING on {second} after \
         {failed_over:.1?}, all 20 rows' events after {caught_up:.1?}; {repeated} repeated \
         event(s); offsets lsn {stored_before} -> {stored_after}, slot confirmed {confirmed}"
    );

    drop(workers);
    drop(db);
    delete_namespace(&client, &ns).await;
}
