package io.attestream.deploy.chdb;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.attestream.deploy.chdb.internal.ChdbEngine;
import io.attestream.deploy.chdb.internal.ChdbQueryException;
import io.attestream.deploy.chdb.internal.HttpFront;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The chdb-server process: libchdb behind the ClickHouse HTTP interface. Logs
 * {@code chdb-server ready on http://HOST:PORT} once queries are accepted, stops cleanly on
 * SIGTERM/SIGINT. Run it in its own JVM with the JVM's libjsig.so preloaded
 * ({@link ChdbServerProcess} does both).
 */
@Command(name = "chdb-server", mixinStandardHelpOptions = true, version = "chdb-server (libchdb " + ChdbLibrary.VERSION + ")",
        description = "Serves libchdb (the ClickHouse engine, in-process) over the ClickHouse HTTP interface.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped cleanly (SIGTERM or SIGINT)",
            "1:start-up failed: library download, data directory, users file, or port in use",
            "2:invalid command-line options"})
public final class ChdbServerMain implements Callable<Integer> {

    /** Prefix of the line printed when the server accepts queries. */
    public static final String READY_PREFIX = "chdb-server ready on ";

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", defaultValue = "8123", description = "HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--data-dir", defaultValue = ".attestream/clickhouse",
            description = "chdb data directory, created if missing (default: ${DEFAULT-VALUE}).")
    private Path dataDir;

    @Option(names = "--users-file", description = "Users file (user.<name>.password_sha256, user.<name>.readonly); "
            + "default: users default (full) and auditor (read-only), both with empty passwords.")
    private Path usersFile;

    @Option(names = "--lib", description = "Path of libchdb.so; default: fetched into the cache directory on first use.")
    private Path lib;

    @Option(names = "--cache-dir", description = "Cache for the libchdb download (default: $ATTESTREAM_CACHE or ~/.cache/attestream).")
    private Path cacheDir;

    @Option(names = "--max-body-bytes", defaultValue = "1073741824",
            description = "Largest request body accepted; larger ones get HTTP 413 (default: ${DEFAULT-VALUE}).")
    private long maxBodyBytes;

    @Option(names = "--max-execution-time", defaultValue = "300", description = "Longest a statement may run, in "
            + "seconds, streamed results included; past it the client gets TIMEOUT_EXCEEDED (default: ${DEFAULT-VALUE}).")
    private long maxExecutionTime;

    @Option(names = "--engine-wait", defaultValue = "10", description = "Longest a request waits for a free engine "
            + "session, in seconds; past it HTTP 503 with Retry-After, the statement not run (default: ${DEFAULT-VALUE}).")
    private long engineWait;

    @Option(names = "--sessions", defaultValue = "2", description = "Engine sessions per kind of user (full, "
            + "read-only), 1 to 16: statements beyond that wait (default: ${DEFAULT-VALUE}).")
    private int sessions;

    @Override
    public Integer call() throws Exception {
        Path libPath = lib != null ? lib
                : ChdbLibrary.ensureInstalled(cacheDir != null ? cacheDir : ChdbLibrary.defaultCacheDir(),
                        ChdbServerMain::log);
        ChdbServerConfig config = new ChdbServerConfig(host, port, dataDir, usersFile, libPath, maxBodyBytes,
                Duration.ofSeconds(maxExecutionTime), Duration.ofSeconds(engineWait), sessions);
        CountDownLatch stopped = new CountDownLatch(1);
        Running running = start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("stopping");
            running.close();
            log("stopped");
            stopped.countDown();
            // A JVM ended by SIGTERM exits with 143 even after a clean shutdown; report the
            // clean stop as 0 so supervisors can tell it from a crash.
            Runtime.getRuntime().halt(0);
        }, "chdb-server-shutdown"));
        stopped.await();
        return 0;
    }

    /** A started server: HTTP front plus engine. */
    private record Running(HttpFront front, ChdbEngine engine) implements AutoCloseable {
        @Override
        public void close() {
            front.stop(1);
            engine.close(10_000);
        }
    }

    private static Running start(ChdbServerConfig config) {
        if (!Files.isRegularFile(config.lib())) {
            throw new ChdbServerException("libchdb not found at " + config.lib() + " (--lib)");
        }
        ChdbUsers users = config.users();
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new ChdbServerException("cannot create data directory " + config.dataDir() + " (--data-dir): "
                    + e.getMessage(), e);
        }
        long t0 = System.nanoTime();
        ChdbEngine engine;
        try {
            engine = ChdbEngine.open(config.lib(), config.dataDir(), config.limits(), ChdbServerMain::log);
        } catch (ChdbQueryException e) {
            throw new ChdbServerException(e.getMessage() + " (--data-dir " + config.dataDir() + ")", e);
        }
        log(String.format("libchdb loaded and %s opened in %d ms", config.dataDir(), (System.nanoTime() - t0) / 1_000_000));
        HttpFront front = new HttpFront(engine, users, config.dataDir().resolve("attestream-insert-tmp"),
                config.maxBodyBytes(), ChdbServerMain::log);
        InetSocketAddress bound;
        try {
            bound = front.start(config.host(), config.port());
        } catch (BindException e) {
            engine.close();
            throw new ChdbServerException("port " + config.port() + " on " + config.host()
                    + " is in use or not bindable (change --port): " + e.getMessage(), e);
        } catch (IOException e) {
            engine.close();
            throw new ChdbServerException("cannot start HTTP on " + config.host() + ":" + config.port() + ": "
                    + e.getMessage(), e);
        }
        // Exactly this line, without timestamp: launchers wait for it (ChdbServerProcess, local-stack).
        System.out.println(READY_PREFIX + "http://" + config.host() + ":" + bound.getPort());
        System.out.flush();
        return new Running(front, engine);
    }

    private static void log(String line) {
        System.out.println(Instant.now() + " " + line);
        System.out.flush();
    }

    /** Entry point; exit codes as documented on the command. */
    public static void main(String[] args) {
        CommandLine cmd = new CommandLine(new ChdbServerMain());
        cmd.setExecutionExceptionHandler((e, c, parseResult) -> {
            c.getErr().println("chdb-server: " + (e instanceof ChdbServerException ? e.getMessage() : e.toString()));
            return 1;
        });
        System.exit(cmd.execute(args));
    }
}
