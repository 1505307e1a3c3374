package io.attestream.drift;

import static java.util.Objects.requireNonNull;

import io.attestream.chain.ChainedEvent;
import io.attestream.drift.internal.DetectProcessor;
import io.attestream.drift.internal.DriftMetrics;
import io.attestream.events.DriftAlert;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.AuditEventSerializer;
import io.attestream.schemas.wire.WireSerde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The drift detector's topology (Processor API):
 *
 * <pre>
 * chained topic ──► detect ──┬──► alerts topic   (DriftAlert, key tenant/agentId)
 *                            └──► events topic   (AuditEvent with DriftAlert / DriftRecovered payload: the chain input)
 * </pre>
 *
 * <p>The chained topic is keyed by agent, so one task owns every series of an agent: its windows, references, pins
 * and episodes live in that task's stores and are changelogged (exactly-once v2).
 */
public final class DriftTopology {
    /** Source node. */
    public static final String SOURCE = "chained";
    /** The detector node. */
    public static final String DETECT = "detect";
    /** Per-series state: open windows, references, episodes, pinned baseline. */
    public static final String SERIES_STORE = "drift-series";
    /** Metric names per (agent, suite): the family size for multiple-comparison control. */
    public static final String FAMILY_STORE = "drift-families";
    /** Window close deadlines (stream time) → series key. */
    public static final String DEADLINE_STORE = "drift-deadlines";

    private DriftTopology() {
    }

    /**
     * Builds the topology.
     *
     * @param config   the configuration
     * @param registry decodes inputs and registers the output schemas (auto-registration on)
     * @return the topology
     */
    public static Topology buildTopology(DriftConfig config, SchemaRegistryClient registry) {
        return buildTopology(config, registry, DriftMetrics.unregistered());
    }

    /**
     * Builds the topology.
     *
     * @param config   the configuration
     * @param registry decodes inputs and registers the output schemas (auto-registration on)
     * @param metrics  the detector's meters, shared by its tasks
     * @return the topology
     */
    public static Topology buildTopology(DriftConfig config, SchemaRegistryClient registry, DriftMetrics metrics) {
        requireNonNull(config, "config");
        requireNonNull(metrics, "metrics");
        requireNonNull(registry, "registry");
        WireSerde<ChainedEvent> chained = WireSerde.of(registry, ChainedEvent.class, ChainedEvent.getClassSchema(), false);
        WireSerde<DriftAlert> alerts = WireSerde.of(registry, DriftAlert.class, DriftAlert.getClassSchema(), true);
        DetectProcessor.Settings settings = new DetectProcessor.Settings(config.rule(),
                config.getLong(DriftConfig.WINDOW_SIZE_MS_CONFIG), config.advanceMs(),
                config.getLong(DriftConfig.WINDOW_GRACE_MS_CONFIG), config.getInt(DriftConfig.SKETCH_CAPACITY_CONFIG),
                config.skipBadRecords(), config.getString(DriftConfig.RECORDED_BY_HOST_CONFIG));
        AuditEventCodec codec = new AuditEventCodec(registry);
        Topology t = new Topology();
        t.addSource(SOURCE, new StringDeserializer(), chained.deserializer(),
                config.getString(DriftConfig.INPUT_TOPIC_CONFIG));
        t.addProcessor(DETECT, () -> new DetectProcessor(SERIES_STORE, FAMILY_STORE, DEADLINE_STORE, codec, settings,
                metrics),
                SOURCE);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERIES_STORE), Serdes.String(),
                Serdes.ByteArray()), DETECT);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FAMILY_STORE), Serdes.String(),
                Serdes.String()), DETECT);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DEADLINE_STORE), Serdes.String(),
                Serdes.String()), DETECT);
        t.addSink(DetectProcessor.ALERTS_CHILD, config.getString(DriftConfig.ALERTS_TOPIC_CONFIG),
                new StringSerializer(), alerts.serializer(), DETECT);
        t.addSink(DetectProcessor.EVENTS_CHILD, config.getString(DriftConfig.EVENTS_TOPIC_CONFIG),
                new StringSerializer(), new AuditEventSerializer(registry, true), DETECT);
        return t;
    }
}
