package io.attestream.deploy.stack.internal;

import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * A Kafka 4.4 broker in KRaft combined mode (broker and controller in one JVM), single-node
 * settings, formatted on first start. It runs {@code kafka.Kafka} with this JVM's classpath, which
 * holds {@code kafka_2.13} and log4j2's SLF4J binding (see the module README).
 */
public final class KafkaService extends Service {
    /** Broker heap: NOTES.md measured ≈ 360 MB RSS idle with this. */
    private static final String HEAP = "-Xmx512m";

    /** @param config the stack settings */
    public KafkaService(StackConfig config) {
        super(config, "kafka");
    }

    @Override
    public int startOrder() {
        return 1;
    }

    @Override
    public List<Port> ports() {
        return List.of(new Port(config.kafkaPort(), StackConfig.KAFKA_PORT_CONFIG),
                new Port(config.kafkaControllerPort(), StackConfig.KAFKA_CONTROLLER_PORT_CONFIG));
    }

    @Override
    public void install(Consumer<String> progress) {
        ChildClasspath.require("kafka.Kafka", "the Kafka broker needs org.apache.kafka:kafka_2.13 on the classpath "
                + "(a dependency of attestream-local-stack)");
        ChildClasspath.require("org.apache.logging.slf4j.SLF4JServiceProvider", "the Kafka broker needs "
                + "org.apache.logging.log4j:log4j-slf4j2-impl on the classpath (a dependency of attestream-local-stack)");
    }

