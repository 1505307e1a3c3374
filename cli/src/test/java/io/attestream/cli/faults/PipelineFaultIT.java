package io.attestream.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chainer.ChainerConfig;
import io.attestream.chainer.ChainerMain;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.internal.ChildClasspath;
import io.attestream.deploy.stack.junit.KafkaCluster;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.SigningKey;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.sink.SinkMain;
import io.attestream.verifier.VerifyCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Faults under a steady load through the whole write path, on a 3-node KRaft cluster (replication factor 3,
 * min.insync.replicas 2) with every process separate: two chainer instances, the evidence sink (to the local stack's
 * ClickHouse engine), three Kafka nodes. In order, while events keep coming:
 * <ol>
 *   <li>SIGKILL one Kafka node, restart it, wait until it is back in every ISR;</li>
 *   <li>SIGKILL a different node, restart it, wait again;</li>
 *   <li>SIGKILL a chainer instance and restart it at once: events sent after the kill must be chained (committed)
 *       on every partition soon after the kill (session timeout defaults plus static membership,
 *       docs/operations.md "Failures and recovery"); the time is printed against the 10 s goal (met or NOT met)
 *       and asserted against {@code -Dfault.it.max.recovery} (default 38 s, a regression bound);</li>
 *   <li>SIGKILL the sink and restart it: events sent after the kill must land on every partition, timed and
 *       bounded the same way;</li>
 *   <li>rolling restart of the chainer (SIGTERM, start, RUNNING; then the other instance).</li>
 * </ol>
 * Afterwards every produced event id landed exactly once, every chain is gapless from seq 0, nothing was
 * dead-lettered, and {@code attestream verify} passes on the tenant. The figures are printed ({@code [fault-it]}).
 *
 * <p>{@code -Dfault.it.chainer.set=k=v,k=v} and {@code -Dfault.it.sink.set=...} add settings to the stages,
 * {@code -Dfault.it.static=false} turns static membership off (how the recovery figures of docs/operations.md were
 * compared); {@code -Dfault.it.phases=stages} runs only the stage kills; {@code -Dfault.it.cds=false} starts the stage
 * JVMs without a class-data archive.
 *
 * <p>The stage JVMs start as the role images start them ({@code deploy/docker/start.sh}, docs/operations.md
 * "Start-up"): with an application class-data (AppCDS) archive of their classes written by an earlier orderly exit of
 * the same stage. Here that earlier life is the first one of chainer instance 0 and of the sink, which process the
 * warm-up load and are then stopped with SIGTERM (the JVM writes the archive as it exits) and started again; every
 * later start of a chainer or the sink, the killed ones' restarts included, maps the archive.
 */
@Tag("slow")
@ExtendWith(LocalStackExtension.class)
class PipelineFaultIT {
    private static final int PARTITIONS = 6;
    private static final int AGENTS = 24;
    /** Events per second, spread over every agent. */
    private static final int RATE = 120;
    /** The goal of issue 17: from a kill -9 to progressing again. Printed as met or not met. */
    private static final Duration RECOVERY_GOAL = Duration.ofSeconds(10);
    /**
     * What the test asserts ({@code -Dfault.it.max.recovery=PT10S} to assert the goal itself): on this 2-core
     * machine the restart alone (JVM start, Streams start, store restore) took 8.6-24 s, 22.8 s in a clean CI run
     * with nothing else running, so the default bound is a regression guard against the 41-45 s of the old session
     * timeout (which it still catches), not the goal.
     */
    private static final Duration MAX_RECOVERY = Duration.parse(System.getProperty("fault.it.max.recovery", "PT38S"));
    /** Static membership (group.instance.id per instance), as recommended in docs/operations.md; false to compare. */
    private static final boolean STATIC_MEMBERSHIP = Boolean.parseBoolean(System.getProperty("fault.it.static", "true"));
    /** Start the stages with an AppCDS archive, as the role images do; false to compare. */
    private static final boolean CDS = Boolean.parseBoolean(System.getProperty("fault.it.cds", "true"));

    private final List<String> figures = new ArrayList<>();
    private Path dir;
    private String classpathArg;
    private Connection jdbc;
    private String database;
    private String tenant;
    private Load load;
    private ChainedWatcher chained;

