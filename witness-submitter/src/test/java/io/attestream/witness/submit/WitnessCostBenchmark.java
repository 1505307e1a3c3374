package io.attestream.witness.submit;

import io.attestream.chainer.ChainerApp;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.BenchmarkStack;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.SigningKey;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.AuditEventSerializer;
import io.attestream.witness.Witness;
import io.attestream.witness.WitnessClient;
import io.attestream.witness.WitnessServer;
import io.attestream.witness.WitnessedLog;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What a witness costs the chainer (issue 14): the same backlog drained by a real chainer ({@link TestChainer}:
 * exactly_once_v2, one stream thread, a checkpoint every {@code --every} events, no TSA) in alternating rounds of one run, without a
 * witness and with one configured: a witness server and the submitter stage running on the same machine, submitting
 * every checkpoint as it is committed. The rate runs from the first chained record read to the last (start-up and
 * the first rebalance excluded). Prints the chainer's rate in each round, the medians, and in the rounds with a
 * witness how long after the last chained event the last checkpoint was cosigned.
 *
 * <p>On a running stack ({@code bin/attestream stack up}; exec:java runs in Maven's JVM, whose class path a stack
 * started here could not give its broker): {@code ./mvnw -q -pl witness-submitter test-compile exec:java
 * -Dexec.mainClass=io.attestream.witness.submit.WitnessCostBenchmark -Dexec.classpathScope=test
 * -Dexec.args="--endpoints .attestream/endpoints.properties --events 100000 --agents 50 --rounds 3"}.
 */
public final class WitnessCostBenchmark {
    private static final int PARTITIONS = 2;

