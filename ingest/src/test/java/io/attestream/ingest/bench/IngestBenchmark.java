package io.attestream.ingest.bench;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.BenchmarkStack;
import io.attestream.events.AuditEvent;
import io.attestream.ingest.AuditClient;
import io.attestream.ingest.AuditClientConfig;
import io.attestream.ingest.BufferFullException;
import io.attestream.ingest.gateway.Gateway;
import io.attestream.ingest.gateway.GatewayConfig;
import io.attestream.ingest.internal.ApiKeys;
import io.attestream.ingest.internal.JsonEventMapper;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import io.attestream.ingest.internal.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One run, same events, same broker, each path measured in its second round (the first warms the JIT up): the raw
 * idempotent producer (acks=all, linger 5 ms, pre-encoded values), the
 * SDK ({@code AuditClient}: rules check, encoding, bounded buffer) and the HTTP gateway (NDJSON batches over
 * keep-alive connections, 202 after the ack), and on the same gateway OTLP/HTTP trace requests of as many GenAI
 * spans, in protobuf and in OTLP/JSON. Prints events/s (spans/s) and the ratios to the raw rate and to NDJSON.
 *
 * <p>{@code ./mvnw -pl ingest test-compile exec:exec@bench -Dbench.args="--events 100000 --batch 500 --clients 4"};
 * {@code --endpoints FILE} uses a running stack instead of starting one. {@code --read-timeout-compare ROUNDS}
 * measures instead only the NDJSON path on two gateways, one with {@code gateway.request.read.timeout.ms} at its
 * default and one with it off (0: no guarded executor, no body filter), in alternating rounds of one run, and prints
 * each round, the medians and their ratio.
 */
