package io.attestream.deploy.stack.junit;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BasicAuthProxyTest {
    private final AtomicInteger upstreamRequests = new AtomicInteger();
    private HttpServer upstream;
    private BasicAuthProxy proxy;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", exchange -> {
            upstreamRequests.incrementAndGet();
            byte[] in = exchange.getRequestBody().readAllBytes();
            byte[] out = (exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type") + " "
                    + new String(in, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(201, out.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        });
        upstream.start();
        proxy = BasicAuthProxy.start("http://127.0.0.1:" + upstream.getAddress().getPort() + "/apis/ccompat/v7",
                "svc", "s3cret");
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.stop(0);
    }

    @Test
    void answers401WithoutForwardingWhenCredentialsAreMissingOrWrong() throws Exception {
        URI uri = URI.create(proxy.wrap("http://127.0.0.1:1/apis/ccompat/v7") + "/subjects");
        HttpResponse<String> none = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(uri).header("Authorization", basic("svc:nope"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Basic"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(upstreamRequests).hasValue(0);
        assertThat(proxy.rejected()).isEqualTo(2);
    }

    @Test
    void forwardsMethodPathQueryBodyAndStatusWithTheRightCredentials() throws Exception {
        String base = proxy.wrap("http://127.0.0.1:1/apis/ccompat/v7");
        assertThat(base).endsWith("/apis/ccompat/v7").doesNotContain(":1/");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/subjects/s-value/versions?x=1"))
                .header("Authorization", basic("svc:s3cret"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":\"1\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.body()).isEqualTo("POST /apis/ccompat/v7/subjects/s-value/versions?x=1"
                + " application/vnd.schemaregistry.v1+json {\"schema\":\"1\"}");
        assertThat(proxy.authenticated()).isEqualTo(1);
    }

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }
}
