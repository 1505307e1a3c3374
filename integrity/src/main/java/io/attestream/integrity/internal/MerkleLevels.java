package io.attestream.integrity.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A full RFC 9162 tree over n leaf hashes, kept as levels of perfect aligned subtrees: level l
 * holds the hash of leaves [i * 2^l, (i + 1) * 2^l) at offset i * 32. Memory is about 64 bytes
 * per leaf; any MTH over a range reached by the RFC 9162 recursions costs O(log n).
 *
 * <p>The recursions of RFC 9162 §2.1.3.1 and §2.1.4.1 only visit ranges [lo, hi) whose lo is a
 * multiple of the largest power of two not above hi - lo, so the left part of every split is a
 * stored perfect subtree.
 */
public final class MerkleLevels {
    private final long size;
    private final byte[][] levels;

    /**
     * Builds the levels.
     *
     * @param leafHashes the RFC 9162 leaf hashes (already SHA-256(0x00 || data)), 32 bytes each,
     *     concatenated
     */
    public MerkleLevels(byte[] leafHashes) {
        if (leafHashes.length % Sha256.SIZE != 0) {
            throw new IllegalArgumentException("leaf hashes must be a multiple of 32 bytes");
        }
        this.size = leafHashes.length / Sha256.SIZE;
        List<byte[]> ls = new ArrayList<>();
        ls.add(leafHashes);
        byte[] cur = leafHashes;
        while (cur.length / Sha256.SIZE > 1) {
            int n = cur.length / Sha256.SIZE / 2;
            byte[] up = new byte[n * Sha256.SIZE];
            for (int i = 0; i < n; i++) {
                byte[] h = Sha256.node(cur, 2 * i * Sha256.SIZE, cur, (2 * i + 1) * Sha256.SIZE);
                System.arraycopy(h, 0, up, i * Sha256.SIZE, Sha256.SIZE);
            }
            ls.add(up);
            cur = up;
        }
        this.levels = ls.toArray(new byte[0][]);
    }

    /** @return the number of leaves */
    public long size() {
        return size;
    }

    /**
     * MTH(D[lo:hi]) for a range reached by the RFC recursions (lo aligned as described above).
     *
     * @param lo first leaf, inclusive
     * @param hi last leaf, exclusive; hi > lo
     * @return 32 bytes
     */
    public byte[] mth(long lo, long hi) {
        long n = hi - lo;
        if (Long.bitCount(n) == 1) {
            int level = Long.numberOfTrailingZeros(n);
            byte[] l = levels[level];
            int off = Math.toIntExact((lo >>> level) * Sha256.SIZE);
            byte[] out = new byte[Sha256.SIZE];
            System.arraycopy(l, off, out, 0, Sha256.SIZE);
            return out;
        }
        long k = Long.highestOneBit(n - 1);
        return Sha256.node(mth(lo, lo + k), mth(lo + k, hi));
    }

    /**
     * MTH of the first {@code treeSize} leaves; SHA-256("") for 0.
     *
     * @param treeSize 0..size
     * @return 32 bytes
     */
    public byte[] root(long treeSize) {
        check(treeSize <= size && treeSize >= 0, "tree size " + treeSize + " outside [0, " + size + "]");
        return treeSize == 0 ? Sha256.hash(new byte[0]) : mth(0, treeSize);
    }

    /**
     * RFC 9162 §2.1.3.1 PATH(m, D[0:n]).
     *
     * @param m leaf index
     * @param n tree size
     * @return the inclusion path, bottom-up
     */
    public List<byte[]> inclusionPath(long m, long n) {
        check(n <= size && m >= 0 && m < n, "leaf index " + m + " and tree size " + n + " invalid for "
                + size + " leaves");
        List<byte[]> out = new ArrayList<>();
        path(m, 0, n, out);
        return out;
    }

    private void path(long m, long lo, long hi, List<byte[]> out) {
        long n = hi - lo;
        if (n == 1) {
            return;
        }
        long k = Long.highestOneBit(n - 1);
        if (m < lo + k) {
            path(m, lo, lo + k, out);
            out.add(mth(lo + k, hi));
        } else {
            path(m, lo + k, hi, out);
            out.add(mth(lo, lo + k));
        }
    }

    /**
     * RFC 9162 §2.1.4.1 PROOF(m, D[0:n]); empty when m == n or m == 0.
     *
     * @param m the older tree size
     * @param n the newer tree size
     * @return the consistency path
     */
    public List<byte[]> consistencyPath(long m, long n) {
        check(n <= size && m >= 0 && m <= n, "tree sizes " + m + " and " + n + " invalid for " + size + " leaves");
        List<byte[]> out = new ArrayList<>();
        if (m > 0 && m < n) {
            subproof(m, 0, n, true, out);
        }
        return out;
    }

    private void subproof(long m, long lo, long hi, boolean complete, List<byte[]> out) {
        long n = hi - lo;
        if (m == n) {
            if (!complete) {
                out.add(mth(lo, hi));
            }
            return;
        }
        long k = Long.highestOneBit(n - 1);
        if (m <= k) {
            subproof(m, lo, lo + k, complete, out);
            out.add(mth(lo + k, hi));
        } else {
            subproof(m - k, lo + k, hi, false, out);
            out.add(mth(lo, lo + k));
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
