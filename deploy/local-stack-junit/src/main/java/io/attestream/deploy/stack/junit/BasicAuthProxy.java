package io.attestream.deploy.stack.junit;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP reverse proxy that demands HTTP Basic authentication before it forwards a request to the schema
 * registry behind it.
 *
 * <p>Why it exists: Apicurio Registry 3.3.3 (the local stack's) has no HTTP Basic authentication of its own. Its
 * only Basic option, {@code apicurio.authn.basic-client-credentials.enabled}, takes the user and password as an
 * OAuth client id and secret and exchanges them at an OpenID Connect token endpoint (Keycloak or another OIDC
 * provider), so it needs an identity provider running. In production the registry sits behind such a provider or
 * behind an authenticating proxy or ingress; this class is the second, small enough for a test, so the tests can
 * prove that every stage's registry client sends {@code basic.auth.user.info} and fails clearly when it is wrong.
 *
 * <p>It forwards method, path, query, body and the {@code Content-Type}/{@code Accept} headers; it answers 401
 * with {@code WWW-Authenticate: Basic realm="attestream-registry"} to a request without the right credentials and
 * never forwards it. Not for production: plain HTTP on 127.0.0.1.
 */
public final class BasicAuthProxy implements AutoCloseable {
    private static final List<String> FORWARDED = List.of("Content-Type", "Accept");

    private final HttpServer server;
    private final ExecutorService workers;
    private final HttpClient client;
    private final String upstream;
    private final byte[] expected;
    private final AtomicInteger authenticated = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();

    private BasicAuthProxy(String upstream, String user, String password) throws IOException {
        URI u = URI.create(upstream);
        this.upstream = u.getScheme() + "://" + u.getRawAuthority();
        this.expected = ("Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        this.workers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "registry-auth-proxy");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Starts a proxy on a free port of 127.0.0.1.
     *
     * @param upstream a URL of the registry, e.g. {@code http://127.0.0.1:8081/apis/ccompat/v7}; only its scheme,
     *     host and port are used: request paths are forwarded as they are
     * @param user the one accepted user
     * @param password its password
     * @return the running proxy
     */
    public static BasicAuthProxy start(String upstream, String user, String password) {
        requireNonNull(upstream, "upstream");
        requireNonNull(user, "user");
        requireNonNull(password, "password");
        if (user.indexOf(':') >= 0) {
            throw new IllegalArgumentException("a Basic user name cannot contain ':'");
        }
        try {
            return new BasicAuthProxy(upstream, user, password);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the registry auth proxy", e);
        }
    }

    /**
     * @param upstreamUrl a URL of the registry, e.g. {@code http://127.0.0.1:8081/apis/ccompat/v7}
     * @return the same URL through this proxy
     */
    public String wrap(String upstreamUrl) {
        URI u = URI.create(upstreamUrl);
        return "http://127.0.0.1:" + server.getAddress().getPort() + (u.getRawPath() == null ? "" : u.getRawPath());
    }

    /** @return requests forwarded because they carried the right credentials */
    public int authenticated() {
        return authenticated.get();
    }

    /** @return requests answered 401 */
    public int rejected() {
        return rejected.get();
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !MessageDigest.isEqual(expected, auth.getBytes(StandardCharsets.UTF_8))) {
                rejected.incrementAndGet();
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"attestream-registry\"");
                reply(exchange, 401, "application/json",
                        "{\"error_code\":401,\"message\":\"registry auth proxy: missing or wrong credentials\"}"
                                .getBytes(StandardCharsets.UTF_8));
                return;
            }
            authenticated.incrementAndGet();
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            URI target = URI.create(upstream + exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()));
            HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            for (String header : FORWARDED) {
                String value = exchange.getRequestHeaders().getFirst(header);
                if (value != null) {
                    request.header(header, value);
                }
            }
            HttpResponse<byte[]> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reply(exchange, 503, "text/plain", "interrupted".getBytes(StandardCharsets.UTF_8));
                return;
            } catch (IOException e) {
                reply(exchange, 502, "text/plain", ("registry auth proxy: upstream " + upstream + ": " + e)
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            reply(exchange, response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse("application/json"), response.body());
        }
    }

    private static void reply(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
