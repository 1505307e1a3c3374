package io.attestream.chainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chain.ChainedEvent;
import io.attestream.chain.CheckpointRecord;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.internal.ChildClasspath;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.LogState;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.integrity.TimestampedBatch;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.WireSerde;
import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chainer's crash guarantee on the real stack: two chainer instances as separate JVMs share a 6-partition
 * input of 100k events from 50 agents; instances are killed with SIGKILL at least three times mid-stream and
 * restarted. Afterwards every chain is gapless from seq 0, no seq repeats, no eventId has two seqs, every hash,
 * checkpoint signature and timestamp verifies, and chained + dead-lettered equals produced.
 */
@Tag("slow")
@ExtendWith(LocalStackExtension.class)
class ChainerCrashIT {
    private static final int EVENTS = 100_000;
    private static final int AGENTS = 50;
    private static final int PARTITIONS = 6;
    /** Every CORRUPT_EVERY-th record is a corrupt one, every MISKEY_EVERY-th is keyed wrongly, every
     *  REPLAY_EVERY-th is followed by a replay of an earlier event (same bytes). */
    private static final int CORRUPT_EVERY = 997;
    private static final int MISKEY_EVERY = 101;
    private static final int REPLAY_EVERY = 1009;
    private static final int KILLS = 4;

