package io.attestream.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Hash;
import io.attestream.integrity.SigningKey;
import io.attestream.verifier.testing.ChainFixture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The chain rule for pruned entries (docs/integrity.md §7.6): the stored hash stands for the entry, and is bound. */
class PrunedEntriesTest {
    private static final SigningKey KEY = SigningKey.fromSeed("attestream-test", seed());
    private static final ChainFixture.Agent AGENT = ChainFixture.build("acme", "agent-p", 100, 16, KEY, null);

    private static byte[] seed() {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) 7);
        return s;
    }

    private static EventRow pruned(EventRow r) {
        return new EventRow(r.tenant(), r.agentId(), r.seq(), r.prevHash(), r.hash(), r.entryVersion(),
                r.chainedAtMicros(), r.schemaId(), r.schemaFingerprint(), new byte[0]);
    }

    private static AgentResult verify(List<EventRow> rows) {
        ChainVerifier v = ChainVerifier.of(CheckpointVerifier.of(KEY.verifierKey()), Optional.empty(), Map.of());
        ChainVerifier.AgentRun run = v.begin(AGENT.log(), AGENT.checkpoints());
        rows.forEach(run::accept);
        return run.finish();
    }

    @Test
    void aPrunedPrefixAndAPrunedMiddleKeepEveryCheckpointVerified() {
        List<EventRow> rows = new ArrayList<>();
        for (EventRow r : AGENT.rows()) {
            rows.add(r.seq() < 40 || (r.seq() >= 60 && r.seq() < 62) ? pruned(r) : r);
        }
        AgentResult a = verify(rows);
        assertThat(a.findings()).isEmpty();
        assertThat(a.checkpointsVerified()).isEqualTo(AGENT.checkpoints().size());
    }

    @Test
    void aPrunedRowWhoseStoredHashWasReplacedIsModified() {
        List<EventRow> rows = new ArrayList<>(AGENT.rows());
        EventRow r = rows.get(30);
        byte[] h = r.hash().toBytes();
        h[0] ^= 1;
        rows.set(30, new EventRow(r.tenant(), r.agentId(), r.seq(), r.prevHash(), Hash.of(h), r.entryVersion(),
                r.chainedAtMicros(), r.schemaId(), r.schemaFingerprint(), new byte[0]));
        assertThat(verify(rows).findings()).extracting(Finding::seq, Finding::kind)
                .containsExactly(tuple(30L, FindingKind.MODIFIED));
    }

    @Test
    void aRunOfPrunedRowsWithForgedHashesThatLinkFailsTheSignedRootOverThem() {
        // Seqs 20..38 get forged hashes, each row linking to the previous forged one, and seq 39 keeps its genuine
        // hash but links to forged 38: every link holds and seq 40 recomputes, so only the signed Merkle root of the
        // checkpoint over seq 20..31 (tree size 32) can tell.
        List<EventRow> rows = new ArrayList<>();
        Hash prev = null;
        for (EventRow r : AGENT.rows()) {
            if (r.seq() >= 20 && r.seq() < 40) {
                byte[] h = r.hash().toBytes();
                h[1] ^= 1;
                Hash stored = r.seq() == 39 ? r.hash() : Hash.of(h);
                rows.add(new EventRow(r.tenant(), r.agentId(), r.seq(), prev == null ? r.prevHash() : prev, stored,
                        r.entryVersion(), r.chainedAtMicros(), r.schemaId(), r.schemaFingerprint(), new byte[0]));
                prev = stored;
            } else {
                rows.add(r);
            }
        }
        AgentResult a = verify(rows);
        // Every later checkpoint's root differs too (the existing rule for a re-chained stretch).
        assertThat(a.findings()).isNotEmpty().extracting(Finding::seq, Finding::kind)
                .containsOnly(tuple(16L, FindingKind.MODIFIED));
        assertThat(a.findings().get(0).detail()).contains("differs from the signed root").contains("tree size 32");
    }
}
