package io.attestream.dev.tsa;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.TimestampedBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Wrote integrity's vectors/timestamp/: a batch token from a throwaway development TSA over the key-1
 * notes of vectors/checkpoint/checkpoint-vectors.json, the TSA's CA certificate, and each note's
 * checkpoint timestamp JSON. ECDSA tokens are not reproducible, so this ran once; the files are the
 * vectors, the TSA key is discarded. integrity's TimestampVectorsTest checks them with our verifier and
 * OpensslTimestampTest with {@code openssl ts} (the independent check).
 *
 * <p>Run from the checkout root: {@code ./mvnw -pl deploy/dev-tsa test-compile exec:java
 * -Dexec.classpathScope=test -Dexec.mainClass=io.attestream.dev.tsa.TimestampVectorWriter
 * -Dexec.args="integrity/src/test/resources/vectors/checkpoint/checkpoint-vectors.json OUTDIR"}.
 */
public final class TimestampVectorWriter {
    /** The fixed genTime of the vector token. */
    static final Instant GEN_TIME = Instant.parse("2026-11-26T00:00:00.250Z");

    private TimestampVectorWriter() {
    }

    /**
     * Entry point.
     *
     * @param args the checkpoint vectors JSON file and the output directory
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        List<String> notes = notes(Path.of(args[0]));
        Path dir = Path.of(args[1]);
        Files.createDirectories(dir);
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

    private static List<String> notes(Path vectors) throws IOException {
        List<String> notes = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(vectors.toFile())) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                // Only $.checkpoints[*].noteSignedByKey1, as the vectors' timestampBatch describes.
                JsonStreamContext array = p.getParsingContext().getParent();
                if (t == JsonToken.FIELD_NAME && "noteSignedByKey1".equals(p.currentName()) && array != null
                        && array.inArray() && "checkpoints".equals(array.getParent().getCurrentName())
                        && array.getParent().getParent().inRoot()) {
                    p.nextToken();
                    notes.add(p.getText());
                }
            }
        }
        return notes;
    }

    private static String pem(byte[] der) {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END CERTIFICATE-----\n";
    }
}
