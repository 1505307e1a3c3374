package io.attestream.witness;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.integrity.AddCheckpointRequest;
import io.attestream.integrity.CosignerKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attestream witness} as a real JVM process, killed with SIGKILL (kill -9) while a client submits
 * checkpoints as fast as it can, then restarted on the same state directory, several times. After every
 * restart the witness MUST know at least the last size it acknowledged with a 200 (state durable before the
 * answer) and at most the one in flight, and MUST still refuse a fork of what it cosigned.
 */
class WitnessCrashIT {
    private static final String ORIGIN = "attestream/acme/agent-1";

    @TempDir
    Path tmp;

    @Test
    void witnessSurvivesKillMinus9WithoutForgettingOrLosingWhatItCosigned() throws Exception {
        Path keyFile = tmp.resolve("witness.key");
        TestLog.WITNESS_KEY.writePrivatePem(keyFile);
        Path logVkey = tmp.resolve("chainer.vkey");
        Files.writeString(logVkey, TestLog.LOG_KEY.verifierKey().toVkey() + "\n");
        Path state = tmp.resolve("state");
        TestLog log = new TestLog(ORIGIN);
        TestLog forked = new TestLog(ORIGIN, "rewritten", TestLog.LOG_KEY);
        Random random = new Random(20261203);
        long acked = 0;
        long attempted = 0;
        int kills = 0;
        for (int round = 0; round < 4; round++) {
            Process p = start(keyFile, logVkey, state);
            try {
                WitnessClient client = new WitnessClient(readUrl(p), CosignerKey.of(TestLog.WITNESS_KEY),
                        Duration.ofSeconds(10));
                long known = knownSize(client, log);
                if (round > 0) {
                    assertThat(known).as("round %d: acked %d, in flight %d", round, acked, attempted)
                            .isBetween(acked, attempted);
                }
                if (known > 0) {
                    // The operator's rewritten history is refused, however it is presented.
                    long to = known + 3;
                    WitnessClient.Result fork = client.add(new AddCheckpointRequest(known, forked.proof(known, to),
                            forked.note(to)));
                    assertThat(fork).isInstanceOf(WitnessClient.Refused.class);
                    assertThat(((WitnessClient.Refused) fork).status()).isEqualTo(422);
                }
                if (round == 3) {
                    break;
                }
                AtomicLong lastAcked = new AtomicLong(known);
                AtomicLong lastAttempted = new AtomicLong(known);
                Thread submitter = new Thread(() -> submitUntilDown(client, log, random, lastAcked, lastAttempted));
                submitter.start();
                Thread.sleep(300 + random.nextInt(700));
                p.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                kills++;
                submitter.join(30_000);
                acked = lastAcked.get();
                attempted = lastAttempted.get();
                assertThat(acked).as("the witness cosigned something before the kill in round %d", round)
                        .isGreaterThan(known);
            } finally {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        assertThat(kills).isEqualTo(3);
        try (var files = Files.list(state.resolve("logs"))) {
            List<String> names = files.map(f -> f.getFileName().toString()).toList();
            assertThat(names).allMatch(n -> n.endsWith(".note"));
        }
    }

    /** The size the witness knows (409), or 1 when it knew nothing and cosigned size 1 now. */
    private static long knownSize(WitnessClient client, TestLog log) {
        WitnessClient.Result r = client.add(new AddCheckpointRequest(0, List.of(), log.note(1)));
        if (r instanceof WitnessClient.Conflict c) {
            return c.size();
        }
        assertThat(r).isInstanceOf(WitnessClient.Cosigned.class);
        return 1;
    }

    private static void submitUntilDown(WitnessClient client, TestLog log, Random random, AtomicLong acked,
            AtomicLong attempted) {
        long size = acked.get();
        while (true) {
            long next = size + 1 + random.nextInt(5);
            attempted.set(next);
            WitnessClient.Result r;
            try {
                r = client.add(log.request(size, next));
            } catch (WitnessUnavailableException e) {
                return;
            }
            assertThat(r).isInstanceOf(WitnessClient.Cosigned.class);
            acked.set(next);
            size = next;
        }
    }

    private static Process start(Path key, Path logVkey, Path state) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                WitnessMain.class.getName(), "--key", key.toString(), "--name", TestLog.WITNESS_KEY.name(), "--dir", state.toString(),
                "--log", "attestream/*=" + logVkey, "--port", "0", "--set", "metrics.port=0"));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static URI readUrl(Process p) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("witness-url=")) {
                return URI.create(line.substring("witness-url=".length()));
            }
        }
        throw new IOException("the witness exited before printing witness-url (exit " + p.exitValue() + ")");
    }
}
