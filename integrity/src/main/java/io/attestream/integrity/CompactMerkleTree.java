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
        if (size == Long.MAX_VALUE) {
            throw new IllegalStateException("Merkle tree is full");
        }
        int k = frontier.length / Hash.SIZE;
        int merges = Long.numberOfTrailingZeros(~size);
        int keep = (k - merges) * Hash.SIZE;
        byte[] next = new byte[keep + Hash.SIZE];
        System.arraycopy(frontier, 0, next, 0, keep);
        // One digest and one 65-byte scratch (0x01 || left || right) for the whole append: no per-hash
        // allocation, which matters when the whole append costs about one SHA-256 of an event.
        MessageDigest md = Sha256.digest();
        byte[] scratch = new byte[1 + 2 * Hash.SIZE];
        scratch[0] = 0x01;
        md.update((byte) 0x00);
        md.update(leafData.unsafeBytes());
        finish(md, scratch, 1 + Hash.SIZE);
        for (int i = k - 1; i >= k - merges; i--) {
            System.arraycopy(frontier, i * Hash.SIZE, scratch, 1, Hash.SIZE);
            md.update(scratch);
            finish(md, scratch, 1 + Hash.SIZE);
        }
        System.arraycopy(scratch, 1 + Hash.SIZE, next, keep, Hash.SIZE);
        return new CompactMerkleTree(size + 1, next);
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
        int k = frontier.length / Hash.SIZE;
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
}
