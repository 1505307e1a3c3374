package io.attestream.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class ExternalToolTest {
    @TempDir
    Path dir;

    @Test
    void ciIsTrueOnlyForTheValueTrue() {
        assertThat(ExternalTool.inCi(Map.of("CI", "true"))).isTrue();
        assertThat(ExternalTool.inCi(Map.of("CI", "TRUE"))).isTrue();
        assertThat(ExternalTool.inCi(Map.of("CI", "false"))).isFalse();
        assertThat(ExternalTool.inCi(Map.of("CI", "1"))).isFalse();
        assertThat(ExternalTool.inCi(Map.of())).isFalse();
    }

    @Test
    void missingToolSkipsOutsideCiWithTheReasonAndFailsInCi() {
        assertThatThrownBy(() -> ExternalTool.check(false, false, "frobnicator", "it checks the frob"))
                .isInstanceOf(TestAbortedException.class).hasMessageContaining("frobnicator")
                .hasMessageContaining("it checks the frob").hasMessageContaining("CI=true");
        assertThatThrownBy(() -> ExternalTool.check(false, true, "frobnicator", "it checks the frob"))
                .isInstanceOf(AssertionFailedError.class).hasMessageContaining("CI=true and frobnicator is missing");
        ExternalTool.check(true, true, "frobnicator", "it checks the frob");
    }

    @Test
    void findsOnlyExecutableFilesOnThePath() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        Files.writeString(a.resolve("tool"), "not executable");
        Path exe = Files.writeString(b.resolve("tool"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
        assertThat(ExternalTool.onPath("tool", a + ":" + b)).contains(exe);
        assertThat(ExternalTool.onPath("tool", a.toString())).isEmpty();
        assertThat(ExternalTool.onPath("tool", null)).isEmpty();
    }
}
