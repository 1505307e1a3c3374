package io.attestream.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.chain.ChainedEvent;
import io.attestream.drift.internal.SyntheticGenerator;
import io.attestream.events.AuditEvent;
import io.attestream.events.DriftAlert;
import io.attestream.events.DriftRecovered;
import io.attestream.events.DriftReferenceKind;
import io.attestream.events.EvalResult;
import io.attestream.events.EvaluatorKind;
import io.attestream.events.RecordedBy;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.InProcessRegistry;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.WireSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriftTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-02T00:00:00Z");
    private static final long HOUR = 3600;

    @TempDir
    Path stateDir;

    private InProcessRegistry registryServer;
    private SchemaRegistryClient registry;
    private int eventSchemaId;
    private TopologyTestDriver driver;
    private TestInputTopic<String, ChainedEvent> in;
    private TestOutputTopic<String, DriftAlert> alerts;
    private TestOutputTopic<String, byte[]> events;
    private final Map<String, Long> seqs = new HashMap<>();
    private final SyntheticGenerator gen = new SyntheticGenerator(2026);

    @BeforeEach
    void start() throws Exception {
        registryServer = new InProcessRegistry();
        registry = SchemaRegistryClient.forUrl(registryServer.url());
        eventSchemaId = registry.register(Topics.valueSubject(Topics.EVENTS), AuditEvent.getClassSchema());
        startDriver(Map.of());
    }

    private void startDriver(Map<String, String> extra) {
        Map<String, Object> props = new HashMap<>();
        props.put(DriftConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(DriftConfig.REGISTRY_URL_CONFIG, registryServer.url());
        props.put(DriftConfig.WINDOW_SIZE_MS_CONFIG, String.valueOf(HOUR * 1000));
        props.put(DriftConfig.WINDOW_GRACE_MS_CONFIG, "0");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.putAll(extra);
        DriftConfig config = new DriftConfig(props);
        Properties sp = config.streamsProperties();
        driver = new TopologyTestDriver(DriftTopology.buildTopology(config, registry), sp);
        WireSerde<ChainedEvent> chained = WireSerde.of(registry, ChainedEvent.class, ChainedEvent.getClassSchema(), true);
        in = driver.createInputTopic(Topics.CHAINED, new StringSerializer(), chained.serializer());
        WireSerde<DriftAlert> alertSerde = WireSerde.of(registry, DriftAlert.class, DriftAlert.getClassSchema(), false);
        alerts = driver.createOutputTopic(Topics.DRIFT_ALERTS, new StringDeserializer(), alertSerde.deserializer());
        events = driver.createOutputTopic(Topics.EVENTS, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
        registryServer.close();
    }

    @Test
    void degradedVersionTwoRaisesExactlyOneEpisodeNamingVersionOneAsReference() {
        feed("bot", "1", 0, 3, 0.80, 0.05);
        feed("bot", "2", 3, 3, 0.74, 0.05);
        closeAllWindows("bot", 7);

        List<DriftAlert> raised = alerts.readValuesToList();
        assertThat(raised).singleElement().satisfies(a -> {
            assertThat(a.getReferenceKind()).isEqualTo(DriftReferenceKind.PREVIOUS_VERSION);
            assertThat(a.getReference().getAgentVersion()).isEqualTo("1");
            assertThat(a.getCurrent().getAgentVersion()).isEqualTo("2");
            assertThat(a.getMetric()).isEqualTo("accuracy");
            assertThat(a.getEffectSize()).isGreaterThanOrEqualTo(0.2);
            assertThat(a.getCurrent().getFirstSeq()).isLessThanOrEqualTo(a.getCurrent().getLastSeq());
            assertThat(a.getReference().getLastSeq()).isLessThan(a.getCurrent().getFirstSeq());
            assertThat(a.getTest()).isIn("page-hinkley", "welch-t", "ks");
            assertThat(a.getTests()).extracting(t -> t.getTest()).contains("welch-t");
        });
        List<AuditEvent> chainInput = decodeEvents();
        assertThat(chainInput).singleElement().satisfies(e -> {
            assertThat(EventType.of(e)).isEqualTo(EventType.DRIFT_ALERT);
            assertThat(e.getAgentId()).isEqualTo("bot");
            assertThat(e.getAgentVersion()).isEqualTo("2");
            assertThat(((DriftAlert) e.getPayload()).getEpisodeId()).isEqualTo(raised.get(0).getEpisodeId());
        });
    }

    @Test
    void hoppingWindowsRaiseOneEpisodeForARegressionSeenByOverlappingWindows() {
        driver.close();
        startDriver(Map.of(DriftConfig.WINDOW_SIZE_MS_CONFIG, String.valueOf(2 * HOUR * 1000),
                DriftConfig.WINDOW_ADVANCE_MS_CONFIG, String.valueOf(HOUR * 1000)));
        feed("bot", "1", 0, 3, 0.80, 0.05);
        feed("bot", "2", 3, 3, 0.74, 0.05);
        closeAllWindows("bot", 9);
        assertThat(alerts.readValuesToList()).singleElement().satisfies(a -> {
            assertThat(a.getReferenceKind()).isEqualTo(DriftReferenceKind.PREVIOUS_VERSION);
            assertThat(a.getReference().getAgentVersion()).isEqualTo("1");
            assertThat(java.time.Duration.between(a.getCurrent().getStart(), a.getCurrent().getEnd()))
                    .isEqualTo(java.time.Duration.ofHours(2));
        });
        assertThat(decodeEvents()).extracting(EventType::of).containsExactly(EventType.DRIFT_ALERT);
    }

    @Test
    void stableMetricAcrossVersionsRaisesNothing() {
        feed("bot", "1", 0, 3, 0.80, 0.05);
        feed("bot", "2", 3, 3, 0.80, 0.05);
        closeAllWindows("bot", 7);
        assertThat(alerts.isEmpty()).isTrue();
        assertThat(events.isEmpty()).isTrue();
    }

    @Test
    void episodeEndsWithOneRecoveryWhenTheMetricReturns() {
        feed("bot", "1", 0, 2, 0.80, 0.05);
        feed("bot", "1", 2, 2, 0.70, 0.05);
        feed("bot", "1", 4, 2, 0.80, 0.05);
        closeAllWindows("bot", 7);
        assertThat(alerts.readValuesToList()).singleElement()
                .satisfies(a -> assertThat(a.getReferenceKind()).isEqualTo(DriftReferenceKind.PREVIOUS_WINDOW));
        List<AuditEvent> chainInput = decodeEvents();
        assertThat(chainInput).extracting(EventType::of)
                .containsExactly(EventType.DRIFT_ALERT, EventType.DRIFT_RECOVERED);
        DriftRecovered rec = (DriftRecovered) chainInput.get(1).getPayload();
        assertThat(rec.getEpisodeId()).isEqualTo(((DriftAlert) chainInput.get(0).getPayload()).getEpisodeId());
        assertThat(rec.getWindowsInEpisode()).isEqualTo(2);
    }

    @Test
    void pinnedBaselineIsTheReferenceOfLaterVersions() {
        feed("bot", "1", 0, 2, 0.80, 0.05);
        feed("bot", "2", 2, 2, 0.78, 0.05);
        // Pin version 1: version 3 must be compared with it, not with version 2.
        send("bot", DriftCommand.pinEvent("acme", "bot", "1", "safety-regression", null, "erin", "CHG-1",
                T0.plusSeconds(4 * HOUR)));
        feed("bot", "3", 4, 2, 0.77, 0.05);
        closeAllWindows("bot", 7);
        assertThat(alerts.readValuesToList()).anySatisfy(a -> {
            assertThat(a.getReferenceKind()).isEqualTo(DriftReferenceKind.PINNED_BASELINE);
            assertThat(a.getReference().getAgentVersion()).isEqualTo("1");
            assertThat(a.getCurrent().getAgentVersion()).isEqualTo("3");
        });
    }

    @Test
    void nonFiniteValueStopsTheDetectorByDefaultNamingTheRecordAndTheKey() {
        assertThatThrownBy(() -> sendEval("bot", "1", T0, Double.NaN))
                .isInstanceOf(StreamsException.class)
                .rootCause().hasMessageContaining("non-finite value NaN")
                .hasMessageContaining(Topics.CHAINED).hasMessageContaining(DriftConfig.BAD_RECORD_HANDLING_CONFIG);
    }

    @Test
    void nonFiniteValueIsSkippedWhenConfigured() {
        driver.close();
        startDriver(Map.of(DriftConfig.BAD_RECORD_HANDLING_CONFIG, DriftConfig.BAD_RECORD_LOG_AND_SKIP));
        sendEval("bot", "1", T0, Double.POSITIVE_INFINITY);
        feed("bot", "1", 0, 2, 0.80, 0.05);
        closeAllWindows("bot", 3);
        assertThat(alerts.isEmpty()).isTrue();
    }

    @Test
    void rejectsAnAdvanceThatDoesNotDivideTheSize() {
        Map<String, Object> props = new HashMap<>();
        props.put(DriftConfig.BOOTSTRAP_SERVERS_CONFIG, "x:1");
        props.put(DriftConfig.REGISTRY_URL_CONFIG, "http://x");
        props.put(DriftConfig.WINDOW_SIZE_MS_CONFIG, "1000");
        props.put(DriftConfig.WINDOW_ADVANCE_MS_CONFIG, "300");
        assertThatThrownBy(() -> new DriftConfig(props)).hasMessageContaining(DriftConfig.WINDOW_ADVANCE_MS_CONFIG);
    }

    @Test
    void requiresTheRegistryUrl() {
        assertThatThrownBy(() -> new DriftConfig(Map.of(DriftConfig.BOOTSTRAP_SERVERS_CONFIG, "x:1")))
                .hasMessageContaining(DriftConfig.REGISTRY_URL_CONFIG);
    }

    /** {@code hours} one-hour windows of 200 values each from N(mean, sd²), starting at hour {@code fromHour}. */
    private void feed(String agent, String version, int fromHour, int hours, double mean, double sd) {
        for (int h = fromHour; h < fromHour + hours; h++) {
            for (int i = 0; i < 200; i++) {
                sendEval(agent, version, T0.plusSeconds(h * HOUR + i * 15L), gen.next(mean, sd));
            }
        }
    }

    /** A heartbeat event far enough ahead to close every window before {@code hour}. */
    private void closeAllWindows(String agent, int hour) {
        send(agent, AuditEvent.newBuilder(SampleEvents.of(EventType.AGENT_ACTION, "acme", agent, 1))
                .setOccurredAt(T0.plusSeconds(hour * HOUR)).build());
    }

    private void sendEval(String agent, String version, Instant at, double value) {
        EvalResult er = EvalResult.newBuilder().setSuite("safety-regression").setEvalName("case")
                .setMetric("accuracy").setValue(value).setEvaluatorKind(EvaluatorKind.RULE).build();
        send(agent, AuditEvent.newBuilder().setEventId(UUID.randomUUID()).setTenant("acme").setAgentId(agent)
                .setAgentVersion(version).setOccurredAt(at).setRecordedBy(new RecordedBy("h", "test", "1"))
                .setControls(List.of()).setPayload(er).build());
    }

    private void send(String agent, AuditEvent event) {
        long seq = seqs.merge(agent, 1L, Long::sum) - 1;
        byte[] bytes = AuditEventCodec.encode(eventSchemaId, event);
        ChainedEvent ce = ChainedEvent.newBuilder().setTenant(event.getTenant()).setAgentId(agent).setSeq(seq)
                .setPrevHash(SampleEvents.sha256("p" + seq)).setHash(SampleEvents.sha256("h" + seq))
                .setSchemaId(eventSchemaId).setSchemaFingerprint(SampleEvents.sha256("fp"))
                .setEventId(event.getEventId().toString()).setEventType(EventType.of(event).avroName())
                .setAgentVersion(event.getAgentVersion()).setOccurredAt(event.getOccurredAt())
                .setChainedAt(event.getOccurredAt()).setEventBytes(ByteBuffer.wrap(bytes))
                .setSourceTopic(Topics.EVENTS).setSourcePartition(0).setSourceOffset(seq).build();
        in.pipeInput(Topics.agentKey(event.getTenant(), agent), ce);
    }

    private List<AuditEvent> decodeEvents() {
        AuditEventCodec codec = new AuditEventCodec(registry);
        return events.readValuesToList().stream().map(b -> codec.decode(b).event()).toList();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
