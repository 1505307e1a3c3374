package io.attestream.chainer;

import static java.util.Objects.requireNonNull;

import io.attestream.chainer.DeadLetterReason.FailureMode;
import io.attestream.runtime.HealthServer;
import io.attestream.runtime.KafkaClientKeys;
import io.attestream.runtime.StageConfigLoader;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.RegistryClientConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Configuration of the chainer. Keys starting with {@code chainer.} are the chainer's own; the schema registry keys
 * are {@link RegistryClientConfig}'s; {@code metrics.port} / {@code metrics.bind.address} are the probe server's
 * ({@link HealthServer}); every other key is handed to Kafka Streams unchanged (e.g. {@code state.dir},
 * {@code num.stream.threads}, {@code replication.factor}, {@code security.protocol}, {@code sasl.*}, {@code ssl.*}),
 * except {@code processing.guarantee}, which is always {@code exactly_once_v2}: any other value is rejected at
 * start-up.
 *
 * <p>Rules spanning keys are checked in the constructor and fail with a {@link ConfigException} naming the key.
 */
public final class ChainerConfig extends AbstractConfig {
    /** Kafka Streams application id; also the consumer group and the prefix of internal topics. */
    public static final String APPLICATION_ID_CONFIG = StreamsConfig.APPLICATION_ID_CONFIG;
    private static final String APPLICATION_ID_DOC = "Kafka Streams application id: every instance of one chainer "
            + "deployment MUST use the same value (it names the consumer group and the state changelogs).";

    /** Kafka bootstrap servers. */
    public static final String BOOTSTRAP_SERVERS_CONFIG = StreamsConfig.BOOTSTRAP_SERVERS_CONFIG;
    private static final String BOOTSTRAP_SERVERS_DOC = "Kafka bootstrap servers, host:port[,host:port...].";

    /** Input topic of AuditEvents in Confluent wire format. */
    public static final String INPUT_TOPIC_CONFIG = "chainer.input.topic";
    private static final String INPUT_TOPIC_DOC = "Topic the AuditEvents are read from (Confluent wire format).";

    /** Output topic of ChainedEvents. */
    public static final String CHAINED_TOPIC_CONFIG = "chainer.chained.topic";
    private static final String CHAINED_TOPIC_DOC = "Topic the ChainedEvents are written to.";

    /** Output topic of CheckpointRecords. */
    public static final String CHECKPOINTS_TOPIC_CONFIG = "chainer.checkpoints.topic";
    private static final String CHECKPOINTS_TOPIC_DOC = "Topic the signed checkpoints are written to.";

    /** Dead-letter topic. */
    public static final String DEAD_LETTER_TOPIC_CONFIG = "chainer.dead.letter.topic";
    private static final String DEAD_LETTER_TOPIC_DOC = "Topic refused records are written to, original bytes and "
            + "headers plus attestream.dlq.* headers.";

    /** Topic through which wrongly keyed records are re-keyed. */
    public static final String REKEY_TOPIC_CONFIG = "chainer.rekey.topic";
    private static final String REKEY_TOPIC_DOC = "Topic wrongly keyed records are written to with key <tenant>/<agentId>"
            + " before chaining; created at start-up with the input topic's partition count when missing.";

    /** Which records go through the re-key topic. */
    public static final String REKEY_MODE_CONFIG = "chainer.rekey.mode";
    /** Value of {@link #REKEY_MODE_CONFIG}: only records whose key is not {@code <tenant>/<agentId>}. */
    public static final String REKEY_MODE_MISKEYED = "miskeyed";
    /** Value of {@link #REKEY_MODE_CONFIG}: every record, so that one agent's records keep input order. */
    public static final String REKEY_MODE_ALL = "all";
    private static final String REKEY_MODE_DOC = "'miskeyed' (default): correctly keyed records are chained directly, "
            + "wrongly keyed ones go through the re-key topic, so per agent the order of records that were keyed "
            + "correctly, and of those keyed wrongly in the same way, is kept, but the two groups may interleave "
            + "differently from the input. 'all': every record goes through the re-key topic, so one agent's "
            + "records are chained in the order of their input partition (at the cost of one more write and read).";

