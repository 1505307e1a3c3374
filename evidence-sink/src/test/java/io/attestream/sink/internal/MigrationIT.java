package io.attestream.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.sink.SinkException;
import io.attestream.sink.testing.Sql;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Migration V004 on the real stack's ClickHouse, from a database as the release before it left it (V001-V003 and
 * V005 applied, every table ReplacingMergeTree, rows in every table, a second unmerged row for one key).
 */
@ExtendWith(LocalStackExtension.class)
class MigrationIT {
    private static final List<String> EVIDENCE_TABLES = List.of("chained_events", "checkpoints", "dead_letters",
            "drift_alerts", "registry_schemas", "evals", "overrides", "approvals", "policy_changes", "incidents",
            "risk_decisions");
    private static final List<String> VIEWS = List.of("evidence_per_control_day", "overrides_per_agent_week",
            "changes_without_approval", "eval_results_per_version", "incidents_with_events", "drift_alerts_timeline",
            "chain_status");

    @Test
    void v004KeepsEveryRowOfADatabaseOfTheReleaseBeforeAndItsViewsWorkOnTheNewTables(StackEndpoints stack)
            throws Exception {
        Sql sql = Sql.of(stack);
        String db = oldRelease(stack, "full");
        assertThat(engines(sql, db).get("chained_events")).isEqualTo("ReplacingMergeTree");
        fill(sql, db);
        Map<String, String> before = contents(sql, db);

        List<Integer> applied;
        try (ClickHouseStore store = store(stack, db)) {
            applied = store.migrate("", "MigrationIT");
        }

        assertThat(applied).as("V004 and the migrations after V005").containsExactly(4, 6, 7, 8, 9);
        assertThat(contents(sql, db)).as("count and content hash of every table").isEqualTo(before);
        Map<String, String> engines = engines(sql, db);
        for (String table : EVIDENCE_TABLES) {
            assertThat(engines.get(table)).as(table).isEqualTo("MergeTree");
        }
        assertThat(engines.get("sink_offsets")).isEqualTo("ReplacingMergeTree");
        assertThat(engines.keySet()).noneMatch(t -> t.contains("__v004"));
        assertThat(sql.rows("SELECT argMax(name, position) FROM system.columns WHERE database = '" + db
                + "' AND table = 'chained_events'")).as("last column").containsExactly("entry_version");
        assertThat(sql.rows("SELECT toString(groupArray(entry_version)) FROM (SELECT entry_version FROM " + db
                + ".chained_events WHERE seq = 3 ORDER BY event_id)")).as("forged, genuine").containsExactly("[2,1]");
        assertThat(sql.rows("SELECT toString(arraySort(groupArray(event_id))) FROM " + db + ".chained_events WHERE seq = 3"))
                .as("the genuine row and the forged one, both kept").containsExactly("['forged-3','genuine-3']");
        for (String view : VIEWS) {
            assertThat(sql.rows("SELECT count() FROM " + db + "." + view)).as(view).hasSize(1);
        }
        assertThat(sql.rows("SELECT events, latest_seq, missing_seqs, duplicate_rows, stored_rows, checkpoint_size"
                + " FROM " + db + ".chain_status WHERE tenant = 'acme' AND agent_id = 'bot'"))
                .containsExactly("10\t9\t0\t1\t11\t8");
        assertThat(sql.rows("SELECT count() FROM " + db + ".changes_without_approval")).containsExactly("1");
        assertThat(sql.rows("SELECT toString(arraySort(groupArray(version))) FROM " + db + ".schema_migrations"))
                .containsExactly("[1,2,3,4,5,6,7,8,9]");

        try (ClickHouseStore store = store(stack, db)) {
            assertThat(store.migrate("", "MigrationIT")).as("second start").isEmpty();
        }
        assertThat(contents(sql, db)).isEqualTo(before);
    }

    @Test
    void aConversionInterruptedBeforeOrAfterTheExchangeIsCompletedByTheNextStart(StackEndpoints stack)
            throws Exception {
        Sql sql = Sql.of(stack);
        String db = oldRelease(stack, "resume");
        fill(sql, db);
        Map<String, String> before = contents(sql, db);
        Ddl.Conversion events = conversion(db, "chained_events");
        Ddl.Conversion evals = conversion(db, "evals");
        // Killed after the exchange, before the drop: chained_events is the new table, __v004 the old one.
        sql.execute(events.create());
        sql.execute(events.attachAll());
        sql.execute(events.exchange());
        // Killed right after creating the copy: evals untouched, an empty __v004 beside it.
        sql.execute(evals.create());
        assertThat(engines(sql, db)).containsEntry("chained_events", "MergeTree")
                .containsEntry("chained_events__v004", "ReplacingMergeTree")
                .containsEntry("evals", "ReplacingMergeTree").containsEntry("evals__v004", "MergeTree");

        try (ClickHouseStore store = store(stack, db)) {
            assertThat(store.migrate("", "MigrationIT")).containsExactly(4, 6, 7, 8, 9);
        }

        assertThat(contents(sql, db)).isEqualTo(before);
        Map<String, String> engines = engines(sql, db);
        assertThat(engines.keySet()).noneMatch(t -> t.contains("__v004"));
        for (String table : EVIDENCE_TABLES) {
            assertThat(engines.get(table)).as(table).isEqualTo("MergeTree");
        }
    }

