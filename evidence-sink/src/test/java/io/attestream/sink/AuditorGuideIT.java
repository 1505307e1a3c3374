package io.attestream.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.ChainHead;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.MerkleTree;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.sink.internal.SinkMetrics;
import io.attestream.sink.testing.DemoChains;
import io.attestream.sink.testing.Sql;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Lands demo chains on the real stack with the sink in-process, checks the landed evidence against the chains it
 * came from (hashes, Merkle root of the last checkpoint, schema fingerprints, typed rows, read-only auditor), then
 * runs the auditor guide's queries as the auditor and writes them with their output to
 * target/auditor-guide-output.md (the source of docs/auditor-guide.md's examples).
 */
@ExtendWith(LocalStackExtension.class)
class AuditorGuideIT {
    private static final List<String> AGENTS = List.of("acme/refund-bot", "acme/support-bot", "globex/triage-bot");
    private static final int PER_AGENT = 2000;

    @Test
    void landsDemoChainsVerifiablyAndAnswersTheAuditorQueries(StackEndpoints stack) throws Exception {
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        DemoChains.createTopics(stack.bootstrapServers(), 3);
        DemoChains demo = new DemoChains(registry, 42);
        try (KafkaProducer<byte[], byte[]> producer = DemoChains.producer(stack.bootstrapServers())) {
            demo.produce(producer, AGENTS, PER_AGENT, 250);
            demo.produceSideTopics(producer, "acme/refund-bot", 4);
        }
        SinkConfig config = new SinkConfig(Map.of(
                SinkConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                SinkConfig.REGISTRY_URL_CONFIG, stack.registryUrl(),
                SinkConfig.CLICKHOUSE_URL_CONFIG, stack.clickHouseJdbcUrl(),
                SinkConfig.CLICKHOUSE_USER_CONFIG, stack.clickHouseUser(),
                SinkConfig.CLICKHOUSE_PASSWORD_CONFIG, stack.clickHousePassword(),
                SinkConfig.GROUP_ID_CONFIG, "auditor-guide-it",
                SinkConfig.BATCH_LINGER_MS_CONFIG, "200",
                SinkConfig.METRICS_PORT_CONFIG, "0",
                SinkConfig.METRICS_BIND_ADDRESS_CONFIG, "127.0.0.1"));
        EvidenceSink sink = new EvidenceSink(config);
        assertThat(sink.readiness().ready()).as("ready before run").isFalse();
        Thread runner = new Thread(sink::run, "sink-under-test");
        runner.start();
        try {
            long deadline = System.currentTimeMillis() + 240_000;
            while (System.currentTimeMillis() < deadline
                    && (count(stack, "SELECT count() FROM attestream.chained_events WHERE tenant IN ('acme', 'globex')")
                    < AGENTS.size() * PER_AGENT
                    || count(stack, "SELECT count() FROM attestream.checkpoints WHERE tenant IN ('acme', 'globex')")
                    < demo.checkpoints()
                    || count(stack, "SELECT count() FROM attestream.drift_alerts") < 4)) {
                Thread.sleep(500);
            }
            // Probes (issue 17): ready while consuming with ClickHouse reachable; metrics in the one naming scheme.
            URI probes = URI.create("http://127.0.0.1:" + sink.healthPort());
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(probes.resolve("/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            String metrics = http.send(HttpRequest.newBuilder(probes.resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains(SinkMetrics.NAMES).contains("attestream_sink_clickhouse_up 1.0");
        } finally {
            sink.stop();
            runner.join(60_000);
            sink.close();
        }
        assertThat(sink.readiness().ready()).as("ready after stop").isFalse();
        assertThat(sink.metricsText()).contains("attestream_sink_rows_total{table=\"chained_events\"} "
                + AGENTS.size() * PER_AGENT + ".0");

        for (String agent : AGENTS) {
            String[] ta = agent.split("/");
            assertThat(count(stack, "SELECT count() FROM attestream.chained_events WHERE tenant = '" + ta[0]
                    + "' AND agent_id = '" + ta[1] + "'")).isEqualTo(PER_AGENT);
        }
        chainRecomputesAndMatchesTheLastCheckpoint(stack, "acme", "refund-bot");
        assertThat(rows(stack, stack.clickHouseUser(), "SELECT countIf(hex(fingerprint) != hex(SHA256(canonical_form))),"
                + " count() FROM attestream.registry_schemas")).containsExactly("0\t4");
        assertThat(rows(stack, stack.clickHouseUser(), "SELECT (SELECT count() FROM attestream.evals),"
                + " (SELECT countIf(event_type = 'EvalResult') FROM attestream.chained_events),"
                + " (SELECT count() FROM attestream.policy_changes),"
                + " (SELECT countIf(event_type = 'PolicyChange') FROM attestream.chained_events)").get(0).split("\t"))
                .satisfies(v -> {
                    assertThat(v[0]).isEqualTo(v[1]).isNotEqualTo("0");
                    assertThat(v[2]).isEqualTo(v[3]).isNotEqualTo("0");
                });
        assertThat(rows(stack, stack.clickHouseUser(), "SELECT count() FROM attestream.dead_letters WHERE reason != ''"))
                .containsExactly("4");
        writeGuide(stack);
    }

    /** Recomputes every chain hash from the stored columns and the Merkle root of the last checkpoint. */
    private static void chainRecomputesAndMatchesTheLastCheckpoint(StackEndpoints stack, String tenant, String agent)
            throws SQLException {
        LogId log = LogId.of(tenant, agent);
        ChainHead head = ChainHead.genesis(log);
        List<Hash> leaves = new ArrayList<>();
        try (Connection c = connect(stack, stack.clickHouseUser()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT seq, hex(prev_hash), hex(hash), schema_id, hex(schema_fingerprint),"
                     + " hex(event_bytes), entry_version, toUnixTimestamp64Micro(chained_at)"
                     + " FROM attestream.chained_events WHERE tenant = '" + tenant
                     + "' AND agent_id = '" + agent + "' ORDER BY seq")) {
            while (rs.next()) {
                byte[] wire = HexFormat.of().parseHex(rs.getString(6).toLowerCase(Locale.ROOT));
                byte[] body = Arrays.copyOfRange(wire, 5, wire.length);
                assertThat(rs.getInt(7)).isEqualTo(ChainEntry.VERSION_2);
                ChainEntry e = ChainEntry.recompute(log, rs.getLong(1), Hash.fromHex(rs.getString(2)), rs.getInt(7),
                        rs.getLong(8), rs.getInt(4), Hash.fromHex(rs.getString(5)).toBytes(), body);
                e.verifyStoredHash(Hash.fromHex(rs.getString(3)));
                head = head.advance(e);
                leaves.add(e.hash());
            }
        }
        assertThat(leaves).hasSize(PER_AGENT);
        List<String> cp = rows(stack, stack.clickHouseUser(), "SELECT tree_size, hex(root_hash) FROM"
                + " attestream.checkpoints WHERE tenant = '" + tenant + "' AND agent_id = '" + agent
                + "' ORDER BY tree_size DESC LIMIT 1");
        assertThat(cp.get(0)).startsWith(PER_AGENT + "\t");
        assertThat(MerkleTree.of(leaves).root().hex()).isEqualToIgnoringCase(cp.get(0).split("\t")[1]);
    }

    private static void writeGuide(StackEndpoints stack) throws Exception {
        String text = new String(AuditorGuideIT.class.getResourceAsStream("/auditor-queries.sql").readAllBytes(),
                StandardCharsets.UTF_8);
        StringBuilder md = new StringBuilder();
        int n = 0;
        for (String block : text.split("(?m)^-- title: ")) {
            if (block.isBlank()) {
                continue;
            }
            String title = block.substring(0, block.indexOf('\n')).strip();
            String sql = block.substring(block.indexOf('\n') + 1).strip();
            sql = sql.substring(0, sql.length() - 1);
            String output = http(stack, stack.auditorUser(), stack.auditorPassword(),
                    sql + "\nFORMAT PrettyCompactMonoBlock");
            n++;
            md.append("### ").append(n).append(". ").append(title).append("\n\n```sql\n").append(sql)
                    .append(";\n```\n\n```\n").append(output.stripTrailing()).append("\n```\n\n");
        }
        assertThat(n).isGreaterThanOrEqualTo(15);
        String denied = http(stack, stack.auditorUser(), stack.auditorPassword(),
                "INSERT INTO attestream.chained_events (tenant) VALUES ('forged')");
        assertThat(denied).contains("READONLY");
        md.append("### Writing as the auditor is refused\n\n```\n").append(denied.strip()).append("\n```\n");
        Path out = Path.of("target", "auditor-guide-output.md");
        Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
        System.out.println("[auditor-guide] wrote " + out.toAbsolutePath());
    }

    private static String http(StackEndpoints stack, String user, String password, String sql) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(stack.clickHouseUrl()
                        + "/")).header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(sql)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 && !sql.startsWith("INSERT")) {
            throw new AssertionError("query failed (" + r.statusCode() + "): " + r.body() + "\n" + sql);
        }
        return r.body();
    }

    private static long count(StackEndpoints stack, String sql) throws SQLException {
        try {
            return Long.parseLong(rows(stack, stack.clickHouseUser(), sql).get(0));
        } catch (SQLException e) {
            return -1;
        }
    }

    private static Connection connect(StackEndpoints stack, String user) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", user.equals(stack.auditorUser()) ? stack.auditorPassword() : stack.clickHousePassword());
        return DriverManager.getConnection(stack.clickHouseJdbcUrl() + "?compress=false", p);
    }

    private static List<String> rows(StackEndpoints stack, String user, String sql) throws SQLException {
        String password = user.equals(stack.auditorUser()) ? stack.auditorPassword() : stack.clickHousePassword();
        return new Sql(stack.clickHouseJdbcUrl() + "?compress=false", user, password).rows(sql);
    }
}
