package io.attestream.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.cli.report.ReportCommand;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.testing.ExternalTool;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
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

        int code = demo.run(stack, dir, 1, 42, Instant.now());

        String text = out.toString();
        assertThat(code).as(text).isZero();
        assertThat(text).contains("all 420 events landed")
                .containsPattern("every one of \\d+ checkpoints is cosigned by witness.attestream.local/demo")
                .contains("witnessed checkpoint of attestream/")
                .contains("attestream verify (all tenants) exit 0")
                .contains("attestream verify (tenant demo-tamper-1) exit 3")
                .contains("modified")
                .contains("demo-tamper-1/refund-bot seq 17")
                .contains("attestream verify (tenant demo-tamper-1, restored) exit 0");

        // The evidence pack of one tenant, re-verified, rendered by a real browser.
        Path password = Files.writeString(dir.resolve("pw"), stack.auditorPassword());
        Path html = dir.resolve("acme.html");
        CommandLine report = new CommandLine(new ReportCommand());
        StringWriter reportOut = new StringWriter();
        report.setOut(new PrintWriter(reportOut, true));
        report.setErr(new PrintWriter(reportOut, true));
        int reportCode = report.execute("--tenant", "acme", "--out", html.toString(),
                "--jdbc-url", stack.clickHouseJdbcUrl(), "--user", stack.auditorUser(),
                "--password-file", password.toString(),
                "--key", dir.resolve("keys/attestream-demo.vkey").toString(),
                "--tsa-cert", dir.resolve("tsa/tsa-ca.crt").toString());
        assertThat(reportCode).as(reportOut.toString()).isZero();
        String page = Files.readString(html);
        assertThat(page).contains("Verification: <span class=\"status ok\">VERIFIED")
                .contains("id=\"chart-controls\"").contains("id=\"chart-oversight\"").contains("id=\"chart-evals\"");

        Path chromium = Path.of("/usr/bin/chromium");
        ExternalTool.requirePresent(Files.isExecutable(chromium), "Debian chromium at " + chromium,
                "the report's charts must render in a real browser");
        Path screenshot = dir.resolve("acme.png");
        Process browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + dir.resolve("chromium-profile"),
                "--virtual-time-budget=5000", "--dump-dom", html.toUri().toString())
                .redirectError(dir.resolve("chromium.log").toFile()).start();
        String dom = new String(browser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(browser.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(dom).contains("data-ready=\"1\"").contains("data-charts=\"3\"")
                .contains("data-empty-charts=\"\"").doesNotContain("data-errors");
        Process shot = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + dir.resolve("chromium-profile"), "--window-size=1000,2400",
                "--screenshot=" + screenshot, html.toUri().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium-shot.log").toFile()).start();
        assertThat(shot.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
        Path kept = Path.of("target", "report-screenshot.png");
        Files.copy(screenshot, kept, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(html, Path.of("target", "report-acme.html"), StandardCopyOption.REPLACE_EXISTING);
    }
}
