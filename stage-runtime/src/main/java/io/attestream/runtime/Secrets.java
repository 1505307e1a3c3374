package io.attestream.runtime;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Which keys hold secrets: those declared {@link ConfigDef.Type#PASSWORD} by the stage or by a Kafka client, and,
 * for keys nobody declares, those whose name says so (password, secret, jaas.config, user.info, token, credentials).
 * A secret key {@code X} may instead be given as {@code X.file}: the loader reads the value from that file. Secret
 * values are never printed: {@link #MASK} stands in for them.
 */
public final class Secrets {
    /** What a secret value is printed as. */
    public static final String MASK = "[hidden]";

    /** Suffix of a key whose value is the file holding the secret. */
    public static final String FILE_SUFFIX = ".file";

    private static final String[] SECRET_WORDS = {"password", "secret", "jaas.config", "user.info", "token",
        "credentials"};

    private Secrets() {
    }

    /**
     * @param key a config key
     * @param defs the definitions known for it (stage and Kafka clients)
     * @return true when its value is a secret
     */
    public static boolean isSecret(String key, Collection<ConfigDef> defs) {
        requireNonNull(key, "key");
        for (ConfigDef def : defs) {
            ConfigDef.ConfigKey k = def.configKeys().get(key);
            if (k != null) {
                return k.type == ConfigDef.Type.PASSWORD;
            }
        }
        String lower = key.toLowerCase(Locale.ROOT);
        for (String word : SECRET_WORDS) {
            if (lower.contains(word)) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param key a config key
     * @param defs the definitions known for it
     * @return true when {@code key} is {@code X.file} for a secret key {@code X}
     */
    public static boolean isSecretFileKey(String key, Collection<ConfigDef> defs) {
        return key.endsWith(FILE_SUFFIX) && key.length() > FILE_SUFFIX.length()
                && isSecret(key.substring(0, key.length() - FILE_SUFFIX.length()), defs)
                && !declared(key, defs);
    }

    private static boolean declared(String key, Collection<ConfigDef> defs) {
        return defs.stream().anyMatch(d -> d.configKeys().containsKey(key));
    }
}
