package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.Hash;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.LogId;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.verifier.AgentResult;
import io.attestream.verifier.CheckpointRow;
import io.attestream.verifier.VerificationReport;
import io.attestream.verifier.VerifierException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The auditor-held state of {@code attestream verify --state DIR} (docs/integrity.md §7.5): per log, the newest
 * checkpoint this auditor has verified, as a human-readable text file
 * {@code DIR/<pct tenant>/<pct agent>.checkpoint} (the log's origin without its {@code attestream/} prefix):
 *
 * <pre>
 * attestream-verifier-state 1
 * origin attestream/acme/agent-1
 * tree-size 2000
 * root &lt;base64&gt;
 * verified-at 2026-12-03T10:50:50Z
 * timestamp &lt;the checkpoint's §5.1 timestamp JSON, or "none"&gt;
 *
 * &lt;the signed note, exactly as stored&gt;
 * </pre>
 *
 * The directory is created when missing. Files are replaced atomically (written beside, fsync'd, renamed).
 */
public final class StateDirectory {
    private static final String MAGIC = "attestream-verifier-state 1";
    private static final String SUFFIX = ".checkpoint";

    private final Path dir;

    private StateDirectory(Path dir) {
        this.dir = dir;
    }

    /**
     * Opens (and creates when missing) a state directory.
     *
     * @param dir the directory
     * @return the state
     * @throws IllegalArgumentException naming --state when it cannot be created or is not a directory
     */
    public static StateDirectory open(Path dir) {
        requireNonNull(dir, "dir");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("--state " + dir + ": cannot create the directory: " + e, e);
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new IllegalArgumentException("--state " + dir + " is not a writable directory");
        }
        return new StateDirectory(dir);
    }

    /** @return the directory */
    public Path dir() {
        return dir;
    }

    Path file(LogId log) {
        return dir.resolve(log.origin().substring(LogId.ORIGIN_PREFIX.length()) + SUFFIX);
    }

    /**
     * Every remembered log's checkpoint.
     *
     * @return by log, ordered by origin
     * @throws VerifierException when a file cannot be read or parsed (the state is the auditor's evidence: never
     *     skipped)
     */
    public Map<LogId, CheckpointRow> readAll() {
        Map<LogId, CheckpointRow> out = new TreeMap<>((a, b) -> a.origin().compareTo(b.origin()));
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir, 2)) {
            s.filter(p -> p.getFileName().toString().endsWith(SUFFIX) && Files.isRegularFile(p)).forEach(files::add);
        } catch (IOException e) {
            throw new VerifierException("cannot list the state directory " + dir + ": " + e, e);
        }
        for (Path f : files) {
            CheckpointRow c = read(f);
            LogId log = LogId.of(c.tenant(), c.agentId());
            if (!file(log).equals(f)) {
                throw new VerifierException("state file " + f + " holds the checkpoint of " + log.origin()
                        + ", whose file is " + file(log));
            }
            out.put(log, c);
        }
        return out;
    }

    /**
     * Reads one state file.
     *
     * @param f the file
     * @return the remembered checkpoint row
     * @throws VerifierException when it cannot be read or is not a state file
     */
    public static CheckpointRow read(Path f) {
        String text;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VerifierException("cannot read the state file " + f + ": " + e, e);
        }
        try {
            int blank = text.indexOf("\n\n");
            if (blank < 0) {
                throw new IllegalArgumentException("no blank line before the note");
            }
            String[] header = text.substring(0, blank).split("\n", -1);
            String note = text.substring(blank + 2);
            if (header.length != 6 || !header[0].equals(MAGIC)) {
                throw new IllegalArgumentException("the header is not the 6 lines of '" + MAGIC + "'");
            }
            LogId log = LogId.fromOrigin(value(header[1], "origin"));
            long size = Long.parseLong(value(header[2], "tree-size"));
            Hash root = Hash.fromBase64(value(header[3], "root"));
            Instant.parse(value(header[4], "verified-at"));
            String ts = value(header[5], "timestamp");
            SignedCheckpoint signed = SignedCheckpoint.parse(note);
            Checkpoint cp = signed.checkpoint();
            if (cp.treeSize() != size || !cp.rootHash().equals(root) || !cp.origin().equals(log.origin())) {
                throw new IllegalArgumentException("origin, tree-size and root differ from the note's");
            }
            String keyName = signed.signatures().isEmpty() ? "" : signed.signatures().get(0).keyName();
            return new CheckpointRow(log.tenant(), log.agentId(), size, root, note, keyName,
                    ts.equals("none") ? null : ts.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | IntegrityException e) {
            throw new VerifierException("state file " + f + " is not a verifier state file: " + e.getMessage(), e);
        }
    }

    private static String value(String line, String key) {
        if (!line.startsWith(key + " ")) {
            throw new IllegalArgumentException("expected a '" + key + " ' line, got '" + line + "'");
        }
        return line.substring(key.length() + 1);
    }

    /**
     * Remembers a verified checkpoint (replacing the log's file atomically).
     *
     * @param c the checkpoint row as stored
     * @param verifiedAt when it was verified
     */
    public void write(CheckpointRow c, Instant verifiedAt) {
        LogId log = LogId.of(c.tenant(), c.agentId());
        String ts = c.timestampBytes().map(b -> new String(b, StandardCharsets.UTF_8)).orElse("none");
        if (ts.contains("\n")) {
            throw new VerifierException("timestamp of " + log.origin() + " is not single-line JSON");
        }
        String text = MAGIC + "\norigin " + log.origin() + "\ntree-size " + c.treeSize() + "\nroot "
                + c.rootHash().base64() + "\nverified-at " + verifiedAt.truncatedTo(ChronoUnit.SECONDS) + "\ntimestamp "
                + ts + "\n\n" + c.note();
        Path f = file(log);
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        try {
            Files.createDirectories(f.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new VerifierException("cannot write the state file " + f + ": " + e, e);
        }
    }

    /**
     * Advances the state after a run: every log that verified without a finding remembers its newest verified
     * checkpoint, when it is at least as large as the remembered one. Logs with findings keep what was remembered
     * (the evidence of what they were before).
     *
     * @param report the run's report
     * @param remembered what was remembered before the run
     * @param now the verification time
     * @return the number of files written
     */
    public int advance(VerificationReport report, Map<LogId, CheckpointRow> remembered, Instant now) {
        int written = 0;
        for (AgentResult a : report.agents()) {
            Optional<CheckpointRow> newest = a.newestVerified();
            if (!a.ok() || newest.isEmpty()) {
                continue;
            }
            CheckpointRow old = remembered.get(LogId.of(a.tenant(), a.agentId()));
            if (old == null || newest.get().treeSize() > old.treeSize()
                    || newest.get().treeSize() == old.treeSize() && !newest.get().note().equals(old.note())) {
                write(newest.get(), now);
                written++;
            }
        }
        return written;
    }
}
