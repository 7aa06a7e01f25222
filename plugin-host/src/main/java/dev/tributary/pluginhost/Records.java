package dev.tributary.pluginhost;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Records as they cross to Tributary (docs/plugin-host.md, "Record blocks"). Keys, values
 * and headers cross as Connect data in JsonConverter's schema-and-payload envelope, which
 * keeps every schema detail (names, versions, parameters, defaults, logical types), so that
 * Tributary's converters and transforms apply to them as Apache's would. Partitions and
 * offsets cross as the schemaless JSON Apache's offset store writes, byte for byte.
 */
final class Records {
    /** Lossless Connect data: no null replaced by a default, decimals as their bytes. */
    private final JsonConverter envelope = new JsonConverter();
    /** Source partitions and offsets, as Apache's offset store serializes them. */
    private final JsonConverter plain = new JsonConverter();
    /** Writes the envelopes JsonConverter refuses (see {@link #envelope}). */
    private final ObjectMapper mapper = new ObjectMapper();

    Records() {
        envelope.configure(Map.of("schemas.enable", "true", "replace.null.with.default", "false",
                "decimal.format", "BASE64", "converter.type", "value"));
        plain.configure(Map.of("schemas.enable", "false", "converter.type", "key"));
    }

    /** A partition or offset map as the offset store's JSON (null stays null). */
    byte[] offsetJson(Map<String, ?> map) {
        return map == null ? null : plain.fromConnectData("", null, map);
    }

    /** The map Apache's offset reader gives for stored JSON: integers are Longs. */
    @SuppressWarnings("unchecked")
    Map<String, Object> offsetMap(byte[] json) {
        if (json == null) {
            return null;
        }
        Object value = plain.toConnectData("", json).value();
        return value instanceof Map ? (Map<String, Object>) value : null;
    }

    /** i32 count, then each record: partition, offset, topic, kafka partition, timestamp, key, value, headers. */
    byte[] encodeSource(List<SourceRecord> records) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 * Math.max(1, records.size()));
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(records.size());
        for (SourceRecord record : records) {
            writeBytes(out, offsetJson(record.sourcePartition()));
            writeBytes(out, offsetJson(record.sourceOffset()));
            writeBytes(out, record.topic().getBytes(StandardCharsets.UTF_8));
            out.writeInt(record.kafkaPartition() == null ? -1 : record.kafkaPartition());
            writeTimestamp(out, record.timestamp());
            writeBytes(out, envelope(record.topic(), record.keySchema(), record.key()));
            writeBytes(out, envelope(record.topic(), record.valueSchema(), record.value()));
            writeHeaders(out, record.topic(), record.headers());
        }
        out.flush();
        return bytes.toByteArray();
    }

    /** The inverse of Tributary's sink block: i32 count, then topic, partition, offset, timestamp type, timestamp, key, value, headers. */
    List<SinkRecord> decodeSink(byte[] block) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(block));
        int count = in.readInt();
        List<SinkRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String topic = new String(readBytes(in), StandardCharsets.UTF_8);
            int partition = in.readInt();
            long offset = in.readLong();
            TimestampType timestampType = switch (in.readByte()) {
                case 1 -> TimestampType.CREATE_TIME;
                case 2 -> TimestampType.LOG_APPEND_TIME;
                default -> TimestampType.NO_TIMESTAMP_TYPE;
            };
            Long timestamp = readTimestamp(in);
            SchemaAndValue key = envelope.toConnectData(topic, readBytes(in));
            SchemaAndValue value = envelope.toConnectData(topic, readBytes(in));
            ConnectHeaders headers = readHeaders(in, topic);
            records.add(new SinkRecord(topic, partition, key.schema(), key.value(), value.schema(),
                    value.value(), offset, timestamp, timestampType, headers));
        }
        return records;
    }

    private void writeHeaders(DataOutputStream out, String topic, Iterable<Header> headers) throws IOException {
        List<Header> all = new ArrayList<>();
        headers.forEach(all::add);
        out.writeInt(all.size());
        for (Header header : all) {
            writeBytes(out, header.key().getBytes(StandardCharsets.UTF_8));
            writeBytes(out, envelope(topic, header.schema(), header.value()));
        }
    }

    /**
     * Connect data in its envelope. A null with a required schema is legal in a record
     * (MirrorMaker 2 gives a tombstone's null value with Schema.BYTES_SCHEMA; Apache's worker
     * hands it to the converter as it is, and ByteArrayConverter writes a null), but
     * JsonConverter refuses to write it: it crosses as the envelope of its schema with a null
     * payload, which Tributary reads back as that null with that schema.
     */
    private byte[] envelope(String topic, Schema schema, Object value) throws IOException {
        if (value == null && schema != null && !schema.isOptional()) {
            ObjectNode node = mapper.createObjectNode();
            node.set("schema", envelope.asJsonSchema(schema));
            node.putNull("payload");
            return mapper.writeValueAsBytes(node);
        }
        return envelope.fromConnectData(topic, schema, value);
    }

    private ConnectHeaders readHeaders(DataInputStream in, String topic) throws IOException {
        ConnectHeaders headers = new ConnectHeaders();
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            String key = new String(readBytes(in), StandardCharsets.UTF_8);
            SchemaAndValue value = envelope.toConnectData(topic, readBytes(in));
            headers.add(key, value);
        }
        return headers;
    }

    private static void writeTimestamp(DataOutputStream out, Long timestamp) throws IOException {
        out.writeByte(timestamp == null ? 0 : 1);
        out.writeLong(timestamp == null ? 0 : timestamp);
    }

    private static Long readTimestamp(DataInputStream in) throws IOException {
        boolean present = in.readByte() != 0;
        long value = in.readLong();
        return present ? value : null;
    }

    /** i32 length, -1 for null, then the bytes. */
    static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        if (bytes == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }
}
