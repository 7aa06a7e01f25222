//! The operator, in-process, against the lab's kube-apiserver: a `KafkaConnect` becomes its
//! worker resources (content, owner references, server-side apply manager), `kubectl scale`
//! reaches the StatefulSet, status reports Ready/observedGeneration/workers, Events and
//! metrics are written, deletion removes the children (the lab has no garbage collector:
//! the operator's finalizer deletes them), and the leader Lease keeps a second replica idle.

use crate::common;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use common::kube_lab::{
    Operator, create_namespace, delete_namespace, eventually, fast_lease_timing, install_crds,
    kubectl, lab_client, operator_config,
};
use common::standalone::free_port;
use common::workers::http_get;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Service, ServiceAccount};
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kube::{Resource, ResourceExt};
use tributary::api::{KafkaConnect, KafkaConnectSpec};
use tributary::controller::State;
use tributary::controller::leader::LeaseElector;

const TIMEOUT: Duration = Duration::from_secs(60);

fn assert_owned<K: Resource>(child: &K, owner: &KafkaConnect) {
    let refs = child.meta().owner_references.clone().unwrap_or_default();
    assert_eq!(
        refs.len(),
        1,
        "{:?} owner references: {refs:?}",
        child.meta().name
    );
    let owner_ref = &refs[0];
    assert_eq!(owner_ref.kind, "KafkaConnect");
    assert_eq!(owner_ref.api_version, "tributary.dev/v1alpha1");
    assert_eq!(Some(&owner_ref.uid), owner.metadata.uid.as_ref());
    assert_eq!(owner_ref.controller, Some(true));
    let managers: Vec<String> = child
        .meta()
        .managed_fields
        .iter()
        .flatten()
        .filter_map(|m| m.manager.clone())
        .collect();
    assert!(
        managers.iter().any(|m| m == "tributary-operator"),
        "{:?} not applied by tributary-operator: {managers:?}",
        child.meta().name
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kafka_connect_becomes_its_worker_resources_and_goes_away_with_them() {
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "operator-connect").await;

    let state = State::default();
    let operator = Operator::start(state.clone(), &client, operator_config(&ns, "operator-a"));

    // A fresh worker Lease, as a worker pod would hold it.
    let leases: Api<Lease> = Api::namespaced(client.clone(), &ns);
    let worker_lease = Lease {
        metadata: ObjectMeta {
            name: Some("conn-worker-0".into()),
            labels: Some(BTreeMap::from([
                ("tributary.dev/cluster".into(), "conn".into()),
                ("app.kubernetes.io/component".into(), "worker".into()),
            ])),
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some("conn-worker-0".into()),
            lease_duration_seconds: Some(600),
            renew_time: Some(MicroTime(Timestamp::now())),
            ..LeaseSpec::default()
        }),
    };
    leases
        .create(&PostParams::default(), &worker_lease)
        .await
        .unwrap();

    let connects: Api<KafkaConnect> = Api::namespaced(client.clone(), &ns);
    let spec = KafkaConnectSpec {
        replicas: 2,
        bootstrap_servers: "kafka-0:9092".into(),
        config: BTreeMap::from([(
            "value.converter".into(),
            "org.apache.kafka.connect.json.JsonConverter".into(),
        )]),
        ..KafkaConnectSpec::default()
    };
    connects
        .create(&PostParams::default(), &KafkaConnect::new("conn", spec))
        .await
        .unwrap();

    let connect = eventually("Ready status at generation 1", TIMEOUT, || async {
        let c = connects.get("conn").await.ok()?;
        let status = c.status.clone()?;
        let ready = status
            .conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        (ready && status.observed_generation == c.metadata.generation).then_some(c)
    })
    .await;
    let status = connect.status.clone().unwrap();
    assert_eq!(status.workers, ["conn-worker-0"]);
    assert_eq!(status.replicas, Some(1));
    assert_eq!(
        status.selector.as_deref(),
        Some("app.kubernetes.io/component=worker,tributary.dev/cluster=conn")
    );
    assert!(
        connect
            .finalizers()
            .iter()
            .any(|f| f == "tributary.dev/cleanup")
    );

    // Every child, with its content and owner.
    let config_map = Api::<ConfigMap>::namespaced(client.clone(), &ns)
        .get("conn-config")
        .await
        .unwrap();
    assert_owned(&config_map, &connect);
    let properties = &config_map.data.as_ref().unwrap()["worker.properties"];
    assert!(
        properties.contains("bootstrap.servers=kafka-0\\:9092")
            || properties.contains("bootstrap.servers=kafka-0:9092"),
        "{properties}"
    );
    assert!(properties.contains("value.converter=org.apache.kafka.connect.json.JsonConverter"));
    assert!(properties.contains("offset.storage.topic=conn-offsets"));

    let services: Api<Service> = Api::namespaced(client.clone(), &ns);
    let headless = services.get("conn-workers").await.unwrap();
    assert_owned(&headless, &connect);
    assert_eq!(
        headless.spec.as_ref().unwrap().cluster_ip.as_deref(),
        Some("None")
    );
    let rest = services.get("conn-connect-api").await.unwrap();
    assert_owned(&rest, &connect);
    let rest_spec = rest.spec.unwrap();
    assert_eq!(rest_spec.ports.unwrap()[0].port, 8083);
    assert_eq!(rest_spec.selector.unwrap()["tributary.dev/cluster"], "conn");

    let account = Api::<ServiceAccount>::namespaced(client.clone(), &ns)
        .get("conn-worker")
        .await
        .unwrap();
    assert_owned(&account, &connect);
    let role = Api::<Role>::namespaced(client.clone(), &ns)
        .get("conn-worker")
        .await
        .unwrap();
    assert_owned(&role, &connect);
    let rules = role.rules.unwrap();
    let resources: Vec<String> = rules
        .iter()
        .flat_map(|r| r.resources.clone().unwrap())
        .collect();
    assert_eq!(
        resources,
        [
            "leases",
            "kafkaconnectors",
            "kafkaconnectors/status",
            "kafkaconnects"
        ]
    );
    assert_eq!(rules[3].verbs, ["get"]);
    assert_eq!(
        rules[3].resource_names.as_deref(),
        Some(&["conn".to_string()][..])
    );
    let binding = Api::<RoleBinding>::namespaced(client.clone(), &ns)
        .get("conn-worker")
        .await
        .unwrap();
    assert_owned(&binding, &connect);
    assert_eq!(binding.subjects.unwrap()[0].name, "conn-worker");

    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), &ns);
    let set = sets.get("conn-worker").await.unwrap();
    assert_owned(&set, &connect);
    let set_spec = set.spec.clone().unwrap();
    assert_eq!(set_spec.replicas, Some(2));
    assert_eq!(set_spec.service_name.as_deref(), Some("conn-workers"));
    let pod = set_spec.template.spec.unwrap();
    assert_eq!(pod.service_account_name.as_deref(), Some("conn-worker"));
    let containers: BTreeMap<&str, _> = pod
        .containers
        .iter()
        .map(|c| (c.name.as_str(), c))
        .collect();
    assert_eq!(
        containers.keys().copied().collect::<Vec<_>>(),
        ["rest", "worker"]
    );
    for (name, container) in &containers {
        assert_eq!(container.image.as_deref(), Some("tributary:test"));
        assert_eq!(container.args.as_deref(), Some(&[name.to_string()][..]));
        let env = container.env.clone().unwrap();
        let field = |var: &str| {
            env.iter()
                .find(|e| e.name == var)
                .and_then(|e| e.value_from.clone()?.field_ref)
                .map(|f| f.field_path)
        };
        assert_eq!(field("POD_NAME").as_deref(), Some("metadata.name"));
        assert_eq!(
            field("POD_NAMESPACE").as_deref(),
            Some("metadata.namespace")
        );
        assert!(
            env.iter()
                .any(|e| e.name == "TRIBUTARY_CLUSTER" && e.value.as_deref() == Some("conn"))
        );
        let path = |probe: &Option<k8s_openapi::api::core::v1::Probe>| {
            probe.clone().and_then(|p| p.http_get?.path)
        };
        assert_eq!(path(&container.liveness_probe).as_deref(), Some("/healthz"));
        assert_eq!(path(&container.readiness_probe).as_deref(), Some("/readyz"));
    }
    assert_eq!(
        containers["rest"].ports.clone().unwrap()[0].container_port,
        8083
    );

    // An Event says what the operator did.
    let events: Api<Event> = Api::namespaced(client.clone(), &ns);
    eventually("an Applied event", TIMEOUT, || async {
        let list = events.list(&ListParams::default()).await.ok()?;
        list.items
            .iter()
            .any(|e| {
                e.reason.as_deref() == Some("Applied")
                    && e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("conn")
            })
            .then_some(())
    })
    .await;

    // `kubectl scale` → spec.replicas → StatefulSet replicas, and a new observedGeneration.
    kubectl(&["scale", "kafkaconnect/conn", "-n", &ns, "--replicas=3"]);
    eventually("StatefulSet at 3 replicas", TIMEOUT, || async {
        let set = sets.get("conn-worker").await.ok()?;
        (set.spec?.replicas == Some(3)).then_some(())
    })
    .await;
    eventually("observedGeneration of the scaled spec", TIMEOUT, || async {
        let c = connects.get("conn").await.ok()?;
        (c.metadata.generation == Some(2) && c.status?.observed_generation == Some(2)).then_some(())
    })
    .await;

    let metrics = state.metrics_text();
    assert!(
        metrics.contains("tributary_operator_reconciliations_total{kind=\"KafkaConnect\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("tributary_operator_reconcile_duration_seconds_count"),
        "{metrics}"
    );
    assert!(state.is_leader());

    // Deleting the cluster deletes its children, then the cluster itself.
    connects
        .delete("conn", &DeleteParams::default())
        .await
        .unwrap();
    eventually("the KafkaConnect to be gone", TIMEOUT, || async {
        connects.get_opt("conn").await.ok()?.is_none().then_some(())
    })
    .await;
    assert!(sets.get_opt("conn-worker").await.unwrap().is_none());
    assert!(services.get_opt("conn-workers").await.unwrap().is_none());
    assert!(
        services
            .get_opt("conn-connect-api")
            .await
            .unwrap()
            .is_none()
    );
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    assert!(config_maps.get_opt("conn-config").await.unwrap().is_none());
    let roles: Api<Role> = Api::namespaced(client.clone(), &ns);
    assert!(roles.get_opt("conn-worker").await.unwrap().is_none());

    // A clean stop releases the leader lease.
    operator.stop().await.unwrap().unwrap();
    let lease = leases.get("tributary-operator").await.unwrap();
    assert_eq!(lease.spec.unwrap().holder_identity, None);
    delete_namespace(&client, &ns).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_one_elector_leads_and_a_standby_takes_over_an_expired_lease() {
    let client = lab_client().await;
    let ns = create_namespace(&client, "operator-lease").await;
    let leases: Api<Lease> = Api::namespaced(client.clone(), &ns);
    let a = LeaseElector::new(leases.clone(), "op", "a", fast_lease_timing());
    let b = LeaseElector::new(leases.clone(), "op", "b", fast_lease_timing());

    assert!(a.try_acquire_or_renew().await.unwrap());
    assert!(
        !b.try_acquire_or_renew().await.unwrap(),
        "b took a fresh lease"
    );
    assert!(a.try_acquire_or_renew().await.unwrap(), "a cannot renew");
    // a stops renewing: b takes over once b has seen the record unchanged for 3 s.
    tokio::time::timeout(Duration::from_secs(20), b.acquire())
        .await
        .expect("b never took over the expired lease");
    let spec = leases.get("op").await.unwrap().spec.unwrap();
    assert_eq!(spec.holder_identity.as_deref(), Some("b"));
    assert_eq!(spec.lease_transitions, Some(1));
    assert!(
        !a.try_acquire_or_renew().await.unwrap(),
        "a took back a fresh lease"
    );
    // A clean release lets a in again without waiting.
    b.release().await.unwrap();
    assert!(a.try_acquire_or_renew().await.unwrap());
    delete_namespace(&client, &ns).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_operator_waits_while_the_first_leads() {
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "operator-standby").await;
    let first = State::default();
    let second = State::default();
    let one = Operator::start(first.clone(), &client, operator_config(&ns, "one"));
    eventually("the first operator to lead", TIMEOUT, || async {
        first.is_leader().then_some(())
    })
    .await;
    let two = Operator::start(second.clone(), &client, operator_config(&ns, "two"));
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(!second.is_leader(), "two leaders at once");
    one.stop().await.unwrap().unwrap();
    eventually("the standby to lead after a release", TIMEOUT, || async {
        second.is_leader().then_some(())
    })
    .await;
    two.stop().await.unwrap().unwrap();
    delete_namespace(&client, &ns).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_binary_serves_health_readiness_and_metrics_and_stops_on_sigterm() {
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "operator-binary").await;
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tributary"))
        .arg("operator")
        .env("KUBECONFIG", common::lab_var("KUBECONFIG"))
        .env("TRIBUTARY_OPERATOR_LISTEN", &addr)
        .env("TRIBUTARY_WATCH_NAMESPACE", &ns)
        .env("POD_NAMESPACE", &ns)
        .env("POD_NAME", "operator-binary")
        .kill_on_drop(true)
        .spawn()
        .expect("cannot start tributary operator");

    let (code, body) = eventually("/readyz to answer 200", TIMEOUT, || async {
        http_get(&addr, "/readyz")
            .await
            .filter(|(code, _)| *code == 200)
    })
    .await;
    assert_eq!((code, body.as_str()), (200, "ok"));
    assert_eq!(http_get(&addr, "/healthz").await.unwrap().0, 200);

    // It leads (the lease names it) and reconciles: the metrics show a KafkaConnect run.
    let leases: Api<Lease> = Api::namespaced(client.clone(), &ns);
    eventually("the binary to hold the lease", TIMEOUT, || async {
        let spec = leases.get_opt("tributary-operator").await.ok()??.spec?;
        (spec.holder_identity.as_deref() == Some("operator-binary")).then_some(())
    })
    .await;
    let connects: Api<KafkaConnect> = Api::namespaced(client.clone(), &ns);
    let spec = KafkaConnectSpec {
        replicas: 1,
        bootstrap_servers: "k:9092".into(),
        ..KafkaConnectSpec::default()
    };
    connects
        .create(&PostParams::default(), &KafkaConnect::new("bin", spec))
        .await
        .unwrap();
    let metrics = eventually("reconcile metrics", TIMEOUT, || async {
        let (code, body) = http_get(&addr, "/metrics").await?;
        (code == 200
            && body.contains("tributary_operator_reconciliations_total{kind=\"KafkaConnect\"}"))
        .then_some(body)
    })
    .await;
    assert!(
        metrics.contains("# TYPE tributary_operator_reconcile_duration_seconds histogram"),
        "{metrics}"
    );

    // SIGTERM: a clean exit that releases the lease.
    let pid = child.id().unwrap().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(TIMEOUT, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "operator exited with {status}");
    let lease = leases.get("tributary-operator").await.unwrap();
    assert_eq!(lease.spec.unwrap().holder_identity, None);

    // Let the finalizer go so the namespace can be deleted without an operator.
    let _ = connects
        .patch(
            "bin",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(serde_json::json!({"metadata": {"finalizers": null}})),
        )
        .await;
    delete_namespace(&client, &ns).await;
}
