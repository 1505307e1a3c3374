package io.attestream.sink;

import io.attestream.deploy.stack.LocalStack;
import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.sink.internal.ClickHouseStore;
import io.attestream.sink.internal.RowMapper;
import io.attestream.sink.internal.Table;
import io.attestream.sink.testing.DemoChains;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Sink throughput against the raw JDBC RowBinary insert rate of the same rows, in one run on one stack.
 *
 * <pre>
 * ./mvnw -o -pl evidence-sink test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *     -Dexec.args="-Xmx2g -Duser.timezone=UTC -cp %classpath io.attestream.sink.SinkBenchmark 200000 20"
 * </pre>
 *
 * Arguments: events (default 200000), agents (default 20). Uses the stack named by ATTESTREAM_IT_* when set, else
 * starts one in a temporary directory. Raw = {@code PreparedStatement} batches of the chained_events rows (already
 * decoded and built, in memory) through clickhouse-jdbc's RowBinary path, the same batch size as the sink. Sink =
 * the whole EvidenceSink from Kafka: consume, decode both Avro layers, land chained_events, typed tables,
 * checkpoints, schemas and offsets.
 */
public final class SinkBenchmark {
    private static final int BATCH = 20_000;

    private SinkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int agentCount = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Optional<StackEndpoints> external = StackEndpoints.fromEnvironment(System.getenv());
        LocalStack started = null;
        StackEndpoints stack;
        if (external.isPresent()) {
            stack = external.get();
        } else {
            Path dir = Files.createTempDirectory("attestream-bench-");
            started = new LocalStack(StackConfig.builder(dir).kafkaPort(freePort()).kafkaControllerPort(freePort())
                    .registryPort(freePort()).registryManagementPort(freePort()).clickHousePort(freePort())
                    .startTimeout(Duration.ofSeconds(600)).detach(false).build(), l -> System.out.println("[stack] " + l));
            stack = started.up();
        }
        try {
            run(stack, events, agentCount);
        } finally {
            if (started != null) {
                started.down();
            }
        }
    }

    private static void run(StackEndpoints stack, int events, int agentCount) throws Exception {
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        DemoChains.createTopics(stack.bootstrapServers(), 3);
        List<String> agents = new ArrayList<>();
        for (int i = 0; i < agentCount; i++) {
            agents.add("bench/agent-" + i);
        }
        long t0 = System.nanoTime();
        DemoChains demo = new DemoChains(registry, 7);
        try (KafkaProducer<byte[], byte[]> producer = DemoChains.producer(stack.bootstrapServers())) {
            demo.produce(producer, agents, events / agentCount, 1000);
        }
        long produced = demo.counts().values().stream().mapToLong(Long::longValue).sum();
        System.out.printf(Locale.ROOT, "produced %d chained events and %d checkpoints in %.1f s%n", produced,
                demo.checkpoints(), (System.nanoTime() - t0) / 1e9);

        // Raw: the chained_events rows, built in memory, inserted in batches of the sink's size.
        List<Object[]> rows = chainedRows(stack, registry, produced);
        ClickHouseStore raw = new ClickHouseStore(stack.clickHouseJdbcUrl(), stack.clickHouseUser(),
                stack.clickHousePassword(), "bench_raw");
        raw.migrate("", "benchmark");
        raw.insert(Table.CHAINED_EVENTS, rows.subList(0, Math.min(BATCH, rows.size())));
        raw.execute("TRUNCATE TABLE bench_raw.chained_events");
        long r0 = System.nanoTime();
        for (int i = 0; i < rows.size(); i += BATCH) {
            raw.insert(Table.CHAINED_EVENTS, rows.subList(i, Math.min(i + BATCH, rows.size())));
        }
        double rawSeconds = (System.nanoTime() - r0) / 1e9;
        raw.close();
        double rawRate = rows.size() / rawSeconds;
        System.out.printf(Locale.ROOT, "raw JDBC RowBinary insert: %d rows in %.2f s = %.0f rows/s%n", rows.size(),
                rawSeconds, rawRate);

        // Sink: everything from Kafka to ClickHouse.
        EvidenceSink sink = new EvidenceSink(new SinkConfig(Map.of(
                SinkConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                SinkConfig.REGISTRY_URL_CONFIG, stack.registryUrl(),
                SinkConfig.CLICKHOUSE_URL_CONFIG, stack.clickHouseJdbcUrl(),
                SinkConfig.CLICKHOUSE_USER_CONFIG, stack.clickHouseUser(),
                SinkConfig.CLICKHOUSE_PASSWORD_CONFIG, stack.clickHousePassword(),
                SinkConfig.CLICKHOUSE_DATABASE_CONFIG, "bench_sink",
                SinkConfig.GROUP_ID_CONFIG, "bench-" + System.nanoTime(),
                SinkConfig.BATCH_MAX_ROWS_CONFIG, Integer.toString(BATCH),
                SinkConfig.BATCH_LINGER_MS_CONFIG, "500")));
        Thread runner = new Thread(sink::run, "sink");
        long s0 = System.nanoTime();
        runner.start();
        Pattern landed = Pattern.compile("attestream_sink_rows_total\\{table=\"chained_events\"} (\\d+)(?:\\.0)?");
        long chained = 0;
        long firstAt = 0;
        long firstRows = 0;
        while (chained < produced) {
            Thread.sleep(50);
            Matcher m = landed.matcher(sink.metricsText());
            chained = m.find() ? Long.parseLong(m.group(1)) : 0;
            if (firstAt == 0 && chained > 0) {
                firstAt = System.nanoTime();
                firstRows = chained;
            }
            if (System.nanoTime() - s0 > 1_800e9) {
                throw new IllegalStateException("sink did not land " + produced + " events in 30 min: " + chained);
            }
        }
        long doneAt = System.nanoTime();
        double sinkSeconds = (doneAt - s0) / 1e9;
        sink.stop();
        runner.join();
        sink.close();
        String metrics = sink.metricsText();
        long allRows = 0;
        for (Matcher m = Pattern.compile("attestream_sink_rows_total\\{table=\"[a-z_]+\"} (\\d+)(?:\\.0)?").matcher(metrics);
                m.find(); ) {
            allRows += Long.parseLong(m.group(1));
        }
        double sinkRate = produced / sinkSeconds;
        System.out.printf(Locale.ROOT, "sink (Kafka -> decode -> ClickHouse, incl. migrations): %d chained events in"
                + " %.2f s = %.0f events/s (%d rows in all tables = %.0f rows/s)%n", produced, sinkSeconds, sinkRate,
                allRows, allRows / sinkSeconds);
        double steadyRate = (produced - firstRows) / ((doneAt - firstAt) / 1e9);
        System.out.printf(Locale.ROOT, "sink after its first batch landed (start-up, group join and migrations"
                + " excluded): %.0f events/s%n", steadyRate);
        System.out.printf(Locale.ROOT, "ratio sink / raw = %.0f%% including start-up, %.0f%% after the first batch"
                + " (goal >= 50%%)%n", 100 * sinkRate / rawRate, 100 * steadyRate / rawRate);

        ClickHouseStore store = new ClickHouseStore(stack.clickHouseJdbcUrl(), stack.clickHouseUser(),
                stack.clickHousePassword(), "bench_sink");
        // No FINAL variants: since V004 the tables are plain MergeTree, which refuses FINAL (nothing to collapse).
        for (String q : List.of("SELECT count() FROM bench_sink.chained_events",
                "SELECT sum(length(event_bytes)) FROM bench_sink.chained_events",
                "SELECT count(), max(seq) FROM bench_sink.chained_events WHERE tenant = 'bench' AND agent_id = 'agent-3'")) {
            long best = Long.MAX_VALUE;
            String[] answer = {""};
            for (int i = 0; i < 3; i++) {
                long q0 = System.nanoTime();
                store.query(q, rs -> answer[0] = rs.getString(1));
                best = Math.min(best, System.nanoTime() - q0);
            }
            System.out.printf(Locale.ROOT, "%8.1f ms  %s  -> %s%n", best / 1e6, q, answer[0]);
        }
        store.close();
    }

    /** Every chained record as its chained_events row, read back from Kafka (not timed). */
    private static List<Object[]> chainedRows(StackEndpoints stack, SchemaRegistryClient registry, long expected) {
        RowMapper mapper = new RowMapper(registry, false);
        List<Object[]> rows = new ArrayList<>();
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.CHAINED).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Set<Integer> ids = new HashSet<>();
            Instant now = Instant.now();
            while (rows.size() < expected) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    mapper.map(r, ids::add, now).stream().filter(t -> t.table() == Table.CHAINED_EVENTS)
                            .forEach(t -> rows.add(t.values()));
                }
            }
        }
        return rows;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
