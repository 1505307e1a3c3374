package io.attestream.sink.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.registry.SchemaRegistryException.RegistryUnavailableException;
import io.attestream.schemas.wire.SpecificRecordCodec;
import io.attestream.sink.SinkConfig;
import io.attestream.sink.SinkException;
import io.attestream.sink.SinkException.ClickHouseUnavailableException;
import io.attestream.sink.internal.RowMapper.TableRow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume-map-land loop. Two threads: the one that called {@link #run()} consumes and maps records to rows (it
 * alone uses the consumer); a lander thread inserts one batch at a time, so that the next batch is polled and mapped
 * while the engine writes the previous one. The consumer thread waits for the batch in flight before it submits the
 * next one, before a rebalance and before it uses the store itself, so the store and the recovery state are never
 * used by both at once; at most one batch is landing and one more is being gathered.
 *
 * <p>Exactly-once effect: ClickHouse, not Kafka, holds the offsets of record (table {@code sink_offsets}), written
 * after the rows of a batch. Every row carries its Kafka partition and offset. On assignment the loop seeks to the
 * recorded offset and reads back which rows at or beyond it are already present (a batch whose rows landed but whose
 * offsets did not); those rows are not inserted again. After a failed insert, whose outcome is unknown, it does the
 * same for every table of the batch before retrying. So a row is inserted once whatever is killed when.
 *
 * <p>That recovery takes a row at a partition and offset for the record at that partition and offset, which holds
 * only while every row of a table came from one topic of one Kafka cluster. Before it reads anything of a topic the
 * loop checks the topic's {@link Source} against the one recorded in {@code sink_sources}: another cluster, or the
 * same topic deleted and re-created (offsets from 0 again), is a {@link SinkException}, never a silent skip of the
 * records whose offsets happen to be taken.
 */
