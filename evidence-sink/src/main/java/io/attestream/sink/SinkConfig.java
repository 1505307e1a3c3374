package io.attestream.sink;

import io.attestream.sink.internal.ClickHouseStore;
import io.attestream.runtime.HealthServer;
import io.attestream.runtime.KafkaClientKeys;
import io.attestream.runtime.StageConfigLoader;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.RegistryClientConfig;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of the {@link EvidenceSink}. Required keys have no default; rules spanning keys are checked here,
 * at start-up, with a message naming the key. Every key the sink does not declare (and that is not a registry key)
 * goes to its Kafka consumer unchanged ({@code security.protocol}, {@code sasl.*}, {@code ssl.*},
 * {@code client.rack}...); {@code consumer.X} sets consumer key {@code X} where the sink declares {@code X} itself
 * (e.g. {@code consumer.retry.backoff.ms}).
 */
public final class SinkConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    private static final String BOOTSTRAP_SERVERS_DOC = "Kafka bootstrap servers of the pipeline's cluster.";

    public static final String GROUP_ID_CONFIG = "group.id";
    private static final String GROUP_ID_DOC = "Consumer group. Offsets of record are stored in ClickHouse (table"
            + " sink_offsets) under this name; Kafka's committed offsets are written too, for lag tooling only.";

    public static final String TOPICS_CONFIG = "topics";
    private static final String TOPICS_DOC = "Topics to land. Names other than the pipeline's four are rejected. A"
            + " listed topic that does not exist yet (drift alerts) is picked up when it is created.";

    public static final String REGISTRY_URL_CONFIG = RegistryClientConfig.URL_CONFIG;
    private static final String REGISTRY_URL_DOC = "Confluent-compatible schema registry; its schemas are landed in"
            + " registry_schemas.";

    public static final String CLICKHOUSE_URL_CONFIG = "clickhouse.url";
    private static final String CLICKHOUSE_URL_DOC = "JDBC URL of ClickHouse, e.g. jdbc:clickhouse://127.0.0.1:8123."
            + " Driver flags the sink sets (compress, beta.row_binary_for_simple_insert, socket_timeout) are refused in"
            + " its query string: set clickhouse.compress, clickhouse.insert.row.binary, clickhouse.socket.timeout.ms.";

    public static final String CLICKHOUSE_USER_CONFIG = "clickhouse.user";
    public static final String CLICKHOUSE_PASSWORD_CONFIG = "clickhouse.password";

    public static final String CLICKHOUSE_DATABASE_CONFIG = "clickhouse.database";
    private static final String CLICKHOUSE_DATABASE_DOC = "Database of the evidence tables; created if missing.";

    public static final String CLICKHOUSE_CLUSTER_CONFIG = "clickhouse.cluster";
    private static final String CLICKHOUSE_CLUSTER_DOC = "Empty for one server. A cluster name switches the DDL to"
            + " replicated local tables ON CLUSTER plus Distributed tables (README).";

    public static final String BATCH_MAX_ROWS_CONFIG = "batch.max.rows";
    private static final String BATCH_MAX_ROWS_DOC = "Records per ClickHouse batch, at most.";

    public static final String BATCH_LINGER_MS_CONFIG = "batch.linger.ms";
    private static final String BATCH_LINGER_MS_DOC = "How long a batch may wait for more records before it is"
            + " written.";

    public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";
    private static final String RETRY_BACKOFF_MS_DOC = "First wait after a failed ClickHouse write; doubles per"
            + " attempt up to retry.backoff.max.ms.";

    public static final String RETRY_BACKOFF_MAX_MS_CONFIG = "retry.backoff.max.ms";
    private static final String RETRY_BACKOFF_MAX_MS_DOC = "Longest wait between two attempts.";

    public static final String RETRY_TIMEOUT_MS_CONFIG = "retry.timeout.ms";
    private static final String RETRY_TIMEOUT_MS_DOC = "Give up (exit 1, nothing dropped) when ClickHouse has"
            + " been unavailable this long; 0 retries forever.";

    public static final String CLICKHOUSE_SOCKET_TIMEOUT_MS_CONFIG = "clickhouse.socket.timeout.ms";
    private static final String CLICKHOUSE_SOCKET_TIMEOUT_MS_DOC = "A ClickHouse request that gets no answer for this"
            + " long fails and is retried like an outage (an insert as ambiguous: its rows are read back first), instead"
            + " of blocking the sink forever.";

    public static final String CLICKHOUSE_COMPRESS_CONFIG = "clickhouse.compress";
    private static final String CLICKHOUSE_COMPRESS_DOC = "HTTP compression between the sink and ClickHouse (driver"
            + " flag compress). Off by default: the sink and ClickHouse are meant to be near each other and LZ4 costs"
            + " CPU on both ends; turn it on across a slow link.";

    public static final String CLICKHOUSE_ROW_BINARY_INSERT_CONFIG = "clickhouse.insert.row.binary";
    private static final String CLICKHOUSE_ROW_BINARY_INSERT_DOC = "Send batches as INSERT ... FORMAT RowBinary"
            + " (driver flag beta.row_binary_for_simple_insert; about 3x the VALUES path). false falls back to"
            + " INSERT ... VALUES text, e.g. for a proxy that does not pass binary bodies.";

    public static final String CLICKHOUSE_INSERT_CLIENT_CONFIG = "clickhouse.insert.client";
    private static final String CLICKHOUSE_INSERT_CLIENT_DOC = "How a batch is sent: jdbc = clickhouse-jdbc"
            + " PreparedStatement batches (addBatch/executeBatch, RowBinary as clickhouse.insert.row.binary says);"
            + " client-v2 = the sink encodes the rows as RowBinary itself and streams them with the JDBC connection's"
            + " own client-v2 client (Client.insert): one request per table batch, same endpoint, credentials, TLS,"
            + " timeouts and server settings. DDL and queries use JDBC either way.";

    /**
     * Prefix of further clickhouse-jdbc driver properties, passed with the prefix removed (e.g.
     * {@code clickhouse.jdbc.ssl=true}). The flags that have their own key above are refused here.
     */
    public static final String CLICKHOUSE_JDBC_PREFIX = "clickhouse.jdbc.";

    /**
     * Prefix of ClickHouse server settings sent with every query of the sink (e.g.
     * {@code clickhouse.setting.insert_quorum=2}); on a cluster they override {@link #CLUSTER_INSERT_SETTINGS}.
     */
    public static final String CLICKHOUSE_SETTING_PREFIX = "clickhouse.setting.";

    /**
     * Server settings the sink sends on a cluster unless {@value #CLICKHOUSE_SETTING_PREFIX} keys override them
     * (docs/operations.md, "ClickHouse cluster"): a Distributed insert returns only once every shard has its rows
     * (else the sink would record offsets of rows still queued on one node, and its read-back after an ambiguous
     * insert would miss them), each shard's insert waits for a majority of its replicas, in order, and the sink's
     * reads see every insert acknowledged that way.
     */
    public static final Map<String, String> CLUSTER_INSERT_SETTINGS = Map.of(
            "insert_distributed_sync", "1",
            "insert_quorum", "auto",
            "insert_quorum_parallel", "0",
            "select_sequential_consistency", "1");

    /** Driver flags the sink sets from its own keys; refused in the URL and under {@value #CLICKHOUSE_JDBC_PREFIX}. */
    static final Map<String, String> OWNED_DRIVER_FLAGS = Map.of(
            "compress", CLICKHOUSE_COMPRESS_CONFIG,
            "beta.row_binary_for_simple_insert", CLICKHOUSE_ROW_BINARY_INSERT_CONFIG,
            "socket_timeout", CLICKHOUSE_SOCKET_TIMEOUT_MS_CONFIG,
            "user", CLICKHOUSE_USER_CONFIG,
            "password", CLICKHOUSE_PASSWORD_CONFIG);

    public static final String ERRORS_TOLERANCE_CONFIG = "errors.tolerance";
    private static final String ERRORS_TOLERANCE_DOC = "none: stop at a chained event whose original bytes do not"
            + " decode. all: land its evidence row without the typed row, log topic/partition/offset and count it.";

    /** Port of /live, /ready and /metrics ({@link HealthServer}). */
    public static final String METRICS_PORT_CONFIG = HealthServer.PORT_CONFIG;
    /** Address they bind to. */
    public static final String METRICS_BIND_ADDRESS_CONFIG = HealthServer.BIND_ADDRESS_CONFIG;
    /** Default of {@link #METRICS_PORT_CONFIG}. */
    public static final int DEFAULT_METRICS_PORT = 9403;

    /** Prefix of Kafka consumer properties passed through unchanged (prefix stripped). */
    public static final String CONSUMER_PREFIX = "consumer.";

    private static final String REGISTRY_PREFIX = "schema.registry.";

    /**
     * The sink's consumer defaults where Kafka's are wrong for it, each overridable as {@code consumer.<key>}:
     * a session timeout of 6 s (the broker's default minimum, group.min.session.timeout.ms) instead of 45 s, so that
     * a sink killed with SIGKILL and restarted gets its partitions back within seconds instead of 41-45 s
     * (docs/operations.md, "Failures and recovery"), with three heartbeats per session.
     */
    public static final Map<String, Object> CONSUMER_DEFAULTS = Map.of(
            "session.timeout.ms", 6_000,
            "heartbeat.interval.ms", 1_500);

    /** The topics the sink knows how to land. */
    public static final List<String> KNOWN_TOPICS = List.of(Topics.CHAINED, Topics.CHECKPOINTS, Topics.DEAD_LETTER,
            Topics.DRIFT_ALERTS, Topics.CHECKPOINT_COSIGNATURES);

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, nonEmptyList(),
                    Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
            .define(GROUP_ID_CONFIG, Type.STRING, "attestream-evidence-sink", new ConfigDef.NonEmptyString(),
                    Importance.HIGH, GROUP_ID_DOC)
            .define(TOPICS_CONFIG, Type.LIST, KNOWN_TOPICS, ConfigDef.ValidList.in(KNOWN_TOPICS.toArray(String[]::new)),
                    Importance.MEDIUM, TOPICS_DOC)
            .define(REGISTRY_URL_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, nonEmptyList(),
                    Importance.HIGH, REGISTRY_URL_DOC)
            .define(CLICKHOUSE_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.LambdaValidator.with(
                    (name, value) -> {
                        if (value == null || !value.toString().startsWith("jdbc:clickhouse:")) {
                            throw new ConfigException(name, value, "must start with jdbc:clickhouse:");
                        }
                    }, () -> "jdbc:clickhouse://host:port"), Importance.HIGH, CLICKHOUSE_URL_DOC)
            .define(CLICKHOUSE_USER_CONFIG, Type.STRING, "default", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "ClickHouse user with INSERT and CREATE rights.")
            .define(CLICKHOUSE_PASSWORD_CONFIG, Type.PASSWORD, "", Importance.HIGH, "Its password.")
            .define(CLICKHOUSE_DATABASE_CONFIG, Type.STRING, "attestream", ConfigDef.LambdaValidator.with(
                    (name, value) -> {
                        if (value == null || !value.toString().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                            throw new ConfigException(name, value, "must be a plain identifier");
                        }
                    }, () -> "identifier [A-Za-z_][A-Za-z0-9_]*"), Importance.MEDIUM, CLICKHOUSE_DATABASE_DOC)
            .define(CLICKHOUSE_CLUSTER_CONFIG, Type.STRING, "", ConfigDef.LambdaValidator.with((name, value) -> {
                if (value != null && !value.toString().isEmpty() && !value.toString().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new ConfigException(name, value, "must be empty or a plain identifier");
                }
            }, () -> "empty or identifier"), Importance.LOW, CLICKHOUSE_CLUSTER_DOC)
            .define(BATCH_MAX_ROWS_CONFIG, Type.INT, 20_000, ConfigDef.Range.between(1, 1_000_000), Importance.MEDIUM,
                    BATCH_MAX_ROWS_DOC)
            .define(BATCH_LINGER_MS_CONFIG, Type.INT, 500, ConfigDef.Range.between(0, 60_000), Importance.MEDIUM,
                    BATCH_LINGER_MS_DOC)
            .define(RETRY_BACKOFF_MS_CONFIG, Type.INT, 200, ConfigDef.Range.between(1, 60_000), Importance.LOW,
                    RETRY_BACKOFF_MS_DOC)
            .define(RETRY_BACKOFF_MAX_MS_CONFIG, Type.INT, 5_000, ConfigDef.Range.between(1, 600_000), Importance.LOW,
                    RETRY_BACKOFF_MAX_MS_DOC)
            .define(RETRY_TIMEOUT_MS_CONFIG, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    RETRY_TIMEOUT_MS_DOC)
            .define(CLICKHOUSE_SOCKET_TIMEOUT_MS_CONFIG, Type.INT, ClickHouseStore.DEFAULT_SOCKET_TIMEOUT_MS,
                    ConfigDef.Range.between(1_000, 3_600_000), Importance.LOW, CLICKHOUSE_SOCKET_TIMEOUT_MS_DOC)
            .define(CLICKHOUSE_COMPRESS_CONFIG, Type.BOOLEAN, false, Importance.LOW, CLICKHOUSE_COMPRESS_DOC)
            .define(CLICKHOUSE_ROW_BINARY_INSERT_CONFIG, Type.BOOLEAN, true, Importance.LOW,
                    CLICKHOUSE_ROW_BINARY_INSERT_DOC)
            .define(CLICKHOUSE_INSERT_CLIENT_CONFIG, Type.STRING, ClickHouseStore.DEFAULT_INSERT_CLIENT.key(),
                    ConfigDef.ValidString.in(Arrays.stream(ClickHouseStore.InsertClient.values())
                            .map(ClickHouseStore.InsertClient::key).toArray(String[]::new)),
                    Importance.LOW, CLICKHOUSE_INSERT_CLIENT_DOC)
            .define(ERRORS_TOLERANCE_CONFIG, Type.STRING, "none", ConfigDef.ValidString.in("none", "all"),
                    Importance.MEDIUM, ERRORS_TOLERANCE_DOC);

    static {
        HealthServer.define(CONFIG, DEFAULT_METRICS_PORT);
    }

    private static ConfigDef.Validator nonEmptyList() {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (value == null || ((List<?>) value).isEmpty()) {
                throw new ConfigException(name, value, "must name at least one");
            }
        }, () -> "non-empty list");
    }

    /**
     * Parses and validates {@code props}.
     *
     * @throws ConfigException naming the first bad key
     */
    public SinkConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
        if (getInt(RETRY_BACKOFF_MAX_MS_CONFIG) < getInt(RETRY_BACKOFF_MS_CONFIG)) {
            throw new ConfigException(RETRY_BACKOFF_MAX_MS_CONFIG, getInt(RETRY_BACKOFF_MAX_MS_CONFIG),
                    "must be at least " + RETRY_BACKOFF_MS_CONFIG + " (" + getInt(RETRY_BACKOFF_MS_CONFIG) + ")");
        }
        if (getList(TOPICS_CONFIG).isEmpty()) {
            throw new ConfigException(TOPICS_CONFIG, "", "name at least one topic");
        }
        Map<String, Object> consumer = consumerOverrides();
        Object isolation = consumer.get("isolation.level");
        if (isolation != null && !"read_committed".equals(isolation.toString().toLowerCase(Locale.ROOT))) {
            throw new ConfigException(givenAs("isolation.level"), isolation,
                    "the sink reads read_committed only: aborted chainer transactions are not evidence");
        }
        Object autoCommit = consumer.get("enable.auto.commit");
        if (autoCommit != null && Boolean.parseBoolean(autoCommit.toString())) {
            throw new ConfigException(givenAs("enable.auto.commit"), autoCommit,
                    "offsets are committed by the sink after ClickHouse has the rows");
        }
        checkDriverKeys();
    }

    private void checkDriverKeys() {
        String url = getString(CLICKHOUSE_URL_CONFIG);
        int query = url.indexOf('?');
        if (query >= 0) {
            for (String param : url.substring(query + 1).split("&")) {
                String name = param.split("=", 2)[0];
                if (OWNED_DRIVER_FLAGS.containsKey(name)) {
                    throw new ConfigException(CLICKHOUSE_URL_CONFIG, url, "driver flag " + name + " is set by "
                            + OWNED_DRIVER_FLAGS.get(name) + "; remove it from the URL");
                }
            }
        }
        for (String name : originalsWithPrefix(CLICKHOUSE_JDBC_PREFIX).keySet()) {
            if (OWNED_DRIVER_FLAGS.containsKey(name)) {
                throw new ConfigException(CLICKHOUSE_JDBC_PREFIX + name, "[hidden]", "set "
                        + OWNED_DRIVER_FLAGS.get(name) + " instead");
            }
            if (name.startsWith("clickhouse_setting_")) {
                throw new ConfigException(CLICKHOUSE_JDBC_PREFIX + name, originals().get(CLICKHOUSE_JDBC_PREFIX + name),
                        "server settings take the prefix " + CLICKHOUSE_SETTING_PREFIX);
            }
        }
        Map<String, Object> settings = originalsWithPrefix(CLICKHOUSE_SETTING_PREFIX);
        for (Map.Entry<String, Object> e : settings.entrySet()) {
            if (!e.getKey().matches("[a-z_][a-z0-9_]*")) {
                throw new ConfigException(CLICKHOUSE_SETTING_PREFIX + e.getKey(), e.getValue(),
                        "not a ClickHouse setting name ([a-z_][a-z0-9_]*)");
            }
        }
        if (!getString(CLICKHOUSE_CLUSTER_CONFIG).isEmpty()) {
            for (String sync : List.of("insert_distributed_sync", "distributed_foreground_insert")) {
                Object value = settings.get(sync);
                if (value != null && !"1".equals(value.toString().strip())) {
                    throw new ConfigException(CLICKHOUSE_SETTING_PREFIX + sync, value, "must stay 1 on a cluster: the"
                            + " sink records an offset only once its rows are on their shard, and reads them back"
                            + " after an ambiguous insert (docs/operations.md, \"ClickHouse cluster\")");
                }
            }
        }
    }

    /**
     * The driver properties of the sink's ClickHouse connection, in the order they are appended to the JDBC URL:
     * its own flags, then {@value #CLICKHOUSE_JDBC_PREFIX} keys, then server settings as
     * {@code clickhouse_setting_NAME} (on a cluster {@link #CLUSTER_INSERT_SETTINGS} first, overridden by
     * {@value #CLICKHOUSE_SETTING_PREFIX} keys). Credentials are not among them.
     */
    public Map<String, String> clickHouseDriverProperties() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("compress", String.valueOf(getBoolean(CLICKHOUSE_COMPRESS_CONFIG)));
        out.put("beta.row_binary_for_simple_insert", String.valueOf(getBoolean(CLICKHOUSE_ROW_BINARY_INSERT_CONFIG)));
        out.put("socket_timeout", String.valueOf(getInt(CLICKHOUSE_SOCKET_TIMEOUT_MS_CONFIG)));
        new TreeMap<>(originalsWithPrefix(CLICKHOUSE_JDBC_PREFIX)).forEach((k, v) -> out.put(k, String.valueOf(v)));
        Map<String, String> settings = new TreeMap<>();
        if (!getString(CLICKHOUSE_CLUSTER_CONFIG).isEmpty()) {
            settings.putAll(CLUSTER_INSERT_SETTINGS);
        }
        originalsWithPrefix(CLICKHOUSE_SETTING_PREFIX).forEach((k, v) -> settings.put(k, String.valueOf(v)));
        settings.forEach((k, v) -> out.put("clickhouse_setting_" + k, v));
        return out;
    }

    /** The insert path {@value #CLICKHOUSE_INSERT_CLIENT_CONFIG} names. */
    public ClickHouseStore.InsertClient clickHouseInsertClient() {
        return ClickHouseStore.InsertClient.of(getString(CLICKHOUSE_INSERT_CLIENT_CONFIG));
    }

    private String givenAs(String consumerKey) {
        return originals().containsKey(CONSUMER_PREFIX + consumerKey) ? CONSUMER_PREFIX + consumerKey : consumerKey;
    }

    /** The key definitions, for documentation ({@code ConfigDef#toRst}). */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** The registry client configuration: every {@code schema.registry.*} and auth key passed through. */
    public RegistryClientConfig registryConfig() {
        Map<String, Object> props = new HashMap<>();
        for (Map.Entry<String, ?> e : originals().entrySet()) {
            if (e.getKey().startsWith(REGISTRY_PREFIX)
                    || e.getKey().equals(RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG)) {
                props.put(e.getKey(), e.getValue());
            }
        }
        return new RegistryClientConfig(props);
    }

    /**
     * Consumer properties from the configuration: every key the sink does not own, unchanged, then those given with
     * the {@value #CONSUMER_PREFIX} prefix (prefix stripped) over them.
     */
    public Map<String, Object> consumerOverrides() {
        Set<String> owned = new HashSet<>(CONFIG.names());
        owned.add(RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG);
        // clickhouse.jdbc.* and clickhouse.setting.* are the sink's driver flags and server settings: never Kafka's.
        return KafkaClientKeys.forClient(KafkaClientKeys.passThrough(originals(), owned, List.of(REGISTRY_PREFIX,
                CLICKHOUSE_JDBC_PREFIX, CLICKHOUSE_SETTING_PREFIX)), CONSUMER_PREFIX);
    }

    /** The loader of this stage's configuration ({@code attestream sink run}). */
    public static StageConfigLoader loader() {
        return StageConfigLoader.forStage("sink").owning(CONFIG, RegistryClientConfig.configDef())
                .endpoints(StageConfigLoader.Endpoint.values());
    }
}
