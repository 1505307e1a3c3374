package io.attestream.sink.internal;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The sink's counters and gauges, exposed in the Prometheus text format. Written by the sink thread, read by any.
 */
public final class SinkMetrics implements AutoCloseable {
    private final Map<String, LongAdder> rowsByTable = new ConcurrentHashMap<>();
    private final LongAdder records = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder recoveredRows = new LongAdder();
    private final LongAdder skippedTypedRows = new LongAdder();
    private final AtomicLong clickHouseUp = new AtomicLong(1);
    private final AtomicLong lagRecords = new AtomicLong(-1);
    private final AtomicLong pendingRecords = new AtomicLong();
    private final AtomicLong lastBatchMillis = new AtomicLong();
    private final AtomicLong lastLandedEpochMillis = new AtomicLong();
    private final Map<String, AtomicLong> lagByPartition = new ConcurrentHashMap<>();
    private HttpServer server;

    void landed(Table table, int rows) {
        rowsByTable.computeIfAbsent(table.tableName(), t -> new LongAdder()).add(rows);
    }

    void batch(int recordCount, long millis) {
        records.add(recordCount);
        batches.increment();
        lastBatchMillis.set(millis);
        lastLandedEpochMillis.set(System.currentTimeMillis());
    }

    void retry() {
        retries.increment();
    }

    void recovered(int rows) {
        recoveredRows.add(rows);
    }

    void skippedTyped(long total) {
        skippedTypedRows.reset();
        skippedTypedRows.add(total);
    }

    void clickHouseAvailable(boolean up) {
        clickHouseUp.set(up ? 1 : 0);
    }

    void pending(long n) {
        pendingRecords.set(n);
    }

    void lag(String topicPartition, long lag) {
        lagByPartition.computeIfAbsent(topicPartition, k -> new AtomicLong()).set(lag);
        lagRecords.set(lagByPartition.values().stream().mapToLong(AtomicLong::get).sum());
    }

    /** Records landed (all topics). */
    public long records() {
        return records.sum();
    }

    /** Rows landed in {@code table}. */
    public long rows(Table table) {
        LongAdder a = rowsByTable.get(table.tableName());
        return a == null ? 0 : a.sum();
    }

    /** Failed ClickHouse attempts that were retried. */
    public long retries() {
        return retries.sum();
    }

    /** Records in Kafka not yet landed, summed over assigned partitions; -1 before the first measurement. */
    public long lag() {
        return lagRecords.get();
    }

    /** The metrics in the Prometheus text exposition format. */
    public String prometheusText() {
        StringBuilder sb = new StringBuilder();
        counter(sb, "attestream_sink_records_total", "Kafka records landed.", records.sum());
        sb.append("# HELP attestream_sink_rows_total Rows inserted per table.\n# TYPE attestream_sink_rows_total counter\n");
        new TreeMap<>(rowsByTable).forEach((t, n) -> sb.append("attestream_sink_rows_total{table=\"").append(t)
                .append("\"} ").append(n.sum()).append('\n'));
        counter(sb, "attestream_sink_batches_total", "Batches landed.", batches.sum());
        counter(sb, "attestream_sink_retries_total", "Failed ClickHouse attempts, retried after back-off.",
                retries.sum());
        counter(sb, "attestream_sink_recovered_rows_total", "Rows found already landed after a crash or an"
                + " ambiguous failure, and therefore not inserted again.", recoveredRows.sum());
        counter(sb, "attestream_sink_skipped_typed_rows_total", "Evidence rows landed without typed row"
                + " (errors.tolerance=all).", skippedTypedRows.sum());
        gauge(sb, "attestream_sink_clickhouse_up", "1 when the last ClickHouse call succeeded.", clickHouseUp.get());
        gauge(sb, "attestream_sink_lag_records", "Records in Kafka (up to the last stable offset) not yet landed.",
                lagRecords.get());
        sb.append("# HELP attestream_sink_partition_lag_records Lag per topic-partition.\n"
                + "# TYPE attestream_sink_partition_lag_records gauge\n");
        new TreeMap<>(lagByPartition).forEach((tp, n) -> sb.append("attestream_sink_partition_lag_records{partition=\"")
                .append(tp).append("\"} ").append(n.get()).append('\n'));
        gauge(sb, "attestream_sink_pending_records", "Records polled, waiting in the current batch.",
                pendingRecords.get());
        gauge(sb, "attestream_sink_last_batch_seconds", "Duration of the last batch write.",
                lastBatchMillis.get() / 1000.0);
        gauge(sb, "attestream_sink_last_landed_timestamp_seconds", "When the last batch landed.",
                lastLandedEpochMillis.get() / 1000.0);
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
                .append(" counter\n").append(name).append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, double value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
                .append(" gauge\n").append(name).append(' ')
                .append(value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.3f",
                        value)).append('\n');
    }

    /**
     * Serves {@code GET /metrics} on 127.0.0.1.
     *
     * @param port 0 for a free port
     * @return the bound port
     */
    public int serve(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on port " + port + " (metrics.port)", e);
        }
        server.createContext("/metrics", ex -> {
            byte[] body = prometheusText().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }
}
