//! Converters: Connect data to Kafka bytes and back (`key.converter`, `value.converter`).
