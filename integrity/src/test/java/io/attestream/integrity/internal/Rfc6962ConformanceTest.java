package io.attestream.integrity.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.integrity.Vectors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tree algorithms against the published RFC 6962 reference vectors (vectors/rfc6962-ct.tsv), whose
 * leaves are byte strings of any length, so this test drives the internal algorithms with raw leaves.
 */
class Rfc6962ConformanceTest {

    private static List<byte[]> leaves() {
        String cell = Vectors.rows("rfc6962-ct.tsv").stream().filter(r -> r[0].equals("leaves")).findFirst()
                .orElseThrow()[3];
        List<byte[]> out = new ArrayList<>();
        for (String hex : cell.split(",", -1)) {
            out.add(Vectors.hex(hex));
        }
        assertThat(out).hasSize(8);
        return out;
    }

    private static MerkleLevels tree(List<byte[]> leaves) {
        byte[] flat = new byte[leaves.size() * Sha256.SIZE];
        for (int i = 0; i < leaves.size(); i++) {
            System.arraycopy(Sha256.leaf(leaves.get(i), 0, leaves.get(i).length), 0, flat, i * Sha256.SIZE,
                    Sha256.SIZE);
        }
        return new MerkleLevels(flat);
    }

    private static List<String> hex(List<byte[]> path) {
        return path.stream().map(Vectors::hexOf).toList();
    }

    private static List<String> cells(String cell) {
        return cell.equals("-") ? List.of() : List.of(cell.split(","));
    }

    @Test
    void matchesPublishedRootsInclusionAndConsistencyVectors() {
        List<byte[]> leaves = leaves();
        MerkleLevels tree = tree(leaves);
        int checked = 0;
        for (String[] r : Vectors.rows("rfc6962-ct.tsv")) {
            switch (r[0]) {
                case "leaves":
                    break;
                case "root": {
                    int n = Integer.parseInt(r[1]);
                    assertThat(Vectors.hexOf(tree.root(n))).as("root of %d", n).isEqualTo(r[3]);
                    checked++;
                    break;
                }
                case "inclusion": {
                    long m = Long.parseLong(r[1]);
                    long n = Long.parseLong(r[2]);
                    assertThat(hex(tree.inclusionPath(m, n))).isEqualTo(cells(r[3]));
                    byte[] leaf = Sha256.leaf(leaves.get((int) m), 0, leaves.get((int) m).length);
                    assertThat(MerkleVerify.rootFromInclusion(m, n, leaf, tree.inclusionPath(m, n)))
                            .isEqualTo(tree.root(n));
                    checked++;
                    break;
                }
                case "consistency": {
                    long m = Long.parseLong(r[1]);
                    long n = Long.parseLong(r[2]);
                    assertThat(hex(tree.consistencyPath(m, n))).isEqualTo(cells(r[3]));
                    assertThat(MerkleVerify.consistent(m, n, tree.root(m), tree.root(n), tree.consistencyPath(m, n)))
                            .isTrue();
                    checked++;
                    break;
                }
                default:
                    throw new IllegalStateException("unknown vector kind " + r[0]);
            }
        }
        assertThat(checked).isEqualTo(16);
    }
}
