package io.attestream.deploy.stack.junit;

import static java.util.Objects.requireNonNull;

import io.attestream.deploy.stack.internal.ChildClasspath;
import io.attestream.deploy.stack.internal.DaemonProcess;
import io.attestream.deploy.stack.internal.JavaRuntimes;
import io.attestream.deploy.stack.internal.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * A single Kafka 4.x broker (KRaft combined mode, one JVM, like the local stack's) whose only client listener is
 * {@code SASL_SSL} with SCRAM-SHA-512 over TLS, for tests that must prove a stage works against a secured cluster.
 *
 * <p>Listeners: {@code SASL_SSL} on 127.0.0.1 (the one in {@link #bootstrapServers()}, TLS with the certificate of
 * {@link KafkaTlsMaterial}, clients authenticate with SCRAM-SHA-512); {@code INTERNAL}, SASL_PLAINTEXT with
 * SCRAM-SHA-512 as user {@value #BROKER_USER}, for inter-broker traffic; {@code CONTROLLER}, PLAINTEXT, for the
 * KRaft quorum. No listener accepts an unauthenticated client. SCRAM credentials are written as KRaft bootstrap
 * records when the storage is formatted ({@code kafka-storage format --add-scram}, KIP-900), so they exist before
 * the first listener opens. No authorizer is configured: authentication is tested here, ACLs are not.
 *
 * <p>The broker is a child of the test JVM, started from this JVM's classpath (which holds {@code kafka_2.13}),
 * stopped by {@link #close()}; an orphan watchdog stops it if the test JVM dies first.
 */
public final class SecuredKafka implements AutoCloseable {
    /** The SASL mechanism of every listener. */
    public static final String MECHANISM = "SCRAM-SHA-512";
    /** The user the broker authenticates as on its inter-broker listener. */
    public static final String BROKER_USER = "broker";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Path dir;
    private final int port;
    private final KafkaTlsMaterial tls;
    private final Process process;
    private final Process watchdog;

    private SecuredKafka(Path dir, int port, KafkaTlsMaterial tls, Process process, Process watchdog) {
        this.dir = dir;
        this.port = port;
        this.tls = tls;
        this.process = process;
        this.watchdog = watchdog;
    }

    /**
     * Formats storage with the given SCRAM users, starts the broker and waits until {@code adminUser} can
     * describe the cluster through the {@code SASL_SSL} listener.
     *
     * @param dir empty or missing directory for the broker's data, config, TLS stores and log
     * @param users SCRAM-SHA-512 users, name to password ({@code [A-Za-z0-9._-]+} each); must not name
     *     {@value #BROKER_USER}
     * @param adminUser one of {@code users}, used for the readiness probe
     * @return the running broker
     */
    public static SecuredKafka start(Path dir, Map<String, String> users, String adminUser) {
        requireNonNull(dir, "dir");
        requireNonNull(users, "users");
        if (!users.containsKey(adminUser)) {
            throw new IllegalArgumentException("adminUser " + adminUser + " is not among the users " + users.keySet());
        }
        if (users.containsKey(BROKER_USER)) {
            throw new IllegalArgumentException("user " + BROKER_USER + " is the broker's own");
        }
        users.forEach((name, password) -> {
            if (!SAFE.matcher(name).matches() || !SAFE.matcher(password).matches()) {
                throw new IllegalArgumentException("SCRAM user names and passwords must match " + SAFE
                        + " (they go into JAAS and --add-scram text): " + name);
            }
        });
        try {
            Files.createDirectories(dir.resolve("data"));
            Files.createDirectories(dir.resolve("tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        KafkaTlsMaterial tls = KafkaTlsMaterial.generate(dir.resolve("tls"));
        String brokerPassword = Uuid.randomUuid().toString().replace("-", "");
        int port = Ports.freePort();
        int internal = Ports.freePort();
        int controller = Ports.freePort();
        Path config = dir.resolve("server.properties");
        Path log = dir.resolve("kafka.out");
        try {
            Files.writeString(config, serverProperties(dir.resolve("data"), port, internal, controller, tls,
                    brokerPassword), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("log4j2.properties"), LOG4J2, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the broker config under " + dir, e);
        }
        String argFile = ChildClasspath.argFile(dir.resolve("classpath.args"));

        List<String> format = jvm(dir, argFile);
        format.addAll(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                "-c", config.toString()));
        Map<String, String> all = new LinkedHashMap<>(users);
        all.put(BROKER_USER, brokerPassword);
        all.forEach((name, password) -> {
            format.add("--add-scram");
            format.add(MECHANISM + "=[name=" + name + ",password=" + password + "]");
        });
        run(format, dir, log);

        List<String> cmd = jvm(dir, argFile);
        cmd.add("kafka.Kafka");
        cmd.add(config.toString());
        Process process;
        try {
            process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the secured Kafka broker", e);
        }
        Process watchdog = OrphanWatchdog.watch(ProcessHandle.current().pid(), List.of(process.pid()));
        SecuredKafka kafka = new SecuredKafka(dir, port, tls, process, watchdog);
        try {
            kafka.awaitReady(adminUser, users.get(adminUser));
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
        return kafka;
    }

    /** @return {@code 127.0.0.1:port} of the SASL_SSL listener, the only one clients use */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** @return the CA, broker key store and client trust store of this run */
    public KafkaTlsMaterial tls() {
        return tls;
    }

    /** @return the broker's log4j2 log (its stdout and stderr, and the storage format output, go to kafka.out) */
    public Path logFile() {
        return dir.resolve("server.log");
    }

    /**
     * The Kafka client keys that connect as {@code user} through the SASL_SSL listener: what an operator puts
     * in a stage's configuration (docs/operations.md, Security), without {@code bootstrap.servers}.
     *
     * @param user SCRAM user name
     * @param password its password
     * @return {@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config} and the
     *     {@code ssl.truststore.*} keys
     */
    public Map<String, String> clientProperties(String user, String password) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        p.put(SaslConfigs.SASL_MECHANISM, MECHANISM);
        p.put(SaslConfigs.SASL_JAAS_CONFIG, jaas(user, password));
        p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, tls.trustStore().toString());
        p.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, tls.password());
        p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        return p;
    }

    /**
     * @param user SCRAM user name
     * @param password its password
     * @return {@link #clientProperties} plus {@code bootstrap.servers}
     */
    public Map<String, Object> adminProperties(String user, String password) {
        Map<String, Object> p = new HashMap<>(clientProperties(user, password));
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 20 s) and its watchdog. */
    @Override
    public void close() {
        DaemonProcess.stop(process.toHandle(), Duration.ofSeconds(20));
        watchdog.destroy();
    }

    private void awaitReady(String user, String password) {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        Map<String, Object> props = adminProperties(user, password);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 100);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        String problem = "port " + port + " not open";
        while (!Ports.answers(port)) {
            checkStarting(deadline, problem);
            pause();
        }
        try (Admin admin = Admin.create(props)) {
            while (true) {
                checkStarting(deadline, problem);
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(4000))
                            .nodes().get(6, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                    problem = "describeCluster returned no broker";
                } catch (ExecutionException | TimeoutException e) {
                    problem = "describeCluster as " + user + ": " + e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the secured broker", e);
                }
                pause();
            }
        }
    }

    private void checkStarting(Instant deadline, String problem) {
        if (!process.isAlive()) {
            throw new IllegalStateException("the secured Kafka broker exited (" + process.exitValue() + "); last "
                    + "log lines of " + logFile() + ":\n" + DaemonProcess.tail(logFile(), 40));
        }
        if (Instant.now().isAfter(deadline)) {
            throw new IllegalStateException("the secured Kafka broker was not ready within " + START_TIMEOUT + " ("
                    + problem + "); last log lines of " + logFile() + ":\n" + DaemonProcess.tail(logFile(), 40));
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the secured broker", e);
        }
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    private static List<String> jvm(Path dir, String argFile) {
        List<String> cmd = new ArrayList<>();
        cmd.add(JavaRuntimes.current().java().toString());
        cmd.add("-Xmx384m");
        cmd.add("-XX:+UseG1GC");
        cmd.add("-XX:MaxGCPauseMillis=20");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-Duser.timezone=UTC");
        cmd.add("-Djava.io.tmpdir=" + dir.resolve("tmp"));
        cmd.add("-Dkafka.logs.dir=" + dir);
        cmd.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"));
        cmd.add("-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider");
        cmd.add(argFile);
        return cmd;
    }

    private static void run(List<String> cmd, Path dir, Path log) {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("formatting the secured broker's storage timed out; see " + log);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("formatting the secured broker's storage failed (exit "
                        + p.exitValue() + "):\n" + DaemonProcess.tail(log, 30));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kafka.tools.StorageTool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while formatting the secured broker's storage", e);
        }
    }

    private static String serverProperties(Path data, int port, int internal, int controller, KafkaTlsMaterial tls,
            String brokerPassword) {
        String scram = "org.apache.kafka.common.security.scram.ScramLoginModule required";
        return String.join("\n",
                "# Written by SecuredKafka (deploy/local-stack-junit) for one test run.",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=SASL_SSL://127.0.0.1:" + port + ",INTERNAL://127.0.0.1:" + internal
                        + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=SASL_SSL://127.0.0.1:" + port + ",INTERNAL://127.0.0.1:" + internal,
                "listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=INTERNAL",
                "sasl.enabled.mechanisms=" + MECHANISM,
                "sasl.mechanism.inter.broker.protocol=" + MECHANISM,
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=" + scram + ";",
                "listener.name.internal.scram-sha-512.sasl.jaas.config=" + scram + " username=\"" + BROKER_USER
                        + "\" password=\"" + brokerPassword + "\";",
                "listener.name.sasl_ssl.ssl.keystore.location=" + tls.brokerKeyStore(),
                "listener.name.sasl_ssl.ssl.keystore.password=" + tls.password(),
                "listener.name.sasl_ssl.ssl.key.password=" + tls.password(),
                "listener.name.sasl_ssl.ssl.keystore.type=PKCS12",
                "listener.name.sasl_ssl.ssl.client.auth=none",
                "log.dirs=" + data,
                "num.partitions=1",
                "default.replication.factor=1",
                "min.insync.replicas=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.retention.ms=-1",
                "") + "\n";
    }

    private static final String LOG4J2 = String.join("\n",
            "status = warn",
            "appender.file.type = File",
            "appender.file.name = file",
            "appender.file.fileName = ${sys:kafka.logs.dir}/server.log",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = file",
            "logger.kafkaRequest.name = kafka.request.logger",
            "logger.kafkaRequest.level = WARN",
            "") + "\n";
}
