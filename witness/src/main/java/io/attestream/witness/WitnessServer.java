package io.attestream.witness;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link Witness} over HTTP (docs/integrity.md §6.2): {@code POST /add-checkpoint} and
 * {@code GET /<origin hash>/checkpoint}, HTTP/1.1 keep-alive (the JDK server's default). Closing stops
 * accepting and lets running requests finish (up to 1 s; a client whose answer is lost resubmits and gets a 409).
 */
public final class WitnessServer implements AutoCloseable {
    /** Largest accepted request body. */
    public static final int MAX_BODY_BYTES = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(WitnessServer.class);
    private static final Pattern MONITOR_PATH = Pattern.compile("/([0-9a-f]{64})/checkpoint");

    private final HttpServer http;
    private final ExecutorService pool;

    private WitnessServer(HttpServer http, ExecutorService pool) {
        this.http = http;
        this.pool = pool;
    }

    /**
     * Starts serving.
     *
     * @param witness the witness
     * @param address where to listen (port 0: a free one)
     * @param threads request threads, at least 1
     * @return the running server
     * @throws WitnessException when the address cannot be bound
     */
    public static WitnessServer start(Witness witness, InetSocketAddress address, int threads) {
        requireNonNull(witness, "witness");
        requireNonNull(address, "address");
        if (threads < 1) {
            throw new IllegalArgumentException("a witness server needs at least 1 thread, got " + threads);
        }
        HttpServer http;
        try {
            http = HttpServer.create(address, 64);
        } catch (IOException e) {
            throw new WitnessException("cannot listen on " + address + ": " + e, e);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "witness-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(pool);
        http.createContext("/", exchange -> handle(witness, exchange));
        http.start();
        return new WitnessServer(http, pool);
    }

    private static void handle(Witness witness, HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/add-checkpoint")) {
                if (!ex.getRequestMethod().equals("POST")) {
                    send(ex, 405, "text/plain; charset=utf-8", "add-checkpoint needs POST\n");
                    return;
                }
                Optional<byte[]> body = readBody(ex);
                if (body.isEmpty()) {
                    send(ex, 413, "text/plain; charset=utf-8", "request body exceeds " + MAX_BODY_BYTES + " bytes\n");
                    return;
                }
                Witness.Outcome o;
                try {
                    o = witness.add(body.get());
                } catch (WitnessException | IllegalArgumentException e) {
                    LOG.error("add-checkpoint failed: {}", e.getMessage(), e);
                    send(ex, 500, "text/plain; charset=utf-8", "witness error: " + e.getMessage() + "\n");
                    return;
                }
                send(ex, o.status(), o.contentType(), o.body());
                return;
            }
            var m = MONITOR_PATH.matcher(path);
            if (m.matches() && ex.getRequestMethod().equals("GET")) {
                Optional<String> note = witness.latest(m.group(1));
                if (note.isPresent()) {
                    send(ex, 200, "text/plain; charset=utf-8", note.get());
                } else {
                    send(ex, 404, "text/plain; charset=utf-8", "this witness has not cosigned that log\n");
                }
                return;
            }
            send(ex, 404, "text/plain; charset=utf-8", "not found: " + path + "\n");
        }
    }

    private static Optional<byte[]> readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(MAX_BODY_BYTES + 1);
            return b.length > MAX_BODY_BYTES ? Optional.empty() : Optional.of(b);
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /**
     * The submission (and monitoring) prefix.
     *
     * @return {@code http://host:port/}
     */
    public URI uri() {
        InetSocketAddress a = http.getAddress();
        return URI.create("http://" + a.getHostString() + ":" + a.getPort() + "/");
    }

    @Override
    public void close() {
        http.stop(1);
        pool.shutdown();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
