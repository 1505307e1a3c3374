package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.MerkleVerify;
import io.attestream.integrity.internal.ProofJson;
import io.attestream.integrity.internal.Sha256;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An RFC 9162 §2.1.3 inclusion proof: the audit path of leaf {@code leafIndex} in the tree of
 * size {@code treeSize}, bottom-up.
 *
 * <p>JSON form (docs/integrity.md): {@code {"version":1,"leaf_index":N,"tree_size":N,
 * "inclusion_path":["<base64>",...]}}.
 *
 * @param leafIndex the leaf index (for a log: the entry seq)
 * @param treeSize the tree size the path leads to
 * @param path the sibling hashes, leaf level first
 */
public record InclusionProof(long leafIndex, long treeSize, List<Hash> path) {
    /** Longest possible path: one node per level of a tree of up to 2^63 - 1 leaves. */
    public static final int MAX_PATH = 63;

    /**
     * Validates ranges and copies the path.
     *
     * @throws IllegalArgumentException when leafIndex is not in [0, treeSize) or the path is too long
     */
    public InclusionProof {
        requireNonNull(path, "path");
        path = List.copyOf(path);
        if (leafIndex < 0 || leafIndex >= treeSize) {
            throw new IllegalArgumentException("leaf index " + leafIndex + " not in [0, tree size " + treeSize + ")");
        }
        if (path.size() > MAX_PATH) {
            throw new IllegalArgumentException("inclusion path of " + path.size() + " hashes is longer than " + MAX_PATH);
        }
    }

    /**
     * Verifies that {@code leafData} is leaf {@code leafIndex} of the tree of size
     * {@code trustedTreeSize} with root {@code trustedRoot} (RFC 9162 §2.1.3.2), hashing the leaf
     * as SHA-256(0x00 || leafData).
     *
     * <p>Size and root MUST come together from a trusted source (a verified checkpoint), never
     * from the proof: some paths verify against the same root under two tree sizes, so the size
     * the proof claims is checked against the trusted one.
     *
     * @param leafData the leaf data (for a log: the chain entry hash, recomputed from the entry bytes)
     * @param trustedTreeSize the size of the tree whose root is trustedRoot
     * @param trustedRoot the tree root
     * @throws ProofInvalidException when the proof does not verify
     */
    public void verify(Hash leafData, long trustedTreeSize, Hash trustedRoot) {
        requireNonNull(leafData, "leafData");
        requireNonNull(trustedRoot, "trustedRoot");
        Hash root = trustedRoot;
        if (trustedTreeSize != treeSize) {
            throw new ProofInvalidException("inclusion proof of leaf " + leafIndex + " is for tree size " + treeSize
                    + " but the trusted root is of tree size " + trustedTreeSize);
        }
        Hash computed = computeRoot(leafData);
        if (computed == null || !computed.equals(root)) {
            throw new ProofInvalidException("inclusion proof of leaf " + leafIndex + " in tree size " + treeSize
                    + " does not lead to root " + root);
        }
    }

    /**
     * The root this proof leads to from {@code leafData}, or null when the path has the wrong
     * shape for (leafIndex, treeSize). Only meaningful compared against a trusted root.
     *
     * @param leafData the leaf data
     * @return the computed root, or null
     */
    public Hash computeRoot(Hash leafData) {
        requireNonNull(leafData, "leafData");
        byte[] r = MerkleVerify.rootFromInclusion(leafIndex, treeSize,
                Sha256.leaf(leafData.unsafeBytes(), 0, Hash.SIZE), raw(path));
        return r == null ? null : Hash.wrap(r);
    }

    static List<byte[]> raw(List<Hash> path) {
        List<byte[]> out = new ArrayList<>(path.size());
        for (Hash h : path) {
            out.add(h.unsafeBytes());
        }
        return out;
    }

    /**
     * The JSON form.
     *
     * @return compact JSON
     */
    public String toJson() {
        Map<String, Long> n = new LinkedHashMap<>();
        n.put("leaf_index", leafIndex);
        n.put("tree_size", treeSize);
        return ProofJson.write(n, "inclusion_path", path.stream().map(Hash::base64).toList());
    }

    /**
     * Parses the JSON form strictly.
     *
     * @param json the text
     * @return the proof
     * @throws MalformedDataException when json does not follow the documented format
     */
    public static InclusionProof fromJson(String json) {
        requireNonNull(json, "json");
        try {
            ProofJson.Parsed p = ProofJson.read(json, List.of("leaf_index", "tree_size"), "inclusion_path");
            return new InclusionProof(p.numbers().get("leaf_index"), p.numbers().get("tree_size"),
                    p.path().stream().map(Hash::fromBase64).toList());
        } catch (IllegalArgumentException | MalformedDataException e) {
            throw new MalformedDataException("inclusion proof JSON: " + e.getMessage(), e);
        }
    }
}
