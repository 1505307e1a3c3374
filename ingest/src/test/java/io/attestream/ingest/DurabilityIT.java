package io.attestream.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.deploy.stack.LocalStack;
import io.attestream.deploy.stack.ServiceStatus;
import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.events.AuditEvent;
import io.attestream.ingest.gateway.Gateway;
import io.attestream.ingest.gateway.GatewayConfig;
import io.attestream.ingest.internal.ApiKeys;
import io.attestream.ingest.internal.JsonEventMapper;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Its own stack, so Kafka can be killed: a 202 survives a SIGKILL of the broker right after the answer; events a
 * producer process spooled while Kafka was down, before it died without closing, are replayed by the next process
 * once Kafka is back: all there, none twice.
 */
@Tag("slow")
class DurabilityIT {
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Polls {@code uri} until it answers {@code status} or {@code seconds} pass; the last status seen. */
    private static int awaitStatus(URI uri, int status, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int last;
        do {
            last = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
            if (last == status) {
                return last;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        return last;
    }

    @Test
    void a202SurvivesAKafkaKillAndTheSpoolSurvivesAnOutageAndAProcessDeath() throws Exception {
        Path dir = Files.createTempDirectory("ingest-durability-");
        Set<Integer> ports = new HashSet<>();
        while (ports.size() < 5) {
            ports.add(freePort());
        }
        Integer[] p = ports.toArray(Integer[]::new);
        LocalStack local = new LocalStack(StackConfig.builder(dir.resolve("stack")).kafkaPort(p[0])
                .kafkaControllerPort(p[1]).registryPort(p[2]).registryManagementPort(p[3]).clickHousePort(p[4])
                .detach(false).build(), System.out::println);
        StackEndpoints stack = local.up();
        String topic = "it.durability.events";
        try {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            }
            SchemaRegistryClient.forUrl(stack.registryUrl()).register(Topics.valueSubject(topic),
                    AuditEventCodec.currentSchema());
            Path keys = Files.writeString(dir.resolve("keys.txt"), "all " + ApiKeys.hash("k") + " * *\n");
            Map<String, Object> gc = new HashMap<>(Map.of("bootstrap.servers", stack.bootstrapServers(),
                    "schema.registry.url", stack.registryUrl(), AuditClientConfig.TOPIC_CONFIG, topic,
                    GatewayConfig.API_KEYS_FILE_CONFIG, keys.toString(), GatewayConfig.LISTEN_PORT_CONFIG, 0,
                    GatewayConfig.LISTEN_HOST_CONFIG, "127.0.0.1", GatewayConfig.METRICS_PORT_CONFIG, 0));
            AuditEvent event = SampleEvents.of(EventType.APPROVAL_DECISION, "acme", "durable-bot", 1);
            try (Gateway gateway = Gateway.start(new GatewayConfig(gc))) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + gateway.port() + "/v1/events")).header("X-Api-Key", "k")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JsonEventMapper.toJson(event).toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
                // /ready (issue 17): true while the producer is connected, false once the broker is gone.
                URI ready = URI.create("http://127.0.0.1:" + gateway.healthPort() + "/ready");
                assertThat(awaitStatus(ready, 200, 15)).as("ready with Kafka up").isEqualTo(200);
                killKafka(local);
                assertThat(awaitStatus(ready, 503, 60)).as("not ready once Kafka is killed").isEqualTo(503);
            }

            // Kafka is down: a producer process spools 40 events and dies without closing its client.
            Path spool = dir.resolve("spool");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), SpoolChild.class.getName(),
                    stack.bootstrapServers(), stack.registryUrl(), topic, spool.toString(), "40")
                    .redirectErrorStream(true).start();
            List<String> spooled = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("SPOOLED ")) {
                        spooled.add(line.substring(8));
                    }
                }
            }
            assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(spooled).hasSize(40);

            local.up();
            try (AuditClient next = AuditClient.create(Map.of("bootstrap.servers", stack.bootstrapServers(),
                    "schema.registry.url", stack.registryUrl(), AuditClientConfig.TOPIC_CONFIG, topic,
                    AuditClientConfig.SPOOL_DIR_CONFIG, spool.toString(),
                    AuditClientConfig.SPOOL_REPLAY_BACKOFF_MS_CONFIG, 500L))) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (next.unacknowledged() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(next.unacknowledged()).as("spool replayed and acknowledged").isZero();
            }

            List<String> ids = readIds(stack, topic);
            assertThat(ids).as("the 202'd event survived the broker kill").contains(event.getEventId().toString());
            assertThat(ids).as("every spooled event once").containsAll(spooled).doesNotHaveDuplicates();
            assertThat(ids).hasSize(41);
        } finally {
            local.down();
        }
    }

    private static void killKafka(LocalStack local) throws Exception {
        for (ServiceStatus s : local.status()) {
            if (s.service().equals("kafka") && s.pid() > 0) {
                ProcessHandle h = ProcessHandle.of(s.pid()).orElseThrow();
                h.destroyForcibly();
                h.onExit().get(30, TimeUnit.SECONDS);
                return;
            }
        }
        throw new IllegalStateException("no running kafka in " + local.status());
    }

    private static List<String> readIds(StackEndpoints stack, String topic) {
        AuditEventCodec codec = new AuditEventCodec(SchemaRegistryClient.forUrl(stack.registryUrl()));
        Map<String, Object> cp = new HashMap<>();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, "durability-reader");
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(cp, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && ids.size() < 41) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
                    ids.add(codec.decode(r.value()).event().getEventId().toString());
                }
            }
            // A little longer: a duplicate would show up now.
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(2))) {
                ids.add(codec.decode(r.value()).event().getEventId().toString());
            }
        }
        return ids;
    }
}
