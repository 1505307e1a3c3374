package io.attestream.runtime;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The one configuration path of every long-running stage. Sources, highest precedence first:
 * <ol>
 *   <li>{@code --set KEY=VALUE} (and a command's own flags such as {@code --bootstrap-servers});</li>
 *   <li>environment variables {@code ATTESTREAM_<KEY>}: the key upper-cased with every character other than a
 *       letter or digit turned into {@code _} ({@code sasl.jaas.config} is {@code ATTESTREAM_SASL_JAAS_CONFIG},
 *       {@code chainer.on.record-too-large} is {@code ATTESTREAM_CHAINER_ON_RECORD_TOO_LARGE}). A variable is read
 *       only when it names a key the stage declares, a Kafka client key (also with a {@code producer.},
 *       {@code consumer.}, {@code admin.}... prefix), or {@code X.file} for a secret key {@code X}; others are
 *       listed as ignored in the start-up dump;</li>
 *   <li>the {@code --config} properties file;</li>
 *   <li>the local stack's endpoints file ({@value #DEFAULT_ENDPOINTS_NAME} in {@code ./.attestream}, or
 *       {@code --endpoints FILE}): {@code kafka.bootstrap.servers} becomes {@code bootstrap.servers},
 *       {@code registry.url} becomes {@code schema.registry.url}, {@code clickhouse.jdbc.url},
 *       {@code clickhouse.user} and {@code clickhouse.password} become {@code clickhouse.url},
 *       {@code clickhouse.user} and {@code clickhouse.password}, each only for a stage that takes that
 *       {@link Endpoint};</li>
 *   <li>the defaults the stage declares (applied by its {@code AbstractConfig}, not here).</li>
 * </ol>
 * In every source, a secret key {@code X} ({@link Secrets}) may be given as {@code X.file}: its value is read from
 * that file (UTF-8, one trailing line break removed) and replaces {@code X.file} by {@code X} in that source, so a
 * higher source's {@code X} or {@code X.file} wins over a lower one's. Setting both in one source is an error.
 */
public final class StageConfigLoader {
    /** Prefix of the environment variables that carry config keys. */
    public static final String ENV_PREFIX = "ATTESTREAM_";
    /** File name of the local stack's endpoints file. */
    public static final String DEFAULT_ENDPOINTS_NAME = "endpoints.properties";
    /** Where the local stack's endpoints file is looked for by default (relative to the working directory). */
    public static final Path DEFAULT_ENDPOINTS = Path.of(".attestream", DEFAULT_ENDPOINTS_NAME);

    /** Endpoints-file key of the Kafka bootstrap servers (deploy/local-stack StackEndpoints). */
    public static final String ENDPOINTS_KAFKA_KEY = "kafka.bootstrap.servers";
    /** Endpoints-file key of the registry URL. */
    public static final String ENDPOINTS_REGISTRY_KEY = "registry.url";
    /** Endpoints-file key of the ClickHouse JDBC URL. */
    public static final String ENDPOINTS_CLICKHOUSE_JDBC_KEY = "clickhouse.jdbc.url";
    /** Endpoints-file key of the read-write ClickHouse user. */
    public static final String ENDPOINTS_CLICKHOUSE_USER_KEY = "clickhouse.user";
    /** Endpoints-file key of its password. */
    public static final String ENDPOINTS_CLICKHOUSE_PASSWORD_KEY = "clickhouse.password";

    /** The endpoints a stage takes from the endpoints file. */
    public enum Endpoint {
        /** {@code bootstrap.servers}. */
        KAFKA(Map.of(ENDPOINTS_KAFKA_KEY, "bootstrap.servers")),
        /** {@code schema.registry.url}. */
        REGISTRY(Map.of(ENDPOINTS_REGISTRY_KEY, "schema.registry.url")),
        /** {@code clickhouse.url} (JDBC), {@code clickhouse.user}, {@code clickhouse.password}. */
        CLICKHOUSE(Map.of(ENDPOINTS_CLICKHOUSE_JDBC_KEY, "clickhouse.url", ENDPOINTS_CLICKHOUSE_USER_KEY,
                "clickhouse.user", ENDPOINTS_CLICKHOUSE_PASSWORD_KEY, "clickhouse.password"));

