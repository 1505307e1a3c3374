package io.attestream.ingest.gateway;

import io.attestream.ingest.AuditClientConfig;
import io.attestream.runtime.HealthServer;
import io.attestream.runtime.StageConfigLoader;
import io.attestream.runtime.StageOptions;
import io.attestream.schemas.registry.RegistryClientConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of the HTTP gateway ({@code attestream gateway}; sources and precedence: {@link StageOptions}). Kafka
 * and registry keys are those of {@link AuditClientConfig} and {@link RegistryClientConfig}; {@code metrics.port} /
 * {@code metrics.bind.address} are the probe server's ({@link HealthServer}); every other key goes to the Kafka
 * producer unchanged ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}, {@code client.rack}...), and
 * {@code producer.X} sets producer key {@code X} over an unprefixed one. An unknown {@code gateway.*} key is an error.
 */
public final class GatewayConfig extends AbstractConfig {
    public static final String LISTEN_HOST_CONFIG = "gateway.listen.host";
    public static final String LISTEN_PORT_CONFIG = "gateway.listen.port";
    public static final String API_KEYS_FILE_CONFIG = "gateway.api.keys.file";
    public static final String MAX_BODY_BYTES_CONFIG = "gateway.max.body.bytes";
    public static final String MAX_EVENT_BYTES_CONFIG = "gateway.max.event.bytes";
    public static final String MAX_BATCH_EVENTS_CONFIG = "gateway.max.batch.events";
    public static final String MAX_NESTING_DEPTH_CONFIG = "gateway.max.nesting.depth";
    public static final String MAX_IN_FLIGHT_EVENTS_CONFIG = "gateway.max.in.flight.events";
    public static final String RETRY_AFTER_SECONDS_CONFIG = "gateway.retry.after.seconds";
    public static final String ACK_TIMEOUT_MS_CONFIG = "gateway.ack.timeout.ms";
    public static final String THREADS_CONFIG = "gateway.threads";
    public static final String REQUEST_READ_TIMEOUT_MS_CONFIG = "gateway.request.read.timeout.ms";
    public static final String TLS_KEYSTORE_LOCATION_CONFIG = "gateway.tls.keystore.location";
    public static final String TLS_KEYSTORE_PASSWORD_CONFIG = "gateway.tls.keystore.password";
    public static final String TLS_KEYSTORE_TYPE_CONFIG = "gateway.tls.keystore.type";
    /** Port of /live, /ready and /metrics ({@link HealthServer}). */
    public static final String METRICS_PORT_CONFIG = HealthServer.PORT_CONFIG;
    /** Address they bind to. */
    public static final String METRICS_BIND_ADDRESS_CONFIG = HealthServer.BIND_ADDRESS_CONFIG;
    /** Default of {@link #METRICS_PORT_CONFIG}. */
    public static final int DEFAULT_METRICS_PORT = 9401;
    /** Prefix of the gateway's own keys. */
    public static final String PREFIX = "gateway.";

