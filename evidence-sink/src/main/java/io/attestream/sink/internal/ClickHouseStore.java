package io.attestream.sink.internal;

import static java.util.Objects.requireNonNull;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import com.clickhouse.jdbc.ConnectionImpl;
import io.attestream.sink.SinkException;
import io.attestream.sink.SinkException.ClickHouseUnavailableException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's one JDBC connection to ClickHouse (clickhouse-jdbc 0.10.0). Batches are inserted by the path
 * {@link InsertClient} names: the driver's PreparedStatement batches (RowBinary insert path), or the sink's own
 * RowBinary encoding ({@link RowBinaryEncoder}) sent with client-v2's {@code Client.insert} on the very client the
 * JDBC connection uses (same endpoint, credentials, TLS, timeouts, compression and server settings); DDL and
 * queries always go through JDBC. Every method either succeeds or throws {@link ClickHouseUnavailableException}
 * (retry later; the connection is reopened) or, for errors retrying cannot fix (bad SQL, missing rights, a value
 * the encoder refuses), a plain {@link SinkException}. Not thread-safe: one thread at a time (the sink hands it
 * between its consumer and lander threads, never using it from both at once).
 */
public final class ClickHouseStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseStore.class);

    /** ClickHouse error codes that retrying cannot fix: syntax, schema, type, rights. */
    private static final Set<Integer> PERMANENT_CODES = Set.of(
            16, // NO_SUCH_COLUMN_IN_TABLE
            36, // BAD_ARGUMENTS
            47, // UNKNOWN_IDENTIFIER
            53, // TYPE_MISMATCH
            60, // UNKNOWN_TABLE
            62, // SYNTAX_ERROR
            81, // UNKNOWN_DATABASE
            164, // READONLY
            192, // UNKNOWN_USER
            193, // WRONG_PASSWORD
            497, // ACCESS_DENIED
            516); // AUTHENTICATION_FAILED

    /** How {@link #insert} sends a batch ({@code clickhouse.insert.client}). */
    public enum InsertClient {
        /** clickhouse-jdbc PreparedStatement addBatch/executeBatch. */
        JDBC("jdbc"),
        /** The sink's RowBinary encoding, one client-v2 {@code Client.insert} per batch. */
        CLIENT_V2("client-v2");

        private final String key;

        InsertClient(String key) {
            this.key = key;
        }

        /** The value of {@code clickhouse.insert.client}. */
        public String key() {
            return key;
        }

        /** The path named {@code key}. */
        public static InsertClient of(String key) {
            for (InsertClient c : values()) {
                if (c.key.equals(key.toLowerCase(Locale.ROOT))) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown insert client " + key);
        }
    }

    /**
     * Default of {@code clickhouse.insert.client} and of the constructors without one: client-v2, which needs less
     * than half the client CPU per row of the JDBC batches in the sink's benchmark (README, "Insert paths"; smoke
     * figures of a shared machine) and stores the same bytes ({@code InsertClientEqualityIT}).
     */
    public static final InsertClient DEFAULT_INSERT_CLIENT = InsertClient.CLIENT_V2;

    private final String jdbcUrl;
    private final Properties credentials;
    private final String database;
    private final InsertClient insertClient;
    private Connection connection;
    /**
     * One prepared INSERT per table, kept across batches: preparing one costs clickhouse-jdbc a DESCRIBE TABLE
     * round trip on the RowBinary path.
     */
    private final Map<Table, PreparedStatement> inserts = new EnumMap<>(Table.class);
    /** client-v2 path: one encoder per table, built from the table's column types when first inserted into. */
    private final Map<Table, RowBinaryEncoder> encoders = new EnumMap<>(Table.class);
    private final RowBinaryEncoder.Buffer body = new RowBinaryEncoder.Buffer();
    /** client-v2 path: table name to column name to type, of every table of the database; see {@link #columnTypes}. */
    private final Map<String, Map<String, String>> columnTypes = new HashMap<>();

    /** Default of {@code clickhouse.socket.timeout.ms}: generous for a 20k-row batch on a loaded machine. */
    public static final int DEFAULT_SOCKET_TIMEOUT_MS = 300_000;

    /**
     * With the default socket timeout.
     *
     * @param jdbcUrl  {@code jdbc:clickhouse://host:port[/db][?options]}
     * @param database database of the evidence tables
     */
    public ClickHouseStore(String jdbcUrl, String user, String password, String database) {
        this(jdbcUrl, user, password, database, DEFAULT_SOCKET_TIMEOUT_MS);
    }

    /**
     * @param jdbcUrl         {@code jdbc:clickhouse://host:port[/db][?options]}
     * @param database        database of the evidence tables
     * @param socketTimeoutMs a request without an answer for this long fails with
     *                        {@link ClickHouseUnavailableException} (an engine that hangs must not block the sink)
     */
    public ClickHouseStore(String jdbcUrl, String user, String password, String database, int socketTimeoutMs) {
        this(jdbcUrl, user, password, database, defaultDriverProperties(socketTimeoutMs));
    }

    /**
     * @param jdbcUrl          {@code jdbc:clickhouse://host:port[/db][?options]}
     * @param database         database of the evidence tables
     * @param driverProperties appended to the URL's query string, in order (SinkConfig#clickHouseDriverProperties:
     *                         compress, beta.row_binary_for_simple_insert, socket_timeout, clickhouse_setting_*);
     *                         socket_timeout is required
     */
    public ClickHouseStore(String jdbcUrl, String user, String password, String database,
                           Map<String, String> driverProperties) {
        this(jdbcUrl, user, password, database, driverProperties, DEFAULT_INSERT_CLIENT);
    }

    /**
     * @param jdbcUrl          {@code jdbc:clickhouse://host:port[/db][?options]}
     * @param database         database of the evidence tables
     * @param driverProperties as {@link #ClickHouseStore(String, String, String, String, Map)}
     * @param insertClient     how {@link #insert} sends a batch
     */
    public ClickHouseStore(String jdbcUrl, String user, String password, String database,
                           Map<String, String> driverProperties, InsertClient insertClient) {
        requireNonNull(jdbcUrl, "jdbcUrl");
        this.insertClient = requireNonNull(insertClient, "insertClient");
        requireNonNull(driverProperties, "driverProperties");
        String timeout = driverProperties.get("socket_timeout");
        if (timeout == null || Long.parseLong(timeout) <= 0) {
            throw new IllegalArgumentException("socket_timeout must be positive: " + timeout);
        }
        StringBuilder url = new StringBuilder(jdbcUrl);
        char separator = jdbcUrl.contains("?") ? '&' : '?';
        for (Map.Entry<String, String> e : driverProperties.entrySet()) {
            url.append(separator).append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            separator = '&';
        }
        this.jdbcUrl = url.toString();
        this.credentials = new Properties();
        credentials.setProperty("user", requireNonNull(user, "user"));
        credentials.setProperty("password", requireNonNull(password, "password"));
        this.database = requireNonNull(database, "database");
    }

    /**
     * The sink's driver flags when nothing overrides them: RowBinary for PreparedStatement batches (NOTES.md: about 3x
     * the VALUES path); no HTTP compression (the sink and ClickHouse are meant to be near each other and LZ4 costs
     * CPU on both ends); the socket timeout.
     */
    static Map<String, String> defaultDriverProperties(int socketTimeoutMs) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("compress", "false");
        out.put("beta.row_binary_for_simple_insert", "true");
        out.put("socket_timeout", String.valueOf(socketTimeoutMs));
        return out;
    }

    /** The JDBC URL with the driver flags, as the connection uses it (tests). */
    String jdbcUrl() {
        return jdbcUrl;
    }

    /** Database of the evidence tables. */
    public String database() {
        return database;
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = DriverManager.getConnection(jdbcUrl, credentials);
        }
        return connection;
    }

    /** Runs one statement (DDL, small writes). */
    public void execute(String sql) {
        try (Statement st = connection().createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw failure("statement failed: " + abbreviate(sql), e);
        }
    }

    /**
     * Inserts {@code rows} into {@code table} in one batch (one INSERT ... FORMAT RowBinary request).
     *
     * <p>Durability contract: when this returns, ClickHouse has committed every row. When it throws
     * {@link ClickHouseUnavailableException}, any subset of the rows (none, some parts, all) may have been committed:
     * the caller MUST find out which ({@link #presentOffsets}) before it inserts them again.
     */
    public void insert(Table table, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        if (insertClient == InsertClient.CLIENT_V2) {
            insertWithClientV2(table, rows);
            return;
        }
        try {
            PreparedStatement ps = inserts.get(table);
            if (ps == null) {
                ps = connection().prepareStatement(table.insertSql(database));
                inserts.put(table, ps);
            }
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    ps.setObject(i + 1, row[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException | RuntimeException e) {
            // Never reuse a statement that may hold part of a failed batch.
            PreparedStatement stale = inserts.remove(table);
            if (stale != null) {
                try {
                    stale.close();
                } catch (SQLException | RuntimeException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw failure("insert of " + rows.size() + " rows into " + table.tableName() + " failed", e);
        }
    }

    /**
     * {@link #insert} on the client-v2 path. The whole batch is encoded before the request starts, so a value the
     * encoder refuses fails the call (permanently: retrying cannot fix it) before a byte is sent; the request then
     * streams the encoded body as {@code INSERT INTO db.table (columns) FORMAT RowBinary}, one request, on the JDBC
     * connection's own client-v2 {@link Client}, with the same per-request settings as clickhouse-jdbc's batch
     * insert (a fresh {@link InsertSettings}: the client's server settings, database and timeouts apply alike).
     */
    private void insertWithClientV2(Table table, List<Object[]> rows) {
        Client client;
        RowBinaryEncoder encoder;
        try {
            client = connection().unwrap(ConnectionImpl.class).getClient();
            encoder = encoders.get(table);
            if (encoder == null) {
                encoder = RowBinaryEncoder.forColumns(table.tableName(), table.columns(), columnTypes(table));
                encoders.put(table, encoder);
            }
        } catch (SQLException | RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw new SinkException("insert into " + table.tableName() + ": " + e.getMessage(), e);
            }
            throw failure("insert of " + rows.size() + " rows into " + table.tableName() + " failed", e);
        }
        body.reset();
        try {
            for (Object[] row : rows) {
                encoder.encode(row, body);
            }
        } catch (IllegalArgumentException e) {
            throw new SinkException("insert of " + rows.size() + " rows into " + table.tableName() + ": a value"
                    + " does not encode: " + e.getMessage(), e);
        }
        try (InsertResponse response = client.insert(database + "." + table.tableName(), table.columns(),
                body::writeTo, ClickHouseFormat.RowBinary, new InsertSettings()).get()) {
            LOG.trace("inserted {} rows into {} (query {})", rows.size(), table.tableName(), response.getQueryId());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("insert of " + rows.size() + " rows into " + table.tableName() + " interrupted", e);
        } catch (ExecutionException e) {
            throw failure("insert of " + rows.size() + " rows into " + table.tableName() + " failed",
                    e.getCause() instanceof Exception cause ? cause : e);
        } catch (RuntimeException e) {
            throw failure("insert of " + rows.size() + " rows into " + table.tableName() + " failed", e);
        }
    }

    /**
     * Column name to ClickHouse type of {@code table}. The first call reads the types of every table of the database in
     * one query (one row: see {@link #list}; types contain commas) and keeps them until {@link #reset}: a sink's first
     * batch would otherwise pay one round trip (40-50 ms on the local engine) per table it feeds.
     */
    private Map<String, String> columnTypes(Table table) {
        Map<String, String> known = columnTypes.get(table.tableName());
        if (known != null && known.keySet().containsAll(table.columns())) {
            return known; // else read again: the table may have been altered since
        }
        Map<String, Map<String, String>> out = new HashMap<>();
        query("SELECT arrayStringConcat(groupArray(concat(table, '\t', name, '\t', type)), '\n') FROM system.columns"
                + " WHERE database = " + quote(database), rs -> {
                    String joined = rs.getString(1);
                    if (joined != null && !joined.isEmpty()) {
                        for (String line : joined.split("\n")) {
                            int tab = line.indexOf('\t');
                            int tab2 = line.indexOf('\t', tab + 1);
                            out.computeIfAbsent(line.substring(0, tab), t -> new HashMap<>())
                                    .put(line.substring(tab + 1, tab2), line.substring(tab2 + 1));
                        }
                    }
                });
        columnTypes.clear();
        columnTypes.putAll(out);
        return out.getOrDefault(table.tableName(), Map.of());
    }

    /** Next offsets recorded for {@code group} and {@code topic}: partition to next offset. */
    public Map<Integer, Long> committedOffsets(String group, String topic) {
        Map<Integer, Long> out = new HashMap<>();
        for (String pair : list("concat(toString(kafka_partition), ':', toString(next_offset))", "(SELECT kafka_partition,"
                + " max(next_offset) AS next_offset FROM " + database + ".sink_offsets WHERE consumer_group = "
                + quote(group) + " AND topic = " + quote(topic) + " GROUP BY kafka_partition)")) {
            int colon = pair.indexOf(':');
            out.put(Integer.parseInt(pair.substring(0, colon)), Long.parseLong(pair.substring(colon + 1)));
        }
        return out;
    }

    /**
     * The sources recorded for {@code topic} in {@code sink_sources} (migration V009), each as
     * {@code <kafka cluster id>/<topic id>}.
     */
    public Set<String> sourcesOf(String topic) {
        return new HashSet<>(list("concat(kafka_cluster_id, '/', topic_id)", "(SELECT DISTINCT kafka_cluster_id,"
                + " topic_id FROM " + database + ".sink_sources WHERE topic = " + quote(topic) + ")"));
    }

    /**
     * Offsets of rows of {@code table} at or beyond a start offset per partition, in one query.
     *
     * @param fromByPartition partition to the first offset of interest
     * @return partition to the offsets present (partitions without any are absent)
     */
    public Map<Integer, Set<Long>> presentOffsets(Table table, Map<Integer, Long> fromByPartition) {
        Map<Integer, Set<Long>> out = new HashMap<>();
        if (fromByPartition.isEmpty()) {
            return out;
        }
        List<String> ranges = new ArrayList<>();
        fromByPartition.forEach((p, from) -> ranges.add("(kafka_partition = " + p + " AND kafka_offset >= " + from
                + ")"));
        for (String pair : list("concat(toString(kafka_partition), ':', toString(kafka_offset))", database + "."
                + table.tableName() + " WHERE " + String.join(" OR ", ranges))) {
            int colon = pair.indexOf(':');
            out.computeIfAbsent(Integer.parseInt(pair.substring(0, colon)), k -> new HashSet<>())
                    .add(Long.parseLong(pair.substring(colon + 1)));
        }
        return out;
    }

    /** Offsets of rows of {@code table} from {@code partition} in {@code [from, to]}. */
    public Set<Long> presentOffsets(Table table, int partition, long from, long to) {
        Set<Long> out = new HashSet<>();
        for (String offset : list("toString(kafka_offset)", database + "." + table.tableName() + " WHERE kafka_partition = "
                + partition + " AND kafka_offset >= " + from + " AND kafka_offset <= " + to)) {
            out.add(Long.parseLong(offset));
        }
        return out;
    }

    /** Schema ids already in registry_schemas. */
    public Set<Integer> landedSchemaIds() {
        Set<Integer> out = new HashSet<>();
        for (String id : list("toString(schema_id)", database + ".registry_schemas")) {
            out.add(Integer.parseInt(id));
        }
        return out;
    }

    /** Applied migration versions with their checksums. */
    public Map<Integer, String> appliedMigrations() {
        Map<Integer, String> out = new HashMap<>();
        for (String pair : list("concat(toString(version), ':', checksum)", database + ".schema_migrations")) {
            int colon = pair.indexOf(':');
            out.put(Integer.parseInt(pair.substring(0, colon)), pair.substring(colon + 1));
        }
        return out;
    }

    /**
     * The values of a String expression over a FROM clause, fetched as ONE row ({@code groupArray}): an aggregate
     * without GROUP BY always answers one row, and through the chdb-server front clickhouse-jdbc 0.10.0 fails on
     * results with no rows at all ("Failed to read value for column ...").
     */
    private List<String> list(String expression, String from) {
        List<String> out = new ArrayList<>();
        query("SELECT arrayStringConcat(groupArray(" + expression + "), ',') FROM " + from, rs -> {
            String joined = rs.getString(1);
            if (joined != null && !joined.isEmpty()) {
                out.addAll(List.of(joined.split(",")));
            }
        });
        return out;
    }

    /**
     * Applies the migrations not yet recorded in {@code schema_migrations}, in order, and records them. Each
     * statement is idempotent, so a crash half-way is repaired by the next start.
     *
     * @return versions applied now
     * @throws SinkException when a recorded migration's checksum differs from the one shipped (someone edited a
     *                       released migration)
     */
    public List<Integer> migrate(String cluster, String appliedBy) {
        return migrate(cluster, appliedBy, Ddl.migrations(database, cluster));
    }

    /** {@link #migrate(String, String)} with the given migrations (tests: a database as an older release left it). */
    List<Integer> migrate(String cluster, String appliedBy, List<Ddl.Migration> migrations) {
        String onCluster = cluster.isEmpty() ? "" : " ON CLUSTER " + cluster;
        execute("CREATE DATABASE IF NOT EXISTS " + database + onCluster);
        execute(Ddl.schemaMigrationsTable(database, cluster));
        Map<Integer, String> applied = appliedMigrations();
        List<Integer> now = new ArrayList<>();
        for (Ddl.Migration m : migrations) {
            String recorded = applied.get(m.version());
            if (recorded != null) {
                if (!recorded.equals(m.checksum())) {
                    throw new SinkException("migration " + m.name() + " was applied with checksum " + recorded
                            + " but this build ships " + m.checksum() + ": released migrations must not change;"
                            + " add a new version", null);
                }
                continue;
            }
            for (Ddl.Step step : m.steps()) {
                if (step instanceof Ddl.Conversion c) {
                    convert(c);
                } else {
                    execute(((Ddl.Statement) step).text());
                }
            }
            execute("INSERT INTO " + database + ".schema_migrations VALUES (" + m.version() + ", " + quote(m.name())
                    + ", " + quote(m.checksum()) + ", now64(6), " + quote(appliedBy) + ")");
            LOG.info("applied migration {} ({} statements)", m.name(), m.statements().size());
            now.add(m.version());
        }
        return now;
    }

    /**
     * Runs a {@link Ddl.Conversion}, checking the state before each step so that a run interrupted anywhere is
     * completed by the next one: the table already has the new engine (done; a leftover old table is dropped once
     * its rows are known to be in the new one), or it has the old engine (a leftover new table holds only copies and
     * is rebuilt). Rows are carried over part by part (ATTACH PARTITION ALL FROM: no merge, no row collapsed) and
     * counted before the exchange and after it.
     *
     * @throws SinkException when the counts differ (a writer was active during the migration; nothing is dropped),
     *                       or on a cluster when the table holds rows (README, "Migration V004")
     */
    void convert(Ddl.Conversion c) {
        String engine = engineOf(c.table());
        if (engine == null) {
            throw new SinkException("migration V004: table " + c.table() + " does not exist", null);
        }
        if (engine.equals(c.engineName())) {
            String old = engineOf(c.temporary());
            if (old != null) {
                // Interrupted after the exchange: the leftover is the old table. Every row it has is in the new one
                // (same parts, and the sink does not write during migrations) unless it has more.
                long kept = count(c.temporary());
                long now = count(c.table());
                if (kept > now) {
                    throw new SinkException("migration V004: " + c.temporary() + " (the old table) has " + kept
                            + " rows but " + c.table() + " only " + now + ": rows were"
                            + " written to the old table during the migration; nothing was dropped (README,"
                            + " \"Migration V004\")", null);
                }
                execute(c.drop());
            }
            return;
        }
        long rows = count(c.counted());
        if (!c.attach() && rows > 0) {
            throw new SinkException("migration V004: " + c.counted() + " holds " + rows + " rows; on a cluster V004"
                    + " converts only empty tables: convert it by hand first (README, \"Migration V004\")", null);
        }
        execute(c.drop()); // a copy left by an interrupted run; the original is untouched
        execute(c.create());
        if (c.attach() && rows > 0) {
            execute(c.attachAll());
        }
        long copied = count(c.temporary());
        if (c.attach() && copied != rows) {
            throw new SinkException("migration V004: " + c.table() + " has " + rows + " rows but its copy "
                    + c.temporary() + " " + copied + ": is a sink writing? Stop every sink and start one (README,"
                    + " \"Migration V004\")", null);
        }
        execute(c.exchange());
        long old = count(c.temporary());
        if (old != copied) {
            throw new SinkException("migration V004: " + old + " rows in the old table " + c.temporary() + " after the"
                    + " exchange, " + copied + " copied: rows were written during the migration; nothing was dropped"
                    + " (README, \"Migration V004\")", null);
        }
        execute(c.drop());
        LOG.info("V004: {} is a {} now; {} rows kept", c.table(), c.engineName(), copied);
    }

    /** Engine of {@code db.table} from system.tables, or null when it does not exist. */
    String engineOf(String qualified) {
        int dot = qualified.indexOf('.');
        List<String> engines = list("engine", "system.tables WHERE database = " + quote(qualified.substring(0, dot))
                + " AND name = " + quote(qualified.substring(dot + 1)));
        return engines.isEmpty() ? null : engines.get(0);
    }

    private long count(String qualified) {
        long[] n = {-1};
        query("SELECT count() FROM " + qualified, rs -> n[0] = rs.getLong(1)); // an aggregate: always one row
        return n[0];
    }

    /** Closes the connection; the next call opens a new one. */
    public void reset() {
        for (PreparedStatement ps : inserts.values()) {
            try {
                ps.close();
            } catch (SQLException | RuntimeException e) {
                LOG.debug("closing a statement of a failed connection: {}", e.toString());
            }
        }
        inserts.clear();
        encoders.clear(); // a table's types may change between connections (a migration)
        columnTypes.clear();
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException | RuntimeException e) {
                LOG.debug("closing a failed connection: {}", e.toString());
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        reset();
    }

    /** Reads rows of a query. */
    public void query(String sql, RowReader reader) {
        try (Statement st = connection().createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                reader.read(rs);
            }
        } catch (SQLException | RuntimeException e) {
            throw failure("query failed: " + abbreviate(sql), e);
        }
    }

    /** Reads one row of a result set. */
    @FunctionalInterface
    public interface RowReader {
        /** Consumes the current row. */
        void read(ResultSet rs) throws SQLException;
    }

    private SinkException failure(String what, Exception e) {
        int code = e instanceof SQLException sql ? sql.getErrorCode() : e instanceof ServerException server
                ? server.getCode() : 0;
        if (PERMANENT_CODES.contains(code)) {
            return new SinkException(what + ": ClickHouse error " + code + ": " + e.getMessage()
                    + " (check clickhouse.url, clickhouse.user, clickhouse.database)", e);
        }
        reset();
        return new ClickHouseUnavailableException(what + ": " + e, e);
    }

    static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String abbreviate(String sql) {
        String one = sql.replaceAll("\\s+", " ");
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }
}
