package io.attestream.witness.bench;

import io.attestream.integrity.AddCheckpointRequest;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.Hash;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.witness.Witness;
import io.attestream.witness.WitnessClient;
import io.attestream.witness.WitnessServer;
import io.attestream.witness.WitnessedLog;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cosign rate of one witness over real HTTP on 127.0.0.1 with its durable state (fsync per cosignature), as
 * the submitter drives it: each request extends one log by {@code --step} entries with an RFC 9162 consistency
 * proof from the size the witness holds. Requests are prepared before the clock starts (the submitter's own
 * cost is not the witness's), and every answer must be a verified cosignature. Prints checkpoints/s per client
 * thread count. Not a test: {@code ./mvnw -q -pl witness test-compile exec:java
 * -Dexec.mainClass=io.attestream.witness.bench.WitnessBenchmark -Dexec.classpathScope=test
 * -Dexec.args="--logs 64 --rounds 40 --threads 1,4"} (HEAVY_EXCLUSIVE=1, quiet machine).
 */
public final class WitnessBenchmark {
    private WitnessBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int logs = 64;
        int rounds = 40;
        int step = 1000;
        List<Integer> threads = List.of(1, 4);
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--logs" -> logs = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--step" -> step = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = java.util.Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt)
                        .toList();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        SigningKey logKey = SigningKey.generate("bench-chainer", new SecureRandom());
        List<Hash> leaves = new ArrayList<>();
        for (int i = 0; i < rounds * step; i++) {
            leaves.add(Hash.sha256(("leaf " + i).getBytes(StandardCharsets.UTF_8)));
        }
        MerkleTree tree = MerkleTree.of(leaves);
        for (int t : threads) {
            Path dir = Files.createTempDirectory("witness-bench-");
            SigningKey wkey = SigningKey.generate("witness.bench/w" + t, new SecureRandom());
            Witness w = Witness.open(wkey, List.of(new WitnessedLog("attestream/*", List.of(logKey.verifierKey()))),
                    dir, Clock.systemUTC());
            try (WitnessServer server = WitnessServer.start(w, new InetSocketAddress("127.0.0.1", 0), Math.max(2, t))) {
                // Per log, its requests in order: size step, 2 step, ... (every log has the same leaves, other origin).
                List<List<AddCheckpointRequest>> perLog = new ArrayList<>();
                for (int l = 0; l < logs; l++) {
                    String origin = "attestream/bench/agent-" + l;
                    List<AddCheckpointRequest> reqs = new ArrayList<>();
                    for (int r = 1; r <= rounds; r++) {
                        long old = (long) (r - 1) * step;
                        long size = (long) r * step;
                        String note = SignedCheckpoint.sign(new Checkpoint(origin, size, tree.root(size), List.of()),
                                logKey).text();
                        reqs.add(new AddCheckpointRequest(old, old == 0 ? List.of()
                                : tree.consistencyProof(old, size).path(), note));
                    }
                    perLog.add(reqs);
                }
                AtomicLong done = new AtomicLong();
                List<Thread> workers = new ArrayList<>();
                long t0 = System.nanoTime();
                for (int k = 0; k < t; k++) {
                    int first = k;
                    int nThreads = t;
                    Thread th = new Thread(() -> {
                        WitnessClient c = new WitnessClient(server.uri(), CosignerKey.of(wkey), Duration.ofSeconds(30));
                        for (int l = first; l < perLog.size(); l += nThreads) {
                            for (AddCheckpointRequest req : perLog.get(l)) {
                                if (!(c.add(req) instanceof WitnessClient.Cosigned)) {
                                    throw new IllegalStateException("not cosigned: " + req.oldSize());
                                }
                                done.incrementAndGet();
                            }
                        }
                    });
                    workers.add(th);
                    th.start();
                }
                for (Thread th : workers) {
                    th.join();
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "witness cosign rate, %d client thread(s): %d checkpoints of %d logs "
                        + "in %.2f s = %.0f checkpoints/s (state fsync'd per cosignature, dir %s)%n", t, done.get(), logs,
                        s, done.get() / s, dir);
            }
        }
    }
}
