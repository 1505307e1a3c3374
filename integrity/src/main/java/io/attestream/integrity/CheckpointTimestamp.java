package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.TimestampJson;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The RFC 3161 evidence of one checkpoint: the shared token of its {@link TimestampedBatch} and the
 * RFC 9162 inclusion path of the checkpoint's note hash in that batch's tree.
 *
 * <p>Verification recomputes everything: note hash = SHA-256 of the stored signed-note text (UTF-8),
 * batch root from that hash and the path, then the token must verify over that root. Nothing derived
 * is stored here except the path. JSON form: docs/integrity.md, "Checkpoint timestamp JSON". Immutable.
 */
public final class CheckpointTimestamp {
    private final InclusionProof batchProof;
    private final byte[] token;

    /**
     * @param batchProof the path of the note hash in the batch tree (leafIndex, batch size, path)
     * @param token the DER TimeStampToken over the batch root (copied)
     */
    public CheckpointTimestamp(InclusionProof batchProof, byte[] token) {
        this.batchProof = requireNonNull(batchProof, "batchProof");
        this.token = requireNonNull(token, "token").clone();
        if (token.length == 0) {
            throw new MalformedDataException("empty timestamp token for batch leaf " + batchProof.leafIndex());
        }
    }

    /**
     * Verifies that the signed note {@code noteText} (exact stored text) was timestamped.
     *
     * @param noteText the signed checkpoint note as stored
     * @param verifier the TSA trust configuration
     * @return the verified time and TSA
     * @throws TimestampInvalidException when the path does not lead to the root the token covers, or the
     *     token does not verify
     */
    public VerifiedTimestamp verify(String noteText, TimestampVerifier verifier) {
        requireNonNull(noteText, "noteText");
        requireNonNull(verifier, "verifier");
        Hash noteHash = Hash.sha256(noteText.getBytes(StandardCharsets.UTF_8));
        Hash root = batchProof.computeRoot(noteHash);
        if (root == null) {
            throw new TimestampInvalidException("batch path of leaf " + batchProof.leafIndex() + " has the wrong shape "
                    + "for a batch of " + batchProof.treeSize());
        }
        try {
            return verifier.verify(token, root);
        } catch (TimestampInvalidException e) {
            throw new TimestampInvalidException("timestamp of checkpoint note " + noteHash.hex() + " (batch leaf "
                    + batchProof.leafIndex() + " of " + batchProof.treeSize() + "): " + e.getMessage(), e);
        }
    }

    /**
     * Verifies the timestamp of a signed checkpoint.
     *
     * @param note the checkpoint
     * @param verifier the TSA trust configuration
     * @return the verified time and TSA
     */
    public VerifiedTimestamp verify(SignedCheckpoint note, TimestampVerifier verifier) {
        return verify(requireNonNull(note, "note").text(), verifier);
    }

    /**
     * The inclusion path in the batch tree.
     *
     * @return the proof (treeSize = batch size)
     */
    public InclusionProof batchProof() {
        return batchProof;
    }

    /**
     * The token.
     *
     * @return a copy of the DER bytes
     */
    public byte[] token() {
        return token.clone();
    }

    /**
     * The JSON form.
     *
     * @return compact JSON
     */
    public String toJson() {
        return TimestampJson.write(new TimestampJson.Fields(batchProof.leafIndex(), batchProof.treeSize(),
                batchProof.path().stream().map(Hash::base64).toList(), Base64.getEncoder().encodeToString(token)));
    }

    /**
     * Parses the JSON form strictly.
     *
     * @param json the text
     * @return the timestamp
     * @throws MalformedDataException when json does not follow the documented format
     */
    public static CheckpointTimestamp fromJson(String json) {
        requireNonNull(json, "json");
        try {
            TimestampJson.Fields f = TimestampJson.read(json);
            List<Hash> path = f.path().stream().map(Hash::fromBase64).toList();
            return new CheckpointTimestamp(new InclusionProof(f.leafIndex(), f.batchSize(), path),
                    Base64.getDecoder().decode(f.token()));
        } catch (IllegalArgumentException | MalformedDataException e) {
            throw new MalformedDataException("checkpoint timestamp JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CheckpointTimestamp && ((CheckpointTimestamp) o).batchProof.equals(batchProof)
                && Arrays.equals(((CheckpointTimestamp) o).token, token);
    }

    @Override
    public int hashCode() {
        return batchProof.hashCode() * 31 + Arrays.hashCode(token);
    }

    @Override
    public String toString() {
        return "CheckpointTimestamp[leaf " + batchProof.leafIndex() + " of " + batchProof.treeSize() + ", token "
                + token.length + " bytes]";
    }
}
