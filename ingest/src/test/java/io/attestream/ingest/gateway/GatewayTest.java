package io.attestream.ingest.gateway;

import static io.attestream.ingest.gateway.GatewayTestSupport.event;
import static io.attestream.ingest.gateway.GatewayTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.schemas.Topics;
import io.attestream.schemas.wire.ConfluentWireFormat;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class GatewayTest {
    private static MockProducer<String, byte[]> producer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new StringSerializer(), new ByteArraySerializer());
    }

    @Test
    void acceptsOneJsonEventWith202AndItsPartitionAndOffsetAfterTheAck() throws Exception {
        MockProducer<String, byte[]> mock = producer(true);
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            HttpResponse<String> r = gw.post("k-refund", event("acme", "refund-bot", 0));
            assertThat(r.statusCode()).isEqualTo(202);
            JsonNode item = json(r).get("events").get(0);
            assertThat(item.get("status").intValue()).isEqualTo(202);
            assertThat(item.get("topic").textValue()).isEqualTo(Topics.EVENTS);
            assertThat(item.has("partition")).isTrue();
            assertThat(item.get("offset").longValue()).isZero();
            assertThat(mock.history()).hasSize(1);
            assertThat(mock.history().get(0).key()).isEqualTo("acme/refund-bot");
            assertThat(ConfluentWireFormat.schemaId(mock.history().get(0).value())).isEqualTo(7);
        }
    }

    @Test
    void acceptsAnNdjsonBatchWithPerEventStatus() throws Exception {
        MockProducer<String, byte[]> mock = producer(true);
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                batch.append(event("acme", "agent-" + (i % 3), i)).append('\n');
            }
            HttpResponse<String> r = gw.post("k-acme", batch.toString());
            assertThat(r.statusCode()).isEqualTo(202);
            assertThat(json(r).get("accepted").intValue()).isEqualTo(10);
            assertThat(json(r).get("events")).allSatisfy(e -> assertThat(e.get("status").intValue()).isEqualTo(202));
            assertThat(mock.history()).hasSize(10);
        }
    }

    @Test
    void batchWithOneInvalidEventIs400WithItsPathAndSendsNothing() throws Exception {
        MockProducer<String, byte[]> mock = producer(true);
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            String bad = event("acme", "refund-bot", 1).replace("\"metric\":\"accuracy\"", "\"metric\":42");
            HttpResponse<String> r = gw.post("k-acme", event("acme", "refund-bot", 0) + "\n" + bad + "\n");
            assertThat(r.statusCode()).isEqualTo(400);
            JsonNode events = json(r).get("events");
            assertThat(events.get(0).get("status").intValue()).isEqualTo(424);
            assertThat(events.get(1).get("status").intValue()).isEqualTo(400);
            assertThat(events.get(1).get("errors").get(0).get("path").textValue())
                    .isEqualTo("payload.EvalResult.metric");
            assertThat(events.get(1).get("errors").get(0).get("message").textValue()).isEqualTo("must be a string");
            assertThat(mock.history()).isEmpty();
        }
    }

    @Test
    void authMatrix() throws Exception {
        MockProducer<String, byte[]> mock = producer(true);
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            String refund = event("acme", "refund-bot", 0);
            String other = event("acme", "triage", 1);
            String globex = event("globex", "refund-bot", 2);
            assertThat(gw.post(null, refund).statusCode()).isEqualTo(401);
            assertThat(gw.post("wrong-key", refund).statusCode()).isEqualTo(401);
            assertThat(gw.post("k-refund", refund).statusCode()).isEqualTo(202);
            assertThat(gw.post("k-refund", other).statusCode()).isEqualTo(403);
            assertThat(gw.post("k-refund", globex).statusCode()).isEqualTo(403);
            assertThat(gw.post("k-acme", other).statusCode()).isEqualTo(202);
            assertThat(gw.post("k-acme", globex).statusCode()).isEqualTo(403);
            assertThat(gw.post("k-globex", globex).statusCode()).isEqualTo(202);
            HttpResponse<String> mixed = gw.post("k-refund", refund + "\n" + other + "\n");
            assertThat(mixed.statusCode()).isEqualTo(403);
            assertThat(json(mixed).get("events").get(1).get("status").intValue()).isEqualTo(403);
            assertThat(mock.history()).hasSize(3);
        }
    }

    @Test
    void oversizedBodyEventOrBatchIs413() throws Exception {
        MockProducer<String, byte[]> mock = producer(true);
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of(GatewayConfig.MAX_BODY_BYTES_CONFIG, 8192,
                GatewayConfig.MAX_EVENT_BYTES_CONFIG, 4096, GatewayConfig.MAX_BATCH_EVENTS_CONFIG, 3))) {
            String e = event("acme", "refund-bot", 0);
            assertThat(gw.post("k-acme", "x".repeat(9000)).statusCode()).isEqualTo(413);
            String huge = e.replace("\"refund_payment\"", "\"" + "r".repeat(5000) + "\"");
            assertThat(gw.post("k-acme", huge).statusCode()).isEqualTo(413);
            assertThat(gw.post("k-acme", (e + "\n").repeat(4)).statusCode()).isEqualTo(413);
            assertThat(mock.history()).isEmpty();
        }
    }

    @Test
    void kafkaFailureIs503WithRetryAfterAndHealthDegrades() throws Exception {
        MockProducer<String, byte[]> mock = producer(false);
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of(GatewayConfig.ACK_TIMEOUT_MS_CONFIG, 5000))) {
            CompletableFuture<HttpResponse<String>> pending = CompletableFuture.supplyAsync(() -> {
                try {
                    return gw.post("k-acme", event("acme", "refund-bot", 0));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().until(() -> mock.history().size() == 1);
            mock.errorNext(new TimeoutException("broker down"));
            HttpResponse<String> r = pending.get();
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).contains("1");
            assertThat(json(r).get("events").get(0).get("status").intValue()).isEqualTo(503);
            assertThat(gw.get("/health").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void ackTimeoutIs503() throws Exception {
        MockProducer<String, byte[]> mock = producer(false);
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of(GatewayConfig.ACK_TIMEOUT_MS_CONFIG, 200))) {
            HttpResponse<String> r = gw.post("k-acme", event("acme", "refund-bot", 0));
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(json(r).get("events").get(0).get("message").textValue()).contains("within 200 ms");
        }
    }

    @Test
    void tooManyEventsInFlightIs429WithRetryAfter() throws Exception {
        MockProducer<String, byte[]> mock = producer(false);
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of(GatewayConfig.MAX_IN_FLIGHT_EVENTS_CONFIG, 2,
                GatewayConfig.RETRY_AFTER_SECONDS_CONFIG, 3))) {
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return gw.post("k-acme", event("acme", "a", 0) + "\n" + event("acme", "b", 1) + "\n");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().until(() -> mock.history().size() == 2);
            HttpResponse<String> r = gw.post("k-acme", event("acme", "c", 2));
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).contains("3");
            mock.completeNext();
            mock.completeNext();
            assertThat(first.get().statusCode()).isEqualTo(202);
        }
    }

    @Test
    void healthAndPrometheusMetricsAnswer() throws Exception {
        try (GatewayTestSupport gw = new GatewayTestSupport(producer(true), Map.of())) {
            gw.post("k-acme", event("acme", "refund-bot", 0));
            assertThat(gw.get("/health").statusCode()).isEqualTo(200);
            HttpResponse<String> metrics = gw.get("/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("attestream_gateway_events_total{result=\"accepted\"} 1.0")
                    .contains("attestream_gateway_requests_total{status=\"202\"} 1.0");
        }
    }

    @Test
    void eventIdAndRecordedByAreFilledWhenMissing() throws Exception {
        MockProducer<String, byte[]> mock = producer(true);
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            ObjectNode e = (ObjectNode) GatewayTestSupport.JSON.readTree(event("acme", "refund-bot", 0));
            e.remove("eventId");
            e.remove("recordedBy");
            HttpResponse<String> r = gw.post("k-acme", e.toString());
            assertThat(r.statusCode()).isEqualTo(202);
            assertThat(json(r).get("events").get(0).get("eventId").textValue()).hasSize(36);
        }
    }
}
