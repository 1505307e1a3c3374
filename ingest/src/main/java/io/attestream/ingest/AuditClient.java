package io.attestream.ingest;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import io.attestream.events.RecordedBy;
import io.attestream.ingest.internal.EventSpool;
import io.attestream.ingest.internal.WireEncoder;
import io.attestream.schemas.EventRules;
import io.attestream.schemas.EventRules.Violation;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.AuditEventSerializer;
import io.attestream.sealing.EventSealer;
import io.attestream.sealing.FieldPath;
import io.attestream.sealing.KeyStore;
import io.attestream.sealing.SealingException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The JVM SDK: writes {@link AuditEvent}s to {@link Topics#EVENTS}, keyed {@code tenant/agentId} (so one agent's
 * events stay in one partition, in order), in Confluent wire format under subject {@code attestream.events-value},
 * with an idempotent producer ({@code acks=all}, {@code enable.idempotence=true}). Thread-safe.
 *
 * <pre>{@code
 * try (AuditClient client = AuditClient.create(Map.of("bootstrap.servers", "localhost:9092",
 *         "schema.registry.url", "http://localhost:8081/apis/ccompat/v7"))) {
 *     Ack ack = client.event("acme", "refund-bot", "1.4.2")
 *             .agentAction(AgentAction.newBuilder()...build())
 *             .send().join();
 * }
 * }</pre>
 *
 * <p>Contracts:
 * <ul>
 *   <li>{@link #send} returns a future completed with the partition and offset once Kafka acknowledged the event
 *   (acks=all). Without a spool it fails with {@link IngestException} if Kafka does not acknowledge within
 *   {@code delivery.timeout.ms}; with a spool ({@value AuditClientConfig#SPOOL_DIR_CONFIG}) the event is on disk when
 *   {@code send} returns and is replayed, in order, until acknowledged, also by the next process using the
 *   directory; its future completes only on the acknowledgement.</li>
 *   <li>At most {@value AuditClientConfig#BUFFER_MAX_EVENTS_CONFIG} events are unacknowledged; beyond it
 *   {@code send} throws {@link BufferFullException} and queues nothing.</li>
 *   <li>Replays and retries reuse the eventId; the chainer keeps one eventId once, so they are never duplicates in
 *   the chain.</li>
 *   <li>{@link #flush()} returns when every event sent before the call was acknowledged or failed (spooled ones stay
 *   spooled). {@link #close()} flushes, then closes the producer: callers MUST close the client; events still
 *   unacknowledged at close remain in the spool if there is one, otherwise their futures fail.</li>
 * </ul>
 */
public final class AuditClient implements AutoCloseable {
    /** recordedBy.sdk of events built by this SDK. */
    public static final String SDK_NAME = "attestream-java";
    /** recordedBy.sdkVersion of events built by this SDK. */
    public static final String SDK_VERSION = "0.1.0";

    private final Producer<String, byte[]> producer;
    private final int schemaId;
    private final String topic;
    private final int capacity;
    private final long retryAfterMillis;
    private final long replayBackoffMillis;
    private final RecordedBy recordedBy;
    private final EventSpool spool;
    private final EventSealer sealer;
    private final AtomicInteger unacked = new AtomicInteger();
    private final Map<UUID, CompletableFuture<Ack>> waiting = new ConcurrentHashMap<>();
    private final Map<UUID, Boolean> inFlight = new ConcurrentHashMap<>();
    private final AtomicBoolean replayScheduled = new AtomicBoolean();
    private final ScheduledExecutorService replayer;
    private volatile boolean closed;

    AuditClient(AuditClientConfig config, Producer<String, byte[]> producer, int schemaId) {
        this(config, producer, schemaId, config.keyStore().orElse(null));
    }

    AuditClient(AuditClientConfig config, Producer<String, byte[]> producer, int schemaId, KeyStore keys) {
        this.producer = requireNonNull(producer, "producer");
        List<FieldPath> personal = config.sealFields();
        if (!personal.isEmpty() && keys == null) {
            throw new org.apache.kafka.common.config.ConfigException(AuditClientConfig.SEAL_KEYSTORE_DIR_CONFIG, "",
                    "a key store is required when " + AuditClientConfig.SEAL_FIELDS_CONFIG + " is set");
        }
        this.sealer = personal.isEmpty() ? null : new EventSealer(keys, personal);
        this.schemaId = schemaId;
        this.topic = config.getString(AuditClientConfig.TOPIC_CONFIG);
        this.capacity = config.getInt(AuditClientConfig.BUFFER_MAX_EVENTS_CONFIG);
        this.retryAfterMillis = config.getLong(AuditClientConfig.BUFFER_RETRY_AFTER_MS_CONFIG);
        this.replayBackoffMillis = config.getLong(AuditClientConfig.SPOOL_REPLAY_BACKOFF_MS_CONFIG);
        String host = config.getString(AuditClientConfig.RECORDED_BY_HOST_CONFIG);
        this.recordedBy = new RecordedBy(host.isBlank() ? localHost() : host, SDK_NAME, SDK_VERSION);
        String dir = config.getString(AuditClientConfig.SPOOL_DIR_CONFIG);
        this.spool = dir.isBlank() ? null : EventSpool.open(Path.of(dir));
        this.replayer = spool == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "attestream-spool-replay");
            t.setDaemon(true);
            return t;
        });
        if (spool != null) {
            List<EventSpool.Entry> recovered = spool.pending();
            unacked.addAndGet(recovered.size());
            replayer.execute(() -> recovered.forEach(this::dispatch));
        }
    }

    /**
     * A client for {@code config} (keys of {@link AuditClientConfig}). Resolves the schema id of this build's
     * AuditEvent schema first (registering it only with {@code auto.register.schemas=true}).
     *
     * @throws org.apache.kafka.common.config.ConfigException naming the key of a bad setting
     */
    public static AuditClient create(Map<String, ?> config) {
        AuditClientConfig parsed = new AuditClientConfig(requireNonNull(config, "config"));
        return create(parsed, parsed.keyStore().orElse(null));
    }

    /**
     * A client that seals the fields of {@value AuditClientConfig#SEAL_FIELDS_CONFIG} with {@code keys} instead of the
     * file store of {@value AuditClientConfig#SEAL_KEYSTORE_DIR_CONFIG}: the integration point of a KMS-backed
     * {@link KeyStore} (docs/privacy.md).
     */
    public static AuditClient create(Map<String, ?> config, KeyStore keys) {
        return create(new AuditClientConfig(requireNonNull(config, "config")), requireNonNull(keys, "keys"));
    }

    private static AuditClient create(AuditClientConfig parsed, KeyStore keys) {
        SchemaRegistryClient registry = new SchemaRegistryClient(parsed.registryConfig());
        int schemaId = new AuditEventSerializer(registry,
                parsed.getBoolean(AuditClientConfig.AUTO_REGISTER_SCHEMAS_CONFIG))
                .schemaId(parsed.getString(AuditClientConfig.TOPIC_CONFIG));
        Producer<String, byte[]> producer = new KafkaProducer<>(parsed.producerConfig(), new StringSerializer(),
                new ByteArraySerializer());
        return new AuditClient(parsed, producer, schemaId, keys);
    }

    private static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }

    /** A builder for one event of agent {@code agentId} of {@code tenant}, at version {@code agentVersion}. */
    public EventBuilder event(String tenant, String agentId, String agentVersion) {
        return new EventBuilder(this, recordedBy, tenant, agentId, agentVersion);
    }

    /**
     * Sends {@code event} asynchronously.
     *
     * @return a future completed with Kafka's acknowledgement
     * @throws InvalidEventException if the event breaks {@link EventRules}
     * @throws BufferFullException if {@value AuditClientConfig#BUFFER_MAX_EVENTS_CONFIG} events are unacknowledged
     * @throws IllegalStateException after {@link #close()}
     */
    public CompletableFuture<Ack> send(AuditEvent event) {
        return send(event, null);
    }

    /**
     * Sends {@code event} asynchronously, its fields marked personal sealed under {@code subjectId}'s key first
     * (they never leave the process in clear; docs/privacy.md).
     *
     * @param subjectId the data subject of the personal content; null when the event has none
     * @return a future completed with Kafka's acknowledgement
     * @throws InvalidEventException if the event breaks {@link EventRules}, has personal content without a subject,
     *     or names a subject while this client seals nothing
     * @throws IngestException when the key store fails
     * @throws BufferFullException if {@value AuditClientConfig#BUFFER_MAX_EVENTS_CONFIG} events are unacknowledged
     */
    public CompletableFuture<Ack> send(AuditEvent event, String subjectId) {
        requireNonNull(event, "event");
        if (closed) {
            throw new IllegalStateException("AuditClient is closed");
        }
        List<Violation> violations = EventRules.violations(event);
        if (!violations.isEmpty()) {
            throw new InvalidEventException(violations);
        }
        event = seal(event, subjectId);
        byte[] value = WireEncoder.encode(schemaId, event);
        int now = unacked.incrementAndGet();
        if (now > capacity) {
            unacked.decrementAndGet();
            throw new BufferFullException(capacity, retryAfterMillis, AuditClientConfig.BUFFER_MAX_EVENTS_CONFIG);
        }
        EventSpool.Entry entry = new EventSpool.Entry(event.getEventId(),
                Topics.agentKey(event.getTenant(), event.getAgentId()), value);
        CompletableFuture<Ack> future = new CompletableFuture<>();
        waiting.put(entry.eventId(), future);
        if (spool != null) {
            try {
                spool.append(entry);
            } catch (RuntimeException e) {
                waiting.remove(entry.eventId());
                unacked.decrementAndGet();
                throw new IngestException("cannot spool event " + entry.eventId() + " of " + entry.key(), e);
            }
        }
        if (spool != null) {
            // Off the caller's thread: with Kafka down, producer.send blocks up to max.block.ms for metadata, and
            // the event is already durable. One thread keeps the spool order.
            replayer.execute(() -> {
                // A replay on this same thread may have sent it already.
                if (!inFlight.containsKey(entry.eventId()) && spool.isPending(entry.eventId())) {
                    dispatch(entry);
                }
            });
        } else {
            dispatch(entry);
        }
        return future;
    }

    private AuditEvent seal(AuditEvent event, String subjectId) {
        if (sealer == null) {
            if (subjectId != null) {
                throw new InvalidEventException(List.of(new Violation("subject", "given, but this client seals "
                        + "nothing: set " + AuditClientConfig.SEAL_FIELDS_CONFIG + " (or do not name a subject)")));
            }
            return event;
        }
        if (subjectId == null && sealer.hasPersonalContent(event)) {
            throw new InvalidEventException(List.of(new Violation("subject", "is required: the event has content in "
                    + "a field marked personal (" + AuditClientConfig.SEAL_FIELDS_CONFIG + ")")));
        }
        try {
            return sealer.seal(event, subjectId);
        } catch (SealingException e) {
            throw new IngestException("cannot seal event " + event.getEventId() + " of " + event.getTenant() + "/"
                    + event.getAgentId() + ": " + e.getMessage(), e);
        }
    }

    private void dispatch(EventSpool.Entry entry) {
        // Only replays of the spool ask what is in flight: without a spool nothing is tracked per event.
        if (spool != null) {
            inFlight.put(entry.eventId(), Boolean.TRUE);
        }
        try {
            producer.send(new ProducerRecord<>(topic, entry.key(), entry.value()), (meta, error) -> {
                if (spool != null) {
                    inFlight.remove(entry.eventId());
                }
                if (error == null) {
                    if (spool != null) {
                        spool.ack(entry.eventId());
                    }
                    unacked.decrementAndGet();
                    CompletableFuture<Ack> f = waiting.remove(entry.eventId());
                    if (f != null) {
                        f.complete(new Ack(entry.eventId(), meta.topic(), meta.partition(), meta.offset()));
                    }
                } else {
                    failed(entry, error);
                }
            });
        } catch (RuntimeException e) {
            if (spool != null) {
                inFlight.remove(entry.eventId());
            }
            failed(entry, e);
        }
    }

    private void failed(EventSpool.Entry entry, Exception error) {
        if (spool != null && !closed) {
            scheduleReplay();
            return;
        }
        if (spool == null) {
            unacked.decrementAndGet();
        }
        CompletableFuture<Ack> f = waiting.remove(entry.eventId());
        if (f != null) {
            f.completeExceptionally(new IngestException("Kafka did not acknowledge event " + entry.eventId() + " of "
                    + entry.key() + " on " + topic + (spool != null ? " (it stays in the spool)" : ""),
                    error));
        }
    }

    private void scheduleReplay() {
        if (replayScheduled.compareAndSet(false, true)) {
            replayer.schedule(() -> {
                replayScheduled.set(false);
                replay();
            }, replayBackoffMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Sends every spooled event not in flight, oldest first. */
    private void replay() {
        if (closed) {
            return;
        }
        for (EventSpool.Entry entry : spool.pending()) {
            if (!inFlight.containsKey(entry.eventId())) {
                dispatch(entry);
            }
        }
    }

    /** With a spool, waits until the dispatch thread has handed every event sent so far to the producer. */
    private void drainDispatches() {
        if (replayer == null || replayer.isShutdown()) {
            return;
        }
        try {
            replayer.submit(() -> { }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IngestException("spool dispatch failed", e.getCause());
        }
    }

    /** Events sent (or recovered from the spool) and not yet acknowledged. */
    public int unacknowledged() {
        return unacked.get();
    }

    /** Blocks until every event sent before this call was acknowledged or failed. */
    public void flush() {
        drainDispatches();
        producer.flush();
    }

    /** {@link #close(Duration)} with 30 s. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /** Flushes, then closes the producer, waiting at most {@code timeout}; the spool keeps what is unacknowledged. */
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        drainDispatches();
        producer.flush();
        closed = true;
        if (replayer != null) {
            replayer.shutdownNow();
        }
        producer.close(requireNonNull(timeout, "timeout"));
        if (spool != null) {
            spool.close();
        }
        IngestException gone = new IngestException("AuditClient closed before Kafka acknowledged the event"
                + (spool != null ? " (it stays in the spool)" : ""));
        waiting.values().forEach(f -> f.completeExceptionally(gone));
        waiting.clear();
    }
}
