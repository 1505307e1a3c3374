package io.attestream.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.sink.internal.ClickHouseStore;
import io.attestream.sink.internal.Table;
import io.attestream.sink.testing.Sql;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * What the storage engine does with the evidence, on the ClickHouse engine of the real local stack (chdb 26.5): no
 * evidence table merges a second row of a key away, and nothing drops an identical re-insert; only the sink's
 * bookkeeping collapses.
 */
@ExtendWith(LocalStackExtension.class)
class EvidenceStorageIT {
    @Test
    void aSecondRowForAnExistingKeyStaysBesideTheGenuineOneThroughAForcedMergeInEveryEvidenceTable(
            StackEndpoints stack) throws Exception {
        Sql sql = Sql.of(stack);
        String db = migratedDatabase(stack, "keep");
        for (Table t : Table.values()) {
            if (t == Table.SINK_OFFSETS || t == Table.SINK_SOURCES) {
                continue; // the sink's bookkeeping, not evidence
            }
            // Every other column takes its type's default, so the two rows have the same sorting key (for the
            // typed tables and chained_events: the same tenant, agent and seq) and differ in one column.
            String column = t.columns().contains("landed_at") ? "landed_at" : "event_id";
            String genuine = column.equals("landed_at") ? "'2026-01-01 00:00:00'" : "'genuine'";
            String forged = column.equals("landed_at") ? "'2026-02-01 00:00:00'" : "'forged'";
            sql.execute("INSERT INTO " + db + "." + t.tableName() + " (" + column + ") VALUES (" + genuine + ")");
            sql.execute("INSERT INTO " + db + "." + t.tableName() + " (" + column + ") VALUES (" + forged + ")");
            sql.execute("OPTIMIZE TABLE " + db + "." + t.tableName() + " FINAL");
            assertThat(sql.rows("SELECT engine FROM system.tables WHERE database = '" + db + "' AND name = '"
                    + t.tableName() + "'")).as(t.tableName()).containsExactly("MergeTree");
            assertThat(sql.rows("SELECT toString(" + column + ") FROM " + db + "." + t.tableName() + " ORDER BY "
                    + column)).as("rows of %s after OPTIMIZE FINAL", t.tableName()).hasSize(2);
        }
    }

    @Test
    void anIdenticalReInsertOfABatchIsKeptNotDeduplicated(StackEndpoints stack) throws Exception {
        // ClickHouse drops an insert whose block equals a recent one only where a deduplication window is set
        // (non_replicated_deduplication_window); the evidence tables keep the default 0, so even a byte-identical
        // second copy stays visible to the verifier.
        Sql sql = Sql.of(stack);
        String db = migratedDatabase(stack, "identical");
        String insert = "INSERT INTO " + db + ".chained_events (tenant, agent_id, seq, kafka_offset) VALUES"
                + " ('t', 'a', 0, 10), ('t', 'a', 1, 11)";
        sql.execute(insert);
        sql.execute(insert);
        sql.execute("INSERT INTO " + db + ".chained_events (tenant, agent_id, seq, kafka_offset) SETTINGS"
                + " insert_deduplication_token = 'events/0/10-11' VALUES ('t', 'a', 0, 10), ('t', 'a', 1, 11)");
        assertThat(sql.rows("SELECT count() FROM " + db + ".chained_events")).containsExactly("6");
    }

    @Test
    void insertDeduplicationTokensDeduplicateOnThisEngineOnlyWithANonReplicatedWindow(StackEndpoints stack)
            throws Exception {
        // The alternative the sink does not use (README, "Exactly-once effect"): shown here to hold on this engine.
        Sql sql = Sql.of(stack);
        String db = migratedDatabase(stack, "tokens");
        sql.execute("CREATE TABLE " + db + ".windowed (k UInt64, v String) ENGINE = MergeTree ORDER BY k"
                + " SETTINGS non_replicated_deduplication_window = 100");
        sql.execute("INSERT INTO " + db + ".windowed SETTINGS insert_deduplication_token = 'p0/0-1' VALUES (0, 'a')");
        sql.execute("INSERT INTO " + db + ".windowed SETTINGS insert_deduplication_token = 'p0/0-1' VALUES (0, 'a')");
        sql.execute("INSERT INTO " + db + ".windowed SETTINGS insert_deduplication_token = 'p0/0-1' VALUES (1, 'b')");
        sql.execute("INSERT INTO " + db + ".windowed SETTINGS insert_deduplication_token = 'p0/2-2' VALUES (2, 'c')");
        assertThat(sql.rows("SELECT concat(toString(k), v) FROM " + db + ".windowed ORDER BY k"))
                .as("a token seen before drops the insert, whatever its rows").containsExactly("0a", "2c");
    }

