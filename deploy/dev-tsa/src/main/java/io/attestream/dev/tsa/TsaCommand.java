package io.attestream.dev.tsa;

import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.KeyException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream tsa --dir DIR [--host H] [--port P]}: runs the embedded RFC 3161 timestamp authority
 * over HTTP for the local stack until the process is stopped (SIGTERM/SIGINT).
 *
 * <p>The TSA identity lives in DIR: loaded from {@code tsa-ca.crt}, {@code tsa.crt} and {@code tsa.key}
 * (0600) when they exist, generated and saved there otherwise, so tokens stay verifiable across
 * restarts. Verifiers trust {@code DIR/tsa-ca.crt}. Once listening it prints one line
 * {@code tsa-url=http://HOST:PORT/} on stdout (scripts read it when --port is 0).
 */
@Command(name = "tsa", mixinStandardHelpOptions = true,
        description = {"Serve the self-signed development RFC 3161 timestamp authority over HTTP (local stack, tests).",
            "Its tokens prove nothing to an auditor: the operator holds its key and CA."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped cleanly",
            "1:the TSA could not be loaded, generated or bound to the address",
            "2:invalid command line"})
public final class TsaCommand implements Callable<Integer> {
    /** Exit code after a clean stop. */
    public static final int EXIT_OK = 0;
    /** Exit code when the TSA cannot start. */
    public static final int EXIT_FAILED = 1;

    @Spec
    private CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR",
            description = "Directory holding (or receiving) tsa-ca.crt, tsa.crt and tsa.key.")
    private Path dir;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", defaultValue = "0", paramLabel = "PORT",
            description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--name", defaultValue = "attestream-local", paramLabel = "NAME",
            description = "Name in the certificates of a newly generated TSA (default: ${DEFAULT-VALUE}).")
    private String name;

    private final CountDownLatch stop = new CountDownLatch(1);

    /**
     * Loads or generates the TSA in {@code dir} and starts serving it.
     *
     * @param dir the identity directory
     * @param address where to listen
     * @param name certificate name for a new TSA
     * @param clock the clock for genTime
     * @return the running server
     * @throws IntegrityException when loading, generating or binding fails
     */
    static EmbeddedTimestampAuthority.Server start(Path dir, InetSocketAddress address, String name, Clock clock) {
        EmbeddedTimestampAuthority tsa;
        if (Files.exists(dir.resolve("tsa.key"))) {
            tsa = EmbeddedTimestampAuthority.load(dir, clock);
        } else {
            try {
                if (!Files.isDirectory(dir)) {
                    Files.createDirectories(dir,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
            } catch (IOException e) {
                throw new KeyException("cannot create TSA directory " + dir + ": " + e, e);
            }
            tsa = EmbeddedTimestampAuthority.generate(name, clock);
            tsa.save(dir);
        }
        return tsa.serve(address);
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        EmbeddedTimestampAuthority.Server server;
        try {
            server = start(dir, new InetSocketAddress(host, port), name, Clock.systemUTC());
        } catch (IntegrityException e) {
            err.println("tsa: " + e.getMessage());
            return EXIT_FAILED;
        }
        Thread hook = new Thread(() -> {
            server.close();
            stop.countDown();
        }, "tsa-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("tsa-url=" + server.uri());
        out.flush();
        err.println("tsa: serving RFC 3161 at " + server.uri() + "; trust anchor " + dir.resolve("tsa-ca.crt")
                + "; policy " + EmbeddedTimestampAuthority.DEFAULT_POLICY);
        err.flush();
        try {
            stop.await();
        } finally {
            server.close();
        }
        return EXIT_OK;
    }
}
