package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.MerkleVerify;
import io.attestream.integrity.internal.ProofJson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An RFC 9162 §2.1.4 consistency proof: the tree of size {@code size1} is a prefix of the tree of
 * size {@code size2}. The path is empty when size1 is 0 or equals size2.
 *
 * <p>JSON form (docs/integrity.md): {@code {"version":1,"tree_size_1":N,"tree_size_2":N,
 * "consistency_path":["<base64>",...]}}.
 *
 * @param size1 the older tree size
 * @param size2 the newer tree size
 * @param path the proof hashes
 */
public record ConsistencyProof(long size1, long size2, List<Hash> path) {
    /** Longest possible path for trees of up to 2^63 - 1 leaves. */
    public static final int MAX_PATH = 2 * 63;

    /**
     * Validates ranges and copies the path.
     *
     * @throws IllegalArgumentException when 0 <= size1 <= size2 does not hold or the path is too long
     */
    public ConsistencyProof {
        requireNonNull(path, "path");
        path = List.copyOf(path);
        if (size1 < 0 || size1 > size2) {
            throw new IllegalArgumentException("consistency proof needs 0 <= size1 <= size2, got " + size1 + ", " + size2);
        }
        if (path.size() > MAX_PATH) {
            throw new IllegalArgumentException("consistency path of " + path.size() + " hashes is too long");
        }
    }

    /**
     * Verifies that root1 (of a tree of treeSize1 leaves) and root2 (of treeSize2 leaves) are
     * roots of the same append-only log (RFC 9162 §2.1.4.2). Sizes and roots MUST come from
     * trusted sources (verified checkpoints); the sizes the proof claims are checked against them.
     *
     * @param treeSize1 the older size
     * @param root1 the older root
     * @param treeSize2 the newer size
     * @param root2 the newer root
     * @throws ProofInvalidException when the proof does not verify
     */
    public void verify(long treeSize1, Hash root1, long treeSize2, Hash root2) {
        requireNonNull(root1, "root1");
        requireNonNull(root2, "root2");
        if (treeSize1 != size1 || treeSize2 != size2) {
            throw new ProofInvalidException("consistency proof is for tree sizes " + size1 + " -> " + size2
                    + " but the trusted roots are of sizes " + treeSize1 + " -> " + treeSize2);
        }
        if (!MerkleVerify.consistent(size1, size2, root1.unsafeBytes(), root2.unsafeBytes(),
                InclusionProof.raw(path))) {
            throw new ProofInvalidException("consistency proof from tree size " + size1 + " (root " + root1
                    + ") to tree size " + size2 + " (root " + root2 + ") does not verify");
        }
    }

    /**
     * The JSON form.
     *
     * @return compact JSON
     */
    public String toJson() {
        Map<String, Long> n = new LinkedHashMap<>();
        n.put("tree_size_1", size1);
        n.put("tree_size_2", size2);
        return ProofJson.write(n, "consistency_path", path.stream().map(Hash::base64).toList());
    }

    /**
     * Parses the JSON form strictly.
     *
     * @param json the text
     * @return the proof
     * @throws MalformedDataException when json does not follow the documented format
     */
    public static ConsistencyProof fromJson(String json) {
        requireNonNull(json, "json");
        try {
            ProofJson.Parsed p = ProofJson.read(json, List.of("tree_size_1", "tree_size_2"), "consistency_path");
            return new ConsistencyProof(p.numbers().get("tree_size_1"), p.numbers().get("tree_size_2"),
                    p.path().stream().map(Hash::fromBase64).toList());
        } catch (IllegalArgumentException | MalformedDataException e) {
            throw new MalformedDataException("consistency proof JSON: " + e.getMessage(), e);
        }
    }
}
