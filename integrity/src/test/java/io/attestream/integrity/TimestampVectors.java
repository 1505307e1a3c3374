package io.attestream.integrity;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The stored RFC 3161 vectors of vectors/timestamp/: a batch token over the key-1 notes of
 * vectors/checkpoint/checkpoint-vectors.json, issued once by a throwaway development TSA
 * (deploy/dev-tsa TimestampVectorWriter) whose key was discarded, and its CA certificate.
 */
final class TimestampVectors {
    /** The genTime of the stored token. */
    static final Instant GEN_TIME = Instant.parse("2026-11-26T00:00:00.250Z");
    /** The policy OID of the stored token (the development TSA's). */
    static final String POLICY = "2.25.318702426632665129297668314631494531019";

    private TimestampVectors() {
    }

    static List<String> notes() {
        Map<String, Object> v = TestJson.map(TestJson.resource("/vectors/checkpoint/checkpoint-vectors.json"));
        List<String> notes = new ArrayList<>();
        for (Object c : TestJson.list(v.get("checkpoints"))) {
            notes.add((String) TestJson.map(c).get("noteSignedByKey1"));
        }
        return notes;
    }

    /** The batch root as the independent Python generator computed it. */
    static String batchRootHex() {
        Map<String, Object> v = TestJson.map(TestJson.resource("/vectors/checkpoint/checkpoint-vectors.json"));
        return (String) TestJson.map(v.get("timestampBatch")).get("batchRootHex");
    }

    static byte[] bytes(String path) {
        try (InputStream in = TimestampVectors.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] token() {
        return bytes("/vectors/timestamp/batch-token.der");
    }

    static X509Certificate ca() {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(bytes("/vectors/timestamp/tsa-ca.crt")));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
