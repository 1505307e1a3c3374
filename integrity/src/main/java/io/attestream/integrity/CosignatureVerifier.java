package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the cosignatures of a signed checkpoint against trusted witness keys. Immutable and
 * thread-safe.
 *
 * <p>Rules (C2SP tlog-cosignature and signed-note): a signature line whose (name, key id) matches a
 * trusted cosigner MUST be a well-formed cosignature/v1 that verifies, or the note is rejected
 * ({@link SignatureInvalidException}): a bad line from a key we trust is evidence of tampering, not
 * a missing cosignature. Lines of other keys (the log's own signature, unknown witnesses) are ignored.
 * Counting the verified cosignatures against a quorum is the caller's decision.
 */
public final class CosignatureVerifier {
    private final Map<String, CosignerKey> keys;

    private CosignatureVerifier(Map<String, CosignerKey> keys) {
        this.keys = Map.copyOf(keys);
    }

    /**
     * A verifier trusting the given witnesses.
     *
     * @param trusted at least one key; no two with the same name and key id
     * @return the verifier
     */
    public static CosignatureVerifier of(Collection<CosignerKey> trusted) {
        requireNonNull(trusted, "trusted");
        if (trusted.isEmpty()) {
            throw new IllegalArgumentException("a cosignature verifier needs at least one trusted witness key");
        }
        Map<String, CosignerKey> m = new HashMap<>();
        for (CosignerKey k : trusted) {
            requireNonNull(k, "trusted key");
            if (m.put(id(k.name(), k.keyId()), k) != null) {
                throw new IllegalArgumentException("two trusted witness keys share name " + k.name() + " and key id "
                        + VerifierKey.hexId(k.keyId()));
            }
        }
        return new CosignatureVerifier(m);
    }

    private static String id(String name, int keyId) {
        return name + "+" + VerifierKey.hexId(keyId);
    }

    /**
     * The verified cosignatures of trusted witnesses on a note (whose log signature is checked
     * separately, by a {@link CheckpointVerifier}).
     *
     * @param note the parsed note
     * @return one verified cosignature per trusted witness that cosigned, in line order; possibly empty
     * @throws SignatureInvalidException when a line of a trusted witness is malformed or does not verify
     */
    public List<Cosignature> verify(SignedCheckpoint note) {
        requireNonNull(note, "note");
        return verify(note.checkpoint(), note.signatures());
    }

    /**
     * The verified cosignatures among signature lines for a checkpoint, e.g. a witness's response.
     *
     * @param checkpoint the cosigned checkpoint
     * @param lines signature lines
     * @return one verified cosignature per trusted witness among the lines, in line order
     * @throws SignatureInvalidException when a line of a trusted witness is malformed or does not verify
     */
    public List<Cosignature> verify(Checkpoint checkpoint, List<NoteSignature> lines) {
        requireNonNull(checkpoint, "checkpoint");
        requireNonNull(lines, "lines");
        List<Cosignature> ok = new ArrayList<>();
        for (NoteSignature line : lines) {
            CosignerKey k = keys.get(id(line.keyName(), line.keyId()));
            if (k == null) {
                continue;
            }
            Cosignature c;
            try {
                c = Cosignature.fromLine(line);
            } catch (MalformedDataException e) {
                throw new SignatureInvalidException("cosignature by witness " + k.name() + " on the checkpoint of "
                        + checkpoint.origin() + " at size " + checkpoint.treeSize() + " is malformed: " + e.getMessage());
            }
            if (!k.verify(checkpoint, c)) {
                throw new SignatureInvalidException("cosignature by witness " + k.name() + " (key id "
                        + VerifierKey.hexId(k.keyId()) + ") on the checkpoint of " + checkpoint.origin() + " at size "
                        + checkpoint.treeSize() + " does not verify");
            }
            if (ok.stream().noneMatch(o -> o.keyName().equals(c.keyName()) && o.keyId() == c.keyId())) {
                ok.add(c);
            }
        }
        return ok;
    }

    /**
     * The trusted witness keys.
     *
     * @return unmodifiable collection
     */
    public Collection<CosignerKey> trustedKeys() {
        return keys.values();
    }
}