    @Test
    void sinkOffsetsIsBookkeepingAndMayCollapseToTheHighestOffset(StackEndpoints stack) throws Exception {
        Sql sql = Sql.of(stack);
        String db = migratedDatabase(stack, "offsets");
        sql.execute("INSERT INTO " + db + ".sink_offsets (consumer_group, topic, kafka_partition, next_offset) VALUES"
                + " ('g', 'attestream.events.chained', 0, 9)");
        sql.execute("INSERT INTO " + db + ".sink_offsets (consumer_group, topic, kafka_partition, next_offset) VALUES"
                + " ('g', 'attestream.events.chained', 0, 5)");
        sql.execute("OPTIMIZE TABLE " + db + ".sink_offsets FINAL");
        assertThat(sql.rows("SELECT next_offset FROM " + db + ".sink_offsets")).containsExactly("9");
    }

    @Test
    void chainStatusAndSinkStatusCountADeletedSeqAsMissingAndADuplicatedSeqSeparately(StackEndpoints stack)
            throws Exception {
        Sql sql = Sql.of(stack);
        String db = migratedDatabase(stack, "status");
        sql.execute("INSERT INTO " + db + ".chained_events (tenant, agent_id, seq, kafka_offset) SELECT 'acme', 'bot',"
                + " number, number FROM numbers(10)");
        sql.execute("INSERT INTO " + db + ".chained_events (tenant, agent_id, seq, kafka_offset) SELECT 'acme',"
                + " 'clean', number, number FROM numbers(4)");
        sql.execute("DELETE FROM " + db + ".chained_events WHERE agent_id = 'bot' AND seq = 5");
        sql.execute("INSERT INTO " + db + ".chained_events SELECT * FROM " + db + ".chained_events WHERE agent_id = 'bot'"
                + " AND seq = 6");
        // 10 rows, max seq 9: the view before V004 (count() rows against the span) said "missing 0".
        assertThat(sql.rows("SELECT agent_id, events, latest_seq, missing_seqs, duplicate_rows, stored_rows FROM " + db
                + ".chain_status ORDER BY agent_id")).containsExactly("bot\t9\t9\t1\t1\t10", "clean\t4\t3\t0\t0\t4");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new SinkCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int exit = cli.execute("status", "--clickhouse-url", stack.clickHouseJdbcUrl(), "--clickhouse-user",
                stack.clickHouseUser(), "-D", "clickhouse.password=" + stack.clickHousePassword(), "--database", db);
        assertThat(exit).as("exit code; stderr: %s", err).isEqualTo(SinkCommand.EXIT_PROBLEM);
        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(0).split("\\s+")).startsWith("tenant", "agent", "events", "latest_seq", "missing",
                "duplicates");
        assertThat(lines.get(1).split("\\s+")).startsWith("acme", "bot", "9", "9", "1", "1");
        assertThat(lines.get(2).split("\\s+")).startsWith("acme", "clean", "4", "3", "0", "0");
        assertThat(err.toString()).contains("1 agent(s) with missing seqs, 1 agent(s) with more than one row for a seq");
    }

    /** A new database with every migration applied by the sink's own code. */
    @Test
    void recoveryReadsEveryAssignedPartitionFromItsOwnOffsetInOneQuery(StackEndpoints stack) throws Exception {
        Sql sql = Sql.of(stack);
        String db = migratedDatabase(stack, "present");
        // Partitions 0, 1, 2 with offsets 0..9 each.
        sql.execute("INSERT INTO " + db + ".chained_events (tenant, agent_id, seq, kafka_partition, kafka_offset)"
                + " SELECT 'acme', 'bot', number, intDiv(number, 10), number % 10 FROM numbers(30)");
        try (ClickHouseStore store = new ClickHouseStore(stack.clickHouseJdbcUrl(), stack.clickHouseUser(),
                stack.clickHousePassword(), db)) {
            assertThat(store.presentOffsets(Table.CHAINED_EVENTS, Map.of(0, 7L, 2, 0L, 5, 0L)))
                    .as("partition 1 not asked, partition 5 empty").isEqualTo(Map.of(0, Set.of(7L, 8L, 9L), 2,
                            Set.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L)));
            assertThat(store.presentOffsets(Table.CHAINED_EVENTS, Map.of(1, 10L))).isEmpty();
            assertThat(store.presentOffsets(Table.CHAINED_EVENTS, Map.of())).isEmpty();
        }
    }

    static String migratedDatabase(StackEndpoints stack, String purpose) {
        String db = "storage_" + purpose + "_" + UUID.randomUUID().toString().substring(0, 8);
        try (ClickHouseStore store = new ClickHouseStore(stack.clickHouseJdbcUrl(), stack.clickHouseUser(),
                stack.clickHousePassword(), db)) {
            store.migrate("", "EvidenceStorageIT");
        }
        return db;
    }
}
