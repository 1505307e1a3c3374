package io.attestream.chainer.bench;

import io.attestream.chainer.ChainerConfig;
import io.attestream.chainer.ChainerTopology;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The chainer's framework-floor anchor (issue 16): a Kafka Streams app run with the chainer's own streams config (the
 * benchmark builds a {@link ChainerConfig} for it and starts it with {@link ChainerConfig#streamsProperties()}) whose
 * processor does, per record, only the store and produce work the chainer's does, on raw bytes: no Avro, no hashing,
 * no checkpoints, no punctuation. What it costs is what Kafka Streams and RocksDB cost the chainer.
 *
 * <p>Like the chainer's topology it reads the input and the (empty) re-key topic into one sub-topology, so each task
 * has the same two partitions. {@link Shape#STATE_AND_WINDOW} gets the agent's state of the given size from the
 * cached agent store and puts it back, puts 8 bytes under a key shaped like the chainer's dedup key
 * ({@code eventId@agentKey}, 36 + 1 + key characters) into the eventId window store (put only: the chainer's Bloom
 * filter spares most events the fetch) and forwards a value of the chained record's size; the other shapes drop a
 * store each, so the differences are what each store costs under exactly-once. Store names, serdes, caching and the
 * window's retention are the chainer's.
 */
final class FrameworkFloor {
    private static final String SOURCE = "floor-events";
    private static final String REKEY_SOURCE = "floor-rekeyed";
    private static final String PROCESS = "floor";
    private static final String SINK = "floor-sink";

    /** Which of the chainer's per-record store operations a floor does. */
    enum Shape {
        /** Agent store get + put, eventId window put, forward. */
        STATE_AND_WINDOW,
        /** Agent store get + put, forward. */
        STATE_ONLY,
        /** Forward only (consume -> produce under exactly-once). */
        NO_STORE;

        boolean agentStore() {
            return this != NO_STORE;
        }

        boolean windowStore() {
            return this == STATE_AND_WINDOW;
        }
    }

    private FrameworkFloor() {
    }

    /**
     * The floor's topology: from {@code config}'s input and re-key topics to its chained topic.
     *
     * @param stateBytes   size of the agent state value put back per record
     * @param chainedBytes size of the value forwarded per record (the input value, zero-padded or cut)
     */
    static Topology build(ChainerConfig config, Shape shape, int stateBytes, int chainedBytes) {
        Duration window = Duration.ofMillis(Math.max(config.getLong(ChainerConfig.DEDUP_WINDOW_MS_CONFIG), 1));
        Topology t = new Topology();
        t.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.inputTopic());
        t.addSource(REKEY_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.rekeyTopic());
        t.addProcessor(PROCESS, () -> new FloorProcessor(shape, stateBytes, chainedBytes), SOURCE, REKEY_SOURCE);
        if (shape.agentStore()) {
            t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ChainerTopology.AGENT_STORE),
                    Serdes.String(), Serdes.ByteArray()).withCachingEnabled(), PROCESS);
        }
        if (shape.windowStore()) {
            t.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(ChainerTopology.EVENT_ID_STORE,
                    window, window, false), Serdes.String(), Serdes.ByteArray()), PROCESS);
        }
        t.addSink(SINK, config.chainedTopic(), new StringSerializer(), new ByteArraySerializer(), PROCESS);
        return t;
    }

    private static final class FloorProcessor implements Processor<byte[], byte[], String, byte[]> {
        private final Shape shape;
        private final int stateBytes;
        private final int chainedBytes;
        private ProcessorContext<String, byte[]> context;
        private KeyValueStore<String, byte[]> agents;
        private WindowStore<String, byte[]> eventIds;

        FloorProcessor(Shape shape, int stateBytes, int chainedBytes) {
            this.shape = shape;
            this.stateBytes = stateBytes;
            this.chainedBytes = chainedBytes;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            if (shape.agentStore()) {
                agents = context.getStateStore(ChainerTopology.AGENT_STORE);
            }
            if (shape.windowStore()) {
                eventIds = context.getStateStore(ChainerTopology.EVENT_ID_STORE);
            }
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            String agentKey = new String(record.key(), StandardCharsets.UTF_8);
            if (agents != null) {
                byte[] stored = agents.get(agentKey);
                // A new array per record, as the chainer's AgentState.toBytes() makes one.
                byte[] next = stored == null ? new byte[stateBytes] : Arrays.copyOf(stored, stateBytes);
                next[0]++;
                agents.put(agentKey, next);
            }
            if (eventIds != null) {
                // No Avro decode, so no eventId: a UUID string unique per record stands in for it.
                String eventId = context.recordMetadata()
                        .map(m -> new UUID(m.partition(), m.offset()).toString())
                        .orElseThrow();
                eventIds.put(eventId + "@" + agentKey, ByteBuffer.allocate(8).putLong(1).array(),
                        context.currentSystemTimeMs());
            }
            context.forward(new Record<>(agentKey, Arrays.copyOf(record.value(), chainedBytes), record.timestamp(),
                    new RecordHeaders()), SINK);
        }
    }
}
