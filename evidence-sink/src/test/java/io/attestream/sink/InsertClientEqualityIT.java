package io.attestream.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.sink.internal.ClickHouseStore;
import io.attestream.sink.internal.ClickHouseStore.InsertClient;
import io.attestream.sink.internal.Table;
import io.attestream.sink.testing.Sql;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The two insert paths ({@code clickhouse.insert.client}) store the same bytes: the same rows, values of the Java
 * types the sink puts in rows and drawn over each column type's edges (null, empty, non-UTF-8 bytes, extreme
 * integers, -0.0 and NaN, sub-microsecond instants, empty and multi-element arrays and maps), are inserted into every
 * table of two databases, one per path, and every stored row is compared as ClickHouse's own RowBinary rendering of
 * it ({@code formatRow('RowBinary', *)}), so every column of every row must be byte-for-byte equal.
 */
@ExtendWith(LocalStackExtension.class)
class InsertClientEqualityIT {
    private static final int ROWS = 400;

    @Test
    void theClientV2PathStoresEveryColumnOfEveryTableByteForByteAsTheJdbcPath(StackEndpoints stack) throws Exception {
        Sql sql = Sql.of(stack);
        String jdbcDb = EvidenceStorageIT.migratedDatabase(stack, "path_jdbc");
        String v2Db = EvidenceStorageIT.migratedDatabase(stack, "path_v2");
        Random random = new Random(16);
        try (ClickHouseStore jdbc = store(stack, jdbcDb, InsertClient.JDBC);
             ClickHouseStore v2 = store(stack, v2Db, InsertClient.CLIENT_V2)) {
            for (Table t : Table.values()) {
                Map<String, String> types = types(sql, jdbcDb, t);
                List<Object[]> rows = new ArrayList<>();
                for (int i = 0; i < ROWS; i++) {
                    Object[] row = new Object[t.columns().size()];
                    for (int c = 0; c < row.length; c++) {
                        row[c] = value(types.get(t.columns().get(c)), random, i);
                    }
                    rows.add(row);
                }
                // Two batches per table: the second reuses the prepared statement / the encoder.
                for (List<Object[]> batch : List.of(rows.subList(0, ROWS / 2), rows.subList(ROWS / 2, ROWS))) {
                    jdbc.insert(t, batch);
                    v2.insert(t, batch);
                }
            }
        }
        for (Table t : Table.values()) {
            List<String> viaJdbc = rendered(sql, jdbcDb, t);
            assertThat(viaJdbc).as("rows of %s via jdbc", t.tableName()).hasSize(ROWS);
            assertThat(rendered(sql, v2Db, t)).as("rows of %s via client-v2, as RowBinary hex", t.tableName())
                    .containsExactlyElementsOf(viaJdbc);
        }
    }

