package io.attestream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chainer.ChainerApp;
import io.attestream.chainer.ChainerConfig;
import io.attestream.cli.demo.FleetSimulator;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.BasicAuthProxy;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.deploy.stack.junit.SecuredKafka;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.drift.DriftApp;
import io.attestream.drift.DriftConfig;
import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
import io.attestream.events.EvaluatorKind;
import io.attestream.events.RecordedBy;
import io.attestream.ingest.Ack;
import io.attestream.ingest.AuditClient;
import io.attestream.ingest.gateway.Gateway;
import io.attestream.ingest.gateway.GatewayConfig;
import io.attestream.ingest.internal.ApiKeys;
import io.attestream.ingest.internal.JsonEventMapper;
import io.attestream.integrity.KeyPairFiles;
import io.attestream.schemas.EventType;
import io.attestream.schemas.SchemaEvolution;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.RegistryClientConfig;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.sink.EvidenceSink;
import io.attestream.sink.SinkConfig;
import io.attestream.verifier.VerifyCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every stage against a secured Kafka: a real Kafka 4.x broker whose only client listener is SASL_SSL
 * (SCRAM-SHA-512 over TLS, certificates made by the test, one SCRAM user per stage), and the schema registry behind
 * HTTP Basic authentication. Apicurio 3.3.3 has no Basic authentication without an OpenID Connect provider
 * (its {@code basic-client-credentials} option exchanges the credentials at an OIDC token endpoint), so the
 * registry sits behind {@link BasicAuthProxy}, as it would sit behind an authenticating ingress in production.
 *
 * <p>Events go in through the gateway, are chained, landed in ClickHouse (the local stack's chdb-server) and
 * {@code attestream verify} passes on them; each stage with a wrong password fails with a clear authentication
 * error instead of hanging. The local stack's own Kafka is not used by any stage here.
 */
@Tag("slow")
@ExtendWith(LocalStackExtension.class)
class SecuredKafkaIT {
    private static final String ADMIN = "admin";
    private static final String GATEWAY = "gateway";
    private static final String CHAINER = "chainer";
    private static final String DRIFT = "drift";
    private static final String SINK = "sink";
    private static final String REGISTRY_USER = "attestream-registry";
    private static final String DRIFT_AGENT = "drift-bot";
    private static final Duration DRIFT_WINDOW = Duration.ofSeconds(60);
    /**
     * Its own database: this pipeline's Kafka is not the stack's, so its partitions and offsets must not share
     * tables with another pipeline's (the sink's recovery matches landed rows by partition and offset).
     */
    private static final String DATABASE = "secured_" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    static Path dir;
    private static final Map<String, String> PASSWORDS = new HashMap<>();
    private static String registryPassword;
    private static SecuredKafka kafka;
    private static BasicAuthProxy registryProxy;
    private static String registryUrl;

    @BeforeAll
    static void secureCluster(StackEndpoints stack) throws Exception {
        for (String user : List.of(ADMIN, GATEWAY, CHAINER, DRIFT, SINK)) {
            PASSWORDS.put(user, secret());
        }
        registryPassword = secret();
        long began = System.nanoTime();
        kafka = SecuredKafka.start(dir.resolve("kafka"), PASSWORDS, ADMIN);
        System.out.printf("secured broker ready in %.1f s at %s (log %s)%n", (System.nanoTime() - began) / 1e9,
                kafka.bootstrapServers(), kafka.logFile());
        registryProxy = BasicAuthProxy.start(stack.registryUrl(), REGISTRY_USER, registryPassword);
        registryUrl = registryProxy.wrap(stack.registryUrl());
        try (Admin admin = Admin.create(kafka.adminProperties(ADMIN, PASSWORDS.get(ADMIN)))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : List.of(Topics.EVENTS, Topics.CHAINED, Topics.CHECKPOINTS, Topics.DEAD_LETTER,
                    Topics.DRIFT_ALERTS, Topics.CHECKPOINT_COSIGNATURES)) {
                topics.add(new NewTopic(topic, 3, (short) 1));
            }
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        }
        // Registered once, as an operator does (attestream schemas register), through the proxy with credentials.
        SchemaEvolution.registerWithGuard(new SchemaRegistryClient(new RegistryClientConfig(registryProps())),
                Topics.valueSubject(Topics.EVENTS));
    }

    @AfterAll
    static void stopCluster() {
        if (registryProxy != null) {
            registryProxy.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void everyStageProducesAndConsumesThroughSaslSslAndTheRegistryNeedsCredentials(StackEndpoints stack)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String tenant = "secured-" + run;
        Path work = Files.createDirectories(dir.resolve("pipeline-" + run));

        // The registry refuses clients without credentials; with them, the schema is registered through the proxy.
        SchemaRegistryClient anonymous = SchemaRegistryClient.forUrl(registryUrl);
        assertThatFailsWith(() -> anonymous.latest(Topics.valueSubject(Topics.EVENTS)),
                RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG);
        SchemaRegistryClient registry = new SchemaRegistryClient(new RegistryClientConfig(registryProps()));
        assertThat(registry.latest(Topics.valueSubject(Topics.EVENTS)).id()).isPositive();

        Path keys = work.resolve("keys");
        KeyPairFiles.generate(keys, "attestream-secured", new SecureRandom());
        Path tsaDir = Files.createDirectories(work.resolve("tsa"));
        EmbeddedTimestampAuthority.generate("Attestream secured IT TSA", Clock.systemUTC()).save(tsaDir);

        List<Runnable> stops = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try {
            ChainerApp chainer = new ChainerApp(new ChainerConfig(chainerProps(work,
                    keys.resolve("attestream-secured.key"), tsaDir, run, PASSWORDS.get(CHAINER))));
            stops.add(background("secured-chainer", failure, () -> {
                ChainerApp.Outcome outcome = chainer.run();
                if (outcome != ChainerApp.Outcome.STOPPED) {
                    throw new IllegalStateException("chainer ended: " + outcome);
                }
            }, chainer::stop));
            DriftApp drift = new DriftApp(new DriftConfig(driftProps(work, run, PASSWORDS.get(DRIFT))));
            stops.add(background("secured-drift", failure, () -> {
                if (!drift.run()) {
                    throw new IllegalStateException("drift detector stopped", drift.failure().orElse(null));
                }
            }, drift::stop));
            EvidenceSink sink = new EvidenceSink(new SinkConfig(sinkProps(stack, run, PASSWORDS.get(SINK))));
            stops.add(background("secured-sink", failure, sink::run, () -> {
                sink.stop();
            }));
            stops.add(sink::close);

            Path apiKeys = work.resolve("api-keys.txt");
            Files.writeString(apiKeys, "secured " + ApiKeys.hash("k-secured") + " " + tenant + " *\n");
            List<AuditEvent> events = events(tenant, run);
            int viaGateway = events.size() * 3 / 4;
            try (Gateway gateway = Gateway.start(new GatewayConfig(gatewayProps(apiKeys, PASSWORDS.get(GATEWAY))))) {
                HttpClient http = HttpClient.newHttpClient();
                URI uri = URI.create("http://127.0.0.1:" + gateway.port() + "/v1/events");
                for (int from = 0; from < viaGateway; from += 50) {
                    StringBuilder batch = new StringBuilder();
                    for (AuditEvent e : events.subList(from, Math.min(viaGateway, from + 50))) {
                        batch.append(JsonEventMapper.toJson(e)).append('\n');
                    }
                    HttpResponse<String> r = post(http, uri, "k-secured", batch.toString());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
                }
            }
            // The SDK path (what the demo and in-process producers use): AuditClient with the same keys.
            Map<String, Object> sdkProps = new HashMap<>(registryProps());
            sdkProps.put("bootstrap.servers", kafka.bootstrapServers());
            kafka.clientProperties(GATEWAY, PASSWORDS.get(GATEWAY)).forEach((k, v) -> sdkProps.put("producer." + k, v));
            try (AuditClient sdk = AuditClient.create(sdkProps)) {
                List<CompletableFuture<Ack>> acks = new ArrayList<>();
                for (AuditEvent e : events.subList(viaGateway, events.size())) {
                    acks.add(sdk.send(e));
                }
                for (AuditEvent e : driftEvents(tenant)) {
                    acks.add(sdk.send(e));
                }
                for (CompletableFuture<Ack> ack : acks) {
                    assertThat(ack.get(30, TimeUnit.SECONDS).topic()).isEqualTo(Topics.EVENTS);
                }
            }
            System.out.printf("%d events accepted by the gateway and %d by the SDK (SASL_SSL as %s)%n", viaGateway,
                    events.size() - viaGateway, GATEWAY);

            long landedAt = System.nanoTime();
            int expected = events.size() + driftEvents(tenant).size();
            awaitLanded(stack, tenant, expected, failure, Duration.ofSeconds(90));
            System.out.printf("all %d events chained and landed %.1f s after the last SDK send%n", expected,
                    (System.nanoTime() - landedAt) / 1e9);
            // The drift detector read the chained topic and wrote its alert to the alerts topic and, as an audit
            // event, into the chain: both landed.
            awaitDriftAlert(stack, tenant, failure, Duration.ofSeconds(60));
            System.out.printf("drift alert of %s/%s landed (drift_alerts and chained as an event) %.1f s after the"
                    + " last SDK send%n", tenant, DRIFT_AGENT, (System.nanoTime() - landedAt) / 1e9);
            awaitCheckpointed(stack, tenant, failure, Duration.ofSeconds(60));
        } finally {
            stops.forEach(Runnable::run);
        }
        assertThat(failure.get()).as("no stage failed").isNull();

        Path password = Files.writeString(work.resolve("auditor.password"), stack.auditorPassword());
        CommandLine verify = new CommandLine(new VerifyCommand());
        StringWriter text = new StringWriter();
        verify.setOut(new PrintWriter(text));
        verify.setErr(new PrintWriter(text));
        int code = verify.execute("--jdbc-url", stack.clickHouseJdbcUrl(), "--user", stack.auditorUser(),
                "--password-file", password.toString(), "--key", keys.resolve("attestream-secured.vkey").toString(),
                "--tsa-cert", tsaDir.resolve("tsa-ca.crt").toString(), "--events-table", DATABASE + ".chained_events",
                "--checkpoints-table", DATABASE + ".checkpoints", "--schemas-table", DATABASE + ".registry_schemas",
                "--tenant", tenant, "--no-progress");
        assertThat(code).as(text.toString()).isZero();
        assertThat(registryProxy.authenticated()).as("stages reached the registry only through the auth proxy")
                .isPositive();
    }

    @Test
    void stagesWithAWrongPasswordFailWithAnAuthenticationErrorInsteadOfHanging(StackEndpoints stack)
            throws Exception {
        Path work = Files.createDirectories(dir.resolve("wrong-" + UUID.randomUUID().toString().substring(0, 8)));
        Path keys = work.resolve("keys");
        KeyPairFiles.generate(keys, "attestream-wrong", new SecureRandom());

        // The listener takes TLS only: the right SCRAM password without TLS gets nowhere.
        Map<String, Object> noTls = kafka.adminProperties(ADMIN, PASSWORDS.get(ADMIN));
        noTls.put("security.protocol", "SASL_PLAINTEXT");
        noTls.put("default.api.timeout.ms", 5000);
        noTls.put("request.timeout.ms", 3000);
        try (Admin admin = Admin.create(noTls)) {
            Throwable plain = within(Duration.ofSeconds(30), () -> admin.describeCluster().nodes().get());
            assertThat(plain).as("SASL without TLS").isInstanceOf(ExecutionException.class);
        }

        // Chainer: its start-up topic check authenticates first and fails.
        ChainerApp chainer = new ChainerApp(new ChainerConfig(chainerProps(work,
                keys.resolve("attestream-wrong.key"), null, "wrong", "not-" + PASSWORDS.get(CHAINER))));
        Throwable chainerError = within(Duration.ofSeconds(60), chainer::run);
        assertThat(chainerError).as("chainer with a wrong password").isNotNull();
        assertThat(chain(chainerError)).contains("SaslAuthenticationException").contains("Authentication failed");

        // Gateway: the registry answers 401 to a wrong Basic password before any Kafka traffic.
        Map<String, Object> badRegistry = gatewayProps(work.resolve("none"), PASSWORDS.get(GATEWAY));
        badRegistry.put(RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG, REGISTRY_USER + ":wrong");
        Path apiKeys = Files.writeString(work.resolve("api-keys.txt"), "w " + ApiKeys.hash("k-w") + " t *\n");
        badRegistry.put(GatewayConfig.API_KEYS_FILE_CONFIG, apiKeys.toString());
        Throwable registryError = within(Duration.ofSeconds(30), () -> Gateway.start(new GatewayConfig(badRegistry)));
        assertThat(chain(registryError)).contains("401").contains(RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG);

        // Gateway: a wrong Kafka password makes the batch fail fast with 503 naming the authentication failure.
        try (Gateway gateway = Gateway.start(new GatewayConfig(gatewayProps(apiKeys, "not-"
                + PASSWORDS.get(GATEWAY))))) {
            AuditEvent e = events("t", "wrong").get(0);
            long t0 = System.nanoTime();
            HttpResponse<String> r = post(HttpClient.newHttpClient(),
                    URI.create("http://127.0.0.1:" + gateway.port() + "/v1/events"), "k-w",
                    JsonEventMapper.toJson(AuditEvent.newBuilder(e).setTenant("t").build()) + "\n");
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("gateway with a wrong Kafka password answered %d after %.1f s: %s%n", r.statusCode(),
                    seconds, r.body());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.body()).contains("Authentication failed");
            assertThat(seconds).as("answered without waiting for the ack timeout").isLessThan(20);
        }

        // Drift detector: Kafka Streams' admin client and consumers authenticate first and fail.
        DriftApp drift = new DriftApp(new DriftConfig(driftProps(work, "wrong", "not-" + PASSWORDS.get(DRIFT))));
        Throwable driftError;
        try {
            driftError = within(Duration.ofSeconds(60), () -> {
                if (!drift.run()) {
                    throw new IllegalStateException("drift detector stopped", drift.failure().orElse(null));
                }
                return null;
            });
        } finally {
            drift.stop();
        }
        assertThat(chain(driftError)).contains("Authentication failed");

        // Sink: its consumer's first poll fails with the authentication error, run() ends.
        Map<String, Object> sinkProps = new HashMap<>();
        sinkProps.put(SinkConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        sinkProps.put(SinkConfig.REGISTRY_URL_CONFIG, registryUrl);
        sinkProps.put(RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG, REGISTRY_USER + ":" + registryPassword);
        sinkProps.put(SinkConfig.CLICKHOUSE_URL_CONFIG, stack.clickHouseJdbcUrl());
        sinkProps.put(SinkConfig.CLICKHOUSE_USER_CONFIG, stack.clickHouseUser());
        sinkProps.put(SinkConfig.CLICKHOUSE_PASSWORD_CONFIG, stack.clickHousePassword());
        sinkProps.put(SinkConfig.CLICKHOUSE_DATABASE_CONFIG, DATABASE);
        sinkProps.put(SinkConfig.GROUP_ID_CONFIG, "secured-it-wrong-sink");
        sinkProps.put(SinkConfig.METRICS_PORT_CONFIG, -1);
        sinkProps.putAll(kafka.clientProperties(SINK, "not-" + PASSWORDS.get(SINK)));
        Throwable sinkError = within(Duration.ofSeconds(60), () -> {
            try (EvidenceSink sink = new EvidenceSink(new SinkConfig(sinkProps))) {
                sink.run();
            }
            return null;
        });
        assertThat(chain(sinkError)).contains("Authentication failed");
    }

    /** The registry keys every stage gets: the proxy's URL and the Basic credentials. */
    private static Map<String, Object> registryProps() {
        Map<String, Object> p = new HashMap<>();
        p.put(RegistryClientConfig.URL_CONFIG, registryUrl);
        p.put(RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG, REGISTRY_USER + ":" + registryPassword);
        return p;
    }

    private static Map<String, Object> chainerProps(Path work, Path keyFile, Path tsaDir, String run, String password)
            throws Exception {
        Map<String, Object> p = new HashMap<>(registryProps());
        p.putAll(kafka.clientProperties(CHAINER, password));
        p.put(ChainerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ChainerConfig.APPLICATION_ID_CONFIG, "secured-it-chainer-" + run);
        p.put("state.dir", Files.createDirectories(work.resolve("chainer-state")).toString());
        p.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, keyFile.toString());
        if (tsaDir == null) {
            p.put(ChainerConfig.TSA_MODE_CONFIG, ChainerConfig.TSA_MODE_NONE);
        } else {
            p.put(ChainerConfig.TSA_MODE_CONFIG, "embedded");
            p.put(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG, tsaDir.toString());
        }
        p.put(ChainerConfig.CHECKPOINT_EVERY_EVENTS_CONFIG, 100);
        p.put(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG, 3_000);
        p.put(ChainerConfig.CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG, 1_000);
        p.put(ChainerConfig.METRICS_PORT_CONFIG, -1);
        p.put("replication.factor", "1");
        p.put("commit.interval.ms", 200);
        return p;
    }

    private static Map<String, Object> driftProps(Path work, String run, String password) throws Exception {
        Map<String, Object> p = new HashMap<>(registryProps());
        p.putAll(kafka.clientProperties(DRIFT, password));
        p.put(DriftConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(DriftConfig.APPLICATION_ID_CONFIG, "secured-it-drift-" + run);
        p.put("state.dir", Files.createDirectories(work.resolve("drift-state")).toString());
        p.put("replication.factor", "1");
        p.put("commit.interval.ms", "200");
        p.put("metrics.port", "-1");
        p.put(DriftConfig.WINDOW_SIZE_MS_CONFIG, String.valueOf(DRIFT_WINDOW.toMillis()));
        p.put(DriftConfig.WINDOW_GRACE_MS_CONFIG, "0");
        p.put(DriftConfig.MIN_COUNT_CONFIG, "20");
        return p;
    }

    /**
     * One agent whose version 2 is clearly worse: three windows of 30 evals at accuracy 0.80, three at 0.60
     * (sd 0.05), then a heartbeat that closes every window. Event time: the start of the previous hour.
     */
    private static List<AuditEvent> driftEvents(String tenant) {
        Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS);
        java.util.Random random = new java.util.Random(tenant.hashCode());
        List<AuditEvent> out = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            for (int i = 0; i < 30; i++) {
                double mean = w < 3 ? 0.80 : 0.60;
                out.add(eval(tenant, w < 3 ? "1" : "2", t0.plus(DRIFT_WINDOW.multipliedBy(w)).plusSeconds(i),
                        mean + random.nextGaussian() * 0.05, w * 100 + i));
            }
        }
        out.add(eval(tenant, "2", t0.plus(DRIFT_WINDOW.multipliedBy(8)), 0.6, 999));
        return out;
    }

    private static AuditEvent eval(String tenant, String version, Instant at, double value, int n) {
        EvalResult er = EvalResult.newBuilder().setSuite("safety-regression").setEvalName("case")
                .setMetric("accuracy").setValue(value).setEvaluatorKind(EvaluatorKind.RULE).build();
        return AuditEvent.newBuilder()
                .setEventId(UUID.nameUUIDFromBytes((tenant + "/drift/" + n).getBytes(StandardCharsets.UTF_8)))
                .setTenant(tenant).setAgentId(DRIFT_AGENT).setAgentVersion(version).setOccurredAt(at)
                .setRecordedBy(new RecordedBy("secured-it", "attestream-it", "1")).setControls(List.of())
                .setPayload(er).build();
    }

    private static Map<String, Object> sinkProps(StackEndpoints stack, String run, String password) {
        Map<String, Object> p = new HashMap<>(registryProps());
        p.put(SinkConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        // Unprefixed, as in every stage: the sink passes the keys it does not own to its consumer.
        p.putAll(kafka.clientProperties(SINK, password));
        p.put(SinkConfig.CLICKHOUSE_URL_CONFIG, stack.clickHouseJdbcUrl());
        p.put(SinkConfig.CLICKHOUSE_USER_CONFIG, stack.clickHouseUser());
        p.put(SinkConfig.CLICKHOUSE_PASSWORD_CONFIG, stack.clickHousePassword());
        p.put(SinkConfig.CLICKHOUSE_DATABASE_CONFIG, DATABASE);
        p.put(SinkConfig.GROUP_ID_CONFIG, "secured-it-sink-" + run);
        p.put(SinkConfig.METRICS_PORT_CONFIG, -1);
        return p;
    }

    private static Map<String, Object> gatewayProps(Path apiKeys, String password) {
        Map<String, Object> p = new HashMap<>(registryProps());
        p.put("bootstrap.servers", kafka.bootstrapServers());
        kafka.clientProperties(GATEWAY, password).forEach((k, v) -> p.put("producer." + k, v));
        p.put(GatewayConfig.API_KEYS_FILE_CONFIG, apiKeys.toString());
        p.put(GatewayConfig.LISTEN_HOST_CONFIG, "127.0.0.1");
        p.put(GatewayConfig.LISTEN_PORT_CONFIG, 0);
        p.put(GatewayConfig.ACK_TIMEOUT_MS_CONFIG, 30_000);
        return p;
    }

    /** The demo's simulated fleet (small), all of it moved to one tenant of this run. */
    private static List<AuditEvent> events(String tenant, String run) {
        List<AuditEvent> out = new ArrayList<>();
        FleetSimulator fleet = new FleetSimulator(run.hashCode(), 2, 40,
                Instant.now().minus(7, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS), Duration.ofHours(6));
        for (AuditEvent e : fleet.events()) {
            out.add(AuditEvent.newBuilder(e).setTenant(tenant).setAgentId(e.getTenant() + "-" + e.getAgentId())
                    .setEventId(UUID.nameUUIDFromBytes((tenant + e.getEventId()).getBytes(StandardCharsets.UTF_8)))
                    .build());
        }
        return out;
    }

    private static HttpResponse<String> post(HttpClient http, URI uri, String key, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/x-ndjson")
                .header("X-Api-Key", key).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Connection connect(StackEndpoints stack) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", stack.clickHouseUser());
        props.setProperty("password", stack.clickHousePassword());
        return DriverManager.getConnection(stack.clickHouseJdbcUrl(), props);
    }

    private static void awaitLanded(StackEndpoints stack, String tenant, int expected,
            AtomicReference<Throwable> failure, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long have = -1;
        try (Connection jdbc = connect(stack); Statement s = jdbc.createStatement()) {
            while (System.nanoTime() < deadline) {
                assertThat(failure.get()).as("no stage failed").isNull();
                try (ResultSet rs = s.executeQuery("SELECT count() FROM " + DATABASE + ".chained_events"
                        + " WHERE tenant = '"
                        + tenant + "'")) {
                    rs.next();
                    have = rs.getLong(1);
                } catch (java.sql.SQLException notYet) {
                    have = -1;
                }
                if (have >= expected) {
                    return;
                }
                Thread.sleep(500);
            }
        }
        throw new AssertionError("only " + have + " of " + expected + " events of " + tenant + " landed within "
                + timeout + " (broker log " + kafka.logFile() + ")");
    }

    private static void awaitCheckpointed(StackEndpoints stack, String tenant, AtomicReference<Throwable> failure,
            Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pending = -1;
        try (Connection jdbc = connect(stack); Statement s = jdbc.createStatement()) {
            while (System.nanoTime() < deadline) {
                assertThat(failure.get()).as("no stage failed").isNull();
                try (ResultSet rs = s.executeQuery("SELECT countIf(events_after_checkpoint != 0), count()"
                        + " FROM " + DATABASE + ".chain_status WHERE tenant = '" + tenant + "'")) {
                    rs.next();
                    pending = rs.getLong(2) == 0 ? -1 : rs.getLong(1);
                }
                if (pending == 0) {
                    return;
                }
                Thread.sleep(500);
            }
        }
        throw new AssertionError(pending + " chains of " + tenant + " still have events after their last checkpoint");
    }

    private static void awaitDriftAlert(StackEndpoints stack, String tenant, AtomicReference<Throwable> failure,
            Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long alerts = 0;
        long chainedAlerts = 0;
        try (Connection jdbc = connect(stack); Statement s = jdbc.createStatement()) {
            while (System.nanoTime() < deadline) {
                assertThat(failure.get()).as("no stage failed").isNull();
                try (ResultSet rs = s.executeQuery("SELECT (SELECT count() FROM " + DATABASE + ".drift_alerts"
                        + " WHERE tenant = '" + tenant + "' AND agent_id = '" + DRIFT_AGENT + "'), (SELECT count() FROM "
                        + DATABASE + ".chained_events WHERE tenant = '" + tenant + "' AND agent_id = '" + DRIFT_AGENT
                        + "' AND event_type = '" + EventType.DRIFT_ALERT.avroName() + "')")) {
                    rs.next();
                    alerts = rs.getLong(1);
                    chainedAlerts = rs.getLong(2);
                }
                if (alerts > 0 && chainedAlerts > 0) {
                    return;
                }
                Thread.sleep(500);
            }
        }
        throw new AssertionError("drift alert of " + tenant + "/" + DRIFT_AGENT + " not landed within " + timeout
                + ": " + alerts + " in drift_alerts, " + chainedAlerts + " chained");
    }

    /** Runs {@code body} on a thread; its exception goes to {@code failure}; the returned stop joins the thread. */
    private static Runnable background(String name, AtomicReference<Throwable> failure, ThrowingRunnable body,
            Runnable stop) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        t.start();
        return () -> {
            stop.run();
            try {
                t.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** Runs {@code body} and returns what it threw; fails the test when it neither throws nor returns in time. */
    private static Throwable within(Duration limit, java.util.concurrent.Callable<?> body) throws Exception {
        CompletableFuture<Throwable> result = CompletableFuture.supplyAsync(() -> {
            try {
                Object value = body.call();
                if (value instanceof AutoCloseable c) {
                    c.close();
                }
                return new AssertionError("no error: returned " + value);
            } catch (Throwable e) {
                return e;
            }
        });
        long t0 = System.nanoTime();
        try {
            Throwable e = result.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            System.out.printf("failed after %.1f s with: %s%n", (System.nanoTime() - t0) / 1e9,
                    e == null ? null : rootMessage(e));
            return e;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no error within " + limit + ": the stage hangs instead of failing");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private static void assertThatFailsWith(ThrowingRunnable body, String text) {
        try {
            body.run();
        } catch (Throwable e) {
            assertThat(chain(e)).contains(text);
            return;
        }
        throw new AssertionError("expected a failure mentioning " + text);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }

    /** Class names and messages of {@code e} and its causes, for assertions on what an operator would read. */
    private static String chain(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        }
        return sb.toString();
    }

    private static String secret() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
