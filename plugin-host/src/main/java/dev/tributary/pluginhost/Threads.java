package dev.tributary.pluginhost;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Named daemon threads; a plugin's threads run with its class loader, as Apache's task threads do. */
final class Threads {
    private Threads() {}

    static ThreadFactory named(String prefix) {
        return named(prefix, null);
    }

    static ThreadFactory named(String prefix, ClassLoader loader) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            if (loader != null) {
                thread.setContextClassLoader(loader);
            }
            return thread;
        };
    }

    /** One thread, so calls into one plugin instance keep their order. */
    static ExecutorService single(String name, ClassLoader loader) {
        return Executors.newSingleThreadExecutor(named(name, loader));
    }
}
