package io.attestream.verifier.internal;

import io.attestream.integrity.CompactMerkleTree;
import io.attestream.integrity.ConsistencyProof;
import io.attestream.integrity.Hash;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Builds the RFC 9162 §2.1.4.1 consistency proof {@code PROOF(m, D[n])} while the leaves stream past, in memory
 * logarithmic in n: the proof is the roots of disjoint leaf ranges (SUBPROOF's {@code MTH(D[a:b])} nodes), so each
 * leaf feeds at most one small compact tree.
 */
final class ConsistencyBuilder {
    private final long size1;
    private final long size2;
    /** Ranges [start, end) in proof order. */
    private final List<long[]> ranges = new ArrayList<>();
    /** Indexes into {@link #ranges} by ascending start. */
    private final List<Integer> byStart = new ArrayList<>();
    private final CompactMerkleTree[] trees;
    private int next;

    /**
     * @param size1 the older size, at least 1
     * @param size2 the newer size, at least size1
     */
    ConsistencyBuilder(long size1, long size2) {
        if (size1 < 1 || size2 < size1) {
            throw new IllegalArgumentException("consistency proof from " + size1 + " to " + size2);
        }
        this.size1 = size1;
        this.size2 = size2;
        subproof(size1, 0, size2, true);
        for (int i = 0; i < ranges.size(); i++) {
            byStart.add(i);
        }
        byStart.sort(Comparator.comparingLong(i -> ranges.get(i)[0]));
        trees = new CompactMerkleTree[ranges.size()];
        java.util.Arrays.fill(trees, CompactMerkleTree.empty());
    }

    private void subproof(long m, long a, long b, boolean complete) {
        long size = b - a;
        if (m == size) {
            if (!complete) {
                ranges.add(new long[] {a, b});
            }
            return;
        }
        long k = Long.highestOneBit(size - 1);
        if (m <= k) {
            subproof(m, a, a + k, complete);
            ranges.add(new long[] {a + k, b});
        } else {
            subproof(m - k, a + k, b, false);
            ranges.add(new long[] {a, a + k});
        }
    }

    /**
     * The next leaf.
     *
     * @param index its index, ascending across calls
     * @param leafData the entry hash
     */
    void offer(long index, Hash leafData) {
        while (next < byStart.size() && ranges.get(byStart.get(next))[1] <= index) {
            next++;
        }
        if (next < byStart.size() && ranges.get(byStart.get(next))[0] <= index) {
            int r = byStart.get(next);
            trees[r] = trees[r].append(leafData);
        }
    }

    /**
     * The proof, once every leaf below size2 was offered.
     *
     * @return the proof; empty when a leaf is missing
     */
    Optional<ConsistencyProof> proof() {
        List<Hash> path = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            if (trees[i].size() != ranges.get(i)[1] - ranges.get(i)[0]) {
                return Optional.empty();
            }
            path.add(trees[i].root());
        }
        return Optional.of(new ConsistencyProof(size1, size2, path));
    }
}
