package io.attestream.witness.submit;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chainer.ChainerApp;
import io.attestream.chainer.ChainerConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.SigningKey;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.AuditEventSerializer;
import io.attestream.witness.Witness;
import io.attestream.witness.WitnessServer;
import io.attestream.witness.WitnessedLog;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The witness submitter's durable state against kill -9: {@code attestream witness-submit --state-dir} in its own
 * JVM, fed by a real chainer on the real stack's Kafka, submitting to a real witness. Killed after a batch is
 * cosigned, the restart resumes at its saved offsets (it reads only the new records and cosigns only the new
 * checkpoints, none twice); killed in the middle of a batch, the restart still gets every checkpoint cosigned,
 * each at least once.
 */
@ExtendWith(LocalStackExtension.class)
class SubmitterCrashIT {
    private static final int EVERY = 25;
    private static final List<String> AGENTS = List.of("bot-a", "bot-b");

    @Test
    void restartsWhereItStoppedAfterKillMinus9(StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String tenant = "it-crash-" + run;
        String input = "it.crash." + run + ".events";
        String chained = input + ".chained";
        String checkpoints = input + ".checkpoints";
        String cosignatures = input + ".cosignatures";
        Path dir = Files.createTempDirectory("submitter-crash-it-");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(input, 2, (short) 1), new NewTopic(chained, 2, (short) 1),
                    new NewTopic(checkpoints, 2, (short) 1), new NewTopic(cosignatures, 2, (short) 1))).all().get();
        }
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        registry.register(Topics.valueSubject(input), AuditEventCodec.currentSchema());
        SigningKey chainerKey = SigningKey.generate("it-crash-chainer", new SecureRandom());
        ChainerApp chainer = chainer(stack, dir, chainerKey, run, input, chained, checkpoints);
        Thread chainerThread = new Thread(() -> {
            try {
                chainer.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "it-chainer");
        chainerThread.start();
        SigningKey witnessKey = SigningKey.generate("witness.it/crash-" + run, new SecureRandom());
        Witness witness = Witness.open(witnessKey, List.of(new WitnessedLog("attestream/" + tenant + "/*",
                List.of(chainerKey.verifierKey()))), dir.resolve("witness"), Clock.systemUTC());
        WitnessServer server = WitnessServer.start(witness, new InetSocketAddress("127.0.0.1", 0), 2);
        Path vkey = dir.resolve("witness.cosigner.vkey");
        Files.writeString(vkey, CosignerKey.of(witnessKey).toVkey() + "\n");
        Path state = dir.resolve("submitter-state");
        List<String> args = List.of("--bootstrap-servers", stack.bootstrapServers(), "--registry-url",
                stack.registryUrl(), "--witness", server.uri() + "=" + vkey, "--chained-topic", chained,
                "--checkpoints-topic", checkpoints, "--cosignatures-topic", cosignatures, "--state-dir",
                state.toString(), "--snapshot-interval-ms", "100", "--min-backoff-ms", "100", "--max-backoff-ms", "500");
        try {
            // 1. 100 events per agent (4 checkpoints each), all cosigned; then kill -9.
            publish(stack, registry, input, tenant, 0, 100);
            Process a = start(args, dir.resolve("a.log"));
            awaitSizes(witness, tenant, 100);
            awaitCosignatures(stack, cosignatures, 8);
            // Past the snapshot interval: the position after the last cosignature is on disk.
            Thread.sleep(1500);
            assertThat(Files.exists(state.resolve(SubmitterState.FILE))).isTrue();
            kill(a);

            // 2. 100 more each, with the stage down; the restart resumes at its offsets.
            publish(stack, registry, input, tenant, 100, 100);
            awaitCommitted(stack, checkpoints, 16);
            Process b = start(args, dir.resolve("b.log"));
            awaitSizes(witness, tenant, 200);
            awaitCosignatures(stack, cosignatures, 16);
            Thread.sleep(500);
            b.destroy(); // SIGTERM: it prints its counters
            assertThat(b.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String bLog = Files.readString(dir.resolve("b.log"));
            assertThat(bLog).contains("resuming from " + state.resolve(SubmitterState.FILE));
            Map<String, Long> counters = counters(bLog);
            // Exactly the second batch: 200 chained records and 8 checkpoints, 8 new cosignatures, nothing twice.
            assertThat(counters).as(bLog).containsEntry("records-read", 208L).containsEntry("cosigned", 8L)
                    .containsEntry("refused", 0L);
            assertThat(cosignatures(stack, cosignatures)).hasSize(16).doesNotHaveDuplicates();

            // 3. 500 more each; killed while it submits; the restart still gets every checkpoint cosigned.
            publish(stack, registry, input, tenant, 200, 500);
            Process c = start(args, dir.resolve("c.log"));
            awaitAnySizeAbove(witness, tenant, 200);
            kill(c);
            Process d = start(args, dir.resolve("d.log"));
            awaitSizes(witness, tenant, 700);
            int expected = 2 * (700 / EVERY);
            awaitCosignatures(stack, cosignatures, expected);
            d.destroy();
            assertThat(d.waitFor(60, TimeUnit.SECONDS)).isTrue();
            List<String> all = cosignatures(stack, cosignatures);
            List<String> distinct = all.stream().distinct().toList();
            assertThat(distinct).hasSize(expected);
            for (String agent : AGENTS) {
                for (int n = EVERY; n <= 700; n += EVERY) {
                    assertThat(distinct).contains(agent + " " + n);
                }
            }
            // At-least-once: only a witness's newest checkpoint at the kill may be cosigned once more (one per log).
            assertThat(all.size() - distinct.size()).isLessThanOrEqualTo(AGENTS.size());
            assertThat(Files.readString(dir.resolve("d.log"))).contains("resuming from");
        } finally {
            chainer.stop();
            chainerThread.join(60_000);
            server.close();
        }
    }

    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no last snapshot
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    private static Process start(List<String> args, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", WitnessSubmitMain.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static final Pattern COUNTER = Pattern.compile("([a-z-]+)=(\\d+)");

    private static Map<String, Long> counters(String log) {
        int at = log.lastIndexOf("witness-submit: stopped, {");
        assertThat(at).as(log).isNotNegative();
        Map<String, Long> m = new HashMap<>();
        Matcher matcher = COUNTER.matcher(log.substring(at, log.indexOf('}', at)));
        while (matcher.find()) {
            m.put(matcher.group(1), Long.parseLong(matcher.group(2)));
        }
        return m;
    }

    private static void publish(StackEndpoints stack, SchemaRegistryClient registry, String input, String tenant,
            int from, int count) {
        Map<String, Object> pp = new HashMap<>();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, AuditEvent> producer = new KafkaProducer<>(pp, new StringSerializer(),
                new AuditEventSerializer(registry, false))) {
            for (String agent : AGENTS) {
                for (int i = from; i < from + count; i++) {
                    producer.send(new ProducerRecord<>(input, Topics.agentKey(tenant, agent),
                            SampleEvents.of(EventType.values()[i % EventType.values().length], tenant, agent, i)));
                }
            }
            producer.flush();
        }
    }

    private static void awaitSizes(Witness w, String tenant, long size) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline && !AGENTS.stream().allMatch(a -> sizeOf(w, tenant, a) >= size)) {
            Thread.sleep(200);
        }
        for (String a : AGENTS) {
            assertThat(sizeOf(w, tenant, a)).as("witness size of " + a).isEqualTo(size);
        }
    }

    private static void awaitAnySizeAbove(Witness w, String tenant, long size) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline && AGENTS.stream().noneMatch(a -> sizeOf(w, tenant, a) > size)) {
            Thread.sleep(20);
        }
    }

    private static long sizeOf(Witness w, String tenant, String agent) {
        return w.sizes().getOrDefault("attestream/" + tenant + "/" + agent, 0L);
    }

    private static void awaitCosignatures(StackEndpoints stack, String topic, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline && cosignatures(stack, topic).stream().distinct().count() < n) {
            Thread.sleep(500);
        }
        assertThat(cosignatures(stack, topic).stream().distinct().count()).isEqualTo(n);
    }

    private static void awaitCommitted(StackEndpoints stack, String topic, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline && records(stack, topic).size() < n) {
            Thread.sleep(500);
        }
        assertThat(records(stack, topic)).hasSize(n);
    }

    /** Every cosignature record as "agent size", in topic order per partition. */
    private static List<String> cosignatures(StackEndpoints stack, String topic) {
        List<String> out = new ArrayList<>();
        for (byte[] v : records(stack, topic)) {
            Attestation a = Attestation.parse(v);
            out.add(a.log().agentId() + " " + a.checkpoint().treeSize());
        }
        return out;
    }

    private static List<byte[]> records(StackEndpoints stack, String topic) {
        Map<String, Object> cc = new HashMap<>();
        cc.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<byte[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cc, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline
                    && parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }

    private static ChainerApp chainer(StackEndpoints stack, Path dir, SigningKey key, String run, String input,
            String chained, String checkpoints) throws Exception {
        Path keyFile = dir.resolve("chainer.key");
        key.writePrivatePem(keyFile);
        Map<String, Object> cc = new HashMap<>();
        cc.put("bootstrap.servers", stack.bootstrapServers());
        cc.put("schema.registry.url", stack.registryUrl());
        cc.put("application.id", "it-crash-chainer-" + run);
        cc.put("state.dir", Files.createDirectories(dir.resolve("chainer-state")).toString());
        cc.put("replication.factor", "1");
        cc.put("commit.interval.ms", "200");
        cc.put(ChainerConfig.INPUT_TOPIC_CONFIG, input);
        cc.put(ChainerConfig.CHAINED_TOPIC_CONFIG, chained);
        cc.put(ChainerConfig.CHECKPOINTS_TOPIC_CONFIG, checkpoints);
        cc.put(ChainerConfig.DEAD_LETTER_TOPIC_CONFIG, input + ".dlq");
        cc.put(ChainerConfig.REKEY_TOPIC_CONFIG, input + ".rekey");
        cc.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, keyFile.toString());
        cc.put(ChainerConfig.SIGNING_KEY_NAME_CONFIG, key.name());
        cc.put(ChainerConfig.TSA_MODE_CONFIG, ChainerConfig.TSA_MODE_NONE);
        cc.put(ChainerConfig.METRICS_PORT_CONFIG, "-1");
        cc.put(ChainerConfig.CHECKPOINT_EVERY_EVENTS_CONFIG, String.valueOf(EVERY));
        // Only count-triggered checkpoints: the expected sets are exact.
        cc.put(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG, "3600000");
        cc.put(ChainerConfig.CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG, "200");
        return new ChainerApp(new ChainerConfig(cc));
    }
}
