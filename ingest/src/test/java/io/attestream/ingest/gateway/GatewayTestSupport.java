package io.attestream.ingest.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attestream.ingest.internal.ApiKeys;
import io.attestream.ingest.internal.JsonEventMapper;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;

/** A gateway on a free port over a given producer, and an HTTP client for it. */
final class GatewayTestSupport implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ApiKeys KEYS = ApiKeys.parse(List.of(
            "acme-refund " + ApiKeys.hash("k-refund") + " acme refund-bot",
            "acme-all " + ApiKeys.hash("k-acme") + " acme *",
            "globex " + ApiKeys.hash("k-globex") + " globex *"), "test");

    final Gateway gateway;
    final HttpClient http = HttpClient.newHttpClient();

    GatewayTestSupport(Producer<String, byte[]> producer, Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", "localhost:1",
                GatewayConfig.API_KEYS_FILE_CONFIG, "unused-in-unit-tests", GatewayConfig.LISTEN_HOST_CONFIG,
                "127.0.0.1", GatewayConfig.LISTEN_PORT_CONFIG, 0, GatewayConfig.THREADS_CONFIG, 4,
                GatewayConfig.METRICS_PORT_CONFIG, 0, GatewayConfig.METRICS_BIND_ADDRESS_CONFIG, "127.0.0.1"));
        props.putAll(extra);
        gateway = new Gateway(new GatewayConfig(props), KEYS, producer, 7);
    }

    static String event(String tenant, String agent, int n) {
        return JsonEventMapper.toJson(SampleEvents.of(EventType.values()[n % 7], tenant, agent, n)).toString();
    }

    HttpResponse<String> post(String key, String contentType, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/v1/events")).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            req.header("Content-Type", contentType);
        }
        if (key != null) {
            req.header("Authorization", "Bearer " + key);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POST to {@code path} (e.g. {@code /v1/traces}); the answer as bytes. */
    HttpResponse<byte[]> postBytes(String path, String key, String contentType, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", contentType);
        if (key != null) {
            req.header("Authorization", "Bearer " + key);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> post(String key, String body) throws IOException, InterruptedException {
        boolean ndjson = body.indexOf('\n') >= 0;
        return post(key, ndjson ? "application/x-ndjson" : "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    @Override
    public void close() {
        gateway.close();
    }
}
