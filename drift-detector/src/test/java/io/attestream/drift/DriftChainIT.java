package io.attestream.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chain.ChainedEvent;
import io.attestream.chainer.ChainerApp;
import io.attestream.chainer.internal.ChainerMetrics;
import io.attestream.chainer.testing.TestChainers;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.drift.internal.DriftMetrics;
import io.attestream.drift.internal.SyntheticGenerator;
import io.attestream.events.AuditEvent;
import io.attestream.events.DriftAlert;
import io.attestream.events.DriftReferenceKind;
import io.attestream.events.EvalResult;
import io.attestream.events.EvaluatorKind;
import io.attestream.events.RecordedBy;
import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.Hash;
import io.attestream.runtime.HealthServer;
import io.attestream.integrity.LogId;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.AuditEventSerializer;
import io.attestream.schemas.wire.WireSerde;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * On the real stack: producer → chainer (in-process) → drift detector (in-process) → chain input → chainer. An agent
 * whose version 2 has degraded evals raises exactly one alert episode naming version 1 as reference, and the alert,
 * chained as an audit event, recomputes to the stored chain hashes.
 */
@ExtendWith(LocalStackExtension.class)
class DriftChainIT {
    private static final long WINDOW_SECONDS = 60;

    @Test
    void degradedVersionTwoRaisesOneEpisodeAndTheAlertIsChainedAndVerifies(StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "it.drift." + run + ".events";
        String chained = input + ".chained";
        String alertsTopic = "it.drift." + run + ".alerts";
        Path dir = Files.createTempDirectory("drift-it-");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(input, 1, (short) 1), new NewTopic(chained, 1, (short) 1),
                    new NewTopic(alertsTopic, 1, (short) 1))).all().get();
        }
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        registry.register(Topics.valueSubject(input), AuditEventCodec.currentSchema());

        ChainerApp chainer = TestChainers.chainer(stack, dir, "it-drift", run, input, chained);

        Map<String, Object> dc = new HashMap<>();
        dc.put(DriftConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        dc.put(DriftConfig.REGISTRY_URL_CONFIG, stack.registryUrl());
        dc.put(DriftConfig.APPLICATION_ID_CONFIG, "it-drift-" + run);
        dc.put("state.dir", Files.createDirectories(dir.resolve("drift-state")).toString());
        dc.put("replication.factor", "1");
        dc.put("commit.interval.ms", "200");
        dc.put(DriftConfig.INPUT_TOPIC_CONFIG, chained);
        dc.put(DriftConfig.EVENTS_TOPIC_CONFIG, input);
        dc.put(DriftConfig.ALERTS_TOPIC_CONFIG, alertsTopic);
        dc.put(DriftConfig.WINDOW_SIZE_MS_CONFIG, String.valueOf(WINDOW_SECONDS * 1000));
        dc.put(DriftConfig.WINDOW_GRACE_MS_CONFIG, "0");
        dc.put(HealthServer.PORT_CONFIG, "0");
        dc.put(HealthServer.BIND_ADDRESS_CONFIG, "127.0.0.1");
        DriftApp drift = new DriftApp(new DriftConfig(dc));
        assertThat(drift.readiness().ready()).as("ready before start").isFalse();
        assertThat(chainer.readiness().ready()).as("chainer ready before start").isFalse();

        Thread chainerThread = new Thread(() -> run(chainer::run), "it-chainer");
        Thread driftThread = new Thread(() -> run(drift::run), "it-drift");
        chainerThread.start();
        driftThread.start();
        try {
            // Version 1 for 3 windows at accuracy 0.80, version 2 for 3 windows at 0.74 (1.2σ worse), then a
            // heartbeat that closes every window. Event time: a recent past hour, 0.25 s apart.
            Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
            SyntheticGenerator gen = new SyntheticGenerator(7);
            List<AuditEvent> events = new ArrayList<>();
            for (int w = 0; w < 6; w++) {
                String version = w < 3 ? "1" : "2";
                double mean = w < 3 ? 0.80 : 0.74;
                for (int i = 0; i < 200; i++) {
                    events.add(eval(version, t0.plusMillis(w * WINDOW_SECONDS * 1000 + i * 250L), gen.next(mean, 0.05)));
                }
            }
            events.add(eval("2", t0.plusSeconds(8 * WINDOW_SECONDS), 0.8));
            Map<String, Object> pp = new HashMap<>();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            pp.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<String, AuditEvent> producer = new KafkaProducer<>(pp, new StringSerializer(),
                    new AuditEventSerializer(registry, false))) {
                for (AuditEvent e : events) {
                    producer.send(new ProducerRecord<>(input, Topics.agentKey("acme", "bot"), e));
                }
                producer.flush();
            }

            List<DriftAlert> alerts = new ArrayList<>();
            List<ChainedEvent> chain = new ArrayList<>();
            WireSerde<DriftAlert> alertSerde = WireSerde.of(registry, DriftAlert.class, DriftAlert.getClassSchema(),
                    false);
            WireSerde<ChainedEvent> chainedSerde = WireSerde.of(registry, ChainedEvent.class,
                    ChainedEvent.getClassSchema(), false);
            Map<String, Object> cp = new HashMap<>();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            cp.put(ConsumerConfig.GROUP_ID_CONFIG, "it-drift-reader-" + run);
            try (KafkaConsumer<String, DriftAlert> ac = new KafkaConsumer<>(cp, new StringDeserializer(),
                    alertSerde.deserializer());
                    KafkaConsumer<String, ChainedEvent> cc2 = new KafkaConsumer<>(cp, new StringDeserializer(),
                            chainedSerde.deserializer())) {
                ac.subscribe(List.of(alertsTopic));
                cc2.subscribe(List.of(chained));
                long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
                long quietUntil = Long.MAX_VALUE;
                while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                    for (ConsumerRecord<String, DriftAlert> r : ac.poll(Duration.ofMillis(200))) {
                        alerts.add(r.value());
                    }
                    for (ConsumerRecord<String, ChainedEvent> r : cc2.poll(Duration.ofMillis(200))) {
                        chain.add(r.value());
                    }
                    boolean alertChained = chain.stream()
                            .anyMatch(c -> c.getEventType().equals(EventType.DRIFT_ALERT.avroName()));
                    if (alertChained && quietUntil == Long.MAX_VALUE) {
                        // Keep reading a little: a second alert for the same episode would show up now.
                        quietUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    }
                }
            }

            assertThat(alerts).as("alerts on " + alertsTopic).singleElement().satisfies(a -> {
                assertThat(a.getReferenceKind()).isEqualTo(DriftReferenceKind.PREVIOUS_VERSION);
                assertThat(a.getReference().getAgentVersion()).isEqualTo("1");
                assertThat(a.getCurrent().getAgentVersion()).isEqualTo("2");
            });
            AuditEventCodec codec = new AuditEventCodec(registry);
            List<ChainedEvent> alertEntries = chain.stream()
                    .filter(c -> c.getEventType().equals(EventType.DRIFT_ALERT.avroName())).toList();
            assertThat(alertEntries).singleElement().satisfies(c -> {
                DriftAlert chainedAlert = (DriftAlert) codec.decode(bytes(c.getEventBytes())).event().getPayload();
                assertThat(chainedAlert).isEqualTo(alerts.get(0));
            });
            // The whole chain, alert included, recomputes to the stored hashes from genesis, gapless.
            chain.sort((a, b) -> Long.compare(a.getSeq(), b.getSeq()));
            assertThat(chain).hasSize(events.size() + 1);
            Hash prev = null;
            for (ChainedEvent c : chain) {
                LogId log = LogId.of(c.getTenant(), c.getAgentId());
                byte[] b = bytes(c.getEventBytes());
                ChainEntry entry = ChainEntry.recompute(log, c.getSeq(), Hash.of(c.getPrevHash().bytes()),
                        c.getEntryVersion(), ChronoUnit.MICROS.between(Instant.EPOCH, c.getChainedAt()),
                        c.getSchemaId(), c.getSchemaFingerprint().bytes(), Arrays.copyOfRange(b, 5, b.length));
                entry.verifyStoredHash(Hash.of(c.getHash().bytes()));
                assertThat(entry.previousHash()).isEqualTo(prev == null ? log.genesisHash() : prev);
                prev = entry.hash();
            }

            // Probes and metrics of the running detector (issue 17): ready while Streams is RUNNING.
            URI probes = URI.create("http://127.0.0.1:" + drift.healthPort());
            assertThat(get(probes.resolve("/ready")).statusCode()).isEqualTo(200);
            assertThat(get(probes.resolve("/live")).statusCode()).isEqualTo(200);
            String metrics = get(probes.resolve("/metrics")).body();
            assertThat(metrics).contains(DriftMetrics.NAMES);
            assertThat(metrics).containsPattern("attestream_drift_alerts_raised_total\\{early=\"(true|false)\","
                    + "severity=\"[A-Z]+\"} 1.0");
            double evaluated = 0;
            Matcher m = Pattern.compile("attestream_drift_windows_evaluated_total\\{outcome=\"[a-z-]+\"} ([0-9.]+)")
                    .matcher(metrics);
            while (m.find()) {
                evaluated += Double.parseDouble(m.group(1));
            }
            assertThat(evaluated).as("the 6 closed windows were evaluated").isEqualTo(6.0);
            assertThat(metrics).containsPattern("attestream_drift_windows_evaluated_total\\{outcome=\"drifted\"} "
                    + "[1-9]");
            // The chainer's probes and meters (TestChainers serves them on a free port).
            URI chainerProbes = URI.create("http://127.0.0.1:" + chainer.healthPort());
            assertThat(get(chainerProbes.resolve("/ready")).statusCode()).isEqualTo(200);
            assertThat(get(chainerProbes.resolve("/metrics")).body()).contains(ChainerMetrics.NAMES);
        } finally {
            drift.stop();
            chainer.stop();
            driftThread.join(60_000);
            chainerThread.join(60_000);
        }
        assertThat(drift.readiness().ready()).as("ready after stop").isFalse();
        assertThat(chainer.readiness().ready()).as("chainer ready after stop").isFalse();
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private interface Run {
        Object run() throws Exception;
    }

    private static void run(Run r) {
        try {
            r.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static AuditEvent eval(String version, Instant at, double value) {
        EvalResult er = EvalResult.newBuilder().setSuite("safety-regression").setEvalName("case")
                .setMetric("accuracy").setValue(value).setEvaluatorKind(EvaluatorKind.RULE).build();
        return AuditEvent.newBuilder().setEventId(UUID.randomUUID()).setTenant("acme").setAgentId("bot")
                .setAgentVersion(version).setOccurredAt(at).setRecordedBy(new RecordedBy("it", "test", "1"))
                .setControls(List.of()).setPayload(er).build();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
