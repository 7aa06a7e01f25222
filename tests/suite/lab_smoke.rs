//! The lab's parts answer: a record round-trips through the broker with rdkafka, and a
//! custom resource is created, listed and deleted on the API server with kube.

use crate::common;

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};

#[tokio::test]
async fn a_record_round_trips_through_the_lab_broker() {
    let bootstrap = common::bootstrap_servers();
    let topic = format!("lab-smoke-{}", std::process::id());
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("message.timeout.ms", "20000")
        .create()
        .unwrap();
    producer
        .send(
            FutureRecord::to(&topic)
                .key("k")
                .payload("hello kafka connect"),
            Duration::from_secs(20),
        )
        .await
        .unwrap_or_else(|(e, _)| {
            panic!("produce to {bootstrap} failed: {e}; {}", common::LAB_HINT)
        });

    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("group.id", &topic)
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let message = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
        .await
        .expect("no record within 30s")
        .unwrap();
    assert_eq!(message.payload(), Some(&b"hello kafka connect"[..]));
    assert_eq!(message.key(), Some(&b"k"[..]));
}

#[tokio::test]
async fn a_custom_resource_is_created_listed_and_deleted_on_the_lab_apiserver() {
    common::lab_var("KUBECONFIG");
    let client = kube::Client::try_default()
        .await
        .unwrap_or_else(|e| panic!("no kube client: {e}; {}", common::LAB_HINT));

    // A throwaway CRD of its own, so this smoke test does not depend on Tributary's.
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd: CustomResourceDefinition = serde_json::from_value(serde_json::json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "smokes.lab.tributary.dev"},
        "spec": {
            "group": "lab.tributary.dev",
            "names": {"kind": "Smoke", "plural": "smokes", "singular": "smoke"},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {"word": {"type": "string"}}}
                }}}
            }]
        }
    }))
    .unwrap();
    match crds.create(&PostParams::default(), &crd).await {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 409 => {}
        Err(e) => panic!("creating the CRD failed: {e}"),
    }

    let gvk = GroupVersionKind::gvk("lab.tributary.dev", "v1", "Smoke");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "smokes");
    let smokes: Api<DynamicObject> = Api::namespaced_with(client, "default", &resource);
    let name = format!("smoke-{}", std::process::id());
    let object: DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "lab.tributary.dev/v1", "kind": "Smoke",
        "metadata": {"name": name}, "spec": {"word": "hello"}
    }))
    .unwrap();

    // The CRD needs a moment to be served after creation.
    let mut created = None;
    for _ in 0..50 {
        match smokes.create(&PostParams::default(), &object).await {
            Ok(o) => {
                created = Some(o);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let created = created.expect("the custom resource was never accepted");
    assert_eq!(created.data["spec"]["word"], "hello");

    let listed = smokes.list(&ListParams::default()).await.unwrap();
    assert!(
        listed
            .items
            .iter()
            .any(|o| o.metadata.name.as_deref() == Some(name.as_str()))
    );

    smokes
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    let listed = smokes.list(&ListParams::default()).await.unwrap();
    assert!(
        !listed
            .items
            .iter()
            .any(|o| o.metadata.name.as_deref() == Some(name.as_str()))
    );
}
