package io.attestream.deploy.stack.junit;

import io.attestream.deploy.stack.internal.ChildClasspath;
import io.attestream.deploy.stack.internal.Downloads;
import io.attestream.deploy.stack.internal.JavaRuntimes;
import io.attestream.deploy.stack.internal.Ports;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

/**
 * A Kafka 4.4 KRaft cluster of N nodes on 127.0.0.1 for fault tests: every node is broker and controller (a
 * controller quorum of N voters), runs as its own OS process ({@code kafka.Kafka}, this JVM's classpath, as the
 * local stack's broker), and can be killed with SIGKILL and restarted on the same data directory and ports.
 *
 * <p>Replication is production-like: every topic, the consumer offsets and the transaction log get replication
 * factor {@code min(3, N)} and {@code min.insync.replicas = rf - 1} (3 and 2 for three nodes), so one node may be down
 * without any acks=all write failing. A node that comes back must catch up before it is in-sync again:
 * {@link #awaitFullIsr(Duration)} waits for that, which a fault test does before it kills the next node.
 *
 * <p>If the test JVM dies without {@link #close()}, an {@link OrphanWatchdog} per node process stops it.
 */
public final class KafkaCluster implements AutoCloseable {
    /** Per-node heap: three nodes plus the pipeline fit a 2-core test machine. */
    private static final String HEAP = "-Xmx384m";

    private final Path dir;
    private final int size;
    private final int[] clientPorts;
    private final int[] controllerPorts;
    private final String clusterId;
    private final String argFile;
    private final Process[] processes;
    private final Process[] watchdogs;
    private final int[] starts;
    private boolean closed;

