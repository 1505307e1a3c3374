package io.attestream.chainer.bench;

import io.attestream.chainer.ChainerConfig;
import io.attestream.chainer.ChainerTopology;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.BenchmarkStack;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.TimestampAuthority;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Chainer throughput with exactly-once vs the raw producer rate for the same record size, measured in the same run,
 * and produce-to-chained latency percentiles at a fixed rate.
 *
 * <p>{@code ./mvnw -pl chainer test-compile exec:exec@bench -Dbench.args="[--endpoints FILE] [--events N]
 * [--rate R] [--seconds S] [--threads T]"}. Without --endpoints it starts the local stack in a temporary directory.
 */
public final class ChainerBenchmark {
    private static final int PARTITIONS = 6;
    private static final int AGENTS = 50;

    private final StackEndpoints stack;
    private final Path dir;
    private final SchemaRegistryClient registry;
    private final SigningKey key = SigningKey.generate("bench", new SecureRandom());
    private final TimestampAuthority tsa = EmbeddedTimestampAuthority.generate("bench", Clock.systemUTC());
    private final int threads;

    private ChainerBenchmark(StackEndpoints stack, Path dir, int threads) {
        this.stack = stack;
        this.dir = dir;
        this.registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        this.threads = threads;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchmarkStack.options(args);
        int events = Integer.parseInt(a.getOrDefault("--events", "50000"));
        int rate = Integer.parseInt(a.getOrDefault("--rate", "10000"));
        int seconds = Integer.parseInt(a.getOrDefault("--seconds", "20"));
        int threads = Integer.parseInt(a.getOrDefault("--threads", "2"));
        Path dir = Files.createTempDirectory("chainer-bench-");
        try (BenchmarkStack stack = BenchmarkStack.startOrAttach(a, dir)) {
            new ChainerBenchmark(stack.endpoints(), dir, threads).run(events, rate, seconds);
        }
    }

    private void run(int events, int rate, int seconds) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "bench." + run + ".events";
        createTopic(input);
        int schemaId = registry.register(Topics.valueSubject(input), AuditEventCodec.currentSchema());
        List<byte[]> values = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            AuditEvent e = SampleEvents.of(EventType.values()[i % EventType.values().length], "bench", "agent-" + (i % AGENTS), i);
            e = AuditEvent.newBuilder(e).setOccurredAt(Instant.now()).build();
            values.add(AuditEventCodec.encode(schemaId, e));
            keys.add(Topics.agentKey(e.getTenant(), e.getAgentId()).getBytes(StandardCharsets.UTF_8));
        }
        double avgSize = values.stream().mapToInt(v -> v.length).average().orElse(0);
        System.out.printf("record size: %.0f bytes on average, key %d bytes%n", avgSize, keys.get(0).length);

        // Warm-up of broker and producer (the first runs after a broker start are ~2x slower).
        String warm = "bench." + run + ".warmup";
        createTopic(warm);
        produce(warm, keys, values, Math.min(events, 100_000));

        String raw = "bench." + run + ".raw";
        createTopic(raw);
        double rawRate = produce(raw, keys, values, events);
        System.out.printf("raw producer (acks=all, idempotent, linger 5 ms): %,.0f records/s%n", rawRate);

        produce(input, keys, values, events);
        double chainedRate = chainThroughput(input, events);
        System.out.printf("chainer exactly_once_v2 (%d stream thread(s), TSA embedded, checkpoint every 1000): "
                + "%,.0f events/s%n", threads, chainedRate);
        System.out.printf("ratio chained/raw: %.1f %%%n", 100 * chainedRate / rawRate);

        latency(run, schemaId, rate, seconds);
    }

    private void createTopic(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(BenchmarkStack.rawProducerConfig(stack), new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /** Produces n records as fast as possible; returns records/s including the final flush. */
    private double produce(String topic, List<byte[]> keys, List<byte[]> values, int n) {
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(topic, keys.get(i % keys.size()), values.get(i % values.size())));
            }
            p.flush();
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private KafkaStreams startChainer(String input, String appId) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", stack.bootstrapServers());
        props.put("schema.registry.url", stack.registryUrl());
        props.put("application.id", appId);
        props.put(ChainerConfig.INPUT_TOPIC_CONFIG, input);
        props.put(ChainerConfig.CHAINED_TOPIC_CONFIG, input + ".chained");
        props.put(ChainerConfig.CHECKPOINTS_TOPIC_CONFIG, input + ".checkpoints");
        props.put(ChainerConfig.DEAD_LETTER_TOPIC_CONFIG, input + ".dlq");
        props.put(ChainerConfig.REKEY_TOPIC_CONFIG, input + ".rekey");
        props.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, "bench.key");
        props.put(ChainerConfig.TSA_MODE_CONFIG, ChainerConfig.TSA_MODE_EMBEDDED);
        props.put(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG, "unused-key-given-in-process");
        props.put("replication.factor", "1");
        props.put("num.stream.threads", Integer.toString(threads));
        props.put("state.dir", Files.createDirectories(dir.resolve("state-" + appId)).toString());
        ChainerConfig config = new ChainerConfig(props);
        for (String t : List.of(config.rekeyTopic(), config.chainedTopic(), config.checkpointsTopic(),
                config.deadLetterTopic())) {
            createTopic(t);
        }
        KafkaStreams ks = new KafkaStreams(ChainerTopology.buildTopology(config, registry, key, Optional.of(tsa),
                new SimpleMeterRegistry(), PARTITIONS), config.streamsProperties());
        CountDownLatch running = new CountDownLatch(1);
        ks.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        ks.start();
        if (!running.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("chainer did not reach RUNNING");
        }
        return ks;
    }

    private KafkaConsumer<byte[], byte[]> consumer(String topic) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    /** Chains a backlog of n events; rate = events / (time of the last - time of the first chained record seen). */
    private double chainThroughput(String input, int n) throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = consumer(input + ".chained");
             KafkaStreams ks = startChainer(input, "bench-tput-" + input)) {
            long seen = 0;
            long first = 0;
            long firstCount = 0;
            long deadline = System.currentTimeMillis() + 600_000;
            while (seen < n && System.currentTimeMillis() < deadline) {
                int got = c.poll(Duration.ofMillis(100)).count();
                if (got > 0 && first == 0) {
                    first = System.nanoTime();
                    firstCount = got;
                }
                seen += got;
            }
            long last = System.nanoTime();
            if (seen < n) {
                throw new IllegalStateException("only " + seen + " of " + n + " events chained in time");
            }
            ks.close(Duration.ofSeconds(30));
            return (seen - firstCount) / ((last - first) / 1e9);
        }
    }

    private void latency(String run, int schemaId, int rate, int seconds) throws Exception {
        String input = "bench." + run + ".latency";
        createTopic(input);
        registry.register(Topics.valueSubject(input), AuditEventCodec.currentSchema());
        Histogram h = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        AtomicLong received = new AtomicLong();
        long warmupMs = 5_000;
        try (KafkaStreams ks = startChainer(input, "bench-lat-" + input);
             KafkaConsumer<byte[], byte[]> c = consumer(input + ".chained");
             KafkaProducer<byte[], byte[]> p = producer()) {
            long start = System.currentTimeMillis();
            long measureFrom = start + warmupMs;
            int total = rate * seconds;
            Thread reader = new Thread(() -> {
                while (received.get() < total) {
                    ConsumerRecords<byte[], byte[]> rs = c.poll(Duration.ofMillis(50));
                    long now = System.currentTimeMillis();
                    for (ConsumerRecord<byte[], byte[]> r : rs) {
                        if (r.timestamp() >= measureFrom) {
                            h.recordValue(Math.max(0, now - r.timestamp()) * 1000);
                        }
                    }
                    received.addAndGet(rs.count());
                    if (now > start + seconds * 1000L + 120_000) {
                        return;
                    }
                }
            }, "latency-reader");
            reader.start();
            for (int i = 0; i < total; i++) {
                long due = start + (long) i * 1000 / rate;
                long wait = due - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                AuditEvent e = SampleEvents.of(EventType.values()[i % EventType.values().length], "bench",
                        "agent-" + (i % AGENTS), i);
                e = AuditEvent.newBuilder(e).setOccurredAt(Instant.now()).build();
                p.send(new ProducerRecord<>(input, null, System.currentTimeMillis(),
                        Topics.agentKey(e.getTenant(), e.getAgentId()).getBytes(StandardCharsets.UTF_8),
                        AuditEventCodec.encode(schemaId, e)));
            }
            p.flush();
            long producedIn = System.currentTimeMillis() - start;
            reader.join();
            System.out.printf("latency produce->chained at %,d events/s for %d s (sent in %.1f s, %d received, "
                            + "first %d s excluded): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms "
                            + "(%d samples)%n", rate, seconds, producedIn / 1000.0, received.get(), warmupMs / 1000,
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                    h.getMaxValue() / 1000.0, h.getTotalCount());
            ks.close(Duration.ofSeconds(30));
        }
    }
}
