package io.attestream.deploy.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.deploy.stack.internal.ChildClasspath;
import io.attestream.deploy.stack.internal.Downloads;
import io.attestream.deploy.stack.internal.Ports;
import io.attestream.integrity.AddCheckpointRequest;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.Hash;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.witness.WitnessClient;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A stack of its own (not the shared one): started by the real CLI in a separate JVM that exits,
 * brought up twice, stopped and started again with its data.
 */
class LocalStackLifecycleIT {
    private static final String TOPIC = "lifecycle";
    private static final String SCHEMA = "{\"schema\":\"{\\\"type\\\":\\\"string\\\"}\"}";

    private static Path dir;
    private static List<String> portArgs;
    private static LocalStack stack;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void allocate() throws IOException {
        dir = Files.createTempDirectory("attestream-lifecycle-");
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < 6) {
            int p = Ports.freePort();
            if (!ports.contains(p)) {
                ports.add(p);
            }
        }
        portArgs = List.of("--dir", dir.toString(), "--kafka-port", ports.get(0).toString(),
                "--kafka-controller-port", ports.get(1).toString(), "--registry-port", ports.get(2).toString(),
                "--registry-management-port", ports.get(3).toString(), "--clickhouse-port", ports.get(4).toString(),
                "--witness-port", ports.get(5).toString(), "--timeout", "300");
        stack = new LocalStack(StackConfig.builder(dir).kafkaPort(ports.get(0)).kafkaControllerPort(ports.get(1))
                .registryPort(ports.get(2)).registryManagementPort(ports.get(3)).clickHousePort(ports.get(4))
                .witnessPort(ports.get(5)).startTimeout(Duration.ofSeconds(300)).build(), System.out::println);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        stack.down();
        Downloads.deleteTree(dir);
    }

    @Test
    void servicesOutliveTheCliSurviveUpTwiceAndKeepDataAcrossDownAndUp() throws Exception {
        // 1. The CLI in its own JVM starts the stack and exits; the services stay.
        CliRun up = cli("up");
        assertThat(up.exitCode()).as(up.output()).isZero();
        assertThat(stack.status()).as(up.output()).allMatch(s -> s.state() == ServiceStatus.State.RUNNING);
        StackEndpoints endpoints = StackEndpoints.load(dir.resolve(StackEndpoints.FILE_NAME));
        Map<String, Long> pids = pids();

        // 2. Data in all three services.
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(TOPIC, "k", "survives")).get(60, TimeUnit.SECONDS);
        }
        HttpResponse<String> registered = http.send(HttpRequest.newBuilder(
                URI.create(endpoints.registryUrl() + "/subjects/lifecycle-value/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(SCHEMA)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
        assertThat(clickHouse(endpoints, "CREATE TABLE kept (s String) ENGINE = MergeTree ORDER BY s")).isEmpty();
        assertThat(clickHouse(endpoints, "INSERT INTO kept VALUES ('survives')")).isEmpty();
        // The witness cosigns a checkpoint of the demo chainer's key (created by up), at the URL and with the cosigner
        // key the endpoints file names.
        WitnessClient witness = witness();
        assertThat(witness.add(new AddCheckpointRequest(0, List.of(), demoCheckpoint(3)))).as("witness")
                .isInstanceOf(WitnessClient.Cosigned.class);

        // 3. up twice is harmless: same processes, same endpoints.
        assertThat(stack.up()).isEqualTo(endpoints);
        assertThat(pids()).isEqualTo(pids);

        // 4. down stops every process (by PID) and frees the ports.
        CliRun down = cli("down");
        assertThat(down.exitCode()).as(down.output()).isZero();
        for (long pid : pids.values()) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid " + pid).isFalse();
        }
        assertThat(stack.status()).allMatch(s -> s.state() == ServiceStatus.State.STOPPED);
        assertThat(cli("status").exitCode()).isEqualTo(StackCommand.EXIT_NOT_RUNNING);

        // 5. up again: the data is still there.
        StackEndpoints again = stack.up();
        assertThat(again).isEqualTo(endpoints);
        assertThat(readTopic(again)).containsExactly("survives");
        HttpResponse<String> same = http.send(HttpRequest.newBuilder(
                URI.create(again.registryUrl() + "/subjects/lifecycle-value/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(SCHEMA)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(same.body()).as("the schema keeps its id").isEqualTo(registered.body());
        assertThat(clickHouse(again, "SELECT s FROM kept")).isEqualTo("survives");
        // The witness still knows size 3 of that log, with the same key.
        assertThat(witness().add(new AddCheckpointRequest(0, List.of(), demoCheckpoint(3))))
                .isEqualTo(new WitnessClient.Conflict(3));
        assertThat(cli("status").exitCode()).isZero();
    }

    private static WitnessClient witness() throws IOException {
        java.util.Properties p = new java.util.Properties();
        try (java.io.Reader r = Files.newBufferedReader(dir.resolve(StackEndpoints.FILE_NAME))) {
            p.load(r);
        }
        return new WitnessClient(URI.create(p.getProperty(StackEndpoints.WITNESS_URL_KEY)),
                CosignerKey.read(Path.of(p.getProperty(StackEndpoints.WITNESS_VKEY_KEY))), Duration.ofSeconds(10));
    }

    /** A checkpoint of a log of {@code size} made-up leaves, signed with the demo chainer key the stack created. */
    private static String demoCheckpoint(int size) {
        SigningKey key = SigningKey.readPkcs8Pem("attestream-demo", dir.resolve("demo/keys/attestream-demo.key"));
        List<Hash> leaves = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            leaves.add(Hash.sha256(("leaf " + i).getBytes(StandardCharsets.UTF_8)));
        }
        Checkpoint c = new Checkpoint("attestream/lifecycle/agent", size, MerkleTree.of(leaves).root(), List.of());
        return SignedCheckpoint.sign(c, key).text();
    }

    private Map<String, Long> pids() {
        return stack.status().stream().collect(Collectors.toMap(ServiceStatus::service, ServiceStatus::pid));
    }

    private String clickHouse(StackEndpoints e, String sql) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(e.clickHouseUrl() + "/?query="
                + URLEncoder.encode(sql, StandardCharsets.UTF_8))).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body().strip();
    }

    private static List<String> readTopic(StackEndpoints e) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, e.bootstrapServers()),
                new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(Set.of(tp));
            consumer.seekToBeginning(Set.of(tp));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
            return values;
        }
    }

    private record CliRun(int exitCode, String output) {
    }

    private static CliRun cli(String subcommand) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                ChildClasspath.argFile(Files.createTempFile(dir, "cli", ".args")), StackCommand.class.getName(),
                subcommand));
        cmd.addAll(portArgs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(6, TimeUnit.MINUTES)).as(out).isTrue();
        System.out.println("attestream stack " + subcommand + " ->\n" + out);
        return new CliRun(p.exitValue(), out);
    }
}
