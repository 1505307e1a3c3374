package io.attestream.ingest.bench;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.BenchmarkStack;
import io.attestream.events.ActionStatus;
import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.events.Operation;
import io.attestream.ingest.AuditClient;
import io.attestream.ingest.AuditClientConfig;
import io.attestream.ingest.BufferFullException;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.sealing.LocalMasterKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The cost of sealing on the SDK path: the same AgentAction events (a ~300-character user prompt in inlinePayload,
 * 1,000 distinct subjects) sent through {@code AuditClient} to the same broker, with and without
 * {@code seal.fields=payload.inlinePayload}, in alternating rounds of one run; prints each round and the medians.
 *
 * <p>{@code ./mvnw -pl ingest test-compile exec:exec@bench-seal -Dbench.args="--events 50000 --rounds 3"};
 * {@code --endpoints FILE} uses a running stack.
 */
public final class SealingBenchmark {
    private SealingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchmarkStack.options(args);
        int n = Integer.parseInt(a.getOrDefault("--events", "50000"));
        int rounds = Integer.parseInt(a.getOrDefault("--rounds", "3"));
        Path dir = Files.createTempDirectory("seal-bench-");
        try (BenchmarkStack stack = BenchmarkStack.startOrAttach(a, dir)) {
            run(stack.endpoints(), dir, n, rounds);
        }
    }

    private static void run(StackEndpoints stack, Path dir, int n, int rounds) throws Exception {
        String topic = "bench.seal." + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        SchemaRegistryClient.forUrl(stack.registryUrl()).register(Topics.valueSubject(topic),
                AuditEventCodec.currentSchema());
        LocalMasterKey.generate(dir.resolve("master.key"));
        String prompt = "Hello, I am a customer and I would like a refund for order 4411 which arrived damaged;"
                + " my card ends in 4242 and my address is Hauptstrasse 12, 10115 Berlin. Please confirm by e-mail"
                + " to the address on file, and tell me how long it takes until the money is back on my account.";
        double[] plain = new double[rounds];
        double[] sealed = new double[rounds];
        rate(stack, dir, topic, n / 5, prompt, false);
        rate(stack, dir, topic, n / 5, prompt, true);
        for (int r = 0; r < rounds; r++) {
            plain[r] = rate(stack, dir, topic, n, prompt, false);
            sealed[r] = rate(stack, dir, topic, n, prompt, true);
            System.out.printf(Locale.ROOT, "round %d: plain %,.0f events/s, sealed %,.0f events/s%n", r + 1, plain[r],
                    sealed[r]);
        }
        Arrays.sort(plain);
        Arrays.sort(sealed);
        double p = plain[rounds / 2];
        double s = sealed[rounds / 2];
        System.out.printf(Locale.ROOT, "SDK AuditClient, %,d events per round, medians of %d rounds: without sealing"
                + " %,.0f events/s, with sealing %,.0f events/s (%.0f %%, cost %.1f us per event)%n", n, rounds, p, s,
                100 * s / p, 1e6 / s - 1e6 / p);
    }

    private static double rate(StackEndpoints stack, Path dir, String topic, int n, String prompt, boolean seal)
            throws Exception {
        Map<String, Object> config = new HashMap<>(Map.of("bootstrap.servers", stack.bootstrapServers(),
                "schema.registry.url", stack.registryUrl(), AuditClientConfig.TOPIC_CONFIG, topic,
                AuditClientConfig.BUFFER_MAX_EVENTS_CONFIG, 50_000));
        if (seal) {
            config.put(AuditClientConfig.SEAL_FIELDS_CONFIG, "payload.inlinePayload");
            config.put(AuditClientConfig.SEAL_KEYSTORE_DIR_CONFIG, dir.resolve("keys").toString());
            config.put(AuditClientConfig.SEAL_MASTER_KEY_FILE_CONFIG, dir.resolve("master.key").toString());
        }
        List<AuditEvent> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            events.add(AuditEvent.newBuilder().setEventId(UUID.randomUUID()).setTenant("bench")
                    .setAgentId("agent-" + (i % 50)).setAgentVersion("1.0").setOccurredAt(Instant.now())
                    .setRecordedBy(new io.attestream.events.RecordedBy("bench", "attestream-java", "0.1.0"))
                    .setPayload(AgentAction.newBuilder().setOperation(Operation.CHAT).setStatus(ActionStatus.OK)
                            .setModel("gpt-4.1").setInlinePayload(prompt + " #" + i).build()).build());
        }
        try (AuditClient client = AuditClient.create(config)) {
            List<CompletableFuture<?>> acks = new ArrayList<>(n);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                while (true) {
                    try {
                        acks.add(client.send(events.get(i), seal ? "customer-" + (i % 1000) : null));
                        break;
                    } catch (BufferFullException full) {
                        Thread.sleep(1);
                    }
                }
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }
}
