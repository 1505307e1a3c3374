package io.attestream.witness;

import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.VerifierKey;
import io.attestream.runtime.HealthServer;
import io.attestream.runtime.LoadedConfig;
import io.attestream.runtime.Readiness;
import io.attestream.runtime.StageMetrics;
import io.attestream.runtime.StageOptions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    private StageOptions options = new StageOptions();

    @Option(names = "--key", paramLabel = "FILE",
            description = "The witness's Ed25519 private key (PKCS#8 PEM, mode 0600; `attestream keygen` writes one; "
                    + "= " + WitnessConfig.KEY_FILE_CONFIG + ").")
    private String keyFile;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Cosigner name in the cosignature lines, e.g. witness.example.com/w1 (default: the key file "
                    + "name without .key; = " + WitnessConfig.NAME_CONFIG + ").")
    private String name;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "State directory: the latest cosigned checkpoint per log (created when missing). Required "
                    + "unless --print-vkey (= " + WitnessConfig.DIR_CONFIG + ").")
    private String dir;

    @Option(names = "--log", paramLabel = "PATTERN=VKEY_FILE",
            description = {"A log to witness: an origin, or an origin prefix ending in '*', and the file of the log's "
                + "checkpoint signer vkey. Repeatable; the same pattern twice trusts both keys (rotation); the first "
                + "matching pattern decides. Example: --log 'attestream/*=keys/chainer.vkey'.",
                "Required unless --print-vkey (= " + WitnessConfig.LOGS_CONFIG + ")."})
    private List<String> logOptions = new ArrayList<>();

    @Option(names = "--host", paramLabel = "HOST",
            description = "Address to listen on (default: 127.0.0.1; = " + WitnessConfig.LISTEN_HOST_CONFIG + ").")
    private String host;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Port to listen on; 0 picks a free one (default: 0; = " + WitnessConfig.LISTEN_PORT_CONFIG
                    + ").")
    private String port;

    @Option(names = "--threads", paramLabel = "N",
            description = "Request threads (default: 4; = " + WitnessConfig.THREADS_CONFIG + ").")
    private String threads;

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
        WitnessConfig config;
        try {
            options.setIfAbsent(WitnessConfig.KEY_FILE_CONFIG, keyFile);
            options.setIfAbsent(WitnessConfig.NAME_CONFIG, name);
            options.setIfAbsent(WitnessConfig.DIR_CONFIG, dir);
            options.setIfAbsent(WitnessConfig.LOGS_CONFIG, logOptions.isEmpty() ? null : String.join(",", logOptions));
            options.setIfAbsent(WitnessConfig.LISTEN_HOST_CONFIG, host);
            options.setIfAbsent(WitnessConfig.LISTEN_PORT_CONFIG, port);
            options.setIfAbsent(WitnessConfig.THREADS_CONFIG, threads);
            LoadedConfig loaded = WitnessConfig.loader().load(options.sources());
            if (!printVkey) {
                loaded.log();
            }
            config = new WitnessConfig(loaded.values());
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), "invalid configuration: " + e.getMessage());
        }
        Path keyPath = Path.of(config.getString(WitnessConfig.KEY_FILE_CONFIG));
        String signer = config.getString(WitnessConfig.NAME_CONFIG).isEmpty() ? defaultName(keyPath)
                : config.getString(WitnessConfig.NAME_CONFIG);
        SigningKey key;
        try {
            key = SigningKey.readPkcs8Pem(signer, keyPath);
        } catch (IntegrityException e) {
            err.println("witness: " + e.getMessage());
            return EXIT_FAILED;
        }
        if (printVkey) {
            out.println(CosignerKey.of(key).toVkey());
            out.flush();
            return EXIT_OK;
        }
        String stateDir = config.getString(WitnessConfig.DIR_CONFIG);
        List<String> logValues = config.getList(WitnessConfig.LOGS_CONFIG);
        if (stateDir.isEmpty() || logValues.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--dir and at least one --log are required");
        }
        Path dirPath = Path.of(stateDir);
        List<WitnessedLog> logs;
        try {
            logs = parseLogs(logValues);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IntegrityException e) {
            err.println("witness: " + e.getMessage());
            return EXIT_FAILED;
        }
        WitnessServer server;
        Witness witness;
        HealthServer health;
        try {
            witness = Witness.open(key, logs, dirPath, Clock.systemUTC());
            server = WitnessServer.start(witness, new InetSocketAddress(config.getString(WitnessConfig.LISTEN_HOST_CONFIG),
                    config.getInt(WitnessConfig.LISTEN_PORT_CONFIG)), config.getInt(WitnessConfig.THREADS_CONFIG));
        } catch (WitnessException | IllegalArgumentException e) {
            err.println("witness: " + e.getMessage());
            return EXIT_FAILED;
        }
        try {
            PrometheusMeterRegistry meters = StageMetrics.newRegistry();
            Gauge.builder(StageMetrics.name("witness", "logs.known"), witness, w -> w.sizes().size())
                    .description("Logs the witness has cosigned a checkpoint of").register(meters);
            // The witness answers from the moment its server is up: its state is local, it depends on nothing.
            health = HealthServer.start(config, meters, () -> Readiness.Status.up("serving " + server.uri()),
                    HealthServer.alwaysLive());
        } catch (ConfigException e) {
            server.close();
            err.println("witness: " + e.getMessage());
            return EXIT_FAILED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (health != null) {
                health.close();
            }
            server.close();
            stop.countDown();
        }, "witness-shutdown"));
        out.println("witness-url=" + server.uri());
        out.println("witness-vkey=" + witness.cosignerKey().toVkey());
        out.flush();
        err.println("witness: " + witness.cosignerKey().name() + " serving " + server.uri() + " for "
                + logs.stream().map(WitnessedLog::pattern).toList() + ", state in " + dirPath + " ("
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
