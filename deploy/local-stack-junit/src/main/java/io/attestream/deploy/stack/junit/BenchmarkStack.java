package io.attestream.deploy.stack.junit;

import static java.util.Objects.requireNonNull;

import io.attestream.deploy.stack.LocalStack;
import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.internal.Ports;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;

/**
 * The stack a benchmark's {@code main} runs against: the running stack named by {@code --endpoints FILE}, or a
 * fresh local stack on free ports (stopped by {@link #close}). Also the one baseline producer configuration the
 * benchmarks compare against. For benchmarks in test sources only, like the rest of this module.
 */
public final class BenchmarkStack implements AutoCloseable {
    private final StackEndpoints endpoints;
    private final LocalStack started;

    private BenchmarkStack(StackEndpoints endpoints, LocalStack started) {
        this.endpoints = endpoints;
        this.started = started;
    }

    /**
     * Benchmark options given as {@code --name value} pairs.
     *
     * @param args the command line
     * @return option name (with its dashes) to value
     */
    public static Map<String, String> options(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        return a;
    }

    /**
     * Attaches to {@code --endpoints FILE} when given, otherwise starts a local stack in {@code dir/stack}.
     *
     * @param options from {@link #options}
     * @param dir a scratch directory
     * @return the stack; close it when done
     * @throws IOException when the endpoints file cannot be read or no port is free
     */
    public static BenchmarkStack startOrAttach(Map<String, String> options, Path dir) throws IOException {
        requireNonNull(options, "options");
        requireNonNull(dir, "dir");
        if (options.containsKey("--endpoints")) {
            return new BenchmarkStack(StackEndpoints.load(Path.of(options.get("--endpoints"))), null);
        }
        Set<Integer> ports = new HashSet<>();
        while (ports.size() < 5) {
            ports.add(Ports.freePort());
        }
        Integer[] p = ports.toArray(Integer[]::new);
        LocalStack local = new LocalStack(StackConfig.builder(dir.resolve("stack")).kafkaPort(p[0])
                .kafkaControllerPort(p[1]).registryPort(p[2]).registryManagementPort(p[3]).clickHousePort(p[4])
                .witness(false).detach(false).build(), System.out::println);
        return new BenchmarkStack(local.up(), local);
    }

    /**
     * The raw producer every throughput figure is compared with: acks=all, idempotent, linger 5 ms.
     *
     * @param stack where the broker runs
     * @return producer configuration (add serializers)
     */
    public static Map<String, Object> rawProducerConfig(StackEndpoints stack) {
        Map<String, Object> pp = new HashMap<>();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        pp.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return pp;
    }

    /**
     * Creates topics (replication factor 1) and returns once every partition is served by its leader, i.e. answers a
     * ListOffsets request. Producing right after {@code createTopics} returns hits partitions the broker has not yet
     * opened: the first batch fails with NOT_LEADER_OR_FOLLOWER, a later in-flight batch of the same idempotent
     * producer is appended first (the broker has no producer state yet), and every retry of the first one then fails
     * with OUT_OF_ORDER_SEQUENCE_NUMBER until delivery.timeout.ms drops it (KAFKA-14359, KAFKA-15591): the baseline
     * collapses and loses records. Waiting for the leaders avoids that state.
     *
     * @param stack      where the broker runs
     * @param partitions partitions per topic
     * @param topics     the topics
     * @throws IllegalStateException when a partition has no serving leader after 60 s
     */
    public static void createTopics(StackEndpoints stack, int partitions, Collection<String> topics)
            throws InterruptedException {
        requireNonNull(stack, "stack");
        requireNonNull(topics, "topics");
        List<NewTopic> create = new ArrayList<>();
        Map<TopicPartition, OffsetSpec> probe = new HashMap<>();
        for (String t : topics) {
            create.add(new NewTopic(t, partitions, (short) 1));
            for (int p = 0; p < partitions; p++) {
                probe.put(new TopicPartition(t, p), OffsetSpec.latest());
            }
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            try {
                admin.createTopics(create).all().get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("creating " + topics + " failed: " + e.getCause(), e.getCause());
            }
            long deadline = System.currentTimeMillis() + 60_000;
            while (true) {
                try {
                    admin.listOffsets(probe).all().get();
                    return;
                } catch (ExecutionException e) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("partitions of " + topics + " have no serving leader after "
                                + "60 s: " + e.getCause(), e.getCause());
                    }
                    Thread.sleep(50);
                }
            }
        }
    }

    /**
     * Where the stack answers.
     *
     * @return the endpoints
     */
    public StackEndpoints endpoints() {
        return endpoints;
    }

    /** Stops the stack if this started it; an attached stack keeps running. */
    @Override
    public void close() {
        if (started != null) {
            started.down();
        }
    }
}
