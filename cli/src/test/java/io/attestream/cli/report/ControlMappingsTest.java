package io.attestream.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ControlMappingsTest {
    private static final Pattern TUPLE = Pattern.compile(
            "\\((\\d+), '([^']*)', '([^']*)', '([^']*)', '([^']*)', '([^']*)'\\)");

    @Test
    void sinkMigrationLoadsExactlyTheShippedRows() throws Exception {
        String migration;
        try (InputStream in = getClass().getResourceAsStream("/io/attestream/sink/ddl/V007__control_mappings.sql")) {
            assertThat(in).as("V007 on the classpath").isNotNull();
            migration = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<List<String>> inserted = new ArrayList<>();
        Matcher m = TUPLE.matcher(migration);
        while (m.find()) {
            inserted.add(List.of(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)));
        }
        List<List<String>> shipped = ControlMappings.shipped().stream().map(ControlMappings.Row::cells).toList();
        assertThat(shipped).hasSizeGreaterThan(40);
        assertThat(inserted).containsExactlyElementsOf(shipped);
    }

    @Test
    void everyFrameworkHasRowsAndEveryRowIsCitedInTheDoc() throws Exception {
        List<ControlMappings.Row> rows = ControlMappings.shipped();
        Set<ControlMappings.Framework> seen = EnumSet.noneOf(ControlMappings.Framework.class);
        rows.forEach(r -> seen.add(ControlMappings.Framework.parse(r.framework())));
        assertThat(seen).containsExactlyInAnyOrder(ControlMappings.Framework.values());
        String doc = Files.readString(Path.of("..", "docs", "control-mappings.md"));
        for (ControlMappings.Row r : rows) {
            String line = "| `" + r.eventType() + "` | " + r.control() + " | " + r.title() + " | "
                    + (r.scope().isEmpty() ? "all" : r.scope()) + " | ";
            assertThat(doc).as("docs/control-mappings.md cites " + r).contains(line);
        }
        assertThat(rows.stream().map(r -> r.framework() + r.control() + r.eventType() + r.scope())
                .collect(Collectors.toSet())).as("no duplicate rows").hasSize(rows.size());
    }

    @Test
    void rejectsAnUnknownFrameworkNamingTheKnownOnes() {
        assertThatThrownBy(() -> ControlMappings.Framework.parse("soc2"))
                .hasMessageContaining("iso42001").hasMessageContaining("nist-ai-rmf");
    }
}
