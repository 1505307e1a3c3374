package io.attestream.chainer.bench;

import io.attestream.chainer.ChainerConfig;
import io.attestream.chainer.ChainerTopology;
import io.attestream.chainer.internal.AgentState;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.BenchmarkStack;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.LogId;
import io.attestream.integrity.LogState;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.TimestampAuthority;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * Chainer throughput with exactly-once vs two anchors measured in the same run, the raw producer rate for the same
 * records and a plain at-least-once pass-through of the backlog the chainer drains ({@link PassThroughAnchor}), and
 * produce-to-chained latency percentiles at a fixed rate.
 *
 * <p>{@code ./mvnw -pl chainer test-compile exec:exec@bench -Dbench.args="[--endpoints FILE] [--events N]
 * [--rate R] [--seconds S] [--threads T] [--agents A] [--idle-agents I] [--interval-ms T]
 * [--commit-intervals MS,MS,...] [--set KEY=VALUE,...] [--floor true]"}. {@code --set} gives every chainer of the run extra chainer or
 * Kafka Streams keys (e.g. {@code enable.transactional.statestores=false} to compare with the chainer's default).
 * Without --endpoints it starts the local stack in a temporary directory.
 * {@code --seconds 0} skips the latency run.
 *
 * <p>With {@code --commit-intervals 100,250,500,1000} the throughput phase (pass-through anchor, then the chainer's
 * drain of a fresh backlog of N events) and the latency phase run once per value with the chainer's
 * {@code commit.interval.ms} set to it (a Kafka Streams key the chainer passes through; the default under
 * exactly_once_v2 is 100 ms), each point on its own topics and application ids, and a table of the curve follows.
 * Without it, one point with the Kafka Streams default.
 *
 * <p>With {@code --floor true} each point also drains its backlog with the three {@link FrameworkFloor} apps (the
 * chainer's streams config and store operations without its own work), each with a fresh application id, and prints
 * their events/s and stream-thread CPU per event beside the chainer's, and the ratios floor/pass-through and
 * chainer/floor. Not with {@code --idle-agents}.
 *
 * <p>With {@code --idle-agents I} (e.g. 100000) the throughput chainer first chains one event for each of I other
 * agents and waits until each of them has its time checkpoint (after {@code --interval-ms}, default 10000), so they
 * sit idle in the state store; then the backlog of the A active agents is produced and drained. It prints the
 * stream threads' CPU per event, the punctuation cost while idle and while draining, and the chainer's memory and
 * state-store size per agent, so a cost that grows with idle agents shows next to a run without them.
 */
public final class ChainerBenchmark {
    private static final int PARTITIONS = 6;

    private final StackEndpoints stack;
    private final Path dir;
    private final SchemaRegistryClient registry;
    private final SigningKey key = SigningKey.generate("bench", new SecureRandom());
    private final TimestampAuthority tsa = EmbeddedTimestampAuthority.generate("bench", Clock.systemUTC());
    private final int threads;
    private final int agents;
    private final int idleAgents;
    private final long intervalMs;
    private final long sampleMs;
    private final Path sampleOut;
    /** Copies of the backlog the pass-through anchor makes per point (its median is the anchor). */
    private static final int PASS_THROUGH_RUNS = 3;

    private final List<Long> commitIntervals;
    private final boolean floor;
    /** Extra chainer/Streams keys for every chainer of the run ({@code --set k=v,k=v}). */
    private final Map<String, String> extra = new HashMap<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** A drained backlog: events/s, the stream threads' CPU per event (NaN: not measured), mean value bytes seen. */
    private record Drain(double rate, double cpuUsPerEvent, double meanValueBytes) {
    }

    /**
     * One measured point: the chainer's commit interval (empty: the Streams default), its drain, the pass-through's
     * rate, the framework floors' drains (empty without --floor) and the latency.
     */
    private record Point(OptionalLong commitMs, Drain chained, double passRate, Map<FrameworkFloor.Shape, Drain> floors,
            Optional<Histogram> latency) {
    }

    private ChainerBenchmark(StackEndpoints stack, Path dir, Map<String, String> a) {
        this.stack = stack;
        this.dir = dir;
        this.registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        this.threads = Integer.parseInt(a.getOrDefault("--threads", "2"));
        this.agents = Integer.parseInt(a.getOrDefault("--agents", "50"));
        this.idleAgents = Integer.parseInt(a.getOrDefault("--idle-agents", "0"));
        this.intervalMs = Long.parseLong(a.getOrDefault("--interval-ms", idleAgents > 0 ? "10000" : "60000"));
        this.sampleMs = Long.parseLong(a.getOrDefault("--sample-ms", "0"));
        this.sampleOut = Path.of(a.getOrDefault("--sample-out", "chainer-stacks.txt"));
        this.commitIntervals = commitIntervals(a.getOrDefault("--commit-intervals", ""));
        this.floor = Boolean.parseBoolean(a.getOrDefault("--floor", "false"));
        if (floor && idleAgents > 0) {
            throw new IllegalArgumentException("--floor true does not go with --idle-agents (the floor drains the "
                    + "backlog alone)");
        }
        for (String kv : a.getOrDefault("--set", "").split(",")) {
            if (!kv.isBlank()) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--set takes key=value[,key=value...], got '" + kv + "'");
                }
                extra.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        if (!extra.isEmpty()) {
            System.out.println("every chainer of this run also gets: " + extra);
        }
    }

    private static List<Long> commitIntervals(String option) {
        List<Long> ms = new ArrayList<>();
        for (String v : option.split(",")) {
            if (!v.isBlank()) {
                ms.add(Long.parseLong(v.trim()));
            }
        }
        if (ms.stream().anyMatch(v -> v <= 0)) {
            throw new IllegalArgumentException("--commit-intervals: every value must be > 0 ms, got " + option);
        }
        return ms;
    }

    /** The wall-clock sampler of the stream threads while the backlog drains, if asked for ({@code --sample-ms}). */
    private AutoCloseable sampler() {
        if (sampleMs <= 0) {
            return () -> { };
        }
        System.out.println("sampling the stream threads every " + sampleMs + " ms into " + sampleOut);
        return new StackSampler(sampleMs, sampleOut);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchmarkStack.options(args);
        int events = Integer.parseInt(a.getOrDefault("--events", "50000"));
        int rate = Integer.parseInt(a.getOrDefault("--rate", "10000"));
        int seconds = Integer.parseInt(a.getOrDefault("--seconds", "20"));
        Path dir = Files.createTempDirectory("chainer-bench-");
        System.out.println("load average at start: " + loadAverage());
        try (BenchmarkStack stack = BenchmarkStack.startOrAttach(a, dir)) {
            new ChainerBenchmark(stack.endpoints(), dir, a).run(events, rate, seconds);
        }
        System.out.println("load average at end: " + loadAverage());
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown (" + e + ")";
        }
    }

    private void run(int events, int rate, int seconds) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        int schemaId = registry.register(Topics.valueSubject("bench." + run + ".events"),
                AuditEventCodec.currentSchema());
        List<byte[]> values = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            AuditEvent e = SampleEvents.of(EventType.values()[i % EventType.values().length], "bench", "agent-" + (i % agents), i);
            e = AuditEvent.newBuilder(e).setOccurredAt(Instant.now()).build();
            values.add(AuditEventCodec.encode(schemaId, e));
            keys.add(Topics.agentKey(e.getTenant(), e.getAgentId()).getBytes(StandardCharsets.UTF_8));
        }
        double avgSize = values.stream().mapToInt(v -> v.length).average().orElse(0);
        System.out.printf("record size: %.0f bytes on average, key %d bytes; %,d events of %,d agents%n", avgSize,
                keys.get(0).length, events, agents);

        // Warm-up of broker and producer (the first runs after a broker start are ~2x slower).
        String warm = "bench." + run + ".warmup";
        createTopic(warm);
        int warmEvents = Math.min(events, 100_000);
        produce(warm, keys, values, warmEvents);
        // Warm-up of the chainer's code (JIT): without it the first point drains in a cold JVM and costs ~1.6x the
        // CPU per event of the later points (2026-12-07: 45.8 against 28-29 us).
        Drain warmChainer = chainThroughput(warm, warmEvents,
                commitIntervals.isEmpty() ? OptionalLong.empty() : OptionalLong.of(commitIntervals.get(0)));
        System.out.printf("chainer warm-up drain of %,d events (JIT; not a result): %,.0f events/s%n", warmEvents,
                warmChainer.rate());
        // The anchor's clients are JIT-compiled too: its first run in a cold JVM went at half the later ones' rate.
        System.out.printf("pass-through warm-up (not a result): %,.0f records/s%n",
                PassThroughAnchor.run(stack, warm, warm + ".pass", warmEvents));

        String raw = "bench." + run + ".raw";
        createTopic(raw);
        double rawRate = produce(raw, keys, values, events);
        System.out.printf("raw producer (acks=all, idempotent, linger 5 ms): %,.0f records/s%n", rawRate);

        if (commitIntervals.isEmpty()) {
            measure("bench." + run, OptionalLong.empty(), schemaId, keys, values, rawRate, rate, seconds);
            return;
        }
        List<Point> curve = new ArrayList<>();
        for (int i = 0; i < commitIntervals.size(); i++) {
            long ms = commitIntervals.get(i);
            // The point's index in the tag: an interval may be given twice (repeat runs, A/B).
            curve.add(measure("bench." + run + ".p" + i + "-ci" + ms, OptionalLong.of(ms), schemaId, keys, values,
                    rawRate, rate, seconds));
        }
        printCurve(curve, keys.size(), rate, seconds);
    }

    /**
     * One point on topics and application ids named after {@code tag}: a fresh backlog of the given events, the
     * pass-through anchor over it, the chainer's drain of it, then the latency phase if {@code seconds > 0}.
     */
    private Point measure(String tag, OptionalLong commitMs, int schemaId, List<byte[]> keys, List<byte[]> values,
            double rawRate, int rate, int seconds) throws Exception {
        String input = tag + ".events";
        createTopic(input);
        registry.register(Topics.valueSubject(input), AuditEventCodec.currentSchema());
        int n = keys.size();
        double passRate;
        Drain chained;
        if (idleAgents > 0) {
            // The chainer's input also holds the idle agents' seed events: the anchor copies the backlog alone.
            String source = tag + ".pass-source";
            createTopic(source);
            produce(source, keys, values, n);
            passRate = passThrough(source, n);
            chained = chainWithIdleAgents(input, schemaId, keys, values, n, commitMs);
        } else {
            produce(input, keys, values, n);
            passRate = passThrough(input, n);
            chained = chainThroughput(input, n, commitMs);
        }
        System.out.printf("chainer exactly_once_v2 (%d stream thread(s), TSA embedded, checkpoint every 1000 or %d ms"
                + "%s%s): %,.0f events/s%n", threads, intervalMs,
                idleAgents > 0 ? String.format(", %,d idle agents", idleAgents) : "", commitNote(commitMs),
                chained.rate());
        System.out.printf("ratio chained/raw: %.1f %%%n", 100 * chained.rate() / rawRate);
        System.out.printf("ratio chained/pass-through: %.1f %%%n", 100 * chained.rate() / passRate);
        Map<FrameworkFloor.Shape, Drain> floors = new EnumMap<>(FrameworkFloor.Shape.class);
        if (floor) {
            int stateBytes = agentStateBytes(n / agents);
            int chainedBytes = (int) Math.round(chained.meanValueBytes());
            for (FrameworkFloor.Shape shape : FrameworkFloor.Shape.values()) {
                Drain f = floorThroughput(input, n, commitMs, shape, stateBytes, chainedBytes);
                floors.put(shape, f);
                System.out.printf("framework floor %s (agent state %d bytes, forwards %d bytes%s): %,.0f events/s, "
                        + "%.1f us CPU per event; ratio floor/pass-through %.1f %%, chained/floor %.1f %% (CPU "
                        + "chainer/floor %.2f)%n", shape, stateBytes, chainedBytes, commitNote(commitMs), f.rate(),
                        f.cpuUsPerEvent(), 100 * f.rate() / passRate, 100 * chained.rate() / f.rate(),
                        chained.cpuUsPerEvent() / f.cpuUsPerEvent());
            }
        }

        Optional<Histogram> latency = Optional.empty();
        if (seconds > 0) {
            latency = Optional.of(latency(tag + ".latency", schemaId, rate, seconds, commitMs));
        }
        return new Point(commitMs, chained, passRate, floors, latency);
    }

    /**
     * The pass-through anchor's median of {@link #PASS_THROUGH_RUNS} copies of the backlog, each to a fresh topic: one
     * copy lasts 1-5 s, and single copies of one backlog spread 114,000-351,000 records/s (2026-12-07 evening).
     */
    private double passThrough(String source, int n) throws InterruptedException {
        double[] rates = new double[PASS_THROUGH_RUNS];
        for (int i = 0; i < rates.length; i++) {
            rates[i] = PassThroughAnchor.run(stack, source, source + ".pass" + i, n);
        }
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2];
        System.out.printf("pass-through at-least-once (1 consumer, idempotent acks=all producer, 128 KiB batches, "
                + "linger 5 ms, offsets committed after a flush every 1 s): %,.0f records/s (median of %s)%n", median,
                Arrays.stream(rates).mapToObj(r -> String.format("%,.0f", r)).collect(Collectors.joining(" / ")));
        return median;
    }

    private static String commitNote(OptionalLong commitMs) {
        return commitMs.isPresent() ? ", commit.interval.ms " + commitMs.getAsLong() : "";
    }

    private static void printCurve(List<Point> curve, int events, int rate, int seconds) {
        System.out.printf("commit-interval curve (%,d events per drain; latency at %,d events/s for %d s; fresh topics"
                + " and application ids per point):%n", events, rate, seconds);
        boolean floors = curve.stream().anyMatch(p -> !p.floors().isEmpty());
        // Floor columns: events/s (CPU us per event) of each shape, then the full floor's two ratios.
        System.out.println("| commit.interval.ms | chainer events/s | pass-through records/s | % of pass-through "
                + "| p50 ms | p99 ms | max ms |" + (floors ? " chainer CPU us/event | floor state+window events/s "
                + "(us/event) | floor state only | floor no store | floor % of pass-through | chainer % of floor |"
                : ""));
        System.out.println("|---|---|---|---|---|---|---|" + (floors ? "---|---|---|---|---|---|" : ""));
        for (Point p : curve) {
            Drain full = p.floors().get(FrameworkFloor.Shape.STATE_AND_WINDOW);
            System.out.printf("| %d | %,.0f | %,.0f | %.1f %% | %s |%s%n", p.commitMs().orElse(-1), p.chained().rate(),
                    p.passRate(), 100 * p.chained().rate() / p.passRate(), p.latency().map(h -> String.format(
                            "%.1f | %.1f | %.1f", h.getValueAtPercentile(50) / 1000.0,
                            h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0)).orElse("- | - | -"),
                    full == null ? "" : String.format(" %.1f | %s | %.1f %% | %.1f %% |", p.chained().cpuUsPerEvent(),
                            p.floors().values().stream().map(f -> String.format("%,.0f (%.1f)", f.rate(),
                                    f.cpuUsPerEvent())).collect(Collectors.joining(" | ")),
                            100 * full.rate() / p.passRate(), 100 * p.chained().rate() / full.rate()));
        }
    }

    private void createTopic(String topic) throws Exception {
        BenchmarkStack.createTopics(stack, PARTITIONS, List.of(topic));
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(BenchmarkStack.rawProducerConfig(stack), new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /**
     * Produces n records as fast as possible; returns records/s including the final flush.
     *
     * @throws IllegalStateException when any record was not acknowledged (a baseline that lost records is no baseline)
     */
    private double produce(String topic, List<byte[]> keys, List<byte[]> values, int n) {
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(topic, keys.get(i % keys.size()), values.get(i % values.size())),
                        (meta, e) -> {
                            if (e != null) {
                                failed.incrementAndGet();
                                firstError.compareAndSet(null, e);
                            }
                        });
            }
            p.flush();
            double rate = n / ((System.nanoTime() - t0) / 1e9);
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " of " + n + " records to " + topic + " failed",
                        firstError.get());
            }
            return rate;
        }
    }

    private KafkaStreams startChainer(String input, String appId, OptionalLong commitMs) throws Exception {
        ChainerConfig config = chainerConfig(input, input, appId, commitMs);
        return start(ChainerTopology.buildTopology(config, registry, key, Optional.of(tsa), meters, PARTITIONS), config,
                "chainer");
    }

    /**
     * The config of a chainer of this run reading {@code input}, its other topics named {@code out} + ".chained" etc.
     * (created here).
     */
    private ChainerConfig chainerConfig(String input, String out, String appId, OptionalLong commitMs)
            throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", stack.bootstrapServers());
        props.put("schema.registry.url", stack.registryUrl());
        props.put("application.id", appId);
        props.put(ChainerConfig.INPUT_TOPIC_CONFIG, input);
        props.put(ChainerConfig.CHAINED_TOPIC_CONFIG, out + ".chained");
        props.put(ChainerConfig.CHECKPOINTS_TOPIC_CONFIG, out + ".checkpoints");
        props.put(ChainerConfig.DEAD_LETTER_TOPIC_CONFIG, out + ".dlq");
        props.put(ChainerConfig.REKEY_TOPIC_CONFIG, out + ".rekey");
        props.put(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG, Long.toString(intervalMs));
        props.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, "bench.key");
        props.put(ChainerConfig.TSA_MODE_CONFIG, ChainerConfig.TSA_MODE_EMBEDDED);
        props.put(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG, "unused-key-given-in-process");
        props.put("replication.factor", "1");
        props.put("num.stream.threads", Integer.toString(threads));
        props.put("state.dir", Files.createDirectories(dir.resolve("state-" + appId)).toString());
        commitMs.ifPresent(ms -> props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(ms)));
        props.putAll(extra);
        ChainerConfig config = new ChainerConfig(props);
        BenchmarkStack.createTopics(stack, PARTITIONS, List.of(config.rekeyTopic(), config.chainedTopic(),
                config.checkpointsTopic(), config.deadLetterTopic()));
        return config;
    }

    /** Starts {@code topology} with {@code config}'s streams properties; returns once it is RUNNING. */
    private static KafkaStreams start(Topology topology, ChainerConfig config, String what)
            throws InterruptedException {
        KafkaStreams ks = new KafkaStreams(topology, config.streamsProperties());
        CountDownLatch running = new CountDownLatch(1);
        ks.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        ks.start();
        if (!running.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(what + " did not reach RUNNING");
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
    private Drain chainThroughput(String input, int n, OptionalLong commitMs) throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = consumer(input + ".chained");
             KafkaStreams ks = startChainer(input, "bench-tput-" + input, commitMs);
             AutoCloseable sampling = sampler()) {
            Drain drained = measuredDrain(c, n);
            sampling.close();
            // Cumulative over the run's chainers: the eventId lookups by the negative filter's answer.
            meters.find("attestream.chainer.dedup.lookups").counters().stream().filter(k -> k.count() > 0)
                    .forEach(k -> System.out.printf("eventId lookups filter=%s found=%s: %,.0f%n",
                            k.getId().getTag("filter"), k.getId().getTag("found"), k.count()));
            ks.close(Duration.ofSeconds(30));
            return drained;
        }
    }

    /** Drains a backlog of n events of {@code input} with a {@link FrameworkFloor} of the given shape. */
    private Drain floorThroughput(String input, int n, OptionalLong commitMs, FrameworkFloor.Shape shape,
            int stateBytes, int chainedBytes) throws Exception {
        String out = input + ".floor-" + shape.name().toLowerCase(Locale.ROOT).replace('_', '-');
        ChainerConfig config = chainerConfig(input, out, "bench-" + out, commitMs);
        try (KafkaConsumer<byte[], byte[]> c = consumer(config.chainedTopic());
             KafkaStreams ks = start(FrameworkFloor.build(config, shape, stateBytes, chainedBytes), config,
                     "floor " + shape)) {
            Drain drained = measuredDrain(c, n);
            ks.close(Duration.ofSeconds(30));
            return drained;
        }
    }

    /** {@link #drainRate} with the stream threads' CPU meanwhile, which it prints. */
    private Drain measuredDrain(KafkaConsumer<byte[], byte[]> c, int n) {
        long cpu0 = streamThreadCpuNanos();
        Drain drained = drainRate(c, n);
        long cpu = streamThreadCpuNanos() - cpu0;
        System.out.printf("stream-thread CPU %.1f us per event (%.1f s over %d thread(s))%n", cpu / 1e3 / n,
                cpu / 1e9, threads);
        return new Drain(drained.rate(), cpu / 1e3 / n, drained.meanValueBytes());
    }

    /**
     * The encoded size of an agent's state after {@code entries} entries (what the chainer puts back per event at the
     * end of the drain; its Merkle frontier holds one hash per set bit of the size).
     */
    private static int agentStateBytes(long entries) {
        AgentState fresh = AgentState.fresh(LogId.of("bench", "agent-0"), 0);
        LogState log = fresh.log();
        for (long i = 0; i < entries; i++) {
            log = log.append(i, 1, new byte[32], new byte[0]).state();
        }
        return fresh.withLog(log).toBytes().length;
    }

    /**
     * The idle-agents mode (class javadoc): seeds the idle agents, waits for their time checkpoints, measures the
     * punctuation while idle, then drains the active backlog. Returns the backlog's events/s.
     */
    private Drain chainWithIdleAgents(String input, int schemaId, List<byte[]> keys, List<byte[]> values, int n,
            OptionalLong commitMs) throws Exception {
        List<byte[]> seedKeys = new ArrayList<>(idleAgents);
        List<byte[]> seedValues = new ArrayList<>(idleAgents);
        for (int i = 0; i < idleAgents; i++) {
            AuditEvent e = SampleEvents.of(EventType.values()[i % EventType.values().length], "bench",
                    "idle-" + i, i);
            e = AuditEvent.newBuilder(e).setOccurredAt(Instant.now()).build();
            seedValues.add(AuditEventCodec.encode(schemaId, e));
            seedKeys.add(Topics.agentKey(e.getTenant(), e.getAgentId()).getBytes(StandardCharsets.UTF_8));
        }
        System.gc();
        long heapBefore = usedHeap();
        long rssBefore = rssBytes();
        produce(input, seedKeys, seedValues, idleAgents);
        try (KafkaConsumer<byte[], byte[]> chained = consumer(input + ".chained");
             KafkaConsumer<byte[], byte[]> checkpoints = consumer(input + ".checkpoints");
             KafkaStreams ks = startChainer(input, "bench-idle-" + input, commitMs)) {
            long t0 = System.nanoTime();
            drain(chained, idleAgents, "seed events");
            double seedSeconds = (System.nanoTime() - t0) / 1e9;
            long cps = drain(checkpoints, idleAgents, "time checkpoints of the idle agents");
            System.out.printf("idle agents: %,d seeded, chained in %.1f s, %,d time checkpoints written after %.1f s%n",
                    idleAgents, seedSeconds, cps, (System.nanoTime() - t0) / 1e9);

            Timer punctuate = meters.find("attestream.chainer.stage").tag("stage", "punctuate").timer();
            if (punctuate == null) {
                throw new IllegalStateException("the chainer has no attestream.chainer.stage{stage=punctuate} timer");
            }
            long idleCount = punctuate.count();
            double idleTotal = punctuate.totalTime(TimeUnit.MICROSECONDS);
            Thread.sleep(5_000);
            System.out.printf("punctuation while all %,d agents are idle: %.0f us mean over %d punctuations%n",
                    idleAgents + agents, (punctuate.totalTime(TimeUnit.MICROSECONDS) - idleTotal)
                            / Math.max(1, punctuate.count() - idleCount), punctuate.count() - idleCount);
            System.gc();
            long heapAfter = usedHeap();
            long rssAfter = rssBytes();
            System.out.printf("memory: heap after GC %+,d bytes (%.0f per agent), process RSS %+,d bytes (%.0f per "
                    + "agent)%n", heapAfter - heapBefore, (heapAfter - heapBefore) / (double) idleAgents,
                    rssAfter - rssBefore, (rssAfter - rssBefore) / (double) idleAgents);
            storeSizes(ks, input);

            long drainCount = punctuate.count();
            double drainTotal = punctuate.totalTime(TimeUnit.MICROSECONDS);
            AutoCloseable sampling = sampler();
            long cpu0 = streamThreadCpuNanos();
            produce(input, keys, values, n);
            Drain drained = drainRate(chained, n);
            long cpu = streamThreadCpuNanos() - cpu0;
            sampling.close();
            System.out.printf("active backlog with %,d idle agents: stream-thread CPU %.1f us per event; punctuation "
                            + "%.0f us mean over %d punctuations while draining%n", idleAgents, cpu / 1e3 / n,
                    (punctuate.totalTime(TimeUnit.MICROSECONDS) - drainTotal) / Math.max(1, punctuate.count() - drainCount),
                    punctuate.count() - drainCount);
            ks.close(Duration.ofSeconds(30));
            return new Drain(drained.rate(), cpu / 1e3 / n, drained.meanValueBytes());
        }
    }

    /**
     * Polls until n chained events arrived; returns events / (time of the last - time of the first poll that
     * returned any), not counting that first poll's records, and their mean value size (CPU not measured).
     *
     * @throws IllegalStateException when fewer arrived within 10 min
     */
    private static Drain drainRate(KafkaConsumer<byte[], byte[]> c, int n) {
        long seen = 0;
        long first = 0;
        long firstCount = 0;
        long bytes = 0;
        long deadline = System.currentTimeMillis() + 600_000;
        while (seen < n && System.currentTimeMillis() < deadline) {
            ConsumerRecords<byte[], byte[]> rs = c.poll(Duration.ofMillis(100));
            int got = rs.count();
            for (ConsumerRecord<byte[], byte[]> r : rs) {
                bytes += r.value().length;
            }
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
        return new Drain((seen - firstCount) / ((last - first) / 1e9), Double.NaN, bytes / (double) seen);
    }

    /** Polls until n records arrived (10 min at most); returns how many did. */
    private static long drain(KafkaConsumer<byte[], byte[]> c, long n, String what) {
        long seen = 0;
        long deadline = System.currentTimeMillis() + 600_000;
        while (seen < n && System.currentTimeMillis() < deadline) {
            seen += c.poll(Duration.ofMillis(100)).count();
        }
        if (seen < n) {
            throw new IllegalStateException("only " + seen + " of " + n + " " + what + " arrived in time");
        }
        return seen;
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    /** CPU time of this JVM's Kafka Streams threads so far. */
    private static long streamThreadCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().contains("-StreamThread-")
                    && !t.getThreadName().startsWith("kafka-")) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    /** Prints the size of each state store on disk and RocksDB's key estimate, per agent. */
    private void storeSizes(KafkaStreams ks, String input) throws IOException {
        Path state = dir.resolve("state-bench-idle-" + input);
        Map<String, Long> bytes = new HashMap<>();
        try (Stream<Path> files = Files.walk(state)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                for (String store : List.of(ChainerTopology.AGENT_STORE, ChainerTopology.EVENT_ID_STORE,
                        ChainerTopology.PENDING_STORE, ChainerTopology.DUE_STORE)) {
                    if (f.toString().contains("/" + store)) {
                        bytes.merge(store, f.toFile().length(), Long::sum);
                    }
                }
            });
        }
        double keys = 0;
        for (Map.Entry<MetricName, ? extends Metric> m : ks.metrics().entrySet()) {
            if (m.getKey().name().equals("estimate-num-keys")
                    && ChainerTopology.AGENT_STORE.equals(m.getKey().tags().get("rocksdb-state-id"))
                    && m.getValue().metricValue() instanceof Number v) {
                keys += v.doubleValue();
            }
        }
        int total = idleAgents + agents;
        System.out.printf("state stores on disk (RocksDB files, %,d agents; agent-state keys estimated %,.0f): %s%n",
                total, keys, bytes.entrySet().stream().map(e -> String.format("%s %,d bytes (%.0f per agent)",
                        e.getKey(), e.getValue(), e.getValue() / (double) total)).toList());
    }

    /** Produces at the given rate into a new topic {@code input}; prints and returns produce-to-chained latency. */
    private Histogram latency(String input, int schemaId, int rate, int seconds, OptionalLong commitMs)
            throws Exception {
        createTopic(input);
        registry.register(Topics.valueSubject(input), AuditEventCodec.currentSchema());
        Histogram h = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        AtomicLong received = new AtomicLong();
        long warmupMs = 5_000;
        try (KafkaStreams ks = startChainer(input, "bench-lat-" + input, commitMs);
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
                        "agent-" + (i % agents), i);
                e = AuditEvent.newBuilder(e).setOccurredAt(Instant.now()).build();
                p.send(new ProducerRecord<>(input, null, System.currentTimeMillis(),
                        Topics.agentKey(e.getTenant(), e.getAgentId()).getBytes(StandardCharsets.UTF_8),
                        AuditEventCodec.encode(schemaId, e)));
            }
            p.flush();
            long producedIn = System.currentTimeMillis() - start;
            reader.join();
            System.out.printf("latency produce->chained at %,d events/s for %d s%s (sent in %.1f s, %d received, "
                            + "first %d s excluded): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms "
                            + "(%d samples)%n", rate, seconds, commitNote(commitMs), producedIn / 1000.0,
                    received.get(), warmupMs / 1000,
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                    h.getMaxValue() / 1000.0, h.getTotalCount());
            ks.close(Duration.ofSeconds(30));
            return h;
        }
    }
}