    private WitnessCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchmarkStack.options(args);
        int events = Integer.parseInt(a.getOrDefault("--events", "100000"));
        int agents = Integer.parseInt(a.getOrDefault("--agents", "50"));
        int rounds = Integer.parseInt(a.getOrDefault("--rounds", "3"));
        int every = Integer.parseInt(a.getOrDefault("--every", "1000"));
        Path dir = Files.createTempDirectory("witness-cost-bench-");
        try (BenchmarkStack stack = BenchmarkStack.startOrAttach(a, dir)) {
            double[] without = new double[rounds];
            double[] with = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                without[r] = round(stack.endpoints(), dir.resolve("r" + r + "-plain"), events, agents, every, false);
                with[r] = round(stack.endpoints(), dir.resolve("r" + r + "-witness"), events, agents, every, true);
                System.out.printf(Locale.ROOT, "round %d: chainer without a witness %,.0f events/s, with one %,.0f"
                        + " events/s%n", r + 1, without[r], with[r]);
            }
            Arrays.sort(without);
            Arrays.sort(with);
            System.out.printf(Locale.ROOT, "chainer draining %,d events of %d agents (checkpoint every %d), medians"
                    + " of %d rounds: without a witness %,.0f events/s, with a witness and the submitter running"
                    + " %,.0f events/s (%.0f %%)%n", events, agents, every, rounds, without[rounds / 2],
                    with[rounds / 2], 100 * with[rounds / 2] / without[rounds / 2]);
        }
    }

    /** One round on fresh topics: the backlog first, then the chainer (and the witness path) started and timed. */
    private static double round(StackEndpoints stack, Path dir, int events, int agents, int every, boolean witness)
            throws Exception {
        Files.createDirectories(dir);
        String run = UUID.randomUUID().toString().substring(0, 8);
        String tenant = "bench-" + run;
        String input = "bench.witness." + run + ".events";
        String chained = input + ".chained";
        String checkpoints = input + ".checkpoints";
        String cosignatures = input + ".cosignatures";
        BenchmarkStack.createTopics(stack, PARTITIONS, List.of(input, chained, checkpoints, cosignatures,
                input + ".dlq", input + ".rekey"));
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        registry.register(Topics.valueSubject(input), AuditEventCodec.currentSchema());
        Map<String, Object> pp = BenchmarkStack.rawProducerConfig(stack);
        try (KafkaProducer<String, AuditEvent> producer = new KafkaProducer<>(pp, new StringSerializer(),
                new AuditEventSerializer(registry, false))) {
            for (int i = 0; i < events; i++) {
                String agent = "agent-" + (i % agents);
                producer.send(new ProducerRecord<>(input, Topics.agentKey(tenant, agent),
                        SampleEvents.of(EventType.AGENT_ACTION, tenant, agent, i / agents)));
            }
            producer.flush();
        }
        SigningKey key = SigningKey.generate("bench-chainer-" + run, new SecureRandom());
        // The submitter ITs' chainer (commit interval 200 ms, no TSA); count-triggered checkpoints only.
        ChainerApp chainer = TestChainer.create(stack, dir, key, "bench-witness-cost-" + run, input, chained,
                checkpoints, every, 600_000);
        WitnessServer server = null;
        SubmitterStage submitter = null;
        List<Thread> threads = new ArrayList<>();
        if (witness) {
            SigningKey witnessKey = SigningKey.generate("witness.bench/" + run, new SecureRandom());
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            server = WitnessServer.start(Witness.open(witnessKey, List.of(new WitnessedLog("attestream/" + tenant
                    + "/*", List.of(key.verifierKey()))), dir.resolve("witness"), Clock.systemUTC()),
                    new InetSocketAddress("127.0.0.1", port), 4);
            submitter = new SubmitterStage(stack.bootstrapServers(), registry, new SubmitterStage.StageTopics(chained,
                    checkpoints, cosignatures), List.of(new WitnessClient(URI.create("http://127.0.0.1:" + port + "/"),
                    CosignerKey.of(witnessKey), Duration.ofSeconds(10))), Duration.ofMillis(100), Duration.ofSeconds(1),
                    Clock.systemUTC());
            threads.add(new Thread(submitter::run, "bench-submitter"));
        }
        threads.add(new Thread(() -> {
            try {
                chainer.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-chainer"));
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        try {
            double rate = awaitRecords(stack, chained, events, Duration.ofMinutes(10));
            if (submitter != null) {
                long last = System.nanoTime();
                long expected = (long) agents * ((events / agents + every - 1) / every);
                long deadline = last + Duration.ofMinutes(5).toNanos();
                while (submitter.counters().getOrDefault("cosigned", 0L) < expected && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                System.out.printf(Locale.ROOT, "  with a witness: %d of at least %d checkpoints cosigned %.1f s after"
                        + " the last event was chained%n", submitter.counters().getOrDefault("cosigned", 0L), expected,
                        (System.nanoTime() - last) / 1e9);
            }
            return rate;
        } finally {
            chainer.stop();
            if (submitter != null) {
                submitter.stop();
            }
            for (Thread t : threads) {
                t.join(60_000);
            }
            if (submitter != null) {
                submitter.close();
            }
            if (server != null) {
                server.close();
            }
            System.out.printf(Locale.ROOT, "  round took %.1f s in all%n", (System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * Waits until {@code n} committed records are readable from {@code topic}, counted by one consumer, and returns
     * the rate from the first record read to the last (the chainer's start-up and first rebalance are not in it).
     */
    private static double awaitRecords(StackEndpoints stack, String topic, int n, Duration timeout) {
        long start = System.nanoTime();
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-count-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        long seen = 0;
        long firstAt = 0;
        long firstSeen = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = start + timeout.toNanos();
            while (seen < n) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + seen + " of " + n + " events chained after " + timeout);
                }
                int got = consumer.poll(Duration.ofMillis(100)).count();
                if (got > 0 && firstAt == 0) {
                    firstAt = System.nanoTime();
                    firstSeen = got;
                }
                seen += got;
            }
        }
        long elapsed = System.nanoTime() - firstAt;
        return (seen - firstSeen) / (elapsed / 1e9);
    }
}
