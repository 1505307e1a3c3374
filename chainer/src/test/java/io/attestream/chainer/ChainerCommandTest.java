package io.attestream.chainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
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

    /**
     * Every key and default, written out from chainer/README.md's configuration table (not from
     * ChainerConfig): a key added, removed or whose default changes must be changed here and in the README.
     * REQUIRED marks a key without default.
     */
    private static final String REQUIRED = "(required)";

    private static Map<String, String> documentedDefaults() {
        Map<String, String> d = new TreeMap<>();
        d.put("bootstrap.servers", REQUIRED);
        d.put("application.id", "attestream-chainer");
        d.put("chainer.signing.key.file", REQUIRED);
        d.put("chainer.signing.key.name", "\"\"");
        d.put("chainer.input.topic", "attestream.events");
        d.put("chainer.chained.topic", "attestream.events.chained");
        d.put("chainer.checkpoints.topic", "attestream.checkpoints");
        d.put("chainer.dead.letter.topic", "attestream.events.dlq");
        d.put("chainer.rekey.topic", "attestream.events.rekey");
        d.put("chainer.rekey.mode", "miskeyed");
        d.put("chainer.max.record.bytes", "1048576");
        d.put("chainer.max.future.skew.ms", "300000");
        d.put("chainer.dedup.window.ms", "86400000");
        d.put("chainer.dedup.filter.bytes", "4194304");
        d.put("chainer.dedup.filter.scan.entries", "50000");
        d.put("chainer.checkpoint.every.events", "1000");
        d.put("chainer.checkpoint.interval.ms", "60000");
        d.put("chainer.checkpoint.flush.interval.ms", "1000");
        d.put("chainer.tsa.mode", "none");
        d.put("chainer.tsa.embedded.dir", "\"\"");
        d.put("chainer.tsa.url", "\"\"");
        d.put("chainer.tsa.timeout.ms", "10000");
        d.put("chainer.tsa.policy", "\"\"");
        d.put("chainer.tsa.max.wait.ms", "300000");
        d.put("chainer.tsa.threads", "2");
        d.put("chainer.tsa.unavailable.mode", "fail");
        d.put("chainer.registry.max.block.ms", "5000");
        d.put("chainer.schemas.auto.register", "true");
        d.put("metrics.port", "9404");
        d.put("metrics.bind.address", "0.0.0.0");
        for (String reason : List.of("invalid-magic-byte", "truncated-record", "unknown-schema-id",
                "unresolvable-schema", "corrupt-avro", "missing-identity", "rule-violation", "record-too-large",
                "occurred-at-in-future", "duplicate-event-id")) {
            d.put("chainer.on." + reason, "dead-letter");
        }
        return d;
    }

    /** Key to default of the RST that --print-config writes (``key`` then "  * Default: value"). */
    private static Map<String, String> printedDefaults(String rst) {
        Map<String, String> printed = new TreeMap<>();
        String key = null;
        for (String line : rst.split("\\R")) {
            if (line.startsWith("``") && line.endsWith("``")) {
                key = line.substring(2, line.length() - 2);
                printed.put(key, REQUIRED);
            } else if (key != null && line.startsWith("  * Default: ")) {
                // Kafka appends a readable form to durations and sizes: "60000 (1 minute)".
                String value = line.substring("  * Default: ".length()).trim();
                printed.put(key, value.replaceFirst(" \\(.*\\)$", ""));
            }
        }
        return printed;
    }

    @Test
    void printsEveryConfigKeyWithItsDefault() {
        assertThat(run("--print-config")).isEqualTo(0);
        Map<String, String> printed = printedDefaults(out.toString());
        assertThat(printed).isEqualTo(documentedDefaults());
        // Nothing declared is left out of the printout.
        assertThat(printed.keySet()).isEqualTo(new TreeSet<>(ChainerConfig.configDef().names()));
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
