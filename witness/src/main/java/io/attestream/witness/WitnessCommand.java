package io.attestream.witness;

import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.VerifierKey;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code attestream witness}: runs a C2SP tlog-witness over HTTP until SIGTERM/SIGINT (docs/integrity.md §6).
 * Once listening it prints {@code witness-url=http://HOST:PORT/} and {@code witness-vkey=<cosigner vkey>} on
 * stdout, one line each (scripts read them when --port is 0).
 */
@Command(name = "witness", mixinStandardHelpOptions = true,
        description = {"Run a C2SP tlog-witness: cosign (tlog-cosignature/v1, Ed25519) each checkpoint of the "
                + "configured logs that is consistent with the last one it cosigned, keeping that state durably in DIR.",
            "POST /add-checkpoint, GET /<hex sha256 of origin>/checkpoint."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped cleanly (or --print-vkey printed)",
            "1:cannot start: key, state directory (unreadable, or not this witness's) or address",
            "2:invalid command line"})
public final class WitnessCommand implements Callable<Integer> {
    /** Exit code after a clean stop. */
    public static final int EXIT_OK = 0;
    /** Exit code when the witness cannot start. */
    public static final int EXIT_FAILED = 1;

    @Spec
    private CommandSpec spec;

    @Option(names = "--key", required = true, paramLabel = "FILE",
            description = "The witness's Ed25519 private key (PKCS#8 PEM, mode 0600; `attestream keygen` writes one).")
    private Path keyFile;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Cosigner name in the cosignature lines, e.g. witness.example.com/w1 (default: the key file "
                    + "name without .key).")
    private String name;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "State directory: the latest cosigned checkpoint per log (created when missing). Required "
                    + "unless --print-vkey.")
    private Path dir;

    @Option(names = "--log", paramLabel = "PATTERN=VKEY_FILE",
            description = {"A log to witness: an origin, or an origin prefix ending in '*', and the file of the log's "
                + "checkpoint signer vkey. Repeatable; the same pattern twice trusts both keys (rotation); the first "
                + "matching pattern decides. Example: --log 'attestream/*=keys/chainer.vkey'.",
                "Required unless --print-vkey."})
    private List<String> logOptions = new ArrayList<>();

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", defaultValue = "0", paramLabel = "PORT",
            description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--threads", defaultValue = "4", paramLabel = "N",
            description = "Request threads (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--print-vkey",
            description = "Print the cosigner vkey (what verifiers pass as --witness-key) and exit.")
    private boolean printVkey;

    private final CountDownLatch stop = new CountDownLatch(1);

    /**
     * Parses {@code --log} values into witnessed logs, grouping keys by pattern in first-seen order.
     *
     * @param options {@code PATTERN=VKEY_FILE} values
     * @return the logs
     * @throws IllegalArgumentException when a value has no {@code =} or its pattern is invalid
     * @throws io.attestream.integrity.KeyException when a vkey file is unreadable or malformed
     */
    static List<WitnessedLog> parseLogs(List<String> options) {
        Map<String, List<VerifierKey>> byPattern = new LinkedHashMap<>();
        for (String o : options) {
            int eq = o.indexOf('=');
            if (eq <= 0 || eq == o.length() - 1) {
                throw new IllegalArgumentException("--log must be PATTERN=VKEY_FILE, got '" + o + "'");
            }
            byPattern.computeIfAbsent(o.substring(0, eq), p -> new ArrayList<>())
                    .add(VerifierKey.readVkey(Path.of(o.substring(eq + 1))));
        }
        List<WitnessedLog> logs = new ArrayList<>();
        byPattern.forEach((p, keys) -> logs.add(new WitnessedLog(p, keys)));
        return logs;
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String signer = name != null ? name : defaultName(keyFile);
        SigningKey key;
        try {
            key = SigningKey.readPkcs8Pem(signer, keyFile);
        } catch (IntegrityException e) {
            err.println("witness: " + e.getMessage());
            return EXIT_FAILED;
        }
        if (printVkey) {
            out.println(CosignerKey.of(key).toVkey());
            out.flush();
            return EXIT_OK;
        }
        if (dir == null || logOptions.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--dir and at least one --log are required");
        }
        List<WitnessedLog> logs;
        try {
            logs = parseLogs(logOptions);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IntegrityException e) {
            err.println("witness: " + e.getMessage());
            return EXIT_FAILED;
        }
        WitnessServer server;
        Witness witness;
        try {
            witness = Witness.open(key, logs, dir, Clock.systemUTC());
            server = WitnessServer.start(witness, new InetSocketAddress(host, port), threads);
        } catch (WitnessException | IllegalArgumentException e) {
            err.println("witness: " + e.getMessage());
            return EXIT_FAILED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }, "witness-shutdown"));
        out.println("witness-url=" + server.uri());
        out.println("witness-vkey=" + witness.cosignerKey().toVkey());
        out.flush();
        err.println("witness: " + witness.cosignerKey().name() + " serving " + server.uri() + " for "
                + logs.stream().map(WitnessedLog::pattern).toList() + ", state in " + dir + " ("
                + witness.sizes().size() + " log(s) known)");
        err.flush();
        stop.await();
        return EXIT_OK;
    }

    private static String defaultName(Path keyFile) {
        String f = keyFile.getFileName().toString();
        return f.endsWith(".key") ? f.substring(0, f.length() - 4) : f;
    }
}
