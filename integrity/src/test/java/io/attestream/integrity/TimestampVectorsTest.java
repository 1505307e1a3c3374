package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks the stored RFC 3161 vectors: a batch token over the key-1 notes of the checkpoint vectors. */
class TimestampVectorsTest {
    private static List<String> notes() {
        return TimestampVectors.notes();
    }

    private static TimestampVerifier verifier() {
        return TimestampVerifier.builder().trustAnchor(TimestampVectors.ca()).acceptPolicy(TimestampVectors.POLICY)
                .clock(Clock.fixed(TimestampVectors.GEN_TIME, ZoneOffset.UTC)).build();
    }

    @Test
    void batchRootMatchesTheIndependentlyComputedRoot() {
        assertThat(TimestampedBatch.root(notes()).hex()).isEqualTo(TimestampVectors.batchRootHex());
    }

    @Test
    void storedBatchTokenAndEveryStoredCheckpointTimestampVerify() {
        TimestampVerifier verifier = verifier();
        List<String> notes = notes();
        VerifiedTimestamp whole = verifier.verify(TimestampVectors.token(),
                TimestampedBatch.root(notes));
        assertThat(whole.genTime()).isEqualTo(TimestampVectors.GEN_TIME);
        String[] lines = TestJson.text("/vectors/timestamp/checkpoint-timestamps.jsonl").split("\n");
        assertThat(lines).hasSize(notes.size());
        for (int i = 0; i < lines.length; i++) {
            CheckpointTimestamp ts = CheckpointTimestamp.fromJson(lines[i]);
            assertThat(ts.toJson()).isEqualTo(lines[i]);
            assertThat(ts.batchProof().leafIndex()).isEqualTo(i);
            assertThat(ts.verify(notes.get(i), verifier).genTime()).isEqualTo(TimestampVectors.GEN_TIME);
            String other = notes.get((i + 1) % notes.size());
            assertThatThrownBy(() -> ts.verify(other, verifier)).isInstanceOf(TimestampInvalidException.class);
        }
    }

    @Test
    void rejectsMalformedCheckpointTimestampJson() {
        String good = TestJson.text("/vectors/timestamp/checkpoint-timestamps.jsonl").split("\n")[0];
        for (String bad : List.of(good.replace("\"version\":1", "\"version\":2"),
                good.replace("\"leaf_index\"", "\"leaf\""),
                good.replace("{", "{\"extra\":1,"),
                good.replace("\"batch_size\":4", "\"batch_size\":4,\"batch_size\":4"),
                good + "x")) {
            assertThatThrownBy(() -> CheckpointTimestamp.fromJson(bad)).as(bad)
                    .isInstanceOf(MalformedDataException.class);
        }
    }
}
