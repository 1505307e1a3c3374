package io.attestream.verifier;

import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.LogId;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.verifier.internal.AuditRunner;
import io.attestream.verifier.internal.ConnectionOptions;
import io.attestream.verifier.internal.EvidenceReader;
import io.attestream.verifier.internal.ProgressBar;
import io.attestream.verifier.internal.ReportOutput;
import io.attestream.verifier.internal.StateDirectory;
import io.attestream.verifier.internal.TrustOptions;
import io.attestream.verifier.internal.WitnessCheck;
import io.attestream.verifier.internal.WitnessOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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
            "Checks that the checkpoints cover the log as the cadence they sign promises, and that their "
                + "timestamps are bound to their signed creation times and to the chained times they cover.",
            "Checks that every column derived from an event (chained_events and the typed tables evals, overrides, "
                + "approvals, policy_changes, incidents, risk_decisions) equals what the event's hashed bytes say, "
                + "decoded with the stored schema, and that each typed table holds exactly one row per event of "
                + "its type.",
            "Reports OK, or every finding with tenant, agent, seq and kind (modified, deleted, inserted, "
                + "reordered, duplicate, truncated, forged-checkpoint, unknown-key-checkpoint, timestamp-mismatch, "
                + "missing-checkpoint, unsealed, missing-timestamp, late-timestamp, column-mismatch, undecodable, "
                + "orphan-row, duplicate-row, missing-row; with --state: rollback, fork, vanished; with --witness-key: "
                + "missing-cosignature, bad-cosignature, unknown-witness, and fork, rollback, missing-checkpoint "
                + "for what a witness cosigned and the log no longer has)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every selected agent verified",
            "1:the evidence could not be read (connection, tables, query)",
            "2:invalid options",
            "3:verification found at least one problem",
            "4:no evidence: the selection (tenant, agent, time range) has no event row and no checkpoint"})
public final class VerifyCommand implements Callable<Integer> {
    @Mixin
    private ConnectionOptions connection;

    @Mixin
    private TrustOptions trust;

    @Mixin
    private WitnessOptions witnesses;

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

    @Option(names = "--default-cadence", paramLabel = "EVENTS:MS", defaultValue = "1000:60000",
            description = "Checkpoint cadence assumed where no verified checkpoint states one (format 1 checkpoints, "
                    + "logs without a verified checkpoint): a checkpoint at least every EVENTS entries and MS "
                    + "milliseconds. Default: ${DEFAULT-VALUE} (the chainer's defaults when format 1 was written).")
    private String defaultCadence;

    @Option(names = "--seal-slack", paramLabel = "DURATION", defaultValue = "PT10M",
            description = "How much later than its cadence promises a checkpoint may be made or land before its "
                    + "absence is a finding (missing-checkpoint, unsealed); ISO-8601. Default: ${DEFAULT-VALUE} "
                    + "(chainer flush 1 s + TSA retries up to 5 min + landing lag).")
    private Duration sealSlack;

    @Option(names = "--timestamp-bound", paramLabel = "DURATION", defaultValue = "PT10M",
            description = "Longest a checkpoint's timestamp (genTime) may follow its signed creation time "
                    + "(late-timestamp); ISO-8601. Default: ${DEFAULT-VALUE} (flush 1 s + TSA timeout 10 s + "
                    + "TSA retries up to 5 min).")
    private Duration timestampBound;

    @Option(names = "--clock-skew", paramLabel = "DURATION", defaultValue = "PT1S",
            description = "How far genTime may be before a signed creation time or a chained time (TSA clock "
                    + "behind the chainer's, TSAs giving whole seconds); ISO-8601. Default: ${DEFAULT-VALUE}.")
    private Duration clockSkew;

