package io.attestream.chainer;

import static java.util.Objects.requireNonNull;

import io.attestream.chain.CheckpointRecord;
import io.attestream.chainer.DeadLetterReason.FailureMode;
import io.attestream.chainer.internal.ChainProcessor;
import io.attestream.chainer.internal.ChainedEventWire;
import io.attestream.chainer.internal.ChainerMetrics;
import io.attestream.chainer.internal.Notary;
import io.attestream.chainer.internal.Refusals;
import io.attestream.chainer.internal.RouteProcessor;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.TimestampAuthority;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.WireSerde;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The chainer's topology, built by {@link #buildTopology} (Processor API):
 *
 * <pre>
 * input topic ──► route ──┬──────────────────────────────► chain ──► chained topic
 *                         ├──► re-key topic ──► route-rekeyed ─┘   └──► checkpoints topic (punctuation)
 *                         └──► dead-letter topic ◄── (route-rekeyed, chain: duplicates)
 * </pre>
 *
 * <p>Both sources feed one sub-topology, so partition p of the input and of the re-key topic are one task that owns
 * the state of every agent whose key hashes to p. The re-key topic MUST have as many partitions as the input topic,
 * and the input topic's partition count MUST NOT change while chains exist (agents would move to other tasks and
 * their chains would restart): ChainerMain checks the first at start-up.
 */
public final class ChainerTopology {
    /** Source node of the input topic. */
    public static final String SOURCE = "events";
    /** Source node of the re-key topic. */
    public static final String REKEY_SOURCE = "rekeyed";
    /** Routing processor of the input. */
    public static final String ROUTE = "route";
    /** Routing processor of the re-key topic. */
    public static final String ROUTE_REKEYED = "route-rekeyed";
    /** Chaining processor. */
    public static final String CHAIN = "chain";
    /** Sink of the re-key topic. */
    public static final String REKEY_SINK = "rekey-sink";
    /** Sink of the dead-letter topic. */
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
    /** Sink of the chained-events topic. */
    public static final String CHAINED_SINK = "chained-sink";
    /** Sink of the checkpoints topic. */
    public static final String CHECKPOINTS_SINK = "checkpoints-sink";
    /** Per-agent state store: chain head, Merkle frontier, checkpoint bookkeeping. */
    public static final String AGENT_STORE = "chainer-agent-state";
    /** eventId window store (deduplication). */
    public static final String EVENT_ID_STORE = "chainer-event-ids";
    /** Signed checkpoints waiting for their timestamp. */
    public static final String PENDING_STORE = "chainer-pending-checkpoints";
    /** Agents with uncheckpointed entries, by the time their time checkpoint is due. */
    public static final String DUE_STORE = "chainer-checkpoint-due";

    private ChainerTopology() {
    }

    /**
     * Builds the topology.
     *
     * @param config          the configuration
     * @param registry        the schema registry client (decoding input, encoding outputs)
     * @param signingKey      the checkpoint signing key
     * @param tsa             the timestamp authority, or empty for none
     * @param meters          where metrics go
     * @param inputPartitions partition count of the input topic (1 under TopologyTestDriver)
     * @return the topology
     */
    public static Topology buildTopology(ChainerConfig config, SchemaRegistryClient registry, SigningKey signingKey,
                                         Optional<TimestampAuthority> tsa, MeterRegistry meters, int inputPartitions) {
        requireNonNull(config, "config");
        return buildTopology(config, registry, signingKey, tsa, meters, inputPartitions,
                Notary.requestThreads(config.getInt(ChainerConfig.TSA_THREADS_CONFIG)));
    }

