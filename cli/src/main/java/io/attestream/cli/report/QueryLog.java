package io.attestream.cli.report;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the report's queries and keeps each one, exactly as it ran, for the appendix: an auditor can paste any of
 * them into a ClickHouse client and get the same rows. Values are inlined as literals ({@link #literal}) rather than
 * bound, so that the text shown is the text executed.
 */
final class QueryLog {
    /** One executed query. */
    record Entry(String id, String purpose, String sql, int rows, long millis) {
    }

    private final Connection jdbc;
    private final List<Entry> entries = new ArrayList<>();

    QueryLog(Connection jdbc) {
        this.jdbc = requireNonNull(jdbc, "jdbc");
    }

    /**
     * Runs one query.
     *
     * @param purpose what it answers, for the appendix
     * @param sql the query
     * @return every row, every value as text ({@code ""} for NULL)
     * @throws SQLException from the driver
     */
    List<List<String>> rows(String purpose, String sql) throws SQLException {
        long t0 = System.nanoTime();
        List<List<String>> out = new ArrayList<>();
        try (Statement statement = jdbc.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>(columns);
                for (int c = 1; c <= columns; c++) {
                    String value = rs.getString(c);
                    row.add(value == null ? "" : value);
                }
                out.add(row);
            }
        }
        entries.add(new Entry("q" + (entries.size() + 1), purpose, sql.strip(), out.size(),
                (System.nanoTime() - t0) / 1_000_000));
        return out;
    }

    /** @return the id the next query will get, to cite it before it runs */
    String nextId() {
        return "q" + (entries.size() + 1);
    }

    List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** A ClickHouse string literal. */
    static String literal(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
