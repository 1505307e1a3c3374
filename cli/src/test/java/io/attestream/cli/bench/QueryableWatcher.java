package io.attestream.cli.bench;

import io.attestream.deploy.stack.StackEndpoints;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Polls ClickHouse for the rows of one tenant that became visible to a SELECT since the last poll, and records for
 * each event (by the index its eventId carries, {@link EndToEndBenchmark#eventId}) when it was first seen.
 *
 * <p>The cheap query: per partition of the chained topic a watermark on {@code kafka_offset} (the sink inserts each
 * partition's records in offset order, one INSERT per batch), so each poll reads only the rows landed since the last
 * one: {@code tenant} is the prefix of the table's ORDER BY and {@code kafka_offset} has a minmax skip index.
 * {@link #reconcile} checks that assumption afterwards with a full count. The query goes over the ClickHouse HTTP
 * interface as TabSeparated (a few ms on the local front; through clickhouse-jdbc the same poll took 80-110 ms on
 * the loaded machine, time the sink's inserts then waited for).
 */
final class QueryableWatcher implements AutoCloseable {
    /** One poll's view: when, how many events were sent by then, how many seen. */
    record Sample(long nanos, long sent, long seen) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI uri;
    private final String authorization;
    private final String table;
    private final String tenant;
    private final long runBits;
    private final long[] seenNanos;
    private final AtomicLong sent;
    private final long pollNanos;
    private final Map<Integer, Long> watermarks = new HashMap<>();
    private final List<Sample> samples = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong seen = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;
    private long polls;
    private long queryNanos;
    private long maxQueryNanos;

    QueryableWatcher(StackEndpoints stack, String database, String tenant, long runBits, long[] seenNanos,
                     AtomicLong sent, long pollMs) {
        this.uri = URI.create(stack.clickHouseUrl() + "/");
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((stack.clickHouseUser() + ":"
                + stack.clickHousePassword()).getBytes(StandardCharsets.UTF_8));
        this.table = database + ".chained_events";
        this.tenant = tenant;
        this.runBits = runBits;
        this.seenNanos = seenNanos;
        this.sent = sent;
        this.pollNanos = pollMs * 1_000_000L;
        this.thread = new Thread(this::loop, "e2e-queryable-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        try {
            while (!stopping) {
                long started = System.nanoTime();
                long sentBefore = sent.get();
                poll();
                long now = System.nanoTime();
                synchronized (this) {
                    polls++;
                    queryNanos += now - started;
                    maxQueryNanos = Math.max(maxQueryNanos, now - started);
                    samples.add(new Sample(now, sentBefore, seen.get()));
                }
                LockSupport.parkNanos(Math.max(0, pollNanos - (System.nanoTime() - started)));
            }
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Rows of a TabSeparated result (the values here need no unescaping: numbers and UUIDs). */
    private List<String[]> query(String sql) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", authorization)
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(sql + " FORMAT TabSeparated"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("ClickHouse answered " + r.statusCode() + " to " + sql + ": " + r.body());
        }
        List<String[]> rows = new ArrayList<>();
        r.body().lines().filter(l -> !l.isEmpty()).forEach(l -> rows.add(l.split("\t", -1)));
        return rows;
    }

    private void poll() throws IOException, InterruptedException {
        StringBuilder sql = new StringBuilder("SELECT kafka_partition, kafka_offset, event_id FROM ").append(table)
                .append(" WHERE tenant = '").append(tenant).append('\'');
        if (!watermarks.isEmpty()) {
            sql.append(" AND (kafka_partition NOT IN (").append(watermarks.keySet().stream().map(String::valueOf)
                    .collect(Collectors.joining(","))).append(')');
            watermarks.forEach((p, o) -> sql.append(" OR kafka_partition = ").append(p).append(" AND kafka_offset > ")
                    .append(o));
            sql.append(')');
        }
        List<String[]> rows = query(sql.toString());
        // The end of the query that first returned the row: an upper bound of when it became visible.
        long now = System.nanoTime();
        for (String[] row : rows) {
            watermarks.merge(Integer.parseInt(row[0]), Long.parseLong(row[1]), Math::max);
            UUID id = UUID.fromString(row[2]);
            if (id.getMostSignificantBits() != runBits) {
                continue;
            }
            int index = (int) id.getLeastSignificantBits();
            if (seenNanos[index] == 0) {
                seenNanos[index] = now;
                seen.incrementAndGet();
            }
        }
    }

    /** Events seen so far. */
    long seen() {
        return seen.get();
    }

    /** Waits until every event in [from, to) is seen, or the timeout; true when all were. */
    boolean awaitSeen(int from, int to, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        int next = from;
        while (true) {
            checkAlive();
            while (next < to && seenNanos[next] != 0) {
                next++;
            }
            if (next >= to) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    /** @throws IllegalStateException when a poll failed */
    void checkAlive() {
        if (failure.get() != null) {
            throw new IllegalStateException("polling ClickHouse failed: " + failure.get(), failure.get());
        }
    }

    /** The samples taken between two instants (nanoTime). */
    synchronized List<Sample> samples(long fromNanos, long toNanos) {
        return samples.stream().filter(x -> x.nanos() >= fromNanos && x.nanos() <= toNanos).toList();
    }

    /** Poll count, mean and max query time, for the resolution line. */
    synchronized String resolution() {
        return String.format("poll every %d ms, %,d polls, query %.1f ms mean, %.1f ms max", pollNanos / 1_000_000,
                polls, polls == 0 ? 0 : queryNanos / 1e6 / polls, maxQueryNanos / 1e6);
    }

    /**
     * Stops polling, polls once more, then counts the tenant's rows: more distinct ids than {@link #seen()} are rows
     * the polls never returned (landed after that last poll, or skipped by the watermark), more rows than distinct
     * ids are events landed twice.
     *
     * @return {rows, distinct event ids}
     */
    long[] reconcile() throws IOException, InterruptedException {
        stop();
        poll();
        String[] row = query("SELECT count(), uniqExact(event_id) FROM " + table + " WHERE tenant = '" + tenant + "'")
                .get(0);
        return new long[] {Long.parseLong(row[0]), Long.parseLong(row[1])};
    }

    private void stop() {
        stopping = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
