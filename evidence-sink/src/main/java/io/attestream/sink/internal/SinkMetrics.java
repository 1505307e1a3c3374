package io.attestream.sink.internal;

import io.attestream.runtime.Readiness;
import io.attestream.runtime.StageMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sink's meters (Micrometer, served by the stage's HealthServer) and the state behind its {@code /ready}. Written
 * by the sink thread, read by any. Prometheus names: {@link #NAMES}.
 */
public final class SinkMetrics {
    /** Stage name in meter names ({@code attestream.sink.*}). */
    public static final String STAGE = "sink";

    /** Every Prometheus metric name the sink serves besides jvm_* / process_* (docs/operations.md). */
    public static final List<String> NAMES = List.of(
            "attestream_sink_records_total",
            "attestream_sink_rows_total",
            "attestream_sink_batches_total",
            "attestream_sink_retries_total",
            "attestream_sink_recovered_rows_total",
            "attestream_sink_skipped_typed_rows_total",
            "attestream_sink_clickhouse_up",
            "attestream_sink_lag_records",
            "attestream_sink_partition_lag_records",
            "attestream_sink_pending_records",
            "attestream_sink_last_batch_seconds",
            "attestream_sink_last_landed_timestamp_seconds");

    /** {@code /ready} is down when the poll loop has not come round for this long. */
    static final long STALL_MILLIS = 60_000;

    private final PrometheusMeterRegistry registry;
    private final Map<String, Counter> rowsByTable = new ConcurrentHashMap<>();
    private final Counter records;
    private final Counter batches;
    private final Counter retries;
    private final Counter recoveredRows;
    private final AtomicLong skippedTypedRows = new AtomicLong();
    private final AtomicLong clickHouseUp = new AtomicLong(1);
    private final AtomicLong lagRecords = new AtomicLong(-1);
    private final AtomicLong pendingRecords = new AtomicLong();
    private final AtomicLong lastBatchMillis = new AtomicLong();
    private final AtomicLong lastLandedEpochMillis = new AtomicLong();
    private final Map<String, AtomicLong> lagByPartition = new ConcurrentHashMap<>();
    private volatile boolean consuming;
    private volatile long lastPollMillis;

    /** Meters in a new registry with the JVM meters. */
    public SinkMetrics() {
        this(StageMetrics.newRegistry());
    }

    /** @param registry where the meters go */
    public SinkMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        records = Counter.builder(name("records")).description("Kafka records landed.").register(registry);
        batches = Counter.builder(name("batches")).description("Batches landed.").register(registry);
        retries = Counter.builder(name("retries")).description("Failed ClickHouse attempts, retried after back-off.")
                .register(registry);
        recoveredRows = Counter.builder(name("recovered.rows")).description("Rows found already landed after a "
                + "crash or an ambiguous failure, and therefore not inserted again.").register(registry);
        FunctionCounter.builder(name("skipped.typed.rows"), skippedTypedRows, AtomicLong::get)
                .description("Evidence rows landed without typed row (errors.tolerance=all).").register(registry);
        Gauge.builder(name("clickhouse.up"), clickHouseUp, AtomicLong::get)
                .description("1 when the last ClickHouse call succeeded.").register(registry);
        Gauge.builder(name("lag.records"), lagRecords, AtomicLong::get)
                .description("Records in Kafka (up to the last stable offset) not yet landed; -1 before the first "
                        + "measurement.").register(registry);
        Gauge.builder(name("pending.records"), pendingRecords, AtomicLong::get)
                .description("Records polled, waiting in the current batch.").register(registry);
        Gauge.builder(name("last.batch.seconds"), lastBatchMillis, a -> a.get() / 1000.0)
                .description("Duration of the last batch write.").register(registry);
        Gauge.builder(name("last.landed.timestamp.seconds"), lastLandedEpochMillis, a -> a.get() / 1000.0)
                .description("When the last batch landed (Unix time).").register(registry);
    }

    private static String name(String what) {
        return StageMetrics.name(STAGE, what);
    }

    /** @return the registry behind {@code /metrics} */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    void landed(Table table, int rows) {
        rowsByTable.computeIfAbsent(table.tableName(), t -> Counter.builder(name("rows")).tag("table", t)
                .description("Rows inserted per table.").register(registry)).increment(rows);
    }

    void batch(int recordCount, long millis) {
        records.increment(recordCount);
        batches.increment();
        lastBatchMillis.set(millis);
        lastLandedEpochMillis.set(System.currentTimeMillis());
    }

    void retry() {
        retries.increment();
    }

    void recovered(int rows) {
        recoveredRows.increment(rows);
    }

    void skippedTyped(long total) {
        skippedTypedRows.set(total);
    }

    void clickHouseAvailable(boolean up) {
        clickHouseUp.set(up ? 1 : 0);
    }

    void pending(long n) {
        pendingRecords.set(n);
    }

    void lag(String topicPartition, long lag) {
        lagByPartition.computeIfAbsent(topicPartition, tp -> {
            AtomicLong a = new AtomicLong();
            Gauge.builder(name("partition.lag.records"), a, AtomicLong::get).tag("partition", tp)
                    .description("Lag per topic-partition.").register(registry);
            return a;
        }).set(lag);
        lagRecords.set(lagByPartition.values().stream().mapToLong(AtomicLong::get).sum());
    }

    /** The poll loop came round (or stopped: {@code consuming} false). */
    void polled(boolean consuming) {
        this.consuming = consuming;
        this.lastPollMillis = System.currentTimeMillis();
    }

    /** Records landed (all topics). */
    public long records() {
        return (long) records.count();
    }

    /** Rows landed in {@code table}. */
    public long rows(Table table) {
        Counter c = rowsByTable.get(table.tableName());
        return c == null ? 0 : (long) c.count();
    }

    /** Failed ClickHouse attempts that were retried. */
    public long retries() {
        return (long) retries.count();
    }

    /** Records in Kafka not yet landed, summed over assigned partitions; -1 before the first measurement. */
    public long lag() {
        return lagRecords.get();
    }

    /** The metrics in the Prometheus text exposition format. */
    public String prometheusText() {
        return registry.scrape();
    }

    /**
     * {@code /ready}: up while the poll loop runs (migrations applied, subscribed, polled within the last minute) and
     * the last ClickHouse call succeeded (the loop checks ClickHouse while idle too).
     */
    public Readiness.Status readiness() {
        if (!consuming) {
            return Readiness.Status.down(lastPollMillis == 0 ? "starting: applying migrations" : "not consuming");
        }
        if (clickHouseUp.get() == 0) {
            return Readiness.Status.down("ClickHouse unreachable (retrying)");
        }
        long since = System.currentTimeMillis() - lastPollMillis;
        if (since > STALL_MILLIS) {
            return Readiness.Status.down("poll loop stalled for " + since + " ms");
        }
        return Readiness.Status.up("consuming, ClickHouse reachable");
    }
}
