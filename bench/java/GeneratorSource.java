package dev.tributary.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * A Java source connector that costs nothing itself, for bench/plugin_host_bench: its task
 * returns `records` string records of `size` bytes, in batches of `batch`, then nothing.
 * On Apache the records stay in the JVM; on Tributary they cross to the runtime, so the
 * difference is the plugin host's crossing.
 */
public class GeneratorSource {
    private GeneratorSource() {}

    public static class Connector extends SourceConnector {
        private Map<String, String> config;

        @Override
        public String version() {
            return "1.0-bench";
        }

        @Override
        public void start(Map<String, String> props) {
            config = props;
        }

        @Override
        public Class<? extends Task> taskClass() {
            return GeneratorTask.class;
        }

        @Override
        public List<Map<String, String>> taskConfigs(int maxTasks) {
            return List.of(config);
        }

        @Override
        public void stop() {}

        @Override
        public ConfigDef config() {
            return new ConfigDef()
                    .define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "Where the records go.")
                    .define("records", ConfigDef.Type.LONG, ConfigDef.Importance.HIGH, "How many.")
                    .define("size", ConfigDef.Type.INT, 100, ConfigDef.Importance.LOW, "Value bytes.")
                    .define("batch", ConfigDef.Type.INT, 1000, ConfigDef.Importance.LOW, "Records per poll.");
        }
    }

    public static class GeneratorTask extends SourceTask {
        private static final Map<String, String> PARTITION = Map.of("generator", "0");
        private String topic;
        private long records;
        private int batch;
        private String payload;
        private long next;

        @Override
        public String version() {
            return "1.0-bench";
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            records = Long.parseLong(props.get("records"));
            batch = Integer.parseInt(props.getOrDefault("batch", "1000"));
            char[] filler = new char[Integer.parseInt(props.getOrDefault("size", "100")) - 8];
            Arrays.fill(filler, 'x');
            payload = new String(filler);
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (next >= records) {
                Thread.sleep(100);
                return null;
            }
            int count = (int) Math.min(batch, records - next);
            List<SourceRecord> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++, next++) {
                out.add(new SourceRecord(PARTITION, Map.of("n", next + 1), topic, null, null,
                        Schema.STRING_SCHEMA, String.format("%08d", next % 100_000_000) + payload));
            }
            return out;
        }

        @Override
        public void stop() {}
    }
}
