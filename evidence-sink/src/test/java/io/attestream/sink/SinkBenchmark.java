package io.attestream.sink;

import io.attestream.deploy.stack.LocalStack;
import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.sink.internal.ClickHouseStore;
import io.attestream.sink.internal.ClickHouseStore.InsertClient;
import io.attestream.sink.internal.RowMapper;
import io.attestream.sink.internal.Table;
import io.attestream.sink.testing.DemoChains;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 * Sink throughput and its insert paths against the engine's raw HTTP RowBinary insert of the same rows, in one run on
 * one stack.
 *
 * <pre>
 * ./mvnw -o -pl evidence-sink test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *     -Dexec.args="-Xmx2g -Duser.timezone=UTC -cp %classpath io.attestream.sink.SinkBenchmark 200000 20"
 * </pre>
 *
 * Arguments: events (default 200000), agents (default 20), rounds of the insert comparison (default 5), the insert
 * clients to run the whole sink with, in order (default {@code jdbc,client-v2,client-v2,jdbc}: each twice, in both orders,
 * as a later run finds a warmer JVM and engine). Uses the stack named by ATTESTREAM_IT_* when
 * set, else starts one in a temporary directory.
 *
 * <ul>
 * <li>Insert paths, on the chained_events rows (decoded and built in memory), batches of the sink's size, each into
 * its own database, alternating rounds, medians: raw = the engine's own RowBinary of those rows (read back once, not
 * timed) POSTed as {@code INSERT ... FORMAT RowBinary} over plain HTTP; {@code jdbc} and {@code client-v2} =
 * {@link ClickHouseStore#insert} with that {@code clickhouse.insert.client}, encoding included.</li>
 * <li>Sink = the whole EvidenceSink from Kafka, once per insert client: consume, decode both Avro layers, land
 * chained_events, typed tables, checkpoints, schemas and offsets; compared with the raw rate.</li>
 * </ul>
 */
public final class SinkBenchmark {
    private static final int BATCH = 20_000;
    private static final String RAW = "raw";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    // HTTP/1.1 as the drivers speak it (the JDK client's default would offer an h2c upgrade on every request).
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private SinkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int agentCount = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        List<InsertClient> sinkClients = Arrays.stream((args.length > 3 ? args[3] : "jdbc,client-v2,client-v2,jdbc").split(","))
                .map(InsertClient::of).toList();
        Optional<StackEndpoints> external = StackEndpoints.fromEnvironment(System.getenv());
        LocalStack started = null;
        StackEndpoints stack;
        if (external.isPresent()) {
            stack = external.get();
        } else {
            Path dir = Files.createTempDirectory("attestream-bench-");
            started = new LocalStack(StackConfig.builder(dir).kafkaPort(freePort()).kafkaControllerPort(freePort())
                    .registryPort(freePort()).registryManagementPort(freePort()).clickHousePort(freePort()).witness(false)
                    .startTimeout(Duration.ofSeconds(600)).detach(false).build(), l -> System.out.println("[stack] " + l));
            stack = started.up();
        }
        try {
            run(stack, events, agentCount, rounds, sinkClients);
        } finally {
            if (started != null) {
                started.down();
            }
        }
    }

    private static void run(StackEndpoints stack, int events, int agentCount, int rounds,
                            List<InsertClient> sinkClients) throws Exception {
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

        // The insert paths, on the chained_events rows built in memory, in batches of the sink's size: alternating
        // rounds, each path into its own database, so that a slower phase of the shared machine hits all three.
        List<Object[]> rows = chainedRows(stack, registry, produced);
        Map<String, Double> insertRates = insertPaths(stack, rows, rounds);
        double rawRate = insertRates.get(RAW);

        // Each sink run lands into a database and group of its own (run index in the name): a run into a database
        // another run filled would find every row already landed and skip it.
        for (int i = 0; i < sinkClients.size(); i++) {
            sink(stack, produced, sinkClients.get(i), rawRate, sinkDatabase(sinkClients.get(i), i));
        }

        String db = sinkDatabase(sinkClients.get(0), 0);
        ClickHouseStore store = new ClickHouseStore(stack.clickHouseJdbcUrl(), stack.clickHouseUser(),
                stack.clickHousePassword(), db);
        // No FINAL variants: since V004 the tables are plain MergeTree, which refuses FINAL (nothing to collapse).
        for (String q : List.of("SELECT count() FROM " + db + ".chained_events",
                "SELECT sum(length(event_bytes)) FROM " + db + ".chained_events",
                "SELECT count(), max(seq) FROM " + db + ".chained_events WHERE tenant = 'bench' AND agent_id = 'agent-3'")) {
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

    /**
     * Inserts {@code rows} into chained_events by each path, {@code rounds} alternating rounds after one warm-up batch
     * each, and prints each path's median rows/s and its share of the raw anchor's.
     *
     * @return path ("raw" or an {@link InsertClient#key()}) to median rows/s
     */
    private static Map<String, Double> insertPaths(StackEndpoints stack, List<Object[]> rows, int rounds)
            throws Exception {
        Map<String, ClickHouseStore> stores = new LinkedHashMap<>();
        for (InsertClient client : InsertClient.values()) {
            ClickHouseStore store = InsertClientEqualityIT.store(stack, "bench_" + client.key().replace('-', '_'),
                    client);
            store.migrate("", "benchmark");
            stores.put(client.key(), store);
        }
        // Raw: the engine's own RowBinary of the same rows (landed once by JDBC, read back per batch; not timed), each
        // batch POSTed as INSERT ... FORMAT RowBinary over plain HTTP: no driver, no encoding in the timed part.
        ClickHouseStore jdbc = stores.get(InsertClient.JDBC.key());
        String columns = String.join(", ", Table.CHAINED_EVENTS.columns());
        List<byte[]> rawBatches = new ArrayList<>();
        for (int i = 0; i < rows.size(); i += BATCH) {
            jdbc.insert(Table.CHAINED_EVENTS, rows.subList(i, Math.min(i + BATCH, rows.size())));
        }
        for (int i = 0; i < rows.size(); i += BATCH) {
            rawBatches.add(http(stack, "SELECT " + columns + " FROM bench_jdbc.chained_events ORDER BY kafka_partition,"
                    + " kafka_offset LIMIT " + BATCH + " OFFSET " + i + " FORMAT RowBinary", null));
        }
        jdbc.execute("CREATE DATABASE IF NOT EXISTS bench_raw");
        jdbc.execute("CREATE TABLE IF NOT EXISTS bench_raw.chained_events AS bench_jdbc.chained_events");
        String rawInsert = "INSERT INTO bench_raw.chained_events (" + columns + ") FORMAT RowBinary";
        http(stack, rawInsert, rawBatches.get(0));
        for (ClickHouseStore store : stores.values()) {
            store.insert(Table.CHAINED_EVENTS, rows.subList(0, Math.min(BATCH, rows.size())));
        }
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        // Client CPU per row on the inserting thread (driver or encoder, and the HTTP write; the insert is
        // synchronous): the part of the cost the insert path decides, less sensitive to a shared machine than rows/s.
        Map<String, List<Double>> cpu = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            jdbc.execute("TRUNCATE TABLE bench_raw.chained_events");
            long t0 = System.nanoTime();
            for (byte[] batch : rawBatches) {
                http(stack, rawInsert, batch);
            }
            rates.computeIfAbsent(RAW, k -> new ArrayList<>()).add(rows.size() / ((System.nanoTime() - t0) / 1e9));
            for (Map.Entry<String, ClickHouseStore> e : stores.entrySet()) {
                ClickHouseStore store = e.getValue();
                store.execute("TRUNCATE TABLE " + store.database() + ".chained_events");
                long s0 = System.nanoTime();
                long c0 = THREADS.getCurrentThreadCpuTime();
                for (int i = 0; i < rows.size(); i += BATCH) {
                    store.insert(Table.CHAINED_EVENTS, rows.subList(i, Math.min(i + BATCH, rows.size())));
                }
                rates.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(rows.size() / ((System.nanoTime() - s0)
                        / 1e9));
                cpu.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add((THREADS.getCurrentThreadCpuTime() - c0)
                        / (double) rows.size());
            }
        }
        for (ClickHouseStore store : stores.values()) {
            store.close();
        }
        Map<String, Double> medians = new LinkedHashMap<>();
        rates.forEach((path, r) -> medians.put(path, median(r)));
        double raw = medians.get(RAW);
        System.out.printf(Locale.ROOT, "insert of the same %d chained_events rows in batches of %d, median of %d"
                + " alternating rounds:%n", rows.size(), BATCH, rounds);
        System.out.printf(Locale.ROOT, "  raw HTTP RowBinary insert (the engine's own bytes, no driver): %.0f rows/s"
                + " (rounds %s)%n", raw, rounded(rates.get(RAW)));
        double jdbcCpu = median(cpu.get("jdbc"));
        double v2Cpu = median(cpu.get("client-v2"));
        System.out.printf(Locale.ROOT, "  insert path jdbc (PreparedStatement addBatch/executeBatch): %.0f rows/s ="
                + " %.0f%% of raw (rounds %s); client CPU %.2f us/row%n", medians.get("jdbc"),
                100 * medians.get("jdbc") / raw, rounded(rates.get("jdbc")), jdbcCpu / 1e3);
        System.out.printf(Locale.ROOT, "  insert path client-v2 (sink's RowBinary encoder + Client.insert): %.0f"
                + " rows/s = %.0f%% of raw, %.0f%% of jdbc (rounds %s); client CPU %.2f us/row = %.0f%% of jdbc's%n",
                medians.get("client-v2"), 100 * medians.get("client-v2") / raw,
                100 * medians.get("client-v2") / medians.get("jdbc"), rounded(rates.get("client-v2")), v2Cpu / 1e3,
                100 * v2Cpu / jdbcCpu);
        return medians;
    }

    private static double median(List<Double> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    private static List<Long> rounded(List<Double> rates) {
        return rates.stream().map(Math::round).toList();
    }

    /** One request to the HTTP interface: {@code body} null = the query alone; returns the response body. */
    private static byte[] http(StackEndpoints stack, String query, byte[] body) throws Exception {
        String auth = Base64.getEncoder().encodeToString((stack.clickHouseUser() + ":" + stack.clickHousePassword())
                .getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(stack.clickHouseUrl() + "/?query="
                + URLEncoder.encode(query, StandardCharsets.UTF_8))).header("Authorization", "Basic " + auth)
                .timeout(Duration.ofMinutes(5));
        req = body == null ? req.GET() : req.POST(HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<byte[]> r = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode() + " for " + query + ": "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
        return r.body();
    }

    /** The whole EvidenceSink from Kafka with {@code client}, into its own database and consumer group. */
    private static String sinkDatabase(InsertClient client, int run) {
        return "bench_sink_" + client.key().replace('-', '_') + "_" + run;
    }

    private static void sink(StackEndpoints stack, long produced, InsertClient client, double rawRate, String db)
            throws Exception {
        EvidenceSink sink = new EvidenceSink(new SinkConfig(Map.of(
                SinkConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                SinkConfig.REGISTRY_URL_CONFIG, stack.registryUrl(),
                SinkConfig.CLICKHOUSE_URL_CONFIG, stack.clickHouseJdbcUrl(),
                SinkConfig.CLICKHOUSE_USER_CONFIG, stack.clickHouseUser(),
                SinkConfig.CLICKHOUSE_PASSWORD_CONFIG, stack.clickHousePassword(),
                SinkConfig.CLICKHOUSE_DATABASE_CONFIG, db,
                SinkConfig.CLICKHOUSE_INSERT_CLIENT_CONFIG, client.key(),
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
        System.out.printf(Locale.ROOT, "sink with clickhouse.insert.client=%s (Kafka -> decode -> ClickHouse, incl."
                + " migrations): %d chained events in %.2f s = %.0f events/s (%d rows in all tables = %.0f rows/s)%n",
                client.key(), produced, sinkSeconds, sinkRate, allRows, allRows / sinkSeconds);
        double steadyRate = (produced - firstRows) / ((doneAt - firstAt) / 1e9);
        System.out.printf(Locale.ROOT, "sink with %s after its first batch landed (start-up, group join and migrations"
                + " excluded): %.0f events/s%n", client.key(), steadyRate);
        System.out.printf(Locale.ROOT, "ratio sink (%s) / raw HTTP RowBinary insert = %.0f%% including start-up, %.0f%%"
                + " after the first batch (goal >= 50%%)%n", client.key(), 100 * sinkRate / rawRate,
                100 * steadyRate / rawRate);
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
