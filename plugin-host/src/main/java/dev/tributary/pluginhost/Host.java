package dev.tributary.pluginhost;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.AbstractHerder;
import org.apache.kafka.connect.runtime.isolation.LoaderSwap;
import org.apache.kafka.connect.runtime.isolation.PluginDesc;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfos;
import org.apache.kafka.connect.runtime.rest.entities.ConfigKeyInfo;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves Tributary's requests: plugin listing and config tables, validation, and the
 * lifecycle of connectors and tasks. Calls into one connector or task run on that
 * instance's own thread, in the order they arrived, as Apache's runtime calls them; requests
 * about plugins in general run on a shared pool.
 */
final class Host {
    private static final Logger log = LoggerFactory.getLogger(Host.class);
    /** How long an offset read waits for Tributary before the plugin sees a failure. */
    private static final long CALL_TIMEOUT_MINUTES = 5;

    /** A request's answer: its JSON and, for record batches, a block. */
    record Answer(Object json, byte[] block) {
        static Answer of(Object json) {
            return new Answer(json, null);
        }
    }

    @FunctionalInterface
    interface Call {
        Answer run() throws Throwable;
    }

    final ObjectMapper json = new ObjectMapper();
    /** Plugins' own metrics (KIP-877); kept in the host, not exported yet. */
    final Metrics metrics = new Metrics();
    private final Wire wire;
    private final ExecutorService shared = Executors.newCachedThreadPool(Threads.named("host-requests"));
    private final Map<String, ConnectorRunner> connectors = new ConcurrentHashMap<>();
    private final Map<String, TaskRunner> tasks = new ConcurrentHashMap<>();
    private final AtomicLong callIds = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    private volatile Plugins plugins;

    Host(Wire wire) {
        this.wire = wire;
    }

    void serve() throws IOException {
        Wire.Frame frame;
        while ((frame = wire.read()) != null) {
            switch (frame.type()) {
                case Wire.REQUEST -> dispatch(frame);
                case Wire.REPLY -> {
                    CompletableFuture<JsonNode> call = calls.remove(frame.id());
                    if (call != null) {
                        call.complete(json.readTree(frame.json()));
                    }
                }
                default -> log.warn("ignoring a frame of unknown type {}", frame.type());
            }
        }
    }

    Plugins plugins() {
        return plugins;
    }

    private void dispatch(Wire.Frame frame) throws IOException {
        JsonNode request = json.readTree(frame.json());
        String op = request.path("op").asText();
        long id = frame.id();
        byte[] block = frame.block();
        if (op.startsWith("task.") && !op.equals("task.start")) {
            TaskRunner task = tasks.get(request.path("task").asText());
            if (task == null) {
                fail(id, new ConnectException("No task " + request.path("task").asText() + " runs in the plugin host"));
                return;
            }
            task.submit(op, () -> respond(id, () -> task.handle(op, request, block)));
            return;
        }
        if (op.startsWith("connector.") && !op.equals("connector.start") && !op.equals("connector.alterOffsets")) {
            ConnectorRunner connector = connectors.get(request.path("connector").asText());
            if (connector == null) {
                fail(id, new ConnectException("No connector " + request.path("connector").asText() + " runs in the plugin host"));
                return;
            }
            connector.submit(() -> respond(id, () -> connector.handle(op, request)));
            return;
        }
        shared.execute(() -> respond(id, () -> handle(op, request)));
    }

    private Answer handle(String op, JsonNode request) throws Throwable {
        return switch (op) {
            case "init" -> init(request);
            case "describe" -> describe(request.path("class").asText());
            case "validate" -> validate(request.path("class").asText(), stringMap(request.path("config")));
            case "connector.start" -> startConnector(request);
            case "connector.alterOffsets" -> alterOffsets(request);
            case "task.start" -> startTask(request);
            default -> throw new ConnectException("Unknown plugin host request " + op);
        };
    }

    /** Scans plugin.path as Apache's worker does (plugin.path, plugin.discovery from the worker config). */
    private Answer init(JsonNode request) {
        plugins = new Plugins(stringMap(request.path("worker")));
        ObjectNode listing = json.createObjectNode();
        listing.put("kafkaVersion", org.apache.kafka.common.utils.AppInfoParser.getVersion());
        ArrayNode connectorList = listing.putArray("connectors");
        addDescs(connectorList, plugins.sinkConnectors(), "sink");
        addDescs(connectorList, plugins.sourceConnectors(), "source");
        addDescs(listing.putArray("transformations"), plugins.transformations(), "transformation");
        addDescs(listing.putArray("predicates"), plugins.predicates(), "predicate");
        addDescs(listing.putArray("converters"), plugins.converters(), "converter");
        addDescs(listing.putArray("headerConverters"), plugins.headerConverters(), "header_converter");
        return Answer.of(listing);
    }

