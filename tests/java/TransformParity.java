// Runs Apache Kafka's own transformation chain over the case files that
// tests/suite/transforms_parity.rs runs through ours, and prints what comes out.
//
//   java TransformParity CASE_FILE...
//
// A case file is a JSON array of cases (or one case object):
//
//   { "name": "...",
//     "config": { "transforms": "r", "transforms.r.type": "...", "predicates": "...", ... },
//     "records": [ { "topic": "t", "partition": 0, "timestamp": 1700000000000,
//                    "key": <envelope or null>, "value": <envelope or null>,
//                    "headers": [ { "key": "h", "value": <envelope or null> } ] } ] }
//
// Keys, values and header values are JsonConverter envelopes (schemas.enable=true,
// {"schema": ..., "payload": ...}; a null schema is schemaless data). "partition",
// "timestamp" and "headers" may be left out (null, null, none). A record with an "offset"
// is a SinkRecord with that kafkaOffset (partition 0 when left out), else a SourceRecord. The config gets
// name=transform-parity and connector.class=FileStreamSource unless it sets them.
//
// The chain is built exactly as a worker builds it: Apache's ConnectorConfig (with the
// transform and predicate definitions enriched from the plugins on the class path), then
// ConnectorConfig.transformationStages(), each stage applying its predicate (and negate).
//
// Output, per case: a line "CASE<TAB><file><TAB><name>", then either one line
// {"error":"<message>"} when the chain cannot be built, or one line per record:
//   {"topic":..,"partition":..,"timestamp":..,"key":<envelope>,"value":<envelope>,
//    "headers":[{"key":..,"value":<envelope>}]}
// with the envelopes written by JsonConverter (schemas.enable=true), `null` when the chain
// dropped the record, or {"error":"<message>"} when a stage failed on it. The message is the
// thrown exception's, past the wrappers that only repeat their cause (Apache wraps config
// errors into `new ConnectException(e)`).
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.ConnectMetrics;
import org.apache.kafka.connect.runtime.ConnectorConfig;
import org.apache.kafka.connect.runtime.TransformationStage;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.util.ConnectorTaskId;

public class TransformParity {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonConverter CONVERTER = new JsonConverter();