    @Test
    void aFailedClientV2InsertNamesTheTableAndAValueThatDoesNotEncodeIsRefusedBeforeAnythingIsSent(
            StackEndpoints stack) {
        Sql sql = Sql.of(stack);
        String db = EvidenceStorageIT.migratedDatabase(stack, "path_fail");
        try (ClickHouseStore v2 = store(stack, db, InsertClient.CLIENT_V2);
             ClickHouseStore missing = store(stack, db + "_missing", InsertClient.CLIENT_V2)) {
            Object[] offsets = {"g", "t", 0, 5L, 1L, Instant.EPOCH};
            assertThatThrownBy(() -> missing.insert(Table.SINK_OFFSETS, List.<Object[]>of(offsets)))
                    .isInstanceOf(SinkException.class).hasMessageContaining("sink_offsets");
            Object[] negative = {"g", "t", 0, 5L, -1L, Instant.EPOCH}; // rows_landed is UInt64
            assertThatThrownBy(() -> v2.insert(Table.SINK_OFFSETS, List.<Object[]>of(offsets, negative)))
                    .isInstanceOf(SinkException.class).hasMessageContaining("sink_offsets.rows_landed");
            assertThat(sql.rows("SELECT count() FROM " + db + ".sink_offsets")).as("nothing of the refused batch")
                    .containsExactly("0");
            v2.insert(Table.SINK_OFFSETS, List.<Object[]>of(offsets));
            assertThat(sql.rows("SELECT count() FROM " + db + ".sink_offsets")).containsExactly("1");
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** A store configured as the sink configures its own, with {@code client} (also SinkBenchmark's). */
    static ClickHouseStore store(StackEndpoints stack, String db, InsertClient client) {
        SinkConfig config = new SinkConfig(Map.of(SinkConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
                SinkConfig.REGISTRY_URL_CONFIG, "http://unused", SinkConfig.CLICKHOUSE_URL_CONFIG,
                stack.clickHouseJdbcUrl(), SinkConfig.CLICKHOUSE_USER_CONFIG, stack.clickHouseUser(),
                SinkConfig.CLICKHOUSE_PASSWORD_CONFIG, stack.clickHousePassword(),
                SinkConfig.CLICKHOUSE_DATABASE_CONFIG, db, SinkConfig.CLICKHOUSE_INSERT_CLIENT_CONFIG, client.key()));
        assertThat(config.clickHouseInsertClient()).isEqualTo(client);
        return SinkCommand.store(config);
    }

    private static Map<String, String> types(Sql sql, String db, Table t) throws SQLException {
        Map<String, String> out = new HashMap<>();
        for (String row : sql.rows("SELECT name, type FROM system.columns WHERE database = '" + db + "' AND table = '"
                + t.tableName() + "'")) {
            String[] nameType = row.split("\t", 2);
            out.put(nameType[0], nameType[1]);
        }
        return out;
    }

    private static List<String> rendered(Sql sql, String db, Table t) throws SQLException {
        return sql.rows("SELECT hex(formatRow('RowBinary', *)) AS r FROM " + db + "." + t.tableName() + " ORDER BY r");
    }

    /** A value of the Java type the sink uses for {@code type} (RowMapper, SinkLoop); row 0 takes the edges. */
    private static Object value(String type, Random random, int row) {
        if (type.startsWith("Nullable(")) {
            return row % 3 == 1 ? null : value(type.substring(9, type.length() - 1), random, row);
        }
        if (type.startsWith("LowCardinality(")) {
            return value(type.substring(15, type.length() - 1), random, row);
        }
        if (type.startsWith("Array(")) {
            List<Object> items = new ArrayList<>();
            for (int i = random.nextInt(4); i > 0; i--) {
                items.add(value(type.substring(6, type.length() - 1), random, row + 3));
            }
            return items;
        }
        if (type.startsWith("Map(")) {
            Map<String, String> map = new LinkedHashMap<>();
            for (int i = random.nextInt(4); i > 0; i--) {
                map.put("h" + i + text(random, row + 3), text(random, row));
            }
            return map;
        }
        if (type.startsWith("FixedString(")) {
            byte[] b = new byte[Integer.parseInt(type.substring(12, type.length() - 1))];
            random.nextBytes(b);
            return b;
        }
        if (type.startsWith("DateTime64(")) {
            if (row == 0) {
                return Instant.ofEpochSecond(0, 999_999_999); // below the column's precision: truncated alike?
            }
            return Instant.ofEpochSecond(1_700_000_000L + random.nextInt(200_000_000), random.nextInt(1_000_000_000));
        }
        switch (type) {
            case "String":
                if (row % 5 == 2) {
                    byte[] b = new byte[random.nextInt(300)];
                    random.nextBytes(b); // not UTF-8: event_bytes, record_value
                    return b;
                }
                return text(random, row);
            case "UInt8":
                return (short) (row == 0 ? 255 : random.nextInt(256));
            case "UInt32":
                return row == 0 ? 0xFFFF_FFFFL : (long) random.nextInt(Integer.MAX_VALUE);
            case "UInt64":
                return row == 0 ? Long.MAX_VALUE : random.nextLong() >>> 1;
            case "Int32":
                return row == 0 ? Integer.MIN_VALUE : random.nextInt();
            case "Int64":
                return row == 0 ? Long.MIN_VALUE : row == 1 ? Long.MAX_VALUE : random.nextLong();
            case "Float64":
                return row == 0 ? -0.0 : row == 1 ? Double.NaN : row == 2 ? Double.MIN_VALUE : random.nextGaussian();
            default:
                throw new AssertionError("no test values for column type " + type);
        }
    }

    private static String text(Random random, int row) {
        if (row == 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        String alphabet = "aZ09 \t\n'\"\\,;é€😀";
        for (int i = random.nextInt(40); i > 0; i--) {
            sb.appendCodePoint(alphabet.codePoints().toArray()[random.nextInt((int) alphabet.codePoints().count())]);
        }
        return new String(sb.toString().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }
}
