package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.ChainHead;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.Hash;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.TimestampAuthority;
import io.attestream.integrity.TimestampedBatch;
import io.attestream.integrity.TsaUnavailableException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Signs checkpoints and timestamps batches of them with one RFC 3161 request, through the integrity library only
 * (so the chainer and the verifier cannot disagree on formats). Every checkpoint states, in its signed body, the
 * cadence this chainer is configured with and its creation time (checkpoint format 2, docs/integrity.md §4).
 *
 * <p>RFC 3161 requests run on the {@code requests} executor, never on a stream thread: a TSA that answers slowly or not
 * at all (up to {@code chainer.tsa.timeout.ms} per request) must not stall chaining or hold a transaction open.
 */
public final class Notary {
    private final SigningKey key;
    private final Optional<TimestampAuthority> tsa;
    private final Checkpoint.Cadence cadence;
    private final Executor requests;

    /**
     * @param key the checkpoint signing key
     * @param tsa the timestamp authority, or empty for none
     * @param cadence chainer.checkpoint.every.events and chainer.checkpoint.interval.ms, stated in every checkpoint
     * @param requests where TSA requests run ({@link #requestThreads}; a test may pass {@code Runnable::run})
     */
    public Notary(SigningKey key, Optional<TimestampAuthority> tsa, Checkpoint.Cadence cadence, Executor requests) {
        this.key = requireNonNull(key, "key");
        this.tsa = requireNonNull(tsa, "tsa");
        this.cadence = requireNonNull(cadence, "cadence");
        this.requests = requireNonNull(requests, "requests");
    }

    /**
     * The executor of {@code chainer.tsa.threads} daemon threads named {@code chainer-tsa-N}, idle ones ending after
     * 30 s (so it needs no shutdown: a closed chainer leaves no thread behind for long).
     *
     * @param threads the most requests running at once
     * @return the executor
     */
    public static Executor requestThreads(int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "chainer-tsa-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** @return the signer name */
    public String keyName() {
        return key.name();
    }

    /** @return true when checkpoints are timestamped */
    public boolean timestamping() {
        return tsa.isPresent();
    }

    /**
     * The signed-note text of the checkpoint of a log at {@code head} with Merkle root {@code root}, made at
     * {@code created} (the chainer's clock; the same instant goes into CheckpointRecord.createdAt).
     */
    String sign(ChainHead head, Hash root, Instant created) {
        return SignedCheckpoint.sign(Checkpoint.forLog(head, root, cadence, created), key).text();
    }

    /**
     * Starts one TSA request for all {@code notes} on the request executor.
     *
     * @param metrics where the request's duration goes
     * @return completes with one timestamp per note, in order, or exceptionally: with {@link TsaUnavailableException}
     *         when the TSA should be retried later (none of the notes is timestamped), with any other exception when
     *         the answer is unusable
     * @throws IllegalStateException when no TSA is configured
     */
    CompletableFuture<List<CheckpointTimestamp>> timestamp(List<String> notes, ChainerMetrics metrics) {
        TimestampAuthority authority = tsa.orElseThrow(() -> new IllegalStateException("no TSA configured"));
        List<String> copy = List.copyOf(notes);
        return CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            try {
                return TimestampedBatch.timestamp(copy, authority).timestamps();
            } finally {
                metrics.timestampNanos(System.nanoTime() - t0);
            }
        }, requests);
    }
}
