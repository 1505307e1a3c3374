package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.testing.ExternalTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The openssl command line as a test oracle, run in one directory; missing openssl skips (fails with CI=true). */
final class Openssl {
    /** What one command printed (stdout and stderr) and its exit code. */
    record Result(int code, String out) {
        /** Asserts exit code 0; returns this for chaining. */
        Result ok() {
            assertThat(code).as(out).isZero();
            return this;
        }
    }

    private final Path executable;
    private final Path dir;

    Openssl(Path dir, String purpose) {
        this.executable = ExternalTool.require("openssl", purpose);
        this.dir = dir;
    }

    Result run(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(executable.toString());
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
