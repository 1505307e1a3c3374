package io.attestream.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.integrity.AddCheckpointRequest;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.Cosignature;
import io.attestream.integrity.CosignatureVerifier;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.Hash;
import io.attestream.integrity.NoteSignature;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.witness.internal.StateFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The witness's checks, in the order and with the statuses of docs/integrity.md §6.2, and its durable state. */
class WitnessTest {
    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private static final List<WitnessedLog> LOGS = List.of(
            new WitnessedLog("attestream/*", List.of(TestLog.LOG_KEY.verifierKey())));

    @TempDir
    Path dir;

    private Witness open(Clock clock) {
        return Witness.open(TestLog.WITNESS_KEY, LOGS, dir, clock);
    }

    private Witness open() {
        return open(Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static Cosignature verifiedCosignature(Checkpoint c, Witness.Outcome o) {
        assertThat(o.status()).as(o.body()).isEqualTo(200);
        assertThat(o.body()).endsWith("\n");
        NoteSignature line = NoteSignature.parse(o.body().strip(), "response");
        List<Cosignature> ok = CosignatureVerifier.of(List.of(CosignerKey.of(TestLog.WITNESS_KEY))).verify(c, List.of(line));
        assertThat(ok).hasSize(1);
        return ok.get(0);
    }

    @Test
    void cosignsFirstCheckpointWithOldSizeZeroAndThenOnlyConsistentGrowth() {
        Witness w = open();
        TestLog log = new TestLog("attestream/acme/agent-1");
        Cosignature c = verifiedCosignature(log.checkpoint(5), w.add(log.request(0, 5)));
        assertThat(c.timestamp()).isEqualTo(NOW.getEpochSecond());
        verifiedCosignature(log.checkpoint(13), w.add(log.request(5, 13)));
        // Same size again with the same root: cosigned again (empty proof).
        verifiedCosignature(log.checkpoint(13), w.add(log.request(13, 13)));
        assertThat(w.sizes()).containsEntry("attestream/acme/agent-1", 13L);
    }

    @Test
    void answers409WithTheCosignedSizeWhenOldSizeDiffers() {
        Witness w = open();
        TestLog log = new TestLog("attestream/acme/agent-1");
        w.add(log.request(0, 6));
        Witness.Outcome o = w.add(log.request(0, 9));
        assertThat(o.status()).isEqualTo(409);
        assertThat(o.body()).isEqualTo("6\n");
        assertThat(o.contentType()).isEqualTo("text/x.tlog.size");
        assertThat(w.add(log.request(4, 9)).body()).isEqualTo("6\n");
        // A never-seen origin has size 0: old 3 conflicts.
        assertThat(w.add(new TestLog("attestream/acme/agent-2").request(3, 9)).body()).isEqualTo("0\n");
    }

    @Test
    void refusesForkWith422AndKeepsItsState() {
        Witness w = open();
        TestLog log = new TestLog("attestream/acme/agent-1");
        w.add(log.request(0, 8));
        // The operator rewrites history: same origin and key, other leaves from index 0.
        TestLog forked = new TestLog("attestream/acme/agent-1", "rewritten", TestLog.LOG_KEY);
        Witness.Outcome o = w.add(new AddCheckpointRequest(8, forked.proof(8, 12), forked.note(12)));
        assertThat(o.status()).isEqualTo(422);
        assertThat(o.body()).contains("does not verify");
        // A proof for the genuine log does not rescue the forked checkpoint either.
        assertThat(w.add(new AddCheckpointRequest(8, log.proof(8, 12), forked.note(12))).status()).isEqualTo(422);
        // Equal size, other root.
        assertThat(w.add(new AddCheckpointRequest(8, List.of(), forked.note(8))).status()).isEqualTo(422);
        assertThat(w.sizes()).containsEntry("attestream/acme/agent-1", 8L);
        verifiedCosignature(log.checkpoint(12), w.add(log.request(8, 12)));
    }

    @Test
    void answers422ForProofWithOldSizeZeroAndForNonEmptyRootAtSizeZero() {
        Witness w = open();
        TestLog log = new TestLog("attestream/acme/agent-1");
        assertThat(w.add(new AddCheckpointRequest(0, log.proof(2, 5), log.note(5))).status()).isEqualTo(422);
        Checkpoint zeroWithRoot = new Checkpoint("attestream/acme/agent-1", 0, Hash.sha256(new byte[] {1}), List.of());
        String note = SignedCheckpoint.sign(zeroWithRoot, TestLog.LOG_KEY).text();
        assertThat(w.add(new AddCheckpointRequest(0, List.of(), note)).status()).isEqualTo(422);
        // The empty tree with its root is fine.
        Checkpoint empty = new Checkpoint("attestream/acme/agent-1", 0, Hash.empty(), List.of());
        verifiedCosignature(empty, w.add(new AddCheckpointRequest(0, List.of(),
                SignedCheckpoint.sign(empty, TestLog.LOG_KEY).text())));
    }

    @Test
    void answers404ForUnknownOriginAnd403ForUntrustedOrBadLogSignature() {
        Witness w = open();
        assertThat(w.add(new TestLog("other-log/x").request(0, 3)).status()).isEqualTo(404);
        SigningKey stranger = SigningKey.fromSeed(TestLog.LOG_KEY.name(), TestLog.seed(9));
        Witness.Outcome unknownKey = w.add(new TestLog("attestream/acme/a", "leaf", stranger).request(0, 3));
        assertThat(unknownKey.status()).isEqualTo(403);
        assertThat(unknownKey.body()).contains("unknown keys");
        String good = new TestLog("attestream/acme/a").note(3);
        String bad = good.replace("\n3\n", "\n4\n");
        assertThat(w.add(new AddCheckpointRequest(0, List.of(), bad)).status()).isEqualTo(403);
        assertThat(w.sizes()).isEmpty();
    }

    @Test
    void answers400ForMalformedBodyOrOldSizeAboveCheckpointSize() {
        Witness w = open();
        TestLog log = new TestLog("attestream/acme/agent-1");
        assertThat(w.add("old 1\n\nnot a note".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(400);
        assertThat(w.add("hello".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(400);
        assertThat(w.add(new AddCheckpointRequest(6, List.of(), log.note(5))).status()).isEqualTo(400);
    }

    @Test
    void remembersWhatItCosignedAcrossRestartsAndRefusesForksAfterwards() throws Exception {
        TestLog log = new TestLog("attestream/acme/agent-1");
        open().add(log.request(0, 7));
        Witness again = open();
        assertThat(again.sizes()).containsEntry("attestream/acme/agent-1", 7L);
        assertThat(again.add(log.request(0, 9)).body()).isEqualTo("7\n");
        TestLog forked = new TestLog("attestream/acme/agent-1", "rewritten", TestLog.LOG_KEY);
        assertThat(again.add(new AddCheckpointRequest(7, forked.proof(7, 9), forked.note(9))).status()).isEqualTo(422);
        // The state file is the cosigned note, named by the origin hash, and no temporary file is left.
        Path file = dir.resolve("logs").resolve(StateFiles.fileName("attestream/acme/agent-1"));
        SignedCheckpoint stored = SignedCheckpoint.parse(Files.readString(file, StandardCharsets.UTF_8));
        assertThat(stored.checkpoint()).isEqualTo(log.checkpoint(7));
        assertThat(CosignatureVerifier.of(List.of(CosignerKey.of(TestLog.WITNESS_KEY))).verify(stored)).hasSize(1);
        try (var files = Files.list(dir.resolve("logs"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(file.getFileName().toString());
        }
        assertThat(again.latest(StateFiles.originHash("attestream/acme/agent-1"))).contains(stored.text());
    }

    @Test
    void refusesToStartOnAnotherWitnessesStateOrACorruptFileAndDropsStaleTemporaryFiles() throws Exception {
        TestLog log = new TestLog("attestream/acme/agent-1");
        open().add(log.request(0, 4));
        SigningKey other = SigningKey.fromSeed("witness.test/w2", TestLog.seed(3));
        assertThatThrownBy(() -> Witness.open(other, LOGS, dir, Clock.systemUTC()))
                .isInstanceOf(WitnessException.class).hasMessageContaining("no cosignature by witness.test/w2");

        Path file = dir.resolve("logs").resolve(StateFiles.fileName("attestream/acme/agent-1"));
        Path stale = dir.resolve("logs").resolve(StateFiles.fileName("attestream/acme/agent-1") + ".tmp");
        Files.writeString(stale, "half a note");
        assertThat(open().sizes()).containsEntry("attestream/acme/agent-1", 4L);
        assertThat(stale).doesNotExist();

        String text = Files.readString(file, StandardCharsets.UTF_8);
        Files.writeString(file, text.substring(0, text.length() / 2), StandardCharsets.UTF_8);
        assertThatThrownBy(this::open).isInstanceOf(WitnessException.class).hasMessageContaining(file.toString());

        // A file whose name is not its origin's hash (moved or copied by hand) is refused too.
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.move(file, dir.resolve("logs").resolve(StateFiles.fileName("attestream/acme/agent-9")));
        assertThatThrownBy(this::open).isInstanceOf(WitnessException.class).hasMessageContaining("whose hash is not");
    }

    @Test
    void cosignatureTimeNeverGoesBackForOneLogWhenTheClockDoes() {
        TestLog log = new TestLog("attestream/acme/agent-1");
        Cosignature first = verifiedCosignature(log.checkpoint(2), open().add(log.request(0, 2)));
        Witness behind = open(Clock.fixed(NOW.minusSeconds(3600), ZoneOffset.UTC));
        Cosignature second = verifiedCosignature(log.checkpoint(3), behind.add(log.request(2, 3)));
        assertThat(second.timestamp()).isEqualTo(first.timestamp());
    }

    @Test
    void matchesOriginsByExactNameOrPrefix() {
        WitnessedLog exact = new WitnessedLog("attestream/acme/agent-1", List.of(TestLog.LOG_KEY.verifierKey()));
        WitnessedLog prefix = new WitnessedLog("attestream/acme/*", List.of(TestLog.LOG_KEY.verifierKey()));
        assertThat(exact.matches("attestream/acme/agent-1")).isTrue();
        assertThat(exact.matches("attestream/acme/agent-10")).isFalse();
        assertThat(prefix.matches("attestream/acme/agent-10")).isTrue();
        assertThat(prefix.matches("attestream/acmex/agent-1")).isFalse();
        assertThatThrownBy(() -> new WitnessedLog("attestream/*/x", List.of(TestLog.LOG_KEY.verifierKey())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WitnessedLog("attestream/*", List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
