package io.attestream.ingest.gateway;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.attestream.ingest.AuditClientConfig;
import io.attestream.ingest.internal.ApiKeys;
import io.attestream.ingest.internal.EventsHandler;
import io.attestream.ingest.internal.OtlpHandler;
import io.attestream.runtime.HealthServer;
import io.attestream.runtime.HttpServers;
import io.attestream.runtime.Readiness;
import io.attestream.runtime.StageMetrics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.AuditEventSerializer;
import io.attestream.sealing.EventSealer;
import io.attestream.sealing.FieldPath;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The HTTP/JSON gateway: {@code POST /v1/events} (docs/http-api.md), the OTLP/HTTP receiver {@code POST /v1/traces}
 * and {@code POST /v1/logs}, {@code GET /health}, {@code GET /metrics}
 * (Prometheus text). A 202 answer means Kafka acknowledged every event of the request with acks=all: the caller
 * MAY then forget the events. Any other answer means the events without status 202 in the answer were not
 * written; the caller MUST retry them with the same eventIds (429/503: after Retry-After) or fix them (400/403/413).
 */
public final class Gateway implements AutoCloseable {
    /**
     * Every Prometheus metric name the gateway serves besides jvm_* / process_* (docs/operations.md); the counters
     * appear with their first request.
     */
    public static final List<String> METRIC_NAMES = List.of(
            "attestream_gateway_requests_total",
            "attestream_gateway_events_total",
            "attestream_gateway_request_seconds",
            "attestream_gateway_in_flight_events",
            "attestream_gateway_otlp_requests_total",
            "attestream_gateway_otlp_spans_total",
            "attestream_gateway_otlp_log_records_total",
            "attestream_gateway_request_read_timeouts_total");

    private final HttpServer server;
    private final ExecutorService workers;
    private final Producer<String, byte[]> producer;
    private final PrometheusMeterRegistry meters;
    private final EventsHandler events;
    private final HealthServer health;
    private final RequestReadTimeout readTimeout;
    private final Thread connector;

