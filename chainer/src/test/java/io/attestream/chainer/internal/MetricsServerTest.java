package io.attestream.chainer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chainer.DeadLetterReason;
import io.attestream.chainer.DeadLetterReason.FailureMode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
    @Test
    void servesChainedAndRefusedCountersInPrometheusFormat() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ChainerMetrics metrics = new ChainerMetrics(registry);
        metrics.chained(12);
        metrics.refused(DeadLetterReason.CORRUPT_AVRO, FailureMode.DEAD_LETTER);
        metrics.checkpoint("count", true);
        try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("attestream_chainer_events_chained_total 1.0")
                    .contains("attestream_chainer_events_refused_total{mode=\"dead-letter\",reason=\"corrupt-avro\"} 1.0")
                    .contains("attestream_chainer_checkpoints_total{timestamped=\"true\",trigger=\"count\"} 1.0")
                    .contains("attestream_chainer_latency_seconds");
        }
    }
}
