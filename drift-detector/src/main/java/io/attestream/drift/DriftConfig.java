package io.attestream.drift;

import io.attestream.drift.internal.DriftRule;
import io.attestream.drift.internal.QuantileSketch;
import io.attestream.schemas.Topics;
import io.attestream.runtime.HealthServer;
import io.attestream.runtime.KafkaClientKeys;
import io.attestream.runtime.StageConfigLoader;
import io.attestream.schemas.registry.RegistryClientConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Configuration of the drift detector. Keys starting with {@code drift.} are the detector's own, the registry keys are
 * {@link RegistryClientConfig}'s, {@code metrics.port} / {@code metrics.bind.address} are the probe server's
 * ({@link HealthServer}); every other key goes to Kafka Streams (and through it to its clients and admin client)
 * unchanged: {@code state.dir}, {@code replication.factor}, {@code security.protocol}, {@code sasl.*}, {@code ssl.*},
 * {@code client.rack}... ({@link KafkaClientKeys}). {@code processing.guarantee} is always exactly_once_v2.
 */
public final class DriftConfig extends AbstractConfig {
    /** Prefix of the detector's own keys; an unknown key with it is rejected at start-up. */
    public static final String PREFIX = "drift.";
    public static final String APPLICATION_ID_CONFIG = StreamsConfig.APPLICATION_ID_CONFIG;
    public static final String BOOTSTRAP_SERVERS_CONFIG = StreamsConfig.BOOTSTRAP_SERVERS_CONFIG;
    public static final String REGISTRY_URL_CONFIG = RegistryClientConfig.URL_CONFIG;
    public static final String INPUT_TOPIC_CONFIG = "drift.input.topic";
    public static final String ALERTS_TOPIC_CONFIG = "drift.alerts.topic";
    public static final String EVENTS_TOPIC_CONFIG = "drift.events.topic";
    public static final String WINDOW_SIZE_MS_CONFIG = "drift.window.size.ms";
    public static final String WINDOW_ADVANCE_MS_CONFIG = "drift.window.advance.ms";
    public static final String WINDOW_GRACE_MS_CONFIG = "drift.window.grace.ms";
    public static final String MIN_COUNT_CONFIG = "drift.min.count";
    public static final String ALPHA_CONFIG = "drift.alpha";
    public static final String MEAN_EFFECT_FLOOR_CONFIG = "drift.effect.mean.floor";
    public static final String KS_EFFECT_FLOOR_CONFIG = "drift.effect.ks.floor";
    public static final String VARIANCE_EFFECT_FLOOR_CONFIG = "drift.effect.variance.floor";
    public static final String PSI_BINS_CONFIG = "drift.psi.bins";
    public static final String PAGE_HINKLEY_DELTA_CONFIG = "drift.page.hinkley.delta";
    public static final String CRITICAL_MEAN_EFFECT_CONFIG = "drift.critical.mean.effect";
    public static final String CRITICAL_PSI_CONFIG = "drift.critical.psi";
    public static final String SKETCH_CAPACITY_CONFIG = "drift.sketch.capacity";
    public static final String BAD_RECORD_HANDLING_CONFIG = "drift.bad.record.handling";
    public static final String RECORDED_BY_HOST_CONFIG = "drift.recorded.by.host";

    /** Stop on an undecodable record or a non-finite metric value (default). */
    public static final String BAD_RECORD_FAIL = "fail";
    /** Log it with topic/partition/offset and go on. */
    public static final String BAD_RECORD_LOG_AND_SKIP = "log-and-skip";

    /** Default of {@link HealthServer#PORT_CONFIG}. */
    public static final int DEFAULT_METRICS_PORT = 9402;