    /** Largest accepted record value. */
    public static final String MAX_RECORD_BYTES_CONFIG = "chainer.max.record.bytes";
    private static final String MAX_RECORD_BYTES_DOC = "Largest record value accepted, in bytes (header included); "
            + "larger ones are refused with reason record-too-large.";

    /** Largest accepted distance of occurredAt into the future. */
    public static final String MAX_FUTURE_SKEW_MS_CONFIG = "chainer.max.future.skew.ms";
    private static final String MAX_FUTURE_SKEW_MS_DOC = "How far occurredAt may lie ahead of the chainer's clock, in ms;"
            + " further ahead is refused with reason occurred-at-in-future.";

    /** Deduplication window. */
    public static final String DEDUP_WINDOW_MS_CONFIG = "chainer.dedup.window.ms";
    private static final String DEDUP_WINDOW_MS_DOC = "An eventId chained for an agent less than this long ago "
            + "(chainer wall clock) never gets a second seq; older ids are forgotten. 0 disables deduplication.";

    /** Memory per task for the eventId window's negative filter. */
    public static final String DEDUP_FILTER_BYTES_CONFIG = "chainer.dedup.filter.bytes";
    private static final String DEDUP_FILTER_BYTES_DOC = "Heap per task (input partition) for the in-memory Bloom "
            + "filter in front of the eventId window store: an event whose id the filter has certainly not seen skips "
            + "the store's fetch. About 1.9 bytes per id the task chains within chainer.dedup.window.ms (10 bits per id"
            + " in 6 generations of a quarter window each) keep false positives near 1 %; more ids raise the share of "
            + "events that fetch, never change the answer. 0 disables the filter (every event fetches).";

    /** Store entries the filter's start-up scan adds per punctuation. */
    public static final String DEDUP_FILTER_SCAN_ENTRIES_CONFIG = "chainer.dedup.filter.scan.entries";
    private static final String DEDUP_FILTER_SCAN_ENTRIES_DOC = "After a task starts, its eventId filter is untrusted "
            + "(every event fetches) until a scan of the eventId window store has added every stored id; each "
            + "wall-clock punctuation (chainer.checkpoint.flush.interval.ms) adds this many.";

    /** Checkpoint every N events. */
    public static final String CHECKPOINT_EVERY_EVENTS_CONFIG = "chainer.checkpoint.every.events";
    private static final String CHECKPOINT_EVERY_EVENTS_DOC = "A checkpoint is made for an agent after this many new "
            + "entries (trigger 'count'), or after chainer.checkpoint.interval.ms, whichever comes first.";

    /** Checkpoint every T milliseconds. */
    public static final String CHECKPOINT_INTERVAL_MS_CONFIG = "chainer.checkpoint.interval.ms";
    private static final String CHECKPOINT_INTERVAL_MS_DOC = "A checkpoint is made for an agent with new entries when "
            + "this long (wall clock) has passed since its last checkpoint (trigger 'time').";

    /** Punctuation interval: how often due checkpoints are timestamped and written. */
    public static final String CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG = "chainer.checkpoint.flush.interval.ms";
    private static final String CHECKPOINT_FLUSH_INTERVAL_MS_DOC = "Wall-clock punctuation interval: due checkpoints "
            + "of all agents of a task are timestamped in one TSA request and written this often.";

    /** PKCS#8 PEM signing key. */
    public static final String SIGNING_KEY_FILE_CONFIG = "chainer.signing.key.file";
    private static final String SIGNING_KEY_FILE_DOC = "PKCS#8 PEM Ed25519 private key that signs checkpoints "
            + "('attestream keygen' writes one as NAME.key).";

    /** Signer name. */
    public static final String SIGNING_KEY_NAME_CONFIG = "chainer.signing.key.name";
    private static final String SIGNING_KEY_NAME_DOC = "Signer name in the signed notes; must match the verifier key. "
            + "Empty: the key file name without its .key extension.";