    private static final ConfigDef CONFIG = new ConfigDef(AuditClientConfig.configDef())
            .define(LISTEN_HOST_CONFIG, Type.STRING, "0.0.0.0", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Address the gateway listens on.")
            .define(LISTEN_PORT_CONFIG, Type.INT, 8088, ConfigDef.Range.between(0, 65535), Importance.HIGH,
                    "Port of the gateway; 0 picks a free one.")
            .define(API_KEYS_FILE_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "File of hashed API keys and their tenant/agent scope, one per line: "
                            + "'<name> <sha256-hex> <tenant|*> <agent,...|prefix*|*>' (docs/http-api.md).")
            .define(MAX_BODY_BYTES_CONFIG, Type.INT, 4 * 1024 * 1024, ConfigDef.Range.between(1024, 256 << 20),
                    Importance.MEDIUM, "Largest request body; a larger one gets 413.")
            .define(MAX_EVENT_BYTES_CONFIG, Type.INT, 256 * 1024, ConfigDef.Range.between(256, 16 << 20),
                    Importance.MEDIUM, "Largest single JSON event (one NDJSON line); a larger one gets 413.")
            .define(MAX_BATCH_EVENTS_CONFIG, Type.INT, 1_000, ConfigDef.Range.between(1, 100_000),
                    Importance.MEDIUM, "Most events in one NDJSON batch; more gets 413.")
            .define(MAX_NESTING_DEPTH_CONFIG, Type.INT, 16, ConfigDef.Range.between(4, 1000), Importance.LOW,
                    "Deepest JSON nesting accepted (events nest at most 4 levels); deeper gets 400.")
            .define(MAX_IN_FLIGHT_EVENTS_CONFIG, Type.INT, 20_000, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "Most events waiting for Kafka's acknowledgement over all requests; beyond it requests get 429 "
                            + "with Retry-After.")
            .define(RETRY_AFTER_SECONDS_CONFIG, Type.INT, 1, ConfigDef.Range.between(1, 3600), Importance.LOW,
                    "Retry-After of 429 and 503 answers.")
            .define(ACK_TIMEOUT_MS_CONFIG, Type.INT, 15_000, ConfigDef.Range.atLeast(100), Importance.MEDIUM,
                    "How long a request waits for Kafka's acknowledgement before answering 503 for the events "
                            + "not acknowledged.")
            .define(THREADS_CONFIG, Type.INT, 16, ConfigDef.Range.between(1, 1024), Importance.LOW,
                    "HTTP worker threads.")
            .define(REQUEST_READ_TIMEOUT_MS_CONFIG, Type.INT, 30_000, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                    "Longest time a worker spends reading one request (request line, headers and body), counted "
                            + "from when a worker takes it up; a request not read by then has its connection closed "
                            + "(nothing of it is sent to Kafka) and counts in "
                            + "attestream_gateway_request_read_timeouts_total. Checked every tenth of it (10 ms to "
                            + "1 s). 0 turns the bound off, for measuring its cost only: a client that stops sending "
                            + "then holds a worker until it disconnects.")
            .define(TLS_KEYSTORE_LOCATION_CONFIG, Type.STRING, "", Importance.MEDIUM,
                    "Key store with the server certificate; set to serve HTTPS only.")
            .define(TLS_KEYSTORE_PASSWORD_CONFIG, Type.PASSWORD, "", Importance.MEDIUM, "Key store password.")
            .define(TLS_KEYSTORE_TYPE_CONFIG, Type.STRING, "PKCS12", ConfigDef.ValidString.in("PKCS12", "JKS"),
                    Importance.LOW, "Key store type.");

    static {
        HealthServer.define(CONFIG, DEFAULT_METRICS_PORT);
    }

    private final Map<String, Object> raw;

    public GatewayConfig(Map<String, ?> props) {
        super(CONFIG, props, false);
        this.raw = Map.copyOf(props);
        if (getInt(MAX_EVENT_BYTES_CONFIG) > getInt(MAX_BODY_BYTES_CONFIG)) {
            throw new ConfigException(MAX_EVENT_BYTES_CONFIG, getInt(MAX_EVENT_BYTES_CONFIG),
                    "must not exceed " + MAX_BODY_BYTES_CONFIG + " (" + getInt(MAX_BODY_BYTES_CONFIG) + ")");
        }
        if (!getString(TLS_KEYSTORE_LOCATION_CONFIG).isEmpty()
                && getPassword(TLS_KEYSTORE_PASSWORD_CONFIG).value().isEmpty()) {
            throw new ConfigException(TLS_KEYSTORE_PASSWORD_CONFIG, "[hidden]", "is required when "
                    + TLS_KEYSTORE_LOCATION_CONFIG + " is set");
        }
    }

    /** The loader of this stage's configuration ({@code attestream gateway}). */
    public static StageConfigLoader loader() {
        return StageConfigLoader.forStage("gateway").owning(CONFIG, RegistryClientConfig.configDef())
                .owningPrefixes(PREFIX)
                .endpoints(StageConfigLoader.Endpoint.KAFKA, StageConfigLoader.Endpoint.REGISTRY);
    }

    /** The definition of every key, for documentation. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** The SDK-level settings (Kafka, registry, producer) in this config. */
    public AuditClientConfig clientConfig() {
        Map<String, Object> out = new HashMap<>();
        raw.forEach((k, v) -> {
            if (!k.startsWith(PREFIX) && !k.equals(METRICS_PORT_CONFIG) && !k.equals(METRICS_BIND_ADDRESS_CONFIG)) {
                out.put(k, v);
            }
        });
        out.putIfAbsent(AuditClientConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(1_000, getInt(ACK_TIMEOUT_MS_CONFIG)));
        producerDefault(out, ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(5_000, getInt(ACK_TIMEOUT_MS_CONFIG)));
        // /ready counts the producer's connections: refreshing metadata every 10 s (one small request) reconnects
        // after a broker outage even when no event arrives, which a not-ready gateway would never get.
        producerDefault(out, ProducerConfig.METADATA_MAX_AGE_CONFIG, 10_000);
        return new AuditClientConfig(out);
    }

    private static void producerDefault(Map<String, Object> out, String key, Object value) {
        if (!out.containsKey(key) && !out.containsKey(AuditClientConfig.PRODUCER_PREFIX + key)) {
            out.put(AuditClientConfig.PRODUCER_PREFIX + key, value);
        }
    }

    /** {@code gateway.*} keys of this config that the gateway does not declare (typos). */
    public List<String> unknownKeys() {
        return raw.keySet().stream().filter(k -> k.startsWith(PREFIX) && !CONFIG.names().contains(k)).sorted()
                .toList();
    }
}