    private static final ConfigDef DEF = HealthServer.define(new ConfigDef(), DEFAULT_METRICS_PORT)
            .define(APPLICATION_ID_CONFIG, Type.STRING, "attestream-drift-detector", new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Kafka Streams application id (consumer group, state and internal topic prefix).")
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Kafka bootstrap servers.")
            .define(REGISTRY_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Schema registry URL (Confluent API): decodes events, registers output schemas.")
            .define(INPUT_TOPIC_CONFIG, Type.STRING, Topics.CHAINED, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Chained events to read EvalResult and BaselinePinned events from.")
            .define(ALERTS_TOPIC_CONFIG, Type.STRING, Topics.DRIFT_ALERTS, new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM, "Where DriftAlert records go (key tenant/agentId).")
            .define(EVENTS_TOPIC_CONFIG, Type.STRING, Topics.EVENTS, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "The chain input: DriftAlert and DriftRecovered audit events go here, so the chainer chains them.")
            .define(WINDOW_SIZE_MS_CONFIG, Type.LONG, Duration.ofHours(1).toMillis(), Range.atLeast(1),
                    Importance.HIGH, "Event-time window size on occurredAt.")
            .define(WINDOW_ADVANCE_MS_CONFIG, Type.LONG, 0L, Range.atLeast(0), Importance.MEDIUM,
                    "Hop between window starts; 0 means tumbling (advance = size). Must divide the size evenly.")
            .define(WINDOW_GRACE_MS_CONFIG, Type.LONG, Duration.ofMinutes(5).toMillis(), Range.atLeast(0),
                    Importance.MEDIUM, "How long after its end (in stream time) a window still accepts late events.")
            .define(MIN_COUNT_CONFIG, Type.LONG, DriftRule.DEFAULTS.minCount(), Range.atLeast(3), Importance.MEDIUM,
                    "Least values in both windows before any test may alarm.")
            .define(ALPHA_CONFIG, Type.DOUBLE, DriftRule.DEFAULTS.alpha(), Range.between(1e-9, 0.5), Importance.MEDIUM,
                    "Family-wise false-alarm rate per window, shared (Bonferroni) by the 3 tests and the metrics of "
                            + "one agent and suite.")
            .define(MEAN_EFFECT_FLOOR_CONFIG, Type.DOUBLE, DriftRule.DEFAULTS.meanEffectFloor(), Range.atLeast(0),
                    Importance.MEDIUM, "Least |Δmean|/σ_ref for Welch's t or Page-Hinkley to alarm.")
            .define(KS_EFFECT_FLOOR_CONFIG, Type.DOUBLE, DriftRule.DEFAULTS.ksEffectFloor(), Range.between(0, 1),
                    Importance.MEDIUM, "Least KS D for the KS test to alarm.")
            .define(VARIANCE_EFFECT_FLOOR_CONFIG, Type.DOUBLE, DriftRule.DEFAULTS.varianceEffectFloor(),
                    Range.atLeast(0), Importance.MEDIUM, "Least |ln(variance ratio)| for the variance test to alarm.")
            .define(PSI_BINS_CONFIG, Type.INT, DriftRule.DEFAULTS.psiBins(), Range.between(2, 100), Importance.LOW,
                    "Reference-quantile bins for PSI and Jensen-Shannon.")
            .define(PAGE_HINKLEY_DELTA_CONFIG, Type.DOUBLE, DriftRule.DEFAULTS.pageHinkleyDelta(),
                    Range.between(0.01, 10), Importance.LOW, "Page-Hinkley allowance in σ_ref.")
            .define(CRITICAL_MEAN_EFFECT_CONFIG, Type.DOUBLE, DriftRule.DEFAULTS.criticalMeanEffect(),
                    Range.atLeast(0), Importance.LOW, "|Δmean|/σ_ref from which an alert is CRITICAL.")
            .define(CRITICAL_PSI_CONFIG, Type.DOUBLE, DriftRule.DEFAULTS.criticalPsi(), Range.atLeast(0),
                    Importance.LOW, "PSI from which an alert is CRITICAL.")
            .define(SKETCH_CAPACITY_CONFIG, Type.INT, QuantileSketch.DEFAULT_CAPACITY, Range.between(16, 1 << 16),
                    Importance.LOW, "Centroid budget per window: exact below 2× this many values, CDF error <= "
                            + "2/capacity above.")
            .define(BAD_RECORD_HANDLING_CONFIG, Type.STRING, BAD_RECORD_FAIL,
                    ValidString.in(BAD_RECORD_FAIL, BAD_RECORD_LOG_AND_SKIP), Importance.MEDIUM,
                    "An undecodable record or a non-finite value: fail (stop) or log-and-skip.")
            .define(RECORDED_BY_HOST_CONFIG, Type.STRING, "drift-detector", Importance.LOW,
                    "The recordedBy.host of the audit events this detector writes.");

    /** @param props the configuration; keys the detector does not own are kept for Kafka Streams */
    public DriftConfig(Map<?, ?> props) {
        super(DEF, props, false);
        long size = getLong(WINDOW_SIZE_MS_CONFIG);
        long advance = advanceMs();
        if (advance > size || size % advance != 0) {
            throw new ConfigException(WINDOW_ADVANCE_MS_CONFIG, advance, "must be <= and divide "
                    + WINDOW_SIZE_MS_CONFIG + " (" + size + ")");
        }
        rule();
    }

    /** The keys, types, defaults and docs. */
    public static ConfigDef configDef() {
        return new ConfigDef(DEF);
    }

    /** Window advance in ms (the size for tumbling windows). */
    public long advanceMs() {
        long a = getLong(WINDOW_ADVANCE_MS_CONFIG);
        return a == 0 ? getLong(WINDOW_SIZE_MS_CONFIG) : a;
    }

    /** The decision rule these keys describe. */
    public DriftRule rule() {
        try {
            return new DriftRule(getLong(MIN_COUNT_CONFIG), getDouble(ALPHA_CONFIG),
                    getDouble(MEAN_EFFECT_FLOOR_CONFIG), getDouble(KS_EFFECT_FLOOR_CONFIG),
                    getDouble(VARIANCE_EFFECT_FLOOR_CONFIG), getInt(PSI_BINS_CONFIG),
                    getDouble(PAGE_HINKLEY_DELTA_CONFIG), getDouble(CRITICAL_MEAN_EFFECT_CONFIG),
                    getDouble(CRITICAL_PSI_CONFIG));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("drift.* decision keys: " + e.getMessage());
        }
    }

    public boolean skipBadRecords() {
        return BAD_RECORD_LOG_AND_SKIP.equals(getString(BAD_RECORD_HANDLING_CONFIG).toLowerCase(Locale.ROOT));
    }

    /** The loader of this stage's configuration ({@code attestream drift}). */
    public static StageConfigLoader loader() {
        return StageConfigLoader.forStage("drift").owning(DEF, RegistryClientConfig.configDef())
                .owningPrefixes(PREFIX).clients(StreamsConfig.configDef())
                .endpoints(StageConfigLoader.Endpoint.KAFKA, StageConfigLoader.Endpoint.REGISTRY);
    }

    /**
     * Kafka Streams properties: every key the detector does not own (security, client and Streams keys alike,
     * unchanged), then application id, bootstrap servers and exactly-once v2.
     */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.putAll(passThrough());
        p.put(APPLICATION_ID_CONFIG, getString(APPLICATION_ID_CONFIG));
        p.put(BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG)));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return p;
    }

    /** Every key the detector does not own, unchanged (what Kafka Streams and the pin command's producer get). */
    public Map<String, Object> passThrough() {
        Set<String> owned = new HashSet<>(DEF.names());
        owned.addAll(RegistryClientConfig.configDef().names());
        return KafkaClientKeys.passThrough(originals(), owned, List.of(PREFIX));
    }

    /** The registry client configuration (every schema.registry.* / basic.auth.* key passed through). */
    public RegistryClientConfig registryConfig() {
        return new RegistryClientConfig(registryProps(originals()));
    }

    private static Map<String, Object> registryProps(Map<String, Object> originals) {
        Map<String, Object> r = new HashMap<>();
        for (Map.Entry<String, Object> e : originals.entrySet()) {
            if (RegistryClientConfig.configDef().names().contains(e.getKey())) {
                r.put(e.getKey(), e.getValue());
            }
        }
        return r;
    }
}
