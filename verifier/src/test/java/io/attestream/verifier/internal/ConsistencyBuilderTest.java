package io.attestream.verifier.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.integrity.ConsistencyProof;
import io.attestream.integrity.Hash;
import io.attestream.integrity.MerkleTree;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsistencyBuilderTest {
    private static List<Hash> leaves(int n) {
        List<Hash> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Hash.sha256(("leaf-" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void streamsExactlyTheProofTheMerkleTreeGivesForEveryPairOfSizesUpTo40() {
        List<Hash> all = leaves(40);
        MerkleTree tree = MerkleTree.of(all);
        for (int n = 1; n <= 40; n++) {
            for (int m = 1; m <= n; m++) {
                ConsistencyBuilder b = new ConsistencyBuilder(m, n);
                for (int i = 0; i < all.size(); i++) {
                    b.offer(i, all.get(i));
                }
                ConsistencyProof p = b.proof().orElseThrow();
                assertThat(p).as("%d -> %d", m, n).isEqualTo(tree.consistencyProof(m, n));
                p.verify(m, tree.root(m), n, tree.root(n));
            }
        }
    }

    @Test
    void hasNoProofWhenALeafWasNotOffered() {
        List<Hash> all = leaves(13);
        ConsistencyBuilder b = new ConsistencyBuilder(5, 13);
        for (int i = 0; i < all.size(); i++) {
            if (i != 9) {
                b.offer(i, all.get(i));
            }
        }
        assertThat(b.proof()).isEmpty();
    }
}
