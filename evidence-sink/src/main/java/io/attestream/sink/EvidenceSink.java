package io.attestream.sink;

import static java.util.Objects.requireNonNull;

import io.attestream.runtime.HealthServer;
import io.attestream.runtime.Readiness;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.sink.internal.ClickHouseStore;
import io.attestream.sink.internal.KafkaSource;
import io.attestream.sink.internal.RowMapper;
import io.attestream.sink.internal.SinkLoop;
import io.attestream.sink.internal.SinkMetrics;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lands the pipeline's topics in ClickHouse. {@link #run()} blocks on the calling thread until {@link #stop()} (from
 * any thread, e.g. a shutdown hook) or a failure.
 *
 * <p>Guarantees: every record of the landed topics (read_committed) becomes its rows exactly once, in offset order
 * per partition, whatever process is killed when; while ClickHouse is unavailable the sink backs off and retries
 * without dropping, reordering or acknowledging anything (see the module README).
 */
public final class EvidenceSink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EvidenceSink.class);

    private final SinkLoop loop;
    private final KafkaSource source;
    private final SinkMetrics metrics;
    private final SinkConfig config;
    private volatile HealthServer health;

    public EvidenceSink(SinkConfig config) {
        this.config = requireNonNull(config, "config");
        this.metrics = new SinkMetrics();
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getList(SinkConfig.BOOTSTRAP_SERVERS_CONFIG));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.getString(SinkConfig.GROUP_ID_CONFIG));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(config.getInt(SinkConfig.BATCH_MAX_ROWS_CONFIG),
                10_000));
        // A sink blocked on ClickHouse keeps its partitions: a peer would be blocked by the same outage, and a
        // rebalance would only re-read what is held. Heartbeats continue on the client's own thread.
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 24 * 3600 * 1000);
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 10_000);
        props.putAll(SinkConfig.CONSUMER_DEFAULTS);
        props.putAll(config.consumerOverrides());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        SchemaRegistryClient registry = new SchemaRegistryClient(config.registryConfig());
        ClickHouseStore store = SinkCommand.store(config);
        RowMapper mapper = new RowMapper(registry, "all".equals(config.getString(SinkConfig.ERRORS_TOLERANCE_CONFIG)));
        SinkLoop.Settings settings = new SinkLoop.Settings(config.getString(SinkConfig.GROUP_ID_CONFIG),
                config.getList(SinkConfig.TOPICS_CONFIG), String.join(",", config.getList(SinkConfig.REGISTRY_URL_CONFIG)),
                config.getString(SinkConfig.CLICKHOUSE_CLUSTER_CONFIG),
                config.getInt(SinkConfig.BATCH_MAX_ROWS_CONFIG), config.getInt(SinkConfig.BATCH_LINGER_MS_CONFIG),
                config.getInt(SinkConfig.RETRY_BACKOFF_MS_CONFIG), config.getInt(SinkConfig.RETRY_BACKOFF_MAX_MS_CONFIG),
                config.getLong(SinkConfig.RETRY_TIMEOUT_MS_CONFIG));
        this.source = new KafkaSource(props);
        this.loop = new SinkLoop(consumer, source, store, registry, mapper, metrics, settings);
    }

    /**
     * Serves {@code /live}, {@code /ready} and {@code /metrics} on {@code metrics.port}, migrates the schema, then
     * lands records until {@link #stop()}.
     *
     * @throws SinkException when a record cannot be landed or ClickHouse stays unavailable past
     *                       {@value SinkConfig#RETRY_TIMEOUT_MS_CONFIG}
     * @throws org.apache.kafka.common.config.ConfigException when {@code metrics.port} cannot be bound
     */
    public void run() {
        HealthServer h = HealthServer.start(config, metrics.registry(), metrics::readiness,
                HealthServer.alwaysLive());
        health = h;
        if (h != null) {
            LOG.info("evidence sink probes and metrics at {} (/live, /ready, /metrics)", h.uri());
        }
        try {
            loop.run();
        } finally {
            if (h != null) {
                h.close();
            }
        }
    }

    /** {@code /ready}: consuming and ClickHouse reachable. */
    public Readiness.Status readiness() {
        return metrics.readiness();
    }

    /** @return the probe server's port, or -1 when none runs (metrics.port=-1 or not running) */
    public int healthPort() {
        HealthServer h = health;
        return h == null ? -1 : h.port();
    }

    /** Lands the batch in hand and makes {@link #run()} return. Thread-safe. */
    public void stop() {
        loop.stop();
    }

    /** Prometheus text of the sink's metrics (records, rows per table, retries, lag, ClickHouse up). */
    public String metricsText() {
        return metrics.prometheusText();
    }

    @Override
    public void close() {
        try {
            loop.close();
        } finally {
            source.close();
        }
    }
}
