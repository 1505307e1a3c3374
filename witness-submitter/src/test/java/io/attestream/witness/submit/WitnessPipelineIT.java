package io.attestream.witness.submit;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chainer.ChainerApp;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Cosignature;
import io.attestream.integrity.CosignatureVerifier;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.NoteSignature;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.VerifierKey;
import io.attestream.schemas.EventType;
import io.attestream.runtime.StageMetrics;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.AuditEventSerializer;
import io.attestream.sink.EvidenceSink;
import io.attestream.sink.SinkConfig;
import io.attestream.witness.Witness;
import io.attestream.witness.WitnessClient;
import io.attestream.witness.WitnessServer;
import io.attestream.witness.WitnessedLog;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole witness path on the real stack: a real chainer chains two agents' events into checkpoints; the
 * submitter starts while the witness is still down (it backs off), the witness comes up on that address, every
 * checkpoint gets its cosignature, and the evidence sink lands them in ClickHouse {@code checkpoint_attestations},
 * where each row's line verifies with the witness key over the chainer's own note of that size.
 */
@ExtendWith(LocalStackExtension.class)
class WitnessPipelineIT {
    private static final int PER_AGENT = 120;
    private static final int EVERY = 25;

    @Test
    void everyCommittedCheckpointIsCosignedAfterTheWitnessComesUpAndLandsInClickHouse(StackEndpoints stack)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String tenant = "it-witness-" + run;
        String input = "it.witness." + run + ".events";
        String chained = input + ".chained";
        String checkpoints = input + ".checkpoints";
        Path dir = Files.createTempDirectory("witness-it-");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(input, 2, (short) 1), new NewTopic(chained, 2, (short) 1),
                    new NewTopic(checkpoints, 2, (short) 1))).all().get();
        }
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        registry.register(Topics.valueSubject(input), AuditEventCodec.currentSchema());

        SigningKey chainerKey = SigningKey.generate("it-witness-chainer", new SecureRandom());
        ChainerApp chainer = TestChainer.create(stack, dir, chainerKey, "it-witness-chainer-" + run, input, chained,
                checkpoints, EVERY, 2000);
        SigningKey witnessKey = SigningKey.generate("witness.it/" + run, new SecureRandom());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        WitnessClient client = new WitnessClient(URI.create("http://127.0.0.1:" + port + "/"),
                CosignerKey.of(witnessKey), Duration.ofSeconds(5));
        SubmitterStage stage = new SubmitterStage(stack.bootstrapServers(), registry,
                new SubmitterStage.StageTopics(chained, checkpoints, Topics.CHECKPOINT_COSIGNATURES), List.of(client),
                Duration.ofMillis(100), Duration.ofMillis(500), Clock.systemUTC());
        EvidenceSink sink = new EvidenceSink(new SinkConfig(Map.of(
                SinkConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                SinkConfig.REGISTRY_URL_CONFIG, stack.registryUrl(),
                SinkConfig.CLICKHOUSE_URL_CONFIG, stack.clickHouseJdbcUrl(),
                SinkConfig.CLICKHOUSE_USER_CONFIG, stack.clickHouseUser(),
                SinkConfig.CLICKHOUSE_PASSWORD_CONFIG, stack.clickHousePassword(),
                SinkConfig.GROUP_ID_CONFIG, "it-witness-" + run,
                SinkConfig.TOPICS_CONFIG, Topics.CHECKPOINT_COSIGNATURES,
                SinkConfig.BATCH_LINGER_MS_CONFIG, "200",
                SinkConfig.METRICS_PORT_CONFIG, "-1")));
        PrometheusMeterRegistry meters = StageMetrics.newRegistry();
        stage.bindMetrics(meters);
        assertThat(stage.readiness().ready()).as("submitter ready before run").isFalse();
        List<Thread> threads = List.of(new Thread(() -> {
            try {
                chainer.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "it-chainer"), new Thread(stage::run, "it-submitter"),
                new Thread(sink::run, "it-sink"));
        threads.forEach(Thread::start);
        WitnessServer witness = null;
        try {
            Map<String, Object> pp = new HashMap<>();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            pp.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<String, AuditEvent> producer = new KafkaProducer<>(pp, new StringSerializer(),
                    new AuditEventSerializer(registry, false))) {
                for (String agent : List.of("bot-a", "bot-b")) {
                    for (int i = 0; i < PER_AGENT; i++) {
                        producer.send(new ProducerRecord<>(input, Topics.agentKey(tenant, agent),
                                SampleEvents.of(EventType.values()[i % EventType.values().length], tenant, agent, i)));
                    }
                }
                producer.flush();
            }
            // The witness is down: the submitter must back off, not fail, and cosign nothing.
            long deadline = System.currentTimeMillis() + 120_000;
            while (stage.counters().get("unavailable") < 3 && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertThat(stage.counters().get("unavailable")).isGreaterThanOrEqualTo(3);
            // Ready while reading, even with its witness down (it backs off); its meters follow the naming scheme.
            assertThat(stage.readiness().ready()).as("submitter ready while reading").isTrue();
            assertThat(meters.scrape()).contains(SubmitterStage.METRIC_NAMES)
                    .containsPattern("attestream_witness_submit_unavailable_total [1-9]");
            assertThat(stage.counters().get("cosigned")).isZero();

            witness = WitnessServer.start(Witness.open(witnessKey, List.of(new WitnessedLog("attestream/" + tenant
                    + "/*", List.of(chainerKey.verifierKey()))), dir.resolve("witness"), Clock.systemUTC()),
                    new InetSocketAddress("127.0.0.1", port), 2);
            // Count-triggered checkpoints every EVERY events plus the time-triggered one at PER_AGENT; on a loaded
            // machine the 2 s interval may add time-triggered ones in between, so wait for the last size of both
            // agents rather than for a number of rows.
            int expected = 2 * (PER_AGENT / EVERY + (PER_AGENT % EVERY == 0 ? 0 : 1));
            deadline = System.currentTimeMillis() + 240_000;
            while (System.currentTimeMillis() < deadline && count(stack, "SELECT count() FROM"
                    + " attestream.checkpoint_attestations WHERE tenant = '" + tenant + "' AND tree_size = "
                    + PER_AGENT) < 2) {
                Thread.sleep(500);
            }
            List<String> rows = query(stack, "SELECT agent_id, tree_size, base64Encode(root_hash), witness_name,"
                    + " cosignature, toUnixTimestamp(cosigned_at) FROM attestream.checkpoint_attestations WHERE tenant = '"
                    + tenant + "' ORDER BY agent_id, tree_size");
            assertThat(rows).hasSizeGreaterThanOrEqualTo(expected);
            for (String agent : List.of("bot-a", "bot-b")) {
                List<Long> sizes = rows.stream().filter(r -> r.startsWith(agent + "\t"))
                        .map(r -> Long.parseLong(r.split("\t")[1])).toList();
                assertThat(sizes).as(agent).doesNotHaveDuplicates();
                for (long n = EVERY; n < PER_AGENT; n += EVERY) {
                    assertThat(sizes).as(agent).contains(n);
                }
            }
            assertThat(stage.counters().get("refused")).isZero();

            // Each landed line verifies over the chainer's own note of that size (read back from the topic
            // through the witness's monitor view for the last one, and re-signed bodies for all).
            CosignatureVerifier verifier = CosignatureVerifier.of(List.of(CosignerKey.of(witnessKey)));
            CheckpointVerifier logVerifier = CheckpointVerifier.of(List.<VerifierKey>of(chainerKey.verifierKey()));
            for (String agent : List.of("bot-a", "bot-b")) {
                List<Long> sizes = new ArrayList<>();
                for (String row : rows) {
                    String[] f = row.split("\t");
                    if (!f[0].equals(agent)) {
                        continue;
                    }
                    sizes.add(Long.parseLong(f[1]));
                    assertThat(f[3]).isEqualTo(witnessKey.name());
                    NoteSignature line = NoteSignature.parse(f[4], "row");
                    Cosignature c = Cosignature.fromLine(line);
                    assertThat(c.timestamp()).isEqualTo(Long.parseLong(f[5]));
                }
                assertThat(sizes).isSorted().last().isEqualTo((long) PER_AGENT);
                String latest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + port + "/" + io.attestream.witness.internal.StateFiles.originHash("attestream/" + tenant + "/"
                        + agent) + "/checkpoint")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                SignedCheckpoint served = logVerifier.verify(latest);
                assertThat(served.checkpoint().treeSize()).isEqualTo(PER_AGENT);
                assertThat(verifier.verify(served)).hasSize(1);
                Checkpoint cp = served.checkpoint();
                String landedLine = rows.stream().filter(r -> r.startsWith(agent + "\t" + PER_AGENT + "\t"))
                        .findFirst().orElseThrow().split("\t")[4];
                assertThat(verifier.verify(cp, List.of(NoteSignature.parse(landedLine, "row")))).hasSize(1);
            }
        } finally {
            stage.stop();
            sink.stop();
            chainer.stop();
            for (Thread t : threads) {
                t.join(60_000);
            }
            stage.close();
            sink.close();
            if (witness != null) {
                witness.close();
            }
        }
    }

    private static long count(StackEndpoints stack, String sql) {
        try {
            return Long.parseLong(query(stack, sql).get(0));
        } catch (Exception e) {
            return -1; // the table may not exist until the sink ran its migrations
        }
    }

    private static List<String> query(StackEndpoints stack, String sql) throws Exception {
        HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build().send(
                HttpRequest.newBuilder(URI.create(stack.clickHouseUrl() + "/")).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((stack.clickHouseUser()
                                + ":" + stack.clickHousePassword()).getBytes(StandardCharsets.UTF_8)))
                        .POST(HttpRequest.BodyPublishers.ofString(sql + " FORMAT TabSeparated")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("query failed (" + r.statusCode() + "): " + r.body() + "\n" + sql);
        }
        return r.body().lines().toList();
    }
}
