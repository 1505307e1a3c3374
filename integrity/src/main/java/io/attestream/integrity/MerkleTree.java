package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.MerkleLevels;
import io.attestream.integrity.internal.Sha256;
import java.util.ArrayList;
import java.util.List;

/**
 * A full RFC 9162 tree over a list of leaf data held in memory, for whoever has every leaf
 * (the verifier, a proof server): roots of any prefix, inclusion proofs (§2.1.3.1) and
 * consistency proofs (§2.1.4.1). Building costs one leaf and about one node hash per leaf and
 * about 64 bytes of memory per leaf; every root or proof afterwards costs O(log n). One instance
 * holds at most 2^26 (67 million) leaves. To check a whole log against a checkpoint, stream the
 * recomputed entry hashes into a {@link CompactMerkleTree} instead: O(log n) memory, any size.
 */
public final class MerkleTree {
    private final MerkleLevels levels;

    private MerkleTree(MerkleLevels levels) {
        this.levels = levels;
    }

    /**
     * Builds the tree; leaf i's leaf hash is SHA-256(0x00 || leafData.get(i)).
     *
     * @param leafData the leaf data in order (for a log: chain entry hashes by seq)
     * @return the tree
     */
    public static MerkleTree of(List<Hash> leafData) {
        requireNonNull(leafData, "leafData");
        byte[] leaves = new byte[Math.multiplyExact(leafData.size(), Hash.SIZE)];
        int off = 0;
        for (Hash d : leafData) {
            byte[] h = Sha256.leaf(requireNonNull(d, "leafData element").unsafeBytes(), 0, Hash.SIZE);
            System.arraycopy(h, 0, leaves, off, Hash.SIZE);
            off += Hash.SIZE;
        }
        return new MerkleTree(new MerkleLevels(leaves));
    }

    /**
     * The number of leaves.
     *
     * @return the size
     */
    public long size() {
        return levels.size();
    }

    /**
     * The root of the whole tree.
     *
     * @return MTH(D[0:size])
     */
    public Hash root() {
        return root(size());
    }

    /**
     * The root of the tree formed by the first treeSize leaves.
     *
     * @param treeSize 0..size()
     * @return MTH(D[0:treeSize]); SHA-256("") for 0
     */
    public Hash root(long treeSize) {
        return Hash.wrap(levels.root(treeSize));
    }

    /**
     * The inclusion proof of leaf {@code leafIndex} in the tree of the first {@code treeSize} leaves.
     *
     * @param leafIndex 0..treeSize-1
     * @param treeSize 1..size()
     * @return the proof
     * @throws IllegalArgumentException when the indices are out of range
     */
    public InclusionProof inclusionProof(long leafIndex, long treeSize) {
        return new InclusionProof(leafIndex, treeSize, wrap(levels.inclusionPath(leafIndex, treeSize)));
    }

    /**
     * The consistency proof between the trees of the first size1 and size2 leaves.
     *
     * @param size1 0..size2
     * @param size2 size1..size()
     * @return the proof (empty path when size1 is 0 or equals size2)
     * @throws IllegalArgumentException when the sizes are out of range
     */
    public ConsistencyProof consistencyProof(long size1, long size2) {
        return new ConsistencyProof(size1, size2, wrap(levels.consistencyPath(size1, size2)));
    }

    private static List<Hash> wrap(List<byte[]> path) {
        List<Hash> out = new ArrayList<>(path.size());
        for (byte[] p : path) {
            out.add(Hash.wrap(p));
        }
        return out;
    }
}
