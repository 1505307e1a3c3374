package io.attestream.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.cli.AttestreamMain;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.SigningKey;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ReportCommandTest {

    @Test
    void takesTheConnectionFromTheLocalStackEndpointsFile(@TempDir Path dir) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        StackEndpoints.local(1, 2, closedPort, "", "auditor").store(dir.resolve(StackEndpoints.FILE_NAME));
        CommandLine cli = AttestreamMain.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));

        int code = cli.execute("report", "--tenant", "acme", "--out", dir.resolve("r.html").toString(),
                "--stack-dir", dir.toString());

        // It got as far as connecting to the ClickHouse named in the file.
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains(String.valueOf(closedPort)).doesNotContain("Is a directory");
    }

    @Test
    void refusesAPeriodThatEndsBeforeItStarts(@TempDir Path dir) {
        CommandLine cli = AttestreamMain.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("report", "--tenant", "acme", "--out", dir.resolve("r.html").toString(),
                "--from", "2026-11-10", "--to", "2026-11-01", "--jdbc-url", "jdbc:clickhouse:http://127.0.0.1:1");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--from 2026-11-10 is after --to 2026-11-01");
    }

    @Test
    void refusesAnUnknownFrameworkNamingTheKnownOnes(@TempDir Path dir) {
        CommandLine cli = AttestreamMain.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("report", "--tenant", "acme", "--out", dir.resolve("r.html").toString(),
                "--framework", "soc2", "--jdbc-url", "jdbc:clickhouse:http://127.0.0.1:1");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("soc2").contains("eu-ai-act");
    }

    @Test
    void witnessesAreCheckedOnlyAsPartOfTheReVerification(@TempDir Path dir) throws Exception {
        Path vkey = Files.writeString(dir.resolve("w1.vkey"),
                CosignerKey.of(SigningKey.generate("w1", new SecureRandom())).toVkey() + "\n");
        CommandLine cli = AttestreamMain.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("report", "--tenant", "acme", "--out", dir.resolve("r.html").toString(),
                "--witness-key", vkey.toString(), "--jdbc-url", "jdbc:clickhouse:http://127.0.0.1:1",
                "--stack-dir", dir.toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--witness-key needs --key");

        StringWriter err2 = new StringWriter();
        CommandLine cli2 = AttestreamMain.commandLine();
        cli2.setErr(new PrintWriter(err2, true));
        assertThat(cli2.execute("report", "--tenant", "acme", "--out", dir.resolve("r.html").toString(),
                "--witness-quorum", "1", "--jdbc-url", "jdbc:clickhouse:http://127.0.0.1:1", "--stack-dir",
                dir.toString())).isEqualTo(2);
        assertThat(err2.toString()).contains("--witness-quorum needs --witness-key");
    }

    @Test
    void pdfFindsTheFirstBrowserOnPathAndNothingOnAnEmptyPath(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path chrome = Files.writeString(bin.resolve("google-chrome"), "#!/bin/sh\n");
        chrome.toFile().setExecutable(true);
        assertThat(Pdf.findBrowser(empty.toString())).isEmpty();
        assertThat(Pdf.findBrowser(empty + File.pathSeparator + bin)).contains(chrome);
        Path notExecutable = Files.writeString(empty.resolve("chromium"), "not a program");
        notExecutable.toFile().setExecutable(false);
        assertThat(Pdf.findBrowser(empty.toString())).isEmpty();
    }
}
