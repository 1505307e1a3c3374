package io.attestream.integrity;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Writes vectors/timestamp/: a batch token from a throwaway embedded TSA over the key-1 notes of
 * vectors/checkpoint/checkpoint-vectors.json, the TSA's CA certificate, and each note's checkpoint
 * timestamp JSON. ECDSA tokens are not reproducible, so this ran once; the files are the vectors and
 * {@code TimestampVectorsTest} checks them (openssl can too: docs/integrity.md). The TSA key is discarded.
 *
 * <p>Run: {@code mvn -pl integrity test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.attestream.integrity.TimestampVectorWriter -Dexec.args=DIR}.
 */
public final class TimestampVectorWriter {
    /** The fixed genTime of the vector token. */
    static final Instant GEN_TIME = Instant.parse("2026-11-26T00:00:00.250Z");

    private TimestampVectorWriter() {
    }

    /**
     * Entry point.
     *
     * @param args the output directory
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Map<String, Object> v = TestJson.map(TestJson.resource("/vectors/checkpoint/checkpoint-vectors.json"));
        List<String> notes = new ArrayList<>();
        for (Object c : TestJson.list(v.get("checkpoints"))) {
            notes.add((String) TestJson.map(c).get("noteSignedByKey1"));
        }
        EmbeddedTimestampAuthority tsa = EmbeddedTimestampAuthority.generate("attestream-vectors",
                Clock.fixed(GEN_TIME, ZoneOffset.UTC));
        TimestampedBatch batch = TimestampedBatch.timestamp(notes, tsa);
        Files.writeString(dir.resolve("tsa-ca.crt"), pem(tsa.caCertificate().getEncoded()));
        Files.write(dir.resolve("batch-token.der"), batch.token());
        StringBuilder sb = new StringBuilder();
        for (CheckpointTimestamp ts : batch.timestamps()) {
            sb.append(ts.toJson()).append('\n');
        }
        Files.writeString(dir.resolve("checkpoint-timestamps.jsonl"), sb.toString(), StandardCharsets.UTF_8);
    }

    private static String pem(byte[] der) {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END CERTIFICATE-----\n";
    }
}
