package io.attestream.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Hash;
import io.attestream.integrity.InclusionProof;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.MalformedDataException;
import io.attestream.integrity.LogId;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.UnknownKeyException;
import io.attestream.verifier.testing.ChainFixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ProofBundleTest {
    private static final SigningKey KEY = SigningKey.fromSeed("proof-test", seed(3));
    private static final SigningKey OTHER = SigningKey.fromSeed("proof-test", seed(4));
    private static final ChainFixture.Agent AGENT = ChainFixture.build("acme", "agent-p", 40, 16, KEY, null);

    @TempDir
    Path dir;

    private static byte[] seed(int b) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) b);
        return s;
    }

    private static ProofBundle bundleFor(int seq) {
        CheckpointRow latest = AGENT.checkpoints().get(AGENT.checkpoints().size() - 1);
        List<Hash> leaves = AGENT.rows().stream().limit(latest.treeSize()).map(EventRow::hash).toList();
        InclusionProof proof = MerkleTree.of(leaves).inclusionProof(seq, latest.treeSize());
        return new ProofBundle(AGENT.rows().get(seq), AGENT.events().get(seq).eventId(), proof, latest.note(), null);
    }

    @Test
    void roundTripsThroughJsonAndVerifiesWithOnlyTheKey() {
        ProofBundle b = bundleFor(23);
        ProofBundle parsed = ProofBundle.fromJson(b.toJson());
        assertThat(parsed.toJson()).isEqualTo(b.toJson());
        ProofBundle.Checked c = parsed.check(CheckpointVerifier.of(KEY.verifierKey()), Optional.empty());
        assertThat(c.seq()).isEqualTo(23);
        assertThat(c.treeSize()).isEqualTo(40);
        assertThat(c.signers()).containsExactly("proof-test");
        assertThat(c.timestampPresent()).isFalse();
    }

    @Test
    void rejectsABundleCheckedWithAnotherKey() {
        assertThatThrownBy(() -> ProofBundle.fromJson(bundleFor(5).toJson())
                .check(CheckpointVerifier.of(OTHER.verifierKey()), Optional.empty()))
                .isInstanceOf(UnknownKeyException.class);
    }

    @Test
    void rejectsAnAlteredEventOrAProofForAnotherLeaf() {
        ProofBundle b = bundleFor(7);
        ProofBundle altered = new ProofBundle(ChainFixture.withFlippedByte(b.row(), 40), b.eventId(), b.proof(),
                b.checkpointNote(), null);
        assertThatThrownBy(() -> ProofBundle.fromJson(altered.toJson())
                .check(CheckpointVerifier.of(KEY.verifierKey()), Optional.empty()))
                .isInstanceOf(IntegrityException.class).hasMessageContaining("inclusion proof");
        ProofBundle otherLeaf = new ProofBundle(b.row(), b.eventId(), bundleFor(8).proof(), b.checkpointNote(), null);
        assertThatThrownBy(() -> otherLeaf.check(CheckpointVerifier.of(KEY.verifierKey()), Optional.empty()))
                .isInstanceOf(IntegrityException.class).hasMessageContaining("leaf 8");
    }

    @Test
    void rejectsUnknownAndDuplicateKeysAndWrongVersions() {
        String json = bundleFor(1).toJson();
        assertThatThrownBy(() -> ProofBundle.fromJson(json.replace("\"version\":2,\"tenant\"",
                "\"version\":3,\"tenant\""))).isInstanceOf(MalformedDataException.class).hasMessageContaining("version");
        assertThatThrownBy(() -> ProofBundle.fromJson(json.replace("\"seq\":1,", "\"seq\":1,\"extra\":1,")))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("extra");
        assertThatThrownBy(() -> ProofBundle.fromJson(json.replace("\"seq\":1,", "\"seq\":1,\"seq\":1,")))
                .isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> ProofBundle.fromJson(json + "{}")).isInstanceOf(MalformedDataException.class);
    }

    @Test
    void version2BundleCarriesTheHashedChainedTime() {
        ProofBundle b = bundleFor(9);
        String json = b.toJson();
        assertThat(json).startsWith("{\"version\":2,").contains("\"entry\":{\"entry_version\":2,\"chained_at\":"
                + b.row().chainedAtMicros() + ",\"prev_hash\":");
        String otherTime = json.replace("\"chained_at\":" + b.row().chainedAtMicros(),
                "\"chained_at\":" + (b.row().chainedAtMicros() + 1));
        assertThatThrownBy(() -> ProofBundle.fromJson(otherTime).check(CheckpointVerifier.of(KEY.verifierKey()),
                Optional.empty())).isInstanceOf(IntegrityException.class).hasMessageContaining("inclusion proof");
        for (String bad : List.of(json.replace("\"chained_at\":" + b.row().chainedAtMicros() + ",", ""),
                json.replace("\"entry_version\":2,", ""), json.replace("\"entry_version\":2", "\"entry_version\":3"),
                json.replace("\"entry_version\":2", "\"entry_version\":1"),
                json.replace("\"chained_at\":" + b.row().chainedAtMicros(), "\"chained_at\":-1"))) {
            assertThatThrownBy(() -> ProofBundle.fromJson(bad)).as(bad).isInstanceOf(MalformedDataException.class);
        }
    }

    @Test
    void version1BundleOfAVersion1EntryStillChecks() {
        // A log chained before entry format 2, and the bundle 'prove' wrote for it then.
        LogId log = LogId.of("acme", "agent-old");
        List<EventRow> rows = new ArrayList<>();
        Hash prev = log.genesisHash();
        for (int i = 0; i < 5; i++) {
            EventRow template = AGENT.rows().get(i);
            Hash h = ChainEntry.recompute(log, i, prev, ChainEntry.VERSION_1, 0, template.schemaId(),
                    template.schemaFingerprint().toBytes(), template.body()).hash();
            rows.add(new EventRow(log.tenant(), log.agentId(), i, prev, h, 1, template.chainedAtMicros(),
                    template.schemaId(), template.schemaFingerprint(), template.eventBytes()));
            prev = h;
        }
        List<Hash> leaves = rows.stream().map(EventRow::hash).toList();
        String note = SignedCheckpoint.sign(new Checkpoint(log.origin(), 5, MerkleTree.of(leaves).root(),
                List.of("chain-head 4 " + prev.base64())), KEY).text();
        ProofBundle b = new ProofBundle(rows.get(3), "old-event", MerkleTree.of(leaves).inclusionProof(3, 5), note,
                null);
        String v2 = b.toJson();
        assertThat(v2).contains("\"entry\":{\"entry_version\":1,\"prev_hash\":");
        String v1 = v2.replace("{\"version\":2,", "{\"version\":1,").replace("\"entry_version\":1,", "");
        for (String json : List.of(v1, v2)) {
            ProofBundle.Checked c = ProofBundle.fromJson(json).check(CheckpointVerifier.of(KEY.verifierKey()),
                    Optional.empty());
            assertThat(c.seq()).isEqualTo(3);
        }
        assertThatThrownBy(() -> ProofBundle.fromJson(v1.replace("\"entry\":{", "\"entry\":{\"entry_version\":1,")))
                .isInstanceOf(MalformedDataException.class);
    }

    @Test
    void checkProofCommandExitsZeroForAValidProofAndThreeForATamperedOne() throws Exception {
        Path key = dir.resolve("k.vkey");
        Files.writeString(key, KEY.verifierKey().toVkey());
        Path ok = dir.resolve("ok.json");
        Files.writeString(ok, bundleFor(30).toJson());
        assertThat(run(ok.toString(), "--key", key.toString())).isZero();
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, Files.readString(ok).replace("\"seq\":30", "\"seq\":31"));
        assertThat(run(bad.toString(), "--key", key.toString())).isEqualTo(3);
        assertThat(run(dir.resolve("missing.json").toString(), "--key", key.toString())).isEqualTo(1);
        assertThat(run(ok.toString())).isEqualTo(2);
        assertThat(run(ok.toString(), "--key", dir.resolve("no-such.vkey").toString())).isEqualTo(2);
    }

    private static int run(String... args) {
        CommandLine cl = new CommandLine(new CheckProofCommand());
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(new StringWriter()));
        return cl.execute(args);
    }
}