    @Test
    void brokerAndStageKillsUnderLoadLoseNothingDuplicateNothingAndRecoverWithinTenSeconds(StackEndpoints stack,
            @TempDir Path tmp) throws Exception {
        dir = tmp;
        String run = UUID.randomUUID().toString().substring(0, 8);
        tenant = "fault-" + run;
        database = "fault_" + run;
        boolean brokerPhases = !"stages".equals(System.getProperty("fault.it.phases"));
        long testStart = System.nanoTime();

        SigningKey key = SigningKey.generate("fault-it", new SecureRandom());
        Path keyFile = dir.resolve("fault-it.key");
        key.writePrivatePem(keyFile);
        Path vkey = Files.writeString(dir.resolve("fault-it.vkey"), key.verifierKey().toVkey() + "\n");
        Path tsaDir = Files.createDirectories(dir.resolve("tsa"));
        EmbeddedTimestampAuthority.generate("fault-it", Clock.systemUTC()).save(tsaDir);
        Path log4j = Files.writeString(dir.resolve("log4j2.properties"), CHILD_LOG4J2);
        classpathArg = ChildClasspath.argFileJarsFirst(dir.resolve("classpath.args"));

        try (KafkaCluster cluster = KafkaCluster.start(3, Duration.ofMinutes(3))) {
            // Every topic created before the first start, as docs/operations.md says, and known to the brokers with
            // every replica in sync before the first write.
            for (String t : List.of(Topics.EVENTS, Topics.CHAINED, Topics.CHECKPOINTS, Topics.DEAD_LETTER,
                    "attestream.events.rekey")) {
                cluster.createTopic(t, PARTITIONS, Duration.ofSeconds(60));
            }
            SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
            int schemaId = registry.register(Topics.valueSubject(Topics.EVENTS), AuditEventCodec.currentSchema());

            Properties chainer = new Properties();
            chainer.setProperty("bootstrap.servers", cluster.bootstrapServers());
            chainer.setProperty("schema.registry.url", stack.registryUrl());
            chainer.setProperty(ChainerConfig.APPLICATION_ID_CONFIG, "fault-chainer-" + run);
            chainer.setProperty(ChainerConfig.SIGNING_KEY_FILE_CONFIG, keyFile.toString());
            chainer.setProperty(ChainerConfig.TSA_MODE_CONFIG, ChainerConfig.TSA_MODE_EMBEDDED);
            chainer.setProperty(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG, tsaDir.toString());
            chainer.setProperty(ChainerConfig.CHECKPOINT_EVERY_EVENTS_CONFIG, "500");
            chainer.setProperty(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG, "2000");
            chainer.setProperty(ChainerConfig.METRICS_PORT_CONFIG, "-1");
            if (STATIC_MEMBERSHIP) {
                // As a StatefulSet gives each pod a stable name: a restarted instance takes its tasks back at once.
                chainer.setProperty("group.instance.id", "fault-chainer-" + run + "-{instance}");
            }
            extra("fault.it.chainer.set").forEach(chainer::setProperty);
            Path[] chainerConfigs = new Path[2];
            for (int i = 0; i < 2; i++) {
                Properties p = new Properties();
                p.putAll(chainer);
                p.setProperty("state.dir", Files.createDirectories(dir.resolve("chainer-state-" + i)).toString());
                // Only used when a run asks for static membership: each instance needs its own id.
                String instance = Integer.toString(i);
                p.replaceAll((k, v) -> v.toString().replace("{instance}", instance));
                chainerConfigs[i] = dir.resolve("chainer-" + i + ".properties");
                try (Writer w = Files.newBufferedWriter(chainerConfigs[i])) {
                    p.store(w, "PipelineFaultIT chainer instance " + i);
                }
            }
            List<String> sinkArgs = new ArrayList<>(List.of("run", "--bootstrap-servers", cluster.bootstrapServers(),
                    "--registry-url", stack.registryUrl(), "--clickhouse-url", stack.clickHouseJdbcUrl(),
                    "--clickhouse-user", stack.clickHouseUser(), "--database", database,
                    "-D", "group.id=fault-sink-" + run,
                    "-D", "topics=" + String.join(",", Topics.CHAINED, Topics.CHECKPOINTS, Topics.DEAD_LETTER),
                    "-D", "batch.linger.ms=200"));
            if (STATIC_MEMBERSHIP) {
                sinkArgs.addAll(List.of("-D", "consumer.group.instance.id=fault-sink-" + run));
            }
            if (!stack.clickHousePassword().isEmpty()) {
                sinkArgs.addAll(List.of("-D", "clickhouse.password=" + stack.clickHousePassword()));
            }
            extra("fault.it.sink.set").forEach((k, v) -> sinkArgs.addAll(List.of("-D", k + "=" + v)));

            // The first lives of chainer instance 0 and of the sink write the class-data archives (see the class
            // comment); instance 1 starts without one until its rolling restart.
            Process[] chainers = {CDS ? child(ChainerMain.class.getName(), List.of("--config",
                    chainerConfigs[0].toString()), log4j, "chainer-0-0",
                    "-XX:ArchiveClassesAtExit=" + archive(ChainerMain.class.getName()))
                    : startChainer(chainerConfigs[0], log4j, "chainer-0-0"),
                startChainer(chainerConfigs[1], log4j, "chainer-1-0")};
            int[] chainerStarts = {1, 1};
            Process sink = CDS ? child(SinkMain.class.getName(), sinkArgs, log4j, "sink-0",
                    "-XX:ArchiveClassesAtExit=" + archive(SinkMain.class.getName()))
                    : startSink(sinkArgs, log4j, "sink-0");
            int sinkStarts = 1;
            load = new Load(cluster.bootstrapServers(), tenant, schemaId);
            chained = new ChainedWatcher(cluster.bootstrapServers());
            jdbc = connect(stack);
            try {
                awaitLog(dir.resolve("chainer-0-0.log"), "chainer RUNNING", Duration.ofMinutes(3));
                awaitLog(dir.resolve("chainer-1-0.log"), "chainer RUNNING", Duration.ofMinutes(3));
                chained.start();
                load.start();
                Thread.sleep(2_000);
                // Warm-up (JIT, first transactions, sink migrations), then the steady-state latency to compare with.
                awaitLandedAfter(Instant.now(), Duration.ofMinutes(3));
                if (CDS) {
                    // The end of those first lives: SIGTERM, the JVM writes its archive, the next start maps it.
                    long cdsStart = System.nanoTime();
                    chainers[0] = restartWritingArchive(chainers[0], ChainerMain.class.getName(),
                            () -> startChainer(chainerConfigs[0], log4j, "chainer-0-" + chainerStarts[0]++));
                    awaitLog(dir.resolve("chainer-0-1.log"), "RUNNING", Duration.ofMinutes(2));
                    String sinkName = "sink-" + sinkStarts++;
                    sink = restartWritingArchive(sink, SinkMain.class.getName(),
                            () -> startSink(sinkArgs, log4j, sinkName));
                    awaitLandedAfter(Instant.now(), Duration.ofMinutes(3));
                    note("class-data archives written by the first lives of chainer instance 0 and the sink (SIGTERM"
                            + " after the warm-up, restarted on them): %d and %d KiB, %.1f s until landing again",
                            Files.size(archive(ChainerMain.class.getName())) / 1024,
                            Files.size(archive(SinkMain.class.getName())) / 1024,
                            seconds(System.nanoTime() - cdsStart));
                }
                Thread.sleep(3_000);
                Instant steadyFrom = Instant.now();
                // Informative only (the warm-up still shows at a high load): generous timeouts.
                Duration steadyChained = chained.awaitChainedAfter(steadyFrom, load.partitions(), Duration.ofMinutes(3));
                Duration steady = awaitLandedAfter(steadyFrom, Duration.ofMinutes(3));
                note("pipeline landing on every partition %.1f s after the test began (%d events produced); steady"
                        + " state: an event produced now is chained (committed) on every partition within %.1f s and"
                        + " lands on every partition within %.1f s", seconds(System.nanoTime() - testStart),
                        load.acked(), seconds(steadyChained.toNanos()), seconds(steady.toNanos()));

                int kills = 0;
                List<Duration> brokerRecovery = new ArrayList<>();
                if (brokerPhases) {
                    // Two different nodes; the second one is killed only once the first is back in every ISR.
                    for (int node : new int[] {0, 2}) {
                        Thread.sleep(3_000);
                        Instant kill = Instant.now();
                        long killedAt = System.nanoTime();
                        cluster.kill(node);
                        kills++;
                        Duration recovered = awaitLandedAfter(kill, Duration.ofMinutes(2));
                        brokerRecovery.add(recovered);
                        note("kill -9 of Kafka node %d at %s: events produced after the kill landed on every"
                                + " partition %.1f s after it", cluster.nodeId(node), kill,
                                seconds(recovered.toNanos()));
                        long sinceKill = System.nanoTime() - killedAt;
                        Thread.sleep(Math.max(0, 8_000 - sinceKill / 1_000_000));
                        long restartAt = System.nanoTime();
                        cluster.restart(node, Duration.ofMinutes(2));
                        Duration isr = cluster.awaitFullIsr(Duration.ofMinutes(3));
                        note("Kafka node %d restarted after %.1f s down; back in every ISR %.1f s after the restart",
                                cluster.nodeId(node), seconds(restartAt - killedAt),
                                seconds(System.nanoTime() - restartAt));
                        assertThat(isr).isLessThan(Duration.ofMinutes(3));
                        assertAlive(chainers, sink);
                    }
                }

                // kill -9 of a chainer instance, restarted at once (as a supervisor would).
                Thread.sleep(3_000);
                Instant baselineFrom = Instant.now();
                Duration chainedBaseline = chained.awaitChainedAfter(baselineFrom, load.partitions(),
                        Duration.ofMinutes(1));
                Duration chainerBaseline = awaitLandedAfter(baselineFrom, Duration.ofMinutes(1));
                note("just before the chainer kill: events produced now chained on every partition within %.1f s,"
                        + " landed within %.1f s (the floor of the recovery figure below)",
                        seconds(chainedBaseline.toNanos()), seconds(chainerBaseline.toNanos()));
                Instant kill = Instant.now();
                long killedAt = System.nanoTime();
                chainers[0].destroyForcibly().waitFor();
                kills++;
                String restartedLog = "chainer-0-" + chainerStarts[0]++;
                chainers[0] = startChainer(chainerConfigs[0], log4j, restartedLog);
                long restartedAt = System.nanoTime();
                // The chainer's own output: committed chained records of events produced after the kill, on every
                // partition (the sink's landing latency is not the chainer's recovery).
                Duration chainerRecovery = chained.awaitChainedAfter(kill, load.partitions(), Duration.ofMinutes(2));
                Duration chainerLanded = awaitLandedAfter(kill, Duration.ofMinutes(2));
                note("kill -9 of chainer instance 0 at %s, restarted at once: events produced after the kill chained"
                        + " (committed) on every partition %.1f s after it (%.1f s after the restart), landed %.1f s"
                        + " after it", kill, seconds(chainerRecovery.toNanos()),
                        seconds(chainerRecovery.toNanos() - (restartedAt - killedAt)), seconds(chainerLanded.toNanos()));
                // Without transactional state stores the stream thread wiped every task of the killed instance and
                // restored it from its changelog from offset 0 (chainer README, "Guarantees"): say whether it did.
                // (Kafka Streams 4.4 also logs "wipe out the local state" from the main thread's start-up store
                // check, which ignores the setting and wipes nothing: not counted.)
                try (Stream<String> lines = Files.lines(dir.resolve(restartedLog + ".log"))) {
                    note("the restarted chainer's stream thread re-created corrupted tasks from scratch %d time(s)",
                            lines.filter(l -> l.contains("re-create and bootstrap from scratch")).count());
                }
                note("the restarted chainer's log, after the kill: %s", timeline(dir.resolve(restartedLog + ".log"),
                        kill, "chainer start-up", "RUNNING"));
                note("the restarted chainer restored %s", restored(dir.resolve(restartedLog + ".log")));

                // kill -9 of the sink, restarted at once.
                Thread.sleep(3_000);
                Duration sinkBaseline = awaitLandedAfter(Instant.now(), Duration.ofMinutes(1));
                kill = Instant.now();
                killedAt = System.nanoTime();
                sink.destroyForcibly().waitFor();
                kills++;
                sink = startSink(sinkArgs, log4j, "sink-" + sinkStarts++);
                restartedAt = System.nanoTime();
                Duration sinkRecovery = awaitLandedAfter(kill, Duration.ofMinutes(2));
                note("kill -9 of the sink at %s, restarted at once: events produced after the kill landed on every"
                        + " partition %.1f s after it (%.1f s after the restart)", kill, seconds(sinkRecovery.toNanos()),
                        seconds(sinkRecovery.toNanos() - (restartedAt - killedAt)));
                note("the restarted sink's log, after the kill: %s", timeline(dir.resolve("sink-" + (sinkStarts - 1)
                        + ".log"), kill, "probes and metrics at", "assigned "));

                int rollingRestarts = 0;
                if (brokerPhases) {
                    // Rolling restart: one instance at a time, the next only once the restarted one runs and every
                    // partition lands again.
                    for (int i = 0; i < 2; i++) {
                        Thread.sleep(2_000);
                        long stopAt = System.nanoTime();
                        chainers[i].destroy();
                        assertThat(chainers[i].waitFor(60, TimeUnit.SECONDS)).as("chainer %d stops on SIGTERM", i)
                                .isTrue();
                        String name = "chainer-" + i + "-" + chainerStarts[i]++;
                        chainers[i] = startChainer(chainerConfigs[i], log4j, name);
                        awaitLog(dir.resolve(name + ".log"), "RUNNING", Duration.ofMinutes(2));
                        awaitLandedAfter(Instant.now(), Duration.ofMinutes(2));
                        rollingRestarts++;
                        note("rolling restart of chainer instance %d: stopped (SIGTERM), started, RUNNING, and events"
                                + " produced after that landed on every partition %.1f s after the SIGTERM", i,
                                seconds(System.nanoTime() - stopAt));
                    }
                }
                Thread.sleep(2_000);
                load.stop();
                assertAlive(chainers, sink);

                // Drain: everything produced lands, then a little longer to catch duplicates.
                long produced = load.acked();
                assertThat(load.failed()).as("sends that failed for good (see %s)", dir).isZero();
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (count(jdbc, "SELECT count() FROM " + database + ".chained_events WHERE tenant = '" + tenant + "'")
                        < produced && System.nanoTime() < deadline) {
                    assertAlive(chainers, sink);
                    Thread.sleep(500);
                }
                Thread.sleep(5_000);

                Map<String, Long> landed = new HashMap<>();
                try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery("SELECT toString(event_id),"
                        + " count() FROM " + database + ".chained_events WHERE tenant = '" + tenant + "' GROUP BY"
                        + " event_id")) {
                    while (rs.next()) {
                        landed.put(rs.getString(1), rs.getLong(2));
                    }
                }
                Set<String> ids = load.ids();
                long lost = ids.stream().filter(id -> !landed.containsKey(id)).count();
                long duplicated = landed.values().stream().mapToLong(c -> c - 1).sum()
                        + landed.keySet().stream().filter(id -> !ids.contains(id)).count();
                List<String> chains = rows(jdbc, "SELECT agent_id, count(), uniqExact(seq), min(seq), max(seq) FROM "
                        + database + ".chained_events WHERE tenant = '" + tenant + "' GROUP BY agent_id");
                long deadLetters = count(jdbc, "SELECT count() FROM " + database + ".dead_letters");
                int verifyExit = verify(stack, vkey, tsaDir);

                note("figures: %d events from %d agents at %d/s; kills: %d (Kafka nodes %s, chainer 1, sink 1),"
                        + " rolling restarts %d; time to recover (kill -9 to events produced after it landing on every"
                        + " partition): Kafka nodes %s, chainer %.1f s, sink %.1f s; lost %d, duplicated %d,"
                        + " dead-lettered %d; verify exit %d; test %.0f s", produced, AGENTS, RATE, kills,
                        brokerPhases ? "1 and 3" : "none", rollingRestarts, brokerRecovery.stream()
                                .map(d -> String.format(Locale.ROOT, "%.1f s", seconds(d.toNanos()))).toList(),
                        seconds(chainerRecovery.toNanos()), seconds(sinkRecovery.toNanos()), lost, duplicated,
                        deadLetters, verifyExit, seconds(System.nanoTime() - testStart));
                figures.add(String.format("[fault-it] recovery goal < %d s: chainer %s, sink %s (asserted < %d s)",
                        RECOVERY_GOAL.toSeconds(), chainerRecovery.compareTo(RECOVERY_GOAL) < 0 ? "met" : "NOT met",
                        sinkRecovery.compareTo(RECOVERY_GOAL) < 0 ? "met" : "NOT met", MAX_RECOVERY.toSeconds()));
                figures.forEach(System.out::println);
                Files.write(Path.of("target", "fault-it-figures.txt"), figures);

                assertThat(lost).as("event ids produced but not landed").isZero();
                assertThat(duplicated).as("event ids landed more than once").isZero();
                assertThat(deadLetters).as("dead-lettered records").isZero();
                assertThat(chains).hasSize(AGENTS).allSatisfy(row -> {
                    String[] v = row.split("\t");
                    assertThat(List.of(v[1], v[2], v[3], Long.toString(Long.parseLong(v[4]) + 1)))
                            .as("rows, distinct seqs, first seq, last seq + 1 of %s", v[0])
                            .containsExactly(v[1], v[1], "0", v[1]);
                });
                assertThat(verifyExit).as("attestream verify --tenant %s (output above)", tenant).isZero();
                // Every figure grows with the machine's load: the failure message says how late the pipeline was
                // anyway just before each kill (produce to land on every partition) and what the load was.
                String load1 = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
                assertThat(chainerRecovery).as("chainer kill -9 to events sent after it chained on every partition"
                        + " (steady state just before: landed within %s; load average %s)", chainerBaseline, load1)
                        .isLessThan(MAX_RECOVERY);
                assertThat(sinkRecovery).as("sink kill -9 to events sent after it landed on every partition (steady"
                        + " state just before: %s; load average %s)", sinkBaseline, load1).isLessThan(MAX_RECOVERY);
            } finally {
                load.stop();
                chained.stop();
                for (Process p : chainers) {
                    p.destroy();
                }
                sink.destroy();
                for (Process p : List.of(chainers[0], chainers[1], sink)) {
                    if (!p.waitFor(60, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor();
                    }
                }
                copyLogs();
                jdbc.close();
            }
        }
    }

