package io.attestream.verifier;

import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.ConsistencyProof;
import io.attestream.integrity.Hash;
import io.attestream.integrity.InclusionProof;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.LogId;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.verifier.internal.ConnectionOptions;
import io.attestream.verifier.internal.EvidenceReader;
import io.attestream.verifier.internal.StateDirectory;
import io.attestream.verifier.internal.TimestampCodec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream prove --event-id ID}: emits the inclusion proof of one stored event against the latest
 * checkpoint of its log, with the signed note, as a {@link ProofBundle} for {@code attestream check-proof};
 * {@code attestream prove --consistency-from STATE_FILE}: the consistency proof from a remembered checkpoint to the
 * latest stored one, as a {@link ConsistencyBundle}.
 */
@Command(name = "prove", mixinStandardHelpOptions = true,
        description = {"Emits a self-contained inclusion proof (JSON) of one stored event in the latest signed "
                + "checkpoint of its log: the event's chained fields, the RFC 9162 inclusion path, the signed "
                + "checkpoint note and its timestamp. Check it offline with 'attestream check-proof'.",
            "With --consistency-from FILE (a file of 'attestream verify --state'), emits instead the RFC 9162 "
                + "consistency proof from that remembered checkpoint to the latest stored one of its log, with both "
                + "signed notes."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:proof written",
            "1:the evidence could not be read, or no such event / no checkpoint covers it yet",
            "2:invalid options",
            "3:the stored evidence is inconsistent (the event does not recompute, rows missing or duplicated, "
                + "or the proof does not lead to the signed root): run 'attestream verify'"})
public final class ProveCommand implements Callable<Integer> {
    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--event-id", paramLabel = "ID", description = "The event to prove.")
    private String eventId;

