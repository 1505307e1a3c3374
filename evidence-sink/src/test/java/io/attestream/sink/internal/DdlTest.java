package io.attestream.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DdlTest {
    @Test
    void migrationsAreNumberedInOrderWithoutGaps() {
        List<Ddl.Migration> ms = Ddl.migrations("attestream", "");
        int expected = 1;
        for (Ddl.Migration m : ms) {
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
    void singleServerDdlHasNoPlaceholdersAndNoClusterClauses() {
        for (Ddl.Migration m : Ddl.migrations("evidence", "")) {
            for (String st : m.statements()) {
                assertThat(st).doesNotContain("${").doesNotContain("ON CLUSTER").doesNotContain("Replicated")
                        .doesNotContain("attestream.");
                if (st.startsWith("CREATE TABLE")) {
                    assertThat(st).contains("evidence.");
                }
            }
        }
    }

    @Test
    void v004ConvertsEveryEvidenceTableButTheOffsetsToMergeTreeWithTheKeysTheTableHas() {
        List<Ddl.Migration> ms = Ddl.migrations("attestream", "");
        Map<String, String> createdKeys = new TreeMap<>();
        Pattern created = Pattern.compile("(?s)^CREATE TABLE IF NOT EXISTS attestream\\.(\\w+) .*ENGINE ="
                + " ReplacingMergeTree(?:\\(\\w+\\))?\\s+(.*)$");
        for (Ddl.Migration m : ms.subList(0, 3)) {
            for (String st : m.statements()) {
                Matcher c = created.matcher(st);
                if (c.matches()) {
                    createdKeys.put(c.group(1), c.group(2).replaceAll("\\s+", " "));
                }
            }
        }
        assertThat(createdKeys).hasSize(12);
        Ddl.Migration v4 = ms.get(3);
        assertThat(v4.version()).isEqualTo(4);
        Map<String, String> converted = new TreeMap<>();
        for (Ddl.Step step : v4.steps()) {
            if (!(step instanceof Ddl.Conversion c)) {
                assertThat(step.sql().get(0)).startsWith("CREATE OR REPLACE VIEW attestream.chain_status  AS");
                continue;
            }
            assertThat(c.attach()).isTrue();
            assertThat(c.engineName()).isEqualTo("MergeTree");
            assertThat(c.temporary()).isEqualTo(c.table() + "__v004");
            converted.put(c.table().substring("attestream.".length()), c.engine().substring("MergeTree ".length()));
        }
        Map<String, String> expected = new TreeMap<>(createdKeys);
        expected.remove("sink_offsets"); // bookkeeping: collapsing keeps it small, readers take max(next_offset)
        assertThat(converted).isEqualTo(expected);
        assertThat(v4.statements()).contains(
                "CREATE TABLE attestream.chained_events__v004 AS attestream.chained_events ENGINE = MergeTree"
                        + " PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq)",
                "ALTER TABLE attestream.chained_events__v004 ATTACH PARTITION ALL FROM attestream.chained_events",
                "EXCHANGE TABLES attestream.chained_events AND attestream.chained_events__v004",
                "DROP TABLE IF EXISTS attestream.chained_events__v004");
    }

    @Test
    void v004OnAClusterConvertsTheReplicatedLocalTablesOnANewReplicationPathWithoutCarryingRows() {
        Ddl.Conversion c = (Ddl.Conversion) Ddl.migrations("attestream", "audit").get(3).steps().get(0);
        assertThat(c.table()).isEqualTo("attestream.chained_events_local");
        assertThat(c.counted()).isEqualTo("attestream.chained_events");
        assertThat(c.attach()).isFalse();
        assertThat(c.engineName()).isEqualTo("ReplicatedMergeTree");
        assertThat(c.sql()).containsExactly(
                "CREATE TABLE attestream.chained_events_local__v004 ON CLUSTER audit AS attestream.chained_events_local"
                        + " ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/chained_events_v004',"
                        + " '{replica}') PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq)",
                "EXCHANGE TABLES attestream.chained_events_local AND attestream.chained_events_local__v004"
                        + " ON CLUSTER audit",
                "DROP TABLE IF EXISTS attestream.chained_events_local__v004 ON CLUSTER audit");
    }

    @Test
    void clusterDdlCreatesReplicatedLocalTablesAndDistributedTablesShardedByAgent() {
        List<String> all = Ddl.migrations("attestream", "audit").stream()
                .flatMap(m -> m.statements().stream()).toList();
        String local = all.stream().filter(s -> s.contains("attestream.chained_events_local ON CLUSTER audit"))
                .findFirst().orElseThrow();
        // Created as the engine V004 converts it to: a cluster never holds evidence in a ReplacingMergeTree.
        assertThat(local).contains("ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/chained_events',"
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
    void checkpointAttestationsArePlainMergeTreeWithTheSinksColumnsInOrder() {
        Ddl.Migration v6 = Ddl.migrations("attestream", "").stream().filter(m -> m.version() == 6).findFirst()
                .orElseThrow();
        assertThat(v6.statements()).hasSize(1);
        String create = v6.statements().get(0);
        assertThat(create).contains("attestream.checkpoint_attestations").contains("ENGINE = MergeTree\n")
                .doesNotContain("Replacing");
        int previous = -1;
        for (String column : Table.CHECKPOINT_ATTESTATIONS.columns()) {
            int at = create.indexOf("\n    " + column + " ");
            assertThat(at).as(column).isGreaterThan(previous);
            previous = at;
        }
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

    @Test
    void migrationsAreRecordedOnOneServerAsBeforeAndOnAClusterInOneTableOverEveryShard() {
        assertThat(Ddl.schemaMigrationsTable("attestream", "")).isEqualTo("CREATE TABLE IF NOT EXISTS"
                + " attestream.schema_migrations (version UInt32, name String, checksum String, applied_at"
                + " DateTime64(6, 'UTC'), applied_by String) ENGINE = ReplacingMergeTree ORDER BY version");
        assertThat(Ddl.schemaMigrationsTable("attestream", "audit")).isEqualTo("CREATE TABLE IF NOT EXISTS"
                + " attestream.schema_migrations ON CLUSTER audit (version UInt32, name String, checksum String,"
                + " applied_at DateTime64(6, 'UTC'), applied_by String) ENGINE = ReplicatedReplacingMergeTree("
                + "'/clickhouse/tables/all/attestream/schema_migrations', '{shard}-{replica}') ORDER BY version");
    }

    @Test
    void v008CreatesItsTablesAsMergeTreeWithoutTtlAndShardsThemOnACluster() {
        Ddl.Migration one = Ddl.migrations("attestream", "").stream().filter(m -> m.version() == 8).findFirst()
                .orElseThrow();
        assertThat(one.statements()).hasSize(3).allSatisfy(st -> assertThat(st).contains("ENGINE = MergeTree\n")
                .doesNotContain("TTL"));
        Ddl.Migration cluster = Ddl.migrations("attestream", "audit").stream().filter(m -> m.version() == 8)
                .findFirst().orElseThrow();
        assertThat(cluster.statements()).hasSize(6);
        assertThat(cluster.statements().get(0)).startsWith("CREATE TABLE IF NOT EXISTS attestream.retention_policies_local"
                + " ON CLUSTER audit");
        assertThat(cluster.statements().get(1)).isEqualTo("CREATE TABLE IF NOT EXISTS attestream.retention_policies"
                + " ON CLUSTER audit AS attestream.retention_policies_local ENGINE = Distributed(audit, attestream,"
                + " retention_policies_local, cityHash64(tenant, event_type))");
        assertThat(cluster.statements().get(3)).endsWith("legal_holds_local, cityHash64(tenant, agent_id))");
        assertThat(cluster.statements().get(5)).endsWith("retention_prunings_local, cityHash64(run_id))");
    }
}
