// Drives Apache Kafka Connect's own KafkaOffsetBackingStore (configured from a
// DistributedConfig, as a distributed worker does), OffsetStorageWriter and
// OffsetStorageReaderImpl, with the worker's internal JsonConverter (schemas disabled), for
// tests/suite/offset_topic.rs.
//
//   write BOOTSTRAP TOPIC CONNECTOR [PARTITION OFFSET]...
//        starts Apache's store on TOPIC (creating it when missing) and flushes each
//        PARTITION -> OFFSET (JSON objects; OFFSET may be the word null, a tombstone)
//        through Apache's OffsetStorageWriter, one flush per pair, in order
//   read BOOTSTRAP TOPIC CONNECTOR [PARTITION]...
//        starts Apache's store on TOPIC and prints, for each PARTITION, the line
//        "offset <offset JSON or null>" from OffsetStorageReaderImpl, then
//        "partitions <n>" from connectorPartitions(CONNECTOR)

import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.storage.KafkaOffsetBackingStore;
import org.apache.kafka.connect.storage.OffsetStorageReaderImpl;
import org.apache.kafka.connect.storage.OffsetStorageWriter;
import org.apache.kafka.connect.util.TopicAdmin;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

public class OffsetTopicParity {

    static JsonConverter internalConverter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Collections.singletonMap("schemas.enable", "false"), isKey);
        return converter;
    }

    static DistributedConfig config(String bootstrap, String topic) {
        Map<String, String> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("group.id", "offset-topic-parity");
        props.put("config.storage.topic", "offset-topic-parity-configs");
        props.put("status.storage.topic", "offset-topic-parity-status");
        props.put("offset.storage.topic", topic);
        // The lab has a single broker.
        props.put("offset.storage.replication.factor", "1");
        props.put("key.converter", JsonConverter.class.getName());
        props.put("value.converter", JsonConverter.class.getName());
        return new DistributedConfig(props);
    }

    static KafkaOffsetBackingStore start(String bootstrap, String topic) {
        DistributedConfig config = config(bootstrap, topic);
        Map<String, Object> adminProps = new HashMap<>(config.originals());
        adminProps.put("client.id", "offset-topic-parity-admin");
        TopicAdmin admin = new TopicAdmin(adminProps);
        KafkaOffsetBackingStore store =
                new KafkaOffsetBackingStore(() -> admin, () -> "offset-topic-parity-", internalConverter(true));
        store.configure(config);
        store.start();
        return store;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(JsonConverter converter, String json) {
        if (json.equals("null"))
            return null;
        return (Map<String, Object>) converter.toConnectData("", json.getBytes(StandardCharsets.UTF_8)).value();
    }

    static void write(String bootstrap, String topic, String connector, String[] pairs) throws Exception {
        JsonConverter keys = internalConverter(true);
        JsonConverter values = internalConverter(false);
        KafkaOffsetBackingStore store = start(bootstrap, topic);
        try {
            OffsetStorageWriter writer = new OffsetStorageWriter(store, connector, keys, values);
            for (int i = 0; i < pairs.length; i += 2) {
                writer.offset(parse(values, pairs[i]), parse(values, pairs[i + 1]));
                if (!writer.beginFlush())
                    throw new IllegalStateException("nothing to flush");
                writer.doFlush((error, result) -> {
                    if (error != null)
                        throw new RuntimeException(error);
                }).get();
            }
        } finally {
            store.stop();
        }
    }

    static void read(String bootstrap, String topic, String connector, String[] partitions) {
        JsonConverter keys = internalConverter(true);
        JsonConverter values = internalConverter(false);
        KafkaOffsetBackingStore store = start(bootstrap, topic);
        try {
            OffsetStorageReaderImpl reader = new OffsetStorageReaderImpl(store, connector, keys, values);
            for (String partition : partitions) {
                Map<String, Object> offset = reader.offset(parse(values, partition));
                String printed = offset == null
                        ? "null"
                        : new String(values.fromConnectData("", null, offset), StandardCharsets.UTF_8);
                System.out.println("offset " + printed);
            }
            System.out.println("partitions " + store.connectorPartitions(connector).size());
        } finally {
            store.stop();
        }
    }

    public static void main(String[] args) throws Exception {
        String[] rest = java.util.Arrays.copyOfRange(args, 4, args.length);
        switch (args[0]) {
            case "write":
                write(args[1], args[2], args[3], rest);
                break;
            case "read":
                read(args[1], args[2], args[3], rest);
                break;
            default:
                throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }
}
