package io.attestream.runtime;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The merged configuration of one stage start ({@link StageConfigLoader#load}): every given key with its value and
 * where it came from. Hand {@link #values()} to the stage's {@code AbstractConfig}; its declared defaults fill the
 * rest.
 */
public final class LoadedConfig {
    private static final Logger LOG = LoggerFactory.getLogger(LoadedConfig.class);

    private final String stage;
    private final Map<String, String> values;
    private final Map<String, String> origins;
    private final List<String> ignoredEnvironment;
    private final List<ConfigDef> owned;
    private final List<ConfigDef> all;
    private final List<String> ownedPrefixes;

    LoadedConfig(String stage, Map<String, String> values, Map<String, String> origins,
            List<String> ignoredEnvironment, List<ConfigDef> owned, List<ConfigDef> all, List<String> ownedPrefixes) {
        this.stage = stage;
        this.values = Map.copyOf(values);
        this.origins = Map.copyOf(origins);
        this.ignoredEnvironment = List.copyOf(ignoredEnvironment);
        this.owned = owned;
        this.all = all;
        this.ownedPrefixes = ownedPrefixes;
    }

    /** @return every given key and its value (secret values in clear: never log them, use {@link #describe()}) */
    public Map<String, Object> values() {
        return new TreeMap<>(values);
    }

    /** @return where {@code key}'s value came from, e.g. {@code --set} or {@code environment} */
    public Optional<String> origin(String key) {
        return Optional.ofNullable(origins.get(key));
    }

    /** @return the {@code ATTESTREAM_*} variables that named no key of this stage */
    public List<String> ignoredEnvironment() {
        return ignoredEnvironment;
    }

    /** @return the stage's own key names (never passed to Kafka clients) */
    public Set<String> ownedKeys() {
        Set<String> names = new HashSet<>();
        owned.forEach(d -> names.addAll(d.names()));
        return names;
    }

    /**
     * Every given key the stage does not own, unchanged: what goes to its Kafka clients or Streams
     * ({@link KafkaClientKeys}).
     */
    public Map<String, Object> passThrough() {
        return KafkaClientKeys.passThrough(values, ownedKeys(), ownedPrefixes);
    }

    /** @return true when {@code key} holds a secret (masked in {@link #describe()}) */
    public boolean isSecret(String key) {
        return Secrets.isSecret(key, all);
    }

    /**
     * The start-up dump: one line per given key ({@code key = value  (origin)}) with secrets as {@value Secrets#MASK},
     * then the stage's declared keys left at their default, then the ignored environment variables.
     */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(stage).append(" configuration (precedence: --set > ATTESTREAM_* environment > --config file > "
                + "endpoints file > defaults):\n");
        for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
            b.append("  ").append(e.getKey()).append(" = ").append(printable(e.getKey(), e.getValue()))
                    .append("  (").append(origins.get(e.getKey())).append(")\n");
        }
        Map<String, Object> defaults = new TreeMap<>();
        for (ConfigDef def : owned) {
            for (ConfigDef.ConfigKey k : def.configKeys().values()) {
                if (!values.containsKey(k.name) && k.hasDefault()) {
                    defaults.put(k.name, k.defaultValue);
                }
            }
        }
        defaults.forEach((k, v) -> b.append("  ").append(k).append(" = ")
                .append(printable(k, defaultText(k, v)))
                .append("  (default)\n"));
        if (!ignoredEnvironment.isEmpty()) {
            b.append("  ignored environment variables (no key of ").append(stage).append("): ")
                    .append(String.join(", ", ignoredEnvironment)).append('\n');
        }
        return b.toString();
    }

    /** Logs {@link #describe()} at INFO. */
    public void log() {
        LOG.info("{}", describe().stripTrailing());
    }

    private String defaultText(String key, Object value) {
        if (value == null) {
            return "";
        }
        // Password.toString() is "[hidden]" even when empty; printable() masks what is not empty.
        return value instanceof Password p ? p.value() : ConfigDef.convertToString(value, typeOf(key));
    }

    private ConfigDef.Type typeOf(String key) {
        for (ConfigDef d : owned) {
            ConfigDef.ConfigKey k = d.configKeys().get(key);
            if (k != null) {
                return k.type;
            }
        }
        return ConfigDef.Type.STRING;
    }

    private String printable(String key, String value) {
        if (isSecret(key)) {
            return value == null || value.isEmpty() ? "" : Secrets.MASK;
        }
        return value;
    }
}
