package io.attestream.cli.report;

import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.verifier.VerifierException;
import io.attestream.verifier.internal.ConnectionOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream report}: a self-contained HTML evidence pack for one tenant and period, read from ClickHouse
 * as the read-only auditor. Charts are inline SVG; the file needs nothing else to open.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a self-contained HTML evidence pack for one tenant and period from ClickHouse:"
                + " verification status, evidence per ISO control per day, overrides and approvals over time,"
                + " changes without approval, eval metrics per version with drift alerts, incidents.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:report written (verification OK or not requested)", "1:failed (message says why)",
            "2:invalid command line", "3:report written, and verification found a problem"})
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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LocalDate last = to != null ? to : LocalDate.now(ZoneOffset.UTC);
        LocalDate first = from != null ? from : last.minusDays(7);
        if (first.isAfter(last)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from " + first + " is after --to " + last);
        }
        String password = resolveConnection();
        Instant start = first.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant end = last.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();

        int verifyCode = -1;
        String verifyText = "Not re-verified: run with --key (and --tsa-cert) to recompute every chain hash, Merkle"
                + " root, signature and timestamp for this tenant.";
        if (!keys.isEmpty()) {
            Verification.Outcome outcome;
            try {
                outcome = Verification.run(jdbcUrl, user, password, database, tenant, keys,
                        tsaCerts);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            } catch (VerifierException e) {
                throw new IllegalStateException("cannot verify the evidence in ClickHouse at " + jdbcUrl + " as "
                        + user + ": " + e.getMessage(), e);
            }
            verifyCode = outcome.report().ok() ? 0 : 3;
            verifyText = outcome.text();
        }

        String html;
        try (Connection jdbc = connect(password)) {
            // Hours when the tenant's data in the period spans less than two days, else days.
            List<List<String>> span = rows(jdbc, "SELECT toString(dateDiff('hour', min(occurred_at),"
                    + " max(occurred_at))) FROM " + database + ".chained_events WHERE tenant = ? AND occurred_at"
                    + " >= fromUnixTimestamp64Micro(?) AND occurred_at < fromUnixTimestamp64Micro(?)",
                    tenant, micros(start), micros(end));
            boolean hourly = !span.isEmpty() && Long.parseLong(span.get(0).get(0)) < 48;
            html = render(jdbc, first, last, start, end, hourly, verifyCode, verifyText);
        } catch (SQLException e) {
            // The driver's messages do not say which server: name it, so a wrong endpoint is obvious.
            throw new IllegalStateException("cannot read the evidence from ClickHouse at " + jdbcUrl + " as " + user
                    + ": " + e.getMessage(), e);
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, html, StandardCharsets.UTF_8);
        spec.commandLine().getOut().println("wrote " + out + " (" + html.length() / 1024 + " KiB) for tenant " + tenant
                + ", " + first + " .. " + last + (verifyCode < 0 ? "" : ", verification exit " + verifyCode));
        return verifyCode == 3 ? 3 : 0;
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

    private String render(Connection jdbc, LocalDate first, LocalDate last, Instant start, Instant end, boolean hourly,
                          int verifyCode, String verifyText) throws SQLException {
        String bucket = hourly ? "formatDateTime(toStartOfHour(occurred_at), '%m-%d %H:00')"
                : "toString(toDate(occurred_at))";
        String range = " tenant = ? AND occurred_at >= fromUnixTimestamp64Micro(?) AND occurred_at"
                + " < fromUnixTimestamp64Micro(?) ";
        StringBuilder body = new StringBuilder();

        // 1. verification and checkpoints
        List<List<String>> checkpoints = rows(jdbc, "SELECT agent_id, toString(max(tree_size)),"
                + " toString(max(created_at)), toString(countIf(timestamp_token IS NOT NULL)), toString(count())"
                + " FROM " + database + ".checkpoints WHERE tenant = ? GROUP BY agent_id ORDER BY agent_id", tenant);
        String status = verifyCode < 0 ? "not re-verified" : verifyCode == 0 ? "VERIFIED" : "FAILED";
        body.append("<section id=\"verification\"><h2>Verification: <span class=\"status ")
                .append(verifyCode == 0 ? "ok" : verifyCode < 0 ? "unknown" : "fail").append("\">")
                .append(status).append("</span></h2><pre>").append(Html.escape(verifyText)).append("</pre>")
                .append("<h3>Latest signed checkpoint per agent</h3>")
                .append(Html.table("checkpoints", List.of("agent", "tree size", "latest checkpoint (UTC)",
                        "RFC 3161 timestamped", "checkpoints"), checkpoints))
                .append("</section>");

        // 2. evidence per ISO control per day
        List<String[]> controlRows = triples(jdbc, "SELECT toString(toDate(occurred_at)) AS d, arrayJoin(controls) AS c,"
                + " toString(count()) FROM " + database + ".chained_events WHERE" + range + " GROUP BY d, c ORDER BY d, c",
                start, end);
        List<String> days = distinctFirst(controlRows);
        body.append("<section><h2>Evidence per ISO/IEC 27001 control per day</h2>")
                .append(Svg.stackedBars("chart-controls", days, Svg.align(days, controlRows))).append("</section>");

        // 3. overrides and approvals over time
        List<String[]> oversightRows = triples(jdbc, "SELECT " + bucket + " AS t, event_type, toString(count()) FROM "
                + database + ".chained_events WHERE" + range + " AND event_type IN ('HumanOverride',"
                + " 'ApprovalDecision') GROUP BY t, event_type ORDER BY t, event_type", start, end);
        List<String> times = distinctFirst(oversightRows);
        body.append("<section><h2>Human overrides and approvals over time</h2>")
                .append(Svg.stackedBars("chart-oversight", times, Svg.align(times, oversightRows))).append("</section>");

        // 4. changes without approval
        List<List<String>> changes = rows(jdbc, "SELECT toString(occurred_at), agent_id, kind, object_id,"
                + " ifNull(from_version, ''), to_version, author, missing FROM " + database + ".changes_without_approval"
                + " WHERE" + range + " ORDER BY occurred_at", tenant, micros(start), micros(end));
        body.append("<section><h2>Policy, prompt and model changes without approver or ticket (")
                .append(changes.size()).append(")</h2>")
                .append(Html.table("changes", List.of("occurred at (UTC)", "agent", "kind", "object", "from", "to",
                        "author", "missing"), changes)).append("</section>");

        // 5. eval metrics per version, drift alerts marked
        List<String[]> evalRows = triples(jdbc, "SELECT " + bucket + " AS t, concat(agent_id, ' v', agent_version, ' ',"
                + " metric) AS s, toString(avg(value)) FROM " + database + ".evals WHERE" + range
                + " GROUP BY t, s ORDER BY t, s", start, end);
        List<String> evalTimes = distinctFirst(evalRows);
        Map<String, Double[]> evalSeries = new LinkedHashMap<>();
        for (String[] row : evalRows) {
            evalSeries.computeIfAbsent(row[1], k -> new Double[evalTimes.size()])[evalTimes.indexOf(row[0])] =
                    Double.parseDouble(row[2]);
        }
        List<List<String>> alerts = rows(jdbc, "SELECT toString(record_time), agent_id, substring(alert_json, 1, 300)"
                + " FROM " + database + ".drift_alerts WHERE tenant = ? ORDER BY record_time", tenant);
        Map<Integer, String> markers = new LinkedHashMap<>();
        for (List<String> alert : alerts) {
            String label = bucketLabel(alert.get(0), hourly);
            int index = evalTimes.indexOf(label);
            if (index >= 0) {
                markers.put(index, "drift alert " + alert.get(1));
            }
        }
        body.append("<section><h2>Eval metrics per agent version (mean per ").append(hourly ? "hour" : "day")
                .append("); dashed red lines: drift alerts</h2>")
                .append(Svg.lines("chart-evals", evalTimes, evalSeries, markers))
                .append(Html.table("drift-alerts", List.of("alert time (UTC)", "agent", "alert"), alerts))
                .append("</section>");

        // 6. incidents
        List<List<String>> incidents = rows(jdbc, "SELECT toString(occurred_at), agent_id, incident_id, severity,"
                + " ifNull(status_from, ''), status_to, summary, arrayStringConcat(related_event_ids, ' ') FROM "
                + database + ".incidents WHERE" + range + " ORDER BY occurred_at", tenant, micros(start), micros(end));
        body.append("<section><h2>Incidents (").append(incidents.size()).append(")</h2>")
                .append(Html.table("incidents", List.of("occurred at (UTC)", "agent", "incident", "severity", "from",
                        "to", "summary", "related events"), incidents)).append("</section>");

        return page(first, last, body.toString());
    }

    private String page(LocalDate first, LocalDate last, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Attestream evidence pack: "
                + Html.escape(tenant) + "</title><style>"
                + "body{font-family:system-ui,sans-serif;margin:24px;color:#222}h1{margin-bottom:0}"
                + "section{margin:24px 0}table{border-collapse:collapse;font-size:13px}"
                + "th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f2f2f2}"
                + ".status.ok{color:#2ca02c}.status.fail{color:#d62728}.status.unknown{color:#7f7f7f}"
                + "pre{background:#f7f7f7;padding:8px;font-size:12px;white-space:pre-wrap}td.none{color:#888}"
                + "</style></head><body data-report=\"attestream\">"
                + "<h1>Evidence pack: tenant " + Html.escape(tenant) + "</h1><p>Period " + first + " to " + last
                + " (UTC). Generated " + Instant.now() + " from ClickHouse as user " + Html.escape(user)
                + ". ISO/IEC 27001:2022 control ids as tagged on each event (defaults per type: docs/events.md).</p>"
                + body
                // Self-check the browser can run: every chart must have drawn marks; errors are recorded.
                + "<script>window.addEventListener('error',function(e){document.body.dataset.errors="
                + "(document.body.dataset.errors||'')+e.message+';';});"
                + "document.addEventListener('DOMContentLoaded',function(){var charts=document.querySelectorAll("
                + "'svg.chart');var empty=[];charts.forEach(function(c){if(!c.querySelector('.mark'))empty.push(c.id);});"
                + "document.body.dataset.charts=charts.length;document.body.dataset.emptyCharts=empty.join(',');"
                + "document.body.dataset.ready='1';});</script></body></html>\n";
    }

    private static String bucketLabel(String time, boolean hourly) {
        // time is "yyyy-MM-dd HH:mm:ss..." as ClickHouse prints it
        return hourly ? time.substring(5, 13) + ":00" : time.substring(0, 10);
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    private List<String[]> triples(Connection jdbc, String sql, Instant start, Instant end) throws SQLException {
        List<String[]> out = new ArrayList<>();
        for (List<String> row : rows(jdbc, sql, tenant, micros(start), micros(end))) {
            out.add(row.toArray(String[]::new));
        }
        return out;
    }

    private static List<String> distinctFirst(List<String[]> rows) {
        List<String> out = new ArrayList<>();
        for (String[] row : rows) {
            if (!out.contains(row[0])) {
                out.add(row[0]);
            }
        }
        return out;
    }

    private static List<List<String>> rows(Connection jdbc, String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = jdbc.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            List<List<String>> out = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>(columns);
                    for (int c = 1; c <= columns; c++) {
                        String value = rs.getString(c);
                        row.add(value == null ? "" : value);
                    }
                    out.add(row);
                }
            }
            return out;
        }
    }
}
