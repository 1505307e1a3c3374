package io.attestream.cli.bench;

import io.attestream.chainer.ChainerApp;
import io.attestream.chainer.ChainerConfig;
import io.attestream.cli.demo.InProcessStages;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.BenchmarkStack;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.events.AuditEvent;
import io.attestream.ingest.AuditClient;
import io.attestream.ingest.AuditClientConfig;
import io.attestream.ingest.gateway.Gateway;
import io.attestream.ingest.gateway.GatewayConfig;
import io.attestream.ingest.internal.ApiKeys;
import io.attestream.integrity.KeyPairFiles;
import io.attestream.runtime.Readiness;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.sink.EvidenceSink;
import io.attestream.sink.SinkConfig;
import io.attestream.sink.internal.ClickHouseStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * The whole write path at a fixed rate: producer, SDK ({@link AuditClient}) or HTTP gateway, chainer (exactly_once_v2,
 * embedded development TSA), evidence sink, ClickHouse; prints produce-to-queryable latency percentiles, where
 * queryable means the row is returned by a SELECT on {@code chained_events}. Goal (issue 16): p99 at most 2 s at
 * 10,000 events/s. With {@code --find-max} it steps the rate up and reports the highest rate the pipeline sustains.
 *
 * <p>{@code ./mvnw -pl cli test-compile exec:exec@bench-e2e -Dbench.args="[--endpoints FILE] [--via sdk|gateway]
 * [--rate 10000] [--seconds 60] [--warmup-seconds 10] [--agents 50] [--poll-ms 50] [--batch 500] [--linger-ms 10] [--in-flight 16]
 * [--drain-seconds 60] [--find-max true] [--steps 5000,10000,...] [--step-seconds 20] [--chainer-set k=v,k=v]
 * [--sink-set k=v,k=v] [--keep true]"}. Without {@code --endpoints} it starts a local stack in a temporary directory.
 *
 * <p>The chainer, the sink and the gateway run in this JVM through their real entry points and configuration
 * ({@link ChainerApp}, {@link EvidenceSink}, {@link Gateway}), with their defaults unless {@code --chainer-set} or
 * {@code --sink-set} change them. Each run has its own input topic, chainer application id, tenant, sink consumer
 * group and ClickHouse database ({@code bench_e2e_<run>}, dropped afterwards unless {@code --keep true}). The sink
 * accepts only the pipeline's topic names, so the chainer writes to the shared {@code attestream.events.chained},
 * {@code attestream.checkpoints} and {@code attestream.events.dlq}; so that a new database does not first land
 * everything earlier runs and the demo left there, the run writes the topics' current end offsets into the new
 * database's {@code sink_offsets} before the sink starts, as a sink that had landed all of it would have them. The
 * run's chains stay in those shared topics, where any later sink of the stack lands them: attach to a stack of the
 * benchmark's own, not the demo's (cli/README.md).
 *
 * <p>Each event's eventId carries the run (high 64 bits) and the event's index (low 64 bits), so the watcher maps a
 * row back to the send time without a lookup table. Latency = end of the first SELECT that returned the row - the
 * event's send time (same JVM clock), an upper bound with the poll interval plus the query time as resolution.
 * Events not seen within {@code --drain-seconds} after the last send are errors: listed, and the exit code is 1.
 */
public final class EndToEndBenchmark {
    /** The goal of issue 16. */
    private static final long GOAL_P99_MS = 2_000;
    private static final int PARTITIONS = 6;
    private static final List<String> SHARED_TOPICS = List.of(Topics.CHAINED, Topics.CHECKPOINTS, Topics.DEAD_LETTER);

    private final StackEndpoints stack;
    private final Path dir;
    private final Map<String, String> options;
    private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private final long runBits = new SecureRandom().nextLong();
    private final String tenant = "bench-e2e-" + run;
    private final String database = "bench_e2e_" + run;
    private final String input = "bench-e2e." + run + ".events";
    private final int agents;
    private final List<Runnable> stops = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private long[] sentNanos;
    private long[] seenNanos;
    private final AtomicLong sent = new AtomicLong();
    private int nextIndex;

    private EndToEndBenchmark(StackEndpoints stack, Path dir, Map<String, String> options) {
        this.stack = stack;
        this.dir = dir;
        this.options = options;
        this.agents = Integer.parseInt(options.getOrDefault("--agents", "50"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchmarkStack.options(args);
        Path dir = Files.createTempDirectory("e2e-bench-");
        System.out.println("load average at start: " + loadAverage());
        int code;
        try (BenchmarkStack stack = BenchmarkStack.startOrAttach(a, dir)) {
            code = new EndToEndBenchmark(stack.endpoints(), dir, a).run();
        } finally {
            // Chainer state, keys and TSA of this run only; a stack this started lived below it too and is down now.
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        System.out.println("load average at end: " + loadAverage());
        System.exit(code);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown (" + e + ")";
        }
    }

    /** The eventId of event {@code index} of the run whose id bits are {@code runBits}. */
    static UUID eventId(long runBits, int index) {
        return new UUID(runBits, index);
    }

    private int run() throws Exception {
        String via = options.getOrDefault("--via", "sdk");
        if (!via.equals("sdk") && !via.equals("gateway")) {
            throw new IllegalArgumentException("--via must be sdk or gateway, not " + via);
        }
        int rate = Integer.parseInt(options.getOrDefault("--rate", "10000"));
        int seconds = Integer.parseInt(options.getOrDefault("--seconds", "60"));
        int warmup = Integer.parseInt(options.getOrDefault("--warmup-seconds", "10"));
        boolean findMax = Boolean.parseBoolean(options.getOrDefault("--find-max", "false"));
        int[] steps = Arrays.stream(options.getOrDefault("--steps", "5000,10000,15000,20000,25000,30000,40000")
                .split(",")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
        int stepSeconds = Integer.parseInt(options.getOrDefault("--step-seconds", "20"));
        long capacity = (long) rate * warmup + (findMax ? Arrays.stream(steps).asLongStream().sum() * stepSeconds
                : (long) rate * seconds);
        if (capacity > 50_000_000) {
            throw new IllegalArgumentException("too many events for one run: " + capacity);
        }
        sentNanos = new long[(int) capacity];
        seenNanos = new long[(int) capacity];
        System.out.printf(Locale.ROOT, "run %s: tenant %s, database %s, input topic %s, %d agents, via %s%n", run,
                tenant, database, input, agents, via);

        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "e2e-shutdown"));
        int code;
        try {
            startPipeline();
            try (EventSender sender = sender(via);
                 QueryableWatcher watcher = new QueryableWatcher(stack, database, tenant, runBits, seenNanos, sent,
                         Long.parseLong(options.getOrDefault("--poll-ms", "50")))) {
                if (warmup > 0) {
                    Phase w = phase(sender, watcher, rate, warmup);
                    System.out.printf(Locale.ROOT, "warm-up at %,d events/s for %d s (not counted): %s%n", rate, warmup,
                            w.summary());
                }
                code = findMax ? findMax(sender, watcher, steps, stepSeconds) : measure(sender, watcher, rate, seconds);
                System.out.println("resolution: " + watcher.resolution());
                long[] counts = watcher.reconcile();
                long seenAll = watcher.seen();
                System.out.printf(Locale.ROOT, "check: %,d events sent, %,d seen by the polls; ClickHouse holds %,d rows"
                        + " of the tenant, %,d distinct event ids%n", sent.get(), seenAll, counts[0], counts[1]);
                if (counts[0] != counts[1]) {
                    System.out.println("ERROR: events landed more than once: the figures above are not reliable");
                    code = 1;
                }
                if (counts[1] > seenAll) {
                    System.out.printf(Locale.ROOT, "note: %,d rows of the tenant are in ClickHouse that no poll"
                            + " returned: landed after the drain timeout, or skipped by the watermark%n",
                            counts[1] - seenAll);
                }
            }
        } finally {
            stopAll();
        }
        return code;
    }

    /** The fixed-rate run: latency percentiles against the goal. */
    private int measure(EventSender sender, QueryableWatcher watcher, int rate, int seconds) throws Exception {
        Phase p = phase(sender, watcher, rate, seconds);
        System.out.printf(Locale.ROOT, "e2e produce->queryable at %,d events/s for %d s via %s: %s%n", rate, seconds,
                options.getOrDefault("--via", "sdk"), p.summary());
        System.out.printf(Locale.ROOT, "goal p99 <= %d ms at %,d events/s: %s%n", GOAL_P99_MS, rate,
                p.p99Ms() <= GOAL_P99_MS && p.missing() == 0 ? "met" : "NOT met");
        return p.missing() == 0 && "none".equals(sender.failures()) ? 0 : 1;
    }

    /**
     * Steps the rate up until a step is not sustained; sustained = every event queryable, the producer kept its
     * schedule (at least 97 % of the rate), p99 at most the goal, and the backlog (sent - queryable) did not grow
     * over the second half of the step by more than 5 % of the rate per second (least-squares slope).
     */
    private int findMax(EventSender sender, QueryableWatcher watcher, int[] steps, int stepSeconds) throws Exception {
        int best = 0;
        Integer behind = null;
        for (int rate : steps) {
            Phase p = phase(sender, watcher, rate, stepSeconds);
            double slope = p.backlogSlope(watcher);
            List<String> unmet = new ArrayList<>();
            if (p.missing() > 0) {
                unmet.add(p.missing() + " events not queryable");
            }
            if (p.achievedRate() < 0.97 * rate) {
                unmet.add("the producer fell behind its schedule");
            }
            if (p.p99Ms() > GOAL_P99_MS) {
                unmet.add("p99 above " + GOAL_P99_MS + " ms");
            }
            if (slope > 0.05 * rate) {
                unmet.add("the backlog grows");
            }
            System.out.printf(Locale.ROOT, "step %,d events/s for %d s: %s; backlog slope %+,.0f events/s over the"
                    + " second half: %s%n", rate, stepSeconds, p.summary(), slope, unmet.isEmpty() ? "sustained"
                    : "NOT sustained (" + String.join(", ", unmet) + ")");
            if (!unmet.isEmpty()) {
                behind = rate;
                break;
            }
            best = rate;
        }
        if (behind == null) {
            System.out.printf(Locale.ROOT, "sustainable maximum: at least %,d events/s (p99 <= %d ms, backlog bounded);"
                    + " every step was sustained, raise --steps to find where it falls behind%n", best, GOAL_P99_MS);
        } else {
            System.out.printf(Locale.ROOT, "sustainable maximum: %,d events/s (p99 <= %d ms, backlog bounded); falls"
                    + " behind at %,d events/s%n", best, GOAL_P99_MS, behind);
        }
        return 0;
    }

    /** What one phase of sending at a fixed rate gave. */
    private final class Phase {
        private final int from;
        private final int to;
        private final long startNanos;
        private final long sendEndNanos;
        private final boolean drained;
        private final Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        private int missing;

        Phase(int from, int to, long startNanos, long sendEndNanos, boolean drained) {
            this.from = from;
            this.to = to;
            this.startNanos = startNanos;
            this.sendEndNanos = sendEndNanos;
            this.drained = drained;
            for (int i = from; i < to; i++) {
                if (seenNanos[i] == 0) {
                    missing++;
                } else {
                    histogram.recordValue(Math.min(histogram.getHighestTrackableValue(),
                            Math.max(0, (seenNanos[i] - sentNanos[i]) / 1000)));
                }
            }
        }

        int missing() {
            return missing;
        }

        double achievedRate() {
            return (to - from) / ((sendEndNanos - startNanos) / 1e9);
        }

        long p99Ms() {
            return histogram.getTotalCount() == 0 ? Long.MAX_VALUE : histogram.getValueAtPercentile(99) / 1000;
        }

        String summary() {
            if (histogram.getTotalCount() == 0) {
                return String.format(Locale.ROOT, "%,d events sent in %.1f s, none queryable%s", to - from,
                        (sendEndNanos - startNanos) / 1e9, drained ? "" : " within the drain timeout");
            }
            return String.format(Locale.ROOT, "%,d events sent in %.1f s (%,.0f events/s achieved), p50 %.0f ms,"
                    + " p90 %.0f ms, p99 %.0f ms, max %.0f ms, %,d not queryable%s", to - from,
                    (sendEndNanos - startNanos) / 1e9, achievedRate(), histogram.getValueAtPercentile(50) / 1000.0,
                    histogram.getValueAtPercentile(90) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0,
                    histogram.getMaxValue() / 1000.0, missing, drained ? "" : " within the drain timeout");
        }

        /** Least-squares slope of the backlog (events) over time (s) in the second half of the sending. */
        double backlogSlope(QueryableWatcher watcher) {
            List<QueryableWatcher.Sample> xs = watcher.samples(startNanos + (sendEndNanos - startNanos) / 2,
                    sendEndNanos);
            if (xs.size() < 3) {
                return 0;
            }
            double n = xs.size();
            double sx = 0;
            double sy = 0;
            double sxx = 0;
            double sxy = 0;
            for (QueryableWatcher.Sample s : xs) {
                double x = (s.nanos() - startNanos) / 1e9;
                double y = s.sent() - s.seen();
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
            }
            return (n * sxy - sx * sy) / (n * sxx - sx * sx);
        }
    }

    /** Sends at {@code rate} for {@code seconds}, then waits until the phase's events are queryable. */
    private Phase phase(EventSender sender, QueryableWatcher watcher, int rate, int seconds) throws Exception {
        int from = nextIndex;
        int total = rate * seconds;
        List<AuditEvent> templates = new ArrayList<>();
        for (int i = 0; i < agents * EventType.values().length; i++) {
            templates.add(SampleEvents.of(EventType.values()[i % EventType.values().length], tenant,
                    "agent-" + (i % agents), i));
        }
        long start = System.nanoTime();
        int n = 0;
        while (n < total) {
            long due = Math.min(total, (System.nanoTime() - start) * rate / 1_000_000_000L + 1);
            Instant now = Instant.now();
            while (n < due) {
                int index = from + n;
                sender.send(index, AuditEvent.newBuilder(templates.get(index % templates.size()))
                        .setEventId(eventId(runBits, index)).setOccurredAt(now).build());
                sent.incrementAndGet();
                n++;
            }
            sender.flush();
            checkPipeline(watcher);
            LockSupport.parkNanos(1_000_000);
        }
        long sendEnd = System.nanoTime();
        sender.awaitAcks();
        nextIndex = from + total;
        boolean drained = watcher.awaitSeen(from, from + total,
                TimeUnit.SECONDS.toNanos(Long.parseLong(options.getOrDefault("--drain-seconds", "60"))));
        Phase p = new Phase(from, from + total, start, sendEnd, drained);
        if (p.missing() > 0) {
            System.out.printf(Locale.ROOT, "ERROR: %,d events of this phase were not queryable within the drain"
                    + " timeout; sender failures: %s; the first of them:%n", p.missing(), sender.failures());
            int listed = 0;
            for (int i = from; i < from + total && listed < 20; i++) {
                if (seenNanos[i] == 0) {
                    System.out.printf(Locale.ROOT, "  not queryable: eventId %s (agent %s), sent %.3f s into the"
                            + " phase%n", eventId(runBits, i), "agent-" + (i % templates.size() % agents),
                            (sentNanos[i] - start) / 1e9);
                    listed++;
                }
            }
        }
        return p;
    }

    private void checkPipeline(QueryableWatcher watcher) {
        watcher.checkAlive();
        if (failure.get() != null) {
            throw new IllegalStateException("a pipeline stage failed: " + failure.get(), failure.get());
        }
    }

    private EventSender sender(String via) throws IOException {
        Map<String, Object> client = new HashMap<>();
        client.put(AuditClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        client.put("schema.registry.url", stack.registryUrl());
        client.put(AuditClientConfig.TOPIC_CONFIG, input);
        if (via.equals("sdk")) {
            return new EventSender.Sdk(AuditClient.create(client), sentNanos);
        }
        String key = "bench-e2e-" + run;
        Path keys = Files.writeString(dir.resolve("api-keys.txt"), "bench " + ApiKeys.hash(key) + " " + tenant
                + " *\n");
        client.put(GatewayConfig.API_KEYS_FILE_CONFIG, keys.toString());
        client.put(GatewayConfig.LISTEN_HOST_CONFIG, "127.0.0.1");
        client.put(GatewayConfig.LISTEN_PORT_CONFIG, 0);
        client.put(GatewayConfig.METRICS_PORT_CONFIG, -1);
        Gateway gateway = Gateway.start(new GatewayConfig(client));
        stops.add(gateway::close);
        System.out.println("gateway listening on 127.0.0.1:" + gateway.port());
        return new EventSender.Gateway(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/events"), key,
                Integer.parseInt(options.getOrDefault("--batch", "500")),
                Long.parseLong(options.getOrDefault("--linger-ms", "10")),
                Integer.parseInt(options.getOrDefault("--in-flight", "16")), sentNanos);
    }

    /** Topics, schema, the sink's starting offsets, then chainer and sink, each until it is ready. */
    private void startPipeline() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            Set<String> existing = admin.listTopics().names().get();
            List<String> create = new ArrayList<>(List.of(input));
            SHARED_TOPICS.stream().filter(t -> !existing.contains(t)).forEach(create::add);
            BenchmarkStack.createTopics(stack, PARTITIONS, create);
            SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
            registry.register(Topics.valueSubject(input), AuditEventCodec.currentSchema());
            seedSinkOffsets(admin);
        }
        startChainer();
        startSink();
    }

    /** The fresh database with its tables, and the shared topics' end offsets as the sink's offsets of record. */
    private void seedSinkOffsets(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
        for (TopicDescription d : admin.describeTopics(SHARED_TOPICS).allTopicNames().get().values()) {
            d.partitions().forEach(p -> ends.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
        }
        StringBuilder rows = new StringBuilder();
        admin.listOffsets(ends).all().get().forEach((tp, o) -> rows.append(rows.length() == 0 ? "" : ", ")
                .append(String.format(Locale.ROOT, "('%s', '%s', %d, %d, 0, now64(6))", group(), tp.topic(),
                        tp.partition(), o.offset())));
        // The sink's own migrations (its internal store, no public entry point does only this), so the tables are
        // exactly what the sink would create; then the offsets rows as the sink writes them after a batch.
        try (ClickHouseStore store = new ClickHouseStore(stack.clickHouseJdbcUrl(), stack.clickHouseUser(),
                stack.clickHousePassword(), database)) {
            store.migrate("", "EndToEndBenchmark");
            store.execute("INSERT INTO " + database + ".sink_offsets (consumer_group, topic, kafka_partition,"
                    + " next_offset, rows_landed, committed_at) VALUES " + rows);
        }
        stops.add(() -> {
            if (!Boolean.parseBoolean(options.getOrDefault("--keep", "false"))) {
                try (ClickHouseStore store = new ClickHouseStore(stack.clickHouseJdbcUrl(), stack.clickHouseUser(),
                        stack.clickHousePassword(), database)) {
                    store.execute("DROP DATABASE IF EXISTS " + database);
                }
            } else {
                System.out.println("kept database " + database);
            }
        });
    }

    private String group() {
        return "bench-e2e-sink-" + run;
    }

    private void startChainer() throws Exception {
        Path keys = Files.createDirectories(dir.resolve("keys"));
        KeyPairFiles.generate(keys, "bench-e2e", new SecureRandom());
        Path tsa = Files.createDirectories(dir.resolve("tsa"));
        EmbeddedTimestampAuthority.generate("bench-e2e TSA", Clock.systemUTC()).save(tsa);
        Map<String, Object> props = new HashMap<>();
        props.put(ChainerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put("schema.registry.url", stack.registryUrl());
        props.put(ChainerConfig.APPLICATION_ID_CONFIG, "bench-e2e-chainer-" + run);
        props.put("state.dir", Files.createDirectories(dir.resolve("chainer-state")).toString());
        props.put("replication.factor", "1");
        props.put(ChainerConfig.INPUT_TOPIC_CONFIG, input);
        props.put(ChainerConfig.CHAINED_TOPIC_CONFIG, Topics.CHAINED);
        props.put(ChainerConfig.CHECKPOINTS_TOPIC_CONFIG, Topics.CHECKPOINTS);
        props.put(ChainerConfig.DEAD_LETTER_TOPIC_CONFIG, Topics.DEAD_LETTER);
        props.put(ChainerConfig.REKEY_TOPIC_CONFIG, input + ".rekey");
        props.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, keys.resolve("bench-e2e.key").toString());
        props.put(ChainerConfig.TSA_MODE_CONFIG, ChainerConfig.TSA_MODE_EMBEDDED);
        props.put(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG, tsa.toString());
        props.put(ChainerConfig.METRICS_PORT_CONFIG, -1);
        props.putAll(settings("--chainer-set"));
        ChainerApp chainer = new ChainerApp(new ChainerConfig(props));
        InProcessStages.chainer(chainer, "e2e-chainer", stops, failure);
        awaitReady("chainer", chainer::readiness);
    }

    private void startSink() throws InterruptedException {
        Map<String, Object> props = InProcessStages.sinkSettings(stack);
        props.put(SinkConfig.CLICKHOUSE_DATABASE_CONFIG, database);
        props.put(SinkConfig.GROUP_ID_CONFIG, group());
        props.put(SinkConfig.TOPICS_CONFIG, String.join(",", SHARED_TOPICS));
        props.putAll(settings("--sink-set"));
        EvidenceSink sink = new EvidenceSink(new SinkConfig(props));
        InProcessStages.sink(sink, "e2e-sink", stops, failure);
        awaitReady("sink", sink::readiness);
    }

    /** {@code --chainer-set a=b,c=d}: settings on top of the benchmark's, printed so the run says what it ran. */
    private Map<String, String> settings(String option) {
        Map<String, String> out = new HashMap<>();
        String given = options.get(option);
        if (given != null && !given.isBlank()) {
            for (String kv : given.split(",")) {
                String[] p = kv.split("=", 2);
                if (p.length != 2) {
                    throw new IllegalArgumentException(option + ": expected key=value, got " + kv);
                }
                out.put(p[0].strip(), p[1].strip());
            }
            System.out.println(option + " " + out);
        }
        return out;
    }

    private void awaitReady(String what, Supplier<Readiness.Status> readiness) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(180);
        Readiness.Status status = readiness.get();
        while (!status.ready()) {
            if (failure.get() != null) {
                throw new IllegalStateException(what + " failed while starting: " + failure.get(), failure.get());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " not ready after 180 s: " + status.detail());
            }
            Thread.sleep(100);
            status = readiness.get();
        }
        System.out.printf(Locale.ROOT, "%s ready after %.1f s%n", what, (System.nanoTime() - started) / 1e9);
    }

    /** Stops what was started, last first (gateway, sink, chainer), then drops the run's database; once. */
    private synchronized void stopAll() {
        List<Runnable> todo = new ArrayList<>(stops);
        Collections.reverse(todo);
        stops.clear();
        for (Runnable r : todo) {
            try {
                r.run();
            } catch (RuntimeException e) {
                System.out.println("while stopping: " + e);
            }
        }
    }
}
