package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * openssl as the independent oracle of our RFC 3161 code, both ways: {@code openssl ts -verify} and
 * {@code openssl ts -reply -text} check the stored vectors (written by our code), and {@code openssl ts
 * -reply} acting as the TSA (its own CA and TSA certificate, made by {@code openssl req}/{@code x509})
 * issues the tokens our verifier and batch code must accept, and reject for any other imprint.
 * Needs openssl on the PATH (skipped with a reason without it; CI=true fails instead).
 */
class OpensslTimestampTest {
    /** A policy OID openssl.cnf gives no short name, so the text output shows it dotted. */
    private static final String OPENSSL_POLICY = "1.2.3.4.5.6.7";

    @TempDir
    Path dir;

    private Openssl openssl;

    @BeforeEach
    void findOpenssl() {
        openssl = new Openssl(dir, "openssl ts is the independent RFC 3161 implementation");
    }

    private Openssl.Result run(String... args) {
        return openssl.run(args);
    }

    private Path resource(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void opensslVerifiesTheStoredVectorTokenOverThePythonComputedBatchRoot() throws Exception {
        Path token = resource("batch-token.der", TimestampVectors.token());
        Path ca = resource("tsa-ca.crt", TimestampVectors.bytes("/vectors/timestamp/tsa-ca.crt"));
        // -attime: the certificates' validity is checked at genTime, not at the machine's "now".
        String at = String.valueOf(TimestampVectors.GEN_TIME.getEpochSecond() + 1);
        run("ts", "-verify", "-digest", TimestampVectors.batchRootHex(), "-token_in", "-in", token.toString(),
                "-CAfile", ca.toString(), "-attime", at).ok();
        Openssl.Result other = run("ts", "-verify", "-digest", Hash.sha256(new byte[0]).hex(), "-token_in", "-in",
                token.toString(), "-CAfile", ca.toString(), "-attime", at);
        assertThat(other.code()).as("openssl over another digest: " + other.out()).isNotZero();

        String text = run("ts", "-reply", "-token_in", "-in", token.toString(), "-text").ok().out();
        assertThat(text).contains("Policy OID: " + TimestampVectors.POLICY).contains("Hash Algorithm: sha256")
                .contains("Time stamp: Nov 26 00:00:00.25 2026 GMT");
        assertThat(messageData(text)).isEqualTo(TimestampVectors.batchRootHex());
    }

    @Test
    void everyStoredCheckpointTimestampCarriesTheVerifiedBatchToken() {
        String b64 = Base64.getEncoder().encodeToString(TimestampVectors.token());
        String[] lines = TestJson.text("/vectors/timestamp/checkpoint-timestamps.jsonl").split("\n");
        for (String line : lines) {
            assertThat(TestJson.map(TestJson.parse(line)).get("token")).as(line).isEqualTo(b64);
        }
    }

    /** The hex of the "Message data:" dump of {@code openssl ts -reply -text}. */
    private static String messageData(String text) {
        StringBuilder hex = new StringBuilder();
        boolean in = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("Message data:")) {
                in = true;
            } else if (in && line.startsWith("    ")) {
                // "    0000 - 2d 71 16 42 b7 26 b0 44-01 62 ...   ascii"
                String bytes = line.substring(line.indexOf(" - ") + 3, Math.min(line.length(), line.indexOf(" - ") + 50));
                hex.append(bytes.replaceAll("[^0-9a-f]", ""));
            } else if (in) {
                break;
            }
        }
        return hex.toString();
    }

    /** An openssl CA and a TSA certificate it issued (critical timeStamping EKU), and the ts config. */
    private Path opensslTsa() throws IOException {
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-subj", "/CN=openssl test CA", "-days", "2",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign").ok();
        run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tsa.key",
                "-out", "tsa.csr", "-subj", "/CN=openssl test TSA").ok();
        Files.writeString(dir.resolve("ext.cnf"), "basicConstraints=critical,CA:FALSE\n"
                + "keyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\n");
        run("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "tsa.pem", "-days", "1", "-extfile", "ext.cnf").ok();
        Files.writeString(dir.resolve("serial"), "01\n");
        Path cnf = dir.resolve("ts.cnf");
        Files.writeString(cnf, String.join("\n",
                "[ tsa ]", "default_tsa = tsa_config1", "[ tsa_config1 ]",
                "serial = " + dir.resolve("serial"), "signer_cert = " + dir.resolve("tsa.pem"),
                "certs = " + dir.resolve("ca.pem"), "signer_key = " + dir.resolve("tsa.key"),
                "signer_digest = sha256", "default_policy = " + OPENSSL_POLICY, "digests = sha256",
                "accuracy = secs:1", "ordering = no", "tsa_name = no", "ess_cert_id_chain = no",
                "ess_cert_id_alg = sha256", ""));
        return cnf;
    }

    /** openssl as a {@link TimestampAuthority}: query, then reply, token only. */
    private TimestampAuthority opensslAuthority(Path cnf) {
        int[] n = {0};
        return imprint -> {
            String q = "q" + n[0] + ".tsq";
            String t = "t" + n[0]++ + ".der";
            run("ts", "-query", "-digest", imprint.hex(), "-sha256", "-cert", "-no_nonce", "-out", q).ok();
            run("ts", "-reply", "-config", cnf.toString(), "-queryfile", q, "-token_out", "-out", t).ok();
            try {
                return Files.readAllBytes(dir.resolve(t));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    @Test
    void tokensIssuedByOpensslAsTheTsaVerifyForTheirBatchAndNoOtherCheckpoint() throws Exception {
        Path cnf = opensslTsa();
        TimestampVerifier verifier = TimestampVerifier.builder()
                .trustAnchor(TimestampVerifier.readCertificate(dir.resolve("ca.pem"))).acceptPolicy(OPENSSL_POLICY)
                .build();
        List<String> notes = TimestampVectors.notes();
        TimestampedBatch batch = TimestampedBatch.timestamp(notes, opensslAuthority(cnf));
        assertThat(batch.root().hex()).isEqualTo(TimestampVectors.batchRootHex());
        VerifiedTimestamp whole = verifier.verify(batch.token(), batch.root());
        assertThat(whole.policy()).isEqualTo(OPENSSL_POLICY);
        assertThat(whole.tsaSubject()).contains("openssl test TSA");
        for (int i = 0; i < notes.size(); i++) {
            CheckpointTimestamp ts = CheckpointTimestamp.fromJson(batch.timestamps().get(i).toJson());
            assertThat(ts.verify(notes.get(i), verifier).genTime()).isEqualTo(whole.genTime());
            String other = notes.get((i + 1) % notes.size());
            assertThatThrownBy(() -> ts.verify(other, verifier)).isInstanceOf(TimestampInvalidException.class);
        }
        TimestampVerifier otherPolicy = TimestampVerifier.builder()
                .trustAnchor(TimestampVerifier.readCertificate(dir.resolve("ca.pem"))).acceptPolicy("1.2.3.4")
                .build();
        assertThatThrownBy(() -> otherPolicy.verify(batch.token(), batch.root()))
                .isInstanceOf(TimestampInvalidException.class).hasMessageContaining("policy");
        TimestampVerifier vectorsCa = TimestampVerifier.builder().trustAnchor(TimestampVectors.ca())
                .acceptAnyPolicy().build();
        assertThatThrownBy(() -> vectorsCa.verify(batch.token(), batch.root()))
                .isInstanceOf(TimestampInvalidException.class).hasMessageContaining("does not chain");
    }
}
