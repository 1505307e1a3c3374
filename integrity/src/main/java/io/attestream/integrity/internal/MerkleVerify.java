package io.attestream.integrity.internal;

import java.security.MessageDigest;
import java.util.List;

/** The RFC 9162 §2.1.3.2 and §2.1.4.2 verification algorithms, transcribed step by step. */
public final class MerkleVerify {
    private MerkleVerify() {
    }

    /**
     * Recomputes the root from an inclusion path (§2.1.3.2 steps 1-5).
     *
     * @param leafIndex the leaf index
     * @param treeSize the tree size
     * @param leafHash the RFC 9162 leaf hash
     * @param path the inclusion path
     * @return null when the path is structurally wrong for (leafIndex, treeSize); else the root
     */
    public static byte[] rootFromInclusion(long leafIndex, long treeSize, byte[] leafHash, List<byte[]> path) {
        if (leafIndex < 0 || leafIndex >= treeSize) {
            return null;
        }
        long fn = leafIndex;
        long sn = treeSize - 1;
        byte[] r = leafHash;
        for (byte[] p : path) {
            if (sn == 0) {
                return null;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = Sha256.node(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>>= 1;
                        sn >>>= 1;
                    }
                }
            } else {
                r = Sha256.node(r, p);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        return sn == 0 ? r : null;
    }

    /**
     * Verifies a consistency path (§2.1.4.2), with the cases RFC 9162 leaves to the caller:
     * size1 == size2 needs an empty path and equal roots; size1 == 0 needs an empty path and
     * root1 = SHA-256("").
     *
     * @param size1 older size
     * @param size2 newer size
     * @param root1 older root
     * @param root2 newer root
     * @param path the consistency path
     * @return true when the proof verifies
     */
    public static boolean consistent(long size1, long size2, byte[] root1, byte[] root2, List<byte[]> path) {
        if (size1 < 0 || size1 > size2) {
            return false;
        }
        if (size1 == size2) {
            return path.isEmpty() && MessageDigest.isEqual(root1, root2);
        }
        if (size1 == 0) {
            return path.isEmpty() && MessageDigest.isEqual(root1, Sha256.hash(new byte[0]));
        }
        if (path.isEmpty()) {
            return false;
        }
        int i = 0;
        byte[] first;
        if (Long.bitCount(size1) == 1) {
            first = root1;
        } else {
            first = path.get(i++);
        }
        long fn = size1 - 1;
        long sn = size2 - 1;
        while ((fn & 1) == 1) {
            fn >>>= 1;
            sn >>>= 1;
        }
        byte[] fr = first;
        byte[] sr = first;
        for (; i < path.size(); i++) {
            byte[] c = path.get(i);
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = Sha256.node(c, fr);
                sr = Sha256.node(c, sr);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>>= 1;
                        sn >>>= 1;
                    }
                }
            } else {
                sr = Sha256.node(sr, c);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(fr, root1) && MessageDigest.isEqual(sr, root2);
    }
}
