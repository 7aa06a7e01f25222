package dev.tributary.pluginhost;

import java.io.PrintWriter;
import java.io.StringWriter;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.RetriableException;

/** What crosses when plugin code throws: enough for Tributary to act as Apache's runtime would. */
final class Failures {
    private Failures() {}

    /**
     * {"exception": class, "message", "trace", "kind"}: the trace is Throwable.printStackTrace,
     * which is what Apache puts in a FAILED status; kind is "retriable" (RetriableException:
     * try again), "config" (ConfigException) or "fatal".
     */
    static ObjectNode describe(Throwable t) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("exception", t.getClass().getName());
        node.put("message", t.getMessage());
        node.put("trace", trace(t));
        String kind = t instanceof RetriableException ? "retriable"
                : t instanceof ConfigException ? "config" : "fatal";
        node.put("kind", kind);
        return node;
    }

    static String trace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
