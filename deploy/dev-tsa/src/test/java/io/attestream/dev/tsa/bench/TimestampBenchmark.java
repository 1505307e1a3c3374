package io.attestream.dev.tsa.bench;

import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.integrity.ChainHead;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.integrity.TimestampedBatch;
import io.attestream.integrity.VerifiedTimestamp;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * RFC 3161 costs with the embedded TSA: one token over a batch of 64 signed checkpoints (batch tree +
 * ECDSA P-256 token), and verification of one checkpoint's timestamp, with the batch token already checked
 * by the verifier (the common case) and from scratch.
 *
 * <p>Run: {@code ./mvnw -pl deploy/dev-tsa test-compile exec:exec@bench}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TimestampBenchmark {
    static final int BATCH = 64;

    /** An embedded TSA, 64 signed checkpoint notes and one batch already timestamped. */
    @State(Scope.Benchmark)
    public static class Batch {
        EmbeddedTimestampAuthority tsa;
        TimestampVerifier verifier;
        List<String> notes;
        CheckpointTimestamp timestamp;

        /** Builds the TSA and the notes. */
        @Setup(Level.Trial)
        public void setUp() {
            tsa = EmbeddedTimestampAuthority.generate("bench", Clock.systemUTC());
            verifier = tsa.verifier();
            SigningKey key = SigningKey.fromSeed("bench", new byte[32]);
            notes = new ArrayList<>(BATCH);
            for (int i = 1; i <= BATCH; i++) {
                Hash h = Hash.sha256(ByteBuffer.allocate(4).putInt(i).array());
                notes.add(SignedCheckpoint.sign(Checkpoint.forLog(new ChainHead(LogId.of("acme", "agent-" + i), i, h),
                        h, new Checkpoint.Cadence(1000, 60_000), Instant.ofEpochSecond(1_795_651_200L)), key).text());
            }
            timestamp = TimestampedBatch.timestamp(notes, tsa).timestamps().get(BATCH / 2);
        }
    }

    /** One TSA request covering 64 checkpoints. */
    @Benchmark
    public TimestampedBatch batchTimestamp64(Batch b) {
        return TimestampedBatch.timestamp(b.notes, b.tsa);
    }

    /**
     * Verification of one checkpoint's timestamp by a verifier that already checked this batch token:
     * note hash, batch path, token hash lookup, imprint and time (what the other 63 checkpoints of a batch cost).
     */
    @Benchmark
    public VerifiedTimestamp checkpointTimestampVerify(Batch b) {
        return b.timestamp.verify(b.notes.get(BATCH / 2), b.verifier);
    }

    /** Full first-time verification: CMS signature, ESSCertID, EKU, PKIX path, policy, time. */
    @Benchmark
    public VerifiedTimestamp checkpointTimestampVerifyUncached(Batch b) {
        return b.timestamp.verify(b.notes.get(BATCH / 2), b.tsa.verifier());
    }
}
