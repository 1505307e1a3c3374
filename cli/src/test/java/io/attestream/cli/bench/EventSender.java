package io.attestream.cli.bench;

import io.attestream.events.AuditEvent;
import io.attestream.ingest.AuditClient;
import io.attestream.ingest.BufferFullException;
import io.attestream.ingest.internal.JsonEventMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How the benchmark's producer hands events to the pipeline: the JVM SDK or HTTP NDJSON batches to the gateway.
 * Each records an event's send time (nanoTime) in {@code sentNanos[index]} when the producer hands it over, so a
 * client's batching counts in the latency: the SDK's linger inside its producer, the gateway sender's linger before
 * the HTTP request that carries the event.
 */
abstract class EventSender implements AutoCloseable {
    protected final long[] sentNanos;
    protected final AtomicLong failed = new AtomicLong();
    protected final AtomicReference<Throwable> firstFailure = new AtomicReference<>();

    EventSender(long[] sentNanos) {
        this.sentNanos = sentNanos;
    }

    /** Sends (or queues for the next {@link #flush}) one event. */
    abstract void send(int index, AuditEvent event) throws InterruptedException;

    /** Sends what {@link #send} queued once it is due; called at the end of every pacing tick. */
    abstract void flush() throws InterruptedException;

    /** Waits until every event sent was acknowledged or failed. */
    abstract void awaitAcks() throws InterruptedException;

    @Override
    public abstract void close();

    /** Events that Kafka or the gateway refused, and the first reason. */
    String failures() {
        return failed.get() == 0 ? "none" : failed.get() + " (first: " + firstFailure.get() + ")";
    }

    protected void fail(long n, Throwable why) {
        failed.addAndGet(n);
        firstFailure.compareAndSet(null, why);
    }

    /** {@link AuditClient#send}; a full buffer is waited out as the SDK documents (same event, after retryAfter). */
    static final class Sdk extends EventSender {
        private final AuditClient client;

        Sdk(AuditClient client, long[] sentNanos) {
            super(sentNanos);
            this.client = client;
        }

        @Override
        void send(int index, AuditEvent event) throws InterruptedException {
            while (true) {
                try {
                    sentNanos[index] = System.nanoTime();
                    client.send(event).whenComplete((ack, e) -> {
                        if (e != null) {
                            fail(1, e);
                        }
                    });
                    return;
                } catch (BufferFullException full) {
                    Thread.sleep(Math.max(1, full.retryAfterMillis()));
                }
            }
        }

        @Override
        void flush() {
        }

        @Override
        void awaitAcks() {
            client.flush();
        }

        @Override
        public void close() {
            client.close();
        }
    }

    /**
     * NDJSON batches to {@code POST /v1/events}, asynchronous, at most {@code inFlight} requests at once (a request
     * is answered 202 only once Kafka acknowledged every event in it). A batch is posted when it holds
     * {@code maxBatch} events or its first event has waited {@code lingerMs}. Any other answer counts its events as
     * failed.
     */
    static final class Gateway extends EventSender {
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final URI uri;
        private final String apiKey;
        private final int maxBatch;
        private final long lingerNanos;
        private final int inFlight;
        private final Semaphore permits;
        private final List<Integer> indexes = new ArrayList<>();
        private final StringBuilder body = new StringBuilder();

        Gateway(URI uri, String apiKey, int maxBatch, long lingerMs, int inFlight, long[] sentNanos) {
            super(sentNanos);
            this.uri = uri;
            this.apiKey = apiKey;
            this.maxBatch = maxBatch;
            this.lingerNanos = lingerMs * 1_000_000L;
            this.inFlight = inFlight;
            this.permits = new Semaphore(inFlight);
        }

        @Override
        void send(int index, AuditEvent event) throws InterruptedException {
            // The gateway's own JSON mapping (ingest internal, as IngestBenchmark uses it): the shape it accepts.
            sentNanos[index] = System.nanoTime();
            body.append(JsonEventMapper.toJson(event)).append('\n');
            indexes.add(index);
            if (indexes.size() >= maxBatch) {
                post();
            }
        }

        @Override
        void flush() throws InterruptedException {
            if (!indexes.isEmpty() && System.nanoTime() - sentNanos[indexes.get(0)] >= lingerNanos) {
                post();
            }
        }

        private void post() throws InterruptedException {
            if (indexes.isEmpty()) {
                return;
            }
            permits.acquire();
            int n = indexes.size();
            HttpRequest request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + apiKey)
                    .header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
            indexes.clear();
            body.setLength(0);
            http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                permits.release();
                if (e != null) {
                    fail(n, e);
                } else if (r.statusCode() != 202) {
                    fail(n, new IllegalStateException("HTTP " + r.statusCode() + " "
                            + r.body().substring(0, Math.min(300, r.body().length()))));
                }
            });
        }

        @Override
        void awaitAcks() throws InterruptedException {
            post();
            if (!permits.tryAcquire(inFlight, 120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gateway requests still unanswered after 120 s");
            }
            permits.release(inFlight);
        }

        @Override
        public void close() {
            // Java 17's HttpClient has no close; its connections end with the JVM.
        }
    }
}