public final class IngestBenchmark {
    private IngestBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchmarkStack.options(args);
        int events = Integer.parseInt(a.getOrDefault("--events", "100000"));
        int batch = Integer.parseInt(a.getOrDefault("--batch", "500"));
        int clients = Integer.parseInt(a.getOrDefault("--clients", "4"));
        int compareRounds = Integer.parseInt(a.getOrDefault("--read-timeout-compare", "0"));
        Path dir = Files.createTempDirectory("ingest-bench-");
        try (BenchmarkStack stack = BenchmarkStack.startOrAttach(a, dir)) {
            run(stack.endpoints(), dir, events, batch, clients, compareRounds);
        }
    }

    private static void run(StackEndpoints stack, Path dir, int n, int batch, int clients, int compareRounds)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String raw = "bench." + run + ".raw";
        String sdk = "bench." + run + ".sdk";
        String gw = "bench." + run + ".gateway";
        String warm = "bench." + run + ".warmup";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String t : List.of(raw, sdk, gw, warm)) {
                topics.add(new NewTopic(t, 3, (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        int schemaId = 0;
        for (String t : List.of(raw, sdk, gw, warm)) {
            schemaId = registry.register(Topics.valueSubject(t), AuditEventCodec.currentSchema());
        }
        List<AuditEvent> events = new ArrayList<>(n);
        List<byte[]> values = new ArrayList<>(n);
        List<String> json = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            AuditEvent e = AuditEvent.newBuilder(SampleEvents.of(EventType.values()[i % 7], "bench",
                    "agent-" + (i % 50), i)).setEventId(UUID.randomUUID()).setOccurredAt(Instant.now()).build();
            events.add(e);
            values.add(AuditEventCodec.encode(schemaId, e));
            json.add(JsonEventMapper.toJson(e).toString());
        }
        System.out.printf(Locale.ROOT, "%d events, %.0f bytes on average (Avro), %.0f bytes (JSON)%n", n,
                values.stream().mapToInt(v -> v.length).average().orElse(0),
                json.stream().mapToInt(String::length).average().orElse(0));
        if (compareRounds > 0) {
            readTimeoutCompare(stack, dir, gw, json, batch, clients, compareRounds);
            return;
        }

        // Every path gets one warm-up round of all the events before the measured round (the JIT compiles each
        // path's code while it runs; a cold round measured the compiler as much as the path).
        rawRate(stack, warm, events, values);
        double rawRate = rawRate(stack, raw, events, values);
        System.out.printf(Locale.ROOT, "raw producer (acks=all, idempotent, linger 5 ms): %,.0f events/s%n", rawRate);

        sdkRate(stack, warm, events);
        double sdkRate = sdkRate(stack, sdk, events);
        System.out.printf(Locale.ROOT, "SDK AuditClient (rules, encode, bounded buffer): %,.0f events/s = %.0f %% of"
                + " raw (goal >= 80 %%)%n", sdkRate, 100 * sdkRate / rawRate);

        gatewayRates(stack, dir, gw, json, batch, clients, rawRate);
    }

    private static double rawRate(StackEndpoints stack, String topic, List<AuditEvent> events, List<byte[]> values) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(BenchmarkStack.rawProducerConfig(stack),
                new StringSerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            for (int i = 0; i < values.size(); i++) {
                AuditEvent e = events.get(i);
                producer.send(new ProducerRecord<>(topic, Topics.agentKey(e.getTenant(), e.getAgentId()),
                        values.get(i)));
            }
            producer.flush();
            return values.size() / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static double sdkRate(StackEndpoints stack, String topic, List<AuditEvent> events) throws Exception {
        try (AuditClient client = AuditClient.create(Map.of("bootstrap.servers", stack.bootstrapServers(),
                "schema.registry.url", stack.registryUrl(), AuditClientConfig.TOPIC_CONFIG, topic,
                AuditClientConfig.BUFFER_MAX_EVENTS_CONFIG, 50_000))) {
            List<CompletableFuture<?>> acks = new ArrayList<>(events.size());
            long start = System.nanoTime();
            for (AuditEvent e : events) {
                while (true) {
                    try {
                        acks.add(client.send(e));
                        break;
                    } catch (BufferFullException full) {
                        Thread.sleep(1);
                    }
                }
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
            return events.size() / ((System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * One gateway, three request kinds in turn, as many events each, after one warm-up round of each: NDJSON batches of {@code batch} events on
     * {@code /v1/events}, then OTLP/HTTP requests of {@code batch} GenAI spans on {@code /v1/traces} in binary
     * protobuf and in OTLP/JSON (each span becomes one AgentAction event).
     */
    private static void gatewayRates(StackEndpoints stack, Path dir, String topic, List<String> json, int batch,
                                     int clients, double rawRate) throws Exception {
        Map<String, Object> gc = gatewayConfig(stack, dir, topic, batch);
        List<byte[]> ndjson = ndjsonBodies(json, batch);
        List<ExportTraceServiceRequest> requests = OtlpLoad.requests(json.size(), batch);
        List<byte[]> protobuf = requests.stream().map(ExportTraceServiceRequest::toByteArray).toList();
        List<byte[]> otlpJson = requests.stream().map(OtlpJson::write).toList();
        System.out.printf(Locale.ROOT, "OTLP: %d requests of %d spans, %.0f bytes per span (protobuf), %.0f (JSON)%n",
                requests.size(), batch, protobuf.stream().mapToInt(b -> b.length).sum() / (double) json.size(),
                otlpJson.stream().mapToInt(b -> b.length).sum() / (double) json.size());
        try (Gateway gateway = Gateway.start(new GatewayConfig(gc))) {
            String base = "http://127.0.0.1:" + gateway.port();
            postRate(URI.create(base + "/v1/events"), "application/x-ndjson", ndjson, json.size(), clients, 202);
            postRate(URI.create(base + "/v1/traces"), "application/x-protobuf", protobuf, json.size(), clients, 200);
            postRate(URI.create(base + "/v1/traces"), "application/json", otlpJson, json.size(), clients, 200);
            double nd = postRate(URI.create(base + "/v1/events"), "application/x-ndjson", ndjson, json.size(),
                    clients, 202);
            System.out.printf(Locale.ROOT, "gateway (NDJSON batches of %d, %d keep-alive clients, 202 after ack): "
                    + "%,.0f events/s = %.0f %% of raw (goal >= 50 %%, issue 16)%n", batch, clients, nd, 100 * nd / rawRate);
            double pb = postRate(URI.create(base + "/v1/traces"), "application/x-protobuf", protobuf, json.size(),
                    clients, 200);
            System.out.printf(Locale.ROOT, "gateway OTLP/HTTP protobuf (%d spans per request, %d clients, 200 after"
                    + " ack): %,.0f spans/s = %.0f %% of NDJSON, %.0f %% of raw%n", batch, clients, pb, 100 * pb / nd,
                    100 * pb / rawRate);
            double js = postRate(URI.create(base + "/v1/traces"), "application/json", otlpJson, json.size(),
                    clients, 200);
            System.out.printf(Locale.ROOT, "gateway OTLP/HTTP JSON (%d spans per request, %d clients): %,.0f spans/s"
                    + " = %.0f %% of NDJSON, %.0f %% of raw%n", batch, clients, js, 100 * js / nd, 100 * js / rawRate);
        }
    }

    /**
     * The NDJSON path on two gateways over the same broker and topic, {@code gateway.request.read.timeout.ms} at its
     * default on one and 0 (off) on the other, in alternating rounds (the order swapped every round so that a drift
     * of the machine's load favours neither); a warm-up of a fifth of the events on each first.
     */
    private static void readTimeoutCompare(StackEndpoints stack, Path dir, String topic, List<String> json,
                                           int batch, int clients, int rounds) throws Exception {
        List<byte[]> ndjson = ndjsonBodies(json, batch);
        Map<String, Object> on = gatewayConfig(stack, dir, topic, batch);
        Map<String, Object> off = gatewayConfig(stack, dir, topic, batch);
        off.put(GatewayConfig.REQUEST_READ_TIMEOUT_MS_CONFIG, 0);
        int timeoutMs = new GatewayConfig(on).getInt(GatewayConfig.REQUEST_READ_TIMEOUT_MS_CONFIG);
        double[] withBound = new double[rounds];
        double[] without = new double[rounds];
        try (Gateway bounded = Gateway.start(new GatewayConfig(on)); Gateway unbounded =
                Gateway.start(new GatewayConfig(off))) {
            URI onUri = URI.create("http://127.0.0.1:" + bounded.port() + "/v1/events");
            URI offUri = URI.create("http://127.0.0.1:" + unbounded.port() + "/v1/events");
            List<byte[]> warm = ndjson.subList(0, Math.max(1, ndjson.size() / 5));
            postRate(onUri, "application/x-ndjson", warm, warm.size() * batch, clients, 202);
            postRate(offUri, "application/x-ndjson", warm, warm.size() * batch, clients, 202);
            for (int r = 0; r < rounds; r++) {
                if (r % 2 == 0) {
                    withBound[r] = postRate(onUri, "application/x-ndjson", ndjson, json.size(), clients, 202);
                    without[r] = postRate(offUri, "application/x-ndjson", ndjson, json.size(), clients, 202);
                } else {
                    without[r] = postRate(offUri, "application/x-ndjson", ndjson, json.size(), clients, 202);
                    withBound[r] = postRate(onUri, "application/x-ndjson", ndjson, json.size(), clients, 202);
                }
                System.out.printf(Locale.ROOT, "round %d: read timeout %d ms %,.0f events/s, off %,.0f events/s "
                        + "(%.1f %%)%n", r + 1, timeoutMs, withBound[r], without[r], 100 * withBound[r] / without[r]);
            }
        }
        Arrays.sort(withBound);
        Arrays.sort(without);
        double w = withBound[rounds / 2];
        double o = without[rounds / 2];
        System.out.printf(Locale.ROOT, "gateway NDJSON (batches of %d, %d keep-alive clients), %,d events per round,"
                + " medians of %d rounds: read timeout %d ms %,.0f events/s, off %,.0f events/s = %.1f %%%n", batch,
                clients, json.size(), rounds, timeoutMs, w, o, 100 * w / o);
    }

    /** A gateway on a free port of 127.0.0.1 writing to {@code topic}, one API key {@code bench-key}. */
    private static Map<String, Object> gatewayConfig(StackEndpoints stack, Path dir, String topic, int batch)
            throws IOException {
        Path keys = dir.resolve("bench-keys.txt");
        Files.writeString(keys, "bench " + ApiKeys.hash("bench-key") + " bench *\n");
        Map<String, Object> gc = new HashMap<>();
        gc.put("bootstrap.servers", stack.bootstrapServers());
        gc.put("schema.registry.url", stack.registryUrl());
        gc.put(AuditClientConfig.TOPIC_CONFIG, topic);
        gc.put(GatewayConfig.API_KEYS_FILE_CONFIG, keys.toString());
        gc.put(GatewayConfig.METRICS_PORT_CONFIG, 0);
        gc.put(GatewayConfig.LISTEN_HOST_CONFIG, "127.0.0.1");
        gc.put(GatewayConfig.LISTEN_PORT_CONFIG, 0);
        gc.put(GatewayConfig.MAX_BATCH_EVENTS_CONFIG, Math.max(1000, batch));
        return gc;
    }

    /** The events as NDJSON bodies of {@code batch} lines. */
    private static List<byte[]> ndjsonBodies(List<String> json, int batch) {
        List<byte[]> ndjson = new ArrayList<>();
        for (int i = 0; i < json.size(); i += batch) {
            ndjson.add((String.join("\n", json.subList(i, Math.min(json.size(), i + batch))) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return ndjson;
    }

    /** Items per second posting {@code bodies} (together {@code items} items) over {@code clients} connections. */
    private static double postRate(URI uri, String contentType, List<byte[]> bodies, int items, int clients,
                                   int expected) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            done.add(pool.submit(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                for (int b = next.getAndIncrement(); b < bodies.size(); b = next.getAndIncrement()) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                            .header("Authorization", "Bearer bench-key").header("Content-Type", contentType)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(b))).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != expected || r.body().contains("rejected")) {
                        throw new IllegalStateException(uri.getPath() + " request " + b + ": " + r.statusCode()
                                + " " + r.body().substring(0, Math.min(300, r.body().length())));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double rate = items / ((System.nanoTime() - start) / 1e9);
        pool.shutdown();
        return rate;
    }
}