    /** TSA mode. */
    public static final String TSA_MODE_CONFIG = "chainer.tsa.mode";
    /** No timestamping. */
    public static final String TSA_MODE_NONE = "none";
    /**
     * In-process self-signed development TSA (module deploy/dev-tsa) loaded from {@link #TSA_EMBEDDED_DIR_CONFIG}:
     * for the local stack and tests only, its tokens prove nothing to an auditor.
     */
    public static final String TSA_MODE_EMBEDDED = "embedded";
    /** RFC 3161 over HTTP at {@link #TSA_URL_CONFIG}. */
    public static final String TSA_MODE_URL = "url";
    private static final String TSA_MODE_DOC = "RFC 3161 timestamping of checkpoints: 'none', 'embedded' (the "
            + "self-signed development TSA of the local stack, keys in chainer.tsa.embedded.dir; its tokens prove "
            + "nothing to an auditor) or 'url' (an independent TSA at chainer.tsa.url).";

    /** Directory of the embedded TSA. */
    public static final String TSA_EMBEDDED_DIR_CONFIG = "chainer.tsa.embedded.dir";
    private static final String TSA_EMBEDDED_DIR_DOC = "Directory holding tsa-ca.crt, tsa.crt and tsa.key of the "
            + "development TSA (EmbeddedTimestampAuthority.save, `attestream tsa`); required when chainer.tsa.mode=embedded.";

    /** RFC 3161 URL. */
    public static final String TSA_URL_CONFIG = "chainer.tsa.url";
    private static final String TSA_URL_DOC = "RFC 3161 TSA URL; required when chainer.tsa.mode=url.";

    /** RFC 3161 request timeout. */
    public static final String TSA_TIMEOUT_MS_CONFIG = "chainer.tsa.timeout.ms";
    private static final String TSA_TIMEOUT_MS_DOC = "Timeout of one RFC 3161 HTTP request.";

    /** RFC 3161 policy OID requested. */
    public static final String TSA_POLICY_CONFIG = "chainer.tsa.policy";
    private static final String TSA_POLICY_DOC = "Policy OID asked of the TSA; empty: the TSA's default.";

    /** How long checkpoints may wait for an unavailable TSA. */
    public static final String TSA_MAX_WAIT_MS_CONFIG = "chainer.tsa.max.wait.ms";
    private static final String TSA_MAX_WAIT_MS_DOC = "How long due checkpoints are kept and retried while the TSA is "
            + "unavailable before chainer.tsa.unavailable.mode applies.";

    /** Threads making RFC 3161 requests off the stream threads. */
    public static final String TSA_THREADS_CONFIG = "chainer.tsa.threads";
    private static final String TSA_THREADS_DOC = "Threads that make the RFC 3161 requests, so a slow or unreachable TSA "
            + "never stalls a stream thread: a punctuation hands its task's pending checkpoints to one of them and writes "
            + "them, timestamped, in a later punctuation once the answer is in. At most one request per task is in flight; "
            + "idle threads end after 30 s.";

    /** What to do when the TSA stays unavailable. */
    public static final String TSA_UNAVAILABLE_MODE_CONFIG = "chainer.tsa.unavailable.mode";
    /** Value: stop the chainer. */
    public static final String TSA_UNAVAILABLE_FAIL = "fail";
    /** Value: write the checkpoints signed but without timestamp. */
    public static final String TSA_UNAVAILABLE_EMIT_UNSTAMPED = "emit-unstamped";
    private static final String TSA_UNAVAILABLE_MODE_DOC = "After chainer.tsa.max.wait.ms of TSA unavailability: "
            + "'fail' (default) stops the chainer; 'emit-unstamped' writes the checkpoints signed, timestamp null.";

    /** How long one record may block on an unavailable registry before the stream thread is restarted. */
    public static final String REGISTRY_MAX_BLOCK_MS_CONFIG = "chainer.registry.max.block.ms";
    private static final String REGISTRY_MAX_BLOCK_MS_DOC = "While the schema registry is unavailable a record is "
            + "retried with backoff for up to this long; then the stream thread is replaced and the record retried "
            + "from the last commit. Keep it below transaction.timeout.ms. Never dead-lettered.";

    /** Auto-register the output schemas. */
    public static final String AUTO_REGISTER_CONFIG = "chainer.schemas.auto.register";
    private static final String AUTO_REGISTER_DOC = "Register the ChainedEvent and CheckpointRecord schemas under "
            + "<topic>-value when missing; false: they must already be registered.";

