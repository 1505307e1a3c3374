package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Properties of the RFC 9162 tree, proofs and encodings over arbitrary append sequences. */
class MerklePropertiesTest {

    static List<Hash> leaves(long seed, int n) {
        List<Hash> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(Hash.sha256(ByteBuffer.allocate(12).putLong(seed).putInt(i).array()));
        }
        return out;
    }

    static Hash flip(Hash h, int bit) {
        byte[] b = h.toBytes();
        b[(bit >>> 3) % Hash.SIZE] ^= (byte) (1 << (bit & 7));
        return Hash.of(b);
    }

    static List<Hash> flipOne(List<Hash> path, int which, int bit) {
        List<Hash> out = new ArrayList<>(path);
        int i = which % path.size();
        out.set(i, flip(path.get(i), bit));
        return out;
    }

    @Property(tries = 200)
    void incrementalRootEqualsRootComputedFromScratch(@ForAll long seed, @ForAll @IntRange(max = 300) int n) {
        List<Hash> leaves = leaves(seed, n);
        MerkleTree full = MerkleTree.of(leaves);
        CompactMerkleTree t = CompactMerkleTree.empty();
        assertThat(t.root()).isEqualTo(full.root(0));
        for (int i = 0; i < n; i++) {
            t = t.append(leaves.get(i));
            assertThat(t.size()).isEqualTo(i + 1);
            assertThat(t.root()).isEqualTo(full.root(i + 1)).isEqualTo(MerkleTree.of(leaves.subList(0, i + 1)).root());
            assertThat(t.frontier()).hasSize(Long.bitCount(i + 1));
        }
    }

    @Property(tries = 200)
    void compactTreeSurvivesEncodingRoundTrip(@ForAll long seed, @ForAll @IntRange(max = 200) int n) {
        CompactMerkleTree t = CompactMerkleTree.empty();
        for (Hash h : leaves(seed, n)) {
            t = t.append(h);
        }
        CompactMerkleTree back = CompactMerkleTree.fromBytes(t.toBytes());
        assertThat(back).isEqualTo(t);
        assertThat(back.root()).isEqualTo(t.root());
        Hash extra = Hash.sha256(new byte[] {1});
        assertThat(back.append(extra).root()).isEqualTo(t.append(extra).root());
    }

    @Property(tries = 60)
    void everyInclusionProofOfEveryTreeSizeVerifies(@ForAll long seed, @ForAll @IntRange(min = 1, max = 70) int n) {
        List<Hash> leaves = leaves(seed, n);
        MerkleTree full = MerkleTree.of(leaves);
        for (int size = 1; size <= n; size++) {
            Hash root = full.root(size);
            for (int i = 0; i < size; i++) {
                InclusionProof p = full.inclusionProof(i, size);
                p.verify(leaves.get(i), size, root);
                assertThat(InclusionProof.fromJson(p.toJson())).isEqualTo(p);
            }
        }
    }

    @Property(tries = 60)
    void everyConsistencyProofBetweenAnyTwoSizesVerifies(@ForAll long seed, @ForAll @IntRange(max = 70) int n) {
        MerkleTree full = MerkleTree.of(leaves(seed, n));
        for (int s2 = 0; s2 <= n; s2++) {
            for (int s1 = 0; s1 <= s2; s1++) {
                ConsistencyProof p = full.consistencyProof(s1, s2);
                p.verify(s1, full.root(s1), s2, full.root(s2));
                assertThat(ConsistencyProof.fromJson(p.toJson())).isEqualTo(p);
            }
        }
    }

    @Property(tries = 1000)
    void flippingAnyBitOfLeafProofNodeOrRootFailsInclusion(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 300) int n, @ForAll @IntRange(max = 299) int index,
            @ForAll @IntRange(max = 255) int bit, @ForAll @IntRange(max = 100) int which) {
        List<Hash> leaves = leaves(seed, n);
        int i = index % n;
        MerkleTree full = MerkleTree.of(leaves);
        InclusionProof p = full.inclusionProof(i, n);
        Hash root = full.root();
        p.verify(leaves.get(i), n, root);
        assertThatThrownBy(() -> p.verify(flip(leaves.get(i), bit), n, root)).isInstanceOf(ProofInvalidException.class);
        assertThatThrownBy(() -> p.verify(leaves.get(i), n, flip(root, bit))).isInstanceOf(ProofInvalidException.class);
        if (!p.path().isEmpty()) {
            InclusionProof bad = new InclusionProof(i, n, flipOne(p.path(), which, bit));
            assertThatThrownBy(() -> bad.verify(leaves.get(i), n, root)).isInstanceOf(ProofInvalidException.class);
        }
    }

    @Property(tries = 1000)
    void flippingAnyBitOfProofNodeOrRootFailsConsistency(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 300) int n, @ForAll @IntRange(min = 1, max = 300) int first,
            @ForAll @IntRange(max = 255) int bit, @ForAll @IntRange(max = 200) int which) {
        int s1 = 1 + (first - 1) % n;
        MerkleTree full = MerkleTree.of(leaves(seed, n));
        ConsistencyProof p = full.consistencyProof(s1, n);
        Hash r1 = full.root(s1);
        Hash r2 = full.root(n);
        p.verify(s1, r1, n, r2);
        assertThatThrownBy(() -> p.verify(s1, flip(r1, bit), n, r2)).isInstanceOf(ProofInvalidException.class);
        assertThatThrownBy(() -> p.verify(s1, r1, n, flip(r2, bit))).isInstanceOf(ProofInvalidException.class);
        if (!p.path().isEmpty()) {
            ConsistencyProof bad = new ConsistencyProof(s1, n, flipOne(p.path(), which, bit));
            assertThatThrownBy(() -> bad.verify(s1, r1, n, r2)).isInstanceOf(ProofInvalidException.class);
        }
    }
}
