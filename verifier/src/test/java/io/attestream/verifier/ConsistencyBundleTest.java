package io.attestream.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.ConsistencyProof;
import io.attestream.integrity.Hash;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.MalformedDataException;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.SigningKey;
import io.attestream.verifier.testing.ChainFixture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsistencyBundleTest {
    private static final SigningKey KEY = SigningKey.fromSeed("attestream-test", seed(1));
    private static final SigningKey OTHER = SigningKey.fromSeed("attestream-test", seed(2));
    private static final ChainFixture.Agent AGENT = ChainFixture.build("acme", "agent-c", 100, 16, KEY, null);
    private static final CheckpointVerifier KEYS = CheckpointVerifier.of(KEY.verifierKey());

    private static byte[] seed(int b) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) b);
        return s;
    }

    private static ConsistencyBundle bundle(int oldIndex, int newIndex) {
        CheckpointRow older = AGENT.checkpoints().get(oldIndex);
        CheckpointRow newer = AGENT.checkpoints().get(newIndex);
        List<Hash> leaves = AGENT.rows().stream().map(EventRow::hash).toList();
        ConsistencyProof p = MerkleTree.of(leaves).consistencyProof(older.treeSize(), newer.treeSize());
        return new ConsistencyBundle(AGENT.log(), older.note(), newer.note(), p);
    }

    @Test
    void roundTripsAndChecksOfflineThatTheNewerCheckpointExtendsTheOlder() {
        ConsistencyBundle b = bundle(2, 6);
        String json = b.toJson();
        assertThat(json).startsWith("{\"version\":1,\"tenant\":\"acme\",\"agent_id\":\"agent-c\",\"old_checkpoint\":")
                .contains("\"consistency_proof\":{\"version\":1,\"tree_size_1\":48,\"tree_size_2\":100,");
        assertThat(ConsistencyBundle.isConsistencyBundle(json)).isTrue();
        ConsistencyBundle back = ConsistencyBundle.fromJson(json);
        assertThat(back).isEqualTo(b);
        ConsistencyBundle.Checked c = back.check(KEYS);
        assertThat(c.oldSize()).isEqualTo(48);
        assertThat(c.newSize()).isEqualTo(100);
        assertThat(ConsistencyBundle.isConsistencyBundle("{\"version\":2,\"inclusion_proof\":{}}")).isFalse();
    }

    @Test
    void rejectsAnotherKeyAnAlteredPathAndANewerCheckpointOfAnotherHistory() {
        ConsistencyBundle b = bundle(2, 6);
        assertThatThrownBy(() -> b.check(CheckpointVerifier.of(OTHER.verifierKey())))
                .isInstanceOf(IntegrityException.class);
        List<Hash> path = new ArrayList<>(b.proof().path());
        path.set(0, Hash.sha256("x".getBytes(StandardCharsets.UTF_8)));
        ConsistencyBundle altered = new ConsistencyBundle(b.log(), b.oldNote(), b.newNote(),
                new ConsistencyProof(48, 100, path));
        assertThatThrownBy(() -> altered.check(KEYS)).isInstanceOf(IntegrityException.class);
        // Another history from seq 10 on, signed with the real key: the old checkpoint is not its prefix.
        List<EventRow> rewritten = ChainFixture.rechainFrom(AGENT.log(), AGENT.rows(), 10);
        List<Hash> leaves = rewritten.stream().map(EventRow::hash).toList();
        MerkleTree tree = MerkleTree.of(leaves);
        String forkNote = io.attestream.integrity.SignedCheckpoint.sign(io.attestream.integrity.Checkpoint.forLog(
                new io.attestream.integrity.ChainHead(AGENT.log(), 100, leaves.get(99)), tree.root(),
                new io.attestream.integrity.Checkpoint.Cadence(16, 60_000), ChainFixture.CHAINED_T0.plusMillis(100)),
                KEY).text();
        ConsistencyBundle fork = new ConsistencyBundle(AGENT.log(), b.oldNote(), forkNote, tree.consistencyProof(48, 100));
        assertThatThrownBy(() -> fork.check(KEYS)).isInstanceOf(IntegrityException.class);
        ConsistencyBundle swapped = new ConsistencyBundle(b.log(), b.oldNote(), b.newNote(),
                new ConsistencyProof(32, 100, b.proof().path()));
        assertThatThrownBy(() -> swapped.check(KEYS)).hasMessageContaining("signed checkpoints have sizes 48 and 100");
    }

    @Test
    void rejectsUnknownMissingAndDuplicateKeys() {
        String json = bundle(1, 3).toJson();
        assertThatThrownBy(() -> ConsistencyBundle.fromJson(json.replace("\"version\":1,\"tenant\"",
                "\"version\":1,\"extra\":1,\"tenant\""))).isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> ConsistencyBundle.fromJson(json.replace("\"tenant\":\"acme\",", "")))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("missing key");
        assertThatThrownBy(() -> ConsistencyBundle.fromJson(json.replace("\"tenant\":\"acme\",",
                "\"tenant\":\"acme\",\"tenant\":\"acme\","))).isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> ConsistencyBundle.fromJson(json.replace("\"version\":1,\"tenant\"",
                "\"version\":2,\"tenant\""))).isInstanceOf(MalformedDataException.class);
    }
}
