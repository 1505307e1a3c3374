package io.attestream.witness.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.Hash;
import io.attestream.witness.WitnessException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The witness's durable state: one file per origin, {@code DIR/logs/<hex SHA-256 of origin>.note}, holding
 * the latest cosigned note (docs/integrity.md §6.3).
 *
 * <p>Durability contract of {@link #write}: when it returns, the new content MUST survive a crash of the
 * process or the machine, and a crash at any point MUST leave either the old or the new content, never a
 * mix. It writes a temporary file in the same directory, forces it to disk, renames it atomically over the
 * target and forces the directory (so the rename itself is on disk). Callers MUST NOT write the same
 * origin concurrently (the witness holds a per-origin lock).
 */
public final class StateFiles {
    private static final String SUFFIX = ".note";
    private static final String TMP_SUFFIX = ".tmp";

    private final Path logs;

    private StateFiles(Path logs) {
        this.logs = logs;
    }

    /**
     * Opens (creating it when missing) the state directory and deletes stale temporary files, which are
     * writes a crash interrupted before their rename: their content was never acknowledged.
     *
     * @param dir the witness state directory
     * @return the store
     * @throws WitnessException when the directory cannot be created or read
     */
    public static StateFiles open(Path dir) {
        requireNonNull(dir, "dir");
        Path logs = dir.resolve("logs");
        try {
            Files.createDirectories(logs);
            try (DirectoryStream<Path> tmp = Files.newDirectoryStream(logs, "*" + TMP_SUFFIX)) {
                for (Path p : tmp) {
                    Files.delete(p);
                }
            }
            forceDirectory(logs);
        } catch (IOException e) {
            throw new WitnessException("cannot open witness state directory " + logs + ": " + e, e);
        }
        return new StateFiles(logs);
    }

    /**
     * The file name of an origin's state.
     *
     * @param origin the log origin
     * @return {@code <hex SHA-256 of the origin>.note}
     */
    public static String fileName(String origin) {
        return originHash(origin) + SUFFIX;
    }

    /**
     * The origin hash of the tlog-witness monitor URL.
     *
     * @param origin the log origin
     * @return lower-case hex SHA-256 of its UTF-8 bytes
     */
    public static String originHash(String origin) {
        return Hash.sha256(origin.getBytes(StandardCharsets.UTF_8)).hex();
    }

    /**
     * Reads every state file.
     *
     * @return origin hash (file name without suffix) to note text, in no particular order
     * @throws WitnessException when a file cannot be read or is not UTF-8 text
     */
    public Map<String, String> readAll() {
        Map<String, String> out = new LinkedHashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(logs, "*" + SUFFIX)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                out.put(name.substring(0, name.length() - SUFFIX.length()), Files.readString(p, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new WitnessException("cannot read witness state in " + logs + ": " + e, e);
        }
        return out;
    }

    /**
     * Replaces an origin's state durably (see the class contract).
     *
     * @param origin the log origin
     * @param note the new latest cosigned note
     * @throws WitnessException when it cannot be written; the old state is then still in place
     */
    public void write(String origin, String note) {
        Path target = logs.resolve(fileName(origin));
        Path tmp = logs.resolve(fileName(origin) + TMP_SUFFIX);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(note.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory(logs);
        } catch (IOException e) {
            throw new WitnessException("cannot persist the witness state of " + origin + " to " + target + ": " + e, e);
        }
    }

    /**
     * The directory holding the files.
     *
     * @return {@code DIR/logs}
     */
    public Path directory() {
        return logs;
    }

    private static void forceDirectory(Path dir) throws IOException {
        // On Linux a directory opened read-only can be fsync'd; this makes the rename durable.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
