package dev.tributary.testplugins;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * A Java source connector for the plugin host's lab tests (tests/suite/plugin_host.rs):
 * its task writes "0", "1", ... to `topic`, one record per poll, resuming after its stored
 * offset, and throws at poll `fail.at` (never when negative); the connector calls
 * `raiseError` after `raise.after.ms` (never when negative).
 */
public class FaultySource {
    private FaultySource() {}

    public static class Connector extends SourceConnector {
        static final ConfigDef CONFIG = new ConfigDef()
                .define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "Where the records go.")
                .define("fail.at", ConfigDef.Type.INT, -1, ConfigDef.Importance.LOW, "The poll that throws; negative: none.")
                .define("raise.after.ms", ConfigDef.Type.LONG, -1L, ConfigDef.Importance.LOW,
                        "After this long, the connector calls context.raiseError; negative: never.");
        private Map<String, String> config;

        @Override
        public String version() {
            return "1.0-test";
        }

        @Override
        public void start(Map<String, String> props) {
            config = props;
            long raiseAfter = Long.parseLong(props.getOrDefault("raise.after.ms", "-1"));
            if (raiseAfter >= 0) {
                Thread raiser = new Thread(() -> {
                    try {
                        Thread.sleep(raiseAfter);
                        context.raiseError(new ConnectException("raised by FaultySource's connector"));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                raiser.setDaemon(true);
                raiser.start();
            }
        }

        @Override
        public Class<? extends Task> taskClass() {
            return FaultyTask.class;
        }

        @Override
        public List<Map<String, String>> taskConfigs(int maxTasks) {
            List<Map<String, String>> configs = new ArrayList<>();
            configs.add(config);
            return configs;
        }

        @Override
        public void stop() {}

        @Override
        public ConfigDef config() {
            return CONFIG;
        }
    }

    public static class FaultyTask extends SourceTask {
        private String topic;
        private int failAt;
        private long next;
        private int polls;

        @Override
        public String version() {
            return "1.0-test";
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            failAt = Integer.parseInt(props.getOrDefault("fail.at", "-1"));
            Map<String, Object> stored = context.offsetStorageReader().offset(Map.of("source", "faulty"));
            next = stored == null ? 0 : (Long) stored.get("next");
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            Thread.sleep(100);
            if (polls++ == failAt) {
                throw new ConnectException("boom from FaultyTask at poll " + failAt);
            }
            long n = next++;
            return List.of(new SourceRecord(Map.of("source", "faulty"), Map.of("next", next), topic,
                    null, null, Schema.STRING_SCHEMA, Long.toString(n)));
        }

        @Override
        public void stop() {}
    }
}
