package io.attestream.integrity.bench;

import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.ChainHead;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.CompactMerkleTree;
import io.attestream.integrity.ConsistencyProof;
import io.attestream.integrity.Hash;
import io.attestream.integrity.InclusionProof;
import io.attestream.integrity.LogId;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.VerifierKey;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Throughput of the integrity hot paths, with a bare SHA-256 of the same 512-byte event as the yardstick.
 *
 * <p>Run (never part of {@code ./mvnw verify}):
 * {@code ./mvnw -pl integrity test-compile exec:exec@bench -Dbench.args="-wi 2 -i 3 -f 1 -w 2s -r 3s"}.
 * Any JMH option works in bench.args (e.g. a regex to select benchmarks). After the run, {@link #main}
 * prints the cost of chain + Merkle append relative to one SHA-256 of the event (goal: at most 3).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class IntegrityBenchmark {
    static final int EVENT_SIZE = 512;
    static final int PROOF_TREE_SIZE = 1 << 16;
    /** 2026-11-26T00:00:00Z in microseconds: the chained time of every appended entry. */
    static final long CHAINED_AT = 1_795_651_200_000_000L;

    /** A 512-byte event, a chain head and a Merkle frontier that grow as the benchmark appends. */
    @State(Scope.Thread)
    public static class Appending {
        final byte[] event = new byte[EVENT_SIZE];
        final byte[] fingerprint = new byte[Hash.SIZE];
        MessageDigest sha;
        ChainHead head;
        CompactMerkleTree tree;

        /** Fresh log per iteration so state sizes stay comparable between runs. */
        @Setup(Level.Iteration)
        public void setUp() throws NoSuchAlgorithmException {
            new Random(1).nextBytes(event);
            new Random(2).nextBytes(fingerprint);
            sha = MessageDigest.getInstance("SHA-256");
            head = ChainHead.genesis(LogId.of("acme", "agent-0001"));
            tree = CompactMerkleTree.empty();
        }
    }

    /** A 65,536-leaf tree with pre-generated proofs, and a signed checkpoint. */
    @State(Scope.Benchmark)
    public static class Proving {
        MerkleTree tree;
        List<Hash> leaves;
        Hash root;
        InclusionProof[] inclusion;
        ConsistencyProof[] consistency;
        Hash[] roots1;
        Checkpoint checkpoint;
        SigningKey key;
        String note;
        CheckpointVerifier verifier;
        CompactMerkleTree frontier;

        /** Builds the tree, the proofs and the key. */
        @Setup(Level.Trial)
        public void setUp() {
            leaves = new ArrayList<>(PROOF_TREE_SIZE);
            for (int i = 0; i < PROOF_TREE_SIZE; i++) {
                leaves.add(Hash.sha256(ByteBuffer.allocate(4).putInt(i).array()));
            }
            tree = MerkleTree.of(leaves);
            root = tree.root();
            frontier = CompactMerkleTree.empty();
            for (Hash h : leaves.subList(0, PROOF_TREE_SIZE - 1)) {
                frontier = frontier.append(h);
            }
            Random r = new Random(3);
            inclusion = new InclusionProof[1024];
            consistency = new ConsistencyProof[1024];
            roots1 = new Hash[1024];
            for (int i = 0; i < inclusion.length; i++) {
                inclusion[i] = tree.inclusionProof(r.nextInt(PROOF_TREE_SIZE), PROOF_TREE_SIZE);
                long size1 = 1 + r.nextInt(PROOF_TREE_SIZE - 1);
                consistency[i] = tree.consistencyProof(size1, PROOF_TREE_SIZE);
                roots1[i] = tree.root(size1);
            }
            LogId log = LogId.of("acme", "agent-0001");
            ChainHead head = ChainHead.genesis(log);
            for (int i = 0; i < 10; i++) {
                head = ChainEntry.next(head, CHAINED_AT, 1, new byte[Hash.SIZE], new byte[] {(byte) i}).head();
            }
            checkpoint = Checkpoint.forLog(head, root, new Checkpoint.Cadence(1000, 60_000),
                    Instant.ofEpochSecond(1_795_651_200L));
            key = SigningKey.fromSeed("bench.attestream.example", new byte[32]);
            note = SignedCheckpoint.sign(checkpoint, key).text();
            verifier = CheckpointVerifier.of(key.verifierKey());
        }
    }

    /** Per-thread round-robin cursor over the pre-generated proofs. */
    @State(Scope.Thread)
    public static class Cursor {
        int i;

        int next(int n) {
            i = (i + 1) % n;
            return i;
        }
    }

    /** The yardstick: one SHA-256 of the 512-byte event with a cached JDK digest. */
    @Benchmark
    public byte[] sha256Event(Appending s) {
        return s.sha.digest(s.event);
    }

    /** One chain append: the entry hash over domain tag, ids, seq, previous hash, schema identity, event. */
    @Benchmark
    public ChainHead chainAppend(Appending s) {
        s.head = ChainEntry.next(s.head, CHAINED_AT, 42, s.fingerprint, s.event).head();
        return s.head;
    }

    /** One Merkle append of a 32-byte leaf into the compact (frontier-only) tree, root not computed. */
    @Benchmark
    public CompactMerkleTree merkleAppend(Appending s) {
        s.tree = s.tree.append(s.head.hash());
        return s.tree;
    }

    /** What the chainer does per event: chain append, then Merkle append of the entry hash. */
    @Benchmark
    public CompactMerkleTree chainAndMerkleAppend(Appending s) {
        ChainEntry e = ChainEntry.next(s.head, CHAINED_AT, 42, s.fingerprint, s.event);
        s.head = e.head();
        s.tree = s.tree.append(e.hash());
        return s.tree;
    }

    /** Root of a compact tree of 65,535 leaves, 16 frontier hashes (done per checkpoint, not per event). */
    @Benchmark
    public Hash merkleRoot(Proving p) {
        return p.frontier.root();
    }

    /** Inclusion proof generation in a tree of 65,536 leaves. */
    @Benchmark
    public InclusionProof inclusionProofGenerate(Proving p, Cursor c) {
        return p.tree.inclusionProof(c.next(PROOF_TREE_SIZE), PROOF_TREE_SIZE);
    }

    /** Inclusion proof verification (16 node hashes + 1 leaf hash). */
    @Benchmark
    public InclusionProof inclusionProofVerify(Proving p, Cursor c) {
        InclusionProof proof = p.inclusion[c.next(p.inclusion.length)];
        proof.verify(p.leaves.get((int) proof.leafIndex()), PROOF_TREE_SIZE, p.root);
        return proof;
    }

    /** Consistency proof generation between a random size and 65,536. */
    @Benchmark
    public ConsistencyProof consistencyProofGenerate(Proving p, Cursor c) {
        return p.tree.consistencyProof(p.consistency[c.next(p.consistency.length)].size1(), PROOF_TREE_SIZE);
    }

    /** Consistency proof verification. */
    @Benchmark
    public ConsistencyProof consistencyProofVerify(Proving p, Cursor c) {
        int i = c.next(p.consistency.length);
        ConsistencyProof proof = p.consistency[i];
        proof.verify(proof.size1(), p.roots1[i], PROOF_TREE_SIZE, p.root);
        return proof;
    }

    /** Signing a checkpoint as a signed note (BouncyCastle Ed25519). */
    @Benchmark
    public SignedCheckpoint checkpointSign(Proving p) {
        return SignedCheckpoint.sign(p.checkpoint, p.key);
    }

    /** Parsing and verifying a signed checkpoint note. */
    @Benchmark
    public SignedCheckpoint checkpointVerify(Proving p) {
        return p.verifier.verify(p.note);
    }

    /**
     * Thread CPU time per operation for every benchmark, all operations interleaved round by round
     * (median of 9 rounds of about 50 ms each). Wall-clock JMH scores swing with the load other
     * processes put on a shared machine; this thread's CPU time does not (much), so these figures
     * and the ratio below are the stable ones there.
     */
    static void cpuTimeRatio() throws NoSuchAlgorithmException {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        IntegrityBenchmark b = new IntegrityBenchmark();
        Appending s = new Appending();
        s.setUp();
        Proving p = new Proving();
        p.setUp();
        Cursor c = new Cursor();
        Map<String, Runnable> ops = new LinkedHashMap<>();
        long[] sink = new long[1];
        ops.put("sha256Event", () -> sink[0] += b.sha256Event(s)[0]);
        ops.put("chainAppend", () -> b.chainAppend(s));
        ops.put("merkleAppend", () -> b.merkleAppend(s));
        ops.put("chainAndMerkleAppend", () -> b.chainAndMerkleAppend(s));
        ops.put("merkleRoot", () -> b.merkleRoot(p));
        ops.put("inclusionProofGenerate", () -> b.inclusionProofGenerate(p, c));
        ops.put("inclusionProofVerify", () -> b.inclusionProofVerify(p, c));
        ops.put("consistencyProofGenerate", () -> b.consistencyProofGenerate(p, c));
        ops.put("consistencyProofVerify", () -> b.consistencyProofVerify(p, c));
        ops.put("checkpointSign", () -> b.checkpointSign(p));
        ops.put("checkpointVerify", () -> b.checkpointVerify(p));
        // Bare Ed25519 over the same body, to separate signature cost from note formatting and parsing.
        byte[] body = p.checkpoint.bodyBytes();
        byte[] sig = p.key.sign(body);
        VerifierKey vk = p.key.verifierKey();
        ops.put("ed25519SignBody", () -> sink[0] += p.key.sign(body)[0]);
        ops.put("ed25519VerifyBody", () -> sink[0] += vk.verify(body, sig) ? 1 : 0);
        Map<String, Integer> batch = new TreeMap<>();
        for (Map.Entry<String, Runnable> op : ops.entrySet()) {
            // Calibrate (and warm up) to about 50 ms of CPU per round.
            int n = 100;
            while (true) {
                long t0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < n; i++) {
                    op.getValue().run();
                }
                long t = mx.getCurrentThreadCpuTime() - t0;
                if (t >= 50_000_000L || n >= 1 << 24) {
                    batch.put(op.getKey(), n);
                    break;
                }
                n = t < 1_000_000L ? n * 10 : (int) Math.min(1 << 24, n * 60_000_000L / t);
            }
        }
        int rounds = 9;
        Map<String, double[]> ns = new TreeMap<>();
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Runnable> op : ops.entrySet()) {
                int n = batch.get(op.getKey());
                long t0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < n; i++) {
                    op.getValue().run();
                }
                ns.computeIfAbsent(op.getKey(), k -> new double[rounds])[r] =
                        (mx.getCurrentThreadCpuTime() - t0) / (double) n;
            }
        }
        System.out.printf(Locale.ROOT, "%nThread CPU time per op, median of %d interleaved rounds (sink %d):%n", rounds,
                sink[0] & 1);
        Map<String, Double> med = new TreeMap<>();
        for (String k : ops.keySet()) {
            double[] v = ns.get(k);
            Arrays.sort(v);
            med.put(k, v[rounds / 2]);
            System.out.printf(Locale.ROOT, "  %-26s %10.1f ns/op  %,14.0f ops/s per core%n", k, v[rounds / 2],
                    1e9 / v[rounds / 2]);
        }
        for (String k : List.of("chainAppend", "merkleAppend", "chainAndMerkleAppend")) {
            System.out.printf(Locale.ROOT, "  cost of %-21s = %.2f x one SHA-256 of the event%s%n", k,
                    med.get(k) / med.get("sha256Event"), k.equals("chainAndMerkleAppend") ? " (goal <= 3.00)" : "");
        }
    }

    /**
     * Runs the benchmarks (JMH command-line options accepted) and prints the append-cost ratio;
     * {@code --cpu-only} skips JMH and runs only the CPU-time figures.
     *
     * @param args JMH options
     * @throws Exception when JMH fails
     */
    public static void main(String[] args) throws Exception {
        List<String> jmhArgs = new ArrayList<>(List.of(args));
        boolean cpuOnly = jmhArgs.remove("--cpu-only");
        if (!cpuOnly) {
            runJmh(jmhArgs.toArray(new String[0]));
        }
        cpuTimeRatio();
    }

    private static void runJmh(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        ChainedOptionsBuilder b = new OptionsBuilder().parent(cli);
        if (cli.getIncludes().isEmpty()) {
            b.include(IntegrityBenchmark.class.getName());
        }
        Collection<RunResult> results = new Runner(b.build()).run();
        Map<String, Double> score = new TreeMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            score.put(name.substring(name.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
        }
        System.out.println();
        System.out.println("Attestream integrity benchmark (ops/s, " + EVENT_SIZE + "-byte event):");
        score.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-26s %,14.0f%n", k, v));
        Double sha = score.get("sha256Event");
        for (String k : List.of("chainAppend", "merkleAppend", "chainAndMerkleAppend")) {
            if (sha != null && score.containsKey(k)) {
                System.out.printf(Locale.ROOT, "  cost of %-21s = %.2f x one SHA-256 of the event%s%n", k,
                        sha / score.get(k), k.equals("chainAndMerkleAppend") ? " (goal <= 3.00)" : "");
            }
        }
    }
}
