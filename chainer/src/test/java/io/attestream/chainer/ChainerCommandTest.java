package io.attestream.chainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ChainerCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new ChainerCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void printsEveryConfigKeyWithItsDefault() {
        assertThat(run("--print-config")).isEqualTo(0);
        assertThat(out.toString()).contains(ChainerConfig.CHECKPOINT_EVERY_EVENTS_CONFIG, "chainer.on.corrupt-avro",
                ChainerConfig.SIGNING_KEY_FILE_CONFIG);
    }

    @Test
    void failsWithTheNameOfAMissingRequiredKey(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("chainer.properties");
        Files.writeString(config, "bootstrap.servers=localhost:9092\nschema.registry.url=http://localhost:8081\n");
        assertThat(run("--config", config.toString())).isEqualTo(ChainerCommand.EXIT_FAILED);
        assertThat(err.toString()).contains(ChainerConfig.SIGNING_KEY_FILE_CONFIG);
    }

    @Test
    void failsNamingTheKeyFileWhenTheKeyCannotBeRead(@TempDir Path dir) {
        assertThat(run("--set", "bootstrap.servers=localhost:9092", "--set", "schema.registry.url=http://localhost:8081",
                "--set", ChainerConfig.SIGNING_KEY_FILE_CONFIG + "=" + dir.resolve("missing.key")))
                .isEqualTo(ChainerCommand.EXIT_FAILED);
        assertThat(err.toString()).contains("missing.key");
    }

    @Test
    void rejectsAnUnknownOptionAsUsageError() {
        assertThat(run("--no-such-option")).isEqualTo(2);
    }
}
