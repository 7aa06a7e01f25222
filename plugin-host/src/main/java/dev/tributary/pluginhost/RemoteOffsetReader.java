package dev.tributary.pluginhost;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.storage.OffsetStorageReader;

/**
 * A connector's stored offsets, read from Tributary's offset store at the time of the call
 * (Apache's OffsetStorageReaderImpl reads its store's current contents the same way).
 */
final class RemoteOffsetReader implements OffsetStorageReader {
    private final Host host;
    private final String connector;
    private final Records records = new Records();

    RemoteOffsetReader(Host host, String connector) {
        this.host = host;
        this.connector = connector;
    }

    @Override
    public <T> Map<String, Object> offset(Map<String, T> partition) {
        return offsets(List.of(partition)).get(partition);
    }

    @Override
    public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
        List<Map<String, T>> asked = new ArrayList<>(partitions);
        List<byte[]> keys = new ArrayList<>(asked.size());
        for (Map<String, T> partition : asked) {
            keys.add(records.offsetJson(partition));
        }
        List<byte[]> stored = host.readOffsets(connector, keys);
        Map<Map<String, T>, Map<String, Object>> result = new HashMap<>();
        for (int i = 0; i < asked.size(); i++) {
            result.put(asked.get(i), i < stored.size() ? records.offsetMap(stored.get(i)) : null);
        }
        return result;
    }
}
