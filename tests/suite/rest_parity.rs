//! The Connect REST API, answer for answer against Apache's `ConnectStandalone` on the
//! lab: the scenario of `common::rest_scenario` is sent to both workers, and status codes
//! and JSON bodies must be equal after normalising only what must differ.

use crate::common;

use common::rest_scenario::{self, Side};
use common::standalone::unique;

#[test]
fn rest_api_answers_like_apache_connect() {
    let _ = common::kafka_libs();
    let run = unique("rest");
    let apache = Side::start(true, &run);
    let ours = Side::start(false, &run);
    let failures = rest_scenario::run(&apache, &ours, &|_, _, _, _| {});
    let _ = (&apache.dir, &ours.dir);
    assert!(
        failures.is_empty(),
        "{} answer(s) differ from Apache's:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The transformation and predicate side of the plugin endpoints, against Apache's on the
/// same requests: listing, a transformation's and a predicate's config, validation of
/// `transforms.<alias>.*`/`predicates.<alias>.*` (groups and every alias key compared in
/// full), and the 400 a create with a bad transform config gets.
#[test]
fn transform_plugin_endpoints_answer_like_apache_connect() {
    use common::rest_scenario::Target;
    use serde_json::Value;

    let _ = common::kafka_libs();
    let run = unique("rest-transforms");
    let apache = Side::start(true, &run);
    let ours = Side::start(false, &run);
    let mut failures = Vec::new();
    let mut check = |what: &str, a: Value, t: Value| {
        if a != t {
            failures.push(format!("{what}:\n  apache:    {a}\n  tributary: {t}"));
        }
    };

    // Listing: each transformation/predicate we list, Apache lists with the same type, and
    // we list every routing SMT and predicate.
    let (_, a) = apache.call("GET", "/connector-plugins?connectorsOnly=false", None);
    let (_, t) = ours.call("GET", "/connector-plugins?connectorsOnly=false", None);
    let entries = |v: &Value, kind: &str| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["type"] == kind)
            .map(|p| format!("{} {}", p["class"], p["version"]))
            .collect()
    };
    for kind in ["transformation", "predicate"] {
        let (ae, te) = (entries(&a, kind), entries(&t, kind));
        let missing: Vec<&String> = te.iter().filter(|e| !ae.contains(e)).collect();
        check(
            &format!("{kind}s only we list"),
            Value::from(0),
            Value::from(missing.len()),
        );
        let ordered: Vec<&String> = ae.iter().filter(|e| te.contains(e)).collect();
        check(
            &format!("{kind} order"),
            Value::from(ordered.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
            Value::from(te.iter().map(String::as_str).collect::<Vec<_>>()),
        );
    }
    for class in [
        "org.apache.kafka.connect.transforms.RegexRouter",
        "org.apache.kafka.connect.transforms.HeaderFrom$Value",
        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
    ] {
        check(
            &format!("{class} listed"),
            Value::from(true),
            Value::from(
                entries(&t, "transformation")
                    .iter()
                    .chain(&entries(&t, "predicate"))
                    .any(|e| e.contains(class)),
            ),
        );
    }

    // A transformation's and a predicate's own config.
    for path in [
        "/connector-plugins/org.apache.kafka.connect.transforms.TimestampRouter/config",
        "/connector-plugins/org.apache.kafka.connect.transforms.HeaderFrom$Key/config",
        "/connector-plugins/org.apache.kafka.connect.transforms.predicates.HasHeaderKey/config",
    ] {
        let a = apache.call("GET", path, None);
        let t = ours.call("GET", path, None);
        check(
            path,
            serde_json::json!([a.0, a.1]),
            serde_json::json!([t.0, t.1]),
        );
    }

    // Validation: the alias groups and keys.
    let bodies = [
        r#"{"connector.class":"FileStreamSource","topic":"t","transforms":"r,ts","transforms.r.type":"org.apache.kafka.connect.transforms.RegexRouter","transforms.r.regex":"(","transforms.r.predicate":"p","transforms.ts.type":"org.apache.kafka.connect.transforms.TimestampRouter","transforms.ts.negate":"true","predicates":"p,q","predicates.p.type":"org.apache.kafka.connect.transforms.predicates.HasHeaderKey","predicates.q.type":"com.example.Nope"}"#,
        r#"{"connector.class":"FileStreamSource","topic":"t","transforms":"x,h","transforms.h.type":"org.apache.kafka.connect.transforms.HeaderFrom$Value","transforms.h.fields":"a,a","transforms.h.headers":"","transforms.h.operation":"cut"}"#,
    ];
    let path = "/connector-plugins/FileStreamSource/config/validate";
    for body in bodies {
        let (ac, a) = apache.call("PUT", path, Some(body));
        let (tc, t) = ours.call("PUT", path, Some(body));
        check(
            &format!("validate status {body}"),
            Value::from(ac),
            Value::from(tc),
        );
        check(
            &format!("validate groups {body}"),
            a["groups"].clone(),
            t["groups"].clone(),
        );
        let alias_keys = |v: &Value| -> Value {
            Value::Array(
                v["configs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|c| {
                        let name = c["value"]["name"].as_str().unwrap_or("");
                        name.starts_with("transforms.") || name.starts_with("predicates.")
                    })
                    .cloned()
                    .collect(),
            )
        };
        let (ak, tk) = (alias_keys(&a), alias_keys(&t));
        let (aa, ta) = (ak.as_array().unwrap(), tk.as_array().unwrap());
        check(
            &format!("alias keys present {body}"),
            Value::from(true),
            Value::from(ta.len() >= 6),
        );
        if std::env::var_os("REST_PARITY_DUMP").is_some() {
            eprintln!("{}\n{}", serde_json::to_string_pretty(&ak).unwrap(), tk);
        }
        if aa.len() != ta.len() {
            check(
                &format!("validate alias keys {body}"),
                ak.clone(),
                tk.clone(),
            );
        } else {
            for (x, y) in aa.iter().zip(ta) {
                check(
                    &format!("validate key {}", x["value"]["name"]),
                    x.clone(),
                    y.clone(),
                );
            }
        }
    }

    // Creating a connector with a bad transform config.
    let create = r#"{"name":"<run>-bad-transform","config":{"connector.class":"FileStreamSource","topic":"t","file":"<dir>/in.txt","transforms":"r","transforms.r.type":"org.apache.kafka.connect.transforms.RegexRouter","transforms.r.regex":"x"}}"#;
    let a = apache.call("POST", "/connectors", Some(create));
    let t = ours.call("POST", "/connectors", Some(create));
    check(
        "create with a bad transform",
        serde_json::json!([a.0, a.1]),
        serde_json::json!([t.0, t.1]),
    );

    let _ = (&apache.dir, &ours.dir);
    assert!(
        failures.is_empty(),
        "{} transform plugin answer(s) differ from Apache's:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
