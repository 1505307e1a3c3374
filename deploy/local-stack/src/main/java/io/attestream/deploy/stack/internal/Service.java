package io.attestream.deploy.stack.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One service of the stack: where it keeps its files, which ports it needs, how it is installed,
 * launched and probed. Its directory {@code <stack.dir>/<name>/} holds its data, {@code <name>.pid}
 * and {@code <name>.log}.
 */
public abstract class Service {
    /** The stack settings. */
    protected final StackConfig config;
    private final String name;

    /**
     * A port and the config key that sets it.
     *
     * @param port the port
     * @param key its {@link StackConfig} key
     */
    public record Port(int port, String key) {
        /** Validates. */
        public Port {
            requireNonNull(key, "key");
        }
    }

    /**
     * @param config the stack settings
     * @param name the service name: {@code kafka}, {@code registry} or {@code clickhouse}
     */
    protected Service(StackConfig config, String name) {
        this.config = requireNonNull(config, "config");
        this.name = requireNonNull(name, "name");
    }

    /** @return the service name */
    public final String name() {
        return name;
    }

    /** @return the service's directory under the stack directory */
    public final Path dir() {
        return config.stackDir().resolve(name);
    }

    /** @return its PID file */
    public final Path pidFile() {
        return dir().resolve(name + ".pid");
    }

    /** @return its log file (stdout and stderr of the process) */
    public final Path logFile() {
        return dir().resolve(name + ".log");
    }

    /** @return lower starts earlier; services slow to boot start first */
    public int startOrder() {
        return 0;
    }

    /** @return the ports it listens on, first the one clients use */
    public abstract List<Port> ports();

    /**
     * Downloads and unpacks what the service needs into the cache directory; does nothing when
     * already cached.
     *
     * @param progress receives progress lines
     */
    public abstract void install(Consumer<String> progress);

    /**
     * Writes config files, formats storage on first start, and returns the command line.
     *
     * @param progress receives progress lines
     * @return the command to run
     */
    public abstract List<String> prepare(Consumer<String> progress);

    /** @return environment variables added to the child's */
    public Map<String, String> environment() {
        return Map.of();
    }

    /**
     * Waits until the service answers a real request.
     *
     * @param process the service's process
     * @param deadline when to give up
     * @throws StackException when it dies or does not answer in time, with the tail of its log
     */
    public abstract void awaitReady(ProcessHandle process, Instant deadline);

    /** Runs after the service had to be killed (it ignored SIGTERM): drop what a kill may have torn. */
    public void afterKill() {
    }

    /** Runs once the service answers, on every {@code up} (must be idempotent). */
    public void afterReady() {
    }

    /** @return a one-line description of where it answers */
    public abstract String endpoint();

    /** Creates the service directory. */
    protected final void createDir() {
        try {
            Files.createDirectories(dir());
        } catch (IOException e) {
            throw new StackException("cannot create " + dir() + " for " + name + ": " + e.getMessage()
                    + " (change " + StackConfig.STACK_DIR_CONFIG + ", option --dir)", e);
        }
    }

    /**
     * Throws when the process has died, or when the deadline has passed.
     *
     * @param process the process
     * @param deadline the deadline
     * @param lastProblem what the last probe said
     */
    protected final void checkStillStarting(ProcessHandle process, Instant deadline, String lastProblem) {
        if (!process.isAlive()) {
            throw new StackException(name + " exited during start-up; last lines of " + logFile() + ":\n"
                    + DaemonProcess.tail(logFile(), 25));
        }
        if (Instant.now().isAfter(deadline)) {
            throw new StackException(name + " did not answer within " + config.startTimeout().toSeconds()
                    + " s (last probe: " + lastProblem + "); raise " + StackConfig.START_TIMEOUT_CONFIG
                    + " (option --timeout) on a loaded machine; last lines of " + logFile() + ":\n"
                    + DaemonProcess.tail(logFile(), 25));
        }
    }

    /** Sleeps between probes. */
    protected static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for a service to start", e);
        }
    }
}
