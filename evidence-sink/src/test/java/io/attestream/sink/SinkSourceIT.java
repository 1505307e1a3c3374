package io.attestream.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.KafkaCluster;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.sink.testing.DemoChains;
import io.attestream.sink.testing.Sql;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One source per database (evidence-sink README): the sink's recovery takes a row at a partition and offset for
 * the record at that partition and offset, so the rows of a second Kafka cluster's topic sit exactly where the first
 * one's records would go. Before {@code sink_sources} (V009) a sink pointed at a database that another cluster had
 * filled skipped every record whose offset was taken, silently; now it refuses to start, and in its own database it
 * lands everything.
 */
@ExtendWith(LocalStackExtension.class)
class SinkSourceIT {
    private static final int PER_AGENT = 100;
    private static final int EVENTS = 2 * PER_AGENT;

    @Test
    void aSinkReadingAnotherKafkaClusterFailsOnADatabaseTheFirstOneFilledInsteadOfSkippingItsOffsets(
            StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String shared = "sources_" + run;
        // Tenants of this run only: the stack's topics also hold what earlier tests of this JVM produced, which the
        // first sink lands too.
        String mine = "src-" + run + "-";
        List<String> stackAgents = List.of(mine + "a/refund-bot", mine + "b/triage-bot");
        List<String> otherAgents = List.of(mine + "c/ops-bot", mine + "d/lab-bot");
        Sql sql = Sql.of(stack);
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());

        // The stack's cluster fills the database.
        DemoChains.createTopics(stack.bootstrapServers(), 3);
        DemoChains first = new DemoChains(registry, 1);
        try (KafkaProducer<byte[], byte[]> producer = DemoChains.producer(stack.bootstrapServers())) {
            first.produce(producer, stackAgents, PER_AGENT, 50);
        }
        assertThat(land(stack, stack.bootstrapServers(), shared, "sources-first-" + run, mine, EVENTS)).isNull();
        String stackCluster = clusterId(stack.bootstrapServers());
        assertThat(sql.rows("SELECT DISTINCT kafka_cluster_id FROM " + shared + ".sink_sources WHERE topic = '"
                + Topics.CHAINED + "'")).as("recorded source").containsExactly(stackCluster);
        // A second group of the same cluster may land into it (same source: offsets mean the same records): it passes
        // over what the first landed and lands what came since (land checks that no row is there twice).
        try (KafkaProducer<byte[], byte[]> producer = DemoChains.producer(stack.bootstrapServers())) {
            first.produce(producer, stackAgents, PER_AGENT, 50);
        }
        assertThat(land(stack, stack.bootstrapServers(), shared, "sources-again-" + run, mine, 2 * EVENTS))
                .isNull();
        long landed = count(sql, shared, "");

        try (KafkaCluster other = KafkaCluster.start(1, Duration.ofSeconds(90))) {
            DemoChains.createTopics(other.bootstrapServers(), 3);
            DemoChains second = new DemoChains(registry, 2);
            try (KafkaProducer<byte[], byte[]> producer = DemoChains.producer(other.bootstrapServers())) {
                second.produce(producer, otherAgents, PER_AGENT, 50);
            }
            String otherCluster = clusterId(other.bootstrapServers());

            Throwable refused = land(stack, other.bootstrapServers(), shared, "sources-other-" + run, mine, -1);
            assertThat(refused).as("the other cluster's sink in the shared database").isInstanceOf(SinkException.class)
                    // The first topic checked: the assignment's order.
                    .hasMessageMatching("(?s)topic attestream\\.[a-z.-]+ of Kafka cluster " + Pattern.quote(otherCluster)
                            + " .*")
                    .hasMessageContaining("cannot land in database " + shared)
                    .hasMessageContaining("its rows came from cluster " + stackCluster)
                    .hasMessageContaining(SinkConfig.CLICKHOUSE_DATABASE_CONFIG);
            assertThat(sql.rows("SELECT count() FROM " + shared + ".chained_events WHERE tenant IN ('" + mine + "c', '"
                    + mine + "d')")).as("nothing of the other cluster landed").containsExactly("0");
            assertThat(count(sql, shared, "")).isEqualTo(landed);

            // In a database of its own, every record of the other cluster lands.
            String own = "sources_other_" + run;
            assertThat(land(stack, other.bootstrapServers(), own, "sources-own-" + run, mine, EVENTS)).isNull();
            assertThat(count(sql, own, "")).as("the other cluster holds this run's events only").isEqualTo(EVENTS);
        }
    }

    /**
     * Runs a sink of {@code group} reading {@code bootstrap} into {@code database} until {@code expected} chained
     * events of tenants starting with {@code tenants} are there, or (expected -1) until it fails.
     *
     * @return what the sink failed with, or null when it landed {@code expected} such rows and stopped
     */
    private static Throwable land(StackEndpoints stack, String bootstrap, String database, String group,
                                  String tenants, long expected) throws Exception {
        Map<String, Object> p = new HashMap<>();
        p.put(SinkConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(SinkConfig.REGISTRY_URL_CONFIG, stack.registryUrl());
        p.put(SinkConfig.CLICKHOUSE_URL_CONFIG, stack.clickHouseJdbcUrl());
        p.put(SinkConfig.CLICKHOUSE_USER_CONFIG, stack.clickHouseUser());
        p.put(SinkConfig.CLICKHOUSE_PASSWORD_CONFIG, stack.clickHousePassword());
        p.put(SinkConfig.CLICKHOUSE_DATABASE_CONFIG, database);
        p.put(SinkConfig.GROUP_ID_CONFIG, group);
        p.put(SinkConfig.BATCH_LINGER_MS_CONFIG, "100");
        p.put(SinkConfig.METRICS_PORT_CONFIG, "-1");
        Sql sql = Sql.of(stack);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        try (EvidenceSink sink = new EvidenceSink(new SinkConfig(p))) {
            Thread runner = new Thread(() -> {
                try {
                    sink.run();
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "sink-" + group);
            runner.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline && failed.get() == null && runner.isAlive()
                    && (expected < 0 || count(sql, database, tenants) < expected)) {
                Thread.sleep(250);
            }
            sink.stop();
            runner.join(60_000);
            if (failed.get() == null && expected >= 0) {
                assertThat(count(sql, database, tenants)).as("landed in " + database + " by " + group)
                        .isEqualTo(expected);
                assertThat(sql.rows("SELECT count() - uniqExact(tenant, agent_id, seq) FROM " + database
                        + ".chained_events")).as("no row twice").containsExactly("0");
            }
            if (failed.get() == null && expected < 0) {
                throw new AssertionError(group + " did not fail within 120 s");
            }
        }
        return failed.get();
    }

    /** Chained events in {@code database} of tenants starting with {@code tenants} ("" = all). */
    private static long count(Sql sql, String database, String tenants) throws Exception {
        try {
            return Long.parseLong(sql.rows("SELECT count() FROM " + database + ".chained_events WHERE startsWith(tenant,"
                    + " '" + tenants + "')").get(0));
        } catch (java.sql.SQLException notYet) {
            return -1;
        }
    }

    private static String clusterId(String bootstrap) throws ExecutionException, InterruptedException,
            java.util.concurrent.TimeoutException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
        }
    }
}