    Gateway(GatewayConfig config, ApiKeys keys, Producer<String, byte[]> producer, int schemaId) {
        this.producer = requireNonNull(producer, "producer");
        this.meters = StageMetrics.newRegistry();
        EventsHandler.Limits limits = new EventsHandler.Limits(
                config.getInt(GatewayConfig.MAX_BODY_BYTES_CONFIG), config.getInt(GatewayConfig.MAX_EVENT_BYTES_CONFIG),
                config.getInt(GatewayConfig.MAX_BATCH_EVENTS_CONFIG),
                config.getInt(GatewayConfig.MAX_NESTING_DEPTH_CONFIG),
                config.getInt(GatewayConfig.MAX_IN_FLIGHT_EVENTS_CONFIG),
                config.getInt(GatewayConfig.RETRY_AFTER_SECONDS_CONFIG),
                config.getInt(GatewayConfig.ACK_TIMEOUT_MS_CONFIG));
        String topic = config.clientConfig().getString(AuditClientConfig.TOPIC_CONFIG);
        AuditClientConfig clientConfig = config.clientConfig();
        EventSealer sealer = clientConfig.keyStore().map(k -> new EventSealer(k, clientConfig.sealFields()))
                .orElse(null);
        List<FieldPath> personal = sealer == null ? List.of() : sealer.fields();
        EventsHandler events = new EventsHandler(keys, producer, topic, schemaId, limits, localHost(), meters, sealer);
        this.events = events;
        OtlpHandler traces = new OtlpHandler(OtlpHandler.TRACES, keys, producer, topic, schemaId, limits, localHost(),
                meters, personal);
        OtlpHandler logs = new OtlpHandler(OtlpHandler.LOGS, keys, producer, topic, schemaId, limits, localHost(),
                meters, personal);
        InetSocketAddress address = new InetSocketAddress(config.getString(GatewayConfig.LISTEN_HOST_CONFIG),
                config.getInt(GatewayConfig.LISTEN_PORT_CONFIG));
        // Nagle off: with it on, every answer waits for the client's delayed ACK (HttpServers).
        HttpServers.noDelay();
        try {
            String keystore = config.getString(GatewayConfig.TLS_KEYSTORE_LOCATION_CONFIG);
            if (keystore.isEmpty()) {
                server = HttpServer.create(address, 1024);
            } else {
                HttpsServer https = HttpsServer.create(address, 1024);
                https.setHttpsConfigurator(new HttpsConfigurator(sslContext(Path.of(keystore),
                        config.getPassword(GatewayConfig.TLS_KEYSTORE_PASSWORD_CONFIG).value().toCharArray(),
                        config.getString(GatewayConfig.TLS_KEYSTORE_TYPE_CONFIG))));
                server = https;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address + " (" + GatewayConfig.LISTEN_PORT_CONFIG
                    + ")", e);
        }
        AtomicInteger n = new AtomicInteger();
        workers = Executors.newFixedThreadPool(config.getInt(GatewayConfig.THREADS_CONFIG), r -> {
            Thread t = new Thread(r, "attestream-gateway-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        int readTimeoutMillis = config.getInt(GatewayConfig.REQUEST_READ_TIMEOUT_MS_CONFIG);
        Counter readTimeouts = Counter.builder("attestream.gateway.request.read.timeouts")
                .description("requests not read within " + GatewayConfig.REQUEST_READ_TIMEOUT_MS_CONFIG
                        + ": connection closed, nothing sent").register(meters);
        readTimeout = readTimeoutMillis == 0 ? null : new RequestReadTimeout(readTimeoutMillis, readTimeouts);
        server.setExecutor(readTimeout == null ? workers : readTimeout.guard(workers));
        List<HttpContext> contexts = List.of(
                server.createContext("/v1/events", events),
                server.createContext("/v1/traces", traces),
                server.createContext("/v1/logs", logs),
                server.createContext("/health", exchange -> {
                    boolean down = events.kafkaFailing();
                    reply(exchange, down ? 503 : 200, "application/json", down
                            ? "{\"status\":\"DEGRADED\",\"kafka\":\"last send failed\"}" : "{\"status\":\"UP\"}");
                }),
                server.createContext("/metrics", exchange -> reply(exchange, 200,
                        "text/plain; version=0.0.4; charset=utf-8", meters.scrape())));
        if (readTimeout != null) {
            contexts.forEach(c -> c.getFilters().add(readTimeout.filter()));
        }
        server.start();
        try {
            health = HealthServer.start(config, meters, this::readiness, HealthServer.alwaysLive());
        } catch (RuntimeException e) {
            server.stop(0);
            workers.shutdownNow();
            if (readTimeout != null) {
                readTimeout.close();
            }
            throw e;
        }
        // The producer connects on first use; asking for the topic's partitions makes it connect at start, so
        // that /ready can turn true before the first event (afterwards metadata.max.age.ms keeps it connected).
        connector = new Thread(() -> {
            try {
                producer.partitionsFor(topic);
            } catch (RuntimeException e) {
                // Not fatal: /ready stays false until the producer connects.
            }
        }, "attestream-gateway-connect");
        connector.setDaemon(true);
        connector.start();
    }

    /**
     * {@code /ready}: up when the producer holds a connection to Kafka and the last send did not fail. Never true on
     * a producer without metrics (MockProducer in unit tests).
     */
    public Readiness.Status readiness() {
        double connections = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : producer.metrics().entrySet()) {
            if ("connection-count".equals(e.getKey().name()) && "producer-metrics".equals(e.getKey().group())
                    && e.getValue().metricValue() instanceof Number n) {
                connections += n.doubleValue();
            }
        }
        if (connections < 1) {
            return Readiness.Status.down("producer not connected to Kafka");
        }
        if (events.kafkaFailing()) {
            return Readiness.Status.down("last send to Kafka failed");
        }
        return Readiness.Status.up("producer connected (" + (long) connections + " connection(s))");
    }

    /** @return the probe server's port, or -1 when none runs (metrics.port=-1) */
    public int healthPort() {
        return health == null ? -1 : health.port();
    }

    /**
     * Starts a gateway for {@code config}: loads the API keys, resolves the AuditEvent schema id (registering it
     * only with {@code auto.register.schemas=true}) and opens the Kafka producer.
     *
     * @throws ConfigException naming the key of a bad or unknown setting
     */
    public static Gateway start(GatewayConfig config) {
        requireNonNull(config, "config");
        List<String> unknown = config.unknownKeys();
        if (!unknown.isEmpty()) {
            throw new ConfigException(unknown.get(0), "?", "unknown gateway key (all unknown: " + unknown + ")");
        }
        ApiKeys keys = ApiKeys.load(Path.of(config.getString(GatewayConfig.API_KEYS_FILE_CONFIG)),
                GatewayConfig.API_KEYS_FILE_CONFIG);
        AuditClientConfig client = config.clientConfig();
        int schemaId = new AuditEventSerializer(new SchemaRegistryClient(client.registryConfig()),
                client.getBoolean(AuditClientConfig.AUTO_REGISTER_SCHEMAS_CONFIG))
                .schemaId(client.getString(AuditClientConfig.TOPIC_CONFIG));
        Producer<String, byte[]> producer = new KafkaProducer<>(client.producerConfig(), new StringSerializer(),
                new ByteArraySerializer());
        return new Gateway(config, keys, producer, schemaId);
    }

    /** The port the gateway listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The meter registry behind {@code /metrics}. */
    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /** Stops accepting requests, lets running ones finish (at most 5 s), closes the producer. */
    @Override
    public void close() {
        if (health != null) {
            health.close();
        }
        server.stop(1);
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (readTimeout != null) {
            readTimeout.close();
        }
        producer.close();
        meters.close();
    }

    private static void reply(HttpExchange exchange, int status, String type, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
        exchange.close();
    }

    private static SSLContext sslContext(Path keystore, char[] password, String type) {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore ks = KeyStore.getInstance(type);
            ks.load(in, password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(kmf.getKeyManagers(), null, null);
            return ssl;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(GatewayConfig.TLS_KEYSTORE_LOCATION_CONFIG, keystore.toString(),
                    "cannot load key store: " + e.getMessage());
        }
    }

    private static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "gateway";
        }
    }
}
