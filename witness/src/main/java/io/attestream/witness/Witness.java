package io.attestream.witness;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.AddCheckpointRequest;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.ConsistencyProof;
import io.attestream.integrity.Cosignature;
import io.attestream.integrity.CosignatureVerifier;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.Hash;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.MalformedDataException;
import io.attestream.integrity.NoteSignature;
import io.attestream.integrity.ProofInvalidException;
import io.attestream.integrity.SignatureInvalidException;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.UnknownKeyException;
import io.attestream.witness.internal.StateFiles;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A C2SP tlog-witness: cosigns a checkpoint only if its log signature verifies with a configured key and it
 * is consistent with the latest checkpoint this witness cosigned for the same origin (docs/integrity.md §6.2).
 * Thread-safe: requests for one origin are serialised by a per-origin lock; the check against the stored
 * size and the durable update happen under it.
 *
 * <p>Contract: {@link #add} MUST NOT return {@link Outcome#cosigned} before the new state is durable
 * ({@link StateFiles#write}), and MUST NOT cosign a checkpoint of an origin whose stored tree is not a
 * prefix of it. A failed write is an exception, never a cosignature.
 */
public final class Witness {
    private static final Logger LOG = LoggerFactory.getLogger(Witness.class);

    private final SigningKey key;
    private final CosignerKey cosignerKey;
    private final List<WitnessedLog> logs;
    private final List<CheckpointVerifier> verifiers;
    private final StateFiles files;
    private final Clock clock;
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Map<String, String> notesByOriginHash = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    /** What the witness knows of one origin: its latest cosigned note. */
    private record State(long size, Hash root, long timestamp, String note) {
    }

    /**
     * The answer to one request: an HTTP status and body (docs/integrity.md §6.2).
     *
     * @param status 200, 400, 403, 404, 409 or 422
     * @param contentType the response content type
     * @param body the response body
     */
    public record Outcome(int status, String contentType, String body) {
        static Outcome cosigned(Cosignature c) {
            return new Outcome(200, "text/plain; charset=utf-8", c.toLine().line() + "\n");
        }

        static Outcome conflict(long size) {
            return new Outcome(409, "text/x.tlog.size", size + "\n");
        }

        static Outcome refused(int status, String reason) {
            return new Outcome(status, "text/plain; charset=utf-8", reason + "\n");
        }
    }

    private Witness(SigningKey key, List<WitnessedLog> logs, StateFiles files, Clock clock) {
        this.key = key;
        this.cosignerKey = CosignerKey.of(key);
        this.logs = List.copyOf(logs);
        this.verifiers = this.logs.stream().map(WitnessedLog::verifier).toList();
        this.files = files;
        this.clock = clock;
    }

    /**
     * Opens a witness on its state directory, loading what it cosigned before.
     *
     * @param key the witness's private key; its name is the cosigner name
     * @param logs the accepted logs, at least one; the first matching entry decides
     * @param dir the state directory (created when missing)
     * @param clock the clock for cosignature timestamps
     * @return the witness
     * @throws WitnessException when a state file is unreadable, for another origin than its name says, or not
     *     cosigned by this key: the witness refuses to start rather than forget a log
     */
    public static Witness open(SigningKey key, List<WitnessedLog> logs, Path dir, Clock clock) {
        requireNonNull(key, "key");
        requireNonNull(logs, "logs");
        requireNonNull(dir, "dir");
        requireNonNull(clock, "clock");
        if (logs.isEmpty()) {
            throw new IllegalArgumentException("a witness needs at least one log to witness");
        }
        Witness w = new Witness(key, logs, StateFiles.open(dir), clock);
        w.load();
        return w;
    }

    private void load() {
        CosignatureVerifier own = CosignatureVerifier.of(List.of(cosignerKey));
        for (Map.Entry<String, String> e : files.readAll().entrySet()) {
            String where = files.directory().resolve(e.getKey() + ".note").toString();
            SignedCheckpoint note;
            List<Cosignature> mine;
            try {
                note = SignedCheckpoint.parse(e.getValue());
                mine = own.verify(note);
            } catch (IntegrityException ex) {
                throw new WitnessException("witness state file " + where + " is not a note cosigned by this witness: "
                        + ex.getMessage(), ex);
            }
            Checkpoint c = note.checkpoint();
            if (!StateFiles.originHash(c.origin()).equals(e.getKey())) {
                throw new WitnessException("witness state file " + where + " holds origin " + c.origin()
                        + ", whose hash is not its name");
            }
            if (mine.isEmpty()) {
                throw new WitnessException("witness state file " + where + " has no cosignature by " + cosignerKey.name()
                        + " (key id " + String.format("%08x", cosignerKey.keyId()) + "): another witness's state?");
            }
            put(c.origin(), new State(c.treeSize(), c.rootHash(), mine.get(0).timestamp(), e.getValue()));
        }
        LOG.info("witness {} loaded the state of {} log(s) from {}", cosignerKey.name(), states.size(),
                files.directory());
    }

    /**
     * Handles one add-checkpoint request body.
     *
     * @param body the raw request body
     * @return the outcome
     * @throws WitnessException when the new state cannot be persisted (the caller answers 500)
     */
    public Outcome add(byte[] body) {
        requireNonNull(body, "body");
        AddCheckpointRequest r;
        try {
            r = AddCheckpointRequest.parse(body);
        } catch (MalformedDataException e) {
            return Outcome.refused(400, e.getMessage());
        }
        return add(r);
    }

    /**
     * Handles one add-checkpoint request (checks in the order of docs/integrity.md §6.2).
     *
     * @param r the request
     * @return the outcome
     * @throws WitnessException when the new state cannot be persisted (the caller answers 500)
     */
    public Outcome add(AddCheckpointRequest r) {
        requireNonNull(r, "r");
        SignedCheckpoint note;
        try {
            note = SignedCheckpoint.parse(r.note());
        } catch (MalformedDataException e) {
            return Outcome.refused(400, "checkpoint: " + e.getMessage());
        }
        Checkpoint c = note.checkpoint();
        if (r.oldSize() > c.treeSize()) {
            return Outcome.refused(400, "old size " + r.oldSize() + " is larger than the checkpoint size "
                    + c.treeSize());
        }
        int rule = rule(c.origin());
        if (rule < 0) {
            return Outcome.refused(404, "unknown log origin " + c.origin());
        }
        try {
            verifiers.get(rule).verify(r.note(), c.origin());
        } catch (SignatureInvalidException | UnknownKeyException e) {
            LOG.warn("witness refused a checkpoint of {} at size {}: {}", c.origin(), c.treeSize(), e.getMessage());
            return Outcome.refused(403, e.getMessage());
        }
        synchronized (locks.computeIfAbsent(c.origin(), o -> new Object())) {
            return addLocked(r, note);
        }
    }

    private Outcome addLocked(AddCheckpointRequest r, SignedCheckpoint note) {
        Checkpoint c = note.checkpoint();
        State known = states.get(c.origin());
        long knownSize = known == null ? 0 : known.size();
        if (r.oldSize() != knownSize) {
            return Outcome.conflict(knownSize);
        }
        if (c.treeSize() == 0 && !c.rootHash().equals(Hash.empty())) {
            return unprocessable(c, "a checkpoint of size 0 must have the empty tree's root SHA-256(\"\")");
        }
        if (r.oldSize() == 0) {
            if (!r.proof().isEmpty()) {
                return unprocessable(c, "old size 0 needs an empty consistency proof, got " + r.proof().size()
                        + " line(s)");
            }
        } else {
            try {
                new ConsistencyProof(r.oldSize(), c.treeSize(), r.proof()).verify(known.size(), known.root(),
                        c.treeSize(), c.rootHash());
            } catch (ProofInvalidException e) {
                // Possible evidence of a fork: keep it in the log (the spec allows logging refused requests).
                LOG.warn("witness refused checkpoint of {} at size {} (root {}): not consistent with its cosigned "
                        + "size {} (root {}): {}; note:\n{}", c.origin(), c.treeSize(), c.rootHash(), known.size(),
                        known.root(), e.getMessage(), r.note());
                return unprocessable(c, e.getMessage());
            }
        }
        // Cosignature time never goes back for one origin, even if the clock does.
        long now = Math.max(1, clock.instant().getEpochSecond());
        long timestamp = known == null ? now : Math.max(now, known.timestamp());
        Cosignature cos = Cosignature.sign(key, timestamp, c);
        // Stored: the submitted signatures (an older cosignature of ours replaced) plus the new cosignature.
        List<NoteSignature> lines = new ArrayList<>();
        for (NoteSignature s : note.signatures()) {
            if (!cosignerKey.matches(s)) {
                lines.add(s);
            }
        }
        lines.add(cos.toLine());
        String stored = SignedCheckpoint.of(c, lines).text();
        files.write(c.origin(), stored);
        put(c.origin(), new State(c.treeSize(), c.rootHash(), timestamp, stored));
        return Outcome.cosigned(cos);
    }

    private void put(String origin, State s) {
        states.put(origin, s);
        notesByOriginHash.put(StateFiles.originHash(origin), s.note());
    }

    private static Outcome unprocessable(Checkpoint c, String reason) {
        return Outcome.refused(422, "checkpoint of " + c.origin() + " at size " + c.treeSize() + ": " + reason);
    }

    private int rule(String origin) {
        for (int i = 0; i < logs.size(); i++) {
            if (logs.get(i).matches(origin)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The latest cosigned note of an origin, for the monitor endpoint.
     *
     * @param originHash lower-case hex SHA-256 of the origin
     * @return the note with this witness's cosignature, if it cosigned that origin
     */
    public Optional<String> latest(String originHash) {
        requireNonNull(originHash, "originHash");
        return Optional.ofNullable(notesByOriginHash.get(originHash));
    }

    /**
     * The size this witness last cosigned per origin.
     *
     * @return origin to tree size, sorted by origin
     */
    public Map<String, Long> sizes() {
        return states.entrySet().stream().sorted(Map.Entry.comparingByKey()).collect(Collectors.toMap(
                Map.Entry::getKey, e -> e.getValue().size(), (a, b) -> a, LinkedHashMap::new));
    }

    /**
     * The witness's public key, which verifiers are given.
     *
     * @return the cosigner key
     */
    public CosignerKey cosignerKey() {
        return cosignerKey;
    }
}
