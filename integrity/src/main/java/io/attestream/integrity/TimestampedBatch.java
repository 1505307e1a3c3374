package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One RFC 3161 token covering many checkpoints, so a rate-limited TSA is asked once per batch.
 *
 * <p>Leaf data i = SHA-256(UTF-8 text of signed note i); batch root = RFC 9162 Merkle root over those
 * leaves (leaf hash SHA-256(0x00 || noteHash)); the TSA timestamps the batch root as a SHA-256 message
 * imprint. Each checkpoint keeps a {@link CheckpointTimestamp}: the token and its inclusion path.
 * Immutable.
 */
public final class TimestampedBatch {
    private final Hash root;
    private final byte[] token;
    private final List<CheckpointTimestamp> timestamps;

    private TimestampedBatch(Hash root, byte[] token, List<CheckpointTimestamp> timestamps) {
        this.root = root;
        this.token = token;
        this.timestamps = List.copyOf(timestamps);
    }

    /**
     * The batch root of signed-note texts, without asking any TSA.
     *
     * @param noteTexts the notes, in batch order
     * @return the root the TSA is asked to timestamp
     */
    public static Hash root(List<String> noteTexts) {
        return tree(noteTexts).root();
    }

    private static MerkleTree tree(List<String> noteTexts) {
        requireNonNull(noteTexts, "noteTexts");
        if (noteTexts.isEmpty()) {
            throw new IllegalArgumentException("a timestamp batch needs at least one checkpoint");
        }
        List<Hash> leaves = new ArrayList<>(noteTexts.size());
        for (String n : noteTexts) {
            leaves.add(Hash.sha256(requireNonNull(n, "note text").getBytes(StandardCharsets.UTF_8)));
        }
        return MerkleTree.of(leaves);
    }

    /**
     * Timestamps a batch of signed-note texts with one TSA request.
     *
     * @param noteTexts the exact stored texts of the signed checkpoints, at least one
     * @param tsa the authority
     * @return the batch with one {@link CheckpointTimestamp} per note, in order
     * @throws TsaUnavailableException when the TSA asks to retry: the caller MUST keep the whole batch
     *     and retry it later, and MUST NOT record any of its checkpoints as timestamped
     */
    public static TimestampedBatch timestamp(List<String> noteTexts, TimestampAuthority tsa) {
        requireNonNull(tsa, "tsa");
        MerkleTree tree = tree(noteTexts);
        Hash root = tree.root();
        byte[] token = tsa.timestamp(root);
        long n = tree.size();
        List<CheckpointTimestamp> ts = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            ts.add(new CheckpointTimestamp(tree.inclusionProof(i, n), token));
        }
        return new TimestampedBatch(root, token, ts);
    }

    /**
     * Timestamps a batch of signed checkpoints with one TSA request.
     *
     * @param notes the checkpoints, at least one
     * @param tsa the authority
     * @return the batch
     */
    public static TimestampedBatch timestampCheckpoints(List<SignedCheckpoint> notes, TimestampAuthority tsa) {
        requireNonNull(notes, "notes");
        return timestamp(notes.stream().map(SignedCheckpoint::text).toList(), tsa);
    }

    /**
     * The batch root the token covers.
     *
     * @return the root
     */
    public Hash root() {
        return root;
    }

    /**
     * The DER token over {@link #root()}.
     *
     * @return a copy
     */
    public byte[] token() {
        return token.clone();
    }

    /**
     * The per-checkpoint evidence, in batch order.
     *
     * @return unmodifiable list
     */
    public List<CheckpointTimestamp> timestamps() {
        return timestamps;
    }
}
