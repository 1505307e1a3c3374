package io.attestream.ingest.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.ingest.internal.ApiKeys;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GatewayCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = new CommandLine(new GatewayCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void hashKeyPrintsTheKeysFileColumn() {
        assertThat(run("--hash-key", "s3cret")).isZero();
        assertThat(out.toString().strip()).isEqualTo(ApiKeys.hash("s3cret"));
    }

    @Test
    void noConfigurationIsAUsageErrorNamingARequiredKey() {
        assertThat(run("--no-endpoints")).isEqualTo(2);
        assertThat(err.toString()).contains("configuration error").contains("Missing required configuration");
    }

    @Test
    void unknownOrMissingKeysAreUsageErrorsNamingTheKey() throws Exception {
        Path keys = Files.writeString(dir.resolve("keys.txt"), "a " + ApiKeys.hash("k") + " acme *\n");
        Path config = Files.writeString(dir.resolve("gw.properties"), "bootstrap.servers=localhost:1\n"
                + "schema.registry.url=http://127.0.0.1:1\ngateway.api.keys.file=" + keys + "\ngateway.lisen.port=1\n");
        assertThat(run("--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("gateway.lisen.port");
        Path noKeys = Files.writeString(dir.resolve("gw2.properties"), "bootstrap.servers=localhost:1\n");
        assertThat(run("--config", noKeys.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("gateway.api.keys.file");
    }
}