    @Override
    public List<String> prepare(Consumer<String> progress) {
        createDir();
        Path data = dir().resolve("data");
        Path tmp = dir().resolve("tmp");
        try {
            Files.createDirectories(data);
            Files.createDirectories(tmp);
            Files.writeString(dir().resolve("server.properties"), serverProperties(data), StandardCharsets.UTF_8);
            Files.writeString(dir().resolve("log4j2.properties"), LOG4J2, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StackException("cannot write kafka config under " + dir() + ": " + e.getMessage(), e);
        }
        String argFile = ChildClasspath.argFile(dir().resolve("classpath.args"));
        if (!Files.exists(data.resolve("meta.properties"))) {
            format(argFile, progress);
        }
        List<String> cmd = jvm(argFile);
        // Class-data sharing cuts the broker's boot CPU by ≈ 40 % (6.7-8.5 → 4.2-4.6 CPU-s measured).
        cmd.addAll(cmd.size() - 1, classDataSharing());
        cmd.add("kafka.Kafka");
        cmd.add(dir().resolve("server.properties").toString());
        return cmd;
    }

    private List<String> jvm(String argFile) {
        List<String> cmd = new ArrayList<>();
        cmd.add(JavaRuntimes.current().java().toString());
        cmd.add(HEAP);
        cmd.add("-XX:+UseG1GC");
        cmd.add("-XX:MaxGCPauseMillis=20");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-Duser.timezone=UTC");
        cmd.add("-Djava.io.tmpdir=" + dir().resolve("tmp"));
        cmd.add("-Dkafka.logs.dir=" + dir());
        cmd.add("-Dlog4j2.configurationFile=" + dir().resolve("log4j2.properties"));
        // Test classpaths may hold several SLF4J providers; the broker logs through log4j2.
        cmd.add("-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider");
        cmd.add(argFile);
        return cmd;
    }

    /**
     * JDK 17 archives classes only from jars (a classes directory, as in a test classpath, makes
     * the dump fail), and an archive is valid only for the jars it was made from: its name carries
     * a hash of their paths, sizes and times. The first start dumps it at exit; later starts map
     * it. A stale or torn archive is rejected by the JVM, which then runs without it.
     */
    private List<String> classDataSharing() {
        List<Path> entries = ChildClasspath.entries();
        if (entries.isEmpty() || !entries.stream().allMatch(Files::isRegularFile)) {
            return List.of();
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path p : entries) {
                md.update((p + "|" + Files.size(p) + "|" + Files.getLastModifiedTime(p).toMillis() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            String name = "kafka-jdk" + Runtime.version().feature() + "-"
                    + HexFormat.of().formatHex(md.digest()).substring(0, 16) + ".jsa";
            Path archive = dir().resolve(name);
            if (Files.isRegularFile(archive)) {
                return List.of("-XX:SharedArchiveFile=" + archive);
            }
            try (DirectoryStream<Path> old = Files.newDirectoryStream(dir(), "kafka-jdk*.jsa")) {
                for (Path p : old) {
                    Files.deleteIfExists(p);
                }
            }
            return List.of("-XX:ArchiveClassesAtExit=" + archive);
        } catch (IOException | NoSuchAlgorithmException e) {
            return List.of();
        }
    }

    /** A kill during the exit-time archive dump may leave a torn archive: the next start dumps anew. */
    @Override
    public void afterKill() {
        try (DirectoryStream<Path> archives = Files.newDirectoryStream(dir(), "kafka-jdk*.jsa")) {
            for (Path p : archives) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // the JVM rejects a bad archive on its own and runs without it
        }
    }

    private void format(String argFile, Consumer<String> progress) {
        String clusterId = Uuid.randomUuid().toString();
        progress.accept("formatting kafka storage in " + dir().resolve("data") + " (cluster id " + clusterId + ")");
        List<String> cmd = jvm(argFile);
        cmd.addAll(List.of("kafka.tools.StorageTool", "format", "-t", clusterId,
                "-c", dir().resolve("server.properties").toString(), "--ignore-formatted"));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir().toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new StackException("formatting kafka storage timed out; output:\n" + out);
            }
            Files.writeString(logFile(), out, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (p.exitValue() != 0) {
                throw new StackException("formatting kafka storage in " + dir().resolve("data") + " failed (exit "
                        + p.exitValue() + "):\n" + out.strip());
            }
        } catch (IOException e) {
            throw new StackException("cannot run kafka.tools.StorageTool: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while formatting kafka storage", e);
        }
    }

    private String serverProperties(Path data) {
        int port = config.kafkaPort();
        int controller = config.kafkaControllerPort();
        return String.join("\n",
                "# Written by 'attestream stack up' on every start: edit StackConfig, not this file.",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
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

    @Override
    public void awaitReady(ProcessHandle process, Instant deadline) {
        String problem = "port " + config.kafkaPort() + " not open";
        while (!Ports.answers(config.kafkaPort())) {
            checkStillStarting(process, deadline, problem);
            pause();
        }
        // The listener accepts connections before the broker serves requests: short timeouts and
        // one client reused, so a too-early probe costs 2 s, not a full default request timeout.
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + config.kafkaPort(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 100,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500))) {
            while (true) {
                checkStillStarting(process, deadline, problem);
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                            .nodes().get(5, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                    problem = "describeCluster returned no broker";
                } catch (ExecutionException | TimeoutException e) {
                    problem = "describeCluster: " + e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StackException("interrupted while waiting for kafka", e);
                }
                pause();
            }
        }
    }

    @Override
    public String endpoint() {
        return "127.0.0.1:" + config.kafkaPort() + " (controller 127.0.0.1:" + config.kafkaControllerPort() + ")";
    }

    private static final String LOG4J2 = String.join("\n",
            "# Written by 'attestream stack up': the broker's log, rolled at 20 MB, 5 files kept.",
            "status = warn",
            "appender.file.type = RollingFile",
            "appender.file.name = file",
            "appender.file.fileName = ${sys:kafka.logs.dir}/server.log",
            "appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = [%d] %p %m (%c)%n",
            "appender.file.policies.type = Policies",
            "appender.file.policies.size.type = SizeBasedTriggeringPolicy",
            "appender.file.policies.size.size = 20MB",
            "appender.file.strategy.type = DefaultRolloverStrategy",
            "appender.file.strategy.max = 5",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = file",
            "logger.kafkaRequest.name = kafka.request.logger",
            "logger.kafkaRequest.level = WARN",
            "") + "\n";
}
