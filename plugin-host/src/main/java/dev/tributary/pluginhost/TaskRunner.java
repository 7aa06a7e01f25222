package dev.tributary.pluginhost;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.source.TransactionContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/**
 * One running task. Its calls run on its task thread, in order, as on Apache's
 * WorkerTask thread; a source task's commit and stop run beside it (Apache calls them from
 * other threads while poll may block, and SourceTask.stop must be able to interrupt poll).
 */
final class TaskRunner {
    private final Host host;
    private final String id;
    private final String connector;
    private final Task task;
    private final ExecutorService thread;
    private final ExecutorService side;
    private final Records records = new Records();
    private final SinkContext sinkContext = new SinkContext();
    private Map<String, String> config = Map.of();
    /** Polled records until Tributary reports them acknowledged or dropped, by their place in all polled records. */
    private final Map<Long, SourceRecord> uncommitted = new ConcurrentHashMap<>();
    private long polled;
    /** Kafka's RecordBatch.NO_TIMESTAMP. */
    private static final long NO_TIMESTAMP = -1L;

    TaskRunner(Host host, String id, String connector, Connector plugin) {
        this.host = host;
        this.id = id;
        this.connector = connector;
        ClassLoader loader = plugin.getClass().getClassLoader();
        this.task = host.plugins().newTask(plugin.taskClass());
        this.thread = Threads.single("task-thread-" + id, loader);
        this.side = Threads.single("task-side-" + id, loader);
    }

    void submit(String op, Runnable call) {
        boolean beside = task instanceof SourceTask
                && (op.equals("task.commit") || op.equals("task.commitRecords") || op.equals("task.stop"));
        (beside ? side : thread).execute(call);
    }

