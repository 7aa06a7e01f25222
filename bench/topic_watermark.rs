//! Waits until a topic's high watermark (summed over partitions) reaches a count, then
//! prints the seconds since the given start time (Unix seconds, fractional). Used by the
//! benchmark scripts to time "last record acknowledged" without a JVM tool per poll.
//!
//! Usage: topic_watermark BOOTSTRAP TOPIC COUNT START_UNIX_SECONDS

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, bootstrap, topic, count, start] = &args[..] else {
        eprintln!("usage: topic_watermark BOOTSTRAP TOPIC COUNT START_UNIX_SECONDS");
        std::process::exit(2);
    };
    let count: i64 = count.parse().expect("COUNT is a number");
    let start: f64 = start.parse().expect("START is a number");
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("consumer");
    loop {
        let total = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(5))
            .ok()
            .and_then(|metadata| {
                let partitions = metadata.topics().first()?.partitions().len() as i32;
                let mut sum = 0;
                for p in 0..partitions {
                    sum += consumer
                        .fetch_watermarks(topic, p, Duration::from_secs(5))
                        .ok()?
                        .1;
                }
                Some(sum)
            })
            .unwrap_or(0);
        if total >= count {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs_f64();
            println!("{:.3}", now - start);
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
