package io.attestream.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.deploy.chdb.ChdbServerProcess;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.sink.internal.ClickHouseStore;
import io.attestream.sink.testing.ClickHouse;
import io.attestream.sink.testing.DemoChains;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The exactly-once effect on the real stack: the sink runs as its own JVM and is killed with SIGKILL several times
 * while chains are being produced and landed, and the ClickHouse server is stopped and restarted once under it.
 * Afterwards every agent's stored count equals the chained count, counted without FINAL on tables that never collapse
 * rows (MergeTree since V004), and no row is duplicated in any table.
 */
@ExtendWith(LocalStackExtension.class)
class SinkCrashIT {
    /** Under target/, kept after the run: sink logs and the ClickHouse data for post-mortems. */
    private Path dir;

    @Test
    void killedSinkAndRestartedClickHouseLoseAndDuplicateNothing(StackEndpoints stack) throws Exception {
        scenario(stack, 3, 1000, 3, 5);
    }

    @Test
    @Tag("slow")
    void twoHundredThousandEventsSurviveFiveKillsAndThirtySecondsWithoutClickHouse(StackEndpoints stack)
            throws Exception {
        scenario(stack, 20, 10_000, 5, 30);
    }

    private void scenario(StackEndpoints stack, int agentCount, int perAgent, int kills, int clickHouseDownSeconds)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        dir = Files.createDirectories(Path.of("target", "crash-it-" + run)).toAbsolutePath();
        String tenant = "crash-" + run;
        String database = "crash_" + run.replace("-", "");
        List<String> agents = new ArrayList<>();
        for (int i = 0; i < agentCount; i++) {
            agents.add(tenant + "/agent-" + i);
        }
        Random random = new Random(run.hashCode());
        DemoChains.createTopics(stack.bootstrapServers(), 3);
        DemoChains demo = new DemoChains(SchemaRegistryClient.forUrl(stack.registryUrl()), run.hashCode());
        try (ClickHouse clickHouse = new ClickHouse(dir);
             KafkaProducer<byte[], byte[]> producer = DemoChains.producer(stack.bootstrapServers())) {
            // One round before each kill, one to see the restarted sink at work, one while ClickHouse is down (so
            // the sink has something to land then), one at the end.
            int rounds = kills + 3;
            int[] left = {perAgent};
            Runnable produceRound = () -> {
                int n = Math.min(left[0], perAgent / rounds);
                demo.produce(producer, agents, n, 200);
                left[0] -= n;
            };
            String countSql = "SELECT count() FROM " + database + ".chained_events WHERE tenant = '" + tenant + "'";
            int starts = 0;
            Process sink = startSink(stack, clickHouse, database, run, starts++);
            boolean clickHouseRestarted = false;
            for (int k = 0; k < kills; k++) {
                long before = landed(clickHouse, countSql);
                produceRound.run();
                long until = System.currentTimeMillis() + 180_000;
                while (landed(clickHouse, countSql) <= Math.max(before, 0) && System.currentTimeMillis() < until) {
                    Thread.sleep(200);
                }
                Thread.sleep(random.nextInt(800));
                sink.destroyForcibly();
                assertThat(sink.waitFor(30, TimeUnit.SECONDS)).isTrue();
                System.out.printf(Locale.ROOT, "[crash-it] kill -9 #%d of the sink at %d rows landed%n", k + 1,
                        landed(clickHouse, countSql));
                sink = startSink(stack, clickHouse, database, run, starts++);
                if (!clickHouseRestarted) {
                    clickHouseRestarted = true;
                    long landedBefore = landed(clickHouse, countSql);
                    produceRound.run();
                    long until2 = System.currentTimeMillis() + 180_000;
                    while (landed(clickHouse, countSql) <= landedBefore && System.currentTimeMillis() < until2) {
                        Thread.sleep(200);
                    }
                    clickHouse.stop();
                    long down = System.nanoTime();
                    produceRound.run();
                    System.out.printf(Locale.ROOT, "[crash-it] ClickHouse stopped; a round produced meanwhile%n");
                    Thread.sleep(Math.max(0, clickHouseDownSeconds * 1000L - (System.nanoTime() - down) / 1_000_000));
                    clickHouse.start();
                    System.out.printf(Locale.ROOT, "[crash-it] ClickHouse restarted after %.1f s down%n",
                            (System.nanoTime() - down) / 1e9);
                }
            }
            while (left[0] > 0) {
                produceRound.run();
            }
            long expected = (long) agentCount * perAgent;
            long until = System.currentTimeMillis() + 600_000;
            while (landed(clickHouse, countSql) < expected && System.currentTimeMillis() < until) {
                assertThat(sink.isAlive()).as("sink process alive (see %s)", dir).isTrue();
                Thread.sleep(500);
            }
            long checkpointsUntil = System.currentTimeMillis() + 60_000;
            while (landed(clickHouse, "SELECT count() FROM " + database + ".checkpoints WHERE tenant = '" + tenant + "'")
                    < demo.checkpoints() && System.currentTimeMillis() < checkpointsUntil) {
                Thread.sleep(500);
            }
            sink.destroy();
            assertThat(sink.waitFor(60, TimeUnit.SECONDS)).isTrue();

            Map<String, Long> produced = demo.counts();
            // Counted without FINAL and without waiting for merges, on tables that never collapse rows: what is
            // stored is what the sink inserted.
            List<String> keyed = List.of("chained_events", "evals", "overrides", "approvals", "policy_changes",
                    "incidents", "risk_decisions");
            for (String table : keyed) {
                assertThat(clickHouse.rows("SELECT engine FROM system.tables WHERE database = '" + database
                        + "' AND name = '" + table + "'")).as("engine of %s", table).containsExactly("MergeTree");
            }
            List<String> perAgentRows = clickHouse.rows("SELECT concat(tenant, '/', agent_id), count(),"
                    + " uniqExact(seq), max(seq) + 1 FROM " + database + ".chained_events"
                    + " WHERE tenant = '" + tenant + "' GROUP BY tenant, agent_id ORDER BY agent_id");
            assertThat(perAgentRows).hasSize(agentCount);
            for (String row : perAgentRows) {
                String[] v = row.split("\t");
                long want = produced.get(v[0]);
                assertThat(List.of(Long.parseLong(v[1]), Long.parseLong(v[2]), Long.parseLong(v[3])))
                        .as("rows, distinct seqs, max seq + 1 of %s", v[0])
                        .containsExactly(want, want, want);
            }
            for (String table : keyed) {
                assertThat(landed(clickHouse, "SELECT count() FROM (SELECT tenant, agent_id, seq FROM " + database + "."
                        + table + " WHERE tenant = '" + tenant + "' GROUP BY tenant, agent_id, seq HAVING count() > 1)"))
                        .as("duplicated keys in %s", table).isZero();
            }
            for (String table : List.of("chained_events", "checkpoints", "evals", "overrides", "approvals",
                    "policy_changes", "incidents", "risk_decisions")) {
                assertThat(landed(clickHouse, "SELECT count() - uniqExact(kafka_partition, kafka_offset) FROM "
                        + database + "." + table + " WHERE tenant = '" + tenant + "'"))
                        .as("records of %s landed twice", table).isZero();
            }
            Map<String, String> typed = Map.of("evals", "EvalResult", "overrides", "HumanOverride", "approvals",
                    "ApprovalDecision", "policy_changes", "PolicyChange", "incidents", "IncidentRecord",
                    "risk_decisions", "RiskDecision");
            for (Map.Entry<String, String> t : typed.entrySet()) {
                assertThat(landed(clickHouse, "SELECT count() FROM " + database + "." + t.getKey() + " WHERE tenant = '"
                        + tenant + "'")).as("rows of %s (see %s)", t.getKey(), dir).isEqualTo(landed(clickHouse,
                        "SELECT countIf(event_type = '" + t.getValue() + "') FROM " + database + ".chained_events WHERE"
                        + " tenant = '" + tenant + "'"));
            }
            assertThat(clickHouse.rows("SELECT count(), uniqExact(agent_id, tree_size) FROM " + database
                    + ".checkpoints WHERE tenant = '" + tenant + "'"))
                    .containsExactly(demo.checkpoints() + "\t" + demo.checkpoints());
            String logs = sinkLogs();
            assertThat(logs).as("the sink saw ClickHouse go away and retried").contains("retrying in");
            System.out.printf(Locale.ROOT, "[crash-it] %d events of %d agents landed exactly once after %d kills and"
                    + " %d s without ClickHouse; recovery found already-landed rows %d times%n", expected, agentCount,
                    kills, clickHouseDownSeconds, logs.split("already landed: not inserting them again", -1).length - 1);
        }
    }

    private Process startSink(StackEndpoints stack, ClickHouse clickHouse, String database, String run, int n)
            throws IOException {
        ProcessBuilder pb = ChdbServerProcess.javaProcess(SinkMain.class.getName(), List.of("run",
                "--bootstrap-servers", stack.bootstrapServers(), "--registry-url", stack.registryUrl(),
                "--clickhouse-url", clickHouse.jdbcUrl(), "--database", database,
                "-D", "group.id=crash-" + run, "-D", "batch.max.rows=3000", "-D", "batch.linger.ms=100",
                "-D", "retry.backoff.max.ms=1000", "-D", "metrics.port=0",
                // -Dit.insert.client=jdbc|client-v2 runs the test with that insert path instead of the default.
                "-D", SinkConfig.CLICKHOUSE_INSERT_CLIENT_CONFIG + "=" + System.getProperty("it.insert.client",
                        ClickHouseStore.DEFAULT_INSERT_CLIENT.key()),
                // Static membership: a restarted sink takes its partitions back at once instead of waiting for
                // the killed one's session to expire.
                "-D", "consumer.group.instance.id=crash-sink-" + run, "-D", "consumer.session.timeout.ms=10000"),
                "384m");
        // The test class path has two SLF4J providers; the sink's own logs are what the assertions read.
        pb.command().add(1, "-Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider");
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("sink-" + n + ".log").toFile());
        return pb.start();
    }

    private String sinkLogs() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("sink-")).sorted().toList()) {
                sb.append(Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        return sb.toString();
    }

    private static long landed(ClickHouse clickHouse, String sql) {
        try {
            return clickHouse.scalar(sql);
        } catch (SQLException | RuntimeException e) {
            return -1;
        }
    }
}
