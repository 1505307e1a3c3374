package io.attestream.witness.submit;

import io.attestream.chainer.ChainerApp;
import io.attestream.chainer.ChainerConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.integrity.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A real chainer for the submitter's ITs: its own topics, no TSA, checkpoints every {@code every} events. */
final class TestChainer {
    private TestChainer() {
    }

    /**
     * @param stack the stack
     * @param dir where its key and state go
     * @param key the checkpoint signing key
     * @param appId the application id
     * @param input the input topic (dlq and rekey topics are derived from it)
     * @param chained the chained topic
     * @param checkpoints the checkpoints topic
     * @param every a checkpoint after this many events
     * @param intervalMs a checkpoint after this long (large: count-triggered checkpoints only)
     * @return the chainer, not started
     */
    static ChainerApp create(StackEndpoints stack, Path dir, SigningKey key, String appId, String input,
            String chained, String checkpoints, int every, long intervalMs) throws Exception {
        Path keyFile = dir.resolve("chainer.key");
        key.writePrivatePem(keyFile);
        Map<String, Object> cc = new HashMap<>();
        cc.put("bootstrap.servers", stack.bootstrapServers());
        cc.put("schema.registry.url", stack.registryUrl());
        cc.put("application.id", appId);
        cc.put("state.dir", Files.createDirectories(dir.resolve("chainer-state")).toString());
        cc.put("replication.factor", "1");
        cc.put("commit.interval.ms", "200");
        cc.put(ChainerConfig.INPUT_TOPIC_CONFIG, input);
        cc.put(ChainerConfig.CHAINED_TOPIC_CONFIG, chained);
        cc.put(ChainerConfig.CHECKPOINTS_TOPIC_CONFIG, checkpoints);
        cc.put(ChainerConfig.DEAD_LETTER_TOPIC_CONFIG, input + ".dlq");
        cc.put(ChainerConfig.REKEY_TOPIC_CONFIG, input + ".rekey");
        cc.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, keyFile.toString());
        cc.put(ChainerConfig.SIGNING_KEY_NAME_CONFIG, key.name());
        cc.put(ChainerConfig.TSA_MODE_CONFIG, ChainerConfig.TSA_MODE_NONE);
        cc.put(ChainerConfig.METRICS_PORT_CONFIG, "-1");
        cc.put(ChainerConfig.CHECKPOINT_EVERY_EVENTS_CONFIG, String.valueOf(every));
        cc.put(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG, String.valueOf(intervalMs));
        cc.put(ChainerConfig.CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG, "200");
        return new ChainerApp(new ChainerConfig(cc));
    }
}
