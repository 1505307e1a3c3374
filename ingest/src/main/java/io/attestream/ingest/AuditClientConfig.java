package io.attestream.ingest;

import io.attestream.runtime.KafkaClientKeys;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.RegistryClientConfig;
import io.attestream.schemas.wire.AuditEventSerdeConfig;
import io.attestream.sealing.FieldPath;
import io.attestream.sealing.FileKeyStore;
import io.attestream.sealing.KeyStore;
import io.attestream.sealing.LocalMasterKey;
import io.attestream.sealing.SealingException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of {@link AuditClient}. Registry keys are those of {@link RegistryClientConfig}
 * ({@code schema.registry.url}, ...); producer settings other than the safety ones can be passed with the prefix
 * {@value #PRODUCER_PREFIX} (e.g. {@code producer.linger.ms}).
 */
public final class AuditClientConfig extends AbstractConfig {
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    private static final String BOOTSTRAP_SERVERS_DOC = "Kafka brokers to write AuditEvents to.";
    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = AuditEventSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG;
    private static final String AUTO_REGISTER_SCHEMAS_DOC = "Register this build's AuditEvent schema under "
            + "attestream.events-value when missing. Off by default: outside development the schema is registered "
            + "once by 'attestream schemas register', so a producer cannot change the contract.";
    public static final String BUFFER_MAX_EVENTS_CONFIG = "client.buffer.max.events";
    private static final String BUFFER_MAX_EVENTS_DOC = "Most events sent but not yet acknowledged by Kafka; one more "
            + "makes send() throw BufferFullException (the caller decides: wait and retry, or fail).";
    public static final String BUFFER_RETRY_AFTER_MS_CONFIG = "client.buffer.retry.after.ms";
    private static final String BUFFER_RETRY_AFTER_MS_DOC = "Wait suggested by BufferFullException.";
    public static final String SPOOL_DIR_CONFIG = "client.spool.dir";
    private static final String SPOOL_DIR_DOC = "Directory of the on-disk spool; empty disables it. With a spool "
            + "every event is written (and fsynced) to disk before it is sent, survives a Kafka outage and a process "
            + "restart, and is replayed in order until Kafka acknowledges it. One client per directory.";
    public static final String SPOOL_REPLAY_BACKOFF_MS_CONFIG = "client.spool.replay.backoff.ms";
    private static final String SPOOL_REPLAY_BACKOFF_MS_DOC = "Wait before replaying spooled events after a failed send.";
    public static final String RECORDED_BY_HOST_CONFIG = "client.recorded.by.host";
    private static final String RECORDED_BY_HOST_DOC = "recordedBy.host of events built by this client; empty: the "
            + "local host name.";
    public static final String DELIVERY_TIMEOUT_MS_CONFIG = ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG;
    private static final String DELIVERY_TIMEOUT_MS_DOC = "Upper bound for Kafka to acknowledge an event before its "
            + "send fails (without a spool: the future fails; with one: it is replayed).";
    public static final String TOPIC_CONFIG = "client.topic";
    private static final String TOPIC_DOC = "Topic to write to; only tests and benchmarks change it.";
    public static final String SEAL_FIELDS_CONFIG = "seal.fields";
    private static final String SEAL_FIELDS_DOC = "Fields marked personal, sealed under the data subject's key before "
            + "the event leaves this process (docs/privacy.md): envelope fields (sessionId), payload fields "
            + "(payload.inlinePayload) or string-map entries (payload.attributes.user_prompt); only nullable strings "
            + "and map entries. Empty: nothing is sealed. An event with content in one of them MUST name its subject.";
    public static final String SEAL_KEYSTORE_DIR_CONFIG = "seal.keystore.dir";
    private static final String SEAL_KEYSTORE_DIR_DOC = "Directory of the file key store holding the subjects' data "
            + "keys (wrapped); required when seal.fields is set, unless the application passes its own KeyStore.";
    public static final String SEAL_MASTER_KEY_FILE_CONFIG = "seal.master.key.file";
    private static final String SEAL_MASTER_KEY_FILE_DOC = "File of the local master key (64 hex characters) that "
            + "wraps the key store's keys; required with seal.keystore.dir. A KMS replaces it through the MasterKey "
            + "interface (docs/privacy.md).";
    public static final String SEAL_KEY_CACHE_MS_CONFIG = "seal.key.cache.ms";
    private static final String SEAL_KEY_CACHE_MS_DOC = "How long a subject's data key stays cached in this process; "
            + "an erasure made by another process is seen after at most this long.";
    /** Prefix of extra Kafka producer settings. */
    public static final String PRODUCER_PREFIX = "producer.";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(BOOTSTRAP_SERVERS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.LambdaValidator.with((name, value) -> {
                if (value == null || ((List<?>) value).isEmpty()) {
                    throw new ConfigException(name, value, "at least one broker address is required");
                }
            }, () -> "non-empty list of host:port"), Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
            .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, AUTO_REGISTER_SCHEMAS_DOC)
            .define(BUFFER_MAX_EVENTS_CONFIG, Type.INT, 10_000, ConfigDef.Range.between(1, 10_000_000),
                    Importance.MEDIUM, BUFFER_MAX_EVENTS_DOC)
            .define(BUFFER_RETRY_AFTER_MS_CONFIG, Type.LONG, 1_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    BUFFER_RETRY_AFTER_MS_DOC)
            .define(SPOOL_DIR_CONFIG, Type.STRING, "", Importance.MEDIUM, SPOOL_DIR_DOC)
            .define(SPOOL_REPLAY_BACKOFF_MS_CONFIG, Type.LONG, 2_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
                    SPOOL_REPLAY_BACKOFF_MS_DOC)
            .define(RECORDED_BY_HOST_CONFIG, Type.STRING, "", Importance.LOW, RECORDED_BY_HOST_DOC)
            .define(TOPIC_CONFIG, Type.STRING, Topics.EVENTS, new ConfigDef.NonEmptyString(), Importance.LOW,
                    TOPIC_DOC)
            .define(DELIVERY_TIMEOUT_MS_CONFIG, Type.INT, 30_000, ConfigDef.Range.atLeast(1_000), Importance.MEDIUM,
                    DELIVERY_TIMEOUT_MS_DOC)
            .define(SEAL_FIELDS_CONFIG, Type.LIST, List.of(), ConfigDef.LambdaValidator.with((name, value) -> {
                try {
                    FieldPath.parseAll(((List<?>) value).stream().map(Object::toString).toList());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }, () -> "field paths: sessionId, payload.<field>, payload.<map>.<key>"), Importance.HIGH, SEAL_FIELDS_DOC)
            .define(SEAL_KEYSTORE_DIR_CONFIG, Type.STRING, "", Importance.HIGH, SEAL_KEYSTORE_DIR_DOC)
            .define(SEAL_MASTER_KEY_FILE_CONFIG, Type.STRING, "", Importance.HIGH, SEAL_MASTER_KEY_FILE_DOC)
            .define(SEAL_KEY_CACHE_MS_CONFIG, Type.LONG, 60_000L, ConfigDef.Range.atLeast(0), Importance.LOW,
                    SEAL_KEY_CACHE_MS_DOC);

    private final Map<String, Object> raw;

    public AuditClientConfig(Map<String, ?> props) {
        super(CONFIG, props, false);
        this.raw = Map.copyOf(props);
        for (String key : props.keySet()) {
            String bare = key.startsWith(PRODUCER_PREFIX) ? key.substring(PRODUCER_PREFIX.length()) : key;
            if (bare.equals(ProducerConfig.ACKS_CONFIG) || bare.equals(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)) {
                throw new ConfigException(key, props.get(key), "cannot be overridden: the client always uses acks=all"
                        + " and enable.idempotence=true");
            }
        }
    }

    /** The fields marked personal ({@value #SEAL_FIELDS_CONFIG}); empty when nothing is sealed. */
    public List<FieldPath> sealFields() {
        return FieldPath.parseAll(getList(SEAL_FIELDS_CONFIG));
    }

    /**
     * The file key store of {@value #SEAL_KEYSTORE_DIR_CONFIG} and {@value #SEAL_MASTER_KEY_FILE_CONFIG}, or empty when
     * {@value #SEAL_FIELDS_CONFIG} is empty.
     *
     * @throws ConfigException naming the key when sealing is configured without a store, or the store cannot be opened
     */
    public Optional<KeyStore> keyStore() {
        if (sealFields().isEmpty()) {
            return Optional.empty();
        }
        String dir = getString(SEAL_KEYSTORE_DIR_CONFIG);
        String master = getString(SEAL_MASTER_KEY_FILE_CONFIG);
        if (dir.isBlank()) {
            throw new ConfigException(SEAL_KEYSTORE_DIR_CONFIG, dir, "is required when " + SEAL_FIELDS_CONFIG
                    + " is set (or pass a KeyStore to AuditClient.create)");
        }
        if (master.isBlank()) {
            throw new ConfigException(SEAL_MASTER_KEY_FILE_CONFIG, master, "is required with "
                    + SEAL_KEYSTORE_DIR_CONFIG);
        }
        try {
            return Optional.of(new FileKeyStore(Path.of(dir), LocalMasterKey.read(Path.of(master)),
                    Duration.ofMillis(getLong(SEAL_KEY_CACHE_MS_CONFIG))));
        } catch (SealingException e) {
            throw new ConfigException(SEAL_KEYSTORE_DIR_CONFIG, dir, e.getMessage());
        }
    }

    /** The definition of every key, for documentation. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** The registry client settings (keys of {@link RegistryClientConfig}). */
    public RegistryClientConfig registryConfig() {
        Map<String, Object> out = new HashMap<>();
        for (String key : RegistryClientConfig.configDef().names()) {
            if (raw.containsKey(key)) {
                out.put(key, raw.get(key));
            }
        }
        if (!out.containsKey(RegistryClientConfig.URL_CONFIG)) {
            throw new ConfigException(RegistryClientConfig.URL_CONFIG, null, "is required");
        }
        return new RegistryClientConfig(out);
    }

    /**
     * Kafka producer settings: every key this config and the registry's do not declare, unchanged
     * ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}, {@code client.rack}...; keys starting with
     * {@code gateway.} or {@code metrics.} belong to the gateway and are left out), then the
     * {@value #PRODUCER_PREFIX} extras over them, then the fixed safety settings.
     */
    public Map<String, Object> producerConfig() {
        Set<String> owned = new HashSet<>(CONFIG.names());
        owned.addAll(RegistryClientConfig.configDef().names());
        Map<String, Object> out = KafkaClientKeys.forClient(KafkaClientKeys.passThrough(raw, owned,
                List.of("gateway.", "metrics.port", "metrics.bind.address", "schema.registry.")), PRODUCER_PREFIX);
        out.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, getList(BOOTSTRAP_SERVERS_CONFIG));
        out.put(ProducerConfig.ACKS_CONFIG, "all");
        out.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        out.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, getInt(DELIVERY_TIMEOUT_MS_CONFIG));
        out.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                Math.min(30_000, getInt(DELIVERY_TIMEOUT_MS_CONFIG) / 2));
        out.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        out.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        return out;
    }
}
