package io.attestream.cli.demo;

import io.attestream.chainer.ChainerApp;
import io.attestream.chainer.ChainerConfig;
import io.attestream.deploy.stack.LocalStack;
import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.drift.DriftApp;
import io.attestream.drift.DriftConfig;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.KeyPairFiles;
import io.attestream.schemas.SchemaEvolution;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.AuditEventSerializer;
import io.attestream.sink.EvidenceSink;
import io.attestream.sink.SinkConfig;
import io.attestream.verifier.CheckProofCommand;
import io.attestream.verifier.ProveCommand;
import io.attestream.verifier.VerifyCommand;
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
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code attestream demo}: the whole pipeline on the embedded stack with a simulated fleet, verified, with a tamper
 * demonstration on a dedicated tenant. Every run adds a new batch of events (new ids, the chains continue), so it
 * can be run again and again.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline on the embedded stack: start (or reuse) the stack, run the chainer and"
                + " the evidence sink, publish a seeded simulated fleet (one agent's user prompts sealed per customer),"
                + " wait until everything landed in ClickHouse, read the sealed prompts with the key store, erase one"
                + " customer, verify everything after the erasure, show tamper detection on a dedicated demo tenant,"
                + " and print a summary.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:pipeline ran, verification OK and tampering detected", "1:a step failed",
            "2:invalid command line", "3:verification failed on untouched data, tampering went undetected, or the sealed prompts or the"
                + " erasure did not behave"})
public final class DemoCommand implements Callable<Integer> {
    static final String TAMPER_TENANT_PREFIX = "demo-tamper-";

    @Option(names = "--dir", paramLabel = "DIR", description = "Stack directory (default ${DEFAULT-VALUE}).")
    Path dir = StackConfig.DEFAULT_STACK_DIR;

    @Option(names = "--agents-per-tenant", defaultValue = "7",
            description = "Agents in each of the 3 tenants, 1..7 (default ${DEFAULT-VALUE}).")
    int agentsPerTenant;

    @Option(names = "--events-per-agent", defaultValue = "400",
            description = "Events each agent publishes (default ${DEFAULT-VALUE}).")
    int eventsPerAgent;

    @Option(names = "--seed", description = "Seed of the simulated fleet (default: the run number, so every run adds"
            + " new events).")
    Long seed;

    @Option(names = "--timeout", defaultValue = "PT5M",
            description = "How long to wait for everything to land (ISO-8601 duration, default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Spec
    CommandSpec spec;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        Instant began = Instant.now();
        Path demoDir = dir.resolve("demo");
        Files.createDirectories(demoDir);
        long run = nextRun(demoDir);
        long fleetSeed = seed != null ? seed : run;
        Path log = demoDir.resolve("demo.log");
        DemoLogging.toFile(log);

        step("1/8 embedded stack");
        note("library logs (Kafka client warnings, the chainer's RUNNING line) go to " + log);
        StackEndpoints stack = new LocalStack(StackConfig.builder(dir).build(), this::note).up();
        note("kafka " + stack.bootstrapServers() + ", registry " + stack.registryUrl() + ", clickhouse "
                + stack.clickHouseUrl());
        return run(stack, demoDir, run, fleetSeed, began);
    }

