package io.attestream.chainer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.integrity.LogId;
import io.attestream.integrity.LogState;
import io.attestream.integrity.MalformedDataException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class AgentStateTest {
    private static AgentState twoEntries() {
        LogState log = LogState.empty(LogId.of("acme", "agent-1"));
        byte[] fp = new byte[32];
        log = log.append(1_000, 1, fp, "a".getBytes(StandardCharsets.UTF_8)).state();
        log = log.append(2_000, 1, fp, "b".getBytes(StandardCharsets.UTF_8)).state();
        return new AgentState(log, 1, 1_764_115_200_000L);
    }

    @Test
    void roundTripsThroughItsStableEncoding() {
        AgentState s = twoEntries();
        AgentState back = AgentState.fromBytes(s.toBytes());
        assertThat(back).isEqualTo(s);
        assertThat(back.uncheckpointed()).isEqualTo(1);
        assertThat(back.log().tree().root()).isEqualTo(s.log().tree().root());
    }

    @Test
    void encodingStartsWithVersionAndBookkeepingThenTheLogState() {
        byte[] b = twoEntries().toBytes();
        assertThat(HexFormat.of().formatHex(b, 0, 17)).isEqualTo("01" + "0000000000000001" + "0000019abd75b800");
        assertThat(Arrays.copyOfRange(b, 17, b.length)).isEqualTo(twoEntries().log().toBytes());
    }

    @Test
    void rejectsUnknownVersionAndImpossibleBookkeeping() {
        byte[] b = twoEntries().toBytes();
        b[0] = 2;
        assertThatThrownBy(() -> AgentState.fromBytes(b)).isInstanceOf(MalformedDataException.class);
        byte[] c = twoEntries().toBytes();
        c[8] = 9;
        assertThatThrownBy(() -> AgentState.fromBytes(c)).isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("last checkpoint size");
    }

    @Test
    void checkpointedResetsTheCountAndTheClock() {
        AgentState s = twoEntries().checkpointed(42);
        assertThat(s.uncheckpointed()).isZero();
        assertThat(s.lastCheckpointAtMs()).isEqualTo(42);
    }
}
