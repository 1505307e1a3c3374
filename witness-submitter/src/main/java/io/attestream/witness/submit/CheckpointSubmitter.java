package io.attestream.witness.submit;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.AddCheckpointRequest;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CompactMerkleTree;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.TreeSuffix;
import io.attestream.witness.WitnessClient;
import io.attestream.witness.WitnessException;
import io.attestream.witness.WitnessUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits every checkpoint of every log, in size order, to each configured witness with the RFC 9162
 * consistency proof from the size that witness last accepted, and hands each verified cosignature to a sink.
 * It is fed committed chain entries ({@link #entry}) and committed checkpoints ({@link #checkpoint}) in
 * per-log order, and does the network work in {@link #work}, which one thread calls between feeds.
 *
 * <p>Proofs come from a {@link TreeSuffix} per log: the frontier at the smallest size any witness accepted plus
 * the later entry hashes, so memory is 32 bytes per entry not yet cosigned by every witness. Checkpoints wait
 * until their entries are known; before a checkpoint is submitted its root is recomputed from those entries.
 *
 * <p>A witness that cannot be reached (or answers 5xx/429) is retried with exponential back-off, its checkpoints
 * waiting; the others go on. A witness that refuses a checkpoint (400/403/404/422; 422 means it saw another
 * history: a fork alarm) is logged at ERROR and counted, and the submitter moves to that log's next
 * checkpoint. Not thread-safe: one thread feeds and works.
 */
public final class CheckpointSubmitter {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointSubmitter.class);

    private final List<WitnessClient> witnesses;
    private final Consumer<Attestation> out;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Map<LogId, Track> logs = new LinkedHashMap<>();
    private final Backoff[] backoff;
    private long cosigned;
    private long refused;
    private long unavailable;

    /** Per log: tree, pending checkpoints by size, per witness the size it accepted (null: not known yet). */
    private final class Track {
        final LogId log;
        TreeSuffix tree = TreeSuffix.startingAt(CompactMerkleTree.empty());
        final NavigableMap<Long, SignedCheckpoint> pending = new TreeMap<>();
        final Long[] accepted = new Long[witnesses.size()];
        /** Per witness: checkpoints up to this size are done (cosigned, refused, or older than its state). */
        final long[] doneUpTo = new long[witnesses.size()];

        Track(LogId log) {
            this.log = log;
        }
    }

    private static final class Backoff {
        int failures;
        Instant next = Instant.MIN;
    }

    /**
     * A submitter.
     *
     * @param witnesses clients of the witnesses, at least one
     * @param out receives each verified cosignature; MUST NOT block for long
     * @param minBackoff first retry delay after a witness was unavailable
     * @param maxBackoff largest retry delay
     */
    public CheckpointSubmitter(List<WitnessClient> witnesses, Consumer<Attestation> out, Duration minBackoff,
            Duration maxBackoff) {
        this.witnesses = List.copyOf(requireNonNull(witnesses, "witnesses"));
        this.out = requireNonNull(out, "out");
        this.minBackoff = requireNonNull(minBackoff, "minBackoff");
        this.maxBackoff = requireNonNull(maxBackoff, "maxBackoff");
        if (this.witnesses.isEmpty()) {
            throw new IllegalArgumentException("the submitter needs at least one witness");
        }
        if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException("back-off must satisfy 0 < min <= max, got " + minBackoff + ", "
                    + maxBackoff);
        }
        this.backoff = new Backoff[this.witnesses.size()];
        for (int i = 0; i < backoff.length; i++) {
            backoff[i] = new Backoff();
        }
    }

    /**
     * The next committed entry of a log (entries of one log arrive in seq order; a replayed seq is ignored).
     *
     * @param log the log
     * @param seq its seq
     * @param hash its chain entry hash (the Merkle leaf data)
     * @throws IllegalStateException when seq skips ahead: the chained topic is gapless per log, so a gap means
     *     records were lost before this stage
     */
    public void entry(LogId log, long seq, Hash hash) {
        Track t = logs.computeIfAbsent(requireNonNull(log, "log"), Track::new);
        if (seq < t.tree.size()) {
            return;
        }
        if (seq > t.tree.size()) {
            throw new IllegalStateException("log " + log + " jumps from seq " + (t.tree.size() - 1) + " to " + seq
                    + ": the chained topic must be gapless per log");
        }
        t.tree.append(requireNonNull(hash, "hash"));
    }

    /**
     * A committed checkpoint.
     *
     * @param note the chainer's signed checkpoint
     */
    public void checkpoint(SignedCheckpoint note) {
        requireNonNull(note, "note");
        LogId log = LogId.fromOrigin(note.checkpoint().origin());
        Track t = logs.computeIfAbsent(log, Track::new);
        if (note.checkpoint().treeSize() >= t.tree.baseSize()) {
            t.pending.put(note.checkpoint().treeSize(), note);
        }
    }

    /**
     * Submits what is due to every witness that is not backing off.
     *
     * @param now the current time (for back-off)
     * @param maxRequests an upper bound on requests in this call, so the caller keeps feeding
     * @return requests made
     */
    public int work(Instant now, int maxRequests) {
        int requests = 0;
        for (int w = 0; w < witnesses.size() && requests < maxRequests; w++) {
            if (now.isBefore(backoff[w].next)) {
                continue;
            }
            for (Track t : logs.values()) {
                while (requests < maxRequests) {
                    Map.Entry<Long, SignedCheckpoint> due = t.pending.higherEntry(t.doneUpTo[w]);
                    if (due == null || due.getKey() > t.tree.size()) {
                        break;
                    }
                    requests++;
                    if (!submit(t, w, due.getValue(), now)) {
                        break;
                    }
                }
                if (now.isBefore(backoff[w].next)) {
                    break;
                }
            }
        }
        prune();
        return requests;
    }

    /** Returns false when this witness is now backing off. */
    private boolean submit(Track t, int w, SignedCheckpoint note, Instant now) {
        WitnessClient client = witnesses.get(w);
        Checkpoint c = note.checkpoint();
        long n = c.treeSize();
        if (!t.tree.root(n).equals(c.rootHash())) {
            LOG.error("checkpoint of {} at size {} has root {} but its committed entries give {}: not submitted",
                    t.log, n, c.rootHash(), t.tree.root(n));
            t.doneUpTo[w] = n;
            refused++;
            return true;
        }
        Long acc = t.accepted[w];
        long old = acc == null ? 0 : acc;
        if (old > n) {
            t.doneUpTo[w] = n;
            return true;
        }
        if (old > 0 && old < t.tree.baseSize()) {
            throw new IllegalStateException("witness " + client.witnessKey().name() + " accepted size " + old + " of "
                    + t.log + ", below the retained base " + t.tree.baseSize());
        }
        AddCheckpointRequest req = new AddCheckpointRequest(old, old == 0 ? List.of()
                : t.tree.consistencyProof(old, n).path(), note.text());
        WitnessClient.Result r;
        try {
            r = client.add(req);
        } catch (WitnessUnavailableException e) {
            return backOff(w, now, e.getMessage());
        } catch (WitnessException e) {
            // A 200 without a valid cosignature by the configured key: treat like an outage, never as cosigned.
            return backOff(w, now, e.getMessage());
        }
        backoff[w].failures = 0;
        if (r instanceof WitnessClient.Cosigned cs) {
            t.accepted[w] = n;
            t.doneUpTo[w] = n;
            cosigned++;
            out.accept(new Attestation(t.log, c, cs.cosignature()));
        } else if (r instanceof WitnessClient.Conflict cf) {
            // The witness knows another size: at or above this checkpoint means it was cosigned before (e.g.
            // before a restart of this stage); below it, resubmit from that size.
            t.accepted[w] = cf.size();
            if (cf.size() > n) {
                t.doneUpTo[w] = n;
            } else if (cf.size() < t.tree.baseSize()) {
                LOG.error("witness {} knows {} at size {}, below what this submitter retained ({}): cannot prove",
                        client.witnessKey().name(), t.log, cf.size(), t.tree.baseSize());
                t.doneUpTo[w] = n;
                refused++;
            }
        } else {
            WitnessClient.Refused rf = (WitnessClient.Refused) r;
            if (rf.retriable()) {
                return backOff(w, now, "HTTP " + rf.status() + ": " + rf.reason());
            }
            LOG.error("witness {} refused the checkpoint of {} at size {} (old size {}): HTTP {} {}",
                    client.witnessKey().name(), t.log, n, old, rf.status(), rf.reason());
            t.doneUpTo[w] = n;
            refused++;
        }
        return true;
    }

    private boolean backOff(int w, Instant now, String why) {
        Backoff b = backoff[w];
        long delay = Math.min(maxBackoff.toMillis(), minBackoff.toMillis() << Math.min(b.failures, 20));
        b.failures++;
        b.next = now.plusMillis(delay);
        unavailable++;
        LOG.warn("witness {} unavailable (attempt {}), retrying in {} ms: {}", witnesses.get(w).witnessKey().name(),
                b.failures, delay, why);
        return false;
    }

    /** Drops checkpoints every witness is done with, and entries below the smallest accepted size. */
    private void prune() {
        for (Track t : logs.values()) {
            long done = Long.MAX_VALUE;
            long base = Long.MAX_VALUE;
            for (int w = 0; w < witnesses.size(); w++) {
                done = Math.min(done, t.doneUpTo[w]);
                base = Math.min(base, t.accepted[w] == null ? 0 : t.accepted[w]);
            }
            t.pending.headMap(done, true).clear();
            long newBase = Math.min(base, t.tree.size());
            if (newBase > t.tree.baseSize()) {
                t.tree.advanceBase(newBase);
            }
        }
    }

    /**
     * What a durable copy keeps of one log ({@link SubmitterState}): the tree at its base (the smallest size any
     * witness accepted) and the leaves after it, the checkpoints not done by every witness, and per witness (by
     * {@link #witnessId}) the size it accepted ({@code -1}: not known yet) and the size up to which it is done.
     *
     * @param log the log
     * @param base the tree at the base size
     * @param leaves leaf data after the base
     * @param pending checkpoints not yet done by every witness, by size
     * @param witnesses per witness id: {accepted or -1, doneUpTo}
     */
    public record LogSnapshot(LogId log, CompactMerkleTree base, List<Hash> leaves, List<SignedCheckpoint> pending,
            Map<String, long[]> witnesses) {
        /** Validates and copies. */
        public LogSnapshot {
            requireNonNull(log, "log");
            requireNonNull(base, "base");
            leaves = List.copyOf(leaves);
            pending = List.copyOf(pending);
            Map<String, long[]> w = new LinkedHashMap<>();
            witnesses.forEach((k, v) -> {
                if (v.length != 2) {
                    throw new IllegalArgumentException("a witness entry is {accepted, doneUpTo}");
                }
                w.put(k, v.clone());
            });
            witnesses = java.util.Collections.unmodifiableMap(w);
        }
    }

    /**
     * How a witness is named in snapshots: its cosigner name and key id, so a restart with the witnesses in
     * another order, or with one added or removed, maps each one's progress to the right witness.
     *
     * @param client the witness's client
     * @return {@code name+hexid}
     */
    public static String witnessId(WitnessClient client) {
        return client.witnessKey().name() + "+" + String.format("%08x", client.witnessKey().keyId());
    }

    /**
     * The state of every log, for a durable copy. Call between {@link #work} calls, from the feeding thread.
     *
     * @return one snapshot per log
     */
    public List<LogSnapshot> snapshot() {
        List<LogSnapshot> out = new ArrayList<>(logs.size());
        for (Track t : logs.values()) {
            Map<String, long[]> w = new LinkedHashMap<>();
            for (int i = 0; i < witnesses.size(); i++) {
                w.put(witnessId(witnesses.get(i)), new long[] {t.accepted[i] == null ? -1 : t.accepted[i],
                    t.doneUpTo[i]});
            }
            out.add(new LogSnapshot(t.log, t.tree.base(), t.tree.leaves(), new ArrayList<>(t.pending.values()), w));
        }
        return out;
    }

    /**
     * Restores logs from a durable copy, before anything is fed. A witness the snapshot does not name (newly
     * configured) starts unknown (its size is learnt from its 409) and done up to nothing; one the snapshot names
     * but that is no longer configured is dropped.
     *
     * @param snapshots the logs
     * @throws IllegalStateException when logs were fed already
     */
    public void restore(List<LogSnapshot> snapshots) {
        if (!logs.isEmpty()) {
            throw new IllegalStateException("restore before feeding anything");
        }
        for (LogSnapshot s : snapshots) {
            Track t = new Track(s.log());
            t.tree = TreeSuffix.startingAt(s.base());
            s.leaves().forEach(t.tree::append);
            for (SignedCheckpoint note : s.pending()) {
                t.pending.put(note.checkpoint().treeSize(), note);
            }
            for (int i = 0; i < witnesses.size(); i++) {
                long[] w = s.witnesses().get(witnessId(witnesses.get(i)));
                if (w != null) {
                    t.accepted[i] = w[0] < 0 ? null : w[0];
                    t.doneUpTo[i] = w[1];
                }
            }
            logs.put(s.log(), t);
        }
    }

    /**
     * Counters since start.
     *
     * @return cosigned, refused, unavailable (failed attempts), pending checkpoints, retained entries
     */
    public Map<String, Long> counters() {
        Map<String, Long> m = new HashMap<>();
        m.put("cosigned", cosigned);
        m.put("refused", refused);
        m.put("unavailable", unavailable);
        m.put("pending", logs.values().stream().mapToLong(t -> t.pending.size()).sum());
        m.put("retained-entries", logs.values().stream().mapToLong(t -> t.tree.size() - t.tree.baseSize()).sum());
        return m;
    }

    /**
     * The sizes each witness accepted per log (null: not known yet), for status output.
     *
     * @return log to sizes in witness order
     */
    public Map<LogId, List<Long>> accepted() {
        Map<LogId, List<Long>> m = new LinkedHashMap<>();
        logs.forEach((id, t) -> m.put(id, new ArrayList<>(Arrays.asList(t.accepted))));
        return m;
    }
}