    public static void main(String[] args) throws Exception {
        CONVERTER.configure(Map.of("schemas.enable", "true"), false);
        Plugins plugins = new Plugins(Map.of("plugin.discovery", "service_load"));
        Map<String, String> worker = new HashMap<>();
        worker.put("bootstrap.servers", "127.0.0.1:9");
        worker.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        worker.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        worker.put("offset.storage.file.filename", new File(System.getProperty("java.io.tmpdir"), "transform-parity.offsets").getPath());
        ConnectMetrics metrics = new ConnectMetrics("transform-parity", new StandaloneConfig(worker), Time.SYSTEM, "parity");
        StringBuilder out = new StringBuilder();
        for (String file : args) {
            JsonNode root = MAPPER.readTree(new File(file));
            List<JsonNode> cases = new ArrayList<>();
            if (root.isArray()) root.forEach(cases::add); else cases.add(root);
            for (JsonNode c : cases) {
                out.append("CASE\t").append(new File(file).getName()).append('\t').append(c.get("name").asText()).append('\n');
                runCase(plugins, metrics, c, out);
            }
        }
        metrics.stop();
        System.out.print(out);
        System.out.flush();
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    static void runCase(Plugins plugins, ConnectMetrics metrics, JsonNode c, StringBuilder out) throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("name", "transform-parity");
        props.put("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector");
        c.get("config").fields().forEachRemaining(e -> props.put(e.getKey(), e.getValue().asText()));
        // Raw types: one chain serves source and sink records alike.
        List<TransformationStage> stages;
        try {
            ConnectorConfig config = new ConnectorConfig(plugins, props);
            // Erased at run time, so the stages take SinkRecords too.
            stages = (List) config.<SourceRecord>transformationStages(plugins, new ConnectorTaskId("transform-parity", 0), metrics);
        } catch (Throwable e) {
            out.append(error(e)).append('\n');
            return;
        }
        JsonNode records = c.get("records");
        if (records != null) {
            for (JsonNode r : records) {
                String line;
                try {
                    line = describe(run(stages, toRecord(r)));
                } catch (Throwable e) {
                    line = error(e);
                }
                out.append(line).append('\n');
            }
        }
        for (TransformationStage stage : stages) stage.close();
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    static ConnectRecord run(List<TransformationStage> stages, ConnectRecord record) {
        for (TransformationStage stage : stages) {
            record = stage.apply(record);
            if (record == null) return null;
        }
        return record;
    }

    static SchemaAndValue read(String topic, JsonNode envelope) throws Exception {
        if (envelope == null || envelope.isNull()) return SchemaAndValue.NULL;
        return CONVERTER.toConnectData(topic, MAPPER.writeValueAsBytes(envelope));
    }

    static ConnectRecord<?> toRecord(JsonNode r) throws Exception {
        String topic = r.get("topic").asText();
        Integer partition = present(r, "partition") ? r.get("partition").asInt() : null;
        Long timestamp = present(r, "timestamp") ? r.get("timestamp").asLong() : null;
        SchemaAndValue key = read(topic, r.get("key"));
        SchemaAndValue value = read(topic, r.get("value"));
        ConnectHeaders headers = new ConnectHeaders();
        if (r.has("headers")) {
            for (JsonNode h : r.get("headers")) {
                SchemaAndValue hv = read(topic, h.get("value"));
                headers.add(h.get("key").asText(), hv.value(), hv.schema());
            }
        }
        if (present(r, "offset")) {
            return new SinkRecord(topic, partition == null ? 0 : partition, key.schema(), key.value(),
                value.schema(), value.value(), r.get("offset").asLong(), timestamp,
                timestamp == null ? TimestampType.NO_TIMESTAMP_TYPE : TimestampType.CREATE_TIME, headers);
        }
        return new SourceRecord(Map.of("p", 1), Map.of("o", 1), topic, partition,
            key.schema(), key.value(), value.schema(), value.value(), timestamp, headers);
    }

    static boolean present(JsonNode r, String field) {
        return r.has(field) && !r.get(field).isNull();
    }

    static String envelope(String topic, org.apache.kafka.connect.data.Schema schema, Object value) {
        byte[] bytes = CONVERTER.fromConnectData(topic, schema, value);
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }

    static String describe(ConnectRecord<?> record) throws Exception {
        if (record == null) return "null";
        StringBuilder s = new StringBuilder("{\"topic\":").append(MAPPER.writeValueAsString(record.topic()))
            .append(",\"partition\":").append(record.kafkaPartition())
            .append(",\"timestamp\":").append(record.timestamp())
            .append(",\"key\":").append(envelope(record.topic(), record.keySchema(), record.key()))
            .append(",\"value\":").append(envelope(record.topic(), record.valueSchema(), record.value()))
            .append(",\"headers\":[");
        boolean first = true;
        for (Header h : record.headers()) {
            if (!first) s.append(',');
            first = false;
            s.append("{\"key\":").append(MAPPER.writeValueAsString(h.key()))
                .append(",\"value\":").append(envelope(record.topic(), h.schema(), h.value())).append('}');
        }
        return s.append("]}").toString();
    }

    static String error(Throwable e) throws Exception {
        // Skip the wrappers that only repeat their cause (Apache's `new ConnectException(e)`),
        // keep the first exception that says something of its own.
        Throwable inner = e;
        while (inner.getCause() != null && inner.getCause() != inner
                && String.valueOf(inner.getMessage()).equals(inner.getCause().toString())) {
            inner = inner.getCause();
        }
        String message = inner.getMessage() != null ? inner.getMessage() : inner.getClass().getName();
        return "{\"error\":" + MAPPER.writeValueAsString(message) + "}";
    }
}
