package io.attestream.deploy.stack;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Where a running stack answers, and as whom to log in: everything a client of the stack needs.
 * {@code attestream stack up} writes it to {@code endpoints.properties} in the stack directory
 * ({@link #store(Path)}); other commands and tests read it back with {@link #load(Path)}, or take
 * it from environment variables to use clusters that are not the embedded stack
 * ({@link #fromEnvironment(Map)}).
 *
 * @param bootstrapServers Kafka {@code bootstrap.servers}
 * @param registryUrl Confluent-compatible schema registry base URL, e.g.
 *     {@code http://127.0.0.1:8081/apis/ccompat/v7}
 * @param clickHouseUrl ClickHouse HTTP interface, e.g. {@code http://127.0.0.1:8123}
 * @param clickHouseJdbcUrl JDBC URL for clickhouse-jdbc; derived ones name the evidence database
 *     {@value #EVIDENCE_DATABASE}, so {@code attestream verify} and {@code report} find their tables unqualified
 * @param clickHouseUser read-write ClickHouse user
 * @param clickHousePassword its password (may be empty)
 * @param auditorUser read-only ClickHouse user
 * @param auditorPassword its password
 */
public record StackEndpoints(
        String bootstrapServers,
        String registryUrl,
        String clickHouseUrl,
        String clickHouseJdbcUrl,
        String clickHouseUser,
        String clickHousePassword,
        String auditorUser,
        String auditorPassword) {

    /** The database the evidence sink writes (its default {@code clickhouse.database}); created by {@code stack up}. */
    public static final String EVIDENCE_DATABASE = "attestream";

    /** Name of the endpoints file inside the stack directory. */
    public static final String FILE_NAME = "endpoints.properties";

    /** Key of {@link #bootstrapServers()} in the endpoints file. */
    public static final String KAFKA_BOOTSTRAP_KEY = "kafka.bootstrap.servers";
    /** Key of {@link #registryUrl()}. */
    public static final String REGISTRY_URL_KEY = "registry.url";
    /** Key of {@link #clickHouseUrl()}. */
    public static final String CLICKHOUSE_URL_KEY = "clickhouse.url";
    /** Key of {@link #clickHouseJdbcUrl()}. */
    public static final String CLICKHOUSE_JDBC_URL_KEY = "clickhouse.jdbc.url";
    /** Key of {@link #clickHouseUser()}. */
    public static final String CLICKHOUSE_USER_KEY = "clickhouse.user";
    /** Key of {@link #clickHousePassword()}. */
    public static final String CLICKHOUSE_PASSWORD_KEY = "clickhouse.password";
    /** Key of {@link #auditorUser()}. */
    public static final String AUDITOR_USER_KEY = "clickhouse.auditor.user";
    /** Key of {@link #auditorPassword()}. */
    public static final String AUDITOR_PASSWORD_KEY = "clickhouse.auditor.password";

    /** Key of the stack witness's submission URL (written by {@code up} when the stack runs a witness). */
    public static final String WITNESS_URL_KEY = "witness.url";
    /** Key of the path of the stack witness's cosigner vkey file (give it to the submitter and to verifiers). */
    public static final String WITNESS_VKEY_KEY = "witness.cosigner.vkey";

    /** Environment variable: Kafka bootstrap servers of an external stack. */
    public static final String ENV_KAFKA = "ATTESTREAM_IT_KAFKA";
    /** Environment variable: registry ccompat base URL of an external stack. */
    public static final String ENV_REGISTRY = "ATTESTREAM_IT_REGISTRY";
    /** Environment variable: ClickHouse HTTP URL of an external stack. */
    public static final String ENV_CLICKHOUSE = "ATTESTREAM_IT_CLICKHOUSE";
    /** Environment variable: ClickHouse read-write user (default {@code default}). */
    public static final String ENV_CLICKHOUSE_USER = "ATTESTREAM_IT_CLICKHOUSE_USER";
    /** Environment variable: its password (default empty). */
    public static final String ENV_CLICKHOUSE_PASSWORD = "ATTESTREAM_IT_CLICKHOUSE_PASSWORD";
    /** Environment variable: ClickHouse read-only user (default {@code auditor}). */
    public static final String ENV_AUDITOR_USER = "ATTESTREAM_IT_AUDITOR_USER";
    /** Environment variable: its password (default {@code auditor}). */
    public static final String ENV_AUDITOR_PASSWORD = "ATTESTREAM_IT_AUDITOR_PASSWORD";
    /** Environment variable: an endpoints file to use instead of the three URL variables. */
    public static final String ENV_ENDPOINTS_FILE = "ATTESTREAM_IT_ENDPOINTS";

    /** Validates that every endpoint is present. */
    public StackEndpoints {
        requireNonBlank(bootstrapServers, KAFKA_BOOTSTRAP_KEY);
        requireNonBlank(registryUrl, REGISTRY_URL_KEY);
        requireNonBlank(clickHouseUrl, CLICKHOUSE_URL_KEY);
        requireNonBlank(clickHouseJdbcUrl, CLICKHOUSE_JDBC_URL_KEY);
        requireNonBlank(clickHouseUser, CLICKHOUSE_USER_KEY);
        requireNonNull(clickHousePassword, CLICKHOUSE_PASSWORD_KEY);
        requireNonBlank(auditorUser, AUDITOR_USER_KEY);
        requireNonNull(auditorPassword, AUDITOR_PASSWORD_KEY);
        registryUrl = stripTrailingSlash(registryUrl);
        clickHouseUrl = stripTrailingSlash(clickHouseUrl);
    }

    /**
     * Endpoints of services on 127.0.0.1 at the given ports, as the embedded stack runs them.
     *
     * @param kafkaPort Kafka client port
     * @param registryPort registry HTTP port
     * @param clickHousePort ClickHouse HTTP port
     * @param clickHousePassword password of user {@code default}
     * @param auditorPassword password of user {@code auditor}
     * @return the endpoints
     */
    public static StackEndpoints local(int kafkaPort, int registryPort, int clickHousePort,
            String clickHousePassword, String auditorPassword) {
        return new StackEndpoints("127.0.0.1:" + kafkaPort,
                "http://127.0.0.1:" + registryPort + "/apis/ccompat/v7",
                "http://127.0.0.1:" + clickHousePort,
                jdbcUrl("http://127.0.0.1:" + clickHousePort),
                "default", clickHousePassword, "auditor", auditorPassword);
    }

    /**
     * Reads endpoints from the {@code ATTESTREAM_IT_*} environment variables: either
     * {@value #ENV_ENDPOINTS_FILE} naming an endpoints file, or all three of {@value #ENV_KAFKA},
     * {@value #ENV_REGISTRY}, {@value #ENV_CLICKHOUSE} (users and passwords optional).
     *
     * @param env the environment, usually {@link System#getenv()}
     * @return the endpoints, or empty when none of the variables is set
     * @throws StackException when only some of the three are set (half an external stack is a
     *     mistake, not a request for the embedded one)
     */
    public static Optional<StackEndpoints> fromEnvironment(Map<String, String> env) {
        requireNonNull(env, "env");
        String file = env.get(ENV_ENDPOINTS_FILE);
        if (file != null && !file.isBlank()) {
            return Optional.of(load(Path.of(file)));
        }
        String kafka = env.get(ENV_KAFKA);
        String registry = env.get(ENV_REGISTRY);
        String clickHouse = env.get(ENV_CLICKHOUSE);
        List<String> missing = new ArrayList<>();
        int set = 0;
        for (String name : List.of(ENV_KAFKA, ENV_REGISTRY, ENV_CLICKHOUSE)) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                missing.add(name);
            } else {
                set++;
            }
        }
        if (set == 0) {
            return Optional.empty();
        }
        if (!missing.isEmpty()) {
            throw new StackException("external stack is half configured: " + missing
                    + " not set while other ATTESTREAM_IT_* variables are; set all of " + ENV_KAFKA + ", "
                    + ENV_REGISTRY + ", " + ENV_CLICKHOUSE + " (or " + ENV_ENDPOINTS_FILE
                    + ") to use an external stack, or none to use the embedded one");
        }
        return Optional.of(new StackEndpoints(kafka, registry, clickHouse, jdbcUrl(clickHouse),
                env.getOrDefault(ENV_CLICKHOUSE_USER, "default"),
                env.getOrDefault(ENV_CLICKHOUSE_PASSWORD, ""),
                env.getOrDefault(ENV_AUDITOR_USER, "auditor"),
                env.getOrDefault(ENV_AUDITOR_PASSWORD, StackConfig.DEFAULT_AUDITOR_PASSWORD)));
    }

    /**
     * Reads an endpoints file written by {@link #store(Path)}.
     *
     * @param file the endpoints file
     * @return the endpoints
     * @throws StackException when the file is missing or lacks a key
     */
    public static StackEndpoints load(Path file) {
        requireNonNull(file, "file");
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new StackException("no endpoints file at " + file
                    + ": the stack is not up (run 'attestream stack up', or pass --dir with the stack directory)");
        } catch (IOException e) {
            throw new StackException("cannot read endpoints file " + file + ": " + e.getMessage(), e);
        }
        try {
            return new StackEndpoints(p.getProperty(KAFKA_BOOTSTRAP_KEY), p.getProperty(REGISTRY_URL_KEY),
                    p.getProperty(CLICKHOUSE_URL_KEY), p.getProperty(CLICKHOUSE_JDBC_URL_KEY),
                    p.getProperty(CLICKHOUSE_USER_KEY), p.getProperty(CLICKHOUSE_PASSWORD_KEY),
                    p.getProperty(AUDITOR_USER_KEY), p.getProperty(AUDITOR_PASSWORD_KEY));
        } catch (NullPointerException | IllegalArgumentException e) {
            throw new StackException("endpoints file " + file + " is incomplete: " + e.getMessage(), e);
        }
    }

    /**
     * Writes this to a properties file, atomically (readers never see half a file), readable by the
     * owner only since it holds passwords.
     *
     * @param file the endpoints file
     */
    public void store(Path file) {
        store(file, Map.of());
    }

    /**
     * Writes the endpoints file with extra keys (the witness's, {@link #WITNESS_URL_KEY}), atomically.
     *
     * @param file the file
     * @param extra more keys and values; none may be one of the record's keys
     */
    public void store(Path file, Map<String, String> extra) {
        requireNonNull(file, "file");
        requireNonNull(extra, "extra");
        Properties p = new Properties();
        p.putAll(extra);
        p.setProperty(KAFKA_BOOTSTRAP_KEY, bootstrapServers);
        p.setProperty(REGISTRY_URL_KEY, registryUrl);
        p.setProperty(CLICKHOUSE_URL_KEY, clickHouseUrl);
        p.setProperty(CLICKHOUSE_JDBC_URL_KEY, clickHouseJdbcUrl);
        p.setProperty(CLICKHOUSE_USER_KEY, clickHouseUser);
        p.setProperty(CLICKHOUSE_PASSWORD_KEY, clickHousePassword);
        p.setProperty(AUDITOR_USER_KEY, auditorUser);
        p.setProperty(AUDITOR_PASSWORD_KEY, auditorPassword);
        StringWriter text = new StringWriter();
        try {
            p.store(text, "Attestream local stack endpoints (written by 'attestream stack up')");
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, FILE_NAME, ".tmp");
            Files.writeString(tmp, text.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write endpoints file " + file, e);
        }
    }

    /** @return a one-line-per-endpoint summary for people (passwords left out) */
    public String describe() {
        return "kafka       " + bootstrapServers + "\n"
                + "registry    " + registryUrl + "\n"
                + "clickhouse  " + clickHouseUrl + "  (jdbc: " + clickHouseJdbcUrl + ", users: "
                + clickHouseUser + ", " + auditorUser + " read-only)";
    }

    private static String jdbcUrl(String httpUrl) {
        return "jdbc:clickhouse:" + stripTrailingSlash(httpUrl) + "/" + EVIDENCE_DATABASE;
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static void requireNonBlank(String value, String key) {
        requireNonNull(value, key);
        if (value.isBlank()) {
            throw new IllegalArgumentException(key + " must not be blank");
        }
    }
}