    @Test
    void chainsSurviveRepeatedKillNineOfTwoInstances(StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "it.chainer." + run + ".events";
        Path dir = Files.createTempDirectory("chainer-crash-it-");
        SigningKey key = SigningKey.generate("it-chainer", new SecureRandom());
        EmbeddedTimestampAuthority tsa = EmbeddedTimestampAuthority.generate("it", Clock.systemUTC());
        preloadVerificationClasses(key, tsa);
        Path keyFile = dir.resolve("it-chainer.key");
        key.writePrivatePem(keyFile);
        Path tsaDir = Files.createDirectories(dir.resolve("tsa"));
        tsa.save(tsaDir);

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(input, PARTITIONS, (short) 1))).all().get();
        }
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        int schemaId = registry.register(Topics.valueSubject(input), AuditEventCodec.currentSchema());

        Properties cfg = new Properties();
        cfg.setProperty("bootstrap.servers", stack.bootstrapServers());
        cfg.setProperty("schema.registry.url", stack.registryUrl());
        cfg.setProperty("application.id", "it-chainer-" + run);
        cfg.setProperty(ChainerConfig.INPUT_TOPIC_CONFIG, input);
        cfg.setProperty(ChainerConfig.CHAINED_TOPIC_CONFIG, input + ".chained");
        cfg.setProperty(ChainerConfig.CHECKPOINTS_TOPIC_CONFIG, input + ".checkpoints");
        cfg.setProperty(ChainerConfig.DEAD_LETTER_TOPIC_CONFIG, input + ".dlq");
        cfg.setProperty(ChainerConfig.REKEY_TOPIC_CONFIG, input + ".rekey");
        cfg.setProperty(ChainerConfig.SIGNING_KEY_FILE_CONFIG, keyFile.toString());
        cfg.setProperty(ChainerConfig.TSA_MODE_CONFIG, ChainerConfig.TSA_MODE_EMBEDDED);
        cfg.setProperty(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG, tsaDir.toString());
        cfg.setProperty(ChainerConfig.CHECKPOINT_EVERY_EVENTS_CONFIG, "500");
        cfg.setProperty(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG, "3000");
        cfg.setProperty(ChainerConfig.METRICS_PORT_CONFIG, "-1");
        cfg.setProperty("replication.factor", "1");
        cfg.setProperty("session.timeout.ms", "6000");
        cfg.setProperty("heartbeat.interval.ms", "1500");
        Path[] configs = new Path[2];
        for (int i = 0; i < 2; i++) {
            Properties p = new Properties();
            p.putAll(cfg);
            p.setProperty("state.dir", Files.createDirectories(dir.resolve("state-" + i)).toString());
            configs[i] = dir.resolve("chainer-" + i + ".properties");
            try (Writer w = Files.newBufferedWriter(configs[i])) {
                p.store(w, "ChainerCrashIT instance " + i);
            }
        }

        String classpath = frozenClasspath(dir);
        AtomicReferenceArray<Process> chainers = new AtomicReferenceArray<>(new Process[] {
            start(classpath, configs[0], dir, 0, 0), start(classpath, configs[1], dir, 1, 0)});
        long produced;
        int corrupt = 0;
        int replays = 0;
        List<String> killLog = new CopyOnWriteArrayList<>();
        Thread killer = null;
        try {
            awaitRunning(dir.resolve("chainer-0-0.log"));
            awaitRunning(dir.resolve("chainer-1-0.log"));
            // kill -9 alternately; each victim has been RUNNING (processing) for 10 s; restart 1.5 s later.
            killer = new Thread(() -> {
                int[] generation = {0, 0};
                try {
                    for (int k = 1; k <= KILLS; k++) {
                        int victim = k % 2;
                        awaitRunning(dir.resolve("chainer-" + victim + "-" + generation[victim] + ".log"));
                        Thread.sleep(10_000);
                        chainers.get(victim).destroyForcibly().waitFor();
                        killLog.add("kill -9 instance " + victim + " at " + Instant.now());
                        Thread.sleep(1_500);
                        generation[victim] = k;
                        chainers.set(victim, start(classpath, configs[victim], dir, victim, k));
                    }
                } catch (InterruptedException | IOException | AssertionError e) {
                    killLog.add("killer stopped: " + e);
                }
            }, "killer");
            killer.start();
            AtomicLong sent = new AtomicLong();
            Map<String, Object> pp = new HashMap<>();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            pp.put(ProducerConfig.ACKS_CONFIG, "all");
            pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            pp.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                long startedAt = System.currentTimeMillis();
                int[] perAgent = new int[AGENTS];
                List<byte[]> history = new ArrayList<>();
                for (int i = 0; i < EVENTS; i++) {
                    int agent = i % AGENTS;
                    AuditEvent e = SampleEvents.of(EventType.values()[i % EventType.values().length], "it-" + run,
                            "agent-" + agent, perAgent[agent]++);
                    e = AuditEvent.newBuilder(e).setEventId(UUID.nameUUIDFromBytes((run + "/" + i)
                            .getBytes(StandardCharsets.UTF_8))).setOccurredAt(Instant.now()).build();
                    byte[] bytes = AuditEventCodec.encode(schemaId, e);
                    byte[] k = Topics.agentKey(e.getTenant(), e.getAgentId()).getBytes(StandardCharsets.UTF_8);
                    if (i % CORRUPT_EVERY == CORRUPT_EVERY - 1) {
                        bytes = Arrays.copyOf(bytes, 20);
                        corrupt++;
                    } else {
                        history.add(bytes);
                    }
                    if (i % MISKEY_EVERY == 7) {
                        k = ("wrong-" + i).getBytes(StandardCharsets.UTF_8);
                    }
                    producer.send(new ProducerRecord<>(input, k, bytes));
                    sent.incrementAndGet();
                    if (i % REPLAY_EVERY == REPLAY_EVERY - 1) {
                        byte[] again = history.get(history.size() / 2);
                        producer.send(new ProducerRecord<>(input, null, again));
                        sent.incrementAndGet();
                        replays++;
                    }
                    if (i % 1000 == 999) {
                        // ~1.5k events/s: production spans the kills.
                        long wait = startedAt + (i + 1) * 2L / 3 - System.currentTimeMillis();
                        if (wait > 0) {
                            Thread.sleep(wait);
                        }
                    }
                }
                producer.flush();
            }
            produced = sent.get();
            System.out.println("ChainerCrashIT: produced " + produced + " records (" + corrupt + " corrupt, " + replays
                    + " replays)");

            Verification v = new Verification();
            long deadline = System.currentTimeMillis() + 900_000;
            try (KafkaConsumer<String, ChainedEvent> chained = consumer(stack, input + ".chained",
                    WireSerde.of(registry, ChainedEvent.class, ChainedEvent.getClassSchema(), false).deserializer());
                 KafkaConsumer<byte[], byte[]> dlq = new KafkaConsumer<>(consumerProps(stack),
                         new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                dlq.subscribe(List.of(input + ".dlq"));
                while (v.chained.size() + v.deadLettered.size() < produced && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, ChainedEvent> r : chained.poll(Duration.ofMillis(200))) {
                        v.chained.add(r.value());
                    }
                    for (ConsumerRecord<byte[], byte[]> r : dlq.poll(Duration.ofMillis(50))) {
                        Header reason = r.headers().lastHeader(DeadLetterHeaders.REASON);
                        v.deadLettered.add(new String(reason.value(), StandardCharsets.UTF_8));
                    }
                    assertThat(chainers.get(0).isAlive() || chainers.get(1).isAlive()).as("a chainer is running")
                            .isTrue();
                }
                // Anything beyond 'produced' would be a duplicate: read a little longer to catch it.
                long settle = System.currentTimeMillis() + 5_000;
                while (System.currentTimeMillis() < settle) {
                    chained.poll(Duration.ofMillis(200)).forEach(r -> v.chained.add(r.value()));
                    dlq.poll(Duration.ofMillis(50)).forEach(r -> v.deadLettered.add(new String(
                            r.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8)));
                }
            }
            killer.join();
            System.out.println("ChainerCrashIT: " + killLog);
            assertThat(killLog).as("kills").hasSize(KILLS).allMatch(l -> l.startsWith("kill -9"));
            assertThat(v.chained.size() + v.deadLettered.size()).as("chained + dead-lettered == produced")
                    .isEqualTo(produced);
            assertThat(v.deadLettered.stream().filter("corrupt-avro"::equals).count()).isEqualTo(corrupt);
            assertThat(v.deadLettered.stream().filter("duplicate-event-id"::equals).count()).isEqualTo(replays);
            Map<String, List<Hash>> hashes = v.verifyChains(schemaId);
            assertThat(hashes).hasSize(AGENTS);

            // Verify every checkpoint.
            try (KafkaConsumer<String, CheckpointRecord> cps = consumer(stack, input + ".checkpoints",
                    WireSerde.of(registry, CheckpointRecord.class, CheckpointRecord.getClassSchema(), false)
                            .deserializer())) {
                CheckpointVerifier verifier = CheckpointVerifier.of(key.verifierKey());
                TimestampVerifier tsaVerifier = tsa.verifier();
                Map<String, Long> largest = new HashMap<>();
                int n = 0;
                // Read until every chain's full length is covered by a checkpoint (time cadence), or 5 min.
                long cpDeadline = System.currentTimeMillis() + 300_000;
                while (System.currentTimeMillis() < cpDeadline && !hashes.entrySet().stream().allMatch(
                        e -> largest.getOrDefault(e.getKey(), 0L) == e.getValue().size())) {
                    for (ConsumerRecord<String, CheckpointRecord> r : cps.poll(Duration.ofMillis(500))) {
                        CheckpointRecord cp = r.value();
                        SignedCheckpoint signed = verifier.verify(cp.getNote());
                        LogId log = LogId.of(cp.getTenant(), cp.getAgentId());
                        assertThat(signed.checkpoint().origin()).isEqualTo(log.origin());
                        List<Hash> chain = hashes.get(r.key());
                        int size = (int) signed.checkpoint().treeSize();
                        assertThat(size).isBetween(1, chain.size());
                        assertThat(signed.checkpoint().rootHash()).as("root of " + r.key() + " at " + size)
                                .isEqualTo(MerkleTree.of(chain.subList(0, size)).root());
                        assertThat(signed.checkpoint().chainHead().hash()).isEqualTo(chain.get(size - 1));
                        assertThat(signed.checkpoint().formatVersion()).isEqualTo(Checkpoint.FORMAT_2);
                        assertThat(signed.checkpoint().created()).contains(cp.getCreatedAt());
                        assertThat(cp.getTimestamp()).as("timestamped").isNotNull();
                        CheckpointTimestamp.fromJson(new String(bytes(cp.getTimestamp().getEncoded()),
                                StandardCharsets.UTF_8)).verify(cp.getNote(), tsaVerifier);
                        largest.merge(r.key(), (long) size, Math::max);
                        n++;
                    }
                }
                System.out.println("ChainerCrashIT: verified " + n + " checkpoints");
                for (Map.Entry<String, List<Hash>> e : hashes.entrySet()) {
                    assertThat(largest.get(e.getKey())).as("latest checkpoint of " + e.getKey() + " covers its chain")
                            .isEqualTo(e.getValue().size());
                }
            }
        } finally {
            if (killer != null) {
                killer.interrupt();
                killer.join();
            }
            for (int i = 0; i < 2; i++) {
                chainers.get(i).destroy();
            }
            for (int i = 0; i < 2; i++) {
                if (!chainers.get(i).waitFor(60, TimeUnit.SECONDS)) {
                    chainers.get(i).destroyForcibly().waitFor();
                }
            }
        }
    }

    /**
     * This JVM's classpath with the project's own jars and class directories copied into {@code dir/lib}, so that
     * other engineers re-installing a module while the test runs cannot change what a restarted chainer loads.
     */
    private static String frozenClasspath(Path dir) throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        List<String> out = new ArrayList<>();
        int n = 0;
        for (String entry : ChildClasspath.current().split(File.pathSeparator)) {
            Path p = Path.of(entry);
            boolean ours = entry.contains("/io/attestream/") || p.toAbsolutePath().startsWith(
                    Path.of(System.getProperty("attestream.repo.root", "/nonexistent")));
            if (!ours || !Files.exists(p)) {
                out.add(entry);
                continue;
            }
            Path copy = lib.resolve((n++) + "-" + p.getFileName());
            if (Files.isDirectory(p)) {
                try (Stream<Path> files = Files.walk(p)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Path target = copy.resolve(p.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(target);
                        } else {
                            Files.copy(f, target);
                        }
                    }
                }
            } else {
                Files.copy(p, copy);
            }
            out.add(copy.toString());
        }
        return String.join(File.pathSeparator, out);
    }

    private static Process start(String classpath, Path config, Path dir, int instance, int generation)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        File log = dir.resolve("chainer-" + instance + "-" + generation + ".log").toFile();
        return new ProcessBuilder(java, "-Xmx384m", "-Duser.timezone=UTC",
                "-Dorg.slf4j.simpleLogger.log.io.attestream.chainer.ChainerApp=info",
                "-Djava.io.tmpdir=" + dir, "-cp", classpath, ChainerMain.class.getName(),
                "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log).start();
    }

    /**
     * Runs every verification step once on a tiny log, so that their classes are loaded now: other engineers
     * re-install the project's jars in the shared Maven repository while this long test runs.
     */
    private static void preloadVerificationClasses(SigningKey key, EmbeddedTimestampAuthority tsa) {
        LogState log = LogState.empty(LogId.of("t", "a"));
        LogState.Appended a = log.append(1_000, 1, new byte[32], new byte[] {1});
        ChainEntry.recompute(a.entry().log(), 0, a.entry().previousHash(), ChainEntry.VERSION_2, 1_000, 1,
                new byte[32], new byte[] {1}).verifyStoredHash(a.entry().hash());
        Hash root = MerkleTree.of(List.of(a.entry().hash())).root();
        String note = SignedCheckpoint.sign(Checkpoint.forLog(a.state().head(), root, new Checkpoint.Cadence(1, 1),
                Instant.EPOCH), key).text();
        CheckpointVerifier.of(key.verifierKey()).verify(note).checkpoint().created().orElseThrow();
        CheckpointTimestamp ts = CheckpointTimestamp.fromJson(
                TimestampedBatch.timestamp(List.of(note), tsa).timestamps().get(0).toJson());
        ts.verify(note, tsa.verifier());
        ChainedEvent.getClassSchema();
        CheckpointRecord.getClassSchema();
        new Verification().verifyChains(1);
    }

    /** Waits until an instance's log says it reached RUNNING (JVM start-up is slow on a loaded machine). */
    private static void awaitRunning(Path log) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 300_000;
        while (System.currentTimeMillis() < deadline) {
            // ChainerApp logs "chainer RUNNING: ..." when it first runs, "chainer back to RUNNING ..." after a rebalance.
            if (Files.exists(log) && Files.readString(log).contains("RUNNING")) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("chainer did not reach RUNNING within 5 min; see " + log);
    }

    private static Map<String, Object> consumerProps(StackEndpoints stack) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "verify-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return p;
    }

    private static <V> KafkaConsumer<String, V> consumer(StackEndpoints stack, String topic,
                                                        Deserializer<V> values) {
        KafkaConsumer<String, V> c = new KafkaConsumer<>(consumerProps(stack), new StringDeserializer(), values);
        c.subscribe(List.of(topic));
        return c;
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    /** What was read back, and the checks on it. */
    private static final class Verification {
        final List<ChainedEvent> chained = new ArrayList<>();
        final List<String> deadLettered = new ArrayList<>();

        /** Checks every chain and returns each agent's entry hashes by seq. */
        Map<String, List<Hash>> verifyChains(int schemaId) {
            Map<String, TreeMap<Long, ChainedEvent>> byAgent = new HashMap<>();
            Set<String> eventIds = new HashSet<>();
            for (ChainedEvent c : chained) {
                String agent = Topics.agentKey(c.getTenant(), c.getAgentId());
                ChainedEvent before = byAgent.computeIfAbsent(agent, k -> new TreeMap<>()).put(c.getSeq(), c);
                assertThat(before).as("seq " + c.getSeq() + " of " + agent + " written once").isNull();
                assertThat(eventIds.add(c.getEventId())).as("eventId " + c.getEventId() + " has one seq").isTrue();
            }
            Map<String, List<Hash>> out = new HashMap<>();
            for (Map.Entry<String, TreeMap<Long, ChainedEvent>> e : byAgent.entrySet()) {
                TreeMap<Long, ChainedEvent> chain = e.getValue();
                assertThat(chain.firstKey()).isZero();
                assertThat(chain.lastKey()).as("gapless " + e.getKey()).isEqualTo(chain.size() - 1L);
                Hash prev = null;
                List<Hash> hashes = new ArrayList<>();
                for (ChainedEvent c : chain.values()) {
                    LogId log = LogId.of(c.getTenant(), c.getAgentId());
                    byte[] bytes = bytes(c.getEventBytes());
                    assertThat(c.getSchemaId()).isEqualTo(schemaId);
                    // Replays after each kill -9 re-read the clock; only committed entries are read here, and each
                    // must recompute under its own chained time and link to the committed entry before it.
                    assertThat(c.getEntryVersion()).isEqualTo(ChainEntry.VERSION_2);
                    ChainEntry entry = ChainEntry.recompute(log, c.getSeq(), Hash.of(c.getPrevHash().bytes()),
                            c.getEntryVersion(), ChronoUnit.MICROS.between(Instant.EPOCH, c.getChainedAt()),
                            c.getSchemaId(), c.getSchemaFingerprint().bytes(), Arrays.copyOfRange(bytes, 5, bytes.length));
                    entry.verifyStoredHash(Hash.of(c.getHash().bytes()));
                    assertThat(entry.previousHash()).isEqualTo(prev == null ? log.genesisHash() : prev);
                    prev = entry.hash();
                    hashes.add(entry.hash());
                }
                out.put(e.getKey(), hashes);
            }
            return out;
        }
    }
}
