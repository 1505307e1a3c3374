package io.attestream.sink.testing;

import io.attestream.deploy.stack.StackEndpoints;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Plain SQL against the local stack's ClickHouse as its writer user; results as tab-separated strings. */
public final class Sql {
    private final String jdbcUrl;
    private final Properties credentials = new Properties();

    public Sql(String jdbcUrl, String user, String password) {
        this.jdbcUrl = jdbcUrl;
        credentials.setProperty("user", user);
        credentials.setProperty("password", password);
    }

    public static Sql of(StackEndpoints stack) {
        return new Sql(stack.clickHouseJdbcUrl(), stack.clickHouseUser(), stack.clickHousePassword());
    }

    public void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, credentials); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /**
     * Rows of a query. Through the chdb-server front clickhouse-jdbc fails on a result with no rows at all
     * (evidence-sink README): ask for aggregates where a result may be empty.
     */
    public List<String> rows(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, credentials); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    sb.append(i > 1 ? "\t" : "").append(rs.getString(i));
                }
                out.add(sb.toString());
            }
        }
        return out;
    }
}
