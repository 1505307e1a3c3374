package io.attestream.drift;

import static java.util.Objects.requireNonNull;

import io.attestream.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires and runs one detector instance: creates the alerts topic if missing (with the input's partition count), starts
 * Kafka Streams with {@link DriftTopology#buildTopology}, and blocks until stopped or failed.
 */
public final class DriftApp {
    private static final Logger LOG = LoggerFactory.getLogger(DriftApp.class);

    private final DriftConfig config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile KafkaStreams streams;
    private volatile boolean stopRequested;

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
        Topology topology = DriftTopology.buildTopology(config, new SchemaRegistryClient(config.registryConfig()));
        LOG.info("drift detector topology:\n{}", topology.describe());
        KafkaStreams ks = new KafkaStreams(topology, props);
        streams = ks;
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
        }
        return failure.get() == null && stopRequested;
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
        Properties adminProps = new Properties();
        for (String k : streamsProps.stringPropertyNames()) {
            if (AdminClientConfig.configNames().contains(k)) {
                adminProps.put(k, streamsProps.get(k));
            }
        }
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
