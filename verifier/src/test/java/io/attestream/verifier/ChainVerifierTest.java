package io.attestream.verifier;

import static io.attestream.verifier.testing.ChainFixture.forged;
import static io.attestream.verifier.testing.ChainFixture.withFlippedByte;
import static io.attestream.verifier.testing.ChainFixture.withSeq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.ChainHead;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.CompactMerkleTree;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.LogState;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.verifier.testing.ChainFixture;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

    /**
     * Agent 0's events re-chained as an old log: entry version 1 below seq {@code switchAt}, 2 from there on
     * (or all version 1 when the versions are given), with format 1 checkpoints before the switch and format 2
     * after, every {@link #EVERY} entries.
     */
    private static ChainFixture.Agent mixedVersions(String agentId, int[] versions) {
        LogId log = LogId.of("acme", agentId);
        List<ChainFixture.StoredEvent> events = new ArrayList<>();
        List<CheckpointRow> checkpoints = new ArrayList<>();
        CompactMerkleTree tree = CompactMerkleTree.empty();
        Hash prev = log.genesisHash();
        for (int i = 0; i < N; i++) {
            ChainFixture.StoredEvent template = agents.get(0).events().get(i);
            EventRow t = template.row();
            Hash h = ChainEntry.recompute(log, i, prev, versions[i], t.chainedAtMicros(), t.schemaId(),
                    t.schemaFingerprint().toBytes(), t.body()).hash();
            EventRow row = new EventRow(log.tenant(), log.agentId(), i, prev, h, versions[i], t.chainedAtMicros(),
                    t.schemaId(), t.schemaFingerprint(), t.eventBytes());
            events.add(new ChainFixture.StoredEvent(row, template.eventId(), template.eventType(),
                    template.occurredAtMicros()));
            tree = tree.append(h);
            prev = h;
            if ((i + 1) % EVERY == 0 || i == N - 1) {
                ChainHead head = new ChainHead(log, i + 1, h);
                Checkpoint c = versions[i] == 1
                        ? new Checkpoint(log.origin(), i + 1, tree.root(), List.of("chain-head " + i + " " + h.base64()))
                        : Checkpoint.forLog(head, tree.root(), new Checkpoint.Cadence(EVERY, 60_000),
                                Instant.EPOCH.plus(t.chainedAtMicros() + 1, ChronoUnit.MICROS));
                checkpoints.add(new CheckpointRow(log.tenant(), log.agentId(), i + 1, tree.root(),
                        SignedCheckpoint.sign(c, KEY).text(), KEY.name(), null));
            }
        }
        return new ChainFixture.Agent(log, events, checkpoints);
    }

    private static int[] versionsSwitchingAt(int switchAt) {
        int[] v = new int[N];
        for (int i = 0; i < N; i++) {
            v[i] = i < switchAt ? 1 : 2;
        }
        return v;
    }

    @Test
    void entriesAndCheckpointsWrittenBeforeFormat2KeepVerifyingBesideNewOnes() {
        for (int switchAt : new int[] {0, 40, N}) {
            ChainFixture.Agent a = mixedVersions("agent-mixed", versionsSwitchingAt(switchAt));
            AgentResult r = run(verifier(), a, a.rows(), a.checkpoints());
            assertThat(r.findings()).as("switch at %d", switchAt).isEmpty();
            assertThat(r.checkpointsVerified()).isEqualTo(7);
        }
    }

    @Test
    void reportsAnEntryVersionThatGoesBack() {
        int[] versions = versionsSwitchingAt(40);
        versions[70] = 1;
        ChainFixture.Agent a = mixedVersions("agent-downgraded", versions);
        List<Finding> f = run(verifier(), a, a.rows(), List.of()).findings();
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.seq()).isEqualTo(70);
            assertThat(x.kind()).isEqualTo(FindingKind.MODIFIED);
            assertThat(x.detail()).contains("entry version 1 after entry version 2 at seq 40");
        });
    }

    @Test
    void reportsEntriesAndCheckpointsRewrittenInTheOldFormatsAfterTheUpgrade() {
        // Upgraded at seq 40 (first format 2 checkpoint: size 48), then re-chained and re-signed in version 1
        // from seq 50 on, as someone holding the key would to drop the time binding.
        int[] versions = versionsSwitchingAt(40);
        Arrays.fill(versions, 50, N, 1);
        ChainFixture.Agent a = mixedVersions("agent-rewritten", versions);
        List<Finding> f = run(verifier(), a, a.rows(), a.checkpoints()).findings();
        assertThat(f.stream().filter(x -> x.kind() == FindingKind.FORGED_CHECKPOINT).map(Finding::seq))
                .containsExactly(63L, 79L, 95L, 99L);
        assertThat(f.stream().filter(x -> x.kind() == FindingKind.MODIFIED).map(Finding::seq))
                .containsExactlyElementsOf(java.util.stream.LongStream.range(50, N).boxed().toList());
        assertThat(f).hasSize(4 + 50);
        assertThat(f.get(0).detail()).contains("chained after the format 2 checkpoint of tree size 48");
    }

    @Test
    void reportsAChangedChainedTimeOrEntryVersionAsModifiedAtItsSeq() {
        assertOnly(findingsAfter(rows -> {
            EventRow r = rows.get(41);
            rows.set(41, new EventRow(r.tenant(), r.agentId(), r.seq(), r.prevHash(), r.hash(), r.entryVersion(),
                    r.chainedAtMicros() + 1, r.schemaId(), r.schemaFingerprint(), r.eventBytes()));
            return rows;
        }), 41, FindingKind.MODIFIED);
        for (int version : new int[] {0, 1, 3, 255}) {
            List<Finding> f = findingsAfter(rows -> {
                EventRow r = rows.get(42);
                rows.set(42, new EventRow(r.tenant(), r.agentId(), r.seq(), r.prevHash(), r.hash(), version,
                        r.chainedAtMicros(), r.schemaId(), r.schemaFingerprint(), r.eventBytes()));
                return rows;
            });
            assertOnly(f, 42, FindingKind.MODIFIED);
            if (version != 1) {
                assertThat(f.get(0).detail()).contains("entry_version " + version + " is not a known");
            }
        }
    }
}
