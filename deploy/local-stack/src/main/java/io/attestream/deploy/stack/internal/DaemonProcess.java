package io.attestream.deploy.stack.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.deploy.stack.StackException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts a service as a child process whose output goes to a log file and whose PID goes to a PID
 * file, and stops it again by that PID file.
 *
 * <p>Detached children are started through {@code setsid(1)} so they run in their own session: a
 * terminal hang-up or Ctrl-C aimed at the CLI does not reach them, and they outlive the JVM that
 * started them. {@code setsid} execs in place (a JVM's child is never a process-group leader), so
 * the PID we record is the service's own.
 */
public final class DaemonProcess {
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private DaemonProcess() {
    }

    /**
     * Starts a process and records its PID.
     *
     * @param name service name, for messages
     * @param command the command line
     * @param workDir working directory
     * @param env extra environment variables
     * @param logFile file receiving stdout and stderr (appended)
     * @param pidFile PID file to write
     * @param ports the ports recorded in the PID file
     * @param detach whether to run it in its own session
     * @return the started process
     */
    public static ProcessHandle start(String name, List<String> command, Path workDir, Map<String, String> env,
            Path logFile, Path pidFile, String ports, boolean detach) {
        requireNonNull(command, "command");
        List<String> cmd = new ArrayList<>();
        if (detach && Files.isExecutable(SETSID)) {
            cmd.add(SETSID.toString());
        }
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().putAll(env);
        try {
            Files.writeString(logFile, "---- " + Instant.now() + " starting " + name + ": " + String.join(" ", cmd)
                    + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Process process = pb.start();
            ProcessHandle handle = process.toHandle();
            new PidFile(handle.pid(), handle.info().startInstant().orElse(Instant.EPOCH), ports).write(pidFile);
            return handle;
        } catch (IOException e) {
            throw new StackException("cannot start " + name + " (" + cmd.get(0) + "): " + e.getMessage(), e);
        }
    }

    /**
     * Asks a process to stop with SIGTERM, waits, then kills it.
     *
     * @param handle the process
     * @param grace how long to wait after SIGTERM
     * @return true when it stopped on SIGTERM, false when it had to be killed
     */
    public static boolean stop(ProcessHandle handle, Duration grace) {
        if (!handle.isAlive()) {
            return true;
        }
        handle.destroy();
        try {
            handle.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            handle.destroyForcibly();
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException ignored) {
                // reported by the caller through isAlive()
            }
            return false;
        } catch (ExecutionException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        }
    }

    /**
     * @param logFile a log file
     * @param lines how many lines
     * @return its last lines, indented, for error messages
     */
    public static String tail(Path logFile, int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
            return "    " + String.join(System.lineSeparator() + "    ", last);
        } catch (IOException | UncheckedIOException e) {
            return "    (no log at " + logFile + ")";
        }
    }

    /**
     * @param pidFile a PID file
     * @return the live process it names; a stale PID file is deleted
     */
    public static Optional<ProcessHandle> live(Path pidFile) {
        Optional<PidFile> pf = PidFile.read(pidFile);
        Optional<ProcessHandle> handle = pf.flatMap(PidFile::liveProcess);
        if (pf.isPresent() && handle.isEmpty()) {
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException ignored) {
                // stale either way; the next start overwrites it
            }
        }
        return handle;
    }
}
