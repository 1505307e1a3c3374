package io.attestream.deploy.stack;

import static java.util.Objects.requireNonNull;

import io.attestream.deploy.stack.internal.DaemonProcess;
import io.attestream.deploy.stack.internal.PidFile;
import io.attestream.deploy.stack.internal.Ports;
import io.attestream.deploy.stack.internal.Service;
import io.attestream.deploy.stack.internal.Services;
import io.attestream.deploy.stack.internal.WitnessService;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The embedded stack: Kafka, the schema registry and the ClickHouse front as child processes of
 * one stack directory.
 *
 * <p>Contract: {@link #up()} returns only when every service answers a real request, and writes
 * {@link StackEndpoints} to {@link StackConfig#endpointsFile()}; services already running are left
 * as they are, so {@code up} twice is harmless. If any service fails to start, the services this
 * call started are stopped again and the error names the service with the tail of its log.
 * {@link #down()} stops services by PID (SIGTERM, then kill after a grace period) and keeps their
 * data. A file lock in the stack directory serializes {@code up} and {@code down} across processes.
 */
public final class LocalStack {
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final StackConfig config;
    private final Consumer<String> progress;

    /**
     * @param config settings
     * @param progress receives human-readable progress lines
     */
    public LocalStack(StackConfig config, Consumer<String> progress) {
        this.config = requireNonNull(config, "config");
        this.progress = requireNonNull(progress, "progress");
    }

    /** @return the settings */
    public StackConfig config() {
        return config;
    }

    private static List<Service> services(StackConfig c) {
        return Services.all(c);
    }

    /**
     * Downloads and caches everything the services need, starting nothing.
     */
    public void fetch() {
        for (Service s : services(config)) {
            s.install(progress);
        }
    }

    /**
     * Starts every service that is not running and waits until all answer.
     *
     * @return the endpoints, also written to {@link StackConfig#endpointsFile()}
     * @throws PortInUseException when a port is taken by something else
     * @throws StackException when a service cannot be installed or started
     */
    public StackEndpoints up() {
        Instant t0 = Instant.now();
        return withLock(() -> {
            StackConfig effective = effectiveConfig();
            List<Service> services = services(effective);
            Map<Service, ProcessHandle> running = new LinkedHashMap<>();
            List<Service> toStart = new ArrayList<>();
            for (Service s : services) {
                Optional<ProcessHandle> live = DaemonProcess.live(s.pidFile());
                if (live.isPresent()) {
                    progress.accept(s.name() + " already running (pid " + live.get().pid() + ")");
                    running.put(s, live.get());
                } else {
                    toStart.add(s);
                }
            }
            for (Service s : toStart) {
                for (Service.Port p : s.ports()) {
                    Ports.requireFree(p.port(), p.key());
                }
            }
            for (Service s : toStart) {
                s.install(progress);
            }
            Map<Service, ProcessHandle> started = new LinkedHashMap<>();
            try {
                // Slowest first: the registry (Quarkus) and the ClickHouse front boot while Kafka formats.
                List<Service> startOrder = new ArrayList<>(toStart);
                startOrder.sort(Comparator.comparingInt(Service::startOrder));
                for (Service s : startOrder) {
                    List<String> cmd = s.prepare(progress);
                    String ports = s.ports().stream().map(p -> Integer.toString(p.port()))
                            .collect(Collectors.joining(","));
                    ProcessHandle h = DaemonProcess.start(s.name(), cmd, s.dir(), s.environment(), s.logFile(),
                            s.pidFile(), ports, config.detach());
                    progress.accept("started " + s.name() + " (pid " + h.pid() + ", log " + s.logFile() + ")");
                    started.put(s, h);
                    running.put(s, h);
                }
                Instant deadline = Instant.now().plus(config.startTimeout());
                List<CompletableFuture<Void>> waits = new ArrayList<>();
                ExecutorService waiters = Executors.newFixedThreadPool(running.size());
                for (Map.Entry<Service, ProcessHandle> e : running.entrySet()) {
                    waits.add(CompletableFuture.runAsync(() -> {
                        e.getKey().awaitReady(e.getValue(), deadline);
                        e.getKey().afterReady();
                        progress.accept(String.format(Locale.ROOT, "%s ready after %.1f s: %s", e.getKey().name(),
                                Duration.between(t0, Instant.now()).toMillis() / 1000.0, e.getKey().endpoint()));
                    }, waiters));
                }
                // Fail fast: one service failing must not wait for the others' timeouts.
                CompletableFuture<Void> firstFailure = new CompletableFuture<>();
                waits.forEach(w -> w.whenComplete((v, t) -> {
                    if (t != null) {
                        firstFailure.completeExceptionally(t);
                    }
                }));
                try {
                    CompletableFuture.anyOf(CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)),
                            firstFailure).join();
                } finally {
                    waiters.shutdownNow();
                }
            } catch (RuntimeException e) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                for (Map.Entry<Service, ProcessHandle> s : started.entrySet()) {
                    DaemonProcess.stop(s.getValue(), STOP_GRACE);
                    deleteQuietly(s.getKey().pidFile());
                }
                if (cause instanceof StackException se) {
                    throw se;
                }
                throw new StackException("stack did not start: " + cause, cause);
            }
            StackEndpoints endpoints = StackEndpoints.local(effective.kafkaPort(), effective.registryPort(),
                    effective.clickHousePort(), effective.clickHouseDefaultPassword(),
                    effective.clickHouseAuditorPassword());
            endpoints.store(config.endpointsFile(), effective.witness()
                    ? WitnessService.endpointProperties(effective) : Map.of());
            progress.accept(String.format(Locale.ROOT, "stack up in %.1f s; endpoints written to %s",
                    Duration.between(t0, Instant.now()).toMillis() / 1000.0, config.endpointsFile()));
            return endpoints;
        });
    }

    /**
     * Stops every running service (SIGTERM, then kill after 30 s), keeping data. Removes the
     * endpoints file.
     *
     * @return the names of the services that were running
     */
    public List<String> down() {
        if (!Files.isDirectory(config.stackDir())) {
            progress.accept("nothing running: no stack directory " + config.stackDir());
            return List.of();
        }
        return withLock(() -> {
            Map<Service, ProcessHandle> live = new LinkedHashMap<>();
            for (Service s : services(config)) {
                DaemonProcess.live(s.pidFile()).ifPresent(h -> live.put(s, h));
            }
            live.values().forEach(ProcessHandle::destroy);
            List<String> stopped = new ArrayList<>();
            for (Map.Entry<Service, ProcessHandle> e : live.entrySet()) {
                boolean clean = DaemonProcess.stop(e.getValue(), STOP_GRACE);
                if (e.getValue().isAlive()) {
                    throw new StackException("cannot stop " + e.getKey().name() + " (pid " + e.getValue().pid()
                            + "): still alive after SIGKILL");
                }
                deleteQuietly(e.getKey().pidFile());
                if (!clean) {
                    e.getKey().afterKill();
                }
                stopped.add(e.getKey().name());
                progress.accept("stopped " + e.getKey().name() + " (pid " + e.getValue().pid() + ")"
                        + (clean ? "" : " after SIGKILL: it ignored SIGTERM for " + STOP_GRACE.toSeconds() + " s"));
            }
            deleteQuietly(config.endpointsFile());
            if (live.isEmpty()) {
                progress.accept("nothing running in " + config.stackDir());
            }
            return stopped;
        });
    }

    /** @return the state of every service */
    public List<ServiceStatus> status() {
        StackConfig effective = effectiveConfig();
        List<ServiceStatus> out = new ArrayList<>();
        for (Service s : services(effective)) {
            Optional<ProcessHandle> h = PidFile.read(s.pidFile()).flatMap(PidFile::liveProcess);
            int port = s.ports().get(0).port();
            ServiceStatus.State state = h.isEmpty() ? ServiceStatus.State.STOPPED
                    : Ports.answers(port) ? ServiceStatus.State.RUNNING : ServiceStatus.State.NOT_ANSWERING;
            long pid = h.map(ProcessHandle::pid).orElse(-1L);
            out.add(new ServiceStatus(s.name(), state, pid, s.endpoint(), pid > 0 ? rssBytes(pid) : -1));
        }
        return out;
    }

    /**
     * The config with the ports of services already running: a second {@code up} with other ports
     * must describe the stack that runs, not the one asked for.
     */
    private StackConfig effectiveConfig() {
        StackConfig.Builder b = StackConfig.builder(config.stackDir()).cacheDir(config.cacheDir())
                .kafkaPort(config.kafkaPort()).kafkaControllerPort(config.kafkaControllerPort())
                .registryPort(config.registryPort()).registryManagementPort(config.registryManagementPort())
                .clickHousePort(config.clickHousePort()).registryJava(config.registryJava().orElse(null))
                .clickHouseDefaultPassword(config.clickHouseDefaultPassword())
                .clickHouseAuditorPassword(config.clickHouseAuditorPassword())
                .startTimeout(config.startTimeout()).detach(config.detach()).witness(config.witness())
                .witnessPort(config.witnessPort()).witnessLogKeys(config.witnessLogKeys());
        for (Service s : services(config)) {
            Optional<PidFile> pf = PidFile.read(s.pidFile()).filter(p -> p.liveProcess().isPresent());
            if (pf.isEmpty() || pf.get().ports().isBlank()) {
                continue;
            }
            String[] ports = pf.get().ports().split(",");
            List<Service.Port> asked = s.ports();
            for (int i = 0; i < ports.length && i < asked.size(); i++) {
                int actual = Integer.parseInt(ports[i].trim());
                if (actual != asked.get(i).port()) {
                    progress.accept("note: " + s.name() + " already runs on port " + actual + ", not "
                            + asked.get(i).port() + " (" + asked.get(i).key() + "); run 'down' first to change it");
                }
                switch (asked.get(i).key()) {
                    case StackConfig.KAFKA_PORT_CONFIG -> b.kafkaPort(actual);
                    case StackConfig.KAFKA_CONTROLLER_PORT_CONFIG -> b.kafkaControllerPort(actual);
                    case StackConfig.REGISTRY_PORT_CONFIG -> b.registryPort(actual);
                    case StackConfig.REGISTRY_MANAGEMENT_PORT_CONFIG -> b.registryManagementPort(actual);
                    case StackConfig.CLICKHOUSE_PORT_CONFIG -> b.clickHousePort(actual);
                    case StackConfig.WITNESS_PORT_CONFIG -> b.witnessPort(actual);
                    default -> throw new IllegalStateException("unknown port key " + asked.get(i).key());
                }
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new StackException("running services and requested ports clash: " + e.getMessage()
                    + "; run 'attestream stack down' first", e);
        }
    }

    private <T> T withLock(Supplier<T> action) {
        try {
            Files.createDirectories(config.stackDir());
            try (FileChannel ch = FileChannel.open(config.stackDir().resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                FileLock lock = ch.tryLock();
                if (lock == null) {
                    progress.accept("waiting for another 'attestream stack' command on " + config.stackDir());
                    lock = ch.lock();
                }
                try {
                    return action.get();
                } finally {
                    lock.release();
                }
            }
        } catch (IOException e) {
            throw new StackException("cannot use stack directory " + config.stackDir() + ": " + e.getMessage()
                    + " (change " + StackConfig.STACK_DIR_CONFIG + ", option --dir)", e);
        }
    }

    /** Resident set size as Linux reports it; -1 elsewhere or when the process is gone. */
    private static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux, or the process just exited
        }
        return -1;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover PID or endpoints file is re-checked against the live process next time
        }
    }
}
