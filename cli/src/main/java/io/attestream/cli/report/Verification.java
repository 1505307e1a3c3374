package io.attestream.cli.report;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.integrity.VerifierKey;
import io.attestream.verifier.AgentResult;
import io.attestream.verifier.ChainVerifier;
import io.attestream.verifier.VerificationReport;
import io.attestream.verifier.VerifierException;
import io.attestream.verifier.internal.AuditRunner;
import io.attestream.verifier.internal.EvidenceReader;
import io.attestream.verifier.internal.ReportOutput;
import io.attestream.verifier.internal.WitnessCheck;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The report's one use of the verifier, as a library: the same steps {@code attestream verify} takes (trusted keys
 * and TSA certificates, {@link ChainVerifier#of}, {@code AuditRunner.run} over the tenant), without command-line
 * strings or password files. This is the only class of the report that knows the verifier's API, so a change there
 * is adapted here.
 */
final class Verification {
    /**
     * What the verifier said about the tenant, and what it trusted.
     *
     * @param report the verifier's report
     * @param text its human rendering, as {@code attestream verify} prints it
     * @param keys the trusted checkpoint keys: name, key id and SHA-256 of the public key
     * @param tsaCertificates the trusted TSA CA certificates: subject and SHA-256 of the DER encoding
     * @param witnesses the witness check's settings and summary line, when witness keys were given
     */
    record Outcome(VerificationReport report, String text, List<String> keys, List<String> tsaCertificates,
            Optional<Witnessed> witnesses) {
        Outcome {
            requireNonNull(report, "report");
            requireNonNull(text, "text");
            keys = List.copyOf(keys);
            tsaCertificates = List.copyOf(tsaCertificates);
            requireNonNull(witnesses, "witnesses");
        }

        /** @return per agent id, the verifier's result */
        Map<String, AgentResult> byAgent() {
            Map<String, AgentResult> out = new LinkedHashMap<>();
            report.agents().forEach(a -> out.put(a.agentId(), a));
            return out;
        }
    }

    /**
     * The witness check the verification included ({@code verify --witness-key}).
     *
     * @param quorum distinct trusted witnesses each checkpoint needed
     * @param names the trusted witness names
     * @param summary the check's summary line, as {@code attestream verify} prints it
     */
    record Witnessed(int quorum, List<String> names, String summary) {
        Witnessed {
            names = List.copyOf(names);
            requireNonNull(summary, "summary");
        }
    }

    private Verification() {
    }

    /**
     * Verifies every agent of one tenant.
     *
     * @param jdbcUrl ClickHouse JDBC URL
     * @param user ClickHouse user (read-only is enough)
     * @param password its password
     * @param database the database holding chained_events, checkpoints and registry_schemas
     * @param tenant the tenant
     * @param keySpecs vkey files, or NAME=FILE for a PEM public key (as {@code verify --key})
     * @param tsaCerts TSA CA certificates (PEM)
     * @param witnesses the witness check to include (as {@code verify --witness-key}), or empty
     * @param attestationsTable the witness cosignatures table (database-qualified)
     * @return the outcome
     * @throws IllegalArgumentException naming the option when a key or certificate cannot be read
     * @throws VerifierException when the evidence cannot be read
     */
    static Outcome run(String jdbcUrl, String user, String password, String database, String tenant,
            List<String> keySpecs, List<Path> tsaCerts, Optional<WitnessCheck.Settings> witnesses,
            String attestationsTable) {
        List<VerifierKey> keys = new ArrayList<>();
        List<String> keyLines = new ArrayList<>();
        for (String spec : keySpecs) {
            VerifierKey key = readKey(spec);
            keys.add(key);
            keyLines.add(key.name() + "+" + String.format("%08x", key.keyId()) + "  SHA-256 "
                    + sha256(key.publicKey()));
        }
        CheckpointVerifier checkpointVerifier;
        try {
            checkpointVerifier = CheckpointVerifier.of(keys);
        } catch (IllegalArgumentException | IntegrityException e) {
            throw new IllegalArgumentException("--key: " + e.getMessage(), e);
        }
        Optional<TimestampVerifier> tsa = Optional.empty();
        List<String> certLines = new ArrayList<>();
        if (!tsaCerts.isEmpty()) {
            TimestampVerifier.Builder builder = TimestampVerifier.builder();
            for (Path p : tsaCerts) {
                try {
                    X509Certificate cert = TimestampVerifier.readCertificate(p);
                    builder.trustAnchor(cert);
                    certLines.add(cert.getSubjectX500Principal().getName() + "  SHA-256 " + sha256(cert.getEncoded()));
                } catch (IntegrityException | CertificateEncodingException e) {
                    throw new IllegalArgumentException("--tsa-cert " + p + ": " + e.getMessage(), e);
                }
            }
            // verify's documented default (docs/integrity.md section 5.2): trusting the TSA's CA is the decision.
            builder.acceptAnyPolicy();
            tsa = Optional.of(builder.build());
        }
        EvidenceReader.Tables tables = new EvidenceReader.Tables(database + ".chained_events",
                database + ".checkpoints", database + ".registry_schemas");
        VerificationReport report;
        Optional<Witnessed> witnessed = Optional.empty();
        try (EvidenceReader reader = EvidenceReader.connect(jdbcUrl, user, password, tables)) {
            ChainVerifier verifier = ChainVerifier.of(checkpointVerifier, tsa, reader.schemaFingerprints());
            EvidenceReader.Selection selection = new EvidenceReader.Selection(tenant, null, null, null);
            report = AuditRunner.run(reader, verifier, selection, AuditRunner.SILENT, false);
            if (witnesses.isPresent()) {
                WitnessCheck.Result w = WitnessCheck.run(reader, selection, attestationsTable, checkpointVerifier,
                        witnesses.get());
                report = w.mergeInto(report);
                witnessed = Optional.of(new Witnessed(witnesses.get().quorum(),
                        witnesses.get().witnesses().trustedKeys().stream()
                        .map(CosignerKey::name).distinct().sorted().toList(), w.summary(witnesses.get())));
            }
        }
        StringWriter text = new StringWriter();
        ReportOutput.human(report, new PrintWriter(text));
        witnessed.ifPresent(w -> text.append(w.summary()).append('\n'));
        return new Outcome(report, text.toString(), keyLines, certLines, witnessed);
    }

    /** As {@code verify --key}: a vkey file, or NAME=FILE for a PEM public key. */
    private static VerifierKey readKey(String spec) {
        int eq = spec.indexOf('=');
        try {
            if (eq > 0 && !Files.exists(Path.of(spec))) {
                return VerifierKey.read(spec.substring(0, eq), Path.of(spec.substring(eq + 1)));
            }
            return VerifierKey.readVkey(Path.of(spec));
        } catch (IntegrityException e) {
            throw new IllegalArgumentException("--key " + spec + ": " + e.getMessage(), e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
