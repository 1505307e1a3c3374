package io.attestream.verifier;

import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.verifier.internal.AuditRunner;
import io.attestream.verifier.internal.ConnectionOptions;
import io.attestream.verifier.internal.EvidenceReader;
import io.attestream.verifier.internal.ProgressBar;
import io.attestream.verifier.internal.ReportOutput;
import io.attestream.verifier.internal.TrustOptions;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream verify}: re-verifies the evidence stored in ClickHouse and reports OK or every finding.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Re-verifies the chained events and checkpoints stored in ClickHouse: recomputes every chain "
                + "hash and the Merkle root at every checkpoint, verifies checkpoint signatures and timestamp "
                + "tokens, trusting only the keys and TSA certificates given.",
            "Reports OK, or every finding with tenant, agent, seq and kind (modified, deleted, inserted, "
                + "reordered, replayed, truncated, forged-checkpoint, unknown-key-checkpoint, timestamp-mismatch)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every selected agent verified",
            "1:the evidence could not be read (connection, tables, query)",
            "2:invalid options",
            "3:verification found at least one problem"})
public final class VerifyCommand implements Callable<Integer> {
    @Mixin
    private ConnectionOptions connection;

    @Mixin
    private TrustOptions trust;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "Only this tenant.")
    private String tenant;

    @Option(names = "--agent", paramLabel = "AGENT", description = "Only this agent id.")
    private String agent;

    @Option(names = "--since", paramLabel = "INSTANT",
            description = "Only events chained at or after this ISO-8601 instant (e.g. 2026-11-01T00:00:00Z); "
                    + "earlier entries of each log enter the Merkle tree from their stored hashes.")
    private Instant since;

    @Option(names = "--until", paramLabel = "INSTANT",
            description = "Only events chained before this instant (disables the truncated-tail check).")
    private Instant until;

    @Option(names = "--json", description = "Print the report as JSON on stdout.")
    private boolean json;

    @Option(names = "--progress", negatable = true,
            description = "Progress bar on stderr (default: only when stderr is a terminal).")
    private Boolean progress;

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CheckpointVerifier keys;
        Optional<TimestampVerifier> tsa;
        EvidenceReader.Selection sel;
        try {
            if (since != null && until != null && !until.isAfter(since)) {
                throw new IllegalArgumentException("--until " + until + " must be after --since " + since);
            }
            keys = trust.checkpointVerifier();
            tsa = trust.timestampVerifier();
            connection.tables();
            sel = new EvidenceReader.Selection(tenant, agent, since, until);
        } catch (IllegalArgumentException e) {
            err.println("attestream verify: " + e.getMessage());
            return 2;
        }
        boolean showProgress = progress != null ? progress : System.console() != null;
        VerificationReport report;
        try (EvidenceReader reader = connection.connect(System.getenv())) {
            ChainVerifier verifier = ChainVerifier.of(keys, tsa, reader.schemaFingerprints());
            report = AuditRunner.run(reader, verifier, sel,
                    showProgress ? new ProgressBar(System.err) : AuditRunner.SILENT, showProgress);
        } catch (VerifierException e) {
            err.println("attestream verify: " + e.getMessage());
            return 1;
        }
        if (json) {
            ReportOutput.json(report, out);
            out.flush();
        } else {
            ReportOutput.human(report, out);
        }
        return report.ok() ? 0 : 3;
    }
}
