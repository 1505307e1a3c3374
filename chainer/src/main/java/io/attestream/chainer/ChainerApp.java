package io.attestream.chainer;

import static java.util.Objects.requireNonNull;

import io.attestream.chainer.internal.ChainerMetrics;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.integrity.HttpTimestampAuthority;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.TimestampAuthority;
import io.attestream.runtime.HealthServer;
import io.attestream.runtime.Readiness;
import io.attestream.runtime.StageMetrics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires and runs one chainer instance: reads the key and TSA, checks and creates topics, starts Kafka Streams with
 * the topology, serves metrics, and blocks until the instance stops. Used by {@link ChainerCommand}.
 */
public final class ChainerApp {
    private static final Logger LOG = LoggerFactory.getLogger(ChainerApp.class);

    /** How a run ended. */
    public enum Outcome {
        /** Stopped on request (SIGTERM, {@link #stop()}). */
        STOPPED,
        /** Stopped by an error (the log says which). */
        FAILED,
        /** A start-up check found the topics inconsistent (re-key partitions differ from the input's). */
        CHECK_FAILED
    }

    private final ChainerConfig config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile KafkaStreams streams;
    private volatile boolean stopRequested;
    private volatile HealthServer health;

    /** @param config the validated configuration */
    public ChainerApp(ChainerConfig config) {
        this.config = requireNonNull(config, "config");
    }

    /** The signing key named by the configuration. */
    public static SigningKey signingKey(ChainerConfig config) {
        return SigningKey.readPkcs8Pem(config.signingKeyName(), config.signingKeyFile());
    }

    /** The TSA named by the configuration, or empty for {@code chainer.tsa.mode=none}. */
    public static Optional<TimestampAuthority> timestampAuthority(ChainerConfig config) {
        switch (config.tsaMode()) {
            case ChainerConfig.TSA_MODE_EMBEDDED:
                LOG.warn("{}={}: checkpoints are timestamped by the self-signed development TSA in {}. Its tokens "
                        + "prove nothing to an auditor: the operator holds its key and CA and could issue any time. "
                        + "Use {}=url with an independent RFC 3161 TSA for evidence.", ChainerConfig.TSA_MODE_CONFIG,
                        ChainerConfig.TSA_MODE_EMBEDDED, config.getString(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG),
                        ChainerConfig.TSA_MODE_CONFIG);
                return Optional.of(EmbeddedTimestampAuthority.load(
                        Path.of(config.getString(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG)), Clock.systemUTC()));
            case ChainerConfig.TSA_MODE_URL:
                String policy = config.getString(ChainerConfig.TSA_POLICY_CONFIG);
                return Optional.of(new HttpTimestampAuthority(URI.create(config.getString(ChainerConfig.TSA_URL_CONFIG)),
                        Duration.ofMillis(config.getLong(ChainerConfig.TSA_TIMEOUT_MS_CONFIG)),
                        policy.isBlank() ? null : policy));
            default:
                return Optional.empty();
        }
    }