    /** Steady load: {@value #RATE} events/s round-robin over {@value #AGENTS} agents, acks=all, idempotent. */
    private static final class Load {
        private final String bootstrap;
        private final String tenant;
        private final int schemaId;
        private final Set<String> ids = ConcurrentHashMap.newKeySet();
        private final Set<Integer> partitions = ConcurrentHashMap.newKeySet();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> error = new AtomicReference<>();
        private Thread thread;

        Load(String bootstrap, String tenant, int schemaId) {
            this.bootstrap = bootstrap;
            this.tenant = tenant;
            this.schemaId = schemaId;
        }

        void start() {
            thread = new Thread(this::run, "fault-it-load");
            thread.start();
        }

        private void run() {
            Map<String, Object> p = new HashMap<>();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                int[] perAgent = new int[AGENTS];
                long startedAt = System.nanoTime();
                for (long i = 0; !stop.get(); i++) {
                    int agent = (int) (i % AGENTS);
                    AuditEvent e = SampleEvents.of(EventType.values()[(int) (i % EventType.values().length)], tenant,
                            "agent-" + agent, perAgent[agent]++);
                    String id = UUID.nameUUIDFromBytes((tenant + "/" + i).getBytes(StandardCharsets.UTF_8)).toString();
                    e = AuditEvent.newBuilder(e).setEventId(UUID.fromString(id)).setOccurredAt(Instant.now()).build();
                    byte[] k = Topics.agentKey(tenant, e.getAgentId()).getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord<>(Topics.EVENTS, k, AuditEventCodec.encode(schemaId, e)),
                            (md, ex) -> {
                                if (ex == null) {
                                    ids.add(id);
                                    partitions.add(md.partition());
                                } else {
                                    failed.incrementAndGet();
                                    error.compareAndSet(null, ex);
                                }
                            });
                    long wait = startedAt + (i + 1) * 1_000_000_000L / RATE - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                producer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                error.compareAndSet(null, e);
                failed.incrementAndGet();
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            if (thread != null) {
                thread.join(180_000);
            }
            if (error.get() != null) {
                System.out.println("[fault-it] producer error: " + error.get());
            }
        }

