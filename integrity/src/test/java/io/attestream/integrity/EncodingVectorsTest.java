package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Binary encodings and proof JSON against vectors/encodings.tsv and vectors/proofs.jsonl (generate.py). */
class EncodingVectorsTest {

    private static List<Hash> leaves() {
        List<Hash> out = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            out.add(Vectors.leaf(i));
        }
        return out;
    }

    @Test
    void compactTreeAndChainHeadEncodingsMatchVectors() {
        List<Hash> leaves = leaves();
        MerkleTree full = MerkleTree.of(leaves);
        Hash thirdEntry = Hash.fromHex(Vectors.rows("chain.tsv").get(2)[7]);
        int trees = 0;
        int heads = 0;
        for (String[] r : Vectors.rows("encodings.tsv")) {
            long n = Long.parseLong(r[1]);
            byte[] expected = Vectors.hex(r[2]);
            if (r[0].equals("compact-tree")) {
                CompactMerkleTree t = CompactMerkleTree.empty();
                for (int i = 0; i < n; i++) {
                    t = t.append(leaves.get(i));
                }
                assertThat(t.toBytes()).as("compact tree of size %d", n).isEqualTo(expected);
                assertThat(CompactMerkleTree.fromBytes(expected).root()).isEqualTo(full.root(n));
                trees++;
            } else {
                ChainHead h = ChainHead.fromBytes(expected);
                assertThat(h.log()).isEqualTo(LogId.of("acme", "agent-1"));
                assertThat(h.nextSeq()).isEqualTo(n);
                assertThat(h.hash()).isEqualTo(n == 0 ? h.log().genesisHash() : thirdEntry);
                assertThat(h.toBytes()).isEqualTo(expected);
                heads++;
            }
        }
        assertThat(trees).isEqualTo(18);
        assertThat(heads).isEqualTo(2);
    }

    @Test
    void proofJsonMatchesVectorsByteForByteAndVerifies() throws IOException {
        List<Hash> leaves = leaves();
        MerkleTree full = MerkleTree.of(leaves);
        String text;
        try (InputStream in = getClass().getResourceAsStream("/vectors/proofs.jsonl")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int checked = 0;
        for (String line : text.split("\n")) {
            if (line.contains("\"leaf_index\"")) {
                InclusionProof p = InclusionProof.fromJson(line);
                assertThat(p.toJson()).isEqualTo(line);
                assertThat(p).isEqualTo(full.inclusionProof(p.leafIndex(), p.treeSize()));
                p.verify(leaves.get((int) p.leafIndex()), p.treeSize(), full.root(p.treeSize()));
            } else {
                ConsistencyProof p = ConsistencyProof.fromJson(line);
                assertThat(p.toJson()).isEqualTo(line);
                assertThat(p).isEqualTo(full.consistencyProof(p.size1(), p.size2()));
                p.verify(p.size1(), full.root(p.size1()), p.size2(), full.root(p.size2()));
            }
            checked++;
        }
        assertThat(checked).isEqualTo(9);
    }
}