    /** Port of /live, /ready and /metrics ({@link HealthServer}). */
    public static final String METRICS_PORT_CONFIG = HealthServer.PORT_CONFIG;
    /** Default of {@link #METRICS_PORT_CONFIG}. */
    public static final int DEFAULT_METRICS_PORT = 9404;

    /** Address /live, /ready and /metrics bind to. */
    public static final String METRICS_BIND_ADDRESS_CONFIG = HealthServer.BIND_ADDRESS_CONFIG;

    /** Prefix of the chainer's own keys; an unknown key with it is rejected at start-up. */
    public static final String PREFIX = "chainer.";

    /** Prefix of the registry client's keys (besides basic.auth.user.info). */
    private static final String REGISTRY_PREFIX = "schema.registry.";

    /** Consumer group session timeout handed to Kafka Streams unless set (a Kafka consumer key, not the chainer's). */
    public static final String SESSION_TIMEOUT_MS_KEY = "session.timeout.ms";
    /** The chainer's default for {@link #SESSION_TIMEOUT_MS_KEY}: the broker's default minimum. */
    public static final int DEFAULT_SESSION_TIMEOUT_MS = 6_000;
    /** Consumer heartbeat interval handed to Kafka Streams unless set. */
    public static final String HEARTBEAT_INTERVAL_MS_KEY = "heartbeat.interval.ms";
    /** The chainer's default for {@link #HEARTBEAT_INTERVAL_MS_KEY}. */
    public static final int DEFAULT_HEARTBEAT_INTERVAL_MS = 1_500;
    /** Kafka Streams' transactional state stores (KIP-892), on unless set: see {@link #streamsProperties()}. */
    public static final String TRANSACTIONAL_STATE_STORES_KEY = StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG;

    /** Prefix of the per-reason failure-mode keys. */
    public static final String ON_REASON_PREFIX = "chainer.on.";

    private static final ConfigDef CONFIG = build();

    private final Map<DeadLetterReason, FailureMode> failureModes;

