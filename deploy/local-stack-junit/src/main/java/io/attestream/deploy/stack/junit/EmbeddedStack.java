package io.attestream.deploy.stack.junit;

import static java.util.Objects.requireNonNull;

import io.attestream.deploy.stack.LocalStack;
import io.attestream.deploy.stack.ServiceStatus;
import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.internal.Downloads;
import io.attestream.deploy.stack.internal.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The stack a test JVM uses: started here on free ports in a temporary directory, or external.
 * Closing it stops what it started; a shutdown hook does the same if the test engine never closes
 * it; and if the test JVM is killed outright (SIGKILL), an {@link OrphanWatchdog} stops the
 * services within a second or two of its death.
 */
final class EmbeddedStack implements AutoCloseable {
    /** System property: seconds to wait for the embedded stack. */
    static final String TIMEOUT_PROPERTY = "attestream.it.startTimeoutSeconds";
    /** System property: keep the embedded stack's directory after the run. */
    static final String KEEP_PROPERTY = "attestream.it.keep";

    private final StackEndpoints endpoints;
    private final Optional<LocalStack> stack;
    private final Thread shutdownHook;
    private final Optional<Process> watchdog;
    private boolean stopped;

    private EmbeddedStack(StackEndpoints endpoints, Optional<LocalStack> stack) {
        this.endpoints = requireNonNull(endpoints, "endpoints");
        this.stack = requireNonNull(stack, "stack");
        this.shutdownHook = new Thread(this::stop, "attestream-local-stack-shutdown");
        if (stack.isPresent()) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            List<Long> pids = stack.get().status().stream().map(ServiceStatus::pid).filter(p -> p > 0).toList();
            this.watchdog = Optional.of(OrphanWatchdog.watch(ProcessHandle.current().pid(), pids));
        } else {
            this.watchdog = Optional.empty();
        }
    }

    static EmbeddedStack start(Map<String, String> env) {
        Optional<StackEndpoints> external = StackEndpoints.fromEnvironment(env);
        if (external.isPresent()) {
            log("using the external stack named by ATTESTREAM_IT_*:\n" + external.get().describe());
            return new EmbeddedStack(external.get(), Optional.empty());
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("attestream-it-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the embedded stack", e);
        }
        Set<Integer> ports = new HashSet<>();
        while (ports.size() < 5) {
            ports.add(Ports.freePort());
        }
        Integer[] p = ports.toArray(Integer[]::new);
        StackConfig config = StackConfig.builder(dir)
                .kafkaPort(p[0]).kafkaControllerPort(p[1]).registryPort(p[2]).registryManagementPort(p[3])
                .clickHousePort(p[4])
                // Tests that need a witness start their own, with their own keys (WitnessedEvidenceIT).
                .witness(false)
                .startTimeout(Duration.ofSeconds(Long.getLong(TIMEOUT_PROPERTY, 300)))
                // Children stay in the test JVM's process group: Ctrl-C on the build stops them too.
                .detach(false)
                .build();
        log("starting the embedded stack in " + dir);
        LocalStack stack = new LocalStack(config, EmbeddedStack::log);
        try {
            return new EmbeddedStack(stack.up(), Optional.of(stack));
        } catch (RuntimeException e) {
            stack.down();
            throw e;
        }
    }

    StackEndpoints endpoints() {
        return endpoints;
    }

    @Override
    public void close() {
        if (stack.isPresent()) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running or will run; stop() is idempotent
            }
        }
        stop();
    }

    private synchronized void stop() {
        if (stack.isEmpty() || stopped) {
            return;
        }
        stopped = true;
        watchdog.ifPresent(Process::destroy);
        LocalStack s = stack.get();
        s.down();
        if (!Boolean.getBoolean(KEEP_PROPERTY)) {
            try {
                Downloads.deleteTree(s.config().stackDir());
            } catch (IOException e) {
                log("could not delete " + s.config().stackDir() + ": " + e.getMessage());
            }
        }
    }

    private static void log(String line) {
        System.out.println("[local-stack] " + line);
    }
}