    <T> T callOnThread(Callable<T> call) throws Throwable {
        try {
            return thread.submit(call).get();
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    Host.Answer start(Map<String, String> config) {
        this.config = config;
        if (task instanceof SourceTask source) {
            OffsetStorageReader reader = new RemoteOffsetReader(host, connector);
            source.initialize(new SourceTaskContext() {
                @Override
                public Map<String, String> configs() {
                    return TaskRunner.this.config;
                }

                @Override
                public OffsetStorageReader offsetStorageReader() {
                    return reader;
                }

                @Override
                public TransactionContext transactionContext() {
                    return null;
                }

                @Override
                public PluginMetrics pluginMetrics() {
                    return metrics();
                }
            });
        } else {
            ((SinkTask) task).initialize(sinkContext);
        }
        task.start(config);
        ObjectNode answer = host.json.createObjectNode();
        answer.put("version", task.version());
        answer.put("type", task instanceof SourceTask ? "source" : "sink");
        return Host.Answer.of(answer);
    }

    Host.Answer handle(String op, JsonNode request, byte[] block) throws Exception {
        switch (op) {
            case "task.poll" -> {
                List<SourceRecord> batch = ((SourceTask) task).poll();
                int count = batch == null ? 0 : batch.size();
                for (int i = 0; i < count; i++) {
                    uncommitted.put(polled++, batch.get(i));
                }
                ObjectNode answer = host.json.createObjectNode().put("count", count);
                return new Host.Answer(answer, count == 0 ? null : records.encodeSource(batch));
            }
            case "task.commitRecords" -> {
                SourceTask source = (SourceTask) task;
                for (JsonNode entry : request.path("records")) {
                    SourceRecord record = uncommitted.remove(entry.get(0).asLong());
                    if (record == null) {
                        continue;
                    }
                    RecordMetadata metadata = null;
                    if (entry.size() > 1) {
                        JsonNode timestamp = entry.get(4);
                        metadata = new RecordMetadata(new TopicPartition(entry.get(1).asText(), entry.get(2).asInt()),
                                entry.get(3).asLong(), 0,
                                timestamp == null || timestamp.isNull() ? NO_TIMESTAMP : timestamp.asLong(),
                                -1, -1);
                    }
                    source.commitRecord(record, metadata);
                }
                return Host.Answer.of(host.json.createObjectNode());
            }
            case "task.commit" -> {
                ((SourceTask) task).commit();
                return Host.Answer.of(host.json.createObjectNode());
            }
            case "task.open" -> {
                List<TopicPartition> partitions = partitions(request.path("partitions"));
                sinkContext.assigned.addAll(partitions);
                ((SinkTask) task).open(partitions);
                return withRequests(host.json.createObjectNode());
            }
            case "task.close" -> {
                List<TopicPartition> partitions = partitions(request.path("partitions"));
                ((SinkTask) task).close(partitions);
                partitions.forEach(sinkContext.assigned::remove);
                return withRequests(host.json.createObjectNode());
            }
            case "task.put" -> {
                ((SinkTask) task).put(records.decodeSink(block));
                return withRequests(host.json.createObjectNode());
            }
            case "task.preCommit" -> {
                Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
                for (JsonNode entry : request.path("offsets")) {
                    offsets.put(new TopicPartition(entry.get(0).asText(), entry.get(1).asInt()),
                            new OffsetAndMetadata(entry.get(2).asLong()));
                }
                Map<TopicPartition, OffsetAndMetadata> committable = ((SinkTask) task).preCommit(offsets);
                ObjectNode answer = host.json.createObjectNode();
                ArrayNode list = answer.putArray("offsets");
                if (committable != null) {
                    committable.forEach((tp, offset) -> list.addArray()
                            .add(tp.topic()).add(tp.partition()).add(offset.offset()));
                }
                return withRequests(answer);
            }
            case "task.stop" -> {
                try {
                    task.stop();
                } finally {
                    host.forgetTask(id, this);
                    thread.shutdown();
                    side.shutdown();
                }
                return Host.Answer.of(host.json.createObjectNode());
            }
            default -> throw new IllegalArgumentException("Unknown task request " + op);
        }
    }

    private PluginMetrics metrics() {
        return host.pluginMetrics(Map.of("connector", connector, "task", id));
    }

    void shutdown() {
        host.forgetTask(id, this);
        thread.shutdownNow();
        side.shutdownNow();
    }

    private Host.Answer withRequests(ObjectNode answer) {
        answer.set("requests", sinkContext.drain());
        return Host.Answer.of(answer);
    }

    private static List<TopicPartition> partitions(JsonNode list) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (JsonNode entry : list) {
            partitions.add(new TopicPartition(entry.get(0).asText(), entry.get(1).asInt()));
        }
        return partitions;
    }

    /**
     * Apache's SinkTaskContext: what the task asks for is kept and handed to Tributary with
     * the answer of the call during which it asked, which applies it before the next put.
     */
    private final class SinkContext implements SinkTaskContext {
        final Set<TopicPartition> assigned = new HashSet<>();
        private final Map<TopicPartition, Long> offsets = new HashMap<>();
        private final Set<TopicPartition> paused = new HashSet<>();
        private final Set<TopicPartition> resumed = new HashSet<>();
        private Long timeoutMs;
        private boolean commit;

        @Override
        public Map<String, String> configs() {
            return config;
        }

        @Override
        public synchronized void offset(Map<TopicPartition, Long> offsets) {
            this.offsets.putAll(offsets);
        }

        @Override
        public synchronized void offset(TopicPartition tp, long offset) {
            offsets.put(tp, offset);
        }

        @Override
        public synchronized void timeout(long timeoutMs) {
            this.timeoutMs = timeoutMs;
        }

        @Override
        public Set<TopicPartition> assignment() {
            return Set.copyOf(assigned);
        }

        @Override
        public synchronized void pause(TopicPartition... partitions) {
            paused.addAll(Arrays.asList(partitions));
            Arrays.asList(partitions).forEach(resumed::remove);
        }

        @Override
        public synchronized void resume(TopicPartition... partitions) {
            resumed.addAll(Arrays.asList(partitions));
            Arrays.asList(partitions).forEach(paused::remove);
        }

        @Override
        public synchronized void requestCommit() {
            commit = true;
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return metrics();
        }

        @Override
        public ErrantRecordReporter errantRecordReporter() {
            // Not offered yet (docs/plugin-host.md); Apache allows null, and plugins check.
            return null;
        }

        synchronized ObjectNode drain() {
            ObjectNode requests = host.json.createObjectNode();
            ArrayNode offsetList = requests.putArray("offsets");
            offsets.forEach((tp, offset) -> offsetList.addArray().add(tp.topic()).add(tp.partition()).add(offset));
            ArrayNode pausedList = requests.putArray("pause");
            paused.forEach(tp -> pausedList.addArray().add(tp.topic()).add(tp.partition()));
            ArrayNode resumedList = requests.putArray("resume");
            resumed.forEach(tp -> resumedList.addArray().add(tp.topic()).add(tp.partition()));
            if (timeoutMs != null) {
                requests.put("timeoutMs", timeoutMs);
            }
            requests.put("commit", commit);
            offsets.clear();
            paused.clear();
            resumed.clear();
            timeoutMs = null;
            commit = false;
            return requests;
        }
    }
}
