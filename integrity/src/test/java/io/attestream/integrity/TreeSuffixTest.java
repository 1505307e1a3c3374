package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Roots and consistency proofs from a frontier plus the later leaves equal those of the full tree. */
class TreeSuffixTest {
    private static List<Hash> leaves(int n) {
        List<Hash> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(Hash.sha256(("leaf-" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return l;
    }

    private static TreeSuffix suffix(List<Hash> all, int base, int size) {
        CompactMerkleTree t = CompactMerkleTree.empty();
        for (int i = 0; i < base; i++) {
            t = t.append(all.get(i));
        }
        TreeSuffix s = TreeSuffix.startingAt(t);
        for (int i = base; i < size; i++) {
            s.append(all.get(i));
        }
        return s;
    }

    @Test
    void everyRootAndProofFromEveryBaseUpTo40LeavesEqualsTheFullTrees() {
        List<Hash> all = leaves(40);
        MerkleTree full = MerkleTree.of(all);
        for (int base = 0; base <= 40; base++) {
            TreeSuffix s = suffix(all, base, 40);
            for (int m = base; m <= 40; m++) {
                assertThat(s.root(m)).isEqualTo(full.root(m));
                for (int n = m; n <= 40; n++) {
                    assertThat(s.consistencyProof(m, n)).as("base %d, %d -> %d", base, m, n)
                            .isEqualTo(full.consistencyProof(m, n));
                }
            }
            assertThat(s.consistencyProof(0, 40)).isEqualTo(full.consistencyProof(0, 40));
        }
    }

    @Property(tries = 200)
    void proofsVerifyAfterAdvancingTheBase(@ForAll @IntRange(min = 1, max = 300) int size,
            @ForAll @IntRange(min = 0, max = 300) int a, @ForAll @IntRange(min = 0, max = 300) int b) {
        List<Hash> all = leaves(size);
        int newBase = Math.min(a, size);
        int n = Math.max(newBase, Math.min(b, size));
        TreeSuffix s = suffix(all, 0, size);
        s.advanceBase(newBase);
        assertThat(s.baseSize()).isEqualTo(newBase);
        MerkleTree full = MerkleTree.of(all);
        ConsistencyProof p = s.consistencyProof(newBase, n);
        p.verify(newBase, full.root(newBase), n, full.root(n));
        assertThat(p).isEqualTo(full.consistencyProof(newBase, n));
    }

    @Test
    void refusesSizesBeforeTheBaseOrAfterTheLastLeaf() {
        TreeSuffix s = suffix(leaves(10), 6, 10);
        assertThatThrownBy(() -> s.consistencyProof(5, 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("6..10");
        assertThatThrownBy(() -> s.root(11)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.advanceBase(11)).isInstanceOf(IllegalArgumentException.class);
    }
}
