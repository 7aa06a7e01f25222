package dev.tributary.pluginhost;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.connector.ConnectorContext;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkConnectorContext;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceConnectorContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/** One running connector instance, called on its own thread. */
final class ConnectorRunner {
    private final Host host;
    private final String name;
    private final Connector connector;
    private final ExecutorService thread;

    ConnectorRunner(Host host, String name, String className) {
        this.host = host;
        this.name = name;
        this.connector = host.plugins().newConnector(className);
        this.thread = Threads.single("connector-" + name, connector.getClass().getClassLoader());
    }

    void submit(Runnable call) {
        thread.execute(call);
    }

    <T> T callOnThread(Callable<T> call) throws Throwable {
        try {
            return thread.submit(call).get();
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    Host.Answer start(Map<String, String> config) {
        connector.initialize(context());
        connector.start(config);
        ObjectNode answer = host.json.createObjectNode();
        answer.put("type", connector instanceof SourceConnector ? "source" : "sink");
        answer.put("version", Host.version(connector));
        answer.put("taskClass", connector.taskClass().getName());
        return Host.Answer.of(answer);
    }

    Host.Answer handle(String op, JsonNode request) {
        switch (op) {
            case "connector.taskConfigs" -> {
                List<Map<String, String>> configs = connector.taskConfigs(request.path("maxTasks").asInt(1));
                return Host.Answer.of(host.json.valueToTree(configs));
            }
            case "connector.stop" -> {
                try {
                    connector.stop();
                } finally {
                    shutdown();
                }
                return Host.Answer.of(host.json.createObjectNode());
            }
            default -> throw new IllegalArgumentException("Unknown connector request " + op);
        }
    }

    void shutdown() {
        host.forgetConnector(name, this);
        thread.shutdown();
    }

    private ConnectorContext context() {
        if (connector instanceof SourceConnector) {
            return new Context() {
                @Override
                public OffsetStorageReader offsetStorageReader() {
                    return new RemoteOffsetReader(host, name);
                }
            };
        }
        return new Context();
    }

    /** Apache's connector contexts: both requests go to Tributary as events. */
    private class Context implements SourceConnectorContext, SinkConnectorContext {
        @Override
        public void requestTaskReconfiguration() {
            host.event(host.json.createObjectNode()
                    .put("event", "requestTaskReconfiguration").put("connector", name));
        }

        @Override
        public void raiseError(Exception e) {
            ObjectNode event = host.json.createObjectNode()
                    .put("event", "raiseError").put("connector", name);
            event.set("error", Failures.describe(e));
            host.event(event);
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return host.pluginMetrics(Map.of("connector", name));
        }

        @Override
        public OffsetStorageReader offsetStorageReader() {
            throw new UnsupportedOperationException("sink connectors have no offset storage reader");
        }
    }
}
