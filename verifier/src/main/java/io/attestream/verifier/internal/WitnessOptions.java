package io.attestream.verifier.internal;

import io.attestream.integrity.CosignatureVerifier;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.VerifierKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The witnesses {@code verify} requires: trusted witness keys and the quorum (a picocli mixin). */
public final class WitnessOptions {
    /** The evidence sink's table of witness cosignatures (migration V006). */
    public static final String DEFAULT_TABLE = "checkpoint_attestations";

    @Option(names = "--witness-key", paramLabel = "KEY",
            description = "Trusted witness (C2SP tlog-cosignature/v1 cosigner) key, repeatable: a cosigner vkey file "
                    + "or text (name+id+base64 of type 0x04, as 'attestream witness --print-vkey' prints), or "
                    + "NAME=FILE (a vkey file whose name must be NAME, or a PEM public key). With it every verified "
                    + "checkpoint needs valid cosignatures from --witness-quorum distinct witnesses "
                    + "(missing-cosignature), and every stored cosignature must verify (bad-cosignature, "
                    + "unknown-witness) and match a stored checkpoint (fork, rollback, missing-checkpoint).")
    private List<String> keys = new ArrayList<>();

    @Option(names = "--witness-quorum", paramLabel = "K",
            description = "Distinct trusted witnesses (by name) each checkpoint needs; 1 .. the number of "
                    + "--witness-key names. Default: 1.")
    private Integer quorum;

    @Option(names = "--witness-slack", paramLabel = "DURATION", defaultValue = "PT10M",
            description = "How long after its signed creation time a checkpoint newer than its log's newest "
                    + "cosigned one may still wait for its cosignatures (pending, not a finding); ISO-8601. Default: "
                    + "${DEFAULT-VALUE} (submitter back-off up to 60 s + landing lag, with room).")
    private Duration slack;

    @Option(names = "--attestations-table", paramLabel = "TABLE",
            description = "Witness cosignatures table (default: " + DEFAULT_TABLE + " in the database of "
                    + "--checkpoints-table).")
    private String table;

    /**
     * The witness settings.
     *
     * @param clock the verifier's clock
     * @return the settings, or empty when no --witness-key was given
     * @throws IllegalArgumentException naming the option when a key cannot be read or the quorum is out of range
     */
    public Optional<WitnessCheck.Settings> settings(Clock clock) {
        if (keys.isEmpty()) {
            if (quorum != null) {
                throw new IllegalArgumentException("--witness-quorum needs --witness-key");
            }
            return Optional.empty();
        }
        List<CosignerKey> trusted = new ArrayList<>();
        for (String k : keys) {
            trusted.add(readKey(k));
        }
        CosignatureVerifier v;
        try {
            v = CosignatureVerifier.of(trusted);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--witness-key: " + e.getMessage(), e);
        }
        return Optional.of(new WitnessCheck.Settings(v, quorum == null ? 1 : quorum, slack, clock));
    }

    /**
     * The attestations table.
     *
     * @param checkpointsTable the checkpoints table name (its database qualifies the default)
     * @return the table name
     * @throws IllegalArgumentException when the name is not a plain or database-qualified identifier
     */
    public String table(String checkpointsTable) {
        String t = table;
        if (t == null) {
            int dot = checkpointsTable.indexOf('.');
            t = dot < 0 ? DEFAULT_TABLE : checkpointsTable.substring(0, dot + 1) + DEFAULT_TABLE;
        }
        if (!t.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?")) {
            throw new IllegalArgumentException("--attestations-table must be a table name like 'db.table', got '" + t
                    + "'");
        }
        return t;
    }

    static CosignerKey readKey(String spec) {
        try {
            Path whole = Path.of(spec);
            if (Files.isRegularFile(whole)) {
                return fromFile(null, whole, spec);
            }
            if (looksLikeVkey(spec)) {
                return CosignerKey.parse(spec);
            }
            int eq = spec.indexOf('=');
            if (eq > 0) {
                String name = spec.substring(0, eq);
                String rest = spec.substring(eq + 1);
                Path file = Path.of(rest);
                CosignerKey k = Files.isRegularFile(file) ? fromFile(name, file, spec) : CosignerKey.parse(rest);
                if (!k.name().equals(name)) {
                    throw new IllegalArgumentException("--witness-key " + spec + ": the key is named '" + k.name()
                            + "', not '" + name + "'");
                }
                return k;
            }
            throw new IllegalArgumentException("--witness-key " + spec + ": no such file, and not a cosigner vkey "
                    + "(name+id+base64) or NAME=FILE");
        } catch (IntegrityException e) {
            throw new IllegalArgumentException("--witness-key " + spec + ": " + e.getMessage(), e);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException("--witness-key " + spec + ": not a file name or a vkey", e);
        }
    }

    /** A vkey text may end in base64 padding ('='), which must not be read as NAME=FILE. */
    private static boolean looksLikeVkey(String spec) {
        String[] parts = spec.split("\\+", 3);
        return parts.length == 3 && parts[1].matches("[0-9a-f]{8}") && !parts[0].contains("=");
    }

    private static CosignerKey fromFile(String name, Path file, String spec) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("--witness-key " + spec + ": cannot read the file: " + e, e);
        }
        if (text.startsWith("-----BEGIN")) {
            if (name == null) {
                throw new IllegalArgumentException("--witness-key " + spec + " is a PEM key: pass it as NAME=" + spec
                        + " (the witness name is not in a PEM file)");
            }
            return CosignerKey.of(name, VerifierKey.fromSpkiPem(name, text).publicKey());
        }
        return CosignerKey.parse(text);
    }
}
