package io.attestream.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DdlTest {
    @Test
    void migrationsAreNumberedInOrderWithoutGaps() {
        // V004 (evidence tables as plain MergeTree) is written on another branch; V005 does not depend on it.
        // Drop 4 from the reserved versions once V004 is in Ddl.RESOURCES.
        // V006 (witness attestations) is reserved for another branch as well.
        List<Integer> reserved = List.of(4, 6);
        List<Ddl.Migration> ms = Ddl.migrations("attestream", "");
        int expected = 1;
        for (Ddl.Migration m : ms) {
            while (reserved.contains(expected) && m.version() != expected) {
                expected++;
            }
            assertThat(m.version()).isEqualTo(expected++);
            assertThat(m.checksum()).hasSize(64);
        }
    }

    @Test
    void entryVersionColumnIsAddedIdempotentlyOnOneServerAndOnBothTablesOfACluster() {
        Ddl.Migration v5 = Ddl.migrations("attestream", "").stream().filter(m -> m.version() == 5).findFirst()
                .orElseThrow();
        assertThat(v5.statements()).containsExactly("ALTER TABLE attestream.chained_events ADD COLUMN IF NOT EXISTS"
                + " entry_version UInt8 DEFAULT 1");
        Ddl.Migration onCluster = Ddl.migrations("attestream", "audit").stream().filter(m -> m.version() == 5)
                .findFirst().orElseThrow();
        assertThat(onCluster.statements()).containsExactly(
                "ALTER TABLE attestream.chained_events_local ON CLUSTER audit ADD COLUMN IF NOT EXISTS entry_version"
                        + " UInt8 DEFAULT 1",
                "ALTER TABLE attestream.chained_events ON CLUSTER audit ADD COLUMN IF NOT EXISTS entry_version"
                        + " UInt8 DEFAULT 1");
    }

    @Test
    void singleServerDdlUsesReplacingMergeTreeAndNoPlaceholders() {
        for (Ddl.Migration m : Ddl.migrations("evidence", "")) {
            for (String st : m.statements()) {
                assertThat(st).doesNotContain("${").doesNotContain("ON CLUSTER").doesNotContain("Replicated")
                        .doesNotContain("attestream.");
                // control_mappings (V007) is reference data in a plain MergeTree: nothing to deduplicate.
                if (st.startsWith("CREATE TABLE") && !st.contains(".control_mappings")) {
                    assertThat(st).contains("ENGINE = ReplacingMergeTree").contains("evidence.");
                }
            }
        }
    }

    @Test
    void clusterDdlCreatesReplicatedLocalTablesAndDistributedTablesShardedByAgent() {
        List<String> all = Ddl.migrations("attestream", "audit").stream()
                .flatMap(m -> m.statements().stream()).toList();
        String local = all.stream().filter(s -> s.contains("attestream.chained_events_local ON CLUSTER audit"))
                .findFirst().orElseThrow();
        assertThat(local).contains("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/attestream/chained_events',"
                + " '{replica}')").contains("ORDER BY (tenant, agent_id, seq)");
        assertThat(all).contains("CREATE TABLE IF NOT EXISTS attestream.chained_events ON CLUSTER audit AS"
                + " attestream.chained_events_local ENGINE = Distributed(audit, attestream, chained_events_local,"
                + " cityHash64(tenant, agent_id))");
        assertThat(all.stream().filter(s -> s.contains("sink_offsets_local")).findFirst().orElseThrow())
                .contains("'{replica}', next_offset)");
        assertThat(all.stream().filter(s -> s.startsWith("CREATE OR REPLACE VIEW"))).allMatch(
                s -> s.contains("ON CLUSTER audit"));
    }

    @Test
    void everyInsertedTableHasItsColumnsInTheDdl() {
        List<String> statements = Ddl.migrations("attestream", "").stream()
                .flatMap(m -> m.statements().stream()).toList();
        for (Table t : Table.values()) {
            String create = statements.stream().filter(s -> s.startsWith("CREATE TABLE IF NOT EXISTS attestream."
                    + t.tableName() + " ")).findFirst().orElseThrow(() -> new AssertionError("no DDL for " + t));
            List<String> columns = new ArrayList<>(columnsOf(create));
            Pattern added = Pattern.compile("^ALTER TABLE attestream\\." + t.tableName()
                    + " ADD COLUMN IF NOT EXISTS ([a-z_]+) ");
            for (String st : statements) {
                Matcher m = added.matcher(st);
                if (m.find()) {
                    columns.add(m.group(1));
                }
            }
            // In table order: the RowBinary insert path sends values by column position, not by name.
            assertThat(columns).as(t.tableName()).containsExactlyElementsOf(t.columns());
            if (t.sourceTopic() != null) {
                assertThat(t.columns()).contains("kafka_partition", "kafka_offset");
            }
        }
    }

    @Test
    void controlMappingsAreCreatedAsPlainMergeTreeAndLoadedOnlyOnce() {
        Ddl.Migration v7 = Ddl.migrations("attestream", "").stream().filter(m -> m.version() == 7).findFirst()
                .orElseThrow();
        assertThat(v7.statements()).hasSize(2);
        assertThat(v7.statements().get(0)).contains("attestream.control_mappings").contains("ENGINE = MergeTree\n");
        assertThat(v7.statements().get(1)).startsWith("INSERT INTO attestream.control_mappings")
                .endsWith("WHERE mapping_version NOT IN (SELECT mapping_version FROM attestream.control_mappings)");
        List<String> cluster = Ddl.migrations("attestream", "audit").stream().filter(m -> m.version() == 7)
                .findFirst().orElseThrow().statements();
        assertThat(cluster).contains("CREATE TABLE IF NOT EXISTS attestream.control_mappings ON CLUSTER audit AS"
                + " attestream.control_mappings_local ENGINE = Distributed(audit, attestream, control_mappings_local,"
                + " cityHash64(framework, control))");
    }

    @Test
    void splitDropsCommentsAndRequiresTerminatedStatements() {
        assertThat(Ddl.split("-- c\nSELECT 1;\nSELECT\n 2;\n")).containsExactly("SELECT 1", "SELECT\n 2");
        assertThatThrownBy(() -> Ddl.split("SELECT 1"))
                .hasMessageContaining("without ';'");
    }

    /** Column names of a CREATE TABLE, excluding indexes and the landed_at default-less bookkeeping. */
    private static List<String> columnsOf(String create) {
        String body = create.substring(create.indexOf('(') + 1, create.indexOf("\n)"));
        List<String> names = new ArrayList<>();
        Pattern column = Pattern.compile("^\\s*([a-z_]+)\\s+\\S");
        for (String line : body.split("\n")) {
            Matcher m = column.matcher(line);
            if (m.find() && !m.group(1).equals("INDEX")) {
                names.add(m.group(1));
            }
        }
        return Arrays.asList(names.toArray(String[]::new));
    }
}
