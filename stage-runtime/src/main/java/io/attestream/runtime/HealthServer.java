package io.attestream.runtime;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The probe and metrics endpoint of a stage, one small HTTP server on {@value #PORT_CONFIG}:
 * <ul>
 *   <li>{@code GET /live}: 200 while the process is not wedged (the stage's liveness check; by default always);
 *       503 tells the orchestrator to restart it;</li>
 *   <li>{@code GET /ready}: 200 only when the stage is connected and processing ({@link Readiness}), else 503;</li>
 *   <li>{@code GET /metrics}: the stage's Micrometer registry in the Prometheus text format.</li>
 * </ul>
 * Bodies are one line of JSON: {@code {"status":"UP"|"DOWN","detail":"..."}}.
 *
 * <p>The bind address defaults to {@code 0.0.0.0}: probes and Prometheus reach a pod on its own address, and
 * these endpoints hold no secret and accept no input. Set {@value #BIND_ADDRESS_CONFIG}={@code 127.0.0.1} on a
 * shared host.
 */
public final class HealthServer implements AutoCloseable {
    /** Port of {@code /live}, {@code /ready} and {@code /metrics}. */
    public static final String PORT_CONFIG = "metrics.port";
    /** Address they bind to. */
    public static final String BIND_ADDRESS_CONFIG = "metrics.bind.address";
    /** Default of {@link #BIND_ADDRESS_CONFIG}. */
    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";

    /** Path of the liveness probe. */
    public static final String LIVE_PATH = "/live";
    /** Path of the readiness probe. */
    public static final String READY_PATH = "/ready";
    /** Path of the Prometheus scrape. */
    public static final String METRICS_PATH = "/metrics";

    private final HttpServer server;
    private final ExecutorService executor;

    private HealthServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Adds {@value #PORT_CONFIG} and {@value #BIND_ADDRESS_CONFIG} to a stage's definition.
     *
     * @param def the stage's definition
     * @param defaultPort the stage's default port (each stage has its own, so that all can run on one host)
     * @return {@code def}
     */
    public static ConfigDef define(ConfigDef def, int defaultPort) {
        return def
                .define(PORT_CONFIG, Type.INT, defaultPort, ConfigDef.Range.between(-1, 65535), Importance.MEDIUM,
                        "Port of GET /live, /ready and /metrics (Prometheus); 0 picks a free port, -1 serves none.")
                .define(BIND_ADDRESS_CONFIG, Type.STRING, DEFAULT_BIND_ADDRESS, new ConfigDef.NonEmptyString(),
                        Importance.LOW, "Address /live, /ready and /metrics bind to; 0.0.0.0 (default) so that "
                                + "probes and Prometheus reach the pod; 127.0.0.1 on a shared host.");
    }

    /**
     * Starts the server the config asks for.
     *
     * @param config a stage config whose definition went through {@link #define}
     * @return the server, or null when {@value #PORT_CONFIG} is -1
     * @throws ConfigException naming {@value #PORT_CONFIG} when the address cannot be bound
     */
    public static HealthServer start(AbstractConfig config, PrometheusMeterRegistry registry, Readiness readiness,
            Readiness liveness) {
        int port = config.getInt(PORT_CONFIG);
        if (port < 0) {
            return null;
        }
        return start(config.getString(BIND_ADDRESS_CONFIG), port, registry, readiness, liveness);
    }

    /**
     * Starts serving on {@code host:port}.
     *
     * @param liveness the {@code /live} check; {@link #alwaysLive()} when only a wedged process is dead
     * @throws ConfigException naming {@value #PORT_CONFIG} when the address cannot be bound
     */
    public static HealthServer start(String host, int port, PrometheusMeterRegistry registry, Readiness readiness,
            Readiness liveness) {
        requireNonNull(registry, "registry");
        requireNonNull(readiness, "readiness");
        requireNonNull(liveness, "liveness");
        HttpServer server;
        HttpServers.noDelay();
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new ConfigException(PORT_CONFIG, port, "cannot listen on " + host + ":" + port + " ("
                    + BIND_ADDRESS_CONFIG + "): " + e.getMessage());
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "attestream-health");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext(LIVE_PATH, exchange -> probe(exchange, liveness));
        server.createContext(READY_PATH, exchange -> probe(exchange, readiness));
        server.createContext(METRICS_PATH, exchange -> reply(exchange, 200,
                "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.start();
        return new HealthServer(server, executor);
    }

    /** @return a liveness check that is always up: the process answering is all {@code /live} says */
    public static Readiness alwaysLive() {
        return () -> Readiness.Status.up("process answering");
    }

    /** @return the bound port */
    public int port() {
        return server.getAddress().getPort();
    }

    /** @return {@code http://host:port} of this server */
    public URI uri() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getHostString();
        return URI.create("http://" + host + ":" + a.getPort());
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static void probe(HttpExchange exchange, Readiness check) throws IOException {
        Readiness.Status s;
        try {
            s = check.check();
        } catch (RuntimeException e) {
            s = Readiness.Status.down("check failed: " + e);
        }
        reply(exchange, s.ready() ? 200 : 503, "application/json", "{\"status\":\"" + (s.ready() ? "UP" : "DOWN")
                + "\",\"detail\":\"" + jsonEscape(s.detail()) + "\"}\n");
    }

    private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
