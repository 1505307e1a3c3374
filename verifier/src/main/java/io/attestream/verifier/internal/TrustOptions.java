package io.attestream.verifier.internal;

import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.integrity.VerifierKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** What the verifier trusts: checkpoint verifier keys and TSA certificates (a picocli mixin). */
public final class TrustOptions {
    /** A dotted OID: at least two arcs, decimal without leading zeros. */
    private static final Pattern OID = Pattern.compile("[0-2](\\.(0|[1-9][0-9]*))+");

    @Option(names = "--key", required = true, paramLabel = "KEY",
            description = "Trusted checkpoint verifier key: a vkey file (name+id+key, as written by 'attestream "
                    + "keygen'), or NAME=FILE for a PEM public key. Repeat for key rotation.")
    private List<String> keys = new ArrayList<>();

    @Option(names = "--tsa-cert", paramLabel = "FILE",
            description = "Trusted TSA CA certificate (PEM, repeatable). With it every checkpoint must carry a token "
                    + "that verifies (a missing one is a missing-timestamp finding) and is bound in time "
                    + "(late-timestamp); without it tokens are reported as unchecked.")
    private List<Path> tsaCerts = new ArrayList<>();

    @Option(names = "--tsa-policy", paramLabel = "OID",
            description = "Accept only timestamp tokens issued under this TSA policy OID (dotted, repeatable). "
                    + "Without it any policy of a TSA certified by a --tsa-cert is accepted (docs/integrity.md "
                    + "section 5.2).")
    private List<String> tsaPolicies = new ArrayList<>();

    /**
     * The trusted keys.
     *
     * @return the checkpoint verifier
     * @throws IllegalArgumentException naming --key when a key cannot be read
     */
    public CheckpointVerifier checkpointVerifier() {
        List<VerifierKey> out = new ArrayList<>();
        for (String k : keys) {
            out.add(readKey(k));
        }
        try {
            return CheckpointVerifier.of(out);
        } catch (IllegalArgumentException | IntegrityException e) {
            throw new IllegalArgumentException("--key: " + e.getMessage(), e);
        }
    }

    static VerifierKey readKey(String spec) {
        int eq = spec.indexOf('=');
        try {
            if (eq > 0 && !Files.exists(Path.of(spec))) {
                return VerifierKey.read(spec.substring(0, eq), Path.of(spec.substring(eq + 1)));
            }
            Path file = Path.of(spec);
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.startsWith("-----BEGIN")) {
                throw new IllegalArgumentException("--key " + spec + " is a PEM key: pass it as NAME=" + spec
                        + " (the signer name is not in a PEM file)");
            }
            return VerifierKey.parse(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("--key " + spec + ": cannot read the file: " + e, e);
        } catch (IntegrityException e) {
            throw new IllegalArgumentException("--key " + spec + ": " + e.getMessage(), e);
        }
    }

    /**
     * The TSA trust configuration.
     *
     * @return the timestamp verifier, or empty when no --tsa-cert was given
     * @throws IllegalArgumentException naming the option when a certificate cannot be read
     */
    public Optional<TimestampVerifier> timestampVerifier() {
        if (tsaCerts.isEmpty()) {
            if (!tsaPolicies.isEmpty()) {
                throw new IllegalArgumentException("--tsa-policy needs --tsa-cert");
            }
            return Optional.empty();
        }
        TimestampVerifier.Builder b = TimestampVerifier.builder();
        for (Path p : tsaCerts) {
            try {
                b.trustAnchor(TimestampVerifier.readCertificate(p));
            } catch (IntegrityException e) {
                throw new IllegalArgumentException("--tsa-cert " + p + ": " + e.getMessage(), e);
            }
        }
        // The documented default (docs/integrity.md section 5.2): trusting the TSA's CA is the trust decision, so any
        // policy of a trusted TSA is accepted unless policies are listed.
        if (tsaPolicies.isEmpty()) {
            b.acceptAnyPolicy();
        } else {
            for (String oid : tsaPolicies) {
                if (!OID.matcher(oid).matches()) {
                    throw new IllegalArgumentException("--tsa-policy " + oid + " is not a dotted OID such as "
                            + "1.2.3.4");
                }
                b.acceptPolicy(oid);
            }
        }
        return Optional.of(b.build());
    }
}
