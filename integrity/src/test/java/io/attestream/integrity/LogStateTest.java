package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogStateTest {
    private static final LogId LOG = LogId.of("acme", "agent-1");
    private static final byte[] FP = new byte[Hash.SIZE];
    private static final long T0 = 1_795_651_200_000_000L;
    private static final Checkpoint.Cadence CADENCE = new Checkpoint.Cadence(1000, 60_000);
    private static final Instant CREATED = Instant.parse("2026-11-26T00:00:01.000250Z");

    @Test
    void appendKeepsChainAndTreeInStepAndSurvivesEncoding() {
        LogState s = LogState.empty(LOG);
        List<Hash> hashes = new ArrayList<>();
        for (int i = 0; i < 37; i++) {
            LogState.Appended a = s.append(T0 + i, 3, FP, new byte[] {(byte) i});
            assertThat(a.entry().seq()).isEqualTo(i);
            hashes.add(a.entry().hash());
            s = LogState.fromBytes(a.state().toBytes());
            assertThat(s).isEqualTo(a.state());
        }
        assertThat(s.size()).isEqualTo(37);
        assertThat(s.tree().root()).isEqualTo(MerkleTree.of(hashes).root());
        assertThat(s.head().hash()).isEqualTo(hashes.get(36));
    }

    @Test
    void rejectsTreeThatDoesNotMatchChainLength() {
        LogState s = LogState.empty(LOG).append(T0, 3, FP, new byte[1]).state();
        assertThatThrownBy(() -> new LogState(s.head(), CompactMerkleTree.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differs from chain length 1");
        byte[] enc = s.toBytes();
        byte[] bad = Arrays.copyOf(enc, enc.length - 1);
        assertThatThrownBy(() -> LogState.fromBytes(bad)).isInstanceOf(MalformedDataException.class);
    }

    @Test
    void replayOfStoredEntriesReproducesTheSignedCheckpoint() {
        LogState writer = LogState.empty(LOG);
        List<ChainEntry> stored = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            LogState.Appended a = writer.append(T0 + i, 3, FP, new byte[] {(byte) i, 7});
            stored.add(a.entry());
            writer = a.state();
        }
        SigningKey key = SigningKey.fromSeed("test", new byte[32]);
        String note = SignedCheckpoint.sign(writer.checkpoint(CADENCE, CREATED), key).text();
        Checkpoint signed = CheckpointVerifier.of(key.verifierKey()).verify(note, LOG.origin()).checkpoint();

        LogState replayed = LogState.empty(LOG);
        for (ChainEntry e : stored) {
            ChainEntry r = ChainEntry.recompute(LOG, e.seq(), e.previousHash(), e.version(),
                    e.chainedAtMicros().orElseThrow(), e.schemaId(), e.schemaFingerprint().toBytes(), e.eventBytes());
            r.verifyStoredHash(e.hash());
            replayed = replayed.replay(r);
        }
        replayed.verifyCheckpoint(signed);
        assertThat(replayed).isEqualTo(writer);
        assertThat(signed.cadence()).contains(CADENCE);
        assertThat(signed.created()).contains(CREATED);
    }

    @Test
    void rejectsCheckpointWhoseRootOrChainHeadDiffersFromReplay() {
        LogState a = LogState.empty(LOG).append(T0, 3, FP, new byte[] {1}).state();
        LogState b = LogState.empty(LOG).append(T0, 3, FP, new byte[] {2}).state();
        assertThatThrownBy(() -> a.verifyCheckpoint(b.checkpoint(CADENCE, CREATED)))
                .isInstanceOf(ProofInvalidException.class).hasMessageContaining("differs from the signed checkpoint root");
        Checkpoint sameRootOtherHead = new Checkpoint(LOG.origin(), 1, a.tree().root(),
                b.checkpoint(CADENCE, CREATED).extensions());
        assertThatThrownBy(() -> a.verifyCheckpoint(sameRootOtherHead)).isInstanceOf(ChainBrokenException.class)
                .hasMessageContaining("differs from the signed chain head");
        Checkpoint noHead = new Checkpoint(LOG.origin(), 1, a.tree().root(), List.of());
        assertThatThrownBy(() -> a.verifyCheckpoint(noHead)).isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("does not have a chain-head line");
        Checkpoint format1 = new Checkpoint(LOG.origin(), 1, a.tree().root(), a.checkpoint(CADENCE, CREATED)
                .extensions().subList(0, 1));
        a.verifyCheckpoint(format1);
    }
}
