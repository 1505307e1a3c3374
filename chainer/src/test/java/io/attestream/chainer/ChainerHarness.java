package io.attestream.chainer;

import io.attestream.chain.ChainedEvent;
import io.attestream.chain.CheckpointRecord;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.TimestampAuthority;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.InProcessRegistry;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.WireSerde;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * A chainer under TopologyTestDriver with an in-process registry, a fresh signing key and an embedded TSA. Its TSA
 * requests run on the punctuating thread (the answer is in when the punctuation looks at it), unless a test passes
 * request threads ({@link #withTsa(TimestampAuthority, Map, Executor)}).
 */
final class ChainerHarness implements AutoCloseable {
    static final Instant START = Instant.parse("2026-11-26T00:00:00Z");
    static final SigningKey KEY = SigningKey.generate("test-chainer", new SecureRandom());
    static final EmbeddedTimestampAuthority TSA = EmbeddedTimestampAuthority.generate("test", Clock.systemUTC());

    final InProcessRegistry registry;
    final SchemaRegistryClient client;
    final int schemaId;
    final ChainerConfig config;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> input;
    final TestOutputTopic<String, ChainedEvent> chained;
    final TestOutputTopic<String, CheckpointRecord> checkpoints;
    final TestOutputTopic<byte[], byte[]> deadLetters;
    private final Path stateDir;

    private ChainerHarness(Map<String, Object> overrides, boolean timestamping) throws IOException {
        this(overrides, timestamping ? Optional.of(TSA) : Optional.empty(), Runnable::run);
    }

    private ChainerHarness(Map<String, Object> overrides, Optional<TimestampAuthority> tsa, Executor tsaRequests)
            throws IOException {
        registry = new InProcessRegistry();
        client = SchemaRegistryClient.forUrl(registry.url());
        // The topology gets its own client: its caches start empty, so registry outages reach it.
        SchemaRegistryClient topologyClient = SchemaRegistryClient.forUrl(registry.url());
        schemaId = client.register(Topics.valueSubject(Topics.EVENTS), AuditEventCodec.currentSchema());
        stateDir = Files.createTempDirectory("chainer-ttd-");
        Map<String, Object> props = new HashMap<>();
        props.put(ChainerConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put("schema.registry.url", registry.url());
        props.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, "/nonexistent/test-chainer.key");
        props.put(ChainerConfig.CHECKPOINT_EVERY_EVENTS_CONFIG, 3);
        props.put(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG, 10_000);
        props.put(ChainerConfig.CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG, 1_000);
        props.put(ChainerConfig.REGISTRY_MAX_BLOCK_MS_CONFIG, 0);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.putAll(overrides);
        config = new ChainerConfig(props);
        Properties streams = config.streamsProperties();
        driver = new TopologyTestDriver(ChainerTopology.buildTopology(config, topologyClient, KEY, tsa, meters, 1,
                tsaRequests), streams,
                START);
        input = driver.createInputTopic(config.inputTopic(), new ByteArraySerializer(), new ByteArraySerializer(),
                START, Duration.ofMillis(1));
        chained = driver.createOutputTopic(config.chainedTopic(), new StringDeserializer(),
                WireSerde.of(client, ChainedEvent.class, ChainedEvent.getClassSchema(), false).deserializer());
        checkpoints = driver.createOutputTopic(config.checkpointsTopic(), new StringDeserializer(),
                WireSerde.of(client, CheckpointRecord.class, CheckpointRecord.getClassSchema(), false).deserializer());
        deadLetters = driver.createOutputTopic(config.deadLetterTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    static ChainerHarness start() throws IOException {
        return new ChainerHarness(Map.of(), true);
    }

    static ChainerHarness start(Map<String, Object> overrides) throws IOException {
        return new ChainerHarness(overrides, true);
    }

    static ChainerHarness withoutTsa(Map<String, Object> overrides) throws IOException {
        return new ChainerHarness(overrides, false);
    }

    /** A chainer timestamping with {@code tsa} (a test double that can fail, for instance). */
    static ChainerHarness withTsa(TimestampAuthority tsa, Map<String, Object> overrides) throws IOException {
        return new ChainerHarness(overrides, Optional.of(tsa), Runnable::run);
    }

    /** A chainer timestamping with {@code tsa}, its requests running on {@code tsaRequests}. */
    static ChainerHarness withTsa(TimestampAuthority tsa, Map<String, Object> overrides, Executor tsaRequests)
            throws IOException {
        return new ChainerHarness(overrides, Optional.of(tsa), tsaRequests);
    }

    byte[] encode(AuditEvent event) {
        return AuditEventCodec.encode(schemaId, event);
    }

    static byte[] key(AuditEvent event) {
        return Topics.agentKey(event.getTenant(), event.getAgentId()).getBytes(StandardCharsets.UTF_8);
    }

    /** Pipes {@code event} correctly keyed; returns the bytes sent. */
    byte[] send(AuditEvent event) {
        byte[] bytes = encode(event);
        input.pipeInput(key(event), bytes);
        return bytes;
    }

    void advance(Duration d) {
        driver.advanceWallClockTime(d);
    }

    @Override
    public void close() throws IOException {
        driver.close();
        registry.close();
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
