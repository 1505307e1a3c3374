package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.Sha256;
import java.util.ArrayList;
import java.util.List;

/**
 * A log's Merkle tree known only as its frontier at a base size (a {@link CompactMerkleTree}, what the chainer
 * stores) plus every leaf appended after it. That is enough for the root at any size {@code >= base} and for
 * RFC 9162 consistency proofs between any two sizes {@code base <= m <= n}: every subtree such a proof names
 * either lies right of the base (hashed from the leaves) or is a frontier node of the base, or is made of
 * frontier nodes and leaves. So a witness submitter needs memory only for the leaves after the smallest
 * size its witnesses accepted, and {@link #advanceBase} drops the rest.
 *
 * <p>Mutable and not thread-safe (a working structure, not integrity data): one owner appends and asks.
 */
public final class TreeSuffix {
    private CompactMerkleTree base;
    private List<Hash> leaves = new ArrayList<>();

    private TreeSuffix(CompactMerkleTree base) {
        this.base = base;
    }

    /**
     * Starts from a tree's frontier.
     *
     * @param base the tree at the base size
     * @return a suffix with no leaves after the base yet
     */
    public static TreeSuffix startingAt(CompactMerkleTree base) {
        return new TreeSuffix(requireNonNull(base, "base"));
    }

    /**
     * Appends the next leaf.
     *
     * @param leafData the leaf data (the chain entry hash of seq {@link #size()})
     */
    public void append(Hash leafData) {
        leaves.add(requireNonNull(leafData, "leafData"));
    }

    /**
     * The tree at the base size (what a durable copy of this suffix stores, with {@link #leaves()}).
     *
     * @return the compact tree of size {@link #baseSize()}
     */
    public CompactMerkleTree base() {
        return base;
    }

    /**
     * The leaves after the base.
     *
     * @return leaf data of sizes {@link #baseSize()} .. {@link #size()} - 1, a copy
     */
    public List<Hash> leaves() {
        return List.copyOf(leaves);
    }

    /**
     * The base size: proofs and roots are available for sizes from here on.
     *
     * @return the base size
     */
    public long baseSize() {
        return base.size();
    }

    /**
     * The number of leaves known.
     *
     * @return base size + leaves appended
     */
    public long size() {
        return base.size() + leaves.size();
    }

    /**
     * The RFC 9162 root at a size.
     *
     * @param n base size <= n <= size
     * @return MTH(D[n])
     */
    public Hash root(long n) {
        checkRange(n, n);
        return n == 0 ? Hash.empty() : Hash.wrap(mth(0, n));
    }

    /**
     * The RFC 9162 §2.1.4.1 consistency proof {@code PROOF(m, D[n])}.
     *
     * @param m the older size, base size <= m (or 0)
     * @param n the newer size, m <= n <= size
     * @return the proof; empty when m is 0 or m = n
     */
    public ConsistencyProof consistencyProof(long m, long n) {
        if (m != 0) {
            checkRange(m, n);
        } else {
            checkRange(n, n);
        }
        List<Hash> path = new ArrayList<>();
        if (m != 0 && m != n) {
            subproof(m, 0, n, true, path);
        }
        return new ConsistencyProof(m, n, path);
    }

    /**
     * Moves the base forward, forgetting the leaves before it.
     *
     * @param newBase base size <= newBase <= size
     */
    public void advanceBase(long newBase) {
        checkRange(newBase, newBase);
        int drop = (int) (newBase - base.size());
        CompactMerkleTree b = base;
        for (int i = 0; i < drop; i++) {
            b = b.append(leaves.get(i));
        }
        base = b;
        leaves = new ArrayList<>(leaves.subList(drop, leaves.size()));
    }

    private void checkRange(long m, long n) {
        if (m < base.size() || m > n || n > size()) {
            throw new IllegalArgumentException("sizes " + m + ".." + n + " are outside the known range " + base.size()
                    + ".." + size() + " of this tree suffix");
        }
    }

    // RFC 9162 SUBPROOF(m, D[lo:hi], b), m relative to lo.
    private void subproof(long m, long lo, long hi, boolean b, List<Hash> out) {
        long n = hi - lo;
        if (m == n) {
            if (!b) {
                out.add(Hash.wrap(mth(lo, hi)));
            }
            return;
        }
        long k = Long.highestOneBit(n - 1);
        if (m <= k) {
            subproof(m, lo, lo + k, b, out);
            out.add(Hash.wrap(mth(lo + k, hi)));
        } else {
            subproof(m - k, lo + k, hi, false, out);
            out.add(Hash.wrap(mth(lo, lo + k)));
        }
    }

    // MTH(D[lo:hi]) for the ranges RFC 9162 recursion produces (lo is a multiple of a power of two >= hi - lo).
    private byte[] mth(long lo, long hi) {
        long n = hi - lo;
        long b = base.size();
        if (lo >= b && n == 1) {
            byte[] d = leaves.get((int) (lo - b)).toBytes();
            return Sha256.leaf(d, 0, d.length);
        }
        if (hi <= b && Long.bitCount(n) == 1) {
            return frontierNode(lo, hi);
        }
        // Not a single node: split as RFC 9162 does (perfect left part of the largest power of two < n).
        long k = Long.highestOneBit(n - 1);
        return Sha256.node(mth(lo, lo + k), mth(lo + k, hi));
    }

    private byte[] frontierNode(long lo, long hi) {
        // Frontier node i covers [start_i, start_i + 2^bit_i) for the set bits of the base size, high to low.
        long start = 0;
        List<Hash> f = base.frontier();
        int i = 0;
        for (int bit = 63; bit >= 0; bit--) {
            long w = 1L << bit;
            if ((base.size() & w) == 0) {
                continue;
            }
            if (start == lo && start + w == hi) {
                return f.get(i).toBytes();
            }
            if (lo >= start && hi <= start + w) {
                break;
            }
            start += w;
            i++;
        }
        throw new IllegalStateException("subtree [" + lo + ", " + hi + ") is inside a frontier node of the base "
                + base.size() + ": not computable (a proof from a size >= the base never needs it)");
    }
}
