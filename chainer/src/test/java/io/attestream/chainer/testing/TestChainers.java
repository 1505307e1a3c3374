package io.attestream.chainer.testing;

import io.attestream.chainer.ChainerApp;
import io.attestream.chainer.ChainerConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.integrity.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

/**
 * A real chainer for other stages' integration tests (drift detector, ingest), from the chainer's test-jar: its own
 * application id, state directory and signing key per run, input and chained topics as given, the other topics
 * derived from the input topic, no TSA, no metrics endpoint, fast commits.
 */
public final class TestChainers {
    private TestChainers() {
    }

    /**
     * A chainer reading {@code input} and writing {@code chained}; start it with {@link ChainerApp#run} on a thread.
     *
     * @param stack the local stack
     * @param dir a scratch directory (key file, state)
     * @param name prefix of the application id and signer name, e.g. "it-drift"
     * @param run a run id making topics and application id unique
     * @param input the input topic
     * @param chained the chained topic
     * @return the configured chainer
     * @throws IOException when the key or state directory cannot be written
     */
    public static ChainerApp chainer(StackEndpoints stack, Path dir, String name, String run, String input,
            String chained) throws IOException {
        Path keyFile = dir.resolve("chainer.key");
        SigningKey.generate(name, new SecureRandom()).writePrivatePem(keyFile);
        Map<String, Object> cc = new HashMap<>();
        cc.put("bootstrap.servers", stack.bootstrapServers());
        cc.put("schema.registry.url", stack.registryUrl());
        cc.put("application.id", name + "-chainer-" + run);
        cc.put("state.dir", Files.createDirectories(dir.resolve("chainer-state")).toString());
        cc.put("replication.factor", "1");
        cc.put("commit.interval.ms", "200");
        cc.put(ChainerConfig.INPUT_TOPIC_CONFIG, input);
        cc.put(ChainerConfig.CHAINED_TOPIC_CONFIG, chained);
        cc.put(ChainerConfig.CHECKPOINTS_TOPIC_CONFIG, input + ".checkpoints");
        cc.put(ChainerConfig.DEAD_LETTER_TOPIC_CONFIG, input + ".dlq");
        cc.put(ChainerConfig.REKEY_TOPIC_CONFIG, input + ".rekey");
        cc.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, keyFile.toString());
        cc.put(ChainerConfig.TSA_MODE_CONFIG, ChainerConfig.TSA_MODE_NONE);
        // Probes and metrics on a free port, so that ITs can check /ready and /metrics (ChainerApp.healthPort()).
        cc.put(ChainerConfig.METRICS_PORT_CONFIG, "0");
        cc.put(ChainerConfig.METRICS_BIND_ADDRESS_CONFIG, "127.0.0.1");
        return new ChainerApp(new ChainerConfig(cc));
    }
}
