package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.Bytes;
import java.time.Instant;
import java.util.Arrays;

/**
 * Everything the writer of one log keeps between events: the chain head and the compact Merkle
 * tree over the chain entry hashes. Invariant: {@code tree.size() == head.nextSeq()}.
 *
 * <p>Stable encoding for a state store ({@link #toBytes()}): u8 version = 1, u32be length,
 * {@link ChainHead#toBytes()}, then {@link CompactMerkleTree#toBytes()} to the end.
 *
 * @param head the chain head
 * @param tree the Merkle tree whose leaf i is the hash of entry seq i
 */
public record LogState(ChainHead head, CompactMerkleTree tree) {
    private static final byte ENCODING_VERSION = 1;

    /**
     * Checks the invariant.
     *
     * @throws IllegalArgumentException when the tree size differs from head.nextSeq()
     */
    public LogState {
        requireNonNull(head, "head");
        requireNonNull(tree, "tree");
        if (tree.size() != head.nextSeq()) {
            throw new IllegalArgumentException("log " + head.log() + ": Merkle tree size " + tree.size()
                    + " differs from chain length " + head.nextSeq());
        }
    }

    /**
     * The state of an empty log.
     *
     * @param log the log
     * @return genesis head, empty tree
     */
    public static LogState empty(LogId log) {
        return new LogState(ChainHead.genesis(log), CompactMerkleTree.empty());
    }

    /** The entry just appended and the state after it. */
    public record Appended(ChainEntry entry, LogState state) {
        /**
         * Validates.
         */
        public Appended {
            requireNonNull(entry, "entry");
            requireNonNull(state, "state");
        }
    }

    /**
     * Chains the event in the current entry format ({@link ChainEntry#next}) and appends its entry hash
     * to the tree.
     *
     * @param chainedAtMicros the writer's clock when it assigns the seq, microseconds since the epoch
     * @param schemaId the registry id of the writer schema
     * @param schemaFingerprint the 32-byte SHA-256 parsing fingerprint of that schema
     * @param eventBytes the Avro binary encoding of the event
     * @return the new entry and the new state
     */
    public Appended append(long chainedAtMicros, int schemaId, byte[] schemaFingerprint, byte[] eventBytes) {
        ChainEntry e = ChainEntry.next(head, chainedAtMicros, schemaId, schemaFingerprint, eventBytes);
        return new Appended(e, new LogState(e.head(), tree.append(e.hash())));
    }

    /**
     * Verifier side: links one more stored entry, already rebuilt with
     * {@link ChainEntry#recompute} (and checked with {@link ChainEntry#verifyStoredHash}), and
     * appends its recomputed hash to the tree. Replaying a whole log from {@link #empty} this way
     * uses O(log n) memory and trusts no stored hash.
     *
     * @param entry the next entry
     * @return the state after it
     * @throws ChainBrokenException when entry is not the next link (wrong log, seq or previous hash)
     */
    public LogState replay(ChainEntry entry) {
        ChainHead next = head.advance(entry);
        return new LogState(next, tree.append(entry.hash()));
    }

    /**
     * The checkpoint this state commits to: {@link Checkpoint#forLog} of the head and the tree root.
     *
     * @param cadence the writer's checkpoint cadence
     * @param created the writer's clock now (whole microseconds)
     * @return the checkpoint body (unsigned)
     * @throws IllegalArgumentException when the log is empty
     */
    public Checkpoint checkpoint(Checkpoint.Cadence cadence, Instant created) {
        return Checkpoint.forLog(head, tree.root(), cadence, created);
    }

    /**
     * Checks a checkpoint (whose signature the caller verified) against this state, recomputed
     * from stored entries up to exactly the checkpoint's size: same origin, same Merkle root,
     * same chain head. A mismatch means the entries were changed after the checkpoint was signed.
     *
     * @param signed the checkpoint
     * @throws IllegalArgumentException when the checkpoint is of another log or size (caller error)
     * @throws ProofInvalidException when the recomputed root differs from the signed root
     * @throws ChainBrokenException when the recomputed chain head differs from the signed one
     * @throws MalformedDataException when the checkpoint's extension lines are not an attestream layout
     */
    public void verifyCheckpoint(Checkpoint signed) {
        requireNonNull(signed, "signed");
        if (!signed.origin().equals(head.log().origin()) || signed.treeSize() != size()) {
            throw new IllegalArgumentException("checkpoint of " + signed.origin() + " at size " + signed.treeSize()
                    + " compared with the replayed state of " + head.log().origin() + " at size " + size());
        }
        Hash root = tree.root();
        if (!signed.rootHash().equals(root)) {
            throw new ProofInvalidException("log " + head.log() + " at size " + size() + ": Merkle root recomputed "
                    + "from the stored entries " + root + " differs from the signed checkpoint root "
                    + signed.rootHash());
        }
        ChainHead claimed = signed.chainHead();
        if (!claimed.equals(head)) {
            throw new ChainBrokenException("log " + head.log() + " at size " + size() + ": chain head recomputed from "
                    + "the stored entries " + head.hash() + " differs from the signed chain head " + claimed.hash());
        }
    }

    /**
     * The number of entries (= tree size = next seq).
     *
     * @return the size
     */
    public long size() {
        return head.nextSeq();
    }

    /**
     * Stable encoding.
     *
     * @return the bytes
     */
    public byte[] toBytes() {
        byte[] h = head.toBytes();
        byte[] t = tree.toBytes();
        byte[] out = new byte[1 + 4 + h.length + t.length];
        out[0] = ENCODING_VERSION;
        Bytes.putInt(out, 1, h.length);
        System.arraycopy(h, 0, out, 5, h.length);
        System.arraycopy(t, 0, out, 5 + h.length, t.length);
        return out;
    }

    /**
     * Decodes {@link #toBytes()}.
     *
     * @param b the bytes
     * @return the state
     * @throws MalformedDataException when b is not a valid encoding or breaks the invariant
     */
    public static LogState fromBytes(byte[] b) {
        requireNonNull(b, "b");
        if (b.length < 5 || b[0] != ENCODING_VERSION) {
            throw new MalformedDataException("log state encoding: expected version " + ENCODING_VERSION + ", got "
                    + b.length + " bytes" + (b.length > 0 ? " starting with version " + b[0] : ""));
        }
        int hl = Bytes.getInt(b, 1);
        if (hl < 0 || hl > b.length - 5) {
            throw new MalformedDataException("log state encoding: bad head length " + hl);
        }
        ChainHead head = ChainHead.fromBytes(Arrays.copyOfRange(b, 5, 5 + hl));
        CompactMerkleTree tree = CompactMerkleTree.fromBytes(Arrays.copyOfRange(b, 5 + hl, b.length));
        try {
            return new LogState(head, tree);
        } catch (IllegalArgumentException e) {
            throw new MalformedDataException("log state encoding: " + e.getMessage(), e);
        }
    }
}
