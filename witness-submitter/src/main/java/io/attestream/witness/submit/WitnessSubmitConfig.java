package io.attestream.witness.submit;

import io.attestream.runtime.HealthServer;
import io.attestream.runtime.KafkaClientKeys;
import io.attestream.runtime.StageConfigLoader;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.RegistryClientConfig;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of {@code attestream witness-submit}. Keys {@code witness.submit.*} are the stage's, the registry keys
 * {@link RegistryClientConfig}'s, {@code metrics.*} the probe server's; every other key goes to its Kafka consumer,
 * producer and admin client unchanged ({@link KafkaClientKeys}).
 */
public final class WitnessSubmitConfig extends AbstractConfig {
    /** Prefix of the stage's own keys. */
    public static final String PREFIX = "witness.submit.";
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String WITNESSES_CONFIG = PREFIX + "witnesses";
    public static final String CHAINED_TOPIC_CONFIG = PREFIX + "chained.topic";
    public static final String CHECKPOINTS_TOPIC_CONFIG = PREFIX + "checkpoints.topic";
    public static final String COSIGNATURES_TOPIC_CONFIG = PREFIX + "cosignatures.topic";
    public static final String TIMEOUT_MS_CONFIG = PREFIX + "timeout.ms";
    public static final String MIN_BACKOFF_MS_CONFIG = PREFIX + "min.backoff.ms";
    public static final String MAX_BACKOFF_MS_CONFIG = PREFIX + "max.backoff.ms";
    /** Default of {@link HealthServer#PORT_CONFIG}. */
    public static final int DEFAULT_METRICS_PORT = 9406;

    private static final ConfigDef CONFIG = HealthServer.define(new ConfigDef()
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, "Kafka.")
            .define(WITNESSES_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "The witnesses, URL=COSIGNER_VKEY_FILE, comma-separated (--witness, repeatable).")
            .define(CHAINED_TOPIC_CONFIG, Type.STRING, Topics.CHAINED, new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM, "Chained events, read committed.")
            .define(CHECKPOINTS_TOPIC_CONFIG, Type.STRING, Topics.CHECKPOINTS, new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM, "Checkpoints, read committed.")
            .define(COSIGNATURES_TOPIC_CONFIG, Type.STRING, Topics.CHECKPOINT_COSIGNATURES,
                    new ConfigDef.NonEmptyString(), Importance.MEDIUM, "Where cosignatures go; the sink lands the "
                            + "default one.")
            .define(TIMEOUT_MS_CONFIG, Type.LONG, 10_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Connect and request timeout per witness call.")
            .define(MIN_BACKOFF_MS_CONFIG, Type.LONG, 1_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "First retry delay after a witness was unavailable.")
            .define(MAX_BACKOFF_MS_CONFIG, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Largest retry delay (doubling from the first)."), DEFAULT_METRICS_PORT);

    /**
     * @param props the configuration
     * @throws ConfigException naming the key that is missing or wrong
     */
    public WitnessSubmitConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
        if (getLong(MAX_BACKOFF_MS_CONFIG) < getLong(MIN_BACKOFF_MS_CONFIG)) {
            throw new ConfigException(MAX_BACKOFF_MS_CONFIG, getLong(MAX_BACKOFF_MS_CONFIG), "must be at least "
                    + MIN_BACKOFF_MS_CONFIG + " (" + getLong(MIN_BACKOFF_MS_CONFIG) + ")");
        }
        if (getList(WITNESSES_CONFIG).isEmpty()) {
            throw new ConfigException(WITNESSES_CONFIG, "", "name at least one witness");
        }
        registryConfig();
    }

    /** The key definitions. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** The loader of this stage's configuration. */
    public static StageConfigLoader loader() {
        return StageConfigLoader.forStage("witness-submit").owning(CONFIG, RegistryClientConfig.configDef())
                .owningPrefixes(PREFIX)
                .endpoints(StageConfigLoader.Endpoint.KAFKA, StageConfigLoader.Endpoint.REGISTRY);
    }

    /** Kafka client settings: bootstrap.servers and every key the stage does not own, unchanged. */
    public Map<String, Object> clientProps() {
        Set<String> owned = new HashSet<>(CONFIG.names());
        owned.addAll(RegistryClientConfig.configDef().names());
        Map<String, Object> out = new HashMap<>(KafkaClientKeys.passThrough(originals(), owned,
                List.of(PREFIX, "schema.registry.")));
        out.put(BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG)));
        return out;
    }

    /** The registry client configuration. */
    public RegistryClientConfig registryConfig() {
        Map<String, Object> r = new HashMap<>();
        originals().forEach((k, v) -> {
            if (RegistryClientConfig.configDef().names().contains(k)) {
                r.put(k, v);
            }
        });
        return new RegistryClientConfig(r);
    }
}
