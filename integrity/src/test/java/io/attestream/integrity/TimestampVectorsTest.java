package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks the stored RFC 3161 vectors: a batch token over the key-1 notes of the checkpoint vectors. */
class TimestampVectorsTest {
    private static List<String> notes() {
        Map<String, Object> v = TestJson.map(TestJson.resource("/vectors/checkpoint/checkpoint-vectors.json"));
        List<String> notes = new ArrayList<>();
        for (Object c : TestJson.list(v.get("checkpoints"))) {
            notes.add((String) TestJson.map(c).get("noteSignedByKey1"));
        }
        return notes;
    }

    private static byte[] bytes(String path) throws IOException {
        try (InputStream in = TimestampVectorsTest.class.getResourceAsStream(path)) {
            return in.readAllBytes();
        }
    }

    private static TimestampVerifier verifier() throws Exception {
        X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(bytes("/vectors/timestamp/tsa-ca.crt")));
        return TimestampVerifier.builder().trustAnchor(ca).acceptPolicy(EmbeddedTimestampAuthority.DEFAULT_POLICY)
                .clock(Clock.fixed(TimestampVectorWriter.GEN_TIME, ZoneOffset.UTC)).build();
    }

    @Test
    void batchRootMatchesTheIndependentlyComputedRoot() {
        Map<String, Object> v = TestJson.map(TestJson.resource("/vectors/checkpoint/checkpoint-vectors.json"));
        String expected = (String) TestJson.map(v.get("timestampBatch")).get("batchRootHex");
        assertThat(TimestampedBatch.root(notes()).hex()).isEqualTo(expected);
    }

    @Test
    void storedBatchTokenAndEveryStoredCheckpointTimestampVerify() throws Exception {
        TimestampVerifier verifier = verifier();
        List<String> notes = notes();
        VerifiedTimestamp whole = verifier.verify(bytes("/vectors/timestamp/batch-token.der"),
                TimestampedBatch.root(notes));
        assertThat(whole.genTime()).isEqualTo(TimestampVectorWriter.GEN_TIME);
        String[] lines = TestJson.text("/vectors/timestamp/checkpoint-timestamps.jsonl").split("\n");
        assertThat(lines).hasSize(notes.size());
        for (int i = 0; i < lines.length; i++) {
            CheckpointTimestamp ts = CheckpointTimestamp.fromJson(lines[i]);
            assertThat(ts.toJson()).isEqualTo(lines[i]);
            assertThat(ts.batchProof().leafIndex()).isEqualTo(i);
            assertThat(ts.verify(notes.get(i), verifier).genTime()).isEqualTo(TimestampVectorWriter.GEN_TIME);
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
