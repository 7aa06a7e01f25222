//! The "raw client" runner of the benchmarks: the least work librdkafka needs to move the
//! same lines between a file and a topic, as the physical limit of this machine and broker.
//!
//! Usage:
//!   raw_client produce BOOTSTRAP TOPIC FILE string|json [CLIENT.properties]
//!   raw_client consume BOOTSTRAP TOPIC FILE COUNT string|json [CLIENT.properties]
//!
//! CLIENT.properties: Apache client settings (a lab client file such as
//! `sasl-scram.properties`: `security.protocol`, JKS truststore, `sasl.jaas.config`),
//! turned into librdkafka's by Tributary's translation, as a Tributary worker's clients
//! get them; its `bootstrap.servers` is left to BOOTSTRAP. The translation runs once, when
//! the client is made: what is measured is still librdkafka alone.
//!
//! `produce` sends each line of FILE (without its newline) as a record value, null key;
//! with `json` the value is the envelope JsonConverter writes for a string schema, so the
//! topic holds the same bytes as after Connect's FileStreamSource. `consume` reads COUNT
//! records of partition 0 from the beginning and writes each value (the envelope's
//! payload with `json`) as a line to FILE. Both then wait for SIGTERM, so the benchmark can
//! read their peak memory before they exit.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use tributary::runtime::kafka::{ClientKind, client_config};

#[derive(serde::Deserialize)]
struct Envelope {
    payload: String,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("produce") if matches!(args.len(), 6 | 7) => {
            base_config(ClientKind::Producer, &args[2], args.get(6)).and_then(|config| produce(config, &args[3], &args[4], &args[5]))
        }
        Some("consume") if matches!(args.len(), 7 | 8) => match args[5].parse() {
            Ok(count) => base_config(ClientKind::Consumer, &args[2], args.get(7))
                .and_then(|config| consume(config, &args[3], &args[4], count, &args[6])),
            Err(e) => Err(format!("COUNT {}: {e}", args[5])),
        },
        _ => Err("usage: raw_client produce BOOTSTRAP TOPIC FILE string|json [CLIENT.properties]\n       raw_client consume BOOTSTRAP TOPIC FILE COUNT string|json [CLIENT.properties]".into()),
    };
    if let Err(e) = result {
        eprintln!("raw_client: {e}");
        std::process::exit(2);
    }
    // Stay alive (idle) until the benchmark has read our figures and sends SIGTERM.
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// `bootstrap.servers`, with the client file's security settings when one is given.
fn base_config(
    kind: ClientKind,
    bootstrap: &str,
    client_file: Option<&String>,
) -> Result<ClientConfig, String> {
    let Some(file) = client_file else {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", bootstrap);
        return Ok(config);
    };
    let mut settings: BTreeMap<String, String> =
        tributary::java::properties::load_file(Path::new(file))
            .map_err(|e| format!("{file}: {e}"))?
            .into_iter()
            .collect();
    settings.remove("bootstrap.servers");
    client_config(kind, bootstrap, [&settings]).map_err(|e| format!("{file}: {e}"))
}

fn produce(mut config: ClientConfig, topic: &str, file: &str, format: &str) -> Result<(), String> {
    let json = format == "json";
    let producer: ThreadedProducer<DefaultProducerContext> = config
        .set("acks", "all")
        .set("linger.ms", "5")
        .create()
        .map_err(|e| e.to_string())?;
    let reader = BufReader::with_capacity(
        1 << 20,
        File::open(file).map_err(|e| format!("{file}: {e}"))?,
    );
    let mut value = Vec::new();
    for line in reader.split(b'\n') {
        let line = line.map_err(|e| e.to_string())?;
        value.clear();
        if json {
            let text = String::from_utf8(line).map_err(|e| e.to_string())?;
            value.extend_from_slice(br#"{"schema":{"type":"string","optional":false},"payload":"#);
            serde_json::to_writer(&mut value, &text).map_err(|e| e.to_string())?;
            value.push(b'}');
        } else {
            value.extend_from_slice(&line);
        }
        let mut record = BaseRecord::<(), [u8]>::to(topic).payload(&value);
        // A full queue is back-pressure, not an error: wait for deliveries and retry.
        while let Err((e, returned)) = producer.send(record) {
            if !matches!(
                e,
                rdkafka::error::KafkaError::MessageProduction(
                    rdkafka::types::RDKafkaErrorCode::QueueFull
                )
            ) {
                return Err(e.to_string());
            }
            std::thread::sleep(Duration::from_millis(1));
            record = returned;
        }
    }
    producer
        .flush(Duration::from_secs(120))
        .map_err(|e| e.to_string())
}

fn consume(
    mut config: ClientConfig,
    topic: &str,
    file: &str,
    count: u64,
    format: &str,
) -> Result<(), String> {
    let json = format == "json";
    let consumer: BaseConsumer = config
        .set("enable.auto.commit", "false")
        .set("group.id", "tributary-bench-raw")
        // The fetch-queue settings Tributary's sink consumers use (see
        // `runtime::kafka::sink_consumer_defaults`): with librdkafka's defaults a fast
        // reader waits up to 1 s whenever its 100k-record buffer was full.
        .set("queued.min.messages", "20000")
        .set("fetch.queue.backoff.ms", "10")
        .create()
        .map_err(|e| e.to_string())?;
    let mut partitions = TopicPartitionList::new();
    partitions
        .add_partition_offset(topic, 0, Offset::Beginning)
        .map_err(|e| e.to_string())?;
    consumer.assign(&partitions).map_err(|e| e.to_string())?;
    let mut out = BufWriter::with_capacity(
        256 * 1024,
        File::create(file).map_err(|e| format!("{file}: {e}"))?,
    );
    let mut seen = 0;
    while seen < count {
        match consumer.poll(Duration::from_millis(100)) {
            None => out.flush().map_err(|e| e.to_string())?,
            Some(Err(e)) => eprintln!("raw_client: consumer error: {e}"),
            Some(Ok(message)) => {
                let payload = message.payload().unwrap_or_default();
                if json {
                    let envelope: Envelope =
                        serde_json::from_slice(payload).map_err(|e| e.to_string())?;
                    out.write_all(envelope.payload.as_bytes())
                } else {
                    out.write_all(payload)
                }
                .and_then(|()| out.write_all(b"\n"))
                .map_err(|e| e.to_string())?;
                seen += 1;
            }
        }
    }
    out.flush().map_err(|e| e.to_string())
}