    @Test
    void rowsWrittenToTheOldTableDuringTheMigrationStopItAndNothingIsDropped(StackEndpoints stack) throws Exception {
        Sql sql = Sql.of(stack);
        String db = oldRelease(stack, "raced");
        fill(sql, db);
        Ddl.Conversion events = conversion(db, "chained_events");
        sql.execute(events.create());
        sql.execute(events.attachAll());
        sql.execute(events.exchange());
        // An old sink still writing to the table it knew, after the exchange.
        sql.execute("INSERT INTO " + events.temporary() + " (tenant, agent_id, seq, event_id) VALUES"
                + " ('acme', 'bot', 10, 'late')");

        try (ClickHouseStore store = store(stack, db)) {
            assertThatThrownBy(() -> store.migrate("", "MigrationIT")).isInstanceOf(SinkException.class)
                    .hasMessageContaining(db + ".chained_events__v004").hasMessageContaining("12 rows")
                    .hasMessageContaining("only 11").hasMessageContaining("nothing was dropped");
        }
        assertThat(sql.rows("SELECT count() FROM " + events.temporary() + " WHERE event_id = 'late'"))
                .containsExactly("1");
        assertThat(sql.rows("SELECT count() FROM " + db + ".schema_migrations WHERE version = 4"))
                .as("V004 not recorded").containsExactly("0");
    }

    /** A new database as the release before V004 left it: V001-V003 and V005, applied by this sink's code. */
    private static String oldRelease(StackEndpoints stack, String purpose) {
        String db = "migration_" + purpose + "_" + UUID.randomUUID().toString().substring(0, 8);
        try (ClickHouseStore store = store(stack, db)) {
            store.migrate("", "release before V004", Ddl.migrations(db, "").stream()
                    .filter(m -> m.version() <= 5 && m.version() != 4).toList());
        }
        return db;
    }

    private static ClickHouseStore store(StackEndpoints stack, String db) {
        return new ClickHouseStore(stack.clickHouseJdbcUrl(), stack.clickHouseUser(), stack.clickHousePassword(), db);
    }

    private static Ddl.Conversion conversion(String db, String table) {
        return Ddl.migrations(db, "").get(3).steps().stream().filter(s -> s instanceof Ddl.Conversion)
                .map(s -> (Ddl.Conversion) s).filter(c -> c.table().equals(db + "." + table)).findFirst()
                .orElseThrow();
    }

    /** Rows in every evidence table, as separate inserts (separate parts, so nothing is merged yet). */
    private static void fill(Sql sql, String db) throws SQLException {
        sql.execute("INSERT INTO " + db + ".chained_events (tenant, agent_id, seq, event_id, event_type, controls,"
                + " occurred_at, chained_at, kafka_partition, kafka_offset, entry_version) SELECT 'acme', 'bot', number,"
                + " concat('genuine-', toString(number)), 'AgentAction', ['A.8.15'], '2026-11-02 10:00:00',"
                + " '2026-11-02 10:00:01', 0, number, 1 FROM numbers(10)");
        // A forged second row for seq 3 (another entry version, to see that column carried over too).
        sql.execute("INSERT INTO " + db + ".chained_events (tenant, agent_id, seq, event_id, event_type,"
                + " occurred_at, chained_at, kafka_partition, kafka_offset, entry_version) VALUES ('acme', 'bot', 3,"
                + " 'forged-3', 'AgentAction', '2026-11-02 10:00:00', '2026-11-02 10:00:01', 0, 99, 2)");
        sql.execute("INSERT INTO " + db + ".checkpoints (tenant, agent_id, tree_size, created_at, kafka_offset)"
                + " VALUES ('acme', 'bot', 4, '2026-11-02 10:00:02', 0), ('acme', 'bot', 8, '2026-11-02 10:00:03', 1)");
        sql.execute("INSERT INTO " + db + ".dead_letters (tenant, agent_id, reason, headers, record_time, kafka_offset)"
                + " VALUES ('acme', 'bot', 'bad schema', {'x-reason': 'bad schema'}, '2026-11-02 10:00:00', 5)");
        sql.execute("INSERT INTO " + db + ".drift_alerts (tenant, agent_id, alert_json, record_time, kafka_offset)"
                + " VALUES ('acme', 'bot', '{}', '2026-11-02 10:00:00', 6)");
        sql.execute("INSERT INTO " + db + ".registry_schemas (schema_id, full_name) VALUES (1, 'a.A'), (2, 'a.B')");
        String typed = " (tenant, agent_id, seq, event_id, chained_at, occurred_at) VALUES ('acme', 'bot', 1, 'e1',"
                + " '2026-11-02 10:00:01', '2026-11-02 10:00:00')";
        for (String table : List.of("evals", "overrides", "approvals", "policy_changes", "incidents",
                "risk_decisions")) {
            sql.execute("INSERT INTO " + db + "." + table + typed);
        }
        sql.execute("INSERT INTO " + db + ".sink_offsets (consumer_group, topic, kafka_partition, next_offset) VALUES"
                + " ('g', 'attestream.events.chained', 0, 11)");
    }

    /** Per table: row count and a hash of every row's every column (no FINAL: what is stored). */
    private static Map<String, String> contents(Sql sql, String db) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String table : EVIDENCE_TABLES) {
            out.put(table, sql.rows("SELECT concat(toString(count()), '/', toString(sum(cityHash64(formatRow('TSV',"
                    + " *))))) FROM " + db + "." + table).get(0));
        }
        return out;
    }

    private static Map<String, String> engines(Sql sql, String db) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String row : sql.rows("SELECT arrayStringConcat(groupArray(concat(name, '=', engine)), ',') FROM"
                + " system.tables WHERE database = '" + db + "'").get(0).split(",")) {
            String[] kv = row.split("=");
            out.put(kv[0], kv[1]);
        }
        return out;
    }
}
