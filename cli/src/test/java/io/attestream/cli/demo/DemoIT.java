package io.attestream.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.cli.report.ReportCommand;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.schemas.registry.Compatibility;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.testing.ExternalTool;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The demo scenario at small scale on the real stack: chain, land, verify OK, detect the planted tampering. */
@ExtendWith(LocalStackExtension.class)
class DemoIT {

    @Test
    void demoChainsLandsVerifiesAndDetectsTampering(StackEndpoints stack, @TempDir Path dir) throws Exception {
        DemoCommand demo = new DemoCommand();
        CommandLine cli = new CommandLine(demo);
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        demo.agentsPerTenant = 2;
        demo.eventsPerAgent = 60;
        demo.timeout = Duration.ofMinutes(6);
        Path log = dir.resolve("demo.log");
        DemoLogging.toFile(log);

        int code;
        try {
            code = demo.run(stack, dir, 1, 42, Instant.now());
        } finally {
            Configurator.reconfigure();
        }

        String text = out.toString();
        assertThat(code).as(text).isZero();
        assertThat(Files.readAllLines(log)).as("demo.log").filteredOn(l -> l.contains("chainer RUNNING"))
                .hasSize(1).allSatisfy(l -> assertThat(l).contains("INFO")
                        .contains("application.id attestream-demo-chainer"));
        assertThat(SchemaRegistryClient.forUrl(stack.registryUrl()).subjectCompatibility("attestream.events-value"))
                .contains(Compatibility.BACKWARD_TRANSITIVE);
        assertThat(text).contains("all 420 events landed")
                .containsPattern("every one of \\d+ checkpoints is cosigned by witness.attestream.local/demo")
                .contains("witnessed checkpoint of attestream/")
                .contains("attestream verify (all tenants, witness quorum 1, state ")
                .contains("attestream verify (all tenants again, from the state of the first run) exit 0")
                .contains("attestream verify (tenant demo-tamper-1) exit 3")
                .contains("modified")
                .contains("demo-tamper-1/refund-bot seq 17")
                .contains("attestream verify (tenant demo-tamper-1, restored) exit 0");
        // Sealing and erasure (docs/privacy.md): prompts sealed by the SDK, opened with the key store, a legal hold
        // refusing the erasure, the erasure, ERASED afterwards, the proof made before it still checks, verify passes.
        assertThat(text).contains("30 user prompts of 3 customers sealed by the SDK")
                .contains("ClickHouse holds no prompt in clear")
                .contains("an auditor with the key store opens them: {OPENED=30}")
                .contains("attestream prove (before the erasure) exit 0")
                .contains("erase of an unknown subject: refused, nothing changed")
                .contains("legal hold HOLD-demo-1 placed on globex/support-bot (chained): erase refused, nothing changed")
                .contains("legal hold HOLD-demo-1 lifted (chained)")
                .contains("attestream erase --tenant globex --subject customer-1-2: destroyed key(s)")
                .contains("sealed events in [support-bot (10)]")
                .contains("read again with the key store: {OPENED=20, ERASED=10}")
                .contains("attestream check-proof (the proof made before the erasure, checked after it) exit 0");
        assertThat(text).containsPattern("attestream verify \\(all tenants, witness quorum 1, state [^)]*\\) exit 0");
        assertThat(text.indexOf("attestream verify (all tenants, witness quorum 1"))
                .isGreaterThan(text.indexOf("the ErasureRecord is chained and landed"));

        // The evidence pack of one tenant, re-verified, printed to PDF, rendered by a real browser.
        Path chromium = Path.of("/usr/bin/chromium");
        ExternalTool.requirePresent(Files.isExecutable(chromium), "Debian chromium at " + chromium,
                "the report's charts must render in a real browser, and --pdf needs it");
        Path pdftoppm = ExternalTool.require("pdftoppm", "the PDF pack's pages are rendered to PNG (poppler-utils)");
        Path pdftotext = ExternalTool.require("pdftotext", "the PDF pack's text is checked per section"
                + " (poppler-utils)");
        Path password = Files.writeString(dir.resolve("pw"), stack.auditorPassword());
        Path html = dir.resolve("acme.html");
        Path pdf = dir.resolve("acme.pdf");
        CommandLine report = new CommandLine(new ReportCommand());
        StringWriter reportOut = new StringWriter();
        report.setOut(new PrintWriter(reportOut, true));
        report.setErr(new PrintWriter(reportOut, true));
        int reportCode = report.execute("--tenant", "acme", "--out", html.toString(), "--pdf", pdf.toString(),
                "--jdbc-url", stack.clickHouseJdbcUrl(), "--user", stack.auditorUser(),
                "--password-file", password.toString(),
                "--key", dir.resolve("keys/attestream-demo.vkey").toString(),
                "--tsa-cert", dir.resolve("tsa/tsa-ca.crt").toString(),
                "--witness-key", dir.resolve("keys").resolve(DemoWitness.VKEY_FILE).toString(),
                "--witness-quorum", "1");
        assertThat(reportCode).as(reportOut.toString()).isZero();
        Files.writeString(Path.of("target", "report-acme.out"), reportOut.toString());
        String page = Files.readString(html);
        Files.copy(html, Path.of("target", "report-acme.html"), StandardCopyOption.REPLACE_EXISTING);
        assertThat(page).contains("<span class=\"status ok\">VERIFIED")
                .contains("id=\"chart-controls\"").contains("id=\"chart-oversight\"").contains("id=\"chart-evals\"")
                .contains("SHA-256 ").contains("attestream-demo+");
        // Every verdict the demo fleet is built to show (FleetSimulator.GAPS_AGENT), and its contrast.
        String gaps = FleetSimulator.GAPS_AGENT;
        assertThat(verdict(page, "oversight", gaps)).isEqualTo("not met");
        assertThat(verdict(page, "oversight", "refund-bot")).isEqualTo("met");
        // One row per agent version: 1.0.0 was evaluated before it acted, 2.0.0 never.
        assertThat(verdicts(page, "monitoring", gaps)).containsExactly("met", "not met");
        assertThat(page).contains("deployed without any eval");
        assertThat(verdict(page, "change", gaps)).isEqualTo("not met");
        assertThat(verdict(page, "change", "refund-bot")).isEqualTo("met");
        assertThat(page).contains("prompt:system-triage").contains("no approver, no ticket");
        assertThat(verdict(page, "retrieval", gaps)).isEqualTo("not met");
        assertThat(verdict(page, "retrieval", "refund-bot")).isEqualTo("met");
        assertThat(verdict(page, "clock", gaps)).isEqualTo("not met");
        assertThat(verdict(page, "clock", "refund-bot")).isEqualTo("met");
        assertThat(verdict(page, "tamper-evident", gaps)).isEqualTo("met");
        // The witness's cosignatures are part of the tamper-evidence: required on the cover, checked per agent.
        assertThat(page).contains("quorum 1 of witness.attestream.local/demo")
                .containsPattern("tree size \\d+ by 1 witness\\(es\\), checked, quorum 1");
        // The pack of the tenant with sealed prompts: without the key store the sealed form and the erasure; with it,
        // the prompts in clear except the erased customer's.
        Path sealedPlain = dir.resolve("globex.html");
        assertThat(new CommandLine(new ReportCommand()).execute("--tenant", "globex", "--out", sealedPlain.toString(),
                "--jdbc-url", stack.clickHouseJdbcUrl(), "--user", stack.auditorUser(),
                "--password-file", password.toString())).isZero();
        String globex = Files.readString(sealedPlain);
        assertThat(globex).contains("built <b>without</b> the key store").contains("sealed (AES-256-GCM, key ")
                .contains("dpo@globex.example").contains("data subject request DSR-1 (demo)")
                .doesNotContain("please refund order");
        Path sealedHtml = dir.resolve("globex-keys.html");
        int keysCode = new CommandLine(new ReportCommand()).execute("--tenant", "globex", "--out", sealedHtml.toString(),
                "--jdbc-url", stack.clickHouseJdbcUrl(), "--user", stack.auditorUser(),
                "--password-file", password.toString(), "--keystore", dir.resolve("privacy/keys").toString(),
                "--master-key", dir.resolve("privacy/master.key").toString());
        assertThat(keysCode).isZero();
        String withKeys = Files.readString(sealedHtml);
        Files.copy(sealedHtml, Path.of("target", "report-globex-keys.html"), StandardCopyOption.REPLACE_EXISTING);
        assertThat(withKeys).contains("built <b>with</b> the key store").contains("please refund order")
                .contains("I am customer-1-1").doesNotContain("I am customer-1-2");
        assertThat(verdict(page, "readiness", "Human oversight used")).isEqualTo("not met");
        assertThat(verdict(page, "readiness", "Tamper-evident logging on")).isEqualTo("met");
        assertThat(verdict(page, "readiness", "Incident workflow exercised")).isEqualTo("met");

        // The same evidence organised by the EU AI Act, through the control_mappings table the sink loaded (V007).
        Path euHtml = dir.resolve("acme-eu.html");
        int euCode = new CommandLine(new ReportCommand()).execute("--tenant", "acme", "--out", euHtml.toString(),
                "--framework", "eu-ai-act", "--jdbc-url", stack.clickHouseJdbcUrl(), "--user", stack.auditorUser(),
                "--password-file", password.toString());
        assertThat(euCode).isZero();
        String eu = Files.readString(euHtml);
        assertThat(eu).contains("holds exactly the shipped mapping version 1")
                .contains("<td>Art. 12</td><td>Record-keeping</td>").contains("<td>Art. 14</td><td>Human oversight</td>")
                .contains("Controls (eu-ai-act): Art. 14 Human oversight");
        assertThat(eu.indexOf("<td>Art. 9</td>")).isPositive().isLessThan(eu.indexOf("<td>Art. 10</td>"));
        assertThat(verdict(eu, "tamper-evident", gaps)).isEqualTo("no evidence");

        Process browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + dir.resolve("chromium-profile"),
                "--virtual-time-budget=5000", "--dump-dom", html.toUri().toString())
                .redirectError(dir.resolve("chromium.log").toFile()).start();
        String dom = new String(browser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(browser.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(dom).contains("data-ready=\"1\"").contains("data-charts=\"3\"")
                .contains("data-empty-charts=\"\"").contains("data-empty-sections=\"\"")
                .contains("data-sections=\"" + String.join(",", SECTIONS) + "\"").doesNotContain("data-errors");
        Path screenshot = dir.resolve("acme.png");
        Process shot = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + dir.resolve("chromium-profile"), "--window-size=1100,3000",
                "--screenshot=" + screenshot, html.toUri().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium-shot.log").toFile()).start();
        assertThat(shot.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
        Files.copy(screenshot, Path.of("target", "report-screenshot.png"), StandardCopyOption.REPLACE_EXISTING);

        // The PDF: a page break before each section, each section's heading and content in the text.
        Files.copy(pdf, Path.of("target", "report-acme.pdf"), StandardCopyOption.REPLACE_EXISTING);
        Path pages = dir.resolve("pdf-pages");
        Files.createDirectories(pages);
        assertThat(run(dir, pdftoppm.toString(), "-png", "-r", "60", pdf.toString(), pages.resolve("page").toString()))
                .isZero();
        List<Path> pngs;
        try (Stream<Path> files = Files.list(pages)) {
            pngs = files.sorted().toList();
        }
        assertThat(pngs).hasSizeGreaterThanOrEqualTo(SECTIONS.size());
        for (Path png : pngs) {
            assertThat(Files.size(png)).as(png.toString()).isGreaterThan(5_000);
        }
        Path target = Path.of("target", "report-pdf-pages");
        Files.createDirectories(target);
        for (Path png : pngs) {
            Files.copy(png, target.resolve(png.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        Path pdfText = dir.resolve("acme.txt");
        assertThat(run(dir, pdftotext.toString(), "-layout", pdf.toString(), pdfText.toString())).isZero();
        String[] pageTexts = Files.readString(pdfText).split("\f");
        for (String heading : List.of("Evidence pack", "Verification", "Readiness against the usual timeline",
                "The five common gaps, agent by agent", "Producer clocks", "Controls:", "Evidence over time",
                "Evals per agent version", "Incidents", "Appendix: the queries behind this pack")) {
            // The heading opens a page (the section starts on a new page) and the page has more than the heading.
            assertThat(pageTexts).as(heading).anyMatch(p -> p.strip().startsWith(heading)
                    && p.strip().length() > heading.length() + 40);
        }
    }

    private static final List<String> SECTIONS = List.of("cover", "verification", "readiness", "gaps", "clocks",
            "framework", "over-time", "evals", "incidents", "privacy", "appendix");

    /** The one verdict cell of a check and subject, e.g. ("oversight", "support-triage"). */
    private static String verdict(String page, String check, String subject) {
        List<String> all = verdicts(page, check, subject);
        assertThat(all).as("verdicts of " + check + " for " + subject).hasSize(1);
        return all.get(0);
    }

    private static List<String> verdicts(String page, String check, String subject) {
        Matcher m = Pattern.compile("data-check=\"" + Pattern.quote(check) + "\" data-subject=\""
                + Pattern.quote(subject) + "\">([^<]*)<").matcher(page);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static int run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("tool.log").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return p.exitValue();
    }
}
