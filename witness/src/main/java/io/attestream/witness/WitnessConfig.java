package io.attestream.witness;

import io.attestream.runtime.HealthServer;
import io.attestream.runtime.StageConfigLoader;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Configuration of {@code attestream witness} (the command's flags are {@code --set}-level aliases of these keys).
 * The witness talks to no Kafka: keys outside {@code witness.*} and {@code metrics.*} are not used.
 */
public final class WitnessConfig extends AbstractConfig {
    /** Prefix of the witness's keys. */
    public static final String PREFIX = "witness.";
    public static final String KEY_FILE_CONFIG = PREFIX + "key.file";
    public static final String NAME_CONFIG = PREFIX + "name";
    public static final String DIR_CONFIG = PREFIX + "dir";
    public static final String LOGS_CONFIG = PREFIX + "logs";
    public static final String LISTEN_HOST_CONFIG = PREFIX + "listen.host";
    public static final String LISTEN_PORT_CONFIG = PREFIX + "listen.port";
    public static final String THREADS_CONFIG = PREFIX + "threads";
    /** Default of {@link HealthServer#PORT_CONFIG}. */
    public static final int DEFAULT_METRICS_PORT = 9405;

    private static final ConfigDef CONFIG = HealthServer.define(new ConfigDef()
            .define(KEY_FILE_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "The witness's Ed25519 private key (PKCS#8 PEM, mode 0600; --key).")
            .define(NAME_CONFIG, Type.STRING, "", Importance.MEDIUM,
                    "Cosigner name; empty: the key file name without .key (--name).")
            .define(DIR_CONFIG, Type.STRING, "", Importance.HIGH,
                    "State directory: the latest cosigned checkpoint per log (--dir). Required unless --print-vkey.")
            .define(LOGS_CONFIG, Type.LIST, "", Importance.HIGH,
                    "The logs to witness, PATTERN=VKEY_FILE, comma-separated (--log, repeatable).")
            .define(LISTEN_HOST_CONFIG, Type.STRING, "127.0.0.1", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Address the witness listens on (--host).")
            .define(LISTEN_PORT_CONFIG, Type.INT, 0, ConfigDef.Range.between(0, 65535), Importance.HIGH,
                    "Port; 0 picks a free one (--port).")
            .define(THREADS_CONFIG, Type.INT, 4, ConfigDef.Range.between(1, 1024), Importance.LOW,
                    "Request threads (--threads)."), DEFAULT_METRICS_PORT);

    /** @param props the configuration */
    public WitnessConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
    }

    /** The key definitions. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** The loader of this stage's configuration. */
    public static StageConfigLoader loader() {
        return StageConfigLoader.forStage("witness").owning(CONFIG).owningPrefixes(PREFIX);
    }
}
