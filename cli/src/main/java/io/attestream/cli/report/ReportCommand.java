package io.attestream.cli.report;

import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.sealing.FileKeyStore;
import io.attestream.sealing.KeyStore;
import io.attestream.sealing.LocalMasterKey;
import io.attestream.verifier.VerifierException;
import io.attestream.verifier.internal.ConnectionOptions;
import io.attestream.verifier.internal.WitnessCheck;
import io.attestream.verifier.internal.WitnessOptions;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream report}: a self-contained HTML evidence pack for one tenant and period, read from ClickHouse
 * as the read-only auditor. Charts are inline SVG; the file needs nothing else to open.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a self-contained HTML evidence pack (and with --pdf a PDF) for one tenant and period"
                + " from ClickHouse: cover, verification, readiness checklist, the five common gaps agent by agent,"
                + " producer clocks, controls of the chosen framework, evidence over time, evals with drift alerts,"
                + " incidents, personal data (erasures, sealed fields: in clear with --keystore), and every query in an"
                + " appendix.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:report written (verification OK or not requested)", "1:failed (message says why)",
            "2:invalid command line", "3:report written, and verification found a problem",
            "4:report written, and the tenant has no evidence (no event row, no checkpoint)"})
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--tenant", required = true, description = "Tenant to report on.")
    String tenant;

    @Option(names = "--from", description = "First day (yyyy-mm-dd, UTC; default: 7 days before --to).")
    LocalDate from;

    @Option(names = "--to", description = "Last day, inclusive (yyyy-mm-dd, UTC; default: today).")
    LocalDate to;

    @Option(names = "--out", required = true, paramLabel = "FILE.html", description = "Where to write the report.")
    Path out;

    @Option(names = "--jdbc-url", description = "ClickHouse JDBC URL (default: from the local stack's endpoints file).")
    String jdbcUrl;

    @Option(names = "--user", description = "ClickHouse user (default: the stack's read-only auditor).")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the user's password"
            + " (default: the stack's endpoints file, else $" + ConnectionOptions.PASSWORD_ENV + ", else 'auditor' for"
            + " the auditor user).")
    Path passwordFile;

    @Option(names = "--stack-dir", description = "Local stack directory whose endpoints file gives the defaults"
            + " (default ${DEFAULT-VALUE}).")
    Path stackDir = StackConfig.DEFAULT_STACK_DIR;

    @Option(names = "--key", paramLabel = "KEY", description = "Verifier key (vkey file) to re-verify the tenant's"
            + " chains for the report; repeatable. Without it the report shows stored checkpoints only.")
    List<String> keys = new ArrayList<>();

    @Option(names = "--tsa-cert", paramLabel = "FILE", description = "Trusted TSA CA certificate (PEM) for"
            + " timestamp tokens; repeatable.")
    List<Path> tsaCerts = new ArrayList<>();

    @Option(names = "--database", defaultValue = "attestream", description = "ClickHouse database (default"
            + " ${DEFAULT-VALUE}).")
    String database;

    @Option(names = "--pdf", paramLabel = "FILE.pdf", description = "Also print the pack to this PDF with Chromium"
            + " headless (chromium, chromium-browser, google-chrome or google-chrome-stable on PATH).")
    Path pdf;

    @Option(names = "--framework", defaultValue = "iso27001", converter = FrameworkConverter.class,
            paramLabel = "FRAMEWORK", description = "Organise the controls by iso27001, iso42001, eu-ai-act or"
            + " nist-ai-rmf (default ${DEFAULT-VALUE}; mappings: docs/control-mappings.md).")
    ControlMappings.Framework framework;

    @Option(names = "--clock-bound", defaultValue = "PT60S", paramLabel = "DURATION", description = "How far a"
            + " producer's clock may be off (ISO-8601 duration, default ${DEFAULT-VALUE}): ahead of the chainer,"
            + " stepping back, or off the fleet's median delay.")
    Duration clockBound;

    @Option(names = "--keystore", paramLabel = "DIR", description = "File key store: with --master-key, sealed"
            + " personal fields are shown in clear where their key still exists (docs/privacy.md); without, sealed.")
    Path keystore;

    @Option(names = "--master-key", paramLabel = "FILE", description = "Master key file of --keystore.")
    Path masterKey;

    /** As {@code verify}: with --witness-key the re-verification requires the witnesses' cosignatures. */
    @Mixin
    WitnessOptions witnesses;

    @Spec
    CommandSpec spec;

    /** picocli: the framework names. */
    static final class FrameworkConverter implements CommandLine.ITypeConverter<ControlMappings.Framework> {
        @Override
        public ControlMappings.Framework convert(String value) {
            try {
                return ControlMappings.Framework.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        LocalDate last = to != null ? to : LocalDate.now(ZoneOffset.UTC);
        LocalDate first = from != null ? from : last.minusDays(7);
        if (first.isAfter(last)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from " + first + " is after --to " + last);
        }
        String password = resolveConnection();

        if (clockBound.isNegative() || clockBound.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--clock-bound must be positive, got "
                    + clockBound);
        }
        if (pdf != null && pdf.toAbsolutePath().equals(out.toAbsolutePath())) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pdf and --out name the same file " + pdf);
        }
        Optional<KeyStore> sealingKeys = Optional.empty();
        if ((keystore == null) != (masterKey == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--keystore and --master-key go together");
        }
        if (keystore != null) {
            if (!Files.isDirectory(keystore)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--keystore " + keystore
                        + " is not a directory");
            }
            sealingKeys = Optional.of(new FileKeyStore(keystore, LocalMasterKey.read(masterKey), Duration.ZERO));
        }
        Verification.Outcome outcome = null;
        Optional<WitnessCheck.Settings> witnessSettings;
        String attestations;
        try {
            witnessSettings = witnesses.settings(Clock.systemUTC());
            attestations = witnesses.table(database + ".checkpoints");
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (witnessSettings.isPresent() && keys.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--witness-key needs --key: the witnesses"
                    + " are checked as part of the re-verification");
        }
        if (!keys.isEmpty()) {
            try {
                outcome = Verification.run(jdbcUrl, user, password, database, tenant, keys, tsaCerts,
                        witnessSettings, attestations);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            } catch (VerifierException e) {
                throw new IllegalStateException("cannot verify the evidence in ClickHouse at " + jdbcUrl + " as "
                        + user + ": " + e.getMessage(), e);
            }
        }

        long t0 = System.nanoTime();
        String html;
        try (Connection jdbc = connect(password)) {
            EvidencePack pack = new EvidencePack(new QueryLog(jdbc), new EvidencePack.Scope(database, tenant, first,
                    last, framework, clockBound, user), Optional.ofNullable(outcome), sealingKeys);
            html = pack.render();
        } catch (SQLException e) {
            // The driver's messages do not say which server: name it, so a wrong endpoint is obvious.
            throw new IllegalStateException("cannot read the evidence from ClickHouse at " + jdbcUrl + " as " + user
                    + ": " + e.getMessage(), e);
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, html, StandardCharsets.UTF_8);
        long built = (System.nanoTime() - t0) / 1_000_000;
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println("wrote " + out + " (" + html.length() / 1024 + " KiB) for tenant " + tenant + ", " + first
                + " .. " + last + ", framework " + framework.id() + (outcome == null ? ", not re-verified"
                : ", verification " + (outcome.report().ok() ? "OK" : "FAILED")) + "; built in " + built + " ms"
                + (outcome == null ? "" : " after " + outcome.report().elapsed().toMillis() + " ms of verification"));
        if (pdf != null) {
            long p0 = System.nanoTime();
            Pdf.render(out, pdf);
            stdout.println("wrote " + pdf + " (" + Files.size(pdf) / 1024 + " KiB) in "
                    + (System.nanoTime() - p0) / 1_000_000 + " ms");
        }
        stdout.flush();
        if (outcome != null && outcome.report().noEvidence()) {
            return 4;
        }
        return outcome != null && !outcome.report().ok() ? 3 : 0;
    }

    private String resolveConnection() throws java.io.IOException {
        String password = passwordFile == null ? null : Files.readString(passwordFile).strip();
        if (jdbcUrl == null || user == null || password == null) {
            Path file = stackDir.resolve(StackEndpoints.FILE_NAME);
            if (!Files.exists(file)) {
                if (jdbcUrl == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--jdbc-url is required when no"
                            + " local stack endpoints file exists at " + file);
                }
            } else {
                StackEndpoints stack = StackEndpoints.load(file);
                jdbcUrl = jdbcUrl != null ? jdbcUrl : stack.clickHouseJdbcUrl();
                if (user == null) {
                    user = stack.auditorUser();
                    password = password != null ? password : stack.auditorPassword();
                }
            }
        }
        if (user == null) {
            user = "auditor";
        }
        if (password == null) {
            // As attestream verify: the environment, else the local stack's default for the auditor user.
            password = System.getenv(ConnectionOptions.PASSWORD_ENV);
        }
        return password != null ? password : "auditor".equals(user) ? "auditor" : "";
    }

    private Connection connect(String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl, props);
    }
}
