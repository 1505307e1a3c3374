package io.attestream.witness;

import io.attestream.integrity.AddCheckpointRequest;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.Hash;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A log for witness tests: leaves {@code SHA-256(tag || i)}, checkpoints signed by a fixed key. */
final class TestLog {
    static final SigningKey LOG_KEY = SigningKey.fromSeed("attestream-test-chainer", seed(1));
    static final SigningKey WITNESS_KEY = SigningKey.fromSeed("witness.test/w1", seed(2));

    private final String origin;
    private final String tag;
    private final SigningKey key;
    private final List<Hash> leaves = new ArrayList<>();

    TestLog(String origin, String tag, SigningKey key) {
        this.origin = origin;
        this.tag = tag;
        this.key = key;
    }

    TestLog(String origin) {
        this(origin, "leaf", LOG_KEY);
    }

    static byte[] seed(int n) {
        byte[] s = new byte[32];
        s[0] = (byte) n;
        return s;
    }

    private MerkleTree tree(long size) {
        while (leaves.size() < size) {
            leaves.add(Hash.sha256((tag + "-" + leaves.size()).getBytes(StandardCharsets.UTF_8)));
        }
        return MerkleTree.of(leaves.subList(0, (int) size));
    }

    Checkpoint checkpoint(long size) {
        return new Checkpoint(origin, size, tree(size).root(), List.of());
    }

    String note(long size) {
        return SignedCheckpoint.sign(checkpoint(size), key).text();
    }

    List<Hash> proof(long from, long to) {
        return tree(to).consistencyProof(from, to).path();
    }

    AddCheckpointRequest request(long from, long to) {
        return new AddCheckpointRequest(from, from == 0 ? List.of() : proof(from, to), note(to));
    }
}