    /**
     * Everything after the stack is up; integration tests call this with the stack they were given.
     *
     * @return the exit code (see the command's exit code list)
     */
    int run(StackEndpoints stack, Path demoDir, long run, long fleetSeed, Instant began) throws Exception {
        if (out == null) {
            out = spec.commandLine().getOut();
        }
        step("2/8 keys, topics, schema");
        Path keys = demoDir.resolve("keys");
        if (!Files.exists(keys.resolve("attestream-demo.key"))) {
            KeyPairFiles.generate(keys, "attestream-demo", new SecureRandom());
        }
        Path tsaDir = demoDir.resolve("tsa");
        if (!Files.exists(tsaDir.resolve("tsa.crt"))) {
            Files.createDirectories(tsaDir);
            EmbeddedTimestampAuthority.generate("Attestream demo TSA", Clock.systemUTC()).save(tsaDir);
        }
        createTopics(stack);
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        int schemaId = SchemaEvolution.registerWithGuard(registry, Topics.valueSubject(Topics.EVENTS));
        note("keys in " + keys + ", TSA in " + tsaDir + ", AuditEvent schema id " + schemaId + " (release "
                + SchemaEvolution.latestVersion() + ", subject " + Topics.valueSubject(Topics.EVENTS)
                + " BACKWARD_TRANSITIVE)");

        step("3/8 chainer, drift detector and evidence sink");
        List<Runnable> stops = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread hook = new Thread(() -> stops.forEach(Runnable::run), "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            startChainer(stack, demoDir, keys, tsaDir, stops, failure);
            startSink(stack, stops, failure);
            startDrift(stack, demoDir, stops, failure);
            DemoWitness witness = DemoWitness.start(stack, demoDir, keys, registry, stops, failure, this::note);

            step("4/8 simulated fleet (seed " + fleetSeed + ")");
            FleetSimulator fleet = new FleetSimulator(fleetSeed, agentsPerTenant, eventsPerAgent,
                    // Six whole hours: version 2 starts on an hour boundary, so the drift detector's hourly
                    // windows each hold one version.
                    Instant.now().minus(7, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS), Duration.ofHours(6));
            String tamperTenant = TAMPER_TENANT_PREFIX + run;
            List<AuditEvent> events = new ArrayList<>(fleet.events());
            events.addAll(tamperTenantEvents(tamperTenant, fleetSeed));
            long producedAt = System.nanoTime();
            Map<String, Long> before;
            try (Connection jdbc = connect(stack)) {
                before = landedPerTenant(jdbc);
            }
            produce(stack, registry, events);
            PrivacyDemo privacy = new PrivacyDemo(stack, demoDir, run, this::note);
            long sealedEvents = privacy.produce();
            double produceSeconds = (System.nanoTime() - producedAt) / 1e9;
            note(String.format("published %,d events in %.1f s (%,.0f events/s)", events.size(), produceSeconds,
                    events.size() / produceSeconds));

            step("5/8 waiting until everything is chained and landed in ClickHouse");
            Map<String, Long> expected = new HashMap<>(before);
            for (AuditEvent e : events) {
                expected.merge(e.getTenant(), 1L, Long::sum);
            }
            expected.merge(PrivacyDemo.TENANT, sealedEvents, Long::sum);
            double landSeconds = waitUntilLanded(stack, expected, failure, producedAt);
            note(String.format("all %,d events landed %.1f s after publishing began (%,.0f events/s end to end)",
                    events.size(), landSeconds, events.size() / landSeconds));

            waitForCheckpointsAndAlerts(stack, failure);

            step("6/8 sealed prompts and an erasure on " + PrivacyDemo.TENANT + "/" + PrivacyDemo.AGENT);
            String[] trust = {"--jdbc-url", stack.clickHouseJdbcUrl(), "--user", stack.auditorUser(),
                "--password-file", writePassword(demoDir, stack.auditorPassword()).toString(),
                "--key", keys.resolve("attestream-demo.vkey").toString(),
                "--tsa-cert", tsaDir.resolve("tsa-ca.crt").toString(),
                "--events-table", "attestream.chained_events", "--checkpoints-table", "attestream.checkpoints",
                "--schemas-table", "attestream.registry_schemas"};
            Path proof = demoDir.resolve("proof-before-erasure-" + run + ".json");
            List<String> connection = new ArrayList<>(List.of(trust));
            int keyAt = connection.indexOf("--key");
            connection.subList(keyAt, keyAt + 4).clear();
            int proved = runVerifierTool(new ProveCommand(), connection, List.of("--event-id",
                    privacy.erasedCustomersEvent().toString(), "--out", proof.toString()), "prove (before the erasure)");
            if (proved != 0) {
                out.println("no inclusion proof of a sealed prompt could be made (exit " + proved + ")");
                return 3;
            }
            try (Connection jdbc = connect(stack)) {
                String problem = privacy.showAndErase(jdbc);
                if (problem != null) {
                    out.println("the privacy demo FAILED: " + problem);
                    return 3;
                }
            }
            int checked = runVerifierTool(new CheckProofCommand(), List.of("--key",
                    keys.resolve("attestream-demo.vkey").toString(), "--tsa-cert",
                    tsaDir.resolve("tsa-ca.crt").toString()), List.of(proof.toString()),
                    "check-proof (the proof made before the erasure, checked after it)");
            if (checked != 0) {
                out.println("the inclusion proof made before the erasure no longer checks (exit " + checked + ")");
                return 3;
            }
            try (Connection jdbc = connect(stack)) {
                if (witness.awaitAndShow(jdbc, failure, this::note) == 0) {
                    out.println("no checkpoint was witnessed: see the witness submitter's log above");
                    return 3;
                }
            }

            step("7/8 verification (after the erasure), with the witness's cosignatures and a state directory");
            Path state = demoDir.resolve("verifier-state");
            List<String> witnessed = List.of("--witness-key", keys.resolve(DemoWitness.VKEY_FILE).toString(),
                    "--witness-quorum", "1", "--state", state.toString());
            int verified = verify(trust, witnessed, "all tenants, witness quorum 1, state " + state);
            if (verified != 0) {
                out.println("verification FAILED on data nobody touched: see the findings above");
                return 3;
            }
            // A second run starts from the state the first one left: each log must still contain the checkpoint
            // verified then (RFC 9162 consistency proof), so a rollback or fork in between would be caught.
            int again = verify(trust, witnessed, "all tenants again, from the state of the first run");
            if (again != 0) {
                out.println("the second verification, from the first one's state, FAILED: see the findings above");
                return 3;
            }

            step("8/8 tamper detection on tenant " + tamperTenant + " (your other tenants are untouched)");
            String tampered = tamper(stack, tamperTenant);
            note("changed in ClickHouse: " + tampered);
            int detected = verify(trust, List.of("--tenant", tamperTenant), "tenant " + tamperTenant);
            if (detected != 3) {
                out.println("tampering was NOT detected (exit " + detected + ")");
                return 3;
            }
            // Flipping the same bit again restores the evidence, so later runs verify clean.
            tamper(stack, tamperTenant);
            int restored = verify(trust, List.of("--tenant", tamperTenant), "tenant " + tamperTenant + ", restored");
            if (restored != 0) {
                out.println("the restored demo tenant does not verify (exit " + restored + ")");
                return 3;
            }
            summary(stack, began);
            return 0;
        } finally {
            stops.forEach(Runnable::run);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // JVM already exiting (Ctrl-C): the hook stops the apps.
            }
            out.println();
            out.println("The stack keeps running: query it (docs/auditor-guide.md), run `bin/attestream demo` again,"
                    + " or stop it with `bin/attestream stack down`.");
            out.flush();
        }
    }

    private void step(String text) {
        out.println();
        out.println("== " + text);
        out.flush();
    }

    private void note(String text) {
        out.println("   " + text);
        out.flush();
    }

    private static long nextRun(Path demoDir) throws java.io.IOException {
        Path file = demoDir.resolve("runs");
        long run = Files.exists(file) ? Long.parseLong(Files.readString(file).strip()) + 1 : 1;
        Files.writeString(file, Long.toString(run));
        return run;
    }

    private static Path writePassword(Path demoDir, String password) throws java.io.IOException {
        Path file = demoDir.resolve("auditor.password");
        Files.writeString(file, password);
        return file;
    }

    private static final List<String> DEMO_TOPICS = List.of(Topics.EVENTS, Topics.CHAINED, Topics.CHECKPOINTS,
            Topics.DEAD_LETTER, Topics.DRIFT_ALERTS);

    private void createTopics(StackEndpoints stack) throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> wanted = new ArrayList<>();
            for (String topic : DEMO_TOPICS) {
                if (!existing.contains(topic)) {
                    // 6 partitions: room for several chainer instances; one broker, so replication 1.
                    wanted.add(new NewTopic(topic, 6, (short) 1));
                }
            }
            try {
                admin.createTopics(wanted).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            awaitWritable(admin, DEMO_TOPICS);
        }
    }

    /**
     * Waits until the leader of every partition of {@code topics} serves it (a ListOffsets answer, which Admin retries
     * while the partition is not there yet). An idempotent producer that writes to a partition the broker has not
     * applied yet can lose a batch (KAFKA-15591: its first request fails NOT_LEADER_OR_FOLLOWER, a later one is
     * appended, and every retry of the first is OUT_OF_ORDER_SEQUENCE_NUMBER until delivery.timeout.ms).
     */
    private static void awaitWritable(Admin admin, List<String> topics) throws InterruptedException,
            ExecutionException {
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get().values()) {
            d.partitions().forEach(p -> partitions.put(new TopicPartition(d.name(), p.partition()),
                    OffsetSpec.latest()));
        }
        try {
            admin.listOffsets(partitions).all().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the partitions of " + topics + " have no serving leader after 60 s", e);
        }
    }

    private void startChainer(StackEndpoints stack, Path demoDir, Path keys, Path tsaDir, List<Runnable> stops,
                              AtomicReference<Throwable> failure) {
        Map<String, Object> props = new HashMap<>();
        props.put(ChainerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put("schema.registry.url", stack.registryUrl());
        props.put(ChainerConfig.APPLICATION_ID_CONFIG, "attestream-demo-chainer");
        props.put("state.dir", demoDir.resolve("chainer-state").toString());
        props.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, keys.resolve("attestream-demo.key").toString());
        props.put(ChainerConfig.TSA_MODE_CONFIG, "embedded");
        props.put(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG, tsaDir.toString());
        props.put(ChainerConfig.CHECKPOINT_EVERY_EVENTS_CONFIG, 200);
        props.put(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG, 5_000);
        props.put(ChainerConfig.CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG, 1_000);
        props.put("metrics.port", -1);
        props.put("commit.interval.ms", 200);
        InProcessStages.chainer(new ChainerApp(new ChainerConfig(props)), "demo-chainer", stops, failure);
        note("chainer running (exactly_once_v2, checkpoints every 200 events or 5 s, embedded RFC 3161 TSA)");
    }

    private void startDrift(StackEndpoints stack, Path demoDir, List<Runnable> stops,
                            AtomicReference<Throwable> failure) {
        Map<String, Object> props = new HashMap<>();
        props.put(DriftConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(DriftConfig.REGISTRY_URL_CONFIG, stack.registryUrl());
        props.put(DriftConfig.APPLICATION_ID_CONFIG, "attestream-demo-drift");
        props.put("state.dir", demoDir.resolve("drift-state").toString());
        props.put("commit.interval.ms", 500);
        DriftApp drift = new DriftApp(new DriftConfig(props));
        Thread thread = new Thread(() -> {
            try {
                if (!drift.run()) {
                    failure.compareAndSet(null, drift.failure().orElse(new IllegalStateException("drift detector"
                            + " stopped")));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-drift");
        thread.start();
        stops.add(() -> {
            drift.stop();
            InProcessStages.join(thread);
        });
        note("drift detector running (1-hour event-time windows on eval metrics; alerts are chained evidence)");
    }

    private void startSink(StackEndpoints stack, List<Runnable> stops, AtomicReference<Throwable> failure) {
        Map<String, Object> props = InProcessStages.sinkSettings(stack);
        props.put(SinkConfig.GROUP_ID_CONFIG, "attestream-demo-sink");
        InProcessStages.sink(new EvidenceSink(new SinkConfig(props)), "demo-sink", stops, failure);
        note("evidence sink running (ClickHouse database attestream, migrations applied)");
    }


    private void produce(StackEndpoints stack, SchemaRegistryClient registry, List<AuditEvent> events)
            throws InterruptedException, ExecutionException {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, AuditEvent> producer = new KafkaProducer<>(props, new StringSerializer(),
                new AuditEventSerializer(registry, false))) {
            int step = Math.max(1, events.size() / 10);
            List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) {
                AuditEvent e = events.get(i);
                acks.add(producer.send(new ProducerRecord<>(Topics.EVENTS,
                        Topics.agentKey(e.getTenant(), e.getAgentId()), e)));
                if ((i + 1) % step == 0) {
                    note(String.format("published %,d / %,d", i + 1, events.size()));
                }
            }
            producer.flush();
            // Every send is acknowledged or the demo fails here, naming the first refusal: an event Kafka never
            // took must not turn into a wait for rows that cannot land.
            int refused = 0;
            Throwable first = null;
            for (Future<RecordMetadata> ack : acks) {
                try {
                    ack.get();
                } catch (ExecutionException e) {
                    refused++;
                    first = first == null ? e.getCause() : first;
                }
            }
            if (refused > 0) {
                throw new IllegalStateException(refused + " of " + events.size() + " events were not accepted by"
                        + " Kafka; the first refusal: " + first, first);
            }
        }
    }

    /** A small agent whose chain the demo damages on purpose. */
    private static List<AuditEvent> tamperTenantEvents(String tenant, long seed) {
        List<AuditEvent> out = new ArrayList<>();
        for (AuditEvent e : new FleetSimulator(seed, 1, 60, Instant.now().minus(1, ChronoUnit.HOURS),
                Duration.ofMinutes(30)).events()) {
            if (e.getTenant().equals(FleetSimulator.TENANTS.get(0))) {
                out.add(AuditEvent.newBuilder(e).setTenant(tenant)
                        .setEventId(java.util.UUID.nameUUIDFromBytes((tenant + e.getEventId())
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))).build());
            }
        }
        return out;
    }

    private static Connection connect(StackEndpoints stack) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", stack.clickHouseUser());
        props.setProperty("password", stack.clickHousePassword());
        return DriverManager.getConnection(stack.clickHouseJdbcUrl(), props);
    }

    private static Map<String, Long> landedPerTenant(Connection jdbc) {
        Map<String, Long> out = new HashMap<>();
        try (Statement s = jdbc.createStatement();
             ResultSet rs = s.executeQuery("SELECT tenant, count() FROM attestream.chained_events GROUP BY tenant")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            // First run: the sink has not created its tables yet.
            return out;
        }
        return out;
    }

    private double waitUntilLanded(StackEndpoints stack, Map<String, Long> expected, AtomicReference<Throwable> failure,
                                   long producedAt) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long want = expected.values().stream().mapToLong(Long::longValue).sum();
        long lastShown = -1;
        try (Connection jdbc = connect(stack)) {
            while (true) {
                if (failure.get() != null) {
                    throw new IllegalStateException("a pipeline component failed: " + failure.get(), failure.get());
                }
                Map<String, Long> landed = landedPerTenant(jdbc);
                long have = landed.values().stream().mapToLong(Long::longValue).sum();
                // At least: the drift detector adds its alerts to the chain as events too.
                if (expected.entrySet().stream().allMatch(e -> landed.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                    return (System.nanoTime() - producedAt) / 1e9;
                }
                if (have != lastShown) {
                    note(String.format("landed %,d / %,d", have, want));
                    lastShown = have;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out after " + timeout + ": landed " + landed + ", expected "
                            + expected + " (see dead letters: SELECT reason, count() FROM attestream.dead_letters"
                            + " GROUP BY reason)");
                }
                Thread.sleep(1000);
            }
        }
    }

    /** Time-based checkpoints follow within seconds; the drift alert follows the first full window of v2. */
    private void waitForCheckpointsAndAlerts(StackEndpoints stack, AtomicReference<Throwable> failure)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (Connection jdbc = connect(stack); Statement s = jdbc.createStatement()) {
            long pending = -1;
            long alerts = -1;
            while (System.nanoTime() < deadline && failure.get() == null) {
                try (ResultSet rs = s.executeQuery("SELECT countIf(events_after_checkpoint != 0),"
                        + " (SELECT count() FROM attestream.drift_alerts) FROM attestream.chain_status")) {
                    rs.next();
                    pending = rs.getLong(1);
                    alerts = rs.getLong(2);
                }
                if (pending == 0 && alerts > 0) {
                    break;
                }
                Thread.sleep(1000);
            }
            note(pending == 0 ? "every agent's latest event is covered by a signed, timestamped checkpoint"
                    : pending + " agent(s) still have events after their latest checkpoint");
            note(alerts > 0 ? alerts + " drift alert(s) landed" : "no drift alert landed yet");
        }
    }

    private int runVerifierTool(Object command, List<String> common, List<String> args, String what) {
        List<String> all = new ArrayList<>(common);
        all.addAll(args);
        CommandLine tool = new CommandLine(command);
        StringWriter text = new StringWriter();
        tool.setOut(new PrintWriter(text));
        tool.setErr(new PrintWriter(text));
        int code = tool.execute(all.toArray(String[]::new));
        note("attestream " + what + " exit " + code + (code == 0 ? "" : ":"));
        if (code != 0) {
            text.toString().lines().limit(15).forEach(line -> note("  " + line));
        }
        return code;
    }

    private int verify(String[] trust, List<String> scope, String what) {
        List<String> args = new ArrayList<>(List.of(trust));
        args.addAll(scope);
        args.add("--no-progress");
        CommandLine verify = new CommandLine(new VerifyCommand());
        StringWriter text = new StringWriter();
        verify.setOut(new PrintWriter(text));
        verify.setErr(new PrintWriter(text));
        int code = verify.execute(args.toArray(String[]::new));
        note("attestream verify (" + what + ") exit " + code + ":");
        text.toString().lines().limit(25).forEach(line -> note("  " + line));
        return code;
    }

    /**
     * Flips one bit of one stored event of the tamper tenant, in place, as an attacker with write access would;
     * calling it again restores the byte.
     */
    private static String tamper(StackEndpoints stack, String tenant) throws SQLException {
        try (Connection jdbc = connect(stack); Statement s = jdbc.createStatement()) {
            s.execute("ALTER TABLE attestream.chained_events UPDATE event_bytes = concat(substring(event_bytes, 1, 20),"
                    + " char(bitXor(reinterpretAsUInt8(substring(event_bytes, 21, 1)), 1)),"
                    + " substring(event_bytes, 22)) WHERE tenant = '" + tenant + "' AND seq = 17"
                    + " SETTINGS mutations_sync = 2");
            return "byte 21 of the stored event at seq 17 of every agent of tenant " + tenant
                    + " flipped (ALTER TABLE attestream.chained_events UPDATE event_bytes ...)";
        }
    }

    private void summary(StackEndpoints stack, Instant began) throws SQLException {
        step("summary");
        try (Connection jdbc = connect(stack); Statement s = jdbc.createStatement()) {
            table(s, "events per type (all runs)",
                    "SELECT event_type, count() AS events FROM attestream.chained_events"
                            + " WHERE NOT startsWith(tenant, '" + TAMPER_TENANT_PREFIX + "')"
                            + " GROUP BY event_type ORDER BY events DESC");
            table(s, "checkpoints (signed, RFC 3161 timestamped)",
                    "SELECT count() AS checkpoints, countIf(timestamp_token IS NOT NULL) AS timestamped,"
                            + " uniqExact(tenant, agent_id) AS agents FROM attestream.checkpoints");
            table(s, "policy and prompt changes without approver or ticket (auditor view changes_without_approval)",
                    "SELECT tenant, count() AS changes FROM attestream.changes_without_approval GROUP BY tenant"
                            + " ORDER BY tenant");
            table(s, "human overrides per tenant (auditor view overrides_per_agent_week)",
                    "SELECT tenant, sum(overrides) AS overrides FROM attestream.overrides_per_agent_week"
                            + " GROUP BY tenant ORDER BY tenant");
            table(s, "dead letters by reason", "SELECT reason, count() AS records FROM attestream.dead_letters"
                    + " GROUP BY reason ORDER BY records DESC");
            table(s, "drift alerts", "SELECT count() AS alerts FROM attestream.drift_alerts");
        }
        note(String.format("demo took %d s", Duration.between(began, Instant.now()).toSeconds()));
    }

    private void table(Statement s, String title, String sql) {
        note(title + ":");
        try (ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            StringBuilder header = new StringBuilder("    ");
            for (int c = 1; c <= columns; c++) {
                header.append(String.format("%-24s", rs.getMetaData().getColumnLabel(c)));
            }
            note(header.toString());
            int rows = 0;
            while (rs.next() && rows++ < 20) {
                StringBuilder row = new StringBuilder("    ");
                for (int c = 1; c <= columns; c++) {
                    row.append(String.format("%-24s", rs.getString(c)));
                }
                note(row.toString());
            }
        } catch (SQLException e) {
            note("    (query failed: " + e.getMessage() + ")");
        }
    }
}