public final class SinkLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkLoop.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration LAG_INTERVAL = Duration.ofSeconds(2);
    /** While idle, ClickHouse is checked this often, so that /ready notices an outage without a batch. */
    private static final Duration IDLE_CHECK_INTERVAL = Duration.ofSeconds(5);

    /** Everything the loop needs, built by the caller. */
    public record Settings(String group, List<String> topics, String registryUrl, String cluster, int batchMaxRows,
                           int lingerMs, long backoffMs, long backoffMaxMs, long retryTimeoutMs) {
        public Settings {
            requireNonNull(group, "group");
            requireNonNull(cluster, "cluster");
            topics = List.copyOf(topics);
            requireNonNull(registryUrl, "registryUrl");
        }
    }

    /**
     * Where the records come from: the Kafka cluster and the incarnation of each topic. Implementations may block
     * (they ask the cluster) and throw {@link SinkException} when they cannot tell.
     */
    public interface Source {
        /** The Kafka cluster id of the bootstrap servers. */
        String clusterId();

        /** The topic id of {@code topic} (a new id when the topic is deleted and created again). */
        String topicId(String topic);
    }

    private final Consumer<byte[], byte[]> consumer;
    private final Source source;
    private final ClickHouseStore store;
    private final SchemaRegistryClient registry;
    private final RowMapper mapper;
    private final SinkMetrics metrics;
    private final Settings settings;
    private final List<ConsumerRecord<byte[], byte[]>> buffer = new ArrayList<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    /** Rows known to be in ClickHouse beyond the committed offsets: table -> partition -> offsets. */
    private final Map<Table, Map<TopicPartition, Set<Long>>> present = new EnumMap<>(Table.class);
    private final Set<Integer> landedSchemas = new HashSet<>();
    /** Topics whose source matched (or was recorded in) sink_sources. */
    private final Set<String> sourceChecked = new HashSet<>();
    /** Lands batches one at a time; see {@link #land}. */
    private final ExecutorService lander = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "attestream-sink-lander");
        t.setDaemon(true);
        return t;
    });
    /** The batch being landed, or null; only the consumer thread reads or writes it. */
    private Future<Landed> inFlight;
    private volatile boolean stopping;
    private long bufferSince;
    private Instant nextLagCheck = Instant.EPOCH;
    private long lastClickHouseCallNanos = System.nanoTime();

    public SinkLoop(Consumer<byte[], byte[]> consumer, Source source, ClickHouseStore store,
                    SchemaRegistryClient registry, RowMapper mapper, SinkMetrics metrics, Settings settings) {
        this.consumer = requireNonNull(consumer, "consumer");
        this.source = requireNonNull(source, "source");
        this.store = requireNonNull(store, "store");
        this.registry = requireNonNull(registry, "registry");
        this.mapper = requireNonNull(mapper, "mapper");
        this.metrics = requireNonNull(metrics, "metrics");
        this.settings = requireNonNull(settings, "settings");
    }

    /**
     * Migrates, then lands records until {@link #stop()}; the batch in hand is landed before it returns.
     *
     * @throws SinkException on a record that cannot be landed, or ClickHouse unavailable past retry.timeout.ms
     */
    public void run() {
        withRetry("apply migrations", () -> store.migrate(settings.cluster(), "evidence-sink " + settings.group()));
        landedSchemas.addAll(withRetry("read landed schemas", store::landedSchemaIds));
        String regex = settings.topics().stream().map(Pattern::quote).collect(Collectors.joining("|"));
        consumer.subscribe(Pattern.compile(regex), new Rebalance());
        try {
            consume();
        } catch (RuntimeException e) {
            // The batch in flight lands (or fails) before the failure propagates, as it would have without the lander.
            try {
                awaitLanding();
            } catch (RuntimeException landing) {
                e.addSuppressed(landing);
            }
            throw e;
        } finally {
            metrics.polled(false);
            metrics.pending(buffer.size());
        }
    }

    private void consume() {
        while (!stopping) {
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(POLL);
            } catch (WakeupException e) {
                break;
            } catch (KafkaException e) {
                // The consumer wraps what the rebalance listener threw; the sink's own reason is the cause.
                if (e.getCause() instanceof SinkException reason) {
                    throw reason;
                }
                throw e;
            }
            metrics.polled(true);
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (buffer.isEmpty()) {
                    bufferSince = System.nanoTime();
                }
                buffer.add(r);
            }
            metrics.pending(buffer.size());
            boolean lingered = !buffer.isEmpty()
                    && System.nanoTime() - bufferSince >= settings.lingerMs() * 1_000_000L;
            if (buffer.size() >= settings.batchMaxRows() || lingered) {
                flush();
            }
            collectLanded();
            measureLag();
            checkClickHouseWhileIdle();
        }
        flush();
        awaitLanding();
    }

    /** Asks {@link #run()} to land what it holds and return. Any thread. */
    public void stop() {
        stopping = true;
        consumer.wakeup();
    }

    @Override
    public void close() {
        lander.shutdownNow();
        consumer.close();
        store.close();
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            awaitLanding();
            // Unlanded records of partitions we lose are dropped: the next owner reads them again from the offsets
            // recorded in ClickHouse.
            buffer.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
            partitions.forEach(tp -> {
                committed.remove(tp);
                present.values().forEach(m -> m.remove(tp));
            });
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            awaitLanding();
            Map<String, List<TopicPartition>> byTopic = partitions.stream()
                    .collect(Collectors.groupingBy(TopicPartition::topic));
            for (Map.Entry<String, List<TopicPartition>> e : byTopic.entrySet()) {
                checkSource(e.getKey());
                Map<Integer, Long> offsets = withRetry("read offsets of " + e.getKey(),
                        () -> store.committedOffsets(settings.group(), e.getKey()));
                List<TopicPartition> fromStart = new ArrayList<>();
                Map<Integer, Long> resumeAt = new HashMap<>();
                for (TopicPartition tp : e.getValue()) {
                    Long next = offsets.get(tp.partition());
                    if (next == null) {
                        fromStart.add(tp);
                        next = 0L;
                    } else {
                        consumer.seek(tp, next);
                    }
                    committed.put(tp, next);
                    resumeAt.put(tp.partition(), next);
                }
                recover(e.getKey(), resumeAt);
                if (!fromStart.isEmpty()) {
                    consumer.seekToBeginning(fromStart);
                }
                LOG.info("assigned {}: resuming at {}", e.getKey(), e.getValue().stream()
                        .map(tp -> tp.partition() + "@" + committed.get(tp)).collect(Collectors.joining(", ")));
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            onPartitionsRevoked(partitions);
        }
    }

    /**
     * One source per topic and database: records this sink's source of {@code topic} in {@code sink_sources}, or
     * fails when another one is recorded there (its rows sit at the partitions and offsets this source's records
     * would take, and recovery would skip them as landed).
     */
    private void checkSource(String topic) {
        if (sourceChecked.contains(topic)) {
            return;
        }
        String cluster = source.clusterId();
        String topicId = source.topicId(topic);
        String mine = cluster + "/" + topicId;
        Set<String> recorded = withRetry("read the recorded source of " + topic, () -> store.sourcesOf(topic));
        Set<String> others = new TreeSet<>(recorded);
        others.remove(mine);
        if (!others.isEmpty()) {
            throw new SinkException("topic " + topic + " of Kafka cluster " + cluster + " (topic id " + topicId
                    + ") cannot land in database " + store.database() + ": its rows came from " + String.join(", ",
                    others.stream().map(o -> "cluster " + o.substring(0, o.indexOf('/')) + " (topic id "
                            + o.substring(o.indexOf('/') + 1) + ")").toList()) + ", whose partitions and offsets"
                    + " this topic's records would take (another Kafka cluster, or the topic deleted and created"
                    + " again). Land this source into its own database (" + SinkConfig.CLICKHOUSE_DATABASE_CONFIG + ");"
                    + " see the evidence-sink README, \"One source per database\"", null);
        }
        if (recorded.isEmpty()) {
            withRetry("record the source of " + topic, () -> {
                store.insert(Table.SINK_SOURCES, List.<Object[]>of(new Object[] {topic, cluster, topicId,
                    settings.group(), Instant.now()}));
                return null;
            });
            LOG.info("{} comes from Kafka cluster {} (topic id {}): recorded in {}.sink_sources", topic, cluster,
                    topicId, store.database());
        }
        sourceChecked.add(topic);
    }

    /**
     * Reads which rows of {@code topic} at or beyond each partition's resume offset are already in each table it
     * feeds: one query per table for all the partitions assigned (not one per table and partition: a restart then
     * costs a handful of queries, whatever the partition count).
     */
    private void recover(String topic, Map<Integer, Long> resumeAt) {
        for (Table table : Table.values()) {
            if (!topic.equals(table.sourceTopic())) {
                continue;
            }
            Map<Integer, Set<Long>> found = withRetry("read landed offsets of " + table.tableName(),
                    () -> store.presentOffsets(table, resumeAt));
            for (Map.Entry<Integer, Set<Long>> f : found.entrySet()) {
                TopicPartition tp = new TopicPartition(topic, f.getKey());
                Set<Long> offsets = f.getValue();
                present.computeIfAbsent(table, t -> new HashMap<>()).computeIfAbsent(tp, p -> new HashSet<>())
                        .addAll(offsets);
                metrics.recovered(offsets.size());
                LOG.info("{} rows of {} from {} offsets {}..{} are already landed: not inserting them again",
                        offsets.size(), table.tableName(), tp, new TreeSet<>(offsets).first(),
                        new TreeSet<>(offsets).last());
            }
        }
    }

    /**
     * Hands the buffer to the lander: maps its records to rows here (while the previous batch may still be landing),
     * then waits for that previous batch and submits this one. Batches land one at a time, in order.
     */
    private void flush() {
        if (buffer.isEmpty()) {
            return;
        }
        Batch batch = prepare();
        buffer.clear();
        awaitLanding();
        inFlight = lander.submit(() -> land(batch));
        metrics.pending(0);
    }

    /** The buffer's rows per table, its offset range per partition and the schema ids its rows need. */
    private Batch prepare() {
        long t0 = System.nanoTime();
        Instant landedAt = Instant.now();
        Map<Table, List<Row>> rowsByTable = new EnumMap<>(Table.class);
        Set<Integer> schemaIds = new HashSet<>();
        Map<TopicPartition, long[]> ranges = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : buffer) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            for (TableRow row : mapper.map(r, schemaIds::add, landedAt)) {
                rowsByTable.computeIfAbsent(row.table(), t -> new ArrayList<>()).add(new Row(tp, r.offset(),
                        row.values()));
            }
            long[] range = ranges.get(tp);
            if (range == null) {
                ranges.put(tp, new long[] {r.offset(), r.offset()});
            } else {
                range[0] = Math.min(range[0], r.offset());
                range[1] = Math.max(range[1], r.offset());
            }
        }
        metrics.skippedTyped(mapper.skippedTypedRows());
        return new Batch(t0, landedAt, buffer.size(), rowsByTable, schemaIds, ranges);
    }

    /**
     * Waits for the batch being landed, if any, and applies its outcome on this thread (the consumer's): the
     * recorded offsets, the informational Kafka commit, the batch metrics. Rethrows what made the landing fail
     * for good. After it returns nothing else uses the store, so this thread may.
     */
    private void awaitLanding() {
        Future<Landed> f = inFlight;
        if (f == null) {
            return;
        }
        inFlight = null;
        Landed landed;
        try {
            landed = f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkException("interrupted while a batch was landing", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new SinkException("batch landing failed", e.getCause());
        }
        Map<TopicPartition, OffsetAndMetadata> kafkaOffsets = new HashMap<>();
        for (Map.Entry<TopicPartition, long[]> e : landed.batch().ranges().entrySet()) {
            long next = e.getValue()[1] + 1;
            committed.put(e.getKey(), next);
            kafkaOffsets.put(e.getKey(), new OffsetAndMetadata(next));
        }
        // For lag tools only; the offsets of record are the ones the lander wrote to ClickHouse.
        consumer.commitAsync(kafkaOffsets, (o, ex) -> {
            if (ex != null) {
                LOG.debug("informational Kafka offset commit failed: {}", ex.toString());
            }
        });
        lastClickHouseCallNanos = System.nanoTime();
        metrics.batch(landed.batch().records(), landed.millis());
    }

    /** {@link #awaitLanding} without waiting: applies the outcome once the batch in flight has landed. */
    private void collectLanded() {
        Future<Landed> f = inFlight;
        if (f != null && f.isDone()) {
            awaitLanding();
        }
    }

    /**
     * Lands one batch: schemas, rows table by table, then the offsets; retries until done. Runs on the lander thread,
     * never at the same time as anything else that uses the store, {@link #present} or {@link #landedSchemas} (the
     * consumer thread waits for it first: {@link #awaitLanding}).
     *
     * <p>Durability contract: the batch's {@code sink_offsets} rows MUST NOT be inserted before every table's insert
     * of the batch succeeded, and a batch MUST NOT start before the previous one returned. A failed insert is
     * ambiguous, so before any retry every table of the batch is read back over the batch's offset ranges.
     */
    private Landed land(Batch batch) {
        Map<Table, List<Row>> rowsByTable = batch.rowsByTable();
        Map<TopicPartition, long[]> ranges = batch.ranges();
        Instant landedAt = batch.landedAt();
        long deadline = settings.retryTimeoutMs() == 0 ? Long.MAX_VALUE
                : System.currentTimeMillis() + settings.retryTimeoutMs();
        long backoff = settings.backoffMs();
        boolean verify = false;
        while (true) {
            try {
                if (verify) {
                    // After any failure, trust nothing this batch believed landed: a write acknowledged just before
                    // ClickHouse went down is re-read like the one that failed. Replace, not add.
                    Set<Integer> schemas = store.landedSchemaIds();
                    landedSchemas.clear();
                    landedSchemas.addAll(schemas);
                    for (Table t : rowsByTable.keySet()) {
                        for (Map.Entry<TopicPartition, long[]> e : ranges.entrySet()) {
                            if (e.getKey().topic().equals(t.sourceTopic())) {
                                long from = e.getValue()[0];
                                long to = e.getValue()[1];
                                Set<Long> found = store.presentOffsets(t, e.getKey().partition(), from, to);
                                Set<Long> done = present.computeIfAbsent(t, x -> new HashMap<>())
                                        .computeIfAbsent(e.getKey(), x -> new HashSet<>());
                                done.removeIf(o -> o >= from && o <= to);
                                done.addAll(found);
                                metrics.recovered(found.size());
                            }
                        }
                    }
                    verify = false;
                }
                landSchemas(batch.schemaIds(), landedAt);
                for (Map.Entry<Table, List<Row>> e : rowsByTable.entrySet()) {
                    Table table = e.getKey();
                    Map<TopicPartition, Set<Long>> done = present.getOrDefault(table, Map.of());
                    List<Object[]> todo = new ArrayList<>(e.getValue().size());
                    for (Row r : e.getValue()) {
                        Set<Long> landed = done.get(r.tp());
                        if (landed == null || !landed.contains(r.offset())) {
                            todo.add(r.values());
                        }
                    }
                    // No bookkeeping of what this insert landed: after a failure the batch's ranges of every table
                    // are read back (verify above) and replace whatever was known about them.
                    store.insert(table, todo);
                    metrics.landed(table, todo.size());
                }
                List<Object[]> offsetRows = new ArrayList<>();
                for (Map.Entry<TopicPartition, long[]> e : ranges.entrySet()) {
                    long next = e.getValue()[1] + 1;
                    offsetRows.add(new Object[] {settings.group(), e.getKey().topic(), e.getKey().partition(), next,
                        e.getValue()[1] - e.getValue()[0] + 1, landedAt});
                }
                // Offsets last: a crash before this line leaves rows beyond the recorded offsets, which recovery
                // finds. A duplicate offsets row is harmless (max wins).
                store.insert(Table.SINK_OFFSETS, offsetRows);
                metrics.clickHouseAvailable(true);
                for (Map.Entry<TopicPartition, long[]> e : ranges.entrySet()) {
                    long next = e.getValue()[1] + 1;
                    present.values().forEach(m -> {
                        Set<Long> s = m.get(e.getKey());
                        if (s != null) {
                            s.removeIf(o -> o < next);
                        }
                    });
                }
                return new Landed(batch, (System.nanoTime() - batch.t0()) / 1_000_000);
            } catch (ClickHouseUnavailableException | RegistryUnavailableException e) {
                metrics.clickHouseAvailable(!(e instanceof ClickHouseUnavailableException));
                metrics.retry();
                if (System.currentTimeMillis() + backoff > deadline) {
                    throw new SinkException("gave up after retry.timeout.ms=" + settings.retryTimeoutMs()
                            + "; nothing past the last landed batch was acknowledged", e);
                }
                LOG.warn("batch of {} records not landed, retrying in {} ms: {}", batch.records(), backoff,
                        e.getMessage());
                sleep(backoff);
                backoff = Math.min(backoff * 2, settings.backoffMaxMs());
                verify = true;
            }
        }
    }

    private void landSchemas(Set<Integer> ids, Instant landedAt) {
        if (!landedSchemas.containsAll(ids)) {
            // A new schema id is rare; another sink instance may have landed it meanwhile, and registry_schemas keeps
            // every row (no collapsing since V004): look before landing it a second time.
            landedSchemas.addAll(store.landedSchemaIds());
        }
        List<Object[]> rows = new ArrayList<>();
        for (int id : new TreeSet<>(ids)) {
            if (landedSchemas.contains(id)) {
                continue;
            }
            Schema schema = registry.schemaById(id);
            rows.add(new Object[] {(long) id, SpecificRecordCodec.fingerprint(schema), schema.getFullName(),
                schema.toString(), SchemaNormalization.toParsingForm(schema), settings.registryUrl(), landedAt});
        }
        if (rows.isEmpty()) {
            return;
        }
        store.insert(Table.REGISTRY_SCHEMAS, rows);
        rows.forEach(r -> landedSchemas.add((int) (long) (Long) r[0]));
        metrics.landed(Table.REGISTRY_SCHEMAS, rows.size());
    }

    /** One cheap query, no retry, when nothing went to ClickHouse for a while: it only updates clickhouse_up. */
    private void checkClickHouseWhileIdle() {
        if (!buffer.isEmpty() || inFlight != null
                || System.nanoTime() - lastClickHouseCallNanos < IDLE_CHECK_INTERVAL.toNanos()) {
            return;
        }
        lastClickHouseCallNanos = System.nanoTime();
        try {
            store.query("SELECT 1", rs -> { });
            metrics.clickHouseAvailable(true);
        } catch (ClickHouseUnavailableException e) {
            metrics.clickHouseAvailable(false);
            LOG.debug("idle ClickHouse check failed: {}", e.getMessage());
        }
    }

    private void measureLag() {
        Instant now = Instant.now();
        if (now.isBefore(nextLagCheck) || committed.isEmpty()) {
            return;
        }
        nextLagCheck = now.plus(LAG_INTERVAL);
        try {
            Map<TopicPartition, Long> ends = consumer.endOffsets(committed.keySet(), Duration.ofSeconds(2));
            ends.forEach((tp, end) -> metrics.lag(tp.toString(), Math.max(0, end - committed.getOrDefault(tp, 0L))));
        } catch (RuntimeException e) {
            LOG.debug("lag not measured: {}", e.toString());
        }
    }

    private <T> T withRetry(String what, Supplier<T> action) {
        long backoff = settings.backoffMs();
        long deadline = settings.retryTimeoutMs() == 0 ? Long.MAX_VALUE
                : System.currentTimeMillis() + settings.retryTimeoutMs();
        while (true) {
            try {
                T result = action.get();
                lastClickHouseCallNanos = System.nanoTime();
                metrics.clickHouseAvailable(true);
                return result;
            } catch (ClickHouseUnavailableException e) {
                metrics.clickHouseAvailable(false);
                metrics.retry();
                if (System.currentTimeMillis() + backoff > deadline) {
                    throw new SinkException(what + ": gave up after retry.timeout.ms=" + settings.retryTimeoutMs(),
                            e);
                }
                LOG.warn("{} failed, retrying in {} ms: {}", what, backoff, e.getMessage());
                sleep(backoff);
                backoff = Math.min(backoff * 2, settings.backoffMaxMs());
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkException("interrupted while backing off", e);
        }
    }

    /** A row with the Kafka coordinates it came from. */
    private record Row(TopicPartition tp, long offset, Object[] values) { }

    /** One batch's rows, mapped on the consumer thread, landed on the lander's. */
    private record Batch(long t0, Instant landedAt, int records, Map<Table, List<Row>> rowsByTable,
                         Set<Integer> schemaIds, Map<TopicPartition, long[]> ranges) { }

    /** A batch that landed, and how long it took from mapping to its offsets row. */
    private record Landed(Batch batch, long millis) { }
}
