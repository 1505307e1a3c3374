package io.attestream.drift;

import static java.util.Objects.requireNonNull;

import io.attestream.drift.internal.DriftMetrics;
import io.attestream.runtime.HealthServer;
import io.attestream.runtime.Readiness;
import io.attestream.runtime.StageMetrics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires and runs one detector instance: creates the alerts topic if missing (with the input's partition count), starts
 * Kafka Streams with {@link DriftTopology#buildTopology}, serves {@code /live}, {@code /ready} (Streams RUNNING) and
 * {@code /metrics} on {@code metrics.port}, and blocks until stopped or failed.
 */
public final class DriftApp {
    private static final Logger LOG = LoggerFactory.getLogger(DriftApp.class);

    private final DriftConfig config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile KafkaStreams streams;
    private volatile boolean stopRequested;
    private final PrometheusMeterRegistry meters = StageMetrics.newRegistry();
    private final DriftMetrics metrics = new DriftMetrics(meters);
    private volatile HealthServer health;

    /** @param config the validated configuration */
    public DriftApp(DriftConfig config) {
        this.config = requireNonNull(config, "config");
    }

    /**
     * Runs until {@link #stop()} or a failure.
     *
     * @return true when stopped on request, false when it failed (the log and {@link #failure()} say why)
     */
    public boolean run() throws InterruptedException {
        Properties props = config.streamsProperties();
        prepareTopics(props);
        Topology topology = DriftTopology.buildTopology(config, new SchemaRegistryClient(config.registryConfig()),
                metrics);
        LOG.info("drift detector topology:\n{}", topology.describe());
        KafkaStreams ks = new KafkaStreams(topology, props);
        streams = ks;
        StageMetrics.registerLag(meters, DriftMetrics.STAGE, ks::metrics);
        try {
            health = HealthServer.start(config, meters, this::readiness, this::liveness);
        } catch (RuntimeException e) {
            ks.close();
            throw e;
        }
        if (health != null) {
            LOG.info("drift detector probes and metrics at {} (/live, /ready, /metrics)", health.uri());
        }
        ks.setUncaughtExceptionHandler(e -> {
            LOG.error("drift detector failed, shutting down: {}", e.toString(), e);
            failure.compareAndSet(null, e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        ks.setStateListener((now, before) -> {
            LOG.info("drift detector state {} -> {}", before, now);
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        try {
            ks.start();
            stopped.await();
        } finally {
            ks.close(Duration.ofSeconds(30));
            HealthServer h = health;
            if (h != null) {
                h.close();
            }
        }
        return failure.get() == null && stopRequested;
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

    /** @return the meters served on {@code /metrics} */
    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /** @return the probe server's port, or -1 when none runs (metrics.port=-1 or not started) */
    public int healthPort() {
        HealthServer h = health;
        return h == null ? -1 : h.port();
    }

    /** Asks a running instance to stop; {@link #run()} then returns true. */
    public void stop() {
        stopRequested = true;
        KafkaStreams ks = streams;
        if (ks != null) {
            ks.close(Duration.ofSeconds(30));
        }
        stopped.countDown();
    }

    /** Why the run failed, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    private void prepareTopics(Properties streamsProps) throws InterruptedException {
        // The admin client Kafka Streams itself would build: every client key (security included) plus admin.*.
        Map<String, Object> adminProps = new StreamsConfig(streamsProps).getAdminConfigs("drift-detector-admin");
        String input = config.getString(DriftConfig.INPUT_TOPIC_CONFIG);
        String alerts = config.getString(DriftConfig.ALERTS_TOPIC_CONFIG);
        try (Admin admin = Admin.create(adminProps)) {
            int partitions;
            try {
                partitions = admin.describeTopics(List.of(input)).allTopicNames().get().get(input).partitions().size();
            } catch (ExecutionException e) {
                throw new DriftException("cannot describe the input topic '" + input + "' ("
                        + DriftConfig.INPUT_TOPIC_CONFIG + "): " + e.getCause(), e.getCause());
            }
            try {
                if (!admin.listTopics().names().get().contains(alerts)) {
                    admin.createTopics(List.of(new NewTopic(alerts, Optional.of(partitions), Optional.empty())))
                            .all().get();
                    LOG.info("created alerts topic {} ({} partitions)", alerts, partitions);
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new DriftException("cannot create the alerts topic '" + alerts + "' ("
                            + DriftConfig.ALERTS_TOPIC_CONFIG + "): " + e.getCause(), e.getCause());
                }
            }
        }
    }
}
