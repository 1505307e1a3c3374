package io.attestream.verifier;

import static io.attestream.verifier.testing.ChainFixture.forged;
import static io.attestream.verifier.testing.ChainFixture.withFlippedByte;
import static io.attestream.verifier.testing.ChainFixture.withSeq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.integrity.ChainHead;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogState;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.verifier.testing.ChainFixture;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChainVerifierTest {
    private static final int N = 100;
    private static final int EVERY = 16;
    private static final SigningKey KEY = SigningKey.fromSeed("attestream-test", seed(1));
    private static final SigningKey OTHER_KEY = SigningKey.fromSeed("attestream-test", seed(2));
    private static EmbeddedTimestampAuthority tsa;
    private static List<ChainFixture.Agent> agents;

    @BeforeAll
    static void chain() {
        tsa = EmbeddedTimestampAuthority.generate("verifier-test", Clock.systemUTC());
        agents = List.of(ChainFixture.build("acme", "agent-a", N, EVERY, KEY, tsa),
                ChainFixture.build("acme", "agent-b", N, EVERY, KEY, tsa),
                ChainFixture.build("globex", "agent-a", N, EVERY, KEY, tsa));
    }

    private static byte[] seed(int b) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) b);
        return s;
    }

    private static ChainVerifier verifier() {
        return ChainVerifier.of(CheckpointVerifier.of(KEY.verifierKey()),
                Optional.of(tsa.verifier()), Map.of());
    }

    private static AgentResult run(ChainVerifier v, ChainFixture.Agent a, List<EventRow> rows,
            List<CheckpointRow> checkpoints) {
        ChainVerifier.AgentRun run = v.begin(a.log(), checkpoints);
        rows.forEach(run::accept);
        return run.finish();
    }

    /** Mutates agent 0's rows, verifies all three agents, checks the untouched ones stay clean. */
    private static List<Finding> findingsAfter(UnaryOperator<List<EventRow>> mutation) {
        ChainVerifier v = verifier();
        AgentResult r = run(v, agents.get(0), mutation.apply(new ArrayList<>(agents.get(0).rows())),
                agents.get(0).checkpoints());
        for (ChainFixture.Agent other : agents.subList(1, agents.size())) {
            assertThat(run(v, other, other.rows(), other.checkpoints()).findings()).isEmpty();
        }
        assertThat(r.findings()).allSatisfy(f -> {
            assertThat(f.tenant()).isEqualTo("acme");
            assertThat(f.agentId()).isEqualTo("agent-a");
        });
        return r.findings();
    }

    private static List<Finding> checkpointFindingsAfter(UnaryOperator<List<CheckpointRow>> mutation) {
        ChainFixture.Agent a = agents.get(0);
        return run(verifier(), a, a.rows(), mutation.apply(new ArrayList<>(a.checkpoints()))).findings();
    }

    private static void assertOnly(List<Finding> findings, long seq, FindingKind kind) {
        assertThat(findings).extracting(Finding::seq, Finding::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(seq, kind));
    }

    @Test
    void verifiesIntactLogsWithEveryCheckpointAndTimestamp() {
        for (ChainFixture.Agent a : agents) {
            AgentResult r = run(verifier(), a, a.rows(), a.checkpoints());
            assertThat(r.ok()).as(r.findings().toString()).isTrue();
            assertThat(r.rows()).isEqualTo(N);
            assertThat(r.checkpointsVerified()).isEqualTo(a.checkpoints().size()).isEqualTo(7);
            assertThat(r.latestVerifiedTreeSize()).isEqualTo(N);
            assertThat(r.timestampsVerified()).isEqualTo(7);
        }
    }

    @Test
    void countsTimestampsAsUncheckedWithoutTsaCertificate() {
        ChainFixture.Agent a = agents.get(0);
        AgentResult r = run(ChainVerifier.of(CheckpointVerifier.of(KEY.verifierKey()), Optional.empty(), Map.of()), a,
                a.rows(), a.checkpoints());
        assertThat(r.ok()).isTrue();
        assertThat(r.timestampsUnchecked()).isEqualTo(7);
        assertThat(r.timestampsVerified()).isZero();
    }

    @Test
    void reportsOneChangedPayloadByteAsModifiedAtItsSeq() {
        assertOnly(findingsAfter(rows -> {
            rows.set(37, withFlippedByte(rows.get(37), 60));
            return rows;
        }), 37, FindingKind.MODIFIED);
    }

    @Test
    void reportsChangedPayloadOfTheFirstAndLastRows() {
        assertOnly(findingsAfter(rows -> {
            rows.set(0, withFlippedByte(rows.get(0), 30));
            return rows;
        }), 0, FindingKind.MODIFIED);
        assertOnly(findingsAfter(rows -> {
            rows.set(N - 1, withFlippedByte(rows.get(N - 1), 30));
            return rows;
        }), N - 1, FindingKind.MODIFIED);
    }

    @Test
    void reportsRowWhoseBytesAndHashWereRewrittenAsModified() {
        ChainFixture.Agent a = agents.get(0);
        assertOnly(findingsAfter(rows -> {
            EventRow f = forged(a.log(), 50, rows.get(50).prevHash(), "rewritten approval");
            rows.set(50, f);
            return rows;
        }), 50, FindingKind.MODIFIED);
    }

    @Test
    void reportsHeaderWithAnotherSchemaIdAsModified() {
        assertOnly(findingsAfter(rows -> {
            rows.set(12, withFlippedByte(rows.get(12), 4));
            return rows;
        }), 12, FindingKind.MODIFIED);
    }

    @Test
    void reportsDeletedRowAsGapAtItsSeq() {
        assertOnly(findingsAfter(rows -> {
            rows.remove(40);
            return rows;
        }), 40, FindingKind.DELETED);
    }

    @Test
    void reportsSeveralDeletedRowsAsOneGap() {
        List<Finding> f = findingsAfter(rows -> {
            rows.subList(20, 23).clear();
            return rows;
        });
        assertOnly(f, 20, FindingKind.DELETED);
        assertThat(f.get(0).detail()).contains("20..22");
    }

    @Test
    void reportsForgedRowInsertedUnderAnExistingSeqAsInserted() {
        ChainFixture.Agent a = agents.get(0);
        for (int order = 0; order < 2; order++) {
            int at = 60 + order;
            assertOnly(findingsAfter(rows -> {
                rows.add(at, forged(a.log(), 60, rows.get(60).prevHash(), "fake approval"));
                return rows;
            }), 60, FindingKind.INSERTED);
        }
    }

    @Test
    void reportsTwoSwappedSeqsAsReorderedAtBoth() {
        List<Finding> f = findingsAfter(rows -> {
            EventRow r70 = rows.get(70);
            EventRow r71 = rows.get(71);
            rows.set(70, withSeq(r71, 70));
            rows.set(71, withSeq(r70, 71));
            return rows;
        });
        assertThat(f).extracting(Finding::seq, Finding::kind).containsExactly(
                org.assertj.core.groups.Tuple.tuple(70L, FindingKind.REORDERED),
                org.assertj.core.groups.Tuple.tuple(71L, FindingKind.REORDERED));
    }

    @Test
    void reportsDistantSwapAsReorderedAtBoth() {
        List<Finding> f = findingsAfter(rows -> {
            EventRow r10 = rows.get(10);
            EventRow r80 = rows.get(80);
            rows.set(10, withSeq(r80, 10));
            rows.set(80, withSeq(r10, 80));
            return rows;
        });
        assertThat(f).extracting(Finding::seq, Finding::kind).containsExactly(
                org.assertj.core.groups.Tuple.tuple(10L, FindingKind.REORDERED),
                org.assertj.core.groups.Tuple.tuple(80L, FindingKind.REORDERED));
    }

    @Test
    void reportsExactDuplicateAsReplayed() {
        assertOnly(findingsAfter(rows -> {
            rows.add(33, rows.get(33));
            return rows;
        }), 33, FindingKind.REPLAYED);
    }

    @Test
    void reportsDeletedTailAsTruncatedAtTheFirstMissingSeq() {
        List<Finding> f = findingsAfter(rows -> new ArrayList<>(rows.subList(0, 90)));
        assertOnly(f, 90, FindingKind.TRUNCATED);
        assertThat(f.get(0).detail()).contains("tree size " + N);
    }

    @Test
    void reportsConsistentlyRechainedStretchThroughTheSignedRoot() {
        ChainFixture.Agent a = agents.get(0);
        List<Finding> f = findingsAfter(rows -> ChainFixture.rechainFrom(a.log(), rows, 55));
        // The chain links again after the rewrite; only the signed roots from 64 on disagree.
        assertThat(f).isNotEmpty().allSatisfy(x -> assertThat(x.kind()).isEqualTo(FindingKind.MODIFIED));
        assertThat(f.get(0).seq()).isEqualTo(48);
        assertThat(f.get(0).detail()).contains("48..63");
    }

    @Test
    void reportsCheckpointSignedByAnotherKeyAsUnknownKey() {
        ChainFixture.Agent a = agents.get(0);
        assertOnly(checkpointFindingsAfter(cps -> {
            CheckpointRow c = cps.get(2);
            String note = SignedCheckpoint.sign(Checkpoint.parse(SignedCheckpoint.parse(c.note()).checkpoint().body()),
                    OTHER_KEY).text();
            cps.set(2, new CheckpointRow(c.tenant(), c.agentId(), c.treeSize(), c.rootHash(), note, c.keyName(), null));
            return cps;
        }), 47, FindingKind.UNKNOWN_KEY_CHECKPOINT);
        assertThat(a.checkpoints().get(2).treeSize()).isEqualTo(48);
    }

    @Test
    void reportsCheckpointWithAlteredRootAsForged() {
        assertOnly(checkpointFindingsAfter(cps -> {
            CheckpointRow c = cps.get(1);
            String note = c.note();
            String root = c.rootHash().base64();
            String other = Hash.sha256("x".getBytes(StandardCharsets.UTF_8)).base64();
            cps.set(1, new CheckpointRow(c.tenant(), c.agentId(), c.treeSize(), c.rootHash(),
                    note.replace(root, other), c.keyName(), c.timestamp()));
            return cps;
        }), 31, FindingKind.FORGED_CHECKPOINT);
    }

    @Test
    void reportsAlteredTimestampTokenAsTimestampMismatch() {
        assertOnly(checkpointFindingsAfter(cps -> {
            CheckpointRow c = cps.get(3);
            byte[] altered = ChainFixture.withFlippedSignatureByte(new String(c.timestamp(), StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
            cps.set(3, new CheckpointRow(c.tenant(), c.agentId(), c.treeSize(), c.rootHash(), c.note(), c.keyName(),
                    altered));
            return cps;
        }), 63, FindingKind.TIMESTAMP_MISMATCH);
    }

    @Test
    void reportsTimestampOfAnotherCheckpointAsTimestampMismatch() {
        assertOnly(checkpointFindingsAfter(cps -> {
            CheckpointRow c = cps.get(3);
            cps.set(3, new CheckpointRow(c.tenant(), c.agentId(), c.treeSize(), c.rootHash(), c.note(), c.keyName(),
                    cps.get(4).timestamp()));
            return cps;
        }), 63, FindingKind.TIMESTAMP_MISMATCH);
    }

    @Test
    void hashesWithTheFingerprintDerivedFromSchemaTextNotTheStoredOne() {
        ChainFixture.Agent a = agents.get(0);
        Hash wrong = Hash.sha256("another schema".getBytes(StandardCharsets.UTF_8));
        ChainVerifier derivedWrong = ChainVerifier.of(CheckpointVerifier.of(KEY.verifierKey()), Optional.empty(),
                Map.of(ChainFixture.SCHEMA_ID, wrong));
        AgentResult r = run(derivedWrong, a, a.rows(), a.checkpoints());
        assertThat(r.findings()).hasSize(N).allSatisfy(f -> {
            assertThat(f.kind()).isEqualTo(FindingKind.MODIFIED);
            assertThat(f.detail()).contains("schema fingerprint");
        });
        ChainVerifier derivedRight = ChainVerifier.of(CheckpointVerifier.of(KEY.verifierKey()), Optional.empty(),
                Map.of(ChainFixture.SCHEMA_ID, ChainFixture.FINGERPRINT));
        assertThat(run(derivedRight, a, a.rows(), a.checkpoints()).findings()).isEmpty();
    }

    @Test
    void reportsEveryMutationOfOneRunWithItsOwnSeqAndKind() {
        ChainFixture.Agent a = agents.get(0);
        List<Finding> f = findingsAfter(rows -> {
            rows.set(5, withFlippedByte(rows.get(5), 50));
            rows.add(30, rows.get(30));
            EventRow r70 = rows.get(71);
            EventRow r71 = rows.get(72);
            rows.set(71, withSeq(r71, 70));
            rows.set(72, withSeq(r70, 71));
            rows.remove(51);
            return new ArrayList<>(rows.subList(0, 96));
        });
        assertThat(a.rows()).hasSize(N);
        assertThat(f).extracting(Finding::seq, Finding::kind).containsExactly(
                org.assertj.core.groups.Tuple.tuple(5L, FindingKind.MODIFIED),
                org.assertj.core.groups.Tuple.tuple(30L, FindingKind.REPLAYED),
                org.assertj.core.groups.Tuple.tuple(50L, FindingKind.DELETED),
                org.assertj.core.groups.Tuple.tuple(70L, FindingKind.REORDERED),
                org.assertj.core.groups.Tuple.tuple(71L, FindingKind.REORDERED),
                org.assertj.core.groups.Tuple.tuple(96L, FindingKind.TRUNCATED));
    }

    @Test
    void rejectsRowsOutOfSeqOrderAsASourceBug() {
        ChainFixture.Agent a = agents.get(0);
        ChainVerifier.AgentRun run = verifier().begin(a.log(), a.checkpoints());
        run.accept(a.rows().get(3));
        assertThatThrownBy(() -> run.accept(a.rows().get(2))).isInstanceOf(VerifierException.class)
                .hasMessageContaining("out of seq order");
    }

    @Test
    void rejectsRowsOfAnotherAgent() {
        ChainVerifier.AgentRun run = verifier().begin(agents.get(0).log(), List.of());
        assertThatThrownBy(() -> run.accept(agents.get(1).rows().get(0))).isInstanceOf(VerifierException.class)
                .hasMessageContaining("agent-b");
    }

    @Test
    void resumesMidLogFromAPrefixStateForTimeRanges() {
        ChainFixture.Agent a = agents.get(0);
        LogState prefix = LogState.empty(a.log());
        for (EventRow r : a.rows().subList(0, 40)) {
            prefix = new LogState(new ChainHead(a.log(), r.seq() + 1, r.hash()), prefix.tree().append(r.hash()));
        }
        ChainVerifier.AgentRun run = verifier().beginAt(prefix, a.checkpoints(), true);
        a.rows().subList(40, N).forEach(run::accept);
        AgentResult ok = run.finish();
        assertThat(ok.findings()).isEmpty();
        assertThat(ok.checkpointsVerified()).isEqualTo(5);

        ChainVerifier.AgentRun bad = verifier().beginAt(prefix, a.checkpoints(), false);
        List<EventRow> rows = new ArrayList<>(a.rows().subList(40, 70));
        rows.set(10, withFlippedByte(rows.get(10), 44));
        rows.forEach(bad::accept);
        assertOnly(bad.finish().findings(), 50, FindingKind.MODIFIED);
    }
}
