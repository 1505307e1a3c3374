package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.LogId;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.integrity.VerifiedTimestamp;
import io.attestream.verifier.CheckpointRow;
import io.attestream.verifier.VerifierException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The two checks of a stored checkpoint that depend on nothing but the stored row and the trust configuration:
 * its note's signature (with the log's origin) and its RFC 3161 token. {@link AgentStateMachine} classifies their
 * outcomes exactly as when it ran them itself (the same exception, thrown at the same point); everything that
 * depends on the rows (roots, chain heads, coverage, time binding) stays there.
 *
 * <p>{@link #inline} runs a check when it is asked for. {@link #ahead} also starts one thread that runs the checks
 * of the given logs in the given order (the scan's), so that the chain thread finds them done when it reaches a
 * log; a log the thread has not started yet is checked by whoever asks first (the other waits for it), so the
 * chain thread never waits behind logs it does not need yet. {@link #close} stops the thread.
 */
public final class CheckpointChecks implements AutoCloseable {
    private final CheckpointVerifier keys;
    private final TimestampVerifier timestamps;
    private final Map<LogId, FutureTask<Map<CheckpointRow, Outcome>>> tasks;
    private final AtomicBoolean stop = new AtomicBoolean();

    /**
     * What the checks of one checkpoint row gave: the verified note or the exception its verification threw, and
     * (only when the note verified, the row has a token and a TSA trust configuration is given) the verified
     * timestamp or the exception its verification threw.
     */
    private record Outcome(SignedCheckpoint signed, RuntimeException noteFailure, VerifiedTimestamp timestamp,
            RuntimeException timestampFailure) {
    }

    private CheckpointChecks(CheckpointVerifier keys, TimestampVerifier timestamps,
            Map<LogId, FutureTask<Map<CheckpointRow, Outcome>>> tasks) {
        this.keys = requireNonNull(keys, "keys");
        this.timestamps = timestamps;
        this.tasks = tasks;
    }

    /**
     * Checks run when asked for.
     *
     * @param keys trusted checkpoint keys
     * @param timestamps TSA trust, or null (tokens are then not checked)
     * @return the checks
     */
    public static CheckpointChecks inline(CheckpointVerifier keys, TimestampVerifier timestamps) {
        return new CheckpointChecks(keys, timestamps, Map.of());
    }

    /**
     * Checks run ahead, on a thread of their own, log by log in the order of {@code checkpoints}.
     *
     * @param keys trusted checkpoint keys
     * @param timestamps TSA trust, or null (tokens are then not checked)
     * @param checkpoints the stored checkpoints by log, in the order the logs will be asked for (copied: the
     *     caller may change the map afterwards)
     * @return the checks; close them when done
     */
    public static CheckpointChecks ahead(CheckpointVerifier keys, TimestampVerifier timestamps,
            Map<LogId, List<CheckpointRow>> checkpoints) {
        Map<LogId, FutureTask<Map<CheckpointRow, Outcome>>> tasks = new HashMap<>();
        List<FutureTask<Map<CheckpointRow, Outcome>>> order = new ArrayList<>();
        CheckpointChecks checks = new CheckpointChecks(keys, timestamps, tasks);
        for (Map.Entry<LogId, List<CheckpointRow>> e : checkpoints.entrySet()) {
            LogId log = e.getKey();
            List<CheckpointRow> rows = List.copyOf(e.getValue());
            FutureTask<Map<CheckpointRow, Outcome>> t = new FutureTask<>(() -> {
                Map<CheckpointRow, Outcome> out = new IdentityHashMap<>();
                for (CheckpointRow c : rows) {
                    out.put(c, checks.run(log, c));
                }
                return out;
            });
            tasks.put(log, t);
            order.add(t);
        }
        Thread thread = new Thread(() -> {
            for (FutureTask<Map<CheckpointRow, Outcome>> t : order) {
                if (checks.stop.get()) {
                    return;
                }
                t.run();
            }
        }, "verifier-checkpoints");
        thread.setDaemon(true);
        thread.start();
        return checks;
    }

    /**
     * Verifies a checkpoint's note with the trusted keys against the log's origin.
     *
     * @param log the log
     * @param c one of its stored checkpoints
     * @return the verified note
     * @throws RuntimeException what {@link CheckpointVerifier#verify(String, String)} threw
     */
    SignedCheckpoint note(LogId log, CheckpointRow c) {
        Outcome o = outcome(log, c);
        if (o.noteFailure() != null) {
            throw o.noteFailure();
        }
        return o.signed();
    }

    /**
     * Verifies a checkpoint's token; call only after {@link #note} returned, when the row has a token and
     * {@link #timestampsChecked()}.
     *
     * @param log the log
     * @param c one of its stored checkpoints
     * @return the verified timestamp
     * @throws RuntimeException what decoding or verifying the token threw
     */
    VerifiedTimestamp timestamp(LogId log, CheckpointRow c) {
        Outcome o = outcome(log, c);
        if (o.timestampFailure() != null) {
            throw o.timestampFailure();
        }
        return o.timestamp();
    }

    /** @return whether a TSA trust configuration is given (else tokens are counted as unchecked) */
    boolean timestampsChecked() {
        return timestamps != null;
    }

    /**
     * Whether these checks use exactly this trust configuration.
     *
     * @param trustedKeys trusted checkpoint keys
     * @param tsa TSA trust, or null
     * @return whether both are the ones these checks use
     */
    public boolean trusts(CheckpointVerifier trustedKeys, TimestampVerifier tsa) {
        return keys == trustedKeys && timestamps == tsa;
    }

    /** @return the trusted checkpoint keys */
    CheckpointVerifier keys() {
        return keys;
    }

    private Outcome outcome(LogId log, CheckpointRow c) {
        FutureTask<Map<CheckpointRow, Outcome>> t = tasks.get(log);
        if (t == null) {
            return run(log, c);
        }
        // Runs the log's checks here unless the ahead thread has started them (then waits for it).
        t.run();
        Outcome o;
        try {
            o = t.get().get(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VerifierException("interrupted while verifying the checkpoints of " + log, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new VerifierException("verifying the checkpoints of " + log + " failed: " + e.getCause(),
                    e.getCause());
        }
        return o == null ? run(log, c) : o;
    }

    private Outcome run(LogId log, CheckpointRow c) {
        SignedCheckpoint signed;
        try {
            signed = keys.verify(c.note(), log.origin());
        } catch (RuntimeException e) {
            return new Outcome(null, e, null, null);
        }
        byte[] ts = c.timestamp();
        if (ts == null || timestamps == null) {
            return new Outcome(signed, null, null, null);
        }
        try {
            return new Outcome(signed, null, TimestampCodec.decode(ts).verify(c.note(), timestamps), null);
        } catch (RuntimeException e) {
            return new Outcome(signed, null, null, e);
        }
    }

    /** Stops the ahead thread after the log it is checking (the checks not run are run when asked for). */
    @Override
    public void close() {
        stop.set(true);
    }
}