    /**
     * Builds the topology with the executor its RFC 3161 requests run on ({@link #buildTopology(ChainerConfig,
     * SchemaRegistryClient, SigningKey, Optional, MeterRegistry, int)} uses {@code chainer.tsa.threads} threads; a
     * test under TopologyTestDriver may pass {@code Runnable::run} so that an answer is in when the punctuation that
     * asked looks at it).
     *
     * @param tsaRequests where TSA requests run; MUST NOT be a stream thread's in production
     */
    public static Topology buildTopology(ChainerConfig config, SchemaRegistryClient registry, SigningKey signingKey,
                                         Optional<TimestampAuthority> tsa, MeterRegistry meters, int inputPartitions,
                                         Executor tsaRequests) {
        requireNonNull(config, "config");
        requireNonNull(tsaRequests, "tsaRequests");
        requireNonNull(registry, "registry");
        requireNonNull(signingKey, "signingKey");
        requireNonNull(tsa, "tsa");
        requireNonNull(meters, "meters");
        ChainerMetrics metrics = new ChainerMetrics(meters);
        Map<DeadLetterReason, FailureMode> modes = new EnumMap<>(DeadLetterReason.class);
        for (DeadLetterReason r : DeadLetterReason.values()) {
            modes.put(r, config.failureMode(r));
        }
        Refusals refusals = new Refusals(modes, metrics, DEAD_LETTER_SINK);
        AuditEventCodec codec = new AuditEventCodec(registry);
        boolean autoRegister = config.getBoolean(ChainerConfig.AUTO_REGISTER_CONFIG);
        ChainedEventWire chainedWire = new ChainedEventWire(registry, config.chainedTopic(), autoRegister);
        WireSerde<CheckpointRecord> checkpointSerde = WireSerde.of(registry, CheckpointRecord.class,
                CheckpointRecord.getClassSchema(), autoRegister);
        RouteProcessor.Settings route = new RouteProcessor.Settings(
                config.getInt(ChainerConfig.MAX_RECORD_BYTES_CONFIG),
                config.getLong(ChainerConfig.MAX_FUTURE_SKEW_MS_CONFIG),
                config.getLong(ChainerConfig.REGISTRY_MAX_BLOCK_MS_CONFIG),
                config.rekeyAll(), inputPartitions, REKEY_SINK, CHAIN);
        long dedupWindow = config.getLong(ChainerConfig.DEDUP_WINDOW_MS_CONFIG);
        ChainProcessor.Settings chain = new ChainProcessor.Settings(AGENT_STORE, EVENT_ID_STORE, PENDING_STORE,
                DUE_STORE, CHAINED_SINK, CHECKPOINTS_SINK, dedupWindow,
                config.getLong(ChainerConfig.CHECKPOINT_EVERY_EVENTS_CONFIG),
                config.getLong(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG),
                config.getLong(ChainerConfig.CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG),
                config.getLong(ChainerConfig.TSA_MAX_WAIT_MS_CONFIG),
                ChainerConfig.TSA_UNAVAILABLE_FAIL.equals(config.getString(ChainerConfig.TSA_UNAVAILABLE_MODE_CONFIG)),
                new ChainProcessor.DedupFilterSettings(config.getLong(ChainerConfig.DEDUP_FILTER_BYTES_CONFIG),
                        config.getInt(ChainerConfig.DEDUP_FILTER_SCAN_ENTRIES_CONFIG),
                        // Kafka Streams' segment interval for persistentWindowStore(retention = W); the filter's
                        // scan checks the order it relies on and stays untrusted if it differs.
                        Math.max(Math.max(dedupWindow, 1) / 2, 60_000L)));
        Notary notary = new Notary(signingKey, tsa, new Checkpoint.Cadence(chain.everyEvents(), chain.intervalMs()),
                tsaRequests);
        Duration window = Duration.ofMillis(Math.max(dedupWindow, 1));

        Topology t = new Topology();
        t.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.inputTopic());
        t.addSource(REKEY_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.rekeyTopic());
        t.addProcessor(ROUTE, () -> new RouteProcessor(route, codec, refusals, metrics, false), SOURCE);
        t.addProcessor(ROUTE_REKEYED, () -> new RouteProcessor(route, codec, refusals, metrics, true), REKEY_SOURCE);
        t.addProcessor(CHAIN, () -> new ChainProcessor(chain, notary, refusals, metrics, chainedWire), ROUTE, ROUTE_REKEYED);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(AGENT_STORE), Serdes.String(),
                Serdes.ByteArray()).withCachingEnabled(), CHAIN);
        t.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(EVENT_ID_STORE, window, window, false),
                Serdes.String(), Serdes.ByteArray()), CHAIN);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE), Serdes.String(),
                Serdes.ByteArray()), CHAIN);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DUE_STORE), Serdes.String(),
                Serdes.ByteArray()), CHAIN);
        t.addSink(REKEY_SINK, config.rekeyTopic(), new StringSerializer(), new ByteArraySerializer(), ROUTE);
        t.addSink(DEAD_LETTER_SINK, config.deadLetterTopic(), new ByteArraySerializer(), new ByteArraySerializer(),
                ROUTE, ROUTE_REKEYED, CHAIN);
        t.addSink(CHAINED_SINK, config.chainedTopic(), new StringSerializer(), new ByteArraySerializer(), CHAIN);
        t.addSink(CHECKPOINTS_SINK, config.checkpointsTopic(), new StringSerializer(), checkpointSerde.serializer(),
                CHAIN);
        return t;
    }
}
