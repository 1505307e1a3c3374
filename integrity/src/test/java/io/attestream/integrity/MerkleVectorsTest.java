package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks the library against vectors computed by an independent implementation (vectors/generate.py). */
class MerkleVectorsTest {
    private static final int N = 17;

    private static List<Hash> leaves() {
        List<Hash> out = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            out.add(Vectors.leaf(i));
        }
        return out;
    }

    @Test
    void emptyTreeRootIsSha256OfEmptyString() {
        Hash expected = Hash.fromHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(CompactMerkleTree.empty().root()).isEqualTo(expected);
        assertThat(MerkleTree.of(List.of()).root()).isEqualTo(expected);
    }

    @Test
    void rootsMatchIndependentlyComputedVectorsIncrementallyAndFromScratch() {
        List<String[]> rows = Vectors.rows("merkle-roots.tsv");
        assertThat(rows).hasSize(N + 1);
        List<Hash> leaves = leaves();
        MerkleTree full = MerkleTree.of(leaves);
        CompactMerkleTree compact = CompactMerkleTree.empty();
        for (String[] r : rows) {
            int size = Integer.parseInt(r[0]);
            Hash expected = Hash.fromHex(r[1]);
            while (compact.size() < size) {
                compact = compact.append(leaves.get((int) compact.size()));
            }
            assertThat(compact.root()).as("incremental root of size %d", size).isEqualTo(expected);
            assertThat(full.root(size)).as("root of size %d", size).isEqualTo(expected);
            assertThat(MerkleTree.of(leaves.subList(0, size)).root()).isEqualTo(expected);
        }
    }

    @Test
    void inclusionProofsMatchVectorsAndVerify() {
        List<Hash> leaves = leaves();
        MerkleTree full = MerkleTree.of(leaves);
        List<String[]> rows = Vectors.rows("merkle-inclusion.tsv");
        assertThat(rows).hasSize(N * (N + 1) / 2);
        for (String[] r : rows) {
            long index = Long.parseLong(r[0]);
            long size = Long.parseLong(r[1]);
            List<Hash> expected = Vectors.hashes(r[2]);
            InclusionProof p = full.inclusionProof(index, size);
            assertThat(p.path()).as("path of %d in %d", index, size).isEqualTo(expected);
            new InclusionProof(index, size, expected).verify(leaves.get((int) index), size, full.root(size));
        }
    }

    @Test
    void consistencyProofsMatchVectorsAndVerify() {
        List<Hash> leaves = leaves();
        MerkleTree full = MerkleTree.of(leaves);
        List<String[]> rows = Vectors.rows("merkle-consistency.tsv");
        assertThat(rows).hasSize((N + 1) * (N + 2) / 2);
        for (String[] r : rows) {
            long m = Long.parseLong(r[0]);
            long n = Long.parseLong(r[1]);
            List<Hash> expected = Vectors.hashes(r[2]);
            assertThat(full.consistencyProof(m, n).path()).as("proof %d -> %d", m, n).isEqualTo(expected);
            new ConsistencyProof(m, n, expected).verify(m, full.root(m), n, full.root(n));
        }
    }

    @Test
    void rejectsInclusionProofForAnotherLeaf() {
        List<Hash> leaves = leaves();
        MerkleTree full = MerkleTree.of(leaves);
        InclusionProof p = full.inclusionProof(3, 11);
        assertThatThrownBy(() -> p.verify(leaves.get(4), 11, full.root(11)))
                .isInstanceOf(ProofInvalidException.class)
                .hasMessageContaining("leaf 3 in tree size 11");
    }

    @Test
    void rejectsInclusionProofWithWrongTreeSizeOrIndex() {
        List<Hash> leaves = leaves();
        MerkleTree full = MerkleTree.of(leaves);
        InclusionProof p = full.inclusionProof(5, 13);
        // Leaf 5's path is the same shape in trees of 12 and 13 leaves: only the trusted size catches this.
        assertThat(new InclusionProof(5, 12, p.path()).computeRoot(leaves.get(5))).isEqualTo(full.root(13));
        assertThatThrownBy(() -> new InclusionProof(5, 12, p.path()).verify(leaves.get(5), 13, full.root(13)))
                .isInstanceOf(ProofInvalidException.class).hasMessageContaining("tree size 12");
        assertThatThrownBy(() -> new InclusionProof(4, 13, p.path()).verify(leaves.get(5), 13, full.root(13)))
                .isInstanceOf(ProofInvalidException.class);
    }

    @Test
    void rejectsProofWithExtraOrMissingNodes() {
        List<Hash> leaves = leaves();
        MerkleTree full = MerkleTree.of(leaves);
        InclusionProof p = full.inclusionProof(5, 13);
        List<Hash> longer = new ArrayList<>(p.path());
        longer.add(leaves.get(0));
        assertThatThrownBy(() -> new InclusionProof(5, 13, longer).verify(leaves.get(5), 13, full.root(13)))
                .isInstanceOf(ProofInvalidException.class);
        assertThatThrownBy(() -> new InclusionProof(5, 13, p.path().subList(0, p.path().size() - 1))
                .verify(leaves.get(5), 13, full.root(13))).isInstanceOf(ProofInvalidException.class);
        ConsistencyProof c = full.consistencyProof(6, 13);
        assertThatThrownBy(() -> new ConsistencyProof(6, 13, c.path().subList(1, c.path().size()))
                .verify(6, full.root(6), 13, full.root(13))).isInstanceOf(ProofInvalidException.class);
    }

    @Test
    void rejectsConsistencyBetweenDivergentTrees() {
        List<Hash> leaves = leaves();
        List<Hash> forked = new ArrayList<>(leaves);
        forked.set(2, Vectors.leaf(99));
        MerkleTree a = MerkleTree.of(leaves);
        MerkleTree b = MerkleTree.of(forked);
        ConsistencyProof proof = b.consistencyProof(5, 12);
        assertThatThrownBy(() -> proof.verify(5, a.root(5), 12, b.root(12))).isInstanceOf(ProofInvalidException.class);
    }

    @Test
    void rejectsEmptyTreeConsistencyWithNonEmptyRoot() {
        MerkleTree a = MerkleTree.of(leaves());
        new ConsistencyProof(0, 7, List.of()).verify(0, Hash.empty(), 7, a.root(7));
        assertThatThrownBy(() -> new ConsistencyProof(0, 7, List.of()).verify(0, a.root(1), 7, a.root(7)))
                .isInstanceOf(ProofInvalidException.class);
        assertThatThrownBy(() -> new ConsistencyProof(7, 7, List.of()).verify(7, a.root(7), 7, a.root(8)))
                .isInstanceOf(ProofInvalidException.class);
    }
}
