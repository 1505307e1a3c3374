package io.attestream.deploy.chdb;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Launches {@link ChdbServerMain} as a child JVM, the one way every caller (local-stack, tests,
 * the benchmark) starts the engine: java from {@code java.home}, the current JVM's class path,
 * {@code -Duser.timezone=UTC}, a small heap (chdb allocates natively), and
 * {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so} so that signal handlers chdb might install chain
 * to the JVM's instead of replacing them. A crash of the engine never takes the caller down.
 */
public final class ChdbServerProcess implements AutoCloseable {

    /** Default heap of the child JVM: the engine's memory is native, the JVM only relays bytes. */
    public static final String DEFAULT_HEAP = "512m";

    private final Process process;
    private final URI endpoint;
    private final Path logFile;

    private ChdbServerProcess(Process process, URI endpoint, Path logFile) {
        this.process = process;
        this.endpoint = endpoint;
        this.logFile = logFile;
    }

    /** {@link #start(ChdbServerConfig, Path, Duration)} with a 120 s ready timeout. */
    public static ChdbServerProcess start(ChdbServerConfig config, Path logFile) {
        return start(config, logFile, Duration.ofSeconds(120));
    }

    /**
     * Starts the server and waits for its ready line.
     *
     * @param logFile stdout and stderr of the child, appended
     * @throws ChdbServerException if it exits or is not ready in time; the message carries the
     *                             end of its log (for instance "port 8123 ... is in use (change --port)")
     */
    public static ChdbServerProcess start(ChdbServerConfig config, Path logFile, Duration readyTimeout) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(logFile, "logFile");
        Objects.requireNonNull(readyTimeout, "readyTimeout");
        List<String> args = new ArrayList<>(List.of(
                "--host", config.host(),
                "--port", Integer.toString(config.port()),
                "--data-dir", config.dataDir().toAbsolutePath().toString(),
                "--lib", config.lib().toAbsolutePath().toString(),
                "--max-body-bytes", Long.toString(config.maxBodyBytes()),
                "--max-execution-time", Long.toString(config.maxExecutionTime().toSeconds()),
                "--engine-wait", Long.toString(config.engineWait().toSeconds()),
                "--sessions", Integer.toString(config.sessions())));
        if (config.usersFile() != null) {
            args.add("--users-file");
            args.add(config.usersFile().toAbsolutePath().toString());
        }
        ProcessBuilder pb = javaProcess(ChdbServerMain.class.getName(), args, DEFAULT_HEAP);
        long offset;
        try {
            if (logFile.getParent() != null) {
                Files.createDirectories(logFile.getParent());
            }
            offset = Files.exists(logFile) ? Files.size(logFile) : 0;
        } catch (IOException e) {
            throw new ChdbServerException("cannot use log file " + logFile + ": " + e.getMessage(), e);
        }
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ChdbServerException("cannot launch chdb-server JVM: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        try {
            while (true) {
                String log = readFrom(logFile, offset);
                int i = log.indexOf(ChdbServerMain.READY_PREFIX);
                if (i >= 0) {
                    int end = log.indexOf('\n', i);
                    if (end > 0) {
                        String url = log.substring(i + ChdbServerMain.READY_PREFIX.length(), end).strip();
                        return new ChdbServerProcess(p, URI.create(url), logFile);
                    }
                }
                if (!p.isAlive()) {
                    throw new ChdbServerException("chdb-server exited with code " + p.exitValue()
                            + " before it was ready; log " + logFile + ":\n" + tail(log));
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new ChdbServerException("chdb-server not ready within " + readyTimeout.toSeconds()
                            + " s; killed it; log " + logFile + ":\n" + tail(log));
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ChdbServerException("interrupted while waiting for chdb-server", e);
        }
    }

    /**
     * A child JVM command for {@code mainClass} launched like the server: same java, class path,
     * UTC, heap, and libjsig preloaded when the JDK ships it.
     */
    public static ProcessBuilder javaProcess(String mainClass, List<String> args, String heap) {
        Objects.requireNonNull(mainClass, "mainClass");
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(heap, "heap");
        Path javaHome = Path.of(System.getProperty("java.home"));
        List<String> cmd = new ArrayList<>(List.of(
                javaHome.resolve("bin").resolve("java").toString(),
                "-Xmx" + heap,
                "-Duser.timezone=UTC",
                "-Dfile.encoding=UTF-8",
                "-cp", System.getProperty("java.class.path"),
                mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Path jsig = javaHome.resolve("lib").resolve("libjsig.so");
        if (Files.isRegularFile(jsig)) {
            Map<String, String> env = pb.environment();
            String existing = env.get("LD_PRELOAD");
            env.put("LD_PRELOAD", existing == null || existing.isBlank() ? jsig.toString() : jsig + ":" + existing);
        }
        return pb;
    }

    private static String readFrom(Path file, long offset) {
        try {
            byte[] all = Files.readAllBytes(file);
            int from = (int) Math.min(offset, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String log) {
        String[] lines = log.split("\n");
        int from = Math.max(0, lines.length - 40);
        return String.join("\n", List.of(lines).subList(from, lines.length));
    }

    /** Base URL, e.g. {@code http://127.0.0.1:8123}. */
    public URI endpoint() {
        return endpoint;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return endpoint.getPort();
    }

    /** Process id of the child JVM. */
    public long pid() {
        return process.pid();
    }

    /** True while the child runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The child's log file. */
    public Path logFile() {
        return logFile;
    }

    /**
     * Sends SIGTERM, waits up to {@code timeout}, then kills. Returns the exit code
     * (0 after a clean stop).
     */
    public int stop(Duration timeout) {
        process.destroy();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** {@link #stop(Duration)} with 20 s. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(20));
    }
}
