package io.attestream.verifier.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.integrity.LogId;
import io.attestream.integrity.SigningKey;
import io.attestream.verifier.AgentResult;
import io.attestream.verifier.CheckpointRow;
import io.attestream.verifier.VerificationReport;
import io.attestream.verifier.VerifierException;
import io.attestream.verifier.testing.ChainFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirectoryTest {
    private static final SigningKey KEY = SigningKey.fromSeed("attestream-test", seed());
    private static final ChainFixture.Agent AGENT = ChainFixture.build("tenant/é", "agent 7+", 20, 8, KEY,
            ChainFixture.tsa("state-test"));

    @TempDir
    Path tmp;

    private static byte[] seed() {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) 3);
        return s;
    }

    private static AgentResult ok(CheckpointRow newest) {
        return new AgentResult(newest.tenant(), newest.agentId(), 20, 20, 3, 3, newest.treeSize(), 3, 0, List.of(),
                List.of(), newest);
    }

    @Test
    void createsTheDirectoryAndKeepsEachLogsCheckpointAsReadableTextThatReadsBack() throws Exception {
        Path dir = tmp.resolve("not/yet");
        StateDirectory state = StateDirectory.open(dir);
        assertThat(dir).isDirectory();
        CheckpointRow c = AGENT.checkpoints().get(1);
        state.write(c, Instant.parse("2026-12-03T10:00:00Z"));
        Path file = dir.resolve("tenant%2F%C3%A9/agent%207%2B.checkpoint");
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).startsWith("attestream-verifier-state 1\norigin " + AGENT.log().origin() + "\ntree-size 16\n")
                .contains("verified-at 2026-12-03T10:00:00Z\ntimestamp {\"version\":1,")
                .endsWith("\n\n" + c.note());
        Map<LogId, CheckpointRow> back = StateDirectory.open(dir).readAll();
        assertThat(back).containsOnlyKeys(AGENT.log());
        assertThat(back.get(AGENT.log())).isEqualTo(c);
    }

    @Test
    void advancesOnlyLogsWithoutFindingsAndNeverBackwards() {
        StateDirectory state = StateDirectory.open(tmp);
        CheckpointRow c16 = AGENT.checkpoints().get(1);
        CheckpointRow c20 = AGENT.checkpoints().get(2);
        Map<LogId, CheckpointRow> remembered = Map.of(AGENT.log(), c16);
        AgentResult failing = new AgentResult(c20.tenant(), c20.agentId(), 20, 20, 3, 3, 20, 3, 0,
                List.of(new io.attestream.verifier.Finding(c20.tenant(), c20.agentId(), 3,
                        io.attestream.verifier.FindingKind.MODIFIED, "x")), List.of(), c20);
        assertThat(state.advance(new VerificationReport(List.of(failing), 20, Duration.ZERO), remembered,
                Instant.now())).isZero();
        assertThat(state.advance(new VerificationReport(List.of(ok(AGENT.checkpoints().get(0))), 20, Duration.ZERO),
                remembered, Instant.now())).isZero();
        assertThat(state.advance(new VerificationReport(List.of(ok(c20)), 20, Duration.ZERO), remembered,
                Instant.now())).isEqualTo(1);
        assertThat(state.readAll().get(AGENT.log()).treeSize()).isEqualTo(20);
    }

    @Test
    void rejectsAStateFileThatWasEditedOrIsNotOne() throws Exception {
        StateDirectory state = StateDirectory.open(tmp);
        state.write(AGENT.checkpoints().get(0), Instant.now());
        Path file = state.file(AGENT.log());
        Files.writeString(file, Files.readString(file).replace("tree-size 8", "tree-size 9"));
        assertThatThrownBy(state::readAll).isInstanceOf(VerifierException.class)
                .hasMessageContaining("differ from the note's");
        Files.writeString(file, "hello\n");
        assertThatThrownBy(state::readAll).isInstanceOf(VerifierException.class)
                .hasMessageContaining("is not a verifier state file");
    }
}