    @Option(names = "--consistency-from", paramLabel = "STATE_FILE",
            description = "Prove that the latest stored checkpoint extends the one in this 'verify --state' file.")
    private Path consistencyFrom;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the proof here instead of stdout.")
    private Path outFile;

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            connection.tables();
            if ((eventId == null) == (consistencyFrom == null)) {
                throw new IllegalArgumentException("give exactly one of --event-id and --consistency-from");
            }
        } catch (IllegalArgumentException e) {
            err.println("attestream prove: " + e.getMessage());
            return 2;
        }
        if (consistencyFrom != null) {
            return proveConsistency(err);
        }
        ProofBundle bundle;
        try (EvidenceReader reader = connection.connect(System.getenv())) {
            List<EvidenceReader.Located> found = reader.findEvent(eventId);
            if (found.isEmpty()) {
                err.println("attestream prove: no event with --event-id " + eventId + " in "
                        + reader.tables().events());
                return 1;
            }
            if (found.size() > 1) {
                err.println("attestream prove: event " + eventId + " is stored " + found.size() + " times ("
                        + found.get(0).log() + " seqs " + found.stream().map(l -> Long.toString(l.seq())).toList()
                        + "): run 'attestream verify'");
                return 3;
            }
            EventRow row = found.get(0).row();
            LogId log = found.get(0).log();
            Hash recomputed = ChainEntry.knownVersion(row.entryVersion()) && row.chainedAtMicros() >= 0
                    ? ChainEntry.recompute(log, row.seq(), row.prevHash(), row.entryVersion(), row.chainedAtMicros(),
                            row.schemaId(), row.schemaFingerprint().toBytes(), row.body()).hash()
                    : null;
            if (!row.headerMatchesSchemaId() || !row.hash().equals(recomputed)) {
                err.println("attestream prove: event " + eventId + " (" + log + " seq " + row.seq()
                        + ") does not recompute to its stored hash: run 'attestream verify'");
                return 3;
            }
            List<CheckpointRow> latest = reader.latestCheckpoints(log).orElse(List.of());
            if (latest.isEmpty() || latest.get(0).treeSize() <= row.seq()) {
                err.println("attestream prove: no checkpoint of " + log + " covers seq " + row.seq() + " yet"
                        + (latest.isEmpty() ? "" : " (latest tree size " + latest.get(0).treeSize() + ")"));
                return 1;
            }
            CheckpointRow cp = latest.get(0);
            SignedCheckpoint note = SignedCheckpoint.parse(cp.note());
            long size = note.checkpoint().treeSize();
            List<Hash> leaves = reader.storedHashes(log, size);
            if (leaves.size() != size) {
                err.println("attestream prove: " + log + " has " + leaves.size() + " rows below seq " + size
                        + " where the checkpoint covers " + size + ": run 'attestream verify'");
                return 3;
            }
            InclusionProof proof = MerkleTree.of(leaves).inclusionProof(row.seq(), size);
            proof.verify(recomputed, size, note.checkpoint().rootHash());
            CheckpointTimestamp ts = cp.timestamp() == null ? null : TimestampCodec.decode(cp.timestamp());
            bundle = new ProofBundle(row, eventId, proof, cp.note(), ts);
        } catch (VerifierException e) {
            err.println("attestream prove: " + e.getMessage());
            return 1;
        } catch (IntegrityException e) {
            err.println("attestream prove: stored evidence of event " + eventId + " is inconsistent: "
                    + e.getMessage() + ": run 'attestream verify'");
            return 3;
        }
        return write(bundle.toJson(), err);
    }

    private Integer proveConsistency(PrintWriter err) {
        ConsistencyBundle bundle;
        try (EvidenceReader reader = connection.connect(System.getenv())) {
            CheckpointRow old = StateDirectory.read(consistencyFrom);
            LogId log = LogId.of(old.tenant(), old.agentId());
            List<CheckpointRow> latest = reader.latestCheckpoints(log).orElse(List.of());
            if (latest.isEmpty() || latest.get(0).treeSize() < old.treeSize()) {
                err.println("attestream prove: " + log + " has no stored checkpoint as large as the remembered one of"
                        + " tree size " + old.treeSize() + (latest.isEmpty() ? " (none at all)" : " (latest "
                        + latest.get(0).treeSize() + ")") + ": the log was rolled back; run 'attestream verify --state'");
                return 3;
            }
            CheckpointRow cp = latest.get(0);
            long n = SignedCheckpoint.parse(cp.note()).checkpoint().treeSize();
            List<Hash> leaves = reader.storedHashes(log, n);
            if (leaves.size() != n) {
                err.println("attestream prove: " + log + " has " + leaves.size() + " rows below seq " + n
                        + " where the checkpoint covers " + n + ": run 'attestream verify'");
                return 3;
            }
            MerkleTree tree = MerkleTree.of(leaves);
            ConsistencyProof proof = tree.consistencyProof(old.treeSize(), n);
            SignedCheckpoint oldNote = SignedCheckpoint.parse(old.note());
            SignedCheckpoint newNote = SignedCheckpoint.parse(cp.note());
            proof.verify(old.treeSize(), oldNote.checkpoint().rootHash(), n, newNote.checkpoint().rootHash());
            bundle = new ConsistencyBundle(log, old.note(), cp.note(), proof);
        } catch (VerifierException e) {
            err.println("attestream prove: " + e.getMessage());
            return 1;
        } catch (IntegrityException e) {
            err.println("attestream prove: the stored log is not consistent with the remembered checkpoint of "
                    + consistencyFrom + ": " + e.getMessage() + ": run 'attestream verify --state'");
            return 3;
        }
        return write(bundle.toJson(), err);
    }

    private Integer write(String json, PrintWriter err) {
        if (outFile == null) {
            spec.commandLine().getOut().print(json);
            spec.commandLine().getOut().flush();
        } else {
            try {
                Files.writeString(outFile, json, StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("attestream prove: cannot write --out " + outFile + ": " + e);
                return 1;
            }
        }
        return 0;
    }
}
