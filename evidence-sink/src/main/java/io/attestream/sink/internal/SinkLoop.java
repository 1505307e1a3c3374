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
 * The consume-map-land loop. One thread: everything here runs on the thread that called {@link #run()}.
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
                measureLag();
                checkClickHouseWhileIdle();
            }
            flush();
        } finally {
            metrics.polled(false);
            metrics.pending(buffer.size());
        }
    }

    /** Asks {@link #run()} to land what it holds and return. Any thread. */
    public void stop() {
        stopping = true;
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close();
        store.close();
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
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

    /** Lands the buffer: schemas, rows table by table, then the offsets. Retries until done. */
    private void flush() {
        if (buffer.isEmpty()) {
            return;
        }
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
            ranges.merge(tp, new long[] {r.offset(), r.offset()},
                    (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
        metrics.skippedTyped(mapper.skippedTypedRows());
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
                landSchemas(schemaIds, landedAt);
                for (Map.Entry<Table, List<Row>> e : rowsByTable.entrySet()) {
                    Table table = e.getKey();
                    Map<TopicPartition, Set<Long>> done = present.computeIfAbsent(table, t -> new HashMap<>());
                    List<Row> todo = e.getValue().stream()
                            .filter(r -> !done.getOrDefault(r.tp(), Set.of()).contains(r.offset())).toList();
                    store.insert(table, todo.stream().map(Row::values).toList());
                    for (Row r : todo) {
                        done.computeIfAbsent(r.tp(), x -> new HashSet<>()).add(r.offset());
                    }
                    metrics.landed(table, todo.size());
                }
                List<Object[]> offsetRows = new ArrayList<>();
                Map<TopicPartition, OffsetAndMetadata> kafkaOffsets = new HashMap<>();
                for (Map.Entry<TopicPartition, long[]> e : ranges.entrySet()) {
                    long next = e.getValue()[1] + 1;
                    offsetRows.add(new Object[] {settings.group(), e.getKey().topic(), e.getKey().partition(), next,
                        e.getValue()[1] - e.getValue()[0] + 1, landedAt});
                    kafkaOffsets.put(e.getKey(), new OffsetAndMetadata(next));
                }
                // Offsets last: a crash before this line leaves rows beyond the recorded offsets, which recovery
                // finds. A duplicate offsets row is harmless (max wins).
                store.insert(Table.SINK_OFFSETS, offsetRows);
                lastClickHouseCallNanos = System.nanoTime();
                metrics.clickHouseAvailable(true);
                for (Map.Entry<TopicPartition, long[]> e : ranges.entrySet()) {
                    long next = e.getValue()[1] + 1;
                    committed.put(e.getKey(), next);
                    present.values().forEach(m -> {
                        Set<Long> s = m.get(e.getKey());
                        if (s != null) {
                            s.removeIf(o -> o < next);
                        }
                    });
                }
                // For lag tools only; the offsets of record are the ones just written to ClickHouse.
                consumer.commitAsync(kafkaOffsets, (o, ex) -> {
                    if (ex != null) {
                        LOG.debug("informational Kafka offset commit failed: {}", ex.toString());
                    }
                });
                metrics.batch(buffer.size(), (System.nanoTime() - t0) / 1_000_000);
                buffer.clear();
                metrics.pending(0);
                return;
            } catch (ClickHouseUnavailableException | RegistryUnavailableException e) {
                metrics.clickHouseAvailable(!(e instanceof ClickHouseUnavailableException));
                metrics.retry();
                if (System.currentTimeMillis() + backoff > deadline) {
                    throw new SinkException("gave up after retry.timeout.ms=" + settings.retryTimeoutMs()
                            + "; nothing past the last landed batch was acknowledged", e);
                }
                LOG.warn("batch of {} records not landed, retrying in {} ms: {}", buffer.size(), backoff,
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
        if (!buffer.isEmpty() || System.nanoTime() - lastClickHouseCallNanos < IDLE_CHECK_INTERVAL.toNanos()) {
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
}
