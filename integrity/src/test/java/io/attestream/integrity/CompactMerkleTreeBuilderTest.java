package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-place builder against the immutable tree it stands in for: same sizes, roots and encodings. */
class CompactMerkleTreeBuilderTest {

    private static void assertSame(CompactMerkleTree.Builder b, CompactMerkleTree t) {
        assertThat(b.size()).isEqualTo(t.size());
        assertThat(b.root()).isEqualTo(t.root());
        assertThat(b.build()).isEqualTo(t);
        assertThat(b.build().toBytes()).isEqualTo(t.toBytes());
    }

    @Test
    void builderGivesTheSizeRootAndEncodingOfAppendAtEverySizeUpTo2100() {
        List<Hash> leaves = MerklePropertiesTest.leaves(7, 2100);
        CompactMerkleTree t = CompactMerkleTree.empty();
        CompactMerkleTree.Builder b = t.toBuilder();
        assertSame(b, t);
        for (Hash leaf : leaves) {
            t = t.append(leaf);
            b.append(leaf);
            assertSame(b, t);
        }
        assertThat(b.root()).isEqualTo(MerkleTree.of(leaves).root());
    }

    @Test
    void builderStartedFromAnyTreeContinuesAsAppendDoes() {
        // Large decoded sizes reach frontiers of up to 62 hashes and merges of up to 40 levels.
        for (long size : new long[] {1, 2, 3, 1023, 1024, 1025, (1L << 40) - 1, (1L << 40) + 5, Long.MAX_VALUE - 300,
                (Long.MAX_VALUE >>> 1) - 3}) {
            ByteBuffer enc = ByteBuffer.allocate(9 + Long.bitCount(size) * Hash.SIZE).put((byte) 1).putLong(size);
            for (Hash h : MerklePropertiesTest.leaves(size, Long.bitCount(size))) {
                enc.put(h.toBytes());
            }
            CompactMerkleTree t = CompactMerkleTree.fromBytes(enc.array());
            CompactMerkleTree.Builder b = t.toBuilder();
            for (Hash leaf : MerklePropertiesTest.leaves(~size, 300)) {
                t = t.append(leaf);
                b.append(leaf);
                assertSame(b, t);
            }
        }
    }

    @Test
    void treesBuiltEarlierDoNotChangeWhenTheBuilderAppends() {
        CompactMerkleTree.Builder b = CompactMerkleTree.empty().toBuilder();
        List<Hash> leaves = MerklePropertiesTest.leaves(3, 64);
        leaves.subList(0, 31).forEach(b::append);
        CompactMerkleTree at31 = b.build();
        byte[] before = at31.toBytes();
        leaves.subList(31, 64).forEach(b::append);
        assertThat(at31.toBytes()).isEqualTo(before);
        assertThat(b.build()).isEqualTo(CompactMerkleTree.fromBytes(b.build().toBytes()));
    }

    @Test
    void builderRefusesALeafPastTheLargestSize() {
        ByteBuffer enc = ByteBuffer.allocate(9 + 63 * Hash.SIZE).put((byte) 1).putLong(Long.MAX_VALUE);
        CompactMerkleTree.Builder b = CompactMerkleTree.fromBytes(enc.array()).toBuilder();
        assertThatThrownBy(() -> b.append(Hash.empty())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("full");
    }
}
