package io.attestream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.integrity.SigningKey;
import io.attestream.integrity.VerifierKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

        VerifierKey printed = VerifierKey.parse(stdout.toString());
        SigningKey sk = SigningKey.readPkcs8Pem("ck-2026", out.resolve("ck-2026.key"));
        assertThat(sk.verifierKey()).isEqualTo(printed);
        assertThat(VerifierKey.read("ck-2026", out.resolve("ck-2026.vkey"))).isEqualTo(printed);
        assertThat(VerifierKey.readVkey(out.resolve("ck-2026.vkey"))).isEqualTo(printed);
        assertThat(VerifierKey.read("ck-2026", out.resolve("ck-2026.pub"))).isEqualTo(printed);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("ck-2026.key"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rwx------");

        String before = Files.readString(out.resolve("ck-2026.key"));
        assertThat(new CommandLine(new KeygenCommand()).setErr(new PrintWriter(stderr))
                .execute("--out", out.toString(), "--name", "ck-2026")).isEqualTo(1);
        assertThat(stderr.toString()).contains("already exists");
        assertThat(Files.readString(out.resolve("ck-2026.key"))).isEqualTo(before);
    }

    @Test
    void keygenRemovesWhatItWroteWhenALaterFileFails() throws Exception {
        // A dangling symlink passes the up-front existence check but makes CREATE_NEW fail on the third file.
        Files.createSymbolicLink(dir.resolve("ck.vkey"), dir.resolve("nowhere"));
        StringWriter stderr = new StringWriter();
        int rc = new CommandLine(new KeygenCommand()).setErr(new PrintWriter(stderr))
                .execute("--out", dir.toString(), "--name", "ck");
        assertThat(rc).isEqualTo(1);
        assertThat(dir.resolve("ck.key")).doesNotExist();
        assertThat(dir.resolve("ck.pub")).doesNotExist();
        assertThat(Files.isSymbolicLink(dir.resolve("ck.vkey"))).isTrue();
        assertThat(dir.resolve("nowhere")).doesNotExist();
    }

    @Test
    void keygenRejectsInvalidNameWithoutWritingAnything() throws Exception {
        StringWriter stderr = new StringWriter();
        int rc = new CommandLine(new KeygenCommand()).setErr(new PrintWriter(stderr))
                .execute("--out", dir.toString(), "--name", "bad+name");
        assertThat(rc).isEqualTo(1);
        assertThat(stderr.toString()).contains("'+'");
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
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
