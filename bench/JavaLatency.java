// The Java client's latency measurement for `make bench`, the same as ferrokafka-bench's and
// rdkafka_bench's latency mode (Kafka's own EndToEndLatency sends one record at a time and waits for
// it, which is not a fixed rate). Run from source with the classpath of scripts/kafka.sh:
//
//   scripts/kafka.sh java bench/JavaLatency.java --bootstrap B --topic T [--rate R] [--seconds D] [--size S] [--acks A]
//
// Sends R records/s for 1 + D seconds from one thread, each starting with its send time
// (System.nanoTime) and sequence, big-endian; a consumer in this process (assign, from the beginning
// of a fresh topic) takes receive time minus send time. The first second is warm-up. Prints the
// `result ...` line bench/run.sh parses.

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class JavaLatency {
    public static void main(String[] args) throws Exception {
        String bootstrap = null, topic = null, acks = "1";
        long rate = 2000, seconds = 10;
        int size = 100;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--bootstrap": bootstrap = v; break;
                case "--topic": topic = v; break;
                case "--rate": rate = Long.parseLong(v); break;
                case "--seconds": seconds = Long.parseLong(v); break;
                case "--size": size = Math.max(16, Integer.parseInt(v)); break;
                case "--acks": acks = v; break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (bootstrap == null || topic == null) throw new IllegalArgumentException("--bootstrap and --topic are required");
        final long warmup = rate, total = rate * (1 + seconds);

        Properties cp = new Properties();
        cp.put("bootstrap.servers", bootstrap);
        cp.put("key.deserializer", ByteArrayDeserializer.class.getName());
        cp.put("value.deserializer", ByteArrayDeserializer.class.getName());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp);
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) parts.add(new TopicPartition(topic, p.partition()));
        consumer.assign(parts);
        consumer.seekToBeginning(parts);

        Properties pp = new Properties();
        pp.put("bootstrap.servers", bootstrap);
        pp.put("acks", acks);
        pp.put("key.serializer", ByteArraySerializer.class.getName());
        pp.put("value.serializer", ByteArraySerializer.class.getName());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp);
        producer.partitionsFor(topic);
        AtomicLong failed = new AtomicLong();
        final String t = topic;
        final int sz = size;
        final long r = rate;
        Thread sender = new Thread(() -> {
            long t0 = System.nanoTime();
            for (long i = 0; i < total; i++) {
                long due = t0 + i * 1_000_000_000L / r;
                for (long wait; (wait = due - System.nanoTime()) > 0; ) LockSupport.parkNanos(wait);
                byte[] value = new byte[sz];
                Arrays.fill(value, 16, sz, (byte) 'A');
                ByteBuffer.wrap(value).putLong(System.nanoTime()).putLong(i);
                producer.send(new ProducerRecord<>(t, value), (md, e) -> { if (e != null) failed.incrementAndGet(); });
            }
            producer.flush();
        });
        sender.start();

        long[] samples = new long[(int) total];
        int n = 0;
        long seen = 0, deadline = System.nanoTime() + (seconds + 31) * 1_000_000_000L;
        while (seen < total && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
                long now = System.nanoTime();
                byte[] v = rec.value();
                if (v == null || v.length < 16) continue;
                ByteBuffer b = ByteBuffer.wrap(v);
                long sent = b.getLong(), seq = b.getLong();
                seen++;
                if (seq >= warmup) samples[n++] = Math.max(0, now - sent);
            }
        }
        sender.join();
        producer.close();
        consumer.close();
        Arrays.sort(samples, 0, n);
        System.out.printf("result count=%d expected=%d failed=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f%n",
                n, total - warmup, failed.get(), pct(samples, n, 0.50), pct(samples, n, 0.99), pct(samples, n, 1.0));
    }

    /** Nearest rank, in ms, as the other two clients compute it. */
    static double pct(long[] sorted, int n, double p) {
        if (n == 0) return Double.NaN;
        int i = (int) Math.min(n, Math.max(1, (long) Math.ceil(n * p)));
        return sorted[i - 1] / 1e6;
    }
}
