// `lab check-secure`: proves each client properties file of the lab's secured listeners
// works with Apache's own Java clients (the lab's kafka-clients jar).
//
//   SecureCheck DIR TOPIC
//        for each FILE.properties in DIR (in name order): a KafkaProducer configured from
//        FILE alone (plus serializers) writes one record to TOPIC, and a KafkaConsumer
//        configured from FILE alone reads that record back (assign + seek, no group).
//        A file whose name contains "wrong-password" must instead fail with Apache's
//        AuthenticationException; so must mtls.properties without its keystore (the
//        listener requires a client certificate). Prints one line per check ("ok" or
//        "FAIL" first) and exits 1 if any failed.

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.File;
import java.io.FileReader;
import java.io.Reader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

public class SecureCheck {

    static Properties load(File file) throws Exception {
        Properties props = new Properties();
        try (Reader reader = new FileReader(file)) {
            props.load(reader);
        }
        return props;
    }

    static String where(Properties file) {
        return file.getProperty("bootstrap.servers") + " " + file.getProperty("security.protocol", "PLAINTEXT")
            + (file.containsKey("sasl.mechanism") ? " " + file.getProperty("sasl.mechanism") : "");
    }

    /** Produces one record and reads it back; returns what happened, throws on failure. */
    static String roundTrip(Properties file, String topic) throws Exception {
        String value = "lab-secure-check " + UUID.randomUUID();
        Properties p = new Properties();
        p.putAll(file);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("max.block.ms", "15000");
        p.put("delivery.timeout.ms", "15000");
        p.put("request.timeout.ms", "10000");
        p.put("linger.ms", "0");
        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            sent = producer.send(new ProducerRecord<>(topic, 0, "k", value)).get(20, TimeUnit.SECONDS);
        }
        Properties c = new Properties();
        c.putAll(file);
        c.put("key.deserializer", StringDeserializer.class.getName());
        c.put("value.deserializer", StringDeserializer.class.getName());
        c.put("enable.auto.commit", "false");
        c.put("request.timeout.ms", "10000");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            TopicPartition tp = new TopicPartition(sent.topic(), sent.partition());
            consumer.assign(List.of(tp));
            consumer.seek(tp, sent.offset());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (value.equals(r.value())) {
                        return "produced and consumed a record (" + where(file) + ", offset " + sent.offset() + ")";
                    }
                }
            }
        }
        throw new IllegalStateException("produced offset " + sent.offset() + " but did not read it back within 20 s");
    }

    /** Must fail with an AuthenticationException; returns its message, throws otherwise. */
    static String refused(Properties file, String topic) throws Exception {
        try {
            roundTrip(file, topic);
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof AuthenticationException) {
                    return "refused as expected (" + where(file) + "): " + t.getClass().getSimpleName() + ": " + t.getMessage();
                }
            }
            throw new IllegalStateException("failed, but not with an authentication error: " + e, e);
        }
        throw new IllegalStateException("a record went through with the wrong password");
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SecureCheck DIR TOPIC");
            System.exit(2);
        }
        File[] files = new File(args[0]).listFiles((d, n) -> n.endsWith(".properties"));
        if (files == null || files.length == 0) {
            System.err.println("no .properties files in " + args[0]);
            System.exit(2);
        }
        Arrays.sort(files);
        String topic = args[1];
        // The files run side by side: each waits mostly on the network and handshakes.
        ExecutorService pool = Executors.newFixedThreadPool(files.length + 1);
        List<String> names = new ArrayList<>();
        List<Future<String>> results = new ArrayList<>();
        for (File f : files) {
            Callable<String> check = () -> {
                Properties props = load(f);
                return f.getName().contains("wrong-password") ? refused(props, topic) : roundTrip(props, topic);
            };
            names.add(f.getName());
            results.add(pool.submit(check));
            if (f.getName().equals("mtls.properties")) {
                names.add("mtls.properties without its keystore");
                results.add(pool.submit(() -> {
                    Properties props = load(f);
                    props.keySet().removeIf(k -> k.toString().startsWith("ssl.keystore.") || k.equals("ssl.key.password"));
                    return refused(props, topic);
                }));
            }
        }
        boolean ok = true;
        for (int i = 0; i < names.size(); i++) {
            try {
                System.out.println("ok   " + names.get(i) + ": " + results.get(i).get(60, TimeUnit.SECONDS));
            } catch (Exception e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                System.out.println("FAIL " + names.get(i) + ": " + cause);
                ok = false;
            }
        }
        pool.shutdownNow();
        System.exit(ok ? 0 : 1);
    }
}
