package io.attestream.witness.submit;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.CompactMerkleTree;
import io.attestream.integrity.Hash;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.LogId;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.witness.WitnessException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The witness submitter's durable position ({@code --state-dir DIR}): one file, {@code DIR/submitter.state},
 * holding the next offset of every input partition and, consistent with exactly those offsets, each log's
 * {@link CheckpointSubmitter.LogSnapshot}. A restart seeks to the offsets and restores the logs, so it neither
 * re-reads the topics from the beginning nor skips a record.
 *
 * <p>Durability contract: {@link #write} MUST be called only after every cosignature the snapshot counts as done
 * was acknowledged by Kafka (the stage flushes its producer first), and replaces the file atomically (temporary
 * file, fsync, rename, directory fsync), so a kill at any moment leaves the previous or the new snapshot, never
 * a mix. Work done after the last snapshot is redone after a restart: the records after its offsets are read
 * again, and a witness that cosigned meanwhile answers 409 with its size (the newest of its checkpoints is
 * cosigned once more: at-least-once, as without state). A file that does not parse or whose checksum fails is
 * refused, never half-used.
 *
 * <p>Format (UTF-8 text, one item per line, documented in witness-submitter/README.md):
 * <pre>
 * attestream-witness-submitter-state 1
 * topics CHAINED CHECKPOINTS
 * offset TOPIC PARTITION NEXT_OFFSET        (one per partition)
 * log ORIGIN                                 (then, for that log:)
 * base BASE64(CompactMerkleTree.toBytes())
 * leaf BASE64(hash)                          (one per leaf after the base, in order)
 * pending BASE64(signed note text)           (one per checkpoint not done by every witness)
 * witness NAME+KEYID ACCEPTED DONE_UP_TO     (ACCEPTED -1: not known yet)
 * sha256 HEX                                 (of every byte before this line)
 * </pre>
 */
public final class SubmitterState {
    /** The file name inside the state directory. */
    public static final String FILE = "submitter.state";
    private static final String HEADER = "attestream-witness-submitter-state 1";

    /**
     * One consistent snapshot.
     *
     * @param chainedTopic the chained-events topic the offsets are of
     * @param checkpointsTopic the checkpoints topic
     * @param offsets next offset per partition, keyed {@code topic} then partition
     * @param logs every log's state
     */
    public record Snapshot(String chainedTopic, String checkpointsTopic, Map<String, Map<Integer, Long>> offsets,
            List<CheckpointSubmitter.LogSnapshot> logs) {
        /** Validates and copies. */
        public Snapshot {
            requireNonNull(chainedTopic, "chainedTopic");
            requireNonNull(checkpointsTopic, "checkpointsTopic");
            Map<String, Map<Integer, Long>> o = new LinkedHashMap<>();
            offsets.forEach((t, m) -> o.put(t, Map.copyOf(m)));
            offsets = Map.copyOf(o);
            logs = List.copyOf(logs);
        }
    }

    private SubmitterState() {
    }

    /**
     * Writes a snapshot, replacing the previous one atomically.
     *
     * @param dir the state directory (created when missing)
     * @param s the snapshot
     * @throws WitnessException when it cannot be written durably
     */
    public static void write(Path dir, Snapshot s) {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        b.append("topics ").append(s.chainedTopic()).append(' ').append(s.checkpointsTopic()).append('\n');
        s.offsets().forEach((topic, parts) -> parts.forEach((p, off) -> b.append("offset ").append(topic).append(' ')
                .append(p).append(' ').append(off).append('\n')));
        Base64.Encoder b64 = Base64.getEncoder();
        for (CheckpointSubmitter.LogSnapshot l : s.logs()) {
            b.append("log ").append(l.log().origin()).append('\n');
            b.append("base ").append(b64.encodeToString(l.base().toBytes())).append('\n');
            for (Hash h : l.leaves()) {
                b.append("leaf ").append(b64.encodeToString(h.toBytes())).append('\n');
            }
            for (SignedCheckpoint n : l.pending()) {
                b.append("pending ").append(b64.encodeToString(n.text().getBytes(StandardCharsets.UTF_8))).append('\n');
            }
            l.witnesses().forEach((id, v) -> b.append("witness ").append(id).append(' ').append(v[0]).append(' ')
                    .append(v[1]).append('\n'));
        }
        byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
        byte[] sum = ("sha256 " + HexFormat.of().formatHex(sha256(body)) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, FILE, ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(body));
                ch.write(ByteBuffer.wrap(sum));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.deleteIfExists(tmp);
                throw new WitnessException("the state directory " + dir + " cannot replace files atomically", e);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new WitnessException("cannot write the submitter state " + file + ": " + e, e);
        }
    }

    /**
     * Reads the snapshot, if there is one. Leftover temporary files of a write that was killed are ignored.
     *
     * @param dir the state directory
     * @return the snapshot, or empty when the directory holds none
     * @throws WitnessException when the file is damaged (it is refused: delete it to read both topics from the
     *     beginning, which is always correct, only slower)
     */
    public static Optional<Snapshot> read(Path dir) {
        Path file = dir.resolve(FILE);
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new WitnessException("cannot read the submitter state " + file + ": " + e, e);
        }
        String damaged = "the submitter state " + file + " is damaged (delete it to read both topics from the "
                + "beginning): ";
        String text = new String(all, StandardCharsets.UTF_8);
        int last = text.lastIndexOf("sha256 ");
        if (last < 0 || !text.endsWith("\n")) {
            throw new WitnessException(damaged + "no checksum line");
        }
        byte[] body = text.substring(0, last).getBytes(StandardCharsets.UTF_8);
        String want = text.substring(last + 7, text.length() - 1);
        if (!HexFormat.of().formatHex(sha256(body)).equals(want)) {
            throw new WitnessException(damaged + "checksum mismatch");
        }
        String[] lines = text.substring(0, last).split("\n", -1);
        if (lines.length < 2 || !lines[0].equals(HEADER)) {
            throw new WitnessException(damaged + "first line is not '" + HEADER + "'");
        }
        try {
            String[] topics = field(lines[1], "topics").split(" ");
            Map<String, Map<Integer, Long>> offsets = new LinkedHashMap<>();
            List<CheckpointSubmitter.LogSnapshot> logs = new ArrayList<>();
            Base64.Decoder b64 = Base64.getDecoder();
            LogBuilder cur = null;
            for (int i = 2; i < lines.length; i++) {
                String line = lines[i];
                if (line.isEmpty() && i == lines.length - 1) {
                    break;
                }
                int sp = line.indexOf(' ');
                String kind = sp < 0 ? line : line.substring(0, sp);
                String rest = sp < 0 ? "" : line.substring(sp + 1);
                switch (kind) {
                    case "offset" -> {
                        String[] f = rest.split(" ");
                        offsets.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).put(Integer.parseInt(f[1]),
                                Long.parseLong(f[2]));
                    }
                    case "log" -> {
                        if (cur != null) {
                            logs.add(cur.build());
                        }
                        cur = new LogBuilder(LogId.fromOrigin(rest));
                    }
                    case "base" -> require(cur, line).base = CompactMerkleTree.fromBytes(b64.decode(rest));
                    case "leaf" -> require(cur, line).leaves.add(Hash.of(b64.decode(rest)));
                    case "pending" -> require(cur, line).pending.add(SignedCheckpoint.parse(
                            new String(b64.decode(rest), StandardCharsets.UTF_8)));
                    case "witness" -> {
                        String[] f = rest.split(" ");
                        require(cur, line).witnesses.put(f[0], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                    }
                    default -> throw new IllegalArgumentException("unknown line '" + line + "'");
                }
            }
            if (cur != null) {
                logs.add(cur.build());
            }
            return Optional.of(new Snapshot(topics[0], topics[1], offsets, logs));
        } catch (IntegrityException | IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw new WitnessException(damaged + e.getMessage(), e);
        }
    }

    private static String field(String line, String name) {
        if (!line.startsWith(name + " ")) {
            throw new IllegalArgumentException("expected a '" + name + "' line, got '" + line + "'");
        }
        return line.substring(name.length() + 1);
    }

    private static LogBuilder require(LogBuilder b, String line) {
        if (b == null) {
            throw new IllegalArgumentException("'" + line + "' before any 'log' line");
        }
        return b;
    }

    private static final class LogBuilder {
        final LogId log;
        CompactMerkleTree base;
        final List<Hash> leaves = new ArrayList<>();
        final List<SignedCheckpoint> pending = new ArrayList<>();
        final Map<String, long[]> witnesses = new LinkedHashMap<>();

        LogBuilder(LogId log) {
            this.log = log;
        }

        CheckpointSubmitter.LogSnapshot build() {
            if (base == null) {
                throw new IllegalArgumentException("log " + log + " has no 'base' line");
            }
            return new CheckpointSubmitter.LogSnapshot(log, base, leaves, pending, witnesses);
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