        private final Map<String, String> keys;

        Endpoint(Map<String, String> keys) {
            this.keys = keys;
        }

        /** @return endpoints-file key to stage config key */
        public Map<String, String> keys() {
            return keys;
        }
    }

    private final String stage;
    private final List<ConfigDef> owned = new ArrayList<>();
    private final List<String> ownedPrefixes = new ArrayList<>();
    private final List<ConfigDef> clients = new ArrayList<>(KafkaClientKeys.clientDefs());
    private final Set<Endpoint> endpoints = EnumSet.noneOf(Endpoint.class);

    private StageConfigLoader(String stage) {
        this.stage = requireNonNull(stage, "stage");
    }

    /**
     * @param stage the stage's name in messages and the start-up dump, e.g. {@code chainer}
     * @return a loader that owns no keys yet
     */
    public static StageConfigLoader forStage(String stage) {
        return new StageConfigLoader(stage);
    }

    /** The stage's own key definitions: never passed to Kafka clients; their secrets are masked. */
    public StageConfigLoader owning(ConfigDef... defs) {
        owned.addAll(List.of(defs));
        return this;
    }

    /**
     * Prefixes the stage owns entirely (e.g. {@code chainer.}): such keys are never passed to Kafka clients, and a
     * key with the prefix that no owned definition declares is rejected as a typo.
     */
    public StageConfigLoader owningPrefixes(String... prefixes) {
        ownedPrefixes.addAll(List.of(prefixes));
        return this;
    }

    /** Client definitions beyond producer, consumer and admin (Streams apps: {@code StreamsConfig.configDef()}). */
    public StageConfigLoader clients(ConfigDef... defs) {
        clients.addAll(List.of(defs));
        return this;
    }

    /** The endpoints this stage takes from the endpoints file. */
    public StageConfigLoader endpoints(Endpoint... taken) {
        endpoints.addAll(List.of(taken));
        return this;
    }

    /**
     * Reads and merges {@code sources}.
     *
     * @return the merged values with their origins
     * @throws ConfigException naming the key or file that is wrong: unreadable file, secret file missing, both
     *     {@code X} and {@code X.file} in one source, an unknown key under an owned prefix
     */
    public LoadedConfig load(ConfigSources sources) {
        requireNonNull(sources, "sources");
        List<ConfigDef> all = allDefs();
        Map<String, String> values = new TreeMap<>();
        Map<String, String> origins = new TreeMap<>();
        Path endpointsFile = sources.endpointsFile();
        if (endpointsFile != null && (sources.endpointsRequired() || Files.isRegularFile(endpointsFile))) {
            Map<String, String> raw = readProperties(endpointsFile, "--endpoints");
            Map<String, String> mapped = new LinkedHashMap<>();
            for (Endpoint e : endpoints) {
                e.keys().forEach((from, to) -> {
                    if (raw.containsKey(from)) {
                        mapped.put(to, raw.get(from));
                    }
                });
            }
            layer(values, origins, mapped, "endpoints file " + endpointsFile, all);
        }
        if (sources.configFile() != null) {
            layer(values, origins, readProperties(sources.configFile(), "--config"), "--config "
                    + sources.configFile(), all);
        }
        List<String> ignoredEnv = new ArrayList<>();
        layer(values, origins, fromEnvironment(sources.environment(), all, ignoredEnv), "environment", all);
        layer(values, origins, sources.overrides(), "--set", all);
        for (String key : values.keySet()) {
            if (ownedPrefixes.stream().anyMatch(key::startsWith)
                    && owned.stream().noneMatch(d -> d.configKeys().containsKey(key))) {
                throw new ConfigException(key, Secrets.isSecret(key, all) ? Secrets.MASK : values.get(key),
                        "unknown " + stage + " key (from " + origins.get(key) + "); " + stage + " --print-config "
                                + "lists the keys");
            }
        }
        Collections.sort(ignoredEnv);
        return new LoadedConfig(stage, values, origins, ignoredEnv, List.copyOf(owned), List.copyOf(all),
                List.copyOf(ownedPrefixes));
    }

