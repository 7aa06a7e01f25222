// Drives Apache Kafka Connect's own FileOffsetBackingStore and OffsetStorageWriter, with
// the worker's internal JsonConverter (schemas disabled), for tests/suite/offset_file_parity.rs.
//
//   write FILE   stores the fixture offsets (the same ones the Rust test builds) through
//                Apache's OffsetStorageWriter into FILE, then deletes one with a null offset
//   dump FILE CONNECTOR...
//                loads FILE with Apache's FileOffsetBackingStore and prints every entry as
//                "entry <key hex> <value hex|null>", sorted, then
//                "partitions <connector hex> <count>" from connectorPartitions()

import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.storage.FileOffsetBackingStore;
import org.apache.kafka.connect.storage.OffsetStorageWriter;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class OffsetFileParity {

    /** Exposes the loaded bytes, which Apache keeps in a protected field. */
    static class InspectableStore extends FileOffsetBackingStore {
        InspectableStore() {
            super(internalConverter(true));
        }

        Map<ByteBuffer, ByteBuffer> entries() {
            return data;
        }
    }

    static JsonConverter internalConverter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Collections.singletonMap("schemas.enable", "false"), isKey);
        return converter;
    }

    static StandaloneConfig config(String file) {
        Map<String, String> props = new HashMap<>();
        props.put("bootstrap.servers", "localhost:9092");
        props.put("key.converter", JsonConverter.class.getName());
        props.put("value.converter", JsonConverter.class.getName());
        props.put("offset.storage.file.filename", file);
        return new StandaloneConfig(props);
    }

    static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2)
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return map;
    }

    static void flush(OffsetStorageWriter writer) throws Exception {
        if (!writer.beginFlush())
            throw new IllegalStateException("nothing to flush");
        writer.doFlush((error, result) -> {
            if (error != null)
                throw new RuntimeException(error);
        }).get();
    }

    static void write(String file) throws Exception {
        FileOffsetBackingStore store = new FileOffsetBackingStore(internalConverter(true));
        store.configure(config(file));
        store.start();
        try {
            // Keep in sync with fixtures() in tests/suite/offset_file_parity.rs.
            OffsetStorageWriter fileSource = writer(store, "local-file-source");
            fileSource.offset(map("filename", "/tmp/source.txt"), map("position", 42L));
            flush(fileSource);

            OffsetStorageWriter unicode = writer(store, "ünïcødé-connector");
            unicode.offset(map("filename", "/données/日本語 😀.txt"), map("position", 9007199254740993L));
            flush(unicode);

            OffsetStorageWriter multi = writer(store, "multi");
            multi.offset(map("db", "orders", "table", "line_items", "shard", 3, "active", true),
                map("lsn", 123456789012L, "ratio", 0.5, "big", 1.0E10, "small", 1.0E-5,
                    "text", "tab\tquote\"ctrl\u001f", "none", null));
            multi.offset(map("db", "orders", "table", "metrics", "scale", 1.0E10), map("lsn", 5));
            multi.offset(map("db", "orders", "table", "gone"), map("lsn", 1));
            flush(multi);
            multi.offset(map("db", "orders", "table", "gone"), null);
            flush(multi);

            OffsetStorageWriter many = writer(store, "many");
            for (int i = 0; i < 300; i++)
                many.offset(map("i", i), map("offset", i * 7L));
            flush(many);

            OffsetStorageWriter large = writer(store, "large");
            large.offset(map("blob", "x"), map("data", "y".repeat(100_000)));
            flush(large);
        } finally {
            store.stop();
        }
    }

    static OffsetStorageWriter writer(FileOffsetBackingStore store, String connector) {
        return new OffsetStorageWriter(store, connector, internalConverter(true), internalConverter(false));
    }

    static void dump(String file, List<String> connectors) {
        InspectableStore store = new InspectableStore();
        store.configure(config(file));
        store.start();
        try {
            List<String> lines = new ArrayList<>();
            for (Map.Entry<ByteBuffer, ByteBuffer> entry : store.entries().entrySet()) {
                String value = entry.getValue() == null ? "null" : hex(entry.getValue().array());
                lines.add("entry " + hex(entry.getKey().array()) + " " + value);
            }
            Collections.sort(lines);
            for (String connector : connectors)
                lines.add("partitions " + hex(connector.getBytes(StandardCharsets.UTF_8)) + " "
                    + store.connectorPartitions(connector).size());
            System.out.println(String.join("\n", lines));
        } finally {
            store.stop();
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length * 2);
        for (byte b : bytes)
            out.append(String.format("%02x", b));
        return out.toString();
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "write":
                write(args[1]);
                break;
            case "dump":
                dump(args[1], List.of(args).subList(2, args.length));
                break;
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }
}
