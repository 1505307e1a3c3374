package io.attestream.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attestream.chainer.ChainerApp;
import io.attestream.chainer.testing.TestChainers;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
import io.attestream.events.EvaluatorKind;
import io.attestream.ingest.gateway.Gateway;
import io.attestream.ingest.gateway.GatewayConfig;
import io.attestream.ingest.internal.ApiKeys;
import io.attestream.ingest.internal.JsonEventMapper;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * On the real stack (Kafka broker, Apicurio registry): events sent through the SDK and through the HTTP gateway
 * are chained by a running chainer exactly once each, also when a gateway event is resent with the same eventId;
 * the gateway's auth/scope matrix holds with a real producer behind it.
 */
@ExtendWith(LocalStackExtension.class)
class IngestIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sdkAndGatewayEventsAreChainedOnceEach(StackEndpoints stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "it.ingest." + run + ".events";
        String chained = input + ".chained";
        Path dir = Files.createTempDirectory("ingest-it-");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(input, 3, (short) 1), new NewTopic(chained, 3, (short) 1)))
                    .all().get();
        }
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        registry.register(Topics.valueSubject(input), AuditEventCodec.currentSchema());

        ChainerApp chainer = chainer(stack, dir, run, input, chained);
        Thread chainerThread = new Thread(() -> {
            try {
                chainer.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "it-chainer");
        chainerThread.start();

        Path keys = dir.resolve("api-keys.txt");
        Files.writeString(keys, "acme-all " + ApiKeys.hash("k-acme") + " acme *\n"
                + "refund-only " + ApiKeys.hash("k-refund") + " acme refund-bot\n");
        Map<String, Object> client = Map.of("bootstrap.servers", stack.bootstrapServers(),
                "schema.registry.url", stack.registryUrl(), AuditClientConfig.TOPIC_CONFIG, input);
        Map<String, Object> gc = new HashMap<>(client);
        gc.put(GatewayConfig.API_KEYS_FILE_CONFIG, keys.toString());
        gc.put(GatewayConfig.LISTEN_HOST_CONFIG, "127.0.0.1");
        gc.put(GatewayConfig.LISTEN_PORT_CONFIG, 0);
        gc.put(GatewayConfig.METRICS_PORT_CONFIG, 0);

        Set<String> expected = new HashSet<>();
        try (AuditClient sdk = AuditClient.create(client); Gateway gateway = Gateway.start(new GatewayConfig(gc))) {
            List<CompletableFuture<Ack>> acks = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                acks.add(sdk.event("acme", "sdk-bot-" + (i % 3), "2.0").evalResult(EvalResult.newBuilder()
                        .setSuite("s").setEvalName("e" + i).setMetric("m").setValue(i / 30.0)
                        .setEvaluatorKind(EvaluatorKind.RULE).build()).send());
            }
            for (CompletableFuture<Ack> f : acks) {
                Ack ack = f.get();
                assertThat(ack.topic()).isEqualTo(input);
                expected.add(ack.eventId().toString());
            }

            StringBuilder batch = new StringBuilder();
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                AuditEvent e = SampleEvents.of(EventType.values()[i % 7], "acme", "refund-bot", 1000 + i);
                String line = JsonEventMapper.toJson(e).toString();
                lines.add(line);
                batch.append(line).append('\n');
                expected.add(e.getEventId().toString());
            }
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create("http://127.0.0.1:" + gateway.port() + "/v1/events");
            HttpResponse<String> r = post(http, uri, "k-refund", "application/x-ndjson", batch.toString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.get("accepted").intValue()).isEqualTo(30);
            assertThat(body.get("events").get(0).get("topic").textValue()).isEqualTo(input);
            assertThat(body.get("events").get(0).get("offset").isNumber()).isTrue();

            // A client retrying after a lost answer: same eventId again, 202 again, chained once.
            assertThat(post(http, uri, "k-refund", "application/json", lines.get(0)).statusCode()).isEqualTo(202);
            // Auth matrix with the real producer behind the gateway.
            String other = JsonEventMapper.toJson(SampleEvents.of(EventType.AGENT_ACTION, "acme", "triage", 1))
                    .toString();
            String globex = JsonEventMapper.toJson(SampleEvents.of(EventType.AGENT_ACTION, "globex", "x", 1))
                    .toString();
            assertThat(post(http, uri, null, "application/json", other).statusCode()).isEqualTo(401);
            assertThat(post(http, uri, "nope", "application/json", other).statusCode()).isEqualTo(401);
            assertThat(post(http, uri, "k-refund", "application/json", other).statusCode()).isEqualTo(403);
            assertThat(post(http, uri, "k-acme", "application/json", globex).statusCode()).isEqualTo(403);
            assertThat(post(http, uri, "k-acme", "application/json", other).statusCode()).isEqualTo(202);
            expected.add(SampleEvents.of(EventType.AGENT_ACTION, "acme", "triage", 1).getEventId().toString());
        }

        try {
            List<String> seen = ChainedEvents.readEventIds(stack, registry, chained, expected.size(),
                    "it-ingest-reader-" + run);
            assertThat(seen).as("every SDK and gateway event chained exactly once").hasSize(expected.size())
                    .doesNotHaveDuplicates();
            assertThat(new HashSet<>(seen)).isEqualTo(expected);
        } finally {
            chainer.stop();
            chainerThread.join(60_000);
        }
    }

    private static HttpResponse<String> post(HttpClient http, URI uri, String key, String type, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("X-Api-Key", key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static ChainerApp chainer(StackEndpoints stack, Path dir, String run, String input, String chained)
            throws Exception {
        return TestChainers.chainer(stack, dir, "it-ingest", run, input, chained);
    }
}
