//! What a sink task's consumer subscribes to: the `topics` list, or the topics whose whole
//! name matches `topics.regex` in Java's regex semantics.
//!
//! librdkafka has pattern subscriptions of its own (a topic starting with `^`), but it
//! matches in POSIX dialect and anywhere in the name, so `orders` would also take
//! `orders-dlq`, a sink's own dead-letter queue. Like Java's consumer, we list the
//! cluster's topics on each metadata refresh (`metadata.max.age.ms`), keep those
//! `Pattern.matcher(topic).matches()` would keep, and subscribe to exactly those.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{Consumer, ConsumerContext};
use rdkafka::error::KafkaError;

use crate::transforms::routing::java_regex::JavaRegex;

/// Topics Java's consumer leaves out of pattern subscriptions
/// (`exclude.internal.topics=true`).
const INTERNAL_TOPICS: [&str; 3] = [
    "__consumer_offsets",
    "__transaction_state",
    "__share_group_state",
];

/// How long one listing of the cluster's topics may take.
const METADATA_TIMEOUT: Duration = Duration::from_secs(5);

/// A sink's subscription.
#[derive(Clone, Debug)]
pub enum Subscription {
    /// `topics`.
    Topics(Vec<String>),
    /// `topics.regex`.
    Regex(JavaRegex),
}

/// The topics among `names` that `regex` matches whole, internal topics left out, sorted.
pub fn matching<'a>(regex: &JavaRegex, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut topics: Vec<String> = names
        .into_iter()
        .filter(|name| !INTERNAL_TOPICS.contains(name) && regex.matches(name))
        .map(str::to_owned)
        .collect();
    topics.sort();
    topics
}

/// Lists the cluster's topics through `consumer` (on a blocking thread: librdkafka
/// waits for the answer) and keeps those `regex` matches.
pub async fn matching_topics<C, X>(
    consumer: &Arc<C>,
    regex: &JavaRegex,
) -> Result<Vec<String>, KafkaError>
where
    C: Consumer<X> + Send + Sync + 'static,
    X: ConsumerContext + 'static,
{
    let consumer = consumer.clone();
    let names = tokio::task::spawn_blocking(move || {
        consumer
            .fetch_metadata(None, METADATA_TIMEOUT)
            .map(|metadata| {
                metadata
                    .topics()
                    .iter()
                    .map(|t| t.name().to_owned())
                    .collect::<Vec<String>>()
            })
    })
    .await
    .map_err(|_| KafkaError::Canceled)??;
    Ok(matching(regex, names.iter().map(String::as_str)))
}

/// Subscribes `consumer` to exactly `topics` (none: unsubscribed, as a Java consumer
/// whose pattern matches nothing).
pub fn subscribe<C, X>(consumer: &C, topics: &[String]) -> Result<(), KafkaError>
where
    C: Consumer<X>,
    X: ConsumerContext,
{
    if topics.is_empty() {
        consumer.unsubscribe();
        return Ok(());
    }
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regex_takes_whole_names_only_and_no_internal_topic() {
        let regex = JavaRegex::compile("topics.regex", "orders|.*offsets").unwrap();
        let topics = matching(
            &regex,
            [
                "orders-dlq",
                "orders",
                "old-orders",
                "__consumer_offsets",
                "offsets",
            ],
        );
        assert_eq!(topics, ["offsets", "orders"]);
    }
}
