package io.attestream.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(URI base, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyFollowsTheStagesCheckAndLiveStaysUp() throws Exception {
        AtomicBoolean ready = new AtomicBoolean();
        PrometheusMeterRegistry registry = StageMetrics.newRegistry();
        try (HealthServer server = HealthServer.start("127.0.0.1", 0, registry,
                () -> ready.get() ? Readiness.Status.up("RUNNING") : Readiness.Status.down("REBALANCING \"x\""),
                HealthServer.alwaysLive())) {
            HttpResponse<String> r = get(server.uri(), "/ready");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("{\"status\":\"DOWN\",\"detail\":\"REBALANCING \\\"x\\\"\"}\n");
            ready.set(true);
            assertThat(get(server.uri(), "/ready").statusCode()).isEqualTo(200);
            assertThat(get(server.uri(), "/live").statusCode()).isEqualTo(200);
            ready.set(false);
            assertThat(get(server.uri(), "/ready").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void aFailingCheckIsNotReady() throws Exception {
        try (HealthServer server = HealthServer.start("127.0.0.1", 0, StageMetrics.newRegistry(), () -> {
            throw new IllegalStateException("boom");
        }, HealthServer.alwaysLive())) {
            HttpResponse<String> r = get(server.uri(), "/ready");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("boom");
        }
    }

    @Test
    void metricsFollowTheNamingScheme() throws Exception {
        PrometheusMeterRegistry registry = StageMetrics.newRegistry();
        Counter.builder(StageMetrics.name("drift", "windows.evaluated")).register(registry).increment(3);
        try (HealthServer server = HealthServer.start("127.0.0.1", 0, registry, () -> Readiness.Status.up("ok"),
                HealthServer.alwaysLive())) {
            String body = get(server.uri(), "/metrics").body();
            assertThat(body).contains("attestream_drift_windows_evaluated_total 3.0", "jvm_memory_used_bytes");
        }
    }
}