    /**
     * Runs until stopped or failed.
     *
     * @return how the run ended
     */
    public Outcome run() throws InterruptedException {
        long startedAt = System.nanoTime();
        Properties props = config.streamsProperties();
        // The topic check (an admin client's round trips) runs while this thread loads the key, the TSA and the
        // registry client: start-up time is most of a restarted instance's recovery (docs/operations.md "Failures
        // and recovery"). A failure here cancels the check, so a bad key is reported at once as before.
        FutureTask<Integer> topicCheck = new FutureTask<>(() -> prepareTopics(props));
        Thread checker = new Thread(topicCheck, "chainer-topic-check");
        checker.setDaemon(true);
        checker.start();
        SigningKey key;
        Optional<TimestampAuthority> tsa;
        SchemaRegistryClient registry;
        try {
            key = signingKey(config);
            tsa = timestampAuthority(config);
            registry = new SchemaRegistryClient(config.registryConfig());
        } catch (RuntimeException | Error e) {
            topicCheck.cancel(true);
            throw e;
        }
        long loadedAt = System.nanoTime();
        int partitions;
        try {
            partitions = topicCheck.get();
        } catch (InterruptedException e) {
            topicCheck.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalStateException) {
                LOG.error("start-up check failed: {}", cause.getMessage());
                return Outcome.CHECK_FAILED;
            }
            if (cause instanceof InterruptedException) {
                throw (InterruptedException) cause;
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new ChainerException("start-up check failed: " + cause, cause);
        }
        long checkedAt = System.nanoTime();
        PrometheusMeterRegistry meters = StageMetrics.newRegistry();
        Topology topology = ChainerTopology.buildTopology(config, registry, key, tsa, meters, partitions);
        LOG.debug("chainer topology:\n{}", topology.describe());
        KafkaStreams ks = new KafkaStreams(topology, props);
        streams = ks;
        LOG.info("chainer start-up: key, TSA and registry client {} ms, topic check done {} ms after start (in"
                + " parallel), topology and Kafka Streams built {} ms after start", millis(loadedAt - startedAt),
                millis(checkedAt - startedAt), millis(System.nanoTime() - startedAt));
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(ks);
        streamsMetrics.bindTo(meters);
        StageMetrics.registerLag(meters, ChainerMetrics.STAGE, ks::metrics);
        HealthServer server;
        try {
            server = HealthServer.start(config, meters, this::readiness, this::liveness);
        } catch (RuntimeException e) {
            ks.close();
            streamsMetrics.close();
            throw e;
        }
        health = server;
        long[] backoff = {1000};
        boolean[] runningSeen = {false};
        ks.setUncaughtExceptionHandler(e -> {
            if (causeOf(e, ChainerException.RegistryUnavailableException.class)) {
                LOG.warn("schema registry unavailable; replacing the stream thread in {} ms: {}", backoff[0],
                        e.getMessage());
                sleep(backoff[0]);
                backoff[0] = Math.min(backoff[0] * 2, 30_000);
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            LOG.error("chainer failed, shutting down: {}", e.toString(), e);
            failure.compareAndSet(null, e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        String runningLine = String.format(Locale.ROOT, "chainer RUNNING: application.id %s, input %s (%d partitions),"
                + " %s stream thread(s), chained to %s, checkpoints every %d events or %d ms",
                props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG), config.inputTopic(), partitions,
                props.getProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1"), config.chainedTopic(),
                config.getLong(ChainerConfig.CHECKPOINT_EVERY_EVENTS_CONFIG),
                config.getLong(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG));
        ks.setStateListener((now, before) -> {
            // One INFO line when it first runs, a short one after each rebalance; the other transitions are DEBUG.
            if (now == KafkaStreams.State.RUNNING) {
                if (runningSeen[0]) {
                    LOG.info("chainer back to RUNNING after {}", before);
                } else {
                    LOG.info(runningLine);
                }
                runningSeen[0] = true;
                backoff[0] = 1000;
            } else {
                LOG.debug("chainer state {} -> {}", before, now);
            }
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        try {
            ks.start();
            if (server != null) {
                LOG.info("chainer probes and metrics at {} (/live, /ready, /metrics)", server.uri());
            }
            stopped.await();
        } finally {
            ks.close(Duration.ofSeconds(30));
            streamsMetrics.close();
            if (server != null) {
                server.close();
            }
        }
        return failure.get() != null || !stopRequested ? Outcome.FAILED : Outcome.STOPPED;
    }

    /** {@code /ready}: up only while Kafka Streams is RUNNING (connected, tasks assigned and processing). */
    public Readiness.Status readiness() {
        KafkaStreams ks = streams;
        if (ks == null) {
            return Readiness.Status.down("not started");
        }
        KafkaStreams.State state = ks.state();
        return new Readiness.Status(state == KafkaStreams.State.RUNNING, "streams " + state);
    }

    /** {@code /live}: down once Kafka Streams failed (ERROR or PENDING_ERROR), so the orchestrator restarts it. */
    public Readiness.Status liveness() {
        KafkaStreams ks = streams;
        KafkaStreams.State state = ks == null ? KafkaStreams.State.CREATED : ks.state();
        return new Readiness.Status(state != KafkaStreams.State.ERROR && state != KafkaStreams.State.PENDING_ERROR,
                "streams " + state);
    }

    /** @return the probe server's port, or -1 when none runs (metrics.port=-1 or not started) */
    public int healthPort() {
        HealthServer h = health;
        return h == null ? -1 : h.port();
    }

    /** Asks a running instance to stop (what the shutdown hook calls); {@link #run()} then returns STOPPED. */
    public void stop() {
        stopRequested = true;
        KafkaStreams ks = streams;
        if (ks != null) {
            ks.close(Duration.ofSeconds(30));
        }
        stopped.countDown();
    }

    private static boolean causeOf(Throwable e, Class<? extends Throwable> type) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Checks the input topic, creates missing re-key and output topics with the input's partition count, and
     * checks that the re-key topic has that count.
     *
     * @return the input partition count
     * @throws IllegalStateException when the re-key topic's partition count differs from the input's
     */
    private int prepareTopics(Properties streamsProps) throws InterruptedException {
        // The admin client Kafka Streams itself would build: every client key (security included) plus admin.*.
        Map<String, Object> adminProps = new StreamsConfig(streamsProps).getAdminConfigs("chainer-admin");
        int replication = Integer.parseInt(String.valueOf(streamsProps.getOrDefault(
                StreamsConfig.REPLICATION_FACTOR_CONFIG, "-1")));
        try (Admin admin = Admin.create(adminProps)) {
            Map<String, TopicDescription> input;
            try {
                input = admin.describeTopics(List.of(config.inputTopic())).allTopicNames().get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new ChainerException("input topic '" + config.inputTopic() + "' does not exist ("
                            + ChainerConfig.INPUT_TOPIC_CONFIG + ")", e.getCause());
                }
                throw new ChainerException("cannot describe the input topic '" + config.inputTopic() + "' at "
                        + config.getString(ChainerConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + e.getCause(), e.getCause());
            }
            int partitions = input.get(config.inputTopic()).partitions().size();
            Set<String> existing;
            try {
                existing = admin.listTopics().names().get();
            } catch (ExecutionException e) {
                throw new ChainerException("cannot list topics: " + e.getCause(), e.getCause());
            }
            List<NewTopic> missing = new ArrayList<>();
            for (String t : List.of(config.rekeyTopic(), config.chainedTopic(), config.checkpointsTopic(),
                    config.deadLetterTopic())) {
                if (!existing.contains(t)) {
                    missing.add(new NewTopic(t, Optional.of(partitions), Optional.of((short) replication)));
                }
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get();
                    LOG.info("created topics {}", missing.stream().map(NewTopic::name).toList());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new ChainerException("cannot create topics " + missing + ": " + e.getCause(), e.getCause());
                    }
                }
            }
            int rekey = -1;
            // A topic just created (by this instance or a peer starting at the same time) is unknown to the brokers
            // that have not seen the new metadata yet: on a multi-broker cluster describe fails for a moment.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (rekey < 0) {
                try {
                    rekey = admin.describeTopics(List.of(config.rekeyTopic())).allTopicNames().get()
                            .get(config.rekeyTopic()).partitions().size();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                        throw new ChainerException("cannot describe the re-key topic: " + e.getCause(), e.getCause());
                    }
                    Thread.sleep(200);
                }
            }
            if (rekey != partitions) {
                throw new IllegalStateException("re-key topic '" + config.rekeyTopic() + "' (" + ChainerConfig.REKEY_TOPIC_CONFIG
                        + ") has " + rekey + " partitions but the input topic '" + config.inputTopic() + "' has "
                        + partitions + ": they MUST be equal, and the input's partition count MUST NOT change while "
                        + "chains exist");
            }
            return partitions;
        }
    }
}