    private KafkaCluster(Path dir, int size) {
        this.dir = dir;
        this.size = size;
        this.clientPorts = new int[size];
        this.controllerPorts = new int[size];
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < size; i++) {
            clientPorts[i] = freshPort(taken);
            controllerPorts[i] = freshPort(taken);
        }
        this.clusterId = Uuid.randomUuid().toString();
        this.processes = new Process[size];
        this.watchdogs = new Process[size];
        this.starts = new int[size];
        ChildClasspath.require("kafka.Kafka", "the cluster needs org.apache.kafka:kafka_2.13 on the classpath");
        this.argFile = ChildClasspath.argFile(dir.resolve("classpath.args"));
    }

    /**
     * Formats and starts {@code nodes} nodes in a new temporary directory and waits until every one is a live broker.
     *
     * @param nodes how many (1 to 5)
     * @param timeout how long to wait for them
     * @return the running cluster
     */
    public static KafkaCluster start(int nodes, Duration timeout) {
        if (nodes < 1 || nodes > 5) {
            throw new IllegalArgumentException("nodes must be 1..5, was " + nodes);
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("attestream-kafka-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the Kafka cluster", e);
        }
        KafkaCluster cluster = new KafkaCluster(dir, nodes);
        try {
            for (int i = 0; i < nodes; i++) {
                cluster.format(i);
            }
            for (int i = 0; i < nodes; i++) {
                cluster.launch(i);
            }
            cluster.awaitBrokers(nodes, timeout);
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** @return the bootstrap servers of every node, {@code 127.0.0.1:p1,127.0.0.1:p2,...} */
    public String bootstrapServers() {
        return IntStream.of(clientPorts).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    /** @return the number of nodes */
    public int size() {
        return size;
    }

    /** @return the replication factor every topic gets: {@code min(3, size)} */
    public short replicationFactor() {
        return (short) Math.min(3, size);
    }

    /** @return the directory holding each node's config, data and log ({@code node-<i>/}) */
    public Path dir() {
        return dir;
    }

    /** @param node 0-based node index @return its Kafka node id (index + 1) */
    public int nodeId(int node) {
        checkIndex(node);
        return node + 1;
    }

    /** @param node 0-based node index @return whether its process is alive */
    public synchronized boolean isRunning(int node) {
        checkIndex(node);
        return processes[node] != null && processes[node].isAlive();
    }

    /** @param node 0-based node index @return the PID of its running process */
    public synchronized long pid(int node) {
        checkIndex(node);
        if (!isRunning(node)) {
            throw new IllegalStateException("node " + nodeId(node) + " is not running");
        }
        return processes[node].pid();
    }

    /**
     * Kills a node with SIGKILL (no shutdown hook, no flush, no controlled shutdown) and waits until it is gone.
     *
     * @param node 0-based node index
     */
    public synchronized void kill(int node) {
        checkIndex(node);
        Process p = processes[node];
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("node " + nodeId(node) + " is not running");
        }
        p.destroyForcibly(); // SIGKILL on Linux
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("node " + nodeId(node) + " survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing node " + nodeId(node), e);
        }
        watchdogs[node].destroy();
        log("node " + nodeId(node) + " killed with SIGKILL (pid " + p.pid() + ", exit " + p.exitValue() + ")");
    }

    /**
     * Starts a stopped node again on its data directory and ports, and waits until it is a live broker again.
     *
     * @param node 0-based node index
     * @param timeout how long to wait
     */
    public void restart(int node, Duration timeout) {
        synchronized (this) {
            checkIndex(node);
            if (isRunning(node)) {
                throw new IllegalStateException("node " + nodeId(node) + " is still running");
            }
            launch(node);
        }
        awaitBrokers(size, timeout);
    }

    /**
     * Creates a topic with the cluster's replication factor and waits until the node answering metadata knows it with
     * a leader and every replica in sync. The controller acknowledges a creation before the brokers have applied
     * its metadata record, so describing the topic right after {@code createTopics} can fail with
     * {@code UnknownTopicOrPartitionException}.
     *
     * @param name the topic
     * @param partitions how many partitions
     * @param timeout how long to wait
     * @return the topic as described once ready
     */
    public TopicDescription createTopic(String name, int partitions, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String problem = "not asked yet";
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(name, partitions,
                    replicationFactor()))).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            while (System.nanoTime() < deadline) {
                try {
                    TopicDescription topic = admin.describeTopics(List.of(name)).allTopicNames()
                            .get(10, TimeUnit.SECONDS).get(name);
                    List<TopicPartitionInfo> parts = topic.partitions();
                    boolean ready = parts.size() == partitions && parts.stream().allMatch(
                            p -> p.leader() != null && p.isr().size() == p.replicas().size());
                    if (ready) {
                        return topic;
                    }
                    problem = "partitions " + parts.size() + " of " + partitions + ", leaders or replicas not ready";
                } catch (ExecutionException | TimeoutException e) {
                    problem = e.toString();
                }
                sleep(250);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("topic " + name + " not ready after " + timeout + ": " + problem);
    }

    /**
     * Waits until every partition of every topic (internal ones included) has all its replicas in sync, i.e. a
     * restarted node has caught up and a further node may fail without a partition falling under
     * {@code min.insync.replicas}.
     *
     * @param timeout how long to wait
     * @return how long it took
     */
    public Duration awaitFullIsr(Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        String problem = "not asked yet";
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                try {
                    Set<String> names = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions()
                            .listInternal(true)).names().get(5, TimeUnit.SECONDS);
                    Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames()
                            .get(10, TimeUnit.SECONDS);
                    List<String> lagging = new ArrayList<>();
                    for (TopicDescription t : topics.values()) {
                        for (TopicPartitionInfo p : t.partitions()) {
                            if (p.isr().size() < p.replicas().size() || p.leader() == null) {
                                lagging.add(t.name() + "-" + p.partition() + " isr " + ids(p.isr()) + " of "
                                        + ids(p.replicas()));
                            }
                        }
                    }
                    if (lagging.isEmpty()) {
                        return Duration.ofNanos(System.nanoTime() - start);
                    }
                    problem = lagging.size() + " partition(s) under-replicated, e.g. " + lagging.get(0);
                } catch (ExecutionException | TimeoutException e) {
                    problem = e.toString();
                }
                sleep(250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("replicas not all in sync after " + timeout + ": " + problem);
    }

    /** Stops every running node with SIGTERM (SIGKILL after 30 s) and deletes the directory unless kept. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : processes) {
            if (p != null && p.isAlive()) {
                p.destroy();
            }
        }
        for (int i = 0; i < size; i++) {
            Process p = processes[i];
            if (p != null) {
                try {
                    if (!p.waitFor(30, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
            if (watchdogs[i] != null) {
                watchdogs[i].destroy();
            }
        }
        if (!Boolean.getBoolean(EmbeddedStack.KEEP_PROPERTY)) {
            try {
                Downloads.deleteTree(dir);
            } catch (IOException e) {
                log("could not delete " + dir + ": " + e.getMessage());
            }
        }
    }

    private void format(int node) {
        Path nodeDir = nodeDir(node);
        try {
            Files.createDirectories(nodeDir.resolve("data"));
            Files.createDirectories(nodeDir.resolve("tmp"));
            Files.writeString(nodeDir.resolve("server.properties"), serverProperties(node), StandardCharsets.UTF_8);
            Files.writeString(nodeDir.resolve("log4j2.properties"), LOG4J2, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the config of node " + nodeId(node), e);
        }
        List<String> cmd = jvm(node);
        cmd.addAll(List.of("kafka.tools.StorageTool", "format", "-t", clusterId,
                "-c", nodeDir.resolve("server.properties").toString()));
        try {
            Process p = new ProcessBuilder(cmd).directory(nodeDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(nodeDir.resolve("node.log").toFile())).start();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("formatting node " + nodeId(node) + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("formatting node " + nodeId(node) + " failed (exit " + p.exitValue()
                        + "), see " + nodeDir.resolve("node.log"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kafka.tools.StorageTool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while formatting node " + nodeId(node), e);
        }
    }

    private synchronized void launch(int node) {
        Path nodeDir = nodeDir(node);
        List<String> cmd = jvm(node);
        cmd.add("kafka.Kafka");
        cmd.add(nodeDir.resolve("server.properties").toString());
        Path log = nodeDir.resolve("node.log");
        try {
            Files.writeString(log, "---- " + Instant.now() + " start #" + (starts[node] + 1) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Process p = new ProcessBuilder(cmd).directory(nodeDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            processes[node] = p;
            watchdogs[node] = OrphanWatchdog.watch(ProcessHandle.current().pid(), List.of(p.pid()));
            starts[node]++;
            log("node " + nodeId(node) + " started (pid " + p.pid() + ", client port " + clientPorts[node]
                    + ", start #" + starts[node] + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + nodeId(node), e);
        }
    }

    private List<String> jvm(int node) {
        Path nodeDir = nodeDir(node);
        List<String> cmd = new ArrayList<>();
        cmd.add(JavaRuntimes.current().java().toString());
        cmd.add(HEAP);
        cmd.add("-XX:+UseG1GC");
        cmd.add("-XX:MaxGCPauseMillis=20");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-Duser.timezone=UTC");
        cmd.add("-Djava.io.tmpdir=" + nodeDir.resolve("tmp"));
        cmd.add("-Dkafka.logs.dir=" + nodeDir);
        cmd.add("-Dlog4j2.configurationFile=" + nodeDir.resolve("log4j2.properties"));
        cmd.add("-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider");
        cmd.add(argFile);
        return cmd;
    }

    private String serverProperties(int node) {
        short rf = replicationFactor();
        int minIsr = Math.max(1, rf - 1);
        String voters = IntStream.range(0, size).mapToObj(i -> nodeId(i) + "@127.0.0.1:" + controllerPorts[i])
                .collect(Collectors.joining(","));
        return String.join("\n",
                "# Written by KafkaCluster (test fixture).",
                "process.roles=broker,controller",
                "node.id=" + nodeId(node),
                "controller.quorum.voters=" + voters,
                "listeners=PLAINTEXT://127.0.0.1:" + clientPorts[node] + ",CONTROLLER://127.0.0.1:"
                        + controllerPorts[node],
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + clientPorts[node],
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + nodeDir(node).resolve("data"),
                "num.partitions=1",
                "default.replication.factor=" + rf,
                "min.insync.replicas=" + minIsr,
                "offsets.topic.replication.factor=" + rf,
                "offsets.topic.num.partitions=6",
                "transaction.state.log.replication.factor=" + rf,
                "transaction.state.log.min.isr=" + minIsr,
                "transaction.state.log.num.partitions=6",
                "share.coordinator.state.topic.replication.factor=" + rf,
                "share.coordinator.state.topic.min.isr=" + minIsr,
                "unclean.leader.election.enable=false",
                "group.initial.rebalance.delay.ms=0",
                // A killed follower leaves the ISR after this long without fetching; the default is 30 s.
                "replica.lag.time.max.ms=10000",
                "log.retention.ms=-1",
                "num.network.threads=2",
                "num.io.threads=4",
                "background.threads=4",
                "") + "\n";
    }

    private void awaitBrokers(int wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String problem = "not asked yet";
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                for (int i = 0; i < size; i++) {
                    Process p;
                    synchronized (this) {
                        p = processes[i];
                    }
                    if (p != null && !p.isAlive() && p.exitValue() != 137) {
                        throw new IllegalStateException("node " + nodeId(i) + " exited with " + p.exitValue()
                                + "; see " + nodeDir(i).resolve("node.log") + " and server.log");
                    }
                }
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                            .nodes().get(5, TimeUnit.SECONDS);
                    if (nodes.size() >= wanted) {
                        return;
                    }
                    problem = "brokers " + ids(nodes) + " of " + wanted;
                } catch (ExecutionException | TimeoutException e) {
                    problem = e.toString();
                }
                sleep(250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("the Kafka cluster in " + dir + " is not up after " + timeout + ": " + problem);
    }

    private Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 8000,
                AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 100,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500));
    }

    private Path nodeDir(int node) {
        return dir.resolve("node-" + nodeId(node));
    }

    private void checkIndex(int node) {
        if (node < 0 || node >= size) {
            throw new IllegalArgumentException("node index " + node + " outside 0.." + (size - 1));
        }
    }

    private static String ids(Collection<Node> nodes) {
        return nodes.stream().map(n -> Integer.toString(n.id())).sorted().collect(Collectors.joining(",", "[", "]"));
    }

    private static int freshPort(Set<Integer> taken) {
        while (true) {
            int p = Ports.freePort();
            if (taken.add(p)) {
                return p;
            }
        }
    }

    private static void sleep(long ms) throws InterruptedException {
        Thread.sleep(ms);
    }

    private static void log(String line) {
        System.out.println(String.format(Locale.ROOT, "[kafka-cluster] %s", line));
    }

    private static final String LOG4J2 = String.join("\n",
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
            "appender.file.strategy.max = 3",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = file",
            "logger.kafkaRequest.name = kafka.request.logger",
            "logger.kafkaRequest.level = WARN",
            "") + "\n";
}
