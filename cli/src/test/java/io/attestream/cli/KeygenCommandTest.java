package io.attestream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.integrity.SigningKey;
import io.attestream.integrity.VerifierKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KeygenCommandTest {
    @TempDir
    Path dir;

    @Test
    void keygenWritesKeyPairAndRefusesASecondRun() throws Exception {
        Path out = dir.resolve("keys");
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cmd = new CommandLine(new KeygenCommand());
        cmd.setOut(new PrintWriter(stdout));
        cmd.setErr(new PrintWriter(stderr));
        assertThat(cmd.execute("--out", out.toString(), "--name", "ck-2026")).isEqualTo(0);

        // The files themselves are KeyPairFiles' (integrity KeyFilesTest); the command prints the vkey line.
        VerifierKey printed = VerifierKey.parse(stdout.toString());
        assertThat(SigningKey.readPkcs8Pem("ck-2026", out.resolve("ck-2026.key")).verifierKey()).isEqualTo(printed);
        assertThat(stderr.toString()).contains("ck-2026.key (0600)");

        String before = Files.readString(out.resolve("ck-2026.key"));
        assertThat(new CommandLine(new KeygenCommand()).setErr(new PrintWriter(stderr))
                .execute("--out", out.toString(), "--name", "ck-2026")).isEqualTo(1);
        assertThat(stderr.toString()).contains("already exists");
        assertThat(Files.readString(out.resolve("ck-2026.key"))).isEqualTo(before);
    }

    @Test
    void keygenRejectsInvalidNameWithExitCodeOne() {
        StringWriter stderr = new StringWriter();
        int rc = new CommandLine(new KeygenCommand()).setErr(new PrintWriter(stderr))
                .execute("--out", dir.toString(), "--name", "bad+name");
        assertThat(rc).isEqualTo(1);
        assertThat(stderr.toString()).startsWith("keygen: ").contains("'+'");
    }

    @Test
    void keygenHelpDocumentsExitCodes() {
        StringWriter stdout = new StringWriter();
        int rc = new CommandLine(new KeygenCommand()).setOut(new PrintWriter(stdout)).execute("--help");
        assertThat(rc).isEqualTo(0);
        assertThat(stdout.toString()).contains("Exit codes:").contains("--out").contains("--name");
        StringWriter stderr = new StringWriter();
        assertThat(new CommandLine(new KeygenCommand()).setErr(new PrintWriter(stderr)).execute("--name", "x"))
                .isEqualTo(2);
        assertThat(stderr.toString()).contains("--out");
    }
}
