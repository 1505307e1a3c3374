package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.Bytes;
import io.attestream.integrity.internal.Sha256;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable RFC 9162 §2.1 Merkle tree reduced to its right frontier: for a tree of size n it
 * keeps one hash per set bit of n (the roots of the perfect subtrees of n's binary decomposition,
 * largest first), so O(log n) state, O(1) amortised hashing per append and O(log n) root.
 *
 * <p>The leaf data of an Attestream log tree is the chain entry hash (32 bytes): leaf hash =
 * SHA-256(0x00 || entryHash). Leaf index = entry seq.
 *
 * <p>{@link #toBytes()} is a stable encoding for state stores: u8 version = 1, u64be size, then
 * popcount(size) hashes of 32 bytes, largest subtree first.
 */
public final class CompactMerkleTree {
    private static final byte ENCODING_VERSION = 1;
    private static final CompactMerkleTree EMPTY = new CompactMerkleTree(0, new byte[0]);

    private final long size;
    /** popcount(size) hashes, 32 bytes each, largest (leftmost) subtree first. */
    private final byte[] frontier;

    private CompactMerkleTree(long size, byte[] frontier) {
        this.size = size;
        this.frontier = frontier;
    }

    /**
     * The empty tree.
     *
     * @return size 0, root SHA-256("")
     */
    public static CompactMerkleTree empty() {
        return EMPTY;
    }

    /**
     * The tree with one more leaf.
     *
     * @param leafData the leaf data (for a log tree: the chain entry hash)
     * @return a new tree of size + 1
     */
    public CompactMerkleTree append(Hash leafData) {
        requireNonNull(leafData, "leafData");
        checkNotFull(size);
        int k = frontier.length / Hash.SIZE;
        byte[] next = new byte[(k - Long.numberOfTrailingZeros(~size) + 1) * Hash.SIZE];
        appendTo(frontier, k, size, leafData, next, new byte[1 + 2 * Hash.SIZE]);
        return new CompactMerkleTree(size + 1, next);
    }

    /**
     * A mutable copy of this tree that appends in place: the same hashes as {@link #append}, without a new
     * frontier and tree per leaf (the verifier rebuilds every log's tree leaf by leaf).
     *
     * @return a builder at this tree's size
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void checkNotFull(long size) {
        if (size == Long.MAX_VALUE) {
            throw new IllegalStateException("Merkle tree is full");
        }
    }

    /**
     * Appends a leaf to the {@code k}-hash frontier {@code from} of a tree of {@code size} leaves and writes the
     * new frontier to {@code to}, which may be {@code from}: the merged hashes are all read before the one write.
     *
     * @param scratch 65 bytes (0x01 || left || right), so that no hash allocates
     * @return the number of hashes in the new frontier
     */
    private static int appendTo(byte[] from, int k, long size, Hash leafData, byte[] to, byte[] scratch) {
        int merges = Long.numberOfTrailingZeros(~size);
        int keep = (k - merges) * Hash.SIZE;
        if (to != from) {
            System.arraycopy(from, 0, to, 0, keep);
        }
        // One digest and one scratch for the whole append, which costs about one SHA-256 of an event.
        MessageDigest md = Sha256.digest();
        scratch[0] = 0x01;
        md.update((byte) 0x00);
        md.update(leafData.unsafeBytes());
        finish(md, scratch, 1 + Hash.SIZE);
        for (int i = k - 1; i >= k - merges; i--) {
            System.arraycopy(from, i * Hash.SIZE, scratch, 1, Hash.SIZE);
            md.update(scratch);
            finish(md, scratch, 1 + Hash.SIZE);
        }
        System.arraycopy(scratch, 1 + Hash.SIZE, to, keep, Hash.SIZE);
        return k - merges + 1;
    }

    private static void finish(MessageDigest md, byte[] dst, int off) {
        try {
            md.digest(dst, off, Hash.SIZE);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 digest into a 32-byte slot failed", e);
        }
    }

    /**
     * The number of leaves.
     *
     * @return the size
     */
    public long size() {
        return size;
    }

    /**
     * The RFC 9162 root: MTH of all leaves appended so far.
     *
     * @return the root; SHA-256("") for the empty tree
     */
    public Hash root() {
        return root(frontier, frontier.length / Hash.SIZE);
    }

    private static Hash root(byte[] frontier, int k) {
        if (k == 0) {
            return Hash.empty();
        }
        byte[] r = Arrays.copyOfRange(frontier, (k - 1) * Hash.SIZE, k * Hash.SIZE);
        for (int i = k - 2; i >= 0; i--) {
            r = Sha256.node(frontier, i * Hash.SIZE, r, 0);
        }
        return Hash.wrap(r);
    }

    /**
     * The frontier hashes, largest subtree first (what {@link #toBytes()} stores).
     *
     * @return popcount(size) hashes
     */
    public List<Hash> frontier() {
        List<Hash> out = new ArrayList<>();
        for (int off = 0; off < frontier.length; off += Hash.SIZE) {
            out.add(Hash.read(frontier, off));
        }
        return List.copyOf(out);
    }

    /**
     * Stable encoding: u8 1, u64be size, frontier hashes.
     *
     * @return 9 + 32 * popcount(size) bytes
     */
    public byte[] toBytes() {
        byte[] out = new byte[9 + frontier.length];
        out[0] = ENCODING_VERSION;
        Bytes.putLong(out, 1, size);
        System.arraycopy(frontier, 0, out, 9, frontier.length);
        return out;
    }

    /**
     * Decodes {@link #toBytes()}.
     *
     * @param b the encoding
     * @return the tree
     * @throws MalformedDataException when b is not a valid encoding
     */
    public static CompactMerkleTree fromBytes(byte[] b) {
        requireNonNull(b, "b");
        if (b.length < 9 || b[0] != ENCODING_VERSION) {
            throw new MalformedDataException("compact Merkle tree encoding: expected version " + ENCODING_VERSION
                    + " and at least 9 bytes, got " + b.length + " bytes"
                    + (b.length > 0 ? " starting with version " + b[0] : ""));
        }
        long size = Bytes.getLong(b, 1);
        if (size < 0) {
            throw new MalformedDataException("compact Merkle tree encoding: negative size " + size);
        }
        int expected = 9 + Long.bitCount(size) * Hash.SIZE;
        if (b.length != expected) {
            throw new MalformedDataException("compact Merkle tree encoding: size " + size + " needs " + expected
                    + " bytes, got " + b.length);
        }
        return size == 0 ? EMPTY : new CompactMerkleTree(size, Arrays.copyOfRange(b, 9, b.length));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CompactMerkleTree && ((CompactMerkleTree) o).size == size
                && Arrays.equals(((CompactMerkleTree) o).frontier, frontier);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(size) * 31 + Arrays.hashCode(frontier);
    }

    @Override
    public String toString() {
        return "CompactMerkleTree[size=" + size + " root=" + root() + "]";
    }

    /**
     * A tree that appends in place: one frontier buffer of 63 hashes for its whole life, no allocation per leaf.
     * Every size and root is the one {@link CompactMerkleTree#append} gives for the same leaves. Not thread-safe.
     */
    public static final class Builder {
        private final byte[] frontier = new byte[(Long.SIZE - 1) * Hash.SIZE];
        private final byte[] scratch = new byte[1 + 2 * Hash.SIZE];
        private long size;
        private int count;

        private Builder(CompactMerkleTree start) {
            size = start.size;
            count = start.frontier.length / Hash.SIZE;
            System.arraycopy(start.frontier, 0, frontier, 0, start.frontier.length);
        }

        /**
         * Appends one leaf.
         *
         * @param leafData the leaf data (for a log tree: the chain entry hash)
         * @return this builder, one leaf larger
         */
        public Builder append(Hash leafData) {
            requireNonNull(leafData, "leafData");
            checkNotFull(size);
            count = appendTo(frontier, count, size, leafData, frontier, scratch);
            size++;
            return this;
        }

        /** @return the number of leaves */
        public long size() {
            return size;
        }

        /** @return the RFC 9162 root of the leaves so far, as {@link CompactMerkleTree#root()} */
        public Hash root() {
            return CompactMerkleTree.root(frontier, count);
        }

        /** @return the immutable tree of the leaves so far */
        public CompactMerkleTree build() {
            return size == 0 ? EMPTY : new CompactMerkleTree(size, Arrays.copyOf(frontier, count * Hash.SIZE));
        }
    }
}
