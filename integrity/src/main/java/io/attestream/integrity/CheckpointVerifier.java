package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies signed checkpoints against a set of trusted verifier keys (several at once, for key
 * rotation). Immutable and thread-safe.
 *
 * <p>Rules, as in the C2SP signed-note spec and Go's note package: a signature line whose
 * (name, key id) matches a trusted key MUST verify, or the whole note is rejected
 * ({@link SignatureInvalidException}); lines from keys this verifier does not know are ignored; at
 * least one trusted key must have signed ({@link UnknownKeyException} otherwise).
 */
public final class CheckpointVerifier {
    private final Map<String, VerifierKey> keys;

    private CheckpointVerifier(Map<String, VerifierKey> keys) {
        this.keys = Map.copyOf(keys);
    }

    /**
     * A verifier trusting the given keys.
     *
     * @param trusted at least one key; no two with the same name and key id
     * @return the verifier
     */
    public static CheckpointVerifier of(Collection<VerifierKey> trusted) {
        requireNonNull(trusted, "trusted");
        if (trusted.isEmpty()) {
            throw new IllegalArgumentException("a checkpoint verifier needs at least one trusted key");
        }
        Map<String, VerifierKey> m = new HashMap<>();
        for (VerifierKey k : trusted) {
            requireNonNull(k, "trusted key");
            if (m.put(id(k.name(), k.keyId()), k) != null) {
                throw new IllegalArgumentException("two trusted keys share name " + k.name() + " and key id "
                        + VerifierKey.hexId(k.keyId()));
            }
        }
        return new CheckpointVerifier(m);
    }

    /**
     * A verifier trusting the given keys.
     *
     * @param trusted at least one key
     * @return the verifier
     */
    public static CheckpointVerifier of(VerifierKey... trusted) {
        return of(List.of(trusted));
    }

    private static String id(String name, int keyId) {
        return name + "+" + VerifierKey.hexId(keyId);
    }

    /**
     * Parses and verifies a signed checkpoint note.
     *
     * @param note the full text
     * @return the verified checkpoint
     * @throws MalformedDataException when the note does not parse
     * @throws SignatureInvalidException when a trusted key's signature does not verify
     * @throws UnknownKeyException when no trusted key signed
     */
    public SignedCheckpoint verify(String note) {
        requireNonNull(note, "note");
        SignedCheckpoint sc = SignedCheckpoint.parse(note);
        byte[] body = sc.checkpoint().bodyBytes();
        int verified = 0;
        List<String> unknown = new ArrayList<>();
        for (NoteSignature s : sc.signatures()) {
            VerifierKey k = keys.get(id(s.keyName(), s.keyId()));
            if (k == null) {
                unknown.add(id(s.keyName(), s.keyId()));
                continue;
            }
            if (!k.verify(body, s.signature())) {
                throw new SignatureInvalidException("signature by " + k.name() + " (key id "
                        + VerifierKey.hexId(k.keyId()) + ") on the checkpoint of " + sc.checkpoint().origin()
                        + " at size " + sc.checkpoint().treeSize() + " does not verify");
            }
            verified++;
        }
        if (verified == 0) {
            throw new UnknownKeyException("checkpoint of " + sc.checkpoint().origin() + " at size "
                    + sc.checkpoint().treeSize() + " is signed only by unknown keys " + unknown
                    + "; trusted keys are " + keys.keySet());
        }
        return sc;
    }

    /**
     * Verifies a signed checkpoint and checks it is for the expected log.
     *
     * @param note the full text
     * @param expectedOrigin the origin the caller asked for, e.g. {@link LogId#origin()}
     * @return the verified checkpoint
     * @throws IntegrityException as {@link #verify(String)}, or when the origin differs
     */
    public SignedCheckpoint verify(String note, String expectedOrigin) {
        requireNonNull(expectedOrigin, "expectedOrigin");
        SignedCheckpoint sc = verify(note);
        if (!sc.checkpoint().origin().equals(expectedOrigin)) {
            throw new IntegrityException("checkpoint is for log '" + sc.checkpoint().origin() + "', expected '"
                    + expectedOrigin + "'");
        }
        return sc;
    }

    /**
     * The trusted keys.
     *
     * @return unmodifiable collection
     */
    public Collection<VerifierKey> trustedKeys() {
        return keys.values();
    }
}
