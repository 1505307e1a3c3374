package io.attestream.verifier;

import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.MalformedDataException;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.verifier.internal.TrustOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code attestream check-proof FILE --key K.vkey}: verifies a {@link ProofBundle} offline, with nothing but
 * the trusted key (and optionally the TSA certificate).
 */
@Command(name = "check-proof", mixinStandardHelpOptions = true,
        description = "Verifies a proof written by 'attestream prove' offline: recomputes the event's chain hash, "
                + "verifies the checkpoint signature with the given key and the inclusion path to its root, and "
                + "the checkpoint's timestamp token when --tsa-cert is given; for a consistency proof "
                + "(prove --consistency-from), verifies both checkpoint signatures and the RFC 9162 consistency "
                + "proof between them. Needs no database.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the proof verifies",
            "1:the file cannot be read",
            "2:invalid options",
            "3:the proof does not verify (malformed, wrong key, altered event, path or timestamp)"})
public final class CheckProofCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The proof JSON written by 'attestream prove'.")
    private Path file;

    @Mixin
    private TrustOptions trust;

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CheckpointVerifier keys;
        Optional<TimestampVerifier> tsa;
        try {
            keys = trust.checkpointVerifier();
            tsa = trust.timestampVerifier();
        } catch (IllegalArgumentException e) {
            err.println("attestream check-proof: " + e.getMessage());
            return 2;
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("attestream check-proof: cannot read " + file + ": " + e);
            return 1;
        }
        if (ConsistencyBundle.isConsistencyBundle(text)) {
            try {
                ConsistencyBundle.Checked c = ConsistencyBundle.fromJson(text).check(keys);
                out.println("OK the checkpoint of tree size " + c.newSize() + " of " + c.log().tenant() + "/"
                        + c.log().agentId() + " extends the checkpoint of tree size " + c.oldSize()
                        + " (RFC 9162 consistency proof)");
                out.flush();
                return 0;
            } catch (IntegrityException e) {
                err.println("INVALID " + file + ": " + e.getMessage());
                return 3;
            }
        }
        ProofBundle.Checked checked;
        try {
            checked = ProofBundle.fromJson(text).check(keys, tsa);
        } catch (MalformedDataException e) {
            err.println("INVALID " + file + ": not a proof bundle: " + e.getMessage());
            return 3;
        } catch (IntegrityException e) {
            err.println("INVALID " + file + ": " + e.getMessage());
            return 3;
        }
        out.println("OK event seq " + checked.seq() + " of " + checked.log().tenant() + "/" + checked.log().agentId()
                + " is included in the checkpoint of tree size " + checked.treeSize() + " signed by "
                + String.join(", ", checked.signers().stream().sorted().toList())
                + checked.timestamp().map(t -> "; timestamped " + t.genTime() + " by " + t.tsaSubject())
                        .orElse(checked.timestampPresent() ? "; timestamp not checked (no --tsa-cert)" : ""));
        out.flush();
        return 0;
    }
}