        long acked() {
            return ids.size();
        }

        long failed() {
            return failed.get();
        }

        Set<String> ids() {
            return Set.copyOf(ids);
        }

        Set<Integer> partitions() {
            return Set.copyOf(partitions);
        }
    }

    /**
     * Reads the chained topic read_committed from its end and keeps, per partition, the newest record timestamp
     * committed: Kafka Streams gives each chained record its input record's timestamp, the time the load sent it.
     */
    private static final class ChainedWatcher {
        private final String bootstrap;
        private final Map<Integer, Long> newest = new ConcurrentHashMap<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private Thread thread;

        ChainedWatcher(String bootstrap) {
            this.bootstrap = bootstrap;
        }

        void start() {
            thread = new Thread(this::run, "fault-it-chained-watcher");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            Map<String, Object> p = new HashMap<>();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> parts = new ArrayList<>();
                for (int i = 0; i < PARTITIONS; i++) {
                    parts.add(new TopicPartition(Topics.CHAINED, i));
                }
                consumer.assign(parts);
                consumer.seekToEnd(parts);
                while (!stop.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        newest.merge(r.partition(), r.timestamp(), Math::max);
                    }
                }
            } catch (RuntimeException e) {
                System.out.println("[fault-it] chained watcher stopped: " + e);
            }
        }

        Duration awaitChainedAfter(Instant since, Set<Integer> partitions, Duration timeout)
                throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                boolean all = !partitions.isEmpty();
                for (int p : partitions) {
                    all &= newest.getOrDefault(p, Long.MIN_VALUE) >= since.toEpochMilli();
                }
                if (all) {
                    return Duration.between(since, Instant.now());
                }
                Thread.sleep(50);
            }
            throw new AssertionError("no chained record of an event sent after " + since + " on every partition of "
                    + partitions + " within " + timeout + ": newest per partition " + newest);
        }

        void stop() throws InterruptedException {
            stop.set(true);
            if (thread != null) {
                thread.join(10_000);
            }
        }
    }

    private Process startChainer(Path config, Path log4j, String name) throws IOException {
        return child(ChainerMain.class.getName(), List.of("--config", config.toString()), log4j, name);
    }

    private Process startSink(List<String> args, Path log4j, String name) throws IOException {
        return child(SinkMain.class.getName(), args, log4j, name);
    }

    /** Every stage JVM started, so that a test JVM stopped mid-run (SIGTERM, a killed build) stops them too. */
    private final List<Process> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread reaper = new Thread(() -> started.forEach(Process::destroyForcibly), "fault-it-reaper");

    /** A stage process started from a command that may throw. */
    private interface Start {
        Process start() throws IOException;
    }

    /**
     * Stops a stage started with {@code -XX:ArchiveClassesAtExit} (SIGTERM: the JVM writes the archive as it exits),
     * checks that a JVM maps the archive as start.sh checks it ({@code -Xshare:on} fails when it cannot), and starts
     * the stage again, now on the archive.
     */
    private Process restartWritingArchive(Process stage, String main, Start start) throws Exception {
        stage.destroy();
        assertThat(stage.waitFor(90, TimeUnit.SECONDS)).as("%s stops on SIGTERM (see %s)", main, dir).isTrue();
        Path archive = archive(main);
        assertThat(archive).as("class-data archive of %s (see %s)", main, dir).isNotEmptyFile();
        Path checkLog = dir.resolve("cds-check.log");
        Process check = new ProcessBuilder(javaBin(), "-XX:+UseSerialGC", "-Xshare:on", "-XX:SharedArchiveFile=" + archive, classpathArg, "-version")
                .redirectErrorStream(true).redirectOutput(checkLog.toFile()).start();
        assertThat(check.waitFor(60, TimeUnit.SECONDS) && check.exitValue() == 0)
                .as("the JVM maps %s (see %s)", archive, checkLog).isTrue();
        return start.start();
    }

    /** The java launcher of the JVM running this test: every stage process runs on it. */
    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private Path archive(String main) {
        return dir.resolve("cds-" + main.substring(main.lastIndexOf('.') + 1) + ".jsa");
    }

    private Process child(String main, List<String> args, Path log4j, String name) throws IOException {
        Path archive = archive(main);
        return CDS && Files.isRegularFile(archive)
                ? child(main, args, log4j, name, "-Xshare:auto", "-XX:SharedArchiveFile=" + archive)
                : child(main, args, log4j, name, new String[0]);
    }

    private Process child(String main, List<String> args, Path log4j, String name, String... jvmOptions)
            throws IOException {
        if (started.isEmpty()) {
            Runtime.getRuntime().addShutdownHook(reaper);
        }
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Duser.timezone=UTC"));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-Djava.io.tmpdir=" + dir, "-Dlog4j2.configurationFile=" + log4j,
                "-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider", classpathArg, main));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start();
        started.add(p);
        return p;
    }

    private static void assertAlive(Process[] chainers, Process sink) {
        assertThat(chainers[0].isAlive()).as("chainer instance 0 alive").isTrue();
        assertThat(chainers[1].isAlive()).as("chainer instance 1 alive").isTrue();
        assertThat(sink.isAlive()).as("sink alive").isTrue();
    }

    /**
     * Waits until, on every partition the load writes to, an event produced at or after {@code since} has landed
     * (its occurred_at, set by the load at send time, is not earlier), polling every 100 ms. Backlog landing after a
     * crash does not count: only events that went through the whole pipeline after the fault do.
     *
     * @return how long after {@code since} that was
     */
    private Duration awaitLandedAfter(Instant since, Duration timeout) throws InterruptedException {
        long sinceMicros = ChronoUnit.MICROS.between(Instant.EPOCH, since);
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<Integer, Long> latest = Map.of();
        while (System.nanoTime() < deadline) {
            Set<Integer> partitions = load.partitions();
            latest = latestPerPartition();
            boolean all = !partitions.isEmpty();
            for (int p : partitions) {
                all &= latest.getOrDefault(p, Long.MIN_VALUE) >= sinceMicros;
            }
            if (all) {
                return Duration.between(since, Instant.now());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("events produced since " + since + " have not landed on every partition of "
                + load.partitions() + " within " + timeout + "; latest occurred_at per partition: " + latest);
    }

    /** Per partition of the chained topic: the latest occurred_at landed, in µs since the epoch. */
    private Map<Integer, Long> latestPerPartition() {
        Map<Integer, Long> out = new TreeMap<>();
        try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery("SELECT kafka_partition,"
                + " toUnixTimestamp64Micro(max(occurred_at)) FROM " + database + ".chained_events WHERE tenant = '"
                + tenant + "' GROUP BY kafka_partition")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            // the sink has not created its tables yet
        }
        return out;
    }

    private int verify(StackEndpoints stack, Path vkey, Path tsaDir)
            throws IOException, InterruptedException {
        // Wait until each chain's head is covered by a checkpoint (time cadence 2 s), as a verifier run would.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && count(jdbc, "SELECT count() FROM " + database + ".chain_status WHERE"
                + " tenant = '" + tenant + "' AND events_after_checkpoint != 0") != 0) {
            Thread.sleep(500);
        }
        Path password = Files.writeString(dir.resolve("auditor.password"), stack.auditorPassword());
        StringWriter text = new StringWriter();
        CommandLine cli = new CommandLine(new VerifyCommand());
        cli.setOut(new PrintWriter(text));
        cli.setErr(new PrintWriter(text));
        int code = cli.execute("--jdbc-url", stack.clickHouseJdbcUrl(), "--user", stack.auditorUser(),
                "--password-file", password.toString(), "--key", vkey.toString(),
                "--tsa-cert", tsaDir.resolve("tsa-ca.crt").toString(),
                "--events-table", database + ".chained_events", "--checkpoints-table", database + ".checkpoints",
                "--schemas-table", database + ".registry_schemas", "--tenant", tenant, "--no-progress");
        System.out.println("[fault-it] attestream verify --tenant " + tenant + " exit " + code + ":");
        text.toString().lines().limit(40).forEach(l -> System.out.println("[fault-it]   " + l));
        return code;
    }

    private static Connection connect(StackEndpoints stack) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", stack.clickHouseUser());
        props.setProperty("password", stack.clickHousePassword());
        return DriverManager.getConnection(stack.clickHouseJdbcUrl(), props);
    }

    private static long count(Connection jdbc, String sql) {
        try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    private static List<String> rows(Connection jdbc, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> cols = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    cols.add(rs.getString(i));
                }
                out.add(String.join("\t", cols));
            }
        }
        return out;
    }

    private static void awaitLog(Path log, String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("'" + text + "' not in " + log + " within " + timeout);
    }

    /**
     * When a restarted stage's log printed its first line and the first line holding each marker, in seconds after
     * {@code origin} (the child logs {@code HH:mm:ss.SSS} in UTC): where a recovery's time went.
     */
    private static String timeline(Path log, Instant origin, String... markers) throws IOException {
        List<String> lines = Files.readAllLines(log);
        List<String> out = new ArrayList<>();
        out.add(lines.stream().filter(l -> TIMED_LINE.matcher(l).lookingAt()).findFirst()
                .map(l -> "first log line " + sinceOrigin(l, origin)).orElse("no log line"));
        for (String marker : markers) {
            out.add(lines.stream().filter(l -> l.contains(marker)).findFirst()
                    .map(l -> "'" + marker + "' " + sinceOrigin(l, origin)).orElse("no '" + marker + "'"));
        }
        return String.join(", ", out);
    }

    private static final Pattern TIMED_LINE = Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ");
    private static final Pattern RESTORED = Pattern.compile(
            "Finished restoring changelog (\\S+) to store \\S+ with a total number of (\\d+) records");

    /**
     * What a restarted chainer's log says it restored: records replayed from changelogs, and how many stores had no
     * committed changelog offset and so were replayed from the changelog's start (Kafka Streams logs both at INFO).
     */
    private static String restored(Path log) throws IOException {
        long records = 0;
        int changelogs = 0;
        long fromStart;
        List<String> lines = Files.readAllLines(log);
        for (String l : lines) {
            Matcher m = RESTORED.matcher(l);
            if (m.find()) {
                changelogs++;
                records += Long.parseLong(m.group(2));
            }
        }
        fromStart = lines.stream().filter(l -> l.contains("stream-task [") && (l.contains("with offset null")
                || l.contains("hence would default to the starting offset"))).count();
        return String.format(Locale.ROOT, "%d records from %d changelog partitions; %d of its stores had no committed"
                + " changelog offset (replayed from the changelog's start)", records, changelogs, fromStart);
    }

    private static String sinceOrigin(String line, Instant origin) {
        try {
            LocalTime at = LocalTime.parse(line.substring(0, 12));
            long millis = Duration.between(origin.atZone(ZoneOffset.UTC).toLocalTime(), at).toMillis();
            long day = Duration.ofDays(1).toMillis();
            millis = ((millis % day) + day + day / 2) % day - day / 2;
            return String.format(Locale.ROOT, "+%.1f s", millis / 1000.0);
        } catch (RuntimeException e) {
            return "(no time in '" + line.substring(0, Math.min(40, line.length())) + "')";
        }
    }

    /** {@code k=v,k=v} of a system property. */
    private static Map<String, String> extra(String property) {
        Map<String, String> out = new HashMap<>();
        String value = System.getProperty(property, "");
        for (String kv : value.split(",")) {
            if (!kv.isBlank()) {
                int eq = kv.indexOf('=');
                out.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
            }
        }
        return out;
    }

    private void note(String format, Object... args) {
        String line = "[fault-it] " + String.format(Locale.ROOT, format, args);
        figures.add(line);
        System.out.println(line);
    }

    private void copyLogs() {
        try {
            Path target = Files.createDirectories(Path.of("target", "fault-it-logs"));
            try (var files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                    Files.copy(p, target.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            System.out.println("[fault-it] could not copy logs: " + e);
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static final String CHILD_LOG4J2 = String.join("\n",
            "status = warn",
            "appender.out.type = Console",
            "appender.out.name = out",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = %d{HH:mm:ss.SSS} %p [%t] %c{1} %m%n",
            "rootLogger.level = WARN",
            "rootLogger.appenderRef.out.ref = out",
            "logger.attestream.name = io.attestream",
            "logger.attestream.level = INFO",
            // What a restarted chainer restores, and from which changelog offset (the restore note below).
            "logger.restore.name = org.apache.kafka.streams.processor.internals.StoreChangelogReader",
            "logger.restore.level = INFO",
            "logger.offsets.name = org.apache.kafka.streams.processor.internals.ProcessorStateManager",
            "logger.offsets.level = INFO",
            "") + "\n";
}