    /**
     * Parses and validates {@code props}.
     *
     * @throws ConfigException naming the key that is missing, malformed or contradicts another
     */
    public ChainerConfig(Map<?, ?> props) {
        super(CONFIG, requireNonNull(props, "props"), false);
        new RegistryClientConfig(registryProps(props));
        Map<DeadLetterReason, FailureMode> modes = new EnumMap<>(DeadLetterReason.class);
        for (DeadLetterReason r : DeadLetterReason.values()) {
            modes.put(r, FailureMode.fromId(getString(onReasonKey(r))));
        }
        this.failureModes = Map.copyOf(modes);
        Object guarantee = props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        if (guarantee != null && !StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee.toString())) {
            throw new ConfigException(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee,
                    "the chainer only runs with " + StreamsConfig.EXACTLY_ONCE_V2 + " (a chain must never fork)");
        }
        for (String key : List.of(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG)) {
            if (props.get(key) != null) {
                throw new ConfigException(key, props.get(key), "must not be set: the chainer's failure modes are "
                        + "chainer.on.<reason>; any other processing or production error MUST stop it");
            }
        }
        String tsa = getString(TSA_MODE_CONFIG);
        if (TSA_MODE_EMBEDDED.equals(tsa) && getString(TSA_EMBEDDED_DIR_CONFIG).isBlank()) {
            throw new ConfigException(TSA_EMBEDDED_DIR_CONFIG, "", "is required when " + TSA_MODE_CONFIG + "=embedded");
        }
        if (TSA_MODE_URL.equals(tsa) && getString(TSA_URL_CONFIG).isBlank()) {
            throw new ConfigException(TSA_URL_CONFIG, "", "is required when " + TSA_MODE_CONFIG + "=url");
        }
        Set<String> topics = new HashSet<>();
        for (String key : List.of(INPUT_TOPIC_CONFIG, CHAINED_TOPIC_CONFIG, CHECKPOINTS_TOPIC_CONFIG,
                DEAD_LETTER_TOPIC_CONFIG, REKEY_TOPIC_CONFIG)) {
            if (!topics.add(getString(key))) {
                throw new ConfigException(key, getString(key), "is also used as another of the chainer's topics; "
                        + "input, chained, checkpoints, dead-letter and re-key topics must all differ");
            }
        }
        if (getLong(CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG) > getLong(CHECKPOINT_INTERVAL_MS_CONFIG)) {
            throw new ConfigException(CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG, getLong(CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG),
                    "must not exceed " + CHECKPOINT_INTERVAL_MS_CONFIG + " (" + getLong(CHECKPOINT_INTERVAL_MS_CONFIG)
                            + ")");
        }
    }

    /** The config key of {@code reason}'s failure mode: {@code chainer.on.<reason id>}. */
    public static String onReasonKey(DeadLetterReason reason) {
        return ON_REASON_PREFIX + requireNonNull(reason, "reason").id();
    }

    /** Every key with its type, default, validator, importance and doc (for the README and --help). */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    private static ConfigDef build() {
        ConfigDef.Validator topicName = new ConfigDef.NonEmptyStringWithoutControlChars();
        ConfigDef def = new ConfigDef()
                .define(BOOTSTRAP_SERVERS_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                        Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
                .define(APPLICATION_ID_CONFIG, Type.STRING, "attestream-chainer", topicName, Importance.HIGH,
                        APPLICATION_ID_DOC)
                .define(SIGNING_KEY_FILE_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                        Importance.HIGH, SIGNING_KEY_FILE_DOC)
                .define(SIGNING_KEY_NAME_CONFIG, Type.STRING, "", Importance.MEDIUM, SIGNING_KEY_NAME_DOC)
                .define(INPUT_TOPIC_CONFIG, Type.STRING, Topics.EVENTS, topicName, Importance.HIGH, INPUT_TOPIC_DOC)
                .define(CHAINED_TOPIC_CONFIG, Type.STRING, Topics.CHAINED, topicName, Importance.HIGH, CHAINED_TOPIC_DOC)
                .define(CHECKPOINTS_TOPIC_CONFIG, Type.STRING, Topics.CHECKPOINTS, topicName, Importance.HIGH,
                        CHECKPOINTS_TOPIC_DOC)
                .define(DEAD_LETTER_TOPIC_CONFIG, Type.STRING, Topics.DEAD_LETTER, topicName, Importance.HIGH,
                        DEAD_LETTER_TOPIC_DOC)
                .define(REKEY_TOPIC_CONFIG, Type.STRING, "attestream.events.rekey", topicName, Importance.MEDIUM,
                        REKEY_TOPIC_DOC)
                .define(REKEY_MODE_CONFIG, Type.STRING, REKEY_MODE_MISKEYED,
                        ConfigDef.ValidString.in(REKEY_MODE_MISKEYED, REKEY_MODE_ALL), Importance.MEDIUM, REKEY_MODE_DOC)
                .define(MAX_RECORD_BYTES_CONFIG, Type.INT, 1_048_576, ConfigDef.Range.atLeast(6), Importance.MEDIUM,
                        MAX_RECORD_BYTES_DOC)
                .define(MAX_FUTURE_SKEW_MS_CONFIG, Type.LONG, 300_000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                        MAX_FUTURE_SKEW_MS_DOC)
                .define(DEDUP_WINDOW_MS_CONFIG, Type.LONG, Duration.ofDays(1).toMillis(), ConfigDef.Range.atLeast(0),
                        Importance.MEDIUM, DEDUP_WINDOW_MS_DOC)
                .define(DEDUP_FILTER_BYTES_CONFIG, Type.LONG, 4L << 20,
                        ConfigDef.LambdaValidator.with((name, value) -> {
                            long v = (Long) value;
                            if (v != 0 && (v < 4096 || v > 1L << 30)) {
                                throw new ConfigException(name, value, "must be 0 (no filter) or 4096 .. 1073741824");
                            }
                        }, () -> "0, or [4096,...,1073741824]"), Importance.LOW, DEDUP_FILTER_BYTES_DOC)
                .define(DEDUP_FILTER_SCAN_ENTRIES_CONFIG, Type.INT, 50_000, ConfigDef.Range.atLeast(1), Importance.LOW,
                        DEDUP_FILTER_SCAN_ENTRIES_DOC)
                .define(CHECKPOINT_EVERY_EVENTS_CONFIG, Type.LONG, 1000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                        CHECKPOINT_EVERY_EVENTS_DOC)
                .define(CHECKPOINT_INTERVAL_MS_CONFIG, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                        CHECKPOINT_INTERVAL_MS_DOC)
                .define(CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG, Type.LONG, 1000L, ConfigDef.Range.atLeast(1),
                        Importance.LOW, CHECKPOINT_FLUSH_INTERVAL_MS_DOC)
                .define(TSA_MODE_CONFIG, Type.STRING, TSA_MODE_NONE,
                        ConfigDef.ValidString.in(TSA_MODE_NONE, TSA_MODE_EMBEDDED, TSA_MODE_URL), Importance.HIGH,
                        TSA_MODE_DOC)
                .define(TSA_EMBEDDED_DIR_CONFIG, Type.STRING, "", Importance.MEDIUM, TSA_EMBEDDED_DIR_DOC)
                .define(TSA_URL_CONFIG, Type.STRING, "", Importance.MEDIUM, TSA_URL_DOC)
                .define(TSA_TIMEOUT_MS_CONFIG, Type.LONG, 10_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                        TSA_TIMEOUT_MS_DOC)
                .define(TSA_POLICY_CONFIG, Type.STRING, "", Importance.LOW, TSA_POLICY_DOC)
                .define(TSA_MAX_WAIT_MS_CONFIG, Type.LONG, 300_000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                        TSA_MAX_WAIT_MS_DOC)
                .define(TSA_THREADS_CONFIG, Type.INT, 2, ConfigDef.Range.between(1, 64), Importance.LOW,
                        TSA_THREADS_DOC)
                .define(TSA_UNAVAILABLE_MODE_CONFIG, Type.STRING, TSA_UNAVAILABLE_FAIL,
                        ConfigDef.ValidString.in(TSA_UNAVAILABLE_FAIL, TSA_UNAVAILABLE_EMIT_UNSTAMPED), Importance.MEDIUM,
                        TSA_UNAVAILABLE_MODE_DOC)
                .define(REGISTRY_MAX_BLOCK_MS_CONFIG, Type.LONG, 5_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                        REGISTRY_MAX_BLOCK_MS_DOC)
                .define(AUTO_REGISTER_CONFIG, Type.BOOLEAN, true, Importance.LOW, AUTO_REGISTER_DOC);
        HealthServer.define(def, DEFAULT_METRICS_PORT);
        String[] modes = Arrays.stream(FailureMode.values()).map(FailureMode::id).toArray(String[]::new);
        for (DeadLetterReason r : DeadLetterReason.values()) {
            def.define(onReasonKey(r), Type.STRING, FailureMode.DEAD_LETTER.id(), ConfigDef.ValidString.in(modes),
                    Importance.MEDIUM, "What to do with a record refused as " + r.id() + ": dead-letter (default), "
                            + "skip (log and count only) or fail (stop the chainer).");
        }
        return def;
    }

    private static Map<String, Object> registryProps(Map<?, ?> props) {
        Map<String, Object> out = new HashMap<>();
        for (Map.Entry<?, ?> e : props.entrySet()) {
            String key = e.getKey().toString();
            if (isRegistryKey(key)) {
                out.put(key, e.getValue());
            }
        }
        return out;
    }

    private static boolean isRegistryKey(String key) {
        return key.startsWith(REGISTRY_PREFIX) || key.equals(RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG);
    }

    /** The loader of this stage's configuration ({@code attestream chainer}). */
    public static StageConfigLoader loader() {
        return StageConfigLoader.forStage("chainer").owning(CONFIG, RegistryClientConfig.configDef())
                .owningPrefixes(PREFIX).clients(StreamsConfig.configDef())
                .endpoints(StageConfigLoader.Endpoint.KAFKA, StageConfigLoader.Endpoint.REGISTRY);
    }

    /** The registry client configuration (keys {@code schema.registry.*}). */
    public RegistryClientConfig registryConfig() {
        return new RegistryClientConfig(registryProps(originals()));
    }

    /**
     * The Kafka Streams configuration: every key that is neither the chainer's nor the registry's, unchanged
     * (security, client and Streams keys alike: {@link KafkaClientKeys}), with
     * {@code processing.guarantee=exactly_once_v2} and the chainer's defaults for keys not given.
     */
    public Properties streamsProperties() {
        Properties p = new Properties();
        Set<String> owned = new HashSet<>(CONFIG.names());
        owned.add(RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG);
        p.putAll(KafkaClientKeys.passThrough(originals(), owned, List.of(PREFIX, REGISTRY_PREFIX)));
        p.put(APPLICATION_ID_CONFIG, getString(APPLICATION_ID_CONFIG));
        p.put(BOOTSTRAP_SERVERS_CONFIG, getString(BOOTSTRAP_SERVERS_CONFIG));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // Kafka Streams 4.4 formats log text with String.format for every empty partition of a task on every record
        // unless task idling is off (PartitionGroup.readyToProcess); a chainer task's re-key partition is empty most
        // of the time, which cost ~9 % of the stream thread (docs/performance.md). Idling only orders records of
        // different partitions by timestamp, an order the chainer does not promise (README, Guarantees).
        p.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        // Crash recovery (docs/operations.md, "Failures and recovery"): with the consumer default of 45 s, a chainer
        // killed with SIGKILL and restarted kept its partitions idle for 41-45 s, until the group coordinator expired
        // the dead member. 6 s is the smallest session timeout a broker accepts by default
        // (group.min.session.timeout.ms); three heartbeats fit in it.
        p.putIfAbsent(SESSION_TIMEOUT_MS_KEY, Integer.toString(DEFAULT_SESSION_TIMEOUT_MS));
        p.putIfAbsent(HEARTBEAT_INTERVAL_MS_KEY, Integer.toString(DEFAULT_HEARTBEAT_INTERVAL_MS));
        // Crash recovery, the other half: without transactional state stores (KIP-892), exactly-once Kafka Streams
        // treats every store of a task that was not closed cleanly as corrupted, wipes it and restores it from its
        // changelog from offset 0 (a full day of the eventId window); with them a store holds only what committed
        // transactions wrote and is kept, and the restarted instance replays the changelog from the offsets of its
        // last clean shutdown (measured on Kafka Streams 4.4, README "Crash recovery").
        p.putIfAbsent(TRANSACTIONAL_STATE_STORES_KEY, "true");
        return p;
    }

    /** @return the input topic */
    public String inputTopic() {
        return getString(INPUT_TOPIC_CONFIG);
    }

    /** @return the chained-events topic */
    public String chainedTopic() {
        return getString(CHAINED_TOPIC_CONFIG);
    }

    /** @return the checkpoints topic */
    public String checkpointsTopic() {
        return getString(CHECKPOINTS_TOPIC_CONFIG);
    }

    /** @return the dead-letter topic */
    public String deadLetterTopic() {
        return getString(DEAD_LETTER_TOPIC_CONFIG);
    }

    /** @return the re-key topic */
    public String rekeyTopic() {
        return getString(REKEY_TOPIC_CONFIG);
    }

    /** @return true when every record goes through the re-key topic */
    public boolean rekeyAll() {
        return REKEY_MODE_ALL.equals(getString(REKEY_MODE_CONFIG));
    }

    /** @return the failure mode of {@code reason} */
    public FailureMode failureMode(DeadLetterReason reason) {
        return failureModes.get(requireNonNull(reason, "reason"));
    }

    /** @return the signing key file */
    public Path signingKeyFile() {
        return Path.of(getString(SIGNING_KEY_FILE_CONFIG));
    }

    /** @return the signer name: configured, or the key file name without {@code .key} */
    public String signingKeyName() {
        String name = getString(SIGNING_KEY_NAME_CONFIG);
        if (!name.isBlank()) {
            return name;
        }
        String file = signingKeyFile().getFileName().toString();
        return file.toLowerCase(Locale.ROOT).endsWith(".key") ? file.substring(0, file.length() - 4) : file;
    }

    /** @return the TSA mode: none, embedded or url */
    public String tsaMode() {
        return getString(TSA_MODE_CONFIG);
    }
}
