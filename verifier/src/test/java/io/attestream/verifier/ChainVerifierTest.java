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
import io.attestream.integrity.TimestampVerifier;
import io.attestream.verifier.internal.CheckpointChecks;
import io.attestream.verifier.testing.ChainFixture;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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
        tsa = ChainFixture.tsa("verifier-test");
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

    /** Without TSA trust: for fixtures whose checkpoints carry no token. */
    private static ChainVerifier verifierWithoutTsa() {
        return ChainVerifier.of(CheckpointVerifier.of(KEY.verifierKey()), Optional.empty(), Map.of());
    }

    /** With the default settings, but the verifier's clock at {@code now}. */
    private static ChainVerifier verifierAt(Instant now, Optional<TimestampVerifier> ts) {
        return ChainVerifier.of(CheckpointVerifier.of(KEY.verifierKey()), ts, Map.of(),
                ChainVerifier.Settings.defaults().withClock(Clock.fixed(now, ZoneOffset.UTC)));
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
    void reportsExactDuplicateAsDuplicate() {
        assertOnly(findingsAfter(rows -> {
            rows.add(33, rows.get(33));
            return rows;
        }), 33, FindingKind.DUPLICATE);
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
    void checkpointsCheckedAheadOnTheirOwnThreadGiveExactlyTheFindingsOfTheInlineChecks() {
        ChainFixture.Agent a = agents.get(0);
        List<CheckpointRow> cps = new ArrayList<>(a.checkpoints());
        CheckpointRow c1 = cps.get(1);
        cps.set(1, new CheckpointRow(c1.tenant(), c1.agentId(), c1.treeSize(), c1.rootHash(),
                c1.note().replace(c1.rootHash().base64(), Hash.sha256(new byte[] {1}).base64()), c1.keyName(),
                c1.timestamp()));
        CheckpointRow c2 = cps.get(2);
        cps.set(2, new CheckpointRow(c2.tenant(), c2.agentId(), c2.treeSize(), c2.rootHash(),
                SignedCheckpoint.sign(Checkpoint.parse(SignedCheckpoint.parse(c2.note()).checkpoint().body()),
                        OTHER_KEY).text(), c2.keyName(), null));
        CheckpointRow c3 = cps.get(3);
        cps.set(3, new CheckpointRow(c3.tenant(), c3.agentId(), c3.treeSize(), c3.rootHash(), c3.note(),
                c3.keyName(), ChainFixture.withFlippedSignatureByte(new String(c3.timestamp(), StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8)));
        CheckpointRow c5 = cps.get(5);
        cps.set(5, new CheckpointRow(c5.tenant(), c5.agentId(), c5.treeSize(), c5.rootHash(), c5.note(),
                c5.keyName(), null));
        Map<LogId, List<CheckpointRow>> byLog = new java.util.LinkedHashMap<>();
        byLog.put(a.log(), cps);
        for (ChainFixture.Agent other : agents.subList(1, agents.size())) {
            byLog.put(other.log(), other.checkpoints());
        }
        ChainVerifier v = verifier();
        List<AgentResult> inline = new ArrayList<>();
        for (ChainFixture.Agent x : agents) {
            inline.add(run(v, x, x.rows(), byLog.get(x.log())));
        }
        List<AgentResult> ahead = new ArrayList<>();
        try (CheckpointChecks checks = v.checkAhead(byLog)) {
            // The last log first: the checks of a log the ahead thread may not have reached yet run on this thread.
            for (ChainFixture.Agent x : List.of(agents.get(2), agents.get(0), agents.get(1))) {
                ChainVerifier.AgentRun run = v.begin(x.log(), byLog.get(x.log()), Optional.empty(), checks);
                x.rows().forEach(run::accept);
                ahead.add(run.finish());
            }
        }
        ahead = List.of(ahead.get(1), ahead.get(2), ahead.get(0));
        assertThat(inline.get(0).findings()).extracting(Finding::kind).contains(FindingKind.FORGED_CHECKPOINT,
                FindingKind.UNKNOWN_KEY_CHECKPOINT, FindingKind.TIMESTAMP_MISMATCH, FindingKind.MISSING_TIMESTAMP);
        for (int i = 0; i < agents.size(); i++) {
            assertThat(ahead.get(i).findings()).as("agent %d", i).isEqualTo(inline.get(i).findings());
            assertThat(ahead.get(i).checkpointsVerified()).isEqualTo(inline.get(i).checkpointsVerified());
            assertThat(ahead.get(i).timestampsVerified()).isEqualTo(inline.get(i).timestampsVerified());
            assertThat(ahead.get(i).tsaSubjects()).isEqualTo(inline.get(i).tsaSubjects());
        }
        assertThatThrownBy(() -> verifierWithoutTsa().begin(a.log(), cps, Optional.empty(), v.checkAhead(Map.of())))
                .isInstanceOf(IllegalArgumentException.class);
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
                org.assertj.core.groups.Tuple.tuple(30L, FindingKind.DUPLICATE),
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
            AgentResult r = run(verifierWithoutTsa(), a, a.rows(), a.checkpoints());
            assertThat(r.findings()).as("switch at %d", switchAt).isEmpty();
            assertThat(r.checkpointsVerified()).isEqualTo(7);
        }
    }

    @Test
    void reportsAnEntryVersionThatGoesBack() {
        int[] versions = versionsSwitchingAt(40);
        versions[70] = 1;
        ChainFixture.Agent a = mixedVersions("agent-downgraded", versions);
        // No checkpoint, verified a minute after chaining: the unsealed rows are not overdue yet.
        List<Finding> f = run(verifierAt(ChainFixture.STAMPED_AT, Optional.empty()), a, a.rows(), List.of()).findings();
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
        List<Finding> f = run(verifierWithoutTsa(), a, a.rows(), a.checkpoints()).findings();
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

    // ---------------------------------------------------------------- coverage (issue 13 point 3)

    private static CheckpointRow withoutTimestamp(CheckpointRow c) {
        return new CheckpointRow(c.tenant(), c.agentId(), c.treeSize(), c.rootHash(), c.note(), c.keyName(), null);
    }

    @Test
    void reportsDeletedMiddleCheckpointAsMissingCheckpointNamingTheSeqRange() {
        ChainFixture.Agent a = agents.get(0);
        List<CheckpointRow> cps = new ArrayList<>(a.checkpoints());
        assertThat(cps.remove(2).treeSize()).isEqualTo(48);
        List<Finding> f = run(verifier(), a, a.rows(), cps).findings();
        assertOnly(f, 32, FindingKind.MISSING_CHECKPOINT);
        assertThat(f.get(0).detail()).contains("seq 32..63 (32 entries)", "tree size 32", "tree size 64",
                "at most every 16 entries");
    }

    @Test
    void reportsFirstCheckpointDeletedAsMissingCheckpointFromTheStartOfTheLog() {
        ChainFixture.Agent a = agents.get(0);
        List<CheckpointRow> cps = new ArrayList<>(a.checkpoints().subList(1, a.checkpoints().size()));
        List<Finding> f = run(verifier(), a, a.rows(), cps).findings();
        assertOnly(f, 0, FindingKind.MISSING_CHECKPOINT);
        assertThat(f.get(0).detail()).contains("seq 0..31", "the start of the log");
    }

    @Test
    void reportsNewestCheckpointsDeletedAsUnsealedTailOnceTheCadenceAndSlackHavePassed() {
        ChainFixture.Agent a = agents.get(0);
        List<CheckpointRow> cps = new ArrayList<>(a.checkpoints().subList(0, 5));
        assertThat(cps.get(4).treeSize()).isEqualTo(80);
        List<Finding> f = run(verifier(), a, a.rows(), cps).findings();
        assertOnly(f, 80, FindingKind.UNSEALED);
        // 20 entries >= the 16 of the cadence: the checkpoint was due when entry 95 was chained.
        assertThat(f.get(0).detail()).contains("seq 80..99 (20 entries", "16 events (entry 95)",
                "tree size 80", "PT10M");

        // Verified when the tail is not overdue yet (a minute after chaining): nothing stored tells the loss
        // from a checkpoint still on its way, so it is not reported; it is once the slack has passed.
        Instant soon = ChainFixture.CHAINED_T0.plus(Duration.ofMinutes(5));
        assertThat(run(verifierAt(soon, Optional.of(tsa.verifier())), a, a.rows(), cps).findings()).isEmpty();
        Instant overdue = ChainFixture.CHAINED_T0.plus(Duration.ofMinutes(11));
        assertOnly(run(verifierAt(overdue, Optional.of(tsa.verifier())), a, a.rows(), cps).findings(), 80,
                FindingKind.UNSEALED);
    }

    @Test
    void reportsLogWhoseEveryCheckpointWasDeletedAsUnsealedFromSeqZeroUnderTheDefaultCadence() {
        ChainFixture.Agent a = agents.get(0);
        List<Finding> f = run(verifier(), a, a.rows(), List.of()).findings();
        assertOnly(f, 0, FindingKind.UNSEALED);
        assertThat(f.get(0).detail()).contains("seq 0..99 (100 entries", "no verified checkpoint",
                "default cadence 1000 events / 60000 ms");
    }

    @Test
    void reportsTimeTriggeredCheckpointDeletedAsMissingCheckpointFromTheSignedCreationTimes() {
        // One entry every 10 s, a checkpoint every 6 entries (60 s, the cadence's interval; N = 1000 is never
        // reached): deleting one leaves a 12-entry gap that only the signed creation times reveal.
        ChainFixture.Agent slow = ChainFixture.build("acme", "agent-slow", 60, 6, KEY, null, ChainFixture.CHAINED_T0,
                10_000_000L, new Checkpoint.Cadence(1000, 60_000));
        List<CheckpointRow> cps = new ArrayList<>(slow.checkpoints());
        assertThat(cps.remove(3).treeSize()).isEqualTo(24);
        ChainVerifier.Settings tight = new ChainVerifier.Settings(Checkpoint.Cadence.FORMAT_1_DEFAULT,
                Duration.ofSeconds(30), ChainVerifier.Settings.DEFAULT_TIMESTAMP_BOUND,
                ChainVerifier.Settings.DEFAULT_CLOCK_SKEW, Clock.systemUTC());
        ChainVerifier v = ChainVerifier.of(CheckpointVerifier.of(KEY.verifierKey()), Optional.empty(), Map.of(), tight);
        assertThat(run(v, slow, slow.rows(), slow.checkpoints()).findings()).isEmpty();
        List<Finding> f = run(v, slow, slow.rows(), cps).findings();
        assertOnly(f, 18, FindingKind.MISSING_CHECKPOINT);
        assertThat(f.get(0).detail()).contains("seq 18..29", "60000 ms", "PT30S");
        // Under the default slack of 10 minutes a 60 s hole is within tolerance (documented limit).
        assertThat(run(verifierWithoutTsa(), slow, slow.rows(), cps).findings()).isEmpty();
    }

    @Test
    void reportsCheckpointWithoutTimestampTokenAsMissingTimestampWhenATsaIsTrusted() {
        List<Finding> f = checkpointFindingsAfter(cps -> {
            cps.set(2, withoutTimestamp(cps.get(2)));
            return cps;
        });
        assertOnly(f, 47, FindingKind.MISSING_TIMESTAMP);
        assertThat(f.get(0).detail()).contains("tree size 48", "timestamp_token is NULL");
        ChainFixture.Agent a = agents.get(0);
        List<CheckpointRow> none = a.checkpoints().stream().map(ChainVerifierTest::withoutTimestamp).toList();
        AgentResult r = run(verifier(), a, a.rows(), none);
        assertThat(r.findings()).hasSize(7).allSatisfy(x -> assertThat(x.kind()).isEqualTo(FindingKind.MISSING_TIMESTAMP));
        AgentResult unchecked = run(verifierWithoutTsa(), a, a.rows(), none);
        assertThat(unchecked.findings()).isEmpty();
        assertThat(unchecked.timestampsUnchecked()).isZero();
    }

    @Test
    void namesTheTsaWhoseTokensItTrustedForEachLog() {
        ChainFixture.Agent a = agents.get(0);
        assertThat(run(verifier(), a, a.rows(), a.checkpoints()).tsaSubjects()).singleElement().asString()
                .contains("verifier-test");
        assertThat(run(verifierWithoutTsa(), a, a.rows(), a.checkpoints()).tsaSubjects()).isEmpty();
    }

    // ---------------------------------------------------------------- every loss (point 4) and copies (point 2)

    @Test
    void reportsDeletedEntryReplacedByACopyOfAnotherAsMissingAndTheOtherAsStoredTwice() {
        List<Finding> f = findingsAfter(rows -> {
            rows.set(4, withSeq(rows.get(9), 4));
            return rows;
        });
        assertThat(f).extracting(Finding::seq, Finding::kind).containsExactly(
                org.assertj.core.groups.Tuple.tuple(4L, FindingKind.DELETED),
                org.assertj.core.groups.Tuple.tuple(4L, FindingKind.REORDERED),
                org.assertj.core.groups.Tuple.tuple(9L, FindingKind.DUPLICATE));
        assertThat(f.get(0).detail()).contains("entry 4 is missing");
        assertThat(f.get(1).detail()).contains("is entry 9");
        assertThat(f.get(2).detail()).contains("entry 9 is stored twice", "at seq 4");
    }

    @Test
    void reportsCopyOfAnEntryStoredBesideAnotherSeqsGenuineRowAsStoredTwice() {
        List<Finding> f = findingsAfter(rows -> {
            rows.add(5, withSeq(rows.get(9), 4));
            return rows;
        });
        assertThat(f).extracting(Finding::seq, Finding::kind).containsExactly(
                org.assertj.core.groups.Tuple.tuple(4L, FindingKind.REORDERED),
                org.assertj.core.groups.Tuple.tuple(9L, FindingKind.DUPLICATE));
    }

    @Test
    void reportsEveryLossOfOneRunInDeletionsCopiesAndSwapsTogether() {
        List<Finding> f = findingsAfter(rows -> {
            rows.set(20, withSeq(rows.get(25), 20));
            EventRow r70 = rows.get(70);
            rows.set(70, withSeq(rows.get(71), 70));
            rows.set(71, withSeq(r70, 71));
            rows.add(40, rows.get(40));
            rows.remove(61);
            return rows;
        });
        assertThat(f).extracting(Finding::seq, Finding::kind).containsExactly(
                org.assertj.core.groups.Tuple.tuple(20L, FindingKind.DELETED),
                org.assertj.core.groups.Tuple.tuple(20L, FindingKind.REORDERED),
                org.assertj.core.groups.Tuple.tuple(25L, FindingKind.DUPLICATE),
                org.assertj.core.groups.Tuple.tuple(40L, FindingKind.DUPLICATE),
                org.assertj.core.groups.Tuple.tuple(60L, FindingKind.DELETED),
                org.assertj.core.groups.Tuple.tuple(70L, FindingKind.REORDERED),
                org.assertj.core.groups.Tuple.tuple(71L, FindingKind.REORDERED));
    }

    @Test
    void reportsForgedSecondRowWithBothHashesWhileTheGenuineRowVerifies() {
        ChainFixture.Agent a = agents.get(0);
        EventRow genuine = a.rows().get(60);
        EventRow fake = forged(a.log(), 60, genuine.prevHash(), "fake approval");
        for (int order = 0; order < 2; order++) {
            List<EventRow> rows = new ArrayList<>(a.rows());
            rows.add(60 + order, fake);
            AgentResult r = run(verifier(), a, rows, a.checkpoints());
            assertOnly(r.findings(), 60, FindingKind.INSERTED);
            assertThat(r.findings().get(0).detail()).contains(fake.hash().base64(), genuine.hash().base64());
            assertThat(r.checkpointsVerified()).isEqualTo(7);
        }
    }

    @Test
    void reportsForgedSecondRowForTheLastSeqAsInsertedWhicheverComesFirst() {
        ChainFixture.Agent a = agents.get(0);
        EventRow genuine = a.rows().get(N - 1);
        EventRow fake = forged(a.log(), N - 1, genuine.prevHash(), "fake last approval");
        for (int order = 0; order < 2; order++) {
            List<EventRow> rows = new ArrayList<>(a.rows());
            rows.add(N - 1 + order, fake);
            AgentResult r = run(verifier(), a, rows, a.checkpoints());
            assertOnly(r.findings(), N - 1, FindingKind.INSERTED);
            assertThat(r.findings().get(0).detail()).contains(fake.hash().base64(), genuine.hash().base64());
            assertThat(r.checkpointsVerified()).isEqualTo(7);
        }
    }

    @Test
    void reportsIdenticalSecondRowAsDuplicateWithItsHash() {
        ChainFixture.Agent a = agents.get(0);
        List<Finding> f = findingsAfter(rows -> {
            rows.add(51, rows.get(50));
            return rows;
        });
        assertOnly(f, 50, FindingKind.DUPLICATE);
        assertThat(f.get(0).detail()).contains(a.rows().get(50).hash().base64());
    }

    // ---------------------------------------------------------------- time binding (issue 14 point 1)

    @Test
    void reportsCheckpointsStampedLaterThanTheBoundAfterTheirCreationAsLateTimestamp() throws Exception {
        EmbeddedTimestampAuthority later = restamping(ChainFixture.CHAINED_T0.plus(Duration.ofHours(1)));
        ChainFixture.Agent a = ChainFixture.build("acme", "agent-late", N, EVERY, KEY, later);
        List<Finding> f = run(verifier(), a, a.rows(), a.checkpoints()).findings();
        assertThat(f).hasSize(7).allSatisfy(x -> {
            assertThat(x.kind()).isEqualTo(FindingKind.LATE_TIMESTAMP);
            assertThat(x.detail()).contains("after its signed creation time", "PT10M");
        });
        ChainVerifier lenient = ChainVerifier.of(CheckpointVerifier.of(KEY.verifierKey()), Optional.of(tsa.verifier()),
                Map.of(), new ChainVerifier.Settings(Checkpoint.Cadence.FORMAT_1_DEFAULT,
                        ChainVerifier.Settings.DEFAULT_SEAL_SLACK, Duration.ofHours(2),
                        ChainVerifier.Settings.DEFAULT_CLOCK_SKEW, Clock.systemUTC()));
        assertThat(run(lenient, a, a.rows(), a.checkpoints()).findings()).isEmpty();
    }

    @Test
    void reportsTimestampBeforeTheSignedCreationTimeAsLateTimestamp() throws Exception {
        EmbeddedTimestampAuthority early = restamping(ChainFixture.CHAINED_T0.minusSeconds(10));
        ChainFixture.Agent a = ChainFixture.build("acme", "agent-early", N, EVERY, KEY, early);
        List<Finding> f = run(verifier(), a, a.rows(), a.checkpoints()).findings();
        assertThat(f).isNotEmpty().allSatisfy(x -> assertThat(x.kind()).isEqualTo(FindingKind.LATE_TIMESTAMP));
        assertThat(f).anySatisfy(x -> assertThat(x.detail()).contains("before its signed creation time"));
        assertThat(f).anySatisfy(x -> assertThat(x.detail()).contains("were chained after its timestamp"));
    }

    @Test
    void reportsTimestampThatGoesBackAlongTheLogAsLateTimestamp() throws Exception {
        ChainFixture.Agent a = agents.get(0);
        // Checkpoint 48 re-stamped five minutes later than every other: the next one's genTime goes back.
        EmbeddedTimestampAuthority later = restamping(ChainFixture.STAMPED_AT.plus(Duration.ofMinutes(5)));
        List<CheckpointRow> cps = new ArrayList<>(a.checkpoints());
        CheckpointRow c = cps.get(2);
        byte[] token = io.attestream.verifier.internal.TimestampCodec.encode(io.attestream.integrity.TimestampedBatch
                .timestampCheckpoints(List.of(SignedCheckpoint.parse(c.note())), later).timestamps().get(0));
        cps.set(2, new CheckpointRow(c.tenant(), c.agentId(), c.treeSize(), c.rootHash(), c.note(), c.keyName(), token));
        List<Finding> f = run(verifier(), a, a.rows(), cps).findings();
        assertOnly(f, 63, FindingKind.LATE_TIMESTAMP);
        assertThat(f.get(0).detail()).contains("before the smaller checkpoint of tree size 48");
    }

    @Test
    void reportsEntriesChainedAfterTheTimestampOfTheirFirstCoveringCheckpointAsLateTimestamp() {
        ChainFixture.Agent a = agents.get(0);
        // Entries 40..47 re-chained an hour later than their checkpoint of size 48 was stamped, then that
        // checkpoint's tree rebuilt and re-signed (the key holder's rewrite): only the time binding shows it.
        List<EventRow> rows = new ArrayList<>(a.rows());
        LogState state = LogState.empty(a.log());
        long late = ChainFixture.micros(ChainFixture.STAMPED_AT.plus(Duration.ofHours(1)));
        for (int i = 0; i < N; i++) {
            EventRow r = rows.get(i);
            long chainedAt = i >= 40 && i < 48 ? late + i : r.chainedAtMicros();
            LogState.Appended ap = state.append(chainedAt, r.schemaId(), r.schemaFingerprint().toBytes(), r.body());
            state = ap.state();
            rows.set(i, new EventRow(r.tenant(), r.agentId(), i, ap.entry().previousHash(), ap.entry().hash(),
                    r.entryVersion(), chainedAt, r.schemaId(), r.schemaFingerprint(), r.eventBytes()));
        }
        List<Finding> tree = run(verifier(), a, rows, a.checkpoints()).findings();
        assertThat(tree).extracting(Finding::kind).contains(FindingKind.MODIFIED, FindingKind.LATE_TIMESTAMP);
        // Same rows against checkpoints re-signed over the new tree, stamped with the old tokens' genTime.
        List<CheckpointRow> resigned = resign(a, rows);
        List<Finding> f = run(verifier(), a, rows, resigned).findings();
        assertOnly(f, 40, FindingKind.LATE_TIMESTAMP);
        assertThat(f.get(0).detail()).contains("8 entries", "tree size 48", "were chained after its timestamp");
    }

    /** The fixture's TSA (same CA, trusted by {@link #verifier()}) with its clock at {@code at}. */
    private static EmbeddedTimestampAuthority restamping(Instant at) throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("verifier-tsa");
        tsa.save(dir);
        return EmbeddedTimestampAuthority.load(dir, Clock.fixed(at, ZoneOffset.UTC));
    }

    /** Checkpoints at the fixture's sizes over {@code rows}, signed by the key and stamped by the fixture's TSA. */
    private static List<CheckpointRow> resign(ChainFixture.Agent a, List<EventRow> rows) {
        List<SignedCheckpoint> notes = new ArrayList<>();
        CompactMerkleTree tree = CompactMerkleTree.empty();
        for (int i = 0; i < rows.size(); i++) {
            tree = tree.append(rows.get(i).hash());
            if ((i + 1) % EVERY == 0 || i == rows.size() - 1) {
                notes.add(SignedCheckpoint.sign(Checkpoint.forLog(new ChainHead(a.log(), i + 1, rows.get(i).hash()),
                        tree.root(), new Checkpoint.Cadence(EVERY, 60_000), ChainFixture.CHAINED_T0.plusMillis(i + 1)),
                        KEY));
            }
        }
        List<io.attestream.integrity.CheckpointTimestamp> ts = io.attestream.integrity.TimestampedBatch
                .timestampCheckpoints(notes, tsa).timestamps();
        List<CheckpointRow> out = new ArrayList<>();
        for (int i = 0; i < notes.size(); i++) {
            Checkpoint c = notes.get(i).checkpoint();
            out.add(new CheckpointRow(a.log().tenant(), a.log().agentId(), c.treeSize(), c.rootHash(),
                    notes.get(i).text(), KEY.name(), io.attestream.verifier.internal.TimestampCodec.encode(ts.get(i))));
        }
        return out;
    }

    // ---------------------------------------------------------------- auditor state (issue 14 point 2)

    private static AgentResult runRemembering(ChainFixture.Agent a, List<EventRow> rows, List<CheckpointRow> cps,
            CheckpointRow remembered) {
        ChainVerifier.AgentRun run = verifier().begin(a.log(), cps, Optional.of(remembered));
        rows.forEach(run::accept);
        return run.finish();
    }

    @Test
    void acceptsAStoredLogThatExtendsTheRememberedCheckpointAndRemembersTheNewestVerified() {
        ChainFixture.Agent a = agents.get(0);
        for (CheckpointRow remembered : a.checkpoints()) {
            AgentResult r = runRemembering(a, a.rows(), a.checkpoints(), remembered);
            assertThat(r.findings()).as("remembered size %d", remembered.treeSize()).isEmpty();
            assertThat(r.newestVerified()).contains(a.checkpoints().get(a.checkpoints().size() - 1));
        }
    }

    @Test
    void reportsRollbackWhenTheTailWasDeletedTogetherWithItsCheckpoints() {
        ChainFixture.Agent a = agents.get(0);
        CheckpointRow remembered = a.checkpoints().get(6);
        AgentResult r = runRemembering(a, a.rows().subList(0, 80), a.checkpoints().subList(0, 5), remembered);
        assertOnly(r.findings(), 99, FindingKind.ROLLBACK);
        assertThat(r.findings().get(0).detail()).contains("tree size 100", "newest stored checkpoint is of tree size 80",
                "80 entries are stored");
        // Without the state, the cut-back log is self-consistent.
        assertThat(run(verifier(), a, a.rows().subList(0, 80), a.checkpoints().subList(0, 5)).findings()).isEmpty();
    }

    @Test
    void reportsForkWhenTheHistoryWasRewrittenAndReSignedWithTheRealKey() {
        ChainFixture.Agent a = agents.get(0);
        List<EventRow> rewritten = ChainFixture.rechainFrom(a.log(), a.rows(), 10);
        List<CheckpointRow> resigned = resign(a, rewritten);
        assertThat(run(verifier(), a, rewritten, resigned).findings()).as("no state: undetected").isEmpty();
        AgentResult older = runRemembering(a, rewritten, resigned, a.checkpoints().get(2));
        assertOnly(older.findings(), 47, FindingKind.FORK);
        assertThat(older.findings().get(0).detail()).contains("consistency proof", "tree size 100");
        AgentResult sameSize = runRemembering(a, rewritten, resigned, a.checkpoints().get(6));
        assertOnly(sameSize.findings(), 99, FindingKind.FORK);
        // Rewritten after the remembered checkpoint: consistent with it, so no fork.
        List<EventRow> later = ChainFixture.rechainFrom(a.log(), a.rows(), 60);
        assertThat(runRemembering(a, later, resign(a, later), a.checkpoints().get(2)).findings()).isEmpty();
    }

    @Test
    void refusesARememberedCheckpointThatTheKeysDoNotVerify() {
        ChainFixture.Agent a = agents.get(0);
        CheckpointRow c = a.checkpoints().get(2);
        String other = SignedCheckpoint.sign(SignedCheckpoint.parse(c.note()).checkpoint(), OTHER_KEY).text();
        CheckpointRow foreign = new CheckpointRow(c.tenant(), c.agentId(), c.treeSize(), c.rootHash(), other,
                c.keyName(), null);
        assertThatThrownBy(() -> verifier().begin(a.log(), a.checkpoints(), Optional.of(foreign)))
                .isInstanceOf(VerifierException.class).hasMessageContaining("does not verify with the given keys");
    }
}
