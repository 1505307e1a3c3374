package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogStateTest {
    private static final LogId LOG = LogId.of("acme", "agent-1");
    private static final byte[] FP = new byte[Hash.SIZE];

    @Test
    void appendKeepsChainAndTreeInStepAndSurvivesEncoding() {
        LogState s = LogState.empty(LOG);
        List<Hash> hashes = new ArrayList<>();
        for (int i = 0; i < 37; i++) {
            LogState.Appended a = s.append(3, FP, new byte[] {(byte) i});
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
        LogState s = LogState.empty(LOG).append(3, FP, new byte[1]).state();
        assertThatThrownBy(() -> new LogState(s.head(), CompactMerkleTree.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differs from chain length 1");
        byte[] enc = s.toBytes();
        byte[] bad = Arrays.copyOf(enc, enc.length - 1);
        assertThatThrownBy(() -> LogState.fromBytes(bad)).isInstanceOf(MalformedDataException.class);
    }
}
