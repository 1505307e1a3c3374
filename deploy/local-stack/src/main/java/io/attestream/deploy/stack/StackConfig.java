package io.attestream.deploy.stack;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of the local stack. Every setting has a key ({@code *_CONFIG}), a command-line option of
 * {@link StackCommand} ({@link #optionFor(String)}) and a default; {@link #KEY_DOCS} documents them.
 * Rules spanning keys (distinct ports) are checked when the record is built.
 *
 * @param stackDir directory holding every service's data, PID file and log
 * @param cacheDir directory caching downloads (registry distribution, libchdb)
 * @param kafkaPort Kafka client listener port
 * @param kafkaControllerPort Kafka KRaft controller listener port
 * @param registryPort schema registry HTTP port
 * @param registryManagementPort schema registry management (health, metrics) port
 * @param clickHousePort ClickHouse HTTP front port
 * @param registryJava a Java home or {@code java} executable for the registry; empty means search
 * @param clickHouseDefaultPassword password of the ClickHouse {@code default} user (read-write)
 * @param clickHouseAuditorPassword password of the read-only ClickHouse {@code auditor} user
 * @param startTimeout how long {@code up} waits for every service to answer
 * @param detach whether services run in their own session and outlive the JVM that started them
 * @param witness whether {@code up} runs the stack's witness (C2SP tlog-witness, {@code attestream witness})
 * @param witnessPort the witness's HTTP port
 * @param witnessLogKeys checkpoint verifier keys (vkey files) of the logs the witness cosigns; empty means the demo
 *     chainer's key {@code <stack.dir>/demo/keys/attestream-demo.vkey}, created by {@code up} when missing
 */
public record StackConfig(
        Path stackDir,
        Path cacheDir,
        int kafkaPort,
        int kafkaControllerPort,
        int registryPort,
        int registryManagementPort,
        int clickHousePort,
        Optional<Path> registryJava,
        String clickHouseDefaultPassword,
        String clickHouseAuditorPassword,
        Duration startTimeout,
        boolean detach,
        boolean witness,
        int witnessPort,
        List<Path> witnessLogKeys) {

    /** Directory holding data, PIDs and logs. */
    public static final String STACK_DIR_CONFIG = "stack.dir";
    /** Download cache directory. */
    public static final String CACHE_DIR_CONFIG = "cache.dir";
    /** Kafka client listener port. */
    public static final String KAFKA_PORT_CONFIG = "kafka.port";
    /** Kafka controller listener port. */
    public static final String KAFKA_CONTROLLER_PORT_CONFIG = "kafka.controller.port";
    /** Schema registry HTTP port. */
    public static final String REGISTRY_PORT_CONFIG = "registry.port";
    /** Schema registry management port. */
    public static final String REGISTRY_MANAGEMENT_PORT_CONFIG = "registry.management.port";
    /** ClickHouse HTTP port. */
    public static final String CLICKHOUSE_PORT_CONFIG = "clickhouse.port";
    /** Java used to run the registry. */
    public static final String REGISTRY_JAVA_CONFIG = "registry.java";
    /** Password of the ClickHouse default user. */
    public static final String CLICKHOUSE_DEFAULT_PASSWORD_CONFIG = "clickhouse.default.password";
    /** Password of the ClickHouse auditor user. */
    public static final String CLICKHOUSE_AUDITOR_PASSWORD_CONFIG = "clickhouse.auditor.password";
    /** Start timeout. */
    public static final String START_TIMEOUT_CONFIG = "start.timeout";
    /** Whether the stack runs a witness. */
    public static final String WITNESS_CONFIG = "witness.enabled";
    /** Witness HTTP port. */
    public static final String WITNESS_PORT_CONFIG = "witness.port";
    /** Checkpoint keys of the logs the witness cosigns. */
    public static final String WITNESS_LOG_KEYS_CONFIG = "witness.log.keys";

    /** Default stack directory, relative to the working directory. */
    public static final Path DEFAULT_STACK_DIR = Path.of(".attestream");
    /** Default Kafka client port. */
    public static final int DEFAULT_KAFKA_PORT = 9092;
    /** Default Kafka controller port. */
    public static final int DEFAULT_KAFKA_CONTROLLER_PORT = 9093;
    /** Default registry port. */
    public static final int DEFAULT_REGISTRY_PORT = 8081;
    /** Default registry management port (Quarkus' own default, 9000, collides too often). */
    public static final int DEFAULT_REGISTRY_MANAGEMENT_PORT = 8091;
    /** Default ClickHouse HTTP port. */
    public static final int DEFAULT_CLICKHOUSE_PORT = 8123;
    /** Default password of the auditor user; documented in docs/local-stack.md. */
    public static final String DEFAULT_AUDITOR_PASSWORD = "auditor";
    /** Default witness port (the witness README's example port). */
    public static final int DEFAULT_WITNESS_PORT = 8380;
    /** Default start timeout: generous because two cores shared by builds can slow Quarkus tenfold. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(180);
    /** Environment variable overriding the default cache directory. */
    public static final String CACHE_ENV = "ATTESTREAM_CACHE";

    /** Key, its command-line option and what it means, in a stable order. */
    public static final Map<String, String> KEY_DOCS = keyDocs();

    private static Map<String, String> keyDocs() {
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put(STACK_DIR_CONFIG, "--dir: directory for data, PID files and logs (default ./.attestream)");
        docs.put(CACHE_DIR_CONFIG, "--cache-dir: download cache (default $" + CACHE_ENV
                + " or ~/.cache/attestream)");
        docs.put(KAFKA_PORT_CONFIG, "--kafka-port: Kafka client listener (default 9092)");
        docs.put(KAFKA_CONTROLLER_PORT_CONFIG, "--kafka-controller-port: KRaft controller listener (default 9093)");
        docs.put(REGISTRY_PORT_CONFIG, "--registry-port: schema registry HTTP (default 8081)");
        docs.put(REGISTRY_MANAGEMENT_PORT_CONFIG, "--registry-management-port: registry health/metrics (default 8091)");
        docs.put(CLICKHOUSE_PORT_CONFIG, "--clickhouse-port: ClickHouse HTTP interface (default 8123)");
        docs.put(REGISTRY_JAVA_CONFIG, "--registry-java: Java home or java executable for the registry "
                + "(default: newest JDK >= 21 found, else Java 17 with registry 2.6.13.Final)");
        docs.put(CLICKHOUSE_DEFAULT_PASSWORD_CONFIG, "--clickhouse-password: password of user 'default' "
                + "(default empty), set when the users file is first written");
        docs.put(CLICKHOUSE_AUDITOR_PASSWORD_CONFIG, "--auditor-password: password of read-only user 'auditor' "
                + "(default 'auditor'), set when the users file is first written");
        docs.put(START_TIMEOUT_CONFIG, "--timeout: seconds 'up' waits for each service to answer (default 180)");
        docs.put(WITNESS_CONFIG, "--no-witness: do not run the stack's witness (default: run it)");
        docs.put(WITNESS_PORT_CONFIG, "--witness-port: the witness's HTTP port (default 8380)");
        docs.put(WITNESS_LOG_KEYS_CONFIG, "--witness-log-key: checkpoint vkey file of the logs the witness cosigns, "
                + "repeatable (default: the demo chainer's key <dir>/demo/keys/attestream-demo.vkey, created when "
                + "missing)");
        return Map.copyOf(docs);
    }

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException naming the key of a bad value
     */
    public StackConfig {
        requireNonNull(stackDir, "stackDir");
        requireNonNull(cacheDir, "cacheDir");
        requireNonNull(registryJava, "registryJava");
        requireNonNull(clickHouseDefaultPassword, "clickHouseDefaultPassword");
        requireNonNull(clickHouseAuditorPassword, "clickHouseAuditorPassword");
        requireNonNull(startTimeout, "startTimeout");
        witnessLogKeys = List.copyOf(requireNonNull(witnessLogKeys, "witnessLogKeys")).stream()
                .map(k -> k.toAbsolutePath().normalize()).toList();
        stackDir = stackDir.toAbsolutePath().normalize();
        cacheDir = cacheDir.toAbsolutePath().normalize();
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put(KAFKA_PORT_CONFIG, kafkaPort);
        ports.put(KAFKA_CONTROLLER_PORT_CONFIG, kafkaControllerPort);
        ports.put(REGISTRY_PORT_CONFIG, registryPort);
        ports.put(REGISTRY_MANAGEMENT_PORT_CONFIG, registryManagementPort);
        ports.put(CLICKHOUSE_PORT_CONFIG, clickHousePort);
        if (witness) {
            ports.put(WITNESS_PORT_CONFIG, witnessPort);
        }
        Map<Integer, String> seen = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : ports.entrySet()) {
            int port = e.getValue();
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(e.getKey() + " must be a port in 1..65535, got " + port
                        + " (option " + optionFor(e.getKey()) + ")");
            }
            String other = seen.putIfAbsent(port, e.getKey());
            if (other != null) {
                throw new IllegalArgumentException(other + " and " + e.getKey() + " are both " + port
                        + "; give them different ports (options " + optionFor(other) + ", "
                        + optionFor(e.getKey()) + ")");
            }
        }
        if (startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException(START_TIMEOUT_CONFIG + " must be positive, got " + startTimeout);
        }
        if (clickHouseAuditorPassword.isEmpty()) {
            throw new IllegalArgumentException(CLICKHOUSE_AUDITOR_PASSWORD_CONFIG
                    + " must not be empty: the auditor user is meant for people outside the pipeline");
        }
    }

    /**
     * @param key one of the {@code *_CONFIG} keys
     * @return the {@link StackCommand} option that sets it
     */
    public static String optionFor(String key) {
        String doc = KEY_DOCS.get(requireNonNull(key, "key"));
        if (doc == null) {
            throw new IllegalArgumentException("unknown stack config key " + key);
        }
        return doc.substring(0, doc.indexOf(':'));
    }

    /**
     * @return the default cache directory: {@code $ATTESTREAM_CACHE}, else {@code ~/.cache/attestream}
     */
    public static Path defaultCacheDir() {
        String env = System.getenv(CACHE_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "attestream");
    }

    /**
     * @param stackDir the stack directory
     * @return a builder with every other setting at its default
     */
    public static Builder builder(Path stackDir) {
        return new Builder(requireNonNull(stackDir, "stackDir"));
    }

    /**
     * @return the witness's checkpoint vkey files: {@link #witnessLogKeys()}, or the demo chainer's key when empty
     */
    public List<Path> effectiveWitnessLogKeys() {
        return witnessLogKeys.isEmpty() ? List.of(defaultWitnessLogKey()) : witnessLogKeys;
    }

    /** @return {@code <stack.dir>/demo/keys/attestream-demo.vkey}, the key {@code attestream demo} signs with */
    public Path defaultWitnessLogKey() {
        return stackDir.resolve("demo").resolve("keys").resolve("attestream-demo.vkey");
    }

    /** @return the file where {@code up} writes the endpoints */
    public Path endpointsFile() {
        return stackDir.resolve(StackEndpoints.FILE_NAME);
    }

    /** Builds a {@link StackConfig}; every setting starts at its default. */
    public static final class Builder {
        private final Path stackDir;
        private Path cacheDir = defaultCacheDir();
        private int kafkaPort = DEFAULT_KAFKA_PORT;
        private int kafkaControllerPort = DEFAULT_KAFKA_CONTROLLER_PORT;
        private int registryPort = DEFAULT_REGISTRY_PORT;
        private int registryManagementPort = DEFAULT_REGISTRY_MANAGEMENT_PORT;
        private int clickHousePort = DEFAULT_CLICKHOUSE_PORT;
        private Path registryJava;
        private String clickHouseDefaultPassword = "";
        private String clickHouseAuditorPassword = DEFAULT_AUDITOR_PASSWORD;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private boolean detach = true;
        private boolean witness = true;
        private int witnessPort = DEFAULT_WITNESS_PORT;
        private List<Path> witnessLogKeys = List.of();

        private Builder(Path stackDir) {
            this.stackDir = stackDir;
        }

        /** @param value see {@link #CACHE_DIR_CONFIG} @return this */
        public Builder cacheDir(Path value) {
            this.cacheDir = requireNonNull(value, "value");
            return this;
        }

        /** @param value see {@link #KAFKA_PORT_CONFIG} @return this */
        public Builder kafkaPort(int value) {
            this.kafkaPort = value;
            return this;
        }

        /** @param value see {@link #KAFKA_CONTROLLER_PORT_CONFIG} @return this */
        public Builder kafkaControllerPort(int value) {
            this.kafkaControllerPort = value;
            return this;
        }

        /** @param value see {@link #REGISTRY_PORT_CONFIG} @return this */
        public Builder registryPort(int value) {
            this.registryPort = value;
            return this;
        }

        /** @param value see {@link #REGISTRY_MANAGEMENT_PORT_CONFIG} @return this */
        public Builder registryManagementPort(int value) {
            this.registryManagementPort = value;
            return this;
        }

        /** @param value see {@link #CLICKHOUSE_PORT_CONFIG} @return this */
        public Builder clickHousePort(int value) {
            this.clickHousePort = value;
            return this;
        }

        /** @param value see {@link #REGISTRY_JAVA_CONFIG}; null means search @return this */
        public Builder registryJava(Path value) {
            this.registryJava = value;
            return this;
        }

        /** @param value see {@link #CLICKHOUSE_DEFAULT_PASSWORD_CONFIG} @return this */
        public Builder clickHouseDefaultPassword(String value) {
            this.clickHouseDefaultPassword = requireNonNull(value, "value");
            return this;
        }

        /** @param value see {@link #CLICKHOUSE_AUDITOR_PASSWORD_CONFIG} @return this */
        public Builder clickHouseAuditorPassword(String value) {
            this.clickHouseAuditorPassword = requireNonNull(value, "value");
            return this;
        }

        /** @param value see {@link #START_TIMEOUT_CONFIG} @return this */
        public Builder startTimeout(Duration value) {
            this.startTimeout = requireNonNull(value, "value");
            return this;
        }

        /**
         * @param value true (the default) to run services in their own session so they outlive this
         *     JVM; false to keep them in this JVM's process group (tests: Ctrl-C stops everything)
         * @return this
         */
        public Builder detach(boolean value) {
            this.detach = value;
            return this;
        }

        /** @param value see {@link #WITNESS_CONFIG} @return this */
        public Builder witness(boolean value) {
            this.witness = value;
            return this;
        }

        /** @param value see {@link #WITNESS_PORT_CONFIG} @return this */
        public Builder witnessPort(int value) {
            this.witnessPort = value;
            return this;
        }

        /** @param value see {@link #WITNESS_LOG_KEYS_CONFIG} @return this */
        public Builder witnessLogKeys(List<Path> value) {
            this.witnessLogKeys = List.copyOf(requireNonNull(value, "value"));
            return this;
        }

        /** @return the validated config */
        public StackConfig build() {
            return new StackConfig(stackDir, cacheDir, kafkaPort, kafkaControllerPort, registryPort,
                    registryManagementPort, clickHousePort, Optional.ofNullable(registryJava),
                    clickHouseDefaultPassword, clickHouseAuditorPassword, startTimeout, detach, witness, witnessPort,
                    witnessLogKeys);
        }
    }
}
