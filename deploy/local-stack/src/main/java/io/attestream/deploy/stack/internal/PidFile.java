package io.attestream.deploy.stack.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * What a service's PID file records: the PID, the process start instant (so a recycled PID is not
 * mistaken for the service) and the ports it listens on.
 *
 * @param pid the process id
 * @param startedAt the process start instant as the OS reports it, or {@link Instant#EPOCH} when unknown
 * @param ports the ports it was started with, comma-separated, in the service's order
 */
public record PidFile(long pid, Instant startedAt, String ports) {

    /** Validates. */
    public PidFile {
        requireNonNull(startedAt, "startedAt");
        requireNonNull(ports, "ports");
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
    }

    /**
     * @param file a PID file
     * @return its content, or empty when there is no such file or it is unreadable garbage
     */
    public static Optional<PidFile> read(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
            return Optional.of(new PidFile(Long.parseLong(p.getProperty("pid", "0").trim()),
                    Instant.ofEpochMilli(Long.parseLong(p.getProperty("startedAtMillis", "0").trim())),
                    p.getProperty("ports", "")));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            // A torn or hand-edited PID file names no process we can trust: treat as absent.
            return Optional.empty();
        }
    }

    /**
     * Writes the PID file atomically.
     *
     * @param file where
     */
    public void write(Path file) {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("startedAtMillis", Long.toString(startedAt.toEpochMilli()));
        p.setProperty("ports", ports);
        StringWriter text = new StringWriter();
        try {
            p.store(text, "written by attestream stack; the process is stopped by 'attestream stack down'");
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, text.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write PID file " + file, e);
        }
    }

    /**
     * @return the live process this file names, or empty when it has exited or the PID now belongs
     *     to a process started at another instant
     */
    public Optional<ProcessHandle> liveProcess() {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> {
            if (startedAt.equals(Instant.EPOCH)) {
                return true;
            }
            return h.info().startInstant().map(startedAt::equals).orElse(true);
        });
    }
}
