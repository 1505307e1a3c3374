package io.attestream.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chainer.ChainerApp;
import io.attestream.chainer.testing.TestChainers;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.ingest.gateway.Gateway;
import io.attestream.ingest.gateway.GatewayConfig;
import io.attestream.ingest.internal.ApiKeys;
import io.attestream.schemas.SchemaEvolution;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.testing.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Python client (ingest/python) against the real gateway, Kafka and a running chainer: runs its pytest suite
 * (Debian python3-pytest) with the gateway's address, then checks that every event id the suite reports as
 * accepted was chained exactly once, retries with the same eventId and replays from a crashed process's spool
 * included.
 */
@ExtendWith(LocalStackExtension.class)
class PythonClientIT {

    @Test
    void pythonClientEventsAreChainedExactlyOnce(StackEndpoints stack) throws Exception {
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        ExternalTool.requirePresent(run(List.of(python, "-c", "import pytest"), Map.of(), null) == 0,
                "pytest for " + python + " (Debian python3-pytest)", "the Python client's tests against the gateway");

        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "it.python." + run + ".events";
        String chained = input + ".chained";
        Path dir = Files.createTempDirectory("python-it-");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(input, 3, (short) 1), new NewTopic(chained, 3, (short) 1)))
                    .all().get();
        }
        SchemaRegistryClient registry = SchemaRegistryClient.forUrl(stack.registryUrl());
        SchemaEvolution.registerWithGuard(registry, Topics.valueSubject(input));
        ChainerApp chainer = TestChainers.chainer(stack, dir, "it-python", run, input, chained);
        Thread chainerThread = new Thread(() -> {
            try {
                chainer.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "it-python-chainer");
        chainerThread.start();

        Path keys = dir.resolve("api-keys.txt");
        Files.writeString(keys, "python " + ApiKeys.hash("k-python") + " acme py-*\n");
        Map<String, Object> gc = new HashMap<>(Map.of("bootstrap.servers", stack.bootstrapServers(),
                "schema.registry.url", stack.registryUrl(), AuditClientConfig.TOPIC_CONFIG, input,
                GatewayConfig.API_KEYS_FILE_CONFIG, keys.toString(), GatewayConfig.LISTEN_HOST_CONFIG, "127.0.0.1",
                GatewayConfig.LISTEN_PORT_CONFIG, 0, GatewayConfig.METRICS_PORT_CONFIG, 0));
        Path eventLog = dir.resolve("accepted-event-ids.txt");
        Path output = dir.resolve("pytest.log");
        int exit;
        try (Gateway gateway = Gateway.start(new GatewayConfig(gc))) {
            exit = run(List.of(python, "-m", "pytest", "-v", "-p", "no:cacheprovider", "python/tests"), Map.of(
                    "ATTESTREAM_GATEWAY_URL", "http://127.0.0.1:" + gateway.port(),
                    "ATTESTREAM_API_KEY", "k-python",
                    "ATTESTREAM_IT_EVENT_LOG", eventLog.toString(), "PYTHONDONTWRITEBYTECODE", "1"), output);
        }
        String log = Files.readString(output, StandardCharsets.UTF_8);
        try {
            assertThat(exit).as(log).isZero();
            assertThat(log).contains("test_gateway.py").doesNotContain("SKIPPED");
            List<String> expected = Files.readAllLines(eventLog);
            assertThat(expected).as("event ids the suite saw accepted").hasSizeGreaterThan(1200)
                    .doesNotHaveDuplicates();
            List<String> seen = ChainedEvents.readEventIds(stack, registry, chained, expected.size(),
                    "it-python-reader-" + run);
            assertThat(seen).as("chained exactly once each").hasSize(expected.size()).doesNotHaveDuplicates();
            assertThat(new HashSet<>(seen)).isEqualTo(new HashSet<>(expected));
        } finally {
            chainer.stop();
            chainerThread.join(60_000);
        }
    }

    private static int run(List<String> command, Map<String, String> env, Path output) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.redirectOutput(output == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(
                output.toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (java.io.IOException e) {
            return -1;
        }
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return -2;
        }
        return p.exitValue();
    }
}
