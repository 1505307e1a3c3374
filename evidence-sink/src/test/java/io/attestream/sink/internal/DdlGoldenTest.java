package io.attestream.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The DDL of every released migration, as {@code attestream sink ddl [--cluster audit]} prints it, against golden
 * files (src/test/resources/io/attestream/sink/ddl-golden). The one-server files were written from the build before
 * the cluster fixes of issue 17: a released migration MUST NOT change its effect on one server. A mismatch writes
 * the rendering to target/ddl-golden/ for review.
 */
class DdlGoldenTest {
    private static final Pattern ENGINE = Pattern.compile("ENGINE = (\\w+)");

    @Test
    void oneServerDdlOfEveryGoldenMigrationIsUnchanged() throws IOException {
        compareWithGolden("one-server", "");
    }

    @Test
    void clusterDdlOfEveryGoldenMigrationIsTheReviewedOne() throws IOException {
        compareWithGolden("cluster", "audit");
    }

    @Test
    void onAClusterEveryTableIsReplicatedAndEveryEvidenceTableKeepsEveryRow() {
        for (Ddl.Migration m : Ddl.migrations("attestream", "audit")) {
            for (String st : m.statements()) {
                if (!st.startsWith("CREATE TABLE")) {
                    continue;
                }
                Matcher engine = ENGINE.matcher(st);
                assertThat(engine.find()).as(st).isTrue();
                String name = engine.group(1);
                if (name.equals("Distributed")) {
                    assertThat(st).as(m.name()).contains(" ON CLUSTER audit AS attestream.").contains("_local ENGINE");
                    continue;
                }
                assertThat(name).as(m.name() + ": " + st).startsWith("Replicated");
                assertThat(st).as(m.name()).contains("_local").contains(" ON CLUSTER audit")
                        .contains("'/clickhouse/tables/{shard}/attestream/").contains("'{replica}'");
                if (!st.contains("sink_offsets_local")) {
                    // Evidence and reference tables: no merge may ever drop or fold a row (issue 13).
                    assertThat(name).as(m.name() + ": " + st).isEqualTo("ReplicatedMergeTree");
                }
            }
        }
    }

    @Test
    void onAClusterEveryTableHasADistributedTableOverItsLocalTable() {
        List<String> all = Ddl.migrations("attestream", "audit").stream().flatMap(x -> x.statements().stream())
                .toList();
        Pattern local = Pattern.compile("^CREATE TABLE (?:IF NOT EXISTS )?attestream\\.(\\w+)_local ON CLUSTER audit\\s");
        for (String st : all) {
            Matcher m = local.matcher(st);
            if (m.find()) {
                String table = m.group(1);
                assertThat(all).as(table).anyMatch(s -> s.startsWith("CREATE TABLE IF NOT EXISTS attestream." + table
                        + " ON CLUSTER audit AS attestream." + table + "_local ENGINE = Distributed(audit, attestream, "
                        + table + "_local, "));
            }
        }
    }

    private static void compareWithGolden(String variant, String cluster) throws IOException {
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        for (Ddl.Migration m : Ddl.migrations("attestream", cluster)) {
            String file = String.format("V%03d.sql", m.version());
            String actual = render(m);
            String golden = golden(variant + "/" + file);
            Path out = Path.of("target", "ddl-golden", variant, file);
            if (golden == null || !golden.equals(actual)) {
                Files.createDirectories(out.getParent());
                Files.writeString(out, actual, StandardCharsets.UTF_8);
            }
            if (golden == null) {
                // Migrations after V007 carry their own DdlTest checks; the rules above still hold for them.
                continue;
            }
            compared++;
            if (!golden.equals(actual)) {
                mismatches.add(file + " (rendering written to " + out.toAbsolutePath() + ")");
            }
        }
        assertThat(compared).as("golden files of " + variant).isGreaterThanOrEqualTo(7);
        if (!mismatches.isEmpty()) {
            fail(variant + " DDL differs from its golden file: " + mismatches);
        }
    }

    private static String render(Ddl.Migration m) {
        StringBuilder sb = new StringBuilder();
        m.statements().forEach(s -> sb.append(s).append(";\n\n"));
        return sb.toString();
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = DdlGoldenTest.class.getResourceAsStream("/io/attestream/sink/ddl-golden/" + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