    /** The environment variable that sets {@code key}. */
    public static String environmentVariable(String key) {
        return ENV_PREFIX + normalize(key);
    }

    private List<ConfigDef> allDefs() {
        List<ConfigDef> all = new ArrayList<>(owned);
        all.addAll(clients);
        return all;
    }

    private Map<String, String> fromEnvironment(Map<String, String> env, List<ConfigDef> all, List<String> ignored) {
        Map<String, String> byVariable = new LinkedHashMap<>();
        // Owned keys first, so that one normalising like a client key wins.
        for (ConfigDef def : all) {
            for (String key : def.names()) {
                boolean clientDef = !owned.contains(def);
                List<String> names = new ArrayList<>();
                names.add(key);
                if (clientDef) {
                    KafkaClientKeys.CLIENT_PREFIXES.forEach(p -> names.add(p + key));
                }
                for (String name : names) {
                    byVariable.putIfAbsent(environmentVariable(name), name);
                    if (Secrets.isSecret(key, all)) {
                        byVariable.putIfAbsent(environmentVariable(name + Secrets.FILE_SUFFIX),
                                name + Secrets.FILE_SUFFIX);
                    }
                }
            }
        }
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!e.getKey().startsWith(ENV_PREFIX)) {
                continue;
            }
            String key = byVariable.get(e.getKey());
            if (key == null) {
                ignored.add(e.getKey());
            } else {
                out.put(key, e.getValue());
            }
        }
        return out;
    }

    private static void layer(Map<String, String> values, Map<String, String> origins, Map<String, String> layer,
            String origin, List<ConfigDef> all) {
        Map<String, String> resolved = new TreeMap<>();
        Map<String, String> resolvedOrigin = new TreeMap<>();
        for (Map.Entry<String, String> e : layer.entrySet()) {
            String key = e.getKey();
            if (Secrets.isSecretFileKey(key, all)) {
                String base = key.substring(0, key.length() - Secrets.FILE_SUFFIX.length());
                if (layer.containsKey(base)) {
                    throw new ConfigException(key, e.getValue(), "both " + base + " and " + key + " are set in "
                            + origin + "; set one");
                }
                resolved.put(base, readSecret(key, e.getValue()));
                resolvedOrigin.put(base, origin + ", read from " + key + "=" + e.getValue());
            } else {
                resolved.put(key, e.getValue());
                resolvedOrigin.put(key, origin);
            }
        }
        values.putAll(resolved);
        origins.putAll(resolvedOrigin);
    }

    private static String readSecret(String key, String file) {
        if (file == null || file.isBlank()) {
            throw new ConfigException(key, file, "names no file");
        }
        try {
            String s = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            if (s.endsWith("\r\n")) {
                return s.substring(0, s.length() - 2);
            }
            return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        } catch (IOException e) {
            throw new ConfigException(key, file, "cannot read the secret file: " + e);
        }
    }

    private static Map<String, String> readProperties(Path file, String option) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new ConfigException(option, file.toString(), "no such file");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException(option, file.toString(), "cannot read: " + e.getMessage());
        }
        Map<String, String> out = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    private static String normalize(String key) {
        StringBuilder b = new StringBuilder(key.length());
        for (char c : key.toUpperCase(Locale.ROOT).toCharArray()) {
            b.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
        }
        return b.toString();
    }
}