    private static void addDescs(ArrayNode into, Set<? extends PluginDesc<?>> descs, String type) {
        for (PluginDesc<?> desc : descs) {
            ObjectNode node = into.addObject();
            node.put("class", desc.className());
            node.put("type", type);
            node.put("version", desc.version());
            node.put("location", desc.location());
        }
    }

    /** A plugin's own ConfigDef as Apache's REST API shows it (AbstractHerder.convertConfigKey). */
    private Answer describe(String className) throws Exception {
        Object plugin = newPlugin(className);
        try (LoaderSwap swap = plugins.withClassLoader(plugin.getClass().getClassLoader())) {
            ConfigDef def = configDef(plugin);
            List<ConfigKeyInfo> keys = new ArrayList<>();
            for (ConfigDef.ConfigKey key : def.configKeys().values()) {
                keys.add(AbstractHerder.convertConfigKey(key));
            }
            ObjectNode answer = json.createObjectNode();
            answer.set("keys", json.valueToTree(keys));
            answer.set("groups", json.valueToTree(def.groups()));
            return Answer.of(answer);
        } finally {
            closeQuietly(plugin);
        }
    }

    /** Connector.validate and the connector's ConfigDef, as Apache's herder turns them into ConfigInfos. */
    private Answer validate(String className, Map<String, String> config) throws Exception {
        Connector connector = plugins.newConnector(className);
        try (LoaderSwap swap = plugins.withClassLoader(connector.getClass().getClassLoader())) {
            ConfigDef def = connector.config();
            Config result = connector.validate(config);
            ConfigInfos infos = AbstractHerder.generateResult(className, def.configKeys(),
                    result.configValues(), def.groups());
            return Answer.of(json.valueToTree(infos));
        }
    }

    private Answer startConnector(JsonNode request) throws Throwable {
        String name = request.path("connector").asText();
        ConnectorRunner previous = connectors.remove(name);
        if (previous != null) {
            previous.shutdown();
        }
        ConnectorRunner runner = new ConnectorRunner(this, name, request.path("class").asText());
        connectors.put(name, runner);
        try {
            return runner.callOnThread(() -> runner.start(stringMap(request.path("config"))));
        } catch (Throwable t) {
            connectors.remove(name, runner);
            runner.shutdown();
            throw t;
        }
    }

    void forgetConnector(String name, ConnectorRunner runner) {
        connectors.remove(name, runner);
    }

    /** A fresh instance, as Apache's alterConnectorOffsets uses. */
    private Answer alterOffsets(JsonNode request) throws Exception {
        String className = request.path("class").asText();
        Connector connector = plugins.newConnector(className);
        Map<String, String> config = stringMap(request.path("config"));
        try (LoaderSwap swap = plugins.withClassLoader(connector.getClass().getClassLoader())) {
            boolean handled;
            if (connector instanceof SourceConnector source) {
                Map<Map<String, ?>, Map<String, ?>> offsets = new LinkedHashMap<>();
                Records records = new Records();
                for (JsonNode entry : request.path("offsets")) {
                    Map<String, Object> partition = records.offsetMap(bytes(entry.get(0)));
                    offsets.put(partition, records.offsetMap(bytes(entry.get(1))));
                }
                handled = source.alterOffsets(config, offsets);
            } else {
                Map<org.apache.kafka.common.TopicPartition, Long> offsets = new HashMap<>();
                for (JsonNode entry : request.path("offsets")) {
                    JsonNode offset = entry.get(2);
                    offsets.put(new org.apache.kafka.common.TopicPartition(entry.get(0).asText(), entry.get(1).asInt()),
                            offset == null || offset.isNull() ? null : offset.asLong());
                }
                handled = ((SinkConnector) connector).alterOffsets(config, offsets);
            }
            return Answer.of(json.createObjectNode().put("handled", handled));
        }
    }