    @Option(names = "--state", paramLabel = "DIR",
            description = "Auditor-held state (created when missing): per log the newest checkpoint this auditor "
                    + "verified, one text file each. Each run requires the stored log to be consistent with it "
                    + "(rollback, fork, vanished findings) and, for logs without findings, remembers the newest "
                    + "verified checkpoint. Not with --since/--until.")
    private Path stateDir;

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
        ChainVerifier.Settings settings;
        Optional<WitnessCheck.Settings> witnessSettings;
        String attestations;
        try {
            if (since != null && until != null && !until.isAfter(since)) {
                throw new IllegalArgumentException("--until " + until + " must be after --since " + since);
            }
            settings = new ChainVerifier.Settings(parseCadence(defaultCadence), nonNegative(sealSlack, "--seal-slack"),
                    nonNegative(timestampBound, "--timestamp-bound"), nonNegative(clockSkew, "--clock-skew"),
                    Clock.systemUTC());
            keys = trust.checkpointVerifier();
            tsa = trust.timestampVerifier();
            witnessSettings = witnesses.settings(Clock.systemUTC());
            attestations = witnesses.table(connection.tables().checkpoints());
            sel = new EvidenceReader.Selection(tenant, agent, since, until);
            if (stateDir != null && sel.timeRange()) {
                throw new IllegalArgumentException("--state needs whole logs: drop --since/--until");
            }
        } catch (IllegalArgumentException e) {
            err.println("attestream verify: " + e.getMessage());
            return 2;
        }
        boolean showProgress = progress != null ? progress : System.console() != null;
        VerificationReport report;
        StateDirectory state;
        Map<LogId, CheckpointRow> remembered;
        try {
            state = stateDir == null ? null : StateDirectory.open(stateDir);
        } catch (IllegalArgumentException e) {
            err.println("attestream verify: " + e.getMessage());
            return 2;
        }
        int advanced = 0;
        Optional<WitnessCheck.Result> witnessed = Optional.empty();
        try (EvidenceReader reader = connection.connect(System.getenv())) {
            remembered = state == null ? Map.of() : state.readAll();
            ChainVerifier verifier = ChainVerifier.of(keys, tsa, reader.schemaFingerprints(), settings);
            report = AuditRunner.run(reader, verifier, sel,
                    showProgress ? new ProgressBar(System.err) : AuditRunner.SILENT, showProgress, remembered);
            if (witnessSettings.isPresent()) {
                // Before the state advances: a log whose checkpoints lack their cosignatures is not remembered. Also
                // without other evidence: a log a witness cosigned and that is gone entirely is a finding, not exit 4.
                WitnessCheck.Result w = WitnessCheck.run(reader, sel, attestations, keys, witnessSettings.get());
                report = w.mergeInto(report);
                witnessed = Optional.of(w);
            }
            if (state != null) {
                advanced = state.advance(report, remembered, Instant.now());
            }
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
        if (witnessed.isPresent()) {
            PrintWriter where = json ? err : out;
            where.println(witnessed.get().summary(witnessSettings.get()));
            where.flush();
        }
        if (state != null) {
            err.println("attestream verify: state " + state.dir() + ": " + remembered.size() + " log(s) remembered, "
                    + advanced + " advanced");
        }
        if (report.noEvidence()) {
            err.println("attestream verify: no evidence " + describe(sel) + ": no event row in "
                    + connection.tables().events() + " and no checkpoint in " + connection.tables().checkpoints()
                    + " (check --tenant/--agent spelling, the time range and the table names; a log that had "
                    + "evidence and has none now has lost all of it)");
            return 4;
        }
        return report.ok() ? 0 : 3;
    }

    private static String describe(EvidenceReader.Selection sel) {
        StringBuilder sb = new StringBuilder(sel.tenant() == null && sel.agentId() == null ? "at all" : "for");
        if (sel.tenant() != null) {
            sb.append(" tenant '").append(sel.tenant()).append('\'');
        }
        if (sel.agentId() != null) {
            sb.append(" agent '").append(sel.agentId()).append('\'');
        }
        if (sel.since() != null) {
            sb.append(" since ").append(sel.since());
        }
        if (sel.until() != null) {
            sb.append(" until ").append(sel.until());
        }
        return sb.toString();
    }

    static Checkpoint.Cadence parseCadence(String text) {
        String[] parts = text.split(":", -1);
        try {
            if (parts.length == 2) {
                return new Checkpoint.Cadence(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IllegalArgumentException("--default-cadence must be EVENTS:MS with both at least 1, e.g. "
                + "1000:60000, got '" + text + "'");
    }

    private static Duration nonNegative(Duration d, String option) {
        if (d.isNegative()) {
            throw new IllegalArgumentException(option + " must not be negative, got " + d);
        }
        return d;
    }
}
