package io.attestream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chainer.ChainerApp;
import io.attestream.chainer.ChainerConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.ingest.gateway.Gateway;
import io.attestream.ingest.gateway.GatewayConfig;
import io.attestream.ingest.internal.ApiKeys;
import io.attestream.integrity.KeyPairFiles;
import io.attestream.schemas.SchemaEvolution;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.sink.EvidenceSink;
import io.attestream.sink.SinkConfig;
import io.attestream.verifier.VerifyCommand;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * OTLP end to end on the real stack: the OpenTelemetry Java SDK's OTLP/HTTP span and log exporters point at the
 * gateway; the GenAI spans and evaluation/oversight events become chained events (chainer, exactly-once, signed
 * checkpoints, embedded RFC 3161 TSA), land in ClickHouse (sink), and {@code attestream verify} passes on them.
 *
 * <p>It runs in its own failsafe execution (own JVM, own embedded stack, see cli/pom.xml) because it uses the
 * pipeline's default topics and database, which DemoIT's chainer and sink also consume.
 */
@ExtendWith(LocalStackExtension.class)
class OtlpEvidenceIT {
    private static final String TENANT = "otlp-it";
    private static final int TURNS = 40;

    @Test
    void spansAndEventsFromTheOpenTelemetrySdkAreChainedLandedAndVerify(StackEndpoints stack, @TempDir Path dir)
            throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String t : List.of(Topics.EVENTS, Topics.CHAINED, Topics.CHECKPOINTS, Topics.DEAD_LETTER)) {
                topics.add(new NewTopic(t, 3, (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        SchemaEvolution.registerWithGuard(registry, Topics.valueSubject(Topics.EVENTS));
        Path keys = Files.createDirectories(dir.resolve("keys"));
        KeyPairFiles.generate(keys, "otlp-it", new SecureRandom());
        Path tsa = Files.createDirectories(dir.resolve("tsa"));
        EmbeddedTimestampAuthority.generate("OTLP IT TSA", Clock.systemUTC()).save(tsa);

        List<Runnable> stops = new ArrayList<>();
        try {
            start(stops, chainer(stack, dir, keys, tsa));
            EvidenceSink sink = sink(stack);
            Thread sinkThread = new Thread(sink::run, "it-sink");
            sinkThread.start();
            stops.add(() -> {
                sink.stop();
                join(sinkThread);
                sink.close();
            });
            Path apiKeys = dir.resolve("api-keys.txt");
            Files.writeString(apiKeys, "otlp " + ApiKeys.hash("k-otlp") + " " + TENANT + " *\n");
            Map<String, Object> gc = new HashMap<>();
            gc.put("bootstrap.servers", stack.bootstrapServers());
            gc.put("schema.registry.url", stack.registryUrl());
            gc.put(GatewayConfig.API_KEYS_FILE_CONFIG, apiKeys.toString());
            gc.put(GatewayConfig.LISTEN_HOST_CONFIG, "127.0.0.1");
            gc.put(GatewayConfig.LISTEN_PORT_CONFIG, 0);
            int expected;
            try (Gateway gateway = Gateway.start(new GatewayConfig(gc))) {
                expected = export("http://127.0.0.1:" + gateway.port());
            }

            awaitLandedAndSealed(stack, expected);
            assertThat(rows(stack, "SELECT event_type, count() FROM attestream.chained_events WHERE tenant = '"
                    + TENANT + "' GROUP BY event_type ORDER BY event_type"))
                    .containsExactly("AgentAction\t" + 3 * TURNS, "EvalResult\t" + TURNS, "HumanOverride\t1");

            Path password = dir.resolve("auditor.password");
            Files.writeString(password, stack.auditorPassword());
            CommandLine verify = new CommandLine(new VerifyCommand());
            StringWriter out = new StringWriter();
            verify.setOut(new PrintWriter(out, true));
            verify.setErr(new PrintWriter(out, true));
            int code = verify.execute("--jdbc-url", stack.clickHouseJdbcUrl(), "--user", stack.auditorUser(),
                    "--password-file", password.toString(), "--key", keys.resolve("otlp-it.vkey").toString(),
                    "--tsa-cert", tsa.resolve("tsa-ca.crt").toString(), "--events-table", "attestream.chained_events",
                    "--checkpoints-table", "attestream.checkpoints", "--schemas-table", "attestream.registry_schemas",
                    "--tenant", TENANT, "--no-progress");
            System.out.println("attestream verify --tenant " + TENANT + " exit " + code + ":\n" + out);
            assertThat(code).as(out.toString()).isZero();
        } finally {
            for (int i = stops.size() - 1; i >= 0; i--) {
                stops.get(i).run();
            }
        }
    }

    /** Emits the scenario through the SDK's exporters and returns how many events it must become. */
    private static int export(String gateway) throws Exception {
        Resource resource = Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), "claims-agent",
                AttributeKey.stringKey("service.version"), "2.3.0",
                AttributeKey.stringKey("attestream.tenant"), TENANT));
        SdkTracerProvider traces = SdkTracerProvider.builder().setResource(resource)
                .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                        .setEndpoint(gateway + "/v1/traces").setCompression("gzip")
                        .addHeader("Authorization", "Bearer k-otlp").build()).build()).build();
        SdkLoggerProvider logs = SdkLoggerProvider.builder().setResource(resource)
                .addLogRecordProcessor(BatchLogRecordProcessor.builder(OtlpHttpLogRecordExporter.builder()
                        .setEndpoint(gateway + "/v1/logs").addHeader("Authorization", "Bearer k-otlp").build())
                        .build()).build();
        Tracer tracer = traces.get("claims-agent");
        Logger logger = logs.get("claims-evals");
        for (int i = 0; i < TURNS; i++) {
            Span agent = tracer.spanBuilder("invoke_agent claims-agent").setAttribute("gen_ai.operation.name",
                    "invoke_agent").setAttribute("gen_ai.conversation.id", "conv-" + i).startSpan();
            try (Scope ignored = agent.makeCurrent()) {
                Span chat = tracer.spanBuilder("chat gpt-4o").setAttribute("gen_ai.operation.name", "chat")
                        .setAttribute("gen_ai.request.model", "gpt-4o").setAttribute("gen_ai.provider.name", "openai")
                        .setAttribute("gen_ai.usage.input_tokens", 100L + i).startSpan();
                try (Scope c = chat.makeCurrent()) {
                    logger.logRecordBuilder().setEventName("gen_ai.evaluation.result")
                            .setAttribute(AttributeKey.stringKey("gen_ai.evaluation.name"), "Groundedness")
                            .setAttribute(AttributeKey.doubleKey("gen_ai.evaluation.score.value"), 0.5 + i / 100.0)
                            .setContext(Context.current()).emit();
                }
                chat.end();
                tracer.spanBuilder("execute_tool approve_claim").setAttribute("gen_ai.operation.name", "execute_tool")
                        .setAttribute("gen_ai.tool.name", "approve_claim")
                        .setAttribute("attestream.action.status", i % 10 == 0 ? "DENIED" : "OK").startSpan().end();
            }
            agent.end();
        }
        logger.logRecordBuilder().setEventName("attestream.human_override")
                .setAttribute(AttributeKey.stringKey("attestream.override.operator"), "claims-lead@example.com")
                .setAttribute(AttributeKey.stringKey("attestream.override.action"), "HALT")
                .setAttribute(AttributeKey.stringKey("attestream.override.reason"), "claims over the limit").emit();
        assertThat(traces.forceFlush().join(60, TimeUnit.SECONDS).isSuccess()).as("span export").isTrue();
        assertThat(logs.forceFlush().join(60, TimeUnit.SECONDS).isSuccess()).as("log export").isTrue();
        traces.shutdown().join(10, TimeUnit.SECONDS);
        logs.shutdown().join(10, TimeUnit.SECONDS);
        return 3 * TURNS + TURNS + 1;
    }

    private static ChainerApp chainer(StackEndpoints stack, Path dir, Path keys, Path tsa) {
        Map<String, Object> props = new HashMap<>();
        props.put(ChainerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put("schema.registry.url", stack.registryUrl());
        props.put(ChainerConfig.APPLICATION_ID_CONFIG, "it-otlp-chainer");
        props.put("state.dir", dir.resolve("chainer-state").toString());
        props.put("replication.factor", "1");
        props.put("commit.interval.ms", 200);
        props.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, keys.resolve("otlp-it.key").toString());
        props.put(ChainerConfig.TSA_MODE_CONFIG, "embedded");
        props.put(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG, tsa.toString());
        props.put(ChainerConfig.CHECKPOINT_EVERY_EVENTS_CONFIG, 50);
        props.put(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG, 2_000);
        props.put(ChainerConfig.CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG, 500);
        props.put(ChainerConfig.METRICS_PORT_CONFIG, -1);
        return new ChainerApp(new ChainerConfig(props));
    }

    private static void start(List<Runnable> stops, ChainerApp chainer) {
        Thread thread = new Thread(() -> {
            try {
                chainer.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "it-chainer");
        thread.start();
        stops.add(() -> {
            chainer.stop();
            join(thread);
        });
    }

    private static EvidenceSink sink(StackEndpoints stack) {
        return new EvidenceSink(new SinkConfig(Map.of(
                SinkConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                SinkConfig.REGISTRY_URL_CONFIG, stack.registryUrl(),
                SinkConfig.CLICKHOUSE_URL_CONFIG, stack.clickHouseJdbcUrl(),
                SinkConfig.CLICKHOUSE_USER_CONFIG, stack.clickHouseUser(),
                SinkConfig.CLICKHOUSE_PASSWORD_CONFIG, stack.clickHousePassword(),
                SinkConfig.GROUP_ID_CONFIG, "it-otlp-sink",
                SinkConfig.METRICS_PORT_CONFIG, -1,
                SinkConfig.BATCH_LINGER_MS_CONFIG, "200")));
    }

    /** Until every event landed and the last checkpoint of the agent covers its head (or 3 minutes passed). */
    private static void awaitLandedAndSealed(StackEndpoints stack, int expected) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000;
        String landed = "SELECT count(), max(seq) FROM attestream.chained_events WHERE tenant = '" + TENANT + "'";
        String sealed = "SELECT max(head_seq) FROM attestream.checkpoints WHERE tenant = '" + TENANT + "'";
        while (true) {
            List<String> l = rows(stack, landed);
            List<String> s = rows(stack, sealed);
            String[] cm = l.get(0).split("\t");
            if (Long.parseLong(cm[0]) >= expected && !s.isEmpty() && s.get(0).equals(cm[1])) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("after 3 minutes: landed (count, max seq) " + l + ", checkpoint head " + s
                        + ", expected " + expected + " events");
            }
            Thread.sleep(500);
        }
    }

    private static List<String> rows(StackEndpoints stack, String sql) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", stack.clickHouseUser());
        p.setProperty("password", stack.clickHousePassword());
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(stack.clickHouseJdbcUrl(), p);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> cols = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    cols.add(rs.getString(i));
                }
                out.add(String.join("\t", cols));
            }
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("UNKNOWN_TABLE")) {
                return List.of("0\t0");
            }
            throw e;
        }
        return out;
    }

    private static void join(Thread t) {
        try {
            t.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