    private Answer startTask(JsonNode request) throws Throwable {
        String id = request.path("task").asText();
        TaskRunner previous = tasks.remove(id);
        if (previous != null) {
            previous.shutdown();
        }
        Connector connector = plugins.newConnector(request.path("class").asText());
        TaskRunner runner = new TaskRunner(this, id, request.path("connector").asText(), connector);
        tasks.put(id, runner);
        try {
            return runner.callOnThread(() -> runner.start(stringMap(request.path("config"))));
        } catch (Throwable t) {
            tasks.remove(id, runner);
            runner.shutdown();
            throw t;
        }
    }

    void forgetTask(String id, TaskRunner runner) {
        tasks.remove(id, runner);
    }

    /**
     * Asks Tributary for the stored offsets of a connector's partitions (the host side of
     * OffsetStorageReader): partitions go as the offset store's JSON text, offsets come back
     * the same way, so keys keep the order Apache's serialization gave them.
     */
    List<byte[]> readOffsets(String connector, List<byte[]> partitions) {
        long id = callIds.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        calls.put(id, reply);
        try {
            ObjectNode call = json.createObjectNode();
            call.put("call", "offsets");
            call.put("connector", connector);
            ArrayNode list = call.putArray("partitions");
            for (byte[] partition : partitions) {
                list.add(new String(partition, StandardCharsets.UTF_8));
            }
            wire.write(id, Wire.CALL, json.writeValueAsBytes(call), null);
            JsonNode answer = reply.get(CALL_TIMEOUT_MINUTES, TimeUnit.MINUTES);
            if (answer.hasNonNull("error")) {
                throw new ConnectException("Failed to read offsets: " + answer.get("error").asText());
            }
            List<byte[]> offsets = new ArrayList<>();
            for (JsonNode offset : answer.path("offsets")) {
                offsets.add(offset.isNull() ? null : offset.asText().getBytes(StandardCharsets.UTF_8));
            }
            return offsets;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while reading offsets", e);
        } catch (Exception e) {
            throw e instanceof ConnectException c ? c : new ConnectException("Failed to read offsets", e);
        } finally {
            calls.remove(id);
        }
    }

    /** A plugin's own call to the runtime (raiseError, requestTaskReconfiguration, ...). */
    void event(ObjectNode event) {
        try {
            wire.write(0, Wire.EVENT, json.writeValueAsBytes(event), null);
        } catch (IOException e) {
            log.error("could not tell Tributary about {}", event, e);
        }
    }

    private void respond(long id, Call call) {
        Answer answer;
        try {
            answer = call.run();
        } catch (Throwable t) {
            fail(id, t);
            return;
        }
        try {
            wire.write(id, Wire.OK, json.writeValueAsBytes(answer.json()), answer.block());
        } catch (IOException e) {
            log.error("could not answer request {}", id, e);
        }
    }

    private void fail(long id, Throwable t) {
        try {
            wire.write(id, Wire.ERROR, json.writeValueAsBytes(Failures.describe(t)), null);
        } catch (IOException e) {
            log.error("could not report a failure of request {}", id, e);
        }
    }

    private Object newPlugin(String className) throws Exception {
        return plugins.newPlugin(className, null);
    }

    private static ConfigDef configDef(Object plugin) {
        if (plugin instanceof Connector c) {
            return c.config();
        } else if (plugin instanceof Transformation<?> t) {
            return t.config();
        } else if (plugin instanceof Predicate<?> p) {
            return p.config();
        } else if (plugin instanceof Converter c) {
            return c.config();
        } else if (plugin instanceof HeaderConverter h) {
            return h.config();
        }
        throw new ConnectException("Unknown plugin " + plugin.getClass().getName());
    }

    private static void closeQuietly(Object plugin) {
        if (plugin instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.debug("closing {} failed", plugin.getClass().getName(), e);
            }
        }
    }

    PluginMetrics pluginMetrics(Map<String, String> tags) {
        return new PluginMetricsImpl(metrics, tags);
    }

    static String version(Object plugin) {
        return plugin instanceof Versioned v ? v.version() : PluginDesc.UNDEFINED_VERSION;
    }

    Map<String, String> stringMap(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return new HashMap<>();
        }
        return json.convertValue(node, new TypeReference<HashMap<String, String>>() {});
    }

    static byte[] bytes(JsonNode text) {
        return text == null || text.isNull() ? null : text.asText().getBytes(StandardCharsets.UTF_8);
    }

    static Collection<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.forEach(n -> names.add(n.asText()));
        return names;
    }
}
